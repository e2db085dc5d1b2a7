"""The official unit register of Thái Nguyên province (2023) and name/code resolution.

Sources: the 9 district-level units and 177 communes with their GSO codes come from the GSO register as shipped in
``vietnam-provinces`` 0.5.0 (data 2023-05-07), cross-checked against dvhcvn's 10/04/2023 snapshot; see
``docs/sources.md``. The provincial agencies that the 2023 plan addresses are not in any GSO register: they carry
**our own stable mnemonic codes** (the usual Vietnamese abbreviations, e.g. ``SNV`` = Sở Nội vụ), listed in
:data:`AGENCIES`. These codes never change meaning; a new agency gets a new code.

Resolution (:func:`resolve_unit`) accepts what people actually write: a code (with lost leading zeros repaired,
``5431`` → ``05431``), or a name in any case, NFC or NFD, with extra spaces, with a type prefix or its abbreviation
(``TP.``, ``H.``, ``TX``, ``TT``, ``xã``, ``phường``, ``UBND``), and without diacritics as a fallback. A name that
matches several units raises :class:`~danvan_analysis.errors.AmbiguousUnitError` listing them; an unknown one raises
:class:`~danvan_analysis.errors.UnknownUnitError` with the closest suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from danvan_analysis.errors import AmbiguousUnitError, UnknownUnitError
from danvan_analysis.paths import package_data
from danvan_analysis.text import casefold_nfc, fold, nfc

PROVINCE_CODE = "19"
PROVINCE_NAME = "Tỉnh Thái Nguyên"

Kind = Literal["province", "district", "commune", "agency"]

#: Provincial agencies addressed by the 2023 plan: (our code, official name, English name).
AGENCIES: tuple[tuple[str, str, str], ...] = (
    ("SNV", "Sở Nội vụ", "Department of Home Affairs"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Department of Planning and Investment"),
    ("STC", "Sở Tài chính", "Department of Finance"),
    ("STP", "Sở Tư pháp", "Department of Justice"),
    ("SCT", "Sở Công Thương", "Department of Industry and Trade"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "Department of Agriculture and Rural Development"),
    ("SGTVT", "Sở Giao thông vận tải", "Department of Transport"),
    ("SXD", "Sở Xây dựng", "Department of Construction"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Department of Natural Resources and Environment"),
    ("STTTT", "Sở Thông tin và Truyền thông", "Department of Information and Communications"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội", "Department of Labour, Invalids and Social Affairs"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Department of Culture, Sports and Tourism"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Department of Science and Technology"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Department of Education and Training"),
    ("SYT", "Sở Y tế", "Department of Health"),
    ("SNGV", "Sở Ngoại vụ", "Department of Foreign Affairs"),
    ("TTT", "Thanh tra tỉnh", "Provincial Inspectorate"),
    ("VPUBND", "Văn phòng UBND tỉnh", "Office of the Provincial People's Committee"),
    ("BDT", "Ban Dân tộc", "Ethnic Minorities Committee"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp", "Industrial Zones Management Board"),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "Provincial Military Command"),
    ("CAT", "Công an tỉnh", "Provincial Police"),
    ("BTN", "Báo Thái Nguyên", "Thái Nguyên Newspaper"),
    ("PTTH", "Đài Phát thanh - Truyền hình", "Radio and Television Station"),
)

#: The agency named after its province (``Báo Thái Nguyên``): another province's register names it after that one.
PROVINCE_NEWSPAPER = "BTN"

#: Codes retired in 2023 and the code that replaced them (GSO kept 05851 for the merged Thị trấn Quân Chu).
RETIRED_CODES = {"05764": "05851"}

#: Spellings found in legal texts and the press that differ from the GSO register.
NAME_ALIASES = {"quan trieu": "05431"}

# Type prefixes as people write them, folded (no diacritics, lower case), longest first; value = kind hinted.
_PREFIXES: tuple[tuple[str, str, str | None], ...] = (
    ("uy ban nhan dan", "", None),
    ("ubnd", "", None),
    ("thanh pho", "district", "Thành phố"),
    ("tp", "district", "Thành phố"),
    ("thi xa", "district", "Thành phố"),
    ("tx", "district", "Thành phố"),
    ("huyen", "district", "Huyện"),
    ("h", "district", "Huyện"),
    ("thi tran", "commune", "Thị trấn"),
    ("tt", "commune", "Thị trấn"),
    ("phuong", "commune", "Phường"),
    ("p", "commune", "Phường"),
    ("xa", "commune", "Xã"),
    ("x", "commune", "Xã"),
    ("tinh", "province", None),
)
_TYPE_PREFIX = re.compile(r"^(Thành phố|Huyện|Thị xã|Phường|Xã|Thị trấn|Tỉnh) ")


@dataclass(frozen=True)
class Unit:
    """One unit of the register.

    Attributes
    ----------
    code : GSO code (``"19"``, ``"164"``, ``"05431"``) or our agency code (``"SNV"``).
    name : official name with its type, e.g. ``"Phường Quán Triều"``.
    kind : ``"province"``, ``"district"``, ``"commune"`` or ``"agency"``.
    type_name : ``"Thành phố"``, ``"Huyện"``, ``"Phường"``, ``"Xã"``, ``"Thị trấn"``, ``"Tỉnh"`` or ``"Cơ quan"``.
    district_code : the district a commune lies in (its own code for a district; ``None`` otherwise).
    name_en : English name (agencies, province) or the Vietnamese name.
    """

    code: str
    name: str
    kind: Kind
    type_name: str
    district_code: str | None = None
    name_en: str | None = None

    @property
    def short_name(self) -> str:
        """The name without its type prefix (``"Quán Triều"``)."""
        return _TYPE_PREFIX.sub("", self.name)

    def describe(self) -> str:
        """``code name`` with the 2023 district for communes, as shown in error messages.

        A unit of another map: use its register's :meth:`Register.describe`.
        """
        if self.kind == "commune" and self.district_code:
            return register().describe(self)
        return f"{self.code} {self.name}"


class Register:
    """The set of units, with fast look-ups. Get the shipped one with :func:`register`."""

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        province: tuple[str, str, str] = (PROVINCE_CODE, PROVINCE_NAME, "Thái Nguyên province"),
        label: str = "Thái Nguyên (2023 register)",
        aliases: dict[str, str] | None = None,
        retired: dict[str, str] | None = None,
        explain_unknown: Callable[[str, Kind | None], UnknownUnitError | None] | None = None,
    ) -> None:
        """Store the table and index it.

        ``table`` has ``commune_code``, ``commune_name``, ``commune_type`` and, on a map with districts,
        ``district_code``, ``district_name``, ``district_type``. The keywords serve the other maps of
        :mod:`danvan_analysis.registers`: ``province`` (code, name, English name), ``label`` (named in errors),
        ``aliases`` (folded spelling → code) and ``retired`` (old code → code) default to the 2023 ones, and
        ``explain_unknown`` may turn an unknown name into a more telling error (a unit of another date's map).
        """
        self.table = table
        self.label = label
        self.province_code = province[0]
        self._aliases = NAME_ALIASES if aliases is None else aliases
        self._retired = RETIRED_CODES if retired is None else retired
        self._explain_unknown = explain_unknown
        self._units: dict[str, Unit] = {}
        self._build(table, province)

    def _build(self, table: pd.DataFrame, province: tuple[str, str, str]) -> None:
        code, name, name_en = province
        self._units[code] = Unit(
            code, name, "province", "Tỉnh" if name.startswith("Tỉnh") else "Thành phố", None, name_en
        )
        has_districts = "district_code" in table.columns
        if has_districts:
            for row in table.drop_duplicates("district_code").itertuples():
                self._units[row.district_code] = Unit(
                    row.district_code, row.district_name, "district", row.district_type, row.district_code
                )
        for row in table.itertuples():
            if row.commune_code:  # island districts of the legacy map have no commune
                district = row.district_code if has_districts else None
                self._units[row.commune_code] = Unit(
                    row.commune_code, row.commune_name, "commune", row.commune_type, district
                )
        place = _TYPE_PREFIX.sub("", name)
        for code, name_vi, agency_en in AGENCIES:
            if code == PROVINCE_NEWSPAPER:  # the province's own newspaper: named after the province it serves
                name_vi, agency_en = f"Báo {place}", f"{place} Newspaper"
            self._units[code] = Unit(code, name_vi, "agency", "Cơ quan", None, agency_en)
        self._by_name: dict[str, list[Unit]] = {}
        self._by_fold: dict[str, list[Unit]] = {}
        for unit in self._units.values():
            self._by_name.setdefault(casefold_nfc(unit.short_name), []).append(unit)
            self._by_fold.setdefault(fold(unit.short_name), []).append(unit)
        for alias, code in self._aliases.items():
            if code in self._units:
                self._by_fold.setdefault(alias, []).append(self._units[code])

    def describe(self, unit: Unit) -> str:
        """``code name`` with the district for communes on a map with districts, as shown in error messages."""
        district = self._units.get(unit.district_code or "")
        if unit.kind == "commune" and district is not None:
            return f"{unit.code} {unit.name} ({district.name})"
        return f"{unit.code} {unit.name}"

    # -- listings ---------------------------------------------------------------------------------------------
    def unit(self, code: str) -> Unit:
        """Return the unit with exactly this code (no repair); raise :class:`UnknownUnitError` otherwise."""
        try:
            return self._units[code]
        except KeyError:
            raise UnknownUnitError(f"No unit has the code {code!r}.") from None

    def units(self, kind: Kind | None = None) -> list[Unit]:
        """Return all units, or those of one kind, in register order."""
        return [u for u in self._units.values() if kind is None or u.kind == kind]

    @property
    def district_codes(self) -> list[str]:
        """The district codes in register order (the 9 of 2023; none on the two-level map)."""
        return [u.code for u in self.units("district")]

    def communes_of(self, district_code: str) -> list[Unit]:
        """Return the communes of a district, in register order."""
        return [u for u in self.units("commune") if u.district_code == district_code]

    def district_of(self, commune_code: str) -> str:
        """Return the district code of a commune."""
        unit = self.unit(commune_code)
        if unit.kind != "commune":
            raise UnknownUnitError(f"{commune_code!r} is not a commune code.")
        return unit.district_code  # type: ignore[return-value]

    def to_frame(self, kind: Kind | None = None) -> pd.DataFrame:
        """All units (or one kind) as a table: code, name, kind, type_name, district_code, name_en."""
        rows = [u.__dict__ for u in self.units(kind)]
        return pd.DataFrame(rows, columns=["code", "name", "kind", "type_name", "district_code", "name_en"])

    def explain(self, text: str, kind: Kind | None = None) -> UnknownUnitError | None:
        """Why ``text`` (a code or a name not on this register) is not here, when another date's map knows it (e.g.
        a commune merged before this map: :class:`~danvan_analysis.errors.UnitNotOnMapError`); else ``None``."""
        return None if self._explain_unknown is None else self._explain_unknown(nfc(str(text)), kind)

    # -- resolution -------------------------------------------------------------------------------------------
    def repair_code(self, text: str, kind: Kind | None = None) -> str | None:
        """Return the register code that ``text`` denotes as a code (re-padding lost zeros), or ``None``."""
        raw = nfc(str(text))
        if raw.upper() in self._units and self._units[raw.upper()].kind == "agency":
            return raw.upper() if kind in (None, "agency") else None
        if not raw.isdigit():
            return None
        widths = {"province": (2,), "district": (3,), "commune": (5,)}.get(kind or "", (2, 3, 5))
        for width in widths:
            code = raw.zfill(width)
            code = self._retired.get(code, code)
            if len(code) == width and code in self._units and (kind is None or self._units[code].kind == kind):
                return code
        return None

    def resolve(self, text: object, *, kind: Kind | None = None, district: str | None = None) -> Unit:
        """Resolve a code or a name to a unit; see the module docstring.

        Parameters
        ----------
        text : a code or a name.
        kind : restrict to one kind of unit.
        district : restrict communes to this district (code or name).
        """
        if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
            raise UnknownUnitError("An empty value is not a unit; expected a code or a name.")
        raw = nfc(str(text))
        code = self.repair_code(raw, kind)
        if code is not None:
            return self._units[code]
        district_code = self.resolve(district, kind="district").code if district is not None else None
        name, hinted_kind, hinted_type = _split_prefix(raw)
        if kind is not None and hinted_kind not in (None, kind):
            hinted_type = None
        want_kind = kind or hinted_kind

        def keep(units: list[Unit]) -> list[Unit]:
            out = list({u.code: u for u in units if want_kind is None or u.kind == want_kind}.values())
            if district_code is not None:
                out = [u for u in out if u.kind != "commune" or u.district_code == district_code]
            typed = [u for u in out if hinted_type and u.type_name == hinted_type]
            return typed or out

        for index, key in ((self._by_name, casefold_nfc(name)), (self._by_fold, fold(name))):
            found = keep(index.get(key, []))
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                listed = [self.describe(u) for u in found]
                raise AmbiguousUnitError(
                    f"{raw!r} matches {len(found)} units: {'; '.join(listed)}. "
                    "Hint: give the code, the type (xã/phường/thị trấn) or the district.",
                    listed,
                )
        pool = {fold(u.short_name): u for u in self._units.values() if want_kind is None or u.kind == want_kind}
        close = difflib.get_close_matches(fold(name), list(pool), n=5, cutoff=0.6)
        suggestions = [self.describe(pool[c]) for c in close]
        if self._explain_unknown is not None and (explained := self._explain_unknown(raw, want_kind)) is not None:
            explained.suggestions = explained.suggestions or suggestions
            raise explained
        hint = f" Did you mean: {'; '.join(suggestions)}?" if suggestions else ""
        what = want_kind or "unit"
        raise UnknownUnitError(f"No {what} of {self.label} is called {raw!r}.{hint}", suggestions)


def _split_prefix(name: str) -> tuple[str, str | None, str | None]:
    """Remove a leading type prefix; return (bare name, kind hinted, type hinted)."""
    folded = fold(name)
    for prefix, kind, type_name in _PREFIXES:
        if folded == prefix:
            continue
        if folded.startswith(prefix + " "):
            # Cut the same number of words from the original text, keeping its diacritics.
            words = re.sub(r"[.]", ". ", name).split()
            n_words = len(prefix.split())
            bare = " ".join(words[n_words:]).lstrip(". ").strip()
            inner, inner_kind, inner_type = _split_prefix(bare) if kind == "" else (bare, None, None)
            return inner, (inner_kind if kind == "" else kind), (inner_type if kind == "" else type_name)
    return name, None, None


@cache
def _shipped_register() -> Register:
    """The shipped 2023 register (loaded once)."""
    table = pd.read_csv(package_data("thai_nguyen_units_2023.csv"), dtype=str, keep_default_na=False)
    for column in table.columns:
        table[column] = table[column].map(nfc)
    return Register(table)


# The register of the map being evaluated: a stack (``using_register``) over a base (``set_register``). A report
# evaluates one year, so it sets the map once; the loader checks a file against its year's map. A plain module
# state rather than a ContextVar: Jupyter kernels do not carry a ContextVar from one cell to the next.
_BASE: list[Register | None] = [None]
_STACK: list[Register] = []


def register() -> Register:
    """Return the register in use: the shipped 2023 register, unless another map's register was put in use with
    :func:`set_register` (a report of a two-level year) or :func:`using_register` (the loader, for a file's year)."""
    if _STACK:
        return _STACK[-1]
    return _BASE[0] or _shipped_register()


def set_register(reg: Register | None) -> None:
    """Put ``reg`` in use for what follows (``None``: back to the shipped 2023 register)."""
    _BASE[0] = reg


@contextmanager
def register_kept() -> Iterator[None]:
    """Put back, when the block ends, the register :func:`set_register` had put in use: for code that sets its year's
    map in a process that goes on with other work (the batch's shared step, in the command's process)."""
    saved = _BASE[0]
    try:
        yield
    finally:
        _BASE[0] = saved


@contextmanager
def using_register(reg: Register | None) -> Iterator[Register]:
    """Use ``reg`` inside the ``with`` block only; ``None``: the shipped 2023 register, as for :func:`set_register`
    (what :func:`danvan_analysis.registers.register_of_year` returns for a year on the 2023 map), whatever register
    is in use: a 2024 report's kernel loads the 2023 files on the 2023 map."""
    _STACK.append(reg or _shipped_register())
    try:
        yield _STACK[-1]
    finally:
        _STACK.pop()


def resolve_unit(text: object, *, kind: Kind | None = None, district: str | None = None) -> Unit:
    """Resolve a unit code or name against the shipped register; see :meth:`Register.resolve`."""
    return register().resolve(text, kind=kind, district=district)


def province_code() -> str:
    """The code of the province of the register in use (``"19"``, Thái Nguyên, unless a report of another
    province put that province's register in use): the province's own rows and its survey domain carry it."""
    return register().province_code


def province_unit() -> Unit:
    """The province of the register in use, as a unit (``"Tỉnh Thái Nguyên"``, ``"Thành phố Hà Nội"``, …)."""
    reg = register()
    return reg.unit(reg.province_code)


def district_codes() -> list[str]:
    """The 9 district codes of the 2023 register."""
    return register().district_codes
