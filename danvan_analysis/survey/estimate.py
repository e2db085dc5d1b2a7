"""Design-based means, proportions and totals for many variables and many domains in one call.

Method: Taylor linearisation with the ultimate-cluster, with-replacement variance (see
:mod:`danvan_analysis.survey._linearise` for the formulas and the vectorised algorithm). Domains are
**subpopulations of the full design** (Cochran 1977, §2.13; Lumley 2010, §2.2.2): a respondent outside the domain
contributes zero to the linearised variable but every PSU of the design still counts in ``n_h``; this is what R's
``svyby``/``subset`` and svy's ``by=`` do, and it is *not* the same as cutting the data to the domain and
re-estimating (which drops the PSUs without domain members and understates the variance).

Conventions (each matches R ``survey`` and is checked against svy 0.35 in ``tests/survey``):

* ``df`` = #PSUs - #strata of the **whole design** for every domain (R ``degf(design)``, used by ``svyby``'s
  ``confint(df=degf(design))``). svy instead reports a per-domain df (PSUs minus strata holding domain members); the
  estimates and SEs agree, the intervals differ only through the t quantile.
* Confidence intervals: ``estimate ± t_{df, 1-alpha/2} se`` for means and totals; for proportions the logit
  interval of R ``svyciprop(method="logit")``: ``expit(logit(p) ± t se / (p (1 - p)))``, undefined at 0 and 1.
* ``deff`` (Kish): the design variance over the variance of the same weighted estimator under simple random
  sampling *without* replacement of ``n`` from ``N = sum of weights``, as R ``svymean(deff=TRUE)``:
  ``V_srs = s_w^2 (N - n) / (N n)`` with ``s_w^2 = n/(n-1) sum w (y - ybar)^2 / sum w`` over the domain's
  respondents (for a total, times ``N^2``). svy's ``deff="wor"`` is the same.
* Missing values: per variable, respondents with ``<NA>`` (and, for the rated items q01-q33, ``9`` = don't know)
  leave the numerator and the denominator; ``n`` counts those who answered.
* A domain whose respondents lie in fewer than two PSUs has no estimable variance: ``se``, ``ci_*`` and ``cv`` are
  NaN and ``df`` is 0 (never a standard error of 0). See :meth:`SurveyDesign.next_stage` for commune figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import CompiledDesign, SurveyDesign, compile_design
from danvan_analysis.survey.results import Caveat, Estimates
from danvan_analysis.vocab import DONT_KNOW, ITEMS

Kind = Literal["mean", "proportion", "total"]
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
    """

    alpha: float = 0.05
    min_n: int = 30
    max_cv: float = 0.30

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ParameterError(f"EstimationSettings(alpha={self.alpha!r}) must lie in (0, 1); e.g. 0.05 for 95%.")
        if self.min_n < 0 or self.max_cv <= 0:
            raise ParameterError(
                f"EstimationSettings(min_n={self.min_n!r}, max_cv={self.max_cv!r}): expected min_n >= 0 and "
                "max_cv > 0 (a fraction, 0.30 = 30%)."
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
        Values treated as "not answered" (out of numerator and denominator). ``None``: the don't-know code 9 for
        the rated items q01-q33, nothing for other columns.
    settings
        Confidence level and caveat thresholds.

    Returns
    -------
    Estimates
        Tidy table (see :class:`~danvan_analysis.survey.results.Estimates`) and caveats.

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
    measures = [_measure(name, kind, success=success, at_least=at_least, exclude=exclude) for name in names]
    compiled = compile_design(data, design)
    results = run_families(data, compiled, measures, parse_by(data, by))
    scale = 100.0 if kind == "proportion" else 1.0
    frame = _assemble(results, names, compiled, logit=kind == "proportion", scale=scale, settings=settings)
    title = f"Weighted {kind} of {len(names)} variable(s) for {sum(len(r.family.keys) for r in results)} domain(s)"
    caveats = build_caveats(frame, compiled, settings, proportion=kind == "proportion")
    return Estimates(title=title, _table=frame, caveats=caveats, kind=kind, scale=scale)


def t_quantile(q: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """Quantile of Student's t: ``scipy.stats.t.ppf(q, df)``, whose ``_ppf`` is this very ``special.stdtrit`` call.

    Called directly because importing :mod:`scipy.stats` costs about a second, the bulk of the first call of an
    estimator in a fresh session; the values are bit-identical (checked in the tests).
    """
    return special.stdtrit(df, q)


def t_sf(x: float | np.ndarray, df: float | np.ndarray) -> np.ndarray:
    """Upper tail of Student's t: ``scipy.stats.t.sf(x, df)`` (``special.stdtr(df, -x)``, as its ``_sf``)."""
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
    cell, cell_psu, cell_domains = lin.build_cells(compiled, families)
    n_cells = len(cell_psu)
    totals = lin.cell_totals(data, measures, compiled.weights, cell, n_cells)
    if check is not None:
        check(totals)
    is_ratio = np.array([m.is_ratio for m in measures])
    out = []
    for family, cell_domain in zip(families, cell_domains, strict=True):
        dt = lin.domain_totals(family, cell_psu, cell_domain, totals, compiled.n_psus)
        est, z = lin.linearise(dt, is_ratio)
        n = lin.domain_sums(dt.cnt, dt.pair_domain, family.n_domains)
        n_psu = lin.domain_sums((dt.cnt > 0).astype(np.float64), dt.pair_domain, family.n_domains)
        var = lin.psu_variance(dt.pair_domain, dt.pair_psu, z, family.n_domains, compiled)
        # A variance that is not estimable (one PSU) is 0 by the formula, never a design effect of 0.
        deff = np.where(n_psu >= 2, _deff(dt, var, is_ratio), np.nan)
        out.append(FamilyResult(family=family, totals=dt, estimate=est, z=z, var=var, n=n, n_psu=n_psu, deff=deff))
    return out


def summarise(
    est: np.ndarray,
    var: np.ndarray,
    n_psu: np.ndarray,
    compiled: CompiledDesign,
    *,
    logit: bool,
    alpha: float,
    df: int | None = None,
) -> dict[str, np.ndarray]:
    """SE, CI, CV and df from estimates and variances (NaN where fewer than 2 PSUs hold the domain)."""
    estimable = (n_psu >= 2) & np.isfinite(est)
    design_df = compiled.df if df is None else df
    df_arr = np.where(estimable, design_df, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(estimable, np.sqrt(np.maximum(var, 0.0)), np.nan)
        t = np.where(df_arr > 0, t_quantile(1 - alpha / 2, np.maximum(df_arr, 1)), np.nan)
        if logit:
            lo, hi = _logit_interval(est, se, t)
        else:
            lo, hi = est - t * se, est + t * se
        cv = np.where(est != 0, se / np.abs(est), np.nan)
    return {"se": se, "ci_low": lo, "ci_high": hi, "cv": cv, "df": df_arr}


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
            (frame["n"] > 0) & (frame["n_psu"] < 2),
            "{k} estimate(s) rest on fewer than 2 PSUs, so their variance is not estimable (SE and CI left blank, "
            "df = 0): {lab}.",
            "{k} ước lượng nằm trong ít hơn 2 PSU nên không ước lượng được sai số (để trống SE, khoảng tin cậy; "
            "df = 0): {lab}.",
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
                "{k} proportion(s) are 0% or 100%, where the logit interval is undefined: {lab}.",
                "{k} tỷ lệ bằng 0% hoặc 100%, khoảng tin cậy logit không xác định: {lab}.",
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
    logit: bool,
    scale: float,
    settings: EstimationSettings,
) -> pd.DataFrame:
    domains = domain_frame(results)
    k = len(names)
    blocks: dict[str, list[np.ndarray]] = {}
    for r in results:
        s = summarise(r.estimate, r.var, r.n_psu, compiled, logit=logit, alpha=settings.alpha)
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
    name: str, kind: str, *, success: float | Sequence[float], at_least: float | None, exclude: Sequence[float] | None
) -> lin.Measure:
    excluded = tuple(float(v) for v in exclude) if exclude is not None else ((DONT_KNOW,) if name in ITEMS else ())
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


def _logit_interval(p: np.ndarray, se: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    inside = (p > 0) & (p < 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t * se / (p * (1 - p))
        centre = np.log(p / (1 - p))
        lo = np.where(inside, 1 / (1 + np.exp(-(centre - half))), np.nan)
        hi = np.where(inside, 1 / (1 + np.exp(-(centre + half))), np.nan)
    return lo, hi


def _short(labels: Sequence[str], limit: int = 8) -> str:
    """Join the first ``limit`` labels, counting the rest."""
    labels = list(labels)
    shown = "; ".join(labels[:limit])
    return shown + (f"; … (+{len(labels) - limit})" if len(labels) > limit else "")
