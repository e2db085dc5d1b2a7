"""Display helpers for the report notebooks: headings, escaped text and tables, headline figures.

These functions assemble and display results that other modules computed; they never compute a figure. Every
string that may come from data (unit names, notes, free text) is HTML-escaped here, so ``<script>`` typed into a
data file shows as text in JupyterLab and in the exported HTML.

Headings carry their anchor in the output metadata so the exported page gets a table of contents
(:func:`danvan_analysis.reports.export.collect_toc`); the section titles live in :data:`SECTION_TITLES` in both
report languages.

Every helper also puts a structured block (:data:`~danvan_analysis.reports.export.BLOCK_MIME`) in the same display
bundle as its HTML: a heading, a paragraph, a table with its raw values, display strings, column kinds and the
reason of every withheld cell, a figure beside its PNG, and once per report the report's facts (unit, period,
issuer, demo). The Word, Excel and PDF copies are written from these blocks outside the kernel
(:mod:`danvan_analysis.batch.formats`); the HTML exporter ignores them, so the page is the same as without them.
Block values are JSON: numbers as numbers, dates as ISO text, ``null`` for a missing or withheld value.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from danvan_analysis.reports.export import BLOCK_MIME, HEADING_META, HEADLINE_MIME

if TYPE_CHECKING:
    import pandas as pd

#: Section titles of the reports (key → language → title).
SECTION_TITLES: dict[str, dict[str, str]] = {
    "summary": {"vi": "Tóm tắt kết quả thực hiện các chỉ tiêu", "en": "Summary of the targets"},
    "satisfaction": {"vi": "Mức độ hài lòng của người dân", "en": "Citizen satisfaction"},
    "sat_indices": {"vi": "Các chỉ số hài lòng", "en": "Satisfaction indices"},
    "sat_elements": {"vi": "Chỉ số theo yếu tố", "en": "Indices by element"},
    "sat_items": {"vi": "Chỉ số theo tiêu chí", "en": "Indices by item"},
    "sat_compare": {"vi": "So sánh với toàn tỉnh", "en": "Comparison with the province"},
    "sat_trend": {"vi": "Xu hướng qua các năm", "en": "Trend over the years"},
    "sat_determinants": {"vi": "Các yếu tố liên quan đến sự hài lòng", "en": "Determinants of satisfaction"},
    "priorities": {"vi": "Ưu tiên cải thiện", "en": "Improvement priorities"},
    "dialogues": {"vi": "Đối thoại trực tiếp với Nhân dân", "en": "Direct dialogues with citizens"},
    "religion": {"vi": "Công tác tôn giáo", "en": "Religious outreach"},
    "complaints": {"vi": "Tiếp công dân, giải quyết khiếu nại, tố cáo", "en": "Citizen reception and complaints"},
    "democracy": {"vi": "Thực hiện dân chủ ở cơ sở", "en": "Grassroots democracy"},
    "boards": {
        "vi": "Ban Thanh tra nhân dân, Ban Giám sát đầu tư cộng đồng",
        "en": "Inspection and supervision boards",
    },
    "plans": {"vi": "Ban hành kế hoạch", "en": "Plans issued"},
    "inspections": {"vi": "Kiểm tra", "en": "Inspections"},
    "reporting": {"vi": "Chế độ báo cáo", "en": "Reporting compliance"},
    "recommendations": {"vi": "Kiến nghị", "en": "Recommendations"},
    "remaining": {"vi": "Còn phải làm đến cuối năm", "en": "Still to do by the end of the year"},
    "communes": {"vi": "Kết quả theo xã, phường, thị trấn", "en": "Commune by commune"},
    "agencies": {"vi": "Các cơ quan cấp tỉnh", "en": "Provincial agencies"},
    "tasks": {"vi": "Nhiệm vụ được giao tại Kế hoạch", "en": "Tasks the plan assigns"},
    "appendix": {"vi": "Phụ lục: chất lượng dữ liệu và phương pháp", "en": "Appendix: data quality and method"},
    "data_quality": {"vi": "Cảnh báo khi kiểm tra dữ liệu", "en": "Validation warnings"},
    "responses": {"vi": "Số phiếu khảo sát", "en": "Survey responses"},
    "caveats": {"vi": "Lưu ý", "en": "Caveats"},
    "method": {"vi": "Phương pháp", "en": "Method"},
    "ranking": {"vi": "Xếp hạng các huyện", "en": "District ranking"},
    "heatmap": {"vi": "Kết quả theo huyện và chỉ tiêu", "en": "Targets by district"},
    "indices_tracker": {"vi": "Theo dõi các chỉ số công bố", "en": "Published-index tracker"},
    "district_reports": {"vi": "Báo cáo của từng huyện", "en": "District reports"},
}


def section_title(key: str, lang: str) -> str:
    """Return the title of section ``key`` in ``lang``."""
    return SECTION_TITLES[key][lang]


def heading(text_or_key: str, *, lang: str = "vi", level: int = 2, anchor: str | None = None) -> Any:
    """Return a displayable heading (``<h2 id=…>``) recorded for the table of contents.

    Parameters
    ----------
    text_or_key : a key of :data:`SECTION_TITLES`, or the heading text itself (escaped).
    lang : language of the title when a key is given.
    level : 1 (report title, not in the table of contents), 2 or 3.
    anchor : id of the heading; default ``s-<key>`` for keys. Only ``[a-z0-9-]`` are kept.
    """
    key = text_or_key if text_or_key in SECTION_TITLES else None
    if key is not None:
        text = SECTION_TITLES[key][lang]
        anchor = anchor or f"s-{key.replace('_', '-')}"
    else:
        text = text_or_key
    anchor = "".join(ch for ch in (anchor or _slug(text)) if ch.isascii() and (ch.isalnum() or ch == "-")).lower()
    markup = f'<h{level} id="{anchor}">{html.escape(text)}</h{level}>'
    block = {"type": "heading", "level": level, "text": _nfc(text), "id": anchor, "section": key}
    return shown_html(markup, block, metadata={HEADING_META: {"level": level, "id": anchor, "text": text}})


def text(content: str, *, css_class: str | None = None) -> Any:
    """Return a displayable paragraph of plain text (escaped; line breaks kept)."""
    klass = f' class="{html.escape(css_class)}"' if css_class else ""
    body = "<br>".join(html.escape(line) for line in str(content).splitlines())
    block = {"type": "paragraph", "text": _nfc(str(content)), "style": css_class}
    return shown_html(f"<p{klass}>{body}</p>", block)


def bullets(items: list[str], *, css_class: str | None = None) -> Any:
    """Return a displayable bulleted list of plain-text items (escaped)."""
    klass = f' class="{html.escape(css_class)}"' if css_class else ""
    rows = "".join(f"<li>{html.escape(str(item))}</li>" for item in items)
    block = {"type": "bullets", "items": [_nfc(str(item)) for item in items], "style": css_class}
    return shown_html(f"<ul{klass}>{rows}</ul>", block)


def table(
    frame: pd.DataFrame, *, caption: str | None = None, index: bool = False, block: dict[str, Any] | None = None
) -> Any:
    """Return a displayable table; every cell and header is HTML-escaped, missing values show as ``–``.

    ``block`` is the table's structured block (:func:`table_of` builds one with raw values); without it the block
    holds the cells as shown, as text.
    """
    markup = frame.to_html(index=index, escape=True, na_rep="–", border=0, classes="data")
    if caption:
        markup = markup.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    if block is None:
        shown = frame.reset_index() if index else frame
        block = text_table_block(shown)
    if caption:
        block = {**block, "caption": _nfc(caption)}
    return shown_html(markup, block)


def headline(figures: Mapping[str, str]) -> Any:
    """Return a displayable row of headline boxes (label → already formatted value), escaped."""
    boxes = "".join(
        f"<div>{html.escape(str(label))}<b>{html.escape(str(value))}</b></div>" for label, value in figures.items()
    )
    block = {"type": "headline", "items": [[_nfc(str(k)), _nfc(str(v))] for k, v in figures.items()]}
    return shown_html(f'<div class="headline">{boxes}</div>', block)


def verdicts(summary: Mapping[str, int], *, lang: str, interim: bool = False) -> Any:
    """Return the met / not met / no data counts as coloured boxes, each with its text label (never colour alone);
    ``interim`` (a period report) names "not met" "not yet met"."""
    from danvan_analysis import vocab

    total = sum(summary.values())
    labels = {s.value: s.label(lang) for s in vocab.Status}
    if interim:
        labels[vocab.Status.NOT_MET.value] = "Chưa đạt" if lang == "vi" else "Not yet met"
    boxes = "".join(
        f'<div class="verdict status-{code}">{html.escape(labels[code])}<b>{summary.get(code, 0)}/{total}</b></div>'
        for code in (vocab.Status.MET.value, vocab.Status.NOT_MET.value, vocab.Status.NO_DATA.value)
    )
    codes = (vocab.Status.MET.value, vocab.Status.NOT_MET.value, vocab.Status.NO_DATA.value)
    block = {
        "type": "verdicts",
        "counts": {code: int(summary.get(code, 0)) for code in codes},
        "labels": {code: _nfc(labels[code]) for code in codes},
    }
    return shown_html(f'<div class="headline verdicts">{boxes}</div>', block)


def record_headline(**figures: Any) -> None:
    """Record headline figures for the batch index page (not shown in the report).

    The values must be JSON-serialisable (numbers, text, ``None``); the runner reads them from the executed
    notebook (:func:`danvan_analysis.reports.export.read_headline`), like scrapbook's ``glue``.
    """
    from IPython.display import display

    # An empty text/plain beside the data: JupyterLab then shows nothing instead of "no renderer".
    display({HEADLINE_MIME: figures, "text/plain": ""}, raw=True)


def _slug(value: str) -> str:
    from danvan_analysis.text import fold

    return "s-" + fold(value).replace(" ", "-")


# -- report sections ----------------------------------------------------------------------------------------------
# Each show_* function displays one section of a report from a view (danvan_analysis.reports.views): tables are
# formatted by danvan_analysis.fmt and escaped, figures come from danvan_analysis.plots, sentences from
# danvan_analysis.narrative. They select and arrange results; they never compute one.

_WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "district_title": "Báo cáo đánh giá công tác dân vận chính quyền năm {year}: {unit}",
        "province_title": "Báo cáo đánh giá công tác dân vận chính quyền năm {year}: toàn tỉnh Thái Nguyên",
        "targets_met": "Chỉ tiêu đạt",
        "demo_banner": "DỮ LIỆU MINH HỌA — các số liệu trong báo cáo này do chương trình tạo ngẫu nhiên, không phải số liệu thật của bất kỳ đơn vị nào.",
        "subtitle": "Kỳ báo cáo: {period} {year} (hạn gửi Sở Nội vụ: {deadline}) · Nguồn số liệu: {source} · Lập ngày {today}",
        "source_demo": "dữ liệu minh họa ({folder})",
        "demo_mark": "DỮ LIỆU MINH HỌA — không phải số liệu thật",
        "satisfaction": "Mức độ hài lòng chung",
        "ci": "KTC 95 %",
        "no_model": "Không ước lượng được mô hình các yếu tố trên số liệu khảo sát năm này (quá ít người trả lời, hoặc các nhóm không đủ khác biệt); phần này được bỏ qua.",
        "model_scope": "Mô hình hồi quy logistic có trọng số, ước lượng trên toàn tỉnh với một hệ số cho mỗi huyện: một huyện chỉ có 4–11 xã trong mẫu, không đủ để ước lượng riêng; các yếu tố dưới đây là chung cho toàn tỉnh.",
        "model_note": "Tỷ số chênh (odds ratio) > 1: nhóm này có khả năng hài lòng cao hơn nhóm tham chiếu.",
        "not_significant": "Không có khác biệt có ý nghĩa thống kê với phần còn lại của tỉnh (sau hiệu chỉnh Holm).",
        "no_theme_data": "Chưa có số liệu năm {year}; các chỉ tiêu đọc từ nội dung này được ghi “Chưa đủ dữ liệu”.",
        "no_survey_in_period": "Khảo sát sự hài lòng được thực hiện theo năm: báo cáo kỳ này chỉ dùng số liệu báo cáo; kết quả khảo sát có trong báo cáo năm.",
        "remaining": "Còn phải làm đến cuối năm",
        "agency_title": "Báo cáo đánh giá công tác dân vận chính quyền năm {year}: {unit}",
        "recomputed": "Năm trước: số liệu năm {year} của mỗi xã được tính lại theo địa giới năm {to} (các xã sáp nhập theo NQ 1240/NQ-UBTVQH15 từ ngày 01/12/2024 được gộp: người trả lời của các xã cũ tính chung, nên tỷ lệ được tính lại theo quyền số); xã sáp nhập mà mẫu năm {year} chỉ có một phần thì không có số liệu (không so sánh được). Được tính lại: {listed}.",
        "none": "không có xã nào trong huyện này",
        "commune_note": "Tỷ lệ hài lòng chung của xã có trong mẫu khảo sát (thôn, tổ dân phố là đơn vị mẫu); xã có dưới {n} người trả lời không được công bố; “–”: xã không có trong mẫu hoặc không thuộc diện.",
        "agencies_note": "Chỉ tiêu 1 và 4a đối với các sở, ban, ngành và đơn vị trực thuộc UBND tỉnh; chế độ báo cáo; nhiệm vụ được giao tại mục IV của Kế hoạch.",
        "nothing_remaining": "Các chỉ tiêu đo được đều đã đạt tại thời điểm báo cáo.",
        "subtitle_year": "Đánh giá cả năm {year} · Nguồn số liệu: {source} · Lập ngày {today}",
        "subtitle_period": "Kỳ báo cáo: {period} {year} (hạn gửi Sở Nội vụ: {deadline}; số liệu tính đến {end}) · Nguồn số liệu: {source} · Lập ngày {today}",
        "no_previous": "Chưa có số liệu năm trước để so sánh.",
        "no_recommendation": "Tất cả các chỉ tiêu đo được đều đạt; không có kiến nghị bổ sung.",
        "no_warnings": "Không có cảnh báo khi kiểm tra dữ liệu.",
        "notes": "Ghi chú của các cuộc đối thoại",
        "respondents": "Số người trả lời khảo sát năm {year}: {n} (toàn tỉnh: {total}).",
        "method": (
            "Chỉ số hài lòng theo phương pháp SIPAS: tỷ lệ có trọng số người trả lời ở mức 4–5 trên thang 5 (không "
            "tính 'không biết' và để trống); chỉ số yếu tố, lĩnh vực và chung là trung bình cộng của các thành phần. "
            "Sai số chuẩn và khoảng tin cậy 95 % theo thiết kế mẫu phân tầng nhiều giai đoạn (tầng = huyện, đơn vị "
            "mẫu bậc 1 = xã), tính bằng tuyến tính hóa Taylor; huyện là miền con của toàn bộ thiết kế. Ô có ít hơn "
            "{threshold} người trả lời không được công bố. Các chỉ tiêu từ số liệu báo cáo tính trên danh mục đơn vị "
            "hành chính năm 2023: đơn vị không có số liệu được tính là chưa thực hiện."
        ),
        "links": "Báo cáo chi tiết của từng huyện, thành phố:",
    },
    "en": {
        "district_title": "Evaluation of mass-mobilisation work in {year}: {unit}",
        "province_title": "Evaluation of mass-mobilisation work in {year}: Thái Nguyên province",
        "targets_met": "Targets met",
        "demo_banner": "DEMONSTRATION DATA — the figures in this report were made up by the program; they are not the real figures of any unit.",
        "subtitle": "Reporting period: {period} {year} (due at the Department of Home Affairs: {deadline}) · Data: {source} · Produced {today}",
        "source_demo": "demonstration data ({folder})",
        "demo_mark": "DEMONSTRATION DATA — not real figures",
        "satisfaction": "Overall satisfaction",
        "ci": "95% CI",
        "no_model": "The factors model could not be estimated on this year's survey (too few respondents, or groups that do not differ); this part is left out.",
        "model_scope": "A survey-weighted logistic model fitted on the whole province with a term per district: a district has only 4–11 sampled communes, too few for a model of its own; the factors below are province-wide.",
        "model_note": "An odds ratio above 1: this group is more likely to be satisfied than the reference group.",
        "not_significant": "No statistically significant difference with the rest of the province (Holm-adjusted).",
        "no_theme_data": "No data for {year}; the targets read from this theme are marked “Insufficient data”.",
        "no_survey_in_period": "The satisfaction survey is annual: this period's report uses report data only; the survey results are in the annual report.",
        "remaining": "Still to do by the end of the year",
        "agency_title": "Evaluation of mass-mobilisation work in {year}: {unit}",
        "recomputed": "Previous year: each commune's figure of {year} is recomputed on the map of {to} (communes merged by NQ 1240/NQ-UBTVQH15 from 01/12/2024 combined: their respondents taken together, so shares are re-weighted); a merged commune of which the {year} sample held only part has no figure (not comparable). Recomputed: {listed}.",
        "none": "none in this district",
        "commune_note": "Overall satisfaction of the communes in the survey sample (villages as sampling units); communes with fewer than {n} respondents are not shown; “–”: not in the sample or not concerned.",
        "agencies_note": "Targets 1 and 4a for the provincial departments and agencies; reporting; the tasks section IV of the plan gives them.",
        "nothing_remaining": "Every measured target is met at the reporting date.",
        "subtitle_year": "Evaluation of the whole year {year} · Data: {source} · Produced {today}",
        "subtitle_period": "Reporting period: {period} {year} (due at the Department of Home Affairs: {deadline}; data up to {end}) · Data: {source} · Produced {today}",
        "no_previous": "No previous year to compare with.",
        "no_recommendation": "Every measured target is met; no further recommendation.",
        "no_warnings": "No validation warnings.",
        "notes": "Notes of the dialogues",
        "respondents": "Survey respondents in {year}: {n} (province: {total}).",
        "method": (
            "SIPAS-style satisfaction index: the weighted share of respondents answering 4-5 on the 5-point scale "
            "('don't know' and missing excluded); element, aspect and overall indices are unweighted means of their "
            "parts. Standard errors and 95% confidence intervals follow the stratified multi-stage design (stratum = "
            "district, primary sampling unit = commune) by Taylor linearisation; a district is a domain of the whole "
            "design. Cells from fewer than {threshold} respondents are suppressed. Report-data indicators use the "
            "2023 register of units: a unit without data counts as not done."
        ),
        "links": "Detailed report of each district:",
    },
}


def show_district_title(view: Any) -> None:
    """Title, headline boxes, and the headline figures recorded for the index page."""
    from danvan_analysis import fmt
    from danvan_analysis.reports.views import headline_figures

    lang, words = view.lang, _WORDS[view.lang]
    title = words["district_title"].format(year=view.params.year, unit=view.unit.name)
    _show_title(view, title, headline_figures(view), lang, words, fmt)


def show_province_title(view: Any) -> None:
    """Title and headline boxes of the province report."""
    from danvan_analysis import fmt
    from danvan_analysis.reports.views import headline_figures

    words = _WORDS[view.lang]
    _show_title(
        view, words["province_title"].format(year=view.params.year), headline_figures(view), view.lang, words, fmt
    )


def show_summary(view: Any) -> None:
    """The scorecard table and one sentence per target."""
    from IPython.display import display

    from danvan_analysis import narrative

    display(heading("summary", lang=view.lang))
    display(_scorecard_table(view.scorecard, view.lang, narrative, previous=view.previous))
    display(bullets(narrative.describe_scorecard(view.scorecard, lang=view.lang)))


def show_satisfaction(view: Any) -> None:
    """Indices with CIs, elements, items, comparison with the province, trend, determinants, priorities."""
    from IPython.display import display

    from danvan_analysis import disclosure, plots
    from danvan_analysis.reports.views import has_survey
    from danvan_analysis.units import province_code

    lang, code, year = view.lang, view.unit.code, view.params.year
    if not has_survey(view.params):
        display(heading("satisfaction", lang=lang))
        display(text(_WORDS[lang]["no_survey_in_period"], css_class="note"))
        return
    rule = disclosure.DisclosureSettings(min_n=view.params.suppression_threshold)
    table = view.satisfaction
    mine = disclosure.suppress_small_cells(table[(table["year"] == year) & (table["domain"] == code)], settings=rule)
    display(heading("satisfaction", lang=lang))
    display(heading("sat_indices", lang=lang, level=3))
    headline_rows = mine[mine["level"].isin(["overall", "aspect"])]
    display(table_of(headline_rows, lang, ["label", "estimate", "ci_low", "ci_high", "n"], source="survey"))
    display(heading("sat_elements", lang=lang, level=3))
    elements = mine[mine["level"] == "element"]
    _show_figure(
        plots.plot_index_bars(elements, lang=lang, threshold=view.satisfaction_threshold),
        section_title("sat_elements", lang),
    )
    display(heading("sat_items", lang=lang, level=3))
    columns = ["variable", "label", "estimate", "ci_low", "ci_high", "n"]
    display(table_of(mine[mine["level"] == "item"], lang, columns, source="survey"))
    display(heading("sat_compare", lang=lang, level=3))
    from danvan_analysis.reports.views import published_comparison

    comparison = published_comparison(view.shared.comparison.to_frame(), min_n=view.params.suppression_threshold)
    comparison = comparison[(comparison["district_code"] == code) & (comparison["measure"] == "share")]
    columns = ["label", "estimate", "estimate_rest", "difference", "ci_low", "ci_high", "p_holm"]
    display(table_of(comparison.rename(columns={"code": "variable"}), lang, columns, source="survey"))
    if not comparison["significant"].any():
        display(text(_WORDS[lang]["not_significant"], css_class="note"))
    overall = table[(table["year"] == year) & (table["variable"] == "overall")]
    _show_figure(plots.plot_district_ranking(overall, lang=lang, highlight=code), section_title("ranking", lang))
    display(heading("sat_trend", lang=lang, level=3))
    trend = table[table["domain"].isin([code, province_code()]) & (table["variable"] == "overall")]
    _show_figure(
        plots.plot_trends(trend, group="domain", lang=lang, threshold=view.satisfaction_threshold, highlight=code),
        section_title("sat_trend", lang),
    )
    _show_change(view, code)
    display(heading("sat_determinants", lang=lang, level=3))
    if isinstance(view.model, str):
        display(text(_WORDS[lang]["no_model"], css_class="note"))
    else:
        from danvan_analysis import narrative

        display(text(_WORDS[lang]["model_scope"], css_class="note"))
        columns = ["predictor", "level", "reference", "odds_ratio", "ci_low", "ci_high", "p_value"]
        display(table_of(narrative.model_frame(view.model, lang=lang), lang, columns, source="survey"))
        display(text(narrative.describe_district_effect(view.model, code, lang=lang)))
        display(text(_WORDS[lang]["model_note"], css_class="note"))
    display(heading("priorities", lang=lang, level=3))
    shares = view.priorities.to_frame()
    shares = disclosure.suppress_small_cells(shares[shares["district_code"] == code], settings=rule)
    columns = ["rank", "label", "estimate", "ci_low", "ci_high", "n"]
    display(table_of(shares.sort_values("rank"), lang, columns, source="survey"))


#: Report-data theme → its section key in SECTION_TITLES.
_THEME_SECTION = {"submissions": "reporting"}


def show_theme(view: Any, theme: str, *, breakdown: str | None = None, dimension: str = "topic") -> None:
    """A report-data theme: its headline indicators, optionally a breakdown chart (``breakdown`` by ``dimension``)."""
    from IPython.display import display

    from danvan_analysis import plots

    lang = view.lang
    table = view.indicators[theme]
    key = _THEME_SECTION.get(theme, theme)
    display(heading(key, lang=lang, level=3 if theme in ("boards", "plans", "inspections") else 2))
    if table is None:
        display(text(_WORDS[lang]["no_theme_data"].format(year=view.params.year), css_class="note"))
        return
    frame = table.to_frame()
    main = frame[frame["dimension"].isna()] if "dimension" in frame.columns else frame
    columns = ["label", "period", "numerator", "denominator", "value", "threshold", "met"]
    display(table_of(main, lang, columns, source=theme))
    if breakdown is not None:
        figure = plots.plot_topic_breakdown(table, indicator=breakdown, dimension=dimension, lang=lang)
        _show_figure(figure, section_title(key, lang))
    if theme == "dialogues":
        notes = view.shared.bundle.dialogues
        notes = notes[(notes["year"] == view.params.year) & (notes["district_code"] == view.unit.code)]
        notes = notes[notes["note"].notna() & (notes["note"].astype(str).str.len() > 0)]
        if len(notes):
            display(heading(_WORDS[lang]["notes"], level=3, anchor="s-dialogue-notes"))
            display(table_of(notes, lang, ["date", "unit_code", "topic", "note"], source="dialogues"))


def show_democracy(view: Any) -> None:
    """Grassroots democracy: boards, plans and inspections; then commune by commune (district report)."""
    from IPython.display import display

    display(heading("democracy", lang=view.lang))
    for theme in ("boards", "plans", "inspections"):
        show_theme(view, theme)
    if getattr(view, "communes", None) is not None:
        display(heading("communes", lang=view.lang, level=3))
        columns = [
            "unit_name", "plan_issued", "head_dialogue", "pib_in_place", "cisb_in_place",
            "petitions_received", "complaints_resolved", "satisfied", "n",
        ]  # fmt: skip
        if "satisfied_previous" in view.communes.columns:  # the previous year on another map (2023 beside 2024)
            columns.insert(columns.index("satisfied"), "satisfied_previous")
        display(table_of(view.communes, view.lang, columns, source="communes"))
        if "satisfied" in view.communes.columns:
            display(
                text(_WORDS[view.lang]["commune_note"].format(n=view.params.suppression_threshold), css_class="note")
            )
        if "recomputed_from" in view.communes.columns:
            display(text(_recomputed_note(view), css_class="note"))


def _recomputed_note(view: Any) -> str:
    """Which communes' previous-year figures were recomputed onto this year's map (NQ 1240's merged communes)."""
    from danvan_analysis.registers import register_for

    old = register_for(view.params.year - 1, lang=view.lang)
    rows = view.communes[view.communes["recomputed_from"] != ""]
    listed = "; ".join(
        f"{row.unit_name} = {' + '.join(old.unit(c).name for c in row.recomputed_from.split(';'))}"
        for row in rows.itertuples()
    )
    words = _WORDS[view.lang]
    return words["recomputed"].format(year=view.params.year - 1, to=view.params.year, listed=listed or words["none"])


def show_agencies(view: Any) -> None:
    """Province report: each provincial agency's plan, People's Inspection Board, reports and section IV tasks."""
    from IPython.display import display

    if getattr(view, "agencies", None) is None:
        return
    display(heading("agencies", lang=view.lang))
    display(text(_WORDS[view.lang]["agencies_note"], css_class="note"))
    columns = ["unit_name", "plan_issued", "pib_in_place", "reports_on_time", "tasks"]
    display(table_of(view.agencies, view.lang, columns, source="agencies"))


def show_agency_title(view: Any) -> None:
    """Title of an agency's report, with the same first screen as the others."""
    from danvan_analysis import fmt, vocab

    lang, words = view.lang, _WORDS[view.lang]
    title = words["agency_title"].format(
        year=view.params.year, unit=view.unit.name if lang == "vi" else view.unit.name_en
    )
    status = {True: vocab.Status.MET.value, False: vocab.Status.NOT_MET.value, None: vocab.Status.NO_DATA.value}
    counts = {s.value: 0 for s in vocab.Status}
    for value in view.results.values():
        counts[status[value]] += 1
    _show_first_screen(view, title, counts, lang, words, fmt)
    record_headline(
        targets_met=counts[vocab.Status.MET.value],
        targets_total=sum(counts.values()),
        satisfaction=None,
        satisfaction_low=None,
        satisfaction_high=None,
    )


def show_agency_results(view: Any) -> None:
    """The plan's targets that concern an agency, with its verdict on each, and its section IV tasks."""
    import pandas as pd
    from IPython.display import display

    from danvan_analysis import vocab

    lang = view.lang
    display(heading("summary", lang=lang))
    status = {True: vocab.Status.MET, False: vocab.Status.NOT_MET, None: vocab.Status.NO_DATA}
    rows = [
        {"target": code, "label": view.params.plan.target(code).label(lang), "status": status[value].label(lang)}
        for code, value in view.results.items()
    ]
    frame = pd.DataFrame(rows, columns=["target", "label", "status"])
    display(table_of(frame, lang, ["target", "label", "status"], source="scorecard"))
    display(heading("tasks", lang=lang))
    items = [f"Mục IV.{a.section}: {a.assignment(lang)}" if lang == "vi" else f"Section IV.{a.section}: {a.assignment(lang)}"
             for a in view.tasks]  # fmt: skip
    display(bullets(items) if items else text("–"))
    display(heading("reporting", lang=lang))
    columns = ["period", "deadline", "date_received", "status", "days_late"]
    shown = view.submissions.assign(status=[_SUBMISSION_WORDS[lang].get(s, s) for s in view.submissions["status"]])
    display(table_of(shown, lang, columns, source="submissions"))


_SUBMISSION_WORDS = {
    "vi": {"on_time": "Đúng hạn", "late": "Muộn", "missing": "Chưa gửi", "not_due": "Chưa đến hạn"},
    "en": {"on_time": "On time", "late": "Late", "missing": "Not sent", "not_due": "Not due yet"},
}


def show_remaining(view: Any) -> None:
    """A period report: what the units still have to do by the end of the year, target by target (nothing for the
    evaluation of the whole year)."""
    from IPython.display import display

    from danvan_analysis import narrative

    if view.params.period is None:
        return
    display(heading("remaining", lang=view.lang))
    lines = narrative.remaining_work(view.scorecard, lang=view.lang)
    display(bullets(lines) if lines else text(_WORDS[view.lang]["nothing_remaining"]))


def show_recommendations(view: Any) -> None:
    """One recommendation per missed target, naming the units behind it."""
    from IPython.display import display

    from danvan_analysis import narrative

    display(heading("recommendations", lang=view.lang))
    districts = getattr(view, "scorecards", None)  # the province report names the districts' failures too
    actions = narrative.recommend_actions(view.scorecard, lang=view.lang, districts=districts)
    display(bullets(actions) if actions else text(_WORDS[view.lang]["no_recommendation"]))


def show_appendix(view: Any) -> None:
    """Data quality (validation warnings, response counts, caveats) and method."""
    from IPython.display import display

    from danvan_analysis import fmt, narrative

    lang, year = view.lang, view.params.year
    words = _WORDS[lang]
    display(heading("appendix", lang=lang))
    display(heading("data_quality", lang=lang, level=3))
    warnings = view.shared.bundle.warnings
    if len(warnings):
        display(table_of(warnings, lang, list(warnings.columns), source="validation"))
    else:
        display(text(words["no_warnings"]))
    display(heading("responses", lang=lang, level=3))
    code = getattr(getattr(view, "unit", None), "code", None)
    mine, total = (view.shared.district_respondents(c, year=year) for c in (code, None))
    display(
        text(
            words["respondents"].format(
                year=year, n=fmt.format_count(mine, lang=lang), total=fmt.format_count(total, lang=lang)
            )
        )
    )
    display(heading("caveats", lang=lang, level=3))
    caveats = view.shared.indices[year].caveat_lines(lang) + view.shared.comparison.caveat_lines(lang)
    caveats += narrative.describe_notes(view.scorecard, lang=lang)
    caveats += list(dict.fromkeys(note.text(lang) for note in view.scorecard.caveats))
    display(bullets(caveats) if caveats else text("–"))
    display(heading("method", lang=lang, level=3))
    display(text(words["method"].format(threshold=view.params.suppression_threshold)))


def show_province_overview(view: Any) -> None:
    """Province report: ranking, district × target heatmap, trends, published-index tracker, links."""
    from IPython.display import display

    from danvan_analysis import narrative, plots
    from danvan_analysis.reports.views import has_survey

    lang = view.lang
    table = view.satisfaction
    survey = has_survey(view.params)
    if survey:
        _show_rankings(view, table, plots)
    display(heading("heatmap", lang=lang))
    shorts = {t.code: t.short(lang) for t in view.params.plan.targets if t.short is not None}
    heatmap = plots.plot_target_heatmap(view.scorecards, lang=lang, short_labels=shorts or None)
    _show_figure(heatmap, section_title("heatmap", lang))
    if survey:
        display(heading("sat_trend", lang=lang))
        trend = table[table["variable"] == "overall"]
        _show_figure(
            plots.plot_trends(trend, group="domain", lang=lang, threshold=view.satisfaction_threshold),
            section_title("sat_trend", lang),
        )
    else:
        display(text(_WORDS[lang]["no_survey_in_period"], css_class="note"))
    display(heading("indices_tracker", lang=lang))
    indices = view.shared.bundle.indices
    columns = ["index_code", "year", "score", "rank", "n_provinces", "group"]
    chosen = [c for c in columns if c in indices.columns]
    display(table_of(indices.sort_values(["index_code", "year"]), lang, chosen, source="indices"))
    rows = view.scorecard.to_frame()
    display(
        _scorecard_table(
            view.scorecard, lang, narrative, targets=rows["target"].str.startswith("2").tolist(), previous=view.previous
        )
    )


def show_district_links(view: Any) -> None:
    """Relative links to every district's report (same folder, as the batch writes them)."""
    from IPython.display import display

    from danvan_analysis.reports.params import report_stem
    from danvan_analysis.units import district_codes, resolve_unit

    display(heading("district_reports", lang=view.lang))
    linked = view.params.linked_districts or tuple(district_codes())  # only reports that sit beside this one
    items = "".join(
        f'<li><a href="{html.escape(report_stem(code))}.html">{html.escape(resolve_unit(code).name)}</a></li>'
        for code in linked
    )
    lead = _WORDS[view.lang]["links"]
    block = {"type": "bullets", "items": [_nfc(resolve_unit(code).name) for code in linked], "lead": _nfc(lead)}
    display(shown_html(f"<p>{html.escape(lead)}</p><ul>{items}</ul>", block))


def table_of(
    frame: pd.DataFrame, lang: str, columns: list[str], *, source: str | None = None, caption: str | None = None
) -> Any:
    """A displayable table of ``columns`` of ``frame`` formatted for ``lang`` (``label`` = the label in ``lang``).

    ``source`` names the dataset the table comes from (``"survey"``, a report-data theme, ``"scorecard"``, …) and
    ``caption`` the table for the Word and Excel copies (the HTML shows it under its section heading); both go to
    the table's block only, with the raw values, the kind of every column and the reason of every withheld cell.
    """
    from danvan_analysis import fmt

    frame = frame.reset_index(drop=True)
    if "label" in columns and "label" not in frame.columns:
        label_source = f"label_{lang}" if f"label_{lang}" in frame.columns else f"name_{lang}"
        frame = frame.assign(label=frame[label_source]) if label_source in frame.columns else frame
    chosen = [c for c in columns if c in frame.columns]
    # A value is read by its row's kind (a percent, a count): format with the kind, then drop it.
    by_kind = "value" in chosen and "kind" in frame.columns and "kind" not in chosen
    shown = fmt.format_table(frame[[*chosen, "kind"]] if by_kind else frame[chosen], lang=lang)
    shown = shown.iloc[:, : len(chosen)]
    block = _table_block(frame, chosen, shown, lang=lang, source=source, caption=caption)
    return table(shown, block=block)


def _show_title(view: Any, title: str, figures: dict[str, Any], lang: str, words: dict[str, str], fmt: Any) -> None:
    """The first screen of a district or province report, with the overall satisfaction where the survey shows."""
    _show_first_screen(view, title, view.scorecard.summary(), lang, words, fmt)
    from IPython.display import display

    from danvan_analysis.reports.views import has_survey

    if has_survey(view.params):
        satisfaction = fmt.format_percent(figures["satisfaction"], lang=lang, basis="percent")
        if figures["satisfaction_low"] is not None:
            low = fmt.format_number(figures["satisfaction_low"], lang=lang)
            high = fmt.format_number(figures["satisfaction_high"], lang=lang)
            satisfaction = f"{satisfaction} ({words['ci']}: {low}–{high})"
        display(headline({words["satisfaction"]: satisfaction}))
    record_headline(**figures)


def _show_first_screen(
    view: Any, title: str, summary: Mapping[str, int], lang: str, words: dict[str, str], fmt: Any
) -> None:
    """The first screen: the demo banner (demo data), the title, what the report covers, and the verdicts."""
    import datetime as dt

    from IPython.display import HTML, display

    params = view.params
    if params.demo:
        # On screen the banner stays at the top while scrolling; on paper every page carries it in its top margin.
        mark = words["demo_mark"].replace('"', "'")
        page = f'<style>@media print {{ @page {{ @top-center {{ content: "{mark}"; font-weight: 700; }} }} }}</style>'
        display(HTML(f'{page}<div class="demo-banner" role="note">{html.escape(words["demo_banner"])}</div>'))
    display(heading(title, level=1, anchor="title"))
    folder = "/".join(params.data_dir.parts[-2:])
    source = words["source_demo"].format(folder=folder) if params.demo else folder
    dated = params.report_date or dt.date.today()  # the batch dates all its reports one day (reports.params)
    today = fmt.format_date(dated, lang=lang)
    if params.period is None:
        subtitle = words["subtitle_year"].format(year=params.year, source=source, today=today)
    else:
        plan, code = params.plan, params.period
        subtitle = words["subtitle_period"].format(
            period=plan.period(code).label(lang),
            year=params.year,
            deadline=fmt.format_date(plan.deadline(code, params.year), lang=lang),
            end=fmt.format_date(plan.window(code, params.year)[1], lang=lang),
            source=source,
            today=today,
        )
    display(text(subtitle, css_class="subtitle"))
    display(verdicts(summary, lang=lang, interim=params.period is not None))
    # The report's facts for the Word copy's header (issuer, number, place and date): shown nowhere in the HTML.
    display({BLOCK_MIME: _meta_block(view, title, dated, source), "text/plain": ""}, raw=True)


def _show_rankings(view: Any, table: Any, plots: Any) -> None:
    """The district rankings of the province report, one figure per index."""
    from IPython.display import display

    lang, year = view.lang, view.params.year
    display(heading("ranking", lang=lang))
    for variable in ("overall", "policy", "service"):
        rows = table[(table["year"] == year) & (table["variable"] == variable)]
        label = str(rows[f"label_{lang}"].iloc[0]) if len(rows) else variable
        display(text(label, css_class="figure-caption"))
        figure = plots.plot_district_ranking(rows, variable=variable, lang=lang)
        _show_figure(figure, f"{section_title('ranking', lang)}: {label}")


def _scorecard_table(
    card: Any, lang: str, narrative: Any, targets: list[bool] | None = None, previous: Any = None
) -> Any:
    """The scorecard with each verdict coloured and named (the colour repeats the text, never replaces it), and
    last year's figure beside this year's when the data have the previous year."""
    import pandas as pd

    from danvan_analysis import fmt

    frame = narrative.scorecard_frame(card, lang=lang, previous=previous)
    if targets is not None:
        frame = frame[targets]
    frame = frame.reset_index(drop=True)
    columns = ["target", "label", "status", "figure", *(["previous"] if previous is not None else []), "evidence"]
    shown = fmt.format_table(
        frame.assign(label=frame[f"label_{lang}"], status=frame[f"status_{lang}"])[columns], lang=lang
    )
    year = card.year
    shown.columns = [
        *shown.columns[:3],
        f"Năm {year}" if lang == "vi" else str(year),
        *([f"Năm {year - 1}" if lang == "vi" else str(year - 1)] if previous is not None else []),
        shown.columns[-1],
    ]
    classes = pd.DataFrame("", index=shown.index, columns=shown.columns)
    classes.iloc[:, 2] = [f"status-{code}" for code in frame["status"]]
    styler = shown.style.format(escape="html", na_rep="–").hide(axis="index").set_td_classes(classes)
    markup = styler.set_uuid("scorecard").set_table_attributes('class="data scorecard"').to_html(cell_ids=False)
    raw = frame.assign(label=frame[f"label_{lang}"])[columns]
    block = _table_block(raw, columns, shown, lang=lang, source="scorecard", caption=None)
    block["columns"][2]["kind"] = "status"  # raw: the status code (met, not_met, no_data); display: its label
    for row, code in zip(block["rows"], frame["status"], strict=True):
        row[2] = str(code)
    return shown_html(markup, block)


def _show_change(view: Any, code: str) -> None:
    from IPython.display import display

    lang = view.lang
    if view.shared.change is None:
        display(text(_WORDS[lang]["no_previous"], css_class="note"))
        return
    from danvan_analysis.reports.views import published_comparison

    change = published_comparison(view.shared.change.to_frame(), min_n=view.params.suppression_threshold, change=True)
    change = change[(change["district_code"] == code) & (change["measure"] == "share")]
    columns = ["label", "year_from", "year_to", "estimate_from", "estimate_to", "change", "ci_low", "ci_high", "p_holm"]
    caption = "Thay đổi so với năm trước" if lang == "vi" else "Change since the previous year"
    display(table_of(change.rename(columns={"code": "variable"}), lang, columns, source="survey", caption=caption))


#: zlib level of the PNG figures embedded in a report (:func:`_show_figure`).
PNG_LEVEL = 3


def _show_figure(figure: Any, alt: str) -> None:
    """Display a matplotlib figure as an embedded PNG with alt text, then close it (if pyplot manages it)."""
    import io
    import sys

    from IPython.display import display

    buffer = io.BytesIO()
    # No "Software" entry: the PNG bytes depend only on the figure, so reruns give identical reports. zlib level 3,
    # not Pillow's 6: ~0.05 s less CPU a district report, for pages ~6 % larger (the demo's Võ Nhai page: 235,522
    # against 222,866 bytes), with the same pixels; measured 07/12/2026.
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None}, pil_kwargs={"compress_level": PNG_LEVEL})
    if "matplotlib.pyplot" in sys.modules:  # the package's figures are plain Figures, which pyplot never holds:
        sys.modules["matplotlib.pyplot"].close(figure)  # importing pyplot for them would cost each kernel ~0.1 s
    display(
        _block_types()[1](data=buffer.getvalue(), format="png", alt=alt, block={"type": "figure", "caption": _nfc(alt)})
    )


# -- structured blocks (see the module docstring) -----------------------------------------------------------------

#: Value columns a withheld survey row leaves empty (the disclosure rule's, a comparison's, a change's, a commune's).
_WITHHELD_COLUMNS = frozenset(
    {"estimate", "se", "ci_low", "ci_high", "deff", "cv", "estimate_rest", "difference", "t", "p_value", "p_holm"}
    | {"estimate_from", "estimate_to", "change", "satisfied", "satisfied_previous"}
)
#: fmt's column kinds → the blocks' kinds (a closed-set code, a unit, a rule are shown, and kept, as text).
_BLOCK_KINDS = {
    "number": "number", "count": "count", "percent": "percent", "fraction": "fraction", "pvalue": "pvalue",
    "ratio": "ratio", "date": "date", "bool": "bool", "rule": "text", "text": "text", "code": "text", "unit": "text",
}  # fmt: skip
#: An indicator's ``kind`` → the block kind of its ``value`` and ``threshold`` cells.
_VALUE_KINDS = {"percent": "percent", "count": "count", "rank": "count", "points": "number"}
_YEAR_COLUMNS = ("year", "year_from", "year_to")
_WITHHELD_WORDS = {
    "vi": {
        "small": "Không công bố: dưới {n} người trả lời",
        "secondary": "Không công bố: ẩn kèm theo một ô bị ẩn, để không suy ra được ô đó",
    },
    "en": {
        "small": "Withheld: fewer than {n} respondents",
        "secondary": "Withheld with a withheld cell, so that cell cannot be worked out",
    },
}


@cache
def _block_types() -> tuple[type, type]:
    """IPython's HTML and Image with a block in their display bundle (built on first use: IPython loads late)."""
    from IPython.display import HTML, Image

    class BlockHTML(HTML):  # type: ignore[misc]
        def __init__(self, data: str, *, block: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
            super().__init__(data, metadata=metadata)
            self.block = block

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
            return {BLOCK_MIME: self.block}  # IPython adds text/html (and its metadata) from _repr_html_

    class BlockImage(Image):  # type: ignore[misc]
        def __init__(self, *, block: dict[str, Any], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.block = block

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
            data, metadata = super()._repr_mimebundle_(include, exclude)
            return {**data, BLOCK_MIME: self.block}, metadata

    return BlockHTML, BlockImage


def shown_html(markup: str, block: dict[str, Any], *, metadata: dict[str, Any] | None = None) -> Any:
    """Return ``markup`` (already escaped HTML) displayable with its structured ``block`` beside it."""
    return _block_types()[0](markup, block=block, metadata=metadata)


def _nfc(value: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", value)


def _json_value(value: Any, kind: str) -> Any:
    """A cell's raw value as JSON: a number, ISO date, bool or NFC text; ``None`` when missing."""
    import datetime as dt

    import pandas as pd

    from danvan_analysis.numbers import is_missing

    if value is None or (not isinstance(value, str) and is_missing(value)):
        return None
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind == "bool":
        return bool(value)
    if kind in ("count", "year"):
        return int(value)
    if kind in ("number", "percent", "fraction", "pvalue", "ratio"):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, dt.date | pd.Timestamp):
        return pd.Timestamp(value).date().isoformat()
    return _nfc(str(value))


def text_table_block(shown: pd.DataFrame) -> dict[str, Any]:
    """The block of a table given as display text only (every column ``text``, raw = shown)."""
    display = [["–" if v is None or (isinstance(v, float) and math.isnan(v)) else _nfc(str(v)) for v in row]
               for row in shown.itertuples(index=False)]  # fmt: skip
    return {
        "type": "table",
        "caption": None,
        "source": None,
        "columns": [{"key": str(c), "label": _nfc(str(c)), "kind": "text"} for c in shown.columns],
        "rows": [[None if v == "–" else v for v in row] for row in display],
        "display": display,
        "suppressed": [[None] * len(shown.columns) for _ in display],
    }


def _table_block(
    frame: pd.DataFrame, chosen: list[str], shown: pd.DataFrame, *, lang: str, source: str | None, caption: str | None
) -> dict[str, Any]:
    """The block of a table: raw values of ``frame[chosen]``, the strings of ``shown``, kinds, withheld cells."""
    from danvan_analysis import fmt

    guessed = fmt.guess_kinds(frame[chosen])
    kinds = {c: "year" if c in _YEAR_COLUMNS else _BLOCK_KINDS.get(guessed[c], "text") for c in chosen}
    by_row = "kind" in frame.columns and "kind" not in chosen
    columns: list[dict[str, Any]] = []
    for key, label in zip(chosen, shown.columns, strict=True):
        column: dict[str, Any] = {"key": key, "label": _nfc(str(label)), "kind": kinds[key]}
        if by_row and key in ("value", "threshold"):
            column["kind"] = "mixed"
            column["row_kinds"] = [_VALUE_KINDS.get(str(k), "text") for k in frame["kind"]]
        columns.append(column)
    # Each column read once (a cell at a time through pandas costs more than the rest of the table).
    texts = [shown.iloc[:, c].tolist() for c in range(shown.shape[1])]
    display = [[_nfc(str(column[r])) for column in texts] for r in range(len(shown))]
    raw = [frame[column["key"]].array for column in columns]  # the values .iloc gives, cell by cell
    rows: list[list[Any]] = []
    for r in range(len(frame)):
        row = []
        for c, column in enumerate(columns):
            kind = column["row_kinds"][r] if column["kind"] == "mixed" else column["kind"]
            if kind == "text":  # text-like cells keep what the reader sees (a unit's name, a label), never a code
                row.append(None if display[r][c] == "–" else display[r][c])
            else:
                row.append(_json_value(raw[c][r], kind))
        rows.append(row)
    return {
        "type": "table",
        "caption": _nfc(caption) if caption else None,
        "source": source,
        "columns": columns,
        "rows": rows,
        "display": display,
        "suppressed": _withheld(frame, chosen, rows, lang),
    }


def _withheld(frame: pd.DataFrame, chosen: list[str], rows: list[list[Any]], lang: str) -> list[list[str | None]]:
    """Per cell: why it is empty when the disclosure rule withheld it (``None`` for every other cell)."""
    out: list[list[str | None]] = [[None] * len(chosen) for _ in rows]
    if "suppressed" not in frame.columns:
        return out
    words = _WITHHELD_WORDS[lang]
    for r, flag in enumerate(frame["suppressed"].tolist()):
        if flag is not True:  # tolist() gives Python bools; a missing flag is not a withheld row
            continue
        note = str(frame["note"].iloc[r]) if "note" in frame.columns else ""
        match = re.search(r"n\s*<\s*(\d+)", note)
        threshold = int(match.group(1)) if match else None
        n = frame["n"].iloc[r] if "n" in frame.columns else None
        small = threshold is not None and (n is None or _json_value(n, "number") is None or float(n) < threshold)
        reason = words["small"].format(n=threshold) if small else words["secondary"]
        for c, key in enumerate(chosen):
            if key in _WITHHELD_COLUMNS and rows[r][c] is None:
                out[r][c] = reason
    return out


_SUBJECT = {
    "vi": "Kết quả thực hiện công tác dân vận chính quyền {when}",
    "en": "Results of the government's mass-mobilisation work: {when}",
}


def _meta_block(view: Any, title: str, today: Any, source: str) -> dict[str, Any]:
    """The report's facts: what the Word copy's header, title and signature need (shown nowhere in the HTML)."""
    from danvan_analysis.units import province_unit

    params, lang = view.params, view.lang
    province = province_unit()  # the province of the report's register: "UBND tỉnh Thái Nguyên", "UBND thành phố …"
    province_issuer = f"UBND {province.type_name.lower()} {province.short_name}"
    if getattr(params, "agency", None) is not None:
        kind, unit = "agency", params.agency
        issuer, parent, place, symbol = unit.name, province_issuer, province.short_name, f"BC-{unit.code}"
    elif getattr(params, "district", None) is not None:
        kind, unit = "district", params.district
        issuer = f"UBND {unit.type_name.lower()} {unit.short_name}"
        parent, place, symbol = None, unit.short_name, "BC-UBND"
    else:
        kind, unit = "province", province
        issuer, parent, place, symbol = province_issuer, None, province.short_name, "BC-UBND"
    period_label = None
    if params.period is None:
        when = f"năm {params.year}" if lang == "vi" else str(params.year)
    else:
        period_label = params.plan.period(params.period).label(lang)
        if lang == "vi":
            label = period_label[:1].lower() + period_label[1:]
            when = f"{label} {params.year}" if label.endswith("năm") else f"{label} năm {params.year}"
        else:
            when = f"{period_label} {params.year}".lower().capitalize()
    words = _WORDS[lang]
    return {
        "type": "meta",
        "kind": kind,
        "lang": lang,
        "year": int(params.year),
        "period": params.period,
        "period_label": _nfc(period_label) if period_label else None,
        "unit_code": unit.code,
        "unit_name": _nfc(unit.name if lang == "vi" else (unit.name_en or unit.name)),
        "issuer": _nfc(issuer),
        "issuer_parent": parent,
        "symbol": symbol,
        "place": _nfc(place),
        "date": today.isoformat(),
        "title": _nfc(title),
        "subject": _nfc(_SUBJECT[lang].format(when=when)),
        "demo": bool(params.demo),
        "demo_text": _nfc(words["demo_banner"]) if params.demo else None,
        "source": _nfc(source),
    }
