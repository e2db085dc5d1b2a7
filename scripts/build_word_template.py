"""Build the Word template of the reports: danvan_analysis/batch/templates/word/bao_cao.docx.

    .venv/bin/python scripts/build_word_template.py [OUT]

The template holds the layout of Decree 30/2020/NĐ-CP (Phụ lục I): A4, margins 20/20/30/15 mm, Times New Roman,
14 pt justified body with a 1.27 cm first-line indent and 6 pt after each paragraph, the page number centred in the
top margin from page 2 (a different first page), and one named style per role of
``danvan_analysis.batch.formats.docx.STYLES``. The writer uses the styles and sets no font or size itself, so an office
that restyles this file (or its own copy, named in the plan file's ``report.word_template``) restyles every draft.
The shipped file is this script's output; tests/batch/formats/test_docx_template.py checks that they agree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from danvan_analysis.batch.formats.docx import STYLES, TEMPLATE

FONT = "Times New Roman"
LEFT, CENTRE, JUSTIFY = WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY

# role: (style it is based on, size pt, bold, italic, alignment, first-line indent cm, before pt, after pt)
LOOKS: dict[str, tuple[str | None, float, bool, bool, object, float | None, float, float]] = {
    "body": (None, 14, False, False, JUSTIFY, 1.27, 0, 6),
    "part": ("body", 14, True, False, JUSTIFY, 1.27, 6, 6),
    "item": ("body", 14, True, False, JUSTIFY, 1.27, 6, 6),
    "subitem": ("body", 14, True, True, JUSTIFY, 1.27, 3, 6),
    "header_cell": ("body", 13, False, False, CENTRE, 0, 0, 0),
    "header_bold": ("header_cell", 13, True, False, CENTRE, 0, 0, 0),
    "motto": ("header_cell", 14, True, False, CENTRE, 0, 0, 0),
    "date": ("header_cell", 14, False, True, CENTRE, 0, 0, 0),
    "rule": ("header_cell", 2, False, False, CENTRE, 0, 3, 6),
    "title": ("body", 14, True, False, CENTRE, 0, 18, 0),
    "subject": ("title", 14, True, False, CENTRE, 0, 0, 0),
    "note": ("body", 13, False, True, JUSTIFY, 1.27, 0, 6),
    "caption": ("body", 13, False, True, CENTRE, 0, 6, 6),
    "figure": ("body", 14, False, False, CENTRE, 0, 6, 0),
    "table": ("body", 11, False, False, LEFT, 0, 0, 0),
    "table_head": ("table", 11, True, False, CENTRE, 0, 0, 0),
    "demo": ("body", 11, True, False, CENTRE, 0, 6, 6),
    "analyst": ("body", 14, False, False, JUSTIFY, 1.27, 0, 6),
    "recipients_head": ("body", 12, True, True, LEFT, 0, 0, 0),
    "recipients": ("body", 11, False, False, LEFT, 0, 0, 0),
    "signature": ("body", 14, True, False, CENTRE, 0, 0, 0),
    "appendix_title": ("title", 14, True, False, CENTRE, 0, 0, 0),
    "appendix_note": ("body", 14, False, True, CENTRE, 0, 0, 12),
    "page_header": ("body", 13, False, False, CENTRE, 0, 0, 0),
}
#: Styles the office is likely to touch appear in Word's style gallery.
GALLERY = ("body", "part", "item", "subitem", "note", "caption", "analyst")


def build(out: Path) -> Path:
    """Write the template to ``out``."""
    document = Document()
    _defaults(document)
    for role, (base, size, bold, italic, align, indent, before, after) in LOOKS.items():
        name = STYLES[role]
        styles = document.styles
        style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        if role != "body":
            style.base_style = styles[STYLES[base]] if base else None
        style.hidden = False
        style.quick_style = role in GALLERY
        font = style.font
        font.size, font.bold, font.italic = Pt(size), bold, italic
        _plain_font(style.element)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Cm(indent) if indent is not None else None
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if role == "rule":
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(2)
            _bottom_border(style.element)
        elif role in ("body",):
            fmt.line_spacing = 1.15
        elif role.startswith(("header", "table", "recipients", "signature", "motto", "date", "page")):
            fmt.line_spacing = 1.0
        if role in ("part", "item", "subitem", "title", "subject", "caption"):
            fmt.keep_with_next = role != "caption"
        if role == "demo":
            _box(style.element)
        fmt.widow_control = True
    for name in ("Heading 1", "Heading 2", "Heading 3", "Caption", "Header"):
        document.styles[name].element.get_or_add_rPr()  # black, no theme colour
        _plain_font(document.styles[name].element)
    _page(document)
    _explain(document)
    package = document.part.package
    for r_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):  # python-docx's own sample page, not this template
            package.rels.pop(r_id)
    props = document.core_properties
    props.title, props.author, props.last_modified_by = "Mẫu báo cáo (Nghị định 30/2020/NĐ-CP)", "danvan-analysis", ""
    props.comments, props.language, props.revision = "", "vi-VN", 1
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def _defaults(document: Document) -> None:
    """Times New Roman, 14 pt, Vietnamese, for everything (table cells included), with no theme font."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    for child in list(r_pr):
        r_pr.remove(child)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    r_pr.append(fonts)
    for tag in ("w:sz", "w:szCs"):
        size = OxmlElement(tag)
        size.set(qn("w:val"), "28")
        r_pr.append(size)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    r_pr.append(lang)
    p_pr = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}")
    spacing = p_pr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "120")


def _plain_font(style_element) -> None:
    """Times New Roman named outright (a theme font would win over it) and black text."""
    r_pr = style_element.get_or_add_rPr()
    size = r_pr.find(qn("w:sz"))
    for old in r_pr.findall(qn("w:szCs")):
        r_pr.remove(old)
    if size is not None:
        complex_size = OxmlElement("w:szCs")
        complex_size.set(qn("w:val"), size.get(qn("w:val")))
        size.addnext(complex_size)
    for tag in ("w:rFonts", "w:color"):
        for old in r_pr.findall(qn(tag)):
            r_pr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    r_pr.insert(0, fonts)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "000000")
    r_pr.append(color)


def _border(tag: str) -> OxmlElement:
    border = OxmlElement(tag)
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        border.set(qn(key), value)
    return border


def _bottom_border(style_element) -> None:
    borders = OxmlElement("w:pBdr")
    borders.append(_border("w:bottom"))
    style_element.get_or_add_pPr().append(borders)


def _box(style_element) -> None:
    borders = OxmlElement("w:pBdr")
    for side in ("w:top", "w:left", "w:bottom", "w:right"):
        borders.append(_border(side))
    style_element.get_or_add_pPr().append(borders)


def _page(document: Document) -> None:
    """A4 portrait, Decree 30 margins, the page number centred at the top from page 2."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    section.different_first_page_header_footer = True
    header = section.header.paragraphs[0]
    header.style = document.styles[STYLES["page_header"]]
    _page_field(header)
    section.first_page_header.paragraphs[0].style = document.styles[STYLES["page_header"]]


def _page_field(paragraph) -> None:
    """A PAGE field (Word and LibreOffice compute it; "1" is the result shown before they do)."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def _explain(document: Document) -> None:
    body = document.add_paragraph(style=STYLES["body"])
    body.add_run(
        "Mẫu báo cáo của danvan-analysis. Sửa kiểu chữ, cỡ chữ, giãn dòng, lề trang ở các kiểu (Styles) và ở "
        "Bố cục trang; mọi báo cáo tạo sau đó theo mẫu này. Không xóa các kiểu; nội dung trang này được thay bằng "
        "báo cáo. Viết ý kiến của mình bằng kiểu “Ý kiến cán bộ” để giữ lại khi tạo lại báo cáo (docs/word_format.md)."
    )
    english = document.add_paragraph(style=STYLES["note"])
    english.add_run(
        "The report template of danvan-analysis: restyle the styles and the page layout, do not delete styles; "
        "the report replaces this page. Text in the style “Ý kiến cán bộ” survives a regeneration."
    )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE
    print(build(target))
