"""Reading the datasets: CSV, Excel (.xlsx) and Parquet files, checked against their contract at the boundary.

Flow of :func:`load_dataset` (every other loader is a thin wrapper)::

    read header → map header cells to contract columns (name, Vietnamese or English label, alias; by ``fold``)
                → privacy guard (survey) → read cells as text (CSV, xlsx) or typed (Parquet)
                → parse to contract dtypes (schemas._parse) → check lazily with pandera + rules (schemas._check)
                → one SchemaError listing every problem, or the frame (+ a DataWarning for repairs)

Design choices
--------------
* **Rows are the user's rows.** The frame handed to the checks is indexed by the row number the user sees: header
  = row 1, first data row = row 2 in a CSV; the actual sheet row in an xlsx (a title above the header shifts it);
  position + 2 in Parquet, as in a CSV export. Completely empty rows are skipped (they hold no data) without
  renumbering the rest. No other row is ever dropped.
* **Text first.** CSV and xlsx cells are read as text (``dtype=str``) so codes keep their zeros; Parquet columns
  keep their types and are parsed the same way. Every text cell and header is NFC-normalised.
* **Lenient where it is safe, loud always.** A code that lost its leading zeros, a unit name instead of a code, an
  unknown extra column, a title row above the header: loaded, and reported as warnings. Everything else is an
  error, and all errors of a file come in one :class:`~danvan_analysis.errors.SchemaError` (``err.problems``).
* **Formula injection.** A text cell that a spreadsheet would run as a formula (``=HYPERLINK(…)``) is an error;
  :func:`write_problems` neutralises such values when it writes them back out (OWASP, "CSV injection").
* **Privacy.** A survey file with columns identifying people (name, phone, ID card, e-mail, address) is refused
  with :class:`~danvan_analysis.errors.PrivacyError`, unless ``drop_pii=True``, which drops them right after the
  header is read (CSV and Parquet never load their values; in xlsx openpyxl reads the sheet, the values are
  discarded at once).
* **Input files are never written.** Workbooks are opened in openpyxl's read-only mode (nothing is saved). That
  mode streams cells but openpyxl stays the bottleneck (about 1 s per 30,000 cells): Excel is for report-size
  files; send large surveys as CSV or Parquet.
* **Missing files in a bundle** (:func:`load_bundle`): every requested dataset must have a file in the latest
  year folder (the reporting year), else :class:`~danvan_analysis.errors.InputFileError` lists what was expected;
  in earlier years a missing file is a warning and the dataset simply has no rows for that year (trends use what
  exists). ``indices`` defaults to the shipped ``danvan_analysis/data/published_indices.csv``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from danvan_analysis._text import fold, nfc
from danvan_analysis.errors import DataWarning, InputFileError, ParameterError, PrivacyError, SchemaError
from danvan_analysis.paths import package_data
from danvan_analysis.schemas import DATASETS, DatasetSpec, describe_warnings, get_spec
from danvan_analysis.schemas._base import PROBLEM_COLUMNS, duplicated_rows
from danvan_analysis.schemas._check import check_frame, combine_problems, describe_problems
from danvan_analysis.schemas._parse import parse_frame, problem_table

__all__ = [
    "DataBundle",
    "load_boards",
    "load_bundle",
    "load_complaints",
    "load_dataset",
    "load_dialogues",
    "load_indices",
    "load_inspections",
    "load_plans",
    "load_religion",
    "load_submissions",
    "load_survey",
    "validate_file",
    "write_problems",
]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
#: When a year folder holds several files of one dataset, the first suffix found in this order is read.
SUFFIX_PREFERENCE = (".parquet", ".xlsx", ".csv")
#: How many rows at the top of a sheet may hold a title or group headings above the real header.
HEADER_SEARCH_ROWS = 10

#: Folded header texts that identify people, by what they hold (survey privacy guard).
PII_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "name",
        re.compile(r"^(ho va ten|ho ten|ho va ten nguoi tra loi|ten|full name|name|respondent name|ten nguoi.*)$"),
    ),
    ("name", re.compile(r"\b(ho va ten|ho ten)\b")),
    ("phone", re.compile(r"\b(dien thoai|so dt|sdt|phone|mobile|telephone|tel|zalo)\b")),
    (
        "ID number",
        re.compile(r"\b(cccd|cmnd|cmt|can cuoc|chung minh|so dinh danh|id number|national id|passport|ho chieu)\b"),
    ),
    ("e-mail", re.compile(r"\b(e ?mail|thu dien tu)\b")),
    ("address", re.compile(r"\b(dia chi|address|so nha|noi o|cho o hien nay)\b")),
)

PiiMode = Literal["raise", "drop", "report"]


# -- reading: what every reader returns -----------------------------------------------------------------------------
@dataclass
class _Table:
    """Cells of one file: ``raw`` has contract column names and the user's row numbers as index."""

    raw: pd.DataFrame
    label: str  # how problems name the file (an xlsx adds its sheet: "file.xlsx [Sheet1]")
    problems: list[pd.DataFrame] = field(default_factory=list)


@dataclass
class _Header:
    """How the header cells map to contract columns."""

    row: int  # the header's row number as the user sees it
    columns: dict[int, str]  # position → contract column
    pii: dict[int, tuple[str, str]]  # position → (header text, what it holds) of a column identifying people
    problems: list[pd.DataFrame]


def _score_header(cells: Sequence[object], spec: DatasetSpec) -> int:
    aliases = spec.header_aliases
    return sum(1 for c in cells if c is not None and fold(nfc(str(c))) in aliases)


def _find_header(rows: Sequence[Sequence[object]], spec: DatasetSpec) -> int:
    """Index of the row (among the first few) that names the most contract columns; 0 when none does."""
    scores = [_score_header(r, spec) for r in rows[:HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


def _pii_kind(text: str) -> str | None:
    key = fold(text)
    return next((kind for kind, pattern in PII_PATTERNS if pattern.search(key)), None)


def _map_header(cells: Sequence[object], spec: DatasetSpec, *, row: int, file: str) -> _Header:
    """Map header cells to contract columns; report duplicates, unknown columns and missing required columns."""
    columns: dict[int, str] = {}
    pii: dict[int, tuple[str, str]] = {}
    problems: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    for position, cell in enumerate(cells):
        text = nfc(str(cell)) if cell is not None else ""
        if not text or text.startswith("__index_level_"):
            continue
        name = spec.header_aliases.get(fold(text))
        if name is None:
            kind = _pii_kind(text) if spec.name == "survey" else None
            if kind is not None:
                pii[position] = (text, kind)
                continue
            problems.append(
                problem_table(
                    [row],
                    text,
                    [text],
                    f"a column of the {spec.name} contract (this one is ignored)",
                    "extra_column",
                    severity="warning",
                    file=file,
                )
            )
        elif name in seen:
            expected = f"one column {name} ({spec.column(name).vi}); '{seen[name]}' already is"
            problems.append(problem_table([row], name, [text], expected, "duplicate_column", file=file))
        else:
            seen[name] = text
            columns[position] = name
    for name in spec.required_columns:
        if name not in seen:
            meta = spec.column(name)
            expected = f"a column {name} (header '{meta.vi}', '{meta.en}' or '{name}')"
            problems.append(problem_table([row], name, [""], expected, "missing_column", file=file))
    return _Header(row=row, columns=columns, pii=pii, problems=problems)


def _locate_header(
    top: Sequence[Sequence[object]], spec: DatasetSpec, *, pii: PiiMode, file: str
) -> tuple[int, _Header, list[pd.DataFrame]]:
    """Find the header among the ``top`` rows and map it; return its index, the mapping and the problems found.

    The problems are the header's own (unknown, duplicate, missing columns), the privacy guard's and a warning for
    title rows skipped above the header.
    """
    index = _find_header(top, spec)
    header = _map_header(top[index], spec, row=index + 1, file=file)
    problems = header.problems + _privacy(header, pii, file=file) + _ignored_rows(top[:index], file=file)
    return index, header, problems


def _privacy(header: _Header, mode: PiiMode, *, file: str) -> list[pd.DataFrame]:
    """Apply the privacy guard to the header's personal-data columns."""
    if not header.pii:
        return []
    listed = "; ".join(f"'{text}' ({kind})" for text, kind in header.pii.values())
    if mode == "raise":
        raise PrivacyError(
            f"{file}: the header (row {header.row}) has columns that identify people: {listed}. They must not enter the analysis. "
            "Hint: delete these columns from the file, or load with drop_pii=True to drop them as the file is "
            "read (their values are never used)."
        )
    if mode == "report":
        severity, check, expected = "error", "personal_data", "no column identifying people ({kind})"
    else:
        severity, check, expected = "warning", "personal_data_dropped", "no column identifying people ({kind}): dropped"
    return [
        problem_table([header.row], text, [text], expected.format(kind=kind), check, severity=severity, file=file)
        for text, kind in header.pii.values()
    ]


def _drop_empty_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose every cell is empty (text readers only); row numbers of the others are kept."""
    if raw.empty or raw.shape[1] == 0:
        return raw
    # Cells are text here; a row of empty cells is blank (a row of spaces is kept and reported by the checks).
    blank = (raw.isna() | raw.eq("")).all(axis=1).to_numpy()
    return raw[~blank]


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
    decoder = codecs.getincrementaldecoder(chosen)(errors="strict")
    offset = lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                where = offset + error.start
                line = lines + chunk[: error.start].count(b"\n") + 1
                found = chunk[error.start : error.start + 4].hex(" ")
                raise InputFileError(
                    f"{file}: byte {where} (line {line}) cannot be decoded as {chosen} (bytes {found}). "
                    "Hint: the file is probably in an older Vietnamese encoding (Windows-1258, TCVN3, VNI); pass "
                    "encoding='cp1258' (or the right one), or re-save it from Excel as 'CSV UTF-8'."
                ) from error
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise InputFileError(
                f"{file}: the file ends in the middle of a character (byte {offset}, line {lines + 1}); it may be "
                f"truncated or not {chosen}. Hint: pass encoding=… or re-save it as 'CSV UTF-8'."
            ) from error
    return chosen


def _sniff_delimiter(line: str) -> str:
    """The most frequent of , ; and tab outside quotes in the header line (comma when tied)."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, spec: DatasetSpec, *, encoding: str | None, pii: PiiMode, file: str) -> _Table:
    chosen = _detect_encoding(path, encoding, file=file)
    with path.open(encoding=chosen, newline="") as handle:
        first = handle.readline()
        if not first.strip():
            raise InputFileError(f"{file}: the file has no header line (it is empty or starts with a blank line).")
        delimiter = _sniff_delimiter(first)
        handle.seek(0)
        top = [row for _, row in zip(range(HEADER_SEARCH_ROWS), csv.reader(handle, delimiter=delimiter), strict=False)]
    top = [[c.lstrip("\ufeff") if j == 0 else c for j, c in enumerate(row)] for row in top]
    index, header, problems = _locate_header(top, spec, pii=pii, file=file)
    width = len(top[index])
    keep = sorted(header.columns)
    ids = {p for p in keep if spec.column(header.columns[p]).kind == "id"}
    cells = _read_csv_arrow(path, chosen, delimiter, skip=index + 1, width=width, keep=keep, ids=ids)
    if cells is None:
        # Columns identifying people are left unread (usecols); pandas then ignores surplus cells instead of failing.
        usecols = keep if header.pii else None
        cells = _read_csv_pandas(path, chosen, delimiter, skip=index + 1, width=width, usecols=usecols, file=file)
        cells = cells[keep]
    cells = cells.set_axis([header.columns[p] for p in keep], axis=1)
    cells.index = pd.RangeIndex(index + 2, index + 2 + len(cells))
    return _Table(_drop_empty_rows(cells), file, problems)


def _read_csv_arrow(
    path: Path, encoding: str, delimiter: str, *, skip: int, width: int, keep: list[int], ids: set[int]
) -> pd.DataFrame | None:
    """Fast path: pyarrow's multi-threaded reader, text columns as dictionaries; ``None`` if the file is irregular.

    Only the ``keep`` columns are converted (columns identifying people are never materialised). Blank lines are
    kept as empty rows so row numbers stay true; any parse error (e.g. a row with surplus cells) sends the file to
    the pandas reader, which reports the line.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    names = [f"c{i}" for i in range(width)]
    text = pa.string()
    codes = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(
                skip_rows=skip, column_names=names, encoding="utf8" if encoding.startswith("utf-8") else encoding
            ),
            parse_options=pv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pv.ConvertOptions(
                column_types={names[p]: text if p in ids else codes for p in keep},
                include_columns=[names[p] for p in keep],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
        return None
    return table.to_pandas().set_axis(keep, axis=1)


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


def _ignored_rows(rows: Sequence[Sequence[object]], *, file: str) -> list[pd.DataFrame]:
    """A warning for the title or group rows found above the header (``rows`` = the rows above it)."""
    used = [i + 1 for i, r in enumerate(rows) if any(c not in (None, "") for c in r)]
    if not used:
        return []
    seen = dict.fromkeys(str(c) for r in rows for c in r if c not in (None, ""))
    text = " | ".join(seen)
    text = text if len(text) <= 120 else text[:119] + "…"
    above = "row 1" if len(rows) == 1 else f"rows 1–{len(rows)}"
    expected = f"the header on row 1; the header was found on row {len(rows) + 1} and {above} above it were skipped"
    return [problem_table([used[0]], "", [text], expected, "header_row", severity="warning", file=file)]


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


def _merged_ranges(path: Path, title: str) -> list[tuple[int, int, int, int]]:
    """Merged cells of sheet ``title`` as (min_col, min_row, max_col, max_row), read from the workbook's XML.

    openpyxl's read-only mode does not expose merged cells, so they are looked up in the package: workbook.xml maps
    the sheet name to a relationship, whose target is the sheet's XML. Any surprise in the package (strict OOXML,
    unusual paths) yields no ranges: merged headers are then read as their top-left cells only.
    """
    from xml.etree import ElementTree

    from openpyxl.utils.cell import range_boundaries

    try:
        with zipfile.ZipFile(path) as archive:
            workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            sheet = next(s for s in workbook.iter(f"{_MAIN_NS}sheet") if s.get("name") == title)
            rel = next(r for r in rels.iter(f"{_PACKAGE_NS}Relationship") if r.get("Id") == sheet.get(f"{_REL_NS}id"))
            target = rel.get("Target", "")
            xml = archive.read(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    except (KeyError, StopIteration, ElementTree.ParseError, zipfile.BadZipFile):
        return []
    refs = re.findall(rb'<(?:\w+:)?mergeCell ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml)
    return [range_boundaries(ref.decode("ascii")) for ref in refs]  # type: ignore[misc]


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


def _pick_sheet(book: Any, spec: DatasetSpec, sheet: str | None, path: Path, *, file: str) -> tuple[Any, list]:
    """The sheet to read (named, or the visible one whose header names most columns) and its first rows."""
    names = book.sheetnames
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(f"{file}: no sheet is called {sheet!r}; the sheets are: {', '.join(names)}.")
        chosen = book[sheet]
        return chosen, _top_rows(chosen, _merged_ranges(path, sheet))
    visible = [book[n] for n in names if getattr(book[n], "sheet_state", "visible") == "visible"]
    visible = [s for s in visible if hasattr(s, "iter_rows")]  # not chart sheets
    if not visible:
        raise InputFileError(f"{file}: the workbook has no visible worksheet.")
    tops = [_top_rows(s, _merged_ranges(path, s.title)) for s in visible]
    scores = [max((_score_header(r, spec) for r in top), default=0) for top in tops]
    best = int(np.argmax(scores))
    return visible[best], tops[best]


def _read_xlsx(path: Path, spec: DatasetSpec, *, sheet: str | None, pii: PiiMode, file: str) -> _Table:
    book = _open_workbook(path, data_only=False, file=file)
    try:
        ws, top = _pick_sheet(book, spec, sheet, path, file=file)
        ws.reset_dimensions()  # a wrong <dimension> (some exporters write "A1") must not truncate the rows read
        label = f"{file} [{ws.title}]"
        if not any(c not in (None, "") for r in top for c in r):
            raise InputFileError(f"{label}: the sheet is empty (no header row found).")
        index, header, problems = _locate_header(top, spec, pii=pii, file=label)
        positions = sorted(header.columns)
        first_row = index + 2
        records = [
            [_cell_text(row[p]) if p < len(row) else "" for p in positions]
            for row in ws.iter_rows(min_row=first_row, max_col=max(positions, default=0) + 1, values_only=True)
        ]
    finally:
        book.close()
    columns = [header.columns[p] for p in positions]
    # Formulas arrive as their text ("=SUM(…)"). In text columns the parser refuses them (formula injection); in
    # other columns the value Excel saved with the formula is read instead.
    computed = [j for j, c in enumerate(columns) if spec.column(c).kind not in ("id", "text")]
    formulas = [(r, j) for r, record in enumerate(records) for j in computed if record[j].startswith("=")]
    if formulas:
        problems += _formula_values(path, ws.title, records, formulas, (columns, positions), first_row, file=label)
    cells = pd.DataFrame(
        records, columns=columns, dtype="str", index=pd.RangeIndex(first_row, first_row + len(records))
    )
    return _Table(_drop_empty_rows(cells), label, problems)


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
def _read_parquet(path: Path, spec: DatasetSpec, *, pii: PiiMode, file: str) -> _Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"{file}: not a readable Parquet file ({error}).") from error
    names = schema.names
    # The schema's field names are the header: one row, with nothing above it.
    _, header, problems = _locate_header([names], spec, pii=pii, file=file)
    positions = sorted(header.columns)
    # Text columns other than identifiers are read as dictionaries (pandas categoricals): the parser then works on
    # the few distinct values without hashing a million strings.
    dictionary = [
        names[p]
        for p in positions
        if spec.column(header.columns[p]).kind != "id"
        and (pa.types.is_string(schema.field(p).type) or pa.types.is_large_string(schema.field(p).type))
    ]
    table = pq.read_table(path, columns=[names[p] for p in positions], read_dictionary=dictionary)
    cells = table.to_pandas().set_axis([header.columns[p] for p in positions], axis=1)
    cells.index = pd.RangeIndex(2, 2 + len(cells))
    return _Table(cells, file, problems)


# -- loading one file -----------------------------------------------------------------------------------------------
def _read(path: Path, spec: DatasetSpec, *, sheet: str | None, encoding: str | None, pii: PiiMode) -> _Table:
    file = str(path)
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
        return _read_csv(path, spec, encoding=encoding, pii=pii, file=file)
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(path, spec, sheet=sheet, pii=pii, file=file)
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(path, spec, pii=pii, file=file)
    if suffix == ".xls":
        raise InputFileError(f"{file}: the old Excel 97–2003 format (.xls) is not read. Hint: save it as .xlsx.")
    known = ", ".join(CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES)
    raise InputFileError(f"{file}: unknown file type {suffix!r}; expected one of {known}.")


def _load(
    name: str,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    pii: PiiMode = "raise",
    single_psu: Literal["error", "warn"] = "error",
) -> tuple[pd.DataFrame, pd.DataFrame, DatasetSpec]:
    """Read, parse and check one file; return (frame indexed by row number, every problem, spec). Never raises
    SchemaError: the caller decides."""
    spec = get_spec(name)
    if single_psu not in ("error", "warn"):
        raise ParameterError(f"single_psu={single_psu!r}; expected 'error' or 'warn'.")
    path = Path(path)
    table = _read(path, spec, sheet=sheet, encoding=encoding, pii=pii)
    file = table.label
    if table.raw.empty:
        table.problems.append(
            problem_table([1], "", [""], "at least one data row", "no_rows", severity="warning", file=file)
        )
    frame, parse_problems = parse_frame(spec, table.raw, file=file)
    downgrade = ("stratum_has_two_psus",) if single_psu == "warn" else ()
    checked = check_frame(spec, frame, raw=table.raw, file=file, downgrade=downgrade)
    problems = combine_problems(*table.problems, parse_problems, checked, order=spec.column_names)
    return frame, problems, spec


def _raise_or_warn(problems: pd.DataFrame, spec: DatasetSpec | None, *, stacklevel: int) -> None:
    if (problems["severity"] == "error").any():
        raise SchemaError(describe_problems(problems, spec), problems)
    if len(problems):
        warnings.warn(DataWarning(describe_warnings(problems)), stacklevel=stacklevel + 1)


def _load_checked(name: str, path: str | Path, **options: object) -> pd.DataFrame:
    """:func:`_load`, then raise the SchemaError or warn (the warning points at the public loader's caller)."""
    frame, problems, spec = _load(name, path, **options)  # type: ignore[arg-type]
    _raise_or_warn(problems, spec, stacklevel=3)
    return frame.reset_index(drop=True)


def load_dataset(
    name: str,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    drop_pii: bool = False,
    single_psu: Literal["error", "warn"] = "error",
) -> pd.DataFrame:
    """Read one file of dataset ``name`` and return it checked, in the contract's columns and dtypes.

    Parameters
    ----------
    name : dataset name: survey, dialogues, religion, complaints, boards, plans, inspections, submissions, indices.
    path : a CSV (UTF-8, UTF-8 with BOM or UTF-16; comma, semicolon or tab separated), .xlsx or .parquet file.
    sheet : Excel sheet to read (default: the sheet whose header names the most contract columns).
    encoding : text encoding of a CSV (default: detected from the BOM, else UTF-8).
    drop_pii : survey only: drop columns identifying people instead of refusing the file.
    single_psu : survey only: ``"warn"`` turns "a stratum has one PSU" into a warning (leave it to the estimator's
        ``SurveyDesign(single_psu=…)`` policy).

    Returns
    -------
    pandas.DataFrame
        Columns in contract order (absent optional columns added empty), a fresh ``RangeIndex``.

    Raises
    ------
    InputFileError
        The file cannot be read (missing, empty, undecodable, not a workbook, a row with surplus cells).
    PrivacyError
        A survey file identifies people and ``drop_pii`` is false.
    SchemaError
        The data break the contract; the message lists file, row, column, value and what was expected for each
        problem, and ``err.problems`` holds them all.

    Warns
    -----
    DataWarning
        Values repaired (codes re-padded, names read as codes) or columns ignored; see :func:`validate_file`.
    """
    pii = "drop" if drop_pii else "raise"
    return _load_checked(name, path, sheet=sheet, encoding=encoding, pii=pii, single_psu=single_psu)


def validate_file(
    name: str,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    drop_pii: bool = False,
) -> pd.DataFrame:
    """Check a file against dataset ``name``'s contract and return its problem table (empty = valid).

    Unlike :func:`load_dataset` nothing is raised for contract problems: columns identifying people are listed as
    errors (or as warnings with ``drop_pii=True``) and the rest of the file is still checked.

    Returns
    -------
    pandas.DataFrame
        Columns ``file, row, column, value, expected, check, severity`` (``"error"`` or ``"warning"``), sorted by
        row. ``row`` is the row number as seen in Excel or a text editor (header = row 1).

    Raises
    ------
    InputFileError
        When the file cannot be read at all.
    """
    _, problems, _ = _load(name, path, sheet=sheet, encoding=encoding, pii="drop" if drop_pii else "report")
    return problems


# -- one loader per dataset -----------------------------------------------------------------------------------------
def load_survey(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    drop_pii: bool = False,
    single_psu: Literal["error", "warn"] = "error",
) -> pd.DataFrame:
    """Load survey microdata; see :func:`load_dataset` (``drop_pii`` and ``single_psu`` apply here)."""
    pii = "drop" if drop_pii else "raise"
    return _load_checked("survey", path, sheet=sheet, encoding=encoding, pii=pii, single_psu=single_psu)


def load_dialogues(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the dialogues dataset; see :func:`load_dataset`."""
    return _load_checked("dialogues", path, sheet=sheet, encoding=encoding)


def load_religion(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the religion dataset; see :func:`load_dataset`."""
    return _load_checked("religion", path, sheet=sheet, encoding=encoding)


def load_complaints(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the complaints dataset; see :func:`load_dataset`."""
    return _load_checked("complaints", path, sheet=sheet, encoding=encoding)


def load_boards(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the boards dataset; see :func:`load_dataset`."""
    return _load_checked("boards", path, sheet=sheet, encoding=encoding)


def load_plans(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the plans dataset; see :func:`load_dataset`."""
    return _load_checked("plans", path, sheet=sheet, encoding=encoding)


def load_inspections(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the inspections dataset; see :func:`load_dataset`."""
    return _load_checked("inspections", path, sheet=sheet, encoding=encoding)


def load_submissions(path: str | Path, *, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Load the submissions dataset; see :func:`load_dataset`."""
    return _load_checked("submissions", path, sheet=sheet, encoding=encoding)


def load_indices(
    path: str | Path | None = None, *, sheet: str | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Load published indices; without ``path``, the shipped ``danvan_analysis/data/published_indices.csv``."""
    return _load_checked("indices", path or package_data("published_indices.csv"), sheet=sheet, encoding=encoding)


# -- a folder of years ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DataBundle:
    """Every dataset of a data folder, checked and concatenated across years (see :func:`load_bundle`).

    Attributes
    ----------
    survey, dialogues, religion, complaints, boards, plans, inspections, submissions, indices : pandas.DataFrame
        One frame per dataset, in contract columns and dtypes (empty, with the right columns, when no file).
    warnings : pandas.DataFrame
        Problem table of everything repaired or ignored while loading, and of missing files in earlier years.
    files : mapping
        Dataset → the files read, in year order.
    years : tuple of int
        The year folders read.
    """

    survey: pd.DataFrame
    dialogues: pd.DataFrame
    religion: pd.DataFrame
    complaints: pd.DataFrame
    boards: pd.DataFrame
    plans: pd.DataFrame
    inspections: pd.DataFrame
    submissions: pd.DataFrame
    indices: pd.DataFrame
    warnings: pd.DataFrame
    files: Mapping[str, tuple[Path, ...]]
    years: tuple[int, ...]

    def __getitem__(self, name: str) -> pd.DataFrame:
        """The frame of dataset ``name``."""
        return getattr(self, get_spec(name).name)

    def to_frame(self) -> pd.DataFrame:
        """One row per dataset: rows, years present, files read."""
        rows = []
        for name in DATASETS:
            frame = self[name]
            years = sorted(int(y) for y in frame["year"].dropna().unique()) if len(frame) else []
            rows.append(
                {
                    "dataset": name,
                    "rows": len(frame),
                    "years": ", ".join(map(str, years)),
                    "files": ", ".join(str(p) for p in self.files.get(name, ())),
                }
            )
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        caption = f"<p>Data for {', '.join(map(str, self.years))}; {len(self.warnings)} warning(s).</p>"
        return caption + self.to_frame().to_html(index=False)


def _year_folders(root: Path) -> dict[int, Path]:
    return {int(p.name): p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)}


def _dataset_file(folder: Path, name: str) -> Path | None:
    for suffix in SUFFIX_PREFERENCE:
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def load_bundle(
    data_dir: str | Path,
    *,
    years: Iterable[int] | None = None,
    datasets: Iterable[str] | None = None,
    drop_pii: bool = False,
) -> DataBundle:
    """Load ``data_dir/<year>/<dataset>.<parquet|xlsx|csv>`` for every year folder (or the given ``years``).

    Parameters
    ----------
    data_dir : folder holding one sub-folder per year (``2021/``, ``2022/``, …).
    years : years to read (default: every year folder present).
    datasets : datasets to read (default: all); the others are empty frames.
    drop_pii : drop columns identifying people from survey files instead of refusing them.

    Returns
    -------
    DataBundle

    Raises
    ------
    InputFileError
        ``data_dir`` or a requested year folder is missing, or a requested dataset has no file in the latest year.
    SchemaError
        Listing the problems of every file at once (``err.problems``), including rows whose ``year`` differs from
        their folder.

    Notes
    -----
    When a folder holds several formats of one dataset, Parquet is read before xlsx before CSV. ``indices`` is one
    multi-year table: read from ``data_dir/indices.*`` if present (never filtered by year), else from the year
    folders, else the shipped ``published_indices.csv`` (all its years). A key repeated in two files is an error.
    The bundle emits one :class:`DataWarning` when its ``warnings`` table is not empty.
    """
    root = Path(data_dir)
    if not root.is_dir():
        raise InputFileError(f"{root}: no such data folder. Hint: `danvan demo` writes data/demo/<year>/ files.")
    folders = _year_folders(root)
    chosen = sorted({int(y) for y in years}) if years is not None else sorted(folders)
    absent = [y for y in chosen if y not in folders]
    if absent or not chosen:
        have = ", ".join(map(str, sorted(folders))) or "none"
        raise InputFileError(f"{root}: no folder for year(s) {absent or '(any)'}; year folders present: {have}.")
    wanted = [get_spec(n).name for n in datasets] if datasets is not None else list(DATASETS)
    plan, notes = _plan_files(root, folders, chosen, wanted)
    loaded: dict[str, list[tuple[Path, pd.DataFrame]]] = {n: [] for n in DATASETS}
    problems: list[pd.DataFrame] = [*notes]
    for name, year, path in plan:
        frame, found, _ = _load(name, path, pii="drop" if drop_pii else "raise")
        problems += [found, _wrong_year(frame, year, path)]
        loaded[name].append((path, frame))
    problems += [_repeated_across_files(name, parts) for name, parts in loaded.items()]
    everything = combine_problems(*problems)
    if (everything["severity"] == "error").any():
        spec = get_spec(plan[0][0]) if len({n for n, _, _ in plan}) == 1 else None
        raise SchemaError(describe_problems(everything, spec), everything)
    data = {
        name: pd.concat([f for _, f in parts], ignore_index=True) if parts else DATASETS[name].empty_frame()
        for name, parts in loaded.items()
    }
    found_warnings = everything[everything["severity"] == "warning"].reset_index(drop=True)
    if len(found_warnings):
        warnings.warn(DataWarning(describe_warnings(found_warnings)), stacklevel=2)
    files = {name: tuple(path for path, _ in parts) for name, parts in loaded.items()}
    return DataBundle(**data, warnings=found_warnings, files=files, years=tuple(chosen))


def _wrong_year(frame: pd.DataFrame, year: int | None, path: Path) -> pd.DataFrame | None:
    """Rows of a year folder's file whose ``year`` is another year."""
    if year is None or "year" not in frame or frame.empty:
        return None
    wrong = (frame["year"].notna() & (frame["year"] != year)).to_numpy()
    if not wrong.any():
        return None
    rows = frame.index[wrong]
    values = frame.loc[rows, "year"].astype(str)
    return problem_table(
        rows, "year", values, f"{year} (the file is in the folder {year})", "year_folder", file=str(path)
    )


def _repeated_across_files(name: str, parts: list[tuple[Path, pd.DataFrame]]) -> pd.DataFrame | None:
    """Rows whose key also occurs in another file of the bundle (a repeat within a file is reported by its rules)."""
    key = list(DATASETS[name].key)
    if len(parts) < 2 or not all(set(key) <= set(f.columns) for _, f in parts):
        return None
    both = pd.concat([f[key].assign(_file=str(p), _row=f.index.to_numpy()) for p, f in parts], ignore_index=True)
    across = duplicated_rows(both, key) & ~duplicated_rows(both, [*key, "_file"])
    if not across.any():
        return None
    bad = both[across]
    values = bad[key].astype(str).apply(lambda r: ", ".join(f"{k}={v}" for k, v in r.items()), axis=1)
    expected = f"one row per {', '.join(key)} across the files of the data folder"
    tables = [
        problem_table(group["_row"], key[-1], values[group.index], expected, "repeated_across_files", file=file)
        for file, group in bad.groupby("_file", sort=False)
    ]
    return pd.concat(tables, ignore_index=True)


def _plan_files(
    root: Path, folders: dict[int, Path], chosen: list[int], wanted: list[str]
) -> tuple[list[tuple[str, int | None, Path]], list[pd.DataFrame]]:
    """Which file to read for each dataset and year; missing-file errors and warnings."""
    plan: list[tuple[str, int | None, Path]] = []
    notes: list[pd.DataFrame] = []
    expected_missing: list[str] = []
    latest = chosen[-1]
    for name in wanted:
        if name == "indices":
            at_root = _dataset_file(root, name)
            in_years = [(y, p) for y in chosen if (p := _dataset_file(folders[y], name)) is not None]
            if at_root is not None:
                plan.append((name, None, at_root))
            elif in_years:
                plan += [(name, None, p) for _, p in in_years]
            else:
                plan.append((name, None, package_data("published_indices.csv")))
            continue
        for year in chosen:
            path = _dataset_file(folders[year], name)
            if path is not None:
                plan.append((name, year, path))
            elif year == latest:
                expected_missing.append(str(folders[year] / f"{name}.csv (or .xlsx, .parquet)"))
            else:
                expected = f"a file {name}.csv, .xlsx or .parquet (the dataset has no rows for {year})"
                notes.append(
                    problem_table([1], "", [""], expected, "missing_file", severity="warning", file=str(folders[year]))
                )
    if expected_missing:
        raise InputFileError(
            f"{root}: missing data file(s) for the reporting year {latest}: {'; '.join(expected_missing)}. "
            "Hint: pass datasets=[…] to load only some datasets, or years=[…] to choose the years."
        )
    names = {f"{n}{s}" for n in DATASETS for s in (*CSV_SUFFIXES, *EXCEL_SUFFIXES, *PARQUET_SUFFIXES)}
    for year in chosen:
        for stray in sorted(folders[year].iterdir()):
            if stray.is_file() and stray.name not in names and not stray.name.startswith((".", "~$")):
                expected = f"a dataset file name: {', '.join(DATASETS)} (this file was not read)"
                notes.append(
                    problem_table([1], "", [stray.name], expected, "unknown_file", severity="warning", file=str(stray))
                )
    return plan, notes


# -- writing problem tables -------------------------------------------------------------------------------------------
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def write_problems(problems: pd.DataFrame, path: str | Path) -> Path:
    """Save a problem table as .xlsx or .csv (UTF-8 with BOM, so Excel shows Vietnamese correctly).

    Cell values that a spreadsheet would run as formulas (e.g. a ``=HYPERLINK(…)`` quoted from a bad file) are
    written as text: typed as strings in xlsx, prefixed with an apostrophe in CSV.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    missing = [c for c in PROBLEM_COLUMNS if c not in problems.columns]
    if missing:
        raise ParameterError(f"write_problems needs a problem table; columns missing: {', '.join(missing)}.")
    if not path.parent.is_dir():
        raise ParameterError(f"{path}: the folder {path.parent} does not exist.")
    table = problems[list(PROBLEM_COLUMNS)].copy()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = table.astype(object).where(table.notna(), "").astype(str)
        for column in text.columns:
            risky = text[column].str.startswith(_RISKY_START)
            text.loc[risky, column] = "'" + text.loc[risky, column]
        text.to_csv(path, index=False, encoding="utf-8-sig")
        return path
    if suffix == ".xlsx":
        _write_problems_xlsx(table, path)
        return path
    raise ParameterError(f"{path}: write_problems writes .xlsx or .csv, not {suffix or 'a file without suffix'}.")


def _write_problems_xlsx(table: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Problems"
    sheet.append(list(PROBLEM_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in table.itertuples(index=False):
        row = []
        for value in record:
            row.append(None if pd.isna(value) else (int(value) if isinstance(value, (int, np.integer)) else str(value)))
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith("=")):
                cell.data_type = "s"  # text, never a formula
    widths = {"file": 40, "row": 6, "column": 22, "value": 30, "expected": 60, "check": 18, "severity": 9}
    for i, name in enumerate(PROBLEM_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = widths[name]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
