"""The target scorecard: the plan's targets applied to indicator tables, survey estimates and published indices.

A scorecard holds numbers and statuses only. Which targets exist, what each one reads, its comparison, threshold and
whose threshold it is all come from the plan file (:mod:`danvan_analysis.plan`; the shipped default is the 2023
Thái Nguyên plan). Sentences about a scorecard are written by :mod:`danvan_analysis.narrative`, colours by the
presentation layer.

How a target is scored, for the province or one district (the target's checks for that scope), or one commune of a
two-level year (:func:`score_all_communes`, read from the province's tables):

- ``<theme>.<indicator>`` (report data): the unit's value in the theme's indicator table, compared with the plan's
  threshold. A percent with a zero denominator (no unit had to do it) is "no data", or "met" when the check says
  ``if_none_required: met`` and every unit reported. ``not_growing`` compares this year's count with last year's.
- ``indices.<INDEX>.rank|group``: the province's published rank or PAPI group (provincial: a district's scorecard
  repeats it, ``level = "province"``). The indices are read through the indices loader: the bundle's ``indices``
  dataset when it has rows, else the shipped ``published_indices.csv``.
- ``survey.<variable>``: the unit's survey estimate (point estimate against the threshold; the CI is kept for the
  reader). Fewer respondents than the plan's ``min_respondents`` → "no data". A province scorecard leaves the row out
  when no estimates are given.

A target with several checks for a scope (the province's target 6) is met when every check is met, has no data when
one has none; the row shows the headline check's figure. Statuses are :class:`danvan_analysis.vocab.Status` codes.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import SchemaError
from danvan_analysis.indicators import (
    THEMES,
    Indicator,
    IndicatorTable,
    Scope,
    Shortfall,
    check_year,
    compute_theme_tables,
    dataset_of,
    has_rows_of_year,
    judge,
    resolve_scope,
    rows_of_year,
    unit_name,
)
from danvan_analysis.paths import package_data
from danvan_analysis.plan import Check, Plan, Target, load_plan
from danvan_analysis.plan.periods import data_for_period
from danvan_analysis.units import province_code, register

MET, NOT_MET, NO_DATA = vocab.Status.MET.value, vocab.Status.NOT_MET.value, vocab.Status.NO_DATA.value

#: Columns of :meth:`Scorecard.to_frame`.
SCORE_COLUMNS = [
    "target",
    "label_vi",
    "label_en",
    "level",
    "unit_code",
    "value",
    "kind",
    "threshold",
    "rule",
    "threshold_source",
    "status",
    "status_vi",
    "status_en",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "reason",
    "uncertain",
]
#: Why a row has no data (the ``reason`` column); :mod:`danvan_analysis.narrative` words them.
NO_DATA_REASONS = (
    "no_dataset", "no_value", "no_previous", "no_index", "no_estimate", "too_few", "withheld", "unreported"
)  # fmt: skip


@dataclass(frozen=True)
class CheckResult:
    """One check of a target for one unit: the figure read, the comparison and its outcome.

    Attributes
    ----------
    measure : the plan's measure (``religion.religion_informed``, ``indices.PCI.rank``, ``survey.overall``).
    value, numerator, denominator : the figure (``value`` percent 0–100, count, rank or PAPI group position).
    kind : ``"percent"``, ``"count"``, ``"rank"`` or ``"group"``; ``None`` when there is no figure.
    threshold, rule : read as ``value <rule> threshold``.
    met : the outcome; ``None`` = no data.
    reason : why there is no data (:data:`NO_DATA_REASONS`), else ``None``.
    ci_low, ci_high : the survey estimate's confidence interval.
    details : further figures for the reader: ``previous``/``current`` (not growing), ``n`` (survey), ``n_provinces``,
        ``score``, ``group``, ``derived`` (indices), ``dataset`` (no data), and each ``also`` indicator by code.
    evidence : the plan's words for what the figure counts.
    shortfalls : the units behind a "not met".
    uncertain : the 95 % CI contains the threshold and the plan asks to say so (``ci_verdict: flag``).
    """

    measure: str
    value: float | None
    kind: str | None
    threshold: float | None
    rule: str | None
    met: bool | None
    numerator: float | None = None
    denominator: float | None = None
    reason: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    evidence: Any = None
    shortfalls: tuple[Shortfall, ...] = ()
    uncertain: bool = False


@dataclass(frozen=True)
class TargetScore:
    """One row of the scorecard; see :data:`SCORE_COLUMNS` and the module docstring.

    The figure fields repeat the headline check (``checks[0]``); ``status`` combines every check.
    """

    target: str
    label_vi: str
    label_en: str
    level: str
    unit_code: str
    status: str
    threshold_source: str
    checks: tuple[CheckResult, ...]
    shortfalls: tuple[Shortfall, ...] = ()

    def label(self, lang: str = "vi") -> str:
        """Return the target's label in ``lang``."""
        return self.label_vi if lang == "vi" else self.label_en

    @property
    def headline(self) -> CheckResult:
        """The check whose figure the row shows."""
        return self.checks[0]

    @property
    def value(self) -> float | None:
        return self.headline.value

    @property
    def kind(self) -> str | None:
        return self.headline.kind

    @property
    def threshold(self) -> float | None:
        return self.headline.threshold

    @property
    def rule(self) -> str | None:
        return self.headline.rule

    @property
    def numerator(self) -> float | None:
        return self.headline.numerator

    @property
    def denominator(self) -> float | None:
        return self.headline.denominator

    @property
    def ci_low(self) -> float | None:
        return self.headline.ci_low

    @property
    def ci_high(self) -> float | None:
        return self.headline.ci_high

    @property
    def uncertain(self) -> bool:
        """Whether a check's verdict is not certain (its CI contains the threshold; see ``ci_verdict``)."""
        return any(c.uncertain for c in self.checks)

    @property
    def reason(self) -> str | None:
        """Why the row has no data (the first check's reason that has one)."""
        return next((c.reason for c in self.checks if c.reason), None)


@dataclass(frozen=True, eq=False)
class Scorecard:
    """The targets of one unit (the province or a district) for one year.

    Attributes
    ----------
    year : reporting year.
    unit_code : ``"19"`` or a district code.
    rows : one :class:`TargetScore` per target of the plan that applies to the unit.
    plan : the plan scored against.
    notes : ``(code, details)`` pairs the narrative words: ``no_dataset`` (a theme without data), ``derived_index``
        (a published value derived, not read), ``too_few`` (a survey estimate withheld).
    period : the reporting period scored (``None``: the whole year).
    caveats : the indicator tables' own remarks (:class:`~danvan_analysis.indicators.Note`: Vietnamese and English).
    """

    year: int
    unit_code: str
    rows: tuple[TargetScore, ...]
    plan: Plan
    notes: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    caveats: tuple[Any, ...] = ()
    period: str | None = None

    @property
    def unit_name(self) -> str:
        """The register name of the unit."""
        return unit_name(self.unit_code)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per target with the columns of :data:`SCORE_COLUMNS`."""
        records = []
        for row in self.rows:
            record = {c: getattr(row, c) for c in SCORE_COLUMNS if hasattr(row, c)}
            record["status_vi"] = vocab.Status(row.status).vi
            record["status_en"] = vocab.Status(row.status).en
            records.append(record)
        frame = pd.DataFrame.from_records(records, columns=SCORE_COLUMNS)
        for column in ("value", "threshold", "numerator", "denominator", "ci_low", "ci_high"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame

    def get(self, target: str) -> TargetScore:
        """Return the row of one target (``"1"``, ``"2a"``, …, ``"R"``)."""
        for row in self.rows:
            if row.target == target:
                return row
        raise KeyError(f"No target {target!r}; the scorecard has {', '.join(r.target for r in self.rows)}.")

    def summary(self) -> dict[str, int]:
        """Return how many rows are met, not met and without data (keys ``met``, ``not_met``, ``no_data``).

        Every row counts, including the province-level indices (2a–2d) repeated on a district's scorecard.
        """
        counts = {MET: 0, NOT_MET: 0, NO_DATA: 0}
        for row in self.rows:
            counts[row.status] += 1
        return counts

    def _repr_html_(self) -> str:
        counts = self.summary()
        head = (
            f"<p><b>Kết quả thực hiện chỉ tiêu năm {self.year} — {html.escape(self.unit_name)}</b>: "
            + ", ".join(f"{html.escape(vocab.Status(k).vi)} {v}" for k, v in counts.items())
            + "</p>"
        )
        shown = self.to_frame()[["target", "label_vi", "value", "threshold", "rule", "status_vi"]]
        return head + shown.to_html(index=False, escape=True, na_rep="–")


@dataclass(frozen=True, eq=False)
class ScorecardSet:
    """The scorecards of every district (and optionally the province) for one year.

    Attributes
    ----------
    year : reporting year.
    scorecards : district code (and ``"19"``) → :class:`Scorecard`, in register order (read-only).
    """

    year: int
    scorecards: Mapping[str, Scorecard]

    def to_frame(self) -> pd.DataFrame:
        """Return every scorecard row, stacked, with ``district_code`` and ``district_name`` in front."""
        frames = []
        for code, card in self.scorecards.items():
            frame = card.to_frame()
            frame.insert(0, "district_name", unit_name(code))
            frame.insert(0, "district_code", code)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def to_matrix(self, *, value: str = "status") -> pd.DataFrame:
        """Return a unit × target table of one column (default the status code), rows and columns in plan order."""
        frame = self.to_frame()
        matrix = frame.pivot(index="district_code", columns="target", values=value)
        plan = next(iter(self.scorecards.values())).plan
        order = [t.code for t in plan.targets if t.code in matrix.columns]
        return matrix.reindex(index=list(self.scorecards), columns=order)

    def summary(self) -> pd.DataFrame:
        """Return met / not met / no data counts per unit."""
        rows = {code: card.summary() for code, card in self.scorecards.items()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("district_code")

    def _repr_html_(self) -> str:
        matrix = self.to_matrix().map(lambda s: vocab.Status(s).vi if isinstance(s, str) else s)
        matrix.index = [unit_name(c) for c in matrix.index]
        return f"<p><b>Kết quả thực hiện chỉ tiêu năm {self.year}</b></p>" + matrix.to_html(escape=True, na_rep="–")


# -- entry points ------------------------------------------------------------------------------------------------
def compute_plan_tables(
    data: object,
    *,
    year: int,
    district: str | None = None,
    plan: Plan | None = None,
    period: str | None = None,
    themes: tuple[str, ...] | None = None,
) -> dict[str, IndicatorTable | None]:
    """Compute every theme's indicator table with the plan's settings, judged by the plan's thresholds.

    This is the one call a report makes for its report-data tables: the same tables go to the tables it shows and to
    :func:`score_targets` (``tables=``), so a table and its target cannot disagree. Every indicator a target reads
    carries the plan's threshold, comparison and verdict for every unit and breakdown of the table.

    ``period`` (``"Q1"``, ``"H1"``, ``"9M"``, ``"Y"``): the report due at that period's deadline, with the report data
    cut off by the plan's rule (:func:`danvan_analysis.plan.periods.data_for_period`); ``None``: the whole year.
    ``themes``: only these themes' tables (e.g. :func:`scored_themes`, all a scorecard reads); default: every theme.
    """
    plan = plan or load_plan()
    settings, reported = plan.theme_settings(), ()
    if period is not None:
        reported = tuple(name for name in THEMES if has_rows_of_year(dataset_of(data, name), year))
        data = data_for_period(data, plan=plan, period=period)
        settings = plan.theme_settings(as_of=plan.deadline(period, year))
    tables = compute_theme_tables(
        data, year=year, district=district, settings=settings, reported=reported, themes=themes
    )
    return {name: None if table is None else _judged_by_plan(table, plan) for name, table in tables.items()}


def scored_themes(plan: Plan) -> tuple[str, ...]:
    """The report-data themes whose tables the plan's targets read, in :data:`THEMES` order: what
    :func:`score_targets` needs of :func:`compute_plan_tables` (a report's other tables, e.g. complaints, are shown,
    not scored)."""
    read = {c.theme for t in plan.targets for c in t.checks}
    return tuple(name for name in THEMES if name in read)


def score_targets(
    data: object,
    *,
    year: int,
    district: str | None = None,
    satisfaction: object = None,
    plan: Plan | None = None,
    tables: Mapping[str, IndicatorTable | None] | None = None,
    period: str | None = None,
) -> Scorecard:
    """Score the plan's targets for the province (``district=None``) or one district.

    Parameters
    ----------
    data : the loaded data: an object with one attribute per dataset (``danvan_analysis.io``'s ``DataBundle``) or a
        mapping ``{"plans": frame, …}``. Missing or empty datasets give ``no_data`` rows.
    year : reporting year.
    district : a district code or name; ``None`` for the province.
    satisfaction : a :class:`~danvan_analysis.survey.SipasIndices` result, or tidy survey estimates (columns
        ``domain``, ``variable``, ``estimate``, ``ci_low``, ``ci_high``, ``n``); ``None`` → survey targets have no data
        (districts) or are left out (province).
    plan : the plan (default: the shipped 2023 plan, :func:`danvan_analysis.plan.load_plan`).
    tables : the unit's indicator tables from :func:`compute_plan_tables` (computed here when not given).
    period : score the report due at this period's deadline (data cut off by the plan's rule); ``None``: the year.

    Returns
    -------
    Scorecard
    """
    year = check_year(year)
    scope = resolve_scope(district)
    plan = plan or load_plan()
    if tables is None:
        district_code = None if scope.is_province else scope.code
        tables = compute_plan_tables(data, year=year, district=district_code, plan=plan, period=period)
    context = _Context(data=data, year=year, scope=scope, plan=plan, tables=tables, satisfaction=satisfaction)
    rows = []
    for target in plan.targets_for(scope.level):
        checks = target.checks_for(scope.level)
        if scope.is_province and satisfaction is None and any(c.theme == "survey" for c in checks):
            continue
        rows.append(_score(target, checks, context))
    read = scored_themes(plan)
    notes = [("no_dataset", {"dataset": name}) for name, table in tables.items() if table is None and name in read]
    notes += context.notes
    caveats: list[str] = []
    for table in tables.values():
        if table is not None:
            caveats += [c for c in table.caveats if c not in caveats]
    return Scorecard(
        year=year,
        unit_code=scope.code,
        rows=tuple(rows),
        plan=plan,
        notes=tuple(notes),
        caveats=tuple(caveats),
        period=period,
    )


def score_all_districts(
    data: object,
    *,
    year: int,
    satisfaction: object = None,
    plan: Plan | None = None,
    include_province: bool = False,
    period: str | None = None,
    tables: Callable[[str | None], Mapping[str, IndicatorTable | None]] | None = None,
) -> ScorecardSet:
    """Score the targets for each district (and the province first when ``include_province``).

    ``tables``: a function giving a unit's indicator tables (``None``: the province), e.g. read from where another
    report of the batch left them (:func:`danvan_analysis.reports.plan_tables.plan_tables`); by default each
    unit's are computed (:func:`compute_plan_tables`).

    Returns
    -------
    ScorecardSet
        ``.to_matrix()`` is the district × target status table behind the heatmap
        (:func:`danvan_analysis.plots.plot_target_heatmap`).
    """
    plan = plan or load_plan()
    province = province_code()
    codes = ([province] if include_province else []) + register().district_codes
    cards = {
        code: score_targets(
            data,
            year=year,
            district=None if code == province else code,
            satisfaction=satisfaction,
            plan=plan,
            period=period,
            tables=None if tables is None else tables(None if code == province else code),
        )
        for code in codes
    }
    return ScorecardSet(year=check_year(year), scorecards=MappingProxyType(cards))


def score_all_communes(
    data: object,
    *,
    year: int,
    satisfaction: object = None,
    plan: Plan | None = None,
    tables: Mapping[str, IndicatorTable | None] | None = None,
    period: str | None = None,
) -> ScorecardSet:
    """Score the plan's commune targets for every commune of a two-level year (no district level), from the
    province's theme tables (computed once: they hold every commune's figures and shortfalls).

    The register in use must be the year's (:func:`danvan_analysis.units.set_register`); ``satisfaction`` holds
    commune domains (``domain`` = commune code) for the survey targets. The result's ``to_matrix()`` is the
    commune × target status table.
    """
    plan = plan or load_plan()
    if tables is None:
        tables = compute_plan_tables(data, year=year, plan=plan, period=period)
    cards = {
        unit.code: score_targets(
            data, year=year, district=unit.code, satisfaction=satisfaction, plan=plan, tables=tables, period=period
        )
        for unit in register().units("commune")
    }
    return ScorecardSet(year=check_year(year), scorecards=MappingProxyType(cards))


# -- scoring ---------------------------------------------------------------------------------------------------
@dataclass
class _Context:
    data: object
    year: int
    scope: Scope
    plan: Plan
    tables: Mapping[str, IndicatorTable | None]
    satisfaction: object
    notes: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    _indices: pd.DataFrame | None = None

    def indices(self) -> pd.DataFrame:
        """The published indices of this province and year (the bundle's when it has rows, else the shipped file,
        read by the loader), with ``index_code`` stripped: filtered once for the context's four index checks."""
        if self._indices is None:
            frame = dataset_of(self.data, "indices")
            if frame is None or frame.empty:
                frame = _shipped_indices()
            rows = rows_of_year(frame, self.year)
            rows = rows[rows["province_code"].astype(str).str.strip() == province_code()]
            self._indices = rows.assign(index_code=rows["index_code"].astype(str).str.strip())
        return self._indices


@cache
def _shipped_indices() -> pd.DataFrame:
    """The shipped published indices, read once through the indices loader (every scorecard of a batch reads them)."""
    from danvan_analysis.io import load_indices

    return load_indices(package_data("published_indices.csv"))


def _score(target: Target, checks: tuple[Check, ...], context: _Context) -> TargetScore:
    results = tuple(_check(check, context) for check in checks)
    outcomes = [r.met for r in results]
    met = None if any(m is None for m in outcomes) else all(outcomes)
    provincial = all(c.theme == "indices" for c in checks)
    scope = context.scope
    label_vi, label_en = target.label.vi, target.label.en
    if provincial and not scope.is_province:
        label_vi, label_en = f"{label_vi} (cấp tỉnh)", f"{label_en} (province-level)"
    # The units behind a "not met", in the file's order of the checks (the unit's own before its districts').
    order = [c for c in target.checks if c in checks]
    shortfalls = tuple(s for check in order for s in results[checks.index(check)].shortfalls)
    return TargetScore(
        target=target.code,
        label_vi=label_vi,
        label_en=label_en,
        level="province" if provincial else scope.level,
        unit_code=province_code() if provincial else scope.code,
        status=_status(met),
        threshold_source=target.threshold_source,
        checks=results,
        shortfalls=shortfalls,
    )


def _status(met: bool | None) -> str:
    return NO_DATA if met is None else (MET if met else NOT_MET)


def _check(check: Check, context: _Context) -> CheckResult:
    if check.theme == "indices":
        return _index_check(check, context)
    if check.theme == "survey":
        return _survey_check(check, context)
    return _theme_check(check, context)


def _rule_of(check: Check) -> tuple[str, float | None]:
    if check.comparison == "not_growing":
        return "<=", 0.0
    return check.comparison, float(check.threshold)  # type: ignore[arg-type]


def _no_data(check: Check, reason: str, **details: Any) -> CheckResult:
    rule, threshold = (None, None) if reason in ("no_dataset", "no_index", "no_estimate") else _rule_of(check)
    return CheckResult(
        measure=check.measure,
        value=None,
        kind=None,
        threshold=threshold,
        rule=rule,
        met=None,
        reason=reason,
        details=details,
        evidence=check.evidence,
    )


def _theme_check(check: Check, context: _Context) -> CheckResult:
    table = context.tables.get(check.theme)
    if table is None:
        return _no_data(check, "no_dataset", dataset=check.theme)
    code = context.scope.code
    name = f"{check.indicator}_change" if check.comparison == "not_growing" else check.indicator
    item = table.get(name, unit_code=code)
    rule, threshold = _rule_of(check)
    shortfalls = table.shortfall_for(item.indicator, scope_code=code)
    details: dict[str, Any] = {also: table.get(also, unit_code=code).value for also in check.also}
    reason = None
    met = judge(item.value, threshold, rule)  # type: ignore[arg-type]
    if check.comparison == "not_growing":
        details["previous"] = table.get(f"{check.indicator}_prev", unit_code=code).value
        details["current"] = table.get(check.indicator, unit_code=code).value
        reason = "no_previous" if item.value is None else None
    elif item.kind == "percent" and item.denominator == 0:
        unreported = sum(1 for s in shortfalls if s.reason == "no_row")
        met = True if check.if_none_required == "met" and not unreported else None
        reason = None if met else ("unreported" if unreported else "no_value")
        details["unreported"] = unreported
    elif item.value is None:
        reason = "no_value"
    return CheckResult(
        measure=check.measure,
        value=item.value,
        kind=item.kind,
        threshold=threshold,
        rule=rule,
        met=met,
        numerator=item.numerator,
        denominator=item.denominator,
        reason=reason,
        details=details,
        evidence=check.evidence,
        shortfalls=shortfalls,
    )


def _index_check(check: Check, context: _Context) -> CheckResult:
    code, what = check.indicator.split(".")
    indices = context.indices()
    match = indices[indices["index_code"] == code]
    if match.empty:
        return _no_data(check, "no_index", index=code, year=context.year)
    record = match.iloc[0]
    derived = str(record.get("derived", "")).strip().lower() in ("true", "1")
    if derived:
        context.notes.append(("derived_index", {"index": code, "year": context.year}))
    details = {
        "index": code,
        "year": context.year,
        "score": _number(record.get("score")),
        "n_provinces": _number(record.get("n_provinces")),
        "derived": derived,
    }
    if what == "group":
        groups = vocab.PapiGroup.codes()
        group = vocab.PapiGroup.parse(record.get("group"))
        value = float(groups.index(group) + 1) if group else None
        threshold = float(groups.index(check.group_threshold) + 1)  # type: ignore[arg-type]
        details.update(group=group, group_threshold=check.group_threshold)
        kind, rule = "group", "<="
    else:
        value, (rule, threshold), kind = _number(record.get("rank")), _rule_of(check), "rank"
    return CheckResult(
        measure=check.measure,
        value=value,
        kind=kind,
        threshold=threshold,
        rule=rule,
        met=judge(value, threshold, rule),  # type: ignore[arg-type]
        reason=None if value is not None else "no_index",
        details=details,
        evidence=check.evidence,
    )


def _number(value: object) -> float | None:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_):
        return None if value != value else float(value)  # a number as it is (NaN: none); ~100 times faster
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _survey_check(check: Check, context: _Context) -> CheckResult:
    satisfaction = context.satisfaction
    if satisfaction is None:
        return _no_data(check, "no_dataset", dataset="survey")
    if hasattr(satisfaction, "by_unit"):  # a SipasIndices result: read its province/district share rows
        satisfaction = satisfaction.by_unit()
    needed = ["domain", "variable", "estimate", "ci_low", "ci_high", "n"]
    missing = [c for c in needed if c not in satisfaction.columns]  # type: ignore[attr-defined]
    if missing:
        raise SchemaError(
            f"The satisfaction estimates lack the column(s) {', '.join(missing)}; expected the tidy output of "
            "danvan_analysis.survey (domain, variable, estimate, se, ci_low, ci_high, n)."
        )
    scope = context.scope
    match = satisfaction[  # type: ignore[index]
        (satisfaction["domain"].astype(str).str.strip() == scope.code)  # type: ignore[index]
        & (satisfaction["variable"].astype(str) == check.indicator)  # type: ignore[index]
    ]
    if match.empty:
        return _no_data(check, "no_estimate", variable=check.indicator, unit=scope.code)
    record = match.iloc[0]
    estimate, low, high, n = (_number(record[c]) for c in ("estimate", "ci_low", "ci_high", "n"))
    rule, threshold = _rule_of(check)
    min_n = context.plan.rules.min_respondents
    if n is None or n < min_n or estimate is None:
        # Withheld by disclosure control although n is large enough: a part or another district was too small.
        reason = "withheld" if n is not None and n >= min_n else "too_few"
        context.notes.append((reason, {"unit": scope.code, "n": n, "min_n": min_n, "measure": check.measure}))
        result = _no_data(check, reason, n=n, min_n=min_n)
        return replace(result, kind="percent", denominator=n)
    straddles = low is not None and high is not None and threshold is not None and low <= threshold <= high
    return CheckResult(
        measure=check.measure,
        value=estimate,
        kind="percent",
        threshold=threshold,
        rule=rule,
        met=judge(estimate, threshold, rule),  # type: ignore[arg-type]
        denominator=n,
        ci_low=low,
        ci_high=high,
        details={"n": n},
        evidence=check.evidence,
        uncertain=check.ci_verdict == "flag" and straddles,
    )


def _judged_by_plan(table: IndicatorTable, plan: Plan) -> IndicatorTable:
    """Give every indicator a target of the plan reads that target's threshold, comparison and verdict."""
    rules: dict[str, tuple[str, float | None]] = {}
    for target in plan.targets:
        for check in target.checks:
            if check.theme == table.theme and check.comparison != "not_growing":
                rules.setdefault(check.indicator, _rule_of(check))
            elif check.theme == table.theme:
                rules.setdefault(f"{check.indicator}_change", _rule_of(check))
    if not rules:
        return table

    def judged(item: Indicator) -> Indicator:
        if item.indicator not in rules:
            return item
        rule, threshold = rules[item.indicator]
        return replace(item, rule=rule, threshold=threshold, met=judge(item.value, threshold, rule))  # type: ignore[arg-type]

    return replace(table, indicators=tuple(judged(item) for item in table.indicators))
