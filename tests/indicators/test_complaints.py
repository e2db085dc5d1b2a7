"""Complaints and citizen reception (task area 4) for Sông Công (165), hand-counted.

Each unit is read at its latest 2023 period (165: Y, 05506: 9M, 05509: Y; 165's H1 row is ignored).

=====  ======  =====  ========  ==========  ========  =======  ====  =========  ====  =======  ======
unit   period  field  received  in jurisd.  resolved  on time  mass  prolonged  head  regular  people
=====  ======  =====  ========  ==========  ========  =======  ====  =========  ====  =======  ======
165    H1      land   9         9           1         1        0     0          9     9        9
165    Y       land   30        20          15        12       1     2          3     10       50
165    Y       other  10        5           5         5        0     0          0     2        8
05506  9M      land   4         4           2         1        0     0          1     4        6
05509  Y       land   1         0           0         0        0     0          0     0        0
=====  ======  =====  ========  ==========  ========  =======  ====  =========  ====  =======  ======

Totals: in jurisdiction 29, resolved 22 (75.9 %), on time 18/22, backlog 7, received 45, people 64, head sessions 4,
regular 16. Heads who received citizens: 165 and 05506 of 11 governments. Land: 17/24 resolved.
"""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.indicators import ComplaintSettings, compute_complaint_indicators

COLUMNS = [
    "year",
    "period",
    "level",
    "unit_code",
    "district_code",
    "field",
    "petitions_received",
    "petitions_in_jurisdiction",
    "cases_resolved",
    "cases_resolved_on_time",
    "mass_complaints",
    "prolonged_cases",
    "reception_sessions_head",
    "reception_sessions_regular",
    "people_received",
]


@pytest.fixture
def complaints() -> pd.DataFrame:
    rows = [
        (2023, "H1", "district", "165", "165", "land", 9, 9, 1, 1, 0, 0, 9, 9, 9),
        (2023, "Y", "district", "165", "165", "land", 30, 20, 15, 12, 1, 2, 3, 10, 50),
        (2023, "Y", "district", "165", "165", "other", 10, 5, 5, 5, 0, 0, 0, 2, 8),
        (2023, "9M", "commune", "05506", "165", "land", 4, 4, 2, 1, 0, 0, 1, 4, 6),
        (2023, "Y", "commune", "05509", "165", "land", 1, 0, 0, 0, 0, 0, 0, 0, 0),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_resolution_and_on_time_rates(complaints: pd.DataFrame) -> None:
    table = compute_complaint_indicators(complaints, year=2023, district="165")
    resolution = table.get("complaint_resolution")
    assert (resolution.numerator, resolution.denominator) == (22, 29)
    assert resolution.value == pytest.approx(100 * 22 / 29)
    assert resolution.met is None  # no threshold by default
    on_time = table.get("complaint_on_time")
    assert (on_time.numerator, on_time.denominator) == (18, 22)


def test_counts_and_backlog(complaints: pd.DataFrame) -> None:
    table = compute_complaint_indicators(complaints, year=2023, district="165")
    values = {
        code: table.get(code).value
        for code in (
            "complaint_backlog",
            "complaint_mass",
            "complaint_prolonged",
            "petitions_received",
            "people_received",
            "reception_sessions_head",
            "reception_sessions_regular",
        )
    }
    assert values == {
        "complaint_backlog": 7,
        "complaint_mass": 1,
        "complaint_prolonged": 2,
        "petitions_received": 45,
        "people_received": 64,
        "reception_sessions_head": 4,
        "reception_sessions_regular": 16,
    }


def test_by_field(complaints: pd.DataFrame) -> None:
    table = compute_complaint_indicators(complaints, year=2023, district="165")
    land = table.get("complaint_resolution", dimension="field", category="land")
    assert (land.numerator, land.denominator) == (17, 24)


def test_heads_receiving_citizens_use_the_register(complaints: pd.DataFrame) -> None:
    table = compute_complaint_indicators(complaints, year=2023, district="165")
    heads = table.get("reception_heads")
    assert (heads.numerator, heads.denominator) == (2, 11)
    reasons = [s.reason for s in table.shortfall_for("reception_heads")]
    assert reasons.count("no_row") == 8 and reasons.count("not_done") == 1


def test_configured_threshold_is_judged(complaints: pd.DataFrame) -> None:
    table = compute_complaint_indicators(
        complaints, year=2023, district="165", settings=ComplaintSettings(resolution_threshold=75.0)
    )
    assert table.get("complaint_resolution").met is True  # 75.86 ≥ 75
    table = compute_complaint_indicators(
        complaints, year=2023, district="165", settings=ComplaintSettings(resolution_threshold=80.0)
    )
    assert table.get("complaint_resolution").met is False


def test_figures_are_labelled_with_the_latest_period_reported(complaints: pd.DataFrame) -> None:
    """Without the Y rows, 165 is read at H1 and 05506 at 9M, so the figures are 9M ones, not full-year ones.

    Land, 165 H1: 1 resolved of 9 in jurisdiction; 05506 9M: 2 of 4 → 3/13.
    """
    table = compute_complaint_indicators(complaints[complaints["period"] != "Y"], year=2023, district="165")
    resolution = table.get("complaint_resolution")
    assert resolution.period == "9M"
    assert (resolution.numerator, resolution.denominator) == (3, 13)
    assert any("mostly 9M" in line for line in table.caveat_lines("en"))
    assert any("chủ yếu là kỳ báo cáo 9 tháng" in line for line in table.caveat_lines("vi"))


def test_a_commune_whose_counts_are_all_missing_has_no_rate(complaints: pd.DataFrame) -> None:
    """05509 sent a row with every count blank: its resolution and petitions are missing (not 0 %), as for a
    commune that sent nothing (05512); 05506's are its own row's (2 of 4)."""
    counts = COLUMNS[6:]
    frame = complaints.astype({c: "Int64" for c in counts})
    frame.loc[frame["unit_code"] == "05509", counts] = pd.NA
    table = compute_complaint_indicators(frame, year=2023, district="165")
    blank = table.get("complaint_resolution", dimension="unit", category="05509")
    assert (blank.numerator, blank.denominator, blank.value) == (None, None, None)
    assert table.get("petitions_received", dimension="unit", category="05509").value is None
    silent = table.get("complaint_resolution", dimension="unit", category="05512")
    assert (silent.numerator, silent.denominator) == (None, None)
    sent = table.get("complaint_resolution", dimension="unit", category="05506")
    assert (sent.numerator, sent.denominator) == (2, 4)
    assert table.get("petitions_received").value == 44  # 30 + 10 + 4: 05509's blank is skipped, not counted as 0
