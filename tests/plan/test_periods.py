"""A period report counts what had happened by the plan's cut-off: figures recounted here from the raw files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from danvan_analysis.plan import default_plan_path, load_plan, plan_from_text
from danvan_analysis.scorecard import compute_plan_tables, score_targets


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from danvan_analysis.demo import write_demo

    root = tmp_path_factory.mktemp("demo")
    write_demo(root, years=[2022, 2023], respondents=1000, seed=7)
    return root


@pytest.fixture(scope="module")
def bundle(demo: Path):
    from danvan_analysis.io import load_bundle

    return load_bundle(demo)


def _raw(demo: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(demo / "2023" / f"{name}.csv", dtype=str)


def test_q1_figures_are_those_up_to_14_march(bundle, demo: Path) -> None:
    """Dialogues held 01/01–14/03, plans issued by 14/03, Q1 religion figures, the Q1 report only due."""
    tables = compute_plan_tables(bundle, year=2023, district="172", plan=load_plan(), period="Q1")
    dialogues = _raw(demo, "dialogues")
    dates = pd.to_datetime(dialogues["date"])
    in_q1 = dialogues[(dialogues["district_code"] == "172") & (dates <= "2023-03-14")]
    assert tables["dialogues"].get("dialogue_count").value == len(in_q1)

    plans = _raw(demo, "plans")
    mine = plans[(plans["district_code"] == "172") & plans["unit_kind"].isin(["district", "commune"])]
    issued = mine[(mine["issued"].str.lower() == "true") & (pd.to_datetime(mine["issue_date"]) <= "2023-03-14")]
    item = tables["plans"].get("plan_issued")
    assert (item.numerator, item.denominator) == (len(issued), 1 + 18)  # Phổ Yên and its 18 communes

    religion = _raw(demo, "religion")
    q1 = religion[(religion["district_code"] == "172") & (religion["period"] == "Q1")]
    assert tables["religion"].get("religion_informed").numerator == q1["dignitaries_informed"].astype(int).sum()

    on_time = tables["submissions"].get("submission_on_time")
    assert on_time.denominator == 1  # only the Q1 report was due by 15/03


def test_the_year_end_report_stops_at_14_november_and_the_evaluation_takes_the_year(bundle, demo: Path) -> None:
    dialogues = _raw(demo, "dialogues")
    dates = pd.to_datetime(dialogues["date"])
    mine = dialogues["district_code"] == "171"
    year_end = compute_plan_tables(bundle, year=2023, district="171", period="Y")["dialogues"]
    whole = compute_plan_tables(bundle, year=2023, district="171")["dialogues"]
    assert year_end.get("dialogue_count").value == int((mine & (dates <= "2023-11-14")).sum())
    assert whole.get("dialogue_count").value == int(mine.sum())


def test_between_deadlines_counts_only_the_period_itself(bundle, demo: Path) -> None:
    text = default_plan_path().read_text(encoding="utf-8").replace("cutoff: cumulative", "cutoff: between_deadlines")
    plan = plan_from_text(text)
    dialogues = _raw(demo, "dialogues")
    dates = pd.to_datetime(dialogues["date"])
    h1 = (dialogues["district_code"] == "171") & (dates >= "2023-03-15") & (dates <= "2023-06-14")
    table = compute_plan_tables(bundle, year=2023, district="171", plan=plan, period="H1")["dialogues"]
    assert table.get("dialogue_count").value == int(h1.sum())


def test_no_inspection_yet_is_zero_not_missing_data(bundle) -> None:
    """Before any inspection of the year, target 6 is 'not yet met' with a count of 0, not 'no data'."""
    card = score_targets(bundle, year=2023, district="165", period="Q1")
    row = card.get("6")
    assert (row.status, row.value) == ("not_met", 0)


def test_remaining_work_names_every_unit_still_to_act(bundle) -> None:
    from danvan_analysis.narrative import remaining_work, status_label

    card = score_targets(bundle, year=2023, district="171", period="Q1")
    lines = remaining_work(card)
    row = card.get("3")
    assert row.status == "not_met"
    line = next(x for x in lines if x.startswith("Chỉ tiêu 3"))
    assert all(s.unit_name in line for s in row.shortfalls)
    assert status_label(row, interim=True) == "Chưa đạt"


def test_an_unknown_period_is_refused_by_name(bundle) -> None:
    from danvan_analysis.errors import ParameterError

    with pytest.raises(ParameterError, match="Q2"):
        score_targets(bundle, year=2023, district="171", period="Q2")
