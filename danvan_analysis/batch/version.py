"""Version and content digest of the installed package, recorded in the manifest and used as a rerun key.

The version string alone does not change while a developer edits an editable install, so the incremental batch
also keys on a digest of the package's own files (code, templates, shipped data): a report is rebuilt whenever the
code that produced it changed.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata
from pathlib import Path

from danvan_analysis.files import hash_bytes, hash_tree

_SOURCE_SUFFIXES = (".py", ".csv", ".j2", ".css", ".json")


@cache
def package_version() -> str:
    """The installed version of danvan-analysis (``"0+unknown"`` when run from an uninstalled tree)."""
    try:
        return metadata.version("danvan-analysis")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@cache
def package_digest() -> str:
    """SHA-256 over the package's code, templates and shipped data files."""
    root = Path(__file__).resolve().parents[1]
    hashes = hash_tree(root, suffixes=_SOURCE_SUFFIXES)
    return hash_bytes("\n".join(f"{name} {digest}" for name, digest in hashes.items()))
