"""The plan file: the shipped 2023 plan as the seed states it, line-numbered errors, and a modified plan followed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from danvan_analysis.errors import PlanError
from danvan_analysis.plan import default_plan_path, load_plan, plan_from_text
from danvan_analysis.scorecard import score_targets

SHIPPED = default_plan_path().read_text(encoding="utf-8")


def test_shipped_plan_holds_the_seed_plan() -> None:
    """Section II's six targets (2 split in its four indices + our survey row, 4 and 5 in their parts), section
    III's eight task areas, section IV's nine assignments and the four deadlines "trước ngày 15" of 3, 6, 9, 11."""
    plan = load_plan()
    assert [t.code for t in plan.targets] == [
        "1",
        "2a",
        "2b",
        "2c",
        "2d",
        "2e",
        "3",
        "4a",
        "4b",
        "5a",
        "5b",
        "5c",
        "6",
        "R",
    ]
    assert [a.code for a in plan.task_areas] == list(range(1, 9))
    assert [a.section for a in plan.agencies] == [str(i) for i in range(1, 10)]
    assert [plan.deadline(p) for p in ("Q1", "H1", "9M", "Y")] == [dt.date(2023, m, 15) for m in (3, 6, 9, 11)]
    assert plan.target("5a").checks[0].comparison == ">" and plan.target("5a").checks[0].threshold == 80
    assert plan.target("2e").threshold_source == "toolkit"  # the plan sets no district satisfaction level
    assert {t.threshold_source for t in plan.targets if t.code != "2e"} == {"plan"}
    assert plan.year == 2023 and plan.spec.plan.issuing_body.vi == "Ủy ban nhân dân tỉnh Thái Nguyên"


def test_window_follows_the_cutoff_rule() -> None:
    plan = load_plan()
    assert plan.window("H1") == (dt.date(2023, 1, 1), dt.date(2023, 6, 14))
    rolling = plan_from_text(SHIPPED.replace("cutoff: cumulative", "cutoff: between_deadlines"))
    assert rolling.window("Q1") == (dt.date(2023, 1, 1), dt.date(2023, 3, 14))
    assert rolling.window("9M") == (dt.date(2023, 6, 15), dt.date(2023, 9, 14))


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_every_problem_is_listed_with_its_line() -> None:
    """Three independent mistakes in one file: all three are reported, each with the line a person must fix."""
    text = SHIPPED.replace('comparison: ">"\n    threshold: 80', 'comparison: ">"\n    threshold: eighty', 1)
    text = text.replace('deadline: "06-15"', 'deadline: "06-31"', 1)
    text = text.replace("measure: dialogues.dialogue_heads", "measure: dialogues.dialogue_head", 1)
    with pytest.raises(PlanError) as caught:
        plan_from_text(text, source="plan.yaml")
    problems = {p["field"]: p for p in caught.value.problems}
    assert len(caught.value.problems) == 3, caught.value.problems
    deadline = problems["calendar.periods[1].deadline"]
    assert deadline["line"] == _line_of(text, '"06-31"') and "not a day of the year" in deadline["expected"]
    threshold = next(p for f, p in problems.items() if f.endswith("threshold"))
    assert threshold["line"] == _line_of(text, "threshold: eighty") and threshold["value"] == "eighty"
    measure = next(p for f, p in problems.items() if f.endswith("measure"))
    assert measure["line"] == _line_of(text, "dialogues.dialogue_head\n") and "dialogue_heads" in measure["expected"]
    message = str(caught.value)
    assert "plan.yaml has 3 problem(s)" in message and f"line {deadline['line']}" in message


def test_references_and_yaml_traps_are_checked() -> None:
    text = SHIPPED.replace("units: [SKHDT]", "units: [SKHĐT]")
    start = text.index("  - code: 2b\n")
    text = text[:start] + text[start:].replace("task_area: 2\n", "task_area: 12\n", 1)
    text = text.replace("format: 1\n", "format: 1\nformat: 1\n")
    with pytest.raises(PlanError) as caught:
        plan_from_text(text)
    found = {(p["field"], p["value"]) for p in caught.value.problems}
    assert ("agencies[1].units[0]", "SKHĐT") in found
    assert ("targets[2].task_area", 12) in found
    assert ("format", "format") in found  # a repeated key is an error, not silently the last one
    with pytest.raises(PlanError, match="line 2"):
        plan_from_text("format: 1\nplan: [unclosed\n")


def test_unreadable_or_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    from danvan_analysis.errors import InputFileError

    with pytest.raises(InputFileError, match="Cannot read the plan file"):
        load_plan(tmp_path / "missing.yaml")


def test_a_modified_plan_is_followed_with_no_code_change(tmp_path: Path) -> None:
    """A stricter 5a threshold, target 5b removed and a new Q1 deadline: scorecard and tables follow the file."""
    text = SHIPPED.replace('comparison: ">"\n    threshold: 80', 'comparison: ">"\n    threshold: 90', 1)
    start, end = text.index("  - code: 5b\n"), text.index("  - code: 5c\n")
    text = text[:start] + text[end:]
    text = text.replace('deadline: "03-15"', 'deadline: "03-05"')
    path = tmp_path / "plan_2023_modified.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    religion = {
        "year": [2023], "period": ["Y"], "district_code": ["165"], "religion": ["buddhism"], "dignitaries_total": [20],
        "dignitaries_informed": [17], "venues": [3], "registered_activities": [2], "hot_spots": [0],
        "unlawful_followers": [0],
    }  # fmt: skip
    import pandas as pd

    submissions = pd.DataFrame(
        {
            "year": 2023,
            "unit_code": "165",
            "period": ["Q1", "H1", "9M", "Y"],
            "date_received": pd.to_datetime(["2023-03-10", "2023-06-10", "2023-09-10", "2023-11-10"]),
        }
    )
    data = {"religion": pd.DataFrame(religion), "submissions": submissions}
    shipped = score_targets(data, year=2023, district="165")
    modified = score_targets(data, year=2023, district="165", plan=plan)
    assert (shipped.get("5a").status, modified.get("5a").status) == ("met", "not_met")  # 85 % > 80 % but not > 90 %
    assert "5b" in shipped.to_frame()["target"].tolist() and "5b" not in modified.to_frame()["target"].tolist()
    assert (shipped.get("R").status, modified.get("R").status) == ("met", "not_met")  # 10/3 is late for 05/3
    assert [s.reason for s in modified.get("R").shortfalls] == ["late"]
    from danvan_analysis.scorecard import compute_plan_tables

    table = compute_plan_tables(data, year=2023, district="165", plan=plan)["religion"]
    informed = table.get("religion_informed", unit_code="165")
    assert (informed.threshold, informed.met) == (90.0, False)  # the table shown agrees with the target
