"""People's Inspection Boards and Community Investment Supervision Boards, per commune or agency × year (target 4).

Target 4 asks that every commune and every provincial agency have a People's Inspection Board (Ban Thanh tra nhân
dân, Law on Grassroots Democracy 2022) that works effectively, and that every commune with investment projects have
a Community Investment Supervision Board (Ban Giám sát đầu tư của cộng đồng, Decree 29/2021).
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import (
    DanvanModel,
    DatasetSpec,
    column,
    district_matches_unit,
    rule,
    unique_key,
    unit_matches_kind,
)
from danvan_analysis.schemas._columns import district_column, unit_column, unit_kind_column, year_column

KEY = ("year", "unit_code")


def _flag(vi: str, en: str, means_vi: str, means_en: str, *, nullable: bool = False) -> object:
    return column("bool", vi=vi, en=en, means_vi=means_vi, means_en=means_en, nullable=nullable)


class BoardsSchema(DanvanModel):
    """Contract of the boards dataset (one row per commune or agency and year)."""

    year: Series[pd.Int64Dtype] = year_column()
    unit_code: Series[str] = unit_column(
        ("commune", "agency"),
        "Mã xã hoặc mã cơ quan cấp tỉnh (SNV, STC, …)",
        "Commune code or provincial agency code (SNV, STC, …)",
    )
    unit_kind: Series[str] = unit_kind_column(("commune", "agency"))
    district_code: Series[str] = district_column(
        "Mã huyện của xã (để trống với cơ quan cấp tỉnh)", "District of the commune (empty for agencies)", nullable=True
    )
    pib_in_place: Series[pd.BooleanDtype] = _flag(
        "Có Ban Thanh tra nhân dân",
        "People's Inspection Board in place",
        "Đơn vị đã thành lập Ban Thanh tra nhân dân",
        "A People's Inspection Board has been set up",
    )
    pib_active: Series[pd.BooleanDtype] = _flag(
        "Ban Thanh tra nhân dân hoạt động hiệu quả",
        "People's Inspection Board active",
        "Ban Thanh tra nhân dân hoạt động có hiệu quả (chỉ khi đã thành lập)",
        "The People's Inspection Board works effectively (only if in place)",
    )
    has_investment_projects: Series[pd.BooleanDtype] = _flag(
        "Có dự án đầu tư",
        "Has investment projects",
        "Trên địa bàn có dự án đầu tư thuộc diện giám sát của cộng đồng",
        "There are investment projects subject to community supervision",
    )
    cisb_in_place: Series[pd.BooleanDtype] = _flag(
        "Có Ban Giám sát đầu tư của cộng đồng",
        "Community Investment Supervision Board in place",
        "Đã thành lập Ban Giám sát đầu tư của cộng đồng (bắt buộc trả lời khi có dự án)",
        "A Community Investment Supervision Board is in place (required when there are projects)",
        nullable=True,
    )

    @rule(column="unit_code", involves=("unit_code", "unit_kind"), expected="a unit of the kind in column unit_kind")
    def unit_matches_unit_kind(cls, df: pd.DataFrame) -> pd.Series:
        return unit_matches_kind(df["unit_code"], df["unit_kind"])

    @rule(
        column="district_code",
        involves=("district_code", "unit_code"),
        expected="the district of the commune in unit_code (empty for agencies)",
    )
    def district_of_unit(cls, df: pd.DataFrame) -> pd.Series:
        return district_matches_unit(df["district_code"], df["unit_code"])

    @rule(
        column="pib_active",
        involves=("pib_active", "pib_in_place"),
        expected="pib_active only when pib_in_place (a board that does not exist cannot be active)",
    )
    def active_only_if_in_place(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["pib_active"] & ~df["pib_in_place"]).fillna(False).astype(bool)

    @rule(
        column="cisb_in_place",
        involves=("cisb_in_place", "has_investment_projects"),
        expected="yes or no when has_investment_projects is yes",
    )
    def cisb_answered_when_projects(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["has_investment_projects"].fillna(False).astype(bool) & df["cisb_in_place"].isna())

    @rule(column="unit_code", involves=KEY, expected="one row per year and unit")
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, KEY)


SPEC = DatasetSpec.from_model(
    "boards",
    BoardsSchema,
    title_vi="Ban Thanh tra nhân dân và Ban Giám sát đầu tư của cộng đồng",
    title_en="People's Inspection and Community Investment Supervision Boards",
    grain_vi="mỗi dòng là một xã hoặc cơ quan × năm",
    grain_en="one row per commune or agency × year",
    key=KEY,
)
