"""Survey microdata: one row per respondent of the SIPAS-style citizen satisfaction survey.

The design is stratified (stratum = district by default) and clustered (PSU = commune, SSU = village), with weights
summing to each district's adult population; estimates use Taylor linearisation (see :mod:`danvan_analysis.survey`).
Rated items follow the SIPAS questionnaire of the Ministry of Home Affairs (``data/sipas_items.csv``): 1–5, with
9 = don't know / not applicable, and ``<NA>`` when the item was not asked or the respondent skipped its block.

A variance estimate needs at least two PSUs in every stratum; a stratum with one PSU is an error here, so the
problem is seen when the file is loaded rather than when the first estimate fails.
"""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from danvan_analysis.schemas._base import (
    DanvanModel,
    DatasetSpec,
    column,
    distinct_per_group,
    district_of,
    plain_text,
    rule,
    unique_within_year,
)
from danvan_analysis.vocab import AgeGroup, Area, Channel, Education, Ethnicity, Occupation, PriorityArea, Sex, Vocab

SINGLE_PSU_HINT = (
    "A stratum with one PSU gives no variance estimate. Merge it with a similar stratum (give its rows the other "
    "stratum's code), or load with load_survey(..., single_psu='warn') and choose the estimator's policy, "
    "SurveyDesign(single_psu='certainty' or 'centre')."
)


def _item(number: int) -> object:
    return column(
        "rating",
        vi=f"Câu {number:02d}",
        en=f"Item {number:02d}",
        means_vi=f"Mức hài lòng ở câu {number:02d} của phiếu SIPAS (1–5; 9 = không biết/không áp dụng; trống = không hỏi)",
        means_en=f"Rating of SIPAS item {number:02d} (1–5; 9 = don't know / not applicable; empty = not asked)",
        nullable=True,
        aliases=(f"q{number}", f"câu {number}", f"item {number}"),
    )


def _priority(area: PriorityArea) -> object:
    return column(
        "bool",
        vi=f"Ưu tiên: {area.vi}",
        en=f"Priority: {area.en}",
        means_vi=f"Người trả lời chọn «{area.vi}» là nội dung cần ưu tiên cải thiện",
        means_en=f"The respondent ticked '{area.en}' as an improvement priority",
        nullable=True,
        optional=True,
    )


def _demographic(vocab: type[Vocab], vi: str, en: str, *, nullable: bool = True) -> object:
    return column(
        "enum",
        vi=vi,
        en=en,
        means_vi=f"{vi} của người trả lời" + (" (trống nếu không trả lời)" if nullable else ""),
        means_en=f"Respondent's {en.lower()}" + (" (empty if refused)" if nullable else ""),
        vocab=vocab,
        nullable=nullable,
    )


class SurveySchema(DanvanModel):
    """Contract of the survey microdata (one row per respondent)."""

    respondent_id: Series[str] = column(
        "id",
        vi="Mã người trả lời",
        en="Respondent ID",
        means_vi="Mã ẩn danh của người trả lời, không trùng trong một năm",
        means_en="Anonymous respondent identifier, unique within the year",
        aliases=("mã phiếu", "số phiếu", "id"),
    )
    year: Series[pd.Int64Dtype] = column(
        "year", vi="Năm", en="Year", means_vi="Năm khảo sát", means_en="Survey year", aliases=("năm khảo sát",)
    )
    district_code: Series[str] = column(
        "district",
        vi="Mã huyện",
        en="District code",
        means_vi="Mã huyện, thành phố (3 chữ số, mã Tổng cục Thống kê) nơi người trả lời sinh sống",
        means_en="GSO code (3 digits) of the respondent's district",
        aliases=("huyện",),
    )
    commune_code: Series[str] = column(
        "commune",
        vi="Mã xã",
        en="Commune code",
        means_vi="Mã xã, phường, thị trấn (5 chữ số); phải thuộc huyện ở cột Mã huyện",
        means_en="GSO code (5 digits) of the respondent's commune; must lie in district_code",
        aliases=("xã", "mã xã phường", "mã xã phường thị trấn"),
    )
    stratum: Series[str] = column(
        "text",
        vi="Tầng mẫu",
        en="Stratum",
        means_vi="Tầng của thiết kế mẫu (mặc định: mã huyện)",
        means_en="Design stratum (default: district_code)",
        default_from="district_code",
    )
    psu: Series[str] = column(
        "text",
        vi="Đơn vị mẫu cấp 1",
        en="PSU",
        means_vi="Đơn vị mẫu cấp 1 (mặc định: mã xã); ít nhất 2 đơn vị trong mỗi tầng",
        means_en="Primary sampling unit (default: commune_code); at least 2 per stratum",
        default_from="commune_code",
        aliases=("primary sampling unit",),
    )
    ssu: Series[str] | None = column(
        "text",
        vi="Thôn, xóm, tổ dân phố",
        en="Village (SSU)",
        means_vi="Thôn, xóm, tổ dân phố của người trả lời: đơn vị mẫu cấp 2",
        means_en="Village (thôn/xóm/tổ dân phố): the second-stage sampling unit",
        nullable=True,
        optional=True,
        aliases=("thôn", "village"),
    )
    weight: Series[float] = column(
        "float",
        vi="Quyền số",
        en="Weight",
        means_vi="Quyền số điều tra (> 0); tổng theo huyện bằng dân số từ 18 tuổi trở lên",
        means_en="Survey weight (> 0); sums to the district's adult population",
        gt=0,
        aliases=("trọng số",),
    )
    sex: Series[str] = _demographic(Sex, "Giới tính", "Sex")
    age_group: Series[str] = _demographic(AgeGroup, "Nhóm tuổi", "Age group")
    ethnicity: Series[str] = _demographic(Ethnicity, "Dân tộc", "Ethnicity")
    education: Series[str] = _demographic(Education, "Trình độ học vấn", "Education")
    occupation: Series[str] = _demographic(Occupation, "Nghề nghiệp", "Occupation")
    area: Series[str] = _demographic(Area, "Khu vực", "Area", nullable=False)
    channel: Series[str] = column(
        "enum",
        vi="Hình thức trả lời",
        en="Survey channel",
        means_vi="Hình thức trả lời phiếu: trực tiếp hoặc trực tuyến",
        means_en="How the questionnaire was answered: in person or online",
        vocab=Channel,
    )
    q01: Series[pd.Int8Dtype] = _item(1)
    q02: Series[pd.Int8Dtype] = _item(2)
    q03: Series[pd.Int8Dtype] = _item(3)
    q04: Series[pd.Int8Dtype] = _item(4)
    q05: Series[pd.Int8Dtype] = _item(5)
    q06: Series[pd.Int8Dtype] = _item(6)
    q07: Series[pd.Int8Dtype] = _item(7)
    q08: Series[pd.Int8Dtype] = _item(8)
    q09: Series[pd.Int8Dtype] = _item(9)
    q10: Series[pd.Int8Dtype] = _item(10)
    q11: Series[pd.Int8Dtype] = _item(11)
    q12: Series[pd.Int8Dtype] = _item(12)
    q13: Series[pd.Int8Dtype] = _item(13)
    q14: Series[pd.Int8Dtype] = _item(14)
    q15: Series[pd.Int8Dtype] = _item(15)
    q16: Series[pd.Int8Dtype] = _item(16)
    q17: Series[pd.Int8Dtype] = _item(17)
    q18: Series[pd.Int8Dtype] = _item(18)
    q19: Series[pd.Int8Dtype] = _item(19)
    q20: Series[pd.Int8Dtype] = _item(20)
    q21: Series[pd.Int8Dtype] = _item(21)
    q22: Series[pd.Int8Dtype] = _item(22)
    q23: Series[pd.Int8Dtype] = _item(23)
    q24: Series[pd.Int8Dtype] = _item(24)
    q25: Series[pd.Int8Dtype] = _item(25)
    q26: Series[pd.Int8Dtype] = _item(26)
    q27: Series[pd.Int8Dtype] = _item(27)
    q28: Series[pd.Int8Dtype] = _item(28)
    q29: Series[pd.Int8Dtype] = _item(29)
    q30: Series[pd.Int8Dtype] = _item(30)
    q31: Series[pd.Int8Dtype] = _item(31)
    q32: Series[pd.Int8Dtype] = _item(32)
    q33: Series[pd.Int8Dtype] = _item(33)
    pr_policy_info: Series[pd.BooleanDtype] | None = _priority(PriorityArea.POLICY_INFO)
    pr_consultation: Series[pd.BooleanDtype] | None = _priority(PriorityArea.CONSULTATION)
    pr_procedures: Series[pd.BooleanDtype] | None = _priority(PriorityArea.PROCEDURES)
    pr_processing_time: Series[pd.BooleanDtype] | None = _priority(PriorityArea.PROCESSING_TIME)
    pr_staff_attitude: Series[pd.BooleanDtype] | None = _priority(PriorityArea.STAFF_ATTITUDE)
    pr_facilities: Series[pd.BooleanDtype] | None = _priority(PriorityArea.FACILITIES)
    pr_online_services: Series[pd.BooleanDtype] | None = _priority(PriorityArea.ONLINE_SERVICES)
    pr_feedback: Series[pd.BooleanDtype] | None = _priority(PriorityArea.FEEDBACK)

    @rule(
        column="commune_code",
        involves=("commune_code", "district_code"),
        expected="a commune of the district in district_code",
        hint="Check the district code, or the commune code (`danvan units --district <code>` lists its communes).",
    )
    def commune_in_district(cls, df: pd.DataFrame) -> pd.Series:
        actual, district = district_of(df["commune_code"]), plain_text(df["district_code"])
        return (actual == district) | actual.isna() | district.isna()

    @rule(
        column="respondent_id",
        involves=("year", "respondent_id"),
        expected="a respondent_id used once in the year",
        hint="Two rows share a respondent ID: remove the duplicated interview or give each its own ID.",
    )
    def unique_respondent(cls, df: pd.DataFrame) -> pd.Series:
        return unique_within_year(df, "respondent_id")

    @rule(
        column="psu",
        involves=("year", "stratum", "psu"),
        expected="at least 2 PSUs in every stratum",
        hint=SINGLE_PSU_HINT,
        group=("year", "stratum"),
    )
    def stratum_has_two_psus(cls, df: pd.DataFrame) -> pd.Series:
        return (distinct_per_group(df, ["year", "stratum"], "psu") >= 2) | df["stratum"].isna()

    @rule(
        column="stratum",
        involves=("year", "stratum", "psu"),
        expected="each PSU in one stratum only",
        hint="PSUs are nested in strata: a PSU code must not appear under two strata.",
        group=("year", "psu"),
    )
    def psu_in_one_stratum(cls, df: pd.DataFrame) -> pd.Series:
        return (distinct_per_group(df, ["year", "psu"], "stratum") <= 1) | df["psu"].isna()


SPEC = DatasetSpec.from_model(
    "survey",
    SurveySchema,
    title_vi="Khảo sát sự hài lòng của người dân",
    title_en="Citizen satisfaction survey",
    grain_vi="mỗi dòng là một người trả lời",
    grain_en="one row per respondent",
    key=("year", "respondent_id"),
)
