"""`danvan units` and `danvan reports` on the map of a year and province (issue 14)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "danvan_analysis.cli", *args], capture_output=True, text=True, encoding="utf-8"
    )


def test_units_of_a_two_level_year():
    result = _run("units", "--year", "2026")
    assert result.returncode == 0, result.stderr
    assert "92 communes and wards, no district level" in result.stdout
    assert "Huyện" not in result.stdout


def test_units_before_july_2025():
    result = _run("units", "--year", "2025", "--period", "H1")
    assert result.returncode == 0, result.stderr
    assert "172 communes in all" in result.stdout


def test_units_of_another_province():
    result = _run("units", "--year", "2026", "--province", "1")
    assert result.returncode == 0, result.stderr
    assert "Thành phố Hà Nội" in result.stdout


def test_former_district_on_the_two_level_map_says_where_its_communes_went():
    result = _run("units", "--year", "2026", "--district", "Huyện Đại Từ")
    assert result.returncode == 2
    assert "không còn tồn tại từ ngày 01/07/2025" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        # Another province in a two-level year runs on its own plan: the shipped example is Thái Nguyên's.
        (("--year", "2026", "--province", "01"), "the plan must be that province's"),
        (("--year", "2025", "--period", "9M", "--province", "01"), "the plan must be that province's"),
        # A year with districts: only Thái Nguyên's 2023 register ships.
        (("--year", "2023", "--province", "01"), "evaluate Thái Nguyên (19) only"),
        (("--year", "2025", "--period", "H1", "--province", "01"), "evaluate Thái Nguyên (19) only"),
    ],
)
def test_reports_refuse_a_map_the_notebooks_cannot_evaluate(args, says, tmp_path):
    result = _run("reports", *args, "--out", str(tmp_path))
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())  # nothing written
