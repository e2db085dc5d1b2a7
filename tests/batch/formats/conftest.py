"""Fixtures of the format writers' tests: one real district report, executed once per session."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest


@pytest.fixture(scope="session")
def executed(sandbox: Path) -> nbformat.NotebookNode:
    """The district report of Định Hóa (167) on the demo data, run by plain papermill, dated 15/03/2024 (a fixed day:
    the tests that read its date may run after midnight)."""
    import papermill

    return papermill.execute_notebook(
        str(sandbox / "notebooks" / "district_report.ipynb"),
        None,
        parameters={"district": "167", "report_date": "15/03/2024"},
        cwd=str(sandbox / "notebooks"),
        progress_bar=False,
    )
