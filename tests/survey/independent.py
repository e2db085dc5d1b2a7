"""An independent, row-by-row implementation of the delta method for composites of ratios (test reference).

Written from the textbook formulas with pandas groupby, sharing no code with the package's cell/pair kernel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def linearised_composite(
    data: pd.DataFrame, domain: np.ndarray, weights: dict[str, float], *, threshold: int
) -> tuple[float, np.ndarray]:
    """Composite share ``sum_k a_k R_k`` (0-1) of a domain and its per-row linearised variable.

    u_ik = 1[domain] 1[answered] w_i (1[q >= threshold] - R_k) / X_k and u_i = sum_k a_k u_ik.
    """
    w = data["weight"].to_numpy()
    u = np.zeros(len(data))
    estimate = 0.0
    for item, a in weights.items():
        q = data[item].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        answered = domain & (q >= 1) & (q <= 5)
        satisfied = (q >= threshold) & answered
        x = w[answered].sum()
        r = w[satisfied].sum() / x
        estimate += a * r
        u += a * np.where(answered, w * (satisfied - r) / x, 0.0)
    return estimate, u


def stratified_variance(data: pd.DataFrame, u: np.ndarray) -> float:
    """sum_h n_h/(n_h - 1) sum_j (z_hj - zbar_h)^2 over PSU totals z_hj of u (n_h = all PSUs of stratum h)."""
    z = pd.Series(u).groupby([data["stratum"].to_numpy(), data["psu"].to_numpy()]).sum()
    variance = 0.0
    for _, zh in z.groupby(level=0):
        n_h = len(zh)
        variance += n_h / (n_h - 1) * ((zh - zh.mean()) ** 2).sum()
    return variance


def delta_method_se(data: pd.DataFrame, domain: np.ndarray, weights: dict[str, float], *, threshold: int) -> tuple:
    """Composite share and its SE, both in percent."""
    estimate, u = linearised_composite(data, domain, weights, threshold=threshold)
    return 100 * estimate, 100 * np.sqrt(stratified_variance(data, u))
