"""The blocks a report leaves beside its HTML: every table and figure of the page, in order, with raw values, and
nothing new on the page."""

from __future__ import annotations

import base64
import copy
import html
import json
import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from danvan_analysis.batch.export import export_html
from danvan_analysis.batch.formats.blocks import (
    Figure,
    Heading,
    Meta,
    Table,
    blocks_from_json,
    blocks_to_json,
    read_blocks,
)
from danvan_analysis.reports.export import BLOCK_MIME

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _page_items(page: str) -> list[tuple[str, str]]:
    """The page's tables (markup) and figures (base64 PNG) in reading order."""
    found = re.finditer(r"<table\b.*?</table>|<img src=\"data:image/png;base64,([^\"]+)\"", page, re.S)
    return [("figure", m.group(1)) if m.group(1) else ("table", m.group(0)) for m in found]


def test_every_table_and_figure_of_the_page_is_a_block_in_order(executed: nbformat.NotebookNode) -> None:
    page = export_html(executed, lang="vi", title="t")
    items = _page_items(page)
    blocks = [b for b in read_blocks(executed) if isinstance(b, Table | Figure)]
    assert [kind for kind, _ in items] == [b.type for b in blocks]
    assert sum(isinstance(b, Table) for b in blocks) >= 10 and sum(isinstance(b, Figure) for b in blocks) >= 4
    for (_, markup), block in zip(items, blocks, strict=True):
        if isinstance(block, Figure):
            assert base64.b64encode(block.png).decode() == markup
            continue
        headers = re.findall(r"<th\b[^>]*>(.*?)</th>", markup, re.S)
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", markup, re.S)
        assert [html.unescape(h.strip()) for h in headers] == [c.label for c in block.columns]
        assert [html.unescape(c.strip()) for c in cells] == [v for row in block.display for v in row]


def test_headings_are_the_title_and_the_table_of_contents(executed: nbformat.NotebookNode) -> None:
    page = export_html(executed, lang="vi", title="t")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert toc is not None
    anchors = re.findall(r'href="#([^"]+)"', toc.group(0))
    headings = [b for b in read_blocks(executed) if isinstance(b, Heading)]
    assert headings[0].level == 1 and headings[0].id == "title"
    assert [h.id for h in headings[1:]] == anchors
    # A block after a level-3 heading belongs to it and to the level-2 section around it.
    tables = {b.heading: b for b in read_blocks(executed) if isinstance(b, Table)}
    assert (tables["Các chỉ số hài lòng"].section, tables["Các chỉ số hài lòng"].chapter) == (
        "sat_indices",
        "satisfaction",
    )


def test_raw_values_are_json_numbers_and_text_is_nfc(executed: nbformat.NotebookNode) -> None:
    blocks = read_blocks(executed)
    records = blocks_to_json(blocks)
    json.dumps(records, allow_nan=False)  # no NaN or infinity reaches a block
    for record in records:
        for value in _strings(record):
            assert unicodedata.is_normalized("NFC", value)
    indices = next(b for b in blocks if isinstance(b, Table) and b.heading == "Các chỉ số hài lòng")
    estimate = [c.key for c in indices.columns].index("estimate")
    assert indices.columns[estimate].kind == "percent"
    for row, shown in zip(indices.rows, indices.display, strict=True):
        # The page shows one decimal with a comma: the raw number rounds to it (half up).
        assert isinstance(row[estimate], float)
        whole, _, decimal = shown[estimate].removesuffix(" %").partition(",")
        assert math.isclose(float(f"{whole}.{decimal}"), row[estimate], abs_tol=0.05 + 1e-9)
    notes = next(b for b in blocks if isinstance(b, Table) and b.source == "dialogues" and b.columns[0].key == "date")
    assert re.fullmatch(r"2023-\d\d-\d\d", notes.rows[0][0]) and re.fullmatch(r"\d\d/\d\d/2023", notes.display[0][0])


def test_meta_block_names_the_issuer_place_and_date(executed: nbformat.NotebookNode) -> None:
    meta = next(b for b in read_blocks(executed) if isinstance(b, Meta))
    assert (meta.kind, meta.unit_code, meta.unit_name) == ("district", "167", "Huyện Định Hóa")
    assert (meta.issuer, meta.issuer_parent, meta.place, meta.symbol) == (
        "UBND huyện Định Hóa",
        None,
        "Định Hóa",
        "BC-UBND",
    )
    assert meta.date == "2024-03-15" and meta.year == 2023 and meta.period is None  # the report_date parameter
    assert "Lập ngày 15/03/2024" in export_html(executed, lang="vi", title="t")  # the page's subtitle says the same
    assert meta.subject == "Kết quả thực hiện công tác dân vận chính quyền năm 2023"
    assert meta.demo and meta.demo_text is not None and meta.demo_text.startswith("DỮ LIỆU MINH HỌA")
    assert meta.source == "dữ liệu minh họa (data/demo)"


def test_blocks_add_nothing_to_the_page(executed: nbformat.NotebookNode) -> None:
    """The page from the same outputs without any block is the same page, byte for byte."""
    bare = copy.deepcopy(executed)
    for cell in bare.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if BLOCK_MIME in data and not {"text/html", "image/png"} & set(data):
                continue  # the meta output exists only for the blocks
            data.pop(BLOCK_MIME, None)
            kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept
    assert export_html(bare, lang="vi", title="t") == export_html(executed, lang="vi", title="t")


def test_withheld_cells_carry_their_reason() -> None:
    """Hand-made survey rows: n = 4 is below the threshold, the other row is withheld with it (secondary)."""
    from danvan_analysis.reports.sections import table_of

    frame = pd.DataFrame(
        {
            "label_vi": ["Xã A", "Xã B", "Xã C"],
            "estimate": [float("nan"), float("nan"), 81.25],
            "ci_low": [float("nan"), float("nan"), 70.0],
            "n": [4, 40, 16],
            "suppressed": [True, True, False],
            "note": ["n < 10", "n < 10", ""],
        }
    )
    block = _block(table_of(frame, "vi", ["label", "estimate", "ci_low", "n"], source="survey"))
    assert block["source"] == "survey"
    assert block["rows"] == [["Xã A", None, None, 4], ["Xã B", None, None, 40], ["Xã C", 81.25, 70.0, 16]]
    assert block["display"] == [["Xã A", "–", "–", "4"], ["Xã B", "–", "–", "40"], ["Xã C", "81,3 %", "70,0 %", "16"]]
    small = "Không công bố: dưới 10 người trả lời"
    secondary = "Không công bố: ẩn kèm theo một ô bị ẩn, để không suy ra được ô đó"
    assert block["suppressed"] == [[None, small, small, None], [None, secondary, secondary, None], [None] * 4]
    assert [c["kind"] for c in block["columns"]] == ["text", "percent", "percent", "count"]


def test_text_from_data_stays_text_in_a_block() -> None:
    from danvan_analysis.reports.sections import text

    evil = "=1+1 <w:t>x</w:t> {{ x }} {% for %}"
    assert _block(text(evil)) == {"type": "paragraph", "text": evil, "style": None}


def test_block_fixture_reads_back() -> None:
    """The committed fixtures (tests/batch/fixtures/make_block_fixtures.py) are read_blocks output, round-tripped."""
    for name in ("blocks_district.json", "blocks_agency.json"):
        records = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
        blocks = blocks_from_json(records)
        assert json.loads(json.dumps(blocks_to_json(blocks))) == records
        assert isinstance(next(b for b in blocks if isinstance(b, Meta)), Meta)
    district = blocks_from_json(json.loads((FIXTURES / "blocks_district.json").read_text(encoding="utf-8")))
    withheld = [s for b in district if isinstance(b, Table) for row in b.suppressed for s in row if s]
    assert withheld, "the district fixture should hold withheld cells"
    assert any(f.png.startswith(b"\x89PNG") for f in district if isinstance(f, Figure))


def _block(shown: Any) -> dict[str, Any]:
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(shown)
    return data[BLOCK_MIME]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []
