"""Annual dân vận plans issued by agencies, districts and communes (target 1 of the 2023 plan).

Target 1 asks every provincial agency, district and commune to issue its own plan implementing the province's
plan; an issued plan is evidenced by its document number (số hiệu văn bản) and issue date.
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
    rule,
    unique_key,
    unit_matches_kind,
)
from danvan_analysis.schemas._columns import date_column, district_column, unit_column, unit_kind_column, year_column

KEY = ("year", "unit_code")


class PlansSchema(DanvanModel):
    """Contract of the plans dataset (one row per unit and year)."""

    year: Series[pd.Int64Dtype] = year_column()
    unit_code: Series[str] = unit_column(
        ("agency", "district", "commune"),
        "Mã cơ quan cấp tỉnh, mã huyện hoặc mã xã",
        "Provincial agency, district or commune code",
    )
    unit_kind: Series[str] = unit_kind_column(("agency", "district", "commune"))
    district_code: Series[str] = district_column(
        "Mã huyện của đơn vị (để trống với cơ quan cấp tỉnh)",
        "District of the unit (empty for agencies)",
        nullable=True,
    )
    issued: Series[pd.BooleanDtype] = column(
        "bool",
        vi="Đã ban hành kế hoạch",
        en="Plan issued",
        means_vi="Đơn vị đã ban hành kế hoạch công tác dân vận của năm",
        means_en="The unit issued its dân vận plan for the year",
    )
    document_number: Series[str] = column(
        "text",
        vi="Số hiệu văn bản",
        en="Document number",
        means_vi="Số, ký hiệu của kế hoạch (bắt buộc khi đã ban hành), ví dụ 35/KH-UBND",
        means_en="Number of the plan document (required when issued), e.g. 35/KH-UBND",
        nullable=True,
        aliases=("số kế hoạch", "số, ký hiệu"),
    )
    issue_date: Series[pd.Timestamp] = date_column(
        "Ngày ban hành",
        "Issue date",
        "Ngày ban hành kế hoạch (bắt buộc khi đã ban hành, trong năm báo cáo)",
        "Date the plan was issued (required when issued, within the year)",
        nullable=True,
    )

    @rule(column="unit_code", involves=("unit_code", "unit_kind"), expected="a unit of the kind in column unit_kind")
    def unit_matches_unit_kind(cls, df: pd.DataFrame) -> pd.Series:
        return unit_matches_kind(df["unit_code"], df["unit_kind"])

    @rule(
        column="district_code",
        involves=("district_code", "unit_code"),
        expected="the district of unit_code (empty for agencies)",
    )
    def district_of_unit(cls, df: pd.DataFrame) -> pd.Series:
        return district_matches_unit(df["district_code"], df["unit_code"])

    @rule(
        column="document_number",
        involves=("document_number", "issued"),
        expected="a document number when issued is yes, and none when it is no",
    )
    def number_iff_issued(cls, df: pd.DataFrame) -> pd.Series:
        issued = df["issued"]
        return ((issued == df["document_number"].notna()) | issued.isna()).astype(bool)

    @rule(column="issue_date", involves=("issue_date", "issued"), expected="an issue date when issued is yes")
    def date_when_issued(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["issued"].fillna(False).astype(bool) & df["issue_date"].isna())

    @rule(column="issue_date", involves=("issue_date", "year"), expected="an issue date in the year of column year")
    def date_within_year(cls, df: pd.DataFrame) -> pd.Series:
        return date_in_year(df["issue_date"], df["year"])

    @rule(column="unit_code", involves=KEY, expected="one row per year and unit")
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, KEY)


SPEC = DatasetSpec.from_model(
    "plans",
    PlansSchema,
    title_vi="Ban hành kế hoạch công tác dân vận",
    title_en="Dân vận plans issued",
    grain_vi="mỗi dòng là một đơn vị × năm",
    grain_en="one row per unit × year",
    key=KEY,
)
