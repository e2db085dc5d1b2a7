"""The result type shared by every indicator module, and the helpers they use.

An **indicator** is a count or a percent computed from report data for one unit (the province, a district, …), one
year and one reporting period. Each one keeps its numerator and denominator so that a reader can check it, its
threshold and comparison rule from the 2023 plan, and whether it was met.

Denominators come from the unit **register** (:func:`danvan_analysis.units.register`), never from the rows that
happen to be present: a commune that sent no row still counts in "communes that issued a plan", as not done, and is
listed in the table's :attr:`IndicatorTable.shortfalls` with the reason ``"no_row"``. This is the usual rule for
coverage indicators in administrative statistics (a missing return is not a success) and it is what the plan's
"100 % of …" targets mean.

Results are immutable: :class:`Indicator` and :class:`Shortfall` are frozen dataclasses and an
:class:`IndicatorTable` holds tuples of them; :meth:`IndicatorTable.to_frame` builds a fresh tidy DataFrame on each
call.

Caveats are :class:`Note` values, each written in Vietnamese and English by the theme module that detects it (the
reports are Vietnamese by default, so a caveat must never reach a reader in English only); numbers in them use the
separators of their language (:mod:`danvan_analysis.numbers`), dates read ``dd/mm/yyyy``, units are named from the
register and periods by their labels.
"""

from __future__ import annotations

import html
import math
import numbers
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError, SchemaError, UnitError
from danvan_analysis.numbers import check_lang, format_count, format_number, format_percent
from danvan_analysis.units import RETIRED_CODES, Unit, province_code, register, resolve_unit

Kind = Literal["percent", "count"]
Rule = Literal[">=", ">", "<=", "<", "=="]

#: Columns of :meth:`IndicatorTable.to_frame`, in order.
INDICATOR_COLUMNS = [
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
    "threshold",
    "rule",
    "met",
]
#: Columns of :meth:`IndicatorTable.shortfall_frame`, in order.
SHORTFALL_COLUMNS = ["indicator", "scope_code", "period", "unit_code", "unit_name", "reason"]

#: Why a unit is listed as a shortfall, in Vietnamese and English.
REASONS = {
    "no_row": ("chưa báo cáo", "sent no report"),
    "deputy_only": ("chỉ có cấp phó chủ trì đối thoại", "dialogues chaired by a deputy only"),
    "not_done": ("chưa thực hiện", "not done"),
    "late": ("nộp muộn", "submitted late"),
    "missing": ("chưa nộp", "not submitted"),
}

_QUARTER_LABELS = {
    "Q1": ("Quý I", "Q1"),
    "Q2": ("Quý II", "Q2"),
    "Q3": ("Quý III", "Q3"),
    "Q4": ("Quý IV", "Q4"),
}


@dataclass(frozen=True)
class Note:
    """One caveat of an indicator table, in Vietnamese and English.

    Attributes
    ----------
    vi, en : the caveat in each report language (NFC, numbers and dates already formatted for that language).

    Examples
    --------
    >>> note = Note(vi="Không có số liệu năm 2023.", en="No row for 2023.")
    >>> note.text("vi")
    'Không có số liệu năm 2023.'
    """

    vi: str
    en: str

    def text(self, lang: str = "vi") -> str:
        """Return the caveat in ``lang`` (``"vi"`` or ``"en"``)."""
        return self.vi if check_lang(lang) == "vi" else self.en


@dataclass(frozen=True)
class Indicator:
    """One indicator value for one unit, year and period.

    Attributes
    ----------
    indicator : code, e.g. ``"plan_issued"``.
    label_vi, label_en : what it measures, in Vietnamese and English.
    unit_code : the unit the value describes (``"19"`` for the province, a district code, …).
    level : ``"province"``, ``"district"`` or ``"commune"``: the level of ``unit_code``.
    year : the reporting year.
    period : the reporting period (``vocab.Period`` code) the figures refer to.
    dimension, category : a breakdown (``"topic"``/``"land"``, ``"religion"``/``"buddhism"``, ``"quarter"``/``"Q2"``);
        both ``None`` for the total.
    numerator, denominator : the counts behind a percent; for a count, ``numerator`` is the count and
        ``denominator`` is ``None``.
    value : percent (0–100) or count; ``None`` when it cannot be computed (no data, zero denominator).
    kind : ``"percent"`` or ``"count"``.
    threshold, rule : the plan's requirement, read as ``value <rule> threshold``; ``None`` when there is none.
    met : whether the requirement holds; ``None`` without a requirement or without a value.
    """

    indicator: str
    label_vi: str
    label_en: str
    unit_code: str
    level: str
    year: int
    period: str
    numerator: float | None
    denominator: float | None
    value: float | None
    kind: Kind
    threshold: float | None = None
    rule: Rule | None = None
    met: bool | None = None
    dimension: str | None = None
    category: str | None = None

    def label(self, lang: str = "vi") -> str:
        """Return the label in ``lang``."""
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Shortfall:
    """A unit that counts against an indicator: it has no row, did not do the task, or reported late.

    Attributes
    ----------
    indicator : the indicator code.
    scope_code : the unit whose indicator it counts against (``"19"`` or a district code).
    period : reporting period.
    unit_code, unit_name : the unit that fell short.
    reason : a key of :data:`REASONS`, or ``"late"`` with the days in ``detail``.
    detail : extra evidence, e.g. ``"12"`` days late.
    """

    indicator: str
    scope_code: str
    period: str
    unit_code: str
    unit_name: str
    reason: str
    detail: str | None = None


@dataclass(frozen=True, eq=False)
class IndicatorTable:
    """The indicators of one theme for one scope and year.

    Attributes
    ----------
    theme : ``"dialogues"``, ``"religion"``, ``"complaints"``, ``"boards"``, ``"plans"``, ``"inspections"`` or
        ``"submissions"``.
    year : reporting year.
    scope_code : ``"19"`` (whole province, with one row set per district too) or a district code.
    indicators : the values.
    shortfalls : units counting against an indicator (the evidence behind "not met").
    caveats : remarks the reader must see (missing units, periods used, rows ignored, …), as bilingual
        :class:`Note` values in order; :meth:`caveat_lines` gives them in one language.
    """

    theme: str
    year: int
    scope_code: str
    indicators: tuple[Indicator, ...]
    shortfalls: tuple[Shortfall, ...] = ()
    caveats: tuple[Note, ...] = ()

    def caveat_lines(self, lang: str = "vi") -> list[str]:
        """Return the caveats as text in ``lang`` (``"vi"`` or ``"en"``), in order, each text once.

        Raises
        ------
        ParameterError
            ``lang`` is not a report language.
        """
        lang = check_lang(lang)
        return list(dict.fromkeys(note.text(lang) for note in self.caveats))

    def to_frame(self) -> pd.DataFrame:
        """Return the indicators as a tidy table with the columns of :data:`INDICATOR_COLUMNS`."""
        records = [{c: getattr(i, c) for c in INDICATOR_COLUMNS} for i in self.indicators]
        frame = pd.DataFrame.from_records(records, columns=INDICATOR_COLUMNS)
        for column in ("numerator", "denominator", "value", "threshold"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        frame["year"] = frame["year"].astype("int64")
        frame["met"] = frame["met"].astype("boolean")
        return frame

    def shortfall_frame(self) -> pd.DataFrame:
        """Return the shortfalls as a table (indicator, scope_code, period, unit_code, unit_name, reason, detail)."""
        columns = [*SHORTFALL_COLUMNS, "detail"]
        return pd.DataFrame.from_records(
            [{c: getattr(s, c) for c in columns} for s in self.shortfalls], columns=columns
        )

    def get(
        self,
        indicator: str,
        *,
        unit_code: str | None = None,
        dimension: str | None = None,
        category: str | None = None,
    ) -> Indicator:
        """Return one indicator value (the total for the table's scope unless told otherwise).

        Raises
        ------
        KeyError
            No value matches; the message lists the indicator codes the table has.
        """
        unit_code = self.scope_code if unit_code is None else unit_code
        for item in self.indicators:
            if (item.indicator, item.unit_code, item.dimension, item.category) == (
                indicator,
                unit_code,
                dimension,
                category,
            ):
                return item
        known = sorted({i.indicator for i in self.indicators})
        raise KeyError(
            f"No {indicator!r} value for unit {unit_code!r} (dimension={dimension!r}, category={category!r}) "
            f"in the {self.theme} table; it has: {', '.join(known)}."
        )

    def shortfall_for(self, indicator: str, *, scope_code: str | None = None) -> tuple[Shortfall, ...]:
        """Return the shortfalls behind one indicator of one scope (default: the table's scope)."""
        scope_code = self.scope_code if scope_code is None else scope_code
        return tuple(s for s in self.shortfalls if s.indicator == indicator and s.scope_code == scope_code)

    def _repr_html_(self) -> str:
        # The notebook view of a result: Vietnamese numbers from the core `numbers` module (report tables are styled
        # by the presentation layer, which an analysis module never imports).
        frame = self.to_frame()
        shown = frame[frame["dimension"].isna()].drop(columns=["label_en", "dimension", "category"])
        for column in ("numerator", "denominator", "threshold"):
            shown[column] = shown[column].map(format_number_vi)
        shown["value"] = [
            format_percent(v, basis="percent") if k == "percent" else format_number_vi(v)
            for v, k in zip(shown["value"], shown["kind"], strict=True)
        ]
        title = f"<p><b>{html.escape(self.theme)}</b> — {self.year}, {html.escape(unit_name(self.scope_code))}</p>"
        table = shown.to_html(index=False, escape=True, na_rep="–")
        notes = "".join(f"<li>{html.escape(c)}</li>" for c in self.caveat_lines("vi"))
        return title + table + (f"<ol>{notes}</ol>" if notes else "")


def format_number_vi(value: object) -> str:
    """A count as a whole number, anything else with one decimal, Vietnamese separators (``1.234``, ``12,5``).

    Any real number type counts (``int``, ``float``, NumPy's ``int64``/``float64``), so a count never shows a
    decimal (``12``, never ``12,0``).
    """
    whole = isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer()
    return format_number(value, decimals=0 if whole else 1)


# -- helpers used by the theme modules -------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The units an indicator is computed over.

    Attributes
    ----------
    code : ``"19"``, a district code, or a commune code on the two-level map (no district level).
    level : ``"province"``, ``"district"`` or ``"commune"``.
    """

    code: str
    level: str

    @property
    def is_province(self) -> bool:
        """Whether the scope is the whole province."""
        return self.level == "province"

    def units(self, *kinds: str) -> list[Unit]:
        """Return the register units of the given kinds inside the scope, in register order.

        The province scope holds the province itself, the 9 districts, all 177 communes and the provincial agencies;
        a district scope holds the district and its communes (agencies and the province lie outside it).
        """
        reg = register()
        chosen: list[Unit] = []
        if self.level == "commune":  # a commune of the two-level map: itself only
            return [reg.unit(self.code)] if "commune" in kinds else []
        for kind in kinds:
            if kind == "province":
                chosen += [reg.unit(reg.province_code)] if self.is_province else []
            elif kind == "agency":
                chosen += reg.units("agency") if self.is_province else []
            elif kind == "district":
                chosen += reg.units("district") if self.is_province else [reg.unit(self.code)]
            elif kind == "commune":
                chosen += reg.units("commune") if self.is_province else reg.communes_of(self.code)
            else:
                raise ValueError(f"unknown unit kind {kind!r}")
        return chosen

    def district_scopes(self) -> list[Scope]:
        """The district scopes inside this scope (all 9 for the province, itself for a district). On the two-level
        map the communes report to the province where the districts did: the province's 92 commune scopes."""
        if self.is_province:
            reg = register()
            if not reg.district_codes:
                return [Scope(u.code, "commune") for u in reg.units("commune")]
            return [Scope(code, "district") for code in reg.district_codes]
        return [self]

    def self_and_districts(self) -> list[Scope]:
        """The scopes a table reports on: this one and, for the province, each of its districts after it."""
        return [self, *self.district_scopes()] if self.is_province else [self]


def resolve_scope(district: str | None) -> Scope:
    """Return the scope for ``district`` (a district code or name), or the province for ``None``.

    Raises
    ------
    ParameterError
        ``district`` names no district of the 2023 register.
    """
    province = province_code()
    if district is None or str(district).strip() in ("", province):
        return Scope(province, "province")
    if not register().district_codes:  # the two-level map: a commune is the scope below the province
        try:
            return Scope(resolve_unit(district, kind="commune").code, "commune")
        except UnitError as err:
            raise ParameterError(f"{district!r} is not a commune of the two-level map: {err}") from err
    try:
        unit = resolve_unit(district, kind="district")
    except UnitError as err:
        raise ParameterError(
            f"district={district!r} is not a district of Thái Nguyên: {err} "
            "Hint: pass a 3-digit district code such as '164', a district name, or None for the whole province."
        ) from err
    return Scope(unit.code, "district")


def unit_name(code: str) -> str:
    """Return the register name of a unit code, or the code itself when the register does not know it."""
    try:
        return register().unit(code).name
    except UnitError:
        return code


def unit_names(codes: Iterable[str]) -> str:
    """Return the register names of ``codes``, comma-separated (a caveat names units, never bare codes)."""
    return ", ".join(unit_name(code) for code in codes)


def period_label(code: str, lang: str = "vi") -> str:
    """Return a period as a caveat names it: ``"kỳ báo cáo 9 tháng"`` / ``"period 9M (nine months)"``.

    The Vietnamese label of :class:`danvan_analysis.vocab.Period`, its first letter in lower case ("quý I",
    "năm") since it follows "kỳ báo cáo"; an unknown code is shown as it is.
    """
    if code not in vocab.Period.codes():
        return code
    period = vocab.Period(code)
    if check_lang(lang) == "vi":
        return f"kỳ báo cáo {period.vi[:1].lower()}{period.vi[1:]}"
    return f"period {code}" if period.en == code else f"period {code} ({period.en.lower()})"


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, dataset: str) -> None:
    """Raise :class:`SchemaError` when ``frame`` lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise SchemaError(f"The {dataset} data must be a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems = pd.DataFrame(
            {
                "file": dataset,
                "row": pd.NA,
                "column": missing,
                "value": pd.NA,
                "expected": "column present",
                "check": "column_in_dataframe",
            }
        )
        raise SchemaError(
            f"The {dataset} data lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}. "
            f"Hint: load it with danvan_analysis.io so that header aliases are mapped (see docs/design.md).",
            problems,
        )


def check_year(year: object) -> int:
    """Return ``year`` as an int, or raise :class:`ParameterError`."""
    if isinstance(year, bool) or not isinstance(year, int | float) or int(year) != year:
        raise ParameterError(f"year={year!r} is not a year; expected an integer such as 2023.")
    return int(year)


def rows_of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Return the rows of ``year`` (``year`` compared as an integer, so ``"2023"`` matches too)."""
    return frame.loc[_of_year(frame, year)]


def has_rows_of_year(frame: pd.DataFrame | None, year: int) -> bool:
    """Whether ``frame`` has a row of ``year`` (compared as :func:`rows_of_year` does), without copying them."""
    return frame is not None and "year" in frame.columns and bool(_of_year(frame, year).any())


def _of_year(frame: pd.DataFrame, year: int) -> pd.Series:
    return pd.to_numeric(frame["year"], errors="coerce") == year


def as_codes(series: pd.Series) -> pd.Series:
    """Return unit codes as stripped strings, ``""`` for missing."""
    return series.astype("string").fillna("").str.strip().astype(object)


def as_flags(series: pd.Series) -> pd.Series:
    """Return a boolean column with missing values read as ``False`` (not reported = not done)."""
    return series.astype("boolean").fillna(False).astype(bool)


def as_counts(series: pd.Series) -> pd.Series:
    """Return a count column as floats (missing counts stay NaN so that sums can skip them)."""
    return pd.to_numeric(series, errors="coerce").astype("float64")


def latest_period(periods: Iterable[str]) -> str | None:
    """Return the latest reporting period among ``periods`` (``Y`` > ``9M`` > ``H1`` > ``Q1``), or ``None``."""
    seen = set(periods)  # once: ``periods`` may be a one-shot iterator
    present = [p for p in vocab.Period.codes() if p in seen]
    return present[-1] if present else None


def rows_at_latest_period(rows: pd.DataFrame, by: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return each unit's rows at the latest period it reported, and that period per unit.

    Report figures are cumulative from 1 January, so a unit is read at its latest period only. ``by`` names the unit
    column (``"unit_code"``, ``"district_code"``); a unit none of whose periods is a valid code has no rows kept and
    no entry in the returned mapping.
    """
    codes = vocab.Period.codes()
    # One pass over the rows instead of one per unit: each row's period as its rank in the calendar (NaN: not a
    # period code), each unit's highest rank, and the rows at their unit's highest rank.
    rank = rows["period"].astype(object).map({code: float(i) for i, code in enumerate(codes)}).astype("float64")
    units = rows[by].astype(object)
    best = rank.groupby(units, sort=False).max()  # units in order of first appearance; NaN: no valid period
    periods = {unit: codes[int(value)] for unit, value in best.items() if value == value}
    keep = rank.to_numpy() == units.map(best).astype("float64").to_numpy()
    return rows.loc[keep], periods


def percent(numerator: float, denominator: float) -> float | None:
    """Return ``100 · numerator / denominator``, or ``None`` for a zero or missing denominator."""
    if denominator is None or numerator is None or _isnan(denominator) or _isnan(numerator) or denominator == 0:
        return None
    return 100.0 * numerator / denominator


def judge(value: float | None, threshold: float | None, rule: Rule | None) -> bool | None:
    """Return whether ``value <rule> threshold``; ``None`` when either side is missing."""
    if value is None or threshold is None or rule is None or _isnan(value):
        return None
    # Percents are compared after rounding to 10 decimals so that 100·9/9 is exactly 100 even with float noise.
    value = round(float(value), 10)
    return {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
        "==": value == threshold,
    }[rule]  # plain floats, so this is a Python bool (never numpy's, which fails `is False`)


def category_label(dimension: str | None, category: str | None, lang: str = "vi") -> str:
    """Return the display label of a breakdown category (a topic, a religion, a quarter, a district, …)."""
    if category is None:
        return "Tổng" if lang == "vi" else "Total"
    if dimension == "quarter" and category in _QUARTER_LABELS:
        vi, en = _QUARTER_LABELS[category]
        return vi if lang == "vi" else en
    from danvan_analysis.schemas import column_vocabs  # the schemas say which codes a column holds

    enum = column_vocabs().get(dimension or "")
    if enum is not None and category in enum.codes():
        return enum(category).label(lang)
    return unit_name(category) if dimension in ("district", "unit") else category


def _isnan(x: float) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _tidy_number(x: float | None) -> float | None:
    """Return ``None`` for a missing number and a plain ``int`` for a whole one (counts print as 12, not 12.0)."""
    if x is None or pd.isna(x):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


def total(series: pd.Series) -> float | None:
    """Return the sum of a count column: 0 for no rows, ``None`` when every value is missing."""
    if series.empty:
        return 0
    value = series.sum(min_count=1)
    return None if pd.isna(value) else float(value)


#: The column of :func:`group_totals` that holds each group's number of rows.
ROWS = "_rows"


def group_totals(rows: pd.DataFrame, columns: list[str], by: str | pd.Series | None = None) -> pd.DataFrame:
    """Each group's sum of ``columns`` and its number of rows (:data:`ROWS`), in one grouping pass: what
    :func:`total` and ``len`` give for every group's rows, without a filtered copy per group (read with
    :func:`total_in`). ``by``: a column name or a Series of keys (groups in order of first appearance); ``None``:
    all rows as one group, keyed ``""``."""
    fast = _counted_totals(rows, columns, by)
    if fast is not None:
        return fast
    grouped = rows.groupby(pd.Series("", index=rows.index) if by is None else by, sort=False)
    return grouped[columns].sum(min_count=1).assign(**{ROWS: grouped.size()})


def _counted_totals(rows: pd.DataFrame, columns: list[str], by: str | pd.Series | None) -> pd.DataFrame | None:
    """:func:`group_totals` with NumPy's ``bincount`` in place of a pandas groupby, for what it gives exactly: the
    report data's counts (numbers that are whole, under 2**53, so that any order of adding gives the same sum) by
    keys that are not categorical; ``None`` for anything else (pandas then groups). A small frame's groupby costs
    ~2.5 ms of pandas overhead, and a batch's plan tables call this ~140 times (measured 07/12/2026).

    Same result as the groupby: groups in order of first appearance (``factorize``, as ``sort=False``), rows with a
    missing key left out (``dropna``), a group's sum missing when none of its values is there (``min_count=1``), and
    :data:`ROWS` its number of rows; no rows, no groups.
    """
    import numpy as np

    keys = None if by is None else (rows[by] if isinstance(by, str) else by)
    if keys is not None and (isinstance(keys.dtype, pd.CategoricalDtype) or not keys.index.equals(rows.index)):
        return None
    values = {}
    for column in columns:
        series = rows[column]
        if not (pd.api.types.is_float_dtype(series.dtype) or pd.api.types.is_integer_dtype(series.dtype)):
            return None
        array = series.to_numpy(dtype="float64", na_value=np.nan)
        known = array[~np.isnan(array)]
        if len(known) and (not np.array_equal(known, np.floor(known)) or np.abs(known).sum() >= 2**53):
            return None
        values[column] = array
    if keys is None:
        codes = np.zeros(len(rows), dtype=np.intp)
        groups = pd.Index([""] if len(rows) else [], dtype=object)
    else:
        codes, uniques = pd.factorize(keys, sort=False)
        groups = pd.Index(uniques)
    kept = codes >= 0
    codes = codes[kept]
    size = len(groups)
    result = {}
    for column, array in values.items():
        array = array[kept]
        present = ~np.isnan(array)
        sums = np.bincount(codes[present], weights=array[present], minlength=size)
        seen = np.bincount(codes[present], minlength=size)
        result[column] = np.where(seen > 0, sums, np.nan)
    result[ROWS] = np.bincount(codes, minlength=size).astype("int64")
    return pd.DataFrame(result, index=groups)


def total_in(totals: pd.DataFrame, key: object, column: str) -> float | int | None:
    """:func:`total` of ``column`` over group ``key``'s rows, from :func:`group_totals`: 0 for a group without rows,
    ``None`` when every value is missing; for :data:`ROWS`, the number of rows as an ``int``."""
    if key not in totals.index:
        return 0
    value = totals.at[key, column]
    if column == ROWS:
        return int(value)
    return None if pd.isna(value) else float(value)


@dataclass
class TableBuilder:
    """Collects indicator values, shortfalls and caveats while a theme module computes; then freezes them."""

    theme: str
    year: int
    scope: Scope
    labels: dict[str, tuple[str, str]]
    indicators: list[Indicator] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    caveats: list[Note] = field(default_factory=list)

    def add(
        self,
        code: str,
        *,
        unit_code: str,
        period: str,
        numerator: float | None,
        denominator: float | None = None,
        kind: Kind = "percent",
        threshold: float | None = None,
        rule: Rule | None = None,
        dimension: str | None = None,
        category: str | None = None,
    ) -> Indicator:
        """Add one value; the percent, the level and ``met`` are derived here so every module agrees."""
        numerator, denominator = _tidy_number(numerator), _tidy_number(denominator)
        value = percent(numerator, denominator) if kind == "percent" else numerator  # type: ignore[arg-type]
        label_vi, label_en = self.labels[code]
        item = Indicator(
            indicator=code,
            label_vi=label_vi,
            label_en=label_en,
            unit_code=unit_code,
            level=_level_of(unit_code),
            year=self.year,
            period=period,
            numerator=numerator,
            denominator=denominator,
            value=value,
            kind=kind,
            threshold=threshold,
            rule=rule,
            met=judge(value, threshold, rule),
            dimension=dimension,
            category=category,
        )
        self.indicators.append(item)
        return item

    def short(
        self, code: str, scope_code: str, period: str, units: Iterable[str], reason: str, detail: str | None = None
    ) -> None:
        """List units that count against indicator ``code`` of ``scope_code``."""
        for unit in units:
            self.shortfalls.append(Shortfall(code, scope_code, period, unit, unit_name(unit), reason, detail))

    def short_not_done(
        self,
        code: str,
        scope_code: str,
        period: str,
        units: Sequence[str],
        *,
        done: set[str],
        reported: set[str],
        reason_no_row: str = "no_row",
        reason_not_done: str = "not_done",
    ) -> None:
        """List the ``units`` not in ``done``: first those without a row (not in ``reported``), then the others.

        ``done`` is a subset of ``reported``. The two reasons are keys of :data:`REASONS`.
        """
        self.short(code, scope_code, period, [c for c in units if c not in reported], reason_no_row)
        self.short(code, scope_code, period, [c for c in units if c in reported and c not in done], reason_not_done)

    def add_coverage(
        self,
        code: str,
        scope: Scope,
        kinds: Sequence[str],
        *,
        done: set[str],
        reported: set[str],
        dimension: str,
        reason_no_row: str = "no_row",
        reason_not_done: str = "not_done",
    ) -> None:
        """Add a coverage indicator of one scope: units in ``done`` / units of the register, required 100 %.

        One value per unit kind in ``kinds`` that has units in ``scope`` (``dimension``/kind), then the total, all
        for period ``Y``; the units not done are listed by kind (see :meth:`short_not_done`).
        """
        done_total = units_total = 0
        for kind in kinds:
            units = [u.code for u in scope.units(kind)]
            if not units:
                continue
            count = sum(c in done for c in units)
            self.add(
                code,
                unit_code=scope.code,
                period="Y",
                numerator=count,
                denominator=len(units),
                threshold=100.0,
                rule=">=",
                dimension=dimension,
                category=kind,
            )
            done_total, units_total = done_total + count, units_total + len(units)
            self.short_not_done(
                code,
                scope.code,
                "Y",
                units,
                done=done,
                reported=reported,
                reason_no_row=reason_no_row,
                reason_not_done=reason_not_done,
            )
        self.add(
            code,
            unit_code=scope.code,
            period="Y",
            numerator=done_total,
            denominator=units_total,
            threshold=100.0,
            rule=">=",
        )

    def note(self, *, vi: str, en: str) -> None:
        """Add a caveat, in Vietnamese and English, once."""
        note = Note(vi=unicodedata.normalize("NFC", vi), en=unicodedata.normalize("NFC", en))
        if note not in self.caveats:
            self.caveats.append(note)

    def note_unknown_units(self, codes: Iterable[str], *, dataset: str, dataset_vi: str, column: str) -> None:
        """Add a caveat naming unit codes that the register does not know (their rows are ignored).

        ``dataset`` is the data file's name (``"plans"``), ``dataset_vi`` what the Vietnamese text calls its data
        (``"kế hoạch"``). The unknown codes are shown as they are: they have no register name.
        """
        known = {u.code for u in register().units()}
        unknown = sorted({c for c in codes if c and c not in known})
        if not unknown:
            return
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        retired = [(old, new, unit_name(new)) for old, new in RETIRED_CODES.items() if old in unknown]
        hint_vi = "".join(f"; mã {old} đã được thay bằng mã {new} ({name})" for old, new, name in retired)
        hint_en = "".join(f"; {old} was replaced by {new} ({name})" for old, new, name in retired)
        self.note(
            vi=f"Số liệu {dataset_vi} (tệp {dataset}): {format_count(len(unknown), lang='vi')} mã đơn vị ở cột "
            f"{column} không có trong danh mục đơn vị hành chính năm 2023 nên các dòng số liệu có mã này không được "
            f"tính ({shown}). Đề nghị kiểm tra lại các mã{hint_vi}.",
            en=f"{dataset}: {format_count(len(unknown), lang='en')} code(s) in column {column} are not in the 2023 "
            f"register and were ignored ({shown}). Hint: check the codes{hint_en}.",
        )

    def build(self) -> IndicatorTable:
        """Freeze the collected values into an :class:`IndicatorTable`."""
        return IndicatorTable(
            theme=self.theme,
            year=self.year,
            scope_code=self.scope.code,
            indicators=tuple(self.indicators),
            shortfalls=tuple(self.shortfalls),
            caveats=tuple(self.caveats),
        )


def _level_of(code: str) -> str:
    try:
        kind = register().unit(code).kind
    except UnitError:
        return "unknown"
    return kind
