"""The 2023 unit register and name/code resolution (expected counts from ../shared/reference/SOURCES.md)."""

from __future__ import annotations

import unicodedata

import pytest

from danvan_analysis.errors import AmbiguousUnitError, UnknownUnitError
from danvan_analysis.units import AGENCIES, register, resolve_unit

# Per-district commune counts as published in SOURCES.md (GSO register of 10/04/2023).
EXPECTED_COMMUNES = {
    "164": 32, "165": 10, "167": 23, "168": 15, "169": 15, "170": 15, "171": 29, "172": 18, "173": 20,
}  # fmt: skip


def test_register_has_177_communes_in_9_districts():
    reg = register()
    assert len(reg.units("commune")) == 177
    assert reg.district_codes == sorted(EXPECTED_COMMUNES)
    assert {code: len(reg.communes_of(code)) for code in reg.district_codes} == EXPECTED_COMMUNES


def test_commune_types_match_sources():
    types = [u.type_name for u in register().units("commune")]
    assert (types.count("Phường"), types.count("Thị trấn"), types.count("Xã")) == (41, 10, 126)


def test_codes_are_zero_padded_strings_and_names_nfc():
    for unit in register().units():
        assert isinstance(unit.code, str)
        assert unicodedata.is_normalized("NFC", unit.name)
    assert all(len(u.code) == 5 and u.code.startswith("0") for u in register().units("commune"))


def test_agencies_have_unique_stable_codes():
    codes = [code for code, _, _ in AGENCIES]
    assert len(codes) == len(set(codes)) == 24
    assert resolve_unit("SNV").name == "Sở Nội vụ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TP. Thái Nguyên", "164"),
        ("Thành phố Thái Nguyên", "164"),
        ("thành phố  thái   nguyên", "164"),
        ("H. Đại Từ", "171"),
        ("huyện Đại Từ", "171"),
        ("HUYỆN ĐẠI TỪ", "171"),
        ("dai tu", "171"),
        ("TX Phổ Yên", "172"),  # the former town, a city since 2022
        ("Thị xã Phổ Yên", "172"),
        ("TT Hùng Sơn", "05761"),
        ("thị trấn Hùng Sơn", "05761"),
        ("xã Tân Long", "05668"),
        ("Phường Tân Long", "05482"),
        ("UBND huyện Võ Nhai", "170"),
        ("5431", "05431"),  # lost leading zero
        ("05431", "05431"),
        ("164", "164"),
        ("05764", "05851"),  # retired code of Thị trấn Quân Chu
        ("Quan Triều", "05431"),  # legal-text spelling of the GSO's "Quán Triều"
        ("sở nội vụ", "SNV"),
        ("Định Hóa", "167"),
    ],
)
def test_resolve_as_people_write(text, expected):
    assert resolve_unit(text).code == expected


def test_resolve_nfd_input():
    assert resolve_unit(unicodedata.normalize("NFD", "Huyện Định Hóa")).code == "167"


def test_kind_and_district_narrow_the_search():
    assert resolve_unit("Thái Nguyên", kind="district").code == "164"
    assert resolve_unit("Trung Thành", district="Phổ Yên").code == "05899"


@pytest.mark.parametrize(("text", "codes"), [("Trung Thành", {"05476", "05899"}), ("Tân Long", {"05482", "05668"})])
def test_ambiguous_names_list_candidates(text, codes):
    with pytest.raises(AmbiguousUnitError) as info:
        resolve_unit(text)
    assert {c.split()[0] for c in info.value.candidates} == codes
    assert "district" in str(info.value)


def test_unknown_name_suggests_closest():
    with pytest.raises(UnknownUnitError) as info:
        resolve_unit("xã Phú Xuyênn")
    assert info.value.suggestions[0].startswith("05797 Xã Phú Xuyên")
    assert "Did you mean" in str(info.value)


@pytest.mark.parametrize("bad", ["", "   ", None, "99999", "Hà Nội"])
def test_unresolvable_values_raise(bad):
    with pytest.raises(UnknownUnitError):
        resolve_unit(bad)
