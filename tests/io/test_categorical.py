"""Parsing to categoricals (``load_with_problems(..., categorical=True)``, the compact load of ``load_bundle(columns=…)``)
finds what parsing to text finds: the same problem table for every file of the bad-file corpus, and the same values.

The reference is the text parse (``categorical=False``), which the corpus was written against; each file is loaded
both ways and compared, the categoricals read back as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from danvan_analysis.errors import DanvanError
from danvan_analysis.io.load import load_with_problems
from danvan_analysis.schemas import get_spec

DATA = Path(__file__).resolve().parents[1] / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"
DATASETS = ("survey", "dialogues", "religion", "complaints", "boards", "plans", "inspections", "submissions")
TEXT_KINDS = ("text", "enum", "province", "district", "commune", "unit")


def _dataset(path: Path) -> str:
    return next((d for d in DATASETS if path.name.startswith(d)), "survey")


def _both(dataset: str, path: Path) -> tuple[object, object]:
    """(frame, problems) of the text parse and of the categorical parse, or the error each raised."""
    outcomes = []
    for categorical in (False, True):
        try:
            frame, problems, _ = load_with_problems(dataset, path, pii="report", categorical=categorical)
            outcomes.append((frame, problems))
        except DanvanError as error:
            outcomes.append((type(error).__name__, str(error)))
    return outcomes[0], outcomes[1]


def _assert_same(dataset: str, text: object, categorical: object) -> None:
    if not isinstance(text[0], pd.DataFrame):
        assert categorical == text
        return
    (frame, problems), (compact, found) = text, categorical
    pd.testing.assert_frame_equal(found, problems)
    spec = get_spec(dataset)
    kinds = {name: spec.column(name).kind for name in frame.columns if name in spec.column_names}
    assert list(compact.columns) == list(frame.columns)
    for name in frame.columns:
        column = compact[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            assert kinds.get(name) in TEXT_KINDS, name
            categories = list(column.cat.categories)
            assert categories == sorted(set(frame[name].dropna())), name  # sorted, each value once, no other
            column = column.astype(frame[name].dtype)
        elif frame[name].notna().any():
            assert kinds.get(name) not in TEXT_KINDS, name  # every text column read from the file is categorical
        pd.testing.assert_series_equal(column, frame[name], obj=name)


CORPUS = sorted(p for p in [*BAD.glob("*.csv"), *BAD.glob("*.xlsx"), *GOOD.glob("*.csv")])


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_gives_the_same_problems_and_values_parsed_to_categoricals(path: Path) -> None:
    dataset = _dataset(path)
    text, categorical = _both(dataset, path)
    _assert_same(dataset, text, categorical)


#: Survey files pandas reads as UTF-8 CSV (the others are refused before parsing, or need an encoding).
SURVEY_CSV = sorted(p for p in BAD.glob("survey_*.csv") if p.name not in ("survey_cp1258.csv", "survey_utf16.csv"))


@pytest.mark.parametrize("path", SURVEY_CSV, ids=lambda p: p.name)
def test_every_survey_corpus_file_as_parquet_gives_the_same_problems(path: Path, tmp_path: Path) -> None:
    """Parquet text columns are read as dictionaries: the categorical parse starts from them."""
    cells = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
    parquet = tmp_path / "survey.parquet"
    cells.to_parquet(parquet, index=False)
    text, categorical = _both("survey", parquet)
    _assert_same("survey", text, categorical)


def test_typed_parquet_with_bad_codes_gives_the_same_problems(tmp_path: Path) -> None:
    """A typed survey as the demo writes it, with an unknown commune, a commune outside its district, a code that
    lost its leading zero, an unknown label, a repeated ID and a missing stratum: each reported alike, same rows."""
    from danvan_analysis.demo import generate_survey

    survey = generate_survey(2023, respondents=400, seed=7)
    other = survey.index[survey["district_code"] != survey.loc[0, "district_code"]][0]
    survey.loc[0, "commune_code"] = "99999"
    survey.loc[1, "commune_code"] = survey.loc[other, "commune_code"]
    survey.loc[2, "commune_code"] = survey.loc[2, "commune_code"].lstrip("0")
    survey.loc[3, "sex"] = "unknown"
    survey.loc[4, "respondent_id"] = survey.loc[5, "respondent_id"]
    survey.loc[6, "stratum"] = None
    path = tmp_path / "survey.parquet"
    survey.to_parquet(path, index=False)
    text, categorical = _both("survey", path)
    assert isinstance(text[0], pd.DataFrame)
    found = set(text[1]["check"])
    assert {"in_register", "isin", "commune_in_district", "unique_respondent", "repaired", "required"} <= found
    _assert_same("survey", text, categorical)
