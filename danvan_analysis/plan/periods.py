"""Report data as they stood at a reporting period's cut-off, by the plan's calendar.

A period report (``Q1``, ``H1``, ``9M``, ``Y``: the reports due 15/3, 15/6, 15/9, 15/11 in the 2023 plan) counts
what had happened by its cut-off, :meth:`danvan_analysis.plan.Plan.window`:

- dated events (dialogues, inspections) inside the window of their year;
- plans issued on or before the window's last day (a plan issued later counts as not yet issued);
- period-coded figures (religion, complaints: cumulative figures reported per period) of the periods up to the
  report's (``cumulative``) or of the report's period alone (``between_deadlines``);
- submissions: every row is kept; the reports not yet due are left out by the submission settings' ``as_of`` (the
  report's deadline, :meth:`~danvan_analysis.plan.Plan.theme_settings`);
- boards, the survey and the published indices are annual and stay as they are.

Earlier years are cut the same way (their own window), so "not growing" compares the same period of two years.
The full-year evaluation (``period=None``) uses everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.indicators import dataset_of
from danvan_analysis.schemas import DATASETS

if TYPE_CHECKING:
    from danvan_analysis.plan import Plan

#: Dated datasets: dataset → its date column.
DATED = {"dialogues": "date", "inspections": "date"}
#: Period-coded datasets (cumulative figures per reporting period).
PERIODIC = ("religion", "complaints")


def data_for_period(data: object, *, plan: Plan, period: str) -> dict[str, pd.DataFrame]:
    """Return every dataset of ``data`` (a bundle or mapping) as it stood at ``period``'s cut-off, each year its own.

    Raises
    ------
    ParameterError
        ``period`` is not a period of the plan's calendar.
    """
    plan.period(period)  # a named error for a period the plan does not have
    order = [p.code for p in plan.calendar.periods]
    upto = order[: order.index(period) + 1] if plan.calendar.cutoff == "cumulative" else [period]
    out: dict[str, pd.DataFrame] = {}
    for name in DATASETS:
        frame = dataset_of(data, name)
        if frame is None:
            continue
        if name in DATED and len(frame):
            frame = frame[_inside(frame, DATED[name], plan, period)]
        elif name == "plans" and len(frame):
            frame = _plans_at(frame, plan, period)
        elif name in PERIODIC and len(frame) and "period" in frame.columns:
            codes = frame["period"].map(lambda v: vocab.Period.parse(v) or v)
            frame = frame[codes.isin(upto)]
        out[name] = frame
    return out


def _windows(frame: pd.DataFrame, plan: Plan, period: str) -> tuple[pd.Series, pd.Series]:
    years = pd.to_numeric(frame["year"], errors="coerce")
    bounds = {int(y): plan.window(period, int(y)) for y in years.dropna().unique()}
    start = years.map(lambda y: pd.Timestamp(bounds[int(y)][0]) if pd.notna(y) else pd.NaT)
    end = years.map(lambda y: pd.Timestamp(bounds[int(y)][1]) if pd.notna(y) else pd.NaT)
    return start, end


def _inside(frame: pd.DataFrame, column: str, plan: Plan, period: str) -> pd.Series:
    dates = pd.to_datetime(frame[column], errors="coerce")
    start, end = _windows(frame, plan, period)
    return (dates >= start) & (dates <= end)


def _plans_at(frame: pd.DataFrame, plan: Plan, period: str) -> pd.DataFrame:
    """A plan issued after the cut-off was not yet issued at the report's date."""
    if "issue_date" not in frame.columns or "issued" not in frame.columns:
        return frame
    dates = pd.to_datetime(frame["issue_date"], errors="coerce")
    _, end = _windows(frame, plan, period)
    late = dates > end
    if not late.any():
        return frame
    frame = frame.copy()
    issued = frame["issued"].astype("boolean")
    issued[late.to_numpy()] = False
    frame["issued"] = issued
    return frame
