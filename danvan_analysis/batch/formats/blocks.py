"""The blocks of an executed report notebook, as typed frozen records, in reading order.

Each display helper of :mod:`danvan_analysis.reports.sections` puts a JSON block
(:data:`~danvan_analysis.reports.export.BLOCK_MIME`) in the display bundle of its HTML or PNG. :func:`read_blocks`
walks the notebook's outputs in order, skips the cells the HTML export removes (parameters, ``remove-cell``), and
returns the blocks as the records below, so the Word, Excel and PDF writers read the very figures and strings the
HTML shows: nothing is computed twice.

Each block after a heading gets the heading's ``section`` (a key of
:data:`~danvan_analysis.reports.sections.SECTION_TITLES`) and ``chapter`` (the key of the level-2 section around
it): the kernel does not keep that state, the reader does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from danvan_analysis.errors import ReportError
from danvan_analysis.reports.export import BLOCK_MIME

if TYPE_CHECKING:
    from nbformat import NotebookNode

#: Kinds of table column: how a raw value reads (``percent``: 0–100; ``fraction``: 0–1; ``year``: 2023; ``status``:
#: a target's status code; ``mixed``: each row has its own kind, :meth:`Table.kind`).
ColumnKind = Literal[
    "text", "number", "percent", "fraction", "count", "ratio", "pvalue", "date", "bool", "year", "status", "mixed"
]
#: Cells of these tags are not in the report (the HTML export drops them too).
REMOVED_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell"})


@dataclass(frozen=True)
class Meta:
    """The report's facts (one per report, from its title): the Word copy's header, title and signature use them.

    ``date`` is ISO (``2024-01-05``); ``source`` the data source as the subtitle names it; ``demo_text`` the demo
    banner (None unless ``demo``).
    """

    kind: str
    lang: str
    year: int
    period: str | None
    period_label: str | None
    unit_code: str
    unit_name: str
    issuer: str
    issuer_parent: str | None
    symbol: str
    place: str
    date: str
    title: str
    subject: str
    demo: bool
    demo_text: str | None
    source: str | None = None
    type: str = "meta"


@dataclass(frozen=True)
class Heading:
    """A heading: level 1 (the title), 2 (a section) or 3; ``section`` its key or the enclosing section's."""

    level: int
    text: str
    id: str
    section: str | None = None
    chapter: str | None = None
    type: str = "heading"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (line breaks kept); ``style`` ``note``, ``subtitle``, ``figure-caption`` or None."""

    text: str
    style: str | None = None
    section: str | None = None
    chapter: str | None = None
    type: str = "paragraph"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list; ``lead`` is the sentence before it, when there is one."""

    items: tuple[str, ...]
    style: str | None = None
    lead: str | None = None
    section: str | None = None
    chapter: str | None = None
    type: str = "bullets"


@dataclass(frozen=True)
class Headline:
    """Headline boxes: (label, formatted value) pairs."""

    items: tuple[tuple[str, str], ...]
    section: str | None = None
    chapter: str | None = None
    type: str = "headline"


@dataclass(frozen=True)
class Verdicts:
    """How many targets are met, not met and without data, with the labels the report uses."""

    counts: dict[str, int]
    labels: dict[str, str]
    section: str | None = None
    chapter: str | None = None
    type: str = "verdicts"


@dataclass(frozen=True)
class Column:
    """A table column: key in the results, label shown, kind (:data:`ColumnKind`), per-row kinds when ``mixed``."""

    key: str
    label: str
    kind: str
    row_kinds: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    """A table as the report shows it.

    Attributes
    ----------
    caption : the table's caption, or None (the writers then use its section heading).
    source : the dataset it comes from (``survey``, a report-data theme, ``scorecard``, ``communes``, …) or None.
    columns : the columns.
    rows : raw values (numbers, ISO dates, bools, text; None when missing or withheld).
    display : the strings the HTML shows, cell by cell.
    suppressed : per cell, why it is empty when the disclosure rule withheld it, else None.
    """

    caption: str | None
    source: str | None
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    display: tuple[tuple[str, ...], ...]
    suppressed: tuple[tuple[str | None, ...], ...]
    section: str | None = None
    chapter: str | None = None
    heading: str | None = None
    type: str = "table"

    def kind(self, row: int, column: int) -> str:
        """The kind of one cell (a ``mixed`` column's row kind)."""
        spec = self.columns[column]
        return spec.row_kinds[row] if spec.kind == "mixed" and spec.row_kinds else spec.kind


@dataclass(frozen=True)
class Figure:
    """A figure: its caption (the image's alt text) and PNG bytes."""

    caption: str
    png: bytes = field(repr=False)
    section: str | None = None
    chapter: str | None = None
    type: str = "figure"


Block = Meta | Heading | Paragraph | Bullets | Headline | Verdicts | Table | Figure


def read_blocks(nb: NotebookNode) -> list[Block]:
    """Return the blocks of an executed report notebook in reading order.

    Raises
    ------
    ReportError
        A block is malformed (names the cell and the block type).
    """
    blocks: list[Block] = []
    section = chapter = heading_text = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or REMOVED_TAGS & set(cell.metadata.get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            raw = data.get(BLOCK_MIME)
            if raw is None:
                continue
            if isinstance(raw, str):  # some writers store JSON mime data as text
                raw = json.loads(raw)
            try:
                if raw.get("type") == "heading":
                    level, key = int(raw["level"]), raw.get("section")
                    if level <= 2:
                        chapter = key
                        section = key
                    else:
                        section = key or chapter
                    heading_text = raw["text"] if level > 1 else heading_text
                    block: Block = Heading(level, raw["text"], raw["id"], section if level > 1 else None, chapter)
                else:
                    block = _block(raw, data, section=section, chapter=chapter, heading=heading_text)
            except (KeyError, TypeError, ValueError) as err:
                raise ReportError(
                    f"Cell {index} of the executed notebook holds a malformed {raw.get('type')!r} block ({err!r}). "
                    "Hint: the notebook was run by another version of danvan-analysis; run the report again."
                ) from err
            blocks.append(block)
    return blocks


def blocks_to_json(blocks: Iterable[Block]) -> list[dict[str, Any]]:
    """The blocks as JSON-ready dicts (a figure's PNG as base64 under ``png``), for fixtures and debugging."""
    out = []
    for block in blocks:
        record = asdict(block)
        if isinstance(block, Figure):
            record["png"] = base64.b64encode(block.png).decode("ascii")
        out.append(record)
    return out


def blocks_from_json(records: Iterable[dict[str, Any]]) -> list[Block]:
    """The inverse of :func:`blocks_to_json`."""
    out: list[Block] = []
    for record in records:
        record = dict(record)
        kind = record.get("type")
        if kind == "figure":
            record["png"] = base64.b64decode(record["png"])
            out.append(Figure(**record))
        elif kind == "table":
            out.append(
                Table(
                    **{
                        **record,
                        "columns": tuple(_column(c) for c in record["columns"]),
                        "rows": tuple(tuple(r) for r in record["rows"]),
                        "display": tuple(tuple(r) for r in record["display"]),
                        "suppressed": tuple(tuple(r) for r in record["suppressed"]),
                    }
                )
            )
        elif kind == "bullets":
            out.append(Bullets(**{**record, "items": tuple(record["items"])}))
        elif kind == "headline":
            out.append(Headline(**{**record, "items": tuple(tuple(i) for i in record["items"])}))
        else:
            out.append(_TYPES[kind](**record))
    return out


def meta_of(blocks: Iterable[Block]) -> Meta | None:
    """The report's :class:`Meta` block, or None (a notebook that shows no report title)."""
    return next((b for b in blocks if isinstance(b, Meta)), None)


# -- internals ----------------------------------------------------------------------------------------------------

_TYPES: dict[str, type] = {
    "meta": Meta,
    "heading": Heading,
    "paragraph": Paragraph,
    "bullets": Bullets,
    "headline": Headline,
    "verdicts": Verdicts,
    "table": Table,
    "figure": Figure,
}


def _column(spec: dict[str, Any]) -> Column:
    kinds = spec.get("row_kinds")
    return Column(str(spec["key"]), str(spec["label"]), str(spec["kind"]), tuple(kinds) if kinds else None)


def _block(raw: dict[str, Any], data: dict[str, Any], *, section: Any, chapter: Any, heading: Any) -> Block:
    kind = raw["type"]
    where = {"section": section, "chapter": chapter}
    if kind == "meta":
        fields = {k: raw.get(k) for k in Meta.__dataclass_fields__ if k != "type"}
        return Meta(**fields)
    if kind == "paragraph":
        return Paragraph(str(raw["text"]), raw.get("style"), **where)
    if kind == "bullets":
        return Bullets(tuple(str(i) for i in raw["items"]), raw.get("style"), raw.get("lead"), **where)
    if kind == "headline":
        return Headline(tuple((str(a), str(b)) for a, b in raw["items"]), **where)
    if kind == "verdicts":
        return Verdicts({str(k): int(v) for k, v in raw["counts"].items()}, dict(raw["labels"]), **where)
    if kind == "table":
        return Table(
            caption=raw.get("caption"),
            source=raw.get("source"),
            columns=tuple(_column(c) for c in raw["columns"]),
            rows=tuple(tuple(r) for r in raw["rows"]),
            display=tuple(tuple(r) for r in raw["display"]),
            suppressed=tuple(tuple(r) for r in raw["suppressed"]),
            heading=heading,
            **where,
        )
    if kind == "figure":
        png = data.get("image/png")
        if not png:
            raise ValueError("a figure block without its image/png")
        text = png if isinstance(png, str) else "".join(png)
        return Figure(str(raw["caption"]), base64.b64decode(text), **where)
    raise ValueError(f"unknown block type {kind!r}")
