"""Validation of report-notebook parameters: parameters are data, never code, never a way out of the data folder.

papermill injects parameters as Python literals (``repr``), so a value such as ``"); import os; os.remove('x') #``
arrives as an inert string; papermill only *warns* about unknown names and checks no types or values. The second
cell of every report notebook therefore calls one of the functions here, which turn the raw values into a frozen,
typed :class:`DistrictParams` / :class:`ProvinceParams` or raise :class:`~danvan_analysis.errors.ParameterError`
naming the parameter, the value found, what is allowed and a hint.

Rules (the same for the command line, papermill ``-p``/``-y`` and JupyterLab):

- ``district``: a district code (``164``/``"164"``) or name (``"Định Hóa"``, ``"huyen dinh hoa"``) resolved against
  the 2023 register; anything else is refused with suggestions.
- ``year``: an integer from 2000 to 2100 (``True`` is not a year).
- ``data_dir``: an existing folder holding a ``<year>`` sub-folder with at least one dataset file; a path such as
  ``../../etc/passwd`` is refused because it names no such folder. The folder is only ever read.
- ``shared_cache``: empty, or a folder written by the batch runner (it carries a ``meta.json`` with our format tag
  and the year); nothing else is read from it.
- ``lang``: ``"vi"`` or ``"en"``; ``suppression_threshold``: an integer ≥ 1.
- ``period``: empty (the whole year) or a period of the plan's calendar (``Q1``, ``H1``, ``9M``, ``Y``).
- ``report_date``: the date the report is dated (its subtitle, the Word draft's "…, ngày … tháng … năm …"):
  ``15/03/2024`` or ``2024-03-15``; empty: today. ``danvan reports`` passes one date to every report of a batch, so
  a batch that runs across midnight is dated one day throughout.
- ``plan_file``: empty (the shipped 2023 plan) or a plan file (YAML, ``docs/plan_file.md``) that
  :func:`danvan_analysis.plan.load_plan` accepts; a broken file raises :class:`~danvan_analysis.errors.PlanError`
  listing every problem with its line.
- Every text value: at most 4096 characters, no control characters (NUL, newline, …).

File names of reports are built from the *resolved* unit code (:func:`report_stem`), never from the text a user
typed, so a parameter cannot choose where a report is written.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from danvan_analysis.errors import ParameterError, UnitError
from danvan_analysis.text import fold, nfc
from danvan_analysis.vocab import DATASET_NAMES

if TYPE_CHECKING:
    from danvan_analysis.plan import Plan
    from danvan_analysis.units import Unit

#: Dataset files a year folder may hold (any of the formats the loaders read).
DATASETS = DATASET_NAMES
DATA_SUFFIXES = (".csv", ".xlsx", ".parquet")
#: Format tag written by the batch runner into ``<shared cache>/meta.json``.
SHARED_CACHE_FORMAT = "danvan-shared-cache/3"
#: Base name of the province report (district reports are named by :func:`report_stem`).
PROVINCE_STEM = "province"

_MAX_TEXT = 4096
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class DistrictParams:
    """Validated parameters of the district report.

    Attributes
    ----------
    district : the district, resolved against the register.
    year : the year reported on.
    data_dir : absolute path of the data folder (holds ``<year>/<dataset>`` files).
    lang : ``"vi"`` or ``"en"``.
    suppression_threshold : survey cells built from fewer respondents are suppressed.
    shared_cache : folder of batch-shared results, or ``None`` to compute them in the notebook.
    plan : the plan the targets are scored against.
    demo : whether ``data_dir`` holds demonstration data (written by ``danvan demo``): every page then says so.
    period : the reporting period of the plan's calendar whose report this is (``"Q1"`` …), or ``None`` for the
        evaluation of the whole year.
    report_date : the date the report is dated (``None``: today).
    """

    district: Unit
    year: int
    data_dir: Path
    lang: str
    suppression_threshold: int
    shared_cache: Path | None
    plan: Plan
    demo: bool = False
    period: str | None = None
    report_date: dt.date | None = None


@dataclass(frozen=True)
class ProvinceParams:
    """Validated parameters of the province report (see :class:`DistrictParams`).

    ``linked_districts`` are the districts whose reports sit beside this one (the page links only to those);
    empty: all nine.
    """

    year: int
    data_dir: Path
    lang: str
    suppression_threshold: int
    shared_cache: Path | None
    plan: Plan
    demo: bool = False
    linked_districts: tuple[str, ...] = ()
    period: str | None = None
    report_date: dt.date | None = None


@dataclass(frozen=True)
class AgencyParams:
    """Validated parameters of an agency's report (see :class:`DistrictParams`); ``agency`` is the register unit."""

    agency: Unit
    year: int
    data_dir: Path
    lang: str
    shared_cache: Path | None
    plan: Plan
    demo: bool = False
    period: str | None = None
    report_date: dt.date | None = None


def validate_agency_params(
    *,
    agency: object,
    year: object,
    data_dir: object,
    lang: object = "vi",
    shared_cache: object = "",
    plan_file: object = "",
    period: object = "",
    province: object = "19",
    report_date: object = "",
) -> AgencyParams:
    """Check the parameters of ``agency_report.ipynb``: ``agency`` is an agency code (``SNV``) or name.

    In a year on the two-level map (from the second half of 2025) the register of ``province`` on that map is put in
    use (the agencies report to the province there as before) and, with no ``plan_file``, the shipped EXAMPLE
    two-level plan is scored; the plan must be the province's. A year with districts is Thái Nguyên's only."""
    from danvan_analysis.reports import commune

    year_value = _check_year(year)
    text = _check_text("period", period).strip().upper()
    two_level = _is_two_level(year_value, text or None)
    if two_level:
        plan_file = commune._plan_of(plan_file)
    common = _common(year_value, data_dir, lang, shared_cache, plan_file, period, report_date)
    commune.use_province(year=year_value, province=province, period=common["period"] or "")
    if two_level:
        from danvan_analysis.units import province_unit

        commune.check_province(province_unit(), common["plan"])  # type: ignore[arg-type]
    return AgencyParams(agency=_check_agency(agency), **common)  # type: ignore[arg-type]


def _is_two_level(year: int, period: str | None) -> bool:
    from danvan_analysis.registers import PERIOD_ENDS, map_for

    try:
        return map_for(year, period if period in PERIOD_ENDS else None).two_level
    except ParameterError:
        return False


def _common(
    year: int,
    data_dir: object,
    lang: object,
    shared_cache: object,
    plan_file: object,
    period: object,
    report_date: object = "",
) -> dict[str, object]:
    """The checks every report's parameters share (year already checked); then the year's map is put in use."""
    plan = _check_plan(plan_file)
    common = {
        "year": year,
        "data_dir": _check_data_dir(data_dir, year),
        "lang": _check_lang(lang),
        "shared_cache": _check_shared_cache(shared_cache, year),
        "plan": plan,
        "demo": _is_demo(data_dir),
        "period": _check_period(period, plan),
        "report_date": check_report_date(report_date),
    }
    _use_year_map(year, common["period"])  # type: ignore[arg-type]
    return common


def _use_year_map(year: int, period: str | None) -> None:
    """Put the register of the map in force at the period's end in use in this kernel, for a year with districts:
    the 2023 map (177 communes) or the map before 01/07/2025 (172: 2024, the first half of 2025). Districts are the
    same on both, so the district resolved earlier stands. A two-level year's register is put in use by
    :mod:`danvan_analysis.reports.commune`."""
    from danvan_analysis.registers import register_of_year
    from danvan_analysis.units import set_register

    reg = register_of_year(year, period)
    if reg is None or not reg.two_level:
        set_register(reg)


def _check_agency(value: object) -> Unit:
    from danvan_analysis.units import resolve_unit

    text = _check_text("agency", value if isinstance(value, str) else str(value))
    try:
        return resolve_unit(text, kind="agency")
    except UnitError as error:
        raise ParameterError(
            f"Parameter agency: {error} Hint: `danvan units --district agencies` lists the agencies with their codes."
        ) from error


def validate_district_params(
    *,
    district: object,
    year: object,
    data_dir: object,
    lang: object = "vi",
    suppression_threshold: object = 10,
    shared_cache: object = "",
    plan_file: object = "",
    period: object = "",
    report_date: object = "",
) -> DistrictParams:
    """Check the parameters of ``district_report.ipynb``; see the module docstring for the rules.

    Returns
    -------
    DistrictParams

    Raises
    ------
    ParameterError
        A value is of the wrong type, names no district, or points to no usable data folder.

    Examples
    --------
    >>> p = validate_district_params(district="Định Hóa", year=2023, data_dir=".", lang="vi")  # doctest: +SKIP
    >>> p.district.code  # doctest: +SKIP
    '164'
    """
    year_value = _check_year(year)
    unit = _check_district(district)
    return DistrictParams(
        district=unit,
        suppression_threshold=_check_threshold(suppression_threshold),
        **_common(year_value, data_dir, lang, shared_cache, plan_file, period, report_date),
    )


def validate_province_params(
    *,
    year: object,
    data_dir: object,
    lang: object = "vi",
    suppression_threshold: object = 10,
    shared_cache: object = "",
    plan_file: object = "",
    linked_districts: object = "",
    period: object = "",
    report_date: object = "",
) -> ProvinceParams:
    """Check the parameters of ``province_report.ipynb`` (same rules as :func:`validate_district_params`)."""
    year_value = _check_year(year)
    return ProvinceParams(
        suppression_threshold=_check_threshold(suppression_threshold),
        linked_districts=_check_districts(linked_districts),
        **_common(year_value, data_dir, lang, shared_cache, plan_file, period, report_date),
    )


def check_report_date(value: object) -> dt.date:
    """The date a report is dated: ``value`` as ``15/03/2024`` (the Vietnamese form) or ``2024-03-15`` (ISO), a
    :class:`datetime.date`, or empty for today.

    Raises
    ------
    ParameterError
        Anything else, named with the value found and the forms expected.

    Examples
    --------
    >>> check_report_date("15/03/2024"), check_report_date("2024-03-15")
    (datetime.date(2024, 3, 15), datetime.date(2024, 3, 15))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _check_text("report_date", value).strip()
    if not text:
        return dt.date.today()
    for form in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
        if 2000 <= day.year <= 2100:
            return day
    raise ParameterError(
        f"Parameter report_date: {value!r} is not a date from 2000 to 2100; expected a day such as 15/03/2024 "
        "(or 2024-03-15), or empty for today."
    )


def report_stem(unit_code: str) -> str:
    """Return the file name stem of a unit's report: ``"164-dinh-hoa"`` for a district, ``"province"`` for ``"19"``.

    Built from the register (code + folded short name), so it is stable, ASCII and safe on every file system.
    """
    from danvan_analysis.units import province_code, register, resolve_unit

    if unit_code == province_code():
        return PROVINCE_STEM
    if unit_code in {u.code for u in register().units("agency")}:
        return f"agency-{unit_code.lower()}"
    unit = resolve_unit(unit_code, kind="district")
    return f"{unit.code}-{fold(unit.short_name).replace(' ', '-')}"


# -- single checks ------------------------------------------------------------------------------------------------


def _check_text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise ParameterError(f"Parameter {name}: expected text, got {type(value).__name__} {value!r}.")
    if len(value) > _MAX_TEXT:
        raise ParameterError(f"Parameter {name}: {len(value)} characters; at most {_MAX_TEXT} are allowed.")
    if _CONTROL.search(value):
        raise ParameterError(
            f"Parameter {name}: {value!r} contains control characters (newline, NUL, …); expected plain text."
        )
    return value


def _check_year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParameterError(f"Parameter year: expected an integer such as 2023, got {value!r}.")
    text = str(value).strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise ParameterError(f"Parameter year: {value!r} is not a year from 2000 to 2100.")
    return int(text)


def _check_district(value: object) -> Unit:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ParameterError(f"Parameter district: expected a district code or name, got {value!r}.")
    from danvan_analysis.units import resolve_unit

    text = _check_text("district", str(value))
    try:
        return resolve_unit(text, kind="district")
    except UnitError as error:
        raise ParameterError(
            f"Parameter district: {error} Hint: `danvan units` lists the 9 districts with their codes."
        ) from error


def _check_lang(value: object) -> str:
    from danvan_analysis.numbers import LANGUAGES, check_lang  # numpy: not before the command sets its threads (cli)

    text = _check_text("lang", value)
    try:
        return check_lang(text)
    except ParameterError:
        raise ParameterError(
            f"Parameter lang: {text!r} is not a report language; expected one of {LANGUAGES}."
        ) from None


def _check_threshold(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ParameterError(f"Parameter suppression_threshold: expected an integer ≥ 1, got {value!r}.")
    return value


def _check_data_dir(value: object, year: int) -> Path:
    text = _check_text("data_dir", str(value) if isinstance(value, Path) else value)
    if not text.strip():
        raise ParameterError("Parameter data_dir: empty; expected the folder that holds <year>/<dataset> files.")
    folder = Path(nfc(text)).expanduser().resolve()
    if not folder.is_dir():
        raise ParameterError(
            f"Parameter data_dir: {text!r} is not a folder; expected a data folder with one sub-folder per year "
            "(e.g. data/demo, holding 2023/survey.parquet). Hint: `danvan demo` writes the demo data."
        )
    year_dir = folder / str(year)
    found = (
        [p for p in year_dir.iterdir() if p.stem in DATASETS and p.suffix in DATA_SUFFIXES] if year_dir.is_dir() else []
    )
    if not found:
        available = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.isdigit())
        raise ParameterError(
            f"Parameter data_dir: {folder} has no data for {year} (expected {year_dir} with files such as "
            f"survey.parquet or dialogues.csv); years found: {', '.join(available) or 'none'}."
        )
    return folder


def _check_period(value: object, plan: Plan) -> str | None:
    return plan.period_code(_check_text("period", value), what="Parameter period:")


def _check_districts(value: object) -> tuple[str, ...]:
    text = _check_text("linked_districts", value)
    return tuple(_check_district(part.strip()).code for part in text.split(",") if part.strip())


def _is_demo(data_dir: object) -> bool:
    from danvan_analysis.paths import is_demo_data

    return is_demo_data(Path(nfc(str(data_dir))).expanduser().resolve())


def _check_plan(value: object) -> Plan:
    from danvan_analysis.plan import load_plan

    text = _check_text("plan_file", str(value) if isinstance(value, Path) else value)
    if not text.strip():
        return load_plan()
    path = Path(nfc(text)).expanduser().resolve()
    if not path.is_file():
        raise ParameterError(
            f"Parameter plan_file: {text!r} is not a file; expected a plan file (YAML). "
            "Hint: leave it empty for the shipped 2023 plan; `danvan plan show` prints it."
        )
    return load_plan(path)


def _check_shared_cache(value: object, year: int) -> Path | None:
    text = _check_text("shared_cache", str(value) if isinstance(value, Path) else value)
    if not text.strip():
        return None
    folder = Path(text).expanduser().resolve()
    meta_path = folder / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ParameterError(
            f"Parameter shared_cache: {text!r} is not a shared-results folder written by `danvan reports` "
            f"(cannot read {meta_path.name}: {error}). Hint: leave it empty to compute the results in the notebook."
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != SHARED_CACHE_FORMAT or meta.get("year") != year:
        raise ParameterError(
            f"Parameter shared_cache: {folder} does not hold shared results of format {SHARED_CACHE_FORMAT!r} for "
            f"{year} (found format={meta.get('format') if isinstance(meta, dict) else None!r}). "
            "Hint: leave it empty to compute the results in the notebook."
        )
    return folder
