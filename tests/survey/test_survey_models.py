"""Survey-weighted models: against svy's GLM, statsmodels' cluster-robust covariance, and failure modes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import svy
from statsmodels.miscmodels.ordinal_model import OrderedModel
from svy_reference import svy_sample

from danvan_analysis.errors import EstimationError
from danvan_analysis.survey import (
    SATISFACTION_PREDICTORS,
    SurveyDesign,
    fit_ordinal_model,
    fit_satisfaction_model,
    satisfaction_outcome,
)

REFERENCES = {
    "sex": "male",
    "age_group": "18-29",
    "ethnicity": "kinh",
    "area": "urban",
    "channel": "in_person",
    "education": "primary",
}


@pytest.fixture(scope="module")
def logistic(survey_wide):
    return fit_satisfaction_model(survey_wide, SurveyDesign())


def test_logistic_matches_svy_glm(survey_wide, logistic):
    data = survey_wide.assign(sat=satisfaction_outcome(survey_wide).astype("Float64"))
    sample = svy_sample(data, [])
    x = [svy.Cat(p, ref=REFERENCES[p]) for p in SATISFACTION_PREDICTORS]
    ref = sample.glm.fit(y="sat", x=x, family="binomial").to_polars().to_pandas()
    ref["term"] = ref["term"].str.replace("_intercept_", "(Intercept)")
    got = logistic.to_frame()
    got["key"] = np.where(got["predictor"] == "", "(Intercept)", got["predictor"] + "_" + got["level"])
    merged = got.merge(ref, left_on="key", right_on="term", suffixes=("", "_svy"))
    assert len(merged) == len(got) == 12
    # Both solve the same weighted score equations iteratively: agreement to the solvers' tolerance.
    np.testing.assert_allclose(merged["coef"], merged["estimate"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(merged["se"], merged["std_err"], rtol=1e-7)
    assert logistic.n == int(data["sat"].notna().sum())


def test_odds_ratio_interval_uses_design_df(survey_wide, logistic):
    from scipy import stats

    frame = logistic.to_frame()
    df = survey_wide.groupby("stratum")["psu"].nunique().sum() - survey_wide["stratum"].nunique() - 12 + 1
    row = frame[frame["term"] == "channel[online]"].iloc[0]
    assert row["df"] == df
    t = stats.t.ppf(0.975, df)
    assert row["ci_low"] == pytest.approx(np.exp(row["coef"] - t * row["se"]), rel=1e-12)
    assert row["odds_ratio"] == pytest.approx(np.exp(row["coef"]), rel=1e-14)
    assert row["odds_ratio"] < 1  # the synthetic data make online users less satisfied


def test_single_stratum_equals_statsmodels_cluster_robust(survey_wide):
    # With one stratum and no fpc the design sandwich is statsmodels' cluster-robust covariance (no small-sample
    # correction) times G/(G-1), the with-replacement n_h/(n_h - 1).
    data = survey_wide.assign(stratum="S")
    got = fit_satisfaction_model(data, SurveyDesign()).to_frame()
    y = satisfaction_outcome(data)
    keep = y.notna().to_numpy()
    x = pd.get_dummies(data.loc[keep, list(SATISFACTION_PREDICTORS)], drop_first=False, dtype=float)
    columns = ["const"] + [f"{p}_{lv}" for p, lv in zip(got["predictor"][1:], got["level"][1:], strict=True)]
    x = sm.add_constant(x)[columns]
    groups = pd.factorize(data.loc[keep, "psu"])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels: "cov_type not fully supported with var_weights"
        fit = sm.GLM(
            y[keep].astype(float).to_numpy(),
            x.to_numpy(),
            family=sm.families.Binomial(),
            var_weights=data.loc[keep, "weight"].to_numpy(),
        ).fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    g = groups.max() + 1
    np.testing.assert_allclose(got["coef"], fit.params, rtol=1e-8)
    np.testing.assert_allclose(got["se"], np.sqrt(np.diag(fit.cov_params()) * g / (g - 1)), rtol=1e-8)
    # freq_weights give the same point estimates (only their model-based variance differs).
    freq = sm.GLM(
        y[keep].astype(float).to_numpy(),
        x.to_numpy(),
        family=sm.families.Binomial(),
        freq_weights=data.loc[keep, "weight"].to_numpy(),
    ).fit()
    np.testing.assert_allclose(got["coef"], freq.params, rtol=1e-8)


def test_separation_is_an_estimation_error_without_warnings(survey_wide):
    data = survey_wide.copy()
    online = data["channel"] == "online"
    for item in [f"q{i}" for i in range(15, 34)]:
        data.loc[online, item] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(EstimationError, match=r"Separation: .* channel = 'online'"):
            fit_satisfaction_model(data, SurveyDesign())


def test_single_category_and_too_few_cases_are_refused(survey_wide):
    with pytest.raises(EstimationError, match="'sex' has a single category"):
        fit_satisfaction_model(survey_wide[survey_wide["sex"] == "female"], SurveyDesign())
    small = survey_wide.groupby("psu").head(3)
    with pytest.raises(EstimationError, match="Too few cases"):
        fit_satisfaction_model(small, SurveyDesign())


def test_ordinal_weights_act_as_frequency_weights(survey_wide, rng):
    # With integer weights, the weighted pseudo-likelihood is the likelihood of the data with each row repeated
    # w_i times: an unweighted OrderedModel on the expanded rows must give the same coefficients.
    data = survey_wide.assign(weight=rng.integers(1, 4, len(survey_wide)).astype(float))
    predictors = ("sex", "area", "channel")
    got = fit_ordinal_model(data, SurveyDesign(), predictors=predictors).to_frame()
    items = [f"q{i:02d}" for i in range(1, 34)]
    ratings = data[items].astype("Float64")
    mean = ratings.where((ratings >= 1) & (ratings <= 5)).mean(axis=1)
    keep = mean.notna()
    rating = np.floor(mean[keep].astype(float) + 0.5).astype(int)
    exog = pd.DataFrame(
        {
            "sex[female]": (data.loc[keep, "sex"] == "female"),
            "area[rural]": (data.loc[keep, "area"] == "rural"),
            "channel[online]": (data.loc[keep, "channel"] == "online"),
        }
    ).astype(float)
    repeat = data.loc[keep, "weight"].astype(int).to_numpy()
    endog = pd.Series(pd.Categorical(np.repeat(rating.to_numpy(), repeat), ordered=True))
    expanded = exog.loc[exog.index.repeat(repeat)].reset_index(drop=True)
    ref = OrderedModel(endog, expanded, distr="logit").fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-8)
    np.testing.assert_allclose(got["coef"], np.asarray(ref.params)[:3], rtol=1e-4, atol=1e-6)


def test_ordinal_se_matches_statsmodels_cluster_robust_in_one_stratum(survey_wide):
    data = survey_wide.assign(stratum="S", weight=1.0)
    predictors = ("sex", "channel")
    got = fit_ordinal_model(data, SurveyDesign(), predictors=predictors).to_frame()
    items = [f"q{i:02d}" for i in range(1, 34)]
    ratings = data[items].astype("Float64")
    mean = ratings.where((ratings >= 1) & (ratings <= 5)).mean(axis=1)
    keep = mean.notna().to_numpy()
    endog = pd.Series(pd.Categorical(np.floor(mean[keep].astype(float) + 0.5).astype(int), ordered=True))
    exog = pd.DataFrame(
        {
            "sex[female]": data.loc[keep, "sex"].to_numpy() == "female",
            "channel[online]": data.loc[keep, "channel"].to_numpy() == "online",
        }
    ).astype(float)
    groups = pd.factorize(data.loc[keep, "psu"])[0]
    ref = OrderedModel(endog, exog, distr="logit").fit(
        method="bfgs",
        disp=False,
        maxiter=2000,
        gtol=1e-8,
        cov_type="cluster",
        cov_kwds={"groups": groups, "use_correction": False},
    )
    g = groups.max() + 1
    np.testing.assert_allclose(got["coef"], np.asarray(ref.params)[:2], rtol=1e-5)
    np.testing.assert_allclose(got["se"], np.sqrt(np.diag(ref.cov_params())[:2] * g / (g - 1)), rtol=1e-3)
