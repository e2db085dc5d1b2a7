"""Registers by date: each map's counts, resolution on every map, the "no longer exists" message, and the package's
pre-reform Thái Nguyên data against our shipped 2023 file.

Expected values come from ../shared/reference/SOURCES.md and admin_reform_2025.md (docs/sources.md), worked by hand
from the 2023 counts and the NQ 1240 changes listed there; never from the registers' own output.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter

import pandas as pd
import pytest

from danvan_analysis.errors import AmbiguousUnitError, ParameterError, UnitNotOnMapError, UnknownUnitError
from danvan_analysis.paths import package_data
from danvan_analysis.registers import (
    MAP_2023,
    MAP_2025_01,
    MAP_2025_07,
    crosswalk_to_2025_07,
    map_for,
    province_codes,
    register_for,
)
from danvan_analysis.units import register

# 2023 counts (SOURCES.md) minus NQ 1240's changes: Định Hóa -1 (Chợ Chu + Bảo Cường), Phú Lương -1 (Giang Tiên +
# Phấn Mễ), Đồng Hỷ -1 (Tân Lợi), Đại Từ -2 (Na Mao; Vạn Thọ + Ký Phú). danso.asia's table agrees (Đại Từ 27, Định Hóa 22).
EXPECTED_BEFORE_JULY_2025 = {
    "164": 32, "165": 10, "167": 22, "168": 14, "169": 14, "170": 15, "171": 27, "172": 18, "173": 20,
}  # fmt: skip


@pytest.mark.parametrize(
    ("when", "period", "expected"),
    [
        (2023, None, MAP_2023),
        (2023, "Q1", MAP_2023),
        (dt.date(2024, 11, 30), None, MAP_2023),
        (2024, "Y", MAP_2025_01),  # 31/12/2024: after NQ 1240
        (2025, "H1", MAP_2025_01),
        (dt.date(2025, 6, 30), None, MAP_2025_01),
        (dt.date(2025, 7, 1), None, MAP_2025_07),
        (2025, "9M", MAP_2025_07),
        (2026, None, MAP_2025_07),
    ],
)
def test_map_for_date_or_period(when, period, expected):
    assert map_for(when, period) is expected


def test_map_for_rejects_unknown_period_and_early_dates():
    with pytest.raises(ParameterError, match="period='H2'"):
        map_for(2025, "H2")
    with pytest.raises(ParameterError, match="31/12/2020"):
        map_for(2020)


def test_2023_map_is_the_shipped_register():
    reg = register_for(2023)
    assert reg.district_codes == register().district_codes
    assert [u.code for u in reg.units("commune")] == [u.code for u in register().units("commune")]
    assert len(reg.units("commune")) == 177 and len(reg.district_codes) == 9


def test_map_before_july_2025_has_9_districts_172_communes():
    reg = register_for(2025, "H1")
    assert len(reg.units("commune")) == 172
    assert {code: len(reg.communes_of(code)) for code in reg.district_codes} == EXPECTED_BEFORE_JULY_2025
    types = Counter(u.type_name for u in reg.units("commune"))
    assert (types["Phường"], types["Thị trấn"], types["Xã"]) == (41, 10, 121)  # 126 xã − 5 (see above)


def test_two_level_map_has_92_communes_and_no_district():
    reg = register_for(2026)
    assert reg.two_level
    assert len(reg.units("commune")) == 92
    assert reg.units("district") == [] and reg.district_codes == []
    assert all(u.district_code is None for u in reg.units("commune"))
    assert reg.unit("19").name == "Tỉnh Thái Nguyên"
    assert reg.resolve("Phường Bắc Kạn").kind == "commune"  # Bắc Kạn is part of Thái Nguyên from 01/07/2025


def test_34_provinces_after_and_63_before_july_2025():
    assert len(province_codes(MAP_2025_07)) == 34
    assert len(province_codes(MAP_2025_01)) == 63
    assert "06" in province_codes(MAP_2025_01) and "06" not in province_codes(MAP_2025_07)  # Bắc Kạn merged into 19


@pytest.mark.parametrize("when", [2023, 2025, 2026])
def test_codes_are_strings_and_names_nfc_on_every_map(when):
    reg = register_for(when, "H1" if when == 2025 else None)
    for unit in reg.units():
        assert isinstance(unit.code, str)
        assert unicodedata.is_normalized("NFC", unit.name)
    assert all(len(u.code) == 5 and u.code.isdigit() for u in reg.units("commune"))


def test_every_province_has_a_register_on_both_2025_maps():
    before = [len(register_for(2025, "H1", province=p).units("commune")) for p in province_codes(MAP_2025_01)]
    after = [len(register_for(2026, province=p).units("commune")) for p in province_codes(MAP_2025_07)]
    assert min(before) > 0 and min(after) > 0
    assert register_for(2026, province="1").unit("01").name == "Thành phố Hà Nội"  # lost zero repaired


def test_another_province_in_2023_uses_the_2025_map_with_a_note():
    reg = register_for(2023, province="06")
    assert reg.admin_map is MAP_2025_01 and "2023" in reg.note


def test_unknown_province_is_a_parameter_error():
    with pytest.raises(ParameterError, match="province='99'"):
        register_for(2026, province="99")


@pytest.mark.parametrize(
    ("when", "text", "kind", "expected"),
    [
        (2025, "H. Đại Từ", None, "171"),
        (2025, "5779", None, "05779"),  # lost zero
        (2025, "xa van phu", None, "05845"),  # the NQ 1240 merger, without diacritics
        (2026, "xã đại từ", None, "05830"),
        (2026, "Đại Từ", None, "05830"),  # no district any more: the commune
        (2026, "PHƯỜNG BẮC KẠN", None, "01843"),
        (2026, "5830", "commune", "05830"),
        (2026, "SNV", None, "SNV"),
    ],
)
def test_resolution_on_each_map(when, text, kind, expected):
    assert register_for(when, "H1" if when == 2025 else None).resolve(text, kind=kind).code == expected


def test_ambiguity_and_suggestions_on_the_two_level_map():
    reg = register_for(2026)
    with pytest.raises(AmbiguousUnitError) as info:
        reg.resolve("van lang")  # Xã Văn Lang (from Bắc Kạn) and Xã Văn Lăng: one name without diacritics
    assert len(info.value.candidates) == 2
    assert {reg.resolve("Văn Lang").code, reg.resolve("Văn Lăng").code} == {c.split()[0] for c in info.value.candidates}
    with pytest.raises(UnknownUnitError) as info:
        reg.resolve("Xã Đại Từừ")
    assert info.value.suggestions[0].startswith("05830 Xã Đại Từ")
    assert not isinstance(info.value, UnitNotOnMapError)


def test_ambiguity_on_the_map_before_july_2025():
    with pytest.raises(AmbiguousUnitError, match="05476 Phường Trung Thành"):
        register_for(2025, "H1").resolve("Trung Thành")


def test_former_district_names_its_communes_now():
    with pytest.raises(UnitNotOnMapError) as info:
        register_for(2026).resolve("Huyện Đại Từ")
    message = str(info.value)
    assert message.startswith("Huyện Đại Từ không còn tồn tại từ ngày 01/07/2025; các xã của huyện nay thuộc: ")
    assert "05830 Xã Đại Từ" in message
    assert info.value.map_id == MAP_2025_01.id and info.value.unit == "171 Huyện Đại Từ"


def test_former_district_message_in_english():
    with pytest.raises(UnitNotOnMapError, match=r"^Huyện Đại Từ no longer exists from 01/07/2025; its communes now"):
        register_for(2026, lang="en").resolve("Huyện Đại Từ")


def test_commune_merged_in_2024_names_its_successor():
    # SOURCES.md: NQ 1240 removed Na Mao (05782), which Phú Cường (05779) absorbed; map from 01/12/2024.
    with pytest.raises(
        UnitNotOnMapError, match=r"^Xã Na Mao \(05782\) đã sáp nhập vào 05779 Xã Phú Cường .* 01/12/2024"
    ):
        register_for(2025, "H1").resolve("Xã Na Mao")


def test_merged_commune_by_code_and_in_english():
    """A 2023 code of a merged commune, read on the map of 2024: Vạn Thọ (05839) + Ký Phú became Xã Vạn Phú (05845)."""
    explained = register_for(2024, lang="en").explain("05839", "commune")
    assert isinstance(explained, UnitNotOnMapError) and explained.successors == ["05845"]
    assert str(explained).startswith(
        "Xã Vạn Thọ (05839) was merged into 05845 Xã Vạn Phú (Huyện Đại Từ) from 01/12/2024"
    )
    assert register_for(2024).explain("05840", "commune") is None  # a code no map knows: no story to tell


def test_map_before_july_2025_keeps_the_2023_alias_and_retired_code():
    reg = register_for(2024)
    assert reg.resolve("5764").code == "05851"  # the retired Thị trấn Quân Chu code (SOURCES.md)
    assert reg.resolve("Phường Quán Triều").code == "05431"  # GSO spelling; the 2025 file spells it Quan Triều


def test_divided_commune_says_so():
    with pytest.raises(UnitNotOnMapError) as info:
        register_for(2026).resolve("Phường Cam Giá")
    assert len(info.value.successors) == 2
    assert "bị chia" in str(info.value)


def test_newer_unit_on_an_older_map():
    with pytest.raises(UnitNotOnMapError, match="hai cấp"):
        register_for(2023).resolve("Phường Bắc Kạn")


def test_crosswalks_cover_every_old_thai_nguyen_commune():
    x23 = crosswalk_to_2025_07(MAP_2023)
    assert set(x23.old_commune_code) == {u.code for u in register().units("commune")}
    x25 = crosswalk_to_2025_07(MAP_2025_01)
    assert set(x25.loc[x25.old_province_code == "19", "old_commune_code"]) == {
        u.code for u in register_for(2025, "H1").units("commune")
    }
    new = {u.code for u in register_for(2026).units("commune")}
    assert set(x23.new_commune_code) <= new and set(x25.new_commune_code) == new
    assert x25.old_province_code.isin(["19", "06"]).all()


def test_crosswalk_flags_divided_communes():
    x25 = crosswalk_to_2025_07(MAP_2025_01)
    divided = x25[x25.n_new > 1].groupby("old_commune_code").new_commune_code.apply(set).to_dict()
    # the converter's three divided Thái Nguyên communes, agreed by vietnam-provinces' official table (docs/sources.md)
    assert divided == {"05461": {"05443", "05467"}, "05467": {"05467", "05500"}, "05932": {"05908", "05941"}}
    assert (x25.groupby("old_commune_code").size() == x25.groupby("old_commune_code").n_new.first()).all()


# Every difference between the package's map before 01/07/2025 and our shipped 2023 file, with its cause.
DIFFERENCES = {
    ("05431", "name"): "spelling: GSO 'Quán Triều' (ours) vs 'Quan Triều' (vietnamadminunits, Wikipedia)",
    ("05536", "missing"): "NQ 1240: Thị trấn Chợ Chu merged with Xã Bảo Cường; the merged unit took code 05569",
    ("05569", "name"): "NQ 1240: Xã Bảo Cường's code now names the merged Thị trấn Chợ Chu",
    ("05569", "type"): "NQ 1240: the merged unit is a thị trấn",
    ("05608", "missing"): "NQ 1240: Thị trấn Giang Tiên merged with Xã Phấn Mễ; the merged unit took code 05644",
    ("05644", "name"): "NQ 1240: Xã Phấn Mễ's code now names the merged Thị trấn Giang Tiên",
    ("05644", "type"): "NQ 1240: the merged unit is a thị trấn",
    ("05704", "missing"): "NQ 1240: Xã Tân Lợi merged into Thị trấn Trại Cau (05662)",
    ("05782", "missing"): "NQ 1240: Xã Na Mao merged into Xã Phú Cường (05779)",
    ("05839", "missing"): "NQ 1240: Xã Vạn Thọ merged with Xã Ký Phú into Xã Vạn Phú (05845)",
    ("05845", "name"): "NQ 1240: Xã Ký Phú's code now names the merged Xã Vạn Phú",
}


def test_package_data_agree_with_the_shipped_2023_file_but_for_named_differences():
    ours = pd.read_csv(package_data("thai_nguyen_units_2023.csv"), dtype=str).set_index("commune_code")
    theirs = pd.read_csv(package_data("registers/units_2025_legacy.csv"), dtype=str, keep_default_na=False)
    theirs = theirs[theirs.province_code == "19"].set_index("commune_code")
    found = set()
    for code, row in ours.iterrows():
        if code not in theirs.index:
            found.add((code, "missing"))
            continue
        other = theirs.loc[code]
        for column, what in (("commune_name", "name"), ("commune_type", "type"), ("district_code", "district")):
            if unicodedata.normalize("NFC", row[column]) != other[column]:
                found.add((code, what))
    assert not set(theirs.index) - set(ours.index)  # no commune of 2025 that 2023 lacked
    districts = theirs.drop_duplicates("district_code").set_index("district_code")["district_name"].to_dict()
    assert districts == ours.drop_duplicates("district_code").set_index("district_code")["district_name"].to_dict()
    assert found == set(DIFFERENCES)
