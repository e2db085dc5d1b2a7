"""Calibration of survey weights to known population totals: post-stratification, raking, linear calibration.

Method
------
Starting from the weights ``d_i`` (design weights, the inverse inclusion probabilities), the calibrated weights
``w_i = g_i d_i`` reproduce known totals of categorical margins exactly, ``sum_i w_i x_i = T`` (``x_i`` = the
respondent's level indicators of each margin), with ``g_i = F(x_i' lambda)`` as close to 1 as the distance allows
(Deville and Särndal 1992, *JASA* 87: 376-382; Deville, Särndal and Sautory 1993, *JASA* 88: 1013-1020):

* ``"poststratify"``: one margin (a column or a crossing of columns); ``g = T_c / sum_{i in c} d_i`` per cell
  (R ``postStratify``);
* ``"raking"``: several margins, ``F(u) = exp(u)`` (multiplicative raking; the fixed point of iterative
  proportional fitting, R ``rake`` and ``calibrate(calfun = "raking")``);
* ``"linear"``: ``F(u) = 1 + u`` (the GREG weights, R ``calibrate(calfun = "linear")``).

``bounds = (L, U)`` bound the factors, ``L <= g_i <= U`` (R's ``calibrate(bounds = ...)``, svy's ``bounds``): the
truncated distance of Deville, Särndal and Sautory (1993), solved by Newton's method on ``lambda`` with the bounded
factors held at their bound, so the totals are still met exactly; this is how the weights are trimmed here (trimming
*after* calibration would break the totals and the variance below). Equations solved to a relative error of 1e-12.

Variance: a calibrated design (:attr:`CalibratedWeights.design`, i.e. ``SurveyDesign(calibration=...)``) makes
every estimator use each linearised variable's residual on the margins, regression weighted by ``d``, as R's
``svyrecvar`` does for ``calibrate`` and ``postStratify`` designs (see :mod:`danvan_analysis.survey._calibration`).
R's ``rake()`` and svy's ``rake`` use unweighted residuals instead (a backfitting shortcut); the weighted residual is
the Deville-Särndal linearisation that every calibration method shares, and agrees with R/svy exactly for
post-stratification and linear calibration.

Diagnostics (:meth:`CalibratedWeights.summary`): the sum, min, max and max/min ratio of the weights before and
after, and Kish's design effect of weighting ``1 + CV^2 = n sum w^2 / (sum w)^2`` (Kish 1965, §11.7), with the
sum before/after and the factor of each margin level in :meth:`CalibratedWeights.to_frame`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import DesignError, ParameterError, SchemaError
from danvan_analysis.paths import package_data
from danvan_analysis.survey._calibration import cross_margins, margin_codes
from danvan_analysis.survey.design import Calibration, SurveyDesign, _weights
from danvan_analysis.survey.results import Caveat, SurveyResult

Method = Literal["raking", "poststratify", "linear"]
METHODS: tuple[str, ...] = ("raking", "poststratify", "linear")
#: One margin: a column (or a tuple of columns, crossed) -> {level: population total}; a crossed level is
#: ``"a|b"`` or the tuple ``("a", "b")``.
Margins = Mapping[str | tuple[str, ...], Mapping[object, float] | pd.Series]
#: Columns of a margin file that document rather than classify.
_LABEL_COLUMNS = ("source", "note", "derived")
_TOLERANCE = 1e-12
#: Kish's design effect of weighting above which a caveat is raised.
_DEFF_CAVEAT = 2.0


@dataclass(frozen=True, eq=False)
class CalibratedWeights(SurveyResult):
    """Calibrated weights, their design and diagnostics (from :func:`calibrate`).

    The table (``to_frame()``) has one row per margin level: ``margin``, ``level``, ``population`` (the control
    total), ``n`` (respondents), ``before`` and ``after`` (sum of the weights), ``factor`` (after / before).

    Attributes
    ----------
    weights
        The calibrated weights, indexed like the data.
    prior
        The weights before calibration.
    design
        The design to estimate with: ``weight`` = the calibrated column, ``calibration`` = the margins and the
        prior-weight column, so that SEs account for the calibration. Estimate on :meth:`apply` 's output.
    method
        ``"raking"``, ``"poststratify"`` or ``"linear"``.
    iterations
        Newton iterations used (0 for post-stratification).
    """

    weights: pd.Series = field(default=None, repr=False)  # type: ignore[assignment]
    prior: pd.Series = field(default=None, repr=False)  # type: ignore[assignment]
    design: SurveyDesign = field(default=None, repr=False)  # type: ignore[assignment]
    method: str = "raking"
    iterations: int = 0
    _summary: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    def summary(self) -> pd.DataFrame:
        """Weight statistics before and after: ``statistic``, ``before``, ``after`` (a copy)."""
        return self._summary.copy()

    def apply(self, data: pd.DataFrame) -> pd.DataFrame:
        """Return a copy of ``data`` with the calibrated weights and, beside them, the weights before calibration.

        ``data`` must be the frame given to :func:`calibrate` (same index); the result is what :attr:`design`
        reads (``design.weight`` and ``design.calibration.prior_weight``).
        """
        if not data.index.equals(self.weights.index):
            raise ParameterError(
                "CalibratedWeights.apply(data): data is not the frame that was calibrated (its index differs). "
                "Hint: apply the weights to the same rows, before filtering; estimate domains with by=."
            )
        assert self.design.calibration is not None  # calibrate() always sets it
        out = data.copy()
        out[self.design.calibration.prior_weight] = self.prior.to_numpy()
        out[self.design.weight] = self.weights.to_numpy()
        return out


def calibrate(
    data: pd.DataFrame,
    design: SurveyDesign,
    margins: Margins,
    *,
    method: Method = "raking",
    bounds: tuple[float, float] | None = None,
    weight: str | None = None,
    prior_weight: str = "design_weight",
    max_iter: int = 100,
) -> CalibratedWeights:
    """Calibrate the weights of ``data`` (column ``design.weight``) to known totals of categorical margins.

    Parameters
    ----------
    data
        The survey, one row per respondent, with the weight column and every margin column (no missing values in
        them: a respondent with no level cannot be calibrated).
    design
        The survey design; its ``weight`` column holds the weights to calibrate (the design weights).
    margins
        ``{column: {level: total}}`` per margin, or ``{(col_a, col_b): {(a, b): total}}`` for a crossed margin
        (``"a|b"`` keys work too); a :class:`pandas.Series` indexed by level works as the mapping. Every level in
        the data needs a total and every total a respondent. See :func:`read_margin` and
        :func:`census_district_margin`.
    method
        ``"raking"`` (default), ``"poststratify"`` (exactly one margin) or ``"linear"``; see the module docstring.
    bounds
        ``(low, high)`` with ``0 <= low <= 1 <= high``: bounds on the factor ``g = w / d`` (the trimming); ``None``
        for none. Post-stratification cannot bound its factors: it refuses bounds that its factors break.
    weight
        Name of the calibrated weight column in :meth:`CalibratedWeights.apply` and the returned design; default
        ``design.weight`` (the calibrated weights replace the design weights).
    prior_weight
        Name under which :meth:`CalibratedWeights.apply` keeps the weights before calibration.
    max_iter
        Newton iterations allowed (raking, linear).

    Returns
    -------
    CalibratedWeights
        The weights, the design that accounts for them, and the diagnostics.

    Raises
    ------
    SchemaError
        A margin column is missing from the data.
    DesignError
        A level without a total or a total without respondents, totals that disagree between margins, missing
        margin values, bounds that cannot be met, or no convergence.

    Examples
    --------
    >>> cal = calibrate(survey, SurveyDesign(), {"district_code": {"164": 238282, ...}})  # doctest: +SKIP
    >>> estimate(cal.apply(survey), cal.design, "q01")                                     # doctest: +SKIP
    """
    if method not in METHODS:
        raise ParameterError(f"calibrate(method={method!r}): expected one of {', '.join(METHODS)}.")
    weight = weight or design.weight
    if weight == prior_weight:
        raise ParameterError(
            f"calibrate(weight={weight!r}, prior_weight={prior_weight!r}): the two columns need different names."
        )
    parsed = _parse_margins(data, margins)
    if method == "poststratify" and len(parsed) != 1:
        raise ParameterError(
            f"calibrate(method='poststratify') takes exactly one margin (a column or a crossing); got "
            f"{len(parsed)}. Hint: method='raking' for several margins, or cross them: {{('sex', 'age_group'): ...}}."
        )
    _check_bounds(bounds)
    prior = _weights(data, design.weight)
    columns = tuple(m.columns for m in parsed)
    cells, model, prior_total, targets = _cell_problem(data, parsed, prior)
    if method == "poststratify":
        factor, iterations = targets[np.argmax(model, axis=1)] / prior_total, 0
        _check_factors(factor, bounds)
    else:
        factor, iterations = _solve(model, prior_total, targets, method=method, bounds=bounds, max_iter=max_iter)
    new = prior * factor[cells]
    calibrated = replace(design, weight=weight, calibration=Calibration(margins=columns, prior_weight=prior_weight))
    table = _margin_table(parsed, data, prior, new)
    summary = _summary(prior, new, factor[cells])
    return CalibratedWeights(
        title=f"Weights calibrated by {method} to {len(parsed)} margin(s), {len(table)} control total(s)",
        _table=table,
        caveats=_caveats(summary),
        weights=pd.Series(new, index=data.index, name=weight),
        prior=pd.Series(prior, index=data.index, name=prior_weight),
        design=calibrated,
        method=method,
        iterations=iterations,
        _summary=summary,
    )


def read_margin(path: Path | str, *, total: str = "population", columns: Sequence[str] | None = None) -> Margins:
    """Read one margin from a CSV file: the margin column(s), then the population total of each level.

    Format (UTF-8, one row per level, header required)::

        sex,age_group,population,source
        female,18-29,123456,"GSO, 2019 census, table ..."

    Every column other than ``total``, ``source``, ``note``, ``derived`` and ``*_name`` (labels) is a margin column;
    several are crossed. Codes are read as text, as the survey's are (``164``, ``18-29``, ``female``).

    Raises
    ------
    SchemaError
        The file lacks the total column, has no margin column, a total is not a number > 0, or a level repeats.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise SchemaError(f"Margin file {path}: cannot be read as a UTF-8 CSV ({err}).") from err
    if total not in table.columns:
        raise SchemaError(
            f"Margin file {path}: no column {total!r} (the population total of each level); the columns are "
            f"{list(table.columns)}. Hint: margin column(s), then {total!r}."
        )
    if columns is None:
        columns = [c for c in table.columns if c != total and c not in _LABEL_COLUMNS and not c.endswith("_name")]
    missing = [c for c in columns if c not in table.columns]
    if not columns or missing:
        raise SchemaError(
            f"Margin file {path}: margin column(s) {missing or '(none)'} not found; the columns are "
            f"{list(table.columns)}."
        )
    values = pd.to_numeric(table[total].str.replace(",", "", regex=False), errors="coerce")
    bad = np.flatnonzero(~(values > 0).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise SchemaError(
            f"Margin file {path}, row {row + 2}, column {total!r}: {table[total].iloc[row]!r} is not a number > 0. "
            "Hint: population counts, without thousands separators other than ','."
        )
    keys = table[list(columns)].astype(str).agg("|".join, axis=1)
    repeated = keys[keys.duplicated()]
    if len(repeated):
        row = int(repeated.index[0])
        raise SchemaError(
            f"Margin file {path}, row {row + 2}: the level {repeated.iloc[0]!r} of {list(columns)} appears twice."
        )
    name: str | tuple[str, ...] = columns[0] if len(columns) == 1 else tuple(columns)
    return {name: dict(zip(keys, values.to_numpy(dtype=np.float64), strict=True))}


def census_district_margin() -> Margins:
    """The shipped district margin: each district's population at the 2019 census (all ages).

    From ``danvan_analysis/data/district_population_2019.csv`` (``population_2019``; sources in
    ``docs/sources.md``). These are **all-age** counts: calibrated weights then sum to each district's total
    population, and the adults' distribution across districts is taken to be that of the whole population. Supply
    adult (18+) counts with :func:`read_margin` when you have them.
    """
    return read_margin(package_data("district_population_2019.csv"), total="population_2019", columns=["district_code"])


@dataclass(frozen=True)
class _Margin:
    """One parsed margin: its columns, each row's level code, the level labels and their totals."""

    columns: tuple[str, ...]
    codes: np.ndarray
    labels: list[str]
    totals: np.ndarray

    @property
    def name(self) -> str:
        return " x ".join(self.columns)


def _parse_margins(data: pd.DataFrame, margins: Margins) -> list[_Margin]:
    if not margins:
        raise ParameterError("calibrate(margins={}): give at least one margin, e.g. {'district_code': {...}}.")
    parsed = []
    for key, spec in margins.items():
        columns = (key,) if isinstance(key, str) else tuple(key)
        absent = [c for c in columns if c not in data.columns]
        if absent:
            raise SchemaError(
                f"calibrate(): the margin column(s) {absent} are not in the survey data; it has "
                f"{list(data.columns)[:15]}... Hint: the margin's columns must be survey columns (district_code, sex, "
                "age_group, ...)."
            )
        mapping = spec.to_dict() if isinstance(spec, pd.Series) else dict(spec)
        totals_by_label = {
            ("|".join(str(v) for v in k) if isinstance(k, tuple) else str(k)): float(v) for k, v in mapping.items()
        }
        codes, labels = margin_codes(data, columns)
        name = " x ".join(columns)
        no_total = [lab for lab in labels if lab not in totals_by_label]
        if no_total:
            raise DesignError(
                f"calibrate(): margin {name} has no population total for the level(s) {no_total[:10]} found in the "
                f"data; the totals cover {sorted(totals_by_label)[:10]}. Hint: fix the codes of the margin, or "
                "collapse levels in both the data and the totals."
            )
        empty = [lab for lab in totals_by_label if lab not in labels]
        if empty:
            raise DesignError(
                f"calibrate(): margin {name} has population totals for the level(s) {empty[:10]} but no respondent "
                "in them, so no weight can reach them. Hint: collapse those levels with a neighbour in both the data "
                "and the totals."
            )
        totals = np.array([totals_by_label[lab] for lab in labels])
        if not (np.isfinite(totals) & (totals > 0)).all():
            raise DesignError(f"calibrate(): margin {name} has a total that is not a number > 0: {mapping}.")
        parsed.append(_Margin(columns, codes, labels, totals))
    grand = np.array([m.totals.sum() for m in parsed])
    if len(parsed) > 1 and np.ptp(grand) > 1e-6 * grand.max():
        shown = ", ".join(f"{m.name}: {t:,.0f}" for m, t in zip(parsed, grand, strict=True))
        raise DesignError(
            f"calibrate(): the margins add up to different populations ({shown}), so no weights can meet them all. "
            "Hint: take every margin from the same source and population (e.g. adults 18+ of the same census), or "
            "rescale one to the other's total."
        )
    return parsed


def _cell_problem(
    data: pd.DataFrame, margins: list[_Margin], prior: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Calibration cells (crossing of the margins): row cell codes, model matrix, prior totals and the targets."""
    cells, model = cross_margins([(m.codes, len(m.labels)) for m in margins])
    prior_total = np.bincount(cells, weights=prior, minlength=model.shape[0])
    targets = np.concatenate([m.totals for m in margins])
    return cells, model, prior_total, targets


def _solve(
    model: np.ndarray,
    prior_total: np.ndarray,
    targets: np.ndarray,
    *,
    method: str,
    bounds: tuple[float, float] | None,
    max_iter: int,
) -> tuple[np.ndarray, int]:
    """Newton's method on ``lambda`` for ``X' (D F(X lambda)) = T``, factors truncated at the bounds."""
    low, high = bounds if bounds is not None else (-np.inf, np.inf)
    lam = np.zeros(model.shape[1])

    def factors(lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = model @ lam
        raw = np.exp(u) if method == "raking" else 1.0 + u
        slope = raw if method == "raking" else np.ones_like(u)
        inside = (raw > low) & (raw < high)
        return np.clip(raw, low, high), np.where(inside, slope, 0.0)

    def misfit(g: np.ndarray) -> np.ndarray:
        return targets - model.T @ (prior_total * g)

    g, slope = factors(lam)
    gap = misfit(g)
    for iteration in range(1, max_iter + 1):
        jacobian = model.T @ (model * (prior_total * slope)[:, None])
        step = np.linalg.lstsq(jacobian, gap, rcond=None)[0]
        size = 1.0
        while True:
            g_new, slope_new = factors(lam + size * step)
            gap_new = misfit(g_new)
            if np.abs(gap_new).max() < np.abs(gap).max() or size < 1e-8:
                break
            size /= 2
        lam, g, slope, gap = lam + size * step, g_new, slope_new, gap_new
        if np.all(np.abs(gap) <= _TOLERANCE * targets):
            if method == "linear" and (g <= 0).any():
                raise DesignError(
                    "calibrate(method='linear') gives some respondents a weight <= 0 (factors down to "
                    f"{g.min():.3g}). Hint: method='raking' (factors stay positive), or bounds=(0.2, 5)."
                )
            return g, iteration
    worst = np.abs(gap / targets).max()
    hint = (
        "Hint: widen the bounds (they may leave no solution), or collapse sparse levels."
        if bounds is not None
        else "Hint: collapse levels with few respondents, or check that the margins come from one population."
    )
    raise DesignError(
        f"calibrate(method={method!r}) did not meet the totals after {max_iter} iterations (largest relative miss "
        f"{worst:.2e}). {hint}"
    )


def _check_bounds(bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"calibrate(bounds={bounds!r}): expected (low, high), e.g. (0.3, 3).") from err
    if not (0 <= low <= 1 <= high):
        raise ParameterError(
            f"calibrate(bounds={bounds!r}): expected 0 <= low <= 1 <= high (bounds on the factor new / old weight), "
            "e.g. (0.3, 3)."
        )


def _check_factors(factor: np.ndarray, bounds: tuple[float, float] | None) -> None:
    if bounds is None:
        return
    low, high = bounds
    if (factor < low).any() or (factor > high).any():
        raise DesignError(
            f"calibrate(method='poststratify'): the post-stratification factors run from {factor.min():.3g} to "
            f"{factor.max():.3g}, outside bounds={bounds!r}, and post-stratification cannot bound them. Hint: "
            "collapse the post-strata with extreme factors, or rake on the margins with bounds."
        )


def _margin_table(margins: list[_Margin], data: pd.DataFrame, prior: np.ndarray, new: np.ndarray) -> pd.DataFrame:
    rows = []
    for m in margins:
        k = len(m.labels)
        before = np.bincount(m.codes, weights=prior, minlength=k)
        after = np.bincount(m.codes, weights=new, minlength=k)
        count = np.bincount(m.codes, minlength=k)
        rows.append(
            pd.DataFrame(
                {
                    "margin": m.name,
                    "level": m.labels,
                    "population": m.totals,
                    "n": count.astype(np.int64),
                    "before": before,
                    "after": after,
                    "factor": after / before,
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    for column in ("margin", "level"):
        table[column] = table[column].astype("string")
    return table


def _summary(prior: np.ndarray, new: np.ndarray, factor: np.ndarray) -> pd.DataFrame:
    def stats(w: np.ndarray) -> list[float]:
        n = len(w)
        return [n, w.sum(), w.min(), w.max(), w.max() / w.min(), w.mean(), n * (w * w).sum() / w.sum() ** 2]

    names = ["respondents", "sum", "min", "max", "max/min", "mean", "kish_deff"]
    table = pd.DataFrame({"statistic": names, "before": stats(prior), "after": stats(new)})
    extra = pd.DataFrame(
        {"statistic": ["factor_min", "factor_max"], "before": [1.0, 1.0], "after": [factor.min(), factor.max()]}
    )
    table = pd.concat([table, extra], ignore_index=True)
    table["statistic"] = table["statistic"].astype("string")
    return table


def _caveats(summary: pd.DataFrame) -> tuple[Caveat, ...]:
    deff = float(summary.set_index("statistic").loc["kish_deff", "after"])
    if deff <= _DEFF_CAVEAT:
        return ()
    return (
        Caveat(
            "weighting_deff",
            f"The calibrated weights have a design effect of weighting (1 + CV^2) of {deff:.2f}: unequal weights "
            "alone inflate variances by that much. Consider bounds=(low, high) on the factors.",
            f"Quyền số sau hiệu chỉnh có hệ số ảnh hưởng thiết kế do quyền số (1 + CV^2) bằng {deff:.2f}: riêng sự "
            "chênh lệch quyền số làm phương sai tăng chừng ấy lần. Nên giới hạn hệ số điều chỉnh (bounds).",
            0,
        ),
    )
