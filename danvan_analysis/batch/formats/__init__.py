"""The report in other formats than HTML, written outside the kernel from the executed notebook's blocks.

- :mod:`.blocks`: :func:`~.blocks.read_blocks`, the structured blocks the display helpers left in the outputs;
- :mod:`.xlsx`: the Excel appendix (every table on its own sheet, numbers as numbers);
- :mod:`.pdf`: the HTML page printed by headless Chromium;
- :mod:`.docx`: the Word draft in the layout of Decree 30/2020/NĐ-CP.

Nothing is computed twice: every writer reads the figures and strings the report notebook displayed.
"""

from __future__ import annotations

#: The formats ``danvan reports --formats`` knows, in the order they are written.
FORMATS = ("html", "docx", "pdf", "xlsx")
#: The formats written when ``--formats`` is not given: those that need no program besides Python.
DEFAULT_FORMATS = ("html", "docx", "xlsx")
