"""Task area 4: settling complaints and denunciations, and receiving citizens.

Figures are cumulative from 1 January, so each reporting unit is read at the **latest period it reported in the
year**. Indicators for the scope, by field (``vocab.Topic``), and per district for the province:

- ``complaint_resolution``: cases resolved / petitions within the unit's jurisdiction (Luật Khiếu nại 2011 and
  Luật Tố cáo 2018 define "thuộc thẩm quyền"); ``complaint_on_time``: resolved on time / resolved;
- ``complaint_backlog``: within jurisdiction − resolved; ``complaint_mass`` (đông người) and
  ``complaint_prolonged`` (kéo dài) cases; ``petitions_received``, ``people_received``;
- ``reception_sessions_head`` and ``reception_sessions_regular``: reception sessions held by the head in person and
  by the regular reception office;
- ``reception_heads``: governments whose head held ≥ 1 reception session / governments of the register in scope
  (Luật Tiếp công dân 2013, art. 18 obliges every chair to receive citizens in person).

The plan sets no numeric threshold here; pass ``ComplaintSettings(resolution_threshold=…)`` to judge the resolution
rate against one (e.g. the 85 % the Government Inspectorate commonly sets).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.indicators._base import (
    IndicatorTable,
    Scope,
    TableBuilder,
    as_codes,
    as_counts,
    check_year,
    group_totals,
    latest_period,
    period_label,
    require_columns,
    resolve_scope,
    rows_at_latest_period,
    rows_of_year,
    total_in,
)

LABELS = {
    "complaint_resolution": (
        "Tỷ lệ giải quyết đơn thư khiếu nại, tố cáo thuộc thẩm quyền",
        "Resolution rate of complaints within jurisdiction",
    ),
    "complaint_on_time": ("Tỷ lệ vụ việc giải quyết đúng hạn", "Share of cases resolved on time"),
    "complaint_backlog": ("Số vụ việc thuộc thẩm quyền chưa giải quyết", "Cases within jurisdiction not yet resolved"),
    "complaint_mass": ("Số vụ việc khiếu nại đông người", "Mass complaints"),
    "complaint_prolonged": ("Số vụ việc phức tạp, kéo dài", "Prolonged cases"),
    "petitions_received": ("Số đơn thư tiếp nhận", "Petitions received"),
    "people_received": ("Số lượt công dân được tiếp", "Citizens received"),
    "reception_sessions_head": ("Số kỳ tiếp công dân của người đứng đầu", "Reception sessions held by the head"),
    "reception_sessions_regular": ("Số buổi tiếp công dân thường xuyên", "Regular reception sessions"),
    "reception_heads": (
        "Tỷ lệ người đứng đầu chính quyền trực tiếp tiếp công dân",
        "Share of heads of government who received citizens in person",
    ),
}
COLUMNS = [
    "year",
    "period",
    "level",
    "unit_code",
    "field",
    "reception_sessions_regular",
    "reception_sessions_head",
    "people_received",
    "petitions_received",
    "petitions_in_jurisdiction",
    "cases_resolved",
    "cases_resolved_on_time",
    "mass_complaints",
    "prolonged_cases",
]
_COUNTS = COLUMNS[5:]


@dataclass(frozen=True)
class ComplaintSettings:
    """Requirements for the complaint indicators (the plan sets none; ``None`` = report without judging).

    Attributes
    ----------
    resolution_threshold : minimum resolution rate, percent.
    on_time_threshold : minimum on-time rate, percent.
    """

    resolution_threshold: float | None = None
    on_time_threshold: float | None = None


def compute_complaint_indicators(
    complaints: pd.DataFrame,
    *,
    year: int,
    district: str | None = None,
    settings: ComplaintSettings = ComplaintSettings(),
) -> IndicatorTable:
    """Compute the complaint and citizen-reception indicators for the province or one district.

    Parameters
    ----------
    complaints : the complaints dataset (unit × period × field; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.
    settings : optional thresholds.

    Returns
    -------
    IndicatorTable
        The indicators listed in the module docstring.
    """
    year = check_year(year)
    require_columns(complaints, COLUMNS, dataset="complaints")
    scope = resolve_scope(district)
    builder = TableBuilder("complaints", year, scope, LABELS)
    rows = rows_of_year(complaints, year).copy()
    rows["unit_code"] = as_codes(rows["unit_code"])
    rows["period"] = as_codes(rows["period"])
    rows["field"] = as_codes(rows["field"])
    for column in _COUNTS:
        rows[column] = as_counts(rows[column])
    builder.note_unknown_units(
        rows["unit_code"],
        dataset="complaints",
        dataset_vi="tiếp công dân, giải quyết khiếu nại, tố cáo",
        column="unit_code",
    )
    rows, periods = rows_at_latest_period(rows, "unit_code")
    period = latest_period(periods.values()) or "Y"
    builder.note(
        vi=f"Số liệu tiếp công dân, giải quyết khiếu nại, tố cáo là số cộng dồn từ đầu năm: mỗi đơn vị được lấy số "
        f"liệu kỳ báo cáo gần nhất đã gửi trong năm {year} (chủ yếu là {period_label(period, 'vi')}).",
        en=f"complaints: each unit is read at its latest period of {year} (mostly {period}).",
    )

    for current in scope.self_and_districts():
        _add_scope(builder, current, period, rows, settings)
    if not scope.is_province:
        _add_communes(builder, scope, period, rows, settings)
    return builder.build()


def _add_communes(
    builder: TableBuilder, scope: Scope, period: str, rows: pd.DataFrame, settings: ComplaintSettings
) -> None:
    """A district's table also carries each commune's petitions and resolution rate (dimension ``unit``): the
    report's commune table reads them. A commune that sent no row has neither (``None``), never 0 %."""
    communes = scope.units("commune")
    part = rows[rows["unit_code"].isin([unit.code for unit in communes])]
    columns = ["cases_resolved", "petitions_in_jurisdiction", "petitions_received"]
    totals = group_totals(part, columns, by="unit_code")  # one pass, not one filter per commune
    for unit in communes:
        sent = unit.code in totals.index
        builder.add(
            "complaint_resolution",
            unit_code=scope.code,
            period=period,
            numerator=total_in(totals, unit.code, "cases_resolved") if sent else None,
            denominator=total_in(totals, unit.code, "petitions_in_jurisdiction") if sent else None,
            threshold=settings.resolution_threshold,
            rule=">=" if settings.resolution_threshold is not None else None,
            dimension="unit",
            category=unit.code,
        )
        builder.add(
            "petitions_received",
            unit_code=scope.code,
            period=period,
            numerator=total_in(totals, unit.code, "petitions_received") if sent else None,
            kind="count",
            dimension="unit",
            category=unit.code,
        )


def _add_scope(
    builder: TableBuilder, scope: Scope, period: str, rows: pd.DataFrame, settings: ComplaintSettings
) -> None:
    """Add the indicators of one scope: totals, by field, and the heads' receptions."""
    governments = [u.code for u in scope.units("province", "district", "commune")]
    part = rows[rows["unit_code"].isin(governments)]
    # Every sum of the scope in one pass each: the scope's totals (one group), then one row per field with rows.
    overall = group_totals(part, list(_COUNTS))
    by_field = group_totals(part, list(_COUNTS), by="field")
    for field in [None, *vocab.Topic.codes()]:
        if field is not None and field not in by_field.index:
            continue
        totals, key = (overall, "") if field is None else (by_field, field)
        dimension = None if field is None else "field"
        in_jurisdiction, resolved = (
            total_in(totals, key, "petitions_in_jurisdiction"),
            total_in(totals, key, "cases_resolved"),
        )
        builder.add(
            "complaint_resolution",
            unit_code=scope.code,
            period=period,
            numerator=resolved,
            denominator=in_jurisdiction,
            threshold=settings.resolution_threshold,
            rule=">=" if settings.resolution_threshold is not None else None,
            dimension=dimension,
            category=field,
        )
        builder.add(
            "complaint_on_time",
            unit_code=scope.code,
            period=period,
            numerator=total_in(totals, key, "cases_resolved_on_time"),
            denominator=resolved,
            threshold=settings.on_time_threshold,
            rule=">=" if settings.on_time_threshold is not None else None,
            dimension=dimension,
            category=field,
        )
        backlog = None if in_jurisdiction is None or resolved is None else in_jurisdiction - resolved
        builder.add(
            "complaint_backlog",
            unit_code=scope.code,
            period=period,
            numerator=backlog,
            kind="count",
            dimension=dimension,
            category=field,
        )
        for indicator, column in (
            ("complaint_mass", "mass_complaints"),
            ("complaint_prolonged", "prolonged_cases"),
            ("petitions_received", "petitions_received"),
            ("people_received", "people_received"),
            ("reception_sessions_head", "reception_sessions_head"),
            ("reception_sessions_regular", "reception_sessions_regular"),
        ):
            builder.add(
                indicator,
                unit_code=scope.code,
                period=period,
                numerator=total_in(totals, key, column),
                kind="count",
                dimension=dimension,
                category=field,
            )

    sessions = part.groupby("unit_code")["reception_sessions_head"].sum()
    received = set(sessions[sessions > 0].index)
    builder.add(
        "reception_heads",
        unit_code=scope.code,
        period=period,
        numerator=sum(c in received for c in governments),
        denominator=len(governments),
    )
    builder.short_not_done(
        "reception_heads", scope.code, period, governments, done=received, reported=set(part["unit_code"])
    )
