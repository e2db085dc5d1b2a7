"""Unit by unit: which commune or agency did what the plan asks, read from the theme tables already computed.

The report's commune table (a district report) and agency table (the province report) are built from the same
indicator tables as the scorecard, through their shortfalls: a unit listed as falling short of ``plan_issued`` has
not issued its plan, and so on. No rule is applied twice, so a unit's row can never disagree with the target it
counts in. A column is ``None`` for a unit it does not concern (a commune without investment projects has no
Community Investment Supervision Board to set up) or when the theme has no data.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from danvan_analysis.indicators._base import IndicatorTable, as_codes, as_flags, resolve_scope, rows_of_year

#: (column, theme, indicator, unit kinds it concerns): what the tables show per unit.
UNIT_CHECKS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("plan_issued", "plans", "plan_issued", ("commune", "agency")),
    ("head_dialogue", "dialogues", "dialogue_heads", ("commune",)),
    ("pib_in_place", "boards", "pib_coverage", ("commune", "agency")),
    ("cisb_in_place", "boards", "cisb_coverage", ("commune",)),
    ("reports_on_time", "submissions", "submission_on_time", ("agency",)),
)


def tabulate_units(
    tables: Mapping[str, IndicatorTable | None],
    *,
    kind: str,
    district: str | None = None,
    boards: pd.DataFrame | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Return one row per commune (of ``district``) or per provincial agency (``district=None``), one column per
    check of :data:`UNIT_CHECKS` that concerns that kind: ``True`` done, ``False`` not done (or not reported),
    ``None`` not concerned or no data.

    Parameters
    ----------
    tables : the theme tables of the scope (:func:`danvan_analysis.scorecard.compute_plan_tables`).
    kind : ``"commune"`` or ``"agency"``.
    district : the district whose communes are listed; ``None`` for the province (agencies, or every commune).
    boards : the boards dataset, to know which communes have investment projects (``cisb_in_place``).
    year : the year of ``boards`` rows to read.
    """
    if kind not in ("commune", "agency"):
        raise ValueError(f"kind={kind!r}: expected 'commune' or 'agency'")
    scope = resolve_scope(district)
    units = scope.units(kind)
    frame = pd.DataFrame({"unit_code": [u.code for u in units], "unit_name": [u.name for u in units]})
    with_projects = _communes_with_projects(boards, year)
    if kind == "commune" and district is not None:
        _add_complaints(frame, tables.get("complaints"), scope.code)
    for column, theme, indicator, kinds in UNIT_CHECKS:
        if kind not in kinds:
            continue
        table = tables.get(theme)
        if table is None:
            frame[column] = None
            continue
        short = {s.unit_code for s in table.shortfall_for(indicator, scope_code=scope.code)}
        values: list[bool | None] = [code not in short for code in frame["unit_code"]]
        if column == "cisb_in_place":
            values = [v if (with_projects is None or c in with_projects or c in short) else None
                      for c, v in zip(frame["unit_code"], values, strict=True)]  # fmt: skip
        frame[column] = pd.array(values, dtype="boolean")
    return frame


#: Figures per commune read from the complaints table's ``unit`` breakdown: (column, indicator).
UNIT_FIGURES = (("petitions_received", "petitions_received"), ("complaints_resolved", "complaint_resolution"))


def _add_complaints(frame: pd.DataFrame, table: IndicatorTable | None, scope_code: str) -> None:
    """Each commune's petitions received and resolution rate (percent), from the district's complaints table."""
    if table is None:
        return
    for column, indicator in UNIT_FIGURES:
        values = []
        for code in frame["unit_code"]:
            try:
                values.append(table.get(indicator, unit_code=scope_code, dimension="unit", category=code).value)
            except KeyError:
                values.append(None)
        frame[column] = pd.array(values, dtype="Float64")


def _communes_with_projects(boards: pd.DataFrame | None, year: int | None) -> set[str] | None:
    if boards is None or year is None or not {"unit_code", "has_investment_projects"} <= set(boards.columns):
        return None
    rows = rows_of_year(boards, year)
    return set(as_codes(rows["unit_code"])[as_flags(rows["has_investment_projects"]).fillna(False)])
