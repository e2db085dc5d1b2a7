"""Target 6: at least one inspection a year of "dân vận chính quyền" work, by the province and by each district.

- ``inspections_province``: inspections conducted by the provincial level in the year: the Provincial People's
  Committee (unit ``19``) or any provincial agency (the Department of Home Affairs, ``SNV``, leads them), required
  ≥ 1. Only in the province scope.
- ``inspections_district``: inspections conducted by a district's People's Committee (``inspecting_unit_code`` = the
  district code), required ≥ 1, one row per district.
- ``inspection_districts_done``: districts with ≥ 1 own inspection / the 9 districts of the register, required
  100 % (province scope only); the districts without one are the shortfalls.
- ``inspected_communes``: distinct communes in scope that were inspected by anyone, no requirement.
"""

from __future__ import annotations

import pandas as pd

from danvan_analysis.indicators._base import (
    IndicatorTable,
    TableBuilder,
    as_codes,
    check_year,
    require_columns,
    resolve_scope,
    rows_of_year,
)
from danvan_analysis.units import province_code, register

LABELS = {
    "inspections_province": (
        "Số cuộc kiểm tra công tác dân vận chính quyền của cấp tỉnh",
        "Inspections conducted by the provincial level",
    ),
    "inspections_district": (
        "Số cuộc kiểm tra công tác dân vận chính quyền của UBND cấp huyện",
        "Inspections conducted by the district People's Committee",
    ),
    "inspection_districts_done": (
        "Tỷ lệ UBND cấp huyện tổ chức kiểm tra ít nhất 1 lần/năm",
        "Share of districts that conducted ≥ 1 inspection",
    ),
    "inspected_communes": ("Số xã, phường, thị trấn được kiểm tra", "Communes inspected"),
}
COLUMNS = ["year", "inspecting_unit_code", "inspected_unit_code"]


def compute_inspection_indicators(
    inspections: pd.DataFrame, *, year: int, district: str | None = None
) -> IndicatorTable:
    """Compute target 6 for the province or one district.

    Parameters
    ----------
    inspections : the inspections dataset (one row per inspection; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.

    Returns
    -------
    IndicatorTable
        The indicators listed in the module docstring.
    """
    year = check_year(year)
    require_columns(inspections, COLUMNS, dataset="inspections")
    scope = resolve_scope(district)
    builder = TableBuilder("inspections", year, scope, LABELS)
    rows = rows_of_year(inspections, year).copy()
    rows["inspecting_unit_code"] = as_codes(rows["inspecting_unit_code"])
    rows["inspected_unit_code"] = as_codes(rows["inspected_unit_code"])
    builder.note_unknown_units(
        rows["inspecting_unit_code"], dataset="inspections", dataset_vi="kiểm tra", column="inspecting_unit_code"
    )
    by_inspector = rows["inspecting_unit_code"].value_counts()
    if rows.empty:
        builder.note(
            vi=f"Không có số liệu kiểm tra năm {year}: không cấp nào được tính là đã tổ chức kiểm tra.",
            en=f"inspections: no row for {year}; no level counts as having inspected.",
        )

    if scope.is_province:
        province = province_code()
        provincial = [province, *(u.code for u in register().units("agency"))]
        count = int(by_inspector.reindex(provincial).fillna(0).sum())
        builder.add(
            "inspections_province",
            unit_code=province,
            period="Y",
            numerator=count,
            kind="count",
            threshold=1.0,
            rule=">=",
        )
        if count == 0:
            builder.short("inspections_province", province, "Y", [province], "not_done")

    districts = [s.code for s in scope.district_scopes() if s.level == "district"]  # none on the two-level map
    done = []
    for code in districts:
        count = int(by_inspector.get(code, 0))
        builder.add(
            "inspections_district", unit_code=code, period="Y", numerator=count, kind="count", threshold=1.0, rule=">="
        )
        if count:
            done.append(code)
        else:
            builder.short("inspections_district", code, "Y", [code], "not_done")
            builder.short("inspection_districts_done", scope.code, "Y", [code], "not_done")
    if scope.is_province and districts:
        builder.add(
            "inspection_districts_done",
            unit_code=scope.code,
            period="Y",
            numerator=len(done),
            denominator=len(districts),
            threshold=100.0,
            rule=">=",
        )

    for current in scope.self_and_districts():
        communes = {u.code for u in current.units("commune")}
        inspected = set(rows["inspected_unit_code"]) & communes
        builder.add("inspected_communes", unit_code=current.code, period="Y", numerator=len(inspected), kind="count")
    return builder.build()
