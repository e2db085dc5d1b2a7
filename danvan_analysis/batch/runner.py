"""``danvan reports``: run the district and province report notebooks in parallel and export them to HTML.

Design (see ``docs/design.md``; measured in ``benchmarks/bench_batch.py``):

1. **Plan** (:func:`plan_batch`, main process, cheap): resolve the districts, hash the inputs of every report
   (data files, parameters, notebook, package version and code: :func:`~danvan_analysis.batch.manifest.input_key`)
   and skip the reports whose key and HTML are unchanged since their last success (``--force`` reruns them).
2. **Share** once per batch what every report needs (province-wide survey estimates, all-district scorecards):
   :func:`run_shared_step` writes them to ``<out>/_shared/<key>/``, in the command's own process while the first
   worker's kernel boots on the other core (the command has planned and imported pandas already), and the reports
   get that folder as their ``shared_cache`` parameter. A report computes exactly the same figures without it
   (tested); if the shared step fails the reports fall back to computing them themselves.
3. **Execute** (:func:`execute_plan`) on a pool of worker processes (``--jobs``, default: the cores) or on a
   dask.distributed cluster (``--scheduler``; :mod:`~danvan_analysis.batch.pool`). Each worker keeps a warm Jupyter
   kernel (:mod:`~danvan_analysis.batch.kernel`): interpreter start-up and the heavy imports are paid once per
   worker, the kernel state is restored and verified between reports. Each worker also exports the HTML in-process
   (:mod:`~danvan_analysis.batch.export`), so nbconvert is imported once per worker, not once per report, and the
   other formats asked (``--formats``: the Word draft and the Excel appendix from the notebook's blocks, the PDF
   printed from the HTML by one Chromium per worker; :mod:`~danvan_analysis.batch.formats`).
4. **Record**: the main process writes every file atomically (reports and their copies, logs, failed notebooks,
   then the manifest after each report, then ``index.html``), so workers may run on other machines and an
   interrupted batch leaves
   only complete files. A failed or timed-out report keeps its executed notebook in ``failed/``, is listed in the
   summary (:mod:`~danvan_analysis.batch.progress`), and makes the command exit non-zero; the others are unaffected.
   A worker process that dies fails only its report ("the worker process died (signal 9, SIGKILL)") and is replaced.
   Two batches may write into one folder at once: each merges its records into the manifest under the folder's
   lock and sweeps only temporary files of dead runs. An output folder that cannot be written (a file, read-only,
   a full disk) stops the batch with one ``ParameterError`` "cannot write to …" (exit 2), checked before any report.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import errno
import logging
import os
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from danvan_analysis import paths
from danvan_analysis.batch import manifest as mf
from danvan_analysis.batch.early import EarlyWorker, close_quietly
from danvan_analysis.batch.kernel import KernelSettings, collect_warmup
from danvan_analysis.batch.pool import (
    Kind,
    ReportOutcome,
    ReportTask,
    WorkerOptions,
    available_cores,
    finish_outcome,
    now_iso,
    open_pool,
    outcome_of,
    run_report,
)
from danvan_analysis.batch.progress import BatchProgress, print_summary
from danvan_analysis.batch.settings import BatchSettings
from danvan_analysis.batch.version import package_digest, package_version
from danvan_analysis.errors import ParameterError
from danvan_analysis.files import (
    folder_lock,
    hash_bytes,
    hash_file,
    hash_tree,
    remove_stale_temp_files,
    write_atomic,
)
from danvan_analysis.numbers import LANGUAGES
from danvan_analysis.reports.params import PROVINCE_STEM, SHARED_CACHE_FORMAT, report_stem
from danvan_analysis.units import PROVINCE_CODE

log = logging.getLogger(__name__)

SHARED_DIR = "_shared"
LOGS_DIR = "logs"
FAILED_DIR = "failed"
SHARED_NAME = "shared"
#: The code of the batch's shared step (:func:`run_shared_step`), hashed into its input key as a notebook would be.
SHARED_CODE = Path(__file__).resolve().parents[1] / "reports" / "shared.py"

_TITLES = {
    "vi": "Đánh giá công tác dân vận năm {year}: {unit}",
    "en": "Mass-mobilisation work in {year}: {unit}",
}


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will do; built by :func:`plan_batch`, carried out by :func:`execute_plan`."""

    year: int
    lang: str
    out_dir: Path
    data_dir: Path
    jobs: int
    scheduler: str | None
    progress: bool | None
    worker: WorkerOptions
    tasks: tuple[ReportTask, ...]
    skipped: tuple[mf.ReportRecord, ...]
    shared: ReportTask | None
    previous: dict[str, mf.ReportRecord] = field(default_factory=dict)
    keep_edits: bool = False


@dataclass(frozen=True)
class BatchResult:
    """Result of :func:`run_batch`.

    Attributes
    ----------
    out_dir : the output folder.
    records : one record per report of the batch, in this run's view (``"skipped"`` for unchanged reports).
    seconds : wall time of the run.
    """

    out_dir: Path
    records: tuple[mf.ReportRecord, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when no report of the batch failed or timed out."""
        return not self.failed

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the reports that failed or timed out."""
        return tuple(r.name for r in self.records if r.status in (mf.FAILED, mf.TIMEOUT))

    def to_frame(self) -> Any:
        """One row per report: name, kind, status, seconds, html, error."""
        import pandas as pd

        columns = ["name", "kind", "title", "status", "seconds", "html", "error"]
        return pd.DataFrame([{c: getattr(r, c) for c in columns} for r in self.records], columns=columns)

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, escape=True)


# -- planning -----------------------------------------------------------------------------------------------------


def plan_batch(settings: BatchSettings) -> BatchPlan:
    """Resolve ``settings`` into the list of reports to run (see the module docstring, step 1).

    Raises
    ------
    ParameterError
        Unknown language, district, commune or province, a plan of another province, data folder without the
        year, missing notebook.
    """
    from danvan_analysis.plan import load_plan
    from danvan_analysis.units import resolve_unit

    if settings.lang not in LANGUAGES:
        raise ParameterError(f"--lang {settings.lang!r} is not a report language; expected one of {LANGUAGES}.")
    if settings.timeout <= 0:
        raise ParameterError(f"--timeout {settings.timeout!r}: expected a positive number of seconds.")
    out_dir = Path(settings.out_dir) if settings.out_dir is not None else paths.reports_dir(settings.year)
    if settings.out_dir is None and settings.period is not None:
        out_dir = out_dir / str(settings.period).strip().upper()  # each period's set in its own folder
    out_dir = out_dir.resolve()
    plan = load_plan(settings.plan)  # a broken plan file stops the batch before any report, listing its problems
    period = plan.period_code(settings.period, what="--period")
    two_level = _two_level_register(settings.year, period, settings.province_code)
    if two_level is not None and settings.plan is None:  # the 2023 plan has districts: score the EXAMPLE plan
        plan = load_plan(paths.package_data("plans/example_two_level.yaml"))
    _check_plan_province(plan, two_level, settings)
    if two_level is not None and settings.districts is not None:
        raise ParameterError(
            f"--districts {','.join(settings.districts)}: {settings.year} is on the two-level map (from 01/07/2025), "
            "which has no district. Hint: choose communes with --communes (`danvan units --year YEAR` lists them)."
        )
    if two_level is None and settings.communes is not None:
        raise ParameterError(
            f"--communes: {settings.year} has districts; the commune reports are those of a two-level year (from "
            "01/07/2025). Hint: choose districts with --districts."
        )
    data_dir = _data_dir(settings)
    district_nb = _notebook(settings.district_notebook, "district_report.ipynb")
    province_nb = _notebook(settings.province_notebook, "province_report.ipynb") if settings.province else None
    if settings.districts is None:
        from danvan_analysis.units import district_codes

        codes = district_codes()
    else:
        codes = list(dict.fromkeys(resolve_unit(d, kind="district").code for d in settings.districts))
    extra_formats, word = _formats(settings, plan)
    # A report reads its year and the years before it (trends, last year's figures): adding a later year's folder
    # must not rebuild an unchanged set.
    used = {
        path: digest
        for path, digest in hash_tree(data_dir).items()
        if "/" not in path or not path.split("/", 1)[0].isdigit() or int(path.split("/", 1)[0]) <= settings.year
    }
    data_digest = hash_bytes(repr(sorted(used.items())))
    package = {"package_version": package_version(), "package": package_digest()}
    common = {
        "year": settings.year,
        "data_dir": str(data_dir),
        "lang": settings.lang,
        "suppression_threshold": settings.suppression_threshold,
        "plan_file": "" if settings.plan is None else str(Path(settings.plan).resolve()),
        "period": period or "",
        # One date for the whole batch (a batch run across midnight is dated one day throughout).
        "report_date": (settings.report_date or dt.date.today()).isoformat(),
    }
    ci_method = plan.rules.ci_method
    # A two-level year names its province in every report's parameters (the register it is evaluated on).
    region = {"province": two_level.province_code} if two_level is not None else {}
    shared_key = hash_bytes(
        repr((SHARED_CACHE_FORMAT, settings.year, data_digest, ci_method, sorted(package.items()), *region.values()))
    )
    shared_dir = out_dir / SHARED_DIR / shared_key[:16]
    use_shared = settings.share_results
    common["shared_cache"] = str(shared_dir) if use_shared else ""

    def task(
        name: str, kind: Kind, unit_name: str, notebook: Path, parameters: dict[str, Any], stem: str
    ) -> ReportTask:
        inputs = {"data": data_digest, "notebook": hash_file(notebook), "plan": plan.digest, **package}
        if extra_formats:
            inputs["formats"] = repr((extra_formats, word.get(kind)))
        # Today's date is no input: a report whose data, plan and code are unchanged is not made again the next day.
        # A date the user asks for (--date) is one: asking for another date makes the reports again.
        keyed = parameters if settings.report_date else {k: v for k, v in parameters.items() if k != "report_date"}
        key = mf.input_key(parameters=keyed, **inputs)
        title = _TITLES[settings.lang].format(year=settings.year, unit=unit_name)
        draft = out_dir / f"{stem}.docx"
        keep = draft.read_bytes() if settings.keep_edits and "docx" in extra_formats and draft.is_file() else None
        return ReportTask(
            name, kind, title, notebook, parameters, stem, settings.lang, settings.timeout, key, inputs, keep
        )

    tasks = [
        task(code, "district", resolve_unit(code).name, district_nb, {"district": code, **common}, report_stem(code))
        for code in codes
    ]
    if two_level is not None:  # from 01/07/2025: one report per commune, no district (reports.commune)
        from danvan_analysis.reports.commune import commune_stem

        commune_nb = _notebook(None, "commune_report.ipynb")
        communes = _chosen_communes(two_level, settings.communes)
        tasks = [
            task(u.code, "district", u.name, commune_nb, {"commune": u.code, **common, **region}, commune_stem(u))
            for u in communes
        ]
        if settings.province:
            # The province links to the commune reports this run makes and those already made in the folder.
            earlier = mf.read_manifest(out_dir)
            chosen = {u.code for u in communes}
            linked = ",".join(
                u.code for u in two_level.units("commune") if u.code in chosen or _made(earlier.get(u.code), out_dir)
            )
            province_nb = _notebook(None, "province_two_level_report.ipynb")
            province_params = {**common, "linked_communes": linked, **region}
            name = two_level.unit(two_level.province_code).name
            tasks.append(task(PROVINCE_STEM, "province", name, province_nb, province_params, PROVINCE_STEM))
            province_nb = None
    if settings.agencies:
        from danvan_analysis.units import register

        agency_nb = _notebook(settings.agency_notebook, "agency_report.ipynb")
        agency_common = {k: v for k, v in common.items() if k != "suppression_threshold"} | region
        tasks += [
            task(
                unit.code,
                "agency",
                unit.name,
                agency_nb,
                {"agency": unit.code, **agency_common},
                report_stem(unit.code),
            )
            for unit in (two_level or register()).units("agency")
        ]
    previous = mf.read_manifest(out_dir)
    if province_nb is not None:
        # The province links to the district reports this run makes and those already made in the folder.
        from danvan_analysis.units import district_codes, register

        linked = [c for c in district_codes() if c in codes or _made(previous.get(c), out_dir)]
        province_parameters = {**common, "linked_districts": ",".join(linked)}
        name = register().unit(PROVINCE_CODE).name
        tasks.append(task(PROVINCE_STEM, "province", name, province_nb, province_parameters, PROVINCE_STEM))

    to_run = [t for t in tasks if settings.force or not mf.is_current(previous.get(t.name), t.key, out_dir)]
    skipped = tuple(previous[t.name] for t in tasks if t not in to_run)
    shared = None
    if to_run and use_shared and not _shared_ready(shared_dir, settings.year):
        shared = task(
            SHARED_NAME,
            "shared",
            "shared results",
            SHARED_CODE,
            {
                "year": settings.year,
                "data_dir": str(data_dir),
                "out": str(shared_dir),
                "ci_method": ci_method,
                **region,
            },
            SHARED_NAME,
        )
    # Every kernel warms up on the import cells of all the batch's notebooks, whichever of them run this time: the
    # kernel's settings then follow from the settings alone (batch.early starts the first worker before planning).
    notebooks = [t.notebook for t in tasks]
    worker = WorkerOptions(
        kernel=KernelSettings(cwd=district_nb.parent, warmup=collect_warmup(dict.fromkeys(notebooks))),
        warm=settings.warm,
        formats=extra_formats,
        docx=word,
        lang=settings.lang,
    )
    jobs = settings.jobs or available_cores()
    if jobs < 1:
        raise ParameterError(f"--jobs {jobs}: expected at least 1 worker.")
    return BatchPlan(
        year=settings.year,
        lang=settings.lang,
        out_dir=out_dir,
        data_dir=data_dir,
        jobs=max(1, min(jobs, len(to_run))),
        scheduler=settings.scheduler,
        progress=settings.progress,
        worker=worker,
        tasks=tuple(to_run),
        skipped=skipped,
        shared=shared,
        previous=previous,
        keep_edits=settings.keep_edits,
    )


def run_batch(settings: BatchSettings, *, early: EarlyWorker | None = None) -> BatchResult:
    """Produce the reports of a year as self-contained HTML, an ``index.html`` and a ``manifest.json``.

    Parameters
    ----------
    settings : the run's settings (the options of ``danvan reports``).
    early : the batch's first worker, started before planning (:func:`~danvan_analysis.batch.early.start_early_worker`);
        taken by the pool when it fits the plan, stopped otherwise.

    Returns
    -------
    BatchResult
        ``result.ok`` is false when any report failed or timed out; the other reports are complete.
    """
    try:
        return execute_plan(plan_batch(settings), early=early)
    finally:
        close_quietly(early)  # a no-op when the pool took it


def execute_plan(plan: BatchPlan, *, early: EarlyWorker | None = None) -> BatchResult:
    """Carry out a :class:`BatchPlan` (see the module docstring, steps 3 and 4)."""
    from rich.console import Console

    started = time.perf_counter()
    console = Console(stderr=True, highlight=False)
    _prepare_out_dir(plan.out_dir)
    with _writing(plan.out_dir):
        remove_stale_temp_files(plan.out_dir)  # only files of dead runs: another batch may be writing here
    records = dict(plan.previous)
    batch_info = {"year": plan.year, "lang": plan.lang, "data_dir": str(plan.data_dir), "package": package_version()}
    run_view: dict[str, mf.ReportRecord] = {r.name: replace(r, status=mf.SKIPPED) for r in plan.skipped}
    if plan.tasks:
        with (
            # The shared step runs here, in the command, while the first worker's kernel boots on the other core.
            open_pool(
                plan.worker, jobs=plan.jobs, scheduler=plan.scheduler, early=early, first_alone=plan.shared is not None
            ) as pool,
            BatchProgress(console, year=plan.year, total=len(plan.tasks), show=plan.progress) as progress,
        ):
            tasks = list(plan.tasks)
            if plan.shared is not None:
                progress.running(1)
                outcome = run_shared_step(plan.shared)
                record = _store(plan, plan.shared, outcome, records, batch_info)
                progress.finished(record, counted=False)
                if record.status != mf.OK:
                    run_view[record.name] = record
                    tasks = [_without_shared(t) for t in tasks]
            futures = {pool.submit(run_report, t, plan.worker): t for t in tasks}
            prepare_province_tables(tasks)  # while the kernels run the districts
            progress.running(min(plan.jobs, len(futures)))
            pending = set(futures)
            while pending:
                done, pending = cf.wait(pending, timeout=0.5, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    task = futures[future]
                    outcome = outcome_of(future, task)
                    record = _store(plan, task, outcome, records, batch_info)
                    run_view[task.name] = record
                    progress.finished(record)
                progress.running(min(plan.jobs, len(pending)))
                progress.refresh()
    from danvan_analysis.batch.index import write_index

    demo = paths.is_demo_data(plan.data_dir)
    with _writing(plan.out_dir), folder_lock(plan.out_dir):
        # The index lists what the folder holds now, other batches' reports included.
        records = mf.read_manifest(plan.out_dir)
        if not (plan.out_dir / mf.MANIFEST_NAME).exists():
            mf.write_manifest(plan.out_dir, records, batch=batch_info)
        write_index(plan.out_dir, records.values(), year=plan.year, lang=plan.lang, demo=demo)
    order = [t.name for t in plan.tasks] + [r.name for r in plan.skipped]
    ordered = [run_view[name] for name in order if name in run_view]
    if SHARED_NAME in run_view:
        ordered.insert(0, run_view[SHARED_NAME])
    result = BatchResult(out_dir=plan.out_dir, records=tuple(ordered), seconds=time.perf_counter() - started)
    print_summary(console, result)
    return result


# -- main-process helpers -----------------------------------------------------------------------------------------


def run_shared_step(task: ReportTask) -> ReportOutcome:
    """Compute the batch's shared results (``task.parameters``) in this process, the command's; never raises.

    The step every report waits for runs here, not in the first worker's kernel: the command has planned the batch
    and has pandas imported, and the kernel is still booting on the other core, so the step starts about a second
    earlier. The register of the year's map is put in use for the step only (:func:`~danvan_analysis.units.register_kept`);
    warnings go to the step's log. A failure is an outcome, not an error: the reports then compute the same figures
    themselves (:func:`_without_shared`).
    """
    import io
    import traceback

    started_at = now_iso()
    clock = time.perf_counter()
    step_log = io.StringIO()
    step_log.write(
        f"{started_at} shared step: danvan_analysis.reports.shared.build_shared_results in the command's process\n"
    )
    status, error = mf.OK, None
    parameters = task.parameters
    try:
        from danvan_analysis.reports.commune import use_province
        from danvan_analysis.reports.shared import build_shared_results
        from danvan_analysis.units import register_kept

        with register_kept(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            try:
                use_province(year=parameters["year"], province=parameters.get("province", PROVINCE_CODE))
                build_shared_results(
                    year=parameters["year"],
                    data_dir=parameters["data_dir"],
                    out=parameters["out"],
                    ci_method=parameters["ci_method"],
                )
            finally:
                for w in caught:
                    step_log.write("warning: " + warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
    except Exception as exc:  # the reports go on without the shared results
        status, error = mf.FAILED, f"{type(exc).__name__}: {exc}"
        step_log.write(traceback.format_exc())
    kernel = "none: the command's own process"
    return finish_outcome(
        task, status=status, error=error, log=step_log, started=started_at, clock=clock, kernel=kernel
    )


def _store(
    plan: BatchPlan,
    task: ReportTask,
    outcome: ReportOutcome,
    records: dict[str, mf.ReportRecord],
    batch_info: dict[str, Any],
) -> mf.ReportRecord:
    """Write a report's files atomically, then merge its record into the manifest (see :func:`_writing`)."""
    out = plan.out_dir
    with _writing(out):
        log_rel = f"{LOGS_DIR}/{task.stem}.log"
        write_atomic(out / log_rel, outcome.log)
        html_rel = failed_rel = html_sha = None
        files: dict[str, dict[str, str]] = {}
        stale_html = out / f"{task.stem}.html"
        stale_failed = out / FAILED_DIR / f"{task.stem}.ipynb"
        if outcome.status == mf.OK and outcome.html is not None:
            for name, data in outcome.files.items():  # the other formats first: the HTML marks the report done
                rel = f"{task.stem}.{name}"
                write_atomic(out / rel, data)
                files[name] = {"path": rel, "sha256": hash_bytes(data)}
            html_rel = f"{task.stem}.html"
            write_atomic(out / html_rel, outcome.html)
            html_sha = hash_bytes(outcome.html)
            stale_failed.unlink(missing_ok=True)
        elif outcome.status != mf.OK:
            if outcome.failed_notebook is not None:
                failed_rel = f"{FAILED_DIR}/{task.stem}.ipynb"
                write_atomic(out / failed_rel, outcome.failed_notebook)
            # A report that failed now must not leave last run's HTML (or copies) looking current; a Word draft
            # kept for its edits stays: it holds the analyst's own text.
            stale_html.unlink(missing_ok=True)
            for name in ("pdf", "xlsx", *(() if plan.keep_edits else ("docx",))):
                (out / f"{task.stem}.{name}").unlink(missing_ok=True)
        record = mf.ReportRecord(
            name=task.name,
            kind=task.kind,
            title=task.title,
            status=outcome.status,
            key=task.key,
            parameters=dict(task.parameters),
            inputs=dict(task.inputs),
            started=outcome.started,
            ended=outcome.ended,
            seconds=round(outcome.seconds, 3),
            error=outcome.error,
            html=html_rel,
            html_sha256=html_sha,
            log=log_rel,
            failed_notebook=failed_rel,
            headline=outcome.headline,
            kernel=outcome.kernel,
            files=files,
        )
        with folder_lock(out):  # re-read under the lock: another batch may have added its records meanwhile
            records.update(mf.update_manifest(out, {task.name: record}, batch=batch_info))
        return record


_PROBE = ".danvan-write-probe-{pid}"


def _prepare_out_dir(folder: Path) -> None:
    """Create the output folder and prove it writable before any report runs.

    Raises
    ------
    ParameterError
        "cannot write to …": the folder is a file, read-only, on a full disk, or its parent cannot be created.
    """
    with _writing(folder):
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder", str(folder))
        folder.mkdir(parents=True, exist_ok=True)
        probe = write_atomic(folder / _PROBE.format(pid=os.getpid()), b"")
        probe.unlink(missing_ok=True)


@contextlib.contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """Turn a failed write into the output folder (read-only, full disk, a file) into one clear error, exit 2."""
    try:
        yield
    except OSError as error:
        where = f" ({error.filename})" if error.filename and Path(error.filename) != folder else ""
        reason = error.strerror or str(error)
        raise ParameterError(
            f"cannot write to {folder}: {reason}{where}. Hint: give --out a folder you can write to, or free space "
            "on its disk."
        ) from error


def _formats(settings: BatchSettings, plan: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The formats asked besides HTML, in a fixed order, and the Word options of each kind of report; checks that
    what they need is installed before any report runs.

    Raises
    ------
    ParameterError
        An unknown format; pdf without Chromium; docx without its writer.
    """
    from danvan_analysis.batch.formats import check_formats

    extra = check_formats(settings.formats)
    word: dict[str, Any] = {}
    if "docx" in extra:
        try:
            from danvan_analysis.batch.formats.docx import docx_options
        except ImportError as err:
            raise ParameterError(f"--formats docx: the Word writer cannot be loaded ({err}).") from err
        for kind in ("district", "province", "agency"):
            word[kind] = docx_options(plan, kind, signer_name=settings.signer_name, signer_title=settings.signer_title)
    return extra, word


def _without_shared(task: ReportTask) -> ReportTask:
    parameters = {**task.parameters, "shared_cache": ""}
    inputs = {k: v for k, v in task.inputs.items()}
    return replace(task, parameters=parameters, key=mf.input_key(parameters=parameters, **inputs))


def _shared_ready(folder: Path, year: int) -> bool:
    import json

    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == SHARED_CACHE_FORMAT and meta.get("year") == year


def _made(record: mf.ReportRecord | None, out_dir: Path) -> bool:
    """Whether a report's HTML from an earlier run is in ``out_dir``."""
    return record is not None and record.status == mf.OK and bool(record.html) and (out_dir / record.html).is_file()


def _data_dir(settings: BatchSettings) -> Path:
    if settings.data_dir is not None:
        folder = Path(settings.data_dir)
        if not (folder / str(settings.year)).is_dir():
            raise ParameterError(
                f"--data {folder}: no folder {folder / str(settings.year)}; expected <data>/<year>/<dataset> files."
            )
        return folder.resolve()
    folder = paths.DEMO_DIR
    if not (folder / str(settings.year)).is_dir():
        # Never invent a year silently: demo data are made only when asked for, by `danvan demo`.
        raise ParameterError(
            f"No data for {settings.year}: {folder / str(settings.year)} does not exist. Hint: give your data folder "
            f"with --data (it holds <year>/<dataset> files), or make demonstration data with "
            f"`danvan demo --year {settings.year}`."
        )
    return folder.resolve()


def _two_level_register(year: int, period: str | None, province: str) -> Any:
    """The register of ``province`` in a two-level year (its communes, no district), else ``None``.

    Raises
    ------
    ParameterError
        ``province`` is no province of the year's map; another province than Thái Nguyên in a year with districts
        (the toolkit ships the 2023 register of Thái Nguyên only, and the district reports are built on it).
    """
    from danvan_analysis.registers import register_for, register_of_year

    try:
        reg = register_of_year(year, period, province=province)
    except ParameterError as error:
        raise ParameterError(f"--province {province}: {error}") from None
    if reg is not None and reg.two_level:
        return reg
    if province.strip().zfill(2) != PROVINCE_CODE:
        try:
            name = register_for(2026, province=province).unit(province.strip().zfill(2)).name
        except ParameterError:
            name = "not a province code of the two-level map"
        raise ParameterError(
            f"--province {province} ({name}): {year}{f' {period}' if period else ''} has districts, and the reports of "
            "such a year evaluate Thái Nguyên (19) only: the toolkit ships no 2023 register of another province, so "
            "its district reports cannot be built. Hint: another province's reports run in a two-level year (from "
            "01/07/2025), e.g. `danvan reports --year 2026 --province CODE --data DIR --plan PLAN`."
        )
    return None


def _check_plan_province(plan: Any, two_level: Any, settings: BatchSettings) -> None:
    """Stop before any report when the plan is another province's than ``--province`` (the plan names its own)."""
    from danvan_analysis.reports.commune import check_province
    from danvan_analysis.units import register

    if two_level is not None:
        try:
            check_province(two_level.unit(two_level.province_code), plan)
        except ParameterError as error:
            raise ParameterError(str(error).replace("Parameter province:", "--province")) from None
        return
    wanted = str(plan.spec.plan.province_code).strip().zfill(2)
    if wanted != PROVINCE_CODE:
        raise ParameterError(
            f"--plan {plan.source}: the plan of province {wanted}, but {settings.year} has districts and its reports "
            f"evaluate {register().unit(PROVINCE_CODE).name} (19) only. Hint: a plan of another province is scored "
            "in a two-level year (from 01/07/2025), with --province set to its code."
        )


def _chosen_communes(reg: Any, chosen: tuple[str, ...] | None) -> list[Any]:
    """The communes of ``--communes`` (codes or names on the two-level map), in register order; ``None``: all."""
    from danvan_analysis.errors import UnitError

    if chosen is None:
        return reg.units("commune")
    codes = set()
    for item in chosen:
        try:
            codes.add(reg.resolve(item, kind="commune").code)
        except UnitError as error:
            raise ParameterError(
                f"--communes {item!r}: {error} Hint: `danvan units --year YEAR --province CODE` lists the communes."
            ) from None
    return [u for u in reg.units("commune") if u.code in codes]


def _notebook(given: Path | None, default_name: str) -> Path:
    path = Path(given) if given is not None else paths.NOTEBOOKS_DIR / default_name
    if not path.is_file():
        raise ParameterError(
            f"Report notebook {path} not found. Hint: run `danvan reports` from the project folder (which holds "
            "notebooks/), or pass the notebook's path."
        )
    return path.resolve()


def prepare_province_tables(tasks: Iterable[ReportTask]) -> None:
    """Compute the province report's plan tables (the year's and the previous year's) into the batch's shared folder,
    in the command's process, once the reports are handed to the kernels; never raises.

    The province report runs last (it reads the districts' tables) and mostly alone: without this, its kernel
    computed the province's tables itself, ~0.3 s of CPU while the other core had nothing left to do. Here that work
    runs beside the district reports, and the report reads the tables (:mod:`danvan_analysis.reports.plan_tables`),
    from the same function its own view would call (:func:`danvan_analysis.reports.views.prepare_province_tables`),
    with its own parameters. Measured: 16 alternated pairs of a forced demo batch, median 8.23 -> 8.11 s, idle
    core-seconds 1.25 -> 0.92. A failure only leaves the report to compute them, as before; it is logged.
    """
    for task in tasks:
        if task.kind != "province" or "linked_districts" not in task.parameters:  # the two-level province differs
            continue
        if not task.parameters.get("shared_cache"):
            return
        try:
            from danvan_analysis.reports.params import validate_province_params
            from danvan_analysis.reports.views import prepare_province_tables as prepare
            from danvan_analysis.units import register_kept

            with register_kept(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the province report gives (and logs) its own warnings
                prepare(validate_province_params(**task.parameters))
        except Exception as error:  # the report computes what is missing
            log.warning("the province's plan tables were not prepared (%s: %s)", type(error).__name__, error)
