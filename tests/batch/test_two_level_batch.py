"""``danvan reports`` for a two-level year (issue 14): 92 commune reports + the province report, no district anywhere.

One batch on small two-level demo data (600 respondents: the smallest communes fall below the suppression threshold), shared
by every test here; the browser checks are those of ``test_batch.py`` on a few of the reports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from danvan_analysis.batch import BatchResult, BatchSettings, run_batch
from danvan_analysis.demo import write_demo
from danvan_analysis.registers import register_for

pytestmark = pytest.mark.slow

DISTRICT_NAMES = [u.name for u in register_for(2023).units("district")]


@pytest.fixture(scope="session")
def two_level_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, Path]:
    data = tmp_path_factory.mktemp("demo2026")
    write_demo(data, years=[2025, 2026], respondents=600)
    out = tmp_path_factory.mktemp("reports2026")
    settings = BatchSettings(
        year=2026, data_dir=data, out_dir=out, jobs=2, progress=False, formats=("html", "docx", "xlsx")
    )  # the command's default formats: every commune gets its Word draft and Excel appendix
    return run_batch(settings), out


def test_two_level_batch_writes_92_commune_reports_and_the_province(two_level_batch: tuple[BatchResult, Path]) -> None:
    result, out = two_level_batch
    assert result.ok, result.failed
    communes = register_for(2026).units("commune")
    for unit in communes:
        matches = list(out.glob(f"{unit.code}-*.html"))
        assert len(matches) == 1, unit.code
    assert (out / "province.html").is_file()
    assert len([p for p in out.glob("*.html") if p.name != "index.html"]) == 93


def test_every_commune_has_its_word_draft_and_excel_appendix(two_level_batch: tuple[BatchResult, Path]) -> None:
    """The Word draft is issued by the commune's People's Committee and holds every table of its page."""
    import docx
    import openpyxl

    _, out = two_level_batch
    pages = sorted(p for p in out.glob("*.html") if p.name != "index.html")
    assert len(list(out.glob("*.docx"))) == len(list(out.glob("*.xlsx"))) == len(pages) == 93
    commune = next(p for p in pages if p.name != "province.html")
    unit = register_for(2026).unit(commune.name.split("-")[0])
    document = docx.Document(str(commune.with_suffix(".docx")))
    header = "\n".join(cell.text for cell in document.tables[0]._cells)
    assert f"UBND {unit.name.upper()}" in header.replace("\n", " ").upper()
    tables_in_page = commune.read_text(encoding="utf-8").count("<table")
    book = openpyxl.load_workbook(commune.with_suffix(".xlsx"))
    assert len(book.sheetnames) - 1 == tables_in_page  # the "Thông tin" sheet, then one per table


def test_no_district_anywhere(two_level_batch: tuple[BatchResult, Path]) -> None:
    _, out = two_level_batch
    for path in out.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"huyện", text, flags=re.IGNORECASE), path.name
        for name in DISTRICT_NAMES:  # Huyện Đại Từ, Thành phố Sông Công, …
            assert name not in text, (path.name, name)
        assert "district_code" not in text, path.name


def test_small_communes_are_suppressed(two_level_batch: tuple[BatchResult, Path]) -> None:
    """A commune with fewer respondents than the threshold shows the withheld note, never a figure."""
    _, out = two_level_batch
    province = (out / "province.html").read_text(encoding="utf-8")
    assert "không công bố (ít hơn 10 người trả lời)" in province
    withheld = [p for p in out.glob("0*.html") if "Không công bố kết quả khảo sát" in p.read_text(encoding="utf-8")]
    assert withheld  # at 600 respondents the smallest communes have fewer than 10


@pytest.mark.parametrize("which", ["province.html", "first-commune", "index.html"])
def test_two_level_reports_render_in_a_real_browser(
    two_level_batch: tuple[BatchResult, Path],
    browser: Any,
    open_page: Any,
    which: str,
) -> None:
    _, out = two_level_batch
    path = sorted(out.glob("0*.html"))[0] if which == "first-commune" else out / which
    page, requests, problems = open_page(browser, path)
    try:
        assert problems == []
        assert [url for url in requests if not url.startswith("data:")] == [path.as_uri()]
        widths = page.evaluate("Array.from(document.images).map(img => img.complete ? img.naturalWidth : 0)")
        assert all(width > 0 for width in widths)
        text = page.inner_text("body")
        assert "DỮ LIỆU MINH HỌA" in text
        assert "Đạt" in text or "đạt" in text
    finally:
        page.close()


def test_reports_scored_on_the_example_plan_say_so(two_level_batch: tuple[BatchResult, Path]) -> None:
    """Without --plan a two-level year is scored against the shipped EXAMPLE plan, and every report says so."""
    _, out = two_level_batch
    for path in [out / "province.html", sorted(out.glob("0*.html"))[0]]:
        assert "kế hoạch MẪU" in path.read_text(encoding="utf-8"), path.name
