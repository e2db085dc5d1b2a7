"""HTML export: no code, no parameters, no stderr, nothing from the network, escaped data, a table of contents."""

from __future__ import annotations

import base64
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from danvan_analysis.batch.export import (
    TocEntry,
    collect_toc,
    export_html,
    nest_toc,
    read_headline,
    template_dir,
)
from danvan_analysis.reports.export import HEADLINE_MIME
from danvan_analysis.reports.sections import heading, record_headline, table, text

# A 1×1 PNG, written out by hand (signature, IHDR, IDAT, IEND).
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
    )
).decode()
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def _display(obj: object) -> nbformat.NotebookNode:
    """The display_data output IPython produces for ``obj`` (its own formatter builds data and metadata)."""
    from IPython.core.formatters import DisplayFormatter

    data, metadata = DisplayFormatter().format(obj)
    return new_output("display_data", data=data, metadata=metadata)


@pytest.fixture
def notebook() -> nbformat.NotebookNode:
    import pandas as pd

    params = new_code_cell("district = '164'", metadata={"tags": ["parameters"]})
    injected = new_code_cell("district = '167'", metadata={"tags": ["injected-parameters"]})
    title = new_code_cell("sections.heading(...)", outputs=[_display(heading("Huyện Định Hóa", level=1))])
    summary = new_code_cell("", outputs=[_display(heading("summary", lang="vi"))])
    noisy = new_code_cell(
        "print()",
        outputs=[
            new_output("stream", name="stderr", text="UserWarning: something noisy\n"),
            new_output("stream", name="stdout", text="visible line\n"),
            new_output("display_data", data={HEADLINE_MIME: {"targets_met": 9, "targets_total": 13}}),
            new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}),
        ],
    )
    free_text = new_code_cell("", outputs=[_display(text(f"Ghi chú: {EVIL} Đạt"))])
    frame = pd.DataFrame({"unit": [EVIL, "Huyện Đồng Hỷ"], "value": [1.0, None]})
    tab = new_code_cell("", outputs=[_display(table(frame, caption="Bảng <1>"))])
    figure = new_code_cell("", outputs=[new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})])
    script = new_code_cell("", outputs=[new_output("display_data", data={"application/javascript": "alert(1)"})])
    md = new_markdown_cell("## Phương pháp\n\nVăn bản tĩnh.\n\n### Chi tiết")
    sub = new_code_cell("", outputs=[_display(heading("Tiểu mục 3", level=3, anchor="sub-3"))])
    return new_notebook(cells=[params, injected, title, summary, noisy, free_text, tab, figure, script, md, sub])


def test_html_is_self_contained_and_clean(notebook: nbformat.NotebookNode) -> None:
    page = export_html(notebook, lang="vi", title="Báo cáo <Định Hóa>")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    assert "<title>Báo cáo &lt;Định Hóa&gt;</title>" in page
    # Nothing executable and nothing from elsewhere: no script element, no http(s) URL, no src other than data:.
    assert "<script" not in page.lower()
    assert not re.search(r"https?://", page)
    assert set(re.findall(r'src="([a-z]+):', page)) == {"data"}
    assert "script-src" not in page or "default-src 'none'" in page
    # No code, no parameters, no stderr, no glue data, no figure repr.
    assert "district = " not in page
    assert "something noisy" not in page
    assert "visible line" in page
    assert HEADLINE_MIME not in page and "targets_total" not in page
    assert "&lt;Figure size" not in page
    assert "alert(1)" not in page


def test_data_strings_are_escaped(notebook: nbformat.NotebookNode) -> None:
    page = export_html(notebook, lang="vi", title="t")
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert not re.search(r"<img[^>]*onerror", page)  # the <img> of the data is text, not an element
    assert "Bảng &lt;1&gt;" in page
    assert "Huyện Đồng Hỷ" in page


def test_table_of_contents_links_to_headings(notebook: nbformat.NotebookNode) -> None:
    page = export_html(notebook, lang="en", title="t")
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S)
    assert toc is not None and "Contents" in toc.group(0)
    targets = re.findall(r'href="#([^"]+)"', toc.group(0))
    assert targets[0] == "s-summary"
    assert "sub-3" in targets
    for target in targets:
        assert f'id="{target}"' in page, target  # every entry jumps to a heading that exists
    assert "Huyện Định Hóa" not in toc.group(0)  # the level-1 title is not a TOC entry
    assert [e.level for e in collect_toc(notebook)] == [2, 2, 3, 3]


def test_table_of_contents_numbers_sections_and_nests_subsections(notebook: nbformat.NotebookNode) -> None:
    """Level-3 entries sit in a list inside their section's item, so the numbered list counts sections only."""
    import xml.etree.ElementTree as ET

    page = export_html(notebook, lang="en", title="t")
    nav = ET.fromstring(re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0))
    top = nav.find("ol").findall("li")
    assert [li.get("class") for li in top] == ["toc-2", "toc-2"]
    assert [li.get("class") for li in top[1].find("ul").findall("li")] == ["toc-3", "toc-3"]


def test_nest_toc_keeps_a_leading_subsection_at_the_top() -> None:
    entries = [TocEntry(3, "a", "A"), TocEntry(2, "b", "B"), TocEntry(3, "c", "C")]
    assert nest_toc(entries) == [(entries[0], []), (entries[1], [entries[2]])]


def test_size_budget(notebook: nbformat.NotebookNode) -> None:
    """Our stylesheet stays small (the stock lab template inlines ~250 KiB of CSS per file)."""
    css = (template_dir() / "danvan" / "report.css").read_bytes()
    assert len(css) <= 20 * 1024
    page = export_html(notebook, lang="vi", title="t")
    assert len(page.encode("utf-8")) <= 40 * 1024


def test_headline_is_read_back() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell("", outputs=[new_output("display_data", data={HEADLINE_MIME: {"a": 1}})]),
            new_code_cell("", outputs=[new_output("display_data", data={HEADLINE_MIME: {"b": 2.5, "a": 3}})]),
        ]
    )
    assert read_headline(nb) == {"a": 3, "b": 2.5}


def test_record_headline_displays_raw_json(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[tuple[object, dict]] = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    record_headline(targets_met=3, satisfaction=88.5)
    assert shown == [({HEADLINE_MIME: {"targets_met": 3, "satisfaction": 88.5}, "text/plain": ""}, {"raw": True})]


def test_export_does_not_modify_the_notebook(notebook: nbformat.NotebookNode) -> None:
    before = nbformat.writes(notebook)
    export_html(notebook, lang="vi", title="t")
    assert nbformat.writes(notebook) == before


def test_nbconvert_works_on_the_page_s_own_copy_and_gives_the_page_its_own_copies_would(
    notebook: nbformat.NotebookNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One deep copy of the notebook per page (the page's own); nbconvert's three defensive copies of it (exporter,
    preprocessing, nbformat's normalisation) return it as it is, and the page is the one real copies give."""
    from danvan_analysis.batch import export

    copies: list[int] = []
    real = nbformat.NotebookNode.__deepcopy__

    def counting(self: nbformat.NotebookNode, memo: dict) -> nbformat.NotebookNode:
        if "cells" in self:  # a whole notebook, not one of its cells or outputs
            copies.append(1)
        return real(self, memo)

    monkeypatch.setattr(nbformat.NotebookNode, "__deepcopy__", counting)
    page = export_html(notebook, lang="vi", title="t")
    assert len(copies) == 1  # was 4: the page's, the exporter's, its preprocessing's, nbformat's normalisation's
    owned = export._owned_node_class()
    monkeypatch.setattr(owned, "__deepcopy__", counting)  # nbconvert's copies real again
    copies.clear()
    assert export_html(notebook, lang="vi", title="t") == page
    assert len(copies) == 4
