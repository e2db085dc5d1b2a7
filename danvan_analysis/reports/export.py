"""What a report notebook leaves in its outputs for the HTML export to find (runs inside the kernel).

:mod:`~danvan_analysis.reports.sections` writes these markers while the notebook runs; the export, which runs
outside the kernel (:mod:`danvan_analysis.batch.export`), reads them: the headline figures go to the manifest and
the index page, the headings to the table of contents. Both sides import the names from here, so the batch depends
on the reports and never the reverse.
"""

from __future__ import annotations

#: Output mime type of the headline figures a report records for the index page (never rendered).
HEADLINE_MIME = "application/vnd.danvan.headline+json"
#: Output metadata key of headings displayed by ``sections.heading`` (level, id, text) for the table of contents.
HEADING_META = "danvan_heading"
