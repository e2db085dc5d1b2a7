"""Receipt of periodic reports by the Department of Home Affairs (reporting timeliness of the 2023 plan).

One row per reporting unit (provincial agency or district) × year × period; ``date_received`` is empty when the
report never arrived. Deadlines are the 15th of March, June, September and November of ``year``
(:meth:`danvan_analysis.vocab.Period.deadline`); on-time rules live in ``danvan_analysis.indicators``.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import DanvanModel, DatasetSpec, date_in_year, rule, unique_key
from danvan_analysis.schemas._columns import date_column, period_column, unit_column, year_column

KEY = ("year", "unit_code", "period")


class SubmissionsSchema(DanvanModel):
    """Contract of the submissions dataset (one row per reporting unit, year and period)."""

    year: Series[pd.Int64Dtype] = year_column()
    unit_code: Series[str] = unit_column(
        ("agency", "district"),
        "Mã đơn vị gửi báo cáo: cơ quan cấp tỉnh hoặc huyện",
        "Code of the reporting unit: a provincial agency or a district",
        vi="Mã đơn vị báo cáo",
        en="Reporting unit code",
    )
    period: Series[str] = period_column()
    date_received: Series[pd.Timestamp] = date_column(
        "Ngày nhận báo cáo",
        "Date received",
        "Ngày Sở Nội vụ nhận được báo cáo (để trống nếu chưa nhận)",
        "Date the Department of Home Affairs received the report (empty if not received)",
        nullable=True,
    )

    @rule(column="date_received", involves=("date_received", "year"), expected="a date in the year of column year")
    def date_within_year(cls, df: pd.DataFrame) -> pd.Series:
        return date_in_year(df["date_received"], df["year"])

    @rule(column="period", involves=KEY, expected="one row per year, unit and period")
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, KEY)


SPEC = DatasetSpec.from_model(
    "submissions",
    SubmissionsSchema,
    title_vi="Tình hình gửi báo cáo định kỳ",
    title_en="Periodic report submissions",
    grain_vi="mỗi dòng là một đơn vị báo cáo × năm × kỳ",
    grain_en="one row per reporting unit × year × period",
    key=KEY,
)
