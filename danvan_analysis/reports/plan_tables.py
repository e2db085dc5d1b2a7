"""A unit's plan tables, computed once per batch: each report that computes them leaves them in the shared folder.

:func:`~danvan_analysis.scorecard.compute_plan_tables` takes about 0.1 s for a district and 0.3 s for the province.
In a batch the province report scores every district (:func:`~danvan_analysis.scorecard.score_all_districts`) and
every agency report reads the province's tables, so without this module a batch computed each district's tables
twice and the province's once per agency report.

:func:`plan_tables` is :func:`compute_plan_tables` with a memory: given a report's shared folder (``shared_cache``,
set by ``danvan reports``), it reads the tables another report of the batch left there, or computes them and leaves
them for the others. Without a shared folder (JupyterLab, plain papermill) it only computes. The folder's own key
covers the data, the year, the map and the package; a file's name adds the rest the tables depend on: the plan's
digest, the period, the year and the unit.

The files are data, like the rest of the shared folder (:mod:`danvan_analysis.reports.shared`): JSON of the tables'
fields (text, integers, floats and booleans, which JSON keeps exactly), rebuilt into the table classes of
:mod:`danvan_analysis.indicators`. A table with a value of any other type is not stored (the report computes it
again), and a file that does not parse is ignored: the memory can only save work, never change a figure. Files are
written atomically, so a report never reads half a file another one is writing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danvan_analysis.files import write_atomic

if TYPE_CHECKING:
    from danvan_analysis.indicators import IndicatorTable
    from danvan_analysis.plan import Plan

#: Sub-folder of the shared folder holding the tables.
TABLES_DIR = "plan_tables"
#: Bumped when the stored form changes: files of another format are not read.
TABLES_FORMAT = 1
_PLAIN = (str, int, float, bool, type(None))


def plan_tables(
    bundle: object,
    *,
    year: int,
    district: str | None = None,
    plan: Plan,
    period: str | None = None,
    shared_cache: Path | None = None,
    themes: tuple[str, ...] | None = None,
) -> dict[str, IndicatorTable | None]:
    """:func:`~danvan_analysis.scorecard.compute_plan_tables` of a unit (``district=None``: the province), read from
    ``shared_cache`` when a report of the same batch computed them, else computed (and stored there). ``themes``:
    only these themes' tables, stored in a file of their own."""
    from danvan_analysis.scorecard import compute_plan_tables

    path = _path(shared_cache, year=year, district=district, plan=plan, period=period, themes=themes)
    if path is not None and path.is_file():
        stored = _read(path)
        if stored is not None:
            return stored
    tables = compute_plan_tables(bundle, year=year, district=district, plan=plan, period=period, themes=themes)
    if path is not None:
        text = _dumps(tables)
        if text is not None:
            write_atomic(path, text)
    return tables


def _path(
    shared_cache: Path | None,
    *,
    year: int,
    district: str | None,
    plan: Plan,
    period: str | None,
    themes: tuple[str, ...] | None = None,
) -> Path | None:
    if shared_cache is None:
        return None
    unit = "province" if district is None else str(district)
    subset = "" if themes is None else "-" + hashlib.sha256(",".join(themes).encode()).hexdigest()[:12]
    name = f"{int(year)}-{unit}{subset}.json"
    return Path(shared_cache) / TABLES_DIR / f"{plan.digest[:16]}-{period or 'year'}" / name


def _dumps(tables: dict[str, IndicatorTable | None]) -> str | None:
    """The tables as JSON, or ``None`` when a field holds a value JSON would not give back as it is."""
    stored: dict[str, Any] = {}
    for name, table in tables.items():
        if table is None:
            stored[name] = None
            continue
        entry: dict[str, Any] = {"theme": table.theme, "year": table.year, "scope_code": table.scope_code}
        for field in ("indicators", "shortfalls", "caveats"):
            # Each item's fields as they are (dataclasses.asdict would deep-copy every value: ~0.02 s of a district
            # report's CPU); only plain values are stored, and those JSON writes the same either way.
            entry[field] = [_fields_of(item) for item in getattr(table, field)]
            if any(type(v) not in _PLAIN for item in entry[field] for v in item.values()):
                return None
        if type(table.year) is not int:
            return None
        stored[name] = entry
    return json.dumps({"format": TABLES_FORMAT, "tables": stored}, ensure_ascii=False)


def _fields_of(item: object) -> dict[str, Any]:
    """A dataclass instance's fields, name → value, without copying the values."""
    return {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}  # type: ignore[arg-type]


def _read(path: Path) -> dict[str, IndicatorTable | None] | None:
    from danvan_analysis.indicators import Indicator, IndicatorTable, Note, Shortfall

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != TABLES_FORMAT:
            return None
        return {
            name: None
            if entry is None
            else IndicatorTable(
                theme=entry["theme"],
                year=entry["year"],
                scope_code=entry["scope_code"],
                indicators=tuple(Indicator(**item) for item in entry["indicators"]),
                shortfalls=tuple(Shortfall(**item) for item in entry["shortfalls"]),
                caveats=tuple(Note(**item) for item in entry["caveats"]),
            )
            for name, entry in document["tables"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
