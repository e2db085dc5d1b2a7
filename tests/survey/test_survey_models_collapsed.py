"""The logistic model fitted on covariate patterns equals the fit on every respondent, to 1e-10.

``fit_satisfaction_model`` collapses respondents sharing their covariates into one row with the summed weight (the
fit) and into one cell per pattern and PSU (the sandwich's PSU totals). The references here fit every respondent:
statsmodels' GLM on the per-respondent dummy matrix, then the per-respondent scores ``u_i = A^{-1} w_i x_i (y_i -
mu_i)`` (Binder 1983) summed by PSU, written with pandas for the one-stage design, and with the design kernels for a
design with a second stage or calibrated weights (the per-respondent path that the collapsed one replaces).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from danvan_analysis.survey import SATISFACTION_PREDICTORS, SurveyDesign, fit_satisfaction_model, satisfaction_outcome
from danvan_analysis.survey._linearise import dense_psu_totals, psu_covariance
from danvan_analysis.survey.design import compile_design

TOL = {"rtol": 1e-10, "atol": 1e-13}
PREDICTORS = (*SATISFACTION_PREDICTORS, "district_code")


def _every_respondent(data: pd.DataFrame, got: pd.DataFrame, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and per-respondent influence (0 outside the model) of the fit on every respondent."""
    y = satisfaction_outcome(data).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    keep = inside & ~np.isnan(y) & data[list(PREDICTORS)].notna().all(axis=1).to_numpy()
    dummies = [
        (data[p].astype(str) == lv).to_numpy(float)
        for p, lv in zip(got["predictor"][1:], got["level"][1:], strict=True)
    ]
    x = np.column_stack([np.ones(len(data)), *dummies])
    w = data["weight"].to_numpy(dtype=float)
    fit = sm.GLM(y[keep], x[keep], family=sm.families.Binomial(), var_weights=w[keep]).fit(tol=1e-13)
    mu = 1 / (1 + np.exp(-(x @ fit.params)))
    a = (x[keep] * (w * mu * (1 - mu))[keep, None]).T @ x[keep]
    u = np.where(keep[:, None], x * (w * (np.nan_to_num(y) - mu))[:, None], 0.0) @ np.linalg.inv(a)
    return np.asarray(fit.params), u


def _one_stage_covariance(data: pd.DataFrame, u: np.ndarray) -> np.ndarray:
    """sum_h n_h/(n_h - 1) sum_j (U_hj - Ubar_h)(U_hj - Ubar_h)' over the PSU totals of ``u``."""
    totals = pd.DataFrame(u).groupby([data["stratum"].to_numpy(), data["psu"].to_numpy()]).sum()
    cov = np.zeros((u.shape[1], u.shape[1]))
    for _, zh in totals.groupby(level=0):
        dev = zh.to_numpy() - zh.to_numpy().mean(axis=0)
        cov += len(zh) / (len(zh) - 1) * dev.T @ dev
    return cov


@pytest.mark.parametrize("domain", [None, "rural"])
def test_collapsed_fit_with_district_terms_equals_the_fit_on_every_respondent(survey_wide, domain):
    """The shared step's model (predictors and a term per district), for everybody and for a domain."""
    inside = np.ones(len(survey_wide), bool) if domain is None else (survey_wide["area"] == domain).to_numpy()
    result = fit_satisfaction_model(
        survey_wide, SurveyDesign(), predictors=PREDICTORS, domain=None if domain is None else inside
    )
    got = result.to_frame()
    assert "district_code[802]" in set(got["term"])
    params, u = _every_respondent(survey_wide, got, inside)
    cov = _one_stage_covariance(survey_wide, u)
    np.testing.assert_allclose(got["coef"], params, **TOL)
    np.testing.assert_allclose(np.array(result.covariance), cov, **TOL)
    np.testing.assert_allclose(got["se"], np.sqrt(np.diag(cov)), **TOL)


def test_collapsed_fit_equals_every_respondent_under_a_second_stage(survey_wide):
    """With ssu_fpc the cells also lie within one SSU, so the second-stage totals are sums of cells too."""
    n_h = survey_wide.groupby("stratum")["psu"].nunique()
    m_i = survey_wide.groupby("psu")["ssu"].nunique()
    data = survey_wide.assign(
        f1=survey_wide["stratum"].map(n_h / (n_h * 3 + 1)),
        f2=survey_wide["psu"].map(m_i / (m_i * 2 + 1)),
    )
    design = SurveyDesign(fpc="f1", ssu="ssu", ssu_fpc="f2")
    result = fit_satisfaction_model(data, design, predictors=PREDICTORS)
    got = result.to_frame()
    params, u = _every_respondent(data, got, np.ones(len(data), bool))
    compiled = compile_design(data, design)
    assert compiled.stage2 is not None
    cov = psu_covariance(dense_psu_totals(u, compiled), compiled) + psu_covariance(
        dense_psu_totals(u, compiled.stage2), compiled.stage2
    )
    np.testing.assert_allclose(got["coef"], params, **TOL)
    np.testing.assert_allclose(np.array(result.covariance), cov, **TOL)
    # The second stage adds variance: the one-stage figure differs (the test would see a missing term).
    assert not np.allclose(np.diag(cov), np.diag(psu_covariance(dense_psu_totals(u, compiled), compiled)))


def test_collapsed_fit_equals_every_respondent_with_calibrated_weights(survey_wide):
    """Calibration residualises each respondent's influence: the fit spreads the pattern scores back to them."""
    from danvan_analysis.survey import calibrate

    data = survey_wide.reset_index(drop=True)
    sums = data.groupby("district_code")["weight"].sum()
    controls = {"district_code": {k: float(v * (1.2 if k == "801" else 0.95)) for k, v in sums.items()}}
    calibrated = calibrate(data, SurveyDesign(), controls)
    data = calibrated.apply(data)
    result = fit_satisfaction_model(data, calibrated.design, predictors=PREDICTORS)
    got = result.to_frame()
    params, u = _every_respondent(data, got, np.ones(len(data), bool))
    compiled = compile_design(data, calibrated.design)
    cov = psu_covariance(dense_psu_totals(compiled.calibration.residualise(u, compiled.weights), compiled), compiled)
    np.testing.assert_allclose(got["coef"], params, **TOL)
    np.testing.assert_allclose(np.array(result.covariance), cov, **TOL)
    assert not np.allclose(np.diag(cov), np.diag(_one_stage_covariance(data, u)), rtol=1e-6)


def test_categorical_predictors_give_the_same_model_as_text(survey_wide):
    """The shared step hands the model categorical columns: same levels, same order, same numbers."""
    as_text = fit_satisfaction_model(survey_wide, SurveyDesign(), predictors=PREDICTORS).to_frame()
    columns = [*PREDICTORS, "stratum", "psu"]
    # Categories in an order other than the vocabulary's: the levels still follow the vocabulary.
    coded = survey_wide.astype(
        {c: pd.CategoricalDtype(sorted(survey_wide[c].dropna().unique())[::-1]) for c in columns}
    )
    as_codes = fit_satisfaction_model(coded, SurveyDesign(), predictors=PREDICTORS).to_frame()
    pd.testing.assert_frame_equal(as_codes, as_text, check_exact=False, rtol=1e-12)


def test_a_numeric_predictor_is_levelled_by_its_text(survey_wide):
    """A predictor of numbers has the levels str(value), sorted as text, as before the collapse."""
    data = survey_wide.assign(band=survey_wide["age_group"].map({"18-29": 1, "30-44": 2, "45-59": 10, "60+": 10}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fit_satisfaction_model(data, SurveyDesign(), predictors=("sex", "band")).to_frame()
    assert got["term"].tolist() == ["(Intercept)", "sex[female]", "band[10]", "band[2]"]
    assert (got["reference"][2:] == "1").all()


def test_the_logistic_fit_is_statsmodels_glm_with_var_weights() -> None:
    """The IRLS written out in models._fit_logistic (to spare the shared step statsmodels' import of scipy.stats)
    gives statsmodels' GLM coefficients, on weighted cells with a rare category and on a badly scaled design."""
    from danvan_analysis.errors import EstimationError
    from danvan_analysis.survey.models import _fit_logistic

    rng = np.random.default_rng(11)
    n = 4000
    x = np.column_stack(
        [np.ones(n), rng.random(n) < 0.4, rng.random(n) < 0.03, rng.integers(0, 3, n) == 2, rng.random(n) < 0.5]
    ).astype(float)
    eta = x @ np.array([0.8, -0.6, 1.4, 0.3, -1.1])
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    w = rng.gamma(2.0, 50.0, n)
    w = w / w.mean()
    for weights in (w, w * 1e-3, np.ones(n)):
        want = sm.GLM(y, x, family=sm.families.Binomial(), var_weights=weights).fit(tol=1e-10, maxiter=200).params
        got = _fit_logistic(x, y, weights, tol=1e-10, maxiter=200)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)
    with pytest.raises(EstimationError, match="did not converge in 2 iterations"):
        _fit_logistic(x, y, w, tol=1e-10, maxiter=2)
    separated = np.column_stack([np.ones(200), np.repeat([0.0, 1.0], 100)])
    with pytest.raises(EstimationError, match="perfect separation"):
        _fit_logistic(separated, separated[:, 1], np.ones(200), tol=1e-10, maxiter=200)
