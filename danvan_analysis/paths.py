"""Every path the toolkit uses by default comes from here (no path literals elsewhere).

Paths are relative to the working directory the user runs ``danvan`` in (normally the project root), never
discovered by walking directories or read from environment variables.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

#: Users' own files; read, never written by the toolkit.
RAW_DIR = Path("data") / "raw"
#: Generated demo data, one folder per year.
DEMO_DIR = Path("data") / "demo"
#: The file `danvan demo` writes at the root of a demo data folder: reports made from such a folder say, on every
#: page, that the figures are invented.
DEMO_MARKER = "DEMO_DATA.txt"
#: Generated reports, one folder per year.
REPORTS_DIR = Path("reports")
#: The notebooks shipped with the project.
NOTEBOOKS_DIR = Path("notebooks")


def package_data(name: str) -> Path:
    """Return the path of a data file shipped inside the package (``danvan_analysis/data/<name>``)."""
    return Path(str(resources.files("danvan_analysis") / "data" / name))


def demo_dir(year: int, root: Path = DEMO_DIR) -> Path:
    """Return the folder of the demo data for ``year``."""
    return Path(root) / str(year)


def reports_dir(year: int, root: Path = REPORTS_DIR) -> Path:
    """Return the folder of the reports for ``year``."""
    return Path(root) / str(year)


def is_demo_data(root: Path) -> bool:
    """Whether ``root`` (a data folder holding ``<year>/`` sub-folders) was written by ``danvan demo``."""
    return (Path(root) / DEMO_MARKER).is_file()
