"""Design-based comparisons of SIPAS-style indices: each district against the rest of the province, and years.

Method
------
*District vs rest.* A district and the rest of the province are two domains of the **same** design; their estimates
are correlated through the strata and PSUs they share (none when districts are strata, but the code does not rely on
it). The difference ``D = R_d - R_rest`` is linearised directly: its PSU totals are ``z_d - z_rest``, with
``z_rest`` built from the province PSU totals minus the district's, so the covariance is accounted for exactly
(Lumley 2010, §2.2.3, ``svycontrast`` of ``svyby(covmat=TRUE)``). ``t = D / se`` on the design's degrees of freedom
(the contrast's linearised variable lives in every PSU: the district's and the rest's);
p-values are Holm-adjusted across districts, per index (the step-down formula of
``statsmodels.stats.multitest.multipletests(method="holm")``, vectorised over indices; see :func:`_holm`).

*Year on year.* Samples of different years are independent: the years are pooled with **year-specific strata**
(stratum = year x stratum), so no PSU is shared and the covariance term is 0; the change ``R_{d,t1} - R_{d,t0}`` is
linearised the same way, giving ``V = V_t0 + V_t1``. The degrees of freedom are the domain's (its PSUs minus its
strata in the two years, the default ``EstimationSettings(df="domain")``), or the two years' whole designs' with
``df="design"``.

Composites (element, aspect, overall indices) are linear in the item ratios, so contrasts of composites are the same
combination of the item contrasts (see :mod:`danvan_analysis.survey.sipas`). Differences are in index points
(percentage points for share indices).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import pandas as pd

from danvan_analysis.errors import DesignError, ParameterError, SchemaError
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import (
    Calibration,
    CompiledDesign,
    DesignWarning,
    SurveyDesign,
    compile_design,
)
from danvan_analysis.survey.estimate import (
    DomainSpec,
    EstimationSettings,
    FamilyResult,
    parse_by,
    t_quantile,
    t_sf,
)
from danvan_analysis.survey.results import Caveat, Comparison, SipasIndices
from danvan_analysis.survey.sipas import (
    IndexRule,
    Measure,
    _item_results,
    composite_df,
    index_scale,
    sipas_indices,
    sipas_items,
    standard_composites,
)

_LEVELS = ("item", "element", "aspect", "overall")


def compare_districts(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    district: str = "district_code",
    measure: Measure = "share",
    levels: Sequence[str] = ("overall", "aspect", "element"),
    rule: IndexRule | None = None,
    settings: EstimationSettings | None = None,
) -> Comparison:
    """Compare each district's SIPAS-style indices with the rest of the province.

    Parameters
    ----------
    data
        Survey data of one year.
    design
        The survey design.
    district
        The domain column compared (each value against all other rows).
    measure
        ``"share"`` or ``"mean_score"`` index.
    levels
        Index levels to compare: any of ``"item"``, ``"element"``, ``"aspect"``, ``"overall"``.
    rule
        Aggregation rule (its ``measures`` are ignored: ``measure`` decides).
    settings
        Confidence level (also the significance level of ``significant``).

    Returns
    -------
    Comparison
        Columns: the district column, ``level``, ``code``, ``label_vi``, ``label_en``, ``measure``, ``estimate``
        (district), ``estimate_rest``, ``difference`` (district - rest, index points), ``se``, ``ci_low``,
        ``ci_high``, ``t``, ``df``, ``p_value``, ``p_holm``, ``significant`` (Holm p < alpha), ``n``, ``n_rest``.
    """
    settings = settings or EstimationSettings()
    rule = _single_measure(rule, measure)
    meta, a = _index_rows(rule, levels)
    compiled = compile_design(data, design)
    _first_stage_only(compiled, "compare_districts")
    if compiled.calibration is not None:
        warnings.warn(
            "compare_districts treats calibrated weights as fixed: its SEs leave out the calibration (usually "
            "slightly conservative). Hint: estimate_contrast() gives calibrated SEs of differences between domains.",
            DesignWarning,
            stacklevel=2,
        )
    province, districts = _item_results(data, compiled, sipas_items(), rule, parse_by(data, [None, district]))
    offset, scale = index_scale(measure, rule)
    p_total = _dense(province, 0, compiled.n_psus)
    rows, groups, psus, zs = [], [], [], []
    for d in range(districts.family.n_domains):
        y_d, x_d, c_d = _dense(districts, d, compiled.n_psus)
        y_r, x_r, c_r = p_total[0] - y_d, p_total[1] - x_d, p_total[2] - c_d
        est_d, z_d = _ratio(y_d, x_d)
        est_r, z_r = _ratio(y_r, x_r)
        estimable = (_psus(c_d, a) >= 2) & (_psus(c_r, a) >= 2)
        groups.append(np.full(compiled.n_psus, d))
        psus.append(np.arange(compiled.n_psus))
        zs.append((z_d - z_r) @ a.T * scale)
        rows.append(
            {
                "estimate": (a @ est_d - offset) * scale,
                "estimate_rest": (a @ est_r - offset) * scale,
                "difference": a @ (est_d - est_r) * scale,
                "estimable": estimable,
                "n": _min_n(c_d, a),
                "n_rest": _min_n(c_r, a),
            }
        )
    var = lin.psu_variance(np.concatenate(groups), np.concatenate(psus), np.vstack(zs), len(rows), compiled)
    frame = _frame(districts.family.keys, meta, measure, rows, var, compiled.df, settings.alpha)
    frame = _holm(frame, ["level", "code"], settings.alpha)
    caveats = _caveats(frame, settings, compiled, ("n", "n_rest"))
    title = f"Each {district} vs the rest ({measure} index, difference in index points, Holm-adjusted p)"
    return Comparison(title=title, _table=frame, caveats=caveats)


def compare_years(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    by: str | None = "district_code",
    years: tuple[int, int] | None = None,
    measure: Measure = "share",
    levels: Sequence[str] = ("overall", "aspect", "element"),
    rule: IndexRule | None = None,
    settings: EstimationSettings | None = None,
) -> Comparison:
    """Year-on-year change of SIPAS-style indices for the province and each domain of ``by``.

    Parameters
    ----------
    data
        Survey data of several years (column ``year``), each year with its own design columns.
    design
        The design of one year; strata are made year-specific here.
    by
        Domain column (``None``: the province only).
    years
        ``(from, to)``; default: every pair of consecutive years present.
    measure, levels, rule, settings
        As in :func:`compare_districts`.

    Returns
    -------
    Comparison
        Columns ``by``, ``domain``, the domain column, ``level``, ``code``, names, ``measure``, ``year_from``,
        ``year_to``, ``estimate_from``, ``estimate_to``, ``change``, ``se``, ``ci_low``, ``ci_high``, ``t``, ``df``,
        ``p_value``, ``p_holm`` (across the domains of ``by``, per index and pair of years), ``significant``.
    """
    settings = settings or EstimationSettings()
    rule = _single_measure(rule, measure)
    if "year" not in data.columns:
        raise SchemaError("compare_years needs a 'year' column in the survey data (the contract has one).")
    present = sorted(int(y) for y in pd.unique(data["year"].dropna()))
    pairs = [years] if years is not None else list(pairwise(present))
    if not pairs or any(y not in present for pair in pairs for y in pair):
        raise ParameterError(
            f"compare_years(years={years!r}): the data hold the year(s) {present}; a comparison needs two of them."
        )
    pooled = _pooled_design(design)
    meta, a = _index_rows(rule, levels)
    compiled = compile_design(data, pooled)
    _first_stage_only(compiled, "compare_years")
    families = [("year",)] + ([("year", by)] if by is not None else [])
    results = _item_results(data, compiled, sipas_items(), rule, parse_by(data, families))
    stratum_year = np.array([int(label.split("|", 1)[0]) for label in compiled.stratum_labels])
    frames = []
    for result in results:
        for y0, y1 in pairs:
            # Degrees of freedom of the two years compared: their PSUs minus their strata.
            df = int(
                np.isin(stratum_year[compiled.psu_stratum], [y0, y1]).sum() - np.isin(stratum_year, [y0, y1]).sum()
            )
            frame = _change_frame(
                result,
                compiled,
                meta,
                a,
                (y0, y1),
                df=None if settings.df == "domain" else df,
                measure=measure,
                rule=rule,
                alpha=settings.alpha,
            )
            if frame is not None:
                frames.append(_holm(frame, ["level", "code"], settings.alpha))
    frame = pd.concat(frames, ignore_index=True)
    front = ["by", "domain", *([by] if by is not None else [])]
    rest_columns = [c for c in frame.columns if c not in front and c not in ("n_from", "n_to")]
    frame = frame[
        front
        + rest_columns[: rest_columns.index("p_value") + 1]
        + ["n_from", "n_to"]
        + rest_columns[rest_columns.index("p_value") + 1 :]
    ]
    caveats = _caveats(frame, settings, compiled, ("n_from", "n_to"))
    title = f"Year-on-year change ({measure} index, index points; year-specific strata, independent samples)"
    return Comparison(title=title, _table=frame, caveats=caveats)


def sipas_trend(
    data: pd.DataFrame,
    design: SurveyDesign,
    *,
    by: str | None = "district_code",
    rule: IndexRule | None = None,
    settings: EstimationSettings | None = None,
) -> SipasIndices:
    """SIPAS-style indices for every year in ``data``, for the province and each domain of ``by`` (one call).

    The years are pooled with year-specific strata (see :func:`compare_years`), so each year's figures and SEs are
    those of that year's sample alone; the domains are ``year`` and ``year x by`` (columns ``year`` and ``by``). The
    degrees of freedom are those of the pooled design (all years' PSUs minus strata).
    """
    if "year" not in data.columns:
        raise SchemaError("sipas_trend needs a 'year' column in the survey data (the contract has one).")
    families: list[DomainSpec] = [("year",)] + ([("year", by)] if by is not None else [])
    result = sipas_indices(data, _pooled_design(design), by=families, rule=rule, settings=settings)
    frame = result.to_frame()
    frame["year"] = frame["year"].astype("int64")
    return SipasIndices(title=f"{result.title}, by year", _table=frame, caveats=result.caveats)


def _change_frame(
    result: FamilyResult,
    compiled: CompiledDesign,
    meta: pd.DataFrame,
    a: np.ndarray,
    years: tuple[int, int],
    *,
    df: int | None,
    measure: str,
    rule: IndexRule,
    alpha: float = 0.05,
) -> pd.DataFrame | None:
    """Change from ``years[0]`` to ``years[1]`` for every domain of a ``("year", ...)`` family (None if none).

    ``df=None``: each domain's own, the sum of its df in the two years (year-specific strata share no PSU).
    """
    y0, y1 = years
    offset, scale = index_scale(measure, rule)
    keys = result.family.keys
    rest = [c for c in result.family.by if c != "year"]
    text = keys.astype(str)
    label = pd.Series(
        [", ".join(f"{c}={v}" for c, v in zip(rest, row, strict=True)) for row in text[rest].itertuples(index=False)]
        if rest
        else ["all"] * len(keys)
    )
    position = {(lab, year): d for d, (lab, year) in enumerate(zip(label, text["year"], strict=True))}
    rows, groups, psus, zs, domain_rows, dfs = [], [], [], [], [], []
    own_df = composite_df(result, a, block=slice(None), compiled=compiled)
    for key in pd.unique(label):
        d0, d1 = position.get((key, str(y0))), position.get((key, str(y1)))
        if d0 is None or d1 is None:
            continue
        for d, sign in ((d0, -1.0), (d1, 1.0)):
            sel = result.totals.pair_domain == d
            groups.append(np.full(sel.sum(), len(rows)))
            psus.append(result.totals.pair_psu[sel])
            zs.append(sign * result.z[sel] @ a.T * scale)
        rows.append(
            {
                "estimate_from": (a @ result.estimate[d0] - offset) * scale,
                "estimate_to": (a @ result.estimate[d1] - offset) * scale,
                "difference": a @ (result.estimate[d1] - result.estimate[d0]) * scale,
                "estimable": (_min_over(result.n_psu[d0], a) >= 2) & (_min_over(result.n_psu[d1], a) >= 2),
                "n": _min_over(result.n[d1], a),
                "n_rest": _min_over(result.n[d0], a),
            }
        )
        domain_rows.append(d1)
        dfs.append(own_df[d0] + own_df[d1])
    if not rows:
        return None
    var = lin.psu_variance(np.concatenate(groups), np.concatenate(psus), np.vstack(zs), len(rows), compiled)
    row_df = np.concatenate(dfs) if df is None else df
    frame = _frame(keys.iloc[domain_rows][rest].reset_index(drop=True), meta, measure, rows, var, row_df, alpha)
    frame = frame.rename(columns={"difference": "change", "n": "n_to", "n_rest": "n_from"})
    frame.insert(0, "domain", pd.array(np.repeat(label.iloc[domain_rows].to_numpy(), len(meta)), "string"))
    frame.insert(0, "by", pd.array(["+".join(rest) or "all"] * len(frame), dtype="string"))
    frame.insert(frame.columns.get_loc("measure") + 1, "year_from", y0)
    frame.insert(frame.columns.get_loc("year_from") + 1, "year_to", y1)
    return frame


def _single_measure(rule: IndexRule | None, measure: str) -> IndexRule:
    rule = rule or IndexRule()
    if measure not in ("share", "mean_score"):
        raise ParameterError(f"measure={measure!r}: expected 'share' or 'mean_score'.")
    return IndexRule(rule.threshold, rule.weighting, (measure,), rule.dont_know, rule.scale_min, rule.scale_max)


def _index_rows(rule: IndexRule, levels: Sequence[str]) -> tuple[pd.DataFrame, np.ndarray]:
    unknown = [lv for lv in levels if lv not in _LEVELS]
    if unknown or not levels:
        raise ParameterError(f"levels={tuple(levels)!r}: expected a non-empty subset of {_LEVELS}.")
    meta, a = standard_composites(rule.weighting)
    keep = meta["level"].isin(levels).to_numpy()
    return meta[keep].reset_index(drop=True), a[keep]


def _pooled_design(design: SurveyDesign) -> SurveyDesign:
    fpc = design.fpc
    if fpc is not None and not isinstance(fpc, str):
        raise ParameterError(
            "compare_years needs the sampling fractions as a column (SurveyDesign(fpc='column')), because strata are "
            "made year-specific; a mapping keyed by stratum cannot tell the years apart."
        )
    return SurveyDesign(
        stratum=("year", *design.stratum_columns),
        psu=design.psu,
        weight=design.weight,
        ssu=design.ssu,
        fpc=fpc,
        single_psu=design.single_psu,
        ssu_fpc=design.ssu_fpc,
        # Each year was calibrated to its own totals: the pooled calibration cells are year x margin.
        calibration=None
        if design.calibration is None
        else Calibration(
            margins=tuple(("year", *m) for m in design.calibration.margin_columns),
            prior_weight=design.calibration.prior_weight,
        ),
    )


def _first_stage_only(compiled: CompiledDesign, what: str) -> None:
    if compiled.stage2 is not None:
        raise DesignError(
            f"{what} does not yet add the second-stage variance of a design with ssu_fpc. Hint: compare with "
            "SurveyDesign(fpc=None) (PSUs with replacement: conservative), or use estimate()/sipas_indices() with "
            "the two-stage design for each domain."
        )


def _dense(result: FamilyResult, domain: int, n_psus: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSU totals (n_psus x items) of the numerator, denominator and answered count of one domain."""
    totals = result.totals
    sel = totals.pair_domain == domain
    y = np.zeros((n_psus, totals.num.shape[1]))
    x = np.zeros_like(y)
    c = np.zeros_like(y)
    y[totals.pair_psu[sel]] = totals.num[sel]
    x[totals.pair_psu[sel]] = totals.den[sel]
    c[totals.pair_psu[sel]] = totals.cnt[sel]
    return y, x, c


def _ratio(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ratio estimates and linearised PSU totals from dense PSU totals."""
    ysum, xsum = y.sum(axis=0), x.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = ysum / xsum
        return r, (y - r * x) / xsum


def _psus(count: np.ndarray, a: np.ndarray) -> np.ndarray:
    return _min_over((count > 0).sum(axis=0).astype(np.float64), a)


def _min_n(count: np.ndarray, a: np.ndarray) -> np.ndarray:
    return _min_over(count.sum(axis=0), a)


def _min_over(per_item: np.ndarray, a: np.ndarray) -> np.ndarray:
    """For each index row of ``a``, the minimum of ``per_item`` over its items."""
    return np.where(a > 0, per_item[None, :], np.inf).min(axis=1)


def _frame(
    keys: pd.DataFrame,
    meta: pd.DataFrame,
    measure: str,
    rows: list[dict[str, np.ndarray]],
    var: np.ndarray,
    df: int | np.ndarray,
    alpha: float,
) -> pd.DataFrame:
    """The comparison table; ``df`` is one number or one per row (domain-major, as ``rows``)."""
    n_idx = len(meta)
    frame = keys.loc[keys.index.repeat(n_idx)].reset_index(drop=True)
    tiled = meta.iloc[np.tile(np.arange(n_idx), len(rows))].reset_index(drop=True)
    for column in ("level", "code", "label_vi", "label_en"):
        frame[column] = pd.array(tiled[column].tolist(), dtype="string")
    frame["measure"] = pd.array([measure] * len(frame), dtype="string")
    for column in [c for c in rows[0] if c not in ("estimable", "n", "n_rest")]:
        frame[column] = np.concatenate([r[column] for r in rows])
    estimable = np.concatenate([r["estimable"] for r in rows]) & np.isfinite(frame["difference"].to_numpy())
    df = np.broadcast_to(np.asarray(df, dtype=np.float64), estimable.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(estimable, np.sqrt(np.maximum(var.reshape(-1), 0)), np.nan)
        t_crit = np.where(df > 0, t_quantile(1 - alpha / 2, np.maximum(df, 1)), np.nan)
        diff = frame["difference"].to_numpy()
        t = diff / se
        frame["se"] = se
        frame["ci_low"] = diff - t_crit * se
        frame["ci_high"] = diff + t_crit * se
        frame["t"] = t
        frame["df"] = np.where(estimable, np.maximum(df, 0), 0).astype("int64")
        frame["p_value"] = np.where(estimable & (df > 0), 2 * t_sf(np.abs(t), np.maximum(df, 1)), np.nan)
    frame["n"] = np.concatenate([r["n"] for r in rows]).round().astype("int64")
    frame["n_rest"] = np.concatenate([r["n_rest"] for r in rows]).round().astype("int64")
    return frame


def _holm(frame: pd.DataFrame, keys: list[str], alpha: float) -> pd.DataFrame:
    """Add ``p_holm`` (Holm's step-down adjustment across the rows sharing ``keys``) and ``significant``.

    The step-down formula of ``multipletests(method="holm")``, ``min(1, max_{j<=i} (m - j + 1) p_(j))`` over the
    ``m`` valid p-values of a group sorted increasingly, applied to every group at once in numpy: statsmodels'
    function calls ``gc.collect()`` on each call (0.1 s or more per index in a notebook session with a large
    heap), and a pandas groupby per call costs more than the estimation. The tests check equality with
    ``multipletests`` and with the formula by hand.
    """
    frame = frame.copy()
    p = frame["p_value"].to_numpy(dtype=np.float64)
    group = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(frame[key], use_na_sentinel=False)
        group = group * len(uniques) + codes
    valid = ~np.isnan(p)
    order = np.flatnonzero(valid)
    order = order[np.lexsort((p[order], group[order]))]  # by group, then increasing p (stable for ties)
    g, ps = group[order], p[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, len(g)])
    rank = np.arange(len(g)) - np.repeat(starts, sizes)
    # min(1, running max) == running max of min(1, .): both operations are exact, so the order does not matter.
    step = np.minimum((np.repeat(sizes, sizes) - rank) * ps, 1.0)
    adjusted = np.full(len(p), np.nan)
    for first, size in zip(starts, sizes, strict=True):
        adjusted[order[first : first + size]] = np.maximum.accumulate(step[first : first + size])
    frame["p_holm"] = adjusted
    frame["significant"] = pd.array(np.where(valid, adjusted < alpha, pd.NA), dtype="boolean")
    return frame


def _caveats(
    frame: pd.DataFrame, settings: EstimationSettings, compiled: CompiledDesign, n_columns: tuple[str, str]
) -> tuple[Caveat, ...]:
    caveats = []
    lonely = compiled.single_psu_strata
    if lonely:
        caveats.append(
            Caveat(
                "single_psu_strata",
                f"{len(lonely)} stratum/strata have a single PSU; variance policy '{compiled.design.single_psu}'.",
                f"{len(lonely)} tầng chỉ có một PSU; cách xử lý phương sai: '{compiled.design.single_psu}'.",
            )
        )
    blank = int(frame["se"].isna().sum())
    if blank:
        caveats.append(
            Caveat(
                "few_psus",
                f"{blank} comparison(s) involve a domain in fewer than 2 PSUs or without answers: no SE or test.",
                f"{blank} so sánh có nhóm nằm trong ít hơn 2 PSU hoặc không có trả lời: không tính sai số, kiểm định.",
                blank,
            )
        )
    small = int(((frame[n_columns[0]] < settings.min_n) | (frame[n_columns[1]] < settings.min_n)).sum())
    if small:
        caveats.append(
            Caveat(
                "small_n",
                f"{small} comparison(s) rest on fewer than {settings.min_n} respondents on one side.",
                f"{small} so sánh có một bên dưới {settings.min_n} người trả lời.",
                small,
            )
        )
    return tuple(caveats)
