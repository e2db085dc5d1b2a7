"""Number, percent and date formatting for Vietnamese and English reports.

Conventions (TCVN / Vietnamese administrative documents, and the house style of the English reports):

=========  ==================  ==================
           ``lang="vi"``       ``lang="en"``
=========  ==================  ==================
number     ``1.234,5``         ``1,234.5``
count      ``1.234``           ``1,234``
percent    ``82,4 %``          ``82.4%``
date       ``15/03/2023``      ``15 Mar 2023``
p-value    ``0,012``           ``< 0.001``
missing    ``–``               ``–``
=========  ==================  ==================

English dates use "15 Mar 2023" by default because a reader cannot mistake it for 3 May (``style="iso"`` gives
``2023-03-15`` for tables meant for machines). Vietnamese percents carry a space before ``%``, as the decree on
administrative document style writes them (Nghị định 30/2020/NĐ-CP); English ones do not. Rounding is half-up on
the decimal value (82,45 → 82,5), as readers of official figures expect, not Python's round-half-even on the binary
value. Every string returned is NFC. :func:`style_table` output is HTML: every cell, header and caption is escaped.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

from danvan_analysis import vocab
from danvan_analysis.errors import ParameterError
from danvan_analysis.numbers import (
    MISSING,
    Lang,
    decimal_of,
    format_count,
    format_number,
    format_percent,
    is_missing,
)
from danvan_analysis.numbers import check_lang as _check_lang

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Display labels of the columns that results tables share.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "indicator": ("Chỉ tiêu", "Indicator"),
    "label_vi": ("Nội dung", "Description"),
    "label_en": ("Nội dung (tiếng Anh)", "Description"),
    "label": ("Nội dung", "Description"),
    "unit_code": ("Đơn vị", "Unit"),
    "plan_issued": ("Ban hành kế hoạch", "Plan issued"),
    "head_dialogue": ("Người đứng đầu đối thoại với Nhân dân", "Head held a dialogue"),
    "pib_in_place": ("Có Ban Thanh tra nhân dân", "People's Inspection Board"),
    "cisb_in_place": (
        "Có Ban Giám sát đầu tư cộng đồng (xã có dự án)",
        "Investment Supervision Board (communes with projects)",
    ),
    "reports_on_time": ("Gửi báo cáo đúng hạn", "Reports on time"),
    "tasks": ("Nhiệm vụ được giao (mục IV của Kế hoạch)", "Tasks assigned (section IV of the plan)"),
    "satisfied": ("Tỷ lệ hài lòng chung (%)", "Overall satisfied (%)"),
    "satisfied_previous": ("Tỷ lệ hài lòng năm trước (%)", "Satisfied, previous year (%)"),
    "complaints_resolved": ("Tỷ lệ vụ việc đã giải quyết", "Cases resolved"),
    "petitions_received": ("Số đơn thư tiếp nhận", "Petitions received"),
    "unit_name": ("Đơn vị", "Unit"),
    "level": ("Cấp", "Level"),
    "year": ("Năm", "Year"),
    "period": ("Kỳ báo cáo", "Period"),
    "dimension": ("Phân tổ", "Breakdown"),
    "category": ("Nhóm", "Category"),
    "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"),
    "value": ("Giá trị", "Value"),
    "kind": ("Loại", "Kind"),
    "threshold": ("Yêu cầu", "Requirement"),
    "rule": ("Điều kiện", "Rule"),
    "met": ("Đạt", "Met"),
    "target": ("Chỉ tiêu", "Target"),
    "status": ("Kết quả", "Status"),
    "evidence": ("Căn cứ", "Evidence"),
    "domain": ("Địa bàn", "Domain"),
    "variable": ("Biến", "Variable"),
    "estimate": ("Ước lượng (%)", "Estimate (%)"),
    "se": ("Sai số chuẩn", "Standard error"),
    "ci_low": ("Cận dưới KTC 95%", "95% CI low"),
    "ci_high": ("Cận trên KTC 95%", "95% CI high"),
    "n": ("Số người trả lời", "Respondents"),
    "district_code": ("Mã huyện", "District code"),
    "district_name": ("Huyện", "District"),
    "deadline": ("Hạn nộp", "Deadline"),
    "date_received": ("Ngày nhận", "Date received"),
    "days_late": ("Số ngày chậm", "Days late"),
    # Survey results (danvan_analysis.survey): indices, comparisons, changes, models, priorities.
    "by": ("Phân tổ", "Breakdown"),
    "code": ("Mã", "Code"),
    "name_en": ("Tên (tiếng Anh)", "Name"),
    "measure": ("Thước đo", "Measure"),
    "cv": ("Hệ số biến thiên", "Coefficient of variation"),
    "deff": ("Hiệu ứng thiết kế", "Design effect"),
    "n_psu": ("Số xã trong mẫu", "Sampled communes (PSUs)"),
    "estimate_rest": ("Phần còn lại của tỉnh (%)", "Rest of the province (%)"),
    "n_rest": ("Số người trả lời (phần còn lại)", "Respondents (rest of the province)"),
    "difference": ("Chênh lệch (điểm %)", "Difference (points)"),
    "t": ("Thống kê t", "t statistic"),
    "df": ("Bậc tự do", "Degrees of freedom"),
    "p_value": ("Giá trị p", "p-value"),
    "p_holm": ("Giá trị p (Holm)", "p-value (Holm)"),
    "significant": ("Có ý nghĩa thống kê", "Significant"),
    "year_from": ("Từ năm", "From"),
    "year_to": ("Đến năm", "To"),
    "estimate_from": ("Năm trước (%)", "Before (%)"),
    "estimate_to": ("Năm nay (%)", "Now (%)"),
    "n_from": ("Số người trả lời (năm trước)", "Respondents (before)"),
    "n_to": ("Số người trả lời (năm nay)", "Respondents (now)"),
    "change": ("Thay đổi (điểm %)", "Change (points)"),
    "term": ("Số hạng", "Term"),
    "predictor": ("Yếu tố", "Predictor"),
    "reference": ("Nhóm tham chiếu", "Reference group"),
    "coef": ("Hệ số (logit)", "Coefficient (logit)"),
    "odds_ratio": ("Tỷ số chênh", "Odds ratio"),
    "rank": ("Thứ tự", "Rank"),
    "area": ("Lĩnh vực cần cải thiện", "Improvement area"),
    "element": ("Yếu tố", "Element"),
    "priority": ("Tỷ lệ chọn ưu tiên (%)", "Chosen as a priority (%)"),
    "performance": ("Chỉ số yếu tố (%)", "Element index (%)"),
    "quadrant": ("Nhóm ưu tiên", "Quadrant"),
    "overall_index": ("Chỉ số chung (%)", "Overall index (%)"),
    # Report data and published indices.
    "date": ("Ngày", "Date"),
    "topic": ("Lĩnh vực", "Topic"),
    "note": ("Ghi chú", "Note"),
    "index_code": ("Chỉ số", "Index"),
    "score": ("Điểm", "Score"),
    "n_provinces": ("Số tỉnh", "Provinces"),
    "group": ("Nhóm", "Group"),
}

#: How :func:`format_table` renders each kind of column (``pvalue``: three decimals, ``< 0,001`` below;
#: ``ratio``: two decimals, for odds ratios and model coefficients).
ColumnKind = Literal[
    "number", "count", "percent", "fraction", "pvalue", "ratio", "date", "bool", "rule", "text", "code", "unit"
]


#: Columns that hold a closed set's codes: shown by their label in the report's language (never "Y" or "land").
@cache
def code_columns() -> dict[str, type[vocab.Vocab]]:
    """Columns shown by their label: the contract's closed-set columns (the schemas say which) and ``status``;
    ``level`` is left out (in survey results it holds item / element / aspect, not a level of government)."""
    from danvan_analysis.schemas import column_vocabs  # imported when a table is formatted, not with fmt

    return {**{c: v for c, v in column_vocabs().items() if c != "level"}, "status": vocab.Status}


#: Columns that hold a unit's code: shown by the unit's name in the register (never "05551").
UNIT_COLUMNS = ("unit_code", "commune_code", "inspected_unit_code", "inspecting_unit_code")
#: Columns holding a year: shown as ``2023``, never grouped as ``2.023``.
_YEAR_COLUMNS = ("year", "year_from", "year_to")
_RULE_SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def format_date(value: object, *, lang: Lang = "vi", style: Literal["default", "iso"] = "default") -> str:
    """Format a date: ``15/03/2023`` (vi), ``15 Mar 2023`` (en) or ``2023-03-15`` (``style="iso"``).

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(2023, 3, 15))
    '15/03/2023'
    >>> format_date(dt.date(2023, 3, 15), lang="en")
    '15 Mar 2023'
    """
    lang = _check_lang(lang)
    if is_missing(value):
        return MISSING
    try:
        day = pd.Timestamp(value).date()  # type: ignore[arg-type]
    except (TypeError, ValueError) as err:
        raise ParameterError(f"{value!r} is not a date; expected a date, a datetime or an ISO date string.") from err
    if style == "iso":
        return day.isoformat()
    if lang == "vi":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_p_value(value: object, *, lang: Lang = "vi", decimals: int = 3) -> str:
    """Format a p-value with ``decimals`` decimals, or as ``< 0,001`` below the smallest shown value.

    A p-value that rounds to zero is not zero; the APA style writes it ``p < .001``.

    Examples
    --------
    >>> format_p_value(0.0123)
    '0,012'
    >>> format_p_value(0.00002, lang="en")
    '< 0.001'
    """
    lang = _check_lang(lang)
    if is_missing(value):
        return MISSING
    smallest = Decimal(1).scaleb(-decimals)
    if decimal_of(value) < smallest:  # type: ignore[arg-type]
        return f"< {format_number(smallest, lang=lang, decimals=decimals)}"
    return format_number(value, lang=lang, decimals=decimals)


def format_bool(value: object, *, lang: Lang = "vi") -> str:
    """Format a yes/no value: ``Có``/``Không`` (vi), ``Yes``/``No`` (en); missing → :data:`MISSING`."""
    lang = _check_lang(lang)
    if is_missing(value):
        return MISSING
    yes, no = ("Có", "Không") if lang == "vi" else ("Yes", "No")
    return yes if bool(value) else no


def format_value(value: object, kind: str, *, lang: Lang = "vi", decimals: int = 1) -> str:
    """Format an indicator or scorecard value by its kind.

    ``kind`` is ``"percent"`` (a percent 0–100), ``"count"``, ``"rank"`` (whole number), ``"points"`` (score with
    ``decimals``), ``"group"`` (a PAPI group code or position 1–4) or anything else (formatted as a number).
    """
    if kind == "percent":
        return format_percent(value, lang=lang, decimals=decimals, basis="percent")
    if kind in ("count", "rank"):
        return format_count(value, lang=lang)
    if kind == "group":
        return format_papi_group(value, lang=lang)
    return format_number(value, lang=lang, decimals=decimals)


def format_papi_group(value: object, *, lang: Lang = "vi") -> str:
    """Return the label of a PAPI group given as its code or its position (1 = highest … 4 = lowest)."""
    from danvan_analysis.vocab import PapiGroup

    if is_missing(value):
        return MISSING
    codes = PapiGroup.codes()
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        position = int(value)
        if 1 <= position <= len(codes):
            return PapiGroup(codes[position - 1]).label(lang)
    code = PapiGroup.parse(value)
    return PapiGroup(code).label(lang) if code else str(value)


def format_code(value: object, vocabulary: type[vocab.Vocab], *, lang: Lang = "vi") -> str:
    """A closed set's code by its label in ``lang`` (an unknown code is shown as it is)."""
    if is_missing(value):
        return MISSING
    code = vocabulary.parse(value)
    return unicodedata.normalize("NFC", vocabulary(code).label(lang) if code else str(value))


def format_unit(value: object, *, lang: Lang = "vi") -> str:
    """A unit's code by its name in the register (``05551`` → ``Xã …``); an unknown code is shown as it is."""
    from danvan_analysis.errors import UnitError
    from danvan_analysis.units import register

    if is_missing(value):
        return MISSING
    try:
        unit = register().unit(str(value))
    except UnitError:
        return str(value)
    return unicodedata.normalize("NFC", unit.name if lang == "vi" or not unit.name_en else unit.name_en)


def _formatter(kind: ColumnKind, lang: Lang, decimals: int, column: str = "") -> Callable[[object], str]:
    if kind == "code":
        return lambda v: format_code(v, code_columns()[column], lang=lang)
    if kind == "unit":
        return lambda v: format_unit(v, lang=lang)
    if kind == "number":
        return lambda v: format_number(v, lang=lang, decimals=decimals)
    if kind == "count":
        return lambda v: format_count(v, lang=lang)
    if kind == "percent":
        return lambda v: format_percent(v, lang=lang, decimals=decimals, basis="percent")
    if kind == "fraction":
        return lambda v: format_percent(v, lang=lang, decimals=decimals)
    if kind == "pvalue":
        return lambda v: format_p_value(v, lang=lang)
    if kind == "ratio":
        return lambda v: format_number(v, lang=lang, decimals=2)
    if kind == "date":
        return lambda v: format_date(v, lang=lang)
    if kind == "bool":
        return lambda v: format_bool(v, lang=lang)
    if kind == "rule":
        return lambda v: MISSING if is_missing(v) else _RULE_SYMBOLS.get(str(v), str(v))
    return lambda v: MISSING if is_missing(v) else unicodedata.normalize("NFC", str(v))


def guess_kinds(frame: pd.DataFrame) -> dict[str, ColumnKind]:
    """Guess how to render each column of a results table from its name and dtype.

    Percent-valued columns of our results (``estimate``, ``ci_low``, ``ci_high``, ``se``) are percents, except in a
    model table (one with ``odds_ratio``), where they are ratios like ``odds_ratio``, ``coef``, ``t`` and ``deff``
    (two decimals), and in a comparison (one with ``difference`` or ``change``), where the interval and SE are in
    points (numbers); ``cv`` is a fraction shown as a percent; integer
    columns and ``numerator``/``denominator``/``n`` are counts; ``p_value``/``p_holm`` are p-values; years are text
    (``2023``); datetimes are dates; booleans are yes/no. A ``value`` column next to a ``kind`` column is rendered
    row by row (see :func:`format_table`).
    """
    # In a model table the interval is the odds ratio's and the SE the coefficient's: ratios, not percents. In a
    # comparison they belong to the difference, in percentage points.
    model = "odds_ratio" in frame.columns
    points = not model and ("difference" in frame.columns or "change" in frame.columns)
    kinds: dict[str, ColumnKind] = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if column in ("odds_ratio", "coef", "t", "deff") or (model and column in ("ci_low", "ci_high", "se")):
            kinds[column] = "ratio"
        elif column == "cv":
            kinds[column] = "fraction"  # the survey module's CV is a fraction: 0.052 → 5,2 %
        elif points and column in ("ci_low", "ci_high", "se"):
            kinds[column] = "number"
        elif column in ("estimate", "ci_low", "ci_high", "se", "complaints_resolved") or column.startswith("satisfied"):
            kinds[column] = "percent"
        elif column in ("numerator", "denominator", "n", "rank", "days_late", "petitions_received"):
            kinds[column] = "count"
        elif column in ("p_value", "p_holm"):
            kinds[column] = "pvalue"
        elif column in _YEAR_COLUMNS:
            kinds[column] = "text"  # 2023, not 2.023
        elif column == "rule":
            kinds[column] = "rule"
        elif column in code_columns() and not pd.api.types.is_numeric_dtype(dtype):
            kinds[column] = "code"
        elif column in UNIT_COLUMNS:
            kinds[column] = "unit"
        elif pd.api.types.is_bool_dtype(dtype):
            kinds[column] = "bool"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kinds[column] = "date"
        elif pd.api.types.is_integer_dtype(dtype):
            kinds[column] = "count"
        elif pd.api.types.is_float_dtype(dtype):
            kinds[column] = "number"
        else:
            kinds[column] = "text"
    return kinds


def format_table(
    frame: pd.DataFrame,
    *,
    lang: Lang = "vi",
    kinds: Mapping[str, ColumnKind] | None = None,
    decimals: int = 1,
    rename: bool = True,
) -> pd.DataFrame:
    """Return a copy of a tidy table with every cell rendered as text in ``lang``.

    Parameters
    ----------
    frame : a tidy results table (indicators, scorecard, estimates, …).
    lang : ``"vi"`` or ``"en"``.
    kinds : column → kind, overriding :func:`guess_kinds`.
    decimals : digits after the decimal separator for numbers and percents.
    rename : replace column names by their labels in :data:`COLUMN_LABELS`.

    Notes
    -----
    When the table has ``value`` and ``kind`` columns (an indicator table), ``value`` and ``threshold`` are
    rendered per row: percents as ``82,4 %``, counts as ``1.234``.
    """
    lang = _check_lang(lang)
    chosen = {**guess_kinds(frame), **(kinds or {})}
    texts: list[list[str]] = []
    for column in frame.columns:
        if column in ("value", "threshold") and "kind" in frame.columns and column not in (kinds or {}):
            texts.append(
                [
                    format_value(v, k, lang=lang, decimals=decimals)
                    for v, k in zip(frame[column], frame["kind"], strict=True)
                ]
            )
        else:
            render = _formatter(chosen[column], lang, decimals, column)
            texts.append([render(v) for v in frame[column]])
    out = pd.DataFrame(dict(enumerate(texts)), index=frame.index)  # one frame, not one insert per column
    labels = _table_labels(frame, lang) if rename else {}
    out.columns = [labels.get(c, c) for c in frame.columns]
    return out


#: Labels that depend on the table: in a model table (one with ``odds_ratio``), ``level`` is a predictor's category.
_MODEL_LABELS: dict[str, tuple[str, str]] = {"level": ("Nhóm", "Category")}


def _table_labels(frame: pd.DataFrame, lang: Lang) -> dict[str, str]:
    """Return column → display label for ``frame`` (with the labels that depend on the kind of table)."""
    special = _MODEL_LABELS if "odds_ratio" in frame.columns else {}
    index = 0 if lang == "vi" else 1
    return {c: special[c][index] if c in special else column_label(str(c), lang=lang) for c in frame.columns}


def column_label(column: str, *, lang: Lang = "vi") -> str:
    """Return the display label of a results column (the column name itself when it has none)."""
    lang = _check_lang(lang)
    vi, en = COLUMN_LABELS.get(column, (column, column))
    return vi if lang == "vi" else en


def style_table(
    frame: pd.DataFrame,
    *,
    lang: Lang = "vi",
    kinds: Mapping[str, ColumnKind] | None = None,
    decimals: int = 1,
    caption: str | None = None,
) -> Styler:
    """Return a pandas Styler that shows a tidy table in ``lang`` (formatted cells, translated headers).

    The underlying values stay numeric, so sorting and conditional styles still work; only their display changes.
    The display is HTML: every cell, header and the caption are HTML-escaped, so text from the data (a dialogue
    note ``<script>…</script>``) shows as text in JupyterLab and in an exported report.

    Parameters
    ----------
    frame : a tidy results table (its index is not shown).
    lang : ``"vi"`` or ``"en"``.
    kinds : column → kind, overriding :func:`guess_kinds`.
    decimals : digits after the decimal separator.
    caption : an optional caption.

    Notes
    -----
    The escaping is applied to the formatted text. ``Styler.format(escape="html")`` would not do: pandas escapes a
    cell's value *before* passing it to a formatter function, so a formatter would see ``&gt;=`` instead of ``>=``
    (and show it unconverted), and a formatter that builds text would not be escaped at all.
    """
    lang = _check_lang(lang)
    frame = frame.reset_index(drop=True)
    chosen = {**guess_kinds(frame), **(kinds or {})}
    per_row = [
        c for c in ("value", "threshold") if c in frame.columns and "kind" in frame.columns and c not in (kinds or {})
    ]
    # A content-derived id keeps exported HTML identical between runs (pandas would pick a random one).
    styler = frame.style.set_uuid(f"t{pd.util.hash_pandas_object(frame.astype(str), index=False).sum() % 10**10:010d}")
    for column in frame.columns:
        if column not in per_row:
            styler = styler.format(_escaped(_formatter(chosen[column], lang, decimals)), subset=[column])
    # An indicator table mixes percents and counts in one column: format each kind's rows separately.
    for kind in frame["kind"].dropna().unique() if per_row else ():
        rows = frame.index[frame["kind"] == kind]
        styler = styler.format(
            _escaped(lambda v, _k=kind: format_value(v, _k, lang=lang, decimals=decimals)), subset=(rows, per_row)
        )
    labels = _table_labels(frame, lang)
    styler = styler.format_index(_escaped(lambda c: labels.get(c, str(c))), axis=1).hide(axis="index")
    if caption:
        styler = styler.set_caption(html.escape(unicodedata.normalize("NFC", caption)))
    return styler


def _escaped(render: Callable[[object], str]) -> Callable[[object], str]:
    """Wrap a formatter so that its text is HTML-escaped (``<`` → ``&lt;``, quotes too, for attribute safety)."""
    return lambda value: html.escape(render(value), quote=True)


def is_nfc(text: str) -> bool:
    """Whether ``text`` is in Unicode NFC (every string this module returns is)."""
    return unicodedata.is_normalized("NFC", text)
