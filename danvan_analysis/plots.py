"""Figures for the reports, drawn from tidy results (they never estimate).

Every function takes a results table (survey estimates with ``estimate``/``ci_low``/``ci_high``, an indicator table,
a set of scorecards) and returns a :class:`matplotlib.figure.Figure`:

- :func:`plot_index_bars`: item / element / aspect indices as bars with their 95 % confidence intervals;
- :func:`plot_district_ranking`: districts as dots with CI whiskers, sorted, with the province's estimate as a line;
  one district can be brought forward (``highlight``);
- :func:`plot_target_heatmap`: district × target statuses; colour, hatching and a symbol in each cell, so that the
  figure stays readable in grey print and for colour-blind readers; targets named by code and a short name;
- :func:`plot_trends`: estimates over the years, one line per group (the province dark and dashed), CI bands when
  given for a few groups; with many groups the lines are grey and named at their ends, and one group can be
  brought forward (``highlight``: thick, orange, named);
- :func:`plot_topic_breakdown`: an indicator broken down by topic, field, religion, quarter, ….

Design choices:

- Figures are built with :class:`matplotlib.figure.Figure`, not ``pyplot``: they are never registered with a
  global figure manager, so nothing needs closing and no figure leaks in a long batch run; Jupyter still shows a
  returned figure.
- No global state changes. Each figure is drawn inside ``matplotlib.rc_context`` with a style dict (seaborn's
  "whitegrid" axes style + :data:`FONT_FAMILY`); importing this module changes no rcParams.
- Vietnamese labels must render. DejaVu Sans, shipped with matplotlib, covers Vietnamese (Latin Extended
  Additional); every figure checks, before it is returned, that the font used by each text has a glyph for each
  character (:func:`find_missing_glyphs`), and raises :class:`~danvan_analysis.errors.ReportError` otherwise,
  instead of matplotlib's silent empty boxes.
- Deterministic output: fixed sizes and DPI, fixed colours, and :func:`save_figure` strips dates and software
  versions from PNG/SVG/PDF metadata and fixes the SVG id salt, so the same results give byte-identical files.
- Numbers on the axes use the separators of the report language (``77,5`` / ``77.5``), like the numbers in the
  tables (:mod:`danvan_analysis.fmt`); legends sit under the figure, never over the data.
- Cheap to render, since a report embeds a dozen figures: the figure is laid out once when it is made and the layout
  is then frozen, so saving is a single draw (matplotlib otherwise runs the layout again inside an extra draw on
  every save); the layout, a PNG save and every later figure of the same size in the thread share one Agg renderer
  (:class:`_PooledCanvas`), so a text is measured once, not once per figure; a title sits at the top of its axes
  without matplotlib's automatic placement, which measures the whole y axis for every title (the figures have no
  top axis; the heatmap, whose target names are on top, keeps it); the heatmap draws its cells and symbols as a few
  collections and marker lines rather than a patch and a text per cell.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import font_manager, ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.textpath import TextPath
from matplotlib.ticker import Formatter, MaxNLocator
from matplotlib.transforms import Affine2D

from danvan_analysis import fmt, vocab
from danvan_analysis.disclosure import ensure_no_respondents
from danvan_analysis.errors import ParameterError, ReportError, SchemaError, UnitError
from danvan_analysis.numbers import check_lang as _check_lang
from danvan_analysis.units import province_code as _province_code
from danvan_analysis.units import register

#: The font every figure uses; it covers Vietnamese.
FONT_FAMILY = "DejaVu Sans"
#: Figure width in inches (fits an A4 page with margins at 100 % zoom).
WIDTH = 7.5
#: Status colours (ColorBrewer PiYG-like, distinct in lightness too: grey levels about 77 %, 32 % and 96 %),
#: hatches, hatch colours and symbols (with the symbol's colour), so that grey print keeps the three apart.
STATUS_STYLE: dict[str, dict[str, str]] = {
    vocab.STATUS_MET: {"color": "#a6dba0", "hatch": "", "hatch_color": "white", "symbol": "✓", "ink": "black"},
    vocab.STATUS_NOT_MET: {"color": "#c2185b", "hatch": "///", "hatch_color": "white", "symbol": "✗", "ink": "white"},
    vocab.STATUS_NO_DATA: {"color": "#f5f5f5", "hatch": "..", "hatch_color": "#8c8c8c", "symbol": "?", "ink": "black"},
}
#: :func:`plot_trends` draws confidence bands for at most this many groups.
MAX_BANDS = 3
#: :func:`plot_trends` gives each line its own colour and a legend entry up to this many groups; with more, the
#: lines are grey and named at their ends.
MAX_COLOURED = 5
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<"]
#: Size (points) of the names written at the ends of trend lines.
_END_LABEL_SIZE = 7.5
#: The district a figure brings forward: orange, apart from the blue bars and the magenta of the province and of
#: "not met", and darker than the grey of the other lines in grey print.
_HIGHLIGHT_COLOUR = "#d95f02"
#: Its text colour (darker, for contrast with white at small sizes) and the band behind its row in a dot plot.
_HIGHLIGHT_TEXT = "#9c4200"
_HIGHLIGHT_BAND = "#fde4cf"
_OTHER_COLOUR = "#b5b5b5"
_PROVINCE_LINE = "#222222"
#: Size (points, bold) of the status symbols in the heatmap cells.
_SYMBOL_SIZE = 10.0
_BAR_COLOUR = "#3b75af"
_PROVINCE_COLOUR = "#c2185b"
_TEXT = {
    "estimate": ("Tỷ lệ hài lòng (%)", "Satisfied (%)"),
    "ci": ("Khoảng tin cậy 95%", "95% confidence interval"),
    "province": ("Toàn tỉnh", "Province"),
    "threshold": ("Ngưỡng", "Threshold"),
    "year": ("Năm", "Year"),
    "target": ("Chỉ tiêu", "Target"),
    "district": ("Huyện, thành phố", "District"),
    "count": ("Số lượng", "Count"),
    "percent": ("Tỷ lệ (%)", "Percent"),
    "other_districts": ("Các huyện, thành phố khác", "Other districts"),
    "other_groups": ("Các nhóm khác", "Other groups"),
}


def _t(key: str, lang: str) -> str:
    return _TEXT[key][0 if lang == "vi" else 1]


# -- style and fonts -------------------------------------------------------------------------------------------
#: seaborn 0.13's ``axes_style("whitegrid")``, written out: importing seaborn imports scipy.stats (0.6 s of every
#: report kernel's start) for two constants (``tests/test_plots.py`` checks them against seaborn). Without its
#: ``image.cmap`` ("rocket", a colour map only seaborn registers): no figure here draws with a colour map.
WHITEGRID: dict[str, Any] = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
}
#: seaborn's "colorblind" palette (the first colours of ``color_palette("colorblind")``), as above.
COLORBLIND = (
    "#0173b2",
    "#de8f05",
    "#029e73",
    "#d55e00",
    "#cc78bc",
    "#ca9161",
    "#fbafe4",
    "#949494",
    "#ece133",
    "#56b4e9",
)


def figure_style() -> dict[str, Any]:
    """Return the rcParams every figure is drawn with (seaborn whitegrid + our font; no math parsing)."""
    style = {key: list(value) if isinstance(value, list) else value for key, value in WHITEGRID.items()}
    style.update(
        {
            "font.family": [FONT_FAMILY],
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.labelsize": 9,
            "xtick.labelsize": 8,
            "ytick.labelsize": 8,
            "legend.fontsize": 8,
            # Labels are data, not TeX: "$" or "_" in a commune name must print as is.
            "text.parse_math": False,
            "svg.hashsalt": "danvan-analysis",
            "svg.fonttype": "path",
            "pdf.fonttype": 42,
            # _finish() removes the layout engine after laying the figure out; these keep None meaning "none".
            "figure.autolayout": False,
            "figure.constrained_layout.use": False,
            "figure.dpi": 100,
            "savefig.dpi": 150,
        }
    )
    return style


@contextmanager
def _drawing() -> Iterator[None]:
    """Draw inside the figure style without touching the global rcParams."""
    with mpl.rc_context(figure_style()):
        yield


class _PooledCanvas(FigureCanvasAgg):
    """An Agg canvas that takes its renderer from a per-thread pool of renderers, one per size and DPI.

    matplotlib caches text metrics per renderer object: a figure with a renderer of its own measures every label,
    tick label and title again, although the figures of a report (and the next report's) show the same texts in the
    same font. With the pool, a text is measured once per thread for every figure of the same size and DPI, in the
    layout and in the draw. The renderer's pixels are those of the last figure of that size drawn in the thread:
    read them (``buffer_rgba``) before drawing another figure, as ``savefig`` does.
    """

    def get_renderer(self) -> Any:
        w, h = self.figure.bbox.size
        key = (w, h, self.figure.dpi)
        pool = _RENDERERS.__dict__.setdefault("pool", {})
        renderer = pool.pop(key, None)
        if renderer is None:
            renderer = RendererAgg(w, h, self.figure.dpi)
            while len(pool) >= _POOL_SIZE:
                pool.pop(next(iter(pool)))  # the least recently used size
        pool[key] = renderer
        self.renderer, self._lastKey = renderer, key
        return renderer


#: Per-thread renderers of :class:`_PooledCanvas` (size, DPI → renderer, least recently used first).
_RENDERERS = threading.local()
_POOL_SIZE = 16


def _new_figure(height: float, width: float = WIDTH) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    # An Agg canvas of its own (not registered with pyplot), whose renderer the layout in _finish(), a PNG save at
    # the figure's DPI and the other figures of that size share, so matplotlib's text-metrics cache (keyed by
    # renderer) serves every later pass instead of measuring every label again. Other formats switch canvas.
    _PooledCanvas(fig)
    return fig


@cache
def _charmap(path: str) -> frozenset[int]:
    return frozenset(ft2font.FT2Font(path).get_charmap())


def _font_path(family: str) -> str:
    return _font_file(font_manager.FontProperties(family=family))


def _font_file(properties: font_manager.FontProperties) -> str:
    """Return the font file that draws ``properties``, refusing matplotlib's silent fallback to another family."""
    family = properties.get_family()[0] if properties.get_family() else FONT_FAMILY
    if family in ("sans-serif", "serif", "monospace", "cursive", "fantasy"):
        properties = properties.copy()
        properties.set_family(FONT_FAMILY)
    try:
        return font_manager.findfont(properties, fallback_to_default=False)
    except ValueError as err:
        raise ReportError(f"The font {family!r} is not installed; matplotlib ships {FONT_FAMILY!r}.") from err


def _missing_in(texts: Iterable[str], path: str) -> list[str]:
    charmap = _charmap(path)
    missing = set()
    for text in texts:
        for char in unicodedata.normalize("NFC", str(text)):
            if char.isspace() or unicodedata.category(char).startswith("C"):
                continue
            if ord(char) not in charmap:
                missing.add(char)
    return sorted(missing)


def find_missing_glyphs(texts: Iterable[str], *, family: str = FONT_FAMILY) -> list[str]:
    """Return the characters of ``texts`` that the font ``family`` cannot draw (sorted, without duplicates).

    The check reads the font's character map (``FT2Font.get_charmap``) on the NFC form of each text, the form
    every label in the toolkit has; white space and control characters are skipped.

    Examples
    --------
    >>> find_missing_glyphs(["Chỉ tiêu 3: Đạt — Võ Nhai, Định Hóa"])
    []
    >>> find_missing_glyphs(["Thái Nguyên 太原"])
    ['原', '太']
    """
    return _missing_in(texts, _font_path(family))


def check_glyphs(texts: Iterable[str], *, family: str = FONT_FAMILY) -> None:
    """Raise :class:`ReportError` when ``family`` lacks a glyph for any character of ``texts``."""
    _check_glyphs_in(list(texts), path=_font_path(family), name=family)


def _check_glyphs_in(texts: list[str], *, path: str, name: str) -> None:
    missing = _missing_in(texts, path)
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)
        where = next(t for t in texts if any(c in unicodedata.normalize("NFC", str(t)) for c in missing))
        raise ReportError(
            f"The font {name!r} has no glyph for {shown}, used in the label {where!r}; the figure would show "
            "empty boxes. Hint: remove or transliterate those characters, or choose a font that covers them."
        )


def _finish(fig: Figure) -> Figure:
    """Check that every text on the figure can be drawn with its font, then lay the figure out once.

    The glyph check runs before any draw, so a missing glyph raises here instead of making matplotlib warn and
    draw an empty box; the numeric tick labels that only appear when drawing are digits, which every font has.
    Each text is checked against the font file it will be drawn with (its family, weight and style: DejaVu Sans
    Bold lacks glyphs that the regular face has).

    Then the constrained layout is computed once and frozen (the layout engine is removed). With an engine
    attached, every ``savefig`` runs the layout again inside an extra, non-rendering draw of the whole figure before
    the real one; freezing makes saving a single draw, which halves the cost of a figure in a report. The
    positions are fractions of the figure, so saving at another DPI keeps the layout. A caller who adds artists
    to a returned figure can lay it out again with ``fig.set_layout_engine("constrained")``.
    """
    by_path: dict[str, list[str]] = {}
    for artist in fig.findobj(Text):
        text = artist.get_text()
        if text and artist.get_visible():
            by_path.setdefault(_font_file(artist.get_fontproperties()), []).append(text)
    for path, texts in by_path.items():
        _check_glyphs_in(texts, path=path, name=Path(path).stem)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
        # Inside _drawing(), figure.autolayout and figure.constrained_layout.use are off, so None means no engine.
        fig.set_layout_engine(None)
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Save a figure deterministically (no creation date or software version in the file).

    Parameters
    ----------
    fig : a figure from this module.
    path : ``.png``, ``.svg`` or ``.pdf``.
    dpi : resolution for PNG.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    metadata = {
        ".png": {"Software": None},
        ".svg": {"Date": None, "Creator": None},
        ".pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    }.get(suffix)
    if metadata is None:
        raise ParameterError(f"Cannot save a figure as {path.name!r}; expected a .png, .svg or .pdf file name.")
    with _drawing():
        fig.savefig(path, dpi=dpi, metadata=metadata)
    return path


# -- helpers ---------------------------------------------------------------------------------------------------
def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}.")
    ensure_no_respondents(frame, what=what)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{what} lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}. "
            "Hint: pass the tidy output of danvan_analysis.survey or an indicator table's to_frame()."
        )


def _labels(frame: pd.DataFrame, lang: str, fallback: str) -> list[str]:
    """Row labels: a ``label_<lang>`` or ``label`` column when present, else ``fallback``."""
    for column in (f"label_{lang}", "label"):
        if column in frame.columns:
            return [unicodedata.normalize("NFC", str(v)) for v in frame[column]]
    return [str(v) for v in frame[fallback]]


def _ci_errors(frame: pd.DataFrame) -> np.ndarray | None:
    """Asymmetric error-bar lengths from ``ci_low``/``ci_high`` (None without them)."""
    if not {"ci_low", "ci_high"} <= set(frame.columns):
        return None
    estimate = frame["estimate"].to_numpy(dtype=float)
    low = estimate - frame["ci_low"].to_numpy(dtype=float)
    high = frame["ci_high"].to_numpy(dtype=float) - estimate
    return np.vstack([np.clip(low, 0, None), np.clip(high, 0, None)])


class _LocaleFormatter(Formatter):
    """Tick labels with the decimal and thousands separators of ``lang`` ("77,5", "1.000"), with as few decimals
    as the ticks need (matplotlib's default formatter would print "77.5" in a Vietnamese figure)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._decimals: int | None = None

    def set_locs(self, locs: Any) -> None:
        """Choose the decimals that every tick of the axis needs (matplotlib calls this before labelling)."""
        super().set_locs(locs)
        self._decimals = self._needed_decimals(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        decimals = self._decimals if self._decimals is not None else self._needed_decimals([x])
        return fmt.format_number(x, lang=self.lang, decimals=decimals)  # type: ignore[arg-type]

    @staticmethod
    def _needed_decimals(values: Iterable[float]) -> int:
        values = list(values)
        for decimals in range(3):
            if all(abs(round(v, decimals) - v) < 1e-9 for v in values):
                return decimals
        return 3


def _number_axis(axis: Any, lang: str, *, integer: bool = False) -> None:
    """Format a numeric axis for ``lang``; ``integer`` keeps ticks on whole numbers (counts)."""
    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=integer))
    axis.set_major_formatter(_LocaleFormatter(lang))


def _short_number(value: float, lang: str) -> str:
    """A reference value as a reader writes it: "80" rather than "80,0", "82,5" kept."""
    return fmt.format_number(value, lang=lang, decimals=0 if float(value).is_integer() else 1)  # type: ignore[arg-type]


def _legend_below(fig: Figure, ax: Axes) -> None:
    """Put the axes' legend under the figure, outside the data (a legend inside can hide points or bands)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)


def _suppressed_note(frame: pd.DataFrame) -> list[str]:
    if "note" in frame.columns:
        return [str(v) if isinstance(v, str) and v else "" for v in frame["note"]]
    return ["" for _ in range(len(frame))]


# -- the figures -----------------------------------------------------------------------------------------------
def plot_index_bars(
    estimates: pd.DataFrame,
    *,
    lang: str = "vi",
    title: str | None = None,
    threshold: float | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Horizontal bars of indices (items, elements or aspects) with their 95 % confidence intervals.

    Parameters
    ----------
    estimates : tidy rows, one per bar, in display order: ``variable`` and ``estimate`` (percent), optionally
        ``ci_low``/``ci_high``, a label column (``label_vi``/``label_en``/``label``) and ``note`` (a suppressed
        cell's marker, shown instead of the bar).
    lang : ``"vi"`` or ``"en"``.
    title : figure title.
    threshold : draw a vertical reference line at this percent.
    xlabel : axis label (default "Tỷ lệ hài lòng (%)" / "Satisfied (%)").
    """
    lang = _check_lang(lang)
    _require(estimates, ["variable", "estimate"], "The estimates")
    frame = estimates.reset_index(drop=True)
    labels = _labels(frame, lang, "variable")
    with _drawing():
        fig = _new_figure(height=max(2.0, 0.32 * len(frame) + 1.0))
        ax = fig.add_subplot()
        y = np.arange(len(frame))
        values = frame["estimate"].to_numpy(dtype=float)
        ax.barh(y, np.nan_to_num(values), color=_BAR_COLOUR, height=0.65)
        errors = _ci_errors(frame)
        if errors is not None:
            ax.errorbar(values, y, xerr=errors, fmt="none", ecolor="#222222", elinewidth=1, capsize=2.5)
        # Each value is written just past the end of its CI whisker, so the number never sits on the whisker.
        ends = values if errors is None else values + errors[1]
        for i, (value, end, note) in enumerate(zip(values, ends, _suppressed_note(frame), strict=True)):
            text = note if np.isnan(value) else fmt.format_number(value, lang=lang)  # type: ignore[arg-type]
            _label_bar(ax, 0 if np.isnan(value) else end, i, text)
        if threshold is not None:
            _reference_line(ax, threshold, f"{_t('threshold', lang)} {_short_number(threshold, lang)}")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 112)
        ax.set_xticks(range(0, 101, 20))
        ax.xaxis.set_major_formatter(_LocaleFormatter(lang))
        ax.set_xlabel(xlabel or _t("estimate", lang))
        ax.grid(axis="y", visible=False)
        if title:
            ax.set_title(title, loc="left", y=1.0)
        return _finish(fig)


def _label_bar(ax: Axes, x: float, y: float, text: str) -> None:
    """Write a value just right of ``x`` (a fixed offset in points, so it does not depend on the axis scale)."""
    ax.annotate(text, (x, y), xytext=(3, 0), textcoords="offset points", va="center", ha="left", fontsize=7)


def _reference_line(ax: Axes, x: float, label: str) -> None:
    ax.axvline(x, color=_PROVINCE_COLOUR, linestyle="--", linewidth=1.2, label=label)
    ax.figure.legend(loc="outside upper right", frameon=False)


def plot_district_ranking(
    estimates: pd.DataFrame,
    *,
    variable: str = "overall",
    lang: str = "vi",
    title: str | None = None,
    province_code: str | None = None,
    highlight: str | None = None,
) -> Figure:
    """Dot plot of the districts' estimates of one variable, sorted, with CIs and the province as a line.

    Parameters
    ----------
    estimates : tidy survey estimates with ``domain`` (district codes, and ``"19"`` for the province),
        ``variable``, ``estimate`` and optionally ``ci_low``/``ci_high``.
    variable : which variable to show.
    lang : ``"vi"`` or ``"en"``.
    title : figure title.
    province_code : the domain of the provincial estimate (``None``: the province of the register in use).
    highlight : a district code to bring forward (the district of a district report): its row is shaded, its name
        and value bold, its dot and interval orange, so it stands out in colour and in grey print.

    Raises
    ------
    ParameterError
        ``highlight`` is not one of the districts plotted.
    """
    lang = _check_lang(lang)
    _require(estimates, ["domain", "variable", "estimate"], "The estimates")
    rows = estimates[estimates["variable"].astype(str) == variable].copy()
    rows["domain"] = rows["domain"].astype(str)
    districts = set(register().district_codes)
    points = rows[rows["domain"].isin(districts)].sort_values("estimate", ascending=True, na_position="first")
    if points.empty:
        raise SchemaError(
            f"No district estimate of {variable!r} to plot; domains present: {sorted(set(rows['domain']))}."
        )
    province = rows[rows["domain"] == (province_code or _province_code())]
    names = [register().unit(c).short_name for c in points["domain"]]
    codes = list(points["domain"])
    if highlight is not None and str(highlight) not in codes:
        raise ParameterError(
            f"highlight={highlight!r} is not one of the districts plotted ({', '.join(codes)}). "
            "Hint: pass a 3-digit district code such as '170', or None."
        )
    marked = codes.index(str(highlight)) if highlight is not None else None
    with _drawing():
        fig = _new_figure(height=max(2.5, 0.34 * len(points) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(points))
        values = points["estimate"].to_numpy(dtype=float)
        errors = _ci_errors(points.reset_index(drop=True))
        if errors is not None:
            ax.errorbar(
                values, y, xerr=errors, fmt="none", ecolor="#777777", elinewidth=1.2, capsize=0, label=_t("ci", lang)
            )
        ax.plot(values, y, "o", color=_BAR_COLOUR, markersize=6, zorder=3)
        if marked is not None:
            _mark_row(ax, marked, values[marked], None if errors is None else errors[:, [marked]])
        for i, value in enumerate(values):
            text = fmt.format_number(value, lang=lang)  # type: ignore[arg-type]
            # A white backing keeps the number legible where it crosses the province line or a grid line.
            ax.annotate(
                text,
                (value, i),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                fontweight="bold" if i == marked else "normal",
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            )
        if not province.empty and pd.notna(province["estimate"].iloc[0]):
            value = float(province["estimate"].iloc[0])
            ax.axvline(
                value,
                color=_PROVINCE_COLOUR,
                linestyle="--",
                linewidth=1.2,
                label=f"{_t('province', lang)}: {fmt.format_number(value, lang=lang)}",
            )
        ax.set_yticks(y, names)
        if marked is not None:
            ax.get_yticklabels()[marked].set(fontweight="bold", color=_HIGHLIGHT_TEXT)
        ax.set_ylim(-0.6, len(points) - 0.25)  # room above the top dot for its number
        _number_axis(ax.xaxis, lang)
        ax.set_xlabel(_t("estimate", lang))
        ax.grid(axis="y", visible=False)
        _legend_below(fig, ax)
        if title:
            ax.set_title(title, loc="left", y=1.0)
        return _finish(fig)


#: Longest column label of :func:`plot_target_heatmap` built from a target's label (code included).
TARGET_LABEL_CHARS = 28


def short_target_label(code: str, label: str | None = None, *, limit: int = TARGET_LABEL_CHARS) -> str:
    """Return a target's column label: ``"<code> · <first words of the label>"``, at most ``limit`` characters.

    Whole words are kept; a cut label ends with "…" (and no dangling comma). Without a label, the code alone.

    Examples
    --------
    >>> short_target_label("5b", "Không để xảy ra điểm nóng về tôn giáo")
    '5b · Không để xảy ra điểm…'
    >>> short_target_label("2e", "Mức độ hài lòng")
    '2e · Mức độ hài lòng'
    """
    code = str(code)
    text = " ".join(unicodedata.normalize("NFC", str(label or "")).split())
    if not text:
        return code
    full = f"{code} · {text}"
    if len(full) <= limit:
        return full
    shown = f"{code} ·"
    for word in text.split(" "):
        if len(f"{shown} {word}…") > limit:
            break
        shown = f"{shown} {word}"
    return shown.rstrip(",;:·-– ") + "…"


def _target_labels(scores: object, lang: str) -> dict[str, str]:
    """Target code → full label in ``lang``, from a ScorecardSet or a tidy frame with ``label_<lang>`` (else empty)."""
    frame = scores if isinstance(scores, pd.DataFrame) else getattr(scores, "to_frame", lambda: None)()
    column = f"label_{lang}"
    if not isinstance(frame, pd.DataFrame) or not {"target", column} <= set(frame.columns):
        return {}
    firsts = frame.dropna(subset=[column]).drop_duplicates("target")
    return dict(zip(firsts["target"].astype(str), firsts[column].astype(str), strict=True))


def _mark_row(ax: Axes, row: int, value: float, error: np.ndarray | None) -> None:
    """Bring one row of a dot plot forward: a shaded band behind it, its interval and dot in the highlight colour."""
    ax.axhspan(row - 0.5, row + 0.5, color=_HIGHLIGHT_BAND, linewidth=0, zorder=0)
    if error is not None:
        ax.errorbar([value], [row], xerr=error, fmt="none", ecolor=_HIGHLIGHT_COLOUR, elinewidth=2.2, zorder=4)
    ax.plot([value], [row], "o", color=_HIGHLIGHT_COLOUR, markersize=8, markeredgecolor="black", zorder=5)


def _status_matrix(scores: object) -> pd.DataFrame:
    """Return a unit × target matrix of status codes from a ScorecardSet, a tidy frame or a matrix."""
    if hasattr(scores, "to_matrix"):
        return scores.to_matrix(value="status")  # type: ignore[no-any-return, attr-defined]
    if not isinstance(scores, pd.DataFrame):
        raise ParameterError(f"Cannot draw a heatmap from {type(scores).__name__}; pass a ScorecardSet or a DataFrame.")
    if {"district_code", "target", "status"} <= set(scores.columns):
        return scores.pivot(index="district_code", columns="target", values="status")
    return scores


def plot_target_heatmap(
    scores: object,
    *,
    lang: str = "vi",
    title: str | None = None,
    short_labels: Mapping[str, str] | None = None,
) -> Figure:
    """District × target heatmap of statuses, readable in grey print.

    Each cell has a colour, a hatch and a symbol (✓ met, ✗ not met, ? no data), and the legend repeats all three,
    so the statuses can be told apart without colour. Rows are the units' names; columns are the targets, each
    named by its code and a short name (``"3 · Đối thoại trực tiếp"``).

    Parameters
    ----------
    scores : a :class:`~danvan_analysis.scorecard.ScorecardSet`, a tidy frame with ``district_code``, ``target``
        and ``status`` (and ``label_vi``/``label_en``), or a matrix (rows = unit codes, columns = targets, cells =
        status codes).
    lang : ``"vi"`` or ``"en"``.
    title : figure title.
    short_labels : target code → short name in ``lang`` (e.g. from the plan file), shown after the code. A target
        not listed gets the first words of its scorecard label (:func:`short_target_label`), or its code alone
        when ``scores`` carries no labels.
    """
    lang = _check_lang(lang)
    matrix = _status_matrix(scores)
    labels = _target_labels(scores, lang)
    columns = [
        f"{target} · {short_labels[str(target)]}"
        if short_labels and str(target) in short_labels
        else short_target_label(str(target), labels.get(str(target)))
        for target in matrix.columns
    ]
    unknown = sorted({str(v) for v in matrix.to_numpy().ravel() if pd.notna(v)} - set(STATUS_STYLE))
    if unknown:
        raise SchemaError(f"Unknown status value(s) {unknown} in the heatmap data; expected {sorted(STATUS_STYLE)}.")
    rows = [_unit_label(str(code), lang) for code in matrix.index]
    cells: dict[str, list[tuple[int, int]]] = {status: [] for status in STATUS_STYLE}
    for i, code in enumerate(matrix.index):
        for j, target in enumerate(matrix.columns):
            status = matrix.at[code, target]
            cells[status if isinstance(status, str) else vocab.STATUS_NO_DATA].append((j, i))
    with _drawing():
        # The column labels stand at 60° above the cells: their height grows with the longest label.
        longest = max((len(c) for c in columns), default=1)
        fig = _new_figure(height=max(2.5, 0.36 * len(rows) + 1.2 + 0.055 * longest))
        ax = fig.add_subplot()
        # A few artists per status instead of a patch and a text per cell (~250 artists for 9 districts × 14
        # targets): the cells are one collection (a collection has one hatch) and the symbols one line of glyph
        # markers, so laying out and drawing the figure stays cheap. A collection's hatch takes its edge colour in
        # every matplotlib from 3.9 on (3.11's ``hatchcolors`` is not needed): the cells have no edge of their own,
        # and one collection of white borders over all cells keeps them apart.
        for status, where in cells.items():
            if not where:
                continue
            style = STATUS_STYLE[status]
            ax.add_collection(
                PatchCollection(
                    [Rectangle(corner, 1, 1) for corner in where],
                    facecolor=style["color"],
                    hatch=style["hatch"] or None,
                    edgecolor=style["hatch_color"],
                    linewidth=0,
                ),
                autolim=False,
            )
            xs, ys = np.array(where, dtype=float).T + 0.5
            marker, size = _symbol_marker(style["symbol"])
            if style["hatch"]:
                # A plain disc behind the symbol, so the hatching does not run through it.
                ax.plot(xs, ys, "o", color=style["color"], markersize=size * 2, markeredgewidth=0)
            ax.plot(xs, ys, linestyle="none", marker=marker, color=style["ink"], markersize=size, markeredgewidth=0)
        borders = [Rectangle(corner, 1, 1) for where in cells.values() for corner in where]
        ax.add_collection(PatchCollection(borders, facecolor="none", edgecolor="white", linewidth=1.5), autolim=False)
        ax.set_xlim(0, len(matrix.columns))
        ax.set_ylim(len(matrix.index), 0)
        ax.set_xticks(
            np.arange(len(matrix.columns)) + 0.5, columns, rotation=60, ha="left", va="bottom", rotation_mode="anchor"
        )
        ax.set_yticks(np.arange(len(rows)) + 0.5, rows)
        ax.xaxis.tick_top()
        ax.set_xlabel(_t("target", lang))
        ax.xaxis.set_label_position("top")
        ax.grid(visible=False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        # Each key: the cell (its hatch in its edge colour, as above) under a grey frame.
        handles = [
            (
                Patch(facecolor=s["color"], hatch=s["hatch"], edgecolor=s["hatch_color"], linewidth=0),
                Patch(facecolor="none", edgecolor="#555555"),
            )
            for s in STATUS_STYLE.values()
        ]
        labels = [f"{s['symbol']} {vocab.STATUS_LABELS[lang][status]}" for status, s in STATUS_STYLE.items()]
        fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
        if title:
            ax.set_title(title, loc="left")
        return _finish(fig)


@cache
def _symbol_marker(symbol: str) -> tuple[MplPath, float]:
    """Return a status symbol as a marker path centred on its ink, and the marker size that draws it at
    :data:`_SYMBOL_SIZE` points in DejaVu Sans Bold."""
    properties = font_manager.FontProperties(family=FONT_FAMILY, weight="bold", size=_SYMBOL_SIZE)
    path = _font_file(properties)
    _check_glyphs_in([symbol], path=path, name=Path(path).stem)
    outline = TextPath((0, 0), symbol, prop=properties)  # in points
    box = outline.get_extents()
    centred = outline.transformed(Affine2D().translate(-(box.x0 + box.x1) / 2, -(box.y0 + box.y1) / 2))
    # Matplotlib scales a path marker so that its farthest vertex (Bézier control points included) lies at half
    # the marker size: this size draws the glyph at its font size.
    return centred, 2 * float(np.abs(centred.vertices).max())


def _unit_label(code: str, lang: str) -> str:
    if code == _province_code():
        return _t("province", lang)
    try:
        return register().unit(code).short_name
    except UnitError:
        return code  # an unknown code is shown as it is


def plot_trends(
    frame: pd.DataFrame,
    *,
    x: str = "year",
    y: str = "estimate",
    group: str | None = None,
    lang: str = "vi",
    title: str | None = None,
    ylabel: str | None = None,
    threshold: float | None = None,
    group_labels: Mapping[str, str] | None = None,
    highlight: str | None = None,
) -> Figure:
    """Lines of an estimate or indicator over the years, one per group, with CI bands when given.

    The province (group ``"19"``) is a thick dark dashed line whenever it is compared with other groups. Then:

    - ``highlight`` given: that group is a thick orange line named at its end, with its CI band; the province is
      named at its end too; every other group is a thin grey line (one legend entry for them all);
    - up to :data:`MAX_COLOURED` groups: one colour and marker each, named in the legend under the figure;
    - more groups: thin grey lines, each named at its end, the names spread so that they never overlap (ten
      colours could not be told apart, nor matched with a legend).

    Bands are drawn for up to :data:`MAX_BANDS` groups (with ``highlight``: its band and the province's only): more
    overlapping bands (the province and its 9 districts) would only tint the whole axes and hide each other.

    Parameters
    ----------
    frame : tidy rows with ``x`` (years), ``y`` and optionally ``group``, ``ci_low``/``ci_high``.
    x, y, group : column names.
    lang : ``"vi"`` or ``"en"``.
    title, ylabel : texts (``ylabel`` defaults to "Tỷ lệ hài lòng (%)" / "Satisfied (%)").
    threshold : a horizontal reference line.
    group_labels : group value → label (default: unit names for unit codes, else the value).
    highlight : the group value to bring forward (e.g. the district of a district report).

    Raises
    ------
    ParameterError
        ``highlight`` is given without ``group``, or is not a value of the ``group`` column.
    """
    lang = _check_lang(lang)
    _require(frame, [x, y] + ([group] if group else []), "The trend data")
    data = frame.sort_values(x)
    groups = [(None, data)] if group is None else [(str(k), part) for k, part in data.groupby(group, sort=False)]
    highlight = _check_highlight(highlight, group, [k for k, _ in groups])
    scheme = "highlight" if highlight else "legend" if len(groups) <= MAX_COLOURED else "labelled"
    has_ci = {"ci_low", "ci_high"} <= set(data.columns)
    with _drawing():
        # Each extra legend row below the axes gets its own height, so the axes keep theirs.
        entries = (len(groups) if group is not None and scheme == "legend" else 1) + (threshold is not None)
        fig = _new_figure(height=3.4 + 0.2 * max(0, -(-entries // 4) - 1))
        ax = fig.add_subplot()
        ends: list[tuple[float, float, str, dict[str, Any]]] = []
        named: set[str] = set()  # the groups' labels: in the legend only under the "legend" scheme
        coloured = [k for k, _ in groups if k != _province_code() or len(groups) == 1]
        for key, part in groups:
            label = None if key is None else (group_labels or {}).get(key) or _unit_label(key, lang)
            named |= {label} if label else set()
            k = coloured.index(key) if key in coloured else 0
            style = _trend_style(key, k, scheme, highlight=highlight, compared=len(groups) > 1)
            xs, ys = part[x].to_numpy(), part[y].to_numpy(dtype=float)
            ax.plot(xs, ys, label=label, **style["line"])
            banded = len(groups) <= MAX_BANDS if scheme != "highlight" else key in (highlight, _province_code())
            if has_ci and banded:
                low, high = part["ci_low"].to_numpy(dtype=float), part["ci_high"].to_numpy(dtype=float)
                ax.fill_between(xs, low, high, color=style["line"]["color"], alpha=0.15, linewidth=0)
            shown = np.isfinite(ys)
            if label is not None and style["end_label"] is not None and shown.any():
                ends.append((float(xs[shown][-1]), float(ys[shown][-1]), label, style["end_label"]))
        if scheme == "highlight" and len(groups) > 2:
            others = set(k for k, _ in groups) - {highlight, _province_code()}
            what = "other_districts" if others <= set(register().district_codes) else "other_groups"
            ax.plot([], [], color=_OTHER_COLOUR, linewidth=1.0, label=_t(what, lang))
        if threshold is not None:
            ax.axhline(
                threshold,
                color="#444444",
                linestyle=":",
                linewidth=1,
                label=f"{_t('threshold', lang)} {_short_number(threshold, lang)}",
            )
        years = sorted(pd.unique(data[x]))
        ax.set_xticks(years, [str(v) for v in years])
        ax.set_xlabel(_t("year", lang))
        ax.set_ylabel(ylabel or _t("estimate", lang))
        _number_axis(ax.yaxis, lang)
        _trend_legend(fig, ax, scheme, named)
        if title:
            ax.set_title(title, loc="left", y=1.0)
        _end_labels(fig, ax, ends)
        return _finish(fig)


def _check_highlight(highlight: str | None, group: str | None, keys: list[str | None]) -> str | None:
    """Return ``highlight`` as a group value, or raise :class:`ParameterError` naming the values there are."""
    if highlight is None:
        return None
    if group is None:
        raise ParameterError(
            f"highlight={highlight!r} needs group=…: there is one line only. Hint: pass group='domain' (or the column "
            "that holds the unit codes)."
        )
    if str(highlight) not in keys:
        raise ParameterError(
            f"highlight={highlight!r} is not a value of the {group!r} column; it has {', '.join(map(str, keys))}. "
            "Hint: pass a unit code such as '170', as it appears in the data."
        )
    return str(highlight)


def _trend_style(key: str | None, k: int, scheme: str, *, highlight: str | None, compared: bool) -> dict[str, Any]:
    """The line style of one group, and the style of its end label (``None``: named in the legend only)."""
    if key == _province_code() and compared:
        # The reference: dark and dashed, so it stands out in colour and in grey print, and never reads as a district.
        line = {"color": _PROVINCE_LINE, "linestyle": "--", "linewidth": 2.2, "marker": "s", "markersize": 4}
        end_label = None if scheme == "legend" else {"color": _PROVINCE_LINE, "fontweight": "bold"}
        return {"line": {**line, "zorder": 4}, "end_label": end_label}
    if scheme == "highlight" and key == highlight:
        line = {"color": _HIGHLIGHT_COLOUR, "linewidth": 2.8, "marker": "o", "markersize": 5, "zorder": 5}
        return {"line": line, "end_label": {"color": _HIGHLIGHT_TEXT, "fontweight": "bold"}}
    if scheme == "highlight":
        return {"line": {"color": _OTHER_COLOUR, "linewidth": 1.0, "zorder": 2}, "end_label": None}
    if scheme == "labelled":
        line = {"color": _OTHER_COLOUR, "linewidth": 1.2, "marker": "o", "markersize": 2.5, "zorder": 2}
        return {"line": line, "end_label": {"color": "#555555"}}
    colour = mpl.colors.to_rgb(COLORBLIND[k % MAX_COLOURED])
    line = {"color": colour, "linewidth": 1.5, "marker": _MARKERS[k % len(_MARKERS)], "zorder": 3}
    return {"line": line, "end_label": None}


def _trend_legend(fig: Figure, ax: Axes, scheme: str, named: set[str]) -> None:
    """The legend under the figure; outside the "legend" scheme, without the groups (named at their line ends, or
    grey and summed up by one entry)."""
    handles, labels = ax.get_legend_handles_labels()
    if scheme != "legend":
        kept = [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab not in named]
        handles, labels = [h for h, _ in kept], [lab for _, lab in kept]
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)


def _end_labels(fig: Figure, ax: Axes, ends: list[tuple[float, float, str, dict[str, Any]]]) -> None:
    """Name lines at their last point, right of the axes' data, spread apart so that no two names overlap.

    The figure is laid out first so that the axes' height in points is known: the names are then moved apart by at
    least one line of text, and kept inside the axes' height, in points. The final layout (in :func:`_finish`)
    makes room for them on the right without changing the axes' height.
    """
    if not ends:
        return
    fig.get_layout_engine().execute(fig)
    bottom, top = ax.get_ylim()
    height = ax.get_window_extent().height * 72 / fig.dpi  # points
    scale = height / (top - bottom) if top > bottom else 1.0
    wanted = [(y - bottom) * scale for _, y, _, _ in ends]
    gap = _END_LABEL_SIZE * 1.45  # a line of text with Vietnamese marks above and below
    order = sorted(range(len(ends)), key=lambda i: wanted[i])
    placed = dict.fromkeys(order, 0.0)
    previous = -np.inf
    for i in order:  # upwards: each name at least one line above the one below
        placed[i] = previous = max(wanted[i], previous + gap)
    following = np.inf
    for i in reversed(order):  # then down again, so that the top name stays inside the axes
        placed[i] = following = min(placed[i], following - gap, height - gap / 2)
    for i, (x, y, label, style) in enumerate(ends):
        moved = placed[i] - wanted[i]
        # A name moved away from its line's end is tied back to it by a thin leader.
        leader = {
            "arrowstyle": "-",
            "color": "#9a9a9a",
            "linewidth": 0.6,
            "shrinkA": 1,
            "shrinkB": 2,
            "relpos": (0, 0.5),
        }
        ax.annotate(
            label,
            (x, y),
            xytext=(14, moved),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=_END_LABEL_SIZE,
            annotation_clip=False,
            arrowprops=leader if abs(moved) > gap / 3 else None,
            **style,
        )


def plot_topic_breakdown(
    table: object,
    *,
    indicator: str,
    dimension: str = "topic",
    unit_code: str | None = None,
    lang: str = "vi",
    title: str | None = None,
) -> Figure:
    """Horizontal bars of one indicator broken down by a dimension (topic, field, religion, quarter, …).

    Parameters
    ----------
    table : an :class:`~danvan_analysis.indicators.IndicatorTable` or its ``to_frame()``.
    indicator : the indicator code, e.g. ``"dialogue_count"`` or ``"complaint_resolution"``.
    dimension : the breakdown to show.
    unit_code : the unit (default: the table's scope, or the only unit present).
    lang : ``"vi"`` or ``"en"``.
    title : figure title (default: the indicator's label).
    """
    from danvan_analysis.indicators import category_label

    lang = _check_lang(lang)
    frame = table.to_frame() if hasattr(table, "to_frame") else table
    _require(frame, ["indicator", "unit_code", "dimension", "category", "value", "kind"], "The indicator table")
    scope = unit_code or getattr(table, "scope_code", None) or str(frame["unit_code"].iloc[0])
    rows = frame[(frame["indicator"] == indicator) & (frame["dimension"] == dimension) & (frame["unit_code"] == scope)]
    if rows.empty:
        raise SchemaError(
            f"No {indicator!r} broken down by {dimension!r} for unit {scope!r}; "
            f"dimensions present: {sorted(frame['dimension'].dropna().unique())}."
        )
    kind = str(rows["kind"].iloc[0])
    labels = [category_label(dimension, str(c), lang) for c in rows["category"]]
    values = rows["value"].to_numpy(dtype=float)
    with _drawing():
        fig = _new_figure(height=max(2.0, 0.34 * len(rows) + 1.0))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        ax.barh(y, np.nan_to_num(values), color=_BAR_COLOUR, height=0.65)
        for i, value in enumerate(values):
            _label_bar(ax, 0 if np.isnan(value) else value, i, fmt.format_value(value, kind, lang=lang))  # type: ignore[arg-type]
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel(_t("percent" if kind == "percent" else "count", lang))
        if kind == "percent":
            ax.set_xlim(0, 115)  # room right of a full bar for its label ("100,0 %"), as in plot_index_bars
            ax.set_xticks(range(0, 101, 20))
        else:
            ax.set_xlim(0, max(1.0, float(np.nanmax(values)) if np.isfinite(values).any() else 1.0) * 1.15)
        if kind == "percent":
            ax.xaxis.set_major_formatter(_LocaleFormatter(lang))
        else:
            _number_axis(ax.xaxis, lang, integer=True)
        ax.grid(axis="y", visible=False)
        label_column = "label_vi" if lang == "vi" else "label_en"
        ax.set_title(title or str(rows[label_column].iloc[0]), loc="left", wrap=True, y=1.0)
        return _finish(fig)
