"""Target 3: heads of government who held at least one direct dialogue with citizens in the year.

Indicators (period ``Y``; one row per scope, plus one row set per district for the province):

- ``dialogue_heads``: heads who held ≥ 1 dialogue / all heads of the register in scope (province: the provincial
  chair, the 9 district chairs and the 177 commune chairs = 187; district: its chair and its communes' chairs),
  required 100 %; broken down by level. **Only dialogues chaired by the head in person count by default**: the plan
  asks "người đứng đầu … tổ chức đối thoại trực tiếp", and a dialogue delegated to a deputy is not the head's own.
  Set ``DialogueSettings(count_deputy_chaired=True)`` to count them too (the choice is stated in the caveats).
- ``dialogue_count`` (all dialogues, whoever chaired), by chair, calendar quarter of ``date`` and topic.
- ``dialogue_participants``, ``dialogue_opinions``: sums, by topic.
- ``dialogue_answered_on_spot``: answered on the spot / opinions raised.
- ``dialogue_resolved_later``: resolved later / referred (the opinions that were not answered on the spot but sent
  on for settlement), so the two shares have different denominators.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.indicators._base import (
    ROWS,
    IndicatorTable,
    Scope,
    TableBuilder,
    as_codes,
    as_counts,
    check_year,
    group_totals,
    require_columns,
    resolve_scope,
    rows_of_year,
    total_in,
)
from danvan_analysis.numbers import format_count

LABELS = {
    "dialogue_heads": (
        "Tỷ lệ người đứng đầu chính quyền đối thoại trực tiếp với Nhân dân (≥ 1 lần/năm)",
        "Share of heads of government who held ≥ 1 direct dialogue",
    ),
    "dialogue_count": ("Số cuộc đối thoại trực tiếp", "Direct dialogues held"),
    "dialogue_participants": ("Số lượt người dân tham dự đối thoại", "Citizens attending dialogues"),
    "dialogue_opinions": ("Số ý kiến, kiến nghị tại đối thoại", "Opinions raised at dialogues"),
    "dialogue_answered_on_spot": (
        "Tỷ lệ ý kiến được trả lời trực tiếp tại hội nghị",
        "Share of opinions answered on the spot",
    ),
    "dialogue_resolved_later": (
        "Tỷ lệ ý kiến chuyển xử lý đã được giải quyết",
        "Share of referred opinions resolved later",
    ),
}
COLUMNS = [
    "year",
    "level",
    "unit_code",
    "date",
    "chair",
    "participants",
    "opinions_raised",
    "answered_on_spot",
    "referred",
    "resolved_later",
    "topic",
]


@dataclass(frozen=True)
class DialogueSettings:
    """How dialogues count towards target 3.

    Attributes
    ----------
    count_deputy_chaired : count a dialogue chaired by a deputy as the head's (default ``False``, see the module
        docstring).
    """

    count_deputy_chaired: bool = False


def compute_dialogue_indicators(
    dialogues: pd.DataFrame,
    *,
    year: int,
    district: str | None = None,
    settings: DialogueSettings = DialogueSettings(),
) -> IndicatorTable:
    """Compute target 3 and the dialogue statistics for the province or one district.

    Parameters
    ----------
    dialogues : the dialogues dataset (one row per dialogue; see docs/design.md).
    year : reporting year.
    district : a district code or name; ``None`` for the whole province.
    settings : whether deputy-chaired dialogues count for target 3.

    Returns
    -------
    IndicatorTable
        The indicators listed in the module docstring; heads without a dialogue are in ``shortfalls``.
    """
    year = check_year(year)
    require_columns(dialogues, COLUMNS, dataset="dialogues")
    scope = resolve_scope(district)
    rows = rows_of_year(dialogues, year).copy()
    rows["unit_code"] = as_codes(rows["unit_code"])
    rows["chair"] = as_codes(rows["chair"])
    rows["topic"] = as_codes(rows["topic"])
    builder = TableBuilder("dialogues", year, scope, LABELS)
    builder.note_unknown_units(rows["unit_code"], dataset="dialogues", dataset_vi="đối thoại", column="unit_code")
    if settings.count_deputy_chaired:
        builder.note(
            vi="Chỉ tiêu 3 tính cả các cuộc đối thoại do cấp phó chủ trì là đối thoại của người đứng đầu (theo thiết "
            "lập của kỳ đánh giá).",
            en="Target 3 counts dialogues chaired by a deputy as the head's (count_deputy_chaired=True).",
        )
    else:
        builder.note(
            vi="Chỉ tiêu 3 chỉ tính các cuộc đối thoại do người đứng đầu trực tiếp chủ trì (kế hoạch yêu cầu "
            "“người đứng đầu … tổ chức đối thoại trực tiếp”); các cuộc do cấp phó chủ trì vẫn được tính vào số cuộc "
            "đối thoại nhưng không được tính vào tỷ lệ người đứng đầu đã đối thoại.",
            en="Target 3 counts only dialogues chaired by the head in person (the plan: 'người đứng đầu … tổ chức'); "
            "deputy-chaired dialogues count in the number of dialogues held but not in the share of heads who held "
            "one.",
        )
    if rows.empty:
        builder.note(
            vi=f"Không có số liệu đối thoại năm {year}: mọi người đứng đầu được tính là chưa tổ chức đối thoại.",
            en=f"dialogues: no row for {year}; every head counts as not having held a dialogue.",
        )

    counted = rows if settings.count_deputy_chaired else rows[rows["chair"] == vocab.Chair.HEAD.value]
    held, any_row = set(counted["unit_code"]), set(rows["unit_code"])
    for current in scope.self_and_districts():
        # A head with no dialogue row held none; one with rows but none counted had them chaired by a deputy.
        builder.add_coverage(
            "dialogue_heads",
            current,
            ("province", "district", "commune"),
            done=held,
            reported=any_row,
            dimension="level",
            reason_no_row="not_done",
            reason_not_done="deputy_only",
        )
    _add_statistics(builder, scope, rows)
    return builder.build()


def _add_statistics(builder: TableBuilder, scope: Scope, rows: pd.DataFrame) -> None:
    """Add counts, sums and shares of the dialogues held inside the scope."""
    in_scope = {u.code for u in scope.units("province", "district", "commune")}
    rows = rows[rows["unit_code"].isin(in_scope)].copy()
    for column in ("participants", "opinions_raised", "answered_on_spot", "referred", "resolved_later"):
        rows[column] = as_counts(rows[column])
    rows["quarter"] = "Q" + pd.to_datetime(rows["date"], errors="coerce").dt.quarter.astype("Int64").astype("string")

    # (indicator, numerator column or None for a row count, denominator column or None for a count)
    sums = (
        ("dialogue_count", None, None),
        ("dialogue_participants", "participants", None),
        ("dialogue_opinions", "opinions_raised", None),
        ("dialogue_answered_on_spot", "answered_on_spot", "opinions_raised"),
        ("dialogue_resolved_later", "resolved_later", "referred"),
    )
    # Each breakdown's row count and sums in one grouping pass (not one filtered copy per category); a category
    # without rows counts 0, as an empty cut's total does.
    columns = ["participants", "opinions_raised", "answered_on_spot", "referred", "resolved_later"]
    everything = group_totals(rows, columns)
    breakdowns: list[tuple[str | None, str | None, pd.DataFrame, str, tuple[str, ...]]] = [
        (None, None, everything, "", ())
    ]
    for dimension, categories, only in (
        ("topic", vocab.Topic.codes(), ()),
        ("chair", vocab.Chair.codes(), ("dialogue_count",)),
        ("quarter", ["Q1", "Q2", "Q3", "Q4"], ("dialogue_count",)),
    ):
        totals = group_totals(rows, columns, by=rows[dimension].astype(object))
        breakdowns += [(dimension, c, totals, c, only) for c in categories]
    for dimension, category, totals, key, only in breakdowns:
        for indicator, numerator, denominator in sums:
            if only and indicator not in only:
                continue
            builder.add(
                indicator,
                unit_code=scope.code,
                period="Y",
                numerator=total_in(totals, key, ROWS if numerator is None else numerator),
                denominator=None if denominator is None else total_in(totals, key, denominator),
                kind="count" if denominator is None else "percent",
                dimension=dimension,
                category=category,
            )
    undated = int(rows["quarter"].isna().sum())
    if undated:
        builder.note(
            vi=f"{format_count(undated, lang='vi')} cuộc đối thoại không có ngày hợp lệ nên không được tính vào số "
            "cuộc đối thoại theo quý.",
            en=f"dialogues: {format_count(undated, lang='en')} dialogue(s) without a valid date are left out of the "
            "quarterly counts.",
        )
