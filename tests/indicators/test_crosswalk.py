"""A commune series put onto the two-level map: counts add, shares re-weighted, divided communes not comparable.

Expected values are worked by hand below each case. Which old communes form a new one comes from the shipped
crosswalk (vietnamadminunits' converter, agreed by vietnam-provinces' official table; docs/sources.md):
Xã Đại Từ (05830) = 05821 Khôi Kỳ + 05830 Bình Thuận + 05833 Lục Ba + 05836 Mỹ Yên, all whole;
Phường Tích Lương (05500) took part of 05467 Cam Giá, divided between 05467 and 05500;
Xã Vạn Phú (05845) = 2023's 05839 Vạn Thọ + 05845 Ký Phú (merged in 2024 as Xã Vạn Phú) + 05842.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from danvan_analysis.errors import ParameterError, UnknownUnitError
from danvan_analysis.indicators.crosswalk import to_two_level_map
from danvan_analysis.registers import MAP_2023

DAI_TU = ["05821", "05830", "05833", "05836"]
TICH_LUONG = ["05464", "05467", "05470", "05476", "05479", "05500"]


def _data() -> pd.DataFrame:
    rows = [
        # code, events (count), on_time (numerator), cases (denominator), satisfied (share), weight
        ("05821", 3, 8, 10, 0.5, 100.0),
        ("05830", 5, 1, 4, 0.8, 300.0),
        ("05833", 0, 6, 6, 0.2, 50.0),
        ("05836", 2, 0, 5, 1.0, 50.0),
        *[(code, 1, 1, 2, 0.5, 10.0) for code in TICH_LUONG],
    ]
    frame = pd.DataFrame(rows, columns=["commune_code", "events", "on_time", "cases", "satisfied", "weight"])
    return frame.assign(year=2024)


def _map(data: pd.DataFrame, **kwargs):
    return to_two_level_map(
        data,
        by=["year"],
        counts=["events"],
        ratios={"on_time_share": ("on_time", "cases")},
        shares={"satisfied": "weight"},
        **kwargs,
    ).table.set_index("commune_code")


def test_counts_add_and_shares_are_reweighted():
    row = _map(_data()).loc["05830"]
    assert row["commune_name"] == "Xã Đại Từ"
    assert row["events"] == 3 + 5 + 0 + 2
    # Σ numerators / Σ denominators = (8+1+6+0) / (10+4+6+5) = 15/25; the mean of the four shares would be 0.465
    assert row["on_time_share"] == pytest.approx(15 / 25)
    # Σ share·weight / Σ weight = (50 + 240 + 10 + 50) / 500; the unweighted mean would be 0.625
    assert row["satisfied"] == pytest.approx(350 / 500)
    assert row["comparable"] and row["reason"] == ""
    assert row["n_old"] == 4 and row["old_communes"].split(";") == DAI_TU


def test_part_of_a_divided_commune_is_not_comparable():
    row = _map(_data()).loc["05500"]
    assert not row["comparable"]
    assert np.isnan(row["events"]) and np.isnan(row["on_time_share"]) and np.isnan(row["satisfied"])
    assert "05467 Phường Cam Giá → 05467, 05500" in row["reason"]
    assert "không so sánh" in row["reason"]


def test_missing_old_commune_is_not_comparable_and_named():
    data = _data()
    data = data[data.commune_code != "05836"]
    row = _map(data).loc["05830"]
    assert not row["comparable"] and np.isnan(row["events"])
    assert row["reason"] == "thiếu số liệu của đơn vị cũ: 05836 Xã Mỹ Yên"


def test_each_group_separately():
    data = pd.concat([_data(), _data().assign(year=2025, events=1)])
    table = _map(data).reset_index().set_index(["year", "commune_code"])
    assert table.loc[(2024, "05830"), "events"] == 10
    assert table.loc[(2025, "05830"), "events"] == 4
    assert len(table) == 2 * 92


def test_english_reason():
    row = _map(_data(), lang="en").loc["05500"]
    assert "divided between several new communes" in row["reason"]


def test_from_the_2023_map_through_the_2024_merger():
    data = pd.DataFrame({"commune_code": ["05839", "05842", "05845"], "events": [4, 2, 7], "year": 2023})
    row = to_two_level_map(data, from_map=MAP_2023, by=["year"], counts=["events"]).table.set_index("commune_code")
    assert row.loc["05845", "commune_name"] == "Xã Vạn Phú"
    assert row.loc["05845", "events"] == 4 + 2 + 7 and row.loc["05845", "comparable"]


def test_notes_list_every_commune_not_comparable():
    result = to_two_level_map(_data(), by=["year"], counts=["events"])
    table = result.table
    assert len(result.notes) == (~table.comparable).sum()
    assert any(note.startswith("05500 Phường Tích Lương (2024): ") for note in result.notes)


def test_unknown_code_names_the_column_and_value():
    data = _data()
    data.loc[0, "commune_code"] = "99999"
    with pytest.raises(UnknownUnitError, match=r"'commune_code'.*99999"):
        _map(data)


def test_bad_arguments():
    with pytest.raises(ParameterError, match="'nope'"):
        to_two_level_map(_data(), counts=["nope"])
    with pytest.raises(ParameterError, match="repeat a commune"):
        to_two_level_map(pd.concat([_data(), _data()]), counts=["events"])
