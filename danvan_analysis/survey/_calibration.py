"""Calibration-aware linearisation: replace a linearised variable by its residual on the calibration model (internal).

Method
------
Calibrated weights ``w_i = g_i d_i`` (``d_i`` the weights before calibration) estimate a total as
``sum w y = sum w e + T_x' B``, with ``T_x`` the known control totals and ``e_i = y_i - x_i' B`` the residual of the
regression of ``y`` on the calibration variables ``x`` (the margin dummies) weighted by ``d``. The second term has no
sampling variance, so the variance is that of the calibrated total of the residuals (Deville and Särndal 1992,
*JASA* 87, §3; Särndal, Swensson and Wretman 1992, §6.6; Lumley 2010, §7.2). For any linearised variable ``u_i``
(of a mean, a share, a total, a ratio, in any domain) this is R's ``svyrecvar`` rule for ``calibrate()`` and
``postStratify()`` designs::

    u_i  ->  u_i - w_i x_i' B,    B = (sum_j d_j x_j x_j')^+ sum_j d_j x_j u_j / w_j

Why it is cheap
---------------
Every calibration method here (post-stratification, raking, linear calibration, with or without bounds) on
categorical margins gives each respondent a factor ``g_i = F(x_i' lambda)`` that depends on her *calibration cell*
only (the crossing of all margin columns): ``g`` is constant within a cell. Then, per cell ``c``,
``sum_{j in c} d_j u_j / w_j = U_c / g_c`` with ``U_c`` the cell total of ``u``, so the fitted values are
``b = H U`` with the cell-level matrix ``H = X (X' diag(D) X)^+ X' diag(1 / g)`` (``D_c = sum_{j in c} d_j``), and the
correction of a sampling unit's total of ``u`` is ``sum_c W_{unit, c} b_c`` (``W`` = calibrated weight of the unit in
cell ``c``). The kernel therefore needs, per domain, only the cell totals of its numerator and denominator, which one
extra domain family (the calibration cell) in the cell codes provides. The correction reaches every sampling unit,
also those without domain members, so the calibrated kernel works on dense (domain x unit) pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from danvan_analysis.errors import DesignError

if TYPE_CHECKING:
    from scipy import sparse

#: Relative tolerance on the constancy of ``w / d`` within a calibration cell.
_G_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class CompiledCalibration:
    """The calibration model of one data frame (internal; built by :func:`compile_calibration`).

    Attributes
    ----------
    cell
        Calibration cell of each row, ``0..C-1`` (the crossing of the margin columns).
    model
        Cell-level model matrix ``X`` (C x p): one indicator per level of each margin.
    prior_total
        ``D_c``, the sum of the weights before calibration per cell.
    factor
        ``g_c``, the calibration factor of each cell.
    hat
        ``H = X (X' diag(D) X)^+ X' diag(1 / g)`` (C x C): cell totals of ``u`` -> fitted values ``b``.
    """

    cell: np.ndarray
    model: np.ndarray
    prior_total: np.ndarray
    factor: np.ndarray
    hat: np.ndarray

    @property
    def n_cells(self) -> int:
        """Number of calibration cells."""
        return int(self.prior_total.shape[0])

    def unit_weights(self, unit: np.ndarray, n_units: int, weights: np.ndarray) -> sparse.csr_matrix:
        """``W`` (n_units x C): calibrated weight of every sampling unit in every calibration cell."""
        from scipy import sparse

        return sparse.csr_matrix((weights, (unit, self.cell)), shape=(n_units, self.n_cells))

    def residualise(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Row-level linearised values (n x k) -> their calibration residuals ``u - w b[cell]``."""
        rows = np.asarray(rows, dtype=np.float64).reshape(len(weights), -1)
        totals = np.zeros((self.n_cells, rows.shape[1]))
        np.add.at(totals, self.cell, rows)
        fitted = self.hat @ totals
        return rows - weights[:, None] * fitted[self.cell]


def compile_calibration(
    data: pd.DataFrame, margins: Sequence[tuple[str, ...]], prior_column: str, weights: np.ndarray
) -> CompiledCalibration:
    """Encode the calibration cells of ``data`` and check that ``weights`` calibrate ``prior_column`` on them.

    Raises
    ------
    DesignError
        A margin column is missing on some row, a prior weight is not positive, or ``w / d`` varies within a cell
        (the weights were changed after calibration, e.g. trimmed, or calibrated on other margins).
    """
    prior = data[prior_column].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~(np.isfinite(prior) & (prior > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DesignError(
            f"Column {prior_column!r} (weight before calibration) must be a number > 0 on every row; row index "
            f"{data.index[row]!r} has {data[prior_column].iloc[row]!r}. Hint: keep the design weights that "
            "calibrate() started from (CalibratedWeights.apply writes them)."
        )
    levels = [margin_codes(data, margin) for margin in margins]
    cell, model = cross_margins([(codes, len(uniques)) for codes, uniques in levels])
    n_cells = model.shape[0]
    ratio = weights / prior
    lo = np.full(n_cells, np.inf)
    hi = np.full(n_cells, -np.inf)
    np.minimum.at(lo, cell, ratio)
    np.maximum.at(hi, cell, ratio)
    varying = np.flatnonzero(hi - lo > _G_TOLERANCE * hi)
    if varying.size:
        c = varying[0]
        raise DesignError(
            f"The weights are not a calibration of {prior_column!r} on the margins {list(margins)}: the factor "
            f"weight / {prior_column} varies from {lo[c]:.6g} to {hi[c]:.6g} within one calibration cell, where it "
            "must be constant. Hint: were the weights trimmed or edited after calibrate()? Name the margins that "
            "calibrate() used, or estimate without SurveyDesign(calibration=...)."
        )
    prior_total = np.bincount(cell, weights=prior, minlength=n_cells)
    factor = np.bincount(cell, weights=weights, minlength=n_cells) / prior_total
    gram = model.T @ (model * prior_total[:, None])
    hat = model @ np.linalg.pinv(gram) @ model.T / factor[None, :]
    return CompiledCalibration(cell=cell.astype(np.int64), model=model, prior_total=prior_total, factor=factor, hat=hat)


def cross_margins(levels: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Calibration cells (the crossing of the margins present in the data) from each margin's row codes.

    ``levels`` holds, per margin, the row codes and the number of levels. Returns each row's cell ``0..C-1`` and the
    cell-level model matrix (C x sum of levels): one indicator per level of each margin, margins in order.
    """
    key = np.zeros(len(levels[0][0]), dtype=np.int64)
    for codes, n_levels in levels:
        key = key * n_levels + codes
    cell, cell_keys = pd.factorize(key, sort=True)
    blocks = []
    rest = np.asarray(cell_keys, dtype=np.int64)
    for _, n_levels in reversed(levels):
        rest, digit = np.divmod(rest, n_levels)
        blocks.append(np.eye(n_levels)[digit])
    return cell.astype(np.int64), np.hstack(blocks[::-1])


def margin_codes(data: pd.DataFrame, margin: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Row codes and sorted labels of one margin (the crossing of its columns, labels joined with ``"|"``).

    Raises
    ------
    DesignError
        A margin column is missing on some row (a respondent outside the margin cannot be calibrated).
    """
    parts = []
    for column in margin:
        values = data[column]
        missing = values.isna().to_numpy()
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise DesignError(
                f"Column {column!r} (calibration margin) is missing on {int(missing.sum())} row(s), e.g. row index "
                f"{data.index[row]!r}: every respondent needs a level of every margin. Hint: calibrate on margins "
                "known for everyone, or impute the missing values before calibrating."
            )
        parts.append(values.astype(str).to_numpy(dtype=object))
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + "|" + part
    codes, uniques = pd.factorize(labels, sort=True)
    return codes.astype(np.int64), [str(u) for u in uniques]


def cell_domain_totals(
    values: np.ndarray, cell_domain: np.ndarray, cell_calibration: np.ndarray, n_domains: int, n_cells: int
) -> np.ndarray:
    """Sum kernel-cell rows (m x k) into (domain, calibration cell) totals, shape (n_domains, n_cells, k)."""
    inside = cell_domain >= 0
    key = cell_domain[inside] * n_cells + cell_calibration[inside]
    out = np.zeros((n_domains * n_cells, values.shape[1]))
    np.add.at(out, key, values[inside])
    return out.reshape(n_domains, n_cells, values.shape[1])


def fitted_values(
    calibration: CompiledCalibration,
    num: np.ndarray,
    den: np.ndarray,
    domain_num: np.ndarray,
    domain_den: np.ndarray,
    is_ratio: np.ndarray,
) -> np.ndarray:
    """Fitted values ``b`` (n_domains x C x k) of each domain's linearised variable.

    ``num``/``den`` are the (domain, cell) totals of the weighted numerator and denominator; ``domain_num`` and
    ``domain_den`` the domain totals (n_domains x k). For a ratio ``u = w (f - R a) / X`` inside the domain, for a
    total ``u = w f``; ``U`` is their cell total.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = domain_num / domain_den
        u_ratio = (num - ratio[:, None, :] * den) / domain_den[:, None, :]
    u = np.where(is_ratio[None, None, :], u_ratio, num)
    u = np.where(np.isfinite(u), u, 0.0)
    return np.einsum("ce,dek->dck", calibration.hat, u)


def unit_correction(unit_weights: sparse.csr_matrix, fitted: np.ndarray) -> np.ndarray:
    """``sum_c W_{unit,c} b_{d,c}`` for every (domain, unit) pair, domain-major: shape (n_domains * n_units, k)."""
    n_domains, n_cells, k = fitted.shape
    stacked = fitted.transpose(1, 0, 2).reshape(n_cells, n_domains * k)
    per_unit = np.asarray(unit_weights @ stacked).reshape(-1, n_domains, k)
    return per_unit.transpose(1, 0, 2).reshape(-1, k)
