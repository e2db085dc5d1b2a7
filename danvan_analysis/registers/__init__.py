"""Registers by date: the units of any province on the map in force at a date or at the close of a period.

Usage::

    from danvan_analysis.registers import register_for
    reg = register_for(2026)                      # Thái Nguyên on the two-level map: 92 communes, no district
    reg = register_for(2025, "H1")                # the map before 01/07/2025: 9 districts, 172 communes
    reg = register_for(dt.date(2023, 6, 1))       # the shipped 2023 map: 9 districts, 177 communes
    reg.resolve("Huyện Đại Từ")                   # on the 2025_07 map: UnitNotOnMapError, naming its communes now

Each register is a :class:`danvan_analysis.units.Register`, so name resolution (codes with lost zeros, names in
any case, with or without type prefix or diacritics, ambiguity, suggestions) works the same on every map. When a
name is not on the map asked for but is on another date's map, the error says so and names the units that now
cover it (:class:`~danvan_analysis.errors.UnitNotOnMapError`), in Vietnamese by default.

Data (``danvan_analysis/data/registers/``, built by ``scripts/build_registers.py`` from the pinned
``vietnamadminunits`` 1.0.4, MIT; provenance in ``provenance.json``; the toolkit never imports that package):
the 63-province map before 01/07/2025, the 34-province two-level map, the crosswalk from the former to the latter,
and Thái Nguyên's 2023 → 2025 crosswalk. The 2023 map is our own tested file, for province 19 only: for another
province a 2023 date gets the map before 01/07/2025, and the register's ``note`` says so (the 2023 map of the
other provinces is in ``vietnam-provinces``, GPL-3.0, which this MIT project does not redistribute).
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from danvan_analysis.errors import AmbiguousUnitError, ParameterError, UnitNotOnMapError, UnknownUnitError
from danvan_analysis.numbers import check_lang
from danvan_analysis.paths import package_data
from danvan_analysis.registers.maps import (
    MAP_2023,
    MAP_2025_01,
    MAP_2025_07,
    MAPS,
    PERIOD_ENDS,
    AdminMap,
    map_for,
    reference_date,
)
from danvan_analysis.text import nfc
from danvan_analysis.units import Kind, Register, Unit, province_code

__all__ = [
    "MAPS",
    "MAP_2023",
    "MAP_2025_01",
    "MAP_2025_07",
    "PERIOD_ENDS",
    "AdminMap",
    "MapRegister",
    "crosswalk_2023_to_2025_01",
    "crosswalk_to_2025_07",
    "map_for",
    "province_codes",
    "reference_date",
    "register_for",
    "register_of_year",
]

DEFAULT_PROVINCE = "19"


class MapRegister(Register):
    """A :class:`~danvan_analysis.units.Register` of one province on one map.

    Attributes
    ----------
    admin_map : the map (:class:`AdminMap`).
    note : a caveat when the map is a stand-in (another province's 2023 date), else ``None``.
    """

    def __init__(self, table: pd.DataFrame, *, admin_map: AdminMap, note: str | None = None, **kwargs) -> None:
        super().__init__(table, **kwargs)
        self.admin_map = admin_map
        self.note = note

    @property
    def two_level(self) -> bool:
        """Whether the map has no district level."""
        return self.admin_map.two_level


# -- the shipped tables -------------------------------------------------------------------------------------------
def _read(name: str) -> pd.DataFrame:
    table = pd.read_csv(package_data(name), dtype=str, keep_default_na=False)
    for column in table.columns:  # each distinct text normalised once (a province's name repeats on every row)
        distinct = table[column].unique()
        table[column] = table[column].map(dict(zip(distinct, map(nfc, distinct), strict=True)))
    return table


@cache
def _table(map_id: str) -> pd.DataFrame:
    if map_id == MAP_2023.id:
        return _read("thai_nguyen_units_2023.csv")
    return _read(
        {MAP_2025_01.id: "registers/units_2025_legacy.csv", MAP_2025_07.id: "registers/units_2025_07.csv"}[map_id]
    )


@cache
def _crosswalk_2025() -> pd.DataFrame:
    table = _read("registers/crosswalk_2025_07.csv")
    table["n_new"] = table["n_new"].astype(int)
    table["is_default"] = table["is_default"] == "True"
    return table


@cache
def _crosswalk_2023() -> pd.DataFrame:
    return _read("registers/crosswalk_2023_2025_thai_nguyen.csv")


def province_codes(admin_map: AdminMap = MAP_2025_07) -> list[str]:
    """The province codes of a map (63 before 01/07/2025, 34 from then; the 2023 map: ``["19"]``)."""
    return sorted(_table(admin_map.id)["province_code"].unique())


# -- registers ----------------------------------------------------------------------------------------------------
def register_for(
    when: dt.date | int, period: str | None = None, *, province: str = DEFAULT_PROVINCE, lang: str = "vi"
) -> MapRegister:
    """Return the register of ``province`` on the map in force at ``when``.

    Parameters
    ----------
    when : a date, or a year (then ``period`` picks the period of the plan's calendar; the whole year by default).
    period : ``"Q1"``, ``"H1"``, ``"9M"`` or ``"Y"``; the map is the one on the period's last day.
    province : the GSO province code on that map (``"19"`` Thái Nguyên; a lost zero is repaired: ``1`` → ``"01"``).
    lang : language of the "not on this map" messages (``"vi"`` or ``"en"``).
    """
    return _register(map_for(when, period).id, _province_code(province), check_lang(lang))


def register_of_year(year: int, period: str | None = None, *, province: str | None = None) -> MapRegister | None:
    """The register a report or a data file of ``year`` (``period``) is checked against, or ``None`` on the 2023 map
    (the shipped 2023 register, :func:`danvan_analysis.units.register`, as always).

    The rule: **a year with districts to its end is on the map of its end, every period of it**: 2023 on the 2023
    map (177 communes), 2024 on the map before 01/07/2025 (172; its Q1–9M too: a year's data and reports keep one
    map of communes, and its year-end figures are those of the 172 communes); 2025, the year the district level
    ended, is on the map at the period's end (:func:`map_for`: Q1 and H1 on the map before 01/07/2025, 9M and Y on
    the two-level map); later years on the two-level map.

    ``province`` ``None``: the province of the register in use (Thái Nguyên unless a report of another province
    put its register in use, :func:`danvan_analysis.units.set_register`), so a loader inside that report checks the
    files against that province's communes.
    """
    try:
        admin_map = map_for(int(year), period)
        year_end = map_for(int(year))
    except ParameterError:
        return None
    if not year_end.two_level:
        admin_map = year_end
    if admin_map is MAP_2023:
        return None
    if province is None:
        province = province_code()
    return register_for(int(year), None if admin_map is year_end else period, province=province)


def _province_code(province: object) -> str:
    code = str(province).strip()
    if code.isdigit():
        code = code.zfill(2)
    if code not in _known_province_codes():
        raise ParameterError(
            f"province={province!r} is not a GSO province code; expected a 2-digit code such as '19' (Thái Nguyên)."
        )
    return code


@cache
def _known_province_codes() -> frozenset[str]:
    """Every province code before and from 01/07/2025, read from the tables' code column only (checking a code
    must not parse the national tables: 0.15 s in every process that loads a plan)."""
    names = ("registers/units_2025_legacy.csv", "registers/units_2025_07.csv")
    columns = [pd.read_csv(package_data(n), usecols=["province_code"], dtype=str)["province_code"] for n in names]
    return frozenset(nfc(code) for column in columns for code in column.unique())


@cache
def _register(map_id: str, province: str, lang: str) -> MapRegister:
    admin_map = next(m for m in MAPS if m.id == map_id)
    note = None
    if admin_map is MAP_2023 and province != DEFAULT_PROVINCE:
        note = (
            f"Tỉnh {province}: bản đồ năm 2023 chưa có trong bộ công cụ; dùng bản đồ trước ngày 01/07/2025."
            if lang == "vi"
            else f"Province {province}: the 2023 map is not shipped; the map before 01/07/2025 is used."
        )
        admin_map = MAP_2025_01
    table = _table(admin_map.id)
    table = table[table["province_code"] == province].reset_index(drop=True)
    if table.empty:
        raise ParameterError(
            f"Province {province} is not on {admin_map.label_en} "
            f"(provinces there: {', '.join(province_codes(admin_map))}). "
            "Hint: provinces merged on 01/07/2025 use the code of the merged province."
        )
    name = table["province_name"].iloc[0]
    short = name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
    name_en = f"{short} {'city' if name.startswith('Thành phố') else 'province'}"
    keep = [c for c in table.columns if c.startswith(("district_", "commune_"))]
    # Thái Nguyên's map before 01/07/2025 keeps the 2023 register's spelling alias and retired code (05764 → 05851):
    # both units are on it unchanged (the code that replaced the retired one, the ward spelled two ways).
    same_as_2023 = admin_map is MAP_2023 or (admin_map is MAP_2025_01 and province == DEFAULT_PROVINCE)
    return MapRegister(
        table[keep],
        admin_map=admin_map,
        note=note,
        province=(province, name, name_en),
        label=f"{name} ({admin_map.label_en})",
        aliases=None if same_as_2023 else {},
        retired=None if same_as_2023 else {},
        explain_unknown=lambda raw, kind: _explain(raw, kind, admin_map, province, lang),
    )


def _plain_register(admin_map: AdminMap, province: str) -> Register | None:
    """The register of another map without explanations (no recursion), or ``None`` when not shipped."""
    if admin_map is MAP_2023 and province != DEFAULT_PROVINCE:
        return None
    table = _table(admin_map.id)
    table = table[table["province_code"] == province].reset_index(drop=True)
    if table.empty:
        return None
    keep = [c for c in table.columns if c.startswith(("district_", "commune_"))]
    is_2023 = admin_map is MAP_2023
    name = table["province_name"].iloc[0]
    return Register(
        table[keep],
        province=(province, name, name),
        label=f"{name} ({admin_map.label_en})",
        aliases=None if is_2023 else {},
        retired=None if is_2023 else {},
    )


# -- crosswalks ---------------------------------------------------------------------------------------------------
def crosswalk_2023_to_2025_01() -> pd.DataFrame:
    """Thái Nguyên's communes of the 2023 map → the commune each became part of on the map before 01/07/2025
    (NQ 1240/NQ-UBTVQH15): ``commune_code_2023``, ``commune_code_2025`` and ``change`` (``same``, ``kept_code``: it
    absorbed another and kept its code, ``merged``: it went whole into another). Districts kept their codes."""
    return _crosswalk_2023().copy()


def crosswalk_to_2025_07(from_map: AdminMap = MAP_2025_01, *, province: str = DEFAULT_PROVINCE) -> pd.DataFrame:
    """Old commune → new commune(s) on the two-level map, for the new ``province`` (all its former provinces).

    Returns one row per (old commune, new commune): ``old_province_code``, ``old_district_code``,
    ``old_commune_code``, ``new_commune_code``, ``n_new`` (how many new communes the old one was divided between; 1 =
    it went whole into one) and ``is_default`` (the converter's choice for a divided one; never use it to guess).
    From the 2023 map (Thái Nguyên only) the old commune is first taken to the commune it was merged into before
    2025 (NQ 1240/NQ-UBTVQH15), then on; ``n_new`` is then that commune's.
    """
    province = _province_code(province)
    table = _crosswalk_2025()
    table = table[(table["new_province_code"] == province) & (table["old_commune_code"] != "")]
    columns = ["old_province_code", "old_district_code", "old_commune_code", "new_commune_code", "n_new", "is_default"]
    if from_map is MAP_2025_01:
        return table[columns].reset_index(drop=True)
    if from_map is MAP_2023 and province == DEFAULT_PROVINCE:
        step = _crosswalk_2023().rename(
            columns={"commune_code_2023": "code_2023", "commune_code_2025": "old_commune_code"}
        )
        out = step.merge(table, on="old_commune_code", how="left", validate="many_to_many")
        district = _table(MAP_2023.id).set_index("commune_code")["district_code"]
        out["old_district_code"] = out["code_2023"].map(district)
        out["old_commune_code"] = out["code_2023"]
        return out[columns].reset_index(drop=True)
    raise ParameterError(f"No crosswalk from {from_map.label_en} to the two-level map for province {province}.")


def _successors(unit: Unit, on: AdminMap, province: str, target: AdminMap) -> list[str]:
    """Codes on ``target`` (a later map) of the units that now cover ``unit`` of map ``on``."""
    if target is MAP_2025_07:
        table = crosswalk_to_2025_07(on, province=province) if on is not MAP_2025_07 else None
        if table is None:
            return []
        column = "old_district_code" if unit.kind == "district" else "old_commune_code"
        return list(dict.fromkeys(table.loc[table[column] == unit.code, "new_commune_code"]))
    # 2023 → before 01/07/2025 (Thái Nguyên): districts kept their codes; communes follow NQ 1240.
    if unit.kind == "district":
        return [unit.code]
    step = _crosswalk_2023()
    return list(step.loc[step["commune_code_2023"] == unit.code, "commune_code_2025"])


def _explain(raw: str, kind: Kind | None, target: AdminMap, province: str, lang: str) -> UnknownUnitError | None:
    """A :class:`UnitNotOnMapError` when ``raw`` names a unit of another map of the same province, else ``None``."""
    # Older maps first (the nearest first), then newer ones (the nearest first).
    order = sorted(
        (m for m in MAPS if m is not target),
        key=lambda m: (m.valid_from > target.valid_from, abs((m.valid_from - target.valid_from).days)),
    )
    for other in order:
        register = _plain_register(other, province)
        if register is None:
            continue
        try:
            unit = register.resolve(raw, kind=kind)
        except (UnknownUnitError, AmbiguousUnitError):
            continue
        if unit.kind in ("agency", "province"):
            return None
        return _not_on_map(unit, other, target, province, lang)
    return None


def _not_on_map(unit: Unit, other: AdminMap, target: AdminMap, province: str, lang: str) -> UnitNotOnMapError:
    here = _plain_register(target, province)
    if other.valid_from > target.valid_from:  # a unit created later
        message = (
            f"{unit.name} là đơn vị của {other.label_vi}, không có trên {target.label_vi}."
            if lang == "vi"
            else f"{unit.name} is a unit of {other.label_en}; it is not on {target.label_en}."
        )
        return UnitNotOnMapError(message, unit=f"{unit.code} {unit.name}", map_id=other.id, successors=[])
    codes = _successors(unit, other, province, target)
    names = [here.describe(here.unit(code)) for code in codes] if here is not None else codes
    gone = (other.valid_until + dt.timedelta(days=1)).strftime("%d/%m/%Y")  # type: ignore[operator]
    listed = "; ".join(names)
    if unit.kind == "commune" and not target.two_level and codes:
        return UnitNotOnMapError(
            _merged_message(unit, codes, listed, gone, target, lang),
            unit=f"{unit.code} {unit.name}",
            map_id=other.id,
            successors=codes,
        )
    if lang == "vi":
        whose = "các xã của huyện nay thuộc" if unit.kind == "district" else "nay thuộc"
        message = f"{unit.name} không còn tồn tại từ ngày {gone}; {whose}: {listed}."
    else:
        whose = "its communes now belong to" if unit.kind == "district" else "it is now part of"
        message = f"{unit.name} no longer exists from {gone}; {whose}: {listed}."
    if len(codes) > 1 and unit.kind == "commune":
        message += (
            " Đơn vị này bị chia cho nhiều xã, phường mới."
            if lang == "vi"
            else " It was divided between several new communes and wards."
        )
    return UnitNotOnMapError(message, unit=f"{unit.code} {unit.name}", map_id=other.id, successors=codes)


def _merged_message(unit: Unit, codes: list[str], listed: str, gone: str, target: AdminMap, lang: str) -> str:
    """A commune of the 2023 map merged in the 2023–2025 arrangement (NQ 1240/NQ-UBTVQH15), read on a later map with
    districts: what it was merged into, from when."""
    same = codes == [unit.code]  # it kept its code: the commune it absorbed, or that absorbed it, took its name
    if lang == "vi":
        what = f"nay là {listed}" if same else f"đã sáp nhập vào {listed}"
        return (
            f"{unit.name} ({unit.code}) {what} từ ngày {gone} (NQ 1240/NQ-UBTVQH15); không có trên {target.label_vi}."
        )
    what = f"is now {listed}" if same else f"was merged into {listed}"
    return f"{unit.name} ({unit.code}) {what} from {gone} (NQ 1240/NQ-UBTVQH15); it is not on {target.label_en}."
