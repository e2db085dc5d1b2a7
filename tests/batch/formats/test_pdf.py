"""The PDF copy printed by headless Chromium: A4, numbered pages, fonts embedded, Vietnamese text extractable, no
table of contents on page 1, the demo mark on every page."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from danvan_analysis.batch.export import export_html
from danvan_analysis.batch.formats import pdf as pdf_format
from danvan_analysis.errors import ParameterError

pytestmark = pytest.mark.slow  # needs poppler-utils (pdftotext, pdffonts): scripts/setup.sh --test installs them
ARTIFACTS = Path(__file__).parents[2] / "artifacts"


@pytest.fixture(scope="module")
def printed(executed: nbformat.NotebookNode, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    html = export_html(executed, lang="vi", title="Định Hóa")
    with pdf_format.PdfPrinter() as printer:
        data = printer.print(html)
    path = tmp_path_factory.mktemp("pdf") / "167.pdf"
    path.write_bytes(data)
    yield path, html


def _pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [unicodedata.normalize("NFC", page) for page in text.split("\f")[:-1]]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a4_numbered_pages_with_the_demo_mark(printed: tuple[Path, str]) -> None:
    path, _ = printed
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert re.search(r"Page size:\s+59[45](\.\d+)? x 841\.\d+ pts \(A4\)", info)
    pages = _pages(path)
    assert 6 <= len(pages) <= 40
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"\b{number} / {len(pages)}\b", page), f"page {number} has no page number"
        assert "DỮ LIỆU MINH HỌA — không phải số liệu thật" in page, f"page {number} has no demo mark"


def test_every_font_is_embedded(printed: tuple[Path, str]) -> None:
    out = subprocess.run(["pdffonts", str(printed[0])], capture_output=True, check=True, text=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "no font in the PDF"
    for row in rows:
        # columns: name, type, encoding, emb, sub, uni, object ID (the type may hold a space: "CID TrueType")
        emb, _sub, uni = row.split()[-5:-2]
        assert emb == "yes" and uni == "yes", row


def test_vietnamese_text_is_extractable_and_page_one_has_no_contents(printed: tuple[Path, str]) -> None:
    path, html = printed
    pages = _pages(path)
    first = _flat(pages[0])
    assert "Báo cáo đánh giá công tác dân vận chính quyền năm 2023: Huyện Định Hóa" in first
    assert "Mức độ hài lòng chung" in first and "Chưa đủ dữ liệu" in first
    assert "Mục lục" in html and "Mục lục" not in _flat(" ".join(pages))  # the contents are for the screen only
    everything = _flat(" ".join(pages))
    for phrase in ("Tiếp công dân, giải quyết khiếu nại, tố cáo", "Phụ lục: chất lượng dữ liệu và phương pháp"):
        assert phrase in everything
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-png", "-r", "80", "-singlefile", str(path), str(ARTIFACTS / "pdf_page1")],
        check=True,
    )
    assert (ARTIFACTS / "pdf_page1.png").stat().st_size > 10_000


def test_a_short_table_is_not_split(printed: tuple[Path, str]) -> None:
    """The satisfaction indices (three rows) stand on one page, with their header."""
    pages = [_flat(p) for p in _pages(printed[0])]
    holding = [i for i, p in enumerate(pages) if "Cung ứng dịch vụ hành" in p and "Chính sách " in p]
    assert holding and "Ước lượng" in pages[holding[0]] and "Chỉ số hài lòng chung" in pages[holding[0]]


def test_missing_chromium_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_format.shutil, "which", lambda name: None)
    with pytest.raises(ParameterError, match=r"need Chromium.*apt-get install chromium.*leave pdf out of --formats"):
        pdf_format.find_chromium()


def test_one_printer_prints_one_report_after_another_without_leftovers(tmp_path: Path) -> None:
    """The printer reuses its page: each PDF holds its own page's text and nothing of the page before."""
    first = "<html><body><h1>Báo cáo thứ nhất: Xã Phú Lạc</h1></body></html>"
    second = "<html><body><h1>Báo cáo thứ hai: Phường Phan Đình Phùng</h1></body></html>"
    texts = []
    with pdf_format.PdfPrinter() as printer:
        for index, html in enumerate((first, second, first)):
            path = tmp_path / f"{index}.pdf"
            path.write_bytes(printer.print(html))
            texts.append(_flat(" ".join(_pages(path))))
    assert "Xã Phú Lạc" in texts[0] and "Phan Đình Phùng" not in texts[0]
    assert "Phan Đình Phùng" in texts[1] and "Phú Lạc" not in texts[1]
    assert texts[2] == texts[0]


def test_the_browser_starts_with_a_first_print_that_leaves_nothing_in_the_reports(tmp_path: Path) -> None:
    """start_browser prints a throw-away page in the reports' stylesheet (the first print is the slow one); the
    report printed next holds its own text only."""
    import threading

    printed: list[str] = []
    report = "<html><body><h1>Báo cáo của Xã Tràng Xá</h1></body></html>"

    def lane() -> None:  # a printer is per thread: this one is new
        real = pdf_format.PdfPrinter.print

        def recording(self: pdf_format.PdfPrinter, html: str) -> bytes:
            printed.append(html)
            return real(self, html)

        pdf_format.PdfPrinter.print = recording  # type: ignore[method-assign]
        try:
            pdf_format.start_browser()
            (tmp_path / "report.pdf").write_bytes(pdf_format.write_pdf(report))
        finally:
            pdf_format.PdfPrinter.print = real  # type: ignore[method-assign]
            pdf_format._printer().close()

    thread = threading.Thread(target=lane)
    thread.start()
    thread.join()
    warm = pdf_format.warm_page()
    assert printed == [warm, report]
    assert unicodedata.is_normalized("NFC", warm) and "@media print" in warm and "Huyện Võ Nhai" in warm
    text = _flat(" ".join(_pages(tmp_path / "report.pdf")))
    assert "Xã Tràng Xá" in text and "Võ Nhai" not in text and "Tóm tắt" not in text


def test_a_lane_whose_browser_fails_to_start_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from danvan_analysis.batch.kernel import KernelSettings
    from danvan_analysis.batch.pool import WorkerOptions, _start_lane

    calls: list[int] = []

    def failing() -> None:
        calls.append(1)
        raise RuntimeError("Chromium crashed")

    monkeypatch.setattr(pdf_format, "start_browser", failing)
    _start_lane(WorkerOptions(kernel=KernelSettings(), warm=False, formats=("pdf",)), first=False)
    assert calls == [1]
