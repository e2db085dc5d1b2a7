"""Unit by unit tables agree with the theme tables they are read from (hand-built Sông Công data)."""

from __future__ import annotations

import pandas as pd

from danvan_analysis.indicators.units import tabulate_units
from danvan_analysis.scorecard import compute_plan_tables

SONG_CONG = ["05506", "05509", "05512", "05515", "05518", "05521", "05527", "05528", "05530", "05533"]


def _data() -> dict[str, pd.DataFrame]:
    """Plans from all but 05533; dialogues by the heads of all but 05530 (05528's chaired by a deputy);
    boards everywhere, projects in 05506 and 05509, a supervision board only in 05506."""
    heads = [c for c in SONG_CONG if c != "05530"]
    return {
        "plans": pd.DataFrame({"year": 2023, "unit_code": ["165", *SONG_CONG[:-1]], "issued": True}),
        "dialogues": pd.DataFrame(
            {
                "dialogue_id": [f"d{i}" for i in range(len(heads))],
                "year": 2023,
                "level": "commune",
                "unit_code": heads,
                "date": pd.Timestamp("2023-05-01"),
                "chair": ["deputy" if c == "05528" else "head" for c in heads],
                "participants": 5,
                "opinions_raised": 1,
                "answered_on_spot": 1,
                "referred": 0,
                "resolved_later": 0,
                "topic": "land",
            }
        ),
        "boards": pd.DataFrame(
            {
                "year": 2023,
                "unit_code": SONG_CONG,
                "pib_in_place": True,
                "pib_active": True,
                "has_investment_projects": [c in ("05506", "05509") for c in SONG_CONG],
                "cisb_in_place": [c == "05506" for c in SONG_CONG],
            }
        ),
    }


def test_commune_rows_follow_the_theme_tables() -> None:
    data = _data()
    tables = compute_plan_tables(data, year=2023, district="165")
    frame = tabulate_units(tables, kind="commune", district="165", boards=data["boards"], year=2023).set_index(
        "unit_code"
    )
    assert list(frame.index) == SONG_CONG
    assert not frame.loc["05533", "plan_issued"]
    assert frame["plan_issued"].sum() == 9
    assert not frame.loc["05530", "head_dialogue"] and not frame.loc["05528", "head_dialogue"]  # deputy only
    assert frame["head_dialogue"].sum() == 8
    assert frame.loc["05506", "cisb_in_place"] and not frame.loc["05509", "cisb_in_place"]
    assert frame["cisb_in_place"].isna().sum() == 8  # no projects: nothing to set up
    assert "reports_on_time" not in frame.columns  # a commune does not report to the Department


def test_agency_rows_and_a_theme_without_data() -> None:
    submissions = pd.DataFrame(
        {"year": 2023, "unit_code": ["SNV"] * 4, "period": ["Q1", "H1", "9M", "Y"],
         "date_received": pd.to_datetime(["2023-03-01", "2023-06-01", "2023-09-20", "2023-11-01"])}
    )  # fmt: skip
    tables = compute_plan_tables({"submissions": submissions}, year=2023)
    frame = tabulate_units(tables, kind="agency").set_index("unit_code")
    assert len(frame) == 24
    assert not frame.loc["SNV", "reports_on_time"]  # the 9M report came late
    assert not frame.loc["STC", "reports_on_time"]  # sent nothing
    assert frame["plan_issued"].isna().all()  # no plans data: no verdict either way


def test_complaints_per_commune_are_summed_at_each_communes_latest_period() -> None:
    """05506 sent Q1 and H1 figures (H1 read: 6 of 8 resolved); 05509 sent nothing (no figure, never 0 %)."""
    complaints = pd.DataFrame(
        {
            "year": 2023, "period": ["Q1", "H1", "H1"], "level": "commune", "unit_code": ["05506", "05506", "05506"],
            "district_code": "165", "field": ["land", "land", "policy"], "reception_sessions_regular": 1,
            "reception_sessions_head": 1, "people_received": 3, "petitions_received": [2, 5, 4],
            "petitions_in_jurisdiction": [2, 5, 3], "cases_resolved": [1, 4, 2], "cases_resolved_on_time": 1,
            "mass_complaints": 0, "prolonged_cases": 0,
        }
    )  # fmt: skip
    tables = compute_plan_tables({"complaints": complaints}, year=2023, district="165")
    frame = tabulate_units(tables, kind="commune", district="165").set_index("unit_code")
    assert frame.loc["05506", "petitions_received"] == 9
    assert frame.loc["05506", "complaints_resolved"] == 75.0
    assert pd.isna(frame.loc["05509", "complaints_resolved"]) and pd.isna(frame.loc["05509", "petitions_received"])
