"""Benchmark: the loaders against their read floor, side by side in one run (issue 13's loader rows).

What is timed, best wall time of ``--repeat`` runs, each case and its floor run alternately so both see the same load
on a shared machine:

* ``load_survey`` of the demo survey (``danvan_analysis.demo.generate_survey(2023, respondents=--rows)``) from Parquet
  and from CSV (the demo's CSV format: UTF-8, comma, ISO dates), against its **floor**, the least work the same
  output needs: the bare pyarrow read of the same file to a pandas frame (``pyarrow.parquet.read_table``;
  ``pyarrow.csv.read_csv`` told each column's type, no inference), a plain vectorised check of the same rules,
  written here in a dozen pandas lines (required cells, closed sets, ranges, register codes, commune in district,
  unique IDs, two PSUs per stratum, PSUs in one stratum), and the loader's output types. The floor reads the text
  columns of few distinct values (codes, closed sets, strata, PSUs) as dictionaries, checks them as categoricals and
  turns them into ``str`` columns at the end, CSV ratings as 8-bit integers and booleans as pandas' nullable types,
  checks ratings by two comparisons instead of a set look-up, and IDs in increasing order by comparing neighbours
  (as the loader does) instead of hashing them: each of these was measured cheaper than the plain alternative (the
  CSV floor reading text as plain strings took 1.54 s against 1.39 s; its ratings checked with ``isin`` and
  booleans as Python objects, 0.5 s more). The floor does none of what the loader adds: header
  matching, privacy guard, repairs, problem tables, the text of a bad cell as written.
* ``load_complaints`` of a ``--xlsx-rows`` report workbook (the demo complaints of enough years, written by pandas
  with openpyxl) against a bare ``python_calamine`` read of the sheet.

Aims (issue 13): Parquet ≤ 1.2 s and CSV ≤ 2 s at 1M rows, each ≤ 1.5× its floor; the xlsx ≤ 2 s.

The files are written once into ``--workdir`` (default: a folder in the system's temporary directory) and reused by
later runs of the same sizes. Loaders and floors are warmed up on a small file first, so imports are not timed.

Run: ``python benchmarks/bench_load.py [--rows 1000000] [--xlsx-rows 60000] [--repeat 3] [--workdir DIR]``.
Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from danvan_analysis.schemas import get_spec

AIMS = {"parquet": (1.2, 1.5), "csv": (2.0, 1.5), "xlsx": (2.0, None)}


# -- the data ---------------------------------------------------------------------------------------------------------
def survey_files(rows: int, folder: Path) -> tuple[Path, Path]:
    from danvan_analysis.demo import generate_survey

    parquet, csv = folder / f"survey_{rows}.parquet", folder / f"survey_{rows}.csv"
    if not (parquet.exists() and csv.exists()):
        print(f"writing the {rows:,}-row demo survey to {folder} …", flush=True)
        survey = generate_survey(2023, respondents=rows, seed=2023)
        survey.to_parquet(parquet, index=False)
        survey.to_csv(csv, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")
    return parquet, csv


def report_workbook(rows: int, folder: Path) -> Path:
    from danvan_analysis.demo import generate_complaints

    path = folder / f"complaints_{rows}.xlsx"
    if not path.exists():
        print(f"writing the {rows:,}-row complaints workbook to {folder} (openpyxl: slow) …", flush=True)
        frames, year = [], 2023
        while sum(len(f) for f in frames) < rows:
            frames.append(generate_complaints(year, seed=2023))
            year -= 1
        pd.concat(frames[::-1], ignore_index=True).head(rows).to_excel(path, index=False)
    return path


# -- the floors -------------------------------------------------------------------------------------------------------
def plain_checks(frame: pd.DataFrame) -> int:
    """The survey contract's rules, written plainly with pandas; returns the number of failing cells."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from danvan_analysis.schemas._base import unit_table

    spec = get_spec("survey")
    units = unit_table()
    districts = units.index[units["kind"] == "district"]
    communes = units.index[units["kind"] == "commune"]
    bad = 0
    for meta in spec.columns:
        column = frame[meta.name]
        missing = column.isna()
        if not meta.nullable:
            bad += int(missing.sum())
        if meta.kind == "rating":  # whole numbers (read as integers): two comparisons beat hashing a million cells
            bad += int((~(column.between(1, 5) | (column == 9)) & ~missing).sum())
        elif meta.kind == "enum":
            bad += int((~column.isin(meta.codes()) & ~missing).sum())
        elif meta.kind == "year":
            bad += int((~column.between(2000, 2100) & ~missing).sum())
        elif meta.kind == "float":
            bad += int((~((column > 0) & np.isfinite(column)) & ~missing).sum())
    bad += int((~frame["district_code"].isin(districts)).sum())
    bad += int((~frame["commune_code"].isin(communes)).sum())
    bad += int((frame["commune_code"].map(units["district_code"]) != frame["district_code"]).sum())
    # IDs in increasing order cannot repeat (one comparison a row, as the loader does); otherwise hash them.
    ids = pa.chunked_array(frame["respondent_id"].array.__arrow_array__())
    if not (ids.null_count == 0 and pc.all(pc.less(ids[:-1], ids[1:])).as_py()):
        bad += int(frame.duplicated(["year", "respondent_id"], keep=False).sum())
    psus = frame.groupby(["year", "stratum"], observed=True)["psu"].transform("nunique")
    strata = frame.groupby(["year", "psu"], observed=True)["stratum"].transform("nunique")
    bad += int((psus < 2).sum()) + int((strata > 1).sum())
    return bad


#: Kinds of the survey's text columns of few distinct values (codes, closed sets, strata, PSUs, villages): the
#: floors read them as dictionaries. Not the ID (all distinct) nor numbers.
CODE_KINDS = ("text", "enum", "province", "district", "commune", "unit")


def _codes() -> list[str]:
    return [c.name for c in get_spec("survey").columns if c.kind in CODE_KINDS]


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The loader's output types: categoricals back to ``str`` columns, each category's text taken by code."""
    for name in _codes():
        column = frame[name]
        frame[name] = column.cat.categories.array.take(column.cat.codes.to_numpy(), allow_fill=True)
    return frame


def floor_parquet(path: Path) -> None:
    import pyarrow.parquet as pq

    frame = pq.read_table(path, read_dictionary=_codes()).to_pandas()
    assert plain_checks(frame) == 0
    _as_text(frame)


def _arrow_types() -> dict[str, object]:
    import pyarrow as pa

    kinds = {"year": pa.int64(), "rating": pa.int8(), "float": pa.float64(), "bool": pa.bool_()}
    codes = pa.dictionary(pa.int32(), pa.string())
    return {
        c.name: kinds.get(c.kind, codes if c.kind in CODE_KINDS else pa.string()) for c in get_spec("survey").columns
    }


def _nullable_types() -> dict[object, object]:
    """Arrow types → the pandas types the loader gives (booleans with gaps would be Python objects otherwise)."""
    import pyarrow as pa

    return {pa.bool_(): pd.BooleanDtype(), pa.int8(): pd.Int8Dtype(), pa.int64(): pd.Int64Dtype()}


def floor_csv(path: Path) -> None:
    import pyarrow.csv as pv

    table = pv.read_csv(path, convert_options=pv.ConvertOptions(column_types=_arrow_types()))
    frame = table.to_pandas(types_mapper=_nullable_types().get)
    assert plain_checks(frame) == 0
    _as_text(frame)


def floor_xlsx(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as book:
        rows = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert len(rows) > 1


# -- timing -----------------------------------------------------------------------------------------------------------
def best_of(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall time and least CPU time (all threads) of each call, the calls run in turn ``repeat`` times (so both
    see the same machine load). CPU time moves less than wall time when other processes share the cores."""
    best = dict.fromkeys(calls, (float("inf"), float("inf")))
    for _ in range(repeat):
        for name, call in calls.items():
            gc.collect()
            cpu, start = time.process_time(), time.perf_counter()
            call()
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="survey respondents (default 1,000,000)")
    parser.add_argument("--xlsx-rows", type=int, default=60_000, help="rows of the report workbook (default 60,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each case; the best is kept (default 3)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "danvan_bench_load")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    from danvan_analysis.io import load_complaints, load_survey

    parquet, csv = survey_files(args.rows, args.workdir)
    workbook = report_workbook(args.xlsx_rows, args.workdir)
    small_parquet, small_csv = survey_files(2_000, args.workdir)
    small_workbook = report_workbook(500, args.workdir)

    warnings.simplefilter("error")  # the demo data load clean: any warning is a bug worth seeing
    for call in (load_survey, floor_parquet):  # warm-up: imports and caches are not timed
        call(small_parquet)
    for call in (load_survey, floor_csv):
        call(small_csv)
    for call in (load_complaints, floor_xlsx):
        call(small_workbook)

    cases = [
        ("parquet", f"load_survey, {args.rows:,} rows, Parquet", lambda: load_survey(parquet), lambda: floor_parquet(parquet)),
        ("csv", f"load_survey, {args.rows:,} rows, CSV", lambda: load_survey(csv), lambda: floor_csv(csv)),
        ("xlsx", f"load_complaints, {args.xlsx_rows:,}-row xlsx", lambda: load_complaints(workbook), lambda: floor_xlsx(workbook)),
    ]  # fmt: skip
    print(f"\n{'what':<40} {'loader':>8} {'floor':>8} {'ratio':>6}   {'CPU: loader / floor':<20} aim")
    for key, label, ours, floor in cases:
        times = best_of({"ours": ours, "floor": floor}, args.repeat)
        (wall, cpu), (floor_wall, floor_cpu) = times["ours"], times["floor"]
        ratio = wall / floor_wall
        limit, most = AIMS[key]
        aim = f"≤ {limit:g} s" + ("" if key == "xlsx" else " at 1M rows") + (f", ≤ {most:g}× floor" if most else "")
        # The time aims are for the default sizes; at other sizes only the ratio is judged.
        default = args.xlsx_rows == 60_000 if key == "xlsx" else args.rows == 1_000_000
        met = (not default or wall <= limit) and (most is None or ratio <= most)
        cpus = f"{cpu:.2f} / {floor_cpu:.2f} s"
        print(
            f"{label:<40} {wall:>7.2f}s {floor_wall:>7.2f}s {ratio:>5.2f}×   {cpus:<20} {aim} "
            f"{'met' if met else 'NOT met'}"
        )
    load = os.getloadavg()[0]
    print(f"\nload average during the run: {load:.1f} on {os.cpu_count()} cores (wall times grow with it).")
    print(
        "\nfloor: Parquet/CSV = bare pyarrow read to pandas + plain vectorised checks of the same rules; "
        "xlsx = bare python_calamine read of the sheet."
    )


if __name__ == "__main__":
    main()
