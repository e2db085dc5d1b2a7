"""Columns shared by several datasets (year, period, level, unit and district codes), declared once here."""

from __future__ import annotations

from typing import Any

from danvan_analysis.schemas._base import column
from danvan_analysis.vocab import Level, Period, UnitKind

#: Extra spellings of periods seen in reports ("Quý 1", "6 tháng đầu năm", "Cả năm").
PERIOD_ALIASES = {
    "quy 1": "Q1",
    "6 thang dau nam": "H1",
    "9 thang dau nam": "9M",
    "ca nam": "Y",
}


def year_column(means_vi: str = "Năm báo cáo", means_en: str = "Reporting year") -> Any:
    """The ``year`` column."""
    return column("year", vi="Năm", en="Year", means_vi=means_vi, means_en=means_en)


def period_column() -> Any:
    """The ``period`` column: Q1 / H1 / 9M / Y, figures cumulative from 1 January."""
    return column(
        "enum",
        vi="Kỳ báo cáo",
        en="Reporting period",
        means_vi="Kỳ báo cáo: Quý I, 6 tháng, 9 tháng hoặc năm (số liệu cộng dồn từ 1/1)",
        means_en="Reporting period: Q1, H1, 9M or Y (figures cumulative from 1 January)",
        vocab=Period,
        value_aliases=PERIOD_ALIASES,
        aliases=("kỳ", "period"),
    )


#: Extra spellings of levels ("Cấp huyện", "UBND xã").
LEVEL_ALIASES = {
    "cap tinh": "province",
    "ubnd tinh": "province",
    "cap huyen": "district",
    "ubnd huyen": "district",
    "cap xa": "commune",
    "ubnd xa": "commune",
}


def level_column(means_vi: str, means_en: str) -> Any:
    """The ``level`` column (province / district / commune)."""
    return column(
        "enum", vi="Cấp", en="Level", means_vi=means_vi, means_en=means_en, vocab=Level, value_aliases=LEVEL_ALIASES
    )


def unit_kind_column(allowed: tuple[str, ...]) -> Any:
    """The ``unit_kind`` column, restricted to ``allowed`` kinds."""
    return column(
        "enum",
        vi="Loại đơn vị",
        en="Unit kind",
        means_vi="Loại đơn vị: " + ", ".join(UnitKind(k).vi for k in allowed),
        means_en="Kind of unit: " + ", ".join(UnitKind(k).en.lower() for k in allowed),
        vocab=UnitKind,
        allowed=allowed,
    )


def unit_column(
    allowed: tuple[str, ...],
    means_vi: str,
    means_en: str,
    *,
    vi: str = "Mã đơn vị",
    en: str = "Unit code",
    aliases: tuple[str, ...] = ("đơn vị", "tên đơn vị"),
) -> Any:
    """A unit code column accepting register units of the ``allowed`` kinds."""
    return column("unit", vi=vi, en=en, means_vi=means_vi, means_en=means_en, allowed=allowed, aliases=aliases)


def district_column(
    means_vi: str = "Mã huyện, thành phố (3 chữ số, mã Tổng cục Thống kê)",
    means_en: str = "GSO code (3 digits) of the district",
    *,
    nullable: bool = False,
) -> Any:
    """The ``district_code`` column."""
    return column(
        "district",
        vi="Mã huyện",
        en="District code",
        means_vi=means_vi,
        means_en=means_en,
        nullable=nullable,
        aliases=("huyện",),
    )


def count_column(vi: str, en: str, means_vi: str, means_en: str) -> Any:
    """A non-negative whole-number column."""
    return column("count", vi=vi, en=en, means_vi=means_vi, means_en=means_en)


def date_column(vi: str, en: str, means_vi: str, means_en: str, *, nullable: bool = False) -> Any:
    """A date column (dates only)."""
    return column("date", vi=vi, en=en, means_vi=means_vi, means_en=means_en, nullable=nullable)
