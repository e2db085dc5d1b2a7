"""The target scorecard: published indices, statuses on edge cases, a hand-built district, the district matrix."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from danvan_analysis import narrative
from danvan_analysis.errors import SchemaError
from danvan_analysis.plan import default_plan_path, plan_from_text
from danvan_analysis.scorecard import score_all_districts, score_targets

INDICES_CSV = Path(__file__).parents[1] / "danvan_analysis" / "data" / "published_indices.csv"
SONG_CONG_COMMUNES = ["05506", "05509", "05512", "05515", "05518", "05521", "05527", "05528", "05530", "05533"]


def _satisfaction(domain: str, estimate: float, n: int = 400) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "domain": [domain],
            "variable": ["overall"],
            "estimate": [estimate],
            "se": [1.5],
            "ci_low": [estimate - 3],
            "ci_high": [estimate + 3],
            "n": [n],
        }
    )


# -- target 2: the shipped published indices ---------------------------------------------------------------------
def test_shipped_2023_indices_read_as_the_plan_requires() -> None:
    """PAR INDEX rank 6 ≤ 10 met; PCI rank 23 > 10 not met; SIPAS rank 2 ≤ 20 met; PAPI 'highest' ≥ 'high-average'."""
    with INDICES_CSV.open(encoding="utf-8") as handle:
        shipped = {(r["index_code"], r["year"]): r for r in csv.DictReader(handle)}
    assert (shipped["PAR_INDEX", "2023"]["rank"], shipped["PCI", "2023"]["rank"]) == ("6", "23")
    assert (shipped["SIPAS", "2023"]["rank"], shipped["PAPI", "2023"]["group"]) == ("2", "highest")

    card = score_targets({}, year=2023)
    statuses = {t: card.get(t).status for t in ("2a", "2b", "2c", "2d")}
    assert statuses == {"2a": "met", "2b": "not_met", "2c": "met", "2d": "met"}
    assert [card.get(t).value for t in ("2a", "2b", "2c", "2d")] == [6.0, 23.0, 2.0, 1.0]
    assert "6/63" in narrative.evidence(card.get("2a")) and "23/63" in narrative.evidence(card.get("2b"), lang="en")


def test_district_scorecard_repeats_the_provincial_indices_labelled_as_such() -> None:
    card = score_targets({}, year=2023, district="165")
    for target in ("2a", "2b", "2c", "2d"):
        row = card.get(target)
        assert (row.level, row.unit_code) == ("province", "19")
        assert row.label_vi.endswith("(cấp tỉnh)") and row.label_en.endswith("(province-level)")
    assert card.get("2b").status == "not_met"


def test_year_without_published_indices_has_no_data() -> None:
    """2019: only PAPI is stored (group 'low-average', below 'high-average')."""
    card = score_targets({}, year=2019)
    assert [card.get(t).status for t in ("2a", "2b", "2c")] == ["no_data"] * 3
    assert card.get("2d").status == "not_met"


def test_thresholds_come_from_the_plan_file() -> None:
    """PCI rank 23: not met in the top 10 of the shipped plan, met in a plan file that asks for the top 25."""
    text = default_plan_path().read_text(encoding="utf-8")
    pci = text.index("measure: indices.PCI.rank")
    text = text[:pci] + text[pci:].replace("threshold: 10", "threshold: 25", 1)
    papi = text.index("measure: indices.PAPI.group")
    text = text[:papi] + text[papi:].replace("threshold: high-average", "threshold: highest", 1)
    card = score_targets({}, year=2023, plan=plan_from_text(text))
    assert (card.get("2b").status, card.get("2b").threshold) == ("met", 25.0)
    assert (card.get("2d").status, card.get("2d").threshold) == ("met", 1.0)


# -- 2e: district satisfaction from the survey estimates ------------------------------------------------------------
@pytest.mark.parametrize(
    ("estimate", "n", "status"),
    [(80.0, 400, "met"), (79.9, 400, "not_met"), (95.0, 9, "no_data"), (95.0, 10, "met")],
)
def test_satisfaction_threshold_and_minimum_n(estimate: float, n: int, status: str) -> None:
    card = score_targets({}, year=2023, district="165", satisfaction=_satisfaction("165", estimate, n))
    row = card.get("2e")
    assert row.status == status
    if status != "no_data":
        assert (row.value, row.ci_low, row.ci_high) == (estimate, estimate - 3, estimate + 3)
        assert "KTC 95%" in narrative.evidence(row)
        assert "ngưỡng do nhóm phân tích chọn: ≥ 80 %" in narrative.evidence(row)  # 80 % is ours, not the plan's
        assert "yêu cầu" not in narrative.evidence(row)


def test_satisfaction_of_another_domain_is_not_used() -> None:
    card = score_targets({}, year=2023, district="165", satisfaction=_satisfaction("164", 90.0))
    assert card.get("2e").status == "no_data"
    with pytest.raises(SchemaError, match="ci_low"):
        score_targets({}, year=2023, district="165", satisfaction=_satisfaction("165", 90).drop(columns="ci_low"))


def test_province_scorecard_has_no_2e_without_estimates() -> None:
    assert "2e" not in score_targets({}, year=2023).to_frame()["target"].tolist()
    assert score_targets({}, year=2023, satisfaction=_satisfaction("19", 85.0)).get("2e").status == "met"


# -- a hand-built district: Sông Công (165) ---------------------------------------------------------------------------
@pytest.fixture
def song_cong() -> dict[str, pd.DataFrame]:
    """Every unit issued a plan and every head held a dialogue; all boards in place, no investment projects;
    dignitaries 16/20 informed (exactly 80 %), no 2022 religion rows; no inspection by 165; reports on time."""
    units = ["165", *SONG_CONG_COMMUNES]
    plans = pd.DataFrame({"year": 2023, "unit_code": units, "issued": True})
    dialogues = pd.DataFrame(
        {
            "dialogue_id": [f"d{i}" for i in range(11)],
            "year": 2023,
            "level": "commune",
            "unit_code": units,
            "date": pd.Timestamp("2023-04-01"),
            "chair": "head",
            "participants": 10,
            "opinions_raised": 2,
            "answered_on_spot": 1,
            "referred": 1,
            "resolved_later": 1,
            "topic": "land",
        }
    )
    boards = pd.DataFrame(
        {
            "year": 2023,
            "unit_code": SONG_CONG_COMMUNES,
            "pib_in_place": True,
            "pib_active": True,
            "has_investment_projects": False,
            "cisb_in_place": False,
        }
    )
    religion = pd.DataFrame(
        {
            "year": [2023],
            "period": ["Y"],
            "district_code": ["165"],
            "religion": ["buddhism"],
            "dignitaries_total": [20],
            "dignitaries_informed": [16],
            "venues": [3],
            "registered_activities": [2],
            "hot_spots": [0],
            "unlawful_followers": [0],
        }
    )
    inspections = pd.DataFrame({"year": [2023], "inspecting_unit_code": ["SNV"], "inspected_unit_code": ["165"]})
    submissions = pd.DataFrame(
        {
            "year": 2023,
            "unit_code": "165",
            "period": ["Q1", "H1", "9M", "Y"],
            "date_received": pd.to_datetime(["2023-03-10", "2023-06-10", "2023-09-10", "2023-11-10"]),
        }
    )
    return {
        "plans": plans,
        "dialogues": dialogues,
        "boards": boards,
        "religion": religion,
        "inspections": inspections,
        "submissions": submissions,
    }


def test_district_statuses_by_hand(song_cong: dict[str, pd.DataFrame]) -> None:
    card = score_targets(song_cong, year=2023, district="165", satisfaction=_satisfaction("165", 85.0))
    statuses = dict(zip(card.to_frame()["target"], card.to_frame()["status"], strict=True))
    assert statuses == {
        "1": "met",
        "2a": "met",
        "2b": "not_met",
        "2c": "met",
        "2d": "met",
        "2e": "met",
        "3": "met",
        "4a": "met",
        "4b": "met",
        "5a": "not_met",
        "5b": "met",
        "5c": "no_data",
        "6": "not_met",
        "R": "met",
    }
    assert card.summary() == {"met": 10, "not_met": 3, "no_data": 1}
    assert (card.get("1").numerator, card.get("1").denominator) == (11, 11)
    said = narrative.evidence(card.get("5a"))
    assert "16/20" in said and "80,0 %" in said and "yêu cầu: > 80 %" in said
    assert [s.unit_code for s in card.get("6").shortfalls] == ["165"]


def test_bundle_may_be_an_object_with_attributes(song_cong: dict[str, pd.DataFrame]) -> None:
    card = score_targets(SimpleNamespace(**song_cong), year=2023, district="165")
    assert card.get("1").status == "met"


def test_missing_datasets_give_no_data_and_a_caveat(song_cong: dict[str, pd.DataFrame]) -> None:
    del song_cong["plans"]
    card = score_targets(song_cong, year=2023, district="165")
    assert card.get("1").status == "no_data"
    assert ("no_dataset", {"dataset": "plans"}) in card.notes
    assert "Chưa có số liệu kế hoạch năm 2023" in narrative.describe_notes(card)[0]
    assert score_targets(song_cong, year=2024, district="165").get("3").status == "no_data"


def test_absent_communes_make_target_4b_no_data_rather_than_vacuously_met(song_cong: dict) -> None:
    song_cong["boards"] = song_cong["boards"].iloc[:5]
    card = score_targets(song_cong, year=2023, district="165")
    assert card.get("4b").status == "no_data"
    assert card.get("4a").status == "not_met"  # 5/10 boards: the other 5 communes sent no row


def test_province_target_6_needs_the_province_and_every_district(song_cong: dict[str, pd.DataFrame]) -> None:
    rows = [("SNV", "164")] + [(d, "x") for d in ("164", "165", "167", "168", "169", "170", "171", "172", "173")]
    song_cong["inspections"] = pd.DataFrame(rows, columns=["inspecting_unit_code", "inspected_unit_code"]).assign(
        year=2023
    )
    assert score_targets(song_cong, year=2023).get("6").status == "met"
    song_cong["inspections"] = song_cong["inspections"].iloc[1:]  # drop the provincial inspection
    row = score_targets(song_cong, year=2023).get("6")
    assert row.status == "not_met"
    assert [s.unit_code for s in row.shortfalls] == ["19"]


def test_frame_html_and_immutability(song_cong: dict[str, pd.DataFrame]) -> None:
    card = score_targets(song_cong, year=2023, district="165")
    frame = card.to_frame()
    assert {"target", "label_vi", "label_en", "value", "threshold", "status", "status_vi", "threshold_source"} <= set(
        frame
    )
    assert not any(c.startswith("evidence") for c in frame)  # numbers and statuses only: sentences are narrative's
    assert frame.loc[frame["target"] == "2b", "status_vi"].item() == "Không đạt"
    assert frame.loc[frame["target"] == "2e", "status_vi"].item() == "Chưa đủ dữ liệu"
    html = card._repr_html_()
    assert "Đạt" in html and "Thành phố Sông Công" in html
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.year = 2024  # type: ignore[misc]


def test_score_all_districts_matrix(song_cong: dict[str, pd.DataFrame]) -> None:
    scores = score_all_districts(song_cong, year=2023, include_province=True)
    matrix = scores.to_matrix()
    assert list(matrix.index) == ["19", "164", "165", "167", "168", "169", "170", "171", "172", "173"]
    assert list(matrix.columns[:3]) == ["1", "2a", "2b"] and matrix.columns[-1] == "R"
    assert matrix.at["165", "1"] == "met"
    assert matrix.at["164", "1"] == "not_met"  # Thái Nguyên city sent no plan rows
    assert (matrix["2b"] == "not_met").all()
    assert scores.summary().loc["165"].sum() == len(matrix.columns)


def test_scorecard_reads_sipas_indices_result_directly():
    """Row 2e of a district reads the district's overall share index from a SipasIndices result unchanged."""
    from danvan_analysis import demo
    from danvan_analysis.survey import SurveyDesign, sipas_indices

    survey = demo.generate_survey(2023, respondents=3000, seed=11)
    indices = sipas_indices(survey, SurveyDesign())
    frames = demo.generate_year(2023, respondents=100, seed=11)
    card = score_targets(frames, year=2023, district="170", satisfaction=indices)
    row = card.to_frame().set_index("target").loc["2e"]
    overall = indices.overall()
    expected = overall.loc[overall["district_code"] == "170", "estimate"].item()
    assert row["value"] == pytest.approx(expected)
    assert row["status"] == ("met" if expected >= 80 else "not_met")


def test_html_views_escape_text(song_cong: dict[str, pd.DataFrame]) -> None:
    """Labels carry text from the plan file: the HTML view shows it as text, not markup."""
    card = score_targets(song_cong, year=2023, district="165")
    script = "<script>alert(1)</script>"
    first = dataclasses.replace(card.rows[0], label_vi=f"Xã {script}")
    card = dataclasses.replace(card, rows=(first, *card.rows[1:]))
    assert "<script>" not in card._repr_html_()
    assert "Xã &lt;script&gt;alert(1)&lt;/script&gt;" in card._repr_html_()


def test_a_published_figure_is_read_as_pandas_reads_it() -> None:
    """_number (the index checks' reading of a rank, score or count) gives what pd.to_numeric gives, for numbers
    (taken as they are) and for everything else (text, missing, booleans)."""
    import numpy as np

    from danvan_analysis.scorecard import _number

    values = [3, 3.5, np.int64(4), np.float32(2.5), float("nan"), None, "12", " 7 ", "x", True, np.bool_(False)]
    values += [pd.NA, np.inf, -0.0, 2**60]
    for value in values:
        expected = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
        expected = None if pd.isna(expected) else float(expected)
        got = _number(value)
        assert got == expected and type(got) is type(expected), value
