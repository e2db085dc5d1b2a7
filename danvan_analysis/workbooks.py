"""Excel fill-in workbooks (templates units fill in): one per dataset and reporting unit, from the schema metadata.

A template has three sheets:

* **Số liệu** (data, first): Vietnamese headers (the column labels of the data contract, with the meaning as a cell
  comment), a frozen header row, and one pre-filled row per expected record where the records are known in advance
  (religion: one per religion and period; complaints: one per unit, period and field; boards and plans: one per unit;
  submissions: one per unit and period), with year, unit, district and period filled in. Open-ended datasets
  (survey, dialogues, inspections, indices) start empty.
* **Hướng dẫn** (instructions): what each column means and which values are accepted, in Vietnamese.
* **DanhMuc** (hidden): the lists behind the dropdowns.

Cells are constrained with Excel data validation: dropdowns that show Vietnamese labels for code lists, yes/no and
unit codes (``05431 - Phường Quán Triều``: the loader reads the code and checks the name agrees), whole numbers ≥ 0
for counts, dates within the year. Code cells are formatted as text so Excel keeps their leading zeros. A filled
template loads with :func:`danvan_analysis.io.load_dataset` as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from danvan_analysis.errors import ParameterError
from danvan_analysis.schemas import ColumnMeta, DatasetSpec, get_spec
from danvan_analysis.units import Unit, register, resolve_unit
from danvan_analysis.vocab import Level, Period, UnitKind

DATA_SHEET = "Số liệu"
INSTRUCTIONS_SHEET = "Hướng dẫn"
LISTS_SHEET = "DanhMuc"
#: Rows given data validation below the pre-filled ones (room for open-ended datasets).
BLANK_ROWS = {"survey": 5000}
DEFAULT_BLANK_ROWS = 300
YES, NO = "Có", "Không"

#: Datasets whose rows are known in advance, and the unit kinds that report them.
_REPORTERS = {
    "religion": ("province", "district"),
    "complaints": ("province", "district", "commune"),
    "boards": ("province", "district", "commune", "agency"),
    "plans": ("province", "district", "commune", "agency"),
    "submissions": ("province", "district", "agency"),
}


def unit_label(unit: Unit) -> str:
    """How a unit appears in template cells and dropdowns: ``"05431 - Phường Quán Triều"``."""
    return f"{unit.code} - {unit.name}"


def write_template(
    dataset: str,
    out: str | Path | None = None,
    *,
    unit: str,
    year: int,
    period: str | None = None,
) -> Path:
    """Write a fill-in .xlsx template of ``dataset`` for one reporting unit.

    Parameters
    ----------
    dataset : dataset name (survey, dialogues, religion, complaints, boards, plans, inspections, submissions, indices).
    out : output path; default ``<dataset>_<unit code>_<year>[_<period>].xlsx`` in the working directory.
    unit : the reporting unit, code or name (``"164"``, ``"Đại Từ"``, ``"SNV"``, ``"19"`` for the province).
    year : reporting year.
    period : Q1, H1, 9M or Y (Vietnamese labels accepted); for period datasets, the rows of that period only
        (default: every period).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ParameterError
        Unknown dataset, unit kind that does not report this dataset, invalid period or year, or an output that is
        not .xlsx.
    UnknownUnitError, AmbiguousUnitError
        The unit cannot be resolved.
    """
    from openpyxl import Workbook

    spec = get_spec(dataset)
    who = resolve_unit(unit)
    if not 2000 <= int(year) <= 2100:
        raise ParameterError(f"year={year!r} is not a plausible reporting year (2000–2100).")
    periods = _periods(period)
    path = (
        Path(out)
        if out is not None
        else Path(f"{spec.name}_{who.code}_{year}{'_' + periods[0] if period else ''}.xlsx")
    )
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"{path}: a template is an .xlsx workbook; give a path ending in .xlsx.")
    rows = _planned_rows(spec, who, int(year), periods)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    instructions = book.create_sheet(INSTRUCTIONS_SHEET, index=1)
    choices = _choices(spec, who, int(year))
    _fill_data_sheet(data, lists, spec, rows, choices, int(year))
    _fill_instructions(instructions, spec, who, int(year), periods if period else None, choices)
    book.save(path)
    return path


def _periods(period: str | None) -> list[str]:
    if period is None:
        return Period.codes()
    code = Period.parse(period)
    if code is None:
        raise ParameterError(
            f"period={period!r} is not a reporting period; expected Q1, H1, 9M or Y (Quý I, 6 tháng …)."
        )
    return [code]


# -- which rows and which choices ---------------------------------------------------------------------------------
def _scope(who: Unit, dataset: str) -> list[Unit]:
    """The units whose rows a reporting unit fills in for ``dataset``."""
    reg = register()
    allowed = _REPORTERS.get(dataset)
    if allowed is not None and who.kind not in allowed:
        kinds = ", ".join(allowed)
        raise ParameterError(
            f"{dataset} is not reported by {who.describe()} (a {who.kind}); it is reported by: {kinds}."
        )
    districts = reg.units("district") if who.kind == "province" else [who] if who.kind == "district" else []
    communes = [c for d in districts for c in reg.communes_of(d.code)]
    agencies = reg.units("agency")
    if dataset == "religion":
        return districts
    if dataset == "complaints":
        return [who, *districts] if who.kind == "province" else [who, *communes] if who.kind == "district" else [who]
    if dataset == "boards":
        if who.kind == "province":
            return [*agencies, *reg.units("commune")]
        return communes if who.kind == "district" else [who]
    if dataset == "plans":
        if who.kind == "province":
            return [*agencies, *districts, *reg.units("commune")]
        return [who, *communes] if who.kind == "district" else [who]
    if dataset == "submissions":
        return [*agencies, *districts] if who.kind == "province" else [who]
    return [who]


def _planned_rows(spec: DatasetSpec, who: Unit, year: int, periods: list[str]) -> list[dict[str, Any]]:
    """The pre-filled rows (contract column → cell value as shown in the template)."""
    if spec.name not in _REPORTERS:
        return []
    rows = []
    for unit in _scope(who, spec.name):
        for period in periods if "period" in spec.column_names else [None]:
            base: dict[str, Any] = {"year": year}
            if period is not None:
                base["period"] = Period(period).vi
            if spec.name == "religion":
                district = unit_label(unit)
                rows += [{**base, "district_code": district, "religion": r.vi} for r in spec.column("religion").vocab]  # type: ignore[union-attr]
                continue
            base["unit_code"] = unit_label(unit)
            if "level" in spec.column_names:
                base["level"] = Level(unit.kind).vi
            if "unit_kind" in spec.column_names:
                base["unit_kind"] = UnitKind(unit.kind).vi
            if "district_code" in spec.column_names and unit.district_code:
                base["district_code"] = unit_label(register().unit(unit.district_code))
            if spec.name == "complaints":
                rows += [{**base, "field": t.vi} for t in spec.column("field").vocab]  # type: ignore[union-attr]
            else:
                rows.append(base)
    return rows


def _choices(spec: DatasetSpec, who: Unit, year: int) -> dict[str, list[str]]:
    """Dropdown values per column (Vietnamese labels; units as ``code - name``)."""
    reg = register()
    if who.kind == "province":
        districts, communes = reg.units("district"), reg.units("commune")
    elif who.kind == "district":
        districts, communes = [who], reg.communes_of(who.code)
    elif who.kind == "commune":
        districts, communes = [reg.unit(who.district_code or "")], [who]
    else:
        districts, communes = reg.units("district"), reg.units("commune")
    units = {
        "province": [reg.unit("19")],
        "district": districts,
        "commune": communes,
        "agency": reg.units("agency"),
    }
    found: dict[str, list[str]] = {}
    for meta in spec.columns:
        if meta.kind == "enum" and meta.vocab is not None:
            labels = {m.value: m.vi for m in meta.vocab}
            found[meta.name] = [labels[c] for c in meta.codes()]
        elif meta.kind == "bool":
            found[meta.name] = [YES, NO]
        elif meta.kind == "year":
            found[meta.name] = [str(year)]
        elif meta.kind in ("district", "commune"):
            found[meta.name] = [unit_label(u) for u in units[meta.kind]]
        elif meta.kind == "unit":
            kinds = meta.allowed or ("province", "district", "commune", "agency")
            found[meta.name] = [unit_label(u) for k in kinds for u in units[k]]
    return found


# -- the sheets ----------------------------------------------------------------------------------------------------
def _fill_data_sheet(
    sheet: Any, lists: Any, spec: DatasetSpec, rows: list[dict[str, Any]], choices: dict, year: int
) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    last_row = 1 + len(rows) + BLANK_ROWS.get(spec.name, DEFAULT_BLANK_ROWS)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for j, meta in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=j, value=meta.vi)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(f"{meta.means_vi}\n[{meta.name}]", "danvan-analysis")
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = min(max(len(meta.vi) + 2, 12), 40)
    for i, row in enumerate(rows, start=2):
        for j, meta in enumerate(spec.columns, start=1):
            if meta.name in row:
                sheet.cell(row=i, column=j, value=row[meta.name])
    for j, meta in enumerate(spec.columns, start=1):
        letter = get_column_letter(j)
        area = f"{letter}2:{letter}{last_row}"
        if meta.kind in ("id", "text", "district", "commune", "unit", "province"):
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last_row, min_col=j, max_col=j):
                cell.number_format = "@"  # text: Excel keeps leading zeros
        validation = _validation(meta, choices.get(meta.name), lists, j, year, quote_sheetname, DataValidation)
        if validation is not None:
            validation.add(area)
            sheet.add_data_validation(validation)
        if meta.kind == "date":
            for (cell,) in sheet.iter_rows(min_row=2, max_row=last_row, min_col=j, max_col=j):
                cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 45


def _validation(
    meta: ColumnMeta, options: list[str] | None, lists: Any, position: int, year: int, quote: Any, factory: Any
) -> Any:
    """The data validation of one column: a dropdown from the hidden lists sheet, or a number/date rule."""
    from openpyxl.utils import get_column_letter

    message = {"error": f"Xem hướng dẫn: {meta.means_vi}", "errorTitle": f"{meta.vi}: giá trị không hợp lệ"}
    if options:
        letter = get_column_letter(position)
        for i, option in enumerate(options, start=1):
            lists.cell(row=i, column=position, value=option)
        source = f"{quote(LISTS_SHEET)}!${letter}$1:${letter}${len(options)}"
        return factory(type="list", formula1=f"={source}", allow_blank=True, showErrorMessage=True, **message)
    if meta.kind == "rating":
        return factory(type="list", formula1='"1,2,3,4,5,9"', allow_blank=True, showErrorMessage=True, **message)
    if meta.kind == "count" or (meta.kind == "int" and meta.ge is not None):
        low = int(meta.ge or 0)
        return factory(type="whole", operator="greaterThanOrEqual", formula1=str(low), showErrorMessage=True, **message)
    if meta.kind == "float" and meta.gt is not None:
        return factory(type="decimal", operator="greaterThan", formula1=str(meta.gt), showErrorMessage=True, **message)
    if meta.kind == "date":
        return factory(
            type="date",
            operator="between",
            formula1=f"DATE({year},1,1)",
            formula2=f"DATE({year},12,31)",
            showErrorMessage=True,
            **message,
        )
    return None


def _allowed_vi(meta: ColumnMeta, options: Iterable[str] | None) -> str:
    """Accepted values in Vietnamese, for the instructions sheet."""
    if meta.kind == "enum" and options:
        text = "; ".join(options)
    else:
        text = {
            "id": "Mã do đơn vị tự đặt, không trùng",
            "text": "Chữ (không bắt đầu bằng dấu =)",
            "year": "Năm, ví dụ 2023",
            "count": "Số nguyên ≥ 0",
            "int": "Số nguyên",
            "float": "Số (dấu chấm thập phân)",
            "rating": "1, 2, 3, 4, 5; 9 = không biết/không áp dụng",
            "bool": f"{YES} / {NO}",
            "date": "Ngày/tháng/năm, trong năm báo cáo",
            "province": "Mã tỉnh 2 chữ số (Thái Nguyên = 19)",
            "district": "Chọn trong danh sách (mã huyện 3 chữ số)",
            "commune": "Chọn trong danh sách (mã xã 5 chữ số)",
            "unit": "Chọn trong danh sách (mã đơn vị)",
        }[meta.kind]
    if meta.gt is not None:
        text += f"; > {meta.gt:g}"
    return text + ("; có thể để trống" if meta.nullable or meta.optional else "")


def _fill_instructions(
    sheet: Any, spec: DatasetSpec, who: Unit, year: int, periods: list[str] | None, choices: dict
) -> None:
    from openpyxl.styles import Alignment, Font

    period_text = ", ".join(Period(p).vi for p in periods) if periods else "tất cả các kỳ"
    lines = [
        [f"MẪU NHẬP SỐ LIỆU: {spec.title_vi.upper()}"],
        [f"Đơn vị báo cáo: {who.name} (mã {who.code}); năm {year}; kỳ: {period_text}."],
        [
            f"Mỗi dòng trên sheet «{DATA_SHEET}»: {spec.grain_vi}. Không đổi tên, thứ tự các cột và không chèn dòng trống."
        ],
        ["Các ô có danh sách chọn: chọn giá trị trong danh sách. Mã phải giữ nguyên số 0 ở đầu (ô đã định dạng chữ)."],
        ["Số liệu của kỳ báo cáo là số cộng dồn từ ngày 1/1. Không nhập họ tên, số điện thoại, số CCCD của người dân."],
        [],
        ["Cột", "Tên cột trong dữ liệu", "Ý nghĩa", "Bắt buộc", "Giá trị hợp lệ"],
    ]
    for meta in spec.columns:
        required = NO if meta.nullable or meta.optional or meta.default_from else YES
        lines.append([meta.vi, meta.name, meta.means_vi, required, _allowed_vi(meta, choices.get(meta.name))])
    for line in lines:
        sheet.append(line)
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[7]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (32, 26, 70, 10, 50), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
