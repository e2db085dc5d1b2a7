"""Results every report of a batch needs, computed once per batch and handed to the notebooks as a folder.

A district report needs the whole province's data and estimates: the checked data bundle (loading and validating
every file takes seconds), the SIPAS-style indices of every district and year (its trend and its place in the
province), the comparison of each district with the rest of the province and the year-on-year changes (the most
expensive estimates). Computed in every notebook they would dominate the batch, so ``danvan reports`` runs
``danvan_analysis/batch/templates/shared_results.ipynb`` once, which calls :func:`write_shared_results`; every
report then gets the folder as its ``shared_cache`` parameter and :func:`load_shared_results` reads it. With an
empty ``shared_cache`` (JupyterLab, papermill) the notebook computes the same results itself with
:func:`compute_shared_results`: the two paths give identical reports (tested in ``tests/batch``).

Whatever reads the survey's rows is done here, once, for every district in one pass (the indices, comparisons,
changes, the model, the improvement priorities, each district's commune estimates and the respondent counts), so a
report's cost does not grow with the survey: the survey's rows stay in this step, and the results carry the survey's
columns without its rows (``bundle.survey`` is empty on both paths, so a report cannot read it on one path only).

The folder holds data only, never code: one Parquet file per table and a ``meta.json`` (format tag, year, the
titles/caveats of the result objects, the bundle's file list), written last, so a folder without ``meta.json`` is
incomplete and ignored. Result objects are rebuilt from their class name looked up in
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
#: Small tables of per-district results, written as ``slice_<name>.parquet``.
_SLICES = ("respondents", "communes", "previous_communes")


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

    The survey is kept in the columns the estimates read, its text columns as categoricals (codes, not one string
    per row), and each year's rows are taken when needed and let go after: at 1M respondents a year the survey's
    rows, not the estimates, decide this step's memory.
    """
    from danvan_analysis.errors import EstimationError
    from danvan_analysis.indicators import THEMES
    from danvan_analysis.io import load_bundle
    from danvan_analysis.registers import register_of_year
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
    # A row with an error is set aside (bundle.rejected), so only the reports it concerns fail, naming it.
    bundle = load_bundle(data_dir, years=[y for y in folders if y <= year], optional=tuple(THEMES), set_aside=True)
    survey = _compact_survey(bundle.survey)
    # The rows stay here (module docstring); dropping the loaded frame now frees it before the estimates.
    bundle = dataclasses.replace(bundle, survey=bundle.survey.iloc[0:0])
    design = SurveyDesign()
    years = sorted(int(y) for y in survey["year"].unique())
    settings = EstimationSettings(ci_method=ci_method)
    respondents = _count_respondents(survey)
    change = compare_years(survey, design, years=(years[years.index(year) - 1], year)) if years.index(year) else None
    indices = {}
    previous_communes = None
    for y in years:
        this_year = survey[survey["year"] == y]
        indices[y] = sipas_indices(this_year, design, settings=settings)
        if y == year - 1 and reg is not None and register_of_year(y) is None:  # 2023 beside 2024: two maps
            previous_communes = _previous_commune_indices(this_year, year)
        if y == year:
            comparison = compare_districts(this_year, design)
            try:
                model: ModelResult | None = fit_satisfaction_model(
                    this_year, design, predictors=(*SATISFACTION_PREDICTORS, "district_code")
                )
                model_error = ""
            except EstimationError as error:
                model, model_error = None, str(error)
            priorities = priority_shares(this_year, design)
            communes = _commune_indices(this_year)
        del this_year
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


def _compact_survey(survey: pd.DataFrame) -> pd.DataFrame:
    """The survey in the columns the shared estimates read, text columns as categoricals (same values).

    A text column holds a few dozen distinct codes (districts, communes, villages, age groups…) over up to millions
    of rows: as a categorical it takes one small integer a row. The estimators factorise their columns, so the
    figures are those of the text columns (tested: the shared results are the same either way).
    """
    import pandas as pd

    from danvan_analysis.survey import SATISFACTION_PREDICTORS, SurveyDesign, commune_design, sipas_items
    from danvan_analysis.vocab import PriorityArea

    wanted = {"year", "district_code", "commune_code", *SATISFACTION_PREDICTORS}
    wanted.update(SurveyDesign().columns(), commune_design().columns(), sipas_items()["item"])
    wanted.update(f"pr_{area.value}" for area in PriorityArea)
    columns = {}
    for name in survey.columns:
        if name not in wanted:
            continue
        column = survey[name]
        if pd.api.types.is_string_dtype(column.dtype):
            column = column.astype("category")  # sorted categories: grouping sorts as the text would
        columns[name] = column
    return pd.DataFrame(columns, index=survey.index, copy=False)


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
    """Write ``results`` to the folder ``out`` (Parquet tables, then ``meta.json`` last)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "format": SHARED_CACHE_FORMAT,
        "year": results.year,
        "results": {},
        "model_error": results.model_error,
    }
    for name in (*_DATASETS, "warnings", "rejected"):
        _write_table(getattr(results.bundle, name), out / f"data_{name}.parquet")
    for name in _SLICES:
        if getattr(results, name) is not None:
            _write_table(getattr(results, name), out / f"slice_{name}.parquet")
    meta["bundle"] = {
        "files": {k: [str(p) for p in v] for k, v in results.bundle.files.items()},
        "years": list(results.bundle.years),
    }
    named = {f"indices_{y}": r for y, r in results.indices.items()}
    named.update({name: getattr(results, name) for name in _RESULTS})
    for name, result in named.items():
        if result is not None:
            meta["results"][name] = _write_result(result, out / f"result_{name}.parquet")
    write_atomic(out / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1, default=str))
    return out


def read_shared_results(folder: Path) -> SharedResults:
    """Read a folder written by :func:`write_shared_results`."""
    import pandas as pd

    from danvan_analysis.errors import ReportError
    from danvan_analysis.io import DataBundle
    from danvan_analysis.survey import Caveat, SurveyResult
    from danvan_analysis.survey import results as survey_results

    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    frames = {name: pd.read_parquet(folder / f"data_{name}.parquet") for name in (*_DATASETS, "warnings", "rejected")}
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
        return cls(_table=pd.read_parquet(folder / f"result_{name}.parquet"), **fields)

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
        **{name: pd.read_parquet(path) for name in _SLICES if (path := folder / f"slice_{name}.parquet").is_file()},
    )


def load_shared_results(params: DistrictParams | ProvinceParams | AgencyParams) -> SharedResults:
    """The shared results for a report: read from ``params.shared_cache``, or computed when it is empty."""
    if params.shared_cache is not None:
        return read_shared_results(params.shared_cache)
    return compute_shared_results(data_dir=params.data_dir, year=params.year, ci_method=params.plan.rules.ci_method)


def build_shared_results(*, year: int, data_dir: str, out: str, ci_method: str = "logit") -> Path:
    """Entry point of ``batch/templates/shared_results.ipynb``: compute and write the shared results of a batch."""
    results = compute_shared_results(data_dir=Path(data_dir), year=year, ci_method=ci_method)
    folder = write_shared_results(results, Path(out))
    del results
    _return_freed_memory()
    return folder


def _return_freed_memory() -> None:
    """Hand the memory the survey's rows took back to the system: the kernel goes on to run reports.

    Memory freed by Python stays with the allocators: at 1M respondents a year, pyarrow's pool and glibc's heap kept
    ~600 MiB of the ~900 MiB the kernel held after this step; releasing them (~30 ms) brings it back to ~300 MiB, what
    a report kernel holds. Where the C library has no ``malloc_trim`` (not glibc) only pyarrow's pool is released.
    """
    import contextlib
    import ctypes

    import pyarrow

    pyarrow.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL(None).malloc_trim(0)


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
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=True)
    write_atomic(path, buffer.getvalue())
