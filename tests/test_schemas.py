"""Data contracts: the registry matches docs/design.md, the metadata is complete, and every rule catches its case.

Expected column lists are transcribed from ``docs/design.md`` ("Data contracts"); expected rows and values in the
rule tests are worked out by hand from the small frames built here.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from danvan_analysis.errors import DataWarning, ParameterError, SchemaError
from danvan_analysis.schemas import DATASETS, get_spec, validate_frame
from danvan_analysis.schemas._parse import parse_column
from danvan_analysis.text import fold
from danvan_analysis.vocab import ITEMS, PRIORITY_COLUMNS, Level, Period, Topic

GOOD_SURVEY = Path(__file__).resolve().parent / "data" / "good" / "survey.csv"

# -- transcribed from docs/design.md, "Data contracts" ------------------------------------------------------------
CONTRACT = {
    "survey": [
        "respondent_id", "year", "district_code", "commune_code", "stratum", "psu", "ssu", "weight", "sex",
        "age_group", "ethnicity", "education", "occupation", "area", "channel", *ITEMS, *PRIORITY_COLUMNS,
    ],
    "dialogues": [
        "dialogue_id", "year", "level", "unit_code", "district_code", "date", "chair", "participants",
        "opinions_raised", "answered_on_spot", "referred", "resolved_later", "topic", "note",
    ],
    "religion": [
        "year", "period", "district_code", "commune_code", "religion", "dignitaries_total", "dignitaries_informed",
        "venues", "registered_activities", "hot_spots", "unlawful_followers",
    ],
    "complaints": [
        "year", "period", "level", "unit_code", "district_code", "field", "reception_sessions_regular",
        "reception_sessions_head", "people_received", "petitions_received", "petitions_in_jurisdiction",
        "cases_resolved", "cases_resolved_on_time", "mass_complaints", "prolonged_cases",
    ],
    "boards": [
        "year", "unit_code", "unit_kind", "district_code", "pib_in_place", "pib_active", "has_investment_projects",
        "cisb_in_place",
    ],
    "plans": ["year", "unit_code", "unit_kind", "district_code", "issued", "document_number", "issue_date"],
    "inspections": [
        "inspection_id", "year", "inspecting_unit_code", "inspected_unit_code", "district_code", "date", "scope",
    ],
    "submissions": ["year", "unit_code", "period", "date_received"],
    "indices": [
        "province_code", "index_code", "year", "score", "score_unit", "rank", "n_provinces", "group", "derived",
        "source",
    ],
}  # fmt: skip

#: pandas dtype after loading → the dtype pandera reports for the model's annotation.
PANDERA_DTYPE = {"str": "string[pyarrow]"}


def test_registry_lists_the_nine_datasets_in_design_order() -> None:
    assert list(DATASETS) == list(CONTRACT)


@pytest.mark.parametrize("name", list(CONTRACT))
def test_columns_are_exactly_the_contract(name: str) -> None:
    assert DATASETS[name].column_names == CONTRACT[name]


@pytest.mark.parametrize("name", list(CONTRACT))
def test_every_column_has_labels_and_meanings(name: str) -> None:
    for meta in DATASETS[name].columns:
        assert meta.vi.strip() and meta.en.strip(), meta.name
        assert meta.means_vi.strip() and meta.means_en.strip(), meta.name
        assert meta.expected(), meta.name


@pytest.mark.parametrize("name", list(CONTRACT))
def test_header_labels_are_unambiguous(name: str) -> None:
    """Every name and label folds to a key that means one column only (the alias table builds without clash)."""
    spec = DATASETS[name]
    aliases = spec.header_aliases
    for meta in spec.columns:
        assert aliases[fold(meta.vi)] == meta.name
        assert aliases[fold(meta.en)] == meta.name
        assert aliases[fold(meta.name)] == meta.name


@pytest.mark.parametrize("name", list(CONTRACT))
def test_model_annotations_match_the_loaded_dtypes(name: str) -> None:
    spec = DATASETS[name]
    schema_columns = spec.model.to_schema().columns
    for meta in spec.columns:
        assert str(schema_columns[meta.name].dtype) == PANDERA_DTYPE.get(meta.dtype, meta.dtype), meta.name
        assert schema_columns[meta.name].nullable == meta.nullable, meta.name
        assert schema_columns[meta.name].required == (not meta.optional), meta.name


@pytest.mark.parametrize("name", list(CONTRACT))
def test_empty_frame_has_every_column_at_its_dtype(name: str) -> None:
    frame = DATASETS[name].empty_frame()
    assert list(frame.columns) == CONTRACT[name]
    assert len(frame) == 0
    assert frame.dtypes.astype(str).to_dict() == DATASETS[name].dtypes()


def test_enum_columns_accept_exactly_their_vocabulary() -> None:
    complaints = DATASETS["complaints"]
    assert complaints.column("field").codes() == tuple(Topic.codes())
    assert complaints.column("level").codes() == tuple(Level.codes())
    assert DATASETS["boards"].column("unit_kind").codes() == ("commune", "agency")


def test_key_columns_are_columns() -> None:
    for spec in DATASETS.values():
        assert set(spec.key) <= set(spec.column_names), spec.name


def test_rules_only_involve_declared_columns() -> None:
    for spec in DATASETS.values():
        for rule in spec.rules:
            assert set(rule.involves) | {rule.column} <= set(spec.column_names), (spec.name, rule.name)


def test_optional_columns_are_documented() -> None:
    assert DATASETS["survey"].optional_columns == ["stratum", "psu", "ssu", *PRIORITY_COLUMNS]
    assert DATASETS["dialogues"].optional_columns == ["note"]
    assert "weight" in DATASETS["survey"].required_columns


def test_unknown_dataset_names_the_known_ones() -> None:
    with pytest.raises(ParameterError, match="survey, dialogues"):
        get_spec("surveys")


# -- the demo data (another engineer's generator) must pass every contract ------------------------------------------
@pytest.fixture(scope="module")
def demo_frames() -> dict[str, pd.DataFrame]:
    from danvan_analysis.demo import generate_all

    return generate_all([2023], respondents=600, seed=7)


@pytest.mark.parametrize("name", list(CONTRACT))
def test_every_schema_accepts_the_demo_data(name: str, demo_frames: dict[str, pd.DataFrame]) -> None:
    frame = demo_frames[name]
    DATASETS[name].model.validate(frame, lazy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # nothing may need repairing either
        checked = validate_frame(name, frame)
    assert len(checked) == len(frame)
    assert checked.dtypes.astype(str).to_dict() == DATASETS[name].dtypes()


# -- rules, on small hand-made frames ---------------------------------------------------------------------------
def _survey(**changes: object) -> pd.DataFrame:
    """Four respondents: two PSUs (05431, 05434) in stratum 164, all valid."""
    rows = {
        "respondent_id": ["A", "B", "C", "D"],
        "year": [2023] * 4,
        "district_code": ["164"] * 4,
        "commune_code": ["05431", "05431", "05434", "05434"],
        "stratum": ["164"] * 4,
        "psu": ["05431", "05431", "05434", "05434"],
        "weight": [10.0, 10.0, 12.5, 12.5],
        "sex": ["male", "female", "female", "male"],
        "age_group": ["18-29", "30-44", "45-59", "60+"],
        "ethnicity": ["kinh"] * 4,
        "education": ["primary"] * 4,
        "occupation": ["farmer"] * 4,
        "area": ["urban"] * 4,
        "channel": ["in_person"] * 4,
        **{item: [3, 4, 5, 9] for item in ITEMS},
    }
    frame = pd.DataFrame(rows)
    for column, value in changes.items():
        frame[column] = value
    return frame


def _problems(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(SchemaError) as caught:
        validate_frame(name, frame)
    assert caught.value.problems is not None
    return caught.value.problems


def test_valid_survey_passes_and_keeps_codes_as_strings() -> None:
    out = validate_frame("survey", _survey())
    assert out["commune_code"].tolist() == ["05431", "05431", "05434", "05434"]
    assert out["q01"].dtype == "Int8"
    assert out["pr_feedback"].isna().all()  # optional column added, empty


def test_commune_outside_its_district_is_reported_at_the_commune() -> None:
    # 05536 is Thị trấn Chợ Chu, Định Hóa (167), not in 164: row 2 is the first data row.
    problems = _problems("survey", _survey(commune_code=["05536", "05431", "05434", "05434"]))
    assert problems[["row", "column", "check"]].values.tolist() == [[2, "commune_code", "commune_in_district"]]


def test_a_stratum_with_one_psu_is_an_error_with_the_policy_hint() -> None:
    frame = _survey(psu=["05431"] * 4)
    with pytest.raises(SchemaError, match=r"single_psu='certainty' or 'centre'") as caught:
        validate_frame("survey", frame)
    problems = caught.value.problems
    assert problems["check"].tolist() == ["stratum_has_two_psus"]
    assert problems["row"].tolist() == [2]  # one report per stratum, at its first row
    assert "(4 rows)" in problems["value"].iloc[0]


def test_a_psu_in_two_strata_is_an_error() -> None:
    frame = _survey(stratum=["164", "164", "999", "999"], psu=["P1", "P2", "P1", "P3"])
    problems = _problems("survey", frame)
    assert problems["check"].tolist() == ["psu_in_one_stratum"]


def test_ratings_outside_the_scale_and_duplicate_ids_are_all_reported() -> None:
    frame = _survey(respondent_id=["A", "A", "C", "D"])
    frame["q07"] = [3, 0, 6, pd.NA]
    problems = _problems("survey", frame)
    found = set(map(tuple, problems[["row", "column", "check"]].values.tolist()))
    assert found == {
        (2, "respondent_id", "unique_respondent"),
        (3, "respondent_id", "unique_respondent"),
        (3, "q07", "isin"),
        (4, "q07", "isin"),
    }


def test_weights_must_be_positive() -> None:
    problems = _problems("survey", _survey(weight=[10.0, 0.0, -1.0, 5.0]))
    assert problems[["row", "check"]].values.tolist() == [[3, "gt"], [4, "gt"]]


def test_integer_codes_are_repaired_with_a_warning() -> None:
    with pytest.warns(DataWarning, match="5431 → 05431"):
        out = validate_frame("survey", _survey(commune_code=[5431, 5431, 5434, 5434]))
    assert out["commune_code"].iloc[0] == "05431"


def test_pandera_model_alone_enforces_the_rules() -> None:
    """The rules are pandera dataframe checks too, so Model.validate catches them without the loader."""
    frame = validate_frame("survey", _survey())
    frame.loc[0, "commune_code"] = "05536"
    with pytest.raises(pandera.errors.SchemaError, match=r"commune_in_district|a commune of the district"):
        DATASETS["survey"].model.validate(frame)


def _dialogue(**changes: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "dialogue_id": ["D1"],
            "year": [2023],
            "level": ["commune"],
            "unit_code": ["05431"],
            "district_code": ["164"],
            "date": [pd.Timestamp("2023-05-01")],
            "chair": ["head"],
            "participants": [50],
            "opinions_raised": [10],
            "answered_on_spot": [6],
            "referred": [4],
            "resolved_later": [3],
            "topic": ["land"],
        }
    )
    for column, value in changes.items():
        frame[column] = value
    return frame


@pytest.mark.parametrize(
    ("changes", "column", "check"),
    [
        ({"answered_on_spot": [7]}, "answered_on_spot", "answered_within_raised"),  # 7 + 4 = 11 > 10
        ({"resolved_later": [5]}, "resolved_later", "resolved_within_referred"),  # 5 > 4
        ({"level": ["district"]}, "unit_code", "unit_matches_level"),  # 05431 is a commune
        ({"district_code": ["165"]}, "district_code", "district_of_unit"),  # 05431 lies in 164
        ({"date": [pd.Timestamp("2024-01-02")]}, "date", "date_within_year"),
        ({"participants": [-1]}, "participants", "ge"),
        ({"topic": ["weather"]}, "topic", "isin"),
    ],
)
def test_dialogue_rules(changes: dict, column: str, check: str) -> None:
    problems = _problems("dialogues", _dialogue(**changes))
    assert problems[["row", "column", "check"]].values.tolist() == [[2, column, check]]


def test_province_level_rows_have_no_district() -> None:
    ok = _dialogue(level=["province"], unit_code=["19"], district_code=[None])
    assert len(validate_frame("dialogues", ok)) == 1
    problems = _problems("dialogues", _dialogue(level=["province"], unit_code=["19"], district_code=["164"]))
    assert problems["check"].tolist() == ["district_of_unit"]


def test_labels_and_unaccented_labels_are_stored_as_codes() -> None:
    out = validate_frame(
        "dialogues", _dialogue(level=["Xã"], chair=["nguoi dung dau"], topic=["ĐẤT ĐAI, BỒI THƯỜNG, GPMB"])
    )
    assert out[["level", "chair", "topic"]].iloc[0].tolist() == ["commune", "head", "land"]


def test_plan_rules() -> None:
    base = {
        "year": [2023, 2023, 2023],
        "unit_code": ["SNV", "164", "05434"],
        "unit_kind": ["agency", "district", "commune"],
        "district_code": [None, "164", "164"],
        "issued": [True, True, False],
        "document_number": ["1/KH-SNV", None, "9/KH"],
        "issue_date": pd.to_datetime(["2023-02-01", "2024-01-03", None]),
    }
    problems = _problems("plans", pd.DataFrame(base))
    found = set(map(tuple, problems[["row", "column", "check"]].values.tolist()))
    assert found == {
        (3, "document_number", "number_iff_issued"),  # issued without a number
        (4, "document_number", "number_iff_issued"),  # a number although not issued
        (3, "issue_date", "date_within_year"),
    }


def test_board_rules() -> None:
    frame = pd.DataFrame(
        {
            "year": [2023, 2023, 2023],
            "unit_code": ["05431", "05536", "SNV"],
            "unit_kind": ["commune", "commune", "commune"],
            "district_code": ["164", "167", None],
            "pib_in_place": [False, True, True],
            "pib_active": [True, True, True],
            "has_investment_projects": [True, True, False],
            "cisb_in_place": [None, True, None],
        }
    )
    problems = _problems("boards", frame)
    found = set(map(tuple, problems[["row", "column", "check"]].values.tolist()))
    assert found == {
        (2, "pib_active", "active_only_if_in_place"),
        (2, "cisb_in_place", "cisb_answered_when_projects"),
        (4, "unit_code", "unit_matches_unit_kind"),  # SNV is an agency
    }


def test_index_rules() -> None:
    frame = pd.DataFrame(
        {
            "province_code": ["19", "19", "19"],
            "index_code": ["PCI", "SIPAS", "PAPI"],
            "year": [2023, 2023, 2023],
            "score": [60.0, 101.0, 45.0],
            "score_unit": ["points", "percent", "points"],
            "rank": [70, 1, 2],
            "n_provinces": [63, 63, 63],
            "group": ["highest", None, "highest"],
            "derived": [False, False, False],
            "source": ["a", "b", "c"],
        }
    )
    problems = _problems("indices", frame)
    found = set(map(tuple, problems[["row", "column", "check"]].values.tolist()))
    assert found == {
        (2, "rank", "rank_within_provinces"),
        (2, "group", "group_only_for_papi"),
        (3, "score", "percent_at_most_100"),
    }


def test_inspection_of_oneself_and_submission_outside_the_year() -> None:
    inspections = pd.DataFrame(
        {
            "inspection_id": ["K1"],
            "year": [2023],
            "inspecting_unit_code": ["164"],
            "inspected_unit_code": ["164"],
            "district_code": ["164"],
            "date": [pd.Timestamp("2023-03-03")],
            "scope": ["both"],
        }
    )
    assert _problems("inspections", inspections)["check"].tolist() == ["not_self_inspection"]
    submissions = pd.DataFrame(
        {"year": [2023], "unit_code": ["SNV"], "period": ["Y"], "date_received": [pd.Timestamp("2022-12-31")]}
    )
    assert _problems("submissions", submissions)["check"].tolist() == ["date_within_year"]


def test_extra_and_missing_columns_of_a_frame_are_errors() -> None:
    frame = _survey().drop(columns="weight").assign(name="x")
    problems = _problems("survey", frame)
    assert set(problems["check"]) == {"missing_column", "extra_column"}
    assert set(problems["row"]) == {1}


# -- parsing cells --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ["2023-03-15", "15/03/2023", "5/3/2023", "15.03.2023"],
            ["2023-03-15", "2023-03-15", "2023-03-05", "2023-03-15"],
        ),
        (["", "2023-03-10"], [None, "2023-03-10"]),
    ],
)
def test_dates_in_vietnamese_and_iso_order(cells: list[str], expected: list[str | None]) -> None:
    meta = DATASETS["dialogues"].column("date")
    values, problems = parse_column(pd.Series(cells, dtype="str"), meta)
    assert not problems
    assert [None if pd.isna(v) else v.date().isoformat() for v in values] == expected
    assert values.dtype == "datetime64[ns]"


def test_yes_no_spellings() -> None:
    meta = DATASETS["boards"].column("pib_in_place")
    values, problems = parse_column(pd.Series(["Có", "không", "TRUE", "0", "x", "1.0", "maybe"], dtype="str"), meta)
    assert values.tolist()[:6] == [True, False, True, False, True, True]
    assert len(problems) == 1 and problems[0]["value"].tolist() == ["maybe"]


def test_decimal_comma_gets_a_hint() -> None:
    meta = DATASETS["survey"].column("weight")
    values, problems = parse_column(pd.Series(["1.5", "2,5"], dtype="str"), meta)
    assert values.iloc[0] == 1.5 and pd.isna(values.iloc[1])
    assert "use '.' as the decimal point" in problems[0]["expected"].iloc[0]


def test_period_spellings() -> None:
    meta = DATASETS["religion"].column("period")
    values, problems = parse_column(
        pd.Series(["Quý I", "quy 1", "6 tháng", "9 THÁNG", "Cả năm", "Y"], dtype="str"), meta
    )
    assert values.tolist() == ["Q1", "Q1", "H1", "9M", "Y", "Y"]
    assert not problems
    assert Period("9M").deadline(2023) == dt.date(2023, 9, 15)


# -- vectorised group helpers against pandas' own groupby (the independent reference) ---------------------------------
def test_group_helpers_agree_with_pandas_groupby() -> None:
    import numpy as np

    from danvan_analysis.schemas._base import distinct_per_group, duplicated_rows

    rng = np.random.default_rng(2023)
    frame = pd.DataFrame(
        {
            "year": rng.choice([2022, 2023], 5000),
            "stratum": pd.array(rng.choice(["164", "165", "167", None], 5000), dtype="str"),
            "psu": pd.array(rng.choice([f"P{i}" for i in range(40)] + [None], 5000), dtype="str"),
        }
    )
    reference = frame.groupby(["year", "stratum"], dropna=False)["psu"].transform("nunique")
    assert (distinct_per_group(frame, ["year", "stratum"], "psu") == reference).all()
    expected = frame.duplicated(["year", "stratum", "psu"], keep=False).to_numpy()
    assert (duplicated_rows(frame, ["year", "stratum", "psu"]) == expected).all()
    # A column of distinct values (one missing cell among them) makes every combination distinct; two missing cells
    # in it are one repeated value.
    frame["id"] = pd.array([f"R{i}" for i in range(len(frame) - 1)] + [None], dtype="str")
    assert not duplicated_rows(frame, ["year", "id"]).any()
    frame.loc[0, "id"] = None
    expected = frame.duplicated(["year", "id"], keep=False).to_numpy()
    assert expected.sum() in (0, 2) and (duplicated_rows(frame, ["year", "id"]) == expected).all()
    # IDs in increasing order (the order-only shortcut), then one repeated next to itself and one far from it.
    frame["id"] = pd.array([f"R{i:05d}" for i in range(len(frame))], dtype="str")
    assert not duplicated_rows(frame, ["year", "id"]).any()
    for copy_from in (1, 4000):
        frame["id"] = pd.array([f"R{i:05d}" for i in range(len(frame))], dtype="str")
        frame.loc[copy_from + 1, "id"] = frame.loc[copy_from, "id"]
        frame["id"] = frame["id"].astype("str")
        expected = frame.duplicated(["year", "id"], keep=False).to_numpy()
        assert (duplicated_rows(frame, ["year", "id"]) == expected).all(), copy_from


# -- the vectorised column checks against pandera's own lazy validation (the reference they stand in for) ----------------
_BAD_CELLS = {
    "year": [1999, 2101],
    "count": [-1, -7],
    "int": [-3],
    "rating": [0, 6, -128, 127],
    "float": [-1.0, 0.0, float("inf"), float("-inf")],
    "enum": ["XX", "q1"],
    "district": ["12", "999", "0164"],
    "commune": ["1", "99999", "5431"],
    "unit": ["ZZZ", "99999"],
    "province": ["9", "199"],
}


def _perturbed(name: str, frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A demo frame with bad cells in every column (each kind's out-of-contract values) and missing required cells."""
    import numpy as np

    rng = np.random.default_rng(seed)
    frame = frame.astype({c.name: c.dtype for c in DATASETS[name].columns if c.name in frame})  # the loaders' dtypes
    for meta in DATASETS[name].columns:
        if meta.name not in frame:
            continue
        rows = rng.choice(len(frame), size=min(len(frame), 6), replace=False)
        bad = _BAD_CELLS.get(meta.kind, [])
        for i, row in enumerate(rows[:-1]):
            if bad:
                frame.loc[row, meta.name] = bad[i % len(bad)]
        frame.loc[rows[-1], meta.name] = None  # required columns: "not empty"
    return frame


def _failure_rows(spec: object, schema: object, cases: pd.DataFrame) -> list[tuple]:
    from danvan_analysis.schemas._check import _translate

    table = _translate(spec, schema, cases, None)
    return sorted(map(tuple, table[["row", "column", "value", "expected", "check"]].astype(str).values.tolist()))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", sorted(set(DATASETS) - {"indices"}))
def test_vectorised_column_checks_give_pandera_failure_cases(name: str, seed: int) -> None:
    from danvan_analysis.demo import generate_year
    from danvan_analysis.schemas._check import column_failures

    spec = get_spec(name)
    frame = _perturbed(name, generate_year(2023, respondents=400, seed=seed)[name], seed)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    present = [c for c in spec.column_names if c in frame]
    schema = spec.schema(present)
    fast = column_failures(schema, frame[present])
    assert fast is not None  # the fast path served: no fallback to pandera
    with pytest.raises(pandera.errors.SchemaErrors) as caught:
        schema.validate(frame[present], lazy=True)
    assert len(fast) > 0
    assert _failure_rows(spec, schema, fast) == _failure_rows(spec, schema, caught.value.failure_cases)


def test_column_checks_fall_back_to_pandera_for_what_they_do_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    import pandera.pandas as pa

    from danvan_analysis.schemas import _check

    spec = get_spec("religion")
    frame = pd.DataFrame({"year": pd.array([2023, 1990], dtype="Int64")}, index=[2, 3])
    assert _check.column_failures(spec.schema(["year"]), frame) is not None
    unknown = pa.DataFrameSchema({"year": pa.Column("Int64", pa.Check(lambda s: s > s.mean(), name="above_mean"))})
    assert _check.column_failures(unknown, frame) is None
    assert _check.column_failures(spec.schema(["year"]), frame.astype({"year": "float64"})) is None  # wrong dtype


@pytest.mark.parametrize(
    "cells",
    [
        ["R001", "R002", None], ["R 1", "x"], ["A"], ["~!"], ["=1+1"], ["-5"], ["@x"], ["+x"], [" R1"], ["R1 "],
        ["R  1"], ["Mã-1"], ["a\tb"], ["a\xa0b"], [""], ["R\u202e1"], ["R\x001"], ["=HYPERLINK(1)"],
    ],
)  # fmt: skip
def test_clean_identifiers_skip_the_cleaning_with_the_same_result(cells: list, monkeypatch: pytest.MonkeyPatch) -> None:
    """The one-pass shortcut for identifiers that need no cleaning gives what the full cleaning gives."""
    from danvan_analysis.schemas import _parse

    meta = get_spec("survey").column("respondent_id")
    series = pd.Series(cells, dtype="str")
    fast, fast_problems = _parse.parse_column(series, meta)
    monkeypatch.setattr(_parse, "_plain_ids", lambda s: None)
    careful, careful_problems = _parse.parse_column(series, meta)
    pd.testing.assert_series_equal(fast, careful)
    assert [p.to_dict("list") for p in fast_problems] == [p.to_dict("list") for p in careful_problems]


def test_schemas_are_built_without_importing_dask() -> None:
    """Importing the package and checking a file import no dask (~1 s a process: every report kernel, the shared
    step); a dask model built afterwards still finds pandera's dask typing (its cached lists were cleared)."""
    import subprocess
    import sys

    pytest.importorskip("dask")
    code = (
        "import sys, warnings\n"
        "from danvan_analysis.io import load_survey\n"
        f"load_survey({str(GOOD_SURVEY)!r})\n"
        "assert 'dask' not in sys.modules, 'dask imported'\n"
        "import pandera.typing as t, pandera.typing.dask as d\n"
        "assert d.Series in t.get_series_types() and d.Index in t.get_index_types()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
