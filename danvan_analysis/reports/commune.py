"""Reports of a two-level year (from 01/07/2025): one report per commune and the province report without districts.

On the two-level map the communes report to the province where the districts did (``docs/methods.md``): a commune
report shows the commune's scorecard (:func:`danvan_analysis.scorecard.score_all_communes`, read from the province's
theme tables), its own rows of those tables and its survey estimate (the commune is a stratum of the design, so its
sample size is known; below the suppression threshold nothing is shown). The province report lists the communes
grouped by how many targets each missed, so a 92-row list stays readable, and never names a district.

Parameters are validated like the district report's (:func:`validate_commune_params`); validating them puts the
register of the report's province on the year's map in use in the kernel (:func:`danvan_analysis.units.set_register`),
so every later call resolves units on the two-level map of that province. Any province of that map can be reported
on (``province``, default ``"19"`` Thái Nguyên) with its own data and plan file; the plan must be that province's
(:func:`check_province`), and every title, issuer and name comes from the register, never from a constant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danvan_analysis.errors import ParameterError, UnitError
from danvan_analysis.paths import package_data
from danvan_analysis.reports import params as _params
from danvan_analysis.text import fold

if TYPE_CHECKING:
    import pandas as pd

    from danvan_analysis.indicators import IndicatorTable
    from danvan_analysis.plan import Plan
    from danvan_analysis.reports.shared import SharedResults
    from danvan_analysis.scorecard import Scorecard, ScorecardSet
    from danvan_analysis.units import Unit

#: The plan scored when none is given in a two-level year: the shipped EXAMPLE (the 2023 plan has districts).
EXAMPLE_PLAN = "plans/example_two_level.yaml"
#: Groups of the province report's commune list: (fewest, most) targets not met, with their headings.
GROUPS = (
    (0, 0, {"vi": "Đạt tất cả chỉ tiêu có số liệu", "en": "Every target with data met"}),
    (1, 2, {"vi": "Chưa đạt 1–2 chỉ tiêu", "en": "1–2 targets not met"}),
    (3, 99, {"vi": "Chưa đạt từ 3 chỉ tiêu trở lên", "en": "3 or more targets not met"}),
)
_WORDS = {
    "vi": {
        "commune_title": "Báo cáo đánh giá công tác dân vận chính quyền năm {year}: {unit}",
        "province_title": "Báo cáo đánh giá công tác dân vận chính quyền năm {year}: {province} (chính quyền địa "
        "phương hai cấp)",
        "communes": "Kết quả theo xã, phường",
        "commune": "Xã, phường",
        "met": "Chỉ tiêu đạt",
        "not_met": "Chỉ tiêu chưa đạt",
        "satisfied": "Hài lòng chung (%)",
        "n": "Số người trả lời",
        "withheld": "không công bố (ít hơn {min_n} người trả lời)",
        "survey": "Sự hài lòng của người dân",
        "survey_text": "Tỷ lệ người dân hài lòng chung: {value} ({n} người trả lời; xã là một tầng của thiết kế mẫu, "
        "thôn, tổ dân phố là đơn vị mẫu bậc 1).",
        "survey_withheld": "Không công bố kết quả khảo sát của đơn vị này: ít hơn {min_n} người trả lời.",
        "rows": "Số liệu của {unit}",
        "example_plan": "Chỉ tiêu được chấm theo kế hoạch MẪU của năm chính quyền hai cấp do nhóm phân tích soạn "
        "từ kế hoạch năm 2023, không phải kế hoạch của tỉnh.",
        "none": "–",
    },
    "en": {
        "commune_title": "Evaluation of mass-mobilisation work in {year}: {unit}",
        "province_title": "Evaluation of mass-mobilisation work in {year}: {province} (two-level local government)",
        "communes": "Results by commune",
        "commune": "Commune or ward",
        "met": "Targets met",
        "not_met": "Targets not met",
        "satisfied": "Overall satisfaction (%)",
        "n": "Respondents",
        "withheld": "withheld (fewer than {min_n} respondents)",
        "survey": "Citizens' satisfaction",
        "survey_text": "Share of citizens satisfied overall: {value} ({n} respondents; the commune is a stratum of the "
        "design, villages are its primary sampling units).",
        "survey_withheld": "The survey figures of this unit are withheld: fewer than {min_n} respondents.",
        "rows": "Figures of {unit}",
        "example_plan": "Targets are scored against the EXAMPLE plan of a two-level year, derived by the analysis team "
        "from the 2023 plan; it is not the province's plan.",
        "none": "–",
    },
}


# -- parameters ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommuneParams:
    """Validated parameters of a commune report (see :class:`~danvan_analysis.reports.params.DistrictParams`)."""

    commune: Unit
    year: int
    data_dir: Path
    lang: str
    suppression_threshold: int
    shared_cache: Path | None
    plan: Plan
    demo: bool = False
    period: str | None = None
    province: Unit | None = None  # the province reported on (its register is in use)
    report_date: dt.date | None = None  # the date the report is dated (None: today)

    @property
    def district(self) -> Unit:
        """The reporting unit below the province (the commune), under the name the shared sections read."""
        return self.commune


@dataclass(frozen=True)
class TwoLevelProvinceParams:
    """Validated parameters of the province report of a two-level year."""

    year: int
    data_dir: Path
    lang: str
    suppression_threshold: int
    shared_cache: Path | None
    plan: Plan
    demo: bool = False
    period: str | None = None
    linked_districts: tuple[str, ...] = ()  # the commune reports beside this one (the shared sections' name)
    province: Unit | None = None  # the province reported on (its register is in use)
    report_date: dt.date | None = None  # the date the report is dated (None: today)


def use_year_map(year: int, period: str | None = None, *, province: str | None = None) -> Unit:
    """Put the register of ``province`` (``None``: the province of the register in use) on the year's map in use and
    return the province; raise when the year is not on the two-level map or the province not on it."""
    from danvan_analysis.registers import register_of_year
    from danvan_analysis.units import province_unit, set_register

    try:
        reg = register_of_year(year, period, province=province)
    except ParameterError as error:
        raise ParameterError(
            f"Parameter province: {error} Hint: `danvan units --year {year} --province CODE` lists a province's units."
        ) from None
    if reg is None or not reg.two_level:
        raise ParameterError(
            f"Parameter year: {year}{' ' + period if period else ''} is not on the two-level map (from 01/07/2025); "
            "expected a year such as 2026. Hint: the district report (district_report.ipynb) covers earlier years."
        )
    set_register(reg)
    return province_unit()


def use_province(*, year: object, province: object = "19", period: object = "") -> None:
    """Check ``province`` and put its register on the map of ``year`` in use (the batch's shared step, before it loads
    the data). A year with districts has Thái Nguyên's 2023 register only: another province is refused there."""
    from danvan_analysis.registers import register_of_year
    from danvan_analysis.units import set_register

    year_value = _params._check_year(year)
    code = _check_province_text(province)
    period_code = _params._check_text("period", period).strip().upper() or None
    on_map = register_of_year(year_value, period_code, province="19")
    if on_map is not None and on_map.two_level:
        use_year_map(year_value, period_code, province=code)
        return
    if code != "19":
        raise ParameterError(
            f"Parameter province: {province!r} in {year_value}: the reports of a year with districts evaluate Thái "
            "Nguyên (19) only (the toolkit ships no 2023 register of another province); expected '19'."
        )
    set_register(None)


def check_province(province: Unit, plan: Plan) -> None:
    """Refuse a plan file of another province than the one reported on (the plan names its province)."""
    if str(plan.spec.plan.province_code).zfill(2) != province.code:
        source = "the shipped EXAMPLE plan (Thái Nguyên's)" if is_example_plan(plan) else f"the plan file {plan.source}"
        raise ParameterError(
            f"Parameter province: {province.code} ({province.name}) is reported on, but {source} is the plan of "
            f"province {plan.spec.plan.province_code} (its plan.province_code); the plan must be that province's. "
            f"Hint: give the plan file of {province.name} (plan_file, `danvan reports --plan FILE`), whose "
            f"plan.province_code is '{province.code}', or set the province to the one the plan names."
        )


def is_example_plan(plan: Plan) -> bool:
    """Whether ``plan`` is the shipped EXAMPLE two-level plan (the reports then say it is not the province's)."""
    return Path(plan.source).resolve() == Path(str(package_data(EXAMPLE_PLAN))).resolve()


def _check_province_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParameterError(f"Parameter province: expected a 2-digit GSO province code such as '19', got {value!r}.")
    text = _params._check_text("province", str(value)).strip()
    return text.zfill(2) if text.isdigit() else text


def _plan_of(plan_file: object) -> object:
    return plan_file if str(plan_file).strip() else str(package_data(EXAMPLE_PLAN))


def validate_commune_params(
    *,
    commune: object,
    year: object,
    data_dir: object,
    lang: object = "vi",
    suppression_threshold: object = 10,
    shared_cache: object = "",
    plan_file: object = "",
    period: object = "",
    province: object = "19",
    report_date: object = "",
) -> CommuneParams:
    """Check the parameters of ``commune_report.ipynb`` (the district report's rules; ``commune`` is a code or a
    name of the two-level map) and put the year's register in use.

    Raises
    ------
    ParameterError
        A value of the wrong type, a year before the two-level map, a name that is no commune of it (a commune of an
        earlier map is named with the commune it became part of), or a folder without the year's data.
    """
    from danvan_analysis.units import resolve_unit

    year_value = _params._check_year(year)
    common = _params._common(year_value, data_dir, lang, shared_cache, _plan_of(plan_file), period, report_date)
    region = use_year_map(year_value, common["period"], province=_check_province_text(province))  # type: ignore[arg-type]
    check_province(region, common["plan"])  # type: ignore[arg-type]
    text = _params._check_text("commune", commune if isinstance(commune, str) else str(commune))
    try:
        unit = resolve_unit(text, kind="commune")
    except UnitError as error:
        raise ParameterError(
            f"Parameter commune: {error} Hint: `danvan units --year {year_value}` lists the communes and wards."
        ) from error
    threshold = _params._check_threshold(suppression_threshold)
    return CommuneParams(commune=unit, suppression_threshold=threshold, province=region, **common)  # type: ignore[arg-type]


def validate_two_level_province_params(
    *,
    year: object,
    data_dir: object,
    lang: object = "vi",
    suppression_threshold: object = 10,
    shared_cache: object = "",
    plan_file: object = "",
    linked_communes: object = "",
    period: object = "",
    province: object = "19",
    report_date: object = "",
) -> TwoLevelProvinceParams:
    """Check the parameters of ``province_two_level_report.ipynb`` and put the year's register in use."""
    from danvan_analysis.units import resolve_unit

    year_value = _params._check_year(year)
    common = _params._common(year_value, data_dir, lang, shared_cache, _plan_of(plan_file), period, report_date)
    region = use_year_map(year_value, common["period"], province=_check_province_text(province))  # type: ignore[arg-type]
    check_province(region, common["plan"])  # type: ignore[arg-type]
    text = _params._check_text("linked_communes", linked_communes)
    try:
        linked = tuple(resolve_unit(p.strip(), kind="commune").code for p in text.split(",") if p.strip())
    except UnitError as error:
        raise ParameterError(f"Parameter linked_communes: {error}") from error
    return TwoLevelProvinceParams(
        suppression_threshold=_params._check_threshold(suppression_threshold),
        linked_districts=linked,
        province=region,
        **common,  # type: ignore[arg-type]
    )


def commune_stem(unit: Unit) -> str:
    """File name stem of a commune's report: ``"05443-phan-dinh-phung"`` (code + folded name, ASCII)."""
    return f"{unit.code}-{fold(unit.short_name).replace(' ', '-')}"


# -- shared results -----------------------------------------------------------------------------------------------
def compute_two_level_shared(*, data_dir: Path, year: int, ci_method: str = "logit") -> SharedResults:
    """The batch-shared results of a two-level year: the data of the years on that map, and each year's indices
    for the province and every commune (strata = communes, PSUs = villages). No district comparison or model:
    there is no district, and a commune's sample is too small for a model term of its own."""
    from danvan_analysis.indicators import THEMES
    from danvan_analysis.io import load_bundle
    from danvan_analysis.reports.shared import SharedResults
    from danvan_analysis.survey import EstimationSettings, SurveyDesign, sipas_indices

    use_year_map(year)
    folders = [int(p.name) for p in Path(data_dir).iterdir() if p.is_dir() and p.name.isdigit()]
    years = [y for y in folders if y <= year and _two_level(y)]
    bundle = load_bundle(data_dir, years=years, optional=tuple(THEMES), set_aside=True)
    survey = bundle.survey
    settings = EstimationSettings(ci_method=ci_method)
    indices = {
        int(y): sipas_indices(survey[survey["year"] == y], SurveyDesign(), by=(None, "commune_code"), settings=settings)
        for y in sorted(survey["year"].unique())
    }
    return SharedResults(
        year=year,
        bundle=bundle,
        indices=indices,
        comparison=None,  # type: ignore[arg-type]
        change=None,
        model=None,
        model_error="two-level year: no district comparison or model",
    )


def _two_level(year: int) -> bool:
    from danvan_analysis.registers import register_of_year

    reg = register_of_year(year)
    return reg is not None and reg.two_level


# -- views --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CommuneView:
    """The results shown in a commune report: the commune's scorecard, its rows of the province's theme tables and
    its survey estimate (published: suppressed below the threshold)."""

    params: CommuneParams
    shared: SharedResults
    satisfaction: pd.DataFrame
    scorecard: Scorecard
    indicators: dict[str, IndicatorTable | None]
    previous: Scorecard | None = None

    @property
    def unit(self) -> Unit:
        """The commune."""
        return self.params.commune

    @property
    def lang(self) -> str:
        """The report language."""
        return self.params.lang


@dataclass(frozen=True)
class TwoLevelProvinceView:
    """The results shown in the province report of a two-level year."""

    params: TwoLevelProvinceParams
    shared: SharedResults
    satisfaction: pd.DataFrame
    scorecard: Scorecard
    scorecards: ScorecardSet
    agencies: pd.DataFrame
    previous: Scorecard | None = None

    @property
    def lang(self) -> str:
        """The report language."""
        return self.params.lang


def build_commune_view(params: CommuneParams) -> CommuneView:
    """Gather the results of a commune report (the province's theme tables, read for the commune)."""
    from danvan_analysis.reports.shared import load_shared_results
    from danvan_analysis.reports.views import has_survey, published_satisfaction, refuse_rejected
    from danvan_analysis.scorecard import compute_plan_tables, score_targets

    shared = load_shared_results(params)  # type: ignore[arg-type]
    code, year = params.commune.code, params.year
    refuse_rejected(shared, ("?",), what=params.commune.name)
    satisfaction = published_satisfaction(shared, min_n=params.suppression_threshold)
    this_year = satisfaction[satisfaction["year"] == year] if has_survey(params) else None  # type: ignore[arg-type]
    tables = compute_plan_tables(shared.bundle, year=year, plan=params.plan, period=params.period)
    card = score_targets(
        shared.bundle, year=year, district=code, satisfaction=this_year, plan=params.plan, tables=tables,
        period=params.period,
    )  # fmt: skip
    return CommuneView(params=params, shared=shared, satisfaction=satisfaction, scorecard=card, indicators=tables)


def build_two_level_province_view(params: TwoLevelProvinceParams) -> TwoLevelProvinceView:
    """Gather the results of the province report of a two-level year (every commune scored from one set of tables)."""
    from danvan_analysis.indicators.units import tabulate_units
    from danvan_analysis.reports.shared import load_shared_results
    from danvan_analysis.reports.views import has_survey, published_satisfaction
    from danvan_analysis.scorecard import compute_plan_tables, score_all_communes, score_targets

    shared = load_shared_results(params)  # type: ignore[arg-type]
    satisfaction = published_satisfaction(shared, min_n=params.suppression_threshold)
    this_year = satisfaction[satisfaction["year"] == params.year] if has_survey(params) else None  # type: ignore[arg-type]
    common = {"year": params.year, "satisfaction": this_year, "plan": params.plan, "period": params.period}
    tables = compute_plan_tables(shared.bundle, year=params.year, plan=params.plan, period=params.period)
    agencies = tabulate_units(tables, kind="agency")
    agencies["tasks"] = [
        ", ".join(f"IV.{a.section}" for a in params.plan.assignments_of(code)) or "–" for code in agencies["unit_code"]
    ]
    return TwoLevelProvinceView(
        params=params,
        shared=shared,
        satisfaction=satisfaction,
        scorecard=score_targets(shared.bundle, tables=tables, **common),
        scorecards=score_all_communes(shared.bundle, tables=tables, **common),
        agencies=agencies,
    )


# -- display ------------------------------------------------------------------------------------------------------
def _figures(view: CommuneView | TwoLevelProvinceView, domain: str) -> dict[str, Any]:
    from danvan_analysis.reports.views import has_survey

    summary = view.scorecard.summary()
    table = view.satisfaction
    row = table[(table["year"] == view.params.year) & (table["domain"] == domain) & (table["variable"] == "overall")]
    overall = row.iloc[0] if len(row) and has_survey(view.params) else None  # type: ignore[arg-type]
    if overall is not None and overall["estimate"] != overall["estimate"]:
        overall = None  # withheld
    return {
        "targets_met": int(summary.get("met", 0)),
        "targets_total": int(sum(summary.values())),
        "satisfaction": None if overall is None else round(float(overall["estimate"]), 6),
        "satisfaction_low": None if overall is None else round(float(overall["ci_low"]), 6),
        "satisfaction_high": None if overall is None else round(float(overall["ci_high"]), 6),
    }


def show_commune_title(view: CommuneView) -> None:
    """Title, demo banner, verdicts and the headline satisfaction of a commune report."""
    from IPython.display import display

    from danvan_analysis import fmt
    from danvan_analysis.reports import sections

    words = sections._WORDS[view.lang]
    title = _WORDS[view.lang]["commune_title"].format(year=view.params.year, unit=view.unit.name)
    sections._show_title(view, title, _figures(view, view.unit.code), view.lang, words, fmt)
    if is_example_plan(view.params.plan):
        display(sections.text(_WORDS[view.lang]["example_plan"], css_class="note"))


def show_commune_survey(view: CommuneView) -> None:
    """The commune's overall satisfaction, or why it is withheld."""
    from IPython.display import display

    from danvan_analysis import fmt
    from danvan_analysis.reports import sections
    from danvan_analysis.reports.views import has_survey

    if not has_survey(view.params):  # type: ignore[arg-type]
        return
    words = _WORDS[view.lang]
    display(sections.heading(words["survey"], lang=view.lang, anchor="s-survey"))
    table = view.satisfaction
    row = table[(table["year"] == view.params.year) & (table["domain"] == view.unit.code)]
    row = row[row["variable"] == "overall"]
    min_n = view.params.suppression_threshold
    if row.empty or row.iloc[0]["estimate"] != row.iloc[0]["estimate"]:
        display(sections.text(words["survey_withheld"].format(min_n=min_n), css_class="note"))
        return
    first = row.iloc[0]
    value = fmt.format_percent(float(first["estimate"]), lang=view.lang, basis="percent")
    display(
        sections.text(words["survey_text"].format(value=value, n=fmt.format_count(int(first["n"]), lang=view.lang)))
    )


def show_commune_rows(view: CommuneView) -> None:
    """The commune's own figures in each theme table (the province's tables, rows of this commune)."""
    import pandas as pd
    from IPython.display import display

    from danvan_analysis.reports import sections

    frames = []
    for table in view.indicators.values():
        if table is None:
            continue
        frame = table.to_frame()
        frame = frame[(frame["unit_code"] == view.unit.code) & frame["dimension"].isna()]
        frames.append(frame)
    display(sections.heading(_WORDS[view.lang]["rows"].format(unit=view.unit.name), lang=view.lang, anchor="s-rows"))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    columns = ["label", "period", "numerator", "denominator", "value", "threshold", "met"]
    display(sections.table_of(rows, view.lang, columns) if len(rows) else sections.text("–"))


def show_province_title(view: TwoLevelProvinceView) -> None:
    """Title, demo banner, verdicts and the headline satisfaction of the two-level province report."""
    from IPython.display import display

    from danvan_analysis import fmt
    from danvan_analysis.reports import sections
    from danvan_analysis.units import province_unit

    words = sections._WORDS[view.lang]
    title = _WORDS[view.lang]["province_title"].format(year=view.params.year, province=province_name(view.lang))
    sections._show_title(view, title, _figures(view, province_unit().code), view.lang, words, fmt)
    if is_example_plan(view.params.plan):
        display(sections.text(_WORDS[view.lang]["example_plan"], css_class="note"))


def province_name(lang: str = "vi") -> str:
    """The province of the register in use as a title names it: ``"tỉnh Thái Nguyên"``, ``"thành phố Hà Nội"``
    (``"Thái Nguyên province"`` in English)."""
    from danvan_analysis.units import province_unit

    unit = province_unit()
    return f"{unit.type_name.lower()} {unit.short_name}" if lang == "vi" else (unit.name_en or unit.name)


def commune_table(view: TwoLevelProvinceView) -> pd.DataFrame:
    """One row per commune: name, targets met / scored, the targets not met, published satisfaction and n, and the
    group (by targets not met) it is listed under; sorted by group, then name."""
    import pandas as pd

    from danvan_analysis.units import register

    lang = view.lang
    table = view.satisfaction
    table = table[(table["year"] == view.params.year) & (table["variable"] == "overall")].set_index("domain")
    rows = []
    for code, card in view.scorecards.scorecards.items():
        frame = card.to_frame()
        missed = frame.loc[frame["status"] == "not_met", "target"].astype(str).tolist()
        scored = int(frame["status"].isin(["met", "not_met"]).sum())
        group = next(i for i, (low, high, _) in enumerate(GROUPS) if low <= len(missed) <= high)
        has = code in table.index and table.loc[code, "estimate"] == table.loc[code, "estimate"]
        rows.append(
            {
                "group": group,
                "unit_code": code,
                "unit_name": register().unit(code).name,
                "met": f"{scored - len(missed)}/{scored}",
                "not_met": ", ".join(missed) or "–",
                "satisfied": float(table.loc[code, "estimate"]) if has else None,
                "n": int(table.loc[code, "n"]) if code in table.index and table.loc[code, "n"] == table.loc[code, "n"]
                else None,
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame["sort"] = frame["unit_name"].map(lambda name: fold(name))
    frame = frame.sort_values(["group", "sort"], kind="stable").drop(columns="sort").reset_index(drop=True)
    frame.attrs["lang"] = lang
    return frame


def show_communes(view: TwoLevelProvinceView) -> None:
    """The communes grouped by how many targets each missed; each name links to its report when it sits beside."""
    import html

    import pandas as pd
    from IPython.display import display

    from danvan_analysis import fmt
    from danvan_analysis.reports import sections
    from danvan_analysis.units import register

    lang, words = view.lang, _WORDS[view.lang]
    display(sections.heading(words["communes"], lang=lang, anchor="s-communes"))
    frame = commune_table(view)
    linked = set(view.params.linked_districts)
    min_n = view.params.suppression_threshold
    for index, (_, _, heading) in enumerate(GROUPS):
        part = frame[frame["group"] == index]
        if part.empty:
            continue
        display(sections.heading(f"{heading[lang]} ({len(part)})", lang=lang, level=3))
        body, plain = [], []
        for row in part.itertuples():
            name = html.escape(row.unit_name)
            if row.unit_code in linked:
                name = f'<a href="{commune_stem(register().unit(row.unit_code))}.html">{name}</a>'
            satisfied = (
                fmt.format_number(row.satisfied, lang=lang) if row.satisfied is not None
                else html.escape(words["withheld"].format(min_n=min_n))
            )  # fmt: skip
            cells = (name, html.escape(row.met), html.escape(row.not_met), satisfied)
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            plain.append((row.unit_name, row.met, row.not_met, html.unescape(satisfied)))
        labels = [words[k] for k in ("commune", "met", "not_met", "satisfied")]
        head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
        markup = f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        # The Word and Excel copies read the same rows as text (the names without their links).
        block = {**sections.text_table_block(pd.DataFrame(plain, columns=labels)), "source": "scorecard"}
        display(sections.shown_html(markup, block))
