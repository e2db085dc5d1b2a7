"""The fast readers give what the careful ones give: calamine against openpyxl (xlsx), pyarrow against pandas (CSV).

Each test reads the same file twice, once as the loaders do and once with the fast reader switched off, and compares
the loaded frame, the warnings and the problem table (the careful readers are the reference: they are what the
bad-file corpus was written against). A spy checks that the fast reader really served the first read.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import unicodedata
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pandas.testing import assert_frame_equal

from danvan_analysis.errors import DanvanError
from danvan_analysis.io import load_dataset, readers, validate_file

DATA = Path(__file__).parents[1] / "data"
GOOD = DATA / "good"
BAD = DATA / "bad"


def _outcome(dataset: str, path: Path, **options: object) -> tuple:
    """(problem table or error, loaded frame or error, warnings) of one file, as a user would meet them."""
    try:
        problems: object = validate_file(dataset, path, **options)
    except DanvanError as error:
        problems = (type(error).__name__, str(error))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame: object = load_dataset(dataset, path, **options)
        except DanvanError as error:
            frame = (type(error).__name__, str(error))
    return problems, frame, [str(w.message) for w in caught]


def _assert_same(fast: tuple, careful: tuple) -> None:
    for mine, reference in zip(fast[:2], careful[:2], strict=True):
        if isinstance(reference, pd.DataFrame):
            assert isinstance(mine, pd.DataFrame)
            assert_frame_equal(mine, reference)
        else:
            assert mine == reference
    assert fast[2] == careful[2]


def _dataset(path: Path) -> str:
    first = path.name.split("_")[0].split(".")[0]
    return (
        first
        if first in {"survey", "dialogues", "religion", "complaints", "boards", "plans", "inspections"}
        else ("submissions" if first == "submissions" else "plans")
    )


# -- xlsx: calamine against openpyxl ----------------------------------------------------------------------------------
def _compare_xlsx(path: Path, dataset: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Compare both readers on one workbook; return whether calamine served the fast read."""
    served = []
    real = readers._calamine_cells

    def spy(*args: object, **kwargs: object) -> pd.DataFrame | None:
        cells = real(*args, **kwargs)  # type: ignore[arg-type]
        served.append(cells is not None)
        return cells

    with monkeypatch.context() as patch:
        patch.setattr(readers, "_calamine_cells", spy)
        fast = _outcome(dataset, path)
    with monkeypatch.context() as patch:
        patch.setattr(readers, "_calamine_cells", lambda *a, **k: None)
        careful = _outcome(dataset, path)
    _assert_same(fast, careful)
    return any(served)


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.glob("*.xlsx")))
def test_calamine_reads_every_corpus_workbook_as_openpyxl_does(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = BAD / name
    served = _compare_xlsx(path, _dataset(path), monkeypatch)
    # Workbooks with formulas stay on openpyxl (calamine gives saved values, not the formula text).
    assert (
        served == (name not in {"complaints_formulas.xlsx", "dialogues_formula_note.xlsx"}) or name == "not_really.xlsx"
    )


def _good_rows(name: str) -> list[list[str]]:
    with (GOOD / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_calamine_keeps_leading_zero_codes_dates_and_row_numbers_across_an_empty_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Text codes "05431", a code typed as the number 5431 (repaired, with a warning), Excel dates, dates typed as
    text, a title row, an empty row and a bad count below it: the same frame, warnings and problems either way."""
    rows = _good_rows("dialogues")
    book = Workbook()
    sheet = book.active
    sheet.append(["Báo cáo đối thoại năm 2023"])
    sheet.append(rows[0])
    header = rows[0]
    for i, row in enumerate(rows[1:]):
        cells: list[object] = list(row)
        for j, name in enumerate(header):
            if name in ("year", "participants", "opinions_raised", "answered_on_spot", "referred", "resolved_later"):
                cells[j] = int(row[j]) if row[j] else None
        if i == 0:
            cells[header.index("date")] = dt.datetime(2023, 6, 20)  # a real Excel date …
        if i == 2:
            cells[header.index("unit_code")] = 5431  # … and a commune code that lost its leading zero
        sheet.append(cells)
        if i == 1:
            sheet.append([])  # an empty row: skipped, the rows below keep their Excel numbers
    sheet.cell(row=3, column=header.index("date") + 1).number_format = "dd/mm/yyyy"
    sheet.cell(row=7, column=header.index("participants") + 1).value = -4  # a bad count on Excel row 7
    path = tmp_path / "dialogues.xlsx"
    book.save(path)

    assert _compare_xlsx(path, "dialogues", monkeypatch)
    problems = validate_file("dialogues", path)
    assert ((problems["row"] == 7) & (problems["column"] == "participants") & (problems["value"] == "-4")).any()
    assert ((problems["column"] == "unit_code") & problems["value"].str.contains("5431 → 05431")).any()


# -- CSV: pyarrow against pandas ---------------------------------------------------------------------------------------
def _compare_csv(path: Path, dataset: str, monkeypatch: pytest.MonkeyPatch, **options: object) -> bool:
    served = []
    real = readers._read_csv_arrow

    def spy(*args: object, **kwargs: object) -> pd.DataFrame | None:
        cells = real(*args, **kwargs)  # type: ignore[arg-type]
        served.append(cells is not None)
        return cells

    with monkeypatch.context() as patch:
        patch.setattr(readers, "_read_csv_arrow", spy)
        fast = _outcome(dataset, path, **options)
    with monkeypatch.context() as patch:
        patch.setattr(readers, "_read_csv_arrow", lambda *a, **k: None)
        careful = _outcome(dataset, path, **options)
    _assert_same(fast, careful)
    return any(served)


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.glob("*.csv")))
def test_pyarrow_reads_every_corpus_csv_as_pandas_does(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = BAD / name
    served = _compare_csv(path, _dataset(path), monkeypatch)
    unread = {"empty.csv", "survey_cp1258.csv", "dialogues_extra_cells.csv"}  # refused before, or sent to pandas
    assert served == (name not in unread)


def _cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters it lacks precomposed are written as base letter + combining tone mark."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            out.append(unicodedata.normalize("NFC", parts[:-1]).encode("cp1258") + parts[-1].encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [("utf-8", codecs.BOM_UTF8, ";"), ("utf-16", b"", "\t"), ("cp1258", b"", ",")],
    ids=["utf8-bom-semicolon", "utf16-tab", "cp1258"],
)
def test_pyarrow_reads_encodings_and_delimiters_as_pandas_does(
    encoding: str, bom: bytes, delimiter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _good_rows("survey")
    rows[3][rows[0].index("q05")] = "6"  # one bad rating, so the problem tables have a row to compare
    text = "\n".join(delimiter.join(row) for row in rows) + "\n"
    path = tmp_path / "survey.csv"
    path.write_bytes(bom + (_cp1258(text) if encoding == "cp1258" else text.encode(encoding)))
    options = {"encoding": "cp1258"} if encoding == "cp1258" else {}
    assert _compare_csv(path, "survey", monkeypatch, **options)
    problems = validate_file("survey", path, **options)
    assert problems[["row", "column", "value"]].values.tolist() == [[4, "q05", "6"]]


# -- the UTF-8 check: pyarrow's validation against Python's decoder ----------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.one_of(
            st.text(max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.binary(max_size=4),
            st.sampled_from(
                [b"\xc3", b"\xe0\x80\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xef\xbb\xbf"]
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_fast_utf8_check_agrees_with_pythons_decoder(tmp_path: Path, parts: list[bytes]) -> None:
    data = b"".join(parts) or b"x"
    path = tmp_path / "cells.csv"
    path.write_bytes(data)
    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert readers._valid_utf8(path) == valid


@pytest.mark.parametrize(
    ("column", "cells", "typed"),
    [
        ("q01", ["05", " 5", "9", ""], True),  # numbers the parser reads alike, all valid: read as 8-bit integers
        ("q01", ["06", "4", "5", "1"], False),  # a problem must quote "06" as written
        ("q01", ["+5", "4", "5", "1"], False),  # not an integer for pyarrow
        ("q01", ["NA", "4", "-0", "x"], False),
        ("weight", ["1500.50", "2e3", " 7.25", ".5"], True),  # decimals the parser reads alike, all > 0
        ("weight", ["0", "1.5", "2", "3"], False),  # a weight of 0 is quoted as written
        ("weight", ["", "1.5", "2", "3"], False),  # required
        ("weight", ["nan", "inf", "1.5", "2"], False),  # pyarrow reads them as numbers; the parser does not
    ],
    ids=["typed", "leading-zero-6", "plus-sign", "missing-token", "weights", "zero", "empty", "nan-inf"],
)
def test_numbers_read_as_numbers_give_what_the_text_gives(
    column: str, cells: list[str], typed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ratings and weights are read as numbers only when every cell passes its checks; otherwise as text (so "06"
    is quoted as "06"): either way the frame, the problems and the warnings are those of the careful reader."""
    rows = _good_rows("survey")
    where = rows[0].index(column)
    for row, cell in zip(rows[1:], cells, strict=False):
        row[where] = cell
    path = tmp_path / "survey.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    numbers = []
    real = readers._read_csv_arrow_once

    def spy(*args: object, **kwargs: object) -> pd.DataFrame | None:
        cells = real(*args, **kwargs)  # type: ignore[arg-type]
        if kwargs.get("numbers"):
            numbers.append(cells is not None)
        return cells

    monkeypatch.setattr(readers, "_read_csv_arrow_once", spy)
    assert _compare_csv(path, "survey", monkeypatch)
    assert numbers and all(n == typed for n in numbers)
    if cells[0] in ("06", "0"):
        problems = validate_file("survey", path)
        assert problems.loc[problems["column"] == column, "value"].tolist() == [cells[0]]
