"""Reading the datasets: CSV, Excel (.xlsx) and Parquet files, checked against their contract at the boundary.

Flow of :func:`load_dataset` (every other loader is a thin wrapper)::

    read header → map header cells to contract columns (name, Vietnamese or English label, alias; by ``fold``)
                → privacy guard (survey) → read cells as text (CSV, xlsx) or typed (Parquet)
                → parse to contract dtypes (schemas.parse_frame)
                → check lazily with pandera + rules (schemas.check_frame)
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

Modules
-------
* :mod:`~danvan_analysis.io.readers`: the format readers (CSV with encoding and delimiter sniffing, xlsx, Parquet).
* :mod:`~danvan_analysis.io.headers`: header location and mapping (names, labels, aliases) and the privacy guard.
* :mod:`~danvan_analysis.io.exports`: KoboToolbox / ODK Central exports of the survey form (group paths, labels,
  select_multiple layouts, meta columns, skip logic); :func:`map_export` reports which column became which.
* :mod:`~danvan_analysis.io.load`: the load API (:func:`load_dataset`, :func:`validate_file`, ``load_<dataset>``).
* :mod:`~danvan_analysis.io.bundle`: :class:`DataBundle` and :func:`load_bundle` (year folders, which file to read).
* :mod:`~danvan_analysis.io.problems`: :func:`write_problems` (problem tables as .csv or .xlsx).
"""

from __future__ import annotations

from danvan_analysis.io.bundle import DataBundle, load_bundle
from danvan_analysis.io.load import (
    load_boards,
    load_complaints,
    load_dataset,
    load_dialogues,
    load_indices,
    load_inspections,
    load_plans,
    load_religion,
    load_submissions,
    load_survey,
    map_export,
    validate_file,
)
from danvan_analysis.io.problems import write_problems

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
    "map_export",
    "validate_file",
    "write_problems",
]
