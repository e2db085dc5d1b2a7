"""Citizen reception, complaints and denunciations, per unit × period × field (task area 4 of the 2023 plan).

Counts follow the reporting forms of the Government Inspectorate (Circular 02/2021/TT-TTCP): petitions received,
those within the unit's jurisdiction, cases resolved and resolved on time. Figures of a period are cumulative from
1 January.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import (
    DanvanModel,
    DatasetSpec,
    column,
    district_matches_unit,
    le_or_missing,
    rule,
    unique_key,
    unit_matches_kind,
)
from danvan_analysis.schemas._columns import (
    count_column,
    district_column,
    level_column,
    period_column,
    unit_column,
    year_column,
)
from danvan_analysis.vocab import Topic

KEY = ("year", "period", "unit_code", "field")


class ComplaintsSchema(DanvanModel):
    """Contract of the complaints dataset (one row per unit, period and field)."""

    year: Series[pd.Int64Dtype] = year_column()
    period: Series[str] = period_column()
    level: Series[str] = level_column("Cấp chính quyền báo cáo", "Level of the reporting government")
    unit_code: Series[str] = unit_column(
        ("province", "district", "commune"),
        "Mã đơn vị báo cáo: 19 (tỉnh), mã huyện hoặc mã xã",
        "Code of the reporting government: 19 (province), a district or a commune code",
    )
    district_code: Series[str] = district_column(
        "Mã huyện của đơn vị (để trống với cấp tỉnh)", "District of the unit (empty at province level)", nullable=True
    )
    field: Series[str] = column(
        "enum",
        vi="Lĩnh vực",
        en="Field",
        means_vi="Lĩnh vực của đơn thư, vụ việc",
        means_en="Field of the petitions and cases",
        vocab=Topic,
    )
    reception_sessions_regular: Series[pd.Int64Dtype] = count_column(
        "Số buổi tiếp công dân thường xuyên",
        "Regular reception sessions",
        "Số buổi tiếp công dân thường xuyên tại trụ sở tiếp công dân",
        "Regular citizen reception sessions",
    )
    reception_sessions_head: Series[pd.Int64Dtype] = count_column(
        "Số buổi tiếp công dân của người đứng đầu",
        "Reception sessions by the head",
        "Số buổi người đứng đầu tiếp công dân định kỳ, đột xuất",
        "Reception sessions held by the head of the unit",
    )
    people_received: Series[pd.Int64Dtype] = count_column(
        "Số lượt người được tiếp", "People received", "Số lượt công dân được tiếp", "Citizens received (visits)"
    )
    petitions_received: Series[pd.Int64Dtype] = count_column(
        "Số đơn tiếp nhận",
        "Petitions received",
        "Số đơn khiếu nại, tố cáo, kiến nghị, phản ánh tiếp nhận",
        "Complaints, denunciations and petitions received",
    )
    petitions_in_jurisdiction: Series[pd.Int64Dtype] = count_column(
        "Số đơn thuộc thẩm quyền",
        "Petitions in jurisdiction",
        "Số đơn thuộc thẩm quyền giải quyết của đơn vị (≤ số đơn tiếp nhận)",
        "Petitions within the unit's jurisdiction (≤ received)",
    )
    cases_resolved: Series[pd.Int64Dtype] = count_column(
        "Số vụ việc đã giải quyết",
        "Cases resolved",
        "Số vụ việc thuộc thẩm quyền đã giải quyết (≤ số đơn thuộc thẩm quyền)",
        "Cases within jurisdiction resolved (≤ in jurisdiction)",
    )
    cases_resolved_on_time: Series[pd.Int64Dtype] = count_column(
        "Số vụ việc giải quyết đúng hạn",
        "Cases resolved on time",
        "Số vụ việc giải quyết trong thời hạn luật định (≤ số đã giải quyết)",
        "Cases resolved within the legal time limit (≤ resolved)",
    )
    mass_complaints: Series[pd.Int64Dtype] = count_column(
        "Số vụ khiếu kiện đông người", "Mass complaints", "Số vụ khiếu kiện đông người", "Mass complaints"
    )
    prolonged_cases: Series[pd.Int64Dtype] = count_column(
        "Số vụ việc phức tạp, kéo dài",
        "Prolonged cases",
        "Số vụ việc phức tạp, tồn đọng, kéo dài",
        "Complex, long-standing cases",
    )

    @rule(
        column="unit_code",
        involves=("unit_code", "level"),
        expected="a unit of the level in column level (province 19, a district or a commune code)",
    )
    def unit_matches_level(cls, df: pd.DataFrame) -> pd.Series:
        return unit_matches_kind(df["unit_code"], df["level"])

    @rule(
        column="district_code",
        involves=("district_code", "unit_code"),
        expected="the district of unit_code (empty for the province)",
    )
    def district_of_unit(cls, df: pd.DataFrame) -> pd.Series:
        return district_matches_unit(df["district_code"], df["unit_code"])

    @rule(
        column="petitions_in_jurisdiction",
        involves=("petitions_in_jurisdiction", "petitions_received"),
        expected="petitions_in_jurisdiction ≤ petitions_received",
    )
    def jurisdiction_within_received(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["petitions_in_jurisdiction"], df["petitions_received"])

    @rule(
        column="cases_resolved",
        involves=("cases_resolved", "petitions_in_jurisdiction"),
        expected="cases_resolved ≤ petitions_in_jurisdiction",
    )
    def resolved_within_jurisdiction(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["cases_resolved"], df["petitions_in_jurisdiction"])

    @rule(
        column="cases_resolved_on_time",
        involves=("cases_resolved_on_time", "cases_resolved"),
        expected="cases_resolved_on_time ≤ cases_resolved",
    )
    def on_time_within_resolved(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["cases_resolved_on_time"], df["cases_resolved"])

    @rule(column="field", involves=KEY, expected="one row per year, period, unit and field")
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, KEY)


SPEC = DatasetSpec.from_model(
    "complaints",
    ComplaintsSchema,
    title_vi="Tiếp công dân, giải quyết khiếu nại, tố cáo",
    title_en="Citizen reception, complaints and denunciations",
    grain_vi="mỗi dòng là một đơn vị × kỳ báo cáo × lĩnh vực",
    grain_en="one row per unit × period × field",
    key=KEY,
)
