"""Sentences and recommendations generated from a scorecard: the numbers come from the data, the text is NFC."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pytest

from danvan_analysis.indicators import compute_dialogue_indicators
from danvan_analysis.narrative import describe_indicator, describe_scorecard, describe_target, recommend_actions
from danvan_analysis.scorecard import score_targets

SONG_CONG_COMMUNES = ["05506", "05509", "05512", "05515", "05518", "05521", "05527", "05528", "05530", "05533"]


def _bundle(issued: list[str]) -> dict[str, pd.DataFrame]:
    """Plans issued by ``issued``; reports: Q1 3 days late, the rest on time."""
    return {
        "plans": pd.DataFrame({"year": 2023, "unit_code": issued, "issued": True}),
        "submissions": pd.DataFrame(
            {
                "year": 2023,
                "unit_code": "165",
                "period": ["Q1", "H1", "9M", "Y"],
                "date_received": pd.to_datetime(["2023-03-18", "2023-06-01", "2023-09-01", "2023-11-01"]),
            }
        ),
    }


def test_target_sentence_carries_the_measured_numbers() -> None:
    """165 + 4 communes of 11 units issued a plan: 5/11 = 45,5 %."""
    card = score_targets(_bundle(["165", *SONG_CONG_COMMUNES[:4]]), year=2023, district="165")
    sentence = describe_target(card.get("1"))
    assert sentence.startswith("Chỉ tiêu 1: Không đạt — 5/11 (45,5 %)")
    assert unicodedata.is_normalized("NFC", sentence)
    english = describe_target(card.get("1"), lang="en")
    assert english.startswith("Target 1: Not met — 5/11 (45.5%)")


def test_numbers_follow_the_data() -> None:
    card = score_targets(_bundle(["165", *SONG_CONG_COMMUNES]), year=2023, district="165")
    assert describe_target(card.get("1")).startswith("Chỉ tiêu 1: Đạt — 11/11 (100,0 %)")


def test_scorecard_opening_sentence_counts_statuses() -> None:
    card = score_targets(_bundle(["165"]), year=2023, district="165")
    counts = card.summary()
    lines = describe_scorecard(card)
    assert lines[0] == (
        f"Năm 2023, Thành phố Sông Công đạt {counts['met']}/{len(card.rows)} chỉ tiêu; "
        f"không đạt {counts['not_met']}; chưa đủ dữ liệu {counts['no_data']}."
    )
    assert len(lines) == 1 + len(card.rows)
    assert all(unicodedata.is_normalized("NFC", line) for line in lines)


def test_one_recommendation_per_missed_target_naming_the_units() -> None:
    """Missed: target 1 (communes 05515–05533 without a plan) and R (Q1 3 days late); 2b is province-level."""
    card = score_targets(_bundle(["165", *SONG_CONG_COMMUNES[:3]]), year=2023, district="165")
    actions = recommend_actions(card)
    assert len(actions) == 2
    assert actions[0].startswith("Đôn đốc 7 đơn vị chưa ban hành kế hoạch")
    assert "Phường Cải Đan (chưa báo cáo)" in actions[0] and "Xã Bá Xuyên" in actions[0]
    assert "Phường Lương Sơn" not in actions[0]  # 05506 issued
    assert "báo cáo quý I, muộn 3 ngày" in actions[1]
    assert not any("PCI" in a for a in actions)
    english = recommend_actions(card, lang="en", max_units=2)
    assert "and 5 other(s)" in english[0]


def test_province_recommends_on_published_indices() -> None:
    actions = recommend_actions(score_targets({}, year=2023))
    assert actions == [
        "Xây dựng giải pháp nâng chỉ số PCI. Căn cứ: PCI 2023: xếp thứ 23/63, điểm 67,48 "
        "(yêu cầu: trong 10 tỉnh dẫn đầu)."
    ]


def test_no_data_targets_can_ask_for_data() -> None:
    card = score_targets({}, year=2023, district="165")
    assert recommend_actions(card) == []
    asks = recommend_actions(card, include_no_data=True)
    assert asks[0].startswith("Bổ sung số liệu để đánh giá chỉ tiêu 1.")


def test_describe_indicator() -> None:
    dialogues = pd.DataFrame(
        {
            "year": [2023],
            "level": ["district"],
            "unit_code": ["165"],
            "date": [pd.Timestamp("2023-05-01")],
            "chair": ["head"],
            "participants": [80],
            "opinions_raised": [200],
            "answered_on_spot": [120],
            "referred": [80],
            "resolved_later": [40],
            "topic": ["land"],
        }
    )
    item = compute_dialogue_indicators(dialogues, year=2023, district="165").get("dialogue_answered_on_spot")
    assert describe_indicator(item) == "Tỷ lệ ý kiến được trả lời trực tiếp tại hội nghị: 60,0 % (120/200)."
    assert describe_indicator(item, lang="en").endswith(": 60.0% (120/200).")
    with pytest.raises(ValueError, match="lang="):
        describe_indicator(item, lang="fr")
