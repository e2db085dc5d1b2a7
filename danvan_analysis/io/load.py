"""The load API: :func:`load_dataset`, :func:`validate_file` and one ``load_<dataset>`` function per dataset.

One file is read (:func:`~danvan_analysis.io.readers.read_table`), parsed to the contract's dtypes and checked
(:func:`~danvan_analysis.schemas.parse_frame`, :func:`~danvan_analysis.schemas.check_frame`); the loaders then raise
one :class:`~danvan_analysis.errors.SchemaError` or warn, :func:`validate_file` returns the problem table.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from danvan_analysis.errors import DataWarning, ParameterError, SchemaError
from danvan_analysis.io.exports import adapt_export
from danvan_analysis.io.headers import PiiMode
from danvan_analysis.io.readers import read_table
from danvan_analysis.paths import package_data
from danvan_analysis.registers import register_of_year
from danvan_analysis.schemas import (
    DatasetSpec,
    check_frame,
    combine_problems,
    describe_problems,
    describe_warnings,
    get_spec,
    parse_frame,
    plain_text,
    problem_table,
)
from danvan_analysis.units import Register, using_register


# -- loading one file -----------------------------------------------------------------------------------------------
def load_with_problems(
    name: str,
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    pii: PiiMode = "raise",
    single_psu: Literal["error", "warn"] = "error",
    rename: Mapping[str, str] | None = None,
    require_weight: bool = True,
    columns: Collection[str] | None = None,
    categorical: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, DatasetSpec]:
    """Read, parse and check one file; return (frame indexed by row number, every problem, spec). Never raises
    SchemaError: the caller decides.

    ``columns``: read, parse and check only these contract columns (see :func:`read_columns`); the frame holds
    them and the dataset's key. A problem in a column not read is not found: the header is still mapped in full
    (a missing required column is still reported), and a cross-column rule runs only when all its columns are read.

    ``categorical``: text columns other than identifiers are returned as categoricals (see
    :func:`~danvan_analysis.schemas.parse_frame`), in a fraction of the memory. They are parsed and checked as
    categoricals either way (the checks judge each category once); without it they are turned into ``str``
    columns at the end, with the same values and problems.
    """
    spec = get_spec(name)
    wanted = read_columns(spec, columns) if columns is not None else None
    if single_psu not in ("error", "warn"):
        raise ParameterError(f"single_psu={single_psu!r}; expected 'error' or 'warn'.")
    if name != "survey" and (rename or not require_weight):
        raise ParameterError("rename and require_weight apply to the survey only.")
    path = Path(path)
    optional = ("district_code",) if require_weight else ("weight", "district_code")
    table = read_table(
        path, spec, sheet=sheet, encoding=encoding, pii=pii, rename=rename, optional=optional, columns=wanted
    )
    file = table.label
    raw = table.raw
    # Units are checked against the map of each row's year: no district level from the second half of 2025.
    groups = _rows_by_map(raw)
    absent = "district_code" in spec.required_columns and "district_code" not in raw.columns
    absent = absent and (wanted is None or "district_code" in wanted)  # not read: not looked for
    if absent and any(reg is None or reg.district_codes for reg, _ in groups):
        meta = spec.column("district_code")
        expected = f"a column district_code (header '{meta.vi}', '{meta.en}' or 'district_code')"
        row = table.header.row if table.header is not None else 1
        table.problems.append(problem_table([row], "district_code", [""], expected, "missing_column", file=file))
    frame, problems = _parse_and_check(
        spec, table, raw, groups, file=file, single_psu=single_psu, columns=wanted, categorical=categorical
    )
    if wanted is not None:
        return frame[[c for c in frame.columns if c in columns or c in spec.key]], problems, spec
    if "district_code" in spec.column_names and "district_code" not in frame.columns:
        # The two-level map has no district: the column is there, empty, as for an absent optional column.
        position = min(spec.column_names.index("district_code"), len(frame.columns))
        frame.insert(position, "district_code", pd.Series(pd.NA, index=frame.index, dtype="str"))
    if not require_weight and "weight" not in frame:
        # Field exports arrive without weights: the column is there, empty, for `danvan weights` to fill.
        frame.insert(spec.column_names.index("weight"), "weight", pd.Series(np.nan, index=frame.index, dtype="float64"))
    return frame, problems, spec


def _rows_by_map(raw: pd.DataFrame) -> list[tuple[Register | None, pd.Index]]:
    """The rows checked against each map (``None``: the shipped 2023 register), in the order of the rows' years.

    The rule: **a row is checked against the map of its own year**
    (:func:`~danvan_analysis.registers.register_of_year` of the year and the latest period the file holds for it;
    the whole year without a ``period`` column): a 2023 row on the 2023 map (177 communes), a 2024 row on the map
    before 01/07/2025 (172), a 2026 row on the two-level map; a 2025 file of the first half only (periods ``Q1``,
    ``H1``) is on the map before 01/07/2025. Rows without a readable year go with the latest year's map (the year
    check reports them)."""
    if "year" not in raw.columns or raw.empty:
        return [(None, raw.index)]
    years = _years(raw["year"])
    found = sorted(int(y) for y in years.dropna().unique())
    if not found:
        return [(None, raw.index)]
    registers = {year: register_of_year(year, _latest_period(raw, years, year)) for year in found}
    if len({id(reg) for reg in registers.values()}) == 1:
        return [(registers[found[-1]], raw.index)]
    key = years.fillna(found[-1]).astype("int64").map({y: id(r) for y, r in registers.items()})
    groups = []
    for year in found:
        reg = registers[year]
        if not any(r is reg for r, _ in groups):
            groups.append((reg, raw.index[(key == id(reg)).to_numpy()]))
    return groups


def _years(cells: pd.Series) -> pd.Series:
    """Each row's year as a number, NaN where unreadable or outside 2000–2100; each distinct cell is read once (a
    million rows of a survey hold one or two years: reading every cell as text took a fifth of a CSV load)."""
    if isinstance(cells.dtype, pd.CategoricalDtype):
        codes, distinct = cells.cat.codes.to_numpy(), cells.cat.categories
    else:
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    numbers = pd.to_numeric(pd.Series(distinct).astype("str").str.strip(), errors="coerce").astype("float64")
    numbers = numbers.where((numbers >= 2000) & (numbers <= 2100)).to_numpy()
    return pd.Series(np.append(numbers, np.nan)[codes], index=cells.index)  # code -1 (a missing cell): the NaN


def _latest_period(raw: pd.DataFrame, years: pd.Series, year: int) -> str | None:
    """The latest period of the plan's calendar among ``year``'s rows (``None``: the whole year)."""
    if "period" not in raw.columns:
        return None
    from danvan_analysis.vocab import Period

    codes = {Period.parse(text) for text in raw.loc[(years == year).to_numpy(), "period"].dropna().unique()}
    order = [p for p in Period.codes() if p in codes]
    return order[-1] if order and order[-1] != "Y" else None


def read_columns(spec: DatasetSpec, columns: Collection[str]) -> frozenset[str]:
    """The columns to read so that ``columns`` are parsed and checked as in a full load: those, the dataset's key
    (its uniqueness rule), ``year`` (the map the units are checked on), the columns a missing one is copied from
    (``psu`` from ``commune_code``) and ``district_code`` for commune and unit codes (names resolve within it).

    Raises
    ------
    ParameterError
        A name in ``columns`` is not a column of the dataset.
    """
    unknown = sorted(set(columns) - set(spec.column_names))
    if unknown:
        raise ParameterError(
            f"columns={sorted(columns)!r}: {', '.join(map(repr, unknown))} is not a column of {spec.name}; "
            f"its columns are {', '.join(spec.column_names)}."
        )
    wanted = set(columns) | set(spec.key) | ({"year"} & set(spec.column_names))
    wanted |= {spec.column(c).default_from for c in columns if spec.column(c).default_from}
    if any(spec.column(c).kind in ("commune", "unit") for c in columns) and "district_code" in spec.column_names:
        wanted.add("district_code")
    return frozenset(wanted)


def _parse_and_check(
    spec: DatasetSpec,
    table: object,
    raw: pd.DataFrame,
    groups: list[tuple[Register | None, pd.Index]],
    *,
    file: str,
    single_psu: str,
    columns: frozenset[str] | None = None,
    categorical: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if table.header is not None and table.header.mapping is not None:
        raw, export_problems = adapt_export(raw, table.header.source_headers, file=file)
        table.problems.extend(export_problems)
    if raw.empty:
        table.problems.append(
            problem_table([1], "", [""], "at least one data row", "no_rows", severity="warning", file=file)
        )
    downgrade = ("stratum_has_two_psus",) if single_psu == "warn" else ()
    frames, found = [], []
    for reg, rows in groups:
        part = raw if len(groups) == 1 else raw.loc[rows]
        with using_register(reg):
            frame, parse_problems = parse_frame(spec, part, file=file, categorical=True)
            if columns is not None:
                # Parsing fills absent optional columns (empty, or from their default_from column): a column left
                # unread must not be checked as if the file lacked it (a stratum copied from the district is not
                # the file's).
                frame = frame[[c for c in frame.columns if c in columns]]
            checked = check_frame(spec, frame, raw=part, file=file, downgrade=downgrade)
        # Parts on different maps have categories of their own: joined as text (a compact load re-encodes them).
        frames.append(frame if categorical and len(groups) == 1 else _text_columns(frame))
        found += [parse_problems, checked]
    # Rows of years on different maps were checked apart (each against its own map), then put back in file order.
    frame = frames[0] if len(frames) == 1 else pd.concat(frames).loc[raw.index]
    problems = combine_problems(*table.problems, *found, order=spec.column_names)  # type: ignore[attr-defined]
    return frame, problems


def _text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categoricals of text as ``str`` columns (:func:`~danvan_analysis.schemas.plain_text`)."""
    categorical = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)]
    if not categorical:
        return frame
    frame = frame.copy(deep=False)
    for name in categorical:
        frame[name] = plain_text(frame[name])
    return frame


def map_export(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    rename: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the mapping report of a survey file exported from KoboToolbox or ODK Central.

    One row per column of the export: ``export_column``, the ``contract_column`` it became (empty when set aside;
    ``form:<field>`` for the select_multiple as one column and the skip-logic questions, which become ``pr_<area>``
    columns or are checked and dropped) and ``how`` it was recognised. The form and the mapping are declared in
    :mod:`danvan_analysis.schemas.survey_form`.

    Raises
    ------
    InputFileError
        When the file cannot be read.
    ParameterError
        When the file is not an export of the survey form (its header holds only the contract's own columns).
    """
    path = Path(path)
    table = read_table(
        path, get_spec("survey"), sheet=sheet, encoding=encoding, pii="report", rename=rename, optional=("weight",)
    )
    if table.header is None or table.header.mapping is None:
        raise ParameterError(
            f"{path}: not an export of the survey form (its header has only the survey contract's own columns); "
            "it loads with load_survey as it is."
        )
    return table.header.mapping


def _raise_or_warn(problems: pd.DataFrame, spec: DatasetSpec | None, *, stacklevel: int) -> None:
    if (problems["severity"] == "error").any():
        raise SchemaError(describe_problems(problems, spec), problems)
    if len(problems):
        warnings.warn(DataWarning(describe_warnings(problems)), stacklevel=stacklevel + 1)


def _load_checked(name: str, path: str | Path, **options: object) -> pd.DataFrame:
    """:func:`load_with_problems`, then raise or warn (the warning points at the public loader's caller)."""
    frame, problems, spec = load_with_problems(name, path, **options)  # type: ignore[arg-type]
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
    rename: Mapping[str, str] | None = None,
    require_weight: bool = True,
) -> pd.DataFrame:
    """Check a file against dataset ``name``'s contract and return its problem table (empty = valid).

    ``rename`` and ``require_weight`` (survey only): see :func:`load_survey`.

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
    _, problems, _ = load_with_problems(
        name,
        path,
        sheet=sheet,
        encoding=encoding,
        pii="drop" if drop_pii else "report",
        rename=rename,
        require_weight=require_weight,
    )
    return problems


# -- one loader per dataset -----------------------------------------------------------------------------------------
def load_survey(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    drop_pii: bool = False,
    single_psu: Literal["error", "warn"] = "error",
    rename: Mapping[str, str] | None = None,
    require_weight: bool = True,
) -> pd.DataFrame:
    """Load survey microdata; see :func:`load_dataset` (``drop_pii`` and ``single_psu`` apply here).

    Exports of the field form (``danvan questionnaire``) from KoboToolbox or ODK Central load as they come (see
    :mod:`danvan_analysis.io.exports`; :func:`map_export` shows the mapping).

    Parameters
    ----------
    rename : export header → survey column or form field, for a question someone renamed in the form
        (``{"q05_kinh_te": "q05"}``).
    require_weight : ``False`` accepts a file without a ``weight`` column (an export, before weighting): the column
        is returned empty (NaN).
    """
    pii = "drop" if drop_pii else "raise"
    return _load_checked(
        "survey",
        path,
        sheet=sheet,
        encoding=encoding,
        pii=pii,
        single_psu=single_psu,
        rename=rename,
        require_weight=require_weight,
    )


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
