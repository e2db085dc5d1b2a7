"""load_bundle(columns=…): only the columns asked for are read and kept, text codes as categoricals, their checks
unchanged; the key is checked across files, and a file's years decide whether it must be."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from danvan_analysis.errors import ParameterError, SchemaError
from danvan_analysis.io import load_bundle
from danvan_analysis.io.load import load_with_problems, read_columns
from danvan_analysis.schemas import get_spec

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"
COLUMNS = ["year", "district_code", "commune_code", "stratum", "psu", "weight", "sex", "q01", "pr_policy_info"]


def _two_years(tmp_path: Path, survey_2023: Path = GOOD / "survey.csv", suffix: str = ".csv") -> Path:
    """A data folder of two survey years (2022: the good file with its years rewritten)."""
    root = tmp_path / "data"
    for year in ("2022", "2023"):
        (root / year).mkdir(parents=True)
    text = (GOOD / "survey.csv").read_text(encoding="utf-8").replace(",2023,", ",2022,")
    (root / "2022" / "survey.csv").write_text(text, encoding="utf-8")
    if suffix == ".parquet":
        full = load_bundle(root, years=[2022], datasets=["survey"]).survey
        full.assign(year=full["year"] + 1).to_parquet(root / "2023" / "survey.parquet")
    else:
        shutil.copy(survey_2023, root / "2023" / "survey.csv")
    return root


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_columns_asked_hold_the_values_of_a_full_load(tmp_path: Path, suffix: str) -> None:
    root = _two_years(tmp_path, suffix=suffix)
    full = load_bundle(root, datasets=["survey"]).survey
    compact = load_bundle(root, datasets=["survey"], columns={"survey": COLUMNS}).survey
    assert list(compact.columns) == COLUMNS  # contract order, the key's respondent_id read but not kept
    for name in ("district_code", "commune_code", "stratum", "psu", "sex"):
        assert isinstance(compact[name].dtype, pd.CategoricalDtype), name
        assert list(compact[name].cat.categories) == sorted(full[name].dropna().unique()), name
        # the categories (one set for both files) are read back to the very text of the full load
        pd.testing.assert_series_equal(compact[name].astype(full[name].dtype), full[name], obj=name)
    for name in ("year", "weight", "q01", "pr_policy_info"):
        pd.testing.assert_series_equal(compact[name], full[name], obj=name)


def test_problems_of_the_columns_read_are_those_of_a_full_load(tmp_path: Path) -> None:
    """Ratings of 6 in q01 (read) and q12 (not read), a weight of 0 (read): the problems of the columns read are
    those a full load reports; the one in q12 is not found."""
    wanted = read_columns(get_spec("survey"), COLUMNS)
    survey = pd.read_csv(BAD / "survey_likert_6.csv", dtype=str, keep_default_na=False)  # q12 = 6 in row 4
    survey.loc[1, "q01"] = "6"
    survey.loc[2, "weight"] = "0"
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    _, full, _ = load_with_problems("survey", path)
    _, some, _ = load_with_problems("survey", path, columns=COLUMNS)
    assert len(full) and set(full["column"]) - set(wanted)  # the file has a problem outside the columns read too
    expected = full[full["column"].isin(wanted)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    assert sorted(some["column"]) == ["q01", "weight"] and "q12" in set(full["column"])
    root = _two_years(tmp_path / "bundle", survey_2023=path)
    with pytest.raises(SchemaError) as caught:
        load_bundle(root, datasets=["survey"], columns={"survey": COLUMNS})
    pd.testing.assert_frame_equal(caught.value.problems.drop(columns="file"), some.drop(columns="file"))


def test_a_rule_runs_only_on_columns_read(tmp_path: Path) -> None:
    """Without ``stratum`` read, a stratum copied from the district must not be checked as the file's: one stratum
    of two PSUs here (one per district), fine in a full load; by district each would have one PSU."""
    survey = pd.read_csv(GOOD / "survey.csv", dtype=str, keep_default_na=False)
    survey["stratum"] = "S1"
    survey["psu"] = "P" + survey["district_code"]
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    _, full, _ = load_with_problems("survey", path)
    assert not (full["severity"] == "error").any()
    _, some, _ = load_with_problems("survey", path, columns=["psu", "weight"])
    assert some.empty


def test_a_key_in_two_files_is_still_found_when_the_files_share_a_year(tmp_path: Path) -> None:
    """One year per file: the key (year, respondent_id) cannot repeat across files and the check is skipped; a row
    of the wrong year in the 2022 file repeats a 2023 key, and both the wrong year and the repeat are reported."""
    root = _two_years(tmp_path)
    load_bundle(root, datasets=["survey"], columns={"survey": COLUMNS})  # R001 in both years: no problem
    text = (root / "2022" / "survey.csv").read_text(encoding="utf-8").replace("R001,2022,", "R001,2023,")
    (root / "2022" / "survey.csv").write_text(text, encoding="utf-8")
    for columns in (None, {"survey": COLUMNS}):
        with pytest.raises(SchemaError) as caught:
            load_bundle(root, datasets=["survey"], columns=columns)
        problems = caught.value.problems
        assert {"year_folder", "repeated_across_files"} <= set(problems["check"]), columns
        repeated = problems[problems["check"] == "repeated_across_files"]
        assert sorted(Path(f).parent.name for f in repeated["file"]) == ["2022", "2023"]


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(ParameterError, match="'q99' is not a column of survey"):
        load_bundle(GOOD, columns={"survey": ["year", "q99"]})
    with pytest.raises(ParameterError, match="'q99' is not a column of survey"):
        read_columns(get_spec("survey"), ["q99"])


def test_rows_of_another_year_set_aside_leave_no_key_to_compare(tmp_path: Path) -> None:
    """With set_aside, the 2022 file's row of year 2023 is set aside (its folder's year is the rule), as in a full
    load; what is left has one year per file, so no key is compared across files and none is reported."""
    root = _two_years(tmp_path)
    text = (root / "2022" / "survey.csv").read_text(encoding="utf-8").replace("R001,2022,", "R001,2023,")
    (root / "2022" / "survey.csv").write_text(text, encoding="utf-8")
    full = load_bundle(root, datasets=["survey"], set_aside=True)
    some = load_bundle(root, datasets=["survey"], set_aside=True, columns={"survey": COLUMNS})
    for bundle in (full, some):
        assert "repeated_across_files" not in set(bundle.rejected["check"])
        assert "year_folder" in set(bundle.rejected["check"])
        assert len(bundle.survey) == 11
    pd.testing.assert_frame_equal(some.rejected, full.rejected)
