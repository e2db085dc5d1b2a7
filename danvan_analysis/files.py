"""File helpers: atomic writes, stale temp files, content hashes (the package's one atomic-write helper).

An interrupted run (Ctrl-C, SIGKILL, power loss) must never leave a half-written report, manifest or shared-results
table: every file is written under a hidden temporary name in the folder it belongs to and moved into place with
:func:`os.replace`, which POSIX and Windows guarantee to be atomic within one file system. A killed run can leave
only hidden ``.<name>.*.tmp`` files behind; :func:`remove_stale_temp_files` sweeps them at the start of the next run.

A core module (it imports nothing of the package): the kernel-side :mod:`danvan_analysis.reports.shared` and the
batch machinery (:mod:`danvan_analysis.batch`) both write with it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

TEMP_SUFFIX = ".tmp"
_CHUNK = 1 << 20


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one, never a part.

    Parameters
    ----------
    path : the final file; its folder is created when missing.
    data : bytes, or text written as UTF-8 (explicitly: the reports are Vietnamese).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    # Same folder as the target: os.replace is only atomic within one file system. Created like open() does
    # (mode 0o666 less the umask; tempfile.mkstemp would make it private), exclusively under a random name.
    temp_name = path.parent / f".{path.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
    handle = os.open(temp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def remove_stale_temp_files(folder: Path) -> list[Path]:
    """Delete the hidden temporary files an interrupted run left in ``folder`` and its sub-folders."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = [p for p in folder.rglob(f".*{TEMP_SUFFIX}") if p.is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def hash_file(path: Path) -> str:
    """Return the SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def hash_bytes(data: bytes | str) -> str:
    """Return the SHA-256 of bytes or UTF-8 text (hex)."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def hash_tree(root: Path, *, suffixes: Iterable[str] | None = None) -> dict[str, str]:
    """Return ``{relative posix path: sha256}`` for every visible file under ``root``, sorted by path.

    Hidden files and folders (``.git``, ``.ipynb_checkpoints``, our temp files) and ``__pycache__`` are skipped:
    they are not inputs.
    """
    root = Path(root)
    wanted = tuple(suffixes) if suffixes is not None else None
    hashes: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if not path.is_file() or (wanted is not None and not path.name.endswith(wanted)):
            continue
        hashes[relative.as_posix()] = hash_file(path)
    return hashes
