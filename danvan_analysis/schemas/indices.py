"""Published provincial governance indices (target 2 of the 2023 plan).

PAR INDEX and SIPAS (Ministry of Home Affairs), PCI (VCCI) and PAPI (UNDP) as published for the province, one row
per province × index × year. The shipped file ``danvan_analysis/data/published_indices.csv`` cites a source for each
row; ``derived`` marks values computed from another published figure rather than read directly.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import DanvanModel, DatasetSpec, column, le_or_missing, rule, unique_key
from danvan_analysis.schemas._columns import year_column
from danvan_analysis.vocab import IndexCode, PapiGroup, ScoreUnit

KEY = ("province_code", "index_code", "year")


class IndicesSchema(DanvanModel):
    """Contract of the indices dataset (one row per province, index and year)."""

    province_code: Series[str] = column(
        "province",
        vi="Mã tỉnh",
        en="Province code",
        means_vi="Mã tỉnh (2 chữ số, mã Tổng cục Thống kê; Thái Nguyên = 19)",
        means_en="GSO province code (2 digits; Thái Nguyên = 19)",
    )
    index_code: Series[str] = column(
        "enum", vi="Chỉ số", en="Index", means_vi="Chỉ số được công bố", means_en="Published index", vocab=IndexCode
    )
    year: Series[pd.Int64Dtype] = year_column("Năm đánh giá của chỉ số", "Year the index measures")
    score: Series[float] = column(
        "float",
        vi="Điểm",
        en="Score",
        means_vi="Điểm của tỉnh (trống nếu không công bố)",
        means_en="The province's score (empty if not published)",
        nullable=True,
        ge=0,
    )
    score_unit: Series[str] = column(
        "enum",
        vi="Đơn vị điểm",
        en="Score unit",
        means_vi="Thang điểm: phần trăm hoặc điểm",
        means_en="Scale of the score: percent or points",
        vocab=ScoreUnit,
    )
    rank: Series[pd.Int64Dtype] = column(
        "int",
        vi="Xếp hạng",
        en="Rank",
        means_vi="Thứ hạng của tỉnh trong cả nước (trống nếu không công bố)",
        means_en="National rank of the province (empty if not published)",
        nullable=True,
        ge=1,
    )
    n_provinces: Series[pd.Int64Dtype] = column(
        "int",
        vi="Số tỉnh được xếp hạng",
        en="Provinces ranked",
        means_vi="Số tỉnh, thành phố được xếp hạng",
        means_en="Number of provinces ranked",
        ge=1,
    )
    group: Series[str] = column(
        "enum",
        vi="Nhóm PAPI",
        en="PAPI group",
        means_vi="Nhóm xếp loại của PAPI (chỉ với PAPI)",
        means_en="PAPI performance group (PAPI only)",
        vocab=PapiGroup,
        nullable=True,
    )
    derived: Series[pd.BooleanDtype] = column(
        "bool",
        vi="Giá trị suy ra",
        en="Derived",
        means_vi="Giá trị được suy ra từ số liệu công bố khác, không đọc trực tiếp",
        means_en="Value derived from another published figure rather than read directly",
    )
    source: Series[str] = column(
        "text", vi="Nguồn", en="Source", means_vi="Nguồn công bố", means_en="Where the value was published"
    )

    @rule(column="rank", involves=("rank", "n_provinces"), expected="rank ≤ n_provinces")
    def rank_within_provinces(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df["rank"], df["n_provinces"])

    @rule(column="group", involves=("group", "index_code"), expected="a group only for PAPI")
    def group_only_for_papi(cls, df: pd.DataFrame) -> pd.Series:
        return (df["index_code"] == IndexCode.PAPI.value).fillna(False).astype(bool) | df["group"].isna()

    @rule(column="score", involves=("score", "score_unit"), expected="a percent score ≤ 100")
    def percent_at_most_100(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["score_unit"] == ScoreUnit.PERCENT.value).fillna(False).astype(bool) & (df["score"] > 100))

    @rule(column="year", involves=KEY, expected="one row per province, index and year")
    def unique_row(cls, df: pd.DataFrame) -> pd.Series:
        return unique_key(df, KEY)


SPEC = DatasetSpec.from_model(
    "indices",
    IndicesSchema,
    title_vi="Các chỉ số công bố của tỉnh",
    title_en="Published provincial indices",
    grain_vi="mỗi dòng là một tỉnh × chỉ số × năm",
    grain_en="one row per province × index × year",
    key=KEY,
)
