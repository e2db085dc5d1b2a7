"""Results every report of a batch needs, computed once per batch and handed to the notebooks as a folder.

A district report needs the whole province's data and estimates: the checked data bundle (loading and validating
every file takes seconds), the SIPAS-style indices of every district and year (its trend and its place in the
province), the comparison of each district with the rest of the province and the year-on-year changes (the most
expensive estimates). Computed in every notebook they would dominate the batch, so ``danvan reports`` runs
:func:`build_shared_results` once, in the command's own process while the first kernel boots
(:func:`danvan_analysis.batch.runner.run_shared_step`), which calls :func:`write_shared_results`; every report then
gets the folder as its ``shared_cache`` parameter and :func:`load_shared_results` reads it. With an empty
``shared_cache`` (JupyterLab, papermill) the notebook computes the same results itself with
:func:`compute_shared_results`: the two paths give identical reports (tested in ``tests/batch``).

Whatever reads the survey's rows is done here, once, for every district in one pass (the indices, comparisons,
changes, the model, the improvement priorities, each district's commune estimates and the respondent counts), so a
report's cost does not grow with the survey: the survey's rows stay in this step, and the results carry the survey's
columns without its rows (``bundle.survey`` is empty on both paths, so a report cannot read it on one path only).

The folder holds data only, never code: one Arrow IPC file per table (``.arrow``, uncompressed: every report reads
them all, and they are read in half the time Parquet files take, written in 60 %) and a ``meta.json`` (format tag,
year, the titles/caveats of the result objects, the bundle's file list), written last, so a folder without
``meta.json`` is incomplete and ignored. Result objects are rebuilt from their class name looked up in
:mod:`danvan_analysis.survey.results` only. This module assembles results of :mod:`danvan_analysis.io` and
:mod:`danvan_analysis.survey`; it computes no figure itself.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danvan_analysis.files import write_atomic
from danvan_analysis.reports.params import SHARED_CACHE_FORMAT

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from danvan_analysis.io import DataBundle
    from danvan_analysis.reports.params import AgencyParams, DistrictParams, ProvinceParams
    from danvan_analysis.survey import Comparison, ModelResult, PriorityShares, SipasIndices

_DATASETS = (
    "survey",
    "dialogues",
    "religion",
    "complaints",
    "boards",
    "plans",
    "inspections",
    "submissions",
    "indices",
)
_RESULTS = ("comparison", "change", "model", "priorities")
#: Small tables of per-district results, written as ``slice_<name>.arrow``.
_SLICES = ("respondents", "communes", "previous_communes")
#: The tables' file suffix: Arrow IPC files (the Feather V2 format).
_TABLE_SUFFIX = ".arrow"


@dataclass(frozen=True)
class SharedResults:
    """The batch-shared results of a year.

    Attributes
    ----------
    year : the year reported on.
    bundle : every dataset of the data folder, all years, as loaded and checked by :func:`danvan_analysis.io.load_bundle`.
    indices : SIPAS-style indices of the province and each district, one result per survey year (each year is
        its own sample and design: a commune sampled in two years is two PSUs, so years are never pooled).
    comparison : each district against the rest of the province in ``year`` (:func:`~danvan_analysis.survey.compare_districts`).
    change : change from the previous survey year to ``year`` for the province and each district
        (:func:`~danvan_analysis.survey.compare_years`); ``None`` when there is no previous year.
    model : the factors of satisfaction in ``year``, fitted on the whole province with a term per district
        (:func:`~danvan_analysis.survey.fit_satisfaction_model`): a district has 4–11 sampled communes, too few
        PSUs for a model of its own, while the province's design has the degrees of freedom. ``None`` when it
        cannot be fitted, with the reason in ``model_error``.
    model_error : why the model could not be fitted (``""`` when it was).
    priorities : improvement priorities of the province and every district in ``year`` (domains of the full design).
    respondents : survey respondents per ``year`` and ``district_code`` (column ``n``), every survey year.
    communes : each district's sampled communes' SIPAS indices in ``year`` (tidy, with the ``district_code`` they
        were estimated for; villages as PSUs, one design per district: :func:`~danvan_analysis.survey.commune_design`),
        or ``None``; a district whose villages cannot carry the estimates has no row.
    previous_communes : the same for the previous survey year, **on the map of** ``year`` (2023's communes merged as
        in 2024: :func:`~danvan_analysis.indicators.crosswalk.onto_map_of_year`); ``recomputed_from`` names the old
        communes of a figure recomputed onto the later map (empty otherwise). A merged commune of which the previous
        sample held only part has no row (not comparable). ``None`` without a previous year, or when the previous
        year is on the same map (the 2023 batch is unchanged).
    """

    year: int
    bundle: DataBundle
    indices: dict[int, SipasIndices]
    comparison: Comparison
    change: Comparison | None
    model: ModelResult | None = None
    model_error: str = ""
    priorities: PriorityShares | None = None
    respondents: pd.DataFrame | None = None
    communes: pd.DataFrame | None = None
    previous_communes: pd.DataFrame | None = None

    def district_respondents(self, district: str | None, *, year: int) -> int:
        """Respondents of ``district`` (``None``: the province) in ``year``."""
        counts = self.respondents
        rows = counts[counts["year"] == year]
        return int(rows["n"].sum() if district is None else rows.loc[rows["district_code"] == district, "n"].sum())

    def district_communes(self, district: str, *, previous: bool = False) -> pd.DataFrame | None:
        """The tidy commune indices of ``district`` (``None`` when its villages could not carry them); ``previous``:
        the previous year's on this year's map (:attr:`previous_communes`)."""
        table = self.previous_communes if previous else self.communes
        if table is None:
            return None
        rows = table[table["district_code"] == district]
        return rows.drop(columns="district_code").reset_index(drop=True) if len(rows) else None


def compute_shared_results(*, data_dir: Path, year: int, ci_method: str = "logit") -> SharedResults:
    """Load the data folder and compute the shared estimates (see the module docstring); ``ci_method`` is the
    plan file's interval for survey shares (``rules.ci_method``).

    The survey is read and checked in every column (:func:`_survey_columns`) and kept without its IDs, its text
    columns as categoricals (codes, not one string per row), each file made compact as soon as it is checked; each
    year's rows are then taken without a copy. At 1M respondents a year the survey's rows, not the estimates,
    decide this step's memory.
    """
    import pandas as pd

    from danvan_analysis.errors import EstimationError
    from danvan_analysis.indicators import THEMES
    from danvan_analysis.io import load_bundle
    from danvan_analysis.io.bundle import concat_frames, release_memory
    from danvan_analysis.registers import register_of_year
    from danvan_analysis.schemas import get_spec
    from danvan_analysis.survey import (
        SATISFACTION_PREDICTORS,
        EstimationSettings,
        SurveyDesign,
        compare_districts,
        compare_years,
        fit_satisfaction_model,
        priority_shares,
        sipas_indices,
    )

    reg = register_of_year(year)
    if reg is not None and reg.two_level:  # no district: communes are the strata (reports.commune)
        from danvan_analysis.reports.commune import compute_two_level_shared

        return compute_two_level_shared(data_dir=Path(data_dir), year=year, ci_method=ci_method)
    # A report-data file missing for the year gives "no data" for the targets it feeds; the survey stays required.
    # Only the reported year and the years before it: a later year's folder is not this report's business.
    folders = [int(p.name) for p in Path(data_dir).iterdir() if p.is_dir() and p.name.isdigit()]
    design = SurveyDesign()
    settings = EstimationSettings(ci_method=ci_method)
    indices: dict[int, SipasIndices] = {}
    counts: list[pd.DataFrame] = []
    kept: dict[int, pd.DataFrame] = {}  # the survey years still needed: the latest before ``year``, and ``year``
    previous_communes = None

    def each_file(name: str, file_year: int | None, frame: pd.DataFrame) -> pd.DataFrame:
        """A survey year is estimated as soon as it is loaded (its rows, once checked, are all of its folder's
        year); only the rows of the change's two years are kept, so the load never holds every year."""
        nonlocal previous_communes
        if name != "survey" or file_year is None or frame.empty:
            return frame
        indices[file_year] = sipas_indices(frame, design, settings=settings)
        counts.append(_count_respondents(frame))
        if file_year == year - 1 and reg is not None and register_of_year(file_year) is None:  # two maps
            previous_communes = _previous_commune_indices(frame, year)
        if file_year < year:
            kept.clear()  # an earlier year than this one is not compared
        kept[file_year] = frame
        return frame.iloc[0:0].copy()  # a copy: an empty view would keep the rows alive

    # A row with an error is set aside (bundle.rejected), so only the reports it concerns fail, naming it.
    bundle = load_bundle(
        data_dir,
        years=[y for y in folders if y <= year],
        optional=tuple(THEMES),
        set_aside=True,
        columns={"survey": _survey_columns()},
        each_file=each_file,
    )
    # The rows stay here (module docstring): the results carry the survey's columns, as loaded by a full load.
    bundle = dataclasses.replace(bundle, survey=get_spec("survey").empty_frame())
    respondents = (
        pd.concat(counts, ignore_index=True) if counts else _count_respondents(get_spec("survey").empty_frame())
    )
    years = sorted(kept)
    survey = concat_frames([kept.pop(y) for y in years], get_spec("survey"))
    rows = _year_rows(survey)
    # The change reads the two years it compares only (the estimates of other years are not needed).
    previous = years[0] if len(years) == 2 else None
    change = compare_years(survey, design, years=(previous, year)) if previous else None
    # Each estimate's temporaries go back to the system before the next: at 1M respondents a year, pyarrow's pool
    # and the C library's heap would otherwise each keep their own (release_memory, ~30 ms).
    release_memory()
    this_year = _rows_of(survey, rows, year)
    comparison = compare_districts(this_year, design)
    release_memory()
    try:
        model: ModelResult | None = fit_satisfaction_model(
            this_year, design, predictors=(*SATISFACTION_PREDICTORS, "district_code")
        )
        model_error = ""
    except EstimationError as error:
        model, model_error = None, str(error)
    priorities = priority_shares(this_year, design)
    communes = _commune_indices(this_year)
    del this_year, survey
    return SharedResults(
        year=year,
        bundle=bundle,
        indices=indices,
        comparison=comparison,
        change=change,
        model=model,
        model_error=model_error,
        priorities=priorities,
        respondents=respondents,
        communes=communes,
        previous_communes=previous_communes,
    )


def _survey_columns() -> tuple[str, ...]:
    """The survey columns the shared step reads: every column but the respondent's ID.

    Every column is read so that every cell is checked here: in a batch this is the only load of the survey (the
    reports read its results, never its rows), so a bad cell in a column no estimate uses still sets its row aside
    and fails its district's report. The ID, the survey's key, is read and checked (unique within the year) but not
    kept: it is the one column of (nearly) distinct text, as large as all the others together once they are
    categoricals. The columns are kept with text codes as categoricals (:func:`~danvan_analysis.io.load_bundle`'s
    ``columns``): a few dozen distinct codes over up to millions of rows take one small integer a row, and the
    estimators factorise them as they would the text (tested: the shared results are the same either way).
    """
    from danvan_analysis.schemas import get_spec

    return tuple(c for c in get_spec("survey").column_names if c != "respondent_id")


def _year_rows(survey: pd.DataFrame) -> dict[int, slice | np.ndarray]:
    """Each year's rows of ``survey``: a slice when they are contiguous (the bundle puts one year folder after
    another), which takes them without a copy; their positions otherwise."""
    import numpy as np

    values = survey["year"].to_numpy(dtype="int64", na_value=-1)
    found: dict[int, slice | np.ndarray] = {}
    for y in np.unique(values[values >= 0]):
        positions = np.flatnonzero(values == y)
        contiguous = positions[-1] - positions[0] + 1 == len(positions)
        found[int(y)] = slice(int(positions[0]), int(positions[-1]) + 1) if contiguous else positions
    return found


def _rows_of(survey: pd.DataFrame, rows: dict[int, slice | np.ndarray], *years: int) -> pd.DataFrame:
    """The rows of ``years`` (a view when they are one contiguous block)."""
    from itertools import pairwise

    import numpy as np

    parts = [rows[y] for y in years]
    if all(isinstance(p, slice) for p in parts) and all(a.stop == b.start for a, b in pairwise(parts)):
        return survey.iloc[parts[0].start : parts[-1].stop]
    positions = [np.arange(p.start, p.stop) if isinstance(p, slice) else p for p in parts]
    return survey.iloc[np.sort(np.concatenate(positions))]


def _count_respondents(survey: pd.DataFrame) -> pd.DataFrame:
    """Respondents per year and district (``n``, int64)."""
    import pandas as pd

    counts = survey.groupby(["year", "district_code"], observed=True).size().rename("n").reset_index()
    codes = counts["district_code"]
    if isinstance(codes.dtype, pd.CategoricalDtype):  # the compact survey's codes: back to their text dtype
        counts["district_code"] = codes.astype(codes.cat.categories.dtype)
    return counts.astype({"n": "int64"})


def _commune_indices(survey: pd.DataFrame) -> pd.DataFrame | None:
    """Each district's commune indices (see :attr:`SharedResults.communes`), all districts in one pass."""
    import pandas as pd

    from danvan_analysis.errors import DanvanError
    from danvan_analysis.survey import commune_design, sipas_indices

    design = commune_design()
    found = []
    for code, respondents in survey.groupby("district_code", observed=True, sort=True):
        try:
            tidy = sipas_indices(respondents, design, by=["commune_code"]).tidy()
        except DanvanError:
            continue  # a district whose villages cannot carry the commune estimates: its report leaves them out
        found.append(tidy.assign(district_code=str(code)))
    return pd.concat(found, ignore_index=True) if found else None


def _previous_commune_indices(survey: pd.DataFrame, year: int) -> pd.DataFrame | None:
    """The previous year's commune indices on the map of ``year`` (see :attr:`SharedResults.previous_communes`)."""
    from danvan_analysis.indicators.crosswalk import onto_map_of_year

    rows, merged = onto_map_of_year(survey, year=year)
    tidy = _commune_indices(rows)
    if tidy is None:
        return None
    sampled = set(survey["commune_code"].astype("str").unique())
    partial = [new for new, olds in merged.items() if not set(olds) <= sampled]
    tidy = tidy[~tidy["domain"].isin(partial)].reset_index(drop=True)
    return tidy.assign(recomputed_from=tidy["domain"].map(lambda c: ";".join(merged.get(c, ()))).astype("str"))


def write_shared_results(results: SharedResults, out: Path) -> Path:
    """Write ``results`` to the folder ``out`` (Arrow IPC tables, then ``meta.json`` last)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "format": SHARED_CACHE_FORMAT,
        "year": results.year,
        "results": {},
        "model_error": results.model_error,
    }
    for name in (*_DATASETS, "warnings", "rejected"):
        _write_table(getattr(results.bundle, name), out / f"data_{name}{_TABLE_SUFFIX}")
    for name in _SLICES:
        if getattr(results, name) is not None:
            _write_table(getattr(results, name), out / f"slice_{name}{_TABLE_SUFFIX}")
    meta["bundle"] = {
        "files": {k: [str(p) for p in v] for k, v in results.bundle.files.items()},
        "years": list(results.bundle.years),
    }
    named = {f"indices_{y}": r for y, r in results.indices.items()}
    named.update({name: getattr(results, name) for name in _RESULTS})
    for name, result in named.items():
        if result is not None:
            meta["results"][name] = _write_result(result, out / f"result_{name}{_TABLE_SUFFIX}")
    write_atomic(out / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1, default=str))
    return out


def read_shared_results(folder: Path) -> SharedResults:
    """Read a folder written by :func:`write_shared_results`."""

    from danvan_analysis.errors import ReportError
    from danvan_analysis.io import DataBundle
    from danvan_analysis.survey import Caveat, SurveyResult
    from danvan_analysis.survey import results as survey_results

    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    frames = {
        name: _read_table(folder / f"data_{name}{_TABLE_SUFFIX}") for name in (*_DATASETS, "warnings", "rejected")
    }
    bundle = DataBundle(
        **frames,
        files={k: tuple(Path(p) for p in v) for k, v in meta["bundle"]["files"].items()},
        years=tuple(meta["bundle"]["years"]),
    )

    def rebuild(name: str) -> Any:
        entry = meta["results"].get(name)
        if entry is None:
            return None
        cls = getattr(survey_results, entry["class"], None)
        if not (isinstance(cls, type) and issubclass(cls, SurveyResult)):
            raise ReportError(f"{folder}: {entry['class']!r} is not a survey result class; rebuild the cache.")
        fields = dict(entry["fields"])
        fields["caveats"] = tuple(Caveat(**c) for c in fields.get("caveats", []))
        return cls(_table=_read_table(folder / f"result_{name}{_TABLE_SUFFIX}"), **fields)

    years = sorted(int(name.split("_")[1]) for name in meta["results"] if name.startswith("indices_"))
    return SharedResults(
        year=int(meta["year"]),
        bundle=bundle,
        indices={y: rebuild(f"indices_{y}") for y in years},
        comparison=rebuild("comparison"),
        change=rebuild("change"),
        model=rebuild("model"),
        model_error=str(meta.get("model_error", "")),
        priorities=rebuild("priorities"),
        **{name: _read_table(path) for name in _SLICES if (path := folder / f"slice_{name}{_TABLE_SUFFIX}").is_file()},
    )


def load_shared_results(params: DistrictParams | ProvinceParams | AgencyParams) -> SharedResults:
    """The shared results for a report: read from ``params.shared_cache``, or computed when it is empty."""
    if params.shared_cache is not None:
        return read_shared_results(params.shared_cache)
    return compute_shared_results(data_dir=params.data_dir, year=params.year, ci_method=params.plan.rules.ci_method)


def build_shared_results(*, year: int, data_dir: str, out: str, ci_method: str = "logit") -> Path:
    """Entry point of the batch's shared step (:func:`danvan_analysis.batch.runner.run_shared_step`): compute and write
    the shared results of a batch."""
    from danvan_analysis.io.bundle import map_large_arrays

    map_large_arrays()  # the step's many large arrays handed back as they are freed (its process's peak at 1M)
    results = compute_shared_results(data_dir=Path(data_dir), year=year, ci_method=ci_method)
    folder = write_shared_results(results, Path(out))
    del results
    _return_freed_memory()
    return folder


def _return_freed_memory() -> None:
    """Hand the memory the survey's rows took back to the system: the kernel goes on to run reports.

    At 1M respondents a year, pyarrow's pool and glibc's heap kept ~600 MiB of the ~900 MiB the kernel held after this
    step; releasing them (~30 ms) brings it back to ~300 MiB, what a report kernel holds.
    """
    from danvan_analysis.io.bundle import release_memory

    release_memory()


def _write_result(result: Any, path: Path) -> dict[str, Any]:
    """Write a survey result's table to ``path``; return its class name and other fields for meta.json."""
    fields: dict[str, Any] = {}
    for spec in dataclasses.fields(result):
        value = getattr(result, spec.name)
        if spec.name == "_table":
            _write_table(value, path)
        elif spec.name == "caveats":
            fields["caveats"] = [dataclasses.asdict(c) for c in value]
        else:
            fields[spec.name] = value
    return {"class": type(result).__name__, "fields": fields}


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` (its index and dtypes kept, as ``to_parquet(index=True)`` keeps them) as an Arrow IPC file."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=True)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    write_atomic(path, sink.getvalue().to_pybytes())


def _read_table(path: Path) -> pd.DataFrame:
    """A table written by :func:`_write_table` (pandas' own reader of the format)."""
    import pandas as pd

    return pd.read_feather(path)
