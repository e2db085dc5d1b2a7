"""The shipped Word template is what scripts/build_word_template.py builds, and holds every style the writer uses."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Cm, Pt

from danvan_analysis.batch.formats.docx import STYLES, TEMPLATE

ROOT = Path(__file__).resolve().parents[3]


def _build_script():
    spec = importlib.util.spec_from_file_location("build_word_template", ROOT / "scripts" / "build_word_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_template_is_the_build_scripts_output(tmp_path):
    fresh = _build_script().build(tmp_path / "bao_cao.docx")
    shipped, built = zipfile.ZipFile(TEMPLATE), zipfile.ZipFile(fresh)
    names = sorted(n for n in shipped.namelist() if n.startswith("word/"))
    assert names == sorted(n for n in built.namelist() if n.startswith("word/"))
    for name in names:
        assert shipped.read(name) == built.read(name), f"{name} differs: run scripts/build_word_template.py"


def test_template_has_every_style_of_the_writer_and_the_decree_page():
    document = Document(str(TEMPLATE))
    names = {style.name for style in document.styles}
    assert set(STYLES.values()) | {"Table Grid"} <= names
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert (round(section.top_margin.mm), round(section.left_margin.mm), round(section.right_margin.mm)) == (20, 30, 15)
    assert section.different_first_page_header_footer
    # the styles an office sees in the gallery: body, the three heading levels, notes, captions, the analyst's
    gallery = {s.name for s in document.styles if getattr(s, "quick_style", False)}
    assert {STYLES["body"], STYLES["part"], STYLES["analyst"]} <= gallery
    assert document.styles[STYLES["analyst"]].font.size == Pt(14)
    assert document.styles["Normal"].paragraph_format.first_line_indent == Cm(1.27)
