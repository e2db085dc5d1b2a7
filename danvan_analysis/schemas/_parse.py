"""From cell text to typed columns: the loader's parsing step, driven by each column's :class:`ColumnMeta`.

Design
------
Files are read as text (CSV, xlsx) or arrive typed (Parquet, in-memory frames); :func:`parse_frame` turns either
into the dtypes of the data contract and reports, instead of guessing, every cell it cannot read. It never drops a
row. What it repairs, it reports as a warning: a code that lost its leading zeros (``5431`` → ``05431``), a unit
written by name, a retired code.

Speed comes from parsing each *distinct* value once (``pandas.factorize``) and broadcasting the result: a million
survey rows hold a handful of distinct ratings and 177 commune codes. Text is NFC-normalised only where it is not
plain ASCII. Warnings are reported once per distinct value (at its first row, with the number of rows);
errors once per cell, so every cell to fix has its row.

Values that parse but break the contract (a rating of 6, an unknown enum label, a negative count) are left in place
for the pandera checks to report with the contract's wording.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from danvan_analysis.errors import UnitError
from danvan_analysis.schemas._base import _UNIT_KIND_WORDS, PROBLEM_COLUMNS, ColumnMeta, DatasetSpec, codes_of_kinds
from danvan_analysis.text import CONTROLS, fold, show_controls, strip_controls

#: Cell texts read as "no value" in non-text columns (after folding): empty, R's NA, Excel's #N/A, a lone dash.
MISSING_TOKENS = frozenset({"", "na", "n a", "nan", "null", "none", "<na>", "nat", "#n a"})
#: Folded spellings of yes / no.
TRUE_TOKENS = frozenset({"true", "1", "yes", "y", "co", "x", "dung", "da", "v"})
FALSE_TOKENS = frozenset({"false", "0", "no", "n", "khong", "sai", "chua"})

#: A text cell that a spreadsheet would run as a formula: ``=…``, or ``+ - @`` followed by a function call, a cell
#: reference or a DDE command (OWASP "CSV injection").
FORMULA = re.compile(
    r"^\s*(?:=|[+\-@]\s*(?:[A-Za-z_][\w.]*\s*\(|\$?[A-Za-z]{1,3}\$?\d+\b|cmd\s*\|))", flags=re.IGNORECASE
)
_FORMULA_START = ("=", "+", "-", "@")
_CODE_AND_NAME = re.compile(r"^([0-9A-Za-z]+)\s+[-–—:]\s+(.+)$")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
# Excel serial day numbers (2000-01-01 … 2099-12-31) in a date column are refused with their reading as a hint: a
# number is what Excel writes when a date column lost its date format before "Save as CSV", and the same number could
# be a typo or a count pasted into the wrong column. The clerk sees the number in their sheet too, so the cell they
# must fix is the one named. A bare "2023" is outside the range and gets the plain date message.
_SERIAL_RANGE = (36526, 73050)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_CODE_KINDS = ("province", "district", "commune", "unit")
_SPACES = re.compile(r"\s+")


def problem_table(
    rows: object,
    column: str,
    values: object,
    expected: object,
    check: str,
    *,
    severity: str = "error",
    file: str = "",
) -> pd.DataFrame:
    """Build a problem table (see :data:`PROBLEM_COLUMNS`) from aligned arrays or scalars."""
    rows = np.asarray(rows, dtype="int64").ravel()
    frame = pd.DataFrame(
        {
            "file": file,
            "row": pd.array(rows, dtype="Int64"),
            "column": column,
            "value": pd.array(np.asarray(values, dtype=object).ravel() if np.ndim(values) else [values] * len(rows)),
            "expected": expected,
            "check": check,
            "severity": severity,
        },
        index=pd.RangeIndex(len(rows)),
    )
    return frame.astype({c: "str" for c in PROBLEM_COLUMNS if c != "row"})


def empty_problems() -> pd.DataFrame:
    """A problem table with no rows (a copy of one built once: building it costs ~3 ms, and a load asks for one
    several times per file)."""
    return _empty_template().copy()


@functools.cache
def _empty_template() -> pd.DataFrame:
    return problem_table([], "", [], "", "")


# -- text --------------------------------------------------------------------------------------------------------
def as_text(series: pd.Series) -> pd.Series:
    """Return ``series`` as the ``str`` dtype, turning integral floats into ``"5"`` rather than ``"5.0"``."""
    if pd.api.types.is_float_dtype(series):
        whole = series.notna() & (series % 1 == 0)
        text = series.astype("str")
        return text.mask(whole, series[whole].astype("int64").astype("str"))
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    return series.astype("str")


def normalize_text(series: pd.Series) -> pd.Series:
    """NFC-normalise, strip and collapse inner white space in every cell of a column; empty cells become missing.

    Vectorised for columns of (mostly) distinct values such as identifiers: only non-ASCII cells are normalised and
    only cells with odd white space are collapsed.
    """
    text = as_text(series).str.strip()
    non_ascii = ~text.str.isascii().fillna(True).astype(bool)
    if non_ascii.any():
        text = text.mask(non_ascii, text[non_ascii].str.normalize("NFC").str.strip())
    # Literal alternatives keep the search in pyarrow's RE2 engine (a \s class falls back to Python, 10x slower).
    odd = text.str.contains("  |\t|\n|\r|\xa0", regex=True).fillna(False).astype(bool)
    if odd.any():
        text = text.mask(odd, text[odd].str.replace(r"\s+", " ", regex=True))
    return text.mask(text == "")


def clean_text(value: object, *, collapse: bool = True) -> str:
    """One cell's text: integral floats without ``.0``, NFC, stripped, inner white space collapsed if asked."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = unicodedata.normalize("NFC", str(value)).strip()
    return _SPACES.sub(" ", text) if collapse else text


def formula_cells(text: pd.Series) -> pd.Series:
    """True where a text cell looks like a spreadsheet formula (see :data:`FORMULA`)."""
    starts = text.str.lstrip().str.startswith(_FORMULA_START).fillna(False).astype(bool)
    found = pd.Series(False, index=text.index)
    if starts.any():
        found[starts] = text[starts].str.match(FORMULA).fillna(False).astype(bool)
    return found


# -- the per-distinct-value machinery ------------------------------------------------------------------------------
class _Outcome:
    """What parsing the distinct values of one column produced, aligned with those values."""

    def __init__(self, size: int) -> None:
        self.values: list[object] = [pd.NA] * size
        self.error: list[str | None] = [None] * size
        self.warning: list[str | None] = [None] * size


def _distinct(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 = missing) and distinct values; free for categoricals (Parquet dictionaries, CSV categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), series.cat.categories
    return pd.factorize(series, use_na_sentinel=True)


def _by_distinct(
    series: pd.Series,
    parse: Callable[[list[str], _Outcome], None],
    dtype: str,
    *,
    collapse: bool = True,
    categorical: bool = False,
) -> tuple[pd.Series, np.ndarray, _Outcome, pd.Index]:
    """Parse each distinct value of ``series`` once; return (typed values, codes, outcome, distinct values).

    ``parse`` receives the distinct values as clean text (:func:`clean_text`). ``categorical``: the values as a
    categorical of text (see :func:`parse_frame`) instead of ``dtype``.
    """
    codes, uniques = _distinct(series)
    outcome = _Outcome(len(uniques))
    parse([clean_text(u, collapse=collapse) for u in uniques], outcome)
    if categorical:
        return _as_categorical(series, codes, outcome.values), codes, outcome, uniques
    missing = pd.NaT if dtype.startswith("datetime") else pd.NA
    # The extra last slot serves code -1 (a missing cell).
    table = pd.array([missing if v is pd.NA else v for v in outcome.values] + [missing], dtype=dtype)
    if isinstance(table, (pd.arrays.IntegerArray, pd.arrays.BooleanArray)):
        # numpy's take of values and mask, indexed by the codes as they are: -1 is the last slot in numpy's
        # indexing. pandas' masked take checks and copies more (41 columns of a survey).
        data = table.to_numpy(dtype=table.dtype.numpy_dtype, na_value=0)
        taken = type(table)(data[codes], np.asarray(table.isna())[codes])
    else:
        taken = table.take(np.where(codes < 0, len(uniques), codes))
    values = pd.Series(taken, index=series.index, name=series.name)
    return values, codes, outcome, uniques


def _as_categorical(series: pd.Series, codes: np.ndarray, parsed: list[object]) -> pd.Series:
    """The parsed value of each cell (``parsed[code]``; code -1: missing) as a categorical of text with sorted
    categories: the order ``astype("category")`` gives the same text, so grouping sorts as it would on the text.
    Two cells written differently with one parsed value ("5431", "05431") share a category."""
    categories = pd.Index(sorted({v for v in parsed if v is not pd.NA}), dtype="str")
    # The extra last slot serves code -1 (a missing cell).
    slots = np.append(
        categories.get_indexer(pd.Index([v if v is not pd.NA else None for v in parsed], dtype="str")), -1
    )
    values = pd.Categorical.from_codes(slots[codes], dtype=pd.CategoricalDtype(categories))
    return pd.Series(values, index=series.index, name=series.name)


def _report(
    series: pd.Series, codes: np.ndarray, outcome: _Outcome, uniques: pd.Index, meta: ColumnMeta, raw: pd.Series
) -> list[pd.DataFrame]:
    """Problems of one column: one error per bad cell; one warning per kind of repair, at its first row."""
    found: list[pd.DataFrame] = []
    bad = [i for i, message in enumerate(outcome.error) if message is not None]
    if bad:
        mask = np.isin(codes, bad)
        messages = np.asarray(outcome.error, dtype=object)[codes[mask]]
        checks = np.where(messages == FORMULA_EXPECTED, "formula", "parse")
        table = problem_table(series.index[mask], meta.name, raw[mask].astype(object), messages, "parse")
        found.append(table.assign(check=pd.array(checks, dtype="str")))
    by_reason: dict[str, list[int]] = {}
    for i, message in enumerate(outcome.warning):
        if message is not None:
            by_reason.setdefault(message, []).append(i)
    for reason, distinct in by_reason.items():
        mask = np.isin(codes, distinct)
        shown = ", ".join(f"{uniques[i]} → {outcome.values[i]}" for i in distinct[:5])
        more = f" and {len(distinct) - 5} more" if len(distinct) > 5 else ""
        text = f"{shown}{more} ({int(mask.sum())} rows)" if mask.sum() > 1 else shown
        first = series.index[mask][:1]
        found.append(problem_table(first, meta.name, [text], reason, "repaired", severity="warning"))
    return found


# -- parsers by kind -----------------------------------------------------------------------------------------------
def _parse_numbers(uniques: list[str], outcome: _Outcome, meta: ColumnMeta, *, whole: bool, bits: int = 64) -> None:
    text = pd.Series(uniques, dtype="str")
    numbers = pd.to_numeric(text, errors="coerce")
    limit = 2 ** (bits - 1)
    for i, (raw, number) in enumerate(zip(uniques, numbers, strict=True)):
        if pd.isna(number):
            if fold(str(raw)) in MISSING_TOKENS:
                continue
            hint = " (use '.' as the decimal point)" if "," in str(raw) else ""
            outcome.error[i] = meta.expected() + hint
        elif not np.isfinite(number) or (whole and (number % 1 != 0 or abs(number) >= limit)):
            outcome.error[i] = meta.expected()
        else:
            outcome.values[i] = int(number) if whole else float(number)


def _parse_bool(uniques: list[str], outcome: _Outcome, meta: ColumnMeta) -> None:
    for i, raw in enumerate(uniques):
        key = fold(str(raw))
        if key.endswith(" 0") and key[:-2].isdigit():  # "1.0" folds to "1 0"
            key = key[:-2]
        if key in TRUE_TOKENS:
            outcome.values[i] = True
        elif key in FALSE_TOKENS:
            outcome.values[i] = False
        elif key not in MISSING_TOKENS:
            outcome.error[i] = meta.expected()


def _parse_dates(uniques: list[str], outcome: _Outcome, meta: ColumnMeta) -> None:
    text = pd.Series(uniques, dtype="str")
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce").astype("datetime64[ns]")
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d+(\.0+)?").fillna(False).astype(bool)), errors="coerce")
    in_range = parsed.isna() & serial.between(*_SERIAL_RANGE)
    for i, (raw, value) in enumerate(zip(uniques, parsed, strict=True)):
        if pd.notna(value):
            outcome.values[i] = value.normalize()
        elif in_range[i]:
            outcome.error[i] = serial_date_expected(int(serial[i]))
        elif fold(str(raw)) not in MISSING_TOKENS:
            outcome.error[i] = meta.expected()


def serial_date_expected(serial: int) -> str:
    """What a date cell holding an Excel serial day number should hold, with the date the number would be."""
    day = (_EXCEL_EPOCH + pd.Timedelta(days=serial)).strftime("%d/%m/%Y")
    return (
        f"a date such as 15/03/2023, not a number: {serial} looks like an Excel serial day number ({day} in Excel); "
        "type the date, or format the column as a date in Excel before saving"
    )


def _parse_enum(uniques: list[str], outcome: _Outcome, meta: ColumnMeta) -> None:
    if meta.vocab is None:
        raise TypeError(f"enum column {meta.name!r} was declared without its Vocab")
    table = {**meta.vocab.aliases(), **{fold(k): v for k, v in meta.value_aliases.items()}}
    for i, raw in enumerate(uniques):
        key = fold(str(raw))
        if key in MISSING_TOKENS:
            continue
        # An unknown label stays as written: the schema's isin check reports it with the allowed values.
        outcome.values[i] = table.get(key, raw)


def _parse_codes(uniques: list[str], outcome: _Outcome, meta: ColumnMeta) -> None:
    """Codes, repaired where the text is a code that lost zeros; names are resolved later, with row context."""
    from danvan_analysis.units import register

    kinds = _unit_kinds(meta)
    valid = codes_of_kinds(kinds) if meta.kind != "province" else frozenset()
    for i, text in enumerate(uniques):
        if fold(text) in MISSING_TOKENS:
            continue
        outcome.values[i] = text
        if text in valid or (meta.kind == "province" and re.fullmatch(r"\d{2}", text)):
            continue
        if meta.kind == "province":
            if text.isdigit() and len(text) < 2:
                outcome.values[i] = text.zfill(2)
                outcome.warning[i] = "leading zero restored (province codes have 2 digits)"
            continue
        repaired = next((c for k in kinds if (c := register().repair_code(text, k)) is not None), None)
        if repaired is not None:
            outcome.values[i] = repaired
            if text.zfill(len(repaired)) != repaired:
                outcome.warning[i] = "retired code replaced by its successor"
            else:
                kind = register().unit(repaired).kind
                outcome.warning[i] = f"leading zeros restored ({kind} codes have {len(repaired)} digits)"
            continue
        paired = _CODE_AND_NAME.match(text)
        if paired:
            code = next((c for k in kinds if (c := register().repair_code(paired[1], k)) is not None), None)
            if code is not None:
                unit = register().unit(code)
                if fold(paired[2]) in (fold(unit.name), fold(unit.short_name)):
                    outcome.values[i] = code
                else:
                    outcome.error[i] = f"a code and name that agree; {code} is {unit.name}"
            continue
        if text.isdigit() and (gone := register().explain(text, kinds[0] if len(kinds) == 1 else None)):
            # A unit of another date's map (a commune merged before the map of the rows' year): say what became of it.
            what = " / ".join(_UNIT_KIND_WORDS[k] for k in kinds)
            outcome.error[i] = f"a code of {what} on the map of the row's year, {register().label}; {gone}"


def _unit_kinds(meta: ColumnMeta) -> tuple[str, ...]:
    if meta.kind == "unit":
        return meta.allowed or ("province", "district", "commune", "agency")
    return (meta.kind,)


def _resolve_names(
    values: pd.Series, meta: ColumnMeta, frame: pd.DataFrame, raw: pd.Series
) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Resolve unit names (``Phường Quán Triều``) to codes using each row's level/kind and district."""
    from danvan_analysis.units import resolve_unit

    kinds = _unit_kinds(meta)
    valid = codes_of_kinds(kinds)
    pending = values.notna() & ~values.isin(valid)
    if pending.any():
        pending[pending] = values[pending].str.contains(r"[^\W\d_]", regex=True).fillna(False).astype(bool)
    if meta.kind == "province" or not pending.any():
        return values, []
    hint = _kind_hint(frame, meta).reindex(values.index)
    district = frame["district_code"] if "district_code" in frame and meta.name != "district_code" else None
    context = pd.DataFrame({"value": values[pending], "kind": hint[pending]})
    context["district"] = district[pending] if district is not None else pd.NA
    context["district"] = context["district"].where(context["district"].isin(codes_of_kinds(("district",))))
    found: list[pd.DataFrame] = []
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    values = values.astype("str") if categorical else values.copy()  # a name's code may be no category yet
    for (text, kind, district_code), group in context.groupby(["value", "kind", "district"], dropna=False):
        want = kind if isinstance(kind, str) and kind in kinds else (kinds[0] if len(kinds) == 1 else None)
        near = district_code if isinstance(district_code, str) and want in (None, "commune") else None
        try:
            unit = resolve_unit(text, kind=want, district=near)  # type: ignore[arg-type]
        except UnitError as error:
            found.append(problem_table(group.index, meta.name, raw[group.index].astype(object), str(error), "unit"))
            continue
        if unit.kind not in kinds:
            continue  # the register check reports it with the allowed kinds
        values[group.index] = unit.code
        note = f"{text} → {unit.code} ({unit.name})" + (f" ({len(group)} rows)" if len(group) > 1 else "")
        found.append(
            problem_table(
                group.index[:1], meta.name, [note], "unit name read as its code", "repaired", severity="warning"
            )
        )
    return (values.astype("category") if categorical else values), found


def _kind_hint(frame: pd.DataFrame, meta: ColumnMeta) -> pd.Series:
    """The unit kind each row announces in its ``level`` or ``unit_kind`` column (for ``unit_code`` only)."""
    if meta.name == "unit_code":
        for source in ("level", "unit_kind"):
            if source in frame:
                return frame[source]
    return pd.Series(pd.NA, index=frame.index, dtype="str")


# -- the frame -----------------------------------------------------------------------------------------------------
_NUMBER_KINDS = {"year": ("Int64", 64), "count": ("Int64", 64), "int": ("Int64", 64), "rating": ("Int8", 8)}


def _parse_text(uniques: list[str], outcome: _Outcome, meta: ColumnMeta) -> None:
    for i, text in enumerate(uniques):
        if not text:
            continue
        outcome.values[i] = text
        if FORMULA.match(text):
            outcome.error[i] = FORMULA_EXPECTED


FORMULA_EXPECTED = "plain text, not a spreadsheet formula (retype it without the leading = + - @)"
CONTROLS_EXPECTED = "text without invisible control characters (NUL, bidirectional overrides): removed"


def remove_controls(series: pd.Series, meta: ColumnMeta) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Remove NUL and bidirectional control characters from a text column, with a warning naming each cell.

    A warning and the characters removed, rather than an error: they are invisible in Excel, so a clerk told to fix
    the cell could not see what to delete, and they carry no meaning in this data (see
    :func:`~danvan_analysis.text.strip_controls`). Removed here, at the boundary, they never reach a table, a
    narrative or a report page; the warning keeps the evidence, the value shown with each character spelt out
    (``<U+202E>``) so the problem table itself displays in the right order.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        # Parquet dictionaries and CSV categories: look at the distinct values only.
        categories = series.cat.categories
        if not categories.astype("str").str.contains(CONTROLS.pattern, regex=True).any():
            return series, []
    elif not (pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)):
        return series, []
    text = as_text(series)
    hit = text.str.contains(CONTROLS.pattern, regex=True).fillna(False).astype(bool)
    if not hit.any():
        return series, []
    shown = text[hit].map(show_controls).astype(object)
    found = [
        problem_table(series.index[hit], meta.name, shown, CONTROLS_EXPECTED, "control_characters", severity="warning")
    ]
    return text.mask(hit, text[hit].map(strip_controls)), found


def parse_column(
    series: pd.Series, meta: ColumnMeta, *, categorical: bool = False
) -> tuple[pd.Series, list[pd.DataFrame]]:
    """Parse one column (text or typed) to its contract dtype; return the values and the problems found.

    Unit names are not resolved here (they need the row's context); :func:`parse_frame` does it. ``categorical``:
    see :func:`parse_frame`.
    """
    found: list[pd.DataFrame] = []
    if meta.kind == "id" and (plain := _plain_ids(series)) is not None:
        return plain, []  # printable ASCII only: no control character to remove, nothing to clean
    if meta.kind in ("id", "text"):
        series, found = remove_controls(series, meta)
    raw = series
    if meta.kind == "id":
        # Identifiers are (nearly) all distinct: clean the whole column at once instead of value by value.
        values = normalize_text(series)
        bad = formula_cells(values)
        if bad.any():
            found.append(
                problem_table(values.index[bad], meta.name, raw[bad].astype(object), FORMULA_EXPECTED, "formula")
            )
        return values, found
    if meta.kind == "float" and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64"), []
    if meta.kind in _NUMBER_KINDS and pd.api.types.is_integer_dtype(series):
        return _typed_integers(series, meta)
    if meta.kind == "bool" and pd.api.types.is_bool_dtype(series):
        return series.astype("boolean"), []
    if meta.kind == "date" and pd.api.types.is_datetime64_any_dtype(series):
        dates = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        return dates.dt.normalize().astype("datetime64[ns]"), []
    if meta.kind == "float":
        return _parse_float_column(series, meta)
    parse: Callable[[list[str], _Outcome], None]
    if meta.kind in _NUMBER_KINDS:
        dtype, bits = _NUMBER_KINDS[meta.kind]
        parse = partial(_parse_numbers, meta=meta, whole=True, bits=bits)
    else:
        dtype = meta.dtype
        kinds = {"text": _parse_text, "bool": _parse_bool, "date": _parse_dates, "enum": _parse_enum}
        parse = partial(kinds.get(meta.kind, _parse_codes), meta=meta)
    categorical = categorical and dtype == "str"
    values, codes, outcome, uniques = _by_distinct(
        series, parse, dtype, collapse=meta.kind != "text", categorical=categorical
    )
    return values, found + _report(series, codes, outcome, uniques, meta, raw)


#: An identifier nothing needs cleaning in: printable ASCII (no control character, nothing to NFC-normalise), no
#: white space at either end, no first character a formula could start with (= + - @). RE2 syntax (pyarrow).
_PLAIN_ID = r"^[!-*,./0-<>?A-~](?:[ -~]*[!-~])?$"


def _plain_ids(series: pd.Series) -> pd.Series | None:
    """``series`` as it is when every identifier is already clean (:data:`_PLAIN_ID`, no double space): one pass
    instead of the five of the cleaning below, which would change nothing; ``None`` otherwise."""
    if not (isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.chunked_array(series.array.__arrow_array__())
    if pc.all(pc.match_substring_regex(cells, _PLAIN_ID)).as_py() is False:
        return None
    if pc.any(pc.match_substring(cells, "  ")).as_py():
        return None
    return series.astype("str")


def _typed_integers(series: pd.Series, meta: ColumnMeta) -> tuple[pd.Series, list[pd.DataFrame]]:
    dtype, bits = _NUMBER_KINDS[meta.kind]
    limit = 2 ** (bits - 1)
    if (
        pd.api.types.is_signed_integer_dtype(series)
        and np.dtype(getattr(series.dtype, "numpy_dtype", series.dtype)).itemsize * 8 <= bits
    ):
        # Fits by its type (|x| below is computed in that type, so even its minimum is never out of range).
        return series.astype(dtype), []
    low, high = series.min(), series.max()  # two reductions instead of a full |x| column
    if pd.isna(low) or (-limit < low and high < limit):
        return series.astype(dtype), []
    out_of_range = (series.abs() >= limit).fillna(False).astype(bool)
    if not out_of_range.any():
        return series.astype(dtype), []
    found = [
        problem_table(
            series.index[out_of_range], meta.name, series[out_of_range].astype(object), meta.expected(), "parse"
        )
    ]
    return series.mask(out_of_range).astype(dtype), found


def _parse_float_column(series: pd.Series, meta: ColumnMeta) -> tuple[pd.Series, list[pd.DataFrame]]:
    # Floats are often all distinct (weights), so parse the whole column at once and look closer only at failures.
    text = as_text(series).str.strip()
    numbers = _arrow_floats(text)
    if numbers is not None:
        return numbers, []
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").astype("float64")
    failed = (numbers.isna() & text.notna()) | np.isinf(numbers)
    if not failed.any():
        return numbers, []
    values, codes, outcome, uniques = _by_distinct(
        text[failed], partial(_parse_numbers, meta=meta, whole=False), "Float64"
    )
    numbers[failed] = values.astype("float64")
    return numbers, _report(text[failed], codes, outcome, uniques, meta, series[failed])


def _arrow_floats(text: pd.Series) -> pd.Series | None:
    """Every cell of a stripped text column as a float, parsed by pyarrow (ten times faster than ``to_numeric``);
    ``None`` unless each non-empty cell is a plain finite decimal, which both parsers read as the same nearest double
    (the caller's careful path then reads and reports the rest)."""
    if not (isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = pa.chunked_array(text.array.__arrow_array__())
    plain = pc.match_substring_regex(cells, r"^(|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?)$")
    if pc.all(plain).as_py() is False:
        return None
    try:
        numbers = pc.cast(pc.if_else(pc.equal(cells, ""), None, cells), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    values = numbers.to_numpy() if numbers.num_chunks != 1 else numbers.chunk(0).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype="float64")
    if not np.isfinite(values[~np.isnan(values)]).all():
        return None
    return pd.Series(values, index=text.index, name=text.name, dtype="float64")


def parse_frame(
    spec: DatasetSpec, raw: pd.DataFrame, *, file: str = "", categorical: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse a frame of contract columns (text or typed) into the contract dtypes.

    Parameters
    ----------
    spec : the dataset.
    raw : columns named as in the contract (a subset is fine); index = the row numbers reported in problems.
    file : file name written in the problem table.
    categorical : text columns of few distinct values (every text kind but ``id``) as categoricals of their parsed
        text, sorted categories, instead of ``str``: the same values in one small integer a row, not one string a
        row (a million survey rows hold a few dozen codes). :func:`~danvan_analysis.schemas.check_frame` checks
        them alike; absent optional columns stay ``str``.

    Returns
    -------
    frame : the parsed columns in contract order, plus absent optional columns (empty, or copied from their
        ``default_from`` column); required columns that are absent stay absent.
    problems : parse errors (cells that cannot be read) and warnings (values repaired).
    """
    found: list[pd.DataFrame] = []
    parsed: dict[str, pd.Series] = {}
    # Enums first, then districts, then communes and units: names are resolved with the row's level and district.
    order = sorted(
        (m for m in spec.columns if m.name in raw),
        key=lambda m: {"enum": 0, "district": 1, "commune": 2, "unit": 2}.get(m.kind, 0),
    )
    for meta in order:
        values, problems = parse_column(raw[meta.name], meta, categorical=categorical)
        found += problems
        if meta.kind in _CODE_KINDS:
            context = pd.DataFrame(parsed, index=raw.index, copy=False)  # a view: only read
            values, problems = _resolve_names(values, meta, context, raw[meta.name])
            found += problems
        parsed[meta.name] = values
    for meta in spec.columns:
        if meta.name in parsed:
            continue
        if meta.default_from is not None and meta.default_from in parsed:
            source = parsed[meta.default_from]
            keep = categorical and meta.dtype == "str" and isinstance(source.dtype, pd.CategoricalDtype)
            parsed[meta.name] = source.copy() if keep else source.astype(meta.dtype)
        elif meta.optional:
            parsed[meta.name] = pd.Series(pd.NA, index=raw.index, dtype=meta.dtype)
    # copy=False: the parsed columns are new objects already (a dict of Series is copied by default).
    frame = pd.DataFrame(
        {m.name: parsed[m.name] for m in spec.columns if m.name in parsed}, index=raw.index, copy=False
    )
    problems = pd.concat(found, ignore_index=True) if found else empty_problems()
    problems["file"] = file
    return frame, problems.astype({"file": "str"})
