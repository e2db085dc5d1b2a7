"""Hand-computed examples: every expected number is worked out in the comments from the 11 rows below.

Design: stratum A with PSUs a1, a2; stratum B with PSUs b1, b2, b3. Variable q01 (9 = don't know, <NA> missing).

    row stratum psu  w   q01  sex
     1     A    a1   2    4    F
     2     A    a1   2    2    M
     3     A    a2   1    5    F
     4     A    a2   3    3    M
     5     B    b1   4    1    F
     6     B    b1   4   <NA>  M     missing: out of numerator and denominator
     7     B    b1   4    3    M
     8     B    b2   2    2    F
     9     B    b2   2    9    F     don't know: out like a missing answer
    10     B    b3   1    4    M
    11     B    b3   1    5    F

Variance of a ratio R = Y/X: z_j = (Y_j - R X_j) / X per PSU, V = sum_h n_h/(n_h-1) sum_j (z_hj - zbar_h)^2.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from danvan_analysis.errors import DesignError
from danvan_analysis.survey import EstimationSettings, SurveyDesign, estimate
from danvan_analysis.survey.design import DesignWarning

ROWS = [
    ("A", "a1", 2, 4, "F"),
    ("A", "a1", 2, 2, "M"),
    ("A", "a2", 1, 5, "F"),
    ("A", "a2", 3, 3, "M"),
    ("B", "b1", 4, 1, "F"),
    ("B", "b1", 4, None, "M"),
    ("B", "b1", 4, 3, "M"),
    ("B", "b2", 2, 2, "F"),
    ("B", "b2", 2, 9, "F"),
    ("B", "b3", 1, 4, "M"),
    ("B", "b3", 1, 5, "F"),
]


def tiny(extra: list[tuple] | None = None) -> pd.DataFrame:
    rows = ROWS + (extra or [])
    return pd.DataFrame(
        {
            "stratum": pd.array([r[0] for r in rows], dtype="str"),
            "psu": pd.array([r[1] for r in rows], dtype="str"),
            "weight": [float(r[2]) for r in rows],
            "q01": pd.array([r[3] for r in rows], dtype="Int8"),
            "sex": pd.array([r[4] for r in rows], dtype="str"),
        }
    )


def one(result, **where) -> pd.Series:
    frame = result.to_frame()
    for column, value in where.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1
    return frame.iloc[0]


def test_mean_whole_population_by_hand():
    # Answered rows 1,2,3,4,5,7,8,10,11. X = 2+2+1+3+4+4+2+1+1 = 20; Y = 8+4+5+9+4+12+4+4+5 = 55; R = 2.75.
    # z: a1 (12 - 2.75*4)/20 = 0.05; a2 (14 - 11)/20 = 0.15; b1 (16 - 22)/20 = -0.30; b2 (4 - 5.5)/20 = -0.075;
    #    b3 (9 - 5.5)/20 = 0.175 (sum 0).
    # A: mean 0.10, SS = 0.05^2 * 2 = 0.005, x 2/1 -> 0.01.
    # B: mean -0.2/3; deviations (x 60) -14, -0.5, 14.5 -> SS = 406.5/3600, x 3/2 -> 0.169375.
    # V = 0.179375; df = 5 PSUs - 2 strata = 3; CI = R +- t(3) se.
    row = one(estimate(tiny(), SurveyDesign(), "q01"), variable="q01")
    se = math.sqrt(0.01 + 1.5 * 406.5 / 3600)
    assert row["estimate"] == pytest.approx(2.75, rel=1e-14)
    assert row["se"] == pytest.approx(se, rel=1e-12)
    assert row["df"] == 3
    assert row["n"] == 9 and row["n_psu"] == 5
    t = stats.t.ppf(0.975, 3)
    assert row["ci_low"] == pytest.approx(2.75 - t * se, rel=1e-12)
    assert row["ci_high"] == pytest.approx(2.75 + t * se, rel=1e-12)
    assert row["cv"] == pytest.approx(se / 2.75, rel=1e-12)


def test_design_effect_by_hand():
    # sum w (y - 2.75)^2 over answered rows = 3.125+1.125+5.0625+0.1875+12.25+0.25+1.125+1.5625+5.0625 = 29.75;
    # s_w^2 = 29.75/20 * 9/8 = 1.6734375; V_srs = s_w^2 * (N - n)/(N n) = 1.6734375 * 11/180 (R svymean deff).
    row = one(estimate(tiny(), SurveyDesign(), "q01"), variable="q01")
    v_design = 0.01 + 1.5 * 406.5 / 3600
    assert row["deff"] == pytest.approx(v_design / (1.6734375 * 11 / 180), rel=1e-12)


def test_domain_mean_keeps_every_psu_of_the_design():
    # Domain sex = F, answered rows 1,3,5,8,11 (row 9 is 9): X = 10, Y = 26, R = 2.6.
    # z: a1 (8 - 5.2)/10 = 0.28; a2 (5 - 2.6)/10 = 0.24; b1 (4 - 10.4)/10 = -0.64; b2 -0.12; b3 0.24.
    # A: SS = 2 * 0.02^2 = 0.0008, x 2 -> 0.0016. B: deviations (x 300) -140, 16, 124 -> SS = 35232/90000, x 1.5.
    row = one(estimate(tiny(), SurveyDesign(), "q01", by="sex"), sex="F")
    assert row["estimate"] == pytest.approx(2.6, rel=1e-14)
    assert row["se"] == pytest.approx(math.sqrt(0.0016 + 1.5 * 35232 / 90000), rel=1e-12)
    assert row["n"] == 5 and row["df"] == 3


def test_domain_estimation_differs_from_subset_and_reestimate():
    # Domain sex = M (rows 2,4,7,10): X = 10, Y = 29, R = 2.9; PSU b2 holds no man.
    # z: a1 (4 - 5.8)/10 = -0.18; a2 (9 - 8.7)/10 = 0.03; b1 (12 - 11.6)/10 = 0.04; b2 0; b3 (4 - 2.9)/10 = 0.11.
    # A: deviations -+0.105 -> SS = 0.02205, x 2 = 0.0441.
    # Domain (n_B = 3, b2 at z = 0): mean 0.05, deviations -0.01, -0.05, 0.06 -> SS 0.0062, x 1.5 = 0.0093.
    # Subset (b2 dropped, n_B = 2): mean 0.075, deviations -+0.035 -> SS 0.00245, x 2 = 0.0049.
    data = tiny()
    domain = one(estimate(data, SurveyDesign(), "q01", by="sex"), sex="M")
    subset = one(estimate(data[data["sex"] == "M"], SurveyDesign(), "q01"), variable="q01")
    assert domain["estimate"] == pytest.approx(subset["estimate"], rel=1e-14) == pytest.approx(2.9)
    assert domain["se"] == pytest.approx(math.sqrt(0.0441 + 0.0093), rel=1e-12)
    assert subset["se"] == pytest.approx(math.sqrt(0.0441 + 0.0049), rel=1e-12)
    assert domain["se"] > subset["se"] * 1.04
    # Domain df (default): PSUs holding men (a1, a2, b1, b3) minus their strata (A, B) = 2, as the subset's;
    # the whole design's (5 - 2 = 3) on request.
    assert (domain["df"], subset["df"]) == (2, 2)
    design_df = one(estimate(data, SurveyDesign(), "q01", by="sex", settings=EstimationSettings(df="design")), sex="M")
    assert design_df["df"] == 3 and design_df["se"] == domain["se"]
    assert domain["n_psu"] == 4


def test_proportion_and_logit_interval_by_hand():
    # Indicator q01 >= 4 on answered rows: rows 1 (w2), 3 (w1), 10 (w1), 11 (w1) -> Y = 5, X = 20, p = 0.25.
    # z: a1 (2 - 1)/20 = 0.05; a2 (1 - 1)/20 = 0; b1 (0 - 2)/20 = -0.1; b2 (0 - 0.5)/20 = -0.025; b3 0.075.
    # A: SS = 2 * 0.025^2, x 2 = 0.0025. B: deviations (x 120) -10, -1, 11 -> SS = 222/14400, x 1.5.
    # Logit CI (svyciprop method="logit"): expit(logit(p) +- t(3) se / (p (1 - p))). Reported in percent.
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="proportion", at_least=4), variable="q01")
    se = math.sqrt(0.0025 + 1.5 * 222 / 14400)
    half = stats.t.ppf(0.975, 3) * se / (0.25 * 0.75)
    expit = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    assert row["estimate"] == pytest.approx(25.0, rel=1e-13)
    assert row["se"] == pytest.approx(100 * se, rel=1e-12)
    assert row["ci_low"] == pytest.approx(100 * expit(math.log(1 / 3) - half), rel=1e-12)
    assert row["ci_high"] == pytest.approx(100 * expit(math.log(1 / 3) + half), rel=1e-12)


def test_proportion_of_a_level():
    # q01 == 2: rows 2 (w2) and 8 (w2) -> 4 / 20 = 20%.
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="proportion", success=2), variable="q01")
    assert row["estimate"] == pytest.approx(20.0, rel=1e-13)


def test_total_by_hand():
    # Total of answered q01: z_j = Y_j: a1 12, a2 14, b1 16, b2 4, b3 9; T = 55.
    # A: mean 13, SS 2, x 2 = 4. B: deviations (x 3) 19, -17, -2 -> SS = 654/9, x 1.5 = 109. V = 113.
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="total"), variable="q01")
    assert row["estimate"] == pytest.approx(55.0, rel=1e-14)
    assert row["se"] == pytest.approx(math.sqrt(113), rel=1e-12)


def test_fpc_scales_each_stratum():
    # f_A = 0.5, f_B = 0.25: V = 0.5 * 0.01 + 0.75 * 0.169375.
    design = SurveyDesign(fpc={"A": 0.5, "B": 0.25})
    with pytest.warns(DesignWarning, match="understated"):
        row = one(estimate(tiny(), design, "q01"), variable="q01")
    assert row["se"] == pytest.approx(math.sqrt(0.5 * 0.01 + 0.75 * 1.5 * 406.5 / 3600), rel=1e-12)


def test_fpc_column_equals_mapping_and_census_stratum_has_no_variance():
    data = tiny().assign(f=lambda d: d["stratum"].map({"A": 1.0, "B": 0.0}))
    with pytest.warns(DesignWarning, match="understated"):
        row = one(estimate(data, SurveyDesign(fpc="f"), "q01"), variable="q01")
    assert row["se"] == pytest.approx(math.sqrt(1.5 * 406.5 / 3600), rel=1e-12)


LONELY = [("C", "c1", 2, 1, "F"), ("C", "c1", 2, 5, "M")]


def test_single_psu_policies_by_hand():
    # Add stratum C with one PSU c1: (w 2, y 1), (w 2, y 5). X = 24, Y = 67, R = 67/24.
    # z x 144: a1 5, a2 17, b1 -38, b2 -9.5, b3 20.5, c1 5 (sum 0).
    # A: deviations -+6 -> SS 72, x 2 = 144. B: mean -9, deviations -29, -0.5, 29.5 -> SS 1711.5, x 1.5 = 2567.25.
    # certainty: C contributes 0.  centre: (z_c1 - grand mean of the 6 PSU totals = 0)^2 = 25.
    data = tiny(LONELY)
    with pytest.raises(DesignError, match="only one PSU"):
        estimate(data, SurveyDesign(), "q01")
    certain = one(estimate(data, SurveyDesign(single_psu="certainty"), "q01"), variable="q01")
    centred = one(estimate(data, SurveyDesign(single_psu="centre"), "q01"), variable="q01")
    assert certain["estimate"] == pytest.approx(67 / 24, rel=1e-14)
    assert certain["se"] == pytest.approx(math.sqrt((144 + 2567.25) / 144**2), rel=1e-12)
    assert centred["se"] == pytest.approx(math.sqrt((144 + 2567.25 + 25) / 144**2), rel=1e-12)
    assert certain["df"] == 6 - 3


def test_single_psu_centre_for_a_total_uses_the_grand_mean():
    # Totals z_j = Y_j: a1 12, a2 14, b1 16, b2 4, b3 9, c1 12; grand mean 67/6; c1 adds (12 - 67/6)^2 = (5/6)^2.
    data = tiny(LONELY)
    centred = one(estimate(data, SurveyDesign(single_psu="centre"), "q01", kind="total"), variable="q01")
    assert centred["se"] == pytest.approx(math.sqrt(113 + (5 / 6) ** 2), rel=1e-12)


def test_domain_inside_one_psu_is_not_estimable():
    # A domain that lies in PSU b2 only: z_b2 = 0 exactly, so the formula would say SE = 0. We say "unknown".
    data = tiny().assign(area=lambda d: (d["psu"] == "b2").map({True: "inside", False: "outside"}).astype("str"))
    result = estimate(data, SurveyDesign(), "q01", by="area")
    row = one(result, area="inside")
    assert row["estimate"] == pytest.approx(2.0)  # row 8 only (row 9 is a 9)
    assert math.isnan(row["se"]) and math.isnan(row["ci_low"]) and row["df"] == 0
    assert row["n_psu"] == 1
    assert any(c.code == "few_psus" for c in result.caveats)


def test_total_in_a_one_psu_domain_has_an_se_but_no_interval():
    # Domain = PSU b2: its total of answered q01 is row 8 only (w 2, q01 2; row 9 is a 9): T = 4.
    # z per PSU of stratum B: b1 0, b2 4, b3 0 (A: 0, 0). Mean 4/3; SS = 2 (4/3)^2 + (8/3)^2 = 96/9; x 3/2 = 16.
    # SE = 4; df = 1 PSU - 1 stratum = 0, so no t interval (a mean there has z = 0 and no SE at all).
    data = tiny().assign(area=lambda d: (d["psu"] == "b2").map({True: "inside", False: "outside"}).astype("str"))
    result = estimate(data, SurveyDesign(), "q01", kind="total", by="area")
    row = one(result, area="inside")
    assert row["estimate"] == pytest.approx(4.0, rel=1e-14)
    assert row["se"] == pytest.approx(4.0, rel=1e-12)
    assert row["df"] == 0 and math.isnan(row["ci_low"])
    assert any(c.code == "no_df" for c in result.caveats)


def test_beta_interval_by_hand():
    # p = 0.25, se^2 = 0.0025 + 1.5 * 222/14400 (see the logit test), n = 9 respondents, df = 3.
    # n* = p (1 - p) / se^2 * (t_{8, .025} / t_{3, .025})^2;  x = n* p;
    # CI = [Beta^-1(.025; x, n* - x + 1), Beta^-1(.975; x + 1, n* - x)]   (R svyciprop(method = "beta")).
    var = 0.0025 + 1.5 * 222 / 14400
    n_star = 0.25 * 0.75 / var * (stats.t.ppf(0.025, 8) / stats.t.ppf(0.025, 3)) ** 2
    x = n_star * 0.25
    settings = EstimationSettings(ci_method="beta")
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="proportion", at_least=4, settings=settings), variable="q01")
    assert row["ci_low"] == pytest.approx(100 * stats.beta.ppf(0.025, x, n_star - x + 1), rel=1e-10)
    assert row["ci_high"] == pytest.approx(100 * stats.beta.ppf(0.975, x + 1, n_star - x), rel=1e-10)
    # Korn-Graubard truncates n* at n = 9 when it is larger.
    kg = EstimationSettings(ci_method="korn-graubard")
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="proportion", at_least=4, settings=kg), variable="q01")
    m = min(n_star, 9)
    assert row["ci_low"] == pytest.approx(100 * stats.beta.ppf(0.025, m * 0.25, m * 0.75 + 1), rel=1e-10)


def test_zero_percent_gets_a_one_sided_clopper_pearson_interval():
    # Share answering 5 among men (rows 2, 4, 7, 10: ratings 2, 3, 3, 4): 0 of n = 4, df = 2 (see above).
    # n* = min(n, n (t_{3, .975} / t_{2, .975})^2) = 4 (3.182 / 4.303)^2 = 4 x 0.547 = 2.19;
    # upper = Beta^-1(.975; 1, n*) = 1 - .025^(1/n*); lower = 0. The logit interval would be undefined.
    row = one(estimate(tiny(), SurveyDesign(), "q01", kind="proportion", success=5, by="sex"), sex="M")
    n_star = min(4, 4 * (stats.t.ppf(0.975, 3) / stats.t.ppf(0.975, 2)) ** 2)
    assert row["estimate"] == 0 and row["df"] == 2
    assert row["ci_low"] == 0
    assert row["ci_high"] == pytest.approx(100 * (1 - 0.025 ** (1 / n_star)), rel=1e-12)
