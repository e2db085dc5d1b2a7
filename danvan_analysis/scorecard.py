"""The target scorecard: is each measurable target of the 2023 plan met, for the province and for each district?

One row per target, in the plan's order:

======  ==========================================================  ===========================================
target  requirement                                                 read from
======  ==========================================================  ===========================================
1       100 % of agencies, districts, communes issued a plan        plans (:mod:`.indicators.plans`)
2a      PAR INDEX ranked in the top 10 provinces                    published indices (province-level)
2b      PCI ranked in the top 10                                    published indices
2c      SIPAS ranked in the top 20                                  published indices
2d      PAPI in the "high-average" group or better                  published indices
2e      citizens' satisfaction ≥ 80 % (our survey, point estimate)  ``satisfaction`` (survey estimates)
3       100 % of heads of government held ≥ 1 direct dialogue       dialogues
4a      100 % of communes and agencies have a People's Insp. Board  boards
4b      100 % of communes with projects have a Community Inv. SB    boards
5a      > 80 % of religious dignitaries and officials informed      religion (strictly greater, "Trên 80%")
5b      0 religious hot spots                                       religion
5c      followers of unlawful organisations not growing             religion (this year vs the previous one)
6       ≥ 1 inspection a year by the province and by each district  inspections
R       reports sent on time (15/3, 15/6, 15/9, 15/11)              submissions
======  ==========================================================  ===========================================

Statuses are ``met``, ``not_met`` and ``no_data`` (:data:`danvan_analysis.vocab.STATUS_MET` …). A target has no data
when its dataset is absent or has no row for the year, when a ratio has a zero denominator, or when a published index
is missing. For a district, rows 2a–2d repeat the provincial result (``level = "province"``) and 2e reads the
district's satisfaction estimate.

The default satisfaction threshold (80 %, on the point estimate, with the 95 % CI shown) is **our choice**, not the
plan's: the plan sets no satisfaction level for districts; 80 % matches the plan's other share target (5a) and sits
below the province's published SIPAS (90,29 % in 2023), so a district below it is clearly behind the province. A
district estimate from fewer respondents than ``satisfaction_min_n`` (default 10, the disclosure threshold) is
``no_data``. The scorecard never estimates: estimates come from :mod:`danvan_analysis.survey`.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from danvan_analysis import fmt, vocab
from danvan_analysis.errors import InputFileError, ParameterError, SchemaError
from danvan_analysis.indicators import (
    DialogueSettings,
    IndicatorTable,
    SubmissionSettings,
    compute_board_indicators,
    compute_dialogue_indicators,
    compute_inspection_indicators,
    compute_plan_indicators,
    compute_religion_indicators,
    compute_submission_indicators,
)
from danvan_analysis.indicators._base import (
    Indicator,
    Scope,
    Shortfall,
    check_year,
    resolve_scope,
    rows_of_year,
    unit_name,
)
from danvan_analysis.paths import package_data
from danvan_analysis.units import PROVINCE_CODE, register

MET, NOT_MET, NO_DATA = vocab.STATUS_MET, vocab.STATUS_NOT_MET, vocab.STATUS_NO_DATA

#: The targets, in the plan's order: code → (label_vi, label_en).
TARGETS: dict[str, tuple[str, str]] = {
    "1": (
        "100% cơ quan, đơn vị, địa phương ban hành kế hoạch thực hiện công tác dân vận chính quyền",
        "100% of agencies, districts and communes issue a plan for mass mobilisation work",
    ),
    "2a": ("Chỉ số PAR INDEX thuộc nhóm 10 tỉnh dẫn đầu", "PAR INDEX among the top 10 provinces"),
    "2b": ("Chỉ số PCI thuộc nhóm 10 tỉnh dẫn đầu", "PCI among the top 10 provinces"),
    "2c": ("Chỉ số SIPAS thuộc nhóm 20 tỉnh dẫn đầu", "SIPAS among the top 20 provinces"),
    "2d": ("Chỉ số PAPI thuộc nhóm trung bình cao trở lên", "PAPI in the high-average group or better"),
    "2e": ("Mức độ hài lòng của người dân (khảo sát)", "Citizens' satisfaction (survey)"),
    "3": (
        "100% người đứng đầu chính quyền các cấp đối thoại trực tiếp với Nhân dân ít nhất 1 lần/năm",
        "100% of heads of government hold at least one direct dialogue with citizens a year",
    ),
    "4a": (
        "100% xã, phường, thị trấn và cơ quan, đơn vị có Ban Thanh tra nhân dân",
        "100% of communes and agencies have a People's Inspection Board",
    ),
    "4b": (
        "100% xã có dự án đầu tư có Ban Giám sát đầu tư của cộng đồng",
        "100% of communes with investment projects have a Community Investment Supervision Board",
    ),
    "5a": (
        "Trên 80% chức sắc, chức việc tôn giáo được thông tin, tuyên truyền",
        "More than 80% of religious dignitaries and officials informed",
    ),
    "5b": ("Không để xảy ra điểm nóng về tôn giáo", "No religious hot spots"),
    "5c": (
        "Không để gia tăng số người theo tổ chức tôn giáo bất hợp pháp",
        "No growth in followers of unlawful religious organisations",
    ),
    "6": (
        "Kiểm tra công tác dân vận chính quyền ít nhất 1 lần/năm (cấp tỉnh và từng huyện)",
        "At least one inspection a year (by the province and by each district)",
    ),
    "R": (
        "Gửi báo cáo đúng hạn (15/3, 15/6, 15/9, 15/11)",
        "Reports submitted on time (15 Mar, 15 Jun, 15 Sep, 15 Nov)",
    ),
}
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
    "status",
    "status_vi",
    "status_en",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "evidence_vi",
    "evidence_en",
]
_INDEX_TARGETS = {"2a": "PAR_INDEX", "2b": "PCI", "2c": "SIPAS", "2d": "PAPI"}
_PROVINCE_LEVEL_SUFFIX = (" (cấp tỉnh)", " (province-level)")


@dataclass(frozen=True)
class ScorecardSettings:
    """Thresholds and rules of the scorecard (defaults = the 2023 plan, see the module docstring).

    Attributes
    ----------
    par_index_rank_max, pci_rank_max, sipas_rank_max : best rank allowed (≤).
    papi_group_min : the worst PAPI group that still meets target 2d (a ``vocab.PapiGroup`` code).
    satisfaction_variable : which ``variable`` of the satisfaction estimates row 2e reads.
    satisfaction_threshold : the point estimate must be ≥ this percent.
    satisfaction_min_n : fewer respondents than this → ``no_data``.
    dialogues, submissions : settings passed to those indicator modules.
    indices_path : a published-indices CSV to use instead of the shipped one (when the data bundle has none).
    """

    par_index_rank_max: int = 10
    pci_rank_max: int = 10
    sipas_rank_max: int = 20
    papi_group_min: str = vocab.PapiGroup.HIGH_AVERAGE.value
    satisfaction_variable: str = "overall"
    satisfaction_threshold: float = 80.0
    satisfaction_min_n: int = 10
    dialogues: DialogueSettings = field(default_factory=DialogueSettings)
    submissions: SubmissionSettings = field(default_factory=SubmissionSettings)
    indices_path: Path | None = None


@dataclass(frozen=True)
class TargetScore:
    """One row of the scorecard; see :data:`SCORE_COLUMNS` and the module docstring.

    ``kind`` says how to read ``value``: ``"percent"`` (0–100), ``"count"``, ``"rank"`` (1 = best), or ``"group"``
    (PAPI group position, 1 = highest). ``shortfalls`` lists the units behind a "not met"
    (:class:`~danvan_analysis.indicators.Shortfall`).
    """

    target: str
    label_vi: str
    label_en: str
    level: str
    unit_code: str
    value: float | None
    kind: str
    threshold: float | None
    rule: str | None
    status: str
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    evidence_vi: str = ""
    evidence_en: str = ""
    shortfalls: tuple[Shortfall, ...] = ()

    def label(self, lang: str = "vi") -> str:
        """Return the target's label in ``lang``."""
        return self.label_vi if lang == "vi" else self.label_en

    def evidence(self, lang: str = "vi") -> str:
        """Return the evidence text in ``lang``."""
        return self.evidence_vi if lang == "vi" else self.evidence_en


@dataclass(frozen=True, eq=False)
class Scorecard:
    """The targets of one unit (the province or a district) for one year.

    Attributes
    ----------
    year : reporting year.
    unit_code : ``"19"`` or a district code.
    rows : one :class:`TargetScore` per target.
    caveats : remarks gathered from the indicator modules and the scorecard itself.
    """

    year: int
    unit_code: str
    rows: tuple[TargetScore, ...]
    caveats: tuple[str, ...] = ()

    @property
    def unit_name(self) -> str:
        """The register name of the unit."""
        return unit_name(self.unit_code)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per target with the columns of :data:`SCORE_COLUMNS`."""
        records = []
        for row in self.rows:
            record = {c: getattr(row, c) for c in SCORE_COLUMNS if hasattr(row, c)}
            record["status_vi"] = vocab.STATUS_LABELS["vi"][row.status]
            record["status_en"] = vocab.STATUS_LABELS["en"][row.status]
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

    def style(self, *, lang: fmt.Lang = "vi") -> Any:
        """Return a pandas Styler of the scorecard in ``lang``, statuses coloured (readable in grey print too).

        Cells and headers are HTML-escaped (:func:`danvan_analysis.fmt.style_table`): the evidence quotes unit names
        and counts from the data, which must show as text.
        """
        frame = self.to_frame()
        shown = pd.DataFrame(
            {
                "target": frame["target"],
                "label": frame[f"label_{lang}"],
                "value": frame["value"],
                "kind": frame["kind"],
                "threshold": frame["threshold"],
                "status": frame[f"status_{lang}"],
                "evidence": frame[f"evidence_{lang}"],
            }
        )
        colours = {
            vocab.STATUS_LABELS[lang][MET]: "background-color: #d9f0d3; font-weight: bold",
            vocab.STATUS_LABELS[lang][
                NOT_MET
            ]: "background-color: #f4c7c3; font-weight: bold; text-decoration: underline",
            vocab.STATUS_LABELS[lang][NO_DATA]: "background-color: #eeeeee; font-style: italic",
        }
        styler = fmt.style_table(shown, lang=lang).hide(["kind"], axis="columns")
        return styler.map(lambda v: colours.get(v, ""), subset=["status"])

    def _repr_html_(self) -> str:
        counts = self.summary()
        labels = vocab.STATUS_LABELS["vi"]
        head = (
            f"<p><b>Kết quả thực hiện chỉ tiêu năm {self.year} — {html.escape(self.unit_name)}</b>: "
            + ", ".join(f"{html.escape(labels[k])} {v}" for k, v in counts.items())
            + "</p>"
        )
        notes = "".join(f"<li>{html.escape(c)}</li>" for c in self.caveats)
        return head + self.style(lang="vi").to_html() + (f"<ol>{notes}</ol>" if notes else "")


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
        """Return a unit × target table of one column (default the status code), rows and columns in order."""
        frame = self.to_frame()
        matrix = frame.pivot(index="district_code", columns="target", values=value)
        order = [t for t in TARGETS if t in matrix.columns]
        return matrix.reindex(index=list(self.scorecards), columns=order)

    def summary(self) -> pd.DataFrame:
        """Return met / not met / no data counts per unit."""
        rows = {code: card.summary() for code, card in self.scorecards.items()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("district_code")

    def _repr_html_(self) -> str:
        labels = vocab.STATUS_LABELS["vi"]
        matrix = self.to_matrix().map(lambda s: labels.get(s, s) if isinstance(s, str) else s)
        matrix.index = [unit_name(c) for c in matrix.index]
        return f"<p><b>Kết quả thực hiện chỉ tiêu năm {self.year}</b></p>" + matrix.to_html(escape=True, na_rep="–")


# -- entry points ------------------------------------------------------------------------------------------------
def score_targets(
    bundle_or_frames: object,
    *,
    year: int,
    district: str | None = None,
    satisfaction: pd.DataFrame | None = None,
    settings: ScorecardSettings = ScorecardSettings(),
) -> Scorecard:
    """Score the plan's targets for the province (``district=None``) or one district.

    Parameters
    ----------
    bundle_or_frames : the loaded data: an object with one attribute per dataset (``danvan_analysis.io``'s
        ``DataBundle``) or a mapping ``{"plans": frame, …}``. Missing or empty datasets give ``no_data`` rows.
        Published indices come from its ``indices`` dataset when that has rows, else ``settings.indices_path``,
        else the shipped ``published_indices.csv``.
    year : reporting year.
    district : a district code or name; ``None`` for the province.
    satisfaction : a :class:`~danvan_analysis.survey.SipasIndices` result, or tidy survey estimates (columns
        ``domain``, ``variable``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``n``); ``None`` → row 2e has no data (districts) or is
        left out (province).
    settings : thresholds and rules.

    Returns
    -------
    Scorecard
    """
    year = check_year(year)
    scope = resolve_scope(district)
    caveats: list[str] = []
    tables = _indicator_tables(bundle_or_frames, year=year, scope=scope, settings=settings, caveats=caveats)
    rows: list[TargetScore] = [_score_plans(tables.get("plans"), scope)]
    indices = _published_indices(bundle_or_frames, settings)
    rows += [_score_index(target, indices, year, scope, settings, caveats) for target in _INDEX_TARGETS]
    if satisfaction is not None or not scope.is_province:
        rows.append(_score_satisfaction(satisfaction, scope, settings, caveats))
    rows.append(_score_dialogues(tables.get("dialogues"), scope))
    rows += _score_boards(tables.get("boards"), scope)
    rows += _score_religion(tables.get("religion"), scope)
    rows.append(_score_inspections(tables.get("inspections"), scope))
    rows.append(_score_submissions(tables.get("submissions"), scope))
    for table in tables.values():
        if table is not None:
            caveats += [c for c in table.caveats if c not in caveats]
    return Scorecard(year=year, unit_code=scope.code, rows=tuple(rows), caveats=tuple(caveats))


def score_all_districts(
    bundle_or_frames: object,
    *,
    year: int,
    satisfaction: pd.DataFrame | None = None,
    settings: ScorecardSettings = ScorecardSettings(),
    include_province: bool = False,
) -> ScorecardSet:
    """Score the targets for each of the 9 districts (and the province first when ``include_province``).

    Returns
    -------
    ScorecardSet
        ``.to_matrix()`` is the district × target status table behind the heatmap
        (:func:`danvan_analysis.plots.plot_target_heatmap`).
    """
    codes = ([PROVINCE_CODE] if include_province else []) + register().district_codes
    cards = {
        code: score_targets(
            bundle_or_frames,
            year=year,
            district=None if code == PROVINCE_CODE else code,
            satisfaction=satisfaction,
            settings=settings,
        )
        for code in codes
    }
    return ScorecardSet(year=check_year(year), scorecards=MappingProxyType(cards))


# -- data access -------------------------------------------------------------------------------------------------
def _dataset(bundle: object, name: str) -> pd.DataFrame | None:
    """Return one dataset of a bundle or mapping, or ``None``."""
    if bundle is None:
        return None
    value = bundle.get(name) if isinstance(bundle, Mapping) else getattr(bundle, name, None)
    if value is not None and not isinstance(value, pd.DataFrame):
        raise ParameterError(f"The {name!r} dataset must be a pandas DataFrame, got {type(value).__name__}.")
    return value


_COMPUTE: dict[str, Callable[..., IndicatorTable]] = {
    "plans": compute_plan_indicators,
    "dialogues": compute_dialogue_indicators,
    "boards": compute_board_indicators,
    "religion": compute_religion_indicators,
    "inspections": compute_inspection_indicators,
    "submissions": compute_submission_indicators,
}


def _indicator_tables(
    bundle: object, *, year: int, scope: Scope, settings: ScorecardSettings, caveats: list[str]
) -> dict[str, IndicatorTable | None]:
    """Compute each theme's indicators; ``None`` for a dataset that is absent or has no row for the year."""
    tables: dict[str, IndicatorTable | None] = {}
    for name, compute in _COMPUTE.items():
        frame = _dataset(bundle, name)
        if frame is None or "year" not in frame.columns or rows_of_year(frame, year).empty:
            caveats.append(f"{name}: no data for {year}; its target(s) are marked '{NO_DATA}'.")
            tables[name] = None
            continue
        extra: dict[str, object] = {}
        if name == "dialogues":
            extra["settings"] = settings.dialogues
        elif name == "submissions":
            extra["settings"] = settings.submissions
        district = None if scope.is_province else scope.code
        tables[name] = compute(frame, year=year, district=district, **extra)
    return tables


def _published_indices(bundle: object, settings: ScorecardSettings) -> pd.DataFrame:
    """Return the published indices: the bundle's, the settings' file, or the shipped file."""
    frame = _dataset(bundle, "indices")
    # A loaded bundle carries an empty indices frame when its folder has no indices file: use the shipped one then.
    if frame is not None and not frame.empty:
        return frame
    path = settings.indices_path or package_data("published_indices.csv")
    try:
        return pd.read_csv(
            path,
            dtype={"province_code": str, "index_code": str, "group": str, "score_unit": str, "source": str},
            keep_default_na=True,
        )
    except (OSError, ValueError) as err:
        raise InputFileError(f"Cannot read the published indices file {path}: {err}") from err


# -- one scorer per target ---------------------------------------------------------------------------------------
def _status(met: bool | None) -> str:
    return NO_DATA if met is None else (MET if met else NOT_MET)


def _no_data(
    target: str, scope: Scope, kind: str, *, why_vi: str, why_en: str, level: str | None = None
) -> TargetScore:
    label_vi, label_en = TARGETS[target]
    return TargetScore(
        target=target,
        label_vi=label_vi,
        label_en=label_en,
        level=level or scope.level,
        unit_code=PROVINCE_CODE if level == "province" else scope.code,
        value=None,
        kind=kind,
        threshold=None,
        rule=None,
        status=NO_DATA,
        evidence_vi=why_vi,
        evidence_en=why_en,
    )


def _ratio(item: Indicator, lang: str) -> str:
    """``9/9 (100,0 %)``."""
    return (
        f"{fmt.format_count(item.numerator, lang=lang)}/{fmt.format_count(item.denominator, lang=lang)} "
        f"({fmt.format_percent(item.value, lang=lang, basis='percent')})"
    )


def _from_indicator(
    target: str,
    item: Indicator,
    table: IndicatorTable,
    scope: Scope,
    evidence: tuple[str, str],
    *,
    met: bool | None = None,
) -> TargetScore:
    """Build a row from one indicator; the evidence strings already hold the numbers."""
    label_vi, label_en = TARGETS[target]
    shortfalls = table.shortfall_for(item.indicator, scope_code=scope.code)
    return TargetScore(
        target=target,
        label_vi=label_vi,
        label_en=label_en,
        level=scope.level,
        unit_code=scope.code,
        value=item.value,
        kind=item.kind,
        threshold=item.threshold,
        rule=item.rule,
        status=_status(item.met if met is None else met),
        numerator=item.numerator,
        denominator=item.denominator,
        evidence_vi=evidence[0],
        evidence_en=evidence[1],
        shortfalls=shortfalls,
    )


# "số liệu <…>" / "<…> figures": which cumulative period the religion figures are.
_PERIOD_PHRASES = {
    "Q1": ("quý I", "first-quarter"),
    "H1": ("6 tháng", "first-half"),
    "9M": ("9 tháng", "nine-month"),
    "Y": ("cả năm", "full-year"),
}
_DATASET_VI = {
    "plans": "kế hoạch",
    "dialogues": "đối thoại",
    "boards": "Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng",
    "religion": "công tác tôn giáo",
    "inspections": "kiểm tra",
    "submissions": "gửi báo cáo",
    "survey": "khảo sát sự hài lòng",
}


def _missing(target: str, scope: Scope, kind: str, dataset: str) -> TargetScore:
    return _no_data(
        target,
        scope,
        kind,
        why_vi=f"Chưa có số liệu ({_DATASET_VI[dataset]}).",
        why_en=f"No data ({dataset}).",
    )


def _shortfall_note(table: IndicatorTable, indicator: str, scope: Scope, lang: str) -> str:
    """``; chưa thực hiện: 3 đơn vị`` when units fell short."""
    count = len(table.shortfall_for(indicator, scope_code=scope.code))
    if not count:
        return ""
    return f"; chưa đạt: {count} đơn vị" if lang == "vi" else f"; short: {count} unit(s)"


def _score_plans(table: IndicatorTable | None, scope: Scope) -> TargetScore:
    if table is None:
        return _missing("1", scope, "percent", "plans")
    item = table.get("plan_issued", unit_code=scope.code)
    what_vi = "cơ quan, đơn vị, địa phương" if scope.is_province else "UBND huyện và xã, phường, thị trấn"
    what_en = "agencies, districts and communes" if scope.is_province else "district and commune governments"
    evidence = (
        f"{_ratio(item, 'vi')} {what_vi} đã ban hành kế hoạch{_shortfall_note(table, 'plan_issued', scope, 'vi')}",
        f"{_ratio(item, 'en')} {what_en} issued a plan{_shortfall_note(table, 'plan_issued', scope, 'en')}",
    )
    return _from_indicator("1", item, table, scope, evidence)


def _score_index(
    target: str, indices: pd.DataFrame, year: int, scope: Scope, settings: ScorecardSettings, caveats: list[str]
) -> TargetScore:
    """Score one published index (province-level, repeated on district scorecards)."""
    code = _INDEX_TARGETS[target]
    label_vi, label_en = TARGETS[target]
    if not scope.is_province:
        label_vi, label_en = label_vi + _PROVINCE_LEVEL_SUFFIX[0], label_en + _PROVINCE_LEVEL_SUFFIX[1]
    for column in ("province_code", "index_code", "year", "rank", "group"):
        if column not in indices.columns:
            raise SchemaError(
                f"The published indices lack the column {column!r}; expected the columns of docs/design.md "
                "(province_code, index_code, year, score, score_unit, rank, n_provinces, group, derived, source)."
            )
    match = indices[
        (indices["province_code"].astype(str).str.strip() == PROVINCE_CODE)
        & (indices["index_code"].astype(str).str.strip() == code)
        & (pd.to_numeric(indices["year"], errors="coerce") == year)
    ]
    kind = "group" if code == "PAPI" else "rank"
    if match.empty:
        row = _no_data(
            target,
            scope,
            kind,
            why_vi=f"Chưa có kết quả {code} năm {year} được công bố.",
            why_en=f"No published {code} result for {year}.",
            level="province",
        )
        return _replace_labels(row, label_vi, label_en)
    record = match.iloc[0]
    name = vocab.IndexCode(code).en
    if str(record.get("derived", "")).strip().lower() in ("true", "1"):
        caveats.append(f"{code} {year}: a value in the published-indices file is derived, not read from the source.")
    n_provinces = record.get("n_provinces")
    score = pd.to_numeric(pd.Series([record.get("score")]), errors="coerce").iloc[0]
    if code == "PAPI":
        groups = vocab.PapiGroup.codes()
        group = vocab.PapiGroup.parse(record.get("group"))
        value = float(groups.index(group) + 1) if group else None
        threshold = float(groups.index(settings.papi_group_min) + 1)
        shown_vi = fmt.format_papi_group(group, lang="vi").lower() if group else fmt.MISSING
        shown_en = f"{fmt.format_papi_group(group, lang='en').lower()} group" if group else fmt.MISSING
        need_vi = f"yêu cầu: {fmt.format_papi_group(settings.papi_group_min, lang='vi').lower()} trở lên"
        need_en = f"required: {fmt.format_papi_group(settings.papi_group_min, lang='en').lower()} or better"
    else:
        rank = pd.to_numeric(pd.Series([record.get("rank")]), errors="coerce").iloc[0]
        value = None if pd.isna(rank) else float(rank)
        threshold = float(
            {"PAR_INDEX": settings.par_index_rank_max, "PCI": settings.pci_rank_max, "SIPAS": settings.sipas_rank_max}[
                code
            ]
        )
        of_vi = "" if pd.isna(n_provinces) else f"/{fmt.format_count(n_provinces, lang='vi')}"
        of_en = "" if pd.isna(n_provinces) else f"/{fmt.format_count(n_provinces, lang='en')}"
        shown_vi = f"xếp thứ {fmt.format_count(value, lang='vi')}{of_vi}"
        shown_en = f"ranked {fmt.format_count(value, lang='en')}{of_en}"
        need_vi = f"yêu cầu: trong {fmt.format_count(threshold)} tỉnh dẫn đầu"
        need_en = f"required: top {fmt.format_count(threshold, lang='en')}"
    points_vi = "" if pd.isna(score) else f", điểm {fmt.format_number(score, lang='vi', decimals=2)}"
    points_en = "" if pd.isna(score) else f", score {fmt.format_number(score, lang='en', decimals=2)}"
    met = None if value is None else value <= threshold
    return TargetScore(
        target=target,
        label_vi=label_vi,
        label_en=label_en,
        level="province",
        unit_code=PROVINCE_CODE,
        value=value,
        kind=kind,
        threshold=threshold,
        rule="<=",
        status=_status(met),
        evidence_vi=f"{name} {year}: {shown_vi}{points_vi} ({need_vi})",
        evidence_en=f"{name} {year}: {shown_en}{points_en} ({need_en})",
    )


def _replace_labels(row: TargetScore, label_vi: str, label_en: str) -> TargetScore:
    return replace(row, label_vi=label_vi, label_en=label_en)


def _score_satisfaction(
    satisfaction: pd.DataFrame | None, scope: Scope, settings: ScorecardSettings, caveats: list[str]
) -> TargetScore:
    """Row 2e: the unit's satisfaction estimate against the configured threshold (point estimate)."""
    if satisfaction is None:
        return _missing("2e", scope, "percent", "survey")
    if hasattr(satisfaction, "by_unit"):  # a SipasIndices result: read its province/district share rows
        satisfaction = satisfaction.by_unit()
    needed = ["domain", "variable", "estimate", "ci_low", "ci_high", "n"]
    missing = [c for c in needed if c not in satisfaction.columns]
    if missing:
        raise SchemaError(
            f"The satisfaction estimates lack the column(s) {', '.join(missing)}; expected the tidy output of "
            "danvan_analysis.survey (domain, variable, estimate, se, ci_low, ci_high, n)."
        )
    match = satisfaction[
        (satisfaction["domain"].astype(str).str.strip() == scope.code)
        & (satisfaction["variable"].astype(str) == settings.satisfaction_variable)
    ]
    if match.empty:
        return _no_data(
            "2e",
            scope,
            "percent",
            why_vi=f"Chưa có ước lượng '{settings.satisfaction_variable}' cho {unit_name(scope.code)}.",
            why_en=f"No '{settings.satisfaction_variable}' estimate for {unit_name(scope.code)}.",
        )
    record = match.iloc[0]
    estimate, low, high, n = (pd.to_numeric(record[c], errors="coerce") for c in ("estimate", "ci_low", "ci_high", "n"))
    label_vi, label_en = TARGETS["2e"]
    if pd.isna(n) or n < settings.satisfaction_min_n or pd.isna(estimate):
        caveats.append(
            f"2e: the estimate for {unit_name(scope.code)} rests on {fmt.format_count(n, lang='en')} respondents "
            f"(< {settings.satisfaction_min_n}); it is not published and the target has no data."
        )
        met = None
    else:
        met = bool(estimate >= settings.satisfaction_threshold)
    threshold = settings.satisfaction_threshold

    def text(lang: str) -> str:
        if met is None:
            return (
                f"Số người trả lời quá ít (n = {fmt.format_count(n, lang=lang)})"
                if lang == "vi"
                else f"Too few respondents (n = {fmt.format_count(n, lang=lang)})"
            )
        pct = fmt.format_percent(estimate, lang=lang, basis="percent")
        ci = f"{fmt.format_number(low, lang=lang)}–{fmt.format_number(high, lang=lang)}"
        need = fmt.format_percent(threshold, lang=lang, basis="percent", decimals=0)
        if lang == "vi":
            return f"{pct} người dân hài lòng (KTC 95%: {ci}; n = {fmt.format_count(n, lang=lang)}; yêu cầu ≥ {need})"
        return f"{pct} of citizens satisfied (95% CI {ci}; n = {fmt.format_count(n, lang=lang)}; required ≥ {need})"

    return TargetScore(
        target="2e",
        label_vi=label_vi,
        label_en=label_en,
        level=scope.level,
        unit_code=scope.code,
        value=None if met is None else float(estimate),
        kind="percent",
        threshold=threshold,
        rule=">=",
        status=_status(met),
        numerator=None,
        denominator=None if pd.isna(n) else float(n),
        ci_low=None if met is None else float(low),
        ci_high=None if met is None else float(high),
        evidence_vi=text("vi"),
        evidence_en=text("en"),
    )


def _score_dialogues(table: IndicatorTable | None, scope: Scope) -> TargetScore:
    if table is None:
        return _missing("3", scope, "percent", "dialogues")
    item = table.get("dialogue_heads", unit_code=scope.code)
    evidence = (
        f"{_ratio(item, 'vi')} người đứng đầu chính quyền đã trực tiếp đối thoại với Nhân dân"
        f"{_shortfall_note(table, 'dialogue_heads', scope, 'vi')}",
        f"{_ratio(item, 'en')} heads of government held a direct dialogue with citizens"
        f"{_shortfall_note(table, 'dialogue_heads', scope, 'en')}",
    )
    return _from_indicator("3", item, table, scope, evidence)


def _score_boards(table: IndicatorTable | None, scope: Scope) -> list[TargetScore]:
    if table is None:
        return [_missing("4a", scope, "percent", "boards"), _missing("4b", scope, "percent", "boards")]
    pib = table.get("pib_coverage", unit_code=scope.code)
    what_vi = "xã, phường, thị trấn và cơ quan, đơn vị" if scope.is_province else "xã, phường, thị trấn"
    what_en = "communes and agencies" if scope.is_province else "communes"
    rows = [
        _from_indicator(
            "4a",
            pib,
            table,
            scope,
            (
                f"{_ratio(pib, 'vi')} {what_vi} có Ban Thanh tra nhân dân",
                f"{_ratio(pib, 'en')} {what_en} have a People's Inspection Board",
            ),
        )
    ]
    cisb = table.get("cisb_coverage", unit_code=scope.code)
    unreported = [s for s in table.shortfall_for("cisb_coverage", scope_code=scope.code) if s.reason == "no_row"]
    if cisb.denominator == 0:
        # No commune with projects: nothing is required, unless some communes did not report at all.
        met = None if unreported else True
        evidence = (
            "Không có xã nào có dự án đầu tư" + (f"; {len(unreported)} xã chưa báo cáo" if unreported else ""),
            "No commune has investment projects"
            + (f"; {len(unreported)} commune(s) sent no report" if unreported else ""),
        )
    else:
        met = None
        evidence = (
            f"{_ratio(cisb, 'vi')} xã có dự án đầu tư đã có Ban Giám sát đầu tư của cộng đồng",
            f"{_ratio(cisb, 'en')} communes with investment projects have a Community Investment Supervision Board",
        )
    rows.append(_from_indicator("4b", cisb, table, scope, evidence, met=met))
    return rows


def _score_religion(table: IndicatorTable | None, scope: Scope) -> list[TargetScore]:
    if table is None:
        return [_missing(t, scope, k, "religion") for t, k in (("5a", "percent"), ("5b", "count"), ("5c", "count"))]
    informed = table.get("religion_informed", unit_code=scope.code)
    need_vi = fmt.format_percent(informed.threshold, lang="vi", basis="percent", decimals=0)
    need_en = fmt.format_percent(informed.threshold, lang="en", basis="percent", decimals=0)
    period_vi, period_en = _PERIOD_PHRASES.get(informed.period, (informed.period, informed.period))
    rows = []
    if informed.value is None:
        rows.append(
            _no_data(
                "5a", scope, "percent", why_vi="Chưa có số liệu chức sắc, chức việc.", why_en="No dignitary figures."
            )
        )
    else:
        rows.append(
            _from_indicator(
                "5a",
                informed,
                table,
                scope,
                (
                    f"{_ratio(informed, 'vi')} chức sắc, chức việc được thông tin (số liệu {period_vi}; yêu cầu > {need_vi})",
                    f"{_ratio(informed, 'en')} dignitaries and officials informed ({period_en} figures; "
                    f"required > {need_en})",
                ),
            )
        )
    hot = table.get("religion_hot_spots", unit_code=scope.code)
    rows.append(
        _from_indicator(
            "5b",
            hot,
            table,
            scope,
            (
                f"{fmt.format_count(hot.value, lang='vi')} điểm nóng về tôn giáo",
                f"{fmt.format_count(hot.value, lang='en')} religious hot spot(s)",
            ),
        )
    )
    change = table.get("religion_unlawful_followers_change", unit_code=scope.code)
    before = table.get("religion_unlawful_followers_prev", unit_code=scope.code)
    now = table.get("religion_unlawful_followers", unit_code=scope.code)
    if change.value is None:
        rows.append(
            _no_data(
                "5c",
                scope,
                "count",
                why_vi=f"Chưa có số liệu năm trước để so sánh (năm nay: {fmt.format_count(now.value, lang='vi')} người).",
                why_en=f"No previous-year figures to compare with (this year: {fmt.format_count(now.value, lang='en')}).",
            )
        )
    else:
        rows.append(
            _from_indicator(
                "5c",
                change,
                table,
                scope,
                (
                    f"{fmt.format_count(before.value, lang='vi')} → {fmt.format_count(now.value, lang='vi')} người "
                    f"theo tổ chức bất hợp pháp (thay đổi {_signed(change.value, 'vi')})",
                    f"{fmt.format_count(before.value, lang='en')} → {fmt.format_count(now.value, lang='en')} "
                    f"followers of unlawful organisations (change {_signed(change.value, 'en')})",
                ),
            )
        )
    return rows


def _signed(value: float | None, lang: str) -> str:
    text = fmt.format_count(value, lang=lang)  # type: ignore[arg-type]
    return f"+{text}" if value is not None and value > 0 else text


def _score_inspections(table: IndicatorTable | None, scope: Scope) -> TargetScore:
    if table is None:
        return _missing("6", scope, "count", "inspections")
    if not scope.is_province:
        item = table.get("inspections_district", unit_code=scope.code)
        return _from_indicator(
            "6",
            item,
            table,
            scope,
            (
                f"UBND huyện đã tổ chức {fmt.format_count(item.value, lang='vi')} cuộc kiểm tra (yêu cầu ≥ 1)",
                f"The district People's Committee conducted {fmt.format_count(item.value, lang='en')} "
                "inspection(s) (required ≥ 1)",
            ),
        )
    provincial = table.get("inspections_province")
    districts = table.get("inspection_districts_done")
    met = None if provincial.met is None or districts.met is None else (provincial.met and districts.met)
    score = _from_indicator(
        "6",
        districts,
        table,
        scope,
        (
            f"Cấp tỉnh: {fmt.format_count(provincial.value, lang='vi')} cuộc kiểm tra; "
            f"{_ratio(districts, 'vi')} huyện đã tự tổ chức kiểm tra",
            f"Province: {fmt.format_count(provincial.value, lang='en')} inspection(s); "
            f"{_ratio(districts, 'en')} districts conducted their own",
        ),
        met=met,
    )
    # The province's own missing inspection is evidence too, listed before the districts.
    return replace(score, shortfalls=table.shortfall_for("inspections_province") + score.shortfalls)


def _score_submissions(table: IndicatorTable | None, scope: Scope) -> TargetScore:
    if table is None:
        return _missing("R", scope, "percent", "submissions")
    item = table.get("submission_on_time", unit_code=scope.code)
    late = table.get("submission_late", unit_code=scope.code)
    missing = table.get("submission_missing", unit_code=scope.code)
    return _from_indicator(
        "R",
        item,
        table,
        scope,
        (
            f"{_ratio(item, 'vi')} báo cáo gửi đúng hạn; muộn: {fmt.format_count(late.value, lang='vi')}, "
            f"chưa gửi: {fmt.format_count(missing.value, lang='vi')}",
            f"{_ratio(item, 'en')} reports on time; late: {fmt.format_count(late.value, lang='en')}, "
            f"missing: {fmt.format_count(missing.value, lang='en')}",
        ),
    )
