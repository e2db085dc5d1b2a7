"""The Word draft: Decree 30/2020/NĐ-CP layout read back with python-docx, every table and figure, text never
interpreted, the analyst's edits kept; then rendered by LibreOffice (slow)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Cm, Pt

from danvan_analysis.batch.formats.blocks import Figure, Table
from danvan_analysis.batch.formats.docx import (
    SECTION_PART,
    SECTION_TASK_AREA,
    STYLES,
    DocxOptions,
    docx_options,
    write_docx,
)
from danvan_analysis.errors import PlanError, ReportError
from danvan_analysis.plan import load_plan, plan_from_text
from danvan_analysis.reports.sections import SECTION_TITLES

from .docx_helpers import INJECTION, INJECTION_SHOWN, district_blocks, png, small_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _open(data: bytes):
    return Document(io.BytesIO(data))


def _texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def _cell_texts(table) -> list[str]:
    return [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]


@pytest.fixture(scope="module")
def small() -> bytes:
    return write_docx(small_report(), DocxOptions())


@pytest.fixture(scope="module")
def district() -> bytes:
    options = DocxOptions(
        recipients=("Sở Nội vụ (b/c);", "Thường trực Huyện ủy (b/c);"),
        signer_authority="TM. Ủy ban nhân dân",
        signer_title="Chủ tịch",
    )
    return write_docx(district_blocks(), options)


# -- page and type --------------------------------------------------------------------------------------------------
def test_page_is_a4_with_the_decree_margins(small):
    section = _open(small).sections[0]
    mm = {k: round(getattr(section, k).mm, 1) for k in ("page_width", "page_height", "top_margin", "bottom_margin",
                                                         "left_margin", "right_margin")}  # fmt: skip
    assert (mm["page_width"], mm["page_height"]) == (210.0, 297.0)
    assert 20 <= mm["top_margin"] <= 25 and 20 <= mm["bottom_margin"] <= 25
    assert 30 <= mm["left_margin"] <= 35 and 15 <= mm["right_margin"] <= 20


def test_body_is_times_new_roman_14_justified_with_indent_and_space_after(small):
    document = _open(small)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    assert normal.paragraph_format.alignment == 3  # justify
    assert Cm(1.0) <= normal.paragraph_format.first_line_indent <= Cm(1.27) + 100
    assert normal.paragraph_format.space_after >= Pt(6)
    fonts = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}ascii") == fonts.get(f"{W}hAnsi") == "Times New Roman"
    for role in ("part", "item", "subitem", "header_bold", "motto", "title", "subject", "signature"):
        style = document.styles[STYLES[role]]
        assert style.font.name == "Times New Roman" and style.font.bold, role
        assert Pt(13) <= style.font.size <= Pt(14), role
    assert document.styles[STYLES["recipients_head"]].font.size == Pt(12)
    assert (
        document.styles[STYLES["recipients_head"]].font.bold and document.styles[STYLES["recipients_head"]].font.italic
    )
    assert document.styles[STYLES["recipients"]].font.size == Pt(11)


def test_page_number_field_centred_in_the_header_from_page_two(small):
    section = _open(small).sections[0]
    assert section.different_first_page_header_footer
    page_header = section.header._element
    instructions = "".join(t.text for t in page_header.iter(f"{W}instrText"))
    assert instructions.strip() == "PAGE"
    assert (
        section.header.paragraphs[0].alignment == 1
        or section.header.paragraphs[0].style.paragraph_format.alignment == 1
    )
    first = section.first_page_header._element
    assert not list(first.iter(f"{W}instrText")) and not list(first.iter(f"{W}fldSimple"))


# -- the national header, title and subject -------------------------------------------------------------------------
def test_header_table_holds_issuer_number_nation_motto_and_date_with_leading_zeros(small):
    document = _open(small)
    header = document.tables[0]
    assert header._tbl.tblPr.find(f"{W}tblBorders/{W}top").get(f"{W}val") == "nil"
    (issuer_cell, nation_cell), (number_cell, date_cell) = ([c for c in row.cells] for row in header.rows)
    issuer = issuer_cell.paragraphs[0]
    assert issuer.text == "UBND HUYỆN ĐỊNH HÓA" and issuer.style.font.bold
    # a short rule under the issuer: a bordered empty paragraph narrower than the column
    rule = issuer_cell.paragraphs[1]
    assert rule.text == "" and rule.style.element.find(f"{W}pPr/{W}pBdr/{W}bottom") is not None
    assert rule.paragraph_format.left_indent > Cm(1)
    assert re.fullmatch(r"Số: +/BC-UBND", number_cell.paragraphs[0].text)
    nation, motto = nation_cell.paragraphs[0], nation_cell.paragraphs[1]
    assert nation.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and nation.style.font.bold
    assert motto.text == "Độc lập - Tự do - Hạnh phúc" and motto.style.font.bold
    motto_rule = nation_cell.paragraphs[2]
    assert motto_rule.style.element.find(f"{W}pPr/{W}pBdr/{W}bottom") is not None
    # the rule as long as the motto (about 6.3 cm at 14 pt) in a 10 cm column less 0.38 cm of padding
    rule_length = Cm(10.0 - 0.38) - motto_rule.paragraph_format.left_indent - motto_rule.paragraph_format.right_indent
    assert Cm(5.8) <= rule_length <= Cm(6.8)
    date = date_cell.paragraphs[0]
    assert date.text == "Định Hóa, ngày 05 tháng 03 năm 2026"  # 2026-03-05: day and month with a leading zero
    assert date.style.font.italic


def test_title_and_subject_follow_the_header(small):
    texts = _texts(_open(small))
    assert texts[0] == "BÁO CÁO"
    assert texts[1] == "Kết quả thực hiện công tác dân vận chính quyền năm 2023"
    document = _open(small)
    assert document.paragraphs[0].style.name == STYLES["title"] and document.paragraphs[0].style.font.bold
    assert document.paragraphs[0].style.paragraph_format.alignment == 1


def test_issuer_parent_is_above_the_issuer_and_not_bold():
    blocks = small_report(issuer="Sở Nội vụ", issuer_parent="UBND tỉnh Thái Nguyên", symbol="BC-SNV")
    header = _open(write_docx(blocks)).tables[0]
    left = header.rows[0].cells[0].paragraphs
    assert [left[0].text, left[1].text] == ["UBND TỈNH THÁI NGUYÊN", "SỞ NỘI VỤ"]
    assert not left[0].style.font.bold and left[1].style.font.bold
    assert header.rows[1].cells[0].paragraphs[0].text.endswith("/BC-SNV")


# -- the outline ----------------------------------------------------------------------------------------------------
def _headings(document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def test_parts_are_numbered_i_to_v_in_the_usual_outline(small):
    parts = _headings(_open(small), "Heading 1")
    assert parts == [
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "II. KẾT QUẢ THỰC HIỆN",
        "III. ĐÁNH GIÁ CHUNG",
        "IV. NHIỆM VỤ KỲ TỚI",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
    ]


def test_each_section_lands_in_its_part(small):
    document = _open(small)
    part = None
    where = {}
    for paragraph in document.paragraphs:
        if paragraph.style.name == "Heading 1":
            part = paragraph.text.split(".")[0]
        elif paragraph.style.name in ("Heading 2", "Heading 3"):
            where[paragraph.text.split(" ", 1)[1]] = part
    assert where["Ban hành kế hoạch"] == "I"  # plans issued: leadership, out of its democracy section
    assert where["Mức độ hài lòng của người dân"] == "II"
    assert where["Đối thoại trực tiếp với Nhân dân"] == "II"
    assert where["Ghi chú của các cuộc đối thoại"] == "II"
    assert where["Tóm tắt kết quả thực hiện các chỉ tiêu"] == "III"
    assert where["Còn phải làm đến cuối năm"] == "IV"
    assert where["Kiến nghị"] == "V"
    items = _headings(document, "Heading 2")
    # results in the order of the plan's task areas: satisfaction (2) before dialogues (4) before democracy (6)
    results = [t for t in items if where.get(t.split(" ", 1)[1]) == "II"]
    assert results == [
        "1. Mức độ hài lòng của người dân",
        "2. Đối thoại trực tiếp với Nhân dân",
        "3. Thực hiện dân chủ ở cơ sở",
    ]
    assert "a) Ghi chú của các cuộc đối thoại" in _headings(document, "Heading 3")


def test_assessment_lists_achievements_and_shortcomings_from_the_scorecard(small):
    texts = _texts(_open(small))
    start = texts.index("III. ĐÁNH GIÁ CHUNG")
    end = texts.index("IV. NHIỆM VỤ KỲ TỚI")
    part = texts[start:end]
    assert "1. Ưu điểm" in part and "2. Hạn chế, nguyên nhân" in part
    assert "- Chỉ tiêu 1: Ban hành kế hoạch (100,0 %)" in part
    assert "- Chỉ tiêu 3: Đối thoại (80,0 %)" in part
    assert part.index("- Chỉ tiêu 1: Ban hành kế hoạch (100,0 %)") < part.index("2. Hạn chế, nguyên nhân")
    assert "Kết quả thực hiện các chỉ tiêu: Đạt 1/2; Chưa đạt 1/2; Chưa đủ dữ liệu 0/2." in part
    assert "3. Tóm tắt kết quả thực hiện các chỉ tiêu" in part


def test_every_section_key_of_the_outline_is_a_report_section():
    assert set(SECTION_PART) <= set(SECTION_TITLES)
    assert set(SECTION_TASK_AREA) <= set(SECTION_TITLES)


def test_appendix_follows_the_signature(small):
    document = _open(small)
    body = list(document.element.body.iterchildren())
    signature = document.tables[-1]._tbl
    appendix = next(p for p in document.paragraphs if p.text == "PHỤ LỤC")
    assert body.index(signature) < body.index(appendix._p)
    assert appendix.paragraph_format.page_break_before
    assert any(p.text.startswith("(Kèm theo Báo cáo số") and "ngày 05/03/2026 của UBND huyện Định Hóa" in p.text
               for p in document.paragraphs)  # fmt: skip


# -- tables and figures ---------------------------------------------------------------------------------------------
def _data_tables(document):
    return document.tables[1:-1]  # the national header and the signature are layout tables


def test_every_table_and_figure_of_the_district_report_once_and_numbered(district):
    blocks = district_blocks()
    tables = [b for b in blocks if isinstance(b, Table)]
    figures = [b for b in blocks if isinstance(b, Figure)]
    assert len(tables) >= 10 and len(figures) >= 3  # the fixture is a real report
    document = _open(district)
    data_tables = _data_tables(document)
    assert len(data_tables) == len(tables)
    # each block's header row is a Word table's header row, as often as the block is in the report
    shown_headers = sorted(tuple(c.text for c in t.rows[0].cells) for t in data_tables)
    assert shown_headers == sorted(tuple(c.label for c in t.columns) for t in tables)
    for table in data_tables:
        assert len(table.rows) - 1 in {len(b.display) for b in tables}
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    table_numbers = [int(m[1]) for c in captions if (m := re.match(r"Bảng (\d+)\.", c))]
    figure_numbers = [int(m[1]) for c in captions if (m := re.match(r"Hình (\d+)\.", c))]
    assert table_numbers == list(range(1, len(tables) + 1))
    assert figure_numbers == list(range(1, len(figures) + 1))
    images = document.inline_shapes
    assert len(images) == len(figures)
    stored = {part.blob for part in document.part.package.parts if part.partname.endswith(".png")}
    assert stored == {f.png for f in figures}


def test_cells_show_the_html_strings(district):
    blocks = district_blocks()
    tables = [b for b in blocks if isinstance(b, Table)]
    document = _open(district)
    words = {text for t in _data_tables(document) for text in _cell_texts(t)}
    for block in tables:
        for row in block.display:
            for cell in row:
                assert unicodedata.normalize("NFC", cell) in words


def test_table_header_repeats_and_rows_do_not_split(small):
    table = _data_tables(_open(small))[0]
    first = table.rows[0]._tr.trPr
    assert first.find(f"{W}tblHeader") is not None
    assert all(row._tr.trPr.find(f"{W}cantSplit") is not None for row in table.rows)


def _python_docx_table(document, block: Table) -> object:
    """The table as python-docx's own objects write it (cells, paragraphs, runs, alignment, keep-with-next): the
    reference for the writer, which writes the rows' XML directly."""
    from docx.oxml import OxmlElement

    from danvan_analysis.batch.formats.docx import _column_widths

    section = document.sections[0]
    widths = _column_widths(block, (section.page_width - section.left_margin - section.right_margin) / 360000)
    head, body = (document.styles[STYLES[role]].style_id for role in ("table_head", "table"))
    table = document.add_table(rows=1 + len(block.display), cols=max(1, len(block.columns)))
    table.style = document.styles["Table Grid"]
    together = len(block.display) <= 25
    for index, row in enumerate(table.rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if index == 0:
            row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for column, cell in enumerate(row.cells):
            cell.width = Cm(widths[column])
            paragraph = cell.paragraphs[0]
            if index == 0:
                paragraph._p.style = head
                paragraph.add_run(block.columns[column].label if block.columns else "")
            else:
                paragraph._p.style = body
                cells = block.display[index - 1]
                lines = (cells[column] if column < len(cells) else "").split("\n")
                for number, line in enumerate(lines):
                    run = paragraph.add_run(line)
                    if number < len(lines) - 1:
                        run.add_break()
                kind = block.kind(index - 1, column)
                if kind in ("number", "percent", "fraction", "count", "ratio", "pvalue", "year", "mixed"):
                    paragraph.alignment = 2
                elif kind in ("date", "bool", "status"):
                    paragraph.alignment = 1
            if together and index < len(table.rows) - 1:
                paragraph.paragraph_format.keep_with_next = True
    for column, width in zip(table.columns, widths, strict=False):
        column.width = Cm(width)
    return table._tbl


def test_tables_are_the_xml_python_docx_writes():
    from lxml import etree

    from danvan_analysis.batch.formats.blocks import Column

    odd = Table(
        caption="Bảng thử",
        source=None,
        columns=(
            Column("label", "Nội dung\nhai dòng", "text"),
            Column("value", "", "mixed", ("percent", "text", "count")),
            Column("date", "Ngày", "date"),
            Column("status", "Kết quả", "status"),
        ),
        rows=((None,) * 4,) * 3,
        display=(
            ("Đối thoại\ntrực tiếp", "82,5 %", "05/03/2023", "Đạt"),
            (" đầu có dấu cách", "tab\tở giữa", "", "Chưa đạt"),
            ("hàng ngắn",),
        ),
        suppressed=((None,) * 4,) * 3,
        section="dialogues",
    )
    long = Table(
        caption="Bảng dài",
        source=None,
        columns=(Column("commune", "Xã", "text"), Column("n", "Số lượng", "count")),
        rows=((None, None),) * 30,
        display=tuple((f"Xã số {i}", str(i)) for i in range(30)),  # more rows than are kept together
        suppressed=((None, None),) * 30,
        section="dialogues",
    )
    bare = Table(caption="Không cột", source=None, columns=(), rows=(), display=(), suppressed=())
    blocks = small_report()
    at = next(i for i, b in enumerate(blocks) if isinstance(b, Table) and b.source == "dialogues") + 1
    blocks[at:at] = [odd, long, dataclasses.replace(bare, section="dialogues")]
    document = _open(write_docx(blocks))
    written = {t.rows[0].cells[0].text: t._tbl for t in document.tables}
    for block in (odd, long, bare):
        first = block.columns[0].label if block.columns else ""
        expected = etree.tostring(_python_docx_table(document, block))
        assert etree.tostring(written[first]) == expected, block.caption


def test_figure_is_no_wider_than_the_text(small):
    document = _open(small)
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    assert all(shape.width <= text_width for shape in document.inline_shapes)
    widths = sorted(shape.width for shape in document.inline_shapes)
    # a 480 px figure saved at 100 dpi keeps its size, 4.8 in; one of 900 px (9 in) is cut to 16.5 - 0.5 = 16 cm
    assert abs(widths[0] - int(4.8 * 914400)) < 1000
    assert abs(widths[1] - Cm(16.0)) < 1000


# -- text is never interpreted --------------------------------------------------------------------------------------
def test_xml_and_template_syntax_in_the_data_show_literally(small):
    document = _open(small)
    texts = _texts(document) + [t for table in document.tables for t in _cell_texts(table)]
    assert f"Ghi chú: {INJECTION_SHOWN}" in texts
    assert f"- {INJECTION_SHOWN}" in texts
    assert INJECTION_SHOWN in texts  # the notes table cell
    xml = zipfile.ZipFile(io.BytesIO(small)).read("word/document.xml").decode("utf-8")
    assert "&lt;w:t&gt;x&lt;/w:t&gt;" in xml and "{{ x }}" in xml and "&amp;" in xml
    assert "\x07" not in xml
    assert INJECTION not in xml


def test_control_characters_are_removed_everywhere():
    blocks = small_report(issuer="UBND huyện\x0b Định Hóa", subject="Kết quả\x00 năm 2023")
    document = _open(write_docx(blocks))
    assert document.tables[0].rows[0].cells[0].paragraphs[0].text == "UBND HUYỆN ĐỊNH HÓA"
    assert _texts(document)[1] == "Kết quả năm 2023"


# -- demo, language, signature, options -----------------------------------------------------------------------------
def test_demo_banner_on_every_page_and_at_the_top_of_the_body():
    text = "DỮ LIỆU MINH HỌA — không phải số liệu thật"
    document = _open(write_docx(small_report(demo=True, demo_text=text)))
    section = document.sections[0]
    assert text in [p.text for p in section.header.paragraphs]
    assert text in [p.text for p in section.first_page_header.paragraphs]
    body = _texts(document)
    assert body.index(text) < body.index("BÁO CÁO")


def test_no_banner_without_demo_data(small):
    document = _open(small)
    assert not any("MINH HỌA" in p.text for p in document.sections[0].header.paragraphs + document.paragraphs)


def test_english_report_has_english_headings():
    blocks = small_report(lang="en", place="Định Hóa", date="2026-12-06")
    document = _open(write_docx(blocks))
    assert _headings(document, "Heading 1")[0] == "I. LEADERSHIP AND DIRECTION"
    header = document.tables[0]
    assert header.rows[0].cells[1].paragraphs[0].text == "SOCIALIST REPUBLIC OF VIET NAM"
    assert header.rows[1].cells[1].paragraphs[0].text == "Định Hóa, 06 December 2026"
    assert _texts(document)[0] == "REPORT"


def test_signature_block_blank_by_default_and_filled_from_options(small):
    signature = _open(small).tables[-1]
    left, right = signature.rows[0].cells
    assert [p.text for p in left.paragraphs] == ["Nơi nhận:", "- Lưu: VT."]
    assert all(p.text == "" for p in right.paragraphs)
    options = DocxOptions(
        signer_name="Nguyễn Văn A", signer_title="Phó Chủ tịch", signer_authority="KT. Chủ tịch",
        recipients=("Sở Nội vụ (b/c);",),
    )  # fmt: skip
    signature = _open(write_docx(small_report(), options)).tables[-1]
    left, right = signature.rows[0].cells
    assert [p.text for p in left.paragraphs] == ["Nơi nhận:", "- Sở Nội vụ (b/c);", "- Lưu: VT."]
    shown = [p.text for p in right.paragraphs if p.text]
    assert shown == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]
    assert all(p.style.font.bold for p in right.paragraphs)


def test_same_report_gives_the_same_bytes(small):
    assert write_docx(small_report(), DocxOptions()) == small


def test_report_without_title_block_is_refused():
    with pytest.raises(ReportError, match="title block"):
        write_docx(small_report()[1:])


def test_template_without_a_style_is_refused(tmp_path):
    template = Document(str(Path(__file__).resolve().parents[3] / "danvan_analysis/batch/templates/word/bao_cao.docx"))
    template.styles[STYLES["analyst"]].element.getparent().remove(template.styles[STYLES["analyst"]].element)
    path = tmp_path / "mau.docx"
    template.save(str(path))
    with pytest.raises(ReportError, match="Ý kiến cán bộ"):
        write_docx(small_report(), DocxOptions(template=path))


# -- the plan file's report section ---------------------------------------------------------------------------------
_REPORT_SECTION = """
report:
  word_template: mau_cua_huyen.docx
  district:
    signer_authority: TM. ỦY BAN NHÂN DÂN
    signer_title: CHỦ TỊCH
    recipients: ["Sở Nội vụ (b/c);", "Thường trực Huyện ủy (b/c);"]
  province:
    symbol: BC-UBND
"""


def _shipped_text() -> str:
    return Path(load_plan().source).read_text(encoding="utf-8")


def test_docx_options_read_the_plan_and_the_command_line_wins():
    plan = plan_from_text(_shipped_text() + _REPORT_SECTION)
    options = docx_options(plan, "district")
    assert options.signer_authority == "TM. ỦY BAN NHÂN DÂN" and options.signer_title == "CHỦ TỊCH"
    assert options.signer_name == ""
    assert options.recipients == ("Sở Nội vụ (b/c);", "Thường trực Huyện ủy (b/c);")
    assert options.template == Path("mau_cua_huyen.docx")  # a plan given as text: relative to the working folder
    assert options.plan_title.startswith(plan.title("vi"))
    override = docx_options(plan, "district", signer_name="Trần Thị B", signer_title="PHÓ CHỦ TỊCH")
    assert (override.signer_name, override.signer_title) == ("Trần Thị B", "PHÓ CHỦ TỊCH")
    assert docx_options(plan, "agency") == DocxOptions(plan_title=options.plan_title, template=options.template)


def test_docx_options_blank_without_a_report_section():
    options = docx_options(load_plan(), "district")
    assert (options.signer_name, options.signer_title, options.signer_authority, options.recipients) == ("", "", "", ())
    assert options.symbol is None and options.template is None


def test_template_path_is_relative_to_the_plan_file(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(_shipped_text() + _REPORT_SECTION, encoding="utf-8")
    assert docx_options(load_plan(path), "province").template == tmp_path / "mau_cua_huyen.docx"


def test_unknown_field_of_the_report_section_is_a_plan_error():
    with pytest.raises(PlanError, match=r"report\.district\.signer"):
        plan_from_text(_shipped_text() + "\nreport:\n  district:\n    signer: Nguyễn Văn A\n")


# -- the analyst's edits --------------------------------------------------------------------------------------------
def test_analyst_paragraphs_survive_regeneration_and_figures_are_new():
    first = _open(write_docx(small_report(figure_shade=0)))
    # The analyst types over the hint of part I and adds a paragraph of their own after the dialogue notes table.
    hint = next(p for p in first.paragraphs if p.style.name == STYLES["analyst"] and p.text.startswith("[Cán bộ"))
    for run in hint.runs[1:]:
        run._r.getparent().remove(run._r)
    hint.runs[0].text = "Ban Thường vụ Huyện ủy ban hành Kế hoạch số 15-KH/HU ngày 02/02/2023."
    notes_heading = next(p for p in first.paragraphs if p.text == "a) Ghi chú của các cuộc đối thoại")
    notes_table = notes_heading._p.getnext().getnext()  # the caption, then the table
    own = first.add_paragraph("Nhận xét: các cuộc đối thoại tập trung ở xã vùng cao.", style=STYLES["analyst"])
    own.runs[0].bold = True
    notes_table.addnext(own._p)
    edited = io.BytesIO()
    first.save(edited)

    again = write_docx(small_report(figure_shade=200), keep_from=edited.getvalue())
    document = _open(again)
    texts = _texts(document)
    assert texts.count("Ban Thường vụ Huyện ủy ban hành Kế hoạch số 15-KH/HU ngày 02/02/2023.") == 1
    kept = texts.index("Ban Thường vụ Huyện ủy ban hành Kế hoạch số 15-KH/HU ngày 02/02/2023.")
    assert texts[kept - 1] == "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO"
    assert not any(t.startswith("[Cán bộ bổ sung: các văn bản") for t in texts)  # the hint it replaced is gone
    remark = next(p for p in document.paragraphs if p.text.startswith("Nhận xét: các cuộc đối thoại"))
    assert remark.runs[0].bold  # the analyst's formatting comes along
    # after the dialogue section's content, before the next section
    assert texts.index(remark.text) < texts.index("3. Thực hiện dân chủ ở cơ sở")
    assert texts.index(remark.text) > texts.index("a) Ghi chú của các cuộc đối thoại")
    # the other hints are still there, once
    assert sum(t.startswith("[Cán bộ bổ sung: nhiệm vụ") for t in texts) == 1
    # the figures are the new ones
    new = {f.png for f in small_report(figure_shade=200) if isinstance(f, Figure)}
    stored = {part.blob for part in document.part.package.parts if part.partname.endswith(".png")}
    assert stored == new and new.isdisjoint({f.png for f in small_report(figure_shade=0) if isinstance(f, Figure)})


def test_regeneration_without_edits_changes_nothing(small):
    assert write_docx(small_report(), keep_from=small) == small


def test_keep_from_a_broken_file_is_a_report_error():
    with pytest.raises(ReportError, match="not a Word file"):
        write_docx(small_report(), keep_from=b"PK not really")


# -- rendered by LibreOffice ----------------------------------------------------------------------------------------
needs_office = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="LibreOffice and poppler-utils are installed by scripts/setup.sh --test",
)


@pytest.fixture(scope="module")
def rendered(district, tmp_path_factory) -> Path:
    """The district draft converted to PDF by LibreOffice headless (one conversion for the module)."""
    folder = tmp_path_factory.mktemp("docx")
    source = folder / "bao_cao_167.docx"
    source.write_bytes(district)
    profile = folder / "profile"  # a profile of its own: another LibreOffice running on the machine is no obstacle
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    pdf = folder / "bao_cao_167.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(ARTIFACTS / "docx_page1")],
        check=True, timeout=60,
    )  # fmt: skip
    return pdf


def _pdftotext(pdf: Path, *pages: int) -> str:
    args = ["pdftotext", "-layout", *(["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []), str(pdf), "-"]
    return unicodedata.normalize(
        "NFC", subprocess.run(args, check=True, capture_output=True, timeout=60).stdout.decode()
    )


@pytest.mark.slow
@needs_office
def test_libreoffice_renders_the_expected_number_of_pages(rendered):
    info = subprocess.run(["pdfinfo", str(rendered)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    # 16 tables (the commune table of 22 rows), 5 figures, the outline and the appendix: measured 18 pages
    assert 10 <= pages <= 30
    assert (ARTIFACTS / "docx_page1.png").stat().st_size > 10_000


@pytest.mark.slow
@needs_office
def test_vietnamese_text_is_extractable_from_the_rendered_pdf(rendered):
    first = _pdftotext(rendered, 1)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND HUYỆN ĐỊNH HÓA",
        "Định Hóa, ngày 06 tháng 12 năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện công tác dân vận chính quyền năm 2023",
        "I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO",
        "DỮ LIỆU MINH HỌA",
    ):
        assert unicodedata.normalize("NFC", expected) in first, expected
    whole = _pdftotext(rendered)
    for expected in ("II. KẾT QUẢ THỰC HIỆN", "Đối thoại trực tiếp với Nhân dân", "Nơi nhận:", "PHỤ LỤC", "Hình 1."):
        assert expected in whole, expected


@pytest.mark.slow
@needs_office
def test_page_numbers_start_on_page_two(rendered):
    first_lines = [line.strip() for line in _pdftotext(rendered, 1).splitlines() if line.strip()]
    second_lines = [line.strip() for line in _pdftotext(rendered, 2).splitlines() if line.strip()]
    assert first_lines[0] != "1" and not first_lines[0].isdigit()
    assert second_lines[0] == "2"


@pytest.mark.slow
@needs_office
def test_edits_saved_by_libreoffice_survive(tmp_path):
    """An analyst who edits with LibreOffice instead of Word: its save renames style ids, the style name stays."""
    draft = _open(write_docx(small_report()))
    hint = next(p for p in draft.paragraphs if p.style.name == STYLES["analyst"])
    for run in hint.runs:
        run.text = ""
    hint.runs[0].text = "Huyện ủy ban hành 3 văn bản chỉ đạo."
    draft.save(str(tmp_path / "edited.docx"))
    saved = tmp_path / "saved"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
         "docx:MS Word 2007 XML", "--outdir", str(saved), str(tmp_path / "edited.docx")],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    texts = _texts(_open(write_docx(small_report(), keep_from=(saved / "edited.docx").read_bytes())))
    assert texts[texts.index("I. CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO") + 1] == "Huyện ủy ban hành 3 văn bản chỉ đạo."


def test_png_helper_makes_distinct_images():
    assert png(shade=0) != png(shade=200)
