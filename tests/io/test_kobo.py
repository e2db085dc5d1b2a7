"""KoboToolbox and ODK Central exports of the survey form load as they come, into the contract's frame.

Each export is written from one synthetic survey (the demo's export writer, which lays the cells out as the tools
do) and compared, value for value, with the same survey written in the contract's own layout and loaded: the
reference is the contract file, not the export reader.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from danvan_analysis import vocab
from danvan_analysis.demo import generate_survey, survey_export, write_demo, write_survey_export
from danvan_analysis.errors import ParameterError, PrivacyError, SchemaError
from danvan_analysis.io import load_survey, map_export, validate_file


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return generate_survey(2023, respondents=300, seed=11)


@pytest.fixture(scope="module")
def reference(survey: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The survey written in the contract's layout and loaded: what every export must load into."""
    path = tmp_path_factory.mktemp("contract") / "survey.csv"
    survey.to_csv(path, index=False)
    return load_survey(path)


def _load_export(path: Path, **options: object) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_survey(path, require_weight=False, **options)
    return frame, [str(w.message) for w in caught]


def _same_as_reference(frame: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert frame["weight"].isna().all()
    assert_frame_equal(frame.drop(columns="weight"), reference.drop(columns="weight"))


VARIANTS = [
    # style, headers, lang, select_multiple layout, file, CSV delimiter
    ("kobo", "names", "vi", "both", "csv", ";"),
    ("kobo", "labels", "vi", "split", "xlsx", None),
    ("kobo", "labels", "vi", "single", "csv", ","),
    ("kobo", "labels", "en", "both", "xlsx", None),
    ("odk", "names", "vi", "single", "csv", ","),
    ("odk", "names", "vi", "split", "csv", ";"),
    ("odk", "labels", "en", "single", "xlsx", None),
]


@pytest.mark.parametrize(("style", "headers", "lang", "multiple", "suffix", "delimiter"), VARIANTS)
def test_export_loads_into_the_contract_frame_value_for_value(
    survey, reference, tmp_path, style, headers, lang, multiple, suffix, delimiter
) -> None:
    path = write_survey_export(
        survey,
        tmp_path / f"export.{suffix}",
        style=style,
        headers=headers,
        lang=lang,
        multiple=multiple,
        delimiter=delimiter,
    )
    frame, messages = _load_export(path)
    _same_as_reference(frame, reference)
    assert len(messages) == 1 and "meta columns: set aside" in messages[0]


def test_the_synthetic_data_exercise_skips_dont_know_blanks_and_labels(survey) -> None:
    """The comparisons above mean something: skipped blocks, code 9, empty items and priorities are all present."""
    policy, service = survey[vocab.ITEMS[:14]], survey[vocab.ITEMS[14:]]
    assert policy.isna().all(axis=1).sum() >= 3 and service.isna().all(axis=1).sum() >= 2
    assert (survey[vocab.ITEMS] == vocab.DONT_KNOW).any().any()
    cells = survey_export(survey, style="kobo", headers="labels", lang="vi")
    gate = next(c for c in cells.columns if c.startswith("Trong 12 tháng qua, ông/bà có được"))
    assert (cells[gate] == "Không").sum() == policy.isna().all(axis=1).sum()
    assert cells.isin(["Rất hài lòng", "Không biết / không áp dụng", "Phường Quán Triều"]).any().any()


def test_mapping_report_names_every_export_column(survey, tmp_path) -> None:
    path = write_survey_export(survey, tmp_path / "kobo.xlsx", style="kobo", headers="labels")
    mapping = map_export(path)
    assert list(mapping.columns) == ["export_column", "contract_column", "how"]
    by_target = dict(zip(mapping["contract_column"], mapping["export_column"], strict=False))
    assert by_target["q01"].startswith("Phần I. Thực hiện chính sách/Trách nhiệm giải trình/Câu 01.")
    assert by_target["pr_feedback"].endswith("/Xử lý phản ánh, kiến nghị")
    assert by_target["form:used_service"].startswith("Trong 12 tháng qua")
    meta = mapping[mapping["how"].str.startswith("meta column")]["export_column"].tolist()
    assert {"_uuid", "_submission_time", "_index", "start", "end"} <= set(meta)
    single = mapping[mapping["how"].str.contains("one column: set aside")]
    assert len(single) == 1


def test_extra_meta_column_and_extra_question_are_set_aside(survey, reference, tmp_path) -> None:
    cells = survey_export(survey, style="odk")
    cells.insert(3, "meta-deprecatedID", "")
    cells.insert(5, "deviceid", "collect:abc")
    cells["ghi_chu_them"] = "x"  # a question someone added to the form
    path = tmp_path / "odk.csv"
    cells.to_csv(path, index=False)
    frame, messages = _load_export(path)
    _same_as_reference(frame, reference)
    assert "deviceid" in messages[0] and "meta-deprecatedID" in messages[0]
    assert "ghi_chu_them" in messages[0] and "ignored" in messages[0]


def test_renamed_question_gives_a_problem_table_and_loads_with_rename(survey, reference, tmp_path) -> None:
    cells = survey_export(survey, style="odk").rename(columns={"policy-p3-q05": "policy-p3-q05_kinh_te"})
    path = tmp_path / "odk.csv"
    cells.to_csv(path, index=False)
    problems = validate_file("survey", path, require_weight=False)
    errors = problems[problems["severity"] == "error"]
    assert errors[["file", "row", "column", "check"]].values.tolist() == [[str(path), 1, "q05", "missing_column"]]
    expected = errors["expected"].iloc[0]
    assert "question q05 in group policy/p3" in expected
    assert "rename={'policy-p3-q05_kinh_te': 'q05'}" in expected
    extra = problems[problems["check"] == "extra_column"]
    assert (
        extra["column"].tolist() == ["policy-p3-q05_kinh_te"] and "nearest form field: q05" in extra["expected"].iloc[0]
    )
    with pytest.raises(SchemaError, match="q05"):
        load_survey(path, require_weight=False)
    frame, _ = _load_export(path, rename={"policy-p3-q05_kinh_te": "q05"})
    _same_as_reference(frame, reference)


def test_unknown_group_path_still_finds_the_xml_name(survey, reference, tmp_path) -> None:
    cells = survey_export(survey, style="kobo")
    cells.columns = [c.replace("respondent/", "nguoi_tra_loi/") for c in cells.columns]
    path = tmp_path / "kobo.csv"
    cells.to_csv(path, index=False, sep=";")
    frame, _ = _load_export(path)
    _same_as_reference(frame, reference)


def test_edited_choice_and_broken_skip_logic_are_listed_not_raised_as_tracebacks(survey, tmp_path) -> None:
    cells = survey_export(survey, style="kobo", headers="labels", lang="vi")
    q07 = next(c for c in cells.columns if "/Câu 07." in c)
    gate = next(c for c in cells.columns if c.startswith("Trong 12 tháng qua, ông/bà có được"))
    q03 = next(c for c in cells.columns if "/Câu 03." in c)
    skipped = cells.index[cells[gate] == "Không"][0]
    cells.loc[3, q07] = "Rất tốt"  # a choice someone added to the form
    cells.loc[skipped, q03] = "Hài lòng"  # an answer in a block the form skipped
    path = tmp_path / "kobo.xlsx"
    cells.to_excel(path, index=False)
    problems = validate_file("survey", path, require_weight=False)
    errors = problems[problems["severity"] == "error"].set_index("check")
    assert errors.loc["parse", ["row", "column", "value"]].tolist() == [5, "q07", "Rất tốt"]
    assert "1, 2, 3, 4, 5 or 9" in errors.loc["parse", "expected"]
    assert errors.loc["skip_logic", ["row", "column"]].tolist() == [skipped + 2, "q03"]
    assert "used_policy" in errors.loc["skip_logic", "expected"]
    assert errors["file"].str.endswith("kobo.xlsx [Sheet1]").all()


def test_unknown_select_multiple_choice_is_named(survey, tmp_path) -> None:
    cells = survey_export(survey, style="odk")
    cells.loc[0, "priorities"] = "policy_info wifi_free"
    path = tmp_path / "odk.csv"
    cells.to_csv(path, index=False)
    problems = validate_file("survey", path, require_weight=False)
    bad = problems[problems["column"] == "priorities"]
    assert bad[["row", "value", "severity"]].values.tolist() == [[2, "policy_info wifi_free", "error"]]
    assert "priority_areas" in bad["expected"].iloc[0]


def test_an_export_without_weights_says_how_weights_are_obtained(survey, tmp_path) -> None:
    path = write_survey_export(survey, tmp_path / "odk.csv", style="odk")
    with pytest.raises(SchemaError) as caught:
        load_survey(path)
    row = caught.value.problems.query("column == 'weight'")
    assert row["check"].tolist() == ["missing_column"]
    assert "danvan weights" in row["expected"].iloc[0] and "require_weight=False" in row["expected"].iloc[0]


@pytest.mark.parametrize("header", ["Họ và tên", "phonenumber", "Số điện thoại người trả lời"])
def test_privacy_guard_refuses_identifying_columns_in_exports(survey, tmp_path, header) -> None:
    cells = survey_export(survey, style="kobo")
    cells.insert(4, header, "x")
    path = tmp_path / "kobo.csv"
    cells.to_csv(path, index=False, sep=";")
    with pytest.raises(PrivacyError, match="identify people"):
        load_survey(path, require_weight=False)


def test_a_file_in_the_contract_layout_is_not_an_export(reference, tmp_path) -> None:
    path = tmp_path / "survey.csv"
    reference.to_csv(path, index=False)
    with pytest.raises(ParameterError, match="not an export"):
        map_export(path)
    with pytest.raises(ParameterError, match="neither a survey column nor a field"):
        load_survey(path, rename={"q05": "q99"})


def test_demo_writes_exports_that_validate_from_the_command_line(tmp_path) -> None:
    write_demo(tmp_path, years=[2023], respondents=200, seed=4, exports=True)
    write_demo(tmp_path / "again", years=[2023], respondents=200, seed=4, exports=True)
    folder = tmp_path / "2023" / "exports"
    assert sorted(p.name for p in folder.iterdir()) == ["survey_kobo.csv", "survey_odk.csv"]
    for name in ("survey_kobo.csv", "survey_odk.csv"):  # same seed, same bytes
        assert (folder / name).read_bytes() == (tmp_path / "again" / "2023" / "exports" / name).read_bytes()
    command = [sys.executable, "-m", "danvan_analysis.cli", "validate", "survey", str(folder / "survey_kobo.csv")]
    result = subprocess.run([*command, "--weights-later"], capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "an export of the survey form; 68 columns" in result.stdout
    assert "→ q01  (form label (vi) (group path removed))" in result.stdout
    assert "valid survey data" in result.stdout
    result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8")
    assert result.returncode == 1 and "danvan weights" in result.stdout


def test_the_default_form_lists_the_shipped_registers_communes_whatever_map_is_in_use(tmp_path) -> None:
    """The default form is kept for the process: built while a two-level report's parameters have the 2026 map in
    use, it still lists 2023's communes, and a 2023 demo export written then is the one written on the shipped map."""
    from danvan_analysis.registers import register_for
    from danvan_analysis.schemas.survey_form import default_form
    from danvan_analysis.units import register, register_kept, set_register

    shipped = default_form()
    write_demo(tmp_path / "shipped", years=[2023], respondents=200, seed=4, exports=True)
    default_form.cache_clear()
    try:
        with register_kept():
            set_register(register_for(2026))
            assert "Xã Đại Phúc" in {u.name for u in register().units("commune")}  # the 2026 map is in use
            assert default_form() == shipped
            write_demo(tmp_path / "other", years=[2023], respondents=200, seed=4, exports=True)
    finally:
        default_form.cache_clear()
    for name in ("survey_kobo.csv", "survey_odk.csv"):
        written = (tmp_path / "other" / "2023" / "exports" / name).read_bytes()
        assert written == (tmp_path / "shipped" / "2023" / "exports" / name).read_bytes(), name
