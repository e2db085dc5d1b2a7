"""Direct dialogues of heads of government with citizens (target 3 of the 2023 plan).

One row per dialogue held by the head (or a deputy) of the provincial, a district or a commune People's Committee,
as required by the Law on Grassroots Democracy (2022) and Decree 61/2018 on one-stop-shop dialogue. Opinions raised
are either answered on the spot or referred for handling; the referred ones may be resolved later.
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
    le_or_missing,
    rule,
    unique_within_year,
    unit_matches_kind,
)
from danvan_analysis.schemas._columns import (
    count_column,
    date_column,
    district_column,
    level_column,
    unit_column,
    year_column,
)
from danvan_analysis.vocab import Chair, Topic


class DialoguesSchema(DanvanModel):
    """Contract of the dialogues dataset (one row per dialogue)."""

    dialogue_id: Series[str] = column(
        "id",
        vi="Mã cuộc đối thoại",
        en="Dialogue ID",
        means_vi="Mã của cuộc đối thoại, không trùng trong một năm",
        means_en="Identifier of the dialogue, unique within the year",
    )
    year: Series[pd.Int64Dtype] = year_column()
    level: Series[str] = level_column(
        "Cấp chính quyền có người đứng đầu đối thoại", "Level of the government whose head held the dialogue"
    )
    unit_code: Series[str] = unit_column(
        ("province", "district", "commune"),
        "Mã đơn vị có người đứng đầu đối thoại: 19 (tỉnh), mã huyện hoặc mã xã",
        "Code of the government whose head held the dialogue: 19 (province), a district or a commune code",
    )
    district_code: Series[str] = district_column(
        "Mã huyện của đơn vị (để trống với cấp tỉnh)", "District of the unit (empty at province level)", nullable=True
    )
    date: Series[pd.Timestamp] = date_column("Ngày đối thoại", "Date", "Ngày tổ chức đối thoại", "Date of the dialogue")
    chair: Series[str] = column(
        "enum",
        vi="Người chủ trì",
        en="Chaired by",
        means_vi="Người đứng đầu trực tiếp chủ trì hay cấp phó chủ trì",
        means_en="Whether the head chaired in person or a deputy did",
        vocab=Chair,
    )
    participants: Series[pd.Int64Dtype] = count_column(
        "Số người tham dự", "Participants", "Số người dân tham dự", "Number of citizens attending"
    )
    opinions_raised: Series[pd.Int64Dtype] = count_column(
        "Số ý kiến, kiến nghị", "Opinions raised", "Số ý kiến, kiến nghị của người dân", "Opinions raised by citizens"
    )
    answered_on_spot: Series[pd.Int64Dtype] = count_column(
        "Số ý kiến trả lời tại chỗ",
        "Answered on the spot",
        "Số ý kiến được trả lời ngay tại buổi đối thoại",
        "Opinions answered during the dialogue",
    )
    referred: Series[pd.Int64Dtype] = count_column(
        "Số ý kiến chuyển xử lý",
        "Referred for handling",
        "Số ý kiến được ghi nhận, chuyển cơ quan chức năng xử lý",
        "Opinions referred to the competent agency",
    )
    resolved_later: Series[pd.Int64Dtype] = count_column(
        "Số ý kiến đã giải quyết sau",
        "Resolved later",
        "Số ý kiến chuyển xử lý đã được giải quyết",
        "Referred opinions resolved since",
    )
    topic: Series[str] = column(
        "enum",
        vi="Lĩnh vực chính",
        en="Main topic",
        means_vi="Lĩnh vực chính của cuộc đối thoại",
        means_en="Main topic of the dialogue",
        vocab=Topic,
        aliases=("lĩnh vực",),
    )
    note: Series[str] | None = column(
        "text", vi="Ghi chú", en="Note", means_vi="Ghi chú", means_en="Free-text note", nullable=True, optional=True
    )

    @rule(
        column="dialogue_id",
        involves=("year", "dialogue_id"),
        expected="a dialogue_id used once in the year",
        hint="Give every dialogue its own ID; remove rows entered twice.",
    )
    def unique_dialogue(cls, df: pd.DataFrame) -> pd.Series:
        return unique_within_year(df, "dialogue_id")

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
        column="answered_on_spot",
        involves=("answered_on_spot", "referred", "opinions_raised"),
        expected="answered_on_spot + referred ≤ opinions_raised",
    )
    def answered_within_raised(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["answered_on_spot"] + df["referred"], df["opinions_raised"])

    @rule(column="resolved_later", involves=("resolved_later", "referred"), expected="resolved_later ≤ referred")
    def resolved_within_referred(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["resolved_later"], df["referred"])

    @rule(column="date", involves=("date", "year"), expected="a date in the year given in column year")
    def date_within_year(cls, df: pd.DataFrame) -> pd.Series:
        return date_in_year(df["date"], df["year"])


SPEC = DatasetSpec.from_model(
    "dialogues",
    DialoguesSchema,
    title_vi="Đối thoại trực tiếp của người đứng đầu với nhân dân",
    title_en="Direct dialogues of heads of government with citizens",
    grain_vi="mỗi dòng là một cuộc đối thoại",
    grain_en="one row per dialogue",
    key=("year", "dialogue_id"),
)
