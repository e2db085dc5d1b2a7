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


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def test_style_table_escapes_text_from_the_data() -> None:
    """A dialogue note typed as HTML shows as text: cells, column names and the caption are all escaped."""
    frame = pd.DataFrame(
        {"unit_code": ["05506", "05509"], "note": [SCRIPT, IMG], "rule": [">=", ">"], f"x{IMG}": [1, 2]}
    )
    html = fmt.style_table(frame, lang="vi", caption=f"Ghi chú {SCRIPT}").to_html()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the cell and the caption
    assert html.count("&lt;script&gt;") == 2
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the cell and the column name
    assert html.count("&lt;img") == 2
    # Escaping happens after formatting: the rule symbols are still converted (">=" → "≥"), and ">" is escaped.
    assert ">≥</td>" in html and ">&gt;</td>" in html


def test_style_table_escapes_indicator_values_rendered_per_row() -> None:
    frame = pd.DataFrame({"indicator": [SCRIPT], "value": [82.44], "kind": ["percent"], "threshold": [80.0]})
    html = fmt.style_table(frame, lang="en").to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert ">82.4%</td>" in html and ">80.0%</td>" in html


# The tidy columns of the survey module's comparison (compare_districts, compare_years) and model
# (fit_satisfaction_model) results, and of the priority / importance-performance tables, as they are in 2023.
SURVEY_COLUMNS = [
    "by", "domain", "district_code", "level", "code", "label_vi", "label_en", "measure", "estimate", "estimate_rest",
    "difference", "se", "ci_low", "ci_high", "t", "df", "p_value", "n", "n_rest", "p_holm", "significant",
    "year_from", "year_to", "estimate_from", "estimate_to", "change", "n_from", "n_to", "term", "predictor",
    "reference", "coef", "odds_ratio", "cv", "deff", "n_psu", "variable", "area", "rank", "element", "priority",
    "performance", "quadrant", "overall_index",
]  # fmt: skip


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_comparison_and_model_column_has_a_label(lang: str) -> None:
    labels = [fmt.column_label(c, lang=lang) for c in SURVEY_COLUMNS]
    unlabelled = [c for c, label in zip(SURVEY_COLUMNS, labels, strict=True) if label == c]
    assert unlabelled == []
    assert all(fmt.is_nfc(label) for label in labels)
    assert fmt.column_label("p_holm", lang=lang) == ("Giá trị p (Holm)" if lang == "vi" else "p-value (Holm)")


def test_format_p_value() -> None:
    assert fmt.format_p_value(0.0123) == "0,012"
    assert fmt.format_p_value(0.001) == "0,001"
    assert fmt.format_p_value(0.0014) == "0,001"
    assert fmt.format_p_value(0.0005) == "< 0,001"  # below 0.001, although it would round to 0,001
    assert fmt.format_p_value(0.00049, lang="en") == "< 0.001"
    assert fmt.format_p_value(0.0) == "< 0,001"
    assert fmt.format_p_value(float("nan")) == "–"


def test_comparison_table_rendering() -> None:
    """Years are not grouped (2.022), p-values have three decimals, the CI of a difference is in points."""
    frame = pd.DataFrame(
        {
            "year_from": [2022],
            "year_to": [2023],
            "estimate_from": [86.72],
            "change": [1.96],
            "ci_low": [0.35],
            "ci_high": [3.58],
            "p_value": [0.0171],
            "p_holm": [0.00002],
            "significant": [True],
        }
    )
    text = fmt.format_table(frame, lang="vi")
    assert text.iloc[0].to_dict() == {
        "Từ năm": "2022",
        "Đến năm": "2023",
        "Năm trước (%)": "86,7",
        "Thay đổi (điểm %)": "2,0",
        "Cận dưới KTC 95%": "0,4",  # 0.35 half-up; a point difference, so no "%"
        "Cận trên KTC 95%": "3,6",
        "Giá trị p": "0,017",
        "Giá trị p (Holm)": "< 0,001",
        "Có ý nghĩa thống kê": "Có",
    }


def test_model_table_rendering() -> None:
    """An odds ratio and its interval have two decimals and no "%"; a predictor's level is a category."""
    frame = pd.DataFrame(
        {
            "predictor": ["sex"],
            "level": ["female"],
            "reference": ["male"],
            "odds_ratio": [0.8437],
            "ci_low": [0.4962],
            "ci_high": [1.4346],
            "p_value": [0.4779],
        }
    )
    text = fmt.format_table(frame, lang="en")
    assert text.iloc[0].to_dict() == {
        "Predictor": "sex",
        "Category": "female",
        "Reference group": "male",
        "Odds ratio": "0.84",
        "95% CI low": "0.50",
        "95% CI high": "1.43",
        "p-value": "0.478",
    }
    assert "Category" in fmt.style_table(frame, lang="en").to_html()
    assert fmt.format_table(frame.drop(columns="odds_ratio"), lang="vi").columns[1] == "Cấp"  # elsewhere, a level
