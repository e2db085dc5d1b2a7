"""District vs rest and year-on-year comparisons: against svy contrasts, the independent delta method, hand Holm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import svy
from independent import linearised_composite, stratified_variance
from scipy import stats
from statsmodels.stats.multitest import multipletests
from svy_reference import svy_sample

from danvan_analysis.errors import ParameterError
from danvan_analysis.paths import package_data
from danvan_analysis.survey import SurveyDesign, compare_districts, compare_years, sipas_indices, sipas_trend

RTOL = 1e-9


@pytest.fixture(scope="module")
def by_district(survey):
    return compare_districts(survey, SurveyDesign(), levels=("item", "element", "aspect", "overall")).to_frame()


def test_item_difference_matches_svy_contrast(survey, by_district):
    for district in ("801", "803"):
        data = survey.assign(group=np.where(survey["district_code"] == district, "in", "rest").astype(str))
        means = svy_sample(data, ["q17"], at_least=4).estimation.mean("q17", by="group", drop_nulls=True)
        contrast = means.contrast(svy.estd("in") - svy.estd("rest")).to_polars().to_pandas().iloc[0]
        row = by_district[(by_district["district_code"] == district) & (by_district["code"] == "q17")].iloc[0]
        assert row["difference"] == pytest.approx(100 * contrast["est"], rel=RTOL)
        assert row["se"] == pytest.approx(100 * contrast["se"], rel=RTOL)


def test_composite_difference_matches_independent_delta_method(survey, by_district):
    items = pd.read_csv(package_data("sipas_items.csv"), dtype=str)
    service = items[items["aspect"] == "service"]
    weights = {}
    for _, group in service.groupby("element"):
        for item in group["item"]:
            weights[item] = 1 / service["element"].nunique() / len(group)
    inside = (survey["district_code"] == "802").to_numpy()
    est_in, u_in = linearised_composite(survey, inside, weights, threshold=4)
    est_out, u_out = linearised_composite(survey, ~inside, weights, threshold=4)
    se = 100 * np.sqrt(stratified_variance(survey, u_in - u_out))
    row = by_district[(by_district["district_code"] == "802") & (by_district["code"] == "service")].iloc[0]
    assert row["difference"] == pytest.approx(100 * (est_in - est_out), rel=RTOL)
    assert row["se"] == pytest.approx(se, rel=RTOL)
    df = survey.groupby("stratum")["psu"].nunique().sum() - survey["stratum"].nunique()
    t = 100 * (est_in - est_out) / se
    assert row["df"] == df
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-9)
    t_crit = stats.t.ppf(0.975, df)
    assert row["ci_low"] == pytest.approx(100 * (est_in - est_out) - t_crit * se, rel=1e-9)


def test_holm_adjustment_by_hand(by_district):
    rows = by_district[by_district["code"] == "overall"].sort_values("p_value")
    p = rows["p_value"].to_numpy()
    m = len(p)
    # Holm: p_(i) * (m - i + 1), running maximum, capped at 1.
    expected = np.minimum(1, np.maximum.accumulate([(m - i) * p[i] for i in range(m)]))
    np.testing.assert_allclose(rows["p_holm"].to_numpy(), expected, rtol=1e-12)
    assert (rows["significant"] == (rows["p_holm"] < 0.05)).all()


def test_holm_matches_statsmodels_multipletests(by_district):
    # A few indices only: statsmodels' Holm runs gc.collect() on every call.
    some = by_district[by_district["code"].isin(["overall", "policy", "S2", "q07"])]
    for _, rows in some.groupby("code"):
        np.testing.assert_allclose(
            rows["p_holm"].to_numpy(), multipletests(rows["p_value"].to_numpy(), method="holm")[1], rtol=1e-12
        )


def test_district_and_rest_estimates_are_domain_estimates(survey, by_district):
    indices = sipas_indices(survey, SurveyDesign(), rule=None).to_frame()
    mine = indices[(indices["measure"] == "share") & (indices["code"] == "overall")].set_index("domain")["estimate"]
    rows = by_district[by_district["code"] == "overall"].set_index("district_code")
    for district, row in rows.iterrows():
        assert row["estimate"] == pytest.approx(mine[f"district_code={district}"], rel=1e-12)


def test_year_change_has_independent_samples(two_years):
    change = compare_years(two_years, SurveyDesign(), levels=("overall", "item")).to_frame()
    single = {
        year: sipas_indices(two_years[two_years["year"] == year], SurveyDesign()).to_frame() for year in (2023, 2024)
    }
    for domain in ("all", "district_code=801"):
        for code in ("overall", "q11"):
            row = change[(change["domain"] == domain) & (change["code"] == code)].iloc[0]
            a, b = (
                single[y][
                    (single[y]["domain"] == domain) & (single[y]["code"] == code) & (single[y]["measure"] == "share")
                ].iloc[0]
                for y in (2023, 2024)
            )
            assert row["estimate_from"] == pytest.approx(a["estimate"], rel=1e-12)
            assert row["change"] == pytest.approx(b["estimate"] - a["estimate"], rel=1e-9, abs=1e-12)
            # Year-specific strata: no shared PSU, so V(change) = V(2023) + V(2024).
            assert row["se"] == pytest.approx(np.hypot(a["se"], b["se"]), rel=RTOL)
            assert row["df"] == a["df"] + b["df"]


def test_trend_gives_each_year_its_own_estimates(two_years):
    trend = sipas_trend(two_years, SurveyDesign()).to_frame()
    alone = sipas_indices(two_years[two_years["year"] == 2024], SurveyDesign()).to_frame()
    got = trend[(trend["year"] == 2024) & (trend["measure"] == "share")]
    got = got.assign(key=np.where(got["district_code"].isna(), "all", "district_code=" + got["district_code"]))
    alone = alone[alone["measure"] == "share"]
    merged = got.merge(alone, left_on=["key", "code"], right_on=["domain", "code"], suffixes=("", "_alone"))
    assert len(merged) == len(alone)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_alone"], rtol=1e-12)
    np.testing.assert_allclose(merged["se"], merged["se_alone"], rtol=RTOL)


def test_year_comparison_needs_two_years(survey):
    with pytest.raises(ParameterError, match="two of them"):
        compare_years(survey, SurveyDesign())
