"""Loaders: the bad-file corpus, accepted variants, privacy, problem tables, bundles.

Every corpus file is built from a good file in ``tests/data/good`` with one deliberate change (the xlsx files by
``tests/data/bad/make_xlsx.py``); the expected row and column below are where that change was made, counted by hand
(header = row 1, first data row = row 2; the actual sheet row in xlsx files).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from danvan_analysis.errors import DanvanError, DataWarning, InputFileError, ParameterError, PrivacyError, SchemaError
from danvan_analysis.io import (
    load_bundle,
    load_dataset,
    load_indices,
    load_survey,
    readers,
    validate_file,
    write_problems,
)
from danvan_analysis.schemas import DATASETS, PROBLEM_COLUMNS

DATA = Path(__file__).parents[1] / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"

# file, dataset, error class, row (or line) the message must name, column it must name, a fragment of the message
ERRORS = [
    ("survey_missing_weight.csv", "survey", SchemaError, 1, "weight", "missing_column"),
    ("survey_likert_0.csv", "survey", SchemaError, 3, "q05", "found '0'"),
    ("survey_likert_6.csv", "survey", SchemaError, 4, "q12", "found '6'"),
    ("survey_likert_x.csv", "survey", SchemaError, 5, "q20", "found 'x'"),
    ("survey_duplicate_id.csv", "survey", SchemaError, 6, "respondent_id", "used once in the year"),
    ("survey_commune_outside_district.csv", "survey", SchemaError, 2, "commune_code", "commune_code=05536"),
    ("survey_zero_weight.csv", "survey", SchemaError, 4, "weight", "found '-2'"),
    ("survey_missing_psu.csv", "survey", SchemaError, 7, "psu", "not empty"),
    ("survey_single_psu.csv", "survey", SchemaError, 5, "psu", "at least 2 PSUs in every stratum"),
    ("survey_decimal_comma.csv", "survey", SchemaError, 2, "weight", "use '.' as the decimal point"),
    ("survey_pii.csv", "survey", PrivacyError, 1, "Họ và tên", "Số điện thoại"),
    ("survey_cp1258.csv", "survey", InputFileError, 2, None, "encoding="),
    ("empty.csv", "plans", InputFileError, None, None, "empty (0 bytes)"),
    ("dialogues_extra_cells.csv", "dialogues", InputFileError, 3, None, "more cells than the header"),
    ("dialogues_unknown_unit.csv", "dialogues", SchemaError, 3, "unit_code", "found '999'"),
    ("dialogues_date_outside_year.csv", "dialogues", SchemaError, 3, "date", "date=30/12/2022"),
    ("dialogues_excel_serial_date.csv", "dialogues", SchemaError, 3, "date", "found '45000'"),
    ("dialogues_hyperlink.csv", "dialogues", SchemaError, 3, "note", "not a spreadsheet formula"),
    ("dialogues_formula_note.xlsx", "dialogues", SchemaError, 3, "note", "not a spreadsheet formula"),
    ("dialogues_answered_exceeds.csv", "dialogues", SchemaError, 2, "answered_on_spot", "≤ opinions_raised"),
    ("dialogues_level_mismatch.csv", "dialogues", SchemaError, 3, "unit_code", "level=commune"),
    ("religion_wrong_type.csv", "religion", SchemaError, 3, "dignitaries_total", "found 'bốn mươi'"),
    ("religion_informed_exceeds.csv", "religion", SchemaError, 2, "dignitaries_informed", "≤ dignitaries_total"),
    ("religion_duplicate_key.csv", "religion", SchemaError, 5, "religion", "one row per year"),
    ("complaints_negative_count.csv", "complaints", SchemaError, 3, "people_received", "found '-5'"),
    ("complaints_resolved_exceeds.csv", "complaints", SchemaError, 4, "cases_resolved", "cases_resolved=12"),
    ("complaints_formulas.xlsx", "complaints", SchemaError, 3, "petitions_received", "no saved result"),
    ("plans_date_outside_year.csv", "plans", SchemaError, 3, "issue_date", "issue_date=2024-01-05"),
    ("plans_issued_without_number.csv", "plans", SchemaError, 2, "document_number", "a document number"),
    ("boards_active_without_board.csv", "boards", SchemaError, 3, "pib_active", "pib_in_place=false"),
    ("boards_merged_title_error.xlsx", "boards", SchemaError, 4, "pib_active", "pib_in_place=false"),
    ("inspections_district_mismatch.csv", "inspections", SchemaError, 3, "district_code", "district_code=165"),
    ("submissions_unknown_name.csv", "submissions", SchemaError, 4, "unit_code", "Sở Du hành Vũ trụ"),
    ("legacy.xls", "plans", InputFileError, None, None, "save it as .xlsx"),
    ("not_really.xlsx", "plans", InputFileError, None, None, "not a readable .xlsx"),
]

# file, dataset, row and column of the warning, fragment of its text, the good file it must equal once loaded
WARNINGS = [
    ("survey_lost_zeros.csv", "survey", 2, "commune_code", "5431 → 05431", "survey.csv"),
    ("survey_numbers_as_codes.xlsx", "survey", 2, "commune_code", "5431 → 05431", "survey.csv"),
    ("submissions_unit_names.csv", "submissions", 2, "unit_code", "Sở Nội vụ → SNV", "submissions.csv"),
    ("dialogues_extra_column.csv", "dialogues", 1, "Người ghi biên bản", "ignored", "dialogues.csv"),
    ("dialogues_control_characters.csv", "dialogues", 2, "note", "Đối thoại <U+202E>với", "dialogues.csv"),
    ("boards_merged_title.xlsx", "boards", 1, "", "header was found on row 2", "boards.csv"),
    ("survey_two_row_header.xlsx", "survey", 1, "", "header was found on row 2", "survey.csv"),
    ("survey_header_only.csv", "survey", 1, "", "at least one data row", None),
]

# file, dataset, the good file it must equal once loaded (no warning at all)
ACCEPTED = [
    ("survey_bom.csv", "survey", "survey.csv"),
    ("survey_utf16.csv", "survey", "survey.csv"),
    ("survey_semicolon.csv", "survey", "survey.csv"),
    ("survey_nfd.csv", "survey", "survey.csv"),
    ("survey_vietnamese_headers.xlsx", "survey", "survey.csv"),
    ("plans_second_sheet.xlsx", "plans", "plans.csv"),
    ("dialogues_labels.csv", "dialogues", "dialogues.csv"),
]


def test_corpus_is_big_enough_and_every_file_is_used() -> None:
    files = {p.name for p in BAD.iterdir() if p.suffix != ".py"}
    used = {row[0] for row in ERRORS + WARNINGS + ACCEPTED} | {"complaints_many_problems.csv"}
    assert len(files) >= 30
    assert files == used


@pytest.mark.parametrize(("file", "dataset", "error", "row", "column", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_file_is_refused_with_a_message_naming_file_row_and_column(
    file: str, dataset: str, error: type[DanvanError], row: int | None, column: str | None, fragment: str
) -> None:
    with pytest.raises(error) as caught:
        load_dataset(dataset, BAD / file)
    message = str(caught.value)
    assert file in message
    assert fragment in message
    if column is not None:
        assert column in message
    if error is SchemaError:
        assert f"row {row}, column {column}" in message
        problems = caught.value.problems
        assert list(problems.columns) == list(PROBLEM_COLUMNS)
        hit = problems[(problems["row"] == row) & (problems["column"] == column)]
        assert len(hit) >= 1 and (hit["severity"] == "error").all()
    elif error is InputFileError and row is not None:
        assert f"line {row}" in message
    elif error is PrivacyError:
        assert f"row {row}" in message


def _good(name: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        return load_dataset(name.split(".")[0], GOOD / name)


@pytest.mark.parametrize(
    ("file", "dataset", "row", "column", "fragment", "same_as"), WARNINGS, ids=[w[0] for w in WARNINGS]
)
def test_repairable_file_loads_with_a_warning(
    file: str, dataset: str, row: int, column: str, fragment: str, same_as: str | None
) -> None:
    with pytest.warns(DataWarning, match=f"row {row}, column {column}") as caught:
        frame = load_dataset(dataset, BAD / file)
    assert fragment in str(caught[0].message)
    assert file in str(caught[0].message)
    problems = validate_file(dataset, BAD / file)
    assert (problems["severity"] == "warning").all()
    assert ((problems["row"] == row) & (problems["column"] == column)).any()
    if same_as is not None:
        assert_frame_equal(frame, _good(same_as))
    else:
        assert len(frame) == 0 and list(frame.columns) == DATASETS[dataset].column_names


@pytest.mark.parametrize(("file", "dataset", "same_as"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_variant_loads_identical_to_the_good_file(file: str, dataset: str, same_as: str) -> None:
    assert validate_file(dataset, BAD / file).empty
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        frame = load_dataset(dataset, BAD / file)
    assert_frame_equal(frame, _good(same_as))


def test_nfd_text_is_nfc_after_loading() -> None:
    raw = (BAD / "survey_nfd.csv").read_text(encoding="utf-8")
    assert "Thôn Bản Cái" not in raw  # the file really is decomposed (NFD) …
    frame = load_survey(BAD / "survey_nfd.csv")
    assert frame.loc[3, "ssu"] == "Thôn Bản Cái"  # … and the loaded text is composed (NFC)
    assert len(frame.loc[3, "ssu"]) == 12


def test_one_error_reports_every_problem_of_the_file() -> None:
    # Hand-made changes in complaints_many_problems.csv: row 2 period Q5; row 3 people_received -1;
    # row 4 unit_code 99999 and cases_resolved 12 > petitions_in_jurisdiction 8.
    with pytest.raises(SchemaError) as caught:
        load_dataset("complaints", BAD / "complaints_many_problems.csv")
    found = caught.value.problems[["row", "column"]].values.tolist()
    assert found == [[2, "period"], [3, "people_received"], [4, "unit_code"], [4, "cases_resolved"]]
    message = str(caught.value)
    assert "4 problem(s)" in message
    for line in ("row 2, column period", "row 3, column people_received", "row 4, column unit_code"):
        assert line in message


def test_every_corpus_file_is_left_untouched() -> None:
    for path in sorted(BAD.iterdir()):
        if path.suffix == ".py":
            continue
        before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        dataset = path.name.split("_")[0] if path.name.split("_")[0] in DATASETS else "plans"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            with contextlib.suppress(DanvanError):
                validate_file(dataset, path)  # the same reader as load_dataset
        assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before, path.name


def test_excel_serial_number_in_a_date_column_is_an_error_naming_the_date_it_would_be() -> None:
    """45000 is 15/03/2023 in Excel's day numbering (1899-12-30 + 45000 days): refused, not read silently."""
    problems = validate_file("dialogues", BAD / "dialogues_excel_serial_date.csv")
    assert problems[["row", "column", "value", "check", "severity"]].values.tolist() == [
        [3, "date", "45000", "parse", "error"]
    ]
    assert problems["file"].str.endswith("dialogues_excel_serial_date.csv").all()
    expected = problems["expected"].iloc[0]
    assert "a date such as 15/03/2023" in expected and "Excel serial day number (15/03/2023 in Excel)" in expected


def test_excel_serial_number_is_refused_in_xlsx_number_cells_too(tmp_path: Path) -> None:
    """A date column whose cells are numbers (the date format lost) is the same mistake in a workbook."""
    frame = pd.read_csv(GOOD / "dialogues.csv", dtype=str, keep_default_na=False)
    cells = frame.astype(object)
    cells.loc[1, "date"] = 45000
    cells.to_excel(tmp_path / "d.xlsx", index=False)
    problems = validate_file("dialogues", tmp_path / "d.xlsx")
    assert problems[["row", "column", "value", "severity"]].values.tolist() == [[3, "date", "45000", "error"]]


def test_control_characters_are_removed_with_a_warning_per_cell(tmp_path: Path) -> None:
    """Bidi overrides/isolates and NUL never reach the frame; each cell is named, the characters spelt out."""
    problems = validate_file("dialogues", BAD / "dialogues_control_characters.csv")
    assert problems[["row", "column", "check", "severity"]].values.tolist() == [
        [2, "note", "control_characters", "warning"],
        [4, "note", "control_characters", "warning"],
    ]
    assert problems["value"].tolist() == [
        "Đối thoại <U+202E>với nhân dân<U+202C> về bồi thường GPMB",
        "Hội nghị tại <U+2066>nhà văn hóa<U+2069> tổ<U+0000> 5, có 3 ý kiến",
    ]
    every = "".join(chr(c) for c in [0, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    survey = _good("survey.csv").assign(ssu="Tổ " + every + "1", respondent_id=lambda f: f["respondent_id"] + "\x00")
    survey.to_parquet(tmp_path / "s.parquet")
    with pytest.warns(DataWarning, match="column respondent_id"):
        frame = load_survey(tmp_path / "s.parquet")
    assert_frame_equal(frame, _good("survey.csv").assign(ssu="Tổ 1"))


# -- privacy -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reader", ["arrow", "pandas"])
def test_personal_data_columns_can_be_dropped_and_are_never_read(reader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both CSV readers are asked for the 56 contract columns only, never for the file's columns 1 and 57."""
    import pyarrow.csv

    seen: dict = {}
    real_arrow, real_pandas = pyarrow.csv.read_csv, pd.read_csv

    def spy_arrow(*args: object, **kwargs: object) -> object:
        if reader == "pandas":
            raise pyarrow.ArrowInvalid("force the pandas reader")
        seen["columns"] = [int(name[1:]) for name in kwargs["convert_options"].include_columns]
        return real_arrow(*args, **kwargs)

    def spy_pandas(*args: object, **kwargs: object) -> pd.DataFrame:
        if args and Path(str(args[0])).name == "survey_pii.csv":  # pandas is patched globally: other readers pass
            seen["columns"] = list(kwargs["usecols"])
        return real_pandas(*args, **kwargs)

    import pyarrow

    monkeypatch.setattr(pyarrow.csv, "read_csv", spy_arrow)
    monkeypatch.setattr(readers.pd, "read_csv", spy_pandas)
    with pytest.warns(DataWarning, match="Họ và tên"):
        frame = load_survey(BAD / "survey_pii.csv", drop_pii=True)
    # In survey_pii.csv "Họ và tên" is column 1 and "Số điện thoại" column 57 (0-based).
    assert len(seen["columns"]) == 56 and 1 not in seen["columns"] and 57 not in seen["columns"]
    assert_frame_equal(frame, _good("survey.csv"))


def test_validate_file_lists_personal_data_columns_as_errors() -> None:
    problems = validate_file("survey", BAD / "survey_pii.csv")
    assert problems[["row", "column", "check", "severity"]].values.tolist() == [
        [1, "Họ và tên", "personal_data", "error"],
        [1, "Số điện thoại", "personal_data", "error"],
    ]


def test_privacy_guard_applies_to_xlsx_and_parquet(tmp_path: Path) -> None:
    frame = _good("survey.csv").assign(**{"Email": "a@b.vn", "Địa chỉ": "Tổ 5"})
    frame.to_parquet(tmp_path / "s.parquet")
    with pytest.raises(PrivacyError, match=r"'Email' \(e-mail\); 'Địa chỉ' \(address\)"):
        load_survey(tmp_path / "s.parquet")
    with pytest.warns(DataWarning):
        assert_frame_equal(load_survey(tmp_path / "s.parquet", drop_pii=True), _good("survey.csv"))


# -- other reading details --------------------------------------------------------------------------------------
def test_undecodable_bytes_name_the_byte_offset_and_line() -> None:
    # In Windows-1258 "ổ" of "Tổ 1" (R001, line 2) is "ô" (byte 0xF4) + a combining hook; 0xF4 starts no valid
    # UTF-8 sequence here.
    with pytest.raises(InputFileError, match=r"byte \d+ \(line 2\).*bytes f4") as caught:
        load_survey(BAD / "survey_cp1258.csv")
    offset = int(str(caught.value).split("byte ")[1].split(" ")[0])
    assert (BAD / "survey_cp1258.csv").read_bytes()[offset] == 0xF4


def test_explicit_encoding_reads_a_legacy_file() -> None:
    """Windows-1258 stores tone marks as combining characters; once NFC-normalised the data equal the good file."""
    frame = load_survey(BAD / "survey_cp1258.csv", encoding="cp1258")
    assert frame.loc[3, "ssu"] == "Thôn Bản Cái"
    assert_frame_equal(frame, _good("survey.csv"))


def test_unknown_encoding_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="not a known text encoding"):
        load_survey(GOOD / "survey.csv", encoding="vni-windows")


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load_survey(tmp_path / "nothing.csv")
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(InputFileError, match=r"unknown file type '\.json'"):
        load_survey(tmp_path / "data.json")


def test_sheet_option_picks_a_sheet_or_lists_the_sheets() -> None:
    frame = load_dataset("plans", BAD / "plans_second_sheet.xlsx", sheet="Số liệu")
    assert len(frame) == 3
    with pytest.raises(InputFileError, match="Hướng dẫn, Số liệu"):
        load_dataset("plans", BAD / "plans_second_sheet.xlsx", sheet="Data")
    with pytest.raises(ParameterError, match=r"applies to \.xlsx files only"):
        load_dataset("plans", GOOD / "plans.csv", sheet="Data")


def test_formula_with_a_saved_value_is_read_as_that_value() -> None:
    # Row 2 people_received is =SUM(600,40) saved as 640; only row 3 (a formula never computed) is a problem.
    problems = validate_file("complaints", BAD / "complaints_formulas.xlsx")
    assert problems[["row", "column"]].values.tolist() == [[3, "petitions_received"]]


def test_xlsx_problems_name_the_sheet() -> None:
    problems = validate_file("boards", BAD / "boards_merged_title_error.xlsx")
    assert set(problems["file"]) == {f"{BAD / 'boards_merged_title_error.xlsx'} [Sheet]"}


def test_warning_points_at_the_callers_line() -> None:
    with pytest.warns(DataWarning) as caught:
        load_survey(BAD / "survey_lost_zeros.csv")
    assert caught[0].filename == __file__


def test_shipped_indices_load_with_their_published_values() -> None:
    with (GOOD.parents[2] / "danvan_analysis" / "data" / "published_indices.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    frame = load_indices()
    assert len(frame) == len(rows) == 14
    sipas = frame[(frame["index_code"] == "SIPAS") & (frame["year"] == 2023)]
    assert sipas["score"].iloc[0] == pytest.approx(90.29)
    assert frame["score"].isna().sum() == sum(1 for r in rows if r["score"] == "")


# -- problem tables --------------------------------------------------------------------------------------------------
def _formula_problems() -> pd.DataFrame:
    return validate_file("dialogues", BAD / "dialogues_hyperlink.csv")


def test_write_problems_csv_has_a_bom_and_neutralised_formulas(tmp_path: Path) -> None:
    path = write_problems(_formula_problems(), tmp_path / "p.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert rows[0]["value"].startswith("'=HYPERLINK(")
    assert rows[0]["row"] == "3" and rows[0]["column"] == "note"


def test_write_problems_xlsx_stores_formulas_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_problems(_formula_problems(), tmp_path / "p.xlsx")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == list(PROBLEM_COLUMNS)
    cell = sheet.cell(row=2, column=header.index("value") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")
    assert sheet.cell(row=2, column=2).value == 3


def test_write_problems_refuses_other_formats(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"\.xlsx or \.csv"):
        write_problems(_formula_problems(), tmp_path / "p.json")


def test_good_files_have_no_problems() -> None:
    for path in sorted(GOOD.glob("*.csv")):
        problems = validate_file(path.stem, path)
        assert list(problems.columns) == list(PROBLEM_COLUMNS)
        assert problems.empty, path.name


# -- bundles ---------------------------------------------------------------------------------------------------------
def _bundle_dir(tmp_path: Path) -> Path:
    """2023: every good file; 2022: a survey only (years rewritten to 2022)."""
    root = tmp_path / "data"
    (root / "2023").mkdir(parents=True)
    (root / "2022").mkdir()
    for path in GOOD.glob("*.csv"):
        shutil.copy(path, root / "2023" / path.name)
    text = (GOOD / "survey.csv").read_text(encoding="utf-8").replace(",2023,", ",2022,")
    (root / "2022" / "survey.csv").write_text(text, encoding="utf-8")
    return root


def test_bundle_reads_every_year_and_dataset(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    with pytest.warns(DataWarning, match="no rows for 2022"):
        bundle = load_bundle(root)
    assert bundle.years == (2022, 2023)
    assert sorted(bundle.survey["year"].unique().tolist()) == [2022, 2023]
    assert len(bundle.survey) == 12 and len(bundle.dialogues) == 3
    assert len(bundle.indices) == 14  # no indices file: the shipped table
    assert bundle.files["survey"] == (root / "2022" / "survey.csv", root / "2023" / "survey.csv")
    missing = bundle.warnings[bundle.warnings["check"] == "missing_file"]
    assert len(missing) == 7  # every report dataset is absent from 2022
    assert bundle["religion"] is bundle.religion
    assert bundle.to_frame().set_index("dataset").loc["survey", "rows"] == 12
    assert "<table" in bundle._repr_html_()


def test_bundle_requires_every_dataset_in_the_latest_year(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    (root / "2023" / "plans.csv").unlink()
    with pytest.raises(InputFileError, match=r"2023/plans.csv"):
        load_bundle(root)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        bundle = load_bundle(root, years=[2023], datasets=["survey", "dialogues"])
    assert bundle.plans.empty and list(bundle.plans.columns) == DATASETS["plans"].column_names
    assert len(bundle.survey) == 6


def test_bundle_refuses_rows_of_another_year(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    text = (GOOD / "plans.csv").read_text(encoding="utf-8").replace("2023,SNV", "2022,SNV")
    (root / "2023" / "plans.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SchemaError, match="row 2, column year") as caught:
        load_bundle(root, years=[2023])
    problems = caught.value.problems
    assert problems.loc[problems["check"] == "year_folder", ["row", "column", "value"]].values.tolist() == [
        [2, "year", "2022"]
    ]


def test_bundle_collects_the_problems_of_every_file_at_once(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    shutil.copy(BAD / "religion_informed_exceeds.csv", root / "2023" / "religion.csv")
    shutil.copy(BAD / "survey_likert_6.csv", root / "2023" / "survey.csv")
    with pytest.raises(SchemaError) as caught:
        load_bundle(root, years=[2023])
    files = {Path(f).name for f in caught.value.problems["file"]}
    assert files == {"religion.csv", "survey.csv"}


def test_bundle_prefers_parquet_and_reports_stray_files(tmp_path: Path) -> None:
    root = _bundle_dir(tmp_path)
    survey = _good("survey.csv")
    survey.iloc[:3].to_parquet(root / "2023" / "survey.parquet")
    (root / "2023" / "dialogue.csv").write_text("typo in the name")
    with pytest.warns(DataWarning, match="dialogue.csv"):
        bundle = load_bundle(root, years=[2023])
    assert len(bundle.survey) == 3
    assert bundle.files["survey"] == (root / "2023" / "survey.parquet",)
    assert "unknown_file" in set(bundle.warnings["check"])


def test_bundle_errors_for_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such data folder"):
        load_bundle(tmp_path / "none")
    root = _bundle_dir(tmp_path)
    with pytest.raises(InputFileError, match=r"year\(s\) \[2019\].*2022, 2023"):
        load_bundle(root, years=[2019, 2023])


@pytest.mark.slow
def test_bundle_of_generated_demo_data_loads_without_warnings(tmp_path: Path) -> None:
    from danvan_analysis.demo import generate_all, write_demo

    write_demo(tmp_path, years=[2022, 2023], respondents=600, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        bundle = load_bundle(tmp_path)
    frames = generate_all([2022, 2023], respondents=600, seed=11)
    for name, frame in frames.items():
        assert len(bundle[name]) == len(frame), name
    assert bundle.survey["commune_code"].str.fullmatch(r"\d{5}").all()


def test_bundle_refuses_a_key_repeated_in_two_files(tmp_path: Path) -> None:
    """The full indices table copied into two year folders repeats all its 14 keys."""
    root = _bundle_dir(tmp_path)
    shipped = GOOD.parents[2] / "danvan_analysis" / "data" / "published_indices.csv"
    for year in ("2022", "2023"):
        shutil.copy(shipped, root / year / "indices.csv")
    with pytest.raises(SchemaError, match="across the files") as caught:
        load_bundle(root, datasets=["survey", "indices"])
    problems = caught.value.problems
    assert set(problems["check"]) == {"repeated_across_files"}
    assert len(problems) == 2 * 14
    (root / "2022" / "indices.csv").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        assert len(load_bundle(root, datasets=["survey", "indices"]).indices) == 14


@pytest.mark.parametrize("reader", ["arrow", "pandas"])
def test_blank_lines_are_skipped_without_renumbering(
    reader: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blank line 3 is not data; the bad count on line 4 is still reported as row 4."""
    import pyarrow
    import pyarrow.csv

    if reader == "pandas":
        monkeypatch.setattr(pyarrow.csv, "read_csv", lambda *a, **k: (_ for _ in ()).throw(pyarrow.ArrowInvalid("x")))
    lines = (GOOD / "religion.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(2, "")
    lines[3] = lines[3].replace(",40,40,", ",40,-40,")  # catholicism row: dignitaries_informed -40
    (tmp_path / "religion.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = validate_file("religion", tmp_path / "religion.csv")
    assert problems[["row", "column", "check"]].values.tolist() == [[4, "dignitaries_informed", "ge"]]


def test_wrong_sheet_dimension_does_not_truncate_rows(tmp_path: Path) -> None:
    """Some exporters write <dimension ref="A1"/>; openpyxl's read-only mode would then stop after row 1."""
    import re
    import zipfile

    source = BAD / "plans_second_sheet.xlsx"
    target = tmp_path / "plans.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
            new.writestr(item, data)
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(target).read("xl/worksheets/sheet2.xml")
    assert len(load_dataset("plans", target)) == 3
