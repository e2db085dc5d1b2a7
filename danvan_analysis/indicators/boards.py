"""Target 4: People's Inspection Boards and Community Investment Supervision Boards.

- ``pib_coverage``: communes and provincial agencies with a People's Inspection Board (Ban Thanh tra nhân dân,
  Luật Thực hiện dân chủ ở cơ sở 2022) / all communes and agencies of the register in scope, required 100 %; by unit
  kind. A district scope counts its communes only (the agencies are provincial). A unit without a row counts as
  without a board. ``pib_active``: boards reported active, same denominator, no requirement.
- ``cisb_coverage``: communes with investment projects that have a Community Investment Supervision Board (Ban
  Giám sát đầu tư của cộng đồng) / communes with investment projects, required 100 %. Whether a commune has projects
  is only known from its row, so a commune without a row is **left out of this denominator** (it cannot be judged)
  and listed as a shortfall with reason ``"no_row"``; a caveat counts them.
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis.indicators._base import (
    IndicatorTable,
    Scope,
    TableBuilder,
    as_codes,
    as_flags,
    check_year,
    require_columns,
    resolve_scope,
    rows_of_year,
)
from danvan_analysis.numbers import format_count

LABELS = {
    "pib_coverage": (
        "Tỷ lệ xã, phường, thị trấn và cơ quan, đơn vị có Ban Thanh tra nhân dân",
        "Share of communes and agencies with a People's Inspection Board",
    ),
    "pib_active": (
        "Tỷ lệ xã, phường, thị trấn và cơ quan, đơn vị có Ban Thanh tra nhân dân hoạt động",
        "Share of communes and agencies whose People's Inspection Board is active",
    ),
    "cisb_coverage": (
        "Tỷ lệ xã có dự án đầu tư đã thành lập Ban Giám sát đầu tư của cộng đồng",
        "Share of communes with investment projects that have a Community Investment Supervision Board",
    ),
}
_FLAGS = ["pib_in_place", "pib_active", "has_investment_projects", "cisb_in_place"]
COLUMNS = ["year", "unit_code", *_FLAGS]


def compute_board_indicators(boards: pd.DataFrame, *, year: int, district: str | None = None) -> IndicatorTable:
    """Compute target 4 for the province or one district.

    Parameters
    ----------
    boards : the boards dataset (one row per commune or agency and year; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.

    Returns
    -------
    IndicatorTable
        ``pib_coverage``, ``pib_active`` (by unit kind) and ``cisb_coverage``, for the scope and per district.
    """
    year = check_year(year)
    require_columns(boards, COLUMNS, dataset="boards")
    scope = resolve_scope(district)
    builder = TableBuilder("boards", year, scope, LABELS)
    rows = rows_of_year(boards, year).copy()
    rows["unit_code"] = as_codes(rows["unit_code"])
    for column in _FLAGS:
        rows[column] = as_flags(rows[column])
    builder.note_unknown_units(
        rows["unit_code"],
        dataset="boards",
        dataset_vi="Ban Thanh tra nhân dân, Ban Giám sát đầu tư của cộng đồng",
        column="unit_code",
    )
    # A board that is active is in place, whatever the other column says.
    rows["pib_in_place"] = rows["pib_in_place"] | rows["pib_active"]
    grouped = rows.groupby("unit_code")[_FLAGS].any()
    # column → set of unit codes with the flag set; plain sets keep the per-unit look-ups below cheap.
    flags = {column: set(grouped.index[grouped[column]]) for column in grouped.columns}
    flags["reported"] = set(grouped.index)

    for current in scope.self_and_districts():
        _add_pib(builder, current, flags)
        _add_cisb(builder, current, flags)
    return builder.build()


def _add_pib(builder: TableBuilder, scope: Scope, flags: dict[str, set[str]]) -> None:
    """Add PIB coverage and activity for one scope, by unit kind; list the units without a board."""
    totals = {"pib_coverage": [0, 0], "pib_active": [0, 0]}
    for kind in ("commune", "agency"):
        units = [u.code for u in scope.units(kind)]
        if not units:
            continue
        for indicator, column in (("pib_coverage", "pib_in_place"), ("pib_active", "pib_active")):
            done = [c for c in units if c in flags[column]]
            builder.add(
                indicator,
                unit_code=scope.code,
                period="Y",
                numerator=len(done),
                denominator=len(units),
                threshold=100.0 if indicator == "pib_coverage" else None,
                rule=">=" if indicator == "pib_coverage" else None,
                dimension="unit_kind",
                category=kind,
            )
            totals[indicator][0] += len(done)
            totals[indicator][1] += len(units)
        builder.short_not_done(
            "pib_coverage", scope.code, "Y", units, done=flags["pib_in_place"], reported=flags["reported"]
        )
    for indicator, (done, units) in totals.items():
        builder.add(
            indicator,
            unit_code=scope.code,
            period="Y",
            numerator=done,
            denominator=units,
            threshold=100.0 if indicator == "pib_coverage" else None,
            rule=">=" if indicator == "pib_coverage" else None,
        )


def _add_cisb(builder: TableBuilder, scope: Scope, flags: dict[str, set[str]]) -> None:
    """Add CISB coverage of the communes with investment projects for one scope."""
    communes = [u.code for u in scope.units("commune")]
    unreported = [c for c in communes if c not in flags["reported"]]
    with_projects = [c for c in communes if c in flags["has_investment_projects"]]
    done = [c for c in with_projects if c in flags["cisb_in_place"]]
    builder.add(
        "cisb_coverage",
        unit_code=scope.code,
        period="Y",
        numerator=len(done),
        denominator=len(with_projects),
        threshold=100.0,
        rule=">=",
    )
    builder.short("cisb_coverage", scope.code, "Y", [c for c in with_projects if c not in done], "not_done")
    builder.short("cisb_coverage", scope.code, "Y", unreported, "no_row")
    if unreported and scope.code == builder.scope.code:
        builder.note(
            vi=f"{format_count(len(unreported), lang='vi')} xã, phường, thị trấn chưa báo cáo số liệu Ban Thanh tra "
            "nhân dân và Ban Giám sát đầu tư của cộng đồng: chưa rõ các xã này có dự án đầu tư hay không nên không "
            "được tính vào mẫu số của tỷ lệ xã có Ban Giám sát đầu tư của cộng đồng, và được tính là chưa có Ban "
            "Thanh tra nhân dân.",
            en=f"boards: {format_count(len(unreported), lang='en')} commune(s) sent no row; whether they have "
            "investment projects is unknown, so they are left out of the CISB denominator and counted as without a "
            "People's Inspection Board.",
        )
