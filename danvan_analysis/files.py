"""File helpers: atomic writes, stale temp files, content hashes (the package's one atomic-write helper).

An interrupted run (Ctrl-C, SIGKILL, power loss) must never leave a half-written report, manifest or shared-results
table: every file is written under a hidden temporary name in the folder it belongs to and moved into place with
:func:`os.replace`, which POSIX and Windows guarantee to be atomic within one file system. A killed run can leave
only hidden ``.<name>.<host>-<pid>.<random>.tmp`` files behind; :func:`remove_stale_temp_files` sweeps them at the
start of the next run, but only those of a writer that is gone (its process no longer runs on this machine) or older
than :data:`STALE_AFTER`: two batches may write into one folder at once, and one's start must not delete the other's
file in flight.

Read-modify-write of a shared file (the batch manifest, which two batches into one folder both update) happens under
:func:`folder_lock`, an exclusive advisory lock on a hidden lock file, which the operating system releases when its
holder exits or is killed: a lock is never left stale.

A core module (it imports nothing of the package): the kernel-side :mod:`danvan_analysis.reports.shared` and the
batch machinery (:mod:`danvan_analysis.batch`) both write with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"
LOCK_NAME = ".danvan.lock"
#: Age after which a temporary file is abandoned whoever wrote it (a write takes seconds, not hours); covers writers
#: on other machines (dask workers) and process ids reused since.
STALE_AFTER = 6 * 3600.0
_CHUNK = 1 << 20
#: This machine's tag in temporary names (a digest of the host name).
HOST_TAG = hashlib.sha256(socket.gethostname().encode("utf-8")).hexdigest()[:6]
_OWNER = re.compile(r"\.([0-9a-f]{6})-(\d+)\.[0-9a-f]+\.tmp$")


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
    # The name says who writes it (host and process id), so a sweep can tell a live writer's file from a dead one's.
    temp_name = path.parent / f".{path.name}.{HOST_TAG}-{os.getpid()}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
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


def remove_stale_temp_files(folder: Path, *, max_age: float = STALE_AFTER) -> list[Path]:
    """Delete the hidden temporary files an interrupted run left in ``folder`` and its sub-folders.

    Only files of a writer that is gone: written on this machine by a process that no longer runs, or older than
    ``max_age`` seconds (any writer, any name). A file another running batch is writing is left alone.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    now = time.time()
    removed = []
    for path in folder.rglob(f".*{TEMP_SUFFIX}"):
        try:
            old = now - path.stat().st_mtime > max_age
        except OSError:  # replaced or removed by its writer meanwhile
            continue
        owner = _OWNER.search(path.name)
        dead = owner is not None and owner[1] == HOST_TAG and not _running(int(owner[2]))
        if path.is_file() and (old or dead):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's process, or a platform without signal 0
        return True
    return True


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (its hidden ``.danvan.lock`` file) for a read-modify-write.

    Blocks until the lock is free. The lock is advisory (``flock`` on POSIX, ``msvcrt.locking`` on Windows) and
    belongs to the open file: the system drops it when the holder exits, even by SIGKILL, so it is never stale. The
    file keeps the last holder's process id and start time, for whoever wonders who holds it. Not re-entrant.
    """
    path = Path(folder) / LOCK_NAME
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _lock(handle)
        os.ftruncate(handle, 0)
        os.write(handle, f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n".encode())
        yield path
    finally:
        os.close(handle)  # closing releases the lock


def _lock(handle: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        while True:
            try:
                msvcrt.locking(handle, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                return
            except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                continue
    fcntl.flock(handle, fcntl.LOCK_EX)


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
