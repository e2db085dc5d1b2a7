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


def _survey_row(domain: str, estimate: float, low: float, high: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "domain": [domain],
            "variable": ["overall"],
            "estimate": [estimate],
            "ci_low": [low],
            "ci_high": [high],
            "n": [400],
        }
    )


def test_a_verdict_whose_interval_contains_the_threshold_says_so() -> None:
    """2e at 83,9 % with a 95 % CI of 74,7–90,2 % against 80 %: met on the point estimate, but not certain."""
    from danvan_analysis.narrative import evidence, status_label

    card = score_targets({}, year=2023, district="165", satisfaction=_survey_row("165", 83.9, 74.7, 90.2))
    row = card.get("2e")
    assert (row.status, row.uncertain) == ("met", True)
    assert status_label(row) == "Đạt, chưa chắc chắn" and status_label(row, lang="en") == "Met, not certain"
    assert "khoảng tin cậy chứa ngưỡng" in evidence(row)
    clear = score_targets({}, year=2023, district="165", satisfaction=_survey_row("165", 88.0, 81.0, 93.0)).get("2e")
    assert (clear.uncertain, status_label(clear)) == (False, "Đạt")


def test_province_recommendations_name_every_district_that_missed_a_target() -> None:
    """The province meets 5a as a whole (above 80 %) but one district is below: the district is still named."""
    from danvan_analysis.scorecard import score_all_districts

    religion = pd.DataFrame(
        {
            "year": 2023,
            "period": "Y",
            "district_code": ["164", "165", "167"],
            "religion": "buddhism",
            "dignitaries_total": [500, 20, 100],
            "dignitaries_informed": [480, 10, 95],
            "venues": 1,
            "registered_activities": 1,
            "hot_spots": 0,
            "unlawful_followers": 0,
        }
    )
    data = {"religion": religion}
    province = score_targets(data, year=2023)
    assert province.get("5a").status == "met"
    districts = score_all_districts(data, year=2023)
    actions = recommend_actions(province, districts=districts)
    informed = [a for a in actions if "chức sắc" in a]
    assert len(informed) == 1 and "Thành phố Sông Công" in informed[0] and "50,0 %" in informed[0]
    assert not any("chức sắc" in a for a in recommend_actions(province))  # the province total alone hides it


def test_long_unit_lists_are_grouped_by_district_and_never_cut() -> None:
    """Every commune without a plan is named, grouped under its district: no "và N đơn vị khác"."""
    from danvan_analysis.units import register

    reg = register()
    missing = reg.communes_of("165") + reg.communes_of("167")
    issued = [u.code for u in reg.units("commune") if u not in missing] + reg.district_codes
    card = score_targets(_bundle(issued), year=2023)
    action = next(a for a in recommend_actions(card) if a.startswith("Đôn đốc"))
    assert "đơn vị khác" not in action
    assert all(u.name in action for u in missing)
    assert "Thành phố Sông Công: " in action and "Huyện Định Hóa: " in action
