"""Target 3 (heads' direct dialogues) and dialogue statistics against a hand-counted frame for Võ Nhai (170).

Heads in scope: the district chair + 15 commune chairs = 16.

====  =====  ======  ==========  =====  ========  ========  ========  ========  ===========
row   unit   chair   date        part.  opinions  answered  referred  resolved  topic
====  =====  ======  ==========  =====  ========  ========  ========  ========  ===========
d1    170    head    2023-02-10  100    20        12        8         6         land
d2    05716  head    2023-05-03  50     10        7         3         3         environment
d3    05719  deputy  2023-08-20  40     6         2         4         1         land
d4    05722  head    2023-11-30  30     4         4         0         0         other
d5    05722  deputy  2023-12-01  20     5         1         4         2         land
d6    05716  head    2022-06-01  (year 2022: ignored)
d7    164    head    2023-03-01  (another district: out of scope)
====  =====  ======  ==========  =====  ========  ========  ========  ========  ===========

Head-chaired: 170, 05716, 05722 → 3/16; counting deputies adds 05719 → 4/16.
In scope d1–d5: 5 dialogues, 240 participants, 45 opinions, 26 answered on the spot (26/45), 19 referred,
12 resolved later (12/19). Quarters: Q1 1, Q2 1, Q3 1, Q4 2. Land: d1, d3, d5 → 3 dialogues, 31 opinions,
15 answered.
"""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.indicators import DialogueSettings, compute_dialogue_indicators

from ._reference import VO_NHAI, communes_of


@pytest.fixture
def dialogues() -> pd.DataFrame:
    rows = [
        ("d1", 2023, "district", "170", "2023-02-10", "head", 100, 20, 12, 8, 6, "land"),
        ("d2", 2023, "commune", "05716", "2023-05-03", "head", 50, 10, 7, 3, 3, "environment"),
        ("d3", 2023, "commune", "05719", "2023-08-20", "deputy", 40, 6, 2, 4, 1, "land"),
        ("d4", 2023, "commune", "05722", "2023-11-30", "head", 30, 4, 4, 0, 0, "other"),
        ("d5", 2023, "commune", "05722", "2023-12-01", "deputy", 20, 5, 1, 4, 2, "land"),
        ("d6", 2022, "commune", "05716", "2022-06-01", "head", 10, 1, 1, 0, 0, "land"),
        ("d7", 2023, "district", "164", "2023-03-01", "head", 10, 1, 1, 0, 0, "land"),
    ]
    columns = [
        "dialogue_id",
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
    frame = pd.DataFrame(rows, columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["district_code"] = ["170", "170", "170", "170", "170", "170", "164"]
    return frame


def test_only_head_chaired_dialogues_count_by_default(dialogues: pd.DataFrame) -> None:
    table = compute_dialogue_indicators(dialogues, year=2023, district=VO_NHAI)
    heads = table.get("dialogue_heads")
    assert (heads.numerator, heads.denominator, heads.met) == (3, 16, False)
    assert heads.value == pytest.approx(18.75)
    by_level = table.get("dialogue_heads", dimension="level", category="commune")
    assert (by_level.numerator, by_level.denominator) == (2, 15)


def test_deputy_chaired_dialogues_count_when_configured(dialogues: pd.DataFrame) -> None:
    table = compute_dialogue_indicators(
        dialogues, year=2023, district=VO_NHAI, settings=DialogueSettings(count_deputy_chaired=True)
    )
    assert table.get("dialogue_heads").numerator == 4
    assert any("count_deputy_chaired=True" in line for line in table.caveat_lines("en"))
    assert any("tính cả các cuộc đối thoại do cấp phó chủ trì" in line for line in table.caveat_lines("vi"))
    default = compute_dialogue_indicators(dialogues, year=2023, district=VO_NHAI)
    assert any("chỉ tính các cuộc đối thoại do người đứng đầu" in line for line in default.caveat_lines("vi"))
    assert not any("cấp phó chủ trì là đối thoại" in line for line in default.caveat_lines("vi"))


def test_heads_without_a_dialogue_are_named(dialogues: pd.DataFrame) -> None:
    table = compute_dialogue_indicators(dialogues, year=2023, district=VO_NHAI)
    reasons = {s.unit_code: s.reason for s in table.shortfall_for("dialogue_heads")}
    assert reasons.pop("05719") == "deputy_only"
    assert set(reasons) == set(communes_of(VO_NHAI)) - {"05716", "05719", "05722"}
    assert set(reasons.values()) == {"not_done"}
    assert len(reasons) == 12


def test_statistics_of_the_dialogues_in_scope(dialogues: pd.DataFrame) -> None:
    table = compute_dialogue_indicators(dialogues, year=2023, district=VO_NHAI)
    assert table.get("dialogue_count").value == 5
    assert table.get("dialogue_participants").value == 240
    assert table.get("dialogue_opinions").value == 45
    on_spot = table.get("dialogue_answered_on_spot")
    assert (on_spot.numerator, on_spot.denominator) == (26, 45)
    assert on_spot.value == pytest.approx(100 * 26 / 45)
    later = table.get("dialogue_resolved_later")
    assert (later.numerator, later.denominator) == (12, 19)


def test_breakdowns_by_chair_quarter_and_topic(dialogues: pd.DataFrame) -> None:
    table = compute_dialogue_indicators(dialogues, year=2023, district=VO_NHAI)
    assert table.get("dialogue_count", dimension="chair", category="head").value == 3
    assert table.get("dialogue_count", dimension="chair", category="deputy").value == 2
    quarters = [table.get("dialogue_count", dimension="quarter", category=f"Q{q}").value for q in range(1, 5)]
    assert quarters == [1, 1, 1, 2]
    land = table.get("dialogue_answered_on_spot", dimension="topic", category="land")
    assert (land.numerator, land.denominator) == (15, 31)
    assert table.get("dialogue_count", dimension="topic", category="social_policy").value == 0


def test_province_scope_counts_187_heads(dialogues: pd.DataFrame) -> None:
    """Province: 1 + 9 + 177 = 187 heads; head-chaired in 2023: 170, 05716, 05722, 164 → 4."""
    table = compute_dialogue_indicators(dialogues, year=2023)
    heads = table.get("dialogue_heads")
    assert (heads.numerator, heads.denominator) == (4, 187)
    assert table.get("dialogue_heads", unit_code=VO_NHAI).numerator == 3
    assert table.get("dialogue_count").value == 6


def test_a_district_without_dialogues_counts_zero_and_missing_figures_stay_missing(dialogues: pd.DataFrame) -> None:
    """Định Hóa (167) has no row: 0 dialogues, 0 participants, no rate (0/0). In Võ Nhai, blanking the participants
    of the land dialogues (d1, d3, d5 in 2023; d6 is 2022) leaves the land total missing (not 0), and the overall
    total is the others': 240 − 100 − 40 − 20 = 80."""
    empty = compute_dialogue_indicators(dialogues, year=2023, district="167")
    assert empty.get("dialogue_count").value == 0
    assert empty.get("dialogue_participants").value == 0
    assert empty.get("dialogue_answered_on_spot").value is None
    assert empty.get("dialogue_count", dimension="topic", category="land").value == 0
    blanked = dialogues.astype({"participants": "Int64"})
    blanked.loc[blanked["topic"] == "land", "participants"] = pd.NA
    table = compute_dialogue_indicators(blanked, year=2023, district=VO_NHAI)
    assert table.get("dialogue_participants", dimension="topic", category="land").value is None
    assert table.get("dialogue_count", dimension="topic", category="land").value == 3
    assert table.get("dialogue_participants").value == 80
