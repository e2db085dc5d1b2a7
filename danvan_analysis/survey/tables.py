"""Two-way tables: the Rao-Scott corrected chi-square test of independence under the survey design.

Method (Rao & Scott 1984, *Annals of Statistics* 12(1); R ``svychisq(statistic = "F")``, the default; svy 0.35's
``tabulate(...).stats.f``): with ``p`` the ``r x c`` weighted joint cell shares (respondents with both answers) and
``V`` their design covariance (the linearised PSU totals of the cell shares, stratified as every estimate here),

* Pearson's ``X^2 = n sum_ij (p_ij - p_i. p_.j)^2 / (p_i. p_.j)`` with ``n`` the respondents in the table;
* ``C`` = the interaction columns of the cell design matrix ``~ row * col``, residualised on ``~ row + col``;
  ``D = diag(p)``; ``Delta = (C' D^-1 C / n)^-1 (C' D^-1 V D^-1 C)``, the generalised design effects;
* ``F = X^2 / tr(Delta)`` on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 x df`` degrees of freedom (df = the design's
  PSUs minus strata); the first-order chi-square ``X^2 / mean(diag(Delta))`` on ``(r - 1)(c - 1)`` df is given too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import SurveyDesign, compile_design
from danvan_analysis.survey.estimate import run_families
from danvan_analysis.survey.results import Caveat, SurveyResult


def rao_scott_test(data: pd.DataFrame, design: SurveyDesign, row: str, column: str) -> SurveyResult:
    """Test independence of ``row`` and ``column`` (categorical columns) with the Rao-Scott correction.

    Returns
    -------
    SurveyResult
        One row: ``row``, ``column``, ``levels_row``, ``levels_column``, ``n``, ``pearson`` (X^2), ``f``,
        ``df_num``, ``df_den``, ``p_value`` (the F test, R's default), ``chisq_first_order``, ``df_chisq``,
        ``p_chisq``, ``mean_deff`` (mean generalised design effect).

    Raises
    ------
    ParameterError
        A column is missing, or has fewer than 2 levels among respondents with both answers.
    """
    from scipy import special

    for name in (row, column):
        if name not in data.columns:
            raise ParameterError(f"rao_scott_test: the survey data have no column {name!r}.")
    compiled = compile_design(data, design)
    r_codes, r_levels = pd.factorize(data[row], sort=True)
    c_codes, c_levels = pd.factorize(data[column], sort=True)
    both = (r_codes >= 0) & (c_codes >= 0)
    nr, nc = len(r_levels), len(c_levels)
    if nr < 2 or nc < 2:
        raise ParameterError(f"rao_scott_test({row!r}, {column!r}): each needs at least 2 levels; found {nr} and {nc}.")
    cell = np.where(both, c_codes * nr + r_codes, -1)  # rows vary fastest, as R's expand.grid
    k = nr * nc
    frame = pd.DataFrame({"_cell": pd.array(np.where(both, cell, -1), dtype="Int64")})
    frame.loc[~both, "_cell"] = pd.NA
    measures = [lin.Measure(f"cell{j}", "_cell", _equals(j)) for j in range(k)]
    (result,) = run_families(frame, compiled, measures, [()])
    p = result.estimate[0]
    z = np.zeros((compiled.n_psus, k))
    z[result.totals.pair_psu] = result.z
    v = lin.psu_covariance(z, compiled)
    if result.stage2 is not None:
        z2 = np.zeros((compiled.stage2.n_psus, k))
        z2[result.stage2.pair_ssu] = result.stage2.z
        v = v + lin.psu_covariance(z2, compiled.stage2)
    n = int(both.sum())
    table = p.reshape(nc, nr).T  # rows x columns
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(n * np.nansum(np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)))
    delta = _design_effects(p, v, n, nr, nc)
    trace, trace2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0 = trace * trace / trace2
    f = pearson / trace
    df_chisq = (nr - 1) * (nc - 1)
    chisq = pearson / (trace / df_chisq)
    out = pd.DataFrame(
        {
            "row": [row],
            "column": [column],
            "levels_row": [nr],
            "levels_column": [nc],
            "n": [n],
            "pearson": [pearson],
            "f": [f],
            "df_num": [d0],
            "df_den": [d0 * compiled.df],
            "p_value": [float(special.fdtrc(d0, d0 * compiled.df, f))],
            "chisq_first_order": [chisq],
            "df_chisq": [df_chisq],
            "p_chisq": [float(special.chdtrc(df_chisq, chisq))],
            "mean_deff": [trace / df_chisq],
        }
    )
    caveats = ()
    if (expected * n < 5).any():
        caveats = (
            Caveat(
                "small_cells",
                "Some expected cell counts are below 5; the corrected test is approximate.",
                "Một số ô có tần số kỳ vọng dưới 5; kiểm định hiệu chỉnh chỉ gần đúng.",
            ),
        )
    return SurveyResult(title=f"Rao-Scott test of independence: {row} x {column}", _table=out, caveats=caveats)


def _design_effects(p: np.ndarray, v: np.ndarray, n: int, nr: int, nc: int) -> np.ndarray:
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    main = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows == i).astype(float) for i in range(1, nr)]
        + [(cols == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack([((rows == i) & (cols == j)).astype(float) for j in range(1, nc) for i in range(1, nr)])
    coef, *_ = np.linalg.lstsq(main, inter, rcond=None)
    c = inter - main @ coef
    inv_d = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0))
    denom = c.T @ (inv_d / n) @ c
    numer = c.T @ inv_d @ v @ inv_d @ c
    return np.linalg.solve(denom, numer)


def _equals(level: int):
    def indicator(values: np.ndarray) -> np.ndarray:
        return (values == level).astype(np.float64)

    return indicator
