"""Survey-weighted models of satisfaction: logistic (odds ratios) and, optionally, proportional-odds ordinal.

Method
------
*Point estimates* maximise the weighted (pseudo-)log-likelihood ``sum_i w_i l_i(beta)`` (Binder 1983; Lumley &
Scott 2017, "Fitting regression models to survey data", *Statistical Science* 32(2)). For the logistic model this is
statsmodels' ``GLM(family=Binomial(), var_weights=w)``: ``var_weights`` (like R's prior weights, which
``survey::svyglm`` passes to ``glm``) multiply each observation's log-likelihood, so the estimating equations are
``sum_i w_i x_i (y_i - mu_i) = 0``. ``freq_weights`` give the same point estimates but treat the weights as counts
of independent cases in the model's own variance and df, which is not the design's; we use neither variance.

*Standard errors* are design-based (the sandwich of Binder 1983, as ``svyglm``): with ``A = sum_i w_i mu_i (1 - mu_i)
x_i x_i'`` and ``u_i = A^{-1} w_i x_i (y_i - mu_i)``, ``V = sum_h (1-f_h) n_h/(n_h-1) sum_j (U_hj - Ubar_h)(...)'``
over PSU totals ``U_hj`` of ``u_i``: the cluster-robust covariance by PSU, stratified, with the design's fpc and
single-PSU policy. Respondents outside the model (outcome or a predictor missing, or outside ``domain``) contribute
zero, the full design is kept (domain estimation). Wald t-tests use ``df = design df - p + 1`` (R ``svyglm``'s
residual df), the design df being R's ``degf`` of the design subset to the model's respondents: the PSUs minus the
strata that hold them. With ``df <= 0`` (a domain in a handful of PSUs) the odds ratios are reported without
tests or intervals, with a caveat.

*Computation.* The predictors are categorical, so the logistic model is fitted on cells of respondents sharing
their covariates and outcome, each with its summed weight, and the PSU totals of the scores are summed cell by cell
within each PSU: the same estimating equations and the same sandwich as respondent by respondent (the
log-likelihood, score and information are sums of terms equal within a cell), at the cost of a few thousand cells
whatever the survey's size. Tested equal to the per-respondent computation to 1e-10.

*Outcome.* "Satisfied with the service aspect" = the respondent's mean rating over the items of that aspect that
they answered (1-5; 9 and missing left out) is at least the rule's threshold (4). A respondent who answered none
is out of the model. The ordinal model's outcome is the respondent's mean rating over all answered items, rounded
half up to 1-5.

*Domains* (a district, women, ...). ``domain=`` fits the model for a subpopulation **of the full design**, as R's
``svyglm(design = subset(d, ...))`` and svy's ``glm.fit(where=...)``: respondents outside the domain get zero
weight in the estimating equations (their scores are 0), but every PSU and stratum of the design stays in the
variance (the domain rule of :mod:`danvan_analysis.survey.estimate`). Cutting the data to the domain instead drops
the PSUs without domain members, so its strata count too few PSUs and the variance is wrong. The degrees of freedom
follow R's ``degf`` of the subset design: the PSUs minus the strata that hold respondents in the model, less
``p - 1``.

*Predictors with a single category* among the respondents in the model (area in a wholly rural district, say)
carry no information: they are left out of the model with a numbered caveat. Only when no predictor is left, or
there are too few cases, is the model refused.

*Ordinal model.* statsmodels' ``OrderedModel`` has no weights, so it is fitted here with the weighted
log-likelihood (a subclass whose ``loglike`` weights ``loglikeobs``) and the same design-based sandwich, with
numerical per-respondent scores and Hessian. Coefficients are log cumulative odds of a *higher* rating.

Failures (too few cases, no predictor with two categories, complete or quasi-complete separation, no convergence)
raise :class:`~danvan_analysis.errors.EstimationError` with the reason; statsmodels warnings never leak.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from danvan_analysis.errors import EstimationError, ParameterError, SchemaError
from danvan_analysis.survey._linearise import dense_psu_totals, psu_covariance
from danvan_analysis.survey.design import CompiledDesign, SurveyDesign, compile_design
from danvan_analysis.survey.estimate import t_quantile, t_sf
from danvan_analysis.survey.results import Caveat, ModelResult
from danvan_analysis.survey.sipas import IndexRule, sipas_items

_T = TypeVar("_T")

#: A model domain: ``(column, value)`` (e.g. ``("district_code", "164")``) or a boolean mask aligned with the data
#: (``<NA>`` counts as outside); ``None`` = the whole population.
Domain = tuple[str, object] | pd.Series | np.ndarray | None

#: Predictors of the satisfaction models, in the order reported.
SATISFACTION_PREDICTORS: tuple[str, ...] = ("sex", "age_group", "ethnicity", "area", "channel", "education")


@dataclass(frozen=True)
class ModelSettings:
    """Settings of the survey-weighted models.

    Parameters
    ----------
    alpha
        1 - confidence level of the odds-ratio intervals.
    min_events_per_parameter
        Refuse a logistic model with fewer events (or non-events, whichever is rarer) per coefficient than this
        (Peduzzi et al. 1996 suggest 10).
    tol, maxiter
        Convergence tolerance and iteration limit of the fit.
    """

    alpha: float = 0.05
    min_events_per_parameter: float = 10.0
    tol: float = 1e-10
    maxiter: int = 200

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1 or self.min_events_per_parameter < 0 or self.tol <= 0 or self.maxiter < 1:
            raise ParameterError(
                f"ModelSettings({self.alpha!r}, {self.min_events_per_parameter!r}, {self.tol!r}, {self.maxiter!r}): "
                "expected 0 < alpha < 1, min_events_per_parameter >= 0, tol > 0 and maxiter >= 1."
            )


def satisfaction_outcome(data: pd.DataFrame, *, aspect: str = "service", rule: IndexRule | None = None) -> pd.Series:
    """Return each respondent's "satisfied with ``aspect``" flag (nullable boolean; ``<NA>`` = answered none).

    Satisfied = mean rating over the aspect's items the respondent answered (1-5; 9 and missing left out) at least
    ``rule.threshold``. ``aspect="overall"`` uses all 33 items.
    """
    rule = rule or IndexRule()
    mean = _mean_rating(data, aspect=aspect, rule=rule)
    missing = np.isnan(mean)
    return pd.Series(
        pd.arrays.BooleanArray(np.where(missing, False, mean >= rule.threshold), missing),
        index=data.index,
        name=f"satisfied_{aspect}",
    )


def fit_satisfaction_model(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    aspect: str = "service",
    predictors: Sequence[str] = SATISFACTION_PREDICTORS,
    references: Mapping[str, str] | None = None,
    domain: Domain = None,
    rule: IndexRule | None = None,
    settings: ModelSettings | None = None,
) -> ModelResult:
    """Fit a survey-weighted logistic model of satisfaction; return odds ratios with design-based CIs.

    Parameters
    ----------
    data
        Survey data with the items, the predictors and the design columns.
    design
        The survey design (PSU-clustered, stratified SEs come from it).
    aspect
        ``"service"`` (default), ``"policy"`` or ``"overall"``: which items define satisfaction.
    predictors
        Categorical predictor columns, dummy-coded against a reference level.
    references
        Reference level per predictor; default the first level of the vocabulary present in the data
        (male, 18-29, kinh, urban, in_person, primary).
    domain
        Fit the model for a subpopulation of the full design: ``(column, value)``, e.g.
        ``("district_code", "164")``, or a boolean mask aligned with ``data``. Pass the whole survey (one year),
        not the domain's rows: rows outside the domain get zero weight but keep the design's PSUs and strata in
        the variance (see the module docstring). ``None``: everybody.
    rule
        The threshold (default 4) defining "satisfied".
    settings
        Confidence level, minimum events per parameter, convergence.

    Returns
    -------
    ModelResult
        Columns ``term``, ``predictor``, ``level``, ``reference``, ``coef`` (log-odds), ``se``, ``odds_ratio``,
        ``ci_low``, ``ci_high`` (odds-ratio scale), ``t``, ``df``, ``p_value``. Predictors with a single category
        in the model are left out, each with a caveat.

    Raises
    ------
    EstimationError
        No respondent in the domain, too few cases, no predictor with two categories, separation, or no
        convergence.

    Examples
    --------
    >>> fit_satisfaction_model(survey_2023, SurveyDesign(), domain=("district_code", "164"))  # doctest: +SKIP
    """
    settings = settings or ModelSettings()
    rule = rule or IndexRule()
    compiled = compile_design(data, design)
    inside, where = _domain_mask(data, domain)
    y = satisfaction_outcome(data, aspect=aspect, rule=rule)
    coded = _code_predictors(data, predictors, references, outcome=y, inside=inside)
    rows = coded.rows
    yv = y.to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    cells = _collapse(coded, yv, compiled)
    x = cells.x
    events = int(yv.sum())
    rarer = min(events, len(yv) - events)
    needed = settings.min_events_per_parameter * (x.shape[1] - 1)
    if rarer < needed:
        scope = f" in the domain {where}" if where else ""
        raise EstimationError(
            f"Too few cases for the satisfaction model{scope}: {len(yv)} respondents, {events} satisfied, "
            f"{len(yv) - events} not; the rarer outcome has {rarer} cases but {x.shape[1] - 1} coefficients need "
            f"at least {needed:.0f} ({settings.min_events_per_parameter:g} per coefficient). Hint: use fewer "
            "predictors or a larger domain."
        )
    _check_separation(x, cells.y, cells.count, coded.terms)
    # One row per cell of respondents with the same covariates and outcome, with their summed weight (_collapse).
    beta = _fit_logistic(
        x, cells.y, cells.weight / compiled.weights[rows].mean(), tol=settings.tol, maxiter=settings.maxiter
    )
    mu = 1 / (1 + np.exp(-(x @ beta)))
    bread = (x * (cells.weight * mu * (1 - mu))[:, None]).T @ x
    if compiled.calibration is None:
        # The PSU (and SSU) totals of the scores w_i x_i (y_i - mu_i), summed per cell within each cluster.
        residual = cells.cluster_weight * (cells.y - mu)[cells.cluster_cell]
        scores = x[cells.cluster_cell] * residual[:, None]
        cov = _sandwich(scores, bread, compiled, rows=rows, psu=cells.cluster_psu, ssu=cells.cluster_ssu)
    else:
        # The calibration residual is taken respondent by respondent, so it needs each respondent's score.
        scores = coded.matrix() * (compiled.weights[rows] * (yv - mu[cells.cell_of_row]))[:, None]
        cov = _sandwich(scores, bread, compiled, rows=rows)
    terms = coded.terms
    dropped = coded.dropped
    design_df = _active_df(rows, compiled)
    df = design_df - x.shape[1] + 1
    table = _coefficient_table(terms, beta, cov, df, settings.alpha)
    caveats = _model_caveats(compiled, df, design_df=design_df, n_coef=x.shape[1], dropped=dropped, where=where)
    outcome = (
        f"satisfied with the {aspect} aspect: mean rating over the answered {aspect} items >= {rule.threshold} "
        "(9 and missing left out)"
    )
    scope = f", domain {where}" if where else ""
    level = f"{1 - settings.alpha:.0%}"
    return ModelResult(
        title=f"Survey-weighted logistic model{scope}, {outcome} (odds ratios, design-based {level} CI)",
        _table=table,
        caveats=caveats,
        outcome=outcome,
        n=len(yv),
        domain=where,
        covariance=_as_rows(cov),
    )


def fit_ordinal_model(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    predictors: Sequence[str] = SATISFACTION_PREDICTORS,
    references: Mapping[str, str] | None = None,
    domain: Domain = None,
    rule: IndexRule | None = None,
    distr: Literal["logit", "probit"] = "logit",
    settings: ModelSettings | None = None,
) -> ModelResult:
    """Fit a survey-weighted proportional-odds model of the respondent's overall rating (1-5).

    Outcome: the mean of the respondent's answered ratings over all items, rounded half up. Coefficients are log
    cumulative odds of a higher rating; ``odds_ratio`` > 1 means higher ratings than the reference group. Weights
    enter the pseudo-log-likelihood (statsmodels' ``OrderedModel`` has none of its own) and SEs are design-based.

    ``domain`` restricts the model to a subpopulation of the full design, and predictors with a single category
    are left out with a caveat, as in :func:`fit_satisfaction_model`.

    Raises
    ------
    EstimationError
        Fewer than 3 observed rating categories, no predictor with two categories, or no convergence.
    """
    settings = settings or ModelSettings()
    rule = rule or IndexRule()
    compiled = compile_design(data, design)
    inside, where = _domain_mask(data, domain)
    mean = _mean_rating(data, aspect="overall", rule=rule)
    rating = pd.Series(np.where(np.isnan(mean), np.nan, np.floor(mean + 0.5)), index=data.index)
    x, terms, rows, dropped = _design_matrix(
        data, predictors, references, outcome=rating, intercept=False, inside=inside
    )
    yv = rating.to_numpy()[rows].astype(int)
    categories = np.unique(yv)
    if len(categories) < 3:
        raise EstimationError(
            f"The ordinal model needs at least 3 observed rating categories; the data have {categories.tolist()}. "
            "Hint: use fit_satisfaction_model (binary) instead."
        )
    endog = pd.Series(pd.Categorical(yv, categories=categories, ordered=True))
    w = compiled.weights[rows]
    w = w / w.mean()
    model = _weighted_ordered_model()(endog, x, distr=distr)
    model.case_weights = w
    fit = _quietly(
        lambda: model.fit(method="bfgs", maxiter=settings.maxiter * 5, disp=False, gtol=1e-8), what="ordinal model"
    )
    if not fit.mle_retvals.get("converged", True):
        raise EstimationError(
            "The ordinal model did not converge. Hint: merge sparse categories or raise ModelSettings(maxiter=...)."
        )
    params = np.asarray(fit.params)
    from statsmodels.tools.numdiff import approx_fprime

    scores = approx_fprime(params, lambda p: w * model.loglikeobs(p), centered=True)
    bread = -model.hessian(params)
    cov = _sandwich(scores, bread, compiled, rows=rows)
    k = x.shape[1]
    design_df = _active_df(rows, compiled)
    df = design_df - len(params) + 1
    table = _coefficient_table(terms, params[:k], cov[:k, :k], df, settings.alpha)
    scope = f", domain {where}" if where else ""
    return ModelResult(
        title=f"Survey-weighted ordinal ({distr}) model of the overall rating{scope} (cumulative odds ratios)",
        _table=table,
        caveats=_model_caveats(compiled, df, design_df=design_df, n_coef=len(params), dropped=dropped, where=where),
        outcome="overall rating: mean of the answered items (1-5, 9 and missing left out), rounded half up",
        n=len(yv),
        domain=where,
        covariance=_as_rows(cov[:k, :k]),
    )


@cache
def _weighted_ordered_model() -> type:
    """The ``OrderedModel`` subclass maximising ``sum_i w_i l_i`` (built on first use: statsmodels imports slowly)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class WeightedOrderedModel(OrderedModel):
        """``OrderedModel`` maximising the weighted pseudo-log-likelihood ``sum_i w_i l_i`` (``case_weights``)."""

        case_weights: np.ndarray

        def loglike(self, params: np.ndarray) -> float:
            return float(np.sum(self.case_weights * self.loglikeobs(params)))

    return WeightedOrderedModel


def _mean_rating(data: pd.DataFrame, *, aspect: str, rule: IndexRule) -> np.ndarray:
    items = sipas_items()
    if aspect != "overall" and aspect not in set(items["aspect"]):
        raise ParameterError(f"aspect={aspect!r}: expected one of {sorted(set(items['aspect']))} or 'overall'.")
    codes = items["item"].tolist() if aspect == "overall" else items.loc[items["aspect"] == aspect, "item"].tolist()
    missing = [c for c in codes if c not in data.columns]
    if missing:
        raise SchemaError(f"The survey data lack the item column(s) {missing} needed for the {aspect} outcome.")
    total = np.zeros(len(data))
    count = np.zeros(len(data))
    for code in codes:
        v = data[code].to_numpy(dtype=np.float64, na_value=np.nan)
        ok = (v >= rule.scale_min) & (v <= rule.scale_max)
        total += np.where(ok, v, 0.0)
        count += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


@dataclass(frozen=True, eq=False)
class _CodedPredictors:
    """The complete cases in the domain, each predictor as integer level codes (internal).

    ``rows``: the rows of ``data`` in the model; ``predictors``: per predictor kept, ``(name, codes, levels,
    reference)`` with ``codes[i]`` the position in ``levels`` (present levels, in vocabulary order) of row
    ``rows[i]``; ``terms``: (term, predictor, level, reference) with the intercept first when asked; ``dropped``:
    predictors left out because a single category is present among ``rows``, with that category.
    """

    rows: np.ndarray
    predictors: list[tuple[str, np.ndarray, list[str], str]]
    terms: list[tuple[str, str, str, str]]
    dropped: list[tuple[str, str]]
    intercept: bool

    def matrix(self, which: np.ndarray | None = None) -> np.ndarray:
        """The dummy-coded design matrix of the model's rows (or of the positions ``which`` among them)."""
        n = self.rows.size if which is None else which.size
        columns = [np.ones(n)] if self.intercept else []
        for _, codes, levels, reference in self.predictors:
            picked = codes if which is None else codes[which]
            columns.extend((picked == k).astype(np.float64) for k, lv in enumerate(levels) if lv != reference)
        return np.column_stack(columns)


def _code_predictors(
    data: pd.DataFrame,
    predictors: Sequence[str],
    references: Mapping[str, str] | None,
    *,
    outcome: pd.Series,
    inside: np.ndarray,
    intercept: bool = True,
) -> _CodedPredictors:
    """Code the predictors of the complete cases in the domain ``inside`` (see :class:`_CodedPredictors`).

    A level is the text of the value (``str``), as the terms show it; the levels present are ordered as the
    predictor's closed set declares them, other values after them in sorted order.
    """
    from danvan_analysis.schemas import column_vocabs  # lazy: the survey package imports light

    vocabs = column_vocabs()  # a predictor's categories in the order its closed set declares them
    missing = [c for c in predictors if c not in data.columns]
    if missing:
        raise SchemaError(f"The survey data lack the predictor column(s) {missing}.")
    references = dict(references or {})
    unknown = [p for p in references if p not in predictors]
    if unknown:
        raise ParameterError(f"references names {unknown}, which are not among the predictors {list(predictors)}.")
    complete = outcome.notna().to_numpy() & inside
    for p in predictors:
        complete &= data[p].notna().to_numpy()
    rows = np.flatnonzero(complete)
    if rows.size == 0:
        raise EstimationError("No respondent has the outcome and every predictor: the model has no cases.")
    coded: list[tuple[str, np.ndarray, list[str], str]] = []
    terms = [("(Intercept)", "", "", "")] if intercept else []
    dropped: list[tuple[str, str]] = []
    for p in predictors:
        codes, labels = _level_codes(data[p], rows)
        found = {labels[k] for k in np.flatnonzero(np.bincount(codes, minlength=len(labels)))}
        order = vocabs[p].codes() if p in vocabs else sorted(found)
        present = [lv for lv in order if lv in found] + sorted(found - set(order))
        if len(present) < 2:
            # A constant predictor carries no information (its dummy would be collinear with the intercept).
            dropped.append((p, present[0]))
            continue
        reference = references.get(p, present[0])
        if reference not in present:
            raise EstimationError(
                f"Reference level {reference!r} of predictor {p!r} has no cases in the model; present: {present}."
            )
        position = {lv: k for k, lv in enumerate(present)}
        remap = np.array([position.get(lv, -1) for lv in labels], dtype=_code_type(len(present)))
        coded.append((p, remap[codes], present, reference))
        terms.extend((f"{p}[{lv}]", p, lv, reference) for lv in present if lv != reference)
    if len(dropped) == len(predictors):
        shown = ", ".join(f"{p} = {level!r}" for p, level in dropped)
        raise EstimationError(
            f"No predictor has two categories among the {rows.size} respondents in the model ({shown}): there is "
            "nothing to estimate. Hint: choose predictors that vary in the domain, or a larger domain."
        )
    return _CodedPredictors(rows=rows, predictors=coded, terms=terms, dropped=dropped, intercept=intercept)


def _level_codes(column: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes of ``column`` at ``rows`` (no missing value there) into its distinct values as text.

    Factorising the column (or reading a categorical's codes) and turning only the distinct values into text gives
    the levels ``str(value)`` of every row without a Python object per row. The codes are of the smallest integer
    type that holds them (:func:`_code_type`).
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()[rows]
        values = list(column.cat.categories)
    else:
        all_codes, uniques = pd.factorize(column, use_na_sentinel=True)
        codes = all_codes[rows]
        values = list(uniques)
    texts = [str(v) for v in values]
    # Two values with the same text (1 and "1" in an object column) are one level, as their text is.
    merged, labels = pd.factorize(np.array(texts, dtype=object))
    return merged.astype(_code_type(len(labels)))[codes], [str(t) for t in labels]


def _code_type(levels: int) -> type[np.signedinteger]:
    """The smallest signed integer type holding the codes of ``levels`` levels and -1: a predictor of a million rows
    takes 1 MB as ``int8``, 8 MB as ``int64``, and the model codes eight of them (the fit's peak memory)."""
    for kind in (np.int8, np.int16, np.int32):
        if levels <= np.iinfo(kind).max:
            return kind
    return np.int64


def _design_matrix(
    data: pd.DataFrame,
    predictors: Sequence[str],
    references: Mapping[str, str] | None,
    *,
    outcome: pd.Series,
    intercept: bool,
    inside: np.ndarray,
) -> tuple[np.ndarray, list[tuple[str, str, str, str]], np.ndarray, list[tuple[str, str]]]:
    """Dummy-coded matrix of the complete cases in the domain ``inside``.

    Returns the matrix, the terms (term, predictor, level, reference), the rows of ``data`` in the model, and the
    predictors left out because a single category is present among those rows, with that category.
    """
    coded = _code_predictors(data, predictors, references, outcome=outcome, inside=inside, intercept=intercept)
    return coded.matrix(), coded.terms, coded.rows, coded.dropped


@dataclass(frozen=True, eq=False)
class _Cells:
    """The model's respondents collapsed into cells of one covariate pattern and outcome (internal).

    Per cell: ``x`` (its row of the design matrix), ``y`` (0 or 1), ``weight`` (summed weights), ``count``
    (respondents); ``cell_of_row`` gives the cell of each model row. Per cluster cell (a cell within a PSU, and
    within an SSU when the design has a second stage): ``cluster_cell``, ``cluster_psu``, ``cluster_ssu`` (or
    ``None``) and ``cluster_weight`` (summed weights).
    """

    x: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    count: np.ndarray
    cell_of_row: np.ndarray
    cluster_cell: np.ndarray
    cluster_psu: np.ndarray
    cluster_ssu: np.ndarray | None
    cluster_weight: np.ndarray


def _collapse(coded: _CodedPredictors, y: np.ndarray, compiled: CompiledDesign) -> _Cells:
    """Collapse the model's rows into cells of identical covariate pattern and outcome (sufficient statistics).

    The predictors are categorical, so many respondents share a row ``x_c`` of the design matrix, their outcome
    ``y_c`` and their fitted ``mu_c``. The weighted log-likelihood, its score ``sum_i w_i x_i (y_i - mu_i)`` and its
    information ``sum_i w_i mu_i (1 - mu_i) x_i x_i'`` are then, cell by cell, those of one row with the summed
    weight ``W_c``: the fit on the cells is the fit on the respondents, iteration by iteration (the cells keep the
    0/1 outcome, so statsmodels' start and its perfect-prediction check see what the respondents would give). The
    sandwich's meat needs the PSU totals of the scores: per cell within a PSU (and SSU) they are
    ``x_c W (y_c - mu_c)`` with that cluster cell's summed weight ``W``. Equality with the fit on every respondent
    is tested in ``tests/survey``; at 1M respondents the fit works on a few thousand cells.
    """
    rows = coded.rows
    parts = [(codes, len(levels)) for _, codes, levels, _ in coded.predictors]
    cell_of_row, first = _groups(_combine([*parts, (y.astype(np.int8), 2)]))
    n_cells = first.size
    weights = compiled.weights[rows]
    psu = compiled.psu_index[rows]
    clusters = [(cell_of_row, n_cells), (psu, compiled.n_psus)]
    if compiled.stage2 is not None:
        clusters.append((compiled.stage2.psu_index[rows], compiled.stage2.n_psus))
    cluster_of_row, cluster_first = _groups(_combine(clusters))
    return _Cells(
        x=coded.matrix(first),
        y=y[first],
        weight=np.bincount(cell_of_row, weights=weights, minlength=n_cells),
        count=np.bincount(cell_of_row, minlength=n_cells),
        cell_of_row=cell_of_row,
        cluster_cell=cell_of_row[cluster_first],
        cluster_psu=psu[cluster_first],
        cluster_ssu=None if compiled.stage2 is None else compiled.stage2.psu_index[rows][cluster_first],
        cluster_weight=np.bincount(cluster_of_row, weights=weights, minlength=cluster_first.size),
    )


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct values of ``key`` in order of first appearance: (group of each row, first row of each).

    Hashing, not sorting: a new group's number is one more than every number before it, so the rows where the
    running maximum rises are the first rows of the groups, in order.
    """
    # A small first hash table, grown as groups are found: pandas sizes it for one group a row otherwise (~40 MB at a
    # million rows, for a few thousand cells).
    group, _ = pd.factorize(key, size_hint=1024)
    peak = np.maximum.accumulate(group)
    first = np.flatnonzero(np.concatenate(([True], peak[1:] != peak[:-1])))
    return group.astype(np.int64, copy=False), first


def _combine(parts: Sequence[tuple[np.ndarray, int]]) -> np.ndarray:
    """One int64 key per row from several integer codes ``(codes, number of codes)`` (mixed radix)."""
    key = np.zeros(parts[0][0].size, dtype=np.int64)
    span = 1
    for codes, size in parts:
        if span * size >= 2**62:  # keep the key inside int64: renumber the combinations found so far
            key, uniques = pd.factorize(key, sort=True)
            key, span = key.astype(np.int64), len(uniques)
        key *= size  # in place: no new million-row array per part
        key += codes
        span *= size
    return key


def _domain_mask(data: pd.DataFrame, domain: Domain) -> tuple[np.ndarray, str]:
    """The rows of ``data`` in ``domain`` (boolean array) and a label of the domain (``""`` for everybody)."""
    n = len(data)
    if domain is None:
        return np.ones(n, dtype=bool), ""
    if isinstance(domain, tuple):
        if len(domain) != 2 or not isinstance(domain[0], str):
            raise ParameterError(
                f"domain={domain!r}: expected (column, value), e.g. ('district_code', '164'), or a boolean mask."
            )
        column, value = domain
        if column not in data.columns:
            raise SchemaError(
                f"The domain column {column!r} is not in the survey data; available: {list(data.columns)[:15]}..."
            )
        # Compare as text: district and commune codes are strings, and ("year", 2023) should work on any dtype.
        inside = (data[column].astype("string") == str(value)).fillna(False).to_numpy(dtype=bool)
        label = f"{column} = {value}"
    else:
        if isinstance(domain, pd.Series):
            if not domain.index.equals(data.index):
                raise ParameterError(
                    "domain: the boolean mask's index differs from the survey data's index. Hint: build it from the "
                    "same frame, e.g. domain=survey['sex'] == 'female'."
                )
            values = domain.array
        else:
            values = np.asarray(domain)
        if len(values) != n or not pd.api.types.is_bool_dtype(getattr(values, "dtype", None)):
            raise ParameterError(
                f"domain: expected (column, value) or a boolean mask of {n} rows; got {type(domain).__name__} of "
                f"{len(values)} values with dtype {getattr(values, 'dtype', None)}."
            )
        inside = pd.array(values, dtype="boolean").fillna(False).to_numpy(dtype=bool)
        label = f"the selected rows ({int(inside.sum())} respondents)"
    if not inside.any():
        raise EstimationError(
            f"The domain {label} holds no respondent of the {n} in the survey data, so no model can be fitted. "
            "Hint: check the code and that the data are the whole survey of the year."
        )
    return inside, label


def _fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, tol: float, maxiter: int) -> np.ndarray:
    """The coefficients maximising ``sum_i w_i l_i(beta)`` of a logistic model: iteratively reweighted least squares.

    The algorithm and its stopping rule are those of statsmodels' ``GLM(family=Binomial(), var_weights=w).fit(tol,
    maxiter)`` (its start ``mu = (y + 1/2) / 2``, a weighted least-squares step per iteration, convergence when the
    deviance changes by at most ``tol``, a perfect prediction refused), written out here because importing
    statsmodels' GLM imports ``scipy.stats``: about 1 s of the batch's shared step, which every report waits for.
    The tests compare the fit with statsmodels' and with svy's to 1e-8 or better.

    Raises
    ------
    EstimationError
        Perfect separation (the fitted probabilities reproduce every outcome), or no convergence in ``maxiter``.
    """
    eps = np.finfo(float).eps  # statsmodels' logit link clips probabilities to [eps, 1 - eps]
    mu = (y + 0.5) / 2
    eta = np.log(mu / (1 - mu))
    deviance = np.inf
    for _ in range(maxiter):
        variance = mu * (1 - mu)
        root = np.sqrt(w * variance)
        working = eta + (y - mu) / variance
        beta = np.linalg.lstsq(x * root[:, None], working * root, rcond=None)[0]
        eta = x @ beta
        with np.errstate(over="ignore"):
            mu = np.clip(1 / (1 + np.exp(-eta)), eps, 1 - eps)
        if np.allclose(mu - y, 0):
            raise EstimationError(
                "The logistic model shows perfect separation (a combination of predictors predicts the outcome "
                "exactly). Hint: merge sparse categories."
            )
        previous, deviance = deviance, -2 * float(np.sum(w * np.where(y == 1, np.log(mu), np.log1p(-mu))))
        if abs(deviance - previous) <= tol:
            return beta
    raise EstimationError(
        f"The logistic model did not converge in {maxiter} iterations. Hint: check for sparse "
        "categories (merge them) or raise ModelSettings(maxiter=...)."
    )


def _active_df(rows: np.ndarray, compiled: CompiledDesign) -> int:
    """PSUs minus strata holding respondents in the model: R's ``degf`` of the design subset to the model's rows."""
    psus = np.unique(compiled.psu_index[rows])
    return int(len(psus) - len(np.unique(compiled.psu_stratum[psus])))


def _check_separation(x: np.ndarray, y: np.ndarray, count: np.ndarray, terms: list[tuple[str, str, str, str]]) -> None:
    """Refuse a dummy whose cases are all satisfied or all not (quasi-complete separation).

    ``x`` and ``y`` have one row per cell of ``count`` respondents with those covariates and that outcome.
    """
    for j, (term, predictor, level, _) in enumerate(terms):
        if not predictor:
            continue
        inside = x[:, j] == 1
        cases = int(count[inside].sum())
        satisfied = int(count[inside & (y == 1)].sum())
        if satisfied in (0, cases):
            state = "satisfied" if satisfied == cases else "not satisfied"
            raise EstimationError(
                f"Separation: every one of the {cases} respondents with {predictor} = {level!r} is "
                f"{state}, so the odds ratio of {term} is infinite. Hint: merge {level!r} with a neighbouring "
                "category or drop the predictor."
            )


def _quietly(fit: Callable[[], _T], *, what: str) -> _T:
    """Run a statsmodels fit turning its separation/convergence warnings into :class:`EstimationError`."""
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return fit()
        except (PerfectSeparationWarning, PerfectSeparationError) as err:
            raise EstimationError(
                f"The {what} shows perfect separation (a combination of predictors predicts the outcome exactly): "
                f"{err}. Hint: merge sparse categories."
            ) from err
        except (ConvergenceWarning, HessianInversionWarning) as err:
            raise EstimationError(f"The {what} did not converge: {err}. Hint: merge sparse categories.") from err
        except np.linalg.LinAlgError as err:
            raise EstimationError(
                f"The {what} cannot be fitted: its predictors are collinear ({err}). Hint: drop a predictor."
            ) from err


def _sandwich(
    scores: np.ndarray,
    bread: np.ndarray,
    compiled: CompiledDesign,
    *,
    rows: np.ndarray,
    psu: np.ndarray | None = None,
    ssu: np.ndarray | None = None,
) -> np.ndarray:
    """Design-based covariance ``A^{-1} V(sum u) A^{-1}``.

    ``scores`` are the per-respondent scores of the model's ``rows``, or, given ``psu`` (and ``ssu`` for a design
    with a second stage), sums of scores within cells that each lie in one PSU (SSU), with the cell's codes.
    """
    try:
        inverse = np.linalg.inv(bread)
    except np.linalg.LinAlgError as err:
        raise EstimationError(f"The model's information matrix is singular ({err}). Hint: drop a predictor.") from err
    if psu is not None:
        assert compiled.calibration is None  # the calibration residual needs each respondent's influence
        influence = scores @ inverse
        cov = psu_covariance(_sum_rows(influence, psu, compiled.n_psus), compiled)
        if compiled.stage2 is not None:
            cov = cov + psu_covariance(_sum_rows(influence, ssu, compiled.stage2.n_psus), compiled.stage2)
        return cov
    influence = np.zeros((compiled.n_rows, scores.shape[1]))
    influence[rows] = scores @ inverse
    if compiled.calibration is not None:
        # Calibrated weights: the influence's residual on the calibration margins (R's svyrecvar on a calibrated design).
        influence = compiled.calibration.residualise(influence, compiled.weights)
    cov = psu_covariance(dense_psu_totals(influence, compiled), compiled)
    if compiled.stage2 is not None:
        # The second-stage term of a design with ssu_fpc (see survey.design): SSUs within PSUs, times f_h.
        cov = cov + psu_covariance(dense_psu_totals(influence, compiled.stage2), compiled.stage2)
    return cov


def _sum_rows(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum rows of ``values`` (n x k) by ``group`` codes into (n_groups x k)."""
    out = np.zeros((n_groups, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(group, weights=values[:, j], minlength=n_groups)
    return out


def _as_rows(matrix: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in matrix)


def _coefficient_table(
    terms: list[tuple[str, str, str, str]], beta: np.ndarray, cov: np.ndarray, df: int, alpha: float
) -> pd.DataFrame:
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta / se
        crit = t_quantile(1 - alpha / 2, df) if df > 0 else np.nan
        p = 2 * t_sf(np.abs(t), df) if df > 0 else np.full(len(beta), np.nan)
    return pd.DataFrame(
        {
            "term": pd.array([t_[0] for t_ in terms], dtype="string"),
            "predictor": pd.array([t_[1] for t_ in terms], dtype="string"),
            "level": pd.array([t_[2] for t_ in terms], dtype="string"),
            "reference": pd.array([t_[3] for t_ in terms], dtype="string"),
            "coef": beta,
            "se": se,
            "odds_ratio": np.exp(beta),
            "ci_low": np.exp(beta - crit * se),
            "ci_high": np.exp(beta + crit * se),
            "t": t,
            "df": np.full(len(beta), max(df, 0), dtype="int64"),
            "p_value": p,
        }
    )


def _model_caveats(
    compiled: CompiledDesign,
    df: int,
    *,
    design_df: int,
    n_coef: int,
    dropped: Sequence[tuple[str, str]],
    where: str,
) -> tuple[Caveat, ...]:
    caveats = []
    scope_en = f" in the domain {where}" if where else ""
    scope_vi = f" trong nhóm {where}" if where else ""
    for predictor, level in dropped:
        caveats.append(
            Caveat(
                "dropped_predictor",
                f"Predictor {predictor!r} has a single category ({level!r}) among the respondents in the model"
                f"{scope_en}, so it was left out of the model.",
                f"Biến {predictor!r} chỉ có một nhóm ({level!r}) trong số người trả lời đưa vào mô hình{scope_vi}, "
                "nên được bỏ khỏi mô hình.",
            )
        )
    if compiled.single_psu_strata:
        caveats.append(
            Caveat(
                "single_psu_strata",
                f"{len(compiled.single_psu_strata)} stratum/strata have a single PSU; variance policy "
                f"'{compiled.design.single_psu}'.",
                f"{len(compiled.single_psu_strata)} tầng chỉ có một PSU; cách xử lý: '{compiled.design.single_psu}'.",
            )
        )
    if df <= 0:
        caveats.append(
            Caveat(
                "model",
                f"The respondents in the model{scope_en} lie in too few PSUs for its {n_coef} coefficients (design "
                f"df {design_df}, residual df {df}): odds ratios are shown without tests or intervals. Hint: fewer "
                "predictors, or a larger domain.",
                f"Người trả lời đưa vào mô hình{scope_vi} nằm trong quá ít PSU so với {n_coef} hệ số của mô hình "
                f"(bậc tự do thiết kế {design_df}, còn lại {df}): chỉ nêu tỷ số chênh, không kiểm định, không "
                "khoảng tin cậy.",
            )
        )
    return tuple(caveats)
