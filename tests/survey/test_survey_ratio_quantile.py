"""Ratios and Woodruff quantiles against svy 0.35 (``estimation.ratio``, ``estimation.quantile``/``median``), to 1e-9.

svy's quantile is R's ``svyquantile(qrule = "math", interval.type = "mean")`` centred at F(q); see
``danvan_analysis/survey/quantiles.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from svy_reference import svy_rows, svy_sample

from danvan_analysis.errors import SchemaError
from danvan_analysis.survey import SurveyDesign
from danvan_analysis.survey.quantiles import estimate_quantiles
from danvan_analysis.survey.ratios import estimate_ratio

TOL = {"rtol": 1e-9, "atol": 1e-12}


@pytest.fixture(scope="module")
def scored(survey) -> pd.DataFrame:
    score = np.random.default_rng(1).gamma(2.0, 10.0, len(survey))
    return survey.assign(score=score + survey["q10"].astype("Float64").fillna(3).to_numpy(float))


@pytest.mark.parametrize("by", [None, "district_code", "sex"])
def test_ratio_matches_svy(survey, by):
    got = estimate_ratio(survey, SurveyDesign(), "q10", "q11", by=by).to_frame()
    got = got[got["by"] == (by or "all")]
    ref = svy_rows(svy_sample(survey, ["q10", "q11"]).estimation.ratio("q10", "q11", by=by, drop_nulls=True), by)
    for column, theirs in (("estimate", "est"), ("se", "se"), ("ci_low", "lci"), ("ci_high", "uci")):
        np.testing.assert_allclose(got[column], ref[theirs], **TOL)
    np.testing.assert_array_equal(got["df"], ref["df"])
    np.testing.assert_array_equal(got["n"], ref["n"])


def test_ratio_by_hand():
    # Two strata, PSUs a1, a2 | b1, b2; rows (stratum, psu, w, y, x):
    #   A a1 1 2 4 | A a2 2 1 1 | B b1 1 3 2 | B b2 1 1 3.
    # Y = 2 + 2 + 3 + 1 = 8, X = 4 + 2 + 2 + 3 = 11, R = 8/11.
    # z_j = (Y_j - R X_j)/X: a1 (2 - 32/11)/11 = -10/121, a2 (2 - 16/11)/11 = 6/121, b1 (3 - 16/11)/11 = 17/121,
    # b2 (1 - 24/11)/11 = -13/121. A: mean -2/121, SS 2 (8/121)^2 = 128/121^2, x 2/1; B: mean 2/121, SS 2 (15/121)^2
    # = 450/121^2, x 2. V = 2 (128 + 450) / 121^2 = 1156/14641, SE = 34/121.
    data = pd.DataFrame(
        {
            "stratum": ["A", "A", "B", "B"],
            "psu": ["a1", "a2", "b1", "b2"],
            "weight": [1.0, 2.0, 1.0, 1.0],
            "y": [2.0, 1.0, 3.0, 1.0],
            "x": [4.0, 1.0, 2.0, 3.0],
        }
    )
    row = estimate_ratio(data, SurveyDesign(), "y", "x").to_frame().iloc[0]
    assert row["estimate"] == pytest.approx(8 / 11, rel=1e-14)
    assert row["se"] == pytest.approx(34 / 121, rel=1e-12)
    assert row["df"] == 2


@pytest.mark.parametrize("by", [None, "district_code"])
def test_quantiles_match_svy(scored, by):
    probs = [0.25, 0.5, 0.9]
    got = estimate_quantiles(scored, SurveyDesign(), "score", probs=probs, by=by).to_frame()
    sample = svy_sample(scored, ["score"])
    for p in probs:
        mine = got[got["prob"] == p]
        ref = svy_rows(sample.estimation.quantile("score", p=p, by=by, drop_nulls=True), by)
        for column, theirs in (("estimate", "est"), ("se", "se"), ("ci_low", "lci"), ("ci_high", "uci")):
            np.testing.assert_allclose(mine[column], ref[theirs], equal_nan=True, err_msg=column, **TOL)
        np.testing.assert_array_equal(mine["df"], ref["df"])


def test_median_of_a_rating_leaves_dont_know_out(survey):
    # Item q10 is declared on the SIPAS scale: 9 is out, so the median lies in 1-5.
    row = estimate_quantiles(survey, SurveyDesign(), "q10").to_frame().iloc[0]
    assert 1 <= row["estimate"] <= 5
    ref = svy_rows(svy_sample(survey, ["q10"]).estimation.median("q10", drop_nulls=True))
    assert row["estimate"] == ref["est"].iloc[0]


def test_quantile_refuses_an_invalid_code(survey):
    data = survey.assign(q10=survey["q10"].where(survey.index > 0, 7))
    with pytest.raises(SchemaError, match="'q10' holds the code"):
        estimate_quantiles(data, SurveyDesign(), "q10")
