"""Target 5 (religious outreach) against a hand-counted frame.

2023 rows (latest period per district: 164 → Y, 165 → 9M, 170 → Y):

=========  ======  ============  =====  ========  ===  =========
district   period  religion      total  informed  hot  followers
=========  ======  ============  =====  ========  ===  =========
164        9M      buddhism      50     10        0    4          (earlier period: ignored)
164        Y       buddhism      50     40        0    5
164        Y       catholicism   30     25        1    0
165        9M      buddhism      10     9         0    2
170        Y       protestantism 20     16        0    12         (16/20 = exactly 80 %)
=========  ======  ============  =====  ========  ===  =========

2022 (Y): 164 buddhism 3 + catholicism 0 followers; 170 protestantism 12; 165 none.

Province: informed (40 + 25 + 9 + 16) / (50 + 30 + 10 + 20) = 90/110 = 81.8 % > 80 → met; hot spots 1 → not met;
followers in districts reporting both years (164, 170): 17 now vs 15 before → +2 → not met.
"""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.indicators import compute_religion_indicators

COLUMNS = [
    "year",
    "period",
    "district_code",
    "religion",
    "dignitaries_total",
    "dignitaries_informed",
    "venues",
    "registered_activities",
    "hot_spots",
    "unlawful_followers",
]


@pytest.fixture
def religion() -> pd.DataFrame:
    rows = [
        (2023, "9M", "164", "buddhism", 50, 10, 10, 1, 0, 4),
        (2023, "Y", "164", "buddhism", 50, 40, 10, 3, 0, 5),
        (2023, "Y", "164", "catholicism", 30, 25, 4, 2, 1, 0),
        (2023, "9M", "165", "buddhism", 10, 9, 2, 1, 0, 2),
        (2023, "Y", "170", "protestantism", 20, 16, 1, 0, 0, 12),
        (2022, "Y", "164", "buddhism", 50, 30, 10, 3, 0, 3),
        (2022, "Y", "164", "catholicism", 30, 20, 4, 2, 0, 0),
        (2022, "Y", "170", "protestantism", 20, 10, 1, 0, 0, 12),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_province_informed_share_uses_each_districts_latest_period(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023)
    informed = table.get("religion_informed")
    assert (informed.numerator, informed.denominator) == (90, 110)
    assert informed.value == pytest.approx(100 * 90 / 110)
    assert informed.met is True
    # The caveat names the district read at an earlier period, and that period, in both languages.
    (vi,) = [line for line in table.caveat_lines("vi") if "kỳ sớm hơn" in line]
    assert "Thành phố Sông Công (kỳ báo cáo 9 tháng)" in vi and "kỳ báo cáo năm" in vi
    assert "165" not in vi and "9M" not in vi  # the register name and the period label, never the codes
    (en,) = [line for line in table.caveat_lines("en") if "earlier periods" in line]
    assert "Sông Công, period 9M" in en


def test_exactly_80_percent_is_not_met(religion: pd.DataFrame) -> None:
    """The plan says 'Trên 80%': 16/20 = 80.0 % does not pass."""
    table = compute_religion_indicators(religion, year=2023, district="170")
    informed = table.get("religion_informed")
    assert (informed.numerator, informed.denominator, informed.value) == (16, 20, 80.0)
    assert informed.rule == ">"
    assert informed.met is False


def test_hot_spots_must_be_zero(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023)
    hot = table.get("religion_hot_spots")
    assert (hot.value, hot.met) == (1, False)
    assert [s.unit_code for s in table.shortfall_for("religion_hot_spots")] == ["164"]
    assert compute_religion_indicators(religion, year=2023, district="170").get("religion_hot_spots").met is True


def test_unlawful_followers_compared_with_the_previous_year(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023)
    change = table.get("religion_unlawful_followers_change")
    assert (change.value, change.met) == (2, False)
    assert table.get("religion_unlawful_followers_prev").value == 15
    assert table.get("religion_unlawful_followers").value == 5 + 0 + 2 + 12
    assert (
        compute_religion_indicators(religion, year=2023, district="170").get("religion_unlawful_followers_change").met
        is True
    )


def test_no_previous_year_gives_no_data_for_that_sub_item(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023, district="165")
    change = table.get("religion_unlawful_followers_change")
    assert change.value is None and change.met is None
    assert table.get("religion_informed").period == "9M"
    assert table.get("religion_informed").met is True  # 9/10 = 90 %


def test_breakdown_by_religion_and_absent_districts(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023)
    buddhism = table.get("religion_informed", dimension="religion", category="buddhism")
    assert (buddhism.numerator, buddhism.denominator) == (49, 60)
    absent = {s.unit_code for s in table.shortfall_for("religion_informed") if s.reason == "no_row"}
    assert absent == {"167", "168", "169", "171", "172", "173"}
    below = [s for s in table.shortfall_for("religion_informed") if s.reason == "not_done"]
    assert [(s.unit_code, s.detail) for s in below] == [("170", "16/20")]


def test_district_without_rows_has_no_value(religion: pd.DataFrame) -> None:
    table = compute_religion_indicators(religion, year=2023, district="173")
    assert table.get("religion_informed").value is None
    assert table.get("religion_informed").met is None
