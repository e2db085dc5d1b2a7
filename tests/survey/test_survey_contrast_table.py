"""Contrasts of domains and the Rao-Scott test against svy 0.35 (``Estimate.contrast``, ``tabulate().stats``), 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from svy_reference import svy_sample

from danvan_analysis.errors import ParameterError
from danvan_analysis.survey import EstimationSettings, SurveyDesign
from danvan_analysis.survey.contrasts import estimate_contrast
from danvan_analysis.survey.tables import rao_scott_test

TOL = {"rel": 1e-9, "abs": 1e-12}
CONTRASTS = {"801 - 802": {"801": 1, "802": -1}, "mean(801, 802) - 803": {"801": 0.5, "802": 0.5, "803": -1}}


def test_district_contrasts_match_svy_on_the_design_df(survey):
    got = estimate_contrast(
        survey, SurveyDesign(), "q10", by="district_code", contrasts=CONTRASTS, settings=EstimationSettings(df="design")
    ).to_frame()
    result = svy_sample(survey, ["q10"]).estimation.mean("q10", by="district_code", drop_nulls=True)
    for row, spec in zip(got.itertuples(), CONTRASTS.values(), strict=True):
        ref = result.contrast(spec).estimates[0]
        for mine, theirs in (
            (row.estimate, ref.est),
            (row.se, ref.se),
            (row.ci_low, ref.lci),
            (row.p_value, ref.p_value),
        ):
            assert mine == pytest.approx(theirs, **TOL)
        assert row.df == ref.df


def test_contrast_default_df_is_that_of_the_domains_involved(survey):
    # Districts are strata: 801 - 802 involves the PSUs of two strata, df = their PSUs - 2.
    got = estimate_contrast(survey, SurveyDesign(), "q10", by="district_code", contrasts=CONTRASTS).to_frame()
    psus = survey.groupby("district_code")["psu"].nunique()
    assert got["df"].tolist() == [psus["801"] + psus["802"] - 2, psus.sum() - 3]


def test_contrast_of_shares_is_in_points_and_unknown_domains_are_refused(survey):
    share = estimate_contrast(
        survey,
        SurveyDesign(),
        "q10",
        by="sex",
        kind="proportion",
        at_least=4,
        contrasts={"f - m": {"female": 1, "male": -1}},
    ).to_frame()
    ref = svy_sample(survey, ["q10"], at_least=4).estimation.mean("q10", by="sex", drop_nulls=True)
    theirs = ref.contrast({"female": 1, "male": -1}).estimates[0]
    assert share["estimate"].iloc[0] == pytest.approx(100 * theirs.est, **TOL)
    assert share["se"].iloc[0] == pytest.approx(100 * theirs.se, **TOL)
    with pytest.raises(ParameterError, match="999"):
        estimate_contrast(survey, SurveyDesign(), "q10", by="district_code", contrasts={"x": {"999": 1}})


@pytest.mark.parametrize(("row", "column"), [("area", "channel"), ("age_group", "education"), ("district_code", "sex")])
def test_rao_scott_matches_svy(survey, row, column):
    got = rao_scott_test(survey, SurveyDesign(), row, column).to_frame().iloc[0]
    stats = svy_sample(survey, []).categorical.tabulate(row, column, drop_nulls=True).stats
    assert got["f"] == pytest.approx(stats.f.value, **TOL)
    assert got["df_num"] == pytest.approx(stats.f.df_num, **TOL)
    assert got["df_den"] == pytest.approx(stats.f.df_den, **TOL)
    assert got["p_value"] == pytest.approx(stats.f.p_value, **TOL)
    # svy's chisq row: Pearson's X^2 with the first-order corrected p-value.
    assert got["pearson"] == pytest.approx(stats.chisq.value, **TOL)
    assert got["p_chisq"] == pytest.approx(stats.chisq.p_value, **TOL)


def test_rao_scott_by_hand_under_simple_random_sampling():
    """One stratum, every respondent its own PSU, equal weights: V = (D - p p') / (n - 1) = n/(n-1) V_srs, and
    C' D^-1 p = C' 1 = 0, so Delta = n/(n-1) I: F = X^2 (n - 1) / n on 1 and df = n - 1 = 7 degrees of freedom."""
    import pandas as pd

    # 2 x 2 table with counts a=3 (x, u), b=1 (x, v), c=1 (y, u), d=3 (y, v): n = 8, all margins 4.
    # X^2 = n (ad - bc)^2 / (r1 r2 c1 c2) = 8 * 64 / 256 = 2.
    rows = ["x"] * 4 + ["y"] * 4
    cols = ["u", "u", "u", "v", "u", "v", "v", "v"]
    data = pd.DataFrame({"stratum": "s", "psu": [str(i) for i in range(8)], "weight": 1.0, "r": rows, "c": cols})
    got = rao_scott_test(data, SurveyDesign(), "r", "c").to_frame().iloc[0]
    assert got["pearson"] == pytest.approx(2.0, rel=1e-12)
    assert got["df_num"] == pytest.approx(1.0, rel=1e-12)
    assert got["f"] == pytest.approx(2.0 * 7 / 8, rel=1e-10)
    assert got["df_den"] == pytest.approx(7.0, rel=1e-12)
    assert np.isfinite(got["p_value"])
