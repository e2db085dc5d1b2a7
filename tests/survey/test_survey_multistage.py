"""Two-stage variance with fpc at both stages, against svy 0.35 (``Design(psu, ssu, pop_size=PopSize(psu, ssu))``,
R's ``svydesign(id = ~psu + ssu, fpc = ~N1 + N2)``), and the warning when the second stage is missing."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from svy_reference import svy_rows, svy_sample

from danvan_analysis.errors import DesignError
from danvan_analysis.survey import SurveyDesign, compare_districts, estimate, sipas_indices
from danvan_analysis.survey.design import DesignWarning

TOL = {"rtol": 1e-9, "atol": 1e-12}
TWO_STAGE = SurveyDesign(fpc="f1", ssu="ssu", ssu_fpc="f2")


@pytest.fixture(scope="module")
def sampled(survey) -> pd.DataFrame:
    """The synthetic survey with population sizes: N_h = 3 n_h + h communes, M_i = 2 m_i + (i mod 3) villages."""
    n_h = survey.groupby("stratum")["psu"].nunique()
    big_n = n_h * 3 + np.arange(len(n_h))
    m_i = survey.groupby("psu")["ssu"].nunique()
    big_m = m_i * 2 + np.arange(len(m_i)) % 3
    return survey.assign(
        N1=survey["stratum"].map(big_n).astype(float),
        N2=survey["psu"].map(big_m).astype(float),
        f1=survey["stratum"].map(n_h / big_n),
        f2=survey["psu"].map(m_i / big_m),
    )


def _svy(sampled, columns, **kw):
    import svy

    return svy_sample(sampled, columns, ssu="ssu", pop_size=svy.PopSize(psu="N1", ssu="N2"), **kw)


@pytest.mark.parametrize("by", [None, "district_code", "sex"])
def test_two_stage_means_match_svy(sampled, by):
    got = estimate(sampled, TWO_STAGE, ["q10", "q22"], by=by).to_frame()
    got = got[got["by"] == (by or "all")]
    sample = _svy(sampled, ["q10", "q22"])
    for item in ("q10", "q22"):
        ref = svy_rows(sample.estimation.mean(item, by=by, drop_nulls=True), by)
        mine = got[got["variable"] == item]
        np.testing.assert_allclose(mine["estimate"], ref["est"], **TOL)
        np.testing.assert_allclose(mine["se"], ref["se"], **TOL)
        np.testing.assert_array_equal(mine["df"], ref["df"])
        np.testing.assert_allclose(mine["ci_low"], ref["lci"], **TOL)


def test_two_stage_totals_and_shares_match_svy(sampled):
    total = estimate(sampled, TWO_STAGE, ["q03"], kind="total", by="district_code").to_frame()
    ref = svy_rows(_svy(sampled, ["q03"]).estimation.total("q03", by="district_code", drop_nulls=True), "district_code")
    np.testing.assert_allclose(total["se"], ref["se"], **TOL)
    share = estimate(sampled, TWO_STAGE, ["q03"], kind="proportion", at_least=4, by="district_code").to_frame()
    ref = svy_rows(
        _svy(sampled, ["q03"], at_least=4).estimation.mean("q03", by="district_code", drop_nulls=True), "district_code"
    )
    np.testing.assert_allclose(share["se"], 100 * ref["se"].to_numpy(), **TOL)


def test_second_stage_adds_variance_and_item_index_equals_the_share(sampled):
    """The two-stage SE exceeds the first-stage-only one; a SIPAS item index is the item's share, same SE."""
    with pytest.warns(DesignWarning, match="understated"):
        first_only = estimate(sampled, SurveyDesign(fpc="f1"), ["q10"]).to_frame()
    both = estimate(sampled, TWO_STAGE, ["q10"]).to_frame()
    assert both["se"].iloc[0] > first_only["se"].iloc[0]
    index = sipas_indices(sampled, TWO_STAGE, by=None).to_frame()
    row = index[(index["code"] == "q10") & (index["measure"] == "share")].iloc[0]
    share = estimate(sampled, TWO_STAGE, ["q10"], kind="proportion", at_least=4).to_frame().iloc[0]
    assert row["se"] == pytest.approx(share["se"], rel=1e-12)


def test_no_warning_without_fpc_and_compare_refuses_two_stage(sampled):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DesignWarning)
        estimate(sampled, SurveyDesign(), ["q10"])
        estimate(sampled, TWO_STAGE, ["q10"])
    with pytest.raises(DesignError, match="second-stage"):
        compare_districts(sampled, TWO_STAGE)


def test_ssu_fpc_needs_an_ssu_column_and_one_fraction_per_psu(sampled):
    with pytest.raises(DesignError, match="ssu"):
        SurveyDesign(fpc="f1", ssu_fpc="f2")
    bad = sampled.assign(f2=np.where(np.arange(len(sampled)) == 0, 0.9, sampled["f2"]))
    with pytest.raises(DesignError, match="one number in"):
        estimate(bad, TWO_STAGE, ["q10"])
