"""Header location and mapping, and the privacy guard: which cells of a file's top rows are the contract's columns.

A header cell matches a contract column by its name, Vietnamese or English label or an alias, compared after
:func:`~danvan_analysis.text.fold`; the header may sit below a title (the first :data:`HEADER_SEARCH_ROWS` rows are
searched). Survey columns identifying people (:data:`PII_PATTERNS`) are refused, dropped or reported
(:data:`PiiMode`) before any of their values is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import PrivacyError
from danvan_analysis.schemas import DatasetSpec, problem_table
from danvan_analysis.text import fold, nfc

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


@dataclass
class Header:
    """How the header cells map to contract columns."""

    row: int  # the header's row number as the user sees it
    columns: dict[int, str]  # position → contract column
    pii: dict[int, tuple[str, str]]  # position → (header text, what it holds) of a column identifying people
    problems: list[pd.DataFrame]


def score_header(cells: Sequence[object], spec: DatasetSpec) -> int:
    aliases = spec.header_aliases
    return sum(1 for c in cells if c is not None and fold(nfc(str(c))) in aliases)


def _find_header(rows: Sequence[Sequence[object]], spec: DatasetSpec) -> int:
    """Index of the row (among the first few) that names the most contract columns; 0 when none does."""
    scores = [score_header(r, spec) for r in rows[:HEADER_SEARCH_ROWS]]
    return int(np.argmax(scores)) if scores and max(scores) > 0 else 0


def _pii_kind(text: str) -> str | None:
    key = fold(text)
    return next((kind for kind, pattern in PII_PATTERNS if pattern.search(key)), None)


def _map_header(cells: Sequence[object], spec: DatasetSpec, *, row: int, file: str) -> Header:
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
    return Header(row=row, columns=columns, pii=pii, problems=problems)


def locate_header(
    top: Sequence[Sequence[object]], spec: DatasetSpec, *, pii: PiiMode, file: str
) -> tuple[int, Header, list[pd.DataFrame]]:
    """Find the header among the ``top`` rows and map it; return its index, the mapping and the problems found.

    The problems are the header's own (unknown, duplicate, missing columns), the privacy guard's and a warning for
    title rows skipped above the header.
    """
    index = _find_header(top, spec)
    header = _map_header(top[index], spec, row=index + 1, file=file)
    problems = header.problems + _privacy(header, pii, file=file) + _ignored_rows(top[:index], file=file)
    return index, header, problems


def _privacy(header: Header, mode: PiiMode, *, file: str) -> list[pd.DataFrame]:
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
