"""The report in other formats than HTML, written outside the kernel from the executed notebook's blocks.

- :mod:`.blocks`: :func:`~.blocks.read_blocks`, the structured blocks the display helpers left in the outputs;
- :mod:`.xlsx`: the Excel appendix (every table on its own sheet, numbers as numbers);
- :mod:`.pdf`: the HTML page printed by headless Chromium;
- :mod:`.docx`: the Word draft in the layout of Decree 30/2020/NĐ-CP.

Nothing is computed twice: every writer reads the figures and strings the report notebook displayed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

#: The formats ``danvan reports --formats`` knows, in the order they are written.
FORMATS = ("html", "docx", "pdf", "xlsx")
#: The formats written when ``--formats`` is not given: those that need no program besides Python.
DEFAULT_FORMATS = ("html", "docx", "xlsx")


#: The writers this process has warmed (:func:`warm_writers`).
_warmed: set[str] = set()


def warm_writers(formats: Sequence[str]) -> None:
    """Pay now, once per process, what the first Word draft and the first Excel appendix would pay on top of the
    next ones: the imports of python-docx and openpyxl, the first parse of the Word template and the first save of
    each kind of file. A batch's lane calls it while its kernel boots and the command computes the shared step, when
    a core is idle, so the first reports do not pay it when both cores are busy.

    Measured with ``time.process_time`` in a fresh process on the demo's Võ Nhai report, 07/12/2026: the first
    Excel appendix 0.34 s and the first Word draft 0.13 s, against 0.05 s and 0.09 s for the next ones. What this
    writes is thrown away; a failure here is met again, and reported, by the first report.
    """
    for name in formats:
        if name in _warmed or name not in ("docx", "xlsx"):
            continue
        _warmed.add(name)
        if name == "xlsx":
            from danvan_analysis.batch.formats.xlsx import write_xlsx

            write_xlsx([])
        else:
            from danvan_analysis.batch.formats.docx import write_template_copy

            write_template_copy()


def check_formats(asked: Sequence[str]) -> tuple[str, ...]:
    """Return the formats asked besides HTML, in :data:`FORMATS` order, after checking that each is known and that
    what it needs is installed (Chromium for pdf).

    Raises
    ------
    ParameterError
        An unknown format, or pdf without Chromium (the message says how to install it).
    """
    from danvan_analysis.errors import ParameterError

    wanted = [str(f).strip().lower() for f in asked if str(f).strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ParameterError(f"--formats {','.join(unknown)}: unknown format; expected some of {', '.join(FORMATS)}.")
    extra = tuple(f for f in FORMATS if f in wanted and f != "html")
    if "pdf" in extra:
        from danvan_analysis.batch.formats.pdf import find_chromium

        find_chromium()
    return extra


def write_copies(
    nb: Any,
    html: str,
    formats: Sequence[str],
    *,
    docx_options: Any = None,
    keep_from: bytes | None = None,
    on_written: Callable[[str, int, float], None] | None = None,
) -> dict[str, bytes]:
    """Return the copies of one executed report notebook in ``formats`` (``docx``, ``pdf``, ``xlsx``; ``html`` is the
    caller's and is skipped), as bytes by format.

    The Word draft and the Excel appendix read the notebook's blocks (:func:`~.blocks.read_blocks`), the PDF prints
    ``html``, the page already exported: nothing is computed again. ``docx_options`` and ``keep_from`` go to
    :func:`~.docx.write_docx`; ``on_written(format, size, seconds)`` is called after each copy.

    Raises
    ------
    ReportError
        A copy could not be written; the message starts with the format's name.
    """
    import time

    from danvan_analysis.errors import ParameterError, ReportError

    copies: dict[str, bytes] = {}
    wanted = [name for name in formats if name != "html"]
    if not wanted:
        return copies
    from danvan_analysis.batch.formats.blocks import read_blocks

    blocks = read_blocks(nb)
    for name in wanted:
        clock = time.perf_counter()
        try:
            if name == "xlsx":
                from danvan_analysis.batch.formats.xlsx import write_xlsx

                copies[name] = write_xlsx(blocks)
            elif name == "pdf":
                from danvan_analysis.batch.formats.pdf import write_pdf

                copies[name] = write_pdf(html)
            elif name == "docx":
                from danvan_analysis.batch.formats.docx import write_docx

                copies[name] = write_docx(blocks, docx_options, keep_from=keep_from)
            else:
                raise ParameterError(f"unknown format {name!r}; expected some of {', '.join(FORMATS)}")
        except Exception as exc:
            raise ReportError(f"{name}: {type(exc).__name__}: {exc}") from exc
        if on_written is not None:
            on_written(name, len(copies[name]), time.perf_counter() - clock)
    return copies
