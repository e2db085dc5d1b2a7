"""A modified plan file reaches the HTML reports through `danvan reports --plan`, with no code change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from danvan_analysis.plan import default_plan_path

pytestmark = pytest.mark.slow


def test_reports_follow_a_modified_plan(tmp_path: Path) -> None:
    from danvan_analysis.demo import write_demo

    write_demo(tmp_path / "data", respondents=3000)
    text = default_plan_path().read_text(encoding="utf-8")
    text = text.replace('comparison: ">"\n    threshold: 80', 'comparison: ">"\n    threshold: 95', 1)
    start, end = text.index("  - code: 5b\n"), text.index("  - code: 5c\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text[:start] + text[end:], encoding="utf-8")
    danvan = [sys.executable, "-m", "danvan_analysis.cli"]
    common = ["reports", "--year", "2023", "--districts", "165", "--data", str(tmp_path / "data"), "--jobs", "1"]
    shipped = subprocess.run(
        [*danvan, *common, "--out", str(tmp_path / "a")], capture_output=True, text=True, check=False
    )
    modified = subprocess.run(
        [*danvan, *common, "--out", str(tmp_path / "b"), "--plan", str(plan)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shipped.returncode == 0 and modified.returncode == 0, shipped.stderr + modified.stderr
    before = next((tmp_path / "a").glob("165-*.html")).read_text(encoding="utf-8")
    after = next((tmp_path / "b").glob("165-*.html")).read_text(encoding="utf-8")
    assert "yêu cầu: &gt; 80 %" in before and "yêu cầu: &gt; 95 %" in after
    assert "Chỉ tiêu 5b" in before and "Chỉ tiêu 5b" not in after
    assert "ngưỡng do nhóm phân tích chọn: ≥ 80 %" in after  # the survey threshold is still ours, and says so

    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("threshold: 95", "threshold: lots", 1), encoding="utf-8")
    run = subprocess.run(
        [*danvan, *common, "--out", str(tmp_path / "c"), "--plan", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and "line" in run.stderr and "lots" in run.stderr
    assert not (tmp_path / "c").exists() or not list((tmp_path / "c").glob("*.html"))
