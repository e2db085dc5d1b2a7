"""SurveyDesign validation, argument errors, result objects, and one-call vs separate-call consistency."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from danvan_analysis.errors import DesignError, ParameterError, SchemaError
from danvan_analysis.survey import EstimationSettings, SurveyDesign, commune_design, estimate
from danvan_analysis.survey.design import compile_design, factorize_sorted


def test_missing_design_column_names_it(survey):
    with pytest.raises(SchemaError, match="'weight'"):
        estimate(survey.drop(columns=["weight"]), SurveyDesign(), "q01")


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_bad_weight_names_column_and_row(survey, bad):
    data = survey.copy()
    data.loc[data.index[7], "weight"] = bad
    with pytest.raises(DesignError, match=r"'weight'.*row index 7"):
        estimate(data, SurveyDesign(), "q01")


def test_missing_psu_is_refused(survey):
    data = survey.copy()
    data["psu"] = data["psu"].where(data.index != 3)
    with pytest.raises(DesignError, match=r"'psu' \(PSU\) is missing"):
        estimate(data, SurveyDesign(), "q01")


def test_fpc_errors(survey):
    with pytest.raises(DesignError, match="no sampling fraction for stratum"):
        estimate(survey, SurveyDesign(fpc={"801": 0.1}), "q01")
    with pytest.raises(DesignError, match="not in \\[0, 1\\]"):
        estimate(survey, SurveyDesign(fpc=dict.fromkeys(survey["stratum"].unique(), 12.0)), "q01")
    varying = survey.assign(f=np.linspace(0, 0.5, len(survey)))
    with pytest.raises(DesignError, match="constant within a stratum"):
        estimate(varying, SurveyDesign(fpc="f"), "q01")


def test_psu_codes_are_nested_in_strata():
    data = pd.DataFrame({"stratum": ["A", "A", "B", "B"], "psu": ["1", "2", "1", "2"], "weight": [1.0] * 4})
    compiled = compile_design(data, SurveyDesign())
    assert compiled.n_psus == 4 and compiled.n_strata == 2 and compiled.df == 2


def test_policies_and_next_stage():
    with pytest.raises(DesignError, match="not a known policy"):
        SurveyDesign(single_psu="drop")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="second-stage unit"):
        SurveyDesign().next_stage()
    nxt = SurveyDesign(fpc="f", single_psu="centre").next_stage(ssu="ssu")
    assert (nxt.stratum, nxt.psu, nxt.fpc, nxt.single_psu) == (("stratum", "psu"), "ssu", None, "centre")
    assert commune_design() == SurveyDesign(ssu="ssu").next_stage()


def test_argument_errors(survey):
    with pytest.raises(ParameterError, match="kind"):
        estimate(survey, SurveyDesign(), "q01", kind="median")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="domain family"):
        estimate(survey, SurveyDesign(), "q01", by=[["district_code"]])  # type: ignore[list-item]
    with pytest.raises(SchemaError, match="no domain column"):
        estimate(survey, SurveyDesign(), "q01", by="province")
    with pytest.raises(SchemaError, match="no variable column"):
        estimate(survey, SurveyDesign(), "q99")
    with pytest.raises(SchemaError, match="expected numbers or booleans"):
        estimate(survey, SurveyDesign(), "sex")
    with pytest.raises(ParameterError, match="alpha"):
        EstimationSettings(alpha=5)


def test_one_call_equals_separate_calls(survey):
    together = estimate(survey, SurveyDesign(), ["q01", "q30"], by=[None, "district_code", "area"]).to_frame()
    for by in (None, "district_code", "area"):
        alone = estimate(survey, SurveyDesign(), ["q01", "q30"], by=by).to_frame()
        part = together[together["by"] == (by or "all")].reset_index(drop=True)
        pd.testing.assert_frame_equal(
            part[alone.columns.drop(["district_code", "area"], errors="ignore")],
            alone.drop(columns=["district_code", "area"], errors="ignore"),
        )


def test_rows_without_a_domain_value_stay_in_the_design(survey):
    # A respondent with no sex recorded belongs to no sex domain, but the domain variances use the full design:
    # the same as giving them a missing answer.
    data = survey.copy()
    data["sex"] = data["sex"].where(data.index % 10 != 0)
    blanked = data.copy()
    blanked["q02"] = blanked["q02"].where(blanked["sex"].notna())
    a = estimate(data, SurveyDesign(), "q02", by="sex").to_frame()
    b = estimate(blanked, SurveyDesign(), "q02", by="sex").to_frame()
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-12)
    assert set(a["sex"]) == {"female", "male"}


def test_results_are_immutable_with_html_and_caveats(survey):
    result = estimate(survey, SurveyDesign(), "q01", by="commune_code", settings=EstimationSettings(min_n=200))
    frame = result.to_frame()
    frame.loc[0, "estimate"] = -1
    assert result.to_frame().loc[0, "estimate"] != -1
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.title = "x"  # type: ignore[misc]
    codes = [c.code for c in result.caveats]
    assert "few_psus" in codes and "small_n" in codes
    html = result._repr_html_()
    assert "<table" in html and "Caveats" in html and "fewer than 2 PSUs" in html
    assert result.caveat_lines("vi")[0].startswith("1. ")
    assert "PSU" in repr(result)


def test_pyarrow_backed_columns_give_the_same_estimates(survey):
    # pandas' dtype_backend="pyarrow" (e.g. read_parquet) gives int8[pyarrow] ratings, whose missing values cannot be
    # filled with -129 (below int8) as the masked Int8 path does; the results must not depend on the backend.
    import pyarrow as pa

    from danvan_analysis.survey import sipas_indices

    arrow = survey.copy()
    for column in ["q01", "q02", "q15", "pr_procedures", "district_code", "stratum", "psu"]:
        kind = pa.int8() if column.startswith("q") else pa.bool_() if column.startswith("pr_") else pa.large_string()
        arrow[column] = arrow[column].astype(pd.ArrowDtype(kind))
    assert arrow["q01"].isna().any()
    items = ["q01", "q02", "q15"]
    a = estimate(arrow, SurveyDesign(), items, kind="proportion", at_least=4, by=[None, "district_code"]).to_frame()
    b = estimate(survey, SurveyDesign(), items, kind="proportion", at_least=4, by=[None, "district_code"]).to_frame()
    np.testing.assert_array_equal(a["estimate"], b["estimate"])
    np.testing.assert_array_equal(a["se"], b["se"])
    np.testing.assert_array_equal(a["n"], b["n"])
    p = estimate(arrow, SurveyDesign(), "pr_procedures", kind="proportion").to_frame()
    q = estimate(survey, SurveyDesign(), "pr_procedures", kind="proportion").to_frame()
    np.testing.assert_array_equal(p["estimate"], q["estimate"])
    assert (
        sipas_indices(arrow, SurveyDesign())
        .to_frame()["se"]
        .equals(sipas_indices(survey, SurveyDesign()).to_frame()["se"])
    )


def test_t_distribution_helpers_equal_scipy_stats_bit_for_bit():
    from scipy import stats

    from danvan_analysis.survey.estimate import t_quantile, t_sf

    df = np.arange(1, 3000)
    for alpha in (0.01, 0.05, 0.1):
        np.testing.assert_array_equal(t_quantile(1 - alpha / 2, df), stats.t.ppf(1 - alpha / 2, df))
    x = np.abs(np.random.default_rng(3).standard_normal(5000)) * 4
    for d in (1, 7, 33, 250):
        np.testing.assert_array_equal(t_sf(x, d), stats.t.sf(x, d))


def test_importing_the_survey_package_leaves_statsmodels_and_scipy_stats_unloaded():
    # Together they take 2-3 s to import: the first comparison in a fresh notebook must not pay for them.
    import subprocess
    import sys

    code = "import sys, danvan_analysis.survey; print(sorted({'statsmodels', 'scipy.stats'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "categories",
    [["b", "a", "c", "d"], [f"{i:03d}" for i in range(300)][::-1]],
    ids=["out-of-order", "300-reversed"],
)
def test_factorize_sorted_of_a_categorical_is_pandas_factorize(categories: list[str]) -> None:
    """Strata, PSUs and domains of a categorical are numbered as pandas.factorize(sort=True) numbers them: the
    categories present, in category order (the last category and some others absent, some cells missing)."""
    rng = np.random.default_rng(3)
    column = pd.Series(pd.Categorical(rng.choice([*categories[:-1:2], None], 1000), categories=categories))
    expected_codes, expected = pd.factorize(column, sort=True)
    codes, uniques = factorize_sorted(column)
    assert codes.tolist() == expected_codes.tolist()
    assert list(uniques) == list(np.asarray(expected, dtype=object))
    assert (codes == -1).any() and len(uniques) < len(categories)


@pytest.mark.parametrize(
    "values",
    [
        pd.array([2023, None, 2022, 2023, 2025], dtype="Int64"),
        np.array([7, 3, 3, -2, 7], dtype=np.int64),
        pd.array([None, None], dtype="Int64"),
        pd.array([0, 2**20, None], dtype="Int64"),  # a wide range: pandas' own factorize
    ],
    ids=["years", "numpy-ints", "all-missing", "wide"],
)
def test_factorize_sorted_of_integers_is_pandas_factorize(values: object) -> None:
    """Integer design columns (a year, a numeric stratum) are counted by value: codes and values as pandas gives."""
    column = pd.Series(values)
    before = column.copy()
    expected_codes, expected = pd.factorize(column, sort=True)
    codes, uniques = factorize_sorted(column)
    assert codes.tolist() == expected_codes.tolist()
    assert [str(v) for v in uniques] == [str(v) for v in expected]
    pd.testing.assert_series_equal(column, before)  # the data are left as they were
