"""The Excel appendix: one sheet per table, Vietnamese headers, numbers as numbers, no formula from data."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import openpyxl
import pytest

from danvan_analysis.batch.formats.blocks import Column, Meta, Paragraph, Table, blocks_from_json
from danvan_analysis.batch.formats.xlsx import sheet_name, write_xlsx

FIXTURES = Path(__file__).parents[1] / "fixtures"
EVIL = ('=HYPERLINK("http://x","bấm")', "+1+1", "-2+3", "@SUM(A1)", "<w:t>x</w:t>", "{{ x }}", "{% for %}")


def _meta(**changes: object) -> Meta:
    values: dict[str, object] = {
        "kind": "district", "lang": "vi", "year": 2023, "period": None, "period_label": None, "unit_code": "167",
        "unit_name": "Huyện Định Hóa", "issuer": "UBND huyện Định Hóa", "issuer_parent": None,
        "symbol": "BC-UBND", "place": "Định Hóa", "date": "2024-01-05", "title": "Báo cáo thử",
        "subject": "Kết quả", "demo": True, "demo_text": "DỮ LIỆU MINH HỌA — thử", "source": "data/2023",
    }  # fmt: skip
    values.update(changes)
    return Meta(**values)  # type: ignore[arg-type]


def _survey_table() -> Table:
    """Two rows by hand: one published, one withheld for a small n."""
    reason = "Không công bố: dưới 10 người trả lời"
    return Table(
        caption="Các chỉ số hài lòng",
        source="survey",
        columns=(
            Column("label", "Nội dung", "text"),
            Column("estimate", "Ước lượng (%)", "percent"),
            Column("ci_low", "Cận dưới KTC 95%", "percent"),
            Column("ci_high", "Cận trên KTC 95%", "percent"),
            Column("n", "Số người trả lời", "count"),
        ),
        rows=(("Chính sách", 84.83895, 73.2, 91.9, 1453), ("Xã nhỏ", None, None, None, 7)),
        display=(("Chính sách", "84,8 %", "73,2 %", "91,9 %", "1.453"), ("Xã nhỏ", "–", "–", "–", "7")),
        suppressed=((None,) * 5, (None, reason, reason, reason, None)),
    )


def _notes_table() -> Table:
    rows = tuple((f"2023-03-{i + 10:02d}", text, 0.25 * i) for i, text in enumerate(EVIL))
    return Table(
        caption=None,
        source="dialogues",
        columns=(
            Column("date", "Ngày", "date"),
            Column("note", "Ghi chú", "text"),
            Column("value", "Giá trị", "mixed", ("percent", "count", "number", "ratio", "pvalue", "fraction", "year")),
        ),
        rows=rows,
        display=tuple((f"{10 + i}/03/2023", text, str(0.25 * i)) for i, text in enumerate(EVIL)),
        suppressed=tuple((None, None, None) for _ in EVIL),
        heading="Ghi chú của các cuộc đối thoại",
    )


@pytest.fixture
def book() -> openpyxl.Workbook:
    blocks = [_meta(), Paragraph("không phải bảng"), _survey_table(), _notes_table()]
    return openpyxl.load_workbook(io.BytesIO(write_xlsx(blocks)))


def test_one_sheet_per_table_after_the_about_sheet(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["Thông tin", "Bảng 1 Các chỉ số hài lòng", "Bảng 2 Ghi chú của các cuộc đối"]
    about = book["Thông tin"]
    assert about["A1"].value == "DỮ LIỆU MINH HỌA — thử"
    facts = {about.cell(r, 1).value: about.cell(r, 2).value for r in range(2, 7)}
    assert facts["Báo cáo"] == "Báo cáo thử" and facts["Đơn vị"] == "Huyện Định Hóa"
    assert facts["Kỳ báo cáo"] == "Cả năm 2023" and facts["Ngày lập"] == dt.datetime(2024, 1, 5)
    assert facts["Nguồn số liệu"] == "data/2023"


def test_survey_sheet_headers_numbers_formats_and_withheld_cells(book: openpyxl.Workbook) -> None:
    sheet = book["Bảng 1 Các chỉ số hài lòng"]
    assert sheet["A1"].value == "DỮ LIỆU MINH HỌA — thử"  # the banner opens every sheet of demo data
    assert sheet["A2"].value == "Bảng 1. Các chỉ số hài lòng"
    assert sheet["A3"].value == "Nguồn số liệu: Khảo sát sự hài lòng của người dân"
    assert [c.value for c in sheet[4]] == [
        "Nội dung", "Ước lượng (%)", "Cận dưới KTC 95%", "Cận trên KTC 95%", "Số người trả lời (n, không trọng số)",
        "Có ô không công bố", "Lý do không công bố",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A5"
    estimate, n = sheet["B5"], sheet["E5"]
    assert estimate.value == 84.83895 and estimate.data_type == "n" and estimate.number_format == '0.0" %"'
    assert n.value == 1453 and n.number_format == "#,##0"
    assert [sheet.cell(6, c).value for c in range(1, 8)] == [
        "Xã nhỏ",
        None,
        None,
        None,
        7,
        "Có",
        "Không công bố: dưới 10 người trả lời",
    ]
    assert sheet["B6"].comment is not None and "dưới 10" in sheet["B6"].comment.text
    assert sheet["F5"].value is None and sheet["G5"].value is None


def test_data_text_never_becomes_a_formula(book: openpyxl.Workbook) -> None:
    sheet = book["Bảng 2 Ghi chú của các cuộc đối"]
    notes = [sheet.cell(r, 2) for r in range(5, 5 + len(EVIL))]
    assert [c.value for c in notes] == list(EVIL)
    assert all(c.data_type == "s" for c in notes)
    assert [c.quotePrefix for c in notes[:4]] == [True] * 4
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    # dates are dates, a mixed column takes each row's format
    assert sheet["A5"].value == dt.datetime(2023, 3, 10) and sheet["A5"].number_format == "dd/mm/yyyy"
    formats = [sheet.cell(r, 3).number_format for r in range(5, 12)]
    assert formats == ['0.0" %"', "#,##0", "#,##0.0", "0.00", "0.000", "0.0 %", "0"]


def test_no_banner_without_demo_data_and_english_headers() -> None:
    blocks = [_meta(demo=False, demo_text=None, lang="en"), _survey_table()]
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(blocks)))
    assert book.sheetnames[0] == "About"
    sheet = book[book.sheetnames[1]]
    assert sheet["A1"].value.startswith("Table 1.")
    assert sheet["E3"].value == "Respondents (n, unweighted)" and sheet.freeze_panes == "A4"


def test_sheet_names_are_short_unique_and_valid() -> None:
    taken: set[str] = {"Thông tin"}
    first = sheet_name("Bảng 1 Ban Thanh tra nhân dân, Ban Giám sát đầu tư cộng đồng", taken)
    assert first == "Bảng 1 Ban Thanh tra nhân dân" and len(first) <= 31
    assert sheet_name("a/b:c*d?[e]", taken) == "a b c d e"
    assert sheet_name("thông tin", taken) == "thông tin (2)"  # Excel compares names without case
    long = "x" * 40
    assert sheet_name(long, taken) == "x" * 31 and sheet_name(long, taken) == "x" * 27 + " (2)"


def test_every_table_of_a_real_report_gets_its_sheet() -> None:
    blocks = blocks_from_json(json.loads((FIXTURES / "blocks_district.json").read_text(encoding="utf-8")))
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(blocks)))
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(book.sheetnames) == 1 + len(tables)
    assert all(len(name) <= 31 for name in book.sheetnames)
    withheld = 0
    for table, name in zip(tables, book.sheetnames[1:], strict=True):
        sheet = book[name]
        header = 5  # banner, title, source, header
        for r, (row, reasons) in enumerate(zip(table.rows, table.suppressed, strict=True)):
            for c, (value, reason) in enumerate(zip(row, reasons, strict=True)):
                cell = sheet.cell(header + r, c + 1)
                if reason:
                    withheld += 1
                    assert cell.value is None and cell.comment is not None
                elif isinstance(value, float):
                    # openpyxl writes 15 significant digits, as Excel keeps them
                    assert math.isclose(cell.value, value, rel_tol=1e-14) and cell.data_type == "n"
    assert withheld > 0
