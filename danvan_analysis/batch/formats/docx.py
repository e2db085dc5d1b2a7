"""The Word draft of a report, laid out as Decree 30/2020/NĐ-CP (Phụ lục I) lays out an administrative document.

Offices exchange reports as ``.docx`` (the draft that goes into the e-office system for signature) and PDF. The
draft here is filled from the blocks the report notebook displayed (:func:`~.blocks.read_blocks`): the same strings
and figures as the HTML, arranged in the usual outline of a "báo cáo kết quả thực hiện công tác dân vận":

- the two-column national header (issuing body and "Số: …/BC-…"; national title, motto, place and date), "BÁO CÁO"
  and the subject line;
- I. leadership and direction; II. results, section by section in the order of the plan's task areas; III. the
  overall assessment (achievements and shortcomings read from the scorecard, then the scorecard itself); IV. tasks
  for the next period; V. proposals; "Nơi nhận" and the signature block; then the appendix ("Phụ lục"), attached after
  the signature as offices attach appendices;
- tables ("Bảng 1. …", header row repeated on every page, rows never split) and figures ("Hình 1. …") numbered in
  the order they appear in the document; every table and figure of the HTML appears exactly once.

Why python-docx over a Jinja template (docxtpl): every string of a report comes from data, and python-docx writes
each through lxml, which escapes it, so a dialogue note reading ``{{ x }}`` or ``<w:t>`` stays text with nothing to
forget; tables of any width, numbered captions, images and the analyst's kept paragraphs are document operations a
template language does not express. The layout an office may want to change (fonts, sizes, spacing, margins, the
page-number header) still lives in a Word file it can restyle: :data:`TEMPLATE`, built by
``scripts/build_word_template.py``, whose named styles (:data:`STYLES`) the writer uses and never overrides; a plan
file's ``report.word_template`` points at an office's own copy (``docs/word_format.md``).

The analyst's own text survives a regeneration (``danvan reports --keep-edits``): paragraphs in the style
"Ý kiến cán bộ" of the previous draft are copied into the new one, after the content of the heading they followed
(every heading the writer makes carries a ``danvan_…`` bookmark naming its place in the outline).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danvan_analysis.batch.formats.blocks import (
    Block,
    Bullets,
    Figure,
    Heading,
    Headline,
    Meta,
    Paragraph,
    Table,
    Verdicts,
)
from danvan_analysis.errors import ReportError

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

#: The shipped Word template: page set-up, header with the page number, and the styles of :data:`STYLES`.
TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "word" / "bao_cao.docx"

#: Role → style name in the template. The writer sets no font, size or spacing itself: an office restyles the
#: template (or its own copy) and every draft follows.
STYLES: dict[str, str] = {
    "body": "Normal",
    "part": "Heading 1",
    "item": "Heading 2",
    "subitem": "Heading 3",
    "header_cell": "Đầu văn bản",
    "header_bold": "Đầu văn bản đậm",
    "motto": "Tiêu ngữ",
    "date": "Địa danh, ngày tháng",
    "rule": "Đường kẻ",
    "title": "Tên loại văn bản",
    "subject": "Trích yếu",
    "note": "Ghi chú",
    "caption": "Caption",
    "figure": "Hình vẽ",
    "table": "Bảng - nội dung",
    "table_head": "Bảng - đầu cột",
    "demo": "Dữ liệu minh họa",
    "analyst": "Ý kiến cán bộ",
    "recipients_head": "Nơi nhận",
    "recipients": "Nơi nhận - danh sách",
    "signature": "Chữ ký",
    "appendix_title": "Tiêu đề phụ lục",
    "appendix_note": "Chú thích phụ lục",
    "page_header": "Header",
}
#: Bookmark names of the writer's headings start with this (Word allows letters, digits and ``_``).
ANCHOR_PREFIX = "danvan_"

# -- the outline ----------------------------------------------------------------------------------------------------
#: Parts of the body, in order; ``appendix`` comes after the signature.
PARTS = ("leadership", "results", "assessment", "next", "proposals")
_PART_TITLES = {
    "leadership": {"vi": "Công tác lãnh đạo, chỉ đạo", "en": "Leadership and direction"},
    "results": {"vi": "Kết quả thực hiện", "en": "Results"},
    "assessment": {"vi": "Đánh giá chung", "en": "Overall assessment"},
    "next": {"vi": "Nhiệm vụ kỳ tới", "en": "Tasks for the next period"},
    "proposals": {"vi": "Đề xuất, kiến nghị", "en": "Proposals and recommendations"},
}
#: Section key of the HTML report → part of the Word outline. A section not named here goes to "results"; a
#: sub-section named here leaves its section for its own part (plans issued are leadership work).
SECTION_PART: dict[str, str] = {
    "plans": "leadership",
    "tasks": "leadership",
    "reporting": "leadership",
    "summary": "assessment",
    "remaining": "next",
    "recommendations": "proposals",
    "appendix": "appendix",
    "data_quality": "appendix",
    "responses": "appendix",
    "caveats": "appendix",
    "method": "appendix",
    "district_reports": "appendix",
}
#: Results are shown in the order of the plan's task areas (1 propaganda … 8 the Fatherland Front); sections of no
#: task area come last, in the report's order.
SECTION_TASK_AREA: dict[str, int] = {
    "satisfaction": 2,
    "ranking": 2,
    "heatmap": 2,
    "sat_trend": 2,
    "indices_tracker": 2,
    "dialogues": 4,
    "complaints": 4,
    "religion": 5,
    "democracy": 6,
    "boards": 6,
    "communes": 6,
    "inspections": 7,
}
#: What the toolkit cannot know, for the analyst to write (in the style "Ý kiến cán bộ", so it is kept).
_HINTS = {
    "leadership": {
        "vi": "[Cán bộ bổ sung: các văn bản lãnh đạo, chỉ đạo đã ban hành; việc quán triệt, tuyên truyền, triển khai.]",
        "en": "[To be written: the directives issued; how they were communicated and put into effect.]",
    },
    "causes": {
        "vi": "[Cán bộ bổ sung: nguyên nhân của hạn chế (khách quan, chủ quan).]",
        "en": "[To be written: the causes of the shortcomings.]",
    },
    "next": {
        "vi": "[Cán bộ bổ sung: nhiệm vụ trọng tâm kỳ tới.]",
        "en": "[To be written: the main tasks of the next period.]",
    },
    "proposals": {
        "vi": "[Cán bộ bổ sung: đề xuất, kiến nghị với cấp trên.]",
        "en": "[To be written: proposals to the higher authorities.]",
    },
}
HINT_TEXTS = frozenset(text for hint in _HINTS.values() for text in hint.values())

_WORDS = {
    "vi": {
        "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto": "Độc lập - Tự do - Hạnh phúc",
        "number": "Số:",
        "title": "BÁO CÁO",
        "table": "Bảng",
        "figure": "Hình",
        "recipients": "Nơi nhận:",
        "archive": "Lưu: VT.",
        "appendix": "PHỤ LỤC",
        "attached": "(Kèm theo Báo cáo số      /{symbol} ngày {date} của {issuer})",
        "opening": "{basis}{issuer} báo cáo {subject} như sau:",
        "basis": "Thực hiện {plan}, ",
        "achievements": "Ưu điểm",
        "shortcomings": "Hạn chế, nguyên nhân",
        "met": "Các chỉ tiêu đã đạt:",
        "not_met": "Các chỉ tiêu chưa đạt:",
        "no_data": "Các chỉ tiêu chưa đủ dữ liệu để đánh giá:",
        "none_met": "Chưa có chỉ tiêu nào đạt.",
        "none_missed": "Không có chỉ tiêu chưa đạt.",
        "target": "Chỉ tiêu",
        "verdicts": "Kết quả thực hiện các chỉ tiêu: {counts}.",
    },
    "en": {
        "nation": "SOCIALIST REPUBLIC OF VIET NAM",
        "motto": "Independence - Freedom - Happiness",
        "number": "No.:",
        "title": "REPORT",
        "table": "Table",
        "figure": "Figure",
        "recipients": "Recipients:",
        "archive": "Archived: Records office.",
        "appendix": "APPENDIX",
        "attached": "(Attached to report No.      /{symbol} of {date} by {issuer})",
        "opening": "{basis}{issuer} reports on {subject} as follows:",
        "basis": "Implementing {plan}, ",
        "achievements": "Achievements",
        "shortcomings": "Shortcomings and their causes",
        "met": "Targets met:",
        "not_met": "Targets not met:",
        "no_data": "Targets without enough data to judge:",
        "none_met": "No target is met yet.",
        "none_missed": "No target is missed.",
        "target": "Target",
        "verdicts": "Targets: {counts}.",
    },
}
_MONTHS_EN = (
    "January February March April May June July August September October November December".split()  # noqa: SIM905
)

# Widths (cm) of the header table and of the rules in it. The motto's rule is as long as the motto: its width in
# Times New Roman bold 14 pt (measured with the metric-compatible Liberation Serif: 6.33 cm in Vietnamese, 8.54 cm
# in English); the issuing body's rule is about a third of its column.
_HEADER_LEFT, _HEADER_RIGHT = 6.5, 10.0
_CELL_PADDING = 0.38
#: Average width (cm) of a character of the tables' 11 pt Times New Roman (bold headers a little wider).
_CHAR_CM = 0.2
#: The same for the bold header row.
_BOLD_CHAR_CM = 0.26
_MOTTO_RULE = {"vi": 6.35, "en": 8.55}
_ISSUER_RULE = 2.2
_SUBJECT_RULE = 3.0
#: Tables of at most this many rows are kept on one page (each row kept with the next) when they fit.
_KEEP_TOGETHER_ROWS = 25
#: The tables' style (the name of a style, not a role of :data:`STYLES`).
_TABLE_STYLE = "Table Grid"
_NUMERIC_KINDS = frozenset({"number", "percent", "fraction", "count", "ratio", "pvalue", "year", "mixed"})
_CENTRED_KINDS = frozenset({"date", "bool", "status"})
#: Characters XML 1.0 cannot hold (lxml refuses them): removed from every string of the data.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass(frozen=True)
class DocxOptions:
    """What the Word draft needs besides the report: the signature, the recipients, the plan it answers.

    Attributes
    ----------
    signer_name, signer_title, signer_authority : the signature block (blank by default: the signer fills it in),
        e.g. ``"Nguyễn Văn A"``, ``"PHÓ CHỦ TỊCH"``, ``"KT. CHỦ TỊCH"``.
    recipients : the "Nơi nhận" lines (``"Sở Nội vụ (b/c);"``); "Lưu: VT." is added when no line starts "Lưu".
    symbol : the document symbol after "Số: …/" (default: the report's own, e.g. ``BC-UBND``).
    plan_title : the plan the report answers, for the opening sentence ("Thực hiện Kế hoạch số …, …").
    template : a Word template restyled by the office (default :data:`TEMPLATE`).
    """

    signer_name: str = ""
    signer_title: str = ""
    signer_authority: str = ""
    recipients: tuple[str, ...] = ()
    symbol: str | None = None
    plan_title: str = ""
    template: Path | None = field(default=None)


def docx_options(
    plan: Any, kind: str, *, signer_name: str | None = None, signer_title: str | None = None
) -> DocxOptions:
    """Return the Word options of a ``kind`` of report (``district``, ``province``, ``agency``) from the plan file's
    ``report:`` section, with the command line's ``--signer-name`` / ``--signer-title`` over it."""
    report = getattr(plan.spec, "report", None)
    settings = getattr(report, kind, None) if report is not None else None
    template = None
    if report is not None and report.word_template:
        template = Path(report.word_template)
        if not template.is_absolute() and Path(str(plan.source)).is_file():
            template = Path(str(plan.source)).resolve().parent / template
    info = plan.spec.plan
    plan_title = info.title("vi")
    if info.document_number:
        plan_title = f"{plan_title} (số {info.document_number})"
    return DocxOptions(
        signer_name=signer_name if signer_name is not None else getattr(settings, "signer_name", ""),
        signer_title=signer_title if signer_title is not None else getattr(settings, "signer_title", ""),
        signer_authority=getattr(settings, "signer_authority", ""),
        recipients=tuple(getattr(settings, "recipients", ())),
        symbol=getattr(settings, "symbol", None),
        plan_title=plan_title,
        template=template,
    )


def write_docx(blocks: Sequence[Block], options: DocxOptions | None = None, *, keep_from: bytes | None = None) -> bytes:
    """Return the report's Word draft (``.docx`` bytes).

    Parameters
    ----------
    blocks : the report's blocks (:func:`~danvan_analysis.batch.formats.blocks.read_blocks`); one must be its
        :class:`~.blocks.Meta`.
    options : signature, recipients, template (:func:`docx_options`); default all blank.
    keep_from : the previous draft of the same report: its paragraphs in the style "Ý kiến cán bộ" are carried over.

    Raises
    ------
    ReportError
        No report facts (the notebook shows no title), a template without a style the writer needs, or a
        ``keep_from`` that is not a Word file.
    """
    from docx import Document

    options = options or DocxOptions()
    meta = next((b for b in blocks if isinstance(b, Meta)), None)
    if meta is None:
        raise ReportError(
            "The report has no title block, so its Word copy has no issuing body, date or subject. "
            "Hint: the notebook must call show_district_title, show_province_title or show_agency_title."
        )
    template = Path(options.template or TEMPLATE)
    try:
        document = Document(str(template))
    except Exception as err:  # python-docx raises several kinds for a file that is not a package
        raise ReportError(f"The Word template {template} could not be opened ({err}).") from err
    _check_styles(document, template)
    writer = _Writer(document, meta, options)
    writer.write(blocks)
    if keep_from is not None:
        _carry_edits(writer, keep_from)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def write_template_copy(options: DocxOptions | None = None) -> bytes:
    """The Word template (``options.template``, default the shipped one) opened and saved as :func:`write_docx`
    saves a draft, with nothing written in it: the first parse and save of a process, paid ahead
    (:func:`~danvan_analysis.batch.formats.warm_writers`)."""
    from docx import Document

    buffer = io.BytesIO()
    Document(str(Path((options or DocxOptions()).template or TEMPLATE))).save(buffer)
    return _stable_zip(buffer.getvalue())


# -- the writer -----------------------------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """A heading of the report (level 2 or 3) and the blocks under it."""

    key: str | None
    level: int
    heading: Heading | None
    blocks: list[Block] = field(default_factory=list)
    children: list[_Chunk] = field(default_factory=list)


class _Writer:
    def __init__(self, document: DocumentObject, meta: Meta, options: DocxOptions) -> None:
        self.doc = document
        self.meta = meta
        self.options = options
        self.lang = "en" if meta.lang == "en" else "vi"
        self.words = _WORDS[self.lang]
        self.tables = 0
        self.figures = 0
        self.bookmarks = 0
        #: anchor → the last body element of its content (kept paragraphs go after it).
        self.ends: dict[str, Any] = {}
        self.hints: dict[str, list[Any]] = {}
        self.anchor: str | None = None
        self.style_ids: dict[str, str] = {}
        section = document.sections[0]
        #: Width of the text (cm) between the template's margins.
        self.width = (section.page_width - section.left_margin - section.right_margin) / 360000

    # -- the document ---------------------------------------------------------------------------------------------
    def write(self, blocks: Sequence[Block]) -> None:
        body = self.doc.element.body
        for child in list(body):
            if child.tag != _qn("w:sectPr"):
                body.remove(child)
        self._core_properties()
        if self.meta.demo:
            self._demo_in_headers()
        front, chunks = _chunks(blocks)
        parts = _arrange(chunks)
        self._header_table()
        if self.meta.demo:
            self._para(self._clean(self.meta.demo_text or ""), "demo")
        self._para(self.words["title"], "title")
        self._para(self._clean(self.meta.subject), "subject")
        self._rule(_SUBJECT_RULE, self.width)
        self._opening(front)
        for number, part in enumerate(PARTS, start=1):
            self._part(number, part, parts.get(part, []), front)
        self._signature()
        if parts.get("appendix"):
            self._appendix(parts["appendix"])

    def _core_properties(self) -> None:
        props = self.doc.core_properties
        props.title = self._clean(self.meta.subject)
        props.subject = self._clean(self.meta.title)
        props.author = self._clean(self.meta.issuer)
        props.last_modified_by = ""
        props.comments = "danvan-analysis"
        props.language = "vi-VN" if self.lang == "vi" else "en-GB"
        props.revision = 1
        when = dt.datetime.combine(_report_date(self.meta), dt.time())
        props.created = props.modified = when

    def _demo_in_headers(self) -> None:
        section = self.doc.sections[0]
        for header in (section.header, section.first_page_header):
            paragraph = self._style(header.add_paragraph(self._clean(self.meta.demo_text or "")), "demo")
            paragraph.paragraph_format.keep_with_next = False

    def _header_table(self) -> None:
        words, meta = self.words, self.meta
        table = self.doc.add_table(rows=2, cols=2)
        _no_borders(table)
        widths = (_HEADER_LEFT, _HEADER_RIGHT)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = _cm(width)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = _cm(width)
        left, right = table.rows[0].cells
        first = left.paragraphs[0]
        if meta.issuer_parent:
            self._style(first, "header_cell")
            first.add_run(_upper(self._clean(meta.issuer_parent)))
            first = left.add_paragraph()
        self._style(first, "header_bold")
        first.add_run(_upper(self._clean(meta.issuer)))
        self._rule(_ISSUER_RULE, _HEADER_LEFT - _CELL_PADDING, container=left)
        nation = right.paragraphs[0]
        self._style(nation, "header_bold")
        nation.add_run(words["nation"])
        self._style(right.add_paragraph(words["motto"]), "motto")
        self._rule(_MOTTO_RULE[self.lang], _HEADER_RIGHT - _CELL_PADDING, container=right)
        number, place = table.rows[1].cells
        symbol = self._clean(self.options.symbol or meta.symbol)
        self._style(number.paragraphs[0], "header_cell")
        number.paragraphs[0].add_run(f"{words['number']}      /{symbol}")
        self._style(place.paragraphs[0], "date")
        place.paragraphs[0].add_run(_place_and_date(self._clean(meta.place), _report_date(meta), self.lang))

    def _opening(self, front: list[Block]) -> None:
        meta, words = self.meta, self.words
        basis = words["basis"].format(plan=self._clean(self.options.plan_title)) if self.options.plan_title else ""
        subject = self._clean(meta.subject)
        subject = subject[:1].lower() + subject[1:] if self.lang == "vi" else subject
        issuer = self._clean(meta.issuer)
        opening = words["opening"].format(basis=basis, issuer=issuer if basis else issuer[:1].upper() + issuer[1:],
                                          subject=subject)  # fmt: skip
        self._para(opening, "body")
        for block in front:
            if isinstance(block, Paragraph) and block.text != meta.demo_text:
                self._para(self._clean(block.text), "note")

    def _part(self, number: int, part: str, groups: list[_Chunk], front: list[Block]) -> None:
        title = _PART_TITLES[part][self.lang]
        self._heading(f"{_roman(number)}. {_upper(title)}", "part", f"part_{number}")
        if part == "leadership":
            self._hint("leadership")
        if part == "results":
            loose = [b for b in front if isinstance(b, Table | Figure | Bullets)]
            for block in loose:
                self._block(block)
        if part == "assessment":
            for block in front:
                if isinstance(block, Verdicts | Headline):
                    self._block(block)
            start = self._assessment(groups)
        if part in ("next", "proposals"):
            self._hint(part)
        self._groups(groups, start=start if part == "assessment" else 1)

    def _assessment(self, groups: list[_Chunk]) -> int:
        """Achievements and shortcomings from the scorecard's rows (met / not met / no data); return the number of
        the next item."""
        card = next(
            (b for g in groups for b in _all_blocks(g) if isinstance(b, Table) and _is_scorecard(b)),
            None,
        )
        if card is None:
            return 1
        words = self.words
        keys = [c.key for c in card.columns]
        rows = {status: [] for status in ("met", "not_met", "no_data")}
        for raw, shown in zip(card.rows, card.display, strict=True):
            status = raw[keys.index("status")]
            line = f"{words['target']} {shown[keys.index('target')]}: {shown[keys.index('label')]}"
            if "figure" in keys and shown[keys.index("figure")] not in ("", "–"):
                line += f" ({shown[keys.index('figure')]})"
            rows.setdefault(str(status), []).append(self._clean(line))
        self._heading(f"1. {words['achievements']}", "item", "achievements")
        self._lines(words["met"], rows["met"], words["none_met"])
        self._heading(f"2. {words['shortcomings']}", "item", "shortcomings")
        self._lines(words["not_met"], rows["not_met"], words["none_missed"])
        if rows["no_data"]:
            self._lines(words["no_data"], rows["no_data"], "")
        self._hint("causes")
        return 3

    def _lines(self, lead: str, lines: list[str], empty: str) -> None:
        if not lines:
            if empty:
                self._para(empty, "body")
            return
        self._para(lead, "body")
        for line in lines:
            self._para(f"- {line}", "body")

    def _groups(self, groups: list[_Chunk], *, start: int) -> None:
        for number, group in enumerate(groups, start=start):
            self._chunk_heading(group, f"{number}.", "item")
            for block in group.blocks:
                self._block(block)
            for letter, child in zip("abcdefghiklmnopqrstuvxy", group.children, strict=False):
                self._chunk_heading(child, f"{letter})", "subitem")
                for block in child.blocks:
                    self._block(block)

    def _chunk_heading(self, chunk: _Chunk, mark: str, role: str) -> None:
        text = self._clean(chunk.heading.text) if chunk.heading else ""
        anchor = chunk.heading.id if chunk.heading else chunk.key or "section"
        self._heading(f"{mark} {text}", role, re.sub(r"[^0-9A-Za-z]", "_", anchor))

    def _appendix(self, groups: list[_Chunk]) -> None:
        meta, words = self.meta, self.words
        date = _report_date(meta)
        title = self._heading(words["appendix"], "appendix_title", "appendix")
        title.paragraph_format.page_break_before = True
        attached = words["attached"].format(
            symbol=self._clean(self.options.symbol or meta.symbol),
            date=f"{date:%d/%m/%Y}",
            issuer=self._clean(meta.issuer),
        )
        self._para(attached, "appendix_note")
        self._groups(groups, start=1)

    def _signature(self) -> None:
        words, options = self.words, self.options
        table = self.doc.add_table(rows=1, cols=2)
        _no_borders(table)
        for cell, column, width in zip(table.rows[0].cells, table.columns, (7.0, 9.5), strict=True):
            cell.width = column.width = _cm(width)
        left, right = table.rows[0].cells
        self._style(left.paragraphs[0], "recipients_head")
        left.paragraphs[0].add_run(words["recipients"])
        recipients = [self._clean(r) for r in options.recipients]
        if not any(r.lstrip("- ").startswith(("Lưu", "Archived")) for r in recipients):
            recipients.append(words["archive"])
        for line in recipients:
            self._style(left.add_paragraph(line if line.startswith("-") else f"- {line}"), "recipients")
        lines = [_upper(self._clean(options.signer_authority)), _upper(self._clean(options.signer_title))]
        self._style(right.paragraphs[0], "signature")
        right.paragraphs[0].add_run(lines[0])
        self._style(right.add_paragraph(lines[1]), "signature")
        for _ in range(4):  # room for the signature and the seal
            self._style(right.add_paragraph(""), "signature")
        self._style(right.add_paragraph(self._clean(options.signer_name)), "signature")

    # -- blocks ---------------------------------------------------------------------------------------------------
    def _block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            if block.text != self.meta.demo_text:
                self._para(self._clean(block.text), "note" if block.style == "note" else "body")
        elif isinstance(block, Bullets):
            if block.lead:
                self._para(self._clean(block.lead), "body")
            for item in block.items:
                self._para(f"- {self._clean(item)}", "body")
        elif isinstance(block, Headline):
            for label, value in block.items:
                self._para(f"{self._clean(label)}: {self._clean(value)}.", "body")
        elif isinstance(block, Verdicts):
            total = sum(block.counts.values())
            counts = "; ".join(
                f"{self._clean(block.labels.get(code, code))} {count}/{total}" for code, count in block.counts.items()
            )
            self._para(self.words["verdicts"].format(counts=counts), "body")
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Figure):
            self._figure(block)

    def _table(self, block: Table) -> None:
        self.tables += 1
        caption = self._clean(block.caption or block.heading or "")
        head = self._para("", "caption")
        head.add_run(f"{self.words['table']} {self.tables}.").bold = True
        if caption:
            head.add_run(f" {caption}")
        head.paragraph_format.keep_with_next = True
        columns = block.columns
        count = max(1, len(columns))
        table = self.doc.add_table(rows=0, cols=count)
        if _TABLE_STYLE not in self.style_ids:  # python-docx's lookup scans the styles: once per document
            from docx.enum.style import WD_STYLE_TYPE

            grid = self.doc.styles[_TABLE_STYLE]
            self.style_ids[_TABLE_STYLE] = self.doc.part.get_style_id(grid, WD_STYLE_TYPE.TABLE)
        table._tbl.tblStyle_val = self.style_ids[_TABLE_STYLE]
        twips = [str(_cm(width).twips) for width in _column_widths(block, self.width)]
        for column, width in zip(table._tbl.tblGrid.findall(_qn("w:gridCol")), twips, strict=False):
            column.set(_qn("w:w"), width)
        head_style, body_style = self._style_id("table_head"), self._style_id("table")
        together = len(block.display) <= _KEEP_TOGETHER_ROWS
        last = len(block.display)
        # The rows are written as XML: python-docx's cell, paragraph and run objects took ~0.2 s a report, most of
        # it finding where each element goes; the XML is the same (tests/batch/formats/test_docx.py compares it).
        for index in range(last + 1):
            tr = _sub(table._tbl, "w:tr")
            tr_pr = _sub(tr, "w:trPr")
            _sub(tr_pr, "w:cantSplit")  # a row never splits across pages
            if index == 0:
                _sub(tr_pr, "w:tblHeader")  # the header row repeats on every page
            for column in range(count):
                tc = _sub(tr, "w:tc")
                _sub(_sub(tc, "w:tcPr"), "w:tcW", {"w:type": "dxa", "w:w": twips[column]})
                p = _sub(tc, "w:p")
                p_pr = _sub(p, "w:pPr")
                _sub(p_pr, "w:pStyle", {"w:val": head_style if index == 0 else body_style})
                if together and index < last:
                    _sub(p_pr, "w:keepNext")
                if index == 0:
                    _add_run(p, self._clean(columns[column].label) if columns else "")
                    continue
                row = block.display[index - 1]
                _add_lines(p, self._clean(str(row[column] if column < len(row) else "")))
                kind = block.kind(index - 1, column)
                if kind in _NUMERIC_KINDS or kind in _CENTRED_KINDS:
                    _sub(p_pr, "w:jc", {"w:val": "right" if kind in _NUMERIC_KINDS else "center"})
        self._track(table._tbl)
        self._para("", "note").paragraph_format.space_after = 0  # Word joins two adjacent tables otherwise

    def _figure(self, block: Figure) -> None:
        from docx.shared import Inches

        self.figures += 1
        width_px, _height = _png_size(block.png)
        width = min(Inches(width_px / 100), _cm(self.width - 0.5))  # figures are saved at 100 dpi
        picture = self._para("", "figure")
        picture.paragraph_format.keep_with_next = True
        inline = picture.add_run().add_picture(io.BytesIO(block.png), width=width)
        doc_pr = inline._inline.docPr
        doc_pr.set("descr", self._clean(block.caption))
        caption = self._para("", "caption")
        caption.add_run(f"{self.words['figure']} {self.figures}.").bold = True
        caption.add_run(f" {self._clean(block.caption)}")

    # -- paragraphs -----------------------------------------------------------------------------------------------
    def _para(self, text: str, role: str) -> Any:
        paragraph = self._style(self.doc.add_paragraph(), role)
        if text:
            _add_lines(paragraph._p, text)
        self._track(paragraph._p)
        return paragraph

    def _heading(self, text: str, role: str, anchor: str) -> Any:
        name = (ANCHOR_PREFIX + anchor)[:40]
        # Set before the paragraph is made: the heading opens its own place, it does not close the one before.
        self.anchor = name
        paragraph = self._para(text, role)
        self.bookmarks += 1
        start = _element("w:bookmarkStart", {"w:id": str(self.bookmarks), "w:name": name})
        end = _element("w:bookmarkEnd", {"w:id": str(self.bookmarks)})
        paragraph._p.insert(1 if paragraph._p.pPr is not None else 0, start)
        paragraph._p.append(end)
        return paragraph

    def _hint(self, key: str) -> None:
        paragraph = self._para(_HINTS[key][self.lang], "analyst")
        if self.anchor is not None:
            self.hints.setdefault(self.anchor, []).append(paragraph._p)

    def _rule(self, length: float, width: float, *, container: Any = None) -> None:
        """An empty paragraph whose bottom border, between equal indents, draws a centred rule of ``length`` cm."""
        paragraph = self._style((container or self.doc).add_paragraph(), "rule")
        indent = max(0.0, (width - length) / 2)
        paragraph.paragraph_format.left_indent = _cm(indent)
        paragraph.paragraph_format.right_indent = _cm(indent)
        if container is None:
            self._track(paragraph._p)

    def _track(self, element: Any) -> None:
        if self.anchor is not None:
            self.ends[self.anchor] = element

    def _clean(self, text: str | None) -> str:
        return _clean(text)

    def _style(self, paragraph: Any, role: str) -> Any:
        """Give ``paragraph`` the style of ``role`` (by its id: python-docx's lookup by name scans every style)."""
        paragraph._p.style = self._style_id(role)
        return paragraph

    def _style_id(self, role: str) -> str:
        if role not in self.style_ids:
            self.style_ids[role] = self.doc.styles[STYLES[role]].style_id
        return self.style_ids[role]


# -- arranging the blocks -------------------------------------------------------------------------------------------


def _chunks(blocks: Sequence[Block]) -> tuple[list[Block], list[_Chunk]]:
    """Blocks before the first section heading (the first screen), and the sections with their sub-sections."""
    front: list[Block] = []
    chunks: list[_Chunk] = []
    for block in blocks:
        if isinstance(block, Meta):
            continue
        if isinstance(block, Heading):
            if block.level <= 1:
                continue
            key = block.section or block.chapter
            if block.level == 2 or not chunks:
                chunks.append(_Chunk(key, 2, block))
            else:
                chunks[-1].children.append(_Chunk(key, 3, block))
            continue
        if not chunks:
            front.append(block)
        elif chunks[-1].children:
            chunks[-1].children[-1].blocks.append(block)
        else:
            chunks[-1].blocks.append(block)
    return front, chunks


def _arrange(chunks: list[_Chunk]) -> dict[str, list[_Chunk]]:
    """Each section in its part; a sub-section that :data:`SECTION_PART` sends elsewhere becomes a section there."""
    parts: dict[str, list[_Chunk]] = {}
    for chunk in chunks:
        part = SECTION_PART.get(chunk.key or "", "results")
        kept = []
        for child in chunk.children:
            own = SECTION_PART.get(child.key or "", part) if child.key != chunk.key else part
            if own != part:
                parts.setdefault(own, []).append(_Chunk(child.key, 2, child.heading, child.blocks))
            else:
                kept.append(child)
        chunk.children = kept
        parts.setdefault(part, []).append(chunk)
    if "results" in parts:
        order = {id(c): i for i, c in enumerate(parts["results"])}
        parts["results"].sort(key=lambda c: (SECTION_TASK_AREA.get(c.key or "", 99), order[id(c)]))
    return parts


def _all_blocks(chunk: _Chunk) -> Iterable[Block]:
    yield from chunk.blocks
    for child in chunk.children:
        yield from child.blocks


def _is_scorecard(table: Table) -> bool:
    keys = {c.key for c in table.columns}
    return {"target", "label", "status"} <= keys


# -- the analyst's paragraphs ---------------------------------------------------------------------------------------


def _carry_edits(writer: _Writer, keep_from: bytes) -> None:
    """Copy the previous draft's paragraphs in the analyst's style after the content of the heading they followed."""
    from docx import Document

    try:
        previous = Document(io.BytesIO(keep_from))
    except Exception as err:
        raise ReportError(
            f"The previous Word draft given to keep the analyst's edits is not a Word file ({err}). "
            "Hint: move the broken file away and make the report again without --keep-edits."
        ) from err
    try:
        style_id = previous.styles[STYLES["analyst"]].style_id
    except KeyError:
        return  # a draft without the style has no kept paragraph
    kept: dict[str, list[Any]] = {}
    anchor = part = None
    for element in previous.element.body.iterchildren(_qn("w:p")):
        for mark in element.iter(_qn("w:bookmarkStart")):
            name = mark.get(_qn("w:name"), "")
            if name.startswith(ANCHOR_PREFIX):
                anchor = name
                if name.startswith(ANCHOR_PREFIX + "part_") or name == ANCHOR_PREFIX + "appendix":
                    part = name
        style = element.find(f"{_qn('w:pPr')}/{_qn('w:pStyle')}")
        if style is None or style.get(_qn("w:val")) != style_id:
            continue
        text = "".join(t.text or "" for t in element.iter(_qn("w:t"))).strip()
        if not text or text in HINT_TEXTS or anchor is None:
            continue
        place = anchor if anchor in writer.ends else part if part in writer.ends else ANCHOR_PREFIX + "part_5"
        kept.setdefault(place, []).append(_portable(element))
    for place, elements in kept.items():
        for hint in writer.hints.get(place, []):
            hint.getparent().remove(hint)
        after = writer.ends[place]
        if after.getparent() is None:  # the element was a hint just removed
            after = next(e for e in writer.doc.element.body.iter(_qn("w:p")) if _anchor_of(e) == place)
        for element in elements:
            after.addnext(element)
            after = element


def _portable(element: Any) -> Any:
    """A copy of a paragraph without what points into the old file (images, links, comments, bookmarks)."""
    element = copy.deepcopy(element)
    for node in list(element.iter()):
        if node.getparent() is None:
            continue
        tag = node.tag
        marks = (_qn("w:bookmarkStart"), _qn("w:bookmarkEnd"), _qn("w:commentRangeStart"), _qn("w:commentRangeEnd"))
        pointing = tag == _qn("w:r") and any(node.find(f".//{_qn(t)}") is not None for t in _POINTING)
        if tag in marks or pointing:
            node.getparent().remove(node)
        elif tag == _qn("w:hyperlink"):
            parent = node.getparent()
            for run in list(node):
                node.addprevious(run)
            parent.remove(node)
    return element


#: Run contents that refer to other parts of the old package (an image, a comment).
_POINTING = ("w:drawing", "w:pict", "w:object", "w:commentReference", "w:footnoteReference", "w:endnoteReference")


def _anchor_of(paragraph: Any) -> str | None:
    mark = paragraph.find(_qn("w:bookmarkStart"))
    return mark.get(_qn("w:name")) if mark is not None else None


# -- small helpers --------------------------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    """NFC text without the characters XML cannot hold (text is never interpreted: python-docx escapes it)."""
    return _NOT_XML.sub("", unicodedata.normalize("NFC", str(text or "")))


def _upper(text: str) -> str:
    return unicodedata.normalize("NFC", text.upper())


def _roman(number: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[number - 1]


def _report_date(meta: Meta) -> dt.date:
    try:
        return dt.date.fromisoformat(str(meta.date)[:10])
    except ValueError as err:
        raise ReportError(f"The report's date {meta.date!r} is not an ISO date (YYYY-MM-DD).") from err


def _place_and_date(place: str, date: dt.date, lang: str) -> str:
    """Place and date, e.g. "Định Hóa, ngày 06 tháng 12 năm 2026": days and months below 10 with a leading zero."""
    if lang == "en":
        return f"{place}, {date:%d} {_MONTHS_EN[date.month - 1]} {date.year}"
    return f"{place}, ngày {date:%d} tháng {date:%m} năm {date.year}"


def _add_lines(paragraph: Any, text: str) -> None:
    """Runs of ``text`` in the ``w:p`` element ``paragraph``, its line breaks as Word line breaks: a run per line,
    a ``w:br`` between (what python-docx's ``add_run(line)`` and ``add_break()`` write)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        run = _add_run(paragraph, line)
        if index < len(lines) - 1:
            _sub(run, "w:br")


def _column_widths(block: Table, total: float) -> list[float]:
    """Column widths (cm): every column at least as wide as its longest word (a number is never broken), the room
    left shared in proportion to how much wider each column's longest line would like to be."""
    count = max(1, len(block.columns))
    least, wanted = [], []
    for column in range(count):
        label = block.columns[column].label if block.columns else ""
        cells = [str(row[column]) for row in block.display if column < len(row)]
        words = [len(w) for text in cells for w in text.split()]
        # Numbers read as one word with their unit ("100,0 %"): a cell of up to 10 characters is kept whole.
        whole = [len(c) for c in cells if len(c) <= 10]
        head = max((len(w) for w in label.split()), default=1)
        least.append(max(_CHAR_CM * max([*words, *whole, 1]), _BOLD_CHAR_CM * head) + _CELL_PADDING)
        wanted.append(_CHAR_CM * min(45, max([len(c) for c in cells] + [len(label) * 0.6, 1])) + _CELL_PADDING)
    wanted = [max(w, m) for w, m in zip(wanted, least, strict=True)]
    if sum(least) >= total:
        return [m * total / sum(least) for m in least]
    room, extra = total - sum(least), [w - m for w, m in zip(wanted, least, strict=True)]
    if sum(extra) <= room:  # everything fits on one line: share what is left equally
        spare = (room - sum(extra)) / count
        return [w + spare for w in wanted]
    return [m + room * e / sum(extra) for m, e in zip(least, extra, strict=True)]


def _no_borders(table: Any) -> None:
    tbl_pr = table._tbl.tblPr
    borders = _element("w:tblBorders", {})
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_element(f"w:{side}", {"w:val": "nil"}))
    tbl_pr.append(borders)


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ReportError("A figure of the report is not a PNG image; run the report again.")
    return struct.unpack(">II", png[16:24])


def _cm(value: float) -> Any:
    from docx.shared import Cm

    return Cm(value)


@cache
def _qn(tag: str) -> str:
    """``w:p`` → ``{http://…/wordprocessingml/2006/main}p`` (python-docx's ``qn``), once per name: a report's draft
    asks for the same few dozen names ~50,000 times."""
    from docx.oxml.ns import qn

    return qn(tag)


def _sub(parent: Any, tag: str, attributes: dict[str, str] | None = None) -> Any:
    """Append a new ``tag`` element (with ``attributes``, in their order) to ``parent``; return it."""
    return _subelement()(parent, _qn(tag), {_qn(k): v for k, v in attributes.items()} if attributes else {})


@cache
def _subelement() -> Any:
    from lxml import etree

    return etree.SubElement


def _add_run(paragraph: Any, text: str) -> Any:
    """Append a run of ``text`` to the ``w:p`` element ``paragraph`` as python-docx's ``add_run(text)`` writes it: a
    ``w:t`` per stretch of text (``xml:space="preserve"`` when it starts or ends with white space), ``w:tab`` for a
    tab, ``w:br`` for a line break; an empty text gives an empty run."""
    run = _sub(paragraph, "w:r")
    for piece in re.split(r"([\t\r\n])", text):
        if piece == "\t":
            _sub(run, "w:tab")
        elif piece in ("\r", "\n"):
            _sub(run, "w:br")
        elif piece:
            t = _sub(run, "w:t")
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_qn("xml:space"), "preserve")
    return run


def _element(tag: str, attributes: dict[str, str]) -> Any:
    from docx.oxml import OxmlElement

    element = OxmlElement(tag)
    for key, value in attributes.items():
        element.set(_qn(key), value)
    return element


def _check_styles(document: Any, template: Path) -> None:
    names = {style.name for style in document.styles}
    missing = [name for name in STYLES.values() if name not in names]
    if "Table Grid" not in names:
        missing.append("Table Grid")
    if missing:
        raise ReportError(
            f"The Word template {template} has no style {', '.join(repr(m) for m in missing)}, which the writer uses. "
            "Hint: start from the shipped template (danvan_analysis/batch/templates/word/bao_cao.docx) and restyle it "
            "rather than deleting styles."
        )


def _stable_zip(data: bytes) -> bytes:
    """The same package with fixed member dates, so one report always gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
