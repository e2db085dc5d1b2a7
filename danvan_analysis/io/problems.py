"""Writing problem tables: :func:`write_problems` saves a loader's problem table as .csv or .xlsx for the sender.

Values a spreadsheet would run as formulas are written as text (OWASP, "CSV injection").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError
from danvan_analysis.schemas import PROBLEM_COLUMNS

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
