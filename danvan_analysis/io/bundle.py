"""A folder of years: :func:`load_bundle` reads ``<data_dir>/<year>/<dataset>.*`` into one :class:`DataBundle`.

Which file stands for each dataset and year (and what is missing or stray) is planned first; every planned file is
then loaded and checked, and the problems of all files come in one :class:`~danvan_analysis.errors.SchemaError`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from danvan_analysis.errors import DataWarning, InputFileError, SchemaError
from danvan_analysis.io.load import load_with_problems
from danvan_analysis.io.readers import CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES
from danvan_analysis.paths import package_data
from danvan_analysis.schemas import (
    DATASETS,
    PROBLEM_COLUMNS,
    combine_problems,
    describe_problems,
    describe_warnings,
    duplicated_rows,
    get_spec,
    problem_table,
)

#: When a year folder holds several files of one dataset, the first suffix found in this order is read.
SUFFIX_PREFERENCE = (".parquet", ".xlsx", ".csv")


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
    rejected : pandas.DataFrame
        With ``set_aside=True``: the error problems of the rows set aside, with the ``district_code`` the row belongs
        to (``""`` province level or an agency, ``"?"`` unknown). Empty otherwise.
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
    rejected: pd.DataFrame = field(default_factory=lambda: _no_rejected())

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
    optional: Iterable[str] = (),
    set_aside: bool = False,
    columns: Mapping[str, Iterable[str]] | None = None,
    each_file: Callable[[str, int | None, pd.DataFrame], pd.DataFrame] | None = None,
) -> DataBundle:
    """Load ``data_dir/<year>/<dataset>.<parquet|xlsx|csv>`` for every year folder (or the given ``years``).

    Parameters
    ----------
    data_dir : folder holding one sub-folder per year (``2021/``, ``2022/``, …).
    years : years to read (default: every year folder present).
    datasets : datasets to read (default: all); the others are empty frames.
    drop_pii : drop columns identifying people from survey files instead of refusing them.
    optional : datasets that may lack a file in the latest year: they load as empty frames with a warning in
        ``warnings`` instead of an error (the reports pass every report-data dataset, so a missing ``religion.csv``
        gives "no data" for the targets it feeds, not a failed report).
    set_aside : rows with an error are set aside, not loaded, and listed in ``rejected`` with the district they
        belong to, instead of stopping the load (the reports then fail only for the units those rows concern: one
        bad cell never stops a clean district's report). Problems of a whole file (its header, a missing column)
        still stop the load. Nothing is dropped silently: every set-aside row is in ``rejected``.
    columns : dataset → the columns to keep (e.g. ``{"survey": ["year", "district_code", …]}``): its files are read
        in these columns only, plus what their checks need (the key, ``year``; see
        :func:`~danvan_analysis.io.load.read_columns`), and its frame holds these columns, text codes as
        categoricals (sorted categories; same values), in a fraction of the memory. Each file is made compact as
        soon as it is checked, and only its key is kept for the checks across files, so the load's peak is one
        file's, not the whole dataset's. The checks of the columns read are unchanged; **a problem in a column not
        read is not found**, so a caller that must vouch for every cell reads them all: nothing checks them later
        (the reports of a batch read the shared step's results, never the files; the shared step reads every
        survey column and keeps all but the respondent ID).
    each_file : called as ``each_file(dataset, year, frame)`` with the frame of each file without errors once
        checked (rows set aside, in ``columns``; ``year`` is ``None`` for a multi-year table), in year order; the
        frame it returns is kept in the bundle instead (the same columns and dtypes, e.g. no rows). A caller can so
        use a year's rows as soon as they are loaded and keep only those it still needs: the batch's shared step
        estimates each survey year as it comes and keeps the last two, so the load never holds every year. A file
        with errors is not passed (the load raises once every file is checked); a later file's errors can still
        make the load raise after earlier files were passed.

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
    kept = _kept_columns(columns)
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
    plan, notes = _plan_files(root, folders, chosen, wanted, optional=set(optional))
    loaded: dict[str, list[tuple[Path, pd.DataFrame]]] = {n: [] for n in DATASETS}
    keys: dict[str, list[tuple[Path, pd.DataFrame]]] = {n: [] for n in DATASETS}
    problems: list[pd.DataFrame] = [*notes]
    rejected: list[pd.DataFrame] = []
    for name, year, path in plan:
        pii = "drop" if drop_pii else "raise"
        # A dataset kept in some columns is kept compact: its text parsed straight to categoricals.
        frame, found, _ = load_with_problems(name, path, pii=pii, columns=kept.get(name), categorical=name in kept)
        found = combine_problems(found, _wrong_year(frame, year, path))
        if set_aside:
            frame, found, apart = _set_aside(frame, found)
            rejected.append(apart)
        problems.append(found)
        key = frame[[c for c in DATASETS[name].key if c in frame.columns]]
        if set_aside and year is not None and "year" in key.columns:
            # Rows of another year than the folder's were set aside: every row left is of this folder's year, so
            # none can share a key with another folder's file. One row keeps the year for the check across files.
            # Taken, not sliced: a slice, even copied, of an Arrow-backed text column keeps the whole column's buffers
            # alive (the respondent IDs of a million rows: ~34 MB a file).
            key = key.take([0]) if len(key) else key.copy()
        keys[name].append((path, key))
        if name in kept:
            frame = _compact(frame, kept[name])
            release_memory()  # the file's full frame is gone: its memory goes back before the next file is read
        if each_file is not None and not (found["severity"] == "error").any():  # with errors the load raises
            frame = each_file(name, year, frame)
        loaded[name].append((path, frame))
    problems += [_repeated_across_files(name, parts) for name, parts in keys.items()]
    del keys
    everything = combine_problems(*problems)
    if (everything["severity"] == "error").any():
        spec = get_spec(plan[0][0]) if len({n for n, _, _ in plan}) == 1 else None
        raise SchemaError(describe_problems(everything, spec), everything)
    data = {name: concat_frames([f for _, f in parts], DATASETS[name]) for name, parts in loaded.items()}
    found_warnings = everything[everything["severity"] == "warning"].reset_index(drop=True)
    if len(found_warnings):
        warnings.warn(DataWarning(describe_warnings(found_warnings)), stacklevel=2)
    files = {name: tuple(path for path, _ in parts) for name, parts in loaded.items()}
    apart = pd.concat(rejected, ignore_index=True) if rejected else _no_rejected()
    return DataBundle(**data, warnings=found_warnings, files=files, years=tuple(chosen), rejected=apart)


def release_memory() -> None:
    """Hand memory freed by Python back to the system: pyarrow's pool and the C library's heap keep what they freed
    for reuse, but not for each other, so the next file's reading (pyarrow) and parsing (NumPy) would each add their
    own. At 1M respondents a file this takes ~30 ms. Where the C library has no ``malloc_trim`` (not glibc) only
    pyarrow's pool is released."""
    import contextlib
    import ctypes

    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


def map_large_arrays(threshold: int = 4 << 20) -> None:
    """Have the C library allocate every block of ``threshold`` bytes or more as its own memory mapping, returned to
    the system as soon as it is freed (glibc's ``mallopt(M_MMAP_THRESHOLD)``; nothing elsewhere).

    By default glibc raises that threshold each time a mapped block is freed, up to 32 MiB, so the many 16 MB arrays
    of an estimate over 2M rows come from the heap and leave it fragmented: memory that is free but not returned.
    For the batch's shared step at 1M respondents a year (its peak is the year-on-year change, over both years'
    rows; measured when the step ran in a kernel, now the command's process) a fixed 4 MiB threshold measured a peak of 572-581 MiB against 590-598 MiB, for about 0.5 s more
    of the step's ~6.5 s (page faults of fresh mappings); blocks under 4 MiB (the reports' small arrays) are not
    affected. The setting lasts for the process.
    """
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).mallopt(-3, int(threshold))  # M_MMAP_THRESHOLD = -3 (malloc.h)


def _kept_columns(columns: Mapping[str, Iterable[str]] | None) -> dict[str, tuple[str, ...]]:
    """``columns`` by dataset name, each checked against its dataset's columns."""
    from danvan_analysis.errors import ParameterError

    kept = {}
    for name, wanted in (columns or {}).items():
        spec = get_spec(name)
        wanted = tuple(dict.fromkeys([wanted] if isinstance(wanted, str) else wanted))
        unknown = [c for c in wanted if c not in spec.column_names]
        if unknown:
            raise ParameterError(
                f"columns={{{name!r}: …}}: {', '.join(map(repr, unknown))} is not a column of {spec.name}; its "
                f"columns are {', '.join(spec.column_names)}."
            )
        kept[spec.name] = tuple(c for c in spec.column_names if c in wanted)  # in contract order
    return kept


def _compact(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` in ``columns`` only, text columns as categoricals (sorted categories: grouping sorts as the text
    would; estimators factorise either the same way)."""
    kept = {}
    for name in columns:
        if name not in frame.columns:
            continue
        column = frame[name]
        kept[name] = column.astype("category") if pd.api.types.is_string_dtype(column.dtype) else column
    return pd.DataFrame(kept, index=frame.index, copy=False)


def concat_frames(frames: list[pd.DataFrame], spec: object) -> pd.DataFrame:
    """The files' frames of dataset ``spec`` one below the other (a fresh RangeIndex; ``spec``'s empty frame when
    there is none). Categoricals get one sorted set of categories (``pd.concat`` would turn categoricals of
    different categories into text). Large frames are joined column by column, each column of the files let go once
    joined (**the frames are emptied**), so joining needs one column's memory more, not the whole frame's; frames of
    fewer than :data:`JOIN_WHOLE_ROWS` rows in all are joined whole, once their categories agree (the same frame,
    in a quarter of the time: 12,000 survey rows took 0.054 s column by column, 07/12/2026)."""
    if not frames:
        return spec.empty_frame()  # type: ignore[attr-defined]
    if len(frames) == 1 or not any(isinstance(d, pd.CategoricalDtype) for f in frames for d in f.dtypes):
        return pd.concat(frames, ignore_index=True)
    if sum(len(f) for f in frames) < JOIN_WHOLE_ROWS:
        aligned = {name: _aligned_parts(frames, name) for name in frames[0].columns}
        aligned = {name: parts for name, parts in aligned.items() if isinstance(parts[0].dtype, pd.CategoricalDtype)}
        return pd.concat(
            [f.assign(**{n: p[i] for n, p in aligned.items()}) for i, f in enumerate(frames)], ignore_index=True
        )
    columns = {}
    for name in list(frames[0].columns):
        parts = _aligned_parts(frames, name)
        columns[name] = pd.concat(parts, ignore_index=True)
        del parts
        for frame in frames:
            del frame[name]
    joined = pd.DataFrame(columns, copy=False)
    release_memory()  # the files' columns are gone: their memory goes back before the caller estimates on the join
    return joined


#: Below this many rows in all, :func:`concat_frames` joins the files' frames whole (their memory is small).
JOIN_WHOLE_ROWS = 200_000


def _aligned_parts(frames: list[pd.DataFrame], name: str) -> list[pd.Series]:
    """Column ``name`` of each frame; when it is categorical in all of them, with one sorted set of categories, the
    union of theirs."""
    parts = [f[name] for f in frames]
    if not all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
        return parts
    categories = parts[0].cat.categories
    for part in parts[1:]:
        categories = categories.union(part.cat.categories)
    return [p.cat.set_categories(categories.sort_values()) for p in parts]


def _no_rejected() -> pd.DataFrame:
    return pd.DataFrame(columns=[*PROBLEM_COLUMNS, "district_code"])


def _set_aside(frame: pd.DataFrame, found: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split off the rows that have an error: (kept rows, remaining problems, the set-aside rows' problems)."""
    errors = found["severity"] == "error"
    rows = pd.to_numeric(found["row"], errors="coerce")
    in_frame = rows.isin(frame.index) & errors
    bad = sorted({int(r) for r in rows[in_frame]})
    if not bad:
        return frame, found, _no_rejected()
    district = _district_of_rows(frame.loc[bad])
    apart = found[in_frame].copy()
    apart["district_code"] = [district[int(r)] for r in pd.to_numeric(apart["row"])]
    return frame.drop(index=bad), found[~in_frame].reset_index(drop=True), apart.reset_index(drop=True)


def _district_of_rows(rows: pd.DataFrame) -> dict[int, str]:
    """The district each row belongs to: its ``district_code``, else the district of its ``unit_code``; ``""``
    for the province level or an agency; ``"?"`` when it cannot be told (the code itself may be the bad cell)."""
    from danvan_analysis.errors import UnitError
    from danvan_analysis.units import register

    reg = register()
    out: dict[int, str] = {}
    for index, row in rows.iterrows():
        code = row.get("district_code")
        if isinstance(code, str) and code in reg.district_codes:
            out[int(index)] = code
            continue
        unit = row.get("unit_code") if "unit_code" in rows.columns else None
        try:
            found = reg.unit(str(unit)) if isinstance(unit, str) else None
        except UnitError:
            found = None
        if found is None:
            out[int(index)] = "?" if "district_code" in rows.columns or "unit_code" in rows.columns else ""
        elif found.kind in ("province", "agency"):
            out[int(index)] = ""
        else:
            out[int(index)] = found.code if found.kind == "district" else str(found.district_code)
    return out


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
    if "year" in key and _years_apart([f["year"] for _, f in parts]):
        return None  # one year per file (year folders): no key can be in two files (3M survey keys: 5 s, 400 MB)
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


def _years_apart(years: list[pd.Series]) -> bool:
    """Whether no year occurs in two of the files (missing years count as one value)."""
    seen: set[object] = set()
    for column in years:
        distinct = {None if pd.isna(y) else int(y) for y in column.unique()}
        if distinct & seen:
            return False
        seen |= distinct
    return True


def _plan_files(
    root: Path, folders: dict[int, Path], chosen: list[int], wanted: list[str], *, optional: set[str] = frozenset()
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
            elif year == latest and name not in optional:
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
