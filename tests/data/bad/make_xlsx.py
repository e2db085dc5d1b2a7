"""Build the .xlsx files of the bad-file corpus from the good CSV files beside it.

Run from anywhere: ``python tests/data/bad/make_xlsx.py``. The workbooks are written with openpyxl, so they are real
xlsx files; one of them gets a formula's saved value patched into its sheet XML (openpyxl cannot compute formulas).
Each file's purpose is in the docstring of the function that builds it.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent
GOOD = HERE.parent / "good"


def _rows(name: str) -> list[list[str]]:
    with (GOOD / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _vietnamese_headers(name: str) -> list[str]:
    from danvan_analysis.schemas import DATASETS

    return [DATASETS[name].column(c).vi for c in _rows(name)[0]]


def _typed(value: str) -> object:
    """Numbers as numbers (what Excel users type), everything else as text."""
    if re.fullmatch(r"-?\d+", value) and not value.startswith("0"):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value or None


def boards_merged_title() -> None:
    """A title merged across the sheet above the header (row 1); data start on sheet row 3; loads with a warning."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Ban TTND"
    rows = _rows("boards")
    sheet.append(["BÁO CÁO TÌNH HÌNH BAN THANH TRA NHÂN DÂN NĂM 2023"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    sheet["A1"].font = Font(bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(_vietnamese_headers("boards"))
    for row in rows[1:]:
        sheet.append([int(row[0]), *row[1:]])
    book.save(HERE / "boards_merged_title.xlsx")


def boards_merged_title_error() -> None:
    """As boards_merged_title, with an active board that does not exist on sheet row 4 (the 2nd data row)."""
    book = Workbook()
    sheet = book.active
    rows = _rows("boards")
    sheet.append(["BÁO CÁO TÌNH HÌNH BAN THANH TRA NHÂN DÂN NĂM 2023"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    sheet.append(_vietnamese_headers("boards"))
    for row in rows[1:]:
        sheet.append([int(row[0]), *row[1:]])
    sheet["E4"] = "false"  # pib_in_place of 05536
    sheet["F4"] = "true"  # pib_active
    book.save(HERE / "boards_merged_title_error.xlsx")


def survey_two_row_header() -> None:
    """A two-row header: group headings merged across columns in row 1, identifiers merged down rows 1–2.

    The real header is row 2 (merged cells carry their label down); data start on sheet row 3; loads with a warning.
    """
    book = Workbook()
    sheet = book.active
    rows = _rows("survey")
    labels = _vietnamese_headers("survey")
    n_id = 8  # respondent_id … weight: merged vertically
    group = [None] * len(labels)
    group[n_id] = "Thông tin người trả lời"
    group[15] = "Mức độ hài lòng (1–5; 9 = không biết)"
    group[48] = "Nội dung cần ưu tiên cải thiện"
    sheet.append([labels[i] if i < n_id else group[i] for i in range(len(labels))])
    sheet.append([None if i < n_id else labels[i] for i in range(len(labels))])
    for i in range(n_id):
        sheet.merge_cells(start_row=1, start_column=i + 1, end_row=2, end_column=i + 1)
    sheet.merge_cells(start_row=1, start_column=n_id + 1, end_row=1, end_column=15)
    sheet.merge_cells(start_row=1, start_column=16, end_row=1, end_column=48)
    sheet.merge_cells(start_row=1, start_column=49, end_row=1, end_column=len(labels))
    for row in rows[1:]:
        sheet.append([_typed(v) if i in (1, 7) or i >= 15 else (v or None) for i, v in enumerate(row)])
    book.save(HERE / "survey_two_row_header.xlsx")


def survey_vietnamese_headers() -> None:
    """Vietnamese headers, Vietnamese enum labels, numbers typed as numbers, codes kept as text: loads cleanly."""
    from danvan_analysis.vocab import AgeGroup, Area, Channel, Education, Ethnicity, Occupation, Sex

    book = Workbook()
    sheet = book.active
    sheet.title = "Phiếu khảo sát"
    rows = _rows("survey")
    sheet.append(_vietnamese_headers("survey"))
    enums = {8: Sex, 9: AgeGroup, 10: Ethnicity, 11: Education, 12: Occupation, 13: Area, 14: Channel}
    for row in rows[1:]:
        cells: list[object] = []
        for i, value in enumerate(row):
            if i in enums and value:
                cells.append(enums[i](value).vi)
            elif i in (1, 7) or i >= 15:
                cells.append(_typed(value) if i < 48 else {"true": True, "false": False}.get(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    book.save(HERE / "survey_vietnamese_headers.xlsx")


def survey_numbers_as_codes() -> None:
    """Commune codes typed as numbers (Excel dropped the zero: 5431) on sheet rows 2–3: loads with a warning."""
    book = Workbook()
    sheet = book.active
    rows = _rows("survey")
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append(
            [int(v) if i == 3 else _typed(v) if i in (1, 7) or 15 <= i < 48 else (v or None) for i, v in enumerate(row)]
        )
    book.save(HERE / "survey_numbers_as_codes.xlsx")


def dialogues_formula_note() -> None:
    """A =HYPERLINK(…) formula in the free-text note of sheet row 3: refused (formula injection)."""
    book = Workbook()
    sheet = book.active
    rows = _rows("dialogues")
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([_typed(v) if i in (1, 7, 8, 9, 10, 11) else (v or None) for i, v in enumerate(row)])
    sheet["N3"] = '=HYPERLINK("http://example.com/x","Bấm vào đây")'
    book.save(HERE / "dialogues_formula_note.xlsx")


def complaints_formulas() -> None:
    """Formulas in count columns: one with a saved value (read as its value), one never computed (an error).

    Sheet row 2, people_received ``=SUM(600,40)`` with the saved value 640 patched in; sheet row 3,
    petitions_received ``=SUM(90,5)`` without a saved value.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = "Data"
    rows = _rows("complaints")
    sheet.append(rows[0])
    for row in rows[1:]:
        sheet.append([_typed(v) if i in (0,) or i >= 6 else (v or None) for i, v in enumerate(row)])
    sheet["I2"] = "=SUM(600,40)"
    sheet["J3"] = "=SUM(90,5)"
    target = HERE / "complaints_formulas.xlsx"
    book.save(target)
    _patch_cached_value(target, "I2", "640")


def _patch_cached_value(path: Path, ref: str, value: str) -> None:
    """Add ``<v>value</v>`` to the formula cell ``ref`` of the first sheet, as Excel does when it saves."""
    with tempfile.TemporaryDirectory() as tmp:
        patched = Path(tmp) / path.name
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    text = data.decode("utf-8")
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1\2<v>{value}</v>", text
                    )
                    data = text.encode("utf-8")
                target.writestr(item, data)
        shutil.copyfile(patched, path)


def plans_second_sheet() -> None:
    """An instructions sheet first and the data on the second sheet ("Số liệu"): the data sheet is found."""
    book = Workbook()
    notes = book.active
    notes.title = "Hướng dẫn"
    notes.append(["Điền mỗi đơn vị một dòng. Ngày ban hành theo dạng ngày/tháng/năm."])
    sheet = book.create_sheet("Số liệu")
    for row in _rows("plans"):
        sheet.append([_typed(v) if v.isdigit() and len(v) == 4 else (v or None) for v in row])
    book.save(HERE / "plans_second_sheet.xlsx")


def main() -> None:
    """Write every workbook of the corpus."""
    for build in (
        boards_merged_title,
        boards_merged_title_error,
        survey_two_row_header,
        survey_vietnamese_headers,
        survey_numbers_as_codes,
        dialogues_formula_note,
        complaints_formulas,
        plans_second_sheet,
    ):
        build()


if __name__ == "__main__":
    main()
