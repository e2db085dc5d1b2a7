"""Design-based ratios of two variables, ``R = sum w y / sum w x``, for many domains in one call.

Method: the ratio estimator with its Taylor-linearised variable ``u_i = w_i (y_i - R x_i) / X`` (Woodruff 1971;
Lumley 2010, §3.3; R ``svyratio``), fed to the same kernel as the means (:mod:`danvan_analysis.survey._linearise`):
per cell one weighted bincount of ``y`` and one of ``x`` replace the mean's "answered" weight by ``x``. A row enters
when both ``y`` and ``x`` are present (and not a declared not-answered code, see :mod:`~danvan_analysis.survey.items`),
as R's ``svyratio(na.rm = TRUE)``. Domains, degrees of freedom, the second stage and the caveats are those of
:func:`~danvan_analysis.survey.estimate`; intervals are t intervals (``estimate ± t_df se``).
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
    _assemble,
    _require_columns,
    build_caveats,
    build_unit_cells,
    family_results,
    parse_by,
)
from danvan_analysis.survey.items import ItemScale, check_codes, item_scales
from danvan_analysis.survey.results import Estimates


def estimate_ratio(
    data: pd.DataFrame,
    design: SurveyDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: By = None,
    scales: Mapping[str, ItemScale] | None = None,
    settings: EstimationSettings | None = None,
) -> Estimates:
    """Estimate ratios ``sum w y / sum w x`` of paired columns for many domains, with design-based SEs.

    Parameters
    ----------
    data, design, by, scales, settings
        As in :func:`~danvan_analysis.survey.estimate`.
    numerator, denominator
        The ``y`` and ``x`` columns: one each, or two lists of the same length (pairs).

    Returns
    -------
    Estimates
        ``kind="ratio"``; ``variable`` is ``"y/x"``; ``deff`` is left blank (Kish's design effect is a mean's).

    Examples
    --------
    >>> estimate_ratio(survey, SurveyDesign(), "opinions_resolved", "opinions_raised", by="district_code")  # doctest: +SKIP
    """
    settings = settings or EstimationSettings()
    ys = [numerator] if isinstance(numerator, str) else list(numerator)
    xs = [denominator] if isinstance(denominator, str) else list(denominator)
    if not ys or len(ys) != len(xs):
        raise ParameterError(
            f"estimate_ratio(numerator={numerator!r}, denominator={denominator!r}): give one column each, or two "
            "lists of the same length (numerator i over denominator i)."
        )
    _require_columns(data, [*ys, *xs], what="ratio")
    declared = {c: s for c, s in item_scales(scales).items() if c in {*ys, *xs}}
    check_codes({c: _value_counts(data[c]) for c in declared}, declared)
    compiled = compile_design(data, design)
    families = [lin.encode_family(data, family) for family in parse_by(data, by)]
    cells = build_unit_cells(compiled, families)
    n_cells = len(cells.cell_unit)
    k = len(ys)
    num, den, sq, cnt = (np.empty((n_cells, k)) for _ in range(4))
    w = compiled.weights
    for j, (y_col, x_col) in enumerate(zip(ys, xs, strict=True)):
        y, x = _values(data, y_col, declared), _values(data, x_col, declared)
        valid = np.isfinite(y) & np.isfinite(x)
        y, x = np.where(valid, y, 0.0), np.where(valid, x, 0.0)
        num[:, j] = np.bincount(cells.cell, weights=w * y, minlength=n_cells)
        den[:, j] = np.bincount(cells.cell, weights=w * x, minlength=n_cells)
        sq[:, j] = np.bincount(cells.cell, weights=w * y * y, minlength=n_cells)
        cnt[:, j] = np.bincount(cells.cell, weights=valid.astype(np.float64), minlength=n_cells)
    totals = lin.CellTotals(num, den, sq, cnt, {})
    results = family_results(compiled, families, cells, totals, np.ones(k, dtype=bool))
    names = [f"{y}/{x}" for y, x in zip(ys, xs, strict=True)]
    frame = _assemble(results, names, compiled, proportion=False, ratio=True, scale=1.0, settings=settings)
    frame["deff"] = np.nan
    caveats = build_caveats(frame, compiled, settings, proportion=False)
    title = f"Weighted ratio of {k} pair(s) of variables for {sum(len(r.family.keys) for r in results)} domain(s)"
    return Estimates(title=title, _table=frame, caveats=caveats, kind="ratio", scale=1.0)


def _values(data: pd.DataFrame, column: str, declared: Mapping[str, ItemScale]) -> np.ndarray:
    values = pd.to_numeric(data[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    if column in declared:
        values = np.where(np.isin(values, declared[column].not_answered), np.nan, values)
    return values


def _value_counts(series: pd.Series) -> dict[float, int] | None:
    """``{value: rows}`` of an integer-valued column (``None`` if it holds fractions), NaN for missing."""
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if not np.array_equal(finite, np.round(finite)):
        return None
    uniques, counts = np.unique(finite, return_counts=True)
    return {float(v): int(c) for v, c in zip(uniques, counts, strict=True)}
