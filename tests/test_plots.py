"""Figures: Vietnamese labels render, missing glyphs are caught, no global state, deterministic files."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath

from danvan_analysis import plots
from danvan_analysis.errors import ParameterError, ReportError, SchemaError
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
    assert ax.get_legend() is None  # the legend is under the figure, where it cannot hide a district
    assert any(t.get_text() == "Toàn tỉnh: 84,0" for t in fig.legends[0].get_texts())


def _drawn_tick_labels(fig: Figure, axis: str) -> list[str]:
    fig.savefig(io.BytesIO(), format="png")  # tick labels are made when drawing
    ax = fig.axes[0]
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels if t.get_text()]


@pytest.mark.parametrize(("lang", "pattern"), [("vi", r"\d+(,\d+)?"), ("en", r"\d+(\.\d+)?")])
def test_numeric_ticks_use_the_language_separators(lang: str, pattern: str) -> None:
    """The ranking axis spans 79.0–89.0 with half-unit ticks possible: "77,5" in Vietnamese, "77.5" in English."""
    rows = pd.DataFrame(
        {
            "domain": ["164", "165", "167"],
            "variable": "overall",
            "estimate": [79.0, 86.5, 80.5],
            "ci_low": [76.2, 84.0, 78.0],
            "ci_high": [81.9, 89.0, 83.0],
        }
    )
    labels = _drawn_tick_labels(plots.plot_district_ranking(rows, lang=lang), "x")
    assert len(labels) >= 3 and all(re.fullmatch(pattern, label) for label in labels), labels


def test_locale_formatter_uses_as_few_decimals_as_the_ticks_need() -> None:
    formatter = plots._LocaleFormatter("vi")
    assert formatter.format_ticks([75, 77.5, 80]) == ["75,0", "77,5", "80,0"]
    assert formatter.format_ticks([0, 1000, 2000]) == ["0", "1.000", "2.000"]
    assert plots._LocaleFormatter("en").format_ticks([0.25, 0.5]) == ["0.25", "0.50"]


def test_heatmap_status_legend_and_symbols() -> None:
    matrix = pd.DataFrame(
        {"1": ["met", "not_met"], "3": ["no_data", "met"]}, index=pd.Index(["164", "19"], name="district_code")
    )
    fig = plots.plot_target_heatmap(matrix, lang="vi")
    texts = [t.get_text() for t in fig.findobj(mpl.text.Text)]
    assert {"✓ Đạt", "✗ Không đạt", "? Chưa đủ dữ liệu"} <= set(texts)
    ax = fig.axes[0]
    # One collection of cells per status, in STATUS_STYLE order (met, not met, no data): 2, 1 and 1 cells; then the
    # white borders of all 4 cells, drawn over them.
    assert [len(c.get_paths()) for c in ax.collections] == [2, 1, 1, 4]
    assert [c.get_hatch() for c in ax.collections] == [None, "///", "..", None]  # readable without colour
    # The hatch takes the collection's edge colour (the cells have no edge line of their own): white on magenta,
    # grey on the near-white "no data".
    hatch_colours = [mpl.colors.to_hex(c.get_edgecolor()[0]) for c in ax.collections[1:3]]
    assert hatch_colours == ["#ffffff", "#8c8c8c"] and [c.get_linewidth()[0] for c in ax.collections[:3]] == [0] * 3
    assert mpl.colors.to_hex(ax.collections[3].get_edgecolor()[0]) == "#ffffff"
    # The symbols are glyph markers, one point per cell at the cell's centre (x = target column, y = row); the
    # hatched cells (164 × "3" no data, 19 × "1" not met) also get a plain disc under the symbol.
    symbols = [line for line in ax.lines if isinstance(line.get_marker(), MplPath)]
    centres = sorted((x, y) for line in symbols for x, y in zip(*line.get_data(), strict=True))
    assert centres == [(0.5, 0.5), (0.5, 1.5), (1.5, 0.5), (1.5, 1.5)]
    cross = next(
        line for line in symbols if np.array_equal(line.get_marker().vertices, plots._symbol_marker("✗")[0].vertices)
    )
    assert [list(v) for v in cross.get_data()] == [[0.5], [1.5]]
    discs = sorted(
        (x, y) for line in ax.lines if line.get_marker() == "o" for x, y in zip(*line.get_data(), strict=True)
    )
    assert discs == [(0.5, 1.5), (1.5, 0.5)]
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


def test_a_figure_is_laid_out_once_and_saving_draws_it_once(estimates: pd.DataFrame) -> None:
    """The constrained layout is computed when the figure is made, so a save is one draw, and the frozen layout is
    the one matplotlib's constrained layout gives when run again at save time."""
    fig = plots.plot_index_bars(estimates, threshold=80)
    assert fig.get_layout_engine() is None
    frozen = [ax.get_position().bounds for ax in fig.axes]
    draws: list[int] = []
    draw = fig.draw
    fig.draw = lambda renderer: (draws.append(1), draw(renderer))[1]  # type: ignore[method-assign]
    fig.savefig(io.BytesIO(), format="png", dpi=100)
    assert len(draws) == 1  # with a layout engine attached, matplotlib draws twice (a layout pass, then the image)
    fig.set_layout_engine("constrained")
    fig.savefig(io.BytesIO(), format="png", dpi=100)
    np.testing.assert_allclose([ax.get_position().bounds for ax in fig.axes], frozen, atol=1e-9)


def test_glyphs_are_checked_in_the_weight_that_draws_them() -> None:
    """DejaVu Sans Bold lacks some characters of the regular face: a bold title with one is refused."""
    regular = TTFont(DEJAVU).getBestCmap()
    bold = TTFont(DEJAVU.with_name("DejaVuSans-Bold.ttf")).getBestCmap()
    char = next(chr(c) for c in sorted(set(regular) - set(bold)) if not unicodedata.category(chr(c)).startswith("C"))
    frame = pd.DataFrame({"year": [2022, 2023], "estimate": [80.0, 82.0]})
    plots.plot_trends(frame, title=f"Xu hướng {char}")  # regular weight: drawable
    fig = plots.plot_trends(frame)
    fig.axes[0].set_title(f"Xu hướng {char}", fontweight="bold")
    with pytest.raises(ReportError, match=f"U\\+{ord(char):04X}"):
        plots._finish(fig)


def test_trend_bands_only_for_a_few_groups() -> None:
    """Confidence bands for 2 groups; none for the province and 9 districts, whose bands would cover each other."""
    codes = ["19", "164", "165", "167", "168", "169", "170", "171", "172", "173"]
    frame = pd.DataFrame(
        [
            {"year": y, "domain": c, "estimate": 80.0 + k, "ci_low": 78.0 + k, "ci_high": 82.0 + k}
            for k, c in enumerate(codes)
            for y in (2022, 2023)
        ]
    )
    few = plots.plot_trends(frame[frame["domain"].isin(["19", "165"])], group="domain")
    assert len(few.axes[0].collections) == 2
    many = plots.plot_trends(frame, group="domain")
    assert len(many.axes[0].collections) == 0 and len(many.axes[0].lines) == 10
    province = next(line for line in many.axes[0].lines if line.get_label() == "Toàn tỉnh")
    assert province.get_linewidth() > max(line.get_linewidth() for line in many.axes[0].lines if line is not province)


# -- readable with many lines, one district brought forward, named targets --------------------------------------
DISTRICTS = ["164", "165", "167", "168", "169", "170", "171", "172", "173"]


@pytest.fixture
def trends() -> pd.DataFrame:
    """The province and 9 districts over 3 years, spread in 2021 (60 to 87) and crowded at the top of the axes in
    2023 (84.0 to 84.9, 0.1 apart: far less than a line of text)."""
    start = {2021: 60.0, 2022: 70.0, 2023: 84.0}
    step = {2021: 3.0, 2022: 1.0, 2023: 0.1}
    return pd.DataFrame(
        [
            {"year": y, "domain": c, "estimate": start[y] + k * step[y], "ci_low": 50.0, "ci_high": 95.0}
            for k, c in enumerate(["19", *DISTRICTS])
            for y in (2021, 2022, 2023)
        ]
    )


def _end_labels(fig: Figure) -> dict[str, mpl.text.Annotation]:
    return {a.get_text(): a for a in fig.axes[0].texts if isinstance(a, mpl.text.Annotation)}


def _legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_short_target_labels_keep_whole_words_within_28_characters() -> None:
    """Hand-counted: "5b · " (5) + "Không để xảy ra điểm" (20) + "…" = 26; one more word would make 31."""
    assert plots.short_target_label("5b", "Không để xảy ra điểm nóng về tôn giáo") == "5b · Không để xảy ra điểm…"
    assert plots.short_target_label("2e", "Mức độ hài lòng") == "2e · Mức độ hài lòng"  # fits: not cut
    # A comma before the cut is dropped: "1 · 100% cơ quan, đơn vị," + "…" would end ",…".
    assert plots.short_target_label("1", "100% cơ quan, đơn vị, địa phương ban hành kế hoạch") == (
        "1 · 100% cơ quan, đơn vị…"
    )
    assert plots.short_target_label("R", None) == "R"


def test_heatmap_columns_are_named_targets() -> None:
    """Columns: code and short name, from short_labels when given, else from the scorecard labels."""
    tidy = pd.DataFrame(
        {
            "district_code": ["164", "164", "170", "170"],
            "target": ["3", "5b", "3", "5b"],
            "label_vi": [
                "100% người đứng đầu đối thoại trực tiếp với Nhân dân",
                "Không để xảy ra điểm nóng về tôn giáo",
            ]
            * 2,
            "label_en": ["Heads hold a dialogue", "No religious hot spots"] * 2,
            "status": ["met", "not_met", "no_data", "met"],
        }
    )
    fig = plots.plot_target_heatmap(tidy)
    columns = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert columns == ["3 · 100% người đứng đầu đối…", "5b · Không để xảy ra điểm…"]
    assert all(len(c) <= plots.TARGET_LABEL_CHARS for c in columns)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Thái Nguyên", "Võ Nhai"]
    english = plots.plot_target_heatmap(tidy, lang="en", short_labels={"3": "Dialogues"})
    assert [t.get_text() for t in english.axes[0].get_xticklabels()] == ["3 · Dialogues", "5b · No religious hot spots"]
    with pytest.raises(ReportError, match="太"):  # a short name is checked for glyphs like every other text
        plots.plot_target_heatmap(tidy, short_labels={"3": "太原"})


def test_heatmap_from_a_bare_matrix_names_targets_by_code() -> None:
    matrix = pd.DataFrame({"1": ["met"], "2a": ["not_met"]}, index=pd.Index(["165"], name="district_code"))
    assert [t.get_text() for t in plots.plot_target_heatmap(matrix).axes[0].get_xticklabels()] == ["1", "2a"]


def test_trend_highlight_brings_one_district_forward(trends: pd.DataFrame) -> None:
    """Võ Nhai (170) thick, orange and named at its end; the province dark and dashed; the 8 others thin and grey."""
    fig = plots.plot_trends(trends, group="domain", highlight="170", threshold=80)
    lines = {line.get_label(): line for line in fig.axes[0].lines}
    mine, province = lines["Võ Nhai"], lines["Toàn tỉnh"]
    others = [lines[name] for name in ("Thái Nguyên", "Sông Công", "Định Hóa", "Phú Lương", "Đồng Hỷ", "Đại Từ")]
    others += [lines["Phổ Yên"], lines["Phú Bình"]]
    assert mine.get_linewidth() > province.get_linewidth() > max(line.get_linewidth() for line in others)
    assert province.get_linestyle() == "--" and mine.get_linestyle() == "-"
    grey = {mpl.colors.to_hex(line.get_color()) for line in others}
    assert len(grey) == 1 and mpl.colors.to_hex(mine.get_color()) not in grey | {province.get_color()}
    r, g, b = mpl.colors.to_rgb(grey.pop())
    assert r == g == b  # grey, not a hue
    assert set(_end_labels(fig)) == {"Võ Nhai", "Toàn tỉnh"}
    assert _end_labels(fig)["Võ Nhai"].get_fontweight() == "bold"
    # The legend sums the grey lines up in one entry and names no district one by one.
    assert _legend_texts(fig) == ["Các huyện, thành phố khác", "Ngưỡng 80"]
    assert len(fig.axes[0].collections) == 2  # CI bands: the highlighted district's and the province's only


def test_trend_highlight_must_name_a_group(trends: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match=r"'999'.*164"):
        plots.plot_trends(trends, group="domain", highlight="999")
    with pytest.raises(ParameterError, match="group="):
        plots.plot_trends(trends[trends["domain"] == "19"], highlight="19")


def test_many_trend_lines_are_named_at_their_ends_without_overlap(trends: pd.DataFrame) -> None:
    """10 lines whose last values lie 0.1 apart at the top: 10 names, none overlapping another or leaving the axes."""
    fig = plots.plot_trends(trends, group="domain")
    labels = _end_labels(fig)
    assert len(labels) == 10 and "Toàn tỉnh" in labels
    assert _legend_texts(fig) == []  # the names are on the lines, not in a legend
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    # The text's own box (an Annotation's box also holds its leader line).
    extents = {name: mpl.text.Text.get_window_extent(a, renderer) for name, a in labels.items()}
    order = sorted(extents, key=lambda name: extents[name].y0)
    boxes = [extents[name] for name in order]
    assert all(low.y1 <= high.y0 + 0.5 for low, high in itertools.pairwise(boxes))
    # In the order the lines end: the province lowest (84.0), then 164 (84.1), 165, … up to Phú Bình (84.9).
    assert order[0] == "Toàn tỉnh" and order[1] == "Thái Nguyên" and order[-1] == "Phú Bình"
    axes_box = fig.axes[0].get_window_extent(renderer)
    assert all(axes_box.y0 - 1 <= box.y0 and box.y1 <= axes_box.y1 + 1 for box in boxes)  # none leaves the axes


def test_a_few_trend_lines_keep_a_legend(trends: pd.DataFrame) -> None:
    fig = plots.plot_trends(trends[trends["domain"].isin(["19", "165"])], group="domain")
    assert _legend_texts(fig) == ["Toàn tỉnh", "Sông Công"] and _end_labels(fig) == {}
    province = next(line for line in fig.axes[0].lines if line.get_label() == "Toàn tỉnh")
    assert province.get_linestyle() == "--"


def test_ranking_highlight_marks_one_district_and_keeps_the_province(estimates: pd.DataFrame) -> None:
    fig = plots.plot_district_ranking(estimates, highlight="165")
    ax = fig.axes[0]
    ticks = {t.get_text(): t for t in ax.get_yticklabels()}
    assert ticks["Sông Công"].get_fontweight() == "bold" and ticks["Thái Nguyên"].get_fontweight() == "normal"
    assert ticks["Sông Công"].get_color() != ticks["Thái Nguyên"].get_color()
    # Sông Công is the 2nd row from the bottom (Võ Nhai, no estimate, is first): a band behind it, an orange dot.
    (band,) = [p for p in ax.patches if isinstance(p, mpl.patches.Polygon | mpl.patches.Rectangle)]
    assert band.get_extents().height > 0
    dots = [line for line in ax.lines if line.get_color() == plots._HIGHLIGHT_COLOUR]
    assert [(list(d.get_xdata()), list(d.get_ydata())) for d in dots] == [([79.0], [1])]
    assert any(t.get_text() == "Toàn tỉnh: 84,0" for t in fig.legends[0].get_texts())
    with pytest.raises(ParameterError, match=r"'19'.*164"):
        plots.plot_district_ranking(estimates, highlight="19")  # the province is the line, not a district


def test_written_out_seaborn_style_equals_seaborn() -> None:
    """The whitegrid style and colorblind palette copied into plots (so reports need not import seaborn, and with
    it scipy.stats) are seaborn's own."""
    import seaborn as sns

    style = dict(sns.axes_style("whitegrid"))
    assert style.pop("image.cmap") == "rocket"  # seaborn's own colour map; no figure of ours uses one
    assert style == plots.WHITEGRID
    palette = sns.color_palette("colorblind", n_colors=plots.MAX_COLOURED)
    assert [mpl.colors.to_rgb(c) for c in plots.COLORBLIND[: plots.MAX_COLOURED]] == list(palette)


def test_plots_import_neither_seaborn_nor_scipy_stats() -> None:
    """A report kernel's warm-up imports plots: seaborn would pull in scipy.stats (0.6 s per kernel)."""
    code = "import sys, danvan_analysis.plots; print(sorted({'seaborn', 'scipy.stats'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def _breakdown() -> Figure:
    frame = pd.DataFrame(
        {
            "indicator": "complaint_resolution",
            "unit_code": "165",
            "dimension": "topic",
            "category": ["land", "environment", "other"],
            "value": [72.5, 40.0, 100.0],
            "kind": "percent",
            "label_vi": "Tỷ lệ đơn thư được giải quyết đúng hạn theo lĩnh vực",
            "label_en": "Complaints resolved on time, by field",
        }
    )
    return plots.plot_topic_breakdown(frame, indicator="complaint_resolution")


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def test_figures_of_one_size_share_a_renderer_and_measure_each_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Figures of the same size and DPI drawn in one thread share one Agg renderer, so matplotlib's text-metrics
    cache (keyed by renderer) serves the second figure: it measures no text again. Its image is the one a canvas of
    its own gives (layout and pixels), and another thread gets a renderer of its own."""
    import threading

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import _get_text_metrics_with_cache_impl as metrics

    first = _breakdown()
    first_png = _png(first)
    misses = metrics.cache_info().misses
    second = _breakdown()
    second_png = _png(second)
    assert metrics.cache_info().misses == misses  # every label, tick label and title measured for the first only
    assert second.canvas.get_renderer() is first.canvas.get_renderer()
    assert second_png == first_png
    monkeypatch.setattr(plots, "_PooledCanvas", FigureCanvasAgg)  # the stock canvas: a renderer per figure
    own = _breakdown()
    assert _png(own) == first_png  # the same layout and pixels
    assert metrics.cache_info().misses > misses
    monkeypatch.undo()
    elsewhere: list[object] = []
    thread = threading.Thread(target=lambda: elsewhere.append(_breakdown().canvas.get_renderer()))
    thread.start()
    thread.join()
    assert elsewhere and elsewhere[0] is not first.canvas.get_renderer()


def test_the_renderer_pool_keeps_a_few_sizes() -> None:
    """Each size gets its renderer; beyond the pool's size the least recently used one is dropped."""
    renderers = {}
    for rows in range(plots._POOL_SIZE + 2):
        fig = plots._new_figure(height=2.0 + rows)
        renderers[rows] = fig.canvas.get_renderer()
        assert fig.canvas.get_renderer() is renderers[rows]
    assert len(plots._RENDERERS.pool) == plots._POOL_SIZE
    assert plots._new_figure(height=2.0).canvas.get_renderer() is not renderers[0]  # dropped, made anew
    last = plots._POOL_SIZE + 1
    assert plots._new_figure(height=2.0 + last).canvas.get_renderer() is renderers[last]


def test_titles_sit_where_matplotlibs_automatic_placement_would_put_them(
    estimates: pd.DataFrame, trends: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures place their title at the top of the axes (``y=1.0``), skipping matplotlib's automatic placement,
    which measures the whole y axis for every title; with no top axis it would put them there too: same pixels."""
    from matplotlib.axes import Axes

    title = "Chỉ số hài lòng theo huyện, năm 2023"

    def figures() -> list[bytes]:
        return [
            _png(plots.plot_index_bars(estimates, title=title)),
            _png(plots.plot_district_ranking(estimates, title=title)),
            _png(plots.plot_trends(trends, group="domain", title=title, highlight="170")),
            _png(_breakdown()),  # titled by its indicator's label, wrapped
        ]

    fixed = figures()
    original = Axes.set_title
    automatic: list[object] = []

    def placed_by_matplotlib(self: Axes, label: str, *args: object, y: float | None = None, **kwargs: object) -> object:
        automatic.append(y)
        return original(self, label, *args, **kwargs)

    monkeypatch.setattr(Axes, "set_title", placed_by_matplotlib)
    assert figures() == fixed
    assert automatic == [1.0, 1.0, 1.0, 1.0]  # each figure set its title's place, and only once


def test_report_figures_are_embedded_at_zlib_level_3_with_the_same_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report's figure is a PNG compressed at zlib level 3 (the IDAT stream's header says so: FLEVEL 1 is
    levels 2-5, Pillow's default 6 writes FLEVEL 2), and it decodes to the pixels of the default-level PNG."""
    import struct

    import IPython.display
    from PIL import Image

    from danvan_analysis.reports import sections

    def idat_level(png: bytes) -> int:
        at = png.index(b"IDAT")
        assert struct.unpack(">I", png[at - 4 : at])[0] > 0
        return png[at + 5] >> 6  # the zlib stream's FLG byte, after CMF

    default = _png(_breakdown())
    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    sections._show_figure(_breakdown(), "Hình")
    embedded = shown[0].data  # type: ignore[attr-defined]
    assert idat_level(default) == 2 and idat_level(embedded) == 1
    assert b"Software" not in embedded
    with Image.open(io.BytesIO(default)) as a, Image.open(io.BytesIO(embedded)) as b:
        assert a.size == b.size and a.tobytes() == b.tobytes()
