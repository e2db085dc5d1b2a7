"""The PDF copy of a report: its HTML page printed by headless Chromium.

The page is printed as a reader would print it from a browser, with the report's print stylesheet
(``templates/danvan/report.css``, ``@media print``): A4, the page number and count at the foot of every page
(CSS page-margin boxes), the table of contents left out (page 1 is the title, what the report covers and the
verdicts), headings kept with what follows, tables and figures not split where avoidable, and on demo data the
demo mark in the top margin of every page. Figures are the report's own PNGs; text stays text, so Chromium embeds
a subset of every font it uses and the Vietnamese text can be searched and copied.

One browser per worker process (or thread), started on the first report and reused, with one page that each
report's HTML replaces: on the reference machine a start costs about a second, a new page for every report about
0.25 s more, while ``chromium --print-to-pdf`` starts a browser
for every report (measured: 3.3 s a report against 1.2 s). The browser is driven by Playwright with JavaScript off
and no network (the page's own Content-Security-Policy forbids both too). Chromium is the system's
(``/usr/bin/chromium``, Debian's package, as the browser tests use); without it :func:`find_chromium` raises a
:class:`~danvan_analysis.errors.ParameterError` that says how to install it, before any report runs.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import threading
from pathlib import Path
from typing import Any

from danvan_analysis.errors import ParameterError

#: Where Chromium is looked for, in order: Debian's package, then the names other systems use on the PATH.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]  # fmt: skip
_local = threading.local()


def find_chromium() -> Path:
    """The Chromium executable that prints the PDF copies.

    Raises
    ------
    ParameterError
        No Chromium (or Playwright, which drives it) is installed; the message says how to install it.
    """
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            break
    else:
        raise ParameterError(
            "The PDF copies need Chromium, which is not installed (looked for "
            f"{', '.join(CHROMIUM_CANDIDATES)}). Hint: install it (Debian/Ubuntu: `sudo apt-get install chromium`, or "
            "`sudo scripts/setup.sh --test`), or leave pdf out of --formats."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        raise ParameterError(
            "The PDF copies need the Python package playwright, which is not installed. Hint: "
            "`pip install playwright` (no browser download is needed: the system's Chromium is used), or leave pdf "
            "out of --formats."
        ) from err
    return Path(found)


def write_pdf(html: str) -> bytes:
    """Print a report's HTML page to PDF bytes with this worker's browser (started on first use)."""
    return _printer().print(html)


def start_browser() -> None:
    """Start this worker's browser and print a first page now (a worker does it while its kernel boots).

    The browser's first print costs far more than the next ones (a new page, the fonts, the PDF back end): with
    every format, each lane's first report took 1.2-1.8 s to print against 0.3-0.6 s for the others; printed here
    first, 0.44-0.46 s (the reports' logs, 07/12/2026). The page printed is thrown away.
    """
    printer = _printer()
    printer.start()
    printer.print(warm_page())


def warm_page() -> str:
    """A small page in the reports' stylesheet, with Vietnamese text, a table and a heading: what the first print
    of a report would otherwise load."""
    from danvan_analysis.batch.export import report_css

    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>' + report_css() + "</style></head><body>"
        "<h1>Báo cáo đánh giá công tác dân vận</h1><h2>Tóm tắt</h2><p>Chỉ tiêu đạt: 7/14; hài lòng 89,3 %.</p>"
        "<table><tr><th>Đơn vị</th><th>Giá trị</th></tr><tr><td>Huyện Võ Nhai</td><td>1.234,5</td></tr></table>"
        "</body></html>"
    )


def _printer() -> PdfPrinter:
    printer = getattr(_local, "printer", None)
    if printer is None:
        printer = _local.printer = PdfPrinter()
        atexit.register(printer.close)
    return printer


class PdfPrinter:
    """One headless Chromium, reused for every page printed in this thread (:func:`write_pdf` keeps one per
    thread). Use as a context manager, or call :meth:`close`."""

    def __init__(self, chromium: Path | None = None) -> None:
        self.chromium = chromium
        self._playwright: Any = None
        self._browser: Any = None
        self._page: Any = None

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the browser if it is not running (:meth:`print` does it when needed)."""
        self._start()

    def print(self, html: str) -> bytes:
        """The PDF of one HTML page (A4; the page's print stylesheet sets margins, page numbers and breaks)."""
        # One page, reused: set_content replaces the whole document (scripts are off and the context is offline, so
        # nothing of one report survives into the next), and a new context per report cost ~40 % of the print.
        page = self._reusable_page()
        try:
            page.set_content(html, wait_until="load")
            return bytes(page.pdf(format="A4", print_background=True, prefer_css_page_size=True, outline=True))
        except Exception:
            self._drop_page()  # a page that failed is not reused
            raise

    def _reusable_page(self) -> Any:
        browser = self._start()
        if self._page is None or self._page.is_closed():
            context = browser.new_context(java_script_enabled=False, offline=True)
            self._page = context.new_page()
        return self._page

    def _drop_page(self) -> None:
        page, self._page = self._page, None
        if page is not None:
            with contextlib.suppress(Exception):  # the browser may be gone already; close() stops it anyway
                page.context.close()

    def close(self) -> None:
        """Stop the browser (safe to call twice)."""
        self._drop_page()
        if self._browser is not None:
            try:
                self._browser.close()
            finally:
                self._browser = None
        if self._playwright is not None:
            try:
                self._playwright.stop()
            finally:
                self._playwright = None

    def _start(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            self._page = None
            from playwright.sync_api import sync_playwright

            executable = self.chromium or find_chromium()
            if self._playwright is None:
                self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=str(executable), args=_ARGS)
        return self._browser
