"""Fixtures of the batch tests: a minimal data folder for the runner on fixture notebooks."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def minimal_data(tmp_path: Path) -> Path:
    """A data folder the runner accepts (``2023/`` with one dataset file); fixture notebooks never read it."""
    year = tmp_path / "data" / "2023"
    year.mkdir(parents=True)
    (year / "survey.csv").write_text("respondent_id\n", encoding="utf-8")
    return tmp_path / "data"
