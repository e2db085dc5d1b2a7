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
single-PSU policy. Respondents outside the model (outcome or a predictor missing) contribute zero, the full design
is kept (domain estimation). Wald t-tests use ``df = design df - p + 1`` (R ``svyglm``'s residual df).

*Outcome.* "Satisfied with the service aspect" = the respondent's mean rating over the items of that aspect that
they answered (1-5; 9 and missing left out) is at least the rule's threshold (4). A respondent who answered none
is out of the model. The ordinal model's outcome is the respondent's mean rating over all answered items, rounded
half up to 1-5.

*Ordinal model.* statsmodels' ``OrderedModel`` has no weights, so it is fitted here with the weighted
log-likelihood (a subclass whose ``loglike`` weights ``loglikeobs``) and the same design-based sandwich, with
numerical per-respondent scores and Hessian. Coefficients are log cumulative odds of a *higher* rating.

Failures (too few cases, a predictor with a single category, complete or quasi-complete separation, no convergence)
raise :class:`~danvan_analysis.errors.EstimationError` with the reason; statsmodels warnings never leak.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    HessianInversionWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from danvan_analysis.errors import EstimationError, ParameterError, SchemaError
from danvan_analysis.survey._linearise import dense_psu_totals, psu_covariance
from danvan_analysis.survey.design import CompiledDesign, SurveyDesign, compile_design
from danvan_analysis.survey.results import Caveat, ModelResult
from danvan_analysis.survey.sipas import IndexRule, sipas_items
from danvan_analysis.vocab import AgeGroup, Area, Channel, Education, Ethnicity, Occupation, Sex, Vocab

_T = TypeVar("_T")

#: Predictors of the satisfaction models, in the order reported.
SATISFACTION_PREDICTORS: tuple[str, ...] = ("sex", "age_group", "ethnicity", "area", "channel", "education")

_VOCABS: dict[str, type[Vocab]] = {
    "sex": Sex,
    "age_group": AgeGroup,
    "ethnicity": Ethnicity,
    "education": Education,
    "occupation": Occupation,
    "area": Area,
    "channel": Channel,
}


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
    return pd.Series(
        pd.array(np.where(np.isnan(mean), pd.NA, mean >= rule.threshold), dtype="boolean"),
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
    rule
        The threshold (default 4) defining "satisfied".
    settings
        Confidence level, minimum events per parameter, convergence.

    Returns
    -------
    ModelResult
        Columns ``term``, ``predictor``, ``level``, ``reference``, ``coef`` (log-odds), ``se``, ``odds_ratio``,
        ``ci_low``, ``ci_high`` (odds-ratio scale), ``t``, ``df``, ``p_value``.

    Raises
    ------
    EstimationError
        Too few cases, a predictor with one category, separation, or no convergence.
    """
    settings = settings or ModelSettings()
    rule = rule or IndexRule()
    compiled = compile_design(data, design)
    y = satisfaction_outcome(data, aspect=aspect, rule=rule)
    x, terms, rows = _design_matrix(data, predictors, references, outcome=y, intercept=True)
    yv = y.to_numpy(dtype=np.float64, na_value=np.nan)[rows]
    events = int(yv.sum())
    rarer = min(events, len(yv) - events)
    needed = settings.min_events_per_parameter * (x.shape[1] - 1)
    if rarer < needed:
        raise EstimationError(
            f"Too few cases for the satisfaction model: {len(yv)} respondents, {events} satisfied, "
            f"{len(yv) - events} not; the rarer outcome has {rarer} cases but {x.shape[1] - 1} coefficients need "
            f"at least {needed:.0f} ({settings.min_events_per_parameter:g} per coefficient). Hint: use fewer "
            "predictors or a larger domain."
        )
    _check_separation(x, yv, terms)
    w = compiled.weights[rows]
    model = sm.GLM(yv, x, family=sm.families.Binomial(), var_weights=w / w.mean())
    fit = _quietly(lambda: model.fit(tol=settings.tol, maxiter=settings.maxiter), what="logistic model")
    if not getattr(fit, "converged", True):
        raise EstimationError(
            f"The logistic model did not converge in {settings.maxiter} iterations. Hint: check for sparse "
            "categories (merge them) or raise ModelSettings(maxiter=...)."
        )
    beta = np.asarray(fit.params)
    mu = 1 / (1 + np.exp(-(x @ beta)))
    bread = (x * (w * mu * (1 - mu))[:, None]).T @ x
    scores = x * (w * (yv - mu))[:, None]
    cov = _sandwich(scores, bread, rows, compiled)
    df = compiled.df - x.shape[1] + 1
    table = _coefficient_table(terms, beta, cov, df, settings.alpha)
    caveats = _model_caveats(compiled, df)
    outcome = (
        f"satisfied with the {aspect} aspect: mean rating over the answered {aspect} items >= {rule.threshold} "
        "(9 and missing left out)"
    )
    return ModelResult(
        title=f"Survey-weighted logistic model, {outcome} (odds ratios, design-based {1 - settings.alpha:.0%} CI)",
        _table=table,
        caveats=caveats,
        outcome=outcome,
        n=len(yv),
    )


def fit_ordinal_model(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    predictors: Sequence[str] = SATISFACTION_PREDICTORS,
    references: Mapping[str, str] | None = None,
    rule: IndexRule | None = None,
    distr: Literal["logit", "probit"] = "logit",
    settings: ModelSettings | None = None,
) -> ModelResult:
    """Fit a survey-weighted proportional-odds model of the respondent's overall rating (1-5).

    Outcome: the mean of the respondent's answered ratings over all items, rounded half up. Coefficients are log
    cumulative odds of a higher rating; ``odds_ratio`` > 1 means higher ratings than the reference group. Weights
    enter the pseudo-log-likelihood (statsmodels' ``OrderedModel`` has none of its own) and SEs are design-based.

    Raises
    ------
    EstimationError
        Fewer than 3 observed rating categories, a predictor with one category, or no convergence.
    """
    settings = settings or ModelSettings()
    rule = rule or IndexRule()
    compiled = compile_design(data, design)
    mean = _mean_rating(data, aspect="overall", rule=rule)
    rating = pd.Series(np.where(np.isnan(mean), np.nan, np.floor(mean + 0.5)), index=data.index)
    x, terms, rows = _design_matrix(data, predictors, references, outcome=rating, intercept=False)
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
    model = _WeightedOrderedModel(endog, x, distr=distr)
    model.case_weights = w
    fit = _quietly(
        lambda: model.fit(method="bfgs", maxiter=settings.maxiter * 5, disp=False, gtol=1e-8), what="ordinal model"
    )
    if not fit.mle_retvals.get("converged", True):
        raise EstimationError(
            "The ordinal model did not converge. Hint: merge sparse categories or raise ModelSettings(maxiter=...)."
        )
    params = np.asarray(fit.params)
    scores = approx_fprime(params, lambda p: w * model.loglikeobs(p), centered=True)
    bread = -model.hessian(params)
    cov = _sandwich(scores, bread, rows, compiled)
    k = x.shape[1]
    df = compiled.df - len(params) + 1
    table = _coefficient_table(terms, params[:k], cov[:k, :k], df, settings.alpha)
    return ModelResult(
        title=f"Survey-weighted ordinal ({distr}) model of the overall rating (cumulative odds ratios)",
        _table=table,
        caveats=_model_caveats(compiled, df),
        outcome="overall rating: mean of the answered items (1-5, 9 and missing left out), rounded half up",
        n=len(yv),
    )


class _WeightedOrderedModel(OrderedModel):
    """``OrderedModel`` maximising the weighted pseudo-log-likelihood ``sum_i w_i l_i`` (``case_weights``)."""

    case_weights: np.ndarray

    def loglike(self, params: np.ndarray) -> float:
        return float(np.sum(self.case_weights * self.loglikeobs(params)))


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


def _design_matrix(
    data: pd.DataFrame,
    predictors: Sequence[str],
    references: Mapping[str, str] | None,
    *,
    outcome: pd.Series,
    intercept: bool,
) -> tuple[np.ndarray, list[tuple[str, str, str, str]], np.ndarray]:
    """Dummy-coded matrix of the complete cases, the terms (term, predictor, level, reference), and their rows."""
    missing = [c for c in predictors if c not in data.columns]
    if missing:
        raise SchemaError(f"The survey data lack the predictor column(s) {missing}.")
    references = dict(references or {})
    unknown = [p for p in references if p not in predictors]
    if unknown:
        raise ParameterError(f"references names {unknown}, which are not among the predictors {list(predictors)}.")
    complete = outcome.notna().to_numpy().copy()
    for p in predictors:
        complete &= data[p].notna().to_numpy()
    rows = np.flatnonzero(complete)
    if rows.size == 0:
        raise EstimationError("No respondent has the outcome and every predictor: the model has no cases.")
    columns = [np.ones(rows.size)] if intercept else []
    terms = [("(Intercept)", "", "", "")] if intercept else []
    for p in predictors:
        values = data[p].to_numpy(dtype=object)[rows].astype(str)
        order = _VOCABS[p].codes() if p in _VOCABS else sorted(set(values))
        present = [lv for lv in order if lv in set(values)] + sorted(set(values) - set(order))
        if len(present) < 2:
            raise EstimationError(
                f"Predictor {p!r} has a single category among the {rows.size} respondents in the model "
                f"({present}); other categories have no cases. Hint: drop it from predictors."
            )
        reference = references.get(p, present[0])
        if reference not in present:
            raise EstimationError(
                f"Reference level {reference!r} of predictor {p!r} has no cases in the model; present: {present}."
            )
        for level in present:
            if level != reference:
                columns.append((values == level).astype(np.float64))
                terms.append((f"{p}[{level}]", p, level, reference))
    return np.column_stack(columns), terms, rows


def _check_separation(x: np.ndarray, y: np.ndarray, terms: list[tuple[str, str, str, str]]) -> None:
    """Refuse a dummy whose cases are all satisfied or all not (quasi-complete separation)."""
    for j, (term, predictor, level, _) in enumerate(terms):
        if not predictor:
            continue
        inside = x[:, j] == 1
        share = y[inside].mean()
        if share in (0.0, 1.0):
            state = "satisfied" if share == 1 else "not satisfied"
            raise EstimationError(
                f"Separation: every one of the {int(inside.sum())} respondents with {predictor} = {level!r} is "
                f"{state}, so the odds ratio of {term} is infinite. Hint: merge {level!r} with a neighbouring "
                "category or drop the predictor."
            )


def _quietly(fit: Callable[[], _T], *, what: str) -> _T:
    """Run a statsmodels fit turning its separation/convergence warnings into :class:`EstimationError`."""
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


def _sandwich(scores: np.ndarray, bread: np.ndarray, rows: np.ndarray, compiled: CompiledDesign) -> np.ndarray:
    """Design-based covariance ``A^{-1} V(sum u) A^{-1}`` from per-respondent scores (model rows only)."""
    try:
        inverse = np.linalg.inv(bread)
    except np.linalg.LinAlgError as err:
        raise EstimationError(f"The model's information matrix is singular ({err}). Hint: drop a predictor.") from err
    influence = np.zeros((compiled.n_rows, scores.shape[1]))
    influence[rows] = scores @ inverse
    return psu_covariance(dense_psu_totals(influence, compiled), compiled)


def _coefficient_table(
    terms: list[tuple[str, str, str, str]], beta: np.ndarray, cov: np.ndarray, df: int, alpha: float
) -> pd.DataFrame:
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta / se
        crit = stats.t.ppf(1 - alpha / 2, df) if df > 0 else np.nan
        p = 2 * stats.t.sf(np.abs(t), df) if df > 0 else np.full(len(beta), np.nan)
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


def _model_caveats(compiled: CompiledDesign, df: int) -> tuple[Caveat, ...]:
    caveats = []
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
                f"The design has too few PSUs for the model's coefficients (df = {df}): no tests or intervals.",
                f"Thiết kế mẫu có quá ít PSU so với số hệ số của mô hình (df = {df}): không kiểm định được.",
            )
        )
    return tuple(caveats)
