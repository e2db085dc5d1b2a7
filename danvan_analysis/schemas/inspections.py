"""Inspections of dân vận and grassroots-democracy work (target 6 of the 2023 plan).

One row per inspection: who inspected whom, when, and of what (dân vận work, implementation of grassroots
democracy, or both). The district of a commune or district being inspected is recorded so indicators can count
inspections per district.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import (
    DanvanModel,
    DatasetSpec,
    column,
    date_in_year,
    district_matches_unit,
    plain_text,
    rule,
    unique_within_year,
)
from danvan_analysis.schemas._columns import date_column, district_column, unit_column, year_column
from danvan_analysis.vocab import InspectionScope


class InspectionsSchema(DanvanModel):
    """Contract of the inspections dataset (one row per inspection)."""

    inspection_id: Series[str] = column(
        "id",
        vi="Mã cuộc kiểm tra",
        en="Inspection ID",
        means_vi="Mã của cuộc kiểm tra, không trùng trong một năm",
        means_en="Identifier of the inspection, unique within the year",
    )
    year: Series[pd.Int64Dtype] = year_column()
    inspecting_unit_code: Series[str] = unit_column(
        ("province", "agency", "district"),
        "Mã đơn vị tiến hành kiểm tra: 19 (tỉnh), cơ quan cấp tỉnh hoặc huyện",
        "Code of the inspecting unit: 19 (province), a provincial agency or a district",
        vi="Mã đơn vị kiểm tra",
        en="Inspecting unit code",
        aliases=("đơn vị kiểm tra",),
    )
    inspected_unit_code: Series[str] = unit_column(
        ("agency", "district", "commune"),
        "Mã đơn vị được kiểm tra: cơ quan cấp tỉnh, huyện hoặc xã",
        "Code of the inspected unit: a provincial agency, a district or a commune",
        vi="Mã đơn vị được kiểm tra",
        en="Inspected unit code",
        aliases=("đơn vị được kiểm tra",),
    )
    district_code: Series[str] = district_column(
        "Mã huyện của đơn vị được kiểm tra (để trống với cơ quan cấp tỉnh)",
        "District of the inspected unit (empty for agencies)",
        nullable=True,
    )
    date: Series[pd.Timestamp] = date_column("Ngày kiểm tra", "Date", "Ngày kiểm tra", "Date of the inspection")
    scope: Series[str] = column(
        "enum",
        vi="Nội dung kiểm tra",
        en="Scope",
        means_vi="Nội dung kiểm tra: công tác dân vận, thực hiện dân chủ ở cơ sở, hoặc cả hai",
        means_en="What was inspected: dân vận work, grassroots democracy, or both",
        vocab=InspectionScope,
    )

    @rule(
        column="inspection_id",
        involves=("year", "inspection_id"),
        expected="an inspection_id used once in the year",
    )
    def unique_inspection(cls, df: pd.DataFrame) -> pd.Series:
        return unique_within_year(df, "inspection_id")

    @rule(
        column="district_code",
        involves=("district_code", "inspected_unit_code"),
        expected="the district of inspected_unit_code (empty for agencies)",
    )
    def district_of_inspected(cls, df: pd.DataFrame) -> pd.Series:
        return district_matches_unit(df["district_code"], df["inspected_unit_code"])

    @rule(
        column="inspected_unit_code",
        involves=("inspected_unit_code", "inspecting_unit_code"),
        expected="a unit other than the inspecting unit",
    )
    def not_self_inspection(cls, df: pd.DataFrame) -> pd.Series:
        inspected, inspecting = plain_text(df["inspected_unit_code"]), plain_text(df["inspecting_unit_code"])
        return (inspected != inspecting).fillna(True).astype(bool)

    @rule(column="date", involves=("date", "year"), expected="a date in the year given in column year")
    def date_within_year(cls, df: pd.DataFrame) -> pd.Series:
        return date_in_year(df["date"], df["year"])


SPEC = DatasetSpec.from_model(
    "inspections",
    InspectionsSchema,
    title_vi="Kiểm tra công tác dân vận và thực hiện dân chủ ở cơ sở",
    title_en="Inspections of dân vận work and grassroots democracy",
    grain_vi="mỗi dòng là một cuộc kiểm tra",
    grain_en="one row per inspection",
    key=("year", "inspection_id"),
)
