"""Fill-in workbooks (templates): one per dataset, filled programmatically with openpyxl and loaded back unchanged.

Expected row counts come from the 2023 register as documented in ``danvan_analysis/data``'s SOURCES (Thành phố Thái
Nguyên, 164, has 32 communes; Võ Nhai, 170, has 15) and from the plan: 24 provincial agencies, 4 periods, 4
religions, 6 fields.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest
from openpyxl import load_workbook

from danvan_analysis.errors import DataWarning, ParameterError, UnknownUnitError
from danvan_analysis.io import load_dataset
from danvan_analysis.schemas import DATASETS
from danvan_analysis.units import AGENCIES
from danvan_analysis.workbooks import DATA_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, write_template

COMMUNES_164 = 32
COMMUNES_170 = 15


def _fill(path: Path, values: dict[str, object], *, append: list[dict[str, object]] | None = None) -> Path:
    """Fill every empty cell of the pre-filled rows with ``values`` (by column name) and append ``append`` rows.

    Appended values for coded columns are given as a template user would pick them from the dropdown.
    """
    book = load_workbook(path)
    sheet = book[DATA_SHEET]
    names = [c.comment.text.rsplit("[", 1)[1].rstrip("]") for c in sheet[1]]
    last = 1
    for row in sheet.iter_rows(min_row=2):
        if row[0].value is None and all(c.value is None for c in row):
            break
        last = row[0].row
        for cell, name in zip(row, names, strict=True):
            if cell.value is None and name in values:
                cell.value = values[name]
    for i, record in enumerate(append or [], start=last + 1):
        for j, name in enumerate(names, start=1):
            if name in record:
                sheet.cell(row=i, column=j, value=record[name])
    filled = path.with_name(path.stem + "_filled.xlsx")
    book.save(filled)
    return filled


def _load(dataset: str, path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # a filled template loads without any repair
        return load_dataset(dataset, path)


def test_religion_template_for_a_district(tmp_path: Path) -> None:
    path = write_template("religion", tmp_path / "r.xlsx", unit="Võ Nhai", year=2023)
    counts = dict.fromkeys(
        ["dignitaries_total", "venues", "registered_activities", "hot_spots", "unlawful_followers"], 4
    )
    frame = _load("religion", _fill(path, {**counts, "dignitaries_informed": 3}))
    assert len(frame) == 4 * 4  # 4 periods × 4 religions
    assert set(frame["district_code"]) == {"170"}
    assert set(frame["period"]) == {"Q1", "H1", "9M", "Y"}
    assert set(frame["religion"]) == {"buddhism", "catholicism", "protestantism", "other"}
    assert (frame["year"] == 2023).all()


def test_complaints_template_for_a_district_and_one_period(tmp_path: Path) -> None:
    path = write_template("complaints", tmp_path / "c.xlsx", unit="164", year=2023, period="Năm")
    counts = {c.name: 1 for c in DATASETS["complaints"].columns if c.kind == "count"}
    frame = _load("complaints", _fill(path, counts))
    assert len(frame) == (1 + COMMUNES_164) * 6  # the district and its communes × 6 fields
    assert set(frame["period"]) == {"Y"}
    assert frame.loc[frame["unit_code"] == "164", "level"].unique().tolist() == ["district"]
    communes = frame[frame["level"] == "commune"]
    assert communes["unit_code"].str.fullmatch(r"\d{5}").all() and set(communes["district_code"]) == {"164"}


def test_boards_template_for_a_district(tmp_path: Path) -> None:
    path = write_template("boards", tmp_path / "b.xlsx", unit="Thành phố Thái Nguyên", year=2023)
    flags = {"pib_in_place": "Có", "pib_active": "Không", "has_investment_projects": "Có", "cisb_in_place": "Có"}
    frame = _load("boards", _fill(path, flags))
    assert len(frame) == COMMUNES_164
    assert frame["pib_in_place"].all() and not frame["pib_active"].any()
    assert set(frame["unit_kind"]) == {"commune"}


def test_plans_template_for_the_province(tmp_path: Path) -> None:
    path = write_template("plans", tmp_path / "p.xlsx", unit="19", year=2023)
    frame = _load("plans", _fill(path, {"issued": "Có", "document_number": "1/KH", "issue_date": dt.date(2023, 2, 1)}))
    assert len(frame) == len(AGENCIES) + 9 + 177  # agencies, districts, communes
    assert frame["issue_date"].eq("2023-02-01").all()
    assert frame.loc[frame["unit_kind"] == "agency", "district_code"].isna().all()


def test_submissions_template_for_the_province(tmp_path: Path) -> None:
    path = write_template("submissions", tmp_path / "s.xlsx", unit="Tỉnh Thái Nguyên", year=2023)
    frame = _load("submissions", _fill(path, {"date_received": dt.date(2023, 3, 14)}))
    assert len(frame) == (len(AGENCIES) + 9) * 4


@pytest.mark.parametrize(
    ("dataset", "unit", "record"),
    [
        (
            "survey",
            "164",
            {
                "respondent_id": "P-001",
                "year": 2023,
                "district_code": "164 - Thành phố Thái Nguyên",
                "commune_code": "05431 - Phường Quán Triều",
                "stratum": "164",
                "psu": "05431",
                "weight": 120.5,
                "sex": "Nữ",
                "age_group": "Từ 60 tuổi",
                "ethnicity": "Kinh",
                "education": "Đại học trở lên",
                "occupation": "Nghỉ hưu",
                "area": "Thành thị",
                "channel": "Trực tiếp",
                **{f"q{i:02d}": 4 for i in range(1, 34)},
                "pr_feedback": "Có",
            },
        ),
        (
            "dialogues",
            "Đại Từ",
            {
                "dialogue_id": "DT-1",
                "year": 2023,
                "level": "Huyện",
                "unit_code": "171 - Huyện Đại Từ",
                "district_code": "171 - Huyện Đại Từ",
                "date": dt.date(2023, 7, 1),
                "chair": "Người đứng đầu",
                "participants": 80,
                "opinions_raised": 10,
                "answered_on_spot": 6,
                "referred": 4,
                "resolved_later": 2,
                "topic": "Đất đai, bồi thường, GPMB",
            },
        ),
        (
            "inspections",
            "SNV",
            {
                "inspection_id": "KT-1",
                "year": 2023,
                "inspecting_unit_code": "SNV - Sở Nội vụ",
                "inspected_unit_code": "STC - Sở Tài chính",
                "date": dt.date(2023, 5, 5),
                "scope": "Dân vận và dân chủ ở cơ sở",
            },
        ),
        (
            "indices",
            "19",
            {
                "province_code": "19",
                "index_code": "Chỉ số hiệu quả quản trị và hành chính công (PAPI)",
                "year": 2023,
                "score": 45.5,
                "score_unit": "Điểm",
                "rank": 2,
                "n_provinces": 63,
                "group": "Nhóm cao nhất",
                "derived": "Không",
                "source": "PAPI 2023 report",
            },
        ),
    ],
)
def test_open_ended_template_filled_with_dropdown_values_loads(
    tmp_path: Path, dataset: str, unit: str, record: dict[str, object]
) -> None:
    path = write_template(dataset, tmp_path / f"{dataset}.xlsx", unit=unit, year=2023)
    book = load_workbook(path)
    assert book[DATA_SHEET]["A2"].value is None  # open-ended datasets start without rows
    second = {**record, **({"respondent_id": "P-002", "psu": "05434", "commune_code": "05434 - Phường Quang Vinh"})}
    rows = [record, second] if dataset == "survey" else [record]
    frame = _load(dataset, _fill(path, {}, append=rows))
    assert len(frame) == len(rows)
    if dataset == "survey":
        assert frame.loc[0, ["commune_code", "sex", "age_group", "pr_feedback"]].tolist() == [
            "05431",
            "female",
            "60+",
            True,
        ]
    if dataset == "dialogues":
        assert frame.loc[0, ["level", "unit_code", "chair", "topic"]].tolist() == ["district", "171", "head", "land"]
    if dataset == "inspections":
        assert frame.loc[0, ["inspecting_unit_code", "inspected_unit_code", "scope"]].tolist() == ["SNV", "STC", "both"]
    if dataset == "indices":
        assert frame.loc[0, ["index_code", "group", "score_unit"]].tolist() == ["PAPI", "highest", "points"]


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_template_layout(tmp_path: Path, dataset: str) -> None:
    unit = {"religion": "164", "complaints": "05431", "boards": "SNV", "submissions": "SNV"}.get(dataset, "164")
    book = load_workbook(write_template(dataset, tmp_path / "t.xlsx", unit=unit, year=2023, period="Q1"))
    assert book.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    sheet = book[DATA_SHEET]
    spec = DATASETS[dataset]
    assert [c.value for c in sheet[1]] == [c.vi for c in spec.columns]
    assert sheet.freeze_panes == "A2"
    validated = {
        str(r).split(":")[0].rstrip("0123456789")
        for dv in sheet.data_validations.dataValidation
        for r in dv.sqref.ranges
    }
    coded = [
        i for i, c in enumerate(spec.columns) if c.kind in ("enum", "bool", "district", "commune", "unit", "rating")
    ]
    from openpyxl.utils import get_column_letter

    assert {get_column_letter(i + 1) for i in coded} <= validated
    instructions = "\n".join(str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    for meta in spec.columns:
        assert meta.name in instructions and meta.means_vi in instructions


def test_code_cells_are_text_and_dropdowns_list_the_districts_communes(tmp_path: Path) -> None:
    book = load_workbook(write_template("survey", tmp_path / "s.xlsx", unit="164", year=2023))
    sheet = book[DATA_SHEET]
    assert sheet["D2"].number_format == "@"  # commune_code: leading zeros survive typing
    lists = book[LISTS_SHEET]
    communes = [c.value for (c,) in lists.iter_rows(min_col=4, max_col=4) if c.value]
    assert len(communes) == COMMUNES_164
    assert communes[0] == "05431 - Phường Quán Triều"


def test_default_file_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert write_template("religion", unit="164", year=2023, period="Y") == Path("religion_164_2023_Y.xlsx")
    assert (tmp_path / "religion_164_2023_Y.xlsx").is_file()


@pytest.mark.parametrize(
    ("dataset", "options", "error", "fragment"),
    [
        ("religion", {"unit": "05431"}, ParameterError, "not reported by 05431"),
        ("submissions", {"unit": "05431"}, ParameterError, "reported by: province, district, agency"),
        ("religion", {"unit": "164", "period": "Q5"}, ParameterError, "not a reporting period"),
        ("religion", {"unit": "164", "year": 1990}, ParameterError, "plausible reporting year"),
        ("religion", {"unit": "Huyện Không Có"}, UnknownUnitError, "Không Có"),
        ("surveys", {"unit": "164"}, ParameterError, "No dataset"),
    ],
)
def test_template_errors(tmp_path: Path, dataset: str, options: dict, error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        write_template(dataset, tmp_path / "x.xlsx", **{"year": 2023, **options})


def test_template_must_be_xlsx(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"\.xlsx"):
        write_template("plans", tmp_path / "x.csv", unit="SNV", year=2023)
