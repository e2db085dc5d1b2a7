"""Everything one report shows, gathered in one immutable object by calling the package's estimators.

:func:`build_district_view` and :func:`build_province_view` take validated parameters and return a frozen view
whose fields are results of :mod:`danvan_analysis.survey`, :mod:`danvan_analysis.indicators` and
:mod:`danvan_analysis.scorecard`; :mod:`danvan_analysis.reports.sections` displays them. Nothing here computes a
figure: the only operations are selecting rows of a district, year or measure; the survey results give the tidy
tables the scorecard and the plots read (:meth:`~danvan_analysis.survey.SipasIndices.tidy`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from danvan_analysis.indicators import IndicatorTable
    from danvan_analysis.reports.params import AgencyParams, DistrictParams, ProvinceParams
    from danvan_analysis.reports.shared import SharedResults
    from danvan_analysis.scorecard import Scorecard, ScorecardSet
    from danvan_analysis.survey import ModelResult, PriorityShares
    from danvan_analysis.units import Unit


@dataclass(frozen=True)
class DistrictView:
    """The results shown in a district report.

    Attributes
    ----------
    params : the validated parameters.
    shared : the batch-shared results (data bundle, indices of all districts and years, comparisons).
    satisfaction : tidy share indices of every district and the province (``domain`` "19"), all years
        (:meth:`~danvan_analysis.survey.SipasIndices.tidy` of each year's result).
    scorecard : the district's targets, scored from ``indicators`` (the same tables: nothing is computed twice).
    previous : the same targets for the previous year, when the data folder has that year (shown beside them).
    indicators : theme → the district's indicator table (:func:`danvan_analysis.scorecard.compute_plan_tables`),
        ``None`` for a theme without data.
    model : the factors of satisfaction, fitted on the whole province with a term per district (the shared results'
        model: a district alone has too few sampled communes), or the reason it could not be fitted.
    priorities : improvement priorities of the province and every district (domains of the full design).
    communes : one row per commune of the district: what each did of what the plan asks
        (:func:`danvan_analysis.indicators.units.tabulate_units`, from the same tables).
    """

    params: DistrictParams
    shared: SharedResults
    satisfaction: pd.DataFrame
    scorecard: Scorecard
    previous: Scorecard | None
    indicators: dict[str, IndicatorTable | None]
    model: ModelResult | str
    priorities: PriorityShares
    communes: pd.DataFrame | None = None

    @property
    def unit(self) -> Unit:
        """The district."""
        return self.params.district

    @property
    def satisfaction_threshold(self) -> float | None:
        """The plan's threshold for the overall satisfaction share (drawn on the figures)."""
        return self.params.plan.threshold("survey.overall")

    @property
    def lang(self) -> str:
        """The report language."""
        return self.params.lang


@dataclass(frozen=True)
class ProvinceView:
    """The results shown in the province report (see :class:`DistrictView`)."""

    params: ProvinceParams
    shared: SharedResults
    satisfaction: pd.DataFrame
    scorecard: Scorecard
    scorecards: ScorecardSet
    previous: Scorecard | None = None
    agencies: pd.DataFrame | None = None

    @property
    def lang(self) -> str:
        """The report language."""
        return self.params.lang

    @property
    def satisfaction_threshold(self) -> float | None:
        """The plan's threshold for the overall satisfaction share (drawn on the figures)."""
        return self.params.plan.threshold("survey.overall")


def build_district_view(params: DistrictParams) -> DistrictView:
    """Gather the results of a district report (shared results from the batch cache when given)."""

    from danvan_analysis.errors import ReportError
    from danvan_analysis.indicators.units import tabulate_units
    from danvan_analysis.reports.shared import load_shared_results
    from danvan_analysis.scorecard import score_targets

    shared = load_shared_results(params)
    code, year, period = params.district.code, params.year, params.period
    refuse_rejected(shared, (code, "?"), what=params.district.name)
    satisfaction = published_satisfaction(shared, min_n=params.suppression_threshold)
    this_year = satisfaction[satisfaction["year"] == year] if has_survey(params) else None
    bundle, plan = shared.bundle, params.plan
    tables = unit_tables(shared, params, code)
    if not shared.district_respondents(code, year=year):
        raise ReportError(
            f"The survey data in {params.data_dir} has no respondent of {params.district.name} ({code}) in {year}; "
            "the district's satisfaction section cannot be produced. Hint: check that district's survey file "
            "(`danvan validate survey <file>`) and that it was merged into survey.parquet/.csv."
        )
    model: ModelResult | str = shared.model if shared.model is not None else shared.model_error
    return DistrictView(
        params=params,
        shared=shared,
        satisfaction=satisfaction,
        scorecard=score_targets(
            bundle, year=year, district=code, satisfaction=this_year, plan=plan, tables=tables, period=period
        ),
        previous=previous_scorecard(shared, satisfaction, params=params, district=code),
        indicators=tables,
        model=model,
        priorities=shared.priorities,
        communes=_with_previous_satisfaction(
            _with_commune_satisfaction(
                tabulate_units(tables, kind="commune", district=code, boards=bundle.boards, year=year),
                shared.district_communes(code) if has_survey(params) else None,
                min_n=params.suppression_threshold,
            ),
            shared.district_communes(code, previous=True) if has_survey(params) else None,
            min_n=params.suppression_threshold,
        ),
    )


def build_province_view(params: ProvinceParams) -> ProvinceView:
    """Gather the results of the province report."""

    from danvan_analysis.indicators.units import tabulate_units
    from danvan_analysis.reports.shared import load_shared_results
    from danvan_analysis.scorecard import score_all_districts, score_targets
    from danvan_analysis.units import province_unit

    shared = load_shared_results(params)
    refuse_rejected(shared, None, what=province_unit().name)
    satisfaction = published_satisfaction(shared, min_n=params.suppression_threshold)
    this_year = satisfaction[satisfaction["year"] == params.year] if has_survey(params) else None
    common = {"year": params.year, "satisfaction": this_year, "plan": params.plan, "period": params.period}

    def tables_of(district: str | None) -> Any:  # each district's as its own report computed them in this batch
        return unit_tables(shared, params, district)

    tables = tables_of(None)
    agencies = tabulate_units(tables, kind="agency")
    agencies["tasks"] = [
        ", ".join(f"IV.{a.section}" for a in params.plan.assignments_of(code)) or "–" for code in agencies["unit_code"]
    ]
    return ProvinceView(
        params=params,
        shared=shared,
        satisfaction=satisfaction,
        scorecard=score_targets(shared.bundle, tables=tables, **common),
        scorecards=score_all_districts(shared.bundle, **common, tables=tables_of),
        previous=previous_scorecard(shared, satisfaction, params=params, district=None),
        agencies=agencies,
    )


@dataclass(frozen=True)
class AgencyView:
    """The results shown in an agency's report.

    Attributes
    ----------
    params : the validated parameters.
    shared : the batch-shared results (the data bundle).
    results : target code → ``True`` met, ``False`` not met, ``None`` no data: the plan's targets that concern an
        agency (its own plan, its People's Inspection Board, its reports), read from the province's theme tables.
    units : the agency's row of :func:`danvan_analysis.indicators.units.tabulate_units`.
    submissions : its reports of the year, period by period (:func:`danvan_analysis.indicators.tabulate_submissions`).
    tasks : the section IV assignments that name it.
    """

    params: AgencyParams
    shared: SharedResults
    results: dict[str, bool | None]
    units: pd.Series
    submissions: pd.DataFrame
    tasks: tuple[Any, ...]

    @property
    def unit(self) -> Unit:
        """The agency."""
        return self.params.agency

    @property
    def lang(self) -> str:
        """The report language."""
        return self.params.lang


def build_agency_view(params: AgencyParams) -> AgencyView:
    """Gather the results of an agency's report from the province's theme tables (nothing computed twice)."""
    import pandas as pd

    from danvan_analysis.indicators import tabulate_submissions
    from danvan_analysis.indicators.units import UNIT_CHECKS, tabulate_units
    from danvan_analysis.reports.shared import load_shared_results

    shared = load_shared_results(params)
    refuse_rejected(shared, ("", "?"), what=params.agency.name)
    bundle, plan, code = shared.bundle, params.plan, params.agency.code
    tables = unit_tables(shared, params, None)
    units = tabulate_units(tables, kind="agency").set_index("unit_code").loc[code]
    results: dict[str, bool | None] = {}
    for column, theme, indicator, kinds in UNIT_CHECKS:
        if "agency" not in kinds:
            continue
        for target in plan.targets:
            if any(c.measure == f"{theme}.{indicator}" for c in target.checks):
                value = units.get(column)
                results[target.code] = None if pd.isna(value) else bool(value)
    settings = plan.theme_settings(as_of=None if params.period is None else plan.deadline(params.period, params.year))[
        "submissions"
    ]
    frame = bundle.submissions
    detail = (
        tabulate_submissions(frame, year=params.year, settings=settings)
        if len(frame) and (frame["year"] == params.year).any()
        else pd.DataFrame(columns=["unit_code", "period", "deadline", "date_received", "status", "days_late"])
    )
    return AgencyView(
        params=params,
        shared=shared,
        results=results,
        units=units,
        submissions=detail[detail["unit_code"] == code].reset_index(drop=True),
        tasks=plan.assignments_of(code),
    )


def _with_commune_satisfaction(communes: pd.DataFrame, tidy: pd.DataFrame | None, *, min_n: int) -> pd.DataFrame:
    """Add each sampled commune's overall satisfaction (``tidy``: the district's commune indices from the shared
    results, villages as PSUs), suppressed below ``min_n`` respondents; a commune outside the sample shows none;
    ``None`` (the villages cannot carry the estimates, or no survey in the report) leaves the column out."""
    import pandas as pd

    from danvan_analysis import disclosure
    from danvan_analysis.survey import composite_parents

    if tidy is None:
        return communes
    # The composite and cross-commune rules too: the district's published figure and its other communes must not
    # give a withheld commune back.
    published = disclosure.suppress_survey_table(
        tidy, settings=disclosure.DisclosureSettings(min_n=min_n), parents=composite_parents()
    )
    overall = published[published["variable"] == "overall"]
    # ``suppressed`` and ``note`` go along (not shown): the Excel and Word copies say why a commune's cell is empty.
    shown = overall.rename(columns={"domain": "unit_code", "estimate": "satisfied"})
    shown = shown[["unit_code", "satisfied", "n", "suppressed", "note"]]
    merged = communes.merge(shown, on="unit_code", how="left")
    merged["n"] = pd.array(merged["n"], dtype="Int64")
    merged["suppressed"] = merged["suppressed"].fillna(False).astype(bool)
    merged["note"] = merged["note"].fillna("")
    return merged


def _with_previous_satisfaction(communes: pd.DataFrame, tidy: pd.DataFrame | None, *, min_n: int) -> pd.DataFrame:
    """Add the previous year's overall satisfaction of each commune on this year's map (``tidy``: the shared
    results' ``previous_communes``, 2023's communes merged as in 2024), withheld below ``min_n`` respondents as this
    year's are, and ``recomputed_from``: the old communes of a figure recomputed onto this year's map. ``None`` (no
    previous year on another map, or no survey in the report) leaves the table as it is."""
    if tidy is None:
        return communes
    previous = _with_commune_satisfaction(communes[["unit_code"]], tidy.drop(columns="recomputed_from"), min_n=min_n)
    merged = communes.merge(
        previous[["unit_code", "satisfied"]].rename(columns={"satisfied": "satisfied_previous"}),
        on="unit_code",
        how="left",
    )
    origin = tidy.drop_duplicates("domain").set_index("domain")["recomputed_from"]
    merged["recomputed_from"] = merged["unit_code"].map(origin).fillna("").astype("str")
    return merged


#: The value columns withheld in a comparison or a year-on-year change (the rest of the province, a difference and
#: its test all reveal the district's figure).
COMPARISON_VALUES = ("estimate", "estimate_rest", "difference", "se", "ci_low", "ci_high", "t", "p_value", "p_holm")
CHANGE_VALUES = ("estimate_from", "estimate_to", "change", "se", "ci_low", "ci_high", "t", "p_value", "p_holm")


def published_satisfaction(shared: SharedResults, *, min_n: int) -> pd.DataFrame:
    """Every year's SIPAS indices as a report may show them: small cells and what would give them back withheld
    (:func:`danvan_analysis.disclosure.suppress_survey_table`). Every figure, headline, table and chart of a
    report reads this table, never the raw estimates."""
    import pandas as pd

    from danvan_analysis import disclosure
    from danvan_analysis.survey import composite_parents

    tidy = pd.concat([r.tidy(year=y) for y, r in shared.indices.items()], ignore_index=True)
    rule = disclosure.DisclosureSettings(min_n=min_n)
    return disclosure.suppress_survey_table(tidy, settings=rule, parents=composite_parents())


def published_comparison(frame: pd.DataFrame, *, min_n: int, change: bool = False) -> pd.DataFrame:
    """A district-vs-rest comparison (or a year-on-year change) with the same rule: a row whose district cell is
    small, or whose composite has a withheld part, shows nothing; a lone withheld district takes a second one."""
    from danvan_analysis import disclosure
    from danvan_analysis.survey import composite_parents

    values = CHANGE_VALUES if change else COMPARISON_VALUES
    frame = frame.copy()
    if change:
        frame["n"] = frame[["n_from", "n_to"]].min(axis=1)
    rule = disclosure.DisclosureSettings(min_n=min_n, value_columns=values)
    keys = ("measure", "by", "district_code")
    return disclosure.suppress_survey_table(
        frame, settings=rule, parents=composite_parents(), group=keys, variable="code"
    )


def refuse_rejected(shared: SharedResults, districts: tuple[str, ...] | None, *, what: str) -> None:
    """Fail this report, and only this one, when rows it depends on were set aside for errors: ``districts`` are the
    ``rejected`` rows' districts that concern it (``None``: every row, the province report)."""
    from danvan_analysis.errors import SchemaError

    rejected = shared.bundle.rejected
    mine = rejected if districts is None else rejected[rejected["district_code"].isin(districts)]
    if mine.empty:
        return
    lines = [
        f"  - {r.file}, dòng {r.row}, cột {r.column}: giá trị {r.value!r}; cần {r.expected}"
        for r in mine.head(20).itertuples()
    ]
    more = f"\n  … và {len(mine) - 20} lỗi khác" if len(mine) > 20 else ""
    raise SchemaError(
        f"Không lập được báo cáo {what}: {len(mine)} lỗi trong số liệu của đơn vị này (các báo cáo khác vẫn được lập).\n"
        + "\n".join(lines)
        + more
        + "\nHint: sửa các ô trên rồi chạy lại `danvan reports` (chỉ các báo cáo bị ảnh hưởng được lập lại).",
        mine,
    )


def has_survey(params: DistrictParams | ProvinceParams | AgencyParams) -> bool:
    """Whether the report shows the survey: the survey is annual, so the whole-year evaluation and the year-end
    report (``Y``) do; the reports due 15/3, 15/6 and 15/9 carry report data only."""
    return params.period in (None, "Y")


def previous_scorecard(
    shared: SharedResults, satisfaction: pd.DataFrame, *, params: DistrictParams | ProvinceParams, district: str | None
) -> Any:
    """The unit's scorecard of the previous year, same plan and period, or ``None`` when the data lack that year."""
    from danvan_analysis.scorecard import score_targets

    year = shared.year - 1
    if year not in shared.bundle.years:
        return None
    last = satisfaction[satisfaction["year"] == year] if has_survey(params) else satisfaction.iloc[0:0]
    with on_map_of(year, params.period):
        return score_targets(
            shared.bundle,
            year=year,
            district=district,
            satisfaction=last if len(last) else None,
            plan=params.plan,
            period=params.period,
            tables=last_year_tables(shared, params, district),
        )


def last_year_tables(
    shared: SharedResults, params: DistrictParams | ProvinceParams, district: str | None
) -> dict[str, Any]:
    """A unit's plan tables of the year before the report's, on that year's map (:func:`on_map_of`), for its
    scorecard: of last year a report shows the scorecard's figures only, so only the themes the targets read
    (:func:`~danvan_analysis.scorecard.scored_themes`)."""
    from danvan_analysis.scorecard import scored_themes

    year = shared.year - 1
    with on_map_of(year, params.period):
        return unit_tables(shared, params, district, year=year, themes=scored_themes(params.plan))


def unit_tables(
    shared: SharedResults,
    params: DistrictParams | ProvinceParams | AgencyParams,
    district: str | None,
    *,
    year: int | None = None,
    themes: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """A unit's plan tables (``district=None``: the province's) of ``year`` (default: the report's), with the report's
    plan and period, through the batch's memory (:func:`danvan_analysis.reports.plan_tables.plan_tables`);
    ``themes``: only these themes' tables."""
    from danvan_analysis.reports.plan_tables import plan_tables

    return plan_tables(
        shared.bundle,
        year=params.year if year is None else year,
        district=district,
        plan=params.plan,
        period=params.period,
        shared_cache=params.shared_cache,
        themes=themes,
    )


@contextmanager
def on_map_of(year: int, period: str | None) -> Iterator[None]:
    """Use ``year``'s own map inside the block: the previous year's figures beside this year's (2023's 177 communes
    beside 2024's 172) count that year's communes; districts did not change."""
    from danvan_analysis.registers import register_for, register_of_year
    from danvan_analysis.units import using_register

    with using_register(register_of_year(year, period) or register_for(2023)):
        yield


def prepare_province_tables(params: ProvinceParams) -> None:
    """Compute the province's plan tables of the year and of the previous year into the batch's shared folder, where
    the province report (and every agency report) reads them: what :func:`build_province_view` would compute."""
    from danvan_analysis.reports.shared import load_shared_results

    shared = load_shared_results(params)
    unit_tables(shared, params, None)
    if shared.year - 1 in shared.bundle.years:
        last_year_tables(shared, params, None)  # what previous_scorecard reads


def headline_figures(view: DistrictView | ProvinceView) -> dict[str, Any]:
    """Targets met / scored and the overall satisfaction with its CI (for the index page and the title box)."""
    import pandas as pd

    summary = view.scorecard.summary()
    from danvan_analysis.units import province_code

    domain = view.unit.code if isinstance(view, DistrictView) else province_code()
    table = view.satisfaction
    row = table[(table["year"] == view.params.year) & (table["domain"] == domain) & (table["variable"] == "overall")]
    overall = row.iloc[0] if len(row) and has_survey(view.params) else None
    if overall is not None and pd.isna(overall["estimate"]):
        overall = None  # withheld by disclosure control: the index page shows no figure either
    return {
        "targets_met": int(summary.get("met", 0)),
        "targets_total": int(sum(summary.values())),
        "satisfaction": None if overall is None else round(float(overall["estimate"]), 6),
        "satisfaction_low": None if overall is None else round(float(overall["ci_low"]), 6),
        "satisfaction_high": None if overall is None else round(float(overall["ci_high"]), 6),
    }
