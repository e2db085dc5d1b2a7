"""Executed notebook → one self-contained HTML file, in-process with nbconvert.

The report is read by people who print it or open it offline, so the HTML

- carries no code, no prompts, no parameter cells (tags ``parameters``, ``injected-parameters``,
  ``remove-cell``) and no stderr/warning streams;
- embeds every figure as a ``data:`` URI and its own small stylesheet (``templates/danvan/report.css``, a few
  KiB instead of the ~250 KiB that nbconvert's lab template inlines), and loads nothing from the network: the
  stock templates' require.js/MathJax/mermaid ``<script src=https://…>`` tags are simply not in our template;
- declares ``<html lang=…>`` and ``<meta charset="utf-8">`` and is written as UTF-8 bytes by the caller;
- has a table of contents linking to the section headings (headings displayed by
  :func:`danvan_analysis.reports.sections.heading` carry their anchor in the output metadata; markdown headings
  get nbconvert's anchors);
- sets a Content-Security-Policy that forbids scripts and any network load. Data strings are escaped where they
  are displayed (:mod:`~danvan_analysis.reports.sections`); the policy is the second line of defence, so even a
  missed escape cannot run ``<script>`` or fetch ``<img src=http://…>``.

The exporter (a configured :class:`nbconvert.HTMLExporter` with our template directory) is built once per thread
and reused: building the Jinja environment costs more than rendering a report. The output markers it looks for
(headline figures, headings) are declared by the notebook side, :mod:`danvan_analysis.reports.export`.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from danvan_analysis.reports.export import BLOCK_MIME, HEADING_META, HEADLINE_MIME

if TYPE_CHECKING:
    from nbformat import NotebookNode

#: Cells with these tags are dropped from the HTML.
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})

_TOC_TITLE = {"vi": "Mục lục", "en": "Contents"}
_FIGURE_ALT = {"vi": "Biểu đồ", "en": "Chart"}
_FOOTER = {"vi": "Báo cáo tạo bởi danvan-analysis {version}.", "en": "Report produced by danvan-analysis {version}."}
_MD_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_FIGURE_REPR = re.compile(r"^<(Figure|matplotlib\.\S+) size .*>$")
_local = threading.local()


@dataclass(frozen=True)
class TocEntry:
    """A table-of-contents line: heading level (2 or 3), anchor id, plain text."""

    level: int
    id: str
    text: str


def template_dir() -> Path:
    """Folder holding our nbconvert template (``templates/danvan``)."""
    return Path(str(importlib_resources.files("danvan_analysis.batch") / "templates"))


def export_html(nb: NotebookNode, *, lang: str, title: str) -> str:
    """Render an executed notebook as a self-contained report page.

    Parameters
    ----------
    nb : an executed notebook; it is not modified.
    lang : ``"vi"`` or ``"en"``: ``<html lang>``, table-of-contents title, image alt text.
    title : text of ``<title>``.

    Returns
    -------
    str
        The HTML document (write it with UTF-8 encoding).
    """
    import copy

    from danvan_analysis.batch.version import package_version

    # The page's own copy (the caller's notebook is not modified), which nbconvert may then change in place: its
    # exporter, its preprocessing and nbformat's normalisation each deep-copy the notebook again to protect the
    # caller's, which this copy already is (3 copies of a report of ~230 KB of outputs: export 12.5 → 6 ms of CPU).
    nb = _owned_node_class()(copy.deepcopy(nb))
    clean_notebook(nb)
    after_title = mark_first_screen(nb)
    exporter = get_exporter(lang)
    extra = {
        "title": title,
        "toc": nest_toc(collect_toc(nb)),
        "toc_after_title": after_title,
        "toc_title": _TOC_TITLE[lang],
        "figure_alt": _FIGURE_ALT[lang],
        "css": report_css(),
        "version": package_version(),
        "footer": _FOOTER[lang].format(version=package_version()),
    }
    body, _ = exporter.from_notebook_node(nb, resources={"danvan": extra})
    return body


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """Drop, in place, what a reader must not see: parameter cells, stderr, headline data, hidden blocks, figure
    reprs."""
    kept = []
    for cell in nb.cells:
        if REMOVED_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.get("outputs", []) if _shown(output)]
        kept.append(cell)
    nb.cells = kept
    return nb


def mark_first_screen(nb: NotebookNode) -> bool:
    """Mark, in place, the cell that shows the report's title (heading id ``title``): the table of contents follows
    it, so the first screen is the title, what the report covers and the verdicts. Return whether a cell was marked
    (without one the contents open the page)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            metadata = output.get("metadata", {})
            meta = metadata.get("text/html", {}).get(HEADING_META) or metadata.get(HEADING_META)
            if meta and meta.get("id") == "title":
                cell.metadata["danvan_toc_after"] = True
                return True
    return False


def collect_toc(nb: NotebookNode) -> list[TocEntry]:
    """List the level-2 and level-3 headings of a (cleaned) notebook in reading order."""
    from nbconvert.filters.markdown import markdown2html

    entries: list[TocEntry] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "#" in cell.source:
            for level, anchor, inner in _MD_HEADING.findall(markdown2html(cell.source)):
                entries.append(TocEntry(int(level), html.unescape(anchor), _plain(inner)))
        for output in cell.get("outputs", []):
            metadata = output.get("metadata", {})
            # IPython files a repr's metadata under its mime type; display(..., metadata=) puts it at the top.
            meta = metadata.get("text/html", {}).get(HEADING_META) or metadata.get(HEADING_META)
            if meta and int(meta.get("level", 0)) in (2, 3):
                entries.append(TocEntry(int(meta["level"]), str(meta["id"]), str(meta["text"])))
    return entries


def nest_toc(entries: list[TocEntry]) -> list[tuple[TocEntry, list[TocEntry]]]:
    """Group level-3 entries under the level-2 entry before them, so the numbered list counts sections only."""
    tree: list[tuple[TocEntry, list[TocEntry]]] = []
    for entry in entries:
        if entry.level == 3 and tree:
            tree[-1][1].append(entry)
        else:
            tree.append((entry, []))
    return tree


def read_headline(nb: NotebookNode) -> dict[str, Any]:
    """Return the headline figures a report recorded (``sections.record_headline``), merged in order."""
    found: dict[str, Any] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if HEADLINE_MIME in data and isinstance(data[HEADLINE_MIME], dict):
                found.update(data[HEADLINE_MIME])
    return found


def report_css() -> str:
    """The reports' stylesheet (``templates/danvan/report.css``), read once per thread; the index page uses it too."""
    cached = getattr(_local, "css", None)
    if cached is None:
        cached = (template_dir() / "danvan" / "report.css").read_text(encoding="utf-8")
        _local.css = cached
    return cached


def get_exporter(lang: str) -> Any:
    """This thread's configured nbconvert exporter for ``lang`` (built on first use: building it is the slow part)."""
    cache = getattr(_local, "exporters", None)
    if cache is None:
        cache = _local.exporters = {}
    if lang not in cache:
        cache[lang] = _report_exporter_class()(
            template_name="danvan",
            extra_template_basedirs=[str(template_dir())],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=False,  # markdown headings need their ids for the table of contents
            language_code=lang,
            # Validate the notebook once, after all the preprocessors, instead of after each of the 11 (nbconvert's
            # own option): 29 → 18 ms a report, the same page byte for byte.
            optimistic_validation=True,
        )
    return cache[lang]


# -- internals ----------------------------------------------------------------------------------------------------


def _shown(output: dict[str, Any]) -> bool:
    kind = output.get("output_type")
    if kind == "stream":
        return output.get("name") == "stdout" and bool(output.get("text", "").strip())
    if kind in ("display_data", "execute_result"):
        data = output.get("data", {})
        visible = set(data)
        if not visible or HEADLINE_MIME in visible:
            return False
        if BLOCK_MIME in visible and not visible & {"text/html", "image/png"}:
            return False  # a block shown nowhere on the page (the report's facts, for the Word copy)
        # matplotlib's "<Figure size 640x480 with 1 Axes>" next to the PNG is noise.
        return not (visible == {"text/plain"} and _FIGURE_REPR.match(str(data["text/plain"]).strip()))
    return kind == "error"


def _plain(fragment: str) -> str:
    return html.unescape(_TAGS.sub("", fragment)).strip()


@cache
def _owned_node_class() -> type:
    """A notebook node that is its own deep copy: the top of a notebook only this module holds."""
    from nbformat import NotebookNode

    class OwnedNotebook(NotebookNode):
        def __deepcopy__(self, memo: dict[int, Any]) -> OwnedNotebook:
            return self

    return OwnedNotebook


def _report_exporter_class() -> type:
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTMLExporter without its final BeautifulSoup pass.

        That pass re-parses the whole page to add ``alt`` text and ``tabindex`` for the stock lab template; our
        template writes ``alt`` itself and has no input areas, so the pass would only cost a re-parse of every
        page (and reorder attributes).
        """

        def from_notebook_node(self, nb: Any, resources: Any = None, **kw: Any) -> tuple[str, dict[str, Any]]:
            resources = self._init_resources(resources)
            data_types = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("filter_data_type", data_types)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReportExporter
