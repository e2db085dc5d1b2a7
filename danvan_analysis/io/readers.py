"""Format readers: CSV (encoding and delimiter sniffed), Excel (.xlsx) and Parquet, each returning a :class:`Table`.

Every reader finds and maps the header (:mod:`danvan_analysis.io.headers`), reads only the contract's columns and
numbers the rows as the user sees them; :func:`read_table` picks the reader by the file's suffix.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import re
import warnings
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from danvan_analysis.errors import InputFileError, ParameterError
from danvan_analysis.io.headers import HEADER_SEARCH_ROWS, Header, PiiMode, locate_header, score_header
from danvan_analysis.schemas import RATING_VALUES, ColumnMeta, DatasetSpec, problem_table

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")


# -- reading: what every reader returns -----------------------------------------------------------------------------
@dataclass
class Table:
    """Cells of one file: ``raw`` has contract column names and the user's row numbers as index."""

    raw: pd.DataFrame
    label: str  # how problems name the file (an xlsx adds its sheet: "file.xlsx [Sheet1]")
    problems: list[pd.DataFrame] = field(default_factory=list)
    header: Header | None = None  # the mapped header (an export's mapping report and form sources)


def _drop_empty_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose every cell is empty (text readers only); row numbers of the others are kept."""
    if raw.empty or raw.shape[1] == 0:
        return raw
    # Cells are text here; a row of empty cells is blank (a row of spaces is kept and reported by the checks).
    # Column by column, stopping once no row can still be blank: usually after the first column.
    blank = np.ones(len(raw), dtype=bool)
    for j in range(raw.shape[1]):
        cells = raw.iloc[:, j]
        blank &= (cells.isna() | cells.eq("")).to_numpy(dtype=bool)
        if not blank.any():
            return raw
    return raw[~blank]


def _positions(header: Header, columns: Collection[str] | None) -> list[int]:
    """Positions of the header's columns to read: all, or those named in ``columns`` (an export's form fields are
    always read: they become contract columns only after the export is adapted)."""
    names = header.names
    if columns is None:
        return sorted(names)
    return sorted(p for p, name in names.items() if name in columns or p in header.sources)


# -- CSV ------------------------------------------------------------------------------------------------------------
def _detect_encoding(path: Path, encoding: str | None, *, file: str) -> str:
    """Return the encoding to read ``path`` with, after checking every byte decodes."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ParameterError(
                f"encoding={encoding!r} is not a known text encoding (try 'utf-8' or 'cp1258')."
            ) from None
        chosen = encoding
    elif head.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        chosen = "utf-16"
    else:
        chosen = "utf-8"
    if chosen in ("utf-8", "utf-8-sig") and _valid_utf8(path):
        return chosen
    # Other encodings, or a UTF-8 file with a bad byte: Python's decoder finds it and names it.
    decoder = codecs.getincrementaldecoder(chosen)(errors="strict")
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                where = offset + error.start
                line = _lines_before(path, where) + 1
                found = chunk[error.start : error.start + 4].hex(" ")
                raise InputFileError(
                    f"{file}: byte {where} (line {line}) cannot be decoded as {chosen} (bytes {found}). "
                    "Hint: the file is probably in an older Vietnamese encoding (Windows-1258, TCVN3, VNI); pass "
                    "encoding='cp1258' (or the right one), or re-save it from Excel as 'CSV UTF-8'."
                ) from error
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise InputFileError(
                f"{file}: the file ends in the middle of a character (byte {offset}, line "
                f"{_lines_before(path, offset) + 1}); it may be truncated or not {chosen}. Hint: pass encoding=… or "
                "re-save it as 'CSV UTF-8'."
            ) from error
    return chosen


def _valid_utf8(path: Path) -> bool:
    """Whether the whole file is valid UTF-8, checked by pyarrow on the memory-mapped file (no copy, no decoding:
    three times faster than Python's decoder, which is kept to name the bad byte when there is one)."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        data = source.read_buffer()
        offsets = pa.py_buffer(np.array([0, data.size], dtype=np.int64))
        try:
            pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, data]).validate(full=True)
        except pa.ArrowInvalid:
            return False
    return True


def _lines_before(path: Path, offset: int) -> int:
    """Line breaks in the first ``offset`` bytes of ``path`` (counted only when a message needs a line number)."""
    lines = 0
    with path.open("rb") as handle:
        while offset > 0 and (chunk := handle.read(min(offset, 1 << 22))):
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines


def _sniff_delimiter(line: str) -> str:
    """The most frequent of , ; and tab outside quotes in the header line (comma when tied)."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(
    path: Path,
    spec: DatasetSpec,
    *,
    encoding: str | None,
    pii: PiiMode,
    file: str,
    columns: Collection[str] | None = None,
    **mapping: Any,
) -> Table:
    chosen = _detect_encoding(path, encoding, file=file)
    with path.open(encoding=chosen, newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise InputFileError(f"{file}: the file has no header line (it is empty or starts with a blank line).")
        delimiter = _sniff_delimiter(first)
        handle.seek(0)
        top = [row for _, row in zip(range(HEADER_SEARCH_ROWS), csv.reader(handle, delimiter=delimiter), strict=False)]
    top = [[c.lstrip("\ufeff") if j == 0 else c for j, c in enumerate(row)] for row in top]
    index, header, problems = locate_header(top, spec, pii=pii, file=file, **mapping)
    width = len(top[index])
    names = header.names
    keep = _positions(header, columns)
    metas = {p: spec.column(header.columns[p]) for p in keep if p in header.columns}
    # Identifiers and decimals are (nearly) all distinct: read as plain text, not as dictionaries.
    ids = {p for p, meta in metas.items() if meta.kind in ("id", "float")}
    # Ratings and decimals are tried as numbers; an export's cells are adapted as text first (io.exports).
    numbers = (
        {p: meta for p, meta in metas.items() if meta.kind in ("rating", "float")} if header.mapping is None else {}
    )
    cells = _read_csv_arrow(path, chosen, delimiter, skip=index + 1, width=width, keep=keep, ids=ids, numbers=numbers)
    if cells is None:
        # Columns identifying people are left unread (usecols); pandas then ignores surplus cells instead of failing.
        usecols = keep if header.pii or columns is not None else None
        cells = _read_csv_pandas(path, chosen, delimiter, skip=index + 1, width=width, usecols=usecols, file=file)
        cells = cells[keep]
    cells = cells.set_axis([names[p] for p in keep], axis=1)
    cells.index = pd.RangeIndex(index + 2, index + 2 + len(cells))
    return Table(_drop_empty_rows(cells), file, problems, header)


def _read_csv_arrow(
    path: Path,
    encoding: str,
    delimiter: str,
    *,
    skip: int,
    width: int,
    keep: list[int],
    ids: set[int],
    numbers: Mapping[int, ColumnMeta] | None = None,
) -> pd.DataFrame | None:
    """Fast path: pyarrow's multi-threaded reader, columns as dictionaries (``ids``: as plain text; ``numbers``,
    ratings and decimals: as numbers when they can be); ``None`` if the file is irregular.

    Only the ``keep`` columns are converted (columns identifying people are never materialised). Blank lines are
    kept as empty rows so row numbers stay true; any parse error (e.g. a row with surplus cells) sends the file to
    the pandas reader, which reports the line.

    A column of ``numbers`` is read as numbers only when every cell holds a value its checks accept: a valid rating
    (:data:`RATING_VALUES`) or nothing; a finite decimal within the column's bounds, empty only where the column may
    be. Such a cell is never quoted in a problem table, and its number is the one the parser would read from its
    text ("05", " 5" → 5; decimals are parsed by the same library). Otherwise (a cell that is no number, such as
    "x", "+5", "NA" or "1,5", or a number a problem must quote as written, such as 6, "06" or "-2.0") the file is
    read again with those columns as text: bad files cost a second read, clean ones skip a dictionary per rating
    and the text of every decimal.
    """
    read = partial(_read_csv_arrow_once, path, encoding, delimiter, skip=skip, width=width, keep=keep, ids=ids)
    cells = read(numbers=numbers) if numbers else None
    return cells if cells is not None else read()


def _read_csv_arrow_once(
    path: Path,
    encoding: str,
    delimiter: str,
    *,
    skip: int,
    width: int,
    keep: list[int],
    ids: set[int],
    numbers: Mapping[int, ColumnMeta] | None = None,
) -> pd.DataFrame | None:
    """One read of :func:`_read_csv_arrow`: ``numbers`` as ``int8`` (ratings) or ``float64`` (``None`` when one
    holds a value its checks refuse)."""
    import pyarrow as pa
    import pyarrow.csv as pv

    numbers = numbers or {}
    names = [f"c{i}" for i in range(width)]
    text = pa.string()
    codes = pa.dictionary(pa.int32(), pa.string())
    typed = {p: pa.int8() if meta.kind == "rating" else pa.float64() for p, meta in numbers.items()}
    types = {names[p]: typed.get(p, text if p in ids else codes) for p in keep}
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(
                skip_rows=skip,
                column_names=names,
                encoding="utf8" if encoding.startswith("utf-8") else encoding,
                # 8 MiB blocks: 30 chunks per million survey rows instead of 220, whose dictionaries pandas must unify
                block_size=8 << 20,
            ),
            parse_options=pv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types=types,
                include_columns=[names[p] for p in keep],
                null_values=[""],  # for the numbers only: text columns keep their empty strings
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                # Every byte was checked before (_detect_encoding), or decoded by Python's codec: no second pass.
                check_utf8=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
        return None
    if not all(_accepted(table.column(names[p]), meta) for p, meta in numbers.items()):
        return None
    # Ratings as the parser's Int8 (pandas would make floats of integers with gaps).
    return _to_pandas(table, types_mapper={pa.int8(): pd.Int8Dtype()}.get).set_axis(keep, axis=1)


def _accepted(column: Any, meta: ColumnMeta) -> bool:
    """Whether every cell of a column read as numbers passes ``meta``'s checks (see :func:`_read_csv_arrow`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if meta.kind == "rating":
        ok = pc.is_in(column, value_set=pa.array(RATING_VALUES, type=pa.int8()))
    else:
        ok = pc.is_finite(column)
        for bound, compare in ((meta.gt, pc.greater), (meta.ge, pc.greater_equal), (meta.le, pc.less_equal)):
            if bound is not None:
                ok = pc.and_kleene(ok, compare(column, bound))
    empty = meta.kind == "rating" or meta.nullable
    ok = pc.or_kleene(ok, pc.is_null(column)) if empty else pc.fill_null(ok, False)
    return pc.all(ok).as_py() is not False


def _to_pandas(table: Any, types_mapper: Any = None) -> pd.DataFrame:
    """A pyarrow table as a pandas frame, **emptying the table**: each column's Arrow memory is let go once it is
    converted, so the conversion needs the frame's memory plus one column's, not the table's and the frame's."""
    return table.to_pandas(split_blocks=True, self_destruct=True, types_mapper=types_mapper)


def _read_csv_pandas(
    path: Path, encoding: str, delimiter: str, *, skip: int, width: int, usecols: list[int] | None, file: str
) -> pd.DataFrame:
    """Careful path: pandas' reader, which names the line of a row with more cells than the header."""
    try:
        cells = pd.read_csv(
            path,
            encoding=encoding,
            sep=delimiter,
            header=None,
            names=range(width),
            usecols=usecols,
            skiprows=skip,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+), saw (\d+)", str(error))
        where = f"line {found[1]} has {found[2]} cells" if found else f"a row has more cells ({error})"
        raise InputFileError(
            f"{file}: {where} but the header has {width}: more cells than the header. Hint: a value containing the "
            f"delimiter {delimiter!r} must be in double quotes (e.g. a decimal comma, a list of names)."
        ) from error
    except pd.errors.EmptyDataError:
        cells = pd.DataFrame(columns=range(width), dtype="str")
    return cells


# -- Excel ----------------------------------------------------------------------------------------------------------
def _open_workbook(path: Path, *, data_only: bool, file: str) -> Any:
    """Open a workbook in openpyxl's read-only (streaming) mode; close it after use."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validations and styles it does not keep; we only read values.
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise InputFileError(
            f"{file}: not a readable .xlsx workbook ({type(error).__name__}: {error}). Hint: open it in Excel and "
            "save it again as 'Excel Workbook (.xlsx)'."
        ) from error


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_xml(path: Path, title: str) -> bytes | None:
    """The XML of sheet ``title``, found through the package: workbook.xml maps the sheet name to a relationship,
    whose target is the sheet's XML. ``None`` on any surprise in the package (strict OOXML, unusual paths)."""
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            sheet = next(s for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == title)
            rel = next(r for r in rels.iter(f"{_PACKAGE_NS}Relationship") if r.get("Id") == sheet.get(f"{_REL_NS}id"))
            target = rel.get("Target", "")
            return archive.read(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    except (KeyError, StopIteration, ElementTree.ParseError, zipfile.BadZipFile):
        return None


def _merged_ranges(xml: bytes | None) -> list[tuple[int, int, int, int]]:
    """Merged cells of a sheet's XML as (min_col, min_row, max_col, max_row).

    openpyxl's read-only mode does not expose merged cells, so they are looked up in the sheet's XML; without it
    (see :func:`_sheet_xml`) merged headers are read as their top-left cells only.
    """
    from openpyxl.utils.cell import range_boundaries

    if xml is None or b"mergeCell" not in xml:  # a literal search first: the pattern alone scans slowly
        return []
    refs = re.findall(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml)
    return [range_boundaries(ref.decode("ascii")) for ref in refs]  # type: ignore[misc]


#: Marks in a sheet's XML of what calamine reads differently from openpyxl (formula mode): a formula element (``<f>``;
#: openpyxl gives its text, calamine the saved value), an error cell (openpyxl gives "#DIV/0!", calamine an empty
#: cell) and an ISO date cell. Each pattern starts with a literal, which ``re`` finds at memory speed (an alternation
#: of the three would scan ten times slower); a false alarm only costs speed.
_NOT_PLAIN = (re.compile(rb"<f[\s>/]"), re.compile(rb":f[\s>/]"), re.compile(rb"""t=["'][ed]["']"""))


def _plain(xml: bytes | None) -> bool:
    """Whether calamine reads this sheet's values as openpyxl does (see :data:`_NOT_PLAIN`)."""
    return xml is not None and not any(mark.search(xml) for mark in _NOT_PLAIN)


def _top_rows(sheet: Any, merged: list[tuple[int, int, int, int]]) -> list[list[object]]:
    """The first rows of a sheet, with merged header cells filled with their value in every merged position."""
    sheet.reset_dimensions()
    rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True)]
    for min_col, min_row, max_col, max_row in merged:
        if min_row > len(rows) or min_col > len(rows[min_row - 1]):
            continue
        value = rows[min_row - 1][min_col - 1]
        for r in range(min_row, min(max_row, len(rows)) + 1):
            for c in range(min_col, min(max_col, len(rows[r - 1])) + 1):
                rows[r - 1][c - 1] = value
    return rows


def _pick_sheet(
    book: Any, spec: DatasetSpec, sheet: str | None, path: Path, *, file: str
) -> tuple[Any, list, bytes | None]:
    """The sheet to read (named, or the visible one whose header names most columns), its first rows and its XML."""
    names = book.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(f"{file}: no sheet is called {sheet!r}; the sheets are: {', '.join(names)}.")
        chosen = book[sheet]
        xml = _sheet_xml(path, sheet)
        return chosen, _top_rows(chosen, _merged_ranges(xml)), xml
    visible = [book[n] for n in names if getattr(book[n], "sheet_state", "visible") == "visible"]
    visible = [s for s in visible if hasattr(s, "iter_rows")]  # not chart sheets
    if not visible:
        raise InputFileError(f"{file}: the workbook has no visible worksheet.")
    xmls = [_sheet_xml(path, s.title) for s in visible]
    tops = [_top_rows(s, _merged_ranges(xml)) for s, xml in zip(visible, xmls, strict=True)]
    scores = [max((score_header(r, spec) for r in top), default=0) for top in tops]
    best = int(np.argmax(scores))
    return visible[best], tops[best], xmls[best]


def _read_xlsx(
    path: Path,
    spec: DatasetSpec,
    *,
    sheet: str | None,
    pii: PiiMode,
    file: str,
    columns: Collection[str] | None = None,
    **mapping: Any,
) -> Table:
    """Read a workbook: the sheet, its header and its problems through openpyxl, the data rows through calamine.

    openpyxl (streaming, formula mode) picks the sheet and reads the first rows, so sheet choice, header location
    and every message are those of the one reader; calamine reads the data rows ten times faster. A sheet whose
    XML holds anything the two read differently (:data:`_NOT_PLAIN`: formulas, error cells) is read by openpyxl
    alone, which keeps the formula rules below.
    """
    book = _open_workbook(path, data_only=False, file=file)
    try:
        ws, top, xml = _pick_sheet(book, spec, sheet, path, file=file)
        ws.reset_dimensions()  # a wrong <dimension> (some exporters write "A1") must not truncate the rows read
        label = f"{file} [{ws.title}]"
        if not any(c not in (None, "") for r in top for c in r):
            raise InputFileError(f"{label}: the sheet is empty (no header row found).")
        index, header, problems = locate_header(top, spec, pii=pii, file=label, **mapping)
        names = header.names
        positions = _positions(header, columns)
        first_row = index + 2
        columns = [names[p] for p in positions]
        cells = _calamine_cells(path, ws.title, first_row, positions, columns) if _plain(xml) else None
        if cells is not None:
            return Table(_drop_empty_rows(cells), label, problems, header)
        records = [
            [_cell_text(row[p]) if p < len(row) else "" for p in positions]
            for row in ws.iter_rows(min_row=first_row, max_col=max(positions, default=0) + 1, values_only=True)
        ]
    finally:
        book.close()
    # Formulas arrive as their text ("=SUM(…)"). In text columns the parser refuses them (formula injection); in
    # other columns the value Excel saved with the formula is read instead.
    computed = [
        j for j, c in enumerate(columns) if c in spec.column_names and spec.column(c).kind not in ("id", "text")
    ]
    formulas = [(r, j) for r, record in enumerate(records) for j in computed if record[j].startswith("=")]
    if formulas:
        problems += _formula_values(path, ws.title, records, formulas, (columns, positions), first_row, file=label)
    cells = pd.DataFrame(
        records, columns=columns, dtype="str", index=pd.RangeIndex(first_row, first_row + len(records))
    )
    return Table(_drop_empty_rows(cells), label, problems, header)


def _calamine_cells(
    path: Path, title: str, first_row: int, positions: list[int], columns: list[str]
) -> pd.DataFrame | None:
    """The text of the data rows (from ``first_row``, Excel numbering) in the ``positions`` columns, read by calamine.

    ``None`` when calamine cannot read the sheet (the caller then reads it with openpyxl). Cells become the text
    :func:`_cell_text` gives openpyxl's values: calamine gives every number as a float and a date without time of
    day as a ``date``, which that function writes as openpyxl's ``int`` and ``datetime`` would be. Known remaining
    differences: an integer of more than 15 digits stored without exponent (calamine rounds it to a float; Excel
    never writes one), a time of day finer than a millisecond, and an unusual custom number format that only one of
    the two reads as a date.
    """
    try:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(path)) as book:
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except Exception:  # any failure of the fast reader: openpyxl, which opened this workbook, reads it
        return None
    body = rows[first_row - 1 :]
    by_column = list(itertools.zip_longest(*body, fillvalue=""))
    empty = [""] * len(body)
    data = {
        name: _column_text(list(by_column[p]) if p < len(by_column) else empty)
        for name, p in zip(columns, positions, strict=True)
    }
    index = pd.RangeIndex(first_row, first_row + len(body))
    return pd.DataFrame(data, index=index, columns=columns, dtype="str")


def _column_text(values: list[object]) -> list[object] | np.ndarray:
    """:func:`_cell_text` of a column of calamine values; numbers are written vectorised."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return values
    if not kinds <= {str, float}:
        return [_cell_text(v) for v in values]
    text = np.array(values, dtype=object)
    number = np.fromiter(map(isinstance, values, itertools.repeat(float)), dtype=bool, count=len(values))
    floats = text[number].astype("float64")
    # Whole numbers as integers ("5431", not "5431.0"); the rest (fractions, huge or not finite) one by one.
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(floats) & (floats % 1 == 0) & (np.abs(floats) < 2.0**63)
    written = np.empty(len(floats), dtype=object)
    written[whole] = list(map(str, floats[whole].astype("int64").tolist()))
    written[~whole] = [_cell_text(float(v)) for v in floats[~whole]]
    text[number] = written
    return text


def _cell_text(value: object) -> str:
    """Text of an Excel cell value as the user sees it (integral floats without '.0', dates as ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, (str, int)):
        return "=" + str(getattr(value, "text", "") or "")  # array and data-table formula objects
    return str(value)


def _formula_values(
    path: Path,
    title: str,
    records: list[list[str]],
    formulas: list[tuple[int, int]],
    header: tuple[list[str], list[int]],
    first_row: int,
    *,
    file: str,
) -> list[pd.DataFrame]:
    """Replace formulas in number/code columns by the value Excel saved with them; report formulas without one."""
    columns, positions = header
    book = _open_workbook(path, data_only=True, file=file)
    try:
        sheet = book[title]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=first_row, max_row=first_row + len(records) - 1, values_only=True)
        values = [list(r) for r in rows]
    finally:
        book.close()
    problems = []
    for r, j in formulas:
        row = values[r] if r < len(values) else []
        cached = row[positions[j]] if positions[j] < len(row) else None
        if cached is None:
            expected = (
                "a value (the formula has no saved result: open the file in Excel and save it, or type the value)"
            )
            problems.append(problem_table([first_row + r], columns[j], [records[r][j]], expected, "formula", file=file))
            records[r][j] = ""
        else:
            records[r][j] = _cell_text(cached)
    return problems


# -- Parquet --------------------------------------------------------------------------------------------------------
_PARQUET_GROUP = 8  # columns read and converted together (fewer: slower; more: a larger Arrow table at once)


def _read_parquet(
    path: Path, spec: DatasetSpec, *, pii: PiiMode, file: str, columns: Collection[str] | None = None, **mapping: Any
) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"{file}: not a readable Parquet file ({error}).") from error
    names = schema.names
    # The schema's field names are the header: one row, with nothing above it.
    _, header, problems = locate_header([names], spec, pii=pii, file=file, **mapping)
    targets = header.names
    positions = _positions(header, columns)
    # Text columns other than identifiers are read as dictionaries (pandas categoricals): the parser then works on
    # the few distinct values without hashing a million strings.
    dictionary = [
        names[p]
        for p in positions
        if (p in header.sources or spec.column(header.columns[p]).kind != "id")
        and (pa.types.is_string(schema.field(p).type) or pa.types.is_large_string(schema.field(p).type))
    ]
    # A few columns at a time, each group converted before the next is read and its Arrow memory handed back (pyarrow's
    # pool keeps what it freed, which NumPy cannot reuse): the read needs the frame's memory and one group's, not the
    # whole Arrow table's too. At a million survey rows: peak 300 MiB instead of 450, and no slower.
    read = [names[p] for p in positions]
    parts: dict[str, pd.Series] = {}
    with pq.ParquetFile(path, read_dictionary=dictionary) as source:
        for start in range(0, len(read), _PARQUET_GROUP):
            parts.update(_to_pandas(source.read(columns=read[start : start + _PARQUET_GROUP])).items())
            pa.default_memory_pool().release_unused()
        rows = source.metadata.num_rows
    cells = pd.DataFrame(parts, index=pd.RangeIndex(rows), columns=read, copy=False).set_axis(
        [targets[p] for p in positions], axis=1
    )
    cells.index = pd.RangeIndex(2, 2 + rows)
    return Table(cells, file, problems, header)


# -- any file: the reader by suffix ---------------------------------------------------------------------------------
def read_table(
    path: Path,
    spec: DatasetSpec,
    *,
    sheet: str | None,
    encoding: str | None,
    pii: PiiMode,
    rename: Mapping[str, str] | None = None,
    optional: Sequence[str] = (),
    columns: Collection[str] | None = None,
) -> Table:
    """Read one file with the reader of its suffix; ``rename`` and ``optional`` go to the header mapping.

    ``columns``: read only these contract columns (the header is still located and mapped in full, so a missing
    required column or a column identifying people is reported as before); ``None`` reads every column.
    """
    file = str(path)
    mapping: dict[str, Any] = {"rename": rename, "optional": optional, "columns": columns}
    if not path.exists():
        near = sorted(p.name for p in path.parent.glob(f"{path.stem[:3]}*")) if path.parent.is_dir() else []
        hint = f" Files with a similar name: {', '.join(near[:5])}." if near else ""
        raise InputFileError(f"{file}: no such file.{hint}")
    if not path.is_file():
        raise InputFileError(f"{file}: is a folder, not a file.")
    if path.stat().st_size == 0:
        raise InputFileError(f"{file}: the file is empty (0 bytes). Hint: export the data again.")
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in EXCEL_SUFFIXES:
        raise ParameterError(f"sheet={sheet!r} applies to .xlsx files only, not to {file}.")
    if encoding is not None and suffix not in CSV_SUFFIXES:
        raise ParameterError(f"encoding={encoding!r} applies to CSV files only, not to {file}.")
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, spec, encoding=encoding, pii=pii, file=file, **mapping)
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(path, spec, sheet=sheet, pii=pii, file=file, **mapping)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, spec, pii=pii, file=file, **mapping)
    if suffix == ".xls":
        raise InputFileError(f"{file}: the old Excel 97–2003 format (.xls) is not read. Hint: save it as .xlsx.")
    known = ", ".join(CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES)
    raise InputFileError(f"{file}: unknown file type {suffix!r}; expected one of {known}.")
