"""Synthetic demo data for every dataset: what the toolkit demonstrates on, and what its tests and benchmarks use.

``danvan demo`` (and :func:`write_demo`) writes ``<out_dir>/<year>/<dataset>.csv`` for every report dataset and the
survey as ``survey.parquet`` (typed, fast) plus ``survey.csv`` when it has at most :data:`SURVEY_CSV_MAX_ROWS`
respondents, so analysts can open it in Excel. All CSV files are plain UTF-8 without a byte-order mark (Excel opens
them through *Data → From Text/CSV*; the loaders also accept a BOM), LF line endings, ISO dates (``2023-03-14``),
``True``/``False`` for booleans and an empty cell for missing values. Columns follow the data contracts of
``docs/design.md`` exactly; codes and enum codes are strings.

The data are invented but shaped like the real thing:

* **survey** — a stratified three-stage sample (districts → communes by PPS → villages → respondents), square-root
  allocation so weights differ between districts, weights calibrated to each district's adult population (70 % of
  the 2019 census, shipped as ``data/district_population_2019.csv``), ratings from a latent satisfaction model
  (overall index ≈ 84 % in 2021 rising to ≈ 89 % in 2023, one or two districts clearly lower), "don't know" codes,
  item non-response and skipped blocks. See :mod:`danvan_analysis.demo.survey`.
* **report data** for the province, all 9 districts, 177 communes and the provincial agencies, with a few
  deliberate shortfalls so the scorecard has something to show. See :mod:`danvan_analysis.demo.reports`.
* **every year on its own map**: 2023 and before on the 2023 map (177 communes); 2024 on the map before 01/07/2025
  (172 communes: the communes NQ 1240/NQ-UBTVQH15 merged are one commune, their adults and villages combined,
  :func:`danvan_analysis.demo.common.arranged_profile`); from 2025 the two-level map (below).
* **a two-level year** (from the second half of 2025, e.g. ``danvan demo --year 2026``): the 92 communes and
  wards of the two-level map, no district and no ``district_code`` column; survey strata = communes, PSUs =
  villages. See :mod:`danvan_analysis.demo.two_level`.
* **indices** — the shipped published indices of each year, unchanged.
* **field exports** (``exports=True``, ``danvan demo --exports``) — the survey as KoboToolbox and ODK Central export
  the questionnaire, without weights. See :mod:`danvan_analysis.demo.exports`.

Determinism: the same seed gives byte-identical files; each dataset and year has its own random stream, so a year's
files do not depend on the other years requested. Writes are atomic (temporary file in the same folder, then
:func:`os.replace`) and nothing outside ``out_dir`` is touched.

Examples
--------
>>> from danvan_analysis.demo import generate_all
>>> frames = generate_all([2023], respondents=600, seed=1)
>>> sorted(frames)[:3]
['boards', 'complaints', 'dialogues']
>>> round(frames["survey"].groupby("district_code")["weight"].sum().sum())
900726
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from danvan_analysis import paths, schemas
from danvan_analysis.demo.common import ADULT_SHARE, YEAR_RANGE, district_population
from danvan_analysis.demo.exports import survey_export, write_survey_export
from danvan_analysis.demo.reports import (
    generate_boards,
    generate_complaints,
    generate_dialogues,
    generate_indices,
    generate_inspections,
    generate_plans,
    generate_religion,
    generate_submissions,
)
from danvan_analysis.demo.survey import MIN_RESPONDENTS, generate_survey
from danvan_analysis.demo.two_level import generate_year as generate_two_level_year
from danvan_analysis.demo.two_level import is_two_level
from danvan_analysis.errors import ParameterError
from danvan_analysis.registers import register_for, register_of_year
from danvan_analysis.units import using_register

#: Datasets written per year, in this order (``survey`` as parquet, and CSV when small enough): the data contract's.
DATASETS = tuple(schemas.DATASETS)
#: Largest survey also written as CSV (Excel's sheet limit is 1,048,576 rows; beyond ~200k rows CSV is just slow).
SURVEY_CSV_MAX_ROWS = 200_000
#: Default years of ``danvan demo`` (the plan's year and the two before, for trends).
DEFAULT_YEARS = (2021, 2022, 2023)

_REPORT_GENERATORS: dict[str, Callable[..., pd.DataFrame]] = {
    "dialogues": generate_dialogues,
    "religion": generate_religion,
    "complaints": generate_complaints,
    "boards": generate_boards,
    "plans": generate_plans,
    "inspections": generate_inspections,
    "submissions": generate_submissions,
    "indices": generate_indices,
}

__all__ = [
    "ADULT_SHARE",
    "DATASETS",
    "DEFAULT_YEARS",
    "MIN_RESPONDENTS",
    "SURVEY_CSV_MAX_ROWS",
    "district_population",
    "generate_all",
    "generate_boards",
    "generate_complaints",
    "generate_dialogues",
    "generate_indices",
    "generate_inspections",
    "generate_plans",
    "generate_religion",
    "generate_submissions",
    "generate_survey",
    "generate_year",
    "survey_export",
    "write_demo",
    "write_survey_export",
]


def generate_year(year: int, *, respondents: int = 6000, seed: int = 2023) -> dict[str, pd.DataFrame]:
    """Return every dataset of one year, keyed by dataset name in :data:`DATASETS` order.

    Parameters
    ----------
    year : the reporting and survey year.
    respondents : survey respondents in the whole province (at least :data:`MIN_RESPONDENTS`).
    seed : random seed (non-negative integer).
    """
    if is_two_level(year):  # from the second half of 2025: 92 communes, no district (demo.two_level)
        return generate_two_level_year(year, respondents=respondents, seed=seed)
    # 2024 on the map of its year's end (172 communes: communes merged as NQ 1240 did, common.arranged_profile);
    # 2023 and before on the 2023 map.
    with using_register(register_of_year(year) or register_for(2023)):
        frames = {"survey": generate_survey(year, respondents=respondents, seed=seed)}
        for name, generate in _REPORT_GENERATORS.items():
            frames[name] = generate(year, seed=seed)
    return frames


def generate_all(years: Iterable[int], *, respondents: int = 6000, seed: int = 2023) -> dict[str, pd.DataFrame]:
    """Return every dataset for ``years``, each concatenated across the years (rows ordered by year).

    Parameters
    ----------
    years : the years to generate (duplicates are ignored).
    respondents : survey respondents per year, whole province.
    seed : random seed; the same seed gives equal frames.

    Returns
    -------
    dict[str, pandas.DataFrame]
        One frame per name in :data:`DATASETS`, with a fresh ``RangeIndex``.
    """
    chosen = _check_years(years)
    per_year = [generate_year(year, respondents=respondents, seed=seed) for year in chosen]
    return {name: pd.concat([frames[name] for frames in per_year], ignore_index=True) for name in DATASETS}


def write_demo(
    out_dir: str | os.PathLike[str] = paths.DEMO_DIR,
    *,
    years: Iterable[int] = DEFAULT_YEARS,
    respondents: int = 6000,
    seed: int = 2023,
    exports: bool = False,
) -> dict[int, Path]:
    """Write the demo datasets to ``out_dir/<year>/`` and return the folder of each year.

    Each year is generated and written before the next, so memory stays that of one year. Existing files of the
    same names are replaced atomically; other files in ``out_dir`` are left alone, except a ``survey.csv`` left by an
    earlier, smaller run, which is removed when the survey is too large for CSV (it would no longer match the
    parquet file).

    Parameters
    ----------
    out_dir : folder to write into (created if needed).
    years : years to generate.
    respondents : survey respondents per year, whole province. The survey is also written as CSV when
        ``respondents`` ≤ :data:`SURVEY_CSV_MAX_ROWS`.
    seed : random seed; the same arguments give byte-identical files.
    exports : also write the survey as field exports of the questionnaire (``danvan questionnaire``), without
        weights, in ``out_dir/<year>/exports/``: ``survey_kobo.csv`` (KoboToolbox: ";" separated, Vietnamese labels, group paths,
        the select_multiple as one column and split) and ``survey_odk.csv`` (ODK Central, XML names). See
        :mod:`danvan_analysis.demo.exports`.

    Returns
    -------
    dict[int, pathlib.Path]
        ``{year: out_dir/<year>}`` in increasing year order.

    Raises
    ------
    ParameterError
        For invalid years, respondents or seed (checked before anything is written), or when ``out_dir`` or a
        year folder exists as a file.
    """
    chosen = _check_years(years)
    if isinstance(respondents, bool) or not isinstance(respondents, int) or respondents < MIN_RESPONDENTS:
        raise ParameterError(f"respondents must be an integer ≥ {MIN_RESPONDENTS}; got {respondents!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer; got {seed!r}.")
    root = Path(out_dir)
    folders = {year: root / str(year) for year in chosen}
    for folder in (root, *folders.values()):
        if folder.exists() and not folder.is_dir():
            raise ParameterError(f"{folder} exists and is not a folder; expected a folder for the demo data.")
    root.mkdir(parents=True, exist_ok=True)
    marker = (
        "DỮ LIỆU MINH HỌA — do `danvan demo` tạo ngẫu nhiên, không phải số liệu thật của bất kỳ đơn vị nào.\n"
        "DEMONSTRATION DATA — made up by `danvan demo`; not the real figures of any unit.\n"
    )
    _write_atomic(root / paths.DEMO_MARKER, lambda tmp: Path(tmp).write_text(marker, encoding="utf-8"))
    for year, folder in folders.items():
        frames = generate_year(year, respondents=respondents, seed=seed)
        folder.mkdir(parents=True, exist_ok=True)
        survey = frames.pop("survey")
        if exports:
            (folder / "exports").mkdir(exist_ok=True)
            write_survey_export(survey, folder / "exports" / "survey_kobo.csv", style="kobo", headers="labels")
            write_survey_export(survey, folder / "exports" / "survey_odk.csv", style="odk")
        _write_atomic(folder / "survey.parquet", lambda tmp, frame=survey: frame.to_parquet(tmp, index=False))
        if len(survey) <= SURVEY_CSV_MAX_ROWS:
            _write_atomic(folder / "survey.csv", lambda tmp, frame=survey: _to_csv(frame, tmp))
        else:
            (folder / "survey.csv").unlink(missing_ok=True)
        del survey
        for name, frame in frames.items():
            if name == "indices" and frame.empty:  # nothing published for that year yet: no file, not an empty one
                (folder / "indices.csv").unlink(missing_ok=True)
                continue
            _write_atomic(folder / f"{name}.csv", lambda tmp, frame=frame: _to_csv(frame, tmp))
    return folders


def _check_years(years: Iterable[int]) -> list[int]:
    """Return the sorted distinct years, or raise :class:`ParameterError`."""
    if isinstance(years, (str, bytes)) or not isinstance(years, Iterable):
        raise ParameterError(f"years must be a list of integers such as [2021, 2022, 2023]; got {years!r}.")
    chosen = list(years)
    low, high = YEAR_RANGE
    bad = [y for y in chosen if isinstance(y, bool) or not isinstance(y, int) or not low <= y <= high]
    if bad or not chosen:
        raise ParameterError(f"years must be integers from {low} to {high}, at least one; got {chosen!r}.")
    return sorted(set(chosen))


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as the toolkit's CSV: UTF-8 without BOM, LF line ends, ISO dates, empty = missing."""
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format="%Y-%m-%d")


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through ``write`` to a temporary name beside ``path``, then rename it over ``path``.

    A crash mid-write leaves at most the hidden temporary file, never a truncated ``path``; the temporary name
    carries the process id so two concurrent runs do not write into the same temporary file.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
