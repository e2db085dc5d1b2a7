"""Target 1 (plans issued) against hand-counted frames; denominators from the register, absent units not done."""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.indicators import compute_plan_indicators

from ._reference import SONG_CONG, all_communes, all_districts, communes_of


@pytest.fixture
def plans() -> pd.DataFrame:
    # Sông Công (165): the district and 05506, 05509, 05515 issued; 05512 said no; 05515 also has a duplicate
    # "False" row (any True wins); 05518 only has a 2022 row; "99999" is not a unit; SNV is a provincial agency.
    return pd.DataFrame(
        {
            "year": [2023, 2023, 2023, 2023, 2023, 2023, 2022, 2023, 2023],
            "unit_code": ["165", "05506", "05509", "05512", "05515", "05515", "05518", "99999", "SNV"],
            "unit_kind": ["district", *["commune"] * 7, "agency"],
            "issued": [True, True, True, False, True, False, True, True, True],
        }
    )


def test_district_scope_counts_the_register_not_the_rows(plans: pd.DataFrame) -> None:
    """4 of 11 (the district + its 10 communes) issued: 165, 05506, 05509, 05515."""
    table = compute_plan_indicators(plans, year=2023, district=SONG_CONG)
    total = table.get("plan_issued")
    assert (total.numerator, total.denominator) == (4, 11)
    assert total.value == pytest.approx(100 * 4 / 11)
    assert total.met is False
    communes = table.get("plan_issued", dimension="unit_kind", category="commune")
    assert (communes.numerator, communes.denominator) == (3, 10)
    district = table.get("plan_issued", dimension="unit_kind", category="district")
    assert (district.numerator, district.denominator) == (1, 1)


def test_absent_units_are_listed_as_no_row(plans: pd.DataFrame) -> None:
    """05512 said no; 05518 (2022 row only) and the 5 communes without a row are 'no_row'."""
    table = compute_plan_indicators(plans, year=2023, district="Sông Công")
    reasons = {s.unit_code: s.reason for s in table.shortfall_for("plan_issued")}
    expected_no_row = set(communes_of(SONG_CONG)) - {"05506", "05509", "05512", "05515"}
    assert reasons == {"05512": "not_done", **dict.fromkeys(expected_no_row, "no_row")}
    assert len(expected_no_row) == 6


def test_unknown_codes_are_ignored_with_a_caveat(plans: pd.DataFrame) -> None:
    table = compute_plan_indicators(plans, year=2023, district=SONG_CONG)
    (vi,) = [line for line in table.caveat_lines("vi") if "99999" in line]
    assert "1 mã đơn vị ở cột unit_code không có trong danh mục đơn vị hành chính năm 2023" in vi
    (en,) = [line for line in table.caveat_lines("en") if "99999" in line]
    assert "not in the 2023 register" in en


def test_province_scope_has_agencies_districts_communes_and_district_rows(plans: pd.DataFrame) -> None:
    """Province: 24 agencies (SNV issued) + 9 districts (165) + 177 communes (3) = 210 units, 5 issued."""
    table = compute_plan_indicators(plans, year=2023)
    total = table.get("plan_issued")
    assert (total.numerator, total.denominator) == (5, 24 + 9 + 177)
    agencies = table.get("plan_issued", dimension="unit_kind", category="agency")
    assert (agencies.numerator, agencies.denominator) == (1, 24)
    per_district = table.get("plan_issued", unit_code=SONG_CONG)
    assert (per_district.numerator, per_district.denominator) == (4, 11)
    frame = table.to_frame()
    assert set(frame.loc[frame["dimension"].isna(), "unit_code"]) == {"19", *all_districts()}


def test_everyone_issued_meets_the_target() -> None:
    codes = [f"{c}" for c in all_districts() + all_communes()]
    from danvan_analysis.units import AGENCIES

    codes += [code for code, _, _ in AGENCIES]
    table = compute_plan_indicators(pd.DataFrame({"year": 2023, "unit_code": codes, "issued": True}), year=2023)
    total = table.get("plan_issued")
    assert (total.numerator, total.denominator, total.value, total.met) == (210, 210, 100.0, True)
    assert table.shortfall_for("plan_issued") == ()


def test_tidy_frame_columns_and_types(plans: pd.DataFrame) -> None:
    frame = compute_plan_indicators(plans, year=2023, district=SONG_CONG).to_frame()
    assert list(frame.columns[:13]) == [
        "indicator",
        "label_vi",
        "label_en",
        "unit_code",
        "level",
        "year",
        "period",
        "dimension",
        "category",
        "numerator",
        "denominator",
        "value",
        "kind",
    ]
    assert {"threshold", "rule", "met"} <= set(frame.columns)
    assert str(frame["met"].dtype) == "boolean"
    assert frame["unit_code"].map(type).eq(str).all()


def test_bad_inputs_raise_named_errors(plans: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="issued"):
        compute_plan_indicators(plans.drop(columns="issued"), year=2023)
    with pytest.raises(ParameterError, match="district="):
        compute_plan_indicators(plans, year=2023, district="Hà Nội")
    with pytest.raises(ParameterError, match="year="):
        compute_plan_indicators(plans, year="2023")  # type: ignore[arg-type]


def test_result_is_immutable(plans: pd.DataFrame) -> None:
    import dataclasses

    table = compute_plan_indicators(plans, year=2023, district=SONG_CONG)
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.year = 2024  # type: ignore[misc]
    frame = table.to_frame()
    frame.loc[0, "numerator"] = -1
    assert table.to_frame().loc[0, "numerator"] != -1


def test_docstring_examples_run() -> None:
    import doctest

    from danvan_analysis.indicators import plans

    assert doctest.testmod(plans).failed == 0
