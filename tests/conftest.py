"""Fixtures shared by the test folders: a project-like sandbox with the demo data (notebook and batch tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project-like folder: ``notebooks/`` (copies) and ``data/demo/`` (the demo data), as in a fresh clone.

    The notebooks' default ``data_dir`` (``../data/demo``) resolves here exactly as it does in the repository, and
    no test writes into the repository.
    """
    import shutil

    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("project")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    write_demo(root / "data" / "demo", years=[2021, 2022, 2023])
    return root
