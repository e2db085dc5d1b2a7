"""The shared indicator result type: display, labels, look-ups."""

from __future__ import annotations

import pandas as pd
import pytest

from danvan_analysis.indicators import category_label, compute_plan_indicators
from danvan_analysis.indicators._base import latest_period


def _table():
    frame = pd.DataFrame({"year": 2023, "unit_code": ["165", "05506", "99999"], "issued": True})
    return compute_plan_indicators(frame, year=2023, district="165")


def test_html_shows_vietnamese_numbers_and_caveats() -> None:
    html = _table()._repr_html_()
    assert "18,2 %" in html  # 2/11 = 18.18 %
    assert "99999" in html  # the caveat about the unknown code
    assert "<ol>" in html


def test_get_names_what_exists_when_nothing_matches() -> None:
    with pytest.raises(KeyError, match="plan_issued"):
        _table().get("dialogue_heads")


def test_category_labels() -> None:
    assert category_label("topic", "land", "vi") == "Đất đai, bồi thường, GPMB"
    assert category_label("quarter", "Q3", "vi") == "Quý III"
    assert category_label("religion", "catholicism", "en") == "Catholicism"
    assert category_label(None, None, "vi") == "Tổng"


def test_latest_period_reads_a_one_shot_iterator() -> None:
    """Y > 9M > H1 > Q1; a generator is consumed once, not once per period."""
    assert latest_period(p for p in ["H1", "9M", "Q1"]) == "9M"
    assert latest_period(iter(["Q1"])) == "Q1"
    assert latest_period([]) is None
