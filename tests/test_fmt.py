"""Vietnamese and English formatting of numbers, percents and dates; table display."""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
import pytest

from danvan_analysis import fmt
from danvan_analysis.errors import ParameterError


@pytest.mark.parametrize(
    ("value", "lang", "kwargs", "expected"),
    [
        (1234.5, "vi", {}, "1.234,5"),
        (1234.5, "en", {}, "1,234.5"),
        (1234567.891, "vi", {"decimals": 2}, "1.234.567,89"),
        (-1234.5, "vi", {}, "-1.234,5"),
        (1234.5, "vi", {"grouping": False}, "1234,5"),
        (2.25, "vi", {}, "2,3"),  # half-up; Python's f"{2.25:.1f}" gives "2.2"
        (-0.04, "vi", {}, "0,0"),  # no negative zero
        (np.int64(7), "en", {"decimals": 0}, "7"),
    ],
)
def test_format_number(value: float, lang: str, kwargs: dict, expected: str) -> None:
    assert fmt.format_number(value, lang=lang, **kwargs) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, np.nan, pd.NaT])
def test_missing_values_show_a_dash(missing: object) -> None:
    assert fmt.format_number(missing) == "–"
    assert fmt.format_percent(missing) == "–"
    assert fmt.format_date(missing) == "–"


def test_format_percent() -> None:
    assert fmt.format_percent(0.824) == "82,4 %"
    assert fmt.format_percent(0.824, lang="en") == "82.4%"
    assert fmt.format_percent(82.4, basis="percent") == "82,4 %"
    assert fmt.format_percent(0.8245) == "82,5 %"  # 0.8245 × 100 = 82.45 exactly in decimal, rounded half-up
    assert fmt.format_percent(1, decimals=0, lang="en") == "100%"


def test_format_count_and_value() -> None:
    assert fmt.format_count(1234) == "1.234"
    assert fmt.format_count(1234, lang="en") == "1,234"
    assert fmt.format_value(82.44, "percent") == "82,4 %"
    assert fmt.format_value(6, "rank", lang="en") == "6"
    assert fmt.format_value(2.0, "group") == "Nhóm trung bình cao"
    assert fmt.format_papi_group("highest", lang="en") == "Highest"


def test_format_date() -> None:
    day = dt.date(2023, 3, 15)
    assert fmt.format_date(day) == "15/03/2023"
    assert fmt.format_date(pd.Timestamp("2023-03-15 10:30"), lang="en") == "15 Mar 2023"
    assert fmt.format_date("2023-03-15", style="iso") == "2023-03-15"
    with pytest.raises(ParameterError, match="not a date"):
        fmt.format_date("ngày rằm")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ParameterError, match="lang="):
        fmt.format_number(1.0, lang="fr")  # type: ignore[arg-type]


def test_outputs_are_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Đạt")
    frame = pd.DataFrame({"status": [decomposed], "n": [1234]})
    text = fmt.format_table(frame, lang="vi")
    assert text.columns.tolist() == ["Kết quả", "Số người trả lời"]
    cell = text.iloc[0, 0]
    assert cell == "Đạt" and unicodedata.is_normalized("NFC", cell)
    assert text.iloc[0, 1] == "1.234"


def test_format_table_renders_value_by_row_kind() -> None:
    frame = pd.DataFrame(
        {
            "indicator": ["a", "b"],
            "value": [82.44, 1234.0],
            "kind": ["percent", "count"],
            "threshold": [80.0, 1.0],
            "rule": [">", ">="],
            "met": pd.array([True, None], dtype="boolean"),
            "year": [2023, 2023],
        }
    )
    text = fmt.format_table(frame, lang="vi", rename=False)
    assert text["value"].tolist() == ["82,4 %", "1.234"]
    assert text["threshold"].tolist() == ["80,0 %", "1"]
    assert text["rule"].tolist() == [">", "≥"]
    assert text["met"].tolist() == ["Có", "–"]
    assert text["year"].tolist() == ["2023", "2023"]


def test_style_table_keeps_numbers_and_is_deterministic() -> None:
    frame = pd.DataFrame({"domain": ["164"], "estimate": [82.44], "ci_low": [80.0], "ci_high": [84.9], "n": [640]})
    styler = fmt.style_table(frame, lang="en")
    html = styler.to_html()
    assert "82.4%" in html and "95% CI low" in html and ">640<" in html
    assert styler.data["estimate"].iloc[0] == 82.44  # display only; the data stay numeric
    assert fmt.style_table(frame, lang="en").to_html() == html  # no random table id


def test_docstring_examples_run() -> None:
    import doctest

    assert doctest.testmod(fmt).failed == 0
