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

from danvan_analysis.errors import EstimationError, ParameterError, SchemaError
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


def test_too_few_cases_and_nothing_to_estimate_are_refused(survey_wide):
    small = survey_wide.groupby("psu").head(3)
    with pytest.raises(EstimationError, match="Too few cases"):
        fit_satisfaction_model(small, SurveyDesign())
    women = survey_wide[survey_wide["sex"] == "female"]
    with pytest.raises(EstimationError, match=r"No predictor has two categories .*sex = 'female'"):
        fit_satisfaction_model(women, SurveyDesign(), predictors=("sex",))


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


# --- domains: a subpopulation of the full design (R svyglm on subset(design), svy glm.fit(where=...)) -------------


def _svy_domain_fit(data, where, predictors):
    data = data.assign(sat=satisfaction_outcome(data).astype("Float64"))
    x = [svy.Cat(p, ref=REFERENCES[p]) for p in predictors]
    ref = svy_sample(data, []).glm.fit(y="sat", x=x, family="binomial", where=where).to_polars().to_pandas()
    ref["term"] = ref["term"].str.replace("_intercept_", "(Intercept)")
    return ref


def _merge_svy(got, ref):
    got = got.assign(key=np.where(got["predictor"] == "", "(Intercept)", got["predictor"] + "_" + got["level"]))
    merged = got.merge(ref, left_on="key", right_on="term", suffixes=("", "_svy"))
    assert len(merged) == len(got) == len(ref)
    return merged


def test_domain_fit_matches_svy_where(survey_wide):
    # Two districts (strata 801, 802: 5 + 6 PSUs): svy's df = 11 PSUs - 2 strata - 4 + 1 = 6, as R's
    # degf(subset(design, ...)) + 1 - p.
    predictors = ("sex", "area", "channel")
    mask = survey_wide["district_code"].isin(["801", "802"])
    got = fit_satisfaction_model(survey_wide, SurveyDesign(), predictors=predictors, domain=mask)
    ref = _svy_domain_fit(survey_wide, svy.col("district_code").is_in(["801", "802"]), predictors)
    merged = _merge_svy(got.to_frame(), ref)
    np.testing.assert_allclose(merged["coef"], merged["estimate"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(merged["se"], merged["std_err"], rtol=1e-7)
    assert (merged["df"] == merged["df_svy"]).all() and merged["df"].iloc[0] == 5 + 6 - 2 - 4 + 1
    assert got.domain.startswith("the selected rows")
    assert got.n == int((mask & satisfaction_outcome(survey_wide).notna()).sum())


def test_domain_cutting_across_psus_matches_svy_and_differs_from_subset(survey_wide):
    # A domain that leaves out whole PSUs of its strata (3 of the 5-8 communes of every district): the design keeps
    # all n_h PSUs with zero scores for the empty ones, so the SEs differ from a fit on the cut data, whose strata
    # hold 3 PSUs each. The point estimates are the same (zero weight = not in the estimating equations).
    predictors = ("sex", "area", "channel", "age_group")
    kept = [c for _, cs in survey_wide.groupby("district_code")["psu"] for c in sorted(cs.unique())[:3]]
    mask = survey_wide["psu"].isin(kept)
    got = fit_satisfaction_model(survey_wide, SurveyDesign(), predictors=predictors, domain=mask).to_frame()
    ref = _svy_domain_fit(survey_wide, svy.col("psu").is_in(kept), predictors)
    merged = _merge_svy(got, ref)
    np.testing.assert_allclose(merged["coef"], merged["estimate"], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(merged["se"], merged["std_err"], rtol=1e-7)
    cut = fit_satisfaction_model(survey_wide[mask], SurveyDesign(), predictors=predictors).to_frame()
    np.testing.assert_allclose(got["coef"], cut["coef"], rtol=1e-9)
    assert (np.abs(got["se"] / cut["se"] - 1) > 1e-3).all()


def test_domain_se_matches_an_independent_score_sandwich(survey_wide):
    # Written from Binder (1983) independently of the package: fit on the domain's rows with statsmodels, then
    # u_i = A^{-1} w_i x_i (y_i - mu_i) inside the domain and 0 outside, PSU totals over the FULL design,
    # V = sum_h n_h/(n_h - 1) sum_j (U_hj - Ubar_h)(U_hj - Ubar_h)'.
    predictors = ("sex", "channel")
    inside = (survey_wide["area"] == "rural").to_numpy()
    got = fit_satisfaction_model(survey_wide, SurveyDesign(), predictors=predictors, domain=inside).to_frame()
    y = satisfaction_outcome(survey_wide).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    keep = inside & ~np.isnan(y)
    x = np.column_stack(
        [
            np.ones(len(survey_wide)),
            (survey_wide["sex"] == "female").to_numpy(float),
            (survey_wide["channel"] == "online").to_numpy(float),
        ]
    )
    w = survey_wide["weight"].to_numpy()
    fit = sm.GLM(y[keep], x[keep], family=sm.families.Binomial(), var_weights=w[keep]).fit(tol=1e-12)
    mu = 1 / (1 + np.exp(-(x @ fit.params)))
    a = (x[keep] * (w * mu * (1 - mu))[keep, None]).T @ x[keep]
    u = np.where(keep[:, None], x * (w * (np.nan_to_num(y) - mu))[:, None], 0.0) @ np.linalg.inv(a)
    totals = pd.DataFrame(u).groupby([survey_wide["stratum"].to_numpy(), survey_wide["psu"].to_numpy()]).sum()
    cov = np.zeros((3, 3))
    for _, zh in totals.groupby(level=0):
        dev = zh.to_numpy() - zh.to_numpy().mean(axis=0)
        cov += len(zh) / (len(zh) - 1) * dev.T @ dev
    np.testing.assert_allclose(got["coef"], fit.params, rtol=1e-8)
    np.testing.assert_allclose(got["se"], np.sqrt(np.diag(cov)), rtol=1e-8)


def test_constant_predictor_in_domain_is_dropped_with_a_caveat(survey_wide):
    data = survey_wide.copy()
    data.loc[data["district_code"] == "801", "area"] = "rural"
    predictors = ("sex", "area", "channel")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fit_satisfaction_model(data, SurveyDesign(), predictors=predictors, domain=("district_code", "801"))
    frame = got.to_frame()
    assert "area" not in set(frame["predictor"])
    assert got.caveats[0].code == "dropped_predictor"
    assert got.caveat_lines()[0].startswith("1. Predictor 'area' has a single category ('rural')")
    assert "district_code = 801" in got.caveat_lines()[0] and got.domain == "district_code = 801"
    # Same model as asking for sex and channel only: the constant column carried nothing.
    without = fit_satisfaction_model(
        data, SurveyDesign(), predictors=("sex", "channel"), domain=("district_code", "801")
    ).to_frame()
    np.testing.assert_allclose(frame["coef"], without["coef"], rtol=1e-12)
    np.testing.assert_allclose(frame["se"], without["se"], rtol=1e-12)
    with pytest.raises(EstimationError, match="No predictor has two categories"):
        fit_satisfaction_model(data, SurveyDesign(), predictors=("area",), domain=("district_code", "801"))


def test_domain_df_nonpositive_gives_odds_ratios_without_intervals(survey_wide):
    # District 801 holds 5 PSUs in one stratum: design df 4, 12 coefficients -> residual df 4 - 12 + 1 < 0.
    got = fit_satisfaction_model(survey_wide, SurveyDesign(), domain=("district_code", "801"))
    frame = got.to_frame()
    assert (frame["df"] == 0).all() and frame["ci_low"].isna().all() and frame["p_value"].isna().all()
    assert frame["odds_ratio"].notna().all() and (frame["se"] > 0).all()
    assert any(c.code == "model" and "design df 4" in c.message for c in got.caveats)


def test_domain_arguments_are_checked(survey_wide):
    with pytest.raises(EstimationError, match="holds no respondent"):
        fit_satisfaction_model(survey_wide, SurveyDesign(), domain=("district_code", "999"))
    with pytest.raises(SchemaError, match="'district'"):
        fit_satisfaction_model(survey_wide, SurveyDesign(), domain=("district", "801"))
    with pytest.raises(ParameterError, match="boolean mask"):
        fit_satisfaction_model(survey_wide, SurveyDesign(), domain=np.ones(3, dtype=bool))
    with pytest.raises(ParameterError, match="index differs"):
        fit_satisfaction_model(
            survey_wide, SurveyDesign(), domain=survey_wide["sex"].eq("male").reset_index(drop=True).iloc[::-1]
        )


def test_ordinal_domain_on_a_whole_stratum_equals_the_stratum_alone(survey_wide):
    # When the domain is a whole stratum, the other strata add only zero PSU totals (deviations 0), so the domain
    # fit must equal the fit on that stratum's rows, SEs included; an all-true mask is the full fit.
    predictors = ("sex", "channel")
    domain = fit_ordinal_model(survey_wide, SurveyDesign(), predictors=predictors, domain=("district_code", "803"))
    alone = fit_ordinal_model(survey_wide[survey_wide["district_code"] == "803"], SurveyDesign(), predictors=predictors)
    np.testing.assert_allclose(domain.to_frame()["coef"], alone.to_frame()["coef"], rtol=1e-6)
    np.testing.assert_allclose(domain.to_frame()["se"], alone.to_frame()["se"], rtol=1e-5)
    everybody = np.ones(len(survey_wide), dtype=bool)
    full = fit_ordinal_model(survey_wide, SurveyDesign(), predictors=predictors).to_frame()
    masked = fit_ordinal_model(survey_wide, SurveyDesign(), predictors=predictors, domain=everybody).to_frame()
    np.testing.assert_allclose(masked["coef"], full["coef"], rtol=1e-12)


def test_joint_wald_test_of_a_one_level_predictor_is_its_t_test_squared(survey_wide):
    """With p = 1, F = t^2 and F(1, df) gives the coefficient's two-sided t p-value (R regTermTest)."""
    from danvan_analysis.survey import SurveyDesign, fit_satisfaction_model

    result = fit_satisfaction_model(survey_wide, SurveyDesign())
    row = result.to_frame().query("predictor == 'sex'").iloc[0]
    test = result.joint_test("sex").iloc[0]
    assert test["levels"] == 1 and test["df_den"] == row["df"]
    assert test["f"] == pytest.approx(row["t"] ** 2, rel=1e-12)
    assert test["p_value"] == pytest.approx(row["p_value"], rel=1e-9)


def test_joint_wald_test_does_not_depend_on_the_reference_level(survey_wide):
    """Re-coding age_group against another reference changes every coefficient, not the joint F (a quadratic form)."""
    from danvan_analysis.survey import SurveyDesign, fit_satisfaction_model

    a = fit_satisfaction_model(survey_wide, SurveyDesign()).joint_test("age_group").iloc[0]
    b = fit_satisfaction_model(survey_wide, SurveyDesign(), references={"age_group": "60+"}).joint_test("age_group")
    assert a["levels"] == 3
    assert b.iloc[0]["f"] == pytest.approx(a["f"], rel=1e-7)
    assert b.iloc[0]["p_value"] == pytest.approx(a["p_value"], rel=1e-6)


def test_joint_test_of_an_unknown_predictor_is_refused(survey_wide):
    from danvan_analysis.errors import ParameterError
    from danvan_analysis.survey import SurveyDesign, fit_satisfaction_model

    with pytest.raises(ParameterError, match="occupation"):
        fit_satisfaction_model(survey_wide, SurveyDesign()).joint_test("occupation")


def test_joint_test_survives_a_json_round_trip_of_the_result(survey_wide):
    """The reports cache a ModelResult's fields as JSON: the covariance must read back as the same numbers."""
    import json

    from danvan_analysis.survey import ModelResult, SurveyDesign, fit_satisfaction_model

    result = fit_satisfaction_model(survey_wide, SurveyDesign())
    again = ModelResult(
        title=result.title, _table=result.to_frame(), covariance=json.loads(json.dumps(result.covariance))
    )
    assert again.joint_test("age_group").equals(result.joint_test("age_group"))
