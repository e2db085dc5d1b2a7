"""Reporting timeliness: reports sent to the Department of Home Affairs by the deadlines of the plan.

The plan asks agencies and districts to report "trước ngày 15" of March, June, September and November
(:meth:`danvan_analysis.vocab.Period.deadline`). Read literally, "before the 15th" would make a report received on
the 15th late; in practice the Department counts the 15th itself as on time, so the default rule is
``"on_or_before"`` (received ≤ deadline). ``SubmissionSettings(on_time_rule="before")`` applies the literal reading.
Days late are counted from the last on-time day (the 15th, or the 14th under ``"before"``).

Who must report: the 24 provincial agencies and the 9 districts of the register (a district scope: the district
itself). A unit × period without a row or without ``date_received`` is ``missing``. Periods whose deadline is after
``SubmissionSettings.as_of`` are ``not_due`` and left out of every denominator.

Indicators: ``submission_on_time`` (on time / due reports, required 100 %), ``submission_late``,
``submission_missing``, ``submission_days_late_max``; by period and, for the province, by unit kind. The per-unit
detail is :func:`tabulate_submissions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators._base import (
    IndicatorTable,
    Scope,
    TableBuilder,
    as_codes,
    check_year,
    require_columns,
    resolve_scope,
    rows_of_year,
    unit_names,
)
from danvan_analysis.units import Unit, register

LABELS = {
    "submission_on_time": ("Tỷ lệ báo cáo gửi đúng hạn", "Share of reports submitted on time"),
    "submission_late": ("Số báo cáo gửi muộn", "Reports submitted late"),
    "submission_missing": ("Số báo cáo chưa gửi", "Reports not submitted"),
    "submission_days_late_max": ("Số ngày chậm nhiều nhất", "Longest delay (days)"),
}
COLUMNS = ["year", "unit_code", "period", "date_received"]
#: Columns of :func:`tabulate_submissions`.
DETAIL_COLUMNS = ["unit_code", "unit_name", "unit_kind", "period", "deadline", "date_received", "status", "days_late"]


@dataclass(frozen=True)
class SubmissionSettings:
    """How report submissions are judged.

    Attributes
    ----------
    on_time_rule : ``"on_or_before"`` (received ≤ the 15th, default) or ``"before"`` (received ≤ the 14th).
    as_of : judge only the periods whose deadline is on or before this date (``None``: all four periods are due).
    deadlines : period code → deadline as ``MM-DD`` (a plan's calendar, :meth:`danvan_analysis.plan.Plan.theme_settings`);
        a period not listed keeps the 2023 plan's deadline (:meth:`danvan_analysis.vocab.Period.deadline`).
    """

    on_time_rule: Literal["on_or_before", "before"] = "on_or_before"
    as_of: dt.date | None = None
    deadlines: Mapping[str, str] = field(default_factory=dict)

    def deadline(self, period: str, year: int) -> dt.date:
        """Return the deadline of ``period``'s report in ``year``."""
        if period in self.deadlines:
            month, day = (int(part) for part in self.deadlines[period].split("-"))
            return dt.date(year, month, day)
        return vocab.Period(period).deadline(year)

    def last_on_time_day(self, period: str, year: int) -> dt.date:
        """Return the last day a report for ``period`` counts as on time."""
        deadline = self.deadline(period, year)
        return deadline if self.on_time_rule == "on_or_before" else deadline - dt.timedelta(days=1)


def tabulate_submissions(
    submissions: pd.DataFrame,
    *,
    year: int,
    district: str | None = None,
    settings: SubmissionSettings = SubmissionSettings(),
) -> pd.DataFrame:
    """Return one row per reporting unit and period with its status.

    Parameters
    ----------
    submissions : the submissions dataset (unit × period; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for all agencies and districts.
    settings : the on-time rule and the date to judge at.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DETAIL_COLUMNS`; ``status`` is ``on_time``, ``late``, ``missing`` or ``not_due``;
        ``days_late`` (Int64) is set for late reports. When a unit sent several reports for a period, the first one
        received counts.
    """
    year = check_year(year)
    _check_settings(settings)
    require_columns(submissions, COLUMNS, dataset="submissions")
    scope = resolve_scope(district)
    rows = rows_of_year(submissions, year).copy()
    rows["unit_code"] = as_codes(rows["unit_code"])
    rows["period"] = as_codes(rows["period"])
    rows["date_received"] = pd.to_datetime(rows["date_received"], errors="coerce").dt.normalize()
    first = rows.groupby(["unit_code", "period"])["date_received"].min()
    records = []
    for unit in _reporting_units(scope):
        for period in vocab.Period.codes():
            deadline = settings.deadline(period, year)
            received = first.get((unit.code, period), pd.NaT)
            status, days_late = _status(received, period, year, settings)
            records.append(
                {
                    "unit_code": unit.code,
                    "unit_name": unit.name,
                    "unit_kind": unit.kind,
                    "period": period,
                    "deadline": pd.Timestamp(deadline),
                    "date_received": received,
                    "status": status,
                    "days_late": days_late,
                }
            )
    detail = pd.DataFrame.from_records(records, columns=DETAIL_COLUMNS)
    detail["deadline"] = detail["deadline"].astype("datetime64[ns]")
    detail["date_received"] = pd.to_datetime(detail["date_received"]).astype("datetime64[ns]")
    detail["days_late"] = detail["days_late"].astype("Int64")
    return detail


def compute_submission_indicators(
    submissions: pd.DataFrame,
    *,
    year: int,
    district: str | None = None,
    settings: SubmissionSettings = SubmissionSettings(),
) -> IndicatorTable:
    """Compute reporting timeliness for the province (agencies and districts) or one district.

    Parameters
    ----------
    submissions : the submissions dataset.
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.
    settings : the on-time rule and the date to judge at.

    Returns
    -------
    IndicatorTable
        The indicators listed in the module docstring; late and missing reports are in ``shortfalls`` (detail =
        days late).
    """
    detail = tabulate_submissions(submissions, year=year, district=district, settings=settings)
    scope = resolve_scope(district)
    builder = TableBuilder("submissions", int(year), scope, LABELS)
    _note_rule(builder, int(year), settings)
    codes = as_codes(rows_of_year(submissions, int(year))["unit_code"])
    builder.note_unknown_units(codes, dataset="submissions", dataset_vi="gửi báo cáo", column="unit_code")
    known = {u.code for u in register().units()}
    extra = sorted(set(codes) & known - set(detail["unit_code"]))
    if extra and scope.is_province:
        builder.note(
            vi=f"Đã bỏ qua số liệu gửi báo cáo của các đơn vị không thuộc diện báo cáo Sở Nội vụ: {unit_names(extra)}.",
            en=f"submissions: rows of units that do not report to the Department were ignored: {unit_names(extra)}.",
        )
    if settings.as_of is not None:
        builder.note(
            vi=f"Việc gửi báo cáo được đánh giá đến ngày {settings.as_of:%d/%m/%Y}; các kỳ có hạn gửi sau ngày này "
            "chưa đến hạn.",
            en=f"submissions: judged at {settings.as_of:%d/%m/%Y}; later deadlines are not due yet.",
        )

    due = detail[detail["status"] != "not_due"]
    _add_cut(builder, scope.code, "Y", due)
    for period in vocab.Period.codes():
        _add_cut(builder, scope.code, period, due[due["period"] == period], dimension="period", category=period)
    if scope.is_province:
        for kind in ("agency", "district" if register().district_codes else "commune"):
            _add_cut(builder, scope.code, "Y", due[due["unit_kind"] == kind], dimension="unit_kind", category=kind)
    sub_scopes = [s for s in scope.district_scopes() if s.level == "commune"] if scope.is_province else []
    for current in sub_scopes:  # the two-level map: each commune's own reports (its scorecard reads them)
        _add_cut(builder, current.code, "Y", due[due["unit_code"] == current.code])
    for row in due[due["status"].isin(["late", "missing"])].itertuples():
        detail_text = str(row.days_late) if row.status == "late" else None
        builder.short("submission_on_time", scope.code, row.period, [row.unit_code], row.status, detail_text)
        if sub_scopes and row.unit_kind == "commune":
            builder.short("submission_on_time", row.unit_code, row.period, [row.unit_code], row.status, detail_text)
    return builder.build()


def _note_rule(builder: TableBuilder, year: int, settings: SubmissionSettings) -> None:
    """State the on-time rule with the deadlines it was applied to (dd/mm/yyyy)."""
    deadlines = {
        lang: "; ".join(
            f"{vocab.Period(p).label(lang)}: {settings.deadline(p, year):%d/%m/%Y}" for p in vocab.Period.codes()
        )
        for lang in ("vi", "en")
    }
    if settings.on_time_rule == "on_or_before":
        builder.note(
            vi=f"Báo cáo được tính là đúng hạn khi được nhận chậm nhất trong ngày hạn gửi ({deadlines['vi']}).",
            en=f"submissions: on time = received on or before the deadline day ({deadlines['en']}).",
        )
    else:
        builder.note(
            vi=f"Báo cáo được tính là đúng hạn khi được nhận trước ngày hạn gửi, tức chậm nhất là ngày liền trước "
            f"({deadlines['vi']}).",
            en=f"submissions: on time = received before the deadline day, i.e. by the day before it "
            f"({deadlines['en']}).",
        )


def _add_cut(
    builder: TableBuilder,
    scope_code: str,
    period: str,
    due: pd.DataFrame,
    *,
    dimension: str | None = None,
    category: str | None = None,
) -> None:
    """Add the four timeliness indicators for one cut of the due reports."""
    status = due["status"]
    on_time, late, missing = (int((status == s).sum()) for s in ("on_time", "late", "missing"))
    days = due["days_late"].dropna()
    common = {"unit_code": scope_code, "period": period, "dimension": dimension, "category": category}
    builder.add("submission_on_time", numerator=on_time, denominator=len(due), threshold=100.0, rule=">=", **common)
    builder.add("submission_late", numerator=late, kind="count", **common)
    builder.add("submission_missing", numerator=missing, kind="count", **common)
    builder.add("submission_days_late_max", numerator=int(days.max()) if len(days) else 0, kind="count", **common)


def _reporting_units(scope: Scope) -> list[Unit]:
    """The units that must report to the Department in ``scope``: agencies and districts (communes on the
    two-level map, where there is no district)."""
    if not register().district_codes:
        return scope.units("agency", "commune")
    return scope.units("agency", "district")


def _status(received: object, period: str, year: int, settings: SubmissionSettings) -> tuple[str, int | None]:
    """Return (status, days late) of one unit's report for one period."""
    deadline = settings.deadline(period, year)
    if settings.as_of is not None and deadline > settings.as_of:
        return "not_due", None
    if pd.isna(received):
        return "missing", None
    last_day = settings.last_on_time_day(period, year)
    days = (pd.Timestamp(received).date() - last_day).days
    return ("on_time", None) if days <= 0 else ("late", days)


def _check_settings(settings: SubmissionSettings) -> None:
    if settings.on_time_rule not in ("on_or_before", "before"):
        raise ParameterError(
            f"SubmissionSettings.on_time_rule={settings.on_time_rule!r} is not allowed; "
            "expected 'on_or_before' (received ≤ the 15th) or 'before' (received ≤ the 14th)."
        )
