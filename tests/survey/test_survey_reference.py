"""Agreement to 1e-9 with svy 0.35 (and samplics 0.6.1) on seeded synthetic surveys.

Degrees of freedom: by default a domain has its own (PSUs minus strata holding its respondents who answered), as
svy reports and R's ``degf(subset(design, ...))`` gives; df, intervals and all are compared. The whole design's df
(``EstimationSettings(df="design")``) is checked by rebuilding svy's interval from its SE with that df.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from svy_reference import svy_rows, svy_sample

from danvan_analysis.survey import EstimationSettings, SurveyDesign, commune_design, estimate
from danvan_analysis.survey.design import DesignWarning

TOL = dict(rel=1e-9, abs=1e-12)
ITEMS = ["q01", "q07", "q15", "q33"]


def ours(result, by: str | None = None) -> pd.DataFrame:
    frame = result.to_frame()
    frame = frame[frame["by"] == (by or "all")]
    return frame.set_index(["variable", by]) if by else frame.set_index("variable")


@pytest.mark.parametrize("by", [None, "district_code", "sex", "area"])
def test_means_match_svy(survey, by):
    got = ours(estimate(survey, SurveyDesign(), ITEMS, by=by), by)
    sample = svy_sample(survey, ITEMS)
    for item in ITEMS:
        ref = svy_rows(sample.estimation.mean(item, by=by, drop_nulls=True, deff="wor"), by)
        mine = got.loc[item] if by else got.loc[[item]]
        mine.index = ref.index
        np.testing.assert_allclose(mine["estimate"], ref["est"], **_tol())
        np.testing.assert_allclose(mine["se"], ref["se"], **_tol())
        np.testing.assert_allclose(mine["deff"], ref["deff"], **_tol())
        np.testing.assert_array_equal(mine["n"], ref["n"])
        np.testing.assert_array_equal(mine["df"], ref["df"])
        np.testing.assert_allclose(mine["ci_low"], ref["lci"], **_tol())
        np.testing.assert_allclose(mine["ci_high"], ref["uci"], **_tol())


@pytest.mark.parametrize("by", ["district_code", "sex"])
def test_design_df_option_rebuilds_svy_interval_with_the_whole_design_df(survey, by):
    settings = EstimationSettings(df="design")
    got = ours(estimate(survey, SurveyDesign(), ["q01"], by=by, settings=settings), by).loc["q01"]
    ref = svy_rows(svy_sample(survey, ["q01"]).estimation.mean("q01", by=by, drop_nulls=True), by)
    design_df = survey.groupby("stratum")["psu"].nunique().sum() - survey["stratum"].nunique()
    assert (got["df"] == design_df).all()
    # A district holds a third of the PSUs, so its own df is smaller; both sexes live in every PSU.
    assert (got["df"] > ref["df"]).all() if by == "district_code" else (got["df"] == ref["df"]).all()
    t = stats.t.ppf(0.975, design_df)
    np.testing.assert_allclose(got["ci_low"], ref["est"] - t * ref["se"], **_tol())
    np.testing.assert_allclose(got["ci_high"], ref["est"] + t * ref["se"], **_tol())


def test_crossed_domains_match_svy(survey):
    got = estimate(survey, SurveyDesign(), ["q20"], by=("district_code", "sex")).to_frame()
    got = got.set_index(["district_code", "sex"]).sort_index()
    ref = svy_sample(survey, ["q20"]).estimation.mean("q20", by=("district_code", "sex"), drop_nulls=True)
    ref = ref.to_polars().to_pandas().set_index(["district_code", "sex"]).sort_index()
    assert list(got.index) == list(ref.index)
    np.testing.assert_allclose(got["estimate"], ref["est"], **_tol())
    np.testing.assert_allclose(got["se"], ref["se"], **_tol())
    np.testing.assert_array_equal(got["n"], ref["n"])


@pytest.mark.parametrize("by", [None, "district_code"])
def test_proportions_match_svy(survey, by):
    got = ours(estimate(survey, SurveyDesign(), ITEMS, kind="proportion", at_least=4, by=by), by)
    sample = svy_sample(survey, ITEMS, at_least=4)
    for item in ITEMS:
        ref = svy_rows(sample.estimation.mean(item, by=by, drop_nulls=True, deff="wor"), by)
        mine = got.loc[item] if by else got.loc[[item]]
        np.testing.assert_allclose(mine["estimate"].to_numpy(), 100 * ref["est"].to_numpy(), **_tol())
        np.testing.assert_allclose(mine["se"].to_numpy(), 100 * ref["se"].to_numpy(), **_tol())
        np.testing.assert_allclose(mine["deff"].to_numpy(), ref["deff"].to_numpy(), **_tol())


def test_logit_interval_matches_svy_prop(survey):
    got = ours(estimate(survey, SurveyDesign(), ["q05"], kind="proportion", at_least=4))
    frame = svy_sample(survey, ["q05"], at_least=4).estimation.prop("q05", drop_nulls=True).to_polars().to_pandas()
    level_one = frame[frame.iloc[:, 0].astype(float) == 1.0].iloc[0]
    assert got.loc["q05", "ci_low"] == pytest.approx(100 * level_one["lci"], rel=1e-9)
    assert got.loc["q05", "ci_high"] == pytest.approx(100 * level_one["uci"], rel=1e-9)


def test_totals_match_svy(survey):
    got = ours(estimate(survey, SurveyDesign(), ["q02"], kind="total", by="district_code"), "district_code")
    ref = svy_rows(
        svy_sample(survey, ["q02"]).estimation.total("q02", by="district_code", drop_nulls=True, deff="wor"),
        "district_code",
    )
    np.testing.assert_allclose(got.loc["q02"]["estimate"], ref["est"], **_tol())
    np.testing.assert_allclose(got.loc["q02"]["se"], ref["se"], **_tol())
    np.testing.assert_allclose(got.loc["q02"]["deff"], ref["deff"], **_tol())


def test_boolean_priority_share_matches_svy(survey):
    got = ours(estimate(survey, SurveyDesign(), ["pr_feedback"], kind="proportion"))
    ref = svy_rows(svy_sample(survey, ["pr_feedback"]).estimation.mean("pr_feedback", drop_nulls=True))
    assert got.loc["pr_feedback", "estimate"] == pytest.approx(100 * ref["est"].iloc[0], rel=1e-9)
    assert got.loc["pr_feedback", "se"] == pytest.approx(100 * ref["se"].iloc[0], rel=1e-9)


def test_fpc_matches_svy_population_sizes(survey):
    # svy takes N_h (PSUs in the population); we take f_h = n_h / N_h.
    n_h = survey.groupby("stratum")["psu"].nunique()
    big_n = (n_h * 3 + np.arange(len(n_h))).astype(float)
    data = survey.assign(N=survey["stratum"].map(big_n))
    with pytest.warns(DesignWarning, match="understated"):
        got = estimate(data, SurveyDesign(fpc=(n_h / big_n).to_dict()), ["q10"], by="district_code")
    got = ours(got, "district_code")
    ref = svy_rows(
        svy_sample(data, ["q10"], pop_size="N").estimation.mean("q10", by="district_code", drop_nulls=True),
        "district_code",
    )
    np.testing.assert_allclose(got.loc["q10"]["se"], ref["se"], **_tol())


@pytest.mark.parametrize(("policy", "svy_name"), [("centre", "center"), ("certainty", "skip")])
def test_single_psu_policies_match_svy(survey, policy, svy_name):
    # Make one commune its own stratum.
    lonely = survey["psu"].iloc[0]
    data = survey.assign(stratum=np.where(survey["psu"] == lonely, "LONE", survey["stratum"]).astype(str))
    for kind, method in (("mean", "mean"), ("total", "total")):
        got = ours(estimate(data, SurveyDesign(single_psu=policy), ["q03"], kind=kind))
        sample = svy_sample(data, ["q03"], singleton=svy_name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = svy_rows(getattr(sample.estimation, method)("q03", drop_nulls=True))
        assert got.loc["q03", "estimate"] == pytest.approx(ref["est"].iloc[0], rel=1e-9)
        assert got.loc["q03", "se"] == pytest.approx(ref["se"].iloc[0], rel=1e-9)


def test_commune_design_uses_villages_and_matches_svy(survey):
    design = commune_design(SurveyDesign(), ssu="ssu")
    got = ours(estimate(survey, design, ["q25"], by="commune_code"), "commune_code")
    ref = svy_rows(
        svy_sample(survey, ["q25"], stratum=("stratum", "psu"), psu="ssu").estimation.mean(
            "q25", by="commune_code", drop_nulls=True
        ),
        "commune_code",
    )
    np.testing.assert_allclose(got.loc["q25"]["estimate"], ref["est"], **_tol())
    np.testing.assert_allclose(got.loc["q25"]["se"], ref["se"], **_tol())
    assert got.loc["q25"]["se"].notna().all()
    # Under the commune-as-PSU design the same domains are not estimable.
    flat = ours(estimate(survey, SurveyDesign(), ["q25"], by="commune_code"), "commune_code")
    assert flat.loc["q25"]["se"].isna().all() and (flat.loc["q25"]["df"] == 0).all()


def test_district_means_match_samplics(survey):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

    got = ours(estimate(survey, SurveyDesign(), ["q12"], by="district_code"), "district_code").loc["q12"]
    y = survey["q12"].astype("Float64").mask(survey["q12"] == 9).to_numpy(dtype=float, na_value=np.nan)
    est = TaylorEstimator(PopParam.mean)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.estimate(
            y=y,
            samp_weight=survey["weight"].to_numpy(),
            stratum=survey["stratum"].to_numpy(object),
            psu=survey["psu"].to_numpy(object),
            domain=survey["district_code"].to_numpy(object),
            remove_nan=True,
        )
    for district, row in got.iterrows():
        assert row["estimate"] == pytest.approx(est.point_est[district], rel=1e-9)
        assert row["se"] == pytest.approx(est.stderror[district], rel=1e-9)


def _tol() -> dict:
    return {"rtol": TOL["rel"], "atol": TOL["abs"]}


def _svy_prop_level_one(data, item, by, method):
    frame = svy_sample(data, [item], at_least=4).estimation.prop(item, by=by, drop_nulls=True, ci_method=method)
    frame = frame.to_polars().to_pandas()
    level = frame[item] if item in frame.columns else frame.iloc[:, 1 if by else 0]
    return frame[level.astype(float) == 1.0].set_index(by)


@pytest.mark.parametrize("method", ["logit", "beta", "korn-graubard"])
def test_district_proportion_intervals_match_svy(survey, method):
    """Each method, each district (its own df), against svy's prop(ci_method=...): beta is R's svyciprop."""
    settings = EstimationSettings(ci_method=method)
    got = estimate(
        survey, SurveyDesign(), ["q05"], kind="proportion", at_least=4, by="district_code", settings=settings
    )
    got = ours(got, "district_code").loc["q05"]
    ref = _svy_prop_level_one(survey, "q05", "district_code", method)
    np.testing.assert_array_equal(got["df"], ref["df"])
    np.testing.assert_allclose(got["ci_low"], 100 * ref["lci"], **_tol())
    np.testing.assert_allclose(got["ci_high"], 100 * ref["uci"], **_tol())


@pytest.mark.parametrize("method", ["logit", "beta", "korn-graubard"])
def test_zero_and_hundred_percent_get_svy_korn_graubard_interval(survey, method):
    """Nobody satisfied in district 801, everybody in 802: svy's Korn-Graubard boundary interval, whatever method."""
    data = survey.copy()
    district = data["district_code"]
    for item in ("q05",):
        answered = data[item].notna() & (data[item] != 9)
        data.loc[answered & (district == "801"), item] = 2
        data.loc[answered & (district == "802"), item] = 5
    settings = EstimationSettings(ci_method=method)
    result = estimate(
        data, SurveyDesign(), ["q05"], kind="proportion", at_least=4, by="district_code", settings=settings
    )
    got = ours(result, "district_code").loc["q05"]
    frame = svy_sample(data, ["q05"], at_least=4).estimation.prop(
        "q05", by="district_code", drop_nulls=True, ci_method="korn-graubard"
    )
    frame = frame.to_polars().to_pandas()
    level = frame.iloc[:, 1].astype(float)
    # svy lists the level present: 0 in district 801 (share of 1 is 1 - that), 1 in 802.
    zero = frame[(frame["district_code"] == "801") & (level == 0.0)].iloc[0]
    one_ = frame[(frame["district_code"] == "802") & (level == 1.0)].iloc[0]
    assert got.loc["801", "estimate"] == 0 and got.loc["802", "estimate"] == 100
    assert got.loc["801", "ci_low"] == 0
    assert got.loc["801", "ci_high"] == pytest.approx(100 * (1 - zero["lci"]), rel=1e-9)
    assert got.loc["802", "ci_low"] == pytest.approx(100 * one_["lci"], rel=1e-9)
    assert got.loc["802", "ci_high"] == 100
    assert any(c.code == "boundary" for c in result.caveats)
