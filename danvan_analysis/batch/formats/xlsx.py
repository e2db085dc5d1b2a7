"""The Excel appendix of a report: every table on its own sheet, numbers stored as numbers.

Written with openpyxl from the report's blocks (:mod:`.blocks`), outside the kernel:

- a first sheet "Thông tin" ("About") with the report's title, unit, period, date, data source and the list of
  sheets; then one sheet per table, in the order of the report ("Bảng 1 …", names of at most 31 characters,
  unique), whose first rows are the demo banner (demo data), the table's number and caption, and its source;
- headers in the report's language, frozen; column widths from the content;
- survey tables (source ``survey``) say that ``n`` is the unweighted count of respondents and carry two more
  columns: whether the row holds a withheld cell, and why; a withheld cell is empty, with the reason in a comment;
- numbers are stored as numbers at full precision with a display format: ``#,##0.0`` (numbers), ``0.0" %"``
  (percents 0–100 as the report shows them: ``84,8 %``), ``0.0 %`` (fractions), ``#,##0`` (counts), ``0.00``
  (odds ratios), ``0.000`` (p-values), ``dd/mm/yyyy`` (dates, stored as dates), ``0`` (years). A format code
  names the grouping and decimal separators by role, and Excel and LibreOffice show them in the reader's locale:
  a computer set to Vietnamese shows ``1.234,5`` and one set to English ``1,234.5``. That is the spreadsheet's own
  convention, and it keeps the cells numbers the reader can sum; text that only looks like a number would not be;
- every text cell, data or not, is stored as text (``data_type "s"``): openpyxl would write a string that starts
  with ``=`` as a formula, so a note ``=HYPERLINK(…)`` typed into a data file would become a live formula. Text
  that starts with ``=``, ``+``, ``-`` or ``@`` also gets Excel's quote prefix, so editing the cell keeps it text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from typing import Any

from danvan_analysis.batch.formats.blocks import Block, Meta, Table, meta_of

#: Excel display format of each column kind (see the module docstring).
NUMBER_FORMATS = {
    "number": "#,##0.0",
    "percent": '0.0" %"',
    "fraction": "0.0 %",
    "count": "#,##0",
    "ratio": "0.00",
    "pvalue": "0.000",
    "date": "dd/mm/yyyy",
    "year": "0",
}
_MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@")

_WORDS = {
    "vi": {
        "about": "Thông tin",
        "report": "Báo cáo",
        "unit": "Đơn vị",
        "period": "Kỳ báo cáo",
        "whole_year": "Cả năm {year}",
        "date": "Ngày lập",
        "source": "Nguồn số liệu",
        "sheets": "Các bảng",
        "sheet": "Trang tính",
        "caption": "Nội dung",
        "table": "Bảng {n}",
        "table_title": "Bảng {n}. {caption}",
        "source_line": "Nguồn số liệu: {source}",
        "n_unweighted": "Số người trả lời (n, không trọng số)",
        "flag": "Có ô không công bố",
        "reason": "Lý do không công bố",
        "yes": "Có",
        "formats": (
            "Số được lưu dạng số, đủ chữ số; cách hiển thị dấu phân cách hàng nghìn và thập phân theo thiết lập "
            "ngôn ngữ của máy (tiếng Việt: 1.234,5). Ô để trống có ghi chú: số liệu không được công bố."
        ),
    },
    "en": {
        "about": "About",
        "report": "Report",
        "unit": "Unit",
        "period": "Period",
        "whole_year": "Full year {year}",
        "date": "Date",
        "source": "Data source",
        "sheets": "Tables",
        "sheet": "Sheet",
        "caption": "Content",
        "table": "Table {n}",
        "table_title": "Table {n}. {caption}",
        "source_line": "Data source: {source}",
        "n_unweighted": "Respondents (n, unweighted)",
        "flag": "Has a withheld cell",
        "reason": "Why withheld",
        "yes": "Yes",
        "formats": (
            "Numbers are stored as numbers at full precision; the thousands and decimal separators follow the "
            "computer's language settings. An empty cell with a comment: the figure is withheld."
        ),
    },
}

#: The datasets a table can come from, as the reader knows them.
SOURCES = {
    "survey": ("Khảo sát sự hài lòng của người dân", "Citizen satisfaction survey"),
    "scorecard": ("Kết quả các chỉ tiêu của Kế hoạch", "The plan's targets"),
    "dialogues": ("Báo cáo đối thoại trực tiếp", "Dialogue reports"),
    "religion": ("Báo cáo công tác tôn giáo", "Religious outreach reports"),
    "complaints": ("Báo cáo tiếp công dân, khiếu nại, tố cáo", "Citizen reception and complaint reports"),
    "boards": ("Báo cáo Ban Thanh tra nhân dân, Ban Giám sát đầu tư cộng đồng", "Inspection and supervision boards"),
    "plans": ("Báo cáo ban hành kế hoạch", "Plans issued"),
    "inspections": ("Báo cáo kiểm tra", "Inspection reports"),
    "submissions": ("Sổ theo dõi báo cáo gửi Sở Nội vụ", "Reports received by the Department of Home Affairs"),
    "communes": ("Số liệu báo cáo và khảo sát theo xã", "Report data and survey by commune"),
    "agencies": ("Số liệu báo cáo của các sở, ban, ngành", "Report data of the provincial agencies"),
    "indices": ("Các chỉ số công bố (PAR INDEX, PCI, SIPAS, PAPI)", "Published indices (PAR INDEX, PCI, SIPAS, PAPI)"),
    "validation": ("Kiểm tra dữ liệu", "Data validation"),
}


def write_xlsx(blocks: Sequence[Block]) -> bytes:
    """Return the Excel appendix (``.xlsx`` bytes) of a report's blocks; see the module docstring.

    The language, title and demo banner come from the report's :class:`~.blocks.Meta` block (Vietnamese and no
    banner when there is none).
    """
    from openpyxl import Workbook

    meta = meta_of(blocks)
    lang = meta.lang if meta is not None and meta.lang in _WORDS else "vi"
    words = _WORDS[lang]
    tables = [b for b in blocks if isinstance(b, Table)]
    book = Workbook()
    about = book.active
    about.title = words["about"]
    names = _sheet_names(tables, words, reserved={words["about"]})
    _write_about(about, meta, tables, names, words, lang)
    for number, (table, name) in enumerate(zip(tables, names, strict=True), start=1):
        _write_table(book.create_sheet(name), table, number, meta, words, lang)
    if meta is not None:
        book.properties.title = meta.title
        book.properties.creator = "danvan-analysis"
        created = dt.datetime.combine(dt.date.fromisoformat(meta.date), dt.time())
        book.properties.created = book.properties.modified = created
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unused sheet name from ``text``: at most 31 characters, none of ``[]:*?/\\``, unique ignoring case
    (Excel's rule), with `` (2)`` … added when needed."""
    base = _FORBIDDEN.sub(" ", text).strip().strip("'") or "Sheet"
    base = re.sub(r"\s+", " ", base)
    if len(base) > _MAX_SHEET_NAME:  # cut at a word boundary when one is not too far back
        cut = base[: _MAX_SHEET_NAME + 1].rfind(" ")
        base = base[: cut if cut >= _MAX_SHEET_NAME // 2 else _MAX_SHEET_NAME].rstrip(" ,;.-")
    name, index = base, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({index})"
        name = base[: _MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        index += 1
    taken.add(name)
    return name


# -- internals ----------------------------------------------------------------------------------------------------


def _sheet_names(tables: list[Table], words: dict[str, str], *, reserved: set[str]) -> list[str]:
    taken = set(reserved)
    return [sheet_name(f"{words['table'].format(n=n)} {_caption(t)}", taken) for n, t in enumerate(tables, start=1)]


def _caption(table: Table) -> str:
    return table.caption or table.heading or ""


def _source_label(source: str | None, lang: str) -> str:
    if source is None:
        return "–"
    pair = SOURCES.get(source)
    return pair[0 if lang == "vi" else 1] if pair else source


def _write_about(
    sheet: Any, meta: Meta | None, tables: list[Table], names: list[str], words: dict[str, str], lang: str
) -> None:
    from openpyxl.styles import Font

    row = _banner(sheet, meta, width=3)
    if meta is not None:
        period = meta.period_label or words["whole_year"].format(year=meta.year)
        if meta.period_label:
            period = f"{meta.period_label} {meta.year}"
        date = dt.date.fromisoformat(meta.date)
        facts: list[tuple[str, Any]] = [
            (words["report"], meta.title),
            (words["unit"], meta.unit_name),
            (words["period"], period),
            (words["date"], date),
            (words["source"], meta.source or "–"),
        ]
        for label, value in facts:
            _text(sheet.cell(row, 1), label).font = Font(bold=True)
            cell = sheet.cell(row, 2)
            if isinstance(value, dt.date):
                cell.value = value
                cell.number_format = NUMBER_FORMATS["date"]
            else:
                _text(cell, str(value))
            row += 1
        row += 1
    _text(sheet.cell(row, 1), words["formats"])
    row += 2
    _text(sheet.cell(row, 1), words["sheets"]).font = Font(bold=True)
    row += 1
    for column, label in enumerate((words["sheet"], words["caption"], words["source"]), start=1):
        _text(sheet.cell(row, column), label).font = Font(bold=True)
    for table, name in zip(tables, names, strict=True):
        row += 1
        _text(sheet.cell(row, 1), name)
        _text(sheet.cell(row, 2), _caption(table))
        _text(sheet.cell(row, 3), _source_label(table.source, lang))
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 45


def _banner(sheet: Any, meta: Meta | None, *, width: int) -> int:
    """Write the demo banner on row 1 when the report is made from demo data; return the next free row."""
    from openpyxl.styles import Alignment, Font, PatternFill

    if meta is None or not meta.demo:
        return 1
    cell = _text(sheet.cell(1, 1), meta.demo_text or "DỮ LIỆU MINH HỌA")
    cell.font = Font(bold=True, color="9C0006")
    cell.fill = PatternFill("solid", fgColor="FFEB9C")
    cell.alignment = Alignment(wrap_text=False)
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    return 2


def _write_table(sheet: Any, table: Table, number: int, meta: Meta | None, words: dict[str, str], lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    survey = table.source == "survey"
    labels = [words["n_unweighted"] if survey and column.key == "n" else column.label for column in table.columns]
    extra = [words["flag"], words["reason"]] if survey else []
    width = len(labels) + len(extra)
    row = _banner(sheet, meta, width=width)
    _text(sheet.cell(row, 1), words["table_title"].format(n=number, caption=_caption(table))).font = Font(
        bold=True, size=12
    )
    row += 1
    _text(sheet.cell(row, 1), words["source_line"].format(source=_source_label(table.source, lang)))
    row += 1
    header = row
    rule = Side(style="thin", color="808080")
    for column, label in enumerate([*labels, *extra], start=1):
        cell = _text(sheet.cell(header, column), label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = Border(bottom=rule)
    sheet.freeze_panes = sheet.cell(header + 1, 1)
    widths = [len(label) for label in [*labels, *extra]]
    for r, (values, shown, withheld) in enumerate(zip(table.rows, table.display, table.suppressed, strict=True)):
        row = header + 1 + r
        for c, (value, text, reason) in enumerate(zip(values, shown, withheld, strict=True)):
            cell = sheet.cell(row, c + 1)
            if reason:
                cell.comment = Comment(reason, "danvan-analysis")  # empty cell: the figure is withheld
            else:
                _value(cell, value, text, table.kind(r, c))
            widths[c] = max(widths[c], len(text))
        if survey:
            reasons = list(dict.fromkeys(x for x in withheld if x))
            if reasons:
                _text(sheet.cell(row, len(labels) + 1), words["yes"])
                _text(sheet.cell(row, len(labels) + 2), "; ".join(reasons))
                widths[-1] = max(widths[-1], len("; ".join(reasons)))
    from openpyxl.utils import get_column_letter

    for c, chars in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(chars + 2, 8), 60)
        if chars > 58:
            for r in range(header + 1, header + 1 + len(table.rows)):
                sheet.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")


def _value(cell: Any, value: Any, text: str, kind: str) -> None:
    """Write one cell: a number with its format, a date, or text (never a formula)."""
    if value is None:
        return  # missing: an empty cell (the report shows "–")
    if kind in NUMBER_FORMATS and kind != "date" and isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        cell.number_format = NUMBER_FORMATS[kind]
    elif kind == "date" and isinstance(value, str):
        cell.value = dt.date.fromisoformat(value)
        cell.number_format = NUMBER_FORMATS["date"]
    else:
        _text(cell, text)  # text, yes/no, a status: as the report shows it


def _text(cell: Any, value: str) -> Any:
    """Store ``value`` as text, whatever it looks like (see the module docstring)."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return cell
