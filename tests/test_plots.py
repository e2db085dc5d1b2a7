"""Figures: Vietnamese labels render, missing glyphs are caught, no global state, deterministic files."""

from __future__ import annotations

import itertools
import unicodedata
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib.figure import Figure

from danvan_analysis import plots
from danvan_analysis.errors import ReportError, SchemaError
from danvan_analysis.indicators import compute_dialogue_indicators

DEJAVU = Path(mpl.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _vietnamese_letters() -> str:
    """Every Vietnamese letter: 12 vowels × 6 tones, plus đ, both cases (NFC)."""
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = [unicodedata.normalize("NFC", v + t) for v, t in itertools.product(vowels, tones)] + ["đ"]
    return "".join(letters) + "".join(letters).upper()


@pytest.fixture
def estimates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "domain": ["19", "164", "165", "170"],
            "variable": "overall",
            "label_vi": ["Toàn tỉnh", "Thái Nguyên", "Sông Công", "Võ Nhai"],
            "estimate": [84.0, 86.5, 79.0, np.nan],
            "ci_low": [83.0, 84.0, 75.5, np.nan],
            "ci_high": [85.0, 89.0, 82.5, np.nan],
            "n": [6000, 640, 320, 7],
            "note": ["", "", "", "n < 10"],
        }
    )


def test_dejavu_covers_vietnamese_by_an_independent_reading_of_its_cmap() -> None:
    letters = _vietnamese_letters()
    assert len(letters) == 2 * (12 * 6 + 1)
    cmap = TTFont(DEJAVU).getBestCmap()
    assert all(ord(c) in cmap for c in letters)
    assert plots.find_missing_glyphs([letters]) == []


def test_glyph_check_fails_for_a_character_outside_the_font() -> None:
    assert ord("中") not in TTFont(DEJAVU).getBestCmap()
    assert plots.find_missing_glyphs(["Thái Nguyên 中"]) == ["中"]
    with pytest.raises(ReportError, match="U\\+4E2D"):
        plots.check_glyphs(["Thái Nguyên 中"])


def test_figure_with_an_unprintable_label_is_refused(estimates: pd.DataFrame) -> None:
    bad = estimates.assign(label_vi=["Toàn tỉnh", "太原", "Sông Công", "Võ Nhai"])
    with pytest.raises(ReportError, match="太"):
        plots.plot_index_bars(bad)


def test_index_bars_render_a_png_with_vietnamese_labels(estimates: pd.DataFrame, tmp_path: Path) -> None:
    fig = plots.plot_index_bars(estimates, title="Mức độ hài lòng — Định Hóa, Đồng Hỷ", threshold=80)
    assert isinstance(fig, Figure)
    texts = {t.get_text() for t in fig.findobj(mpl.text.Text)}
    assert {"Võ Nhai", "Sông Công", "n < 10", "79,0", "Tỷ lệ hài lòng (%)"} <= texts
    path = plots.save_figure(fig, tmp_path / "bars.png")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == round(plots.WIDTH * 150)
    assert height > 200


def test_saved_files_are_byte_identical_and_undated(estimates: pd.DataFrame, tmp_path: Path) -> None:
    for suffix in (".png", ".svg"):
        first = plots.save_figure(plots.plot_district_ranking(estimates), tmp_path / f"a{suffix}").read_bytes()
        second = plots.save_figure(plots.plot_district_ranking(estimates), tmp_path / f"b{suffix}").read_bytes()
        assert first == second
    svg = (tmp_path / "a.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert b"Software" not in (tmp_path / "a.png").read_bytes()


def test_no_global_state_is_changed(estimates: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    before = dict(mpl.rcParams)
    plots.plot_district_ranking(estimates)
    plots.plot_trends(pd.DataFrame({"year": [2021, 2022, 2023], "estimate": [80.0, 82.0, 85.0]}), title="Xu hướng")
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == []  # figures are not registered with pyplot, so nothing is left open


def test_ranking_sorts_districts_and_draws_the_province(estimates: pd.DataFrame) -> None:
    fig = plots.plot_district_ranking(estimates)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Võ Nhai", "Sông Công", "Thái Nguyên"]
    assert any(t.get_text() == "Toàn tỉnh: 84,0" for t in ax.get_legend().get_texts())


def test_heatmap_status_legend_and_symbols() -> None:
    matrix = pd.DataFrame(
        {"1": ["met", "not_met"], "3": ["no_data", "met"]}, index=pd.Index(["164", "19"], name="district_code")
    )
    fig = plots.plot_target_heatmap(matrix, lang="vi")
    texts = [t.get_text() for t in fig.findobj(mpl.text.Text)]
    assert {"✓ Đạt", "✗ Không đạt", "? Chưa đủ dữ liệu"} <= set(texts)
    assert texts.count("✗") == 1 and texts.count("?") == 1
    hatches = {p.get_hatch() for p in fig.axes[0].patches}
    assert {"///", ".."} <= hatches  # readable without colour
    with pytest.raises(SchemaError, match="done"):
        plots.plot_target_heatmap(matrix.replace("met", "done"))


def test_topic_breakdown_from_an_indicator_table() -> None:
    dialogues = pd.DataFrame(
        {
            "year": 2023,
            "level": "district",
            "unit_code": "165",
            "date": pd.Timestamp("2023-05-01"),
            "chair": "head",
            "participants": 10,
            "opinions_raised": 4,
            "answered_on_spot": 2,
            "referred": 2,
            "resolved_later": 1,
            "topic": ["land", "land", "environment"],
        }
    )
    table = compute_dialogue_indicators(dialogues, year=2023, district="165")
    fig = plots.plot_topic_breakdown(table, indicator="dialogue_count")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Đất đai, bồi thường, GPMB" and "Môi trường" in labels
    assert fig.axes[0].patches[0].get_width() == 2  # two land dialogues
    with pytest.raises(SchemaError, match="religion"):
        plots.plot_topic_breakdown(table, indicator="dialogue_count", dimension="religion")


def test_respondent_rows_cannot_be_plotted(estimates: pd.DataFrame) -> None:
    from danvan_analysis.errors import PrivacyError

    with pytest.raises(PrivacyError):
        plots.plot_index_bars(estimates.assign(respondent_id="r1"))


def test_docstring_examples_run() -> None:
    import doctest

    assert doctest.testmod(plots).failed == 0
