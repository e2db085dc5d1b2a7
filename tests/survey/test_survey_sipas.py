"""SIPAS-style indices: items against svy, composites against an independent row-level delta method and svy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from independent import delta_method_se
from svy_reference import svy_rows, svy_sample

from danvan_analysis.errors import SchemaError
from danvan_analysis.paths import package_data
from danvan_analysis.survey import (
    PRIORITY_ELEMENT,
    IndexRule,
    SurveyDesign,
    importance_performance,
    priority_shares,
    sipas_indices,
)
from danvan_analysis.vocab import ITEMS

RTOL = 1e-9


@pytest.fixture(scope="module")
def indices(survey):
    return sipas_indices(survey, SurveyDesign()).to_frame()


def pick(frame: pd.DataFrame, *, domain: str = "all", measure: str = "share", **where) -> pd.DataFrame:
    frame = frame[(frame["domain"] == domain) & (frame["measure"] == measure)]
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return frame


def item_table() -> pd.DataFrame:
    # Read the shipped CSV directly, not through the package's loader.
    return pd.read_csv(package_data("sipas_items.csv"), dtype=str)


def test_item_indices_match_svy_share_of_ratings_at_least_4(survey, indices):
    sample = svy_sample(survey, ITEMS, at_least=4)
    for item in ("q01", "q14", "q22", "q33"):
        ref = svy_rows(sample.estimation.mean(item, drop_nulls=True, deff="wor")).iloc[0]
        row = pick(indices, level="item", code=item).iloc[0]
        assert row["estimate"] == pytest.approx(100 * ref["est"], rel=RTOL)
        assert row["se"] == pytest.approx(100 * ref["se"], rel=RTOL)
        assert row["deff"] == pytest.approx(ref["deff"], rel=RTOL)
        assert row["n"] == ref["n"]


def test_mean_score_items_match_svy_mean_rescaled(survey, indices):
    ref = svy_rows(svy_sample(survey, ["q09"]).estimation.mean("q09", drop_nulls=True)).iloc[0]
    row = pick(indices, measure="mean_score", level="item", code="q09").iloc[0]
    assert row["estimate"] == pytest.approx((ref["est"] - 1) / 4 * 100, rel=RTOL)
    assert row["se"] == pytest.approx(ref["se"] * 25, rel=RTOL)


@pytest.mark.parametrize("domain", ["all", "district_code=802"])
def test_composite_se_matches_independent_delta_method(survey, indices, domain):
    table = item_table()
    mask = np.ones(len(survey), bool) if domain == "all" else (survey["district_code"] == "802").to_numpy()
    # Element S3 = mean of q23-q27; aspect policy = mean of its 4 element means; overall = mean of the 2 aspects.
    s3 = {i: 1 / 5 for i in table.loc[table["element"] == "S3", "item"]}
    policy: dict[str, float] = {}
    policy_items = table[table["aspect"] == "policy"]
    for _, group in policy_items.groupby("element"):
        for item in group["item"]:
            policy[item] = 1 / 4 / len(group)
    overall: dict[str, float] = {}
    for _, rows in table.groupby("aspect"):
        n_elements = rows["element"].nunique()
        for _, group in rows.groupby("element"):
            for item in group["item"]:
                overall[item] = 0.5 / n_elements / len(group)
    for level, code, weights in (("element", "S3", s3), ("aspect", "policy", policy), ("overall", "overall", overall)):
        est, se = delta_method_se(survey, mask, weights, threshold=4)
        row = pick(indices, domain=domain, level=level, code=code).iloc[0]
        assert row["estimate"] == pytest.approx(est, rel=RTOL)
        assert row["se"] == pytest.approx(se, rel=RTOL)
        # Not the average of the item SEs (the items are correlated): the linearisation matters.
        item_ses = pick(indices, domain=domain, level="item").set_index("code").loc[list(weights), "se"]
        assert row["se"] != pytest.approx(float(np.dot(list(weights.values()), item_ses)), rel=1e-3)


def test_element_index_equals_svy_mean_of_row_shares_when_all_answer(survey, rng):
    # If every respondent answers every item of an element, the element index (mean of item shares) is the
    # weighted mean of each respondent's share of satisfied items: svy estimates that directly.
    items = ["q28", "q29", "q30"]
    data = survey.copy()
    for item in items:
        filled = rng.integers(1, 6, len(data))
        v = data[item].astype("Float64")
        data[item] = pd.array(np.where(v.isna() | (v == 9), filled, v.fillna(0)).astype("int8"), dtype="Int8")
    got = pick(sipas_indices(data, SurveyDesign(), by=None).to_frame(), domain="all", level="element", code="S4")
    row_share = sum((data[i].astype(int) >= 4).astype(float) for i in items) / 3
    frame = data.assign(row_share=row_share)
    ref = svy_rows(svy_sample(frame, []).estimation.mean("row_share")).iloc[0]
    assert got.iloc[0]["estimate"] == pytest.approx(100 * ref["est"], rel=RTOL)
    assert got.iloc[0]["se"] == pytest.approx(100 * ref["se"], rel=RTOL)


def test_item_weighting_and_threshold_rules(survey):
    frame = sipas_indices(survey, SurveyDesign(), by=None, rule=IndexRule(weighting="item", measures=("share",)))
    frame = frame.to_frame()
    items = pick(frame, level="item")
    overall = pick(frame, level="overall").iloc[0]
    assert overall["estimate"] == pytest.approx(items["estimate"].mean(), rel=1e-12)
    strict = sipas_indices(survey, SurveyDesign(), by=None, rule=IndexRule(threshold=5, measures=("share",)))
    assert (
        pick(strict.to_frame(), level="overall").iloc[0]["estimate"]
        < pick(
            sipas_indices(survey, SurveyDesign(), by=None, rule=IndexRule(measures=("share",))).to_frame(),
            level="overall",
        ).iloc[0]["estimate"]
    )
    assert set(frame["measure"]) == {"share"}


def test_indices_are_percentages_with_every_level(indices):
    share = indices[indices["measure"] == "share"]
    assert share["estimate"].between(0, 100).all()
    assert share["ci_low"].le(share["estimate"]).all() and share["ci_high"].ge(share["estimate"]).all()
    per_domain = indices.groupby(["domain", "measure", "level"]).size().unstack()
    assert (per_domain[["item", "element", "aspect", "overall"]] == [33, 9, 2, 1]).all().all()
    assert set(indices["domain"]) == {"all", "district_code=801", "district_code=802", "district_code=803"}


def test_bad_item_code_is_refused(survey):
    data = survey.copy()
    data.loc[data.index[5], "q04"] = 7
    with pytest.raises(SchemaError, match=r"'q04' holds the code\(s\) \[7\]"):
        sipas_indices(data, SurveyDesign())
    with pytest.raises(SchemaError, match="q33"):
        sipas_indices(survey.drop(columns=["q33"]), SurveyDesign())


def test_priority_shares_match_svy_and_are_ranked(survey):
    result = priority_shares(survey, SurveyDesign(), by=None).to_frame()
    ref = svy_rows(svy_sample(survey, ["pr_procedures"]).estimation.mean("pr_procedures", drop_nulls=True))
    row = result[result["area"] == "procedures"].iloc[0]
    assert row["estimate"] == pytest.approx(100 * ref["est"].iloc[0], rel=RTOL)
    assert row["se"] == pytest.approx(100 * ref["se"].iloc[0], rel=RTOL)
    assert result["rank"].tolist() == list(range(1, 9))
    assert result["estimate"].is_monotonic_decreasing


def test_importance_performance_pairs_areas_with_elements(survey):
    ipa = importance_performance(survey, SurveyDesign(), by=None).to_frame()
    indices = sipas_indices(survey, SurveyDesign(), by=None).to_frame()
    assert set(ipa["area"]) == set(PRIORITY_ELEMENT)
    for _, row in ipa.iterrows():
        element = pick(indices, level="element", code=PRIORITY_ELEMENT[row["area"]]).iloc[0]
        assert row["performance"] == pytest.approx(element["estimate"], rel=1e-12)
        high_importance = row["priority"] >= ipa["priority"].mean()
        high_performance = row["performance"] >= pick(indices, level="overall").iloc[0]["estimate"]
        expected = {
            (True, False): "concentrate_here",
            (True, True): "keep_up",
            (False, False): "low_priority",
            (False, True): "possible_overkill",
        }[(bool(high_importance), bool(high_performance))]
        assert row["quadrant"] == expected


# --- the tidy table the plots and the scorecard read ---------------------------------------------------------------


def test_tidy_renames_and_keys_domains_by_unit_code(survey):
    result = sipas_indices(survey, SurveyDesign(), by=[None, "district_code", ("district_code", "sex")])
    frame = result.to_frame()
    tidy = result.tidy(year=2023)
    assert list(tidy.columns) == [
        "year",
        "by",
        "domain",
        "level",
        "variable",
        "label_vi",
        "label_en",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "n",
    ]
    share = frame[frame["measure"] == "share"].reset_index(drop=True)
    assert len(tidy) == len(share) and (tidy["year"] == 2023).all()
    # The same rows in the same order: only names change, and the domain becomes the unit code.
    expected_domain = np.select(
        [share["by"] == "all", share["by"] == "district_code"],
        [np.full(len(share), "19"), share["district_code"].astype(str)],
        share["domain"].astype(str),
    )
    assert tidy["domain"].tolist() == expected_domain.tolist()
    assert tidy["by"].tolist() == share["by"].replace({"district_code+sex": "district_code+sex"}).tolist()
    assert tidy.loc[tidy["by"] == "district_code+sex", "domain"].iloc[0].startswith("district_code=801, sex=")
    for ours, theirs in {"variable": "code", "label_vi": "label_vi", "label_en": "label_en"}.items():
        assert tidy[ours].tolist() == share[theirs].tolist()
    np.testing.assert_array_equal(tidy["ci_low"], share["ci_low"])
    mean_score = result.tidy("mean_score")
    assert (
        "year" not in mean_score
        and mean_score["estimate"].tolist() == frame.loc[frame["measure"] == "mean_score", "estimate"].tolist()
    )


def test_tidy_of_a_trend_keeps_its_years_and_by_unit_keeps_units(two_years):
    from danvan_analysis.errors import ParameterError
    from danvan_analysis.survey import sipas_trend

    trend = sipas_trend(two_years, SurveyDesign())
    tidy = trend.tidy()
    assert sorted(tidy["year"].unique()) == [2023, 2024]
    assert set(tidy["by"]) == {"all", "district_code"}
    assert set(tidy["domain"]) == {"19", "801", "802", "803"}
    with pytest.raises(ParameterError, match="already has a 'year' column"):
        trend.tidy(year=2024)
    only_share = sipas_indices(
        two_years[two_years["year"] == 2024], SurveyDesign(), rule=IndexRule(measures=("share",))
    )
    with pytest.raises(ParameterError, match=r"holds the measure\(s\) \['share'\]"):
        only_share.tidy("mean_score")
    with_sex = sipas_indices(two_years[two_years["year"] == 2024], SurveyDesign(), by=[None, "district_code", "sex"])
    units = with_sex.by_unit()
    assert list(units.columns) == ["domain", "variable", "estimate", "se", "ci_low", "ci_high", "n"]
    assert set(units["domain"]) == {"19", "801", "802", "803"} and len(units) == 4 * 45


@pytest.mark.slow
# Only the table contract is under test here; matplotlib deprecations inside plots.py are its owner's tests' concern.
@pytest.mark.filterwarnings("ignore::matplotlib.MatplotlibDeprecationWarning")
def test_tidy_feeds_the_plots():
    # The contract with plots.py, on the demo survey (real district codes for the unit register).
    import matplotlib.pyplot as plt

    from danvan_analysis import plots
    from danvan_analysis.demo import generate_survey

    data = pd.concat([generate_survey(y, respondents=1200, seed=5) for y in (2022, 2023)], ignore_index=True)
    tidy = pd.concat(
        [sipas_indices(data[data["year"] == y], SurveyDesign()).tidy(year=y) for y in (2022, 2023)],
        ignore_index=True,
    )
    this_year = tidy[tidy["year"] == 2023]
    figures = [
        plots.plot_index_bars(this_year[(this_year["domain"] == "19") & (this_year["level"] == "element")], lang="en"),
        plots.plot_district_ranking(this_year, variable="overall", lang="vi"),
        plots.plot_trends(tidy[(tidy["variable"] == "overall") & tidy["domain"].isin(["19", "164"])], group="domain"),
    ]
    for figure in figures:
        assert figure.axes
        plt.close(figure)
