"""Target 4 (People's Inspection Boards, Community Investment Supervision Boards) for Sông Công (165).

=====  ========  ======  ========  ====
unit   in place  active  projects  CISB
=====  ========  ======  ========  ====
05506  True      True    True      True
05509  True      False   True      False
05512  False     False   False     False
05515  <NA>      True    False     False   (an active board is in place)
05518  True      False   True      True
SNV    True      True    False     False   (provincial agency: outside a district scope)
=====  ========  ======  ========  ====

District: PIB in place 4/10 communes, active 2/10; CISB 2/3 communes with projects (05509 without);
5 communes sent no row. Province: PIB (4 communes + SNV) / (177 + 24) = 5/201.
"""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.indicators import compute_board_indicators

from ._reference import SONG_CONG, communes_of


@pytest.fixture
def boards() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": 2023,
            "unit_code": ["05506", "05509", "05512", "05515", "05518", "SNV"],
            "unit_kind": ["commune"] * 5 + ["agency"],
            "pib_in_place": pd.array([True, True, False, None, True, True], dtype="boolean"),
            "pib_active": [True, False, False, True, False, True],
            "has_investment_projects": [True, True, False, False, True, False],
            "cisb_in_place": [True, False, False, False, True, False],
        }
    )


def test_pib_coverage_counts_absent_communes_as_without_a_board(boards: pd.DataFrame) -> None:
    table = compute_board_indicators(boards, year=2023, district=SONG_CONG)
    pib = table.get("pib_coverage")
    assert (pib.numerator, pib.denominator, pib.met) == (4, 10, False)
    assert table.get("pib_active").numerator == 2
    reasons = {s.unit_code: s.reason for s in table.shortfall_for("pib_coverage")}
    absent = set(communes_of(SONG_CONG)) - {"05506", "05509", "05512", "05515", "05518"}
    assert reasons == {"05512": "not_done", **dict.fromkeys(absent, "no_row")}


def test_cisb_coverage_of_communes_with_projects(boards: pd.DataFrame) -> None:
    table = compute_board_indicators(boards, year=2023, district=SONG_CONG)
    cisb = table.get("cisb_coverage")
    assert (cisb.numerator, cisb.denominator) == (2, 3)
    assert cisb.value == pytest.approx(200 / 3)
    not_done = [s.unit_code for s in table.shortfall_for("cisb_coverage") if s.reason == "not_done"]
    assert not_done == ["05509"]
    # 5 of Sông Công's 10 communes sent a row; the other 5 are out of the CISB denominator, in both languages.
    assert any("5 commune(s) sent no row" in line and "CISB denominator" in line for line in table.caveat_lines("en"))
    assert any(
        line.startswith("5 xã, phường, thị trấn chưa báo cáo") and "mẫu số" in line for line in table.caveat_lines("vi")
    )


def test_province_adds_the_agencies(boards: pd.DataFrame) -> None:
    table = compute_board_indicators(boards, year=2023)
    pib = table.get("pib_coverage")
    assert (pib.numerator, pib.denominator) == (5, 177 + 24)
    agencies = table.get("pib_coverage", dimension="unit_kind", category="agency")
    assert (agencies.numerator, agencies.denominator) == (1, 24)
    assert table.get("pib_coverage", unit_code=SONG_CONG).numerator == 4
