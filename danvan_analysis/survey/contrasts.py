"""Linear contrasts of domain estimates (a district minus another, a year minus the previous), with design SEs.

Method: a contrast ``L = sum_d c_d R_d`` of domain means, shares or totals of one design is linear in the domain
estimates, so its linearised PSU totals are ``sum_d c_d z_d`` and its variance comes from the design like any
estimate's, covariances between the domains included (Lumley 2010, §2.2.3; R ``svycontrast`` of
``svyby(..., covmat = TRUE)``; svy 0.35's ``Estimate.contrast``). ``t = L / se``. Degrees of freedom: the PSUs
minus strata holding any domain of the contrast (``EstimationSettings(df="domain")``, the default), or the whole
design's (``df="design"``, as ``svycontrast`` and svy). Years: pool the years' data with year-specific strata
(``SurveyDesign(stratum=("year", "stratum"))``, independent samples) and contrast the ``year`` domains, as
:func:`~danvan_analysis.survey.compare_years` does for the indices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.survey import _linearise as lin
from danvan_analysis.survey.design import SurveyDesign, compile_design
from danvan_analysis.survey.estimate import (
    EstimationSettings,
    Kind,
    _measure,
    _require_columns,
    parse_by,
    run_families,
    t_quantile,
    t_sf,
)
from danvan_analysis.survey.items import ItemScale, check_codes, item_scales
from danvan_analysis.survey.results import Comparison


def estimate_contrast(
    data: pd.DataFrame,
    design: SurveyDesign,
    variable: str,
    *,
    by: str | tuple[str, ...],
    contrasts: Mapping[str, Mapping[str, float]],
    kind: Kind = "mean",
    success: float | Sequence[float] = 1,
    at_least: float | None = None,
    scales: Mapping[str, ItemScale] | None = None,
    settings: EstimationSettings | None = None,
) -> Comparison:
    """Estimate named linear contrasts of the domains of ``by`` for one variable.

    Parameters
    ----------
    data, design, kind, success, at_least, scales, settings
        As in :func:`~danvan_analysis.survey.estimate` (proportions in percent, so contrasts in points).
    variable
        The column estimated.
    by
        The domain column (or crossing) whose domains are contrasted.
    contrasts
        ``{name: {domain: coefficient}}``; a domain is named by its value (``"164"``) or, for a crossing, its
        label (``"district_code=164, sex=female"``). E.g. ``{"164 - 165": {"164": 1, "165": -1}}``.

    Returns
    -------
    Comparison
        One row per contrast: ``contrast``, ``variable``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``t``,
        ``df``, ``p_value``.
    """
    settings = settings or EstimationSettings()
    if not contrasts:
        raise ParameterError("estimate_contrast(contrasts={}): give at least one {name: {domain: coefficient}}.")
    _require_columns(data, [variable], what="variable")
    family_spec = parse_by(data, by)
    if len(family_spec) != 1 or not family_spec[0]:
        raise ParameterError(f"estimate_contrast(by={by!r}): give one domain column or one crossing.")
    declared = {c: s for c, s in item_scales(scales).items() if c == variable}
    measure = _measure(variable, kind, success=success, at_least=at_least, exclude=None, scale=declared.get(variable))
    compiled = compile_design(data, design)
    (r,) = run_families(
        data, compiled, [measure], family_spec, check=lambda totals: check_codes(totals.value_counts, declared)
    )
    keys = r.family.keys
    labels = (
        keys.iloc[:, 0].astype(str).tolist()
        if keys.shape[1] == 1
        else [", ".join(f"{c}={v}" for c, v in zip(keys.columns, row, strict=True)) for row in keys.astype(str).values]
    )
    position = {label: d for d, label in enumerate(labels)}
    coefficients = np.zeros((len(contrasts), len(labels)))
    for i, (name, spec) in enumerate(contrasts.items()):
        unknown = [d for d in spec if str(d) not in position]
        if unknown:
            raise ParameterError(
                f"estimate_contrast: contrast {name!r} names the domain(s) {unknown}, which are not among the "
                f"domains of {by!r}: {labels[:12]}."
            )
        for domain, c in spec.items():
            coefficients[i, position[str(domain)]] = float(c)
    scale = 100.0 if kind == "proportion" else 1.0
    est = coefficients @ r.estimate[:, 0] * scale
    group = np.arange(len(contrasts))
    z_rows, g_rows, p_rows = [], [], []
    for i in group:
        weight = coefficients[i, r.totals.pair_domain]
        z = np.bincount(r.totals.pair_psu, weights=weight * r.z[:, 0], minlength=compiled.n_psus)
        z_rows.append(z)
        g_rows.append(np.full(compiled.n_psus, i))
        p_rows.append(np.arange(compiled.n_psus))
    second = None
    if r.stage2 is not None:
        n_ssus = compiled.stage2.n_psus
        z2 = [
            np.bincount(
                r.stage2.pair_ssu, weights=coefficients[i, r.stage2.pair_domain] * r.stage2.z[:, 0], minlength=n_ssus
            )
            for i in group
        ]
        second = (np.repeat(group, n_ssus), np.tile(np.arange(n_ssus), len(group)), np.concatenate(z2)[:, None])
    var = lin.design_variance(
        np.concatenate(g_rows), np.concatenate(p_rows), np.concatenate(z_rows)[:, None], len(group), compiled, second
    )[:, 0]
    involved = (coefficients != 0)[:, r.totals.pair_domain] & (r.totals.cnt[:, 0] > 0)[None, :]
    df = (
        _union_df(r.totals.pair_psu, involved, compiled)
        if settings.df == "domain"
        else np.full(len(group), compiled.df)
    )
    n_psu_ok = np.array([len(np.unique(r.totals.pair_psu[row])) >= 2 for row in involved])
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(n_psu_ok, np.sqrt(np.maximum(var, 0)) * scale, np.nan)
        t_crit = np.where(df > 0, t_quantile(1 - settings.alpha / 2, np.maximum(df, 1)), np.nan)
        t = est / se
        p = np.where(df > 0, 2 * t_sf(np.abs(t), np.maximum(df, 1)), np.nan)
    frame = pd.DataFrame(
        {
            "contrast": pd.array(list(contrasts), dtype="string"),
            "variable": pd.array([variable] * len(group), dtype="string"),
            "estimate": est,
            "se": se,
            "ci_low": est - t_crit * se,
            "ci_high": est + t_crit * se,
            "t": t,
            "df": df.astype("int64"),
            "p_value": p,
        }
    )
    return Comparison(title=f"Contrasts of {variable} between domains of {by}", _table=frame)


def _union_df(pair_psu: np.ndarray, involved: np.ndarray, compiled) -> np.ndarray:
    """Per contrast: PSUs holding any of its domains' respondents minus the strata holding them."""
    out = []
    for row in involved:
        psus = np.unique(pair_psu[row])
        out.append(len(psus) - len(np.unique(compiled.psu_stratum[psus])))
    return np.array(out, dtype=np.int64)
