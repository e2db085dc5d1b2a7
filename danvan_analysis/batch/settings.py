"""The settings of one ``danvan reports`` run (:class:`BatchSettings`).

Kept apart from :mod:`~danvan_analysis.batch.runner`, which imports pandas and the report modules: the command builds
its settings and starts its first worker (:mod:`~danvan_analysis.batch.early`) before it imports them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BatchSettings:
    """Settings of one ``danvan reports`` run (the command's options).

    Attributes
    ----------
    year : year reported on.
    districts : district codes or names; ``None`` = all 9 (a year with districts only).
    communes : a two-level year: commune codes or names of the province; ``None`` = all of them. The province report
        links to these and to the commune reports already in the folder.
    province_code : the GSO province reported on (default ``"19"``, Thái Nguyên). Another province is reported on in a
        two-level year only, with its own data and plan file (``plan``, whose ``plan.province_code`` must be this
        code); a year with districts has Thái Nguyên's 2023 register only.
    data_dir : folder with ``<year>/<dataset>`` files; ``None`` = the demo data (written when missing).
    out_dir : output folder; ``None`` = ``reports/<year>``.
    jobs : parallel workers; ``None`` = the cores available to this process.
    lang : report language, ``"vi"`` or ``"en"``.
    scheduler : ``None`` (local process pool), ``"local-dask"`` (a LocalCluster) or ``"tcp://host:port"``.
    force : rerun reports whose inputs have not changed.
    timeout : seconds allowed per report (the whole notebook).
    suppression_threshold : survey cells from fewer respondents are suppressed in the reports.
    district_notebook, province_notebook : the notebooks to run (default: ``notebooks/district_report.ipynb``
        and ``notebooks/province_report.ipynb``).
    warm : reuse one kernel per worker (``False``: a fresh kernel per report, papermill's default behaviour).
    share_results : compute the province-wide results once per batch and pass them to the reports.
    province : also produce the province report.
    progress : show the live progress display; ``None`` = when standard error is a terminal.
    plan : the plan file the targets are scored against; ``None`` = the shipped 2023 plan. Its content is part of
        each report's input key, so an edited plan reruns the reports.
    period : the report due at this period's deadline (``"Q1"``, ``"H1"``, ``"9M"``, ``"Y"``; data cut off by the
        plan's rule), written to ``reports/<year>/<period>/`` by default; ``None`` = the evaluation of the whole year.
    agencies : also write one short report per provincial agency (its targets, section IV tasks and reports), from
        ``agency_notebook`` (default ``notebooks/agency_report.ipynb``).
    formats : the formats written, beside each other (``<stem>.html``, ``.docx``, ``.pdf``, ``.xlsx``); HTML is
        always written (the index and the incremental runs rely on it). Default HTML only; ``danvan reports``
        defaults to :data:`~danvan_analysis.batch.formats.DEFAULT_FORMATS`.
    signer_name, signer_title : the Word draft's signature (over the plan file's ``report:`` section).
    report_date : the date every report of the batch is dated (its subtitle, the Word draft's date line); ``None``
        = the day the batch starts. A date given here is part of each report's input key; today's date is not.
    keep_edits : make the Word draft again keeping the paragraphs the analyst marked as their own in the draft
        already in the folder (and never delete that draft when the report fails).
    """

    year: int = 2023
    districts: tuple[str, ...] | None = None
    data_dir: Path | None = None
    out_dir: Path | None = None
    jobs: int | None = None
    lang: str = "vi"
    scheduler: str | None = None
    force: bool = False
    timeout: float = 600
    suppression_threshold: int = 10
    district_notebook: Path | None = None
    province_notebook: Path | None = None
    warm: bool = True
    share_results: bool = True
    province: bool = True
    progress: bool | None = None
    plan: Path | None = None
    period: str | None = None
    agencies: bool = False
    agency_notebook: Path | None = None
    formats: tuple[str, ...] = ("html",)
    signer_name: str | None = None
    signer_title: str | None = None
    keep_edits: bool = False
    communes: tuple[str, ...] | None = None
    province_code: str = "19"
    report_date: dt.date | None = None
