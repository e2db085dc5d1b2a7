"""The shared indicator result type: display, labels, look-ups."""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd
import pytest

from danvan_analysis.errors import ParameterError
from danvan_analysis.indicators import (
    IndicatorTable,
    Note,
    category_label,
    compute_dialogue_indicators,
    compute_plan_indicators,
    compute_religion_indicators,
)
from danvan_analysis.indicators._base import format_number_vi, latest_period

from ._reference import all_districts


def _table():
    frame = pd.DataFrame({"year": 2023, "unit_code": ["165", "05506", "99999"], "issued": True})
    return compute_plan_indicators(frame, year=2023, district="165")


def test_html_shows_vietnamese_numbers_and_caveats() -> None:
    html = _table()._repr_html_()
    assert "18,2 %" in html  # 2/11 = 18.18 %
    assert "99999" in html and "không có trong danh mục" in html  # the caveat about the unknown code, in Vietnamese
    assert "<ol>" in html and "not in the 2023 register" not in html


def test_html_counts_never_show_decimals() -> None:
    """1 dialogue with 1234 participants: "1.234" and "1", never "1.234,0" or "1,0"; NumPy integers too."""
    dialogues = pd.DataFrame(
        {
            "year": [2023],
            "level": "district",
            "unit_code": "165",
            "date": pd.Timestamp("2023-05-01"),
            "chair": "head",
            "participants": 1234,
            "opinions_raised": 4,
            "answered_on_spot": 2,
            "referred": 2,
            "resolved_later": 1,
            "topic": "land",
        }
    )
    html = compute_dialogue_indicators(dialogues, year=2023, district="165")._repr_html_()
    cells = re.findall(r"<td>([^<]*)</td>", html)
    assert "1.234" in cells and "1" in cells
    assert not [c for c in cells if re.fullmatch(r"[\d.]+,0", c)], cells
    assert [format_number_vi(v) for v in (np.int64(12), np.float64(3.0), 12.25, None)] == ["12", "3", "12,3", "–"]


def test_caveat_lines_give_one_language_in_order_without_repeats() -> None:
    first, second = Note(vi="Một.", en="One."), Note(vi="Hai.", en="Two.")
    # Two notes with the same Vietnamese text (say, worded alike for two files) give one Vietnamese line.
    same_vi = Note(vi="Một.", en="One, again.")
    table = IndicatorTable("plans", 2023, "165", (), caveats=(first, second, first, same_vi))
    assert list(table.caveats) == [first, second, first, same_vi]  # still iterable as stored
    assert table.caveat_lines("vi") == ["Một.", "Hai."]
    assert table.caveat_lines("en") == ["One.", "Two.", "One, again."]
    with pytest.raises(ParameterError, match="'fr'"):
        table.caveat_lines("fr")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.vi = "Ba."  # type: ignore[misc]


def test_caveat_counts_use_each_languages_separators() -> None:
    """1200 unknown codes: "1.200" in Vietnamese, "1,200" in English; only the first 10 codes are listed."""
    codes = [f"9{i:04d}" for i in range(1200)]
    table = compute_plan_indicators(pd.DataFrame({"year": 2023, "unit_code": codes, "issued": True}), year=2023)
    (vi,) = [line for line in table.caveat_lines("vi") if "90000" in line]
    (en,) = [line for line in table.caveat_lines("en") if "90000" in line]
    assert vi.startswith("Số liệu kế hoạch (tệp plans): 1.200 mã đơn vị") and "90009 …)" in vi
    assert en.startswith("plans: 1,200 code(s)") and "90010" not in en


def test_retired_code_hint_names_the_replacing_unit() -> None:
    """05764 was merged into Thị trấn Quân Chu (05851) in 2023: the hint says so, with the register name."""
    table = compute_plan_indicators(pd.DataFrame({"year": [2023], "unit_code": ["05764"], "issued": True}), year=2023)
    assert any("mã 05764 đã được thay bằng mã 05851 (Thị trấn Quân Chu)" in line for line in table.caveat_lines("vi"))
    assert any("05764 was replaced by 05851 (Thị trấn Quân Chu)" in line for line in table.caveat_lines("en"))


def test_vietnamese_caveats_are_nfc_and_name_units_and_periods() -> None:
    """Every theme's Vietnamese caveats: NFC, different from the English, no district code and no period code."""
    religion = pd.DataFrame(
        [(2023, "9M", "165", "buddhism", 10, 9, 2, 1, 0, 2), (2023, "Y", "164", "buddhism", 50, 40, 10, 3, 0, 5)],
        columns=[
            "year",
            "period",
            "district_code",
            "religion",
            "dignitaries_total",
            "dignitaries_informed",
            "venues",
            "registered_activities",
            "hot_spots",
            "unlawful_followers",
        ],
    )
    plans = pd.DataFrame({"year": [2022], "unit_code": ["165"], "issued": True})
    tables = [compute_religion_indicators(religion, year=2023), compute_plan_indicators(plans, year=2023)]
    notes = [note for table in tables for note in table.caveats]
    assert len(notes) >= 4  # earlier period, absent districts, no previous year, no plan row
    codes = re.compile(r"\b(" + "|".join(all_districts()) + r"|Q1|H1|9M)\b")
    for note in notes:
        assert unicodedata.is_normalized("NFC", note.vi) and note.vi != note.en
        assert not codes.search(note.vi), note.vi
    assert any("Huyện Định Hóa" in note.vi for note in notes)  # absent districts by their register names


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


def test_rows_at_latest_period_keeps_each_units_latest_rows_only() -> None:
    """By hand: A reported Q1 and H1 (keeps its 2 H1 rows), B only 'X' and a blank (dropped), C Y then 9M (keeps Y);
    the mapping lists units in order of first appearance."""
    from danvan_analysis.indicators._base import rows_at_latest_period

    rows = pd.DataFrame(
        {
            "unit": ["A", "B", "A", "C", "A", "B", "C"],
            "period": ["Q1", "X", "H1", "Y", "H1", None, "9M"],
            "n": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    kept, periods = rows_at_latest_period(rows, "unit")
    assert list(kept["n"]) == [3, 4, 5]
    assert list(periods.items()) == [("A", "H1"), ("C", "Y")]
    empty, none = rows_at_latest_period(rows.iloc[:0], "unit")
    assert empty.empty and none == {}


def test_group_totals_read_as_total_reads_each_groups_rows() -> None:
    """group_totals + total_in give, for every group, what total() gives on that group's own rows (a filtered
    copy): a sum, None when all values are blank, 0 for a group without rows, and the row count."""
    import numpy as np

    from danvan_analysis.indicators._base import ROWS, group_totals, total, total_in

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {"key": rng.choice(["a", "b", "c", "d"], 200), "x": rng.integers(0, 50, 200).astype("float64")}
    )
    frame.loc[frame["key"] == "d", "x"] = np.nan  # every value of d is blank
    frame.loc[rng.choice(200, 20, replace=False), "x"] = np.nan  # and some others
    totals = group_totals(frame, ["x"], by="key")
    for key in ["a", "b", "c", "d", "e"]:
        rows = frame[frame["key"] == key]
        assert total_in(totals, key, "x") == total(rows["x"]), key
        assert total_in(totals, key, ROWS) == len(rows), key
    assert total_in(totals, "d", "x") is None and total_in(totals, "e", "x") == 0


def test_group_totals_fast_path_equals_pandas_groupby() -> None:
    """The bincount path gives the groupby's frame exactly (values, missing sums, row counts, group order), with
    missing keys left out and no groups for no rows; values it cannot sum exactly in any order go to pandas."""
    import numpy as np

    from danvan_analysis.indicators._base import ROWS, _counted_totals, group_totals

    rng = np.random.default_rng(11)
    n = 300
    frame = pd.DataFrame(
        {
            "key": pd.Series(rng.choice(["b", "a", "c", None], n), dtype=object),
            "text": pd.Series(rng.choice(["x", "y", "z"], n), dtype="str"),
            "x": rng.integers(0, 500, n).astype("float64"),
            "y": pd.array(rng.integers(0, 9, n), dtype="Int64"),
        }
    )
    frame.loc[frame["key"] == "c", "x"] = np.nan  # a group whose sum is missing
    frame.loc[rng.choice(n, 40, replace=False), "x"] = np.nan
    frame.loc[rng.choice(n, 30, replace=False), "y"] = pd.NA

    def by_pandas(rows: pd.DataFrame, columns: list[str], by: object) -> pd.DataFrame:
        grouped = rows.groupby(pd.Series("", index=rows.index) if by is None else by, sort=False)
        return grouped[columns].sum(min_count=1).assign(**{ROWS: grouped.size()})

    for rows in (frame, frame.iloc[:0], frame[frame["key"] == "a"]):
        for by in (None, "key", "text", rows["text"].astype(object)):
            fast = _counted_totals(rows, ["x", "y"], by)
            assert fast is not None
            expected = by_pandas(rows, ["x", "y"], by)
            assert list(fast.index) == list(expected.index)
            assert fast.columns.tolist() == expected.columns.tolist()
            for column in ("x", "y", ROWS):
                got = fast[column].to_numpy(dtype="float64", na_value=np.nan)
                want = expected[column].to_numpy(dtype="float64", na_value=np.nan)
                np.testing.assert_array_equal(got, want)
    halves = frame.assign(x=frame["x"] / 2)  # fractions: pandas' compensated sum decides
    assert _counted_totals(halves, ["x"], "key") is None
    assert group_totals(halves, ["x"], "key").equals(by_pandas(halves, ["x"], "key"))
    assert _counted_totals(frame.astype({"text": "category"}), ["x"], "text") is None
