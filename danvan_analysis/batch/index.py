"""The batch's ``index.html``: every report with its status and headline figures, self-contained like the reports.

Headline figures are the ones each report recorded while it ran (``sections.record_headline``, read back from the
executed notebook into the manifest), so the index never recomputes a number: ``targets_met``/``targets_total``
(targets of the plan met) and ``satisfaction`` (overall SIPAS index, percent 0–100, with ``satisfaction_low`` /
``satisfaction_high`` for its 95 % CI). Numbers are formatted by :mod:`danvan_analysis.fmt` in the report language.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path

from danvan_analysis.batch.manifest import FAILED, OK, SKIPPED, TIMEOUT, ReportRecord
from danvan_analysis.files import write_atomic

INDEX_NAME = "index.html"

_TEXT = {
    "vi": {
        "title": "Báo cáo đánh giá công tác dân vận năm {year}",
        "report": "Báo cáo",
        "status": "Trạng thái",
        "targets": "Chỉ tiêu đạt",
        "satisfaction": "Mức độ hài lòng chung",
        "seconds": "Thời gian chạy (giây)",
        "error": "Lỗi",
        "log": "nhật ký",
        "notebook": "notebook lỗi",
        OK: "Hoàn thành",
        FAILED: "Lỗi",
        TIMEOUT: "Quá thời gian",
        SKIPPED: "Không đổi (giữ bản trước)",
        "summary": "{ok}/{total} báo cáo hoàn thành.",
        "demo": "DỮ LIỆU MINH HỌA — các số liệu trong các báo cáo này do chương trình tạo ngẫu nhiên, không phải số liệu thật của bất kỳ đơn vị nào.",
    },
    "en": {
        "title": "Evaluation of mass-mobilisation work, {year}",
        "report": "Report",
        "status": "Status",
        "targets": "Targets met",
        "satisfaction": "Overall satisfaction",
        "seconds": "Run time (s)",
        "error": "Error",
        "log": "log",
        "notebook": "failed notebook",
        OK: "Done",
        FAILED: "Failed",
        TIMEOUT: "Timed out",
        SKIPPED: "Unchanged (previous run kept)",
        "summary": "{ok}/{total} reports done.",
        "demo": "DEMONSTRATION DATA — the figures in these reports were made up by the program; they are not the real figures of any unit.",
    },
}


#: How the index names each format's link.
_FORMAT_NAMES = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel"}


def render_index(records: Iterable[ReportRecord], *, year: int, lang: str, demo: bool = False) -> str:
    """Return the index page for ``records`` (shared-results records are not listed); ``demo`` adds the banner."""
    from danvan_analysis import fmt
    from danvan_analysis.batch.export import report_css
    from danvan_analysis.batch.version import package_version

    text = _TEXT[lang]
    rows = []
    shown = [r for r in records if r.kind != "shared"]
    # Province first, then districts by code, then agencies: the order analysts read them in.
    shown.sort(key=lambda r: ({"province": 0, "district": 1, "agency": 2}.get(r.kind, 3), r.name))
    for record in shown:
        link = (
            f'<a href="{html.escape(record.html)}">{html.escape(record.title)}</a>'
            if record.html and record.status == OK
            else html.escape(record.title)
        )
        extras = []
        if record.status == OK:  # the other formats of the report, beside its HTML
            for name in ("docx", "pdf", "xlsx"):
                if name in record.files:
                    extras.append(f'<a href="{html.escape(record.files[name]["path"])}">{_FORMAT_NAMES[name]}</a>')
        if record.log:
            extras.append(f'<a href="{html.escape(record.log)}">{text["log"]}</a>')
        if record.failed_notebook:
            extras.append(f'<a href="{html.escape(record.failed_notebook)}">{text["notebook"]}</a>')
        figures = record.headline
        met, total = figures.get("targets_met"), figures.get("targets_total")
        targets = f"{met}/{total}" if met is not None and total else "–"
        satisfaction = fmt.format_percent(figures.get("satisfaction"), lang=lang, basis="percent")
        low, high = figures.get("satisfaction_low"), figures.get("satisfaction_high")
        if figures.get("satisfaction") is None:
            satisfaction = fmt.MISSING
        elif low is not None and high is not None:
            satisfaction += f" ({fmt.format_number(low, lang=lang)}–{fmt.format_number(high, lang=lang)})"
        rows.append(
            "<tr>"
            f"<td>{link}{' · ' + ' · '.join(extras) if extras else ''}</td>"
            f'<td class="status-{"met" if record.status == OK else "not_met"}">{html.escape(text[record.status])}</td>'
            f'<td class="num">{html.escape(targets)}</td>'
            f'<td class="num">{html.escape(satisfaction)}</td>'
            f'<td class="num">{html.escape(fmt.format_number(record.seconds, lang=lang))}</td>'
            f"<td>{html.escape(record.error or '')}</td>"
            "</tr>"
        )
    done = sum(r.status == OK for r in shown)
    title = text["title"].format(year=year)
    head = "".join(
        f"<th>{text[key]}</th>" for key in ("report", "status", "targets", "satisfaction", "seconds", "error")
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{report_css()}\n</style>\n</head>\n<body>\n<main>\n"
        + (f'<div class="demo-banner" role="note">{html.escape(text["demo"])}</div>\n' if demo else "")
        + f"<h1>{html.escape(title)}</h1>\n"
        f"<p>{html.escape(text['summary'].format(ok=done, total=len(shown)))}</p>\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>\n</main>\n"
        f"<footer>danvan-analysis {html.escape(package_version())}</footer>\n</body>\n</html>\n"
    )


def write_index(out_dir: Path, records: Iterable[ReportRecord], *, year: int, lang: str, demo: bool = False) -> Path:
    """Write ``out_dir/index.html`` atomically."""
    return write_atomic(Path(out_dir) / INDEX_NAME, render_index(records, year=year, lang=lang, demo=demo))
