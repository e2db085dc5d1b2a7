"""What a report notebook leaves in its outputs for the HTML export to find (runs inside the kernel).

:mod:`~danvan_analysis.reports.sections` writes these markers while the notebook runs; the export, which runs
outside the kernel (:mod:`danvan_analysis.batch.export`), reads them: the headline figures go to the manifest and
the index page, the headings to the table of contents, the blocks to the Word, Excel and PDF writers
(:mod:`danvan_analysis.batch.formats`). Both sides import the names from here, so the batch depends
on the reports and never the reverse.
"""

from __future__ import annotations

#: Output mime type of the headline figures a report records for the index page (never rendered).
HEADLINE_MIME = "application/vnd.danvan.headline+json"
#: Output mime type of the structured blocks (headings, paragraphs, tables with raw values, figures, the report's
#: facts) each display helper of ``sections`` puts in the same bundle as its ``text/html`` or ``image/png``: the
#: Word, Excel and PDF writers (:mod:`danvan_analysis.batch.formats`) read them, so nothing is computed twice. The
#: HTML exporter renders ``text/html`` and ignores this type.
BLOCK_MIME = "application/vnd.danvan.block+json"
#: Output metadata key of headings displayed by ``sections.heading`` (level, id, text) for the table of contents.
HEADING_META = "danvan_heading"
