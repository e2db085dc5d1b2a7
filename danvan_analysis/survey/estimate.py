"""Design-based means, proportions and totals for many variables and many domains in one call.

Method: Taylor linearisation with the ultimate-cluster, with-replacement variance (see
:mod:`danvan_analysis.survey._linearise` for the formulas and the vectorised algorithm). Domains are
**subpopulations of the full design** (Cochran 1977, §2.13; Lumley 2010, §2.2.2): a respondent outside the domain
contributes zero to the linearised variable but every PSU of the design still counts in ``n_h``; this is what R's
``svyby``/``subset`` and svy's ``by=`` do, and it is *not* the same as cutting the data to the domain and
re-estimating (which drops the PSUs without domain members and understates the variance).

Conventions (each matches R ``survey`` and is checked against svy 0.35 in ``tests/survey``):

* ``df``: each domain's own, the PSUs holding its respondents (who answered) minus the strata holding them (R's
  ``degf(subset(design, ...))``, which ``svyciprop`` on a subset uses; svy's domain df);
  ``EstimationSettings(df="design")`` gives every domain the whole design's (R ``degf(design)``).
* Confidence intervals: ``estimate ± t_{df, 1-alpha/2} se`` for means and totals; for proportions the logit
  interval of R ``svyciprop(method="logit")``, ``expit(logit(p) ± t se / (p (1 - p)))``, or Korn and Graubard's
  (``ci_method="beta"``, ``"korn-graubard"``); a proportion of 0 or 1 gets Korn and Graubard's one-sided interval
  (see :func:`proportion_interval`).
* ``deff`` (Kish): the design variance over the variance of the same weighted estimator under simple random
  sampling *without* replacement of ``n`` from ``N = sum of weights``, as R ``svymean(deff=TRUE)``:
  ``V_srs = s_w^2 (N - n) / (N n)`` with ``s_w^2 = n/(n-1) sum w (y - ybar)^2 / sum w`` over the domain's
  respondents (for a total, times ``N^2``). svy's ``deff="wor"`` is the same.
* Missing values: per variable, respondents with ``<NA>`` (and the item's declared not-answered codes, ``9`` = don't
  know for the SIPAS items; see :mod:`danvan_analysis.survey.items`) leave the numerator and the denominator; ``n``
  counts those who answered. A declared item holding a code outside its scale is refused.
* A mean or share whose domain lies in fewer than two PSUs has no estimable variance: ``se``, ``ci_*`` and ``cv``
  are NaN and ``df`` is 0 (never a standard error of 0). A total there has an SE but df 0, hence no interval. See
  :meth:`SurveyDesign.next_stage` for commune figures.
* With ``SurveyDesign(fpc=..., ssu=..., ssu_fpc=...)`` the second-stage term is added (see
  :mod:`danvan_analysis.survey.design`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.survey import _calibration as cal
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import CompiledDesign, SurveyDesign, compile_design
from danvan_analysis.survey.items import ItemScale, check_codes, item_scales
from danvan_analysis.survey.results import Caveat, Estimates

Kind = Literal["mean", "proportion", "total"]
DfRule = Literal["domain", "design"]
CiMethod = Literal["logit", "beta", "korn-graubard"]
#: The interval methods for proportions (:attr:`EstimationSettings.ci_method`).
CI_METHODS: tuple[str, ...] = ("logit", "beta", "korn-graubard")
#: A domain family: ``None`` (whole population), a column, or a tuple of columns (their crossing).
DomainSpec = str | tuple[str, ...] | None
#: One family, or several as a list (or a tuple that holds ``None`` or tuples), e.g. ``(None, "district_code")``.
By = DomainSpec | list[DomainSpec] | tuple[DomainSpec, ...]
#: The province and every district: the default domains of the index functions.
PROVINCE_AND_DISTRICTS: tuple[DomainSpec, ...] = (None, "district_code")

_POLICY_TEXT = {
    "certainty": ("treated as selected with certainty (no variance contribution)", "coi như chọn chắc chắn"),
    "centre": ("centred at the grand mean of PSU totals (R 'adjust')", "lấy độ lệch so với trung bình chung"),
    "error": ("refused", "từ chối"),
}


@dataclass(frozen=True)
class EstimationSettings:
    """Settings shared by the estimators.

    Parameters
    ----------
    alpha
        1 - confidence level of the intervals (0.05 = 95%).
    min_n
        Publication threshold: estimates from fewer respondents get a caveat (presentation suppresses them).
    max_cv
        Coefficient of variation above which an estimate gets a caveat (0.30 = 30%).
    df
        Degrees of freedom of the intervals and tests: ``"domain"`` (default), each domain's own, the PSUs holding
        its respondents minus the strata holding them (R's ``degf(subset(design, ...))``, as ``svyciprop`` and
        ``svyglm`` on a subset use; svy's domain df); ``"design"``, the whole design's PSUs minus strata for every
        domain (R's ``degf(design)``; the convention before 2024, kept to reproduce old tables). A district with 4
        sampled communes has 3 degrees of freedom, not the province's 60: the design df makes its intervals too
        narrow (see ``benchmarks/bench_coverage.py``).
    ci_method
        Interval of a proportion: ``"logit"`` (default; R ``svyciprop(method="logit")``), ``"beta"`` (Korn and
        Graubard's, as R ``svyciprop(method="beta")``: a Clopper-Pearson interval at the effective sample size
        ``p (1 - p) / se^2`` adjusted by ``(t_{n-1} / t_df)^2``) or ``"korn-graubard"`` (the same, with the
        effective sample size truncated at ``n``, as the NCHS data presentation standard). Whatever the method, a
        proportion of exactly 0 % or 100 % gets the Korn-Graubard interval at effective size ``n`` (one-sided
        Clopper-Pearson), because its SE is 0 by construction, not measured.
    """

    alpha: float = 0.05
    min_n: int = 30
    max_cv: float = 0.30
    df: DfRule = "domain"
    ci_method: CiMethod = "logit"

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ParameterError(f"EstimationSettings(alpha={self.alpha!r}) must lie in (0, 1); e.g. 0.05 for 95%.")
        if self.min_n < 0 or self.max_cv <= 0:
            raise ParameterError(
                f"EstimationSettings(min_n={self.min_n!r}, max_cv={self.max_cv!r}): expected min_n >= 0 and "
                "max_cv > 0 (a fraction, 0.30 = 30%)."
            )
        if self.df not in ("domain", "design"):
            raise ParameterError(
                f"EstimationSettings(df={self.df!r}): expected 'domain' (each domain's PSUs minus strata, the "
                "default) or 'design' (the whole design's, for every domain)."
            )
        if self.ci_method not in CI_METHODS:
            raise ParameterError(
                f"EstimationSettings(ci_method={self.ci_method!r}): expected one of {', '.join(CI_METHODS)}. "
                "Hint: 'beta' is R's svyciprop(method='beta')."
            )


@dataclass(frozen=True, eq=False)
class FamilyResult:
    """Kernel output for one domain family (internal, shared with sipas/compare)."""

    family: lin.Family
    totals: lin.DomainTotals
    estimate: np.ndarray
    z: np.ndarray
    var: np.ndarray
    n: np.ndarray
    n_psu: np.ndarray
    deff: np.ndarray
    df: np.ndarray
    stage2: lin.SecondStage | None = None

    def combined_variance(self, combine: np.ndarray, compiled: CompiledDesign) -> tuple[np.ndarray, np.ndarray]:
        """Linearised PSU totals ``z @ combine.T`` of linear combinations of the measures, and their variances."""
        z = self.z @ combine.T
        second = None
        if self.stage2 is not None:
            second = (self.stage2.pair_domain, self.stage2.pair_ssu, self.stage2.z @ combine.T)
        pairs = self.totals
        var = lin.design_variance(pairs.pair_domain, pairs.pair_psu, z, self.family.n_domains, compiled, second)
        return z, var


def estimate(
    data: pd.DataFrame,
    design: SurveyDesign,
    variables: str | Sequence[str],
    *,
    kind: Kind = "mean",
    by: By = None,
    success: float | Sequence[float] = 1,
    at_least: float | None = None,
    exclude: Sequence[float] | None = None,
    scales: Mapping[str, ItemScale] | None = None,
    settings: EstimationSettings | None = None,
) -> Estimates:
    """Estimate means, proportions or totals of many variables for many domains, with design-based SEs.

    Parameters
    ----------
    data
        Survey data (one row per respondent) with the design columns.
    design
        The survey design.
    variables
        Column(s) to estimate: numbers (nullable integers for ratings) or booleans.
    kind
        ``"mean"`` (weighted mean among those who answered), ``"proportion"`` (weighted share of answers counted
        as success, reported in percent, 0-100) or ``"total"`` (weighted total of the answered values).
    by
        The domains: ``None`` for the whole population, a column (``"district_code"``), a tuple of columns for
        their crossing (``("district_code", "sex")``), or a list of these for several families in one call
        (``[None, "district_code", "commune_code"]``; a tuple holding ``None`` works too, as in
        ``(None, "district_code")``).
    success
        For ``kind="proportion"``: the value(s) counted as success (default 1, i.e. ``True`` for booleans).
    at_least
        For ``kind="proportion"``: count values ``>= at_least`` as success instead (``4`` = satisfied).
    exclude
        Values treated as "not answered" (out of numerator and denominator) for every variable, overriding the
        declared scales. ``None``: each variable's declared not-answered codes (see ``scales``), nothing for an
        undeclared column.
    scales
        Item metadata of rated columns beyond the defaults, ``{column: ItemScale(ratings=..., not_answered=...)}``
        (:mod:`danvan_analysis.survey.items`). Every SIPAS item (q01-q33) is declared on the SIPAS scale (1-5, 9 =
        don't know). A declared variable holding a code outside its scale is refused.
    settings
        Confidence level and caveat thresholds.

    Returns
    -------
    Estimates
        Tidy table (see :class:`~danvan_analysis.survey.results.Estimates`) and caveats.

    Raises
    ------
    SchemaError
        A column is missing, or a declared item holds a code outside its scale (the error of
        :func:`~danvan_analysis.survey.sipas_indices`).

    Examples
    --------
    >>> est = estimate(survey, SurveyDesign(), ["q01", "q02"], kind="proportion", at_least=4,
    ...                by=[None, "district_code"])  # doctest: +SKIP
    >>> est.to_frame()[["domain", "variable", "estimate", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    settings = settings or EstimationSettings()
    names = [variables] if isinstance(variables, str) else list(variables)
    if kind not in ("mean", "proportion", "total"):
        raise ParameterError(f"estimate(kind={kind!r}): expected 'mean', 'proportion' or 'total'.")
    if not names:
        raise ParameterError("estimate(variables=[]): give at least one column to estimate.")
    _require_columns(data, names, what="variable")
    declared = {name: scale for name, scale in item_scales(scales).items() if name in names}
    measures = [
        _measure(name, kind, success=success, at_least=at_least, exclude=exclude, scale=declared.get(name))
        for name in names
    ]
    compiled = compile_design(data, design)
    results = run_families(
        data, compiled, measures, parse_by(data, by), check=lambda totals: check_codes(totals.value_counts, declared)
    )
    scale = 100.0 if kind == "proportion" else 1.0
    frame = _assemble(
        results, names, compiled, proportion=kind == "proportion", ratio=kind != "total", scale=scale, settings=settings
    )
    title = f"Weighted {kind} of {len(names)} variable(s) for {sum(len(r.family.keys) for r in results)} domain(s)"
    caveats = build_caveats(frame, compiled, settings, proportion=kind == "proportion")
    return Estimates(title=title, _table=frame, caveats=caveats, kind=kind, scale=scale)


def t_quantile(q: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """Quantile of Student's t: ``scipy.stats.t.ppf(q, df)``, whose ``_ppf`` is this very ``special.stdtrit`` call.

    Called directly because importing :mod:`scipy.stats` costs about a second, the bulk of the first call of an
    estimator in a fresh session; the values are bit-identical (checked in the tests).
    """
    from scipy import special

    return special.stdtrit(df, q)


def t_sf(x: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """Upper tail of Student's t: ``scipy.stats.t.sf(x, df)`` (``special.stdtr(df, -x)``, as its ``_sf``)."""
    from scipy import special

    return special.stdtr(df, -np.asarray(x, dtype=np.float64))


def parse_by(data: pd.DataFrame, by: By) -> list[tuple[str, ...]]:
    """Normalise ``by`` to a list of families (tuples of columns) and check the columns exist.

    A list, or a tuple holding ``None`` or tuples, is several families; a tuple of column names is one crossing.
    """
    is_crossing = isinstance(by, tuple) and all(isinstance(c, str) for c in by)
    specs = list(by) if isinstance(by, list | tuple) and not is_crossing else [by]
    families: list[tuple[str, ...]] = []
    for spec in specs:
        if spec is None:
            family: tuple[str, ...] = ()
        elif isinstance(spec, str):
            family = (spec,)
        elif isinstance(spec, tuple) and all(isinstance(c, str) for c in spec):
            family = spec
        else:
            raise ParameterError(
                f"by={by!r}: each domain family must be None, a column name or a tuple of column names (a "
                "crossing); use a list for several families, e.g. by=[None, 'district_code', ('district_code', "
                "'sex')]."
            )
        _require_columns(data, list(family), what="domain")
        if family not in families:
            families.append(family)
    return families


def run_families(
    data: pd.DataFrame,
    compiled: CompiledDesign,
    measures: Sequence[lin.Measure],
    by: list[tuple[str, ...]],
    *,
    check: Callable[[lin.CellTotals], None] | None = None,
) -> list[FamilyResult]:
    """Run the kernel: one pass over the rows per column, then per-family linearisation (internal).

    ``check`` sees the cell totals (with each column's value counts) before any estimate is made.
    """
    families = [lin.encode_family(data, family) for family in by]
    cells = build_unit_cells(compiled, families)
    totals = lin.cell_totals(data, measures, compiled.weights, cells.cell, len(cells.cell_unit))
    if check is not None:
        check(totals)
    is_ratio = np.array([m.is_ratio for m in measures])
    return family_results(compiled, families, cells, totals, is_ratio)


@dataclass(frozen=True, eq=False)
class UnitCells:
    """Each row's cell (lowest sampling unit x domains), each cell's unit and domains (internal).

    With a calibrated design the cells are split by calibration cell too (``cell_calibration``).
    """

    cell: np.ndarray
    cell_unit: np.ndarray
    cell_domains: list
    cell_calibration: np.ndarray | None = None


def build_unit_cells(compiled: CompiledDesign, families: Sequence[lin.Family]) -> UnitCells:
    """Cells over the lowest stage that enters the variance: SSU x domains with a second stage, else PSU x domains."""
    families = list(families)
    if compiled.calibration is not None:
        n_cells = compiled.calibration.n_cells
        keys = pd.DataFrame(index=range(n_cells))
        families.append(lin.Family(by=("__calibration__",), keys=keys, codes=compiled.calibration.cell))
    cell, cell_unit, cell_domains = lin.build_cells(compiled.stage2 or compiled, families)
    if compiled.calibration is not None:
        return UnitCells(cell, cell_unit, cell_domains[:-1], cell_domains[-1])
    return UnitCells(cell, cell_unit, cell_domains)


def family_results(
    compiled: CompiledDesign,
    families: Sequence[lin.Family],
    cells: UnitCells,
    totals: lin.CellTotals,
    is_ratio: np.ndarray,
) -> list[FamilyResult]:
    """Estimates, linearised totals, variances, n and df of every family from the cell totals (internal)."""
    unit = compiled.stage2 or compiled
    cell_unit = cells.cell_unit
    out = []
    for family, cell_domain in zip(families, cells.cell_domains, strict=True):
        dt = lin.domain_totals(family, cell_unit, cell_domain, totals, unit.n_psus)
        fitted = None
        if compiled.calibration is not None:
            # Residuals on the calibration model reach every unit: dense (domain, unit) pairs.
            fitted = _calibration_fit(compiled, family, dt, cell_domain, cells, totals, is_ratio)
            dt = lin.densify_totals(dt, unit.n_psus)
        stage2 = None
        if compiled.stage2 is not None:
            _, z2 = lin.linearise(dt, is_ratio)
            if fitted is not None:
                z2 = z2 - _calibration_correction(compiled, compiled.stage2, fitted)
            stage2 = lin.SecondStage(dt.pair_domain, dt.pair_psu, z2)
            dt = lin.collapse_totals(dt, compiled.stage2.psu_stratum, compiled.n_psus)
        est, z = lin.linearise(dt, is_ratio)
        if fitted is not None:
            z = z - _calibration_correction(compiled, compiled, fitted)
        n = lin.domain_sums(dt.cnt, dt.pair_domain, family.n_domains)
        n_psu = lin.domain_sums((dt.cnt > 0).astype(np.float64), dt.pair_domain, family.n_domains)
        df = lin.domain_df(dt.pair_domain, dt.pair_psu, dt.cnt > 0, family.n_domains, compiled)
        second = None if stage2 is None else (stage2.pair_domain, stage2.pair_ssu, stage2.z)
        var = lin.design_variance(dt.pair_domain, dt.pair_psu, z, family.n_domains, compiled, second)
        # A variance that is not estimable (one PSU) is 0 by the formula, never a design effect of 0.
        deff = np.where(n_psu >= 2, _deff(dt, var, is_ratio), np.nan)
        out.append(
            FamilyResult(
                family=family,
                totals=dt,
                estimate=est,
                z=z,
                var=var,
                n=n,
                n_psu=n_psu,
                deff=deff,
                df=df,
                stage2=stage2,
            )
        )
    return out


def _calibration_fit(
    compiled: CompiledDesign,
    family: lin.Family,
    dt: lin.DomainTotals,
    cell_domain: np.ndarray,
    cells: UnitCells,
    totals: lin.CellTotals,
    is_ratio: np.ndarray,
) -> np.ndarray:
    """Fitted values (domains x calibration cells x measures) of the linearised variables on the calibration model."""
    calibration = compiled.calibration
    assert calibration is not None and cells.cell_calibration is not None  # the caller checks
    n_domains, n_cells = family.n_domains, calibration.n_cells
    num = cal.cell_domain_totals(totals.num, cell_domain, cells.cell_calibration, n_domains, n_cells)
    den = cal.cell_domain_totals(totals.den, cell_domain, cells.cell_calibration, n_domains, n_cells)
    y = lin.domain_sums(dt.num, dt.pair_domain, n_domains)
    x = lin.domain_sums(dt.den, dt.pair_domain, n_domains)
    return cal.fitted_values(calibration, num, den, y, x, is_ratio)


def _calibration_correction(compiled: CompiledDesign, unit: CompiledDesign, fitted: np.ndarray) -> np.ndarray:
    """``w_i b_{c(i)}`` summed over each (domain, unit) pair of the dense layout of :func:`lin.densify_totals`."""
    calibration = compiled.calibration
    assert calibration is not None  # the caller checks
    weights = calibration.unit_weights(unit.psu_index, unit.n_psus, compiled.weights)
    return cal.unit_correction(weights, fitted)


def summarise(
    est: np.ndarray,
    var: np.ndarray,
    n_psu: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
    compiled: CompiledDesign,
    *,
    proportion: bool,
    settings: EstimationSettings,
    ratio: bool | np.ndarray = True,
) -> dict[str, np.ndarray]:
    """SE, CI, CV and df from estimates (proportions on 0-1) and variances (internal, shared by the estimators).

    ``df`` is the domain df (:func:`~danvan_analysis.survey._linearise.domain_df`); ``settings.df == "design"``
    replaces it by the design's. A ratio (mean, share) needs respondents in two PSUs for an SE (its linearised
    total is exactly 0 in a lone PSU); a total needs one (its PSU total varies against the stratum's other PSUs).
    An interval needs ``df >= 1``.
    """
    ratio = np.broadcast_to(np.asarray(ratio, dtype=bool), np.shape(est))
    estimable = np.where(ratio, n_psu >= 2, n_psu >= 1) & np.isfinite(est)
    chosen = np.full(np.shape(est), compiled.df, dtype=np.float64) if settings.df == "design" else df
    df_arr = np.where(estimable, np.maximum(chosen, 0), 0).astype(np.int64)
    alpha = settings.alpha
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(estimable, np.sqrt(np.maximum(var, 0.0)), np.nan)
        t = np.where(df_arr > 0, t_quantile(1 - alpha / 2, np.maximum(df_arr, 1)), np.nan)
        if proportion:
            lo, hi = proportion_interval(est, se, df_arr, n, alpha=alpha, method=settings.ci_method)
        else:
            lo, hi = est - t * se, est + t * se
        cv = np.where(est != 0, se / np.abs(est), np.nan)
    return {"se": se, "ci_low": lo, "ci_high": hi, "cv": cv, "df": df_arr}


def proportion_interval(
    p: np.ndarray, se: np.ndarray, df: np.ndarray, n: np.ndarray, *, alpha: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval of proportions ``p`` (0-1) with design SE ``se``, ``df`` and respondents ``n``.

    Formulas (R ``svyciprop`` and svy 0.35's ``_prop_ci``; Korn & Graubard 1998, *Survey Methodology* 24(2)):

    * ``logit``: ``expit(logit(p) -+ t_df se / (p (1 - p)))``;
    * ``beta``: ``n* = p (1 - p) / se^2 * (t_{n-1, alpha/2} / t_{df, alpha/2})^2`` (the factor only when
      ``n > 1``), then ``[B^-1(alpha/2; n* p, n* (1 - p) + 1), B^-1(1 - alpha/2; n* p + 1, n* (1 - p))]``;
    * ``korn-graubard``: the same with ``n*`` truncated at ``n``;
    * at ``p = 0`` or ``1`` (any method): ``n* = min(n, n (t_{n-1} / t_df)^2)`` and the one-sided
      Clopper-Pearson bound ``[0, B^-1(1 - alpha/2; 1, n*)]`` or ``[B^-1(alpha/2; n*, 1), 1]``;
    * ``se = 0`` inside (0, 1): ``[p, p]``; ``df <= 0`` or no SE: no interval (NaN).

    ``B^-1`` is the beta quantile (``scipy.special.betaincinv``, which ``scipy.stats.beta.ppf`` calls).
    """
    from scipy import special

    p, se, df, n = (np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(p, se, df, n))
    nan = np.full(p.shape, np.nan)
    ok = (df > 0) & np.isfinite(se) & np.isfinite(p)
    at_zero, at_one = ok & (p <= 0), ok & (p >= 1)
    inside = ok & (p > 0) & (p < 1)
    flat = inside & (se <= 0)
    inside &= se > 0
    safe_df = np.where(df > 0, df, 1.0)
    safe_n = np.where(n > 1, n, 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "logit":
            t = t_quantile(1 - alpha / 2, safe_df)
            half = t * se / (p * (1 - p))
            centre = np.log(p / (1 - p))
            lo = 1 / (1 + np.exp(-(centre - half)))
            hi = 1 / (1 + np.exp(-(centre + half)))
        else:
            n_eff = p * (1 - p) / (se * se)
            adjust = np.where(n > 1, (t_quantile(alpha / 2, safe_n - 1) / t_quantile(alpha / 2, safe_df)) ** 2, 1.0)
            n_eff = n_eff * adjust
            if method == "korn-graubard":
                n_eff = np.minimum(n_eff, n)
            x = n_eff * p
            lo = special.betaincinv(x, n_eff - x + 1, alpha / 2)
            hi = special.betaincinv(x + 1, n_eff - x, 1 - alpha / 2)
        # Korn-Graubard at the boundary: design effect 1, effective size n (df-adjusted, truncated at n).
        boundary_adjust = np.where(
            n > 1, (t_quantile(1 - alpha / 2, safe_n - 1) / t_quantile(1 - alpha / 2, safe_df)) ** 2, 1.0
        )
        n_star = np.minimum(n, n * boundary_adjust)
        upper_at_zero = special.betaincinv(1.0, np.where(n_star > 0, n_star, 1.0), 1 - alpha / 2)
        lower_at_one = special.betaincinv(np.where(n_star > 0, n_star, 1.0), 1.0, alpha / 2)
    low = np.where(inside, lo, nan)
    high = np.where(inside, hi, nan)
    low = np.where(flat, p, low)
    high = np.where(flat, p, high)
    low = np.where(at_zero, 0.0, np.where(at_one, np.where(n_star > 0, lower_at_one, 0.0), low))
    high = np.where(at_one, 1.0, np.where(at_zero, np.where(n_star > 0, upper_at_zero, 1.0), high))
    return low, high


def build_caveats(
    frame: pd.DataFrame,
    compiled: CompiledDesign,
    settings: EstimationSettings,
    *,
    proportion: bool,
    label_columns: Sequence[str] = ("domain", "variable"),
) -> tuple[Caveat, ...]:
    """Numbered caveats for a tidy estimates frame (internal, shared by the estimators)."""
    caveats: list[Caveat] = []
    lonely = compiled.single_psu_strata
    if lonely:
        en, vi = _POLICY_TEXT[compiled.design.single_psu]
        caveats.append(
            Caveat(
                "single_psu_strata",
                f"{len(lonely)} stratum/strata have a single PSU ({_short(lonely)}); their variance is {en}.",
                f"{len(lonely)} tầng chỉ có một đơn vị mẫu cấp 1 (PSU) ({_short(lonely)}); cách xử lý: {vi}.",
                0,
            )
        )

    def label(mask: pd.Series, limit: int = 8) -> str:
        """Name the flagged domains (a domain flagged on every row is named alone), at most ``limit`` of them."""
        first, rest = label_columns[0], list(label_columns[1:])
        flagged = frame.loc[mask, list(label_columns)].astype(str)
        rows_per_domain = frame[first].astype(str).value_counts()
        parts = []
        for domain, group in flagged.groupby(first, sort=False):
            if len(parts) == limit:
                break
            if not rest or len(group) == rows_per_domain[domain]:
                parts.append(str(domain))
            else:
                what = [" / ".join(row) for row in group[rest].head(4).itertuples(index=False)]
                parts.append(f"{domain}: {', '.join(what)}" + (" …" if len(group) > 4 else ""))
        more = flagged[first].nunique() - len(parts)
        return "; ".join(parts) + (f"; … (+{more} more)" if more > 0 else "")

    checks = [
        (
            "no_answers",
            frame["n"] == 0,
            "{k} estimate(s) have no respondents who answered: {lab}.",
            "{k} ước lượng không có người trả lời: {lab}.",
        ),
        (
            "few_psus",
            (frame["n"] > 0) & frame["se"].isna(),
            "{k} estimate(s) rest on fewer than 2 PSUs, so their variance is not estimable (SE and CI left blank, "
            "df = 0): {lab}.",
            "{k} ước lượng nằm trong ít hơn 2 PSU nên không ước lượng được sai số (để trống SE, khoảng tin cậy; "
            "df = 0): {lab}.",
        ),
        (
            "no_df",
            frame["se"].notna() & (frame["df"] <= 0),
            "{k} estimate(s) have an SE but no degrees of freedom (their respondents lie in as many strata as "
            "PSUs), so no interval is given: {lab}.",
            "{k} ước lượng có sai số chuẩn nhưng không có bậc tự do (số PSU bằng số tầng) nên không có khoảng tin "
            "cậy: {lab}.",
        ),
        (
            "small_n",
            (frame["n"] > 0) & (frame["n"] < settings.min_n),
            f"{{k}} estimate(s) come from fewer than {settings.min_n} respondents (publication threshold): {{lab}}.",
            f"{{k}} ước lượng có dưới {settings.min_n} người trả lời (ngưỡng công bố): {{lab}}.",
        ),
        (
            "high_cv",
            frame["cv"] > settings.max_cv,
            f"{{k}} estimate(s) have a coefficient of variation above {settings.max_cv:.0%}: {{lab}}.",
            f"{{k}} ước lượng có hệ số biến thiên (CV) trên {settings.max_cv:.0%}, độ tin cậy thấp: {{lab}}.",
        ),
    ]
    if proportion:
        # Shares may be on 0-1 or 0-100; SIPAS tables also hold mean-score rows, which have Wald intervals.
        share = frame["measure"] == "share" if "measure" in frame else pd.Series(True, index=frame.index)
        full = 100.0 if frame.loc[share, "estimate"].max() > 1 + 1e-9 else 1.0
        checks.append(
            (
                "boundary",
                share & (frame["n"] > 0) & ((frame["estimate"] <= 0) | (frame["estimate"] >= full)),
                "{k} proportion(s) are 0% or 100% (SE 0 by construction); their interval is Korn and Graubard's "
                "one-sided Clopper-Pearson interval at the respondent count: {lab}.",
                "{k} tỷ lệ bằng 0% hoặc 100% (sai số chuẩn bằng 0 theo cách tính); khoảng tin cậy là khoảng một phía "
                "Clopper-Pearson theo Korn-Graubard với số người trả lời: {lab}.",
            )
        )
    for code, mask, en, vi in checks:
        mask = mask.fillna(False).astype(bool)
        k = int(mask.sum())
        if k:
            lab = label(mask)
            caveats.append(Caveat(code, en.format(k=k, lab=lab), vi.format(k=k, lab=lab), k))
    return tuple(caveats)


def domain_frame(results: Sequence[FamilyResult]) -> pd.DataFrame:
    """One row per domain of every family: ``by``, ``domain`` and the domain columns (internal)."""
    columns: list[str] = []
    for r in results:
        columns += [c for c in r.family.by if c not in columns]
    parts = []
    for r in results:
        keys = r.family.keys
        part = pd.DataFrame(
            {c: (keys[c] if c in keys else pd.array([pd.NA] * len(keys), dtype="string")) for c in columns}
        )
        by_label = "+".join(r.family.by) if r.family.by else "all"
        if r.family.by:
            labels = pd.Series(
                [
                    ", ".join(f"{c}={v}" for c, v in zip(r.family.by, row, strict=True))
                    for row in keys[list(r.family.by)].astype(str).itertuples(index=False)
                ]
            )
        else:
            labels = pd.Series(["all"] * len(keys))
        part.insert(0, "domain", pd.array(labels.tolist(), dtype="string"))
        part.insert(0, "by", pd.array([by_label] * len(keys), dtype="string"))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _assemble(
    results: Sequence[FamilyResult],
    names: Sequence[str],
    compiled: CompiledDesign,
    *,
    proportion: bool,
    ratio: bool,
    scale: float,
    settings: EstimationSettings,
) -> pd.DataFrame:
    domains = domain_frame(results)
    k = len(names)
    blocks: dict[str, list[np.ndarray]] = {}
    for r in results:
        s = summarise(
            r.estimate, r.var, r.n_psu, r.df, r.n, compiled, proportion=proportion, settings=settings, ratio=ratio
        )
        cols = {
            "estimate": r.estimate * scale,
            "se": s["se"] * scale,
            "ci_low": s["ci_low"] * scale,
            "ci_high": s["ci_high"] * scale,
            "cv": s["cv"],
            "deff": r.deff,
            "n": r.n,
            "n_psu": r.n_psu,
            "df": s["df"],
        }
        for key, value in cols.items():
            blocks.setdefault(key, []).append(np.asarray(value).reshape(-1))
    frame = domains.loc[domains.index.repeat(k)].reset_index(drop=True)
    frame["variable"] = pd.array(list(names) * len(domains), dtype="string")
    for key, parts in blocks.items():
        frame[key] = np.concatenate(parts)
    frame["n"] = frame["n"].round().astype("int64")
    frame["n_psu"] = frame["n_psu"].round().astype("int64")
    frame["df"] = frame["df"].astype("int64")
    return frame


def _measure(
    name: str,
    kind: str,
    *,
    success: float | Sequence[float],
    at_least: float | None,
    exclude: Sequence[float] | None,
    scale: ItemScale | None,
) -> lin.Measure:
    if exclude is not None:
        excluded = tuple(float(v) for v in exclude)
    else:
        excluded = scale.not_answered if scale is not None else ()
    if kind == "proportion":
        if at_least is not None:
            threshold = float(at_least)

            def numerator(v: np.ndarray) -> np.ndarray:
                return (v >= threshold).astype(np.float64)

        else:
            wanted = np.atleast_1d(np.asarray(success, dtype=np.float64))

            def numerator(v: np.ndarray) -> np.ndarray:
                return np.isin(v, wanted).astype(np.float64)

        return lin.Measure(name, name, numerator, is_ratio=True, excluded=excluded)
    return lin.Measure(name, name, _identity, is_ratio=kind == "mean", excluded=excluded)


def _identity(v: np.ndarray) -> np.ndarray:
    return v


def _require_columns(data: pd.DataFrame, columns: Sequence[str], *, what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise SchemaError(
            f"The survey data have no {what} column(s) {missing}. Available: {list(data.columns)[:15]}... "
            "Hint: check the spelling against the survey contract in docs/design.md."
        )


def _deff(dt: lin.DomainTotals, var: np.ndarray, is_ratio: np.ndarray) -> np.ndarray:
    """Kish design effect against SRS without replacement (R ``svymean``/``svytotal`` ``deff=TRUE``)."""
    n_domains = dt.family.n_domains
    y = lin.domain_sums(dt.num, dt.pair_domain, n_domains)
    x = lin.domain_sums(dt.den, dt.pair_domain, n_domains)
    n = lin.domain_sums(dt.cnt, dt.pair_domain, n_domains)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = (dt.sq - y * y / x) / x * n / (n - 1)
        v_srs = s2 * (x - n) / (x * n)
        v_srs = np.where(is_ratio, v_srs, v_srs * x * x)
        return np.where((n > 1) & (v_srs > 0), var / v_srs, np.nan)


def _short(labels: Sequence[str], limit: int = 8) -> str:
    """Join the first ``limit`` labels, counting the rest."""
    labels = list(labels)
    shown = "; ".join(labels[:limit])
    return shown + (f"; … (+{len(labels) - limit})" if len(labels) > limit else "")
