"""Start a batch's first worker while the batch is being planned, when the settings alone say which worker it needs.

``danvan reports`` spends its first second importing pandas and the report modules and planning the batch (the
plan file, the register, the hashes of the data); its first worker then needs about two seconds more to start its
kernel and import the reports' modules, and the batch's shared step, which every report waits for, waits for that
kernel. :func:`start_early_worker` starts that worker from the settings alone, before those imports, so it boots
while the command plans. The runner's pool adopts it when it is the worker the plan asks for: the same kernel
settings (the notebooks' import cells, the working folder), the same environment (one BLAS thread per kernel when
there are as many jobs as cores) and the same PDF printer. Otherwise, or when the batch stops before running a
report (a problem in the input, nothing to rerun), :meth:`EarlyWorker.close` stops it; its kernel stops with it
(ipykernel exits when its parent process is gone).

Only what can be told from the settings is started early: a local pool of warm kernels, the shipped notebooks, a
year with districts (up to 2024: a later year's notebooks depend on its map) and at least one job. Anything else
starts as before, after planning.

This module imports neither pandas nor the report modules.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from danvan_analysis import paths
from danvan_analysis.batch.kernel import KernelSettings, collect_warmup

if TYPE_CHECKING:
    from danvan_analysis.batch.pool import WorkerOptions, _Worker
    from danvan_analysis.batch.settings import BatchSettings

#: The last year whose reports are all on a map with districts (the two-level map starts on 01/07/2025).
LAST_YEAR_WITH_DISTRICTS = 2024


class EarlyWorker:
    """A worker started before the batch was planned (see the module docstring)."""

    def __init__(self, slot: _Worker) -> None:
        self.slot = slot
        self.adopted = False

    def take(self, worker: WorkerOptions, env: tuple[tuple[str, str], ...]) -> _Worker | None:
        """The worker, when it is the one ``worker`` and ``env`` describe (then the pool owns it); else ``None``,
        and it is stopped."""
        if self.adopted:
            return None
        if self.slot.fits(worker, env):
            self.adopted = True
            return self.slot
        self.close()
        return None

    def close(self) -> None:
        """Stop the worker unless a pool adopted it (idempotent)."""
        if not self.adopted:
            self.adopted = True  # nothing more to do with it either way
            self.slot.kill()


def single_threaded_command(settings: BatchSettings) -> bool:
    """Give this process, the command's, one thread per numerical library
    (:data:`~danvan_analysis.batch.pool.COMMAND_THREADS`) when the batch runs a local pool with a worker per core,
    as its workers and kernels get; return whether it did. Call it before numpy is imported: OpenBLAS reads its
    variable once, when it loads.

    The command computes the shared step while the kernels boot, and the province's plan tables while they run the
    districts: the cores are taken. With OpenBLAS' default of a thread per core, each of the shared step's small
    matrix products woke a thread on the other core, which spun there against the booting kernels. Measured on the
    demo data, 2 cores, alternated pairs of ``danvan reports --force --formats html`` on 07/12/2026: 6 pairs, median
    8.03 s and 14.9 s of CPU (the command and its children) with OpenBLAS' default, 7.22 s and 13.1 s with one
    thread; 8 pairs with numpy loaded before the limit or after, 6.32 s against 5.99 s. A variable the command's
    environment sets itself is kept; a batch on a dask scheduler is left as it is.
    """
    from danvan_analysis.batch.pool import COMMAND_THREADS, available_cores, thread_limits

    variables = () if settings.scheduler else thread_limits(settings.jobs or available_cores(), COMMAND_THREADS)
    for name, value in variables:
        os.environ.setdefault(name, value)
    return bool(variables)


def start_early_worker(settings: BatchSettings) -> EarlyWorker | None:
    """Start the first worker of the batch ``settings`` describe, when it can be told from them; never raises."""
    try:
        predicted = predicted_worker(settings)
        if predicted is None:
            return None
        from danvan_analysis.batch.pool import LANES_PER_WORKER, _Worker, available_cores

        jobs = settings.jobs or available_cores()
        return EarlyWorker(_Worker(*predicted, lanes=min(jobs, LANES_PER_WORKER)))
    except Exception:  # an early start only saves time: the batch starts its workers as before
        return None


def predicted_worker(settings: BatchSettings) -> tuple[WorkerOptions, tuple[tuple[str, str], ...]] | None:
    """The options and environment of the batch's first worker, as far as the settings alone tell them (the Word
    options of the plan file travel with each task), or ``None`` when they depend on more."""
    from danvan_analysis.batch.pool import WorkerOptions, available_cores, thread_limits

    notebooks = _notebooks(settings)
    jobs = settings.jobs or available_cores()
    if notebooks is None or jobs < 1:
        return None
    worker = WorkerOptions(
        kernel=KernelSettings(cwd=notebooks[0].parent, warmup=collect_warmup(notebooks)),
        warm=True,
        formats=tuple(f for f in settings.formats if f != "html"),
        lang=settings.lang,
    )
    return worker, thread_limits(jobs)


def _notebooks(settings: BatchSettings) -> list[Path] | None:
    """The notebooks whose import cells the batch's kernels run (as :func:`~danvan_analysis.batch.runner.plan_batch`
    lists them), or ``None`` when they depend on more than the settings."""
    custom = (settings.district_notebook, settings.province_notebook, settings.agency_notebook)
    if (
        settings.scheduler
        or not settings.warm
        or any(path is not None for path in custom)
        or settings.communes is not None
        or settings.province_code != "19"
        or not isinstance(settings.year, int)
        or settings.year > LAST_YEAR_WITH_DISTRICTS
    ):
        return None
    names = ["district_report.ipynb"]
    names += ["agency_report.ipynb"] if settings.agencies else []
    names += ["province_report.ipynb"] if settings.province else []
    found = [(paths.NOTEBOOKS_DIR / name) for name in names]
    if not all(path.is_file() for path in found):
        return None  # the runner explains what is missing
    return list(dict.fromkeys(path.resolve() for path in found))


def close_quietly(early: EarlyWorker | None) -> None:
    """:meth:`EarlyWorker.close`, for cleanup paths (never raises)."""
    if early is not None:
        with contextlib.suppress(Exception):
            early.close()
