"""Design-based quantiles (the median of a score, ...) with Woodruff confidence intervals.

Method (Woodruff 1952, *JASA* 47; Lumley 2010, §2.4.1; R ``svyquantile(interval.type = "mean")``; svy 0.35's
``quantile``): in each domain the quantile ``q = F^-1(p)`` is the smallest value whose weighted empirical CDF
``F(y) = sum_{y_i <= y} w_i / sum w_i`` reaches ``p`` (R's ``qrule = "math"``, svy's ``q_method = "higher"``). The
variance is estimated on the probability scale: ``F(q)`` is a domain proportion (of ``y <= q``), whose design SE
``se_p`` comes from the kernel of :func:`~danvan_analysis.survey.estimate` (domains, df, second stage alike). The
interval inverts the CDF at ``F(q) -+ t_df se_p`` with the same rule; a limit whose probability leaves [0, 1] is
left blank. The reported SE is the back-solved half-width ``(upper - lower) / (2 t_df)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import SurveyDesign, compile_design
from danvan_analysis.survey.estimate import (
    By,
    EstimationSettings,
    build_caveats,
    build_unit_cells,
    domain_frame,
    family_results,
    parse_by,
    t_quantile,
)
from danvan_analysis.survey.items import ItemScale, check_codes, item_scales
from danvan_analysis.survey.ratios import _value_counts, _values
from danvan_analysis.survey.results import Estimates


def estimate_quantiles(
    data: pd.DataFrame,
    design: SurveyDesign,
    variable: str,
    *,
    probs: float | Sequence[float] = 0.5,
    by: By = None,
    scales: Mapping[str, ItemScale] | None = None,
    settings: EstimationSettings | None = None,
) -> Estimates:
    """Estimate quantiles of ``variable`` for many domains, with Woodruff intervals.

    Parameters
    ----------
    data, design, by, scales, settings
        As in :func:`~danvan_analysis.survey.estimate`.
    variable
        A numeric column (declared not-answered codes and ``<NA>`` are left out).
    probs
        Probabilities strictly inside (0, 1); 0.5 (default) is the median.

    Returns
    -------
    Estimates
        ``kind="quantile"``; a ``prob`` column beside ``variable``; ``estimate``, ``se`` (back-solved),
        ``ci_low``, ``ci_high``, ``n``, ``n_psu``, ``df``.
    """
    settings = settings or EstimationSettings()
    ps = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    if ps.size == 0 or not ((ps > 0) & (ps < 1)).all():
        raise ParameterError(f"estimate_quantiles(probs={probs!r}): give probabilities strictly between 0 and 1.")
    if variable not in data.columns:
        raise ParameterError(f"estimate_quantiles: the survey data have no column {variable!r}.")
    declared = {c: s for c, s in item_scales(scales).items() if c == variable}
    check_codes({c: _value_counts(data[c]) for c in declared}, declared)
    compiled = compile_design(data, design)
    y = _values(data, variable, declared)
    valid = np.isfinite(y)
    w = compiled.weights
    frames = []
    families = [lin.encode_family(data, family) for family in parse_by(data, by)]
    for family in families:
        cells = build_unit_cells(compiled, [family])
        n_cells = len(cells.cell_unit)
        cdfs = _domain_cdfs(y, w, family.codes, valid, family.n_domains)
        q = np.array([[_invert(cdf, p) for p in ps] for cdf in cdfs])  # domains x probs
        row_q = np.where(family.codes[:, None] >= 0, q[np.maximum(family.codes, 0)], np.nan)
        below = (y[:, None] <= row_q) & valid[:, None]
        num = np.column_stack(
            [np.bincount(cells.cell, weights=w * below[:, j], minlength=n_cells) for j in range(ps.size)]
        )
        den = np.bincount(cells.cell, weights=w * valid, minlength=n_cells)[:, None].repeat(ps.size, axis=1)
        cnt = np.bincount(cells.cell, weights=valid.astype(np.float64), minlength=n_cells)[:, None].repeat(ps.size, 1)
        totals = lin.CellTotals(num, den, num.copy(), cnt, {})
        (r,) = family_results(compiled, [family], cells, totals, np.ones(ps.size, dtype=bool))
        frames.append(_frame(r, cdfs, q, ps, variable, compiled, settings))
    frame = pd.concat(frames, ignore_index=True)
    caveats = build_caveats(frame, compiled, settings, proportion=False)
    title = f"Weighted quantile(s) {', '.join(f'{p:g}' for p in ps)} of {variable} (Woodruff intervals)"
    return Estimates(title=title, _table=frame, caveats=caveats, kind="quantile", scale=1.0)


def _domain_cdfs(
    y: np.ndarray, w: np.ndarray, codes: np.ndarray, valid: np.ndarray, n_domains: int
) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per domain: its sorted values and weighted CDF (``None`` for a domain without values)."""
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    keep = valid & (codes >= 0)
    order = np.lexsort((y[keep], codes[keep]))
    ys, ws, ds = y[keep][order], w[keep][order], codes[keep][order]
    bounds = np.searchsorted(ds, np.arange(n_domains + 1))
    for d in range(n_domains):
        lo, hi = bounds[d], bounds[d + 1]
        if hi == lo:
            out.append(None)
            continue
        cum = np.cumsum(ws[lo:hi])
        out.append((ys[lo:hi], cum / cum[-1]))
    return out


def _invert(cdf: tuple[np.ndarray, np.ndarray] | None, p: float) -> float:
    """The smallest value whose CDF reaches ``p`` (NaN without values or outside [0, 1])."""
    if cdf is None or not 0 <= p <= 1:
        return np.nan
    values, f = cdf
    return float(values[min(int(np.searchsorted(f, p, side="left")), len(values) - 1)])


def _frame(r, cdfs, q, ps, variable, compiled, settings) -> pd.DataFrame:
    domains = domain_frame([r])
    n_domains, k = q.shape
    p_hat = r.estimate  # F(q): the domain share at or below its quantile
    estimable = (r.n_psu >= 2) & np.isfinite(q)
    df = np.full(q.shape, compiled.df, dtype=np.float64) if settings.df == "design" else r.df
    df = np.where(estimable, np.maximum(df, 0), 0)
    with np.errstate(invalid="ignore"):
        se_p = np.where(estimable, np.sqrt(np.maximum(r.var, 0.0)), np.nan)
        t = np.where(df > 0, t_quantile(1 - settings.alpha / 2, np.maximum(df, 1)), np.nan)
    lower, upper = p_hat - t * se_p, p_hat + t * se_p
    low = np.array([[_invert(cdfs[d], lower[d, j]) for j in range(k)] for d in range(n_domains)])
    high = np.array([[_invert(cdfs[d], upper[d, j]) for j in range(k)] for d in range(n_domains)])
    frame = domains.loc[domains.index.repeat(k)].reset_index(drop=True)
    frame["variable"] = pd.array([variable] * len(frame), dtype="string")
    frame["prob"] = np.tile(ps, n_domains)
    frame["estimate"] = q.reshape(-1)
    frame["se"] = ((high - low) / (2 * t)).reshape(-1)
    frame["ci_low"] = low.reshape(-1)
    frame["ci_high"] = high.reshape(-1)
    frame["cv"] = np.where(frame["estimate"] != 0, frame["se"] / frame["estimate"].abs(), np.nan)
    frame["n"] = r.n.reshape(-1).round().astype("int64")
    frame["n_psu"] = r.n_psu.reshape(-1).round().astype("int64")
    frame["df"] = df.reshape(-1).astype("int64")
    return frame
