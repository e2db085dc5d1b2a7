"""Religious outreach, per district × reporting period × religion (target 5 of the 2023 plan).

Target 5 asks that dignitaries and lay officials (chức sắc, chức việc) of every recognised religion be informed of
the Party's and State's policies; the share informed is ``dignitaries_informed / dignitaries_total``. Figures of a
period are cumulative from 1 January.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import DanvanModel, DatasetSpec, column, le_or_missing, rule, unique_key
from danvan_analysis.schemas._columns import count_column, district_column, period_column, year_column
from danvan_analysis.vocab import Religion

KEY = ("year", "period", "district_code", "commune_code", "religion")


class ReligionSchema(DanvanModel):
    """Contract of the religion dataset (one row per district, period and religion)."""

    year: Series[pd.Int64Dtype] = year_column()
    period: Series[str] = period_column()
    district_code: Series[str] = district_column()
    # On the two-level map (from 01/07/2025) the commune reports, and there is no district_code.
    commune_code: Series[str] | None = column(
        "commune",
        vi="Mã xã",
        en="Commune code",
        means_vi="Mã xã, phường (5 chữ số); chỉ dùng từ ngày 01/07/2025, khi xã báo cáo thay huyện",
        means_en="GSO code (5 digits) of the commune; only from 01/07/2025, when communes report instead of districts",
        nullable=True,
        optional=True,
        aliases=("xã", "mã xã phường"),
    )
    religion: Series[str] = column(
        "enum",
        vi="Tôn giáo",
        en="Religion",
        means_vi="Tôn giáo được Nhà nước công nhận",
        means_en="State-recognised religion",
        vocab=Religion,
    )
    dignitaries_total: Series[pd.Int64Dtype] = count_column(
        "Tổng số chức sắc, chức việc",
        "Dignitaries (total)",
        "Số chức sắc, chức việc của tôn giáo trên địa bàn",
        "Dignitaries and lay officials of the religion in the district",
    )
    dignitaries_informed: Series[pd.Int64Dtype] = count_column(
        "Số chức sắc, chức việc được thông tin",
        "Dignitaries informed",
        "Số chức sắc, chức việc được thông tin, tuyên truyền về chủ trương, chính sách (≤ tổng số)",
        "Dignitaries and lay officials informed of the Party's and State's policies (≤ total)",
    )
    venues: Series[pd.Int64Dtype] = count_column(
        "Số cơ sở thờ tự", "Places of worship", "Số cơ sở thờ tự, điểm nhóm", "Places of worship and meeting points"
    )
    registered_activities: Series[pd.Int64Dtype] = count_column(
        "Số hoạt động tôn giáo đã đăng ký",
        "Registered activities",
        "Số hoạt động tôn giáo đã đăng ký, thông báo với chính quyền",
        "Religious activities registered with or notified to the authorities",
    )
    hot_spots: Series[pd.Int64Dtype] = count_column(
        "Số điểm nóng", "Hot spots", "Số điểm nóng, phức tạp về tôn giáo", "Religious hot spots (tension, disputes)"
    )
    unlawful_followers: Series[pd.Int64Dtype] = count_column(
        "Số người theo tổ chức trái pháp luật",
        "Followers of unlawful groups",
        "Số người theo các tổ chức, hiện tượng tôn giáo trái pháp luật",
        "People following unlawful religious organisations or movements",
    )

    @rule(
        column="dignitaries_informed",
        involves=("dignitaries_informed", "dignitaries_total"),
        expected="dignitaries_informed ≤ dignitaries_total",
    )
    def informed_within_total(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["dignitaries_informed"], df["dignitaries_total"])

    @rule(
        column="religion",
        involves=("year", "period", "religion"),
        expected="one row per year, period, district (or commune) and religion",
        hint="Add up rows reported twice, or correct the period.",
    )
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, [c for c in KEY if c in df.columns])  # commune_code is optional


SPEC = DatasetSpec.from_model(
    "religion",
    ReligionSchema,
    title_vi="Công tác dân vận đối với tôn giáo",
    title_en="Religious outreach",
    grain_vi="mỗi dòng là một huyện × kỳ báo cáo × tôn giáo",
    grain_en="one row per district × period × religion",
    key=KEY,
)
