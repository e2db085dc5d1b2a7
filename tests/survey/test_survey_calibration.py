"""Calibration (post-stratification, raking, linear) and its variance, against svy 0.35 and a row-level reference.

* Weights: against svy's ``poststratify``, ``calibrate`` (GREG, linear) and ``rake`` on the same data, and the
  control totals reproduced exactly.
* SEs: against svy where it uses the same residual (post-stratification, linear calibration: the regression weighted
  by the weights before calibration, as R's ``postStratify`` and ``calibrate``). For raking svy (like R's ``rake()``)
  uses the *unweighted* backfitting residual; our raking SEs are checked against the row-level reference below, whose
  unweighted variant reproduces svy's raking SE (so the reference is checked against svy too).
* The row-level reference (:func:`residual_variance`) builds every respondent's linearised variable and its residual
  with ``numpy.linalg.lstsq`` and applies the stratified with-replacement formula written out here; it shares no code
  with the package's cell-level kernel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from svy_reference import svy_rows, svy_sample

from danvan_analysis.errors import DesignError
from danvan_analysis.survey import (
    Calibration,
    SurveyDesign,
    calibrate,
    census_district_margin,
    estimate,
    read_margin,
    sipas_indices,
)

TOL = {"rtol": 1e-9, "atol": 1e-12}
ITEMS = ["q01", "q15"]


@pytest.fixture(scope="module")
def data(survey) -> pd.DataFrame:
    """The synthetic survey with a y (rating of q01, don't-know as missing) for svy."""
    return survey.reset_index(drop=True)


def _controls(data: pd.DataFrame, column: str, scale: dict[str, float]) -> dict[str, float]:
    """Population totals off the sample's by a known factor per level (so the calibration moves the weights)."""
    sums = data.groupby(column)["weight"].sum()
    return {k: float(v * scale.get(k, 1.0)) for k, v in sums.items()}


def _raking_controls(data: pd.DataFrame) -> dict[str, dict[str, float]]:
    district = _controls(data, "district_code", {"801": 1.2, "802": 0.9})
    total = sum(district.values())
    sex_share = {"female": 0.52, "male": 0.48}
    age_share = {"18-29": 0.25, "30-44": 0.3, "45-59": 0.27, "60+": 0.18}
    return {
        "district_code": district,
        "sex": {k: v * total for k, v in sex_share.items()},
        "age_group": {k: v * total for k, v in age_share.items()},
    }


# ----------------------------------------------------------------------------------------------- reference


def wr_variance(data: pd.DataFrame, u: np.ndarray) -> float:
    """sum_h n_h/(n_h - 1) sum_i (z_hi - zbar_h)^2 over PSU totals z_hi of u (PSUs with replacement)."""
    z = pd.DataFrame({"h": data["stratum"], "i": data["psu"], "u": u}).groupby(["h", "i"])["u"].sum()
    total = 0.0
    for _, zh in z.groupby(level=0):
        n = len(zh)
        total += n / (n - 1) * float(((zh - zh.mean()) ** 2).sum())
    return total


def residual(u: np.ndarray, w: np.ndarray, prior: np.ndarray, x: np.ndarray, *, weighted: bool = True) -> np.ndarray:
    """u - w x'B, B the least-squares fit of u/w on x, weighted by the prior weights (or unweighted)."""
    r = np.sqrt(prior if weighted else np.ones_like(prior))
    beta = np.linalg.lstsq(x * r[:, None], (u / w) * r, rcond=None)[0]
    return u - w * (x @ beta)


def mean_u(y: np.ndarray, w: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Linearised variable of the domain mean: w (y - R) / X inside the domain, 0 outside (y NaN = no answer)."""
    answered = inside & ~np.isnan(y)
    x_total = w[answered].sum()
    r = (w[answered] * y[answered]).sum() / x_total
    return np.where(answered, w * (np.nan_to_num(y) - r) / x_total, 0.0)


def dummies(data: pd.DataFrame, margins: list[str]) -> np.ndarray:
    return pd.get_dummies(data[margins].astype(str)).to_numpy(dtype=np.float64)


def rating(data: pd.DataFrame, item: str) -> np.ndarray:
    v = data[item].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(v == 9, np.nan, v)


# ----------------------------------------------------------------------------------------------- weights


def test_poststratified_weights_match_svy_and_meet_the_totals(data):
    controls = _controls(data, "age_group", {"18-29": 1.3, "60+": 0.8})
    cal = calibrate(data, SurveyDesign(), {"age_group": controls}, method="poststratify")
    got = cal.apply(data).groupby("age_group")["weight"].sum()
    np.testing.assert_allclose(got.to_numpy(), [controls[k] for k in got.index], rtol=1e-12)
    ref = svy_sample(data, []).weighting.poststratify(controls=controls, cells="age_group", wgt_name="ps")
    np.testing.assert_allclose(cal.weights.to_numpy(), ref.data.to_pandas()["ps"].to_numpy(), rtol=1e-12)
    table = cal.to_frame().set_index("level")
    np.testing.assert_allclose(table["after"], table["population"], rtol=1e-12)


def test_raked_weights_match_svy_and_meet_every_margin(data):
    controls = _raking_controls(data)
    cal = calibrate(data, SurveyDesign(), controls, method="raking")
    out = cal.apply(data)
    for column, totals in controls.items():
        got = out.groupby(column)["weight"].sum()
        np.testing.assert_allclose(got.to_numpy(), [totals[k] for k in got.index], rtol=1e-9)
    ref = svy_sample(data, []).weighting.rake(controls=controls, wgt_name="rk", tol=1e-14, max_iter=2000)
    np.testing.assert_allclose(cal.weights.to_numpy(), ref.data.to_pandas()["rk"].to_numpy(), rtol=1e-9)


def test_linear_weights_match_svy_calibrate(data):
    import svy

    controls = _raking_controls(data)
    del controls["age_group"]
    cal = calibrate(data, SurveyDesign(), controls, method="linear")
    ref = svy_sample(data, []).weighting.calibrate(
        controls={svy.Cat(k): v for k, v in controls.items()}, wgt_name="cal"
    )
    np.testing.assert_allclose(cal.weights.to_numpy(), ref.data.to_pandas()["cal"].to_numpy(), rtol=1e-9)


def test_bounds_hold_and_the_totals_are_still_met(data):
    controls = _raking_controls(data)
    free = calibrate(data, SurveyDesign(), controls)
    assert free.summary().set_index("statistic").loc["factor_max", "after"] > 1.3  # the bounds below do bind
    cal = calibrate(data, SurveyDesign(), controls, bounds=(0.7, 1.3))
    g = cal.weights / cal.prior
    assert g.min() >= 0.7 - 1e-12 and g.max() <= 1.3 + 1e-12
    assert np.isclose(g.max(), 1.3) or np.isclose(g.min(), 0.7)
    out = cal.apply(data)
    for column, totals in controls.items():
        got = out.groupby(column)["weight"].sum()
        np.testing.assert_allclose(got.to_numpy(), [totals[k] for k in got.index], rtol=1e-9)
    with pytest.raises(DesignError, match="widen the bounds"):
        calibrate(data, SurveyDesign(), controls, bounds=(0.99, 1.01))


def test_diagnostics_hand_values(data):
    """Kish's 1 + CV^2 = n sum w^2 / (sum w)^2, the ratio and the sums, from the weights themselves."""
    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    s = cal.summary().set_index("statistic")
    for column, w in (("before", cal.prior.to_numpy()), ("after", cal.weights.to_numpy())):
        cv2 = w.var() / w.mean() ** 2  # population variance (ddof = 0), as Kish's formula
        assert s.loc["kish_deff", column] == pytest.approx(1 + cv2, rel=1e-12)
        assert s.loc["max/min", column] == pytest.approx(w.max() / w.min(), rel=1e-12)
        assert s.loc["sum", column] == pytest.approx(w.sum(), rel=1e-12)


# ----------------------------------------------------------------------------------------------- variance


@pytest.mark.parametrize("by", [None, "district_code", "sex", "area"])
def test_poststratified_means_and_totals_match_svy(data, by):
    controls = _controls(data, "age_group", {"18-29": 1.3, "60+": 0.8})
    cal = calibrate(data, SurveyDesign(), {"age_group": controls}, method="poststratify")
    out = cal.apply(data)
    sample = svy_sample(data, ITEMS).weighting.poststratify(controls=controls, cells="age_group", wgt_name="ps")
    for kind in ("mean", "total"):
        got = estimate(out, cal.design, ITEMS, kind=kind, by=by).to_frame()
        for item in ITEMS:
            mine = got[got["variable"] == item]
            call = sample.estimation.mean if kind == "mean" else sample.estimation.total
            ref = svy_rows(call(item, by=by, drop_nulls=True), by)
            np.testing.assert_allclose(mine["estimate"], ref["est"], **TOL)
            np.testing.assert_allclose(mine["se"], ref["se"], **TOL)


@pytest.mark.parametrize("by", [None, "district_code", "area"])
def test_poststratified_shares_match_svy(data, by):
    controls = _controls(data, "sex", {"female": 1.15})
    cal = calibrate(data, SurveyDesign(), {"sex": controls}, method="poststratify")
    got = estimate(cal.apply(data), cal.design, ITEMS, kind="proportion", at_least=4, by=by).to_frame()
    sample = svy_sample(data, ITEMS, at_least=4).weighting.poststratify(controls=controls, cells="sex", wgt_name="ps")
    for item in ITEMS:
        ref = svy_rows(sample.estimation.mean(item, by=by, drop_nulls=True), by)
        mine = got[got["variable"] == item]
        np.testing.assert_allclose(mine["estimate"] / 100, ref["est"], **TOL)
        np.testing.assert_allclose(mine["se"] / 100, ref["se"], **TOL)


@pytest.mark.parametrize("by", [None, "district_code", "age_group"])
def test_linear_calibration_means_match_svy(data, by):
    import svy

    controls = _raking_controls(data)
    del controls["age_group"]
    cal = calibrate(data, SurveyDesign(), controls, method="linear")
    got = estimate(cal.apply(data), cal.design, ITEMS, by=by).to_frame()
    sample = svy_sample(data, ITEMS).weighting.calibrate(
        controls={svy.Cat(k): v for k, v in controls.items()}, wgt_name="cal"
    )
    for item in ITEMS:
        ref = svy_rows(sample.estimation.mean(item, by=by, drop_nulls=True), by)
        mine = got[got["variable"] == item]
        np.testing.assert_allclose(mine["estimate"], ref["est"], **TOL)
        np.testing.assert_allclose(mine["se"], ref["se"], **TOL)


@pytest.mark.parametrize("domain", [None, ("district_code", "802"), ("sex", "female"), ("area", "urban")])
def test_raked_means_match_the_row_level_residual_reference(data, domain):
    margins = ["district_code", "sex", "age_group"]
    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    out = cal.apply(data)
    w, prior = out["weight"].to_numpy(), out["design_weight"].to_numpy()
    x = dummies(out, margins)
    by = None if domain is None else domain[0]
    got = estimate(out, cal.design, ITEMS, by=by).to_frame()
    if domain is not None:
        got = got[got[domain[0]] == domain[1]]
    inside = np.ones(len(out), bool) if domain is None else (out[domain[0]] == domain[1]).to_numpy()
    for item in ITEMS:
        u = mean_u(rating(out, item), w, inside)
        se = np.sqrt(wr_variance(out, residual(u, w, prior, x)))
        assert got.loc[got["variable"] == item, "se"].item() == pytest.approx(se, rel=1e-9)


def test_row_level_reference_with_unweighted_residuals_is_svy_raking(data):
    """Check of the reference itself: with svy's weights and R rake()'s unweighted residual it gives svy's SE."""
    controls = _raking_controls(data)
    sample = svy_sample(data, ITEMS).weighting.rake(controls=controls, wgt_name="rk", tol=1e-14, max_iter=2000)
    frame = sample.data.to_pandas()
    w, prior = frame["rk"].to_numpy(), data["weight"].to_numpy()
    x = dummies(data, list(controls))
    for item in ITEMS:
        ref = svy_rows(sample.estimation.mean(item, drop_nulls=True))
        u = mean_u(rating(data, item), w, np.ones(len(data), bool))
        se = np.sqrt(wr_variance(data, residual(u, w, prior, x, weighted=False)))
        assert se == pytest.approx(ref["se"].item(), rel=1e-9)


def test_calibration_changes_the_se_only_through_the_residual(data):
    """Weights given as fixed (no calibration record) vs calibrated: same estimate, different SE."""
    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    out = cal.apply(data)
    fixed = estimate(out, SurveyDesign(), ITEMS, kind="total").to_frame()
    credited = estimate(out, cal.design, ITEMS, kind="total").to_frame()
    np.testing.assert_allclose(fixed["estimate"], credited["estimate"], rtol=1e-12)
    assert (credited["se"] < fixed["se"]).all()


def test_two_stage_calibrated_variance_is_the_residual_s_two_stage_variance(data):
    """With fpc and the second stage, the calibrated SE is the uncalibrated two-stage SE of the row residuals.

    The residual total ``sum_i e_i`` is estimated as the weighted total of ``e_i / w_i`` with the same weights on
    the design without calibration (whose two-stage variance is checked against svy in test_survey_multistage).
    """
    n_h = data.groupby("stratum")["psu"].nunique()
    m_i = data.groupby("psu")["ssu"].nunique()
    sampled = data.assign(f1=data["stratum"].map(n_h / (n_h * 3)), f2=data["psu"].map(m_i / (m_i * 2 + 1)))
    margins = ["district_code", "sex", "age_group"]
    base = SurveyDesign(fpc="f1", ssu="ssu", ssu_fpc="f2")
    cal = calibrate(sampled, base, _raking_controls(sampled))
    out = cal.apply(sampled)
    w, prior = out["weight"].to_numpy(), out["design_weight"].to_numpy()
    inside = (out["area"] == "urban").to_numpy()
    u = mean_u(rating(out, "q01"), w, inside)
    out["resid"] = residual(u, w, prior, dummies(out, margins)) / w
    ref = estimate(out, base, "resid", kind="total").to_frame()["se"].item()
    got = estimate(out, cal.design, "q01", by="area").to_frame()
    assert got.loc[got["area"] == "urban", "se"].item() == pytest.approx(ref, rel=1e-9)


def test_sipas_items_use_the_calibrated_variance(data):
    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    out = cal.apply(data)
    idx = sipas_indices(out, cal.design).to_frame()
    item = idx[(idx["code"] == "q01") & (idx["measure"] == "share") & (idx["by"] == "all")]
    est = estimate(out, cal.design, "q01", kind="proportion", at_least=4).to_frame()
    assert item["se"].item() == pytest.approx(est["se"].item(), rel=1e-12)


# ----------------------------------------------------------------------------------------------- refusals


def test_weights_edited_after_calibration_are_refused(data):
    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    out = cal.apply(data)
    out.loc[0, "weight"] *= 1.5
    with pytest.raises(DesignError, match="not a calibration"):
        estimate(out, cal.design, "q01")


def test_margins_that_disagree_or_miss_a_level_are_refused(data):
    controls = _raking_controls(data)
    controls["sex"] = {k: 2 * v for k, v in controls["sex"].items()}
    with pytest.raises(DesignError, match="different populations"):
        calibrate(data, SurveyDesign(), controls)
    with pytest.raises(DesignError, match="no population total"):
        calibrate(data, SurveyDesign(), {"sex": {"female": 1000.0}}, method="poststratify")
    with pytest.raises(DesignError, match="no respondent"):
        calibrate(data, SurveyDesign(), {"sex": {"female": 1.0, "male": 1.0, "other": 1.0}}, method="poststratify")


def test_margin_files_read_and_the_census_margin_is_the_shipped_table(tmp_path):
    path = tmp_path / "sex_age.csv"
    path.write_text('sex,age_group,population,source\nfemale,18-29,10,x\nmale,18-29,"1,200",x\n', encoding="utf-8")
    assert read_margin(path) == {("sex", "age_group"): {"female|18-29": 10.0, "male|18-29": 1200.0}}
    census = census_district_margin()["district_code"]
    assert len(census) == 9 and census["164"] == 340403.0 and sum(census.values()) == 1286751.0


def test_calibration_record_names_its_columns():
    record = Calibration(margins=("district_code", ("sex", "age_group")))
    assert record.columns() == ("district_code", "sex", "age_group", "design_weight")
    assert "design_weight" in SurveyDesign(calibration=record).columns()


def test_models_and_comparisons_accept_a_calibrated_design(data, two_years):
    """The model's sandwich uses the calibration residual; compare_districts says it treats the weights as fixed."""
    import warnings

    from danvan_analysis.survey import compare_districts, compare_years, fit_satisfaction_model
    from danvan_analysis.survey.design import DesignWarning

    cal = calibrate(data, SurveyDesign(), _raking_controls(data))
    out = cal.apply(data)
    fixed = fit_satisfaction_model(out, SurveyDesign(), predictors=["area"]).to_frame()
    credited = fit_satisfaction_model(out, cal.design, predictors=["area"]).to_frame()
    np.testing.assert_allclose(fixed["coef"], credited["coef"], rtol=1e-12)
    assert not np.allclose(fixed["se"], credited["se"], rtol=1e-6)
    with pytest.warns(DesignWarning, match="treats calibrated weights as fixed"):
        compare_districts(out, cal.design)
    years = []
    for _year, part in two_years.groupby("year"):
        part = part.reset_index(drop=True)
        years.append(
            calibrate(part, SurveyDesign(), {"district_code": _controls(part, "district_code", {})}).apply(part)
        )
    pooled = pd.concat(years, ignore_index=True)
    design = SurveyDesign(calibration=Calibration(margins=("district_code",)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DesignWarning)
        assert len(compare_years(pooled, design).to_frame()) > 0
