"""Batch: the machinery behind ``danvan reports``, which runs outside the report notebooks' kernels.

The flow of :func:`run_batch` (:mod:`~danvan_analysis.batch.runner`):

1. **plan** (:func:`~danvan_analysis.batch.runner.plan_batch`): resolve the districts, hash every report's inputs
   and skip the reports that are unchanged since their last success (:mod:`~danvan_analysis.batch.manifest`,
   :mod:`~danvan_analysis.batch.version`);
2. **share**: compute the province-wide results once, in the command's process while the first kernel boots
   (:func:`~danvan_analysis.batch.runner.run_shared_step` calls :mod:`danvan_analysis.reports.shared`), and hand
   their folder to every report;
3. **run on warm kernels**: a pool of worker processes or a dask cluster (:mod:`~danvan_analysis.batch.pool`), each
   worker with one warm Jupyter kernel (:mod:`~danvan_analysis.batch.kernel`) that
   :mod:`~danvan_analysis.batch.kernel_side` resets between reports, runs ``notebooks/district_report.ipynb`` per
   district and ``notebooks/province_report.ipynb`` with papermill;
4. **export**: each worker turns its executed notebook into one self-contained HTML page
   (:mod:`~danvan_analysis.batch.export`, nbconvert with the template in ``templates/danvan``);
5. **manifest and index**: the main process writes every file atomically (:mod:`danvan_analysis.files`), the
   ``manifest.json`` after each report and the ``index.html`` at the end (:mod:`~danvan_analysis.batch.index`),
   while :mod:`~danvan_analysis.batch.progress` shows the progress and the summary.

What runs inside the kernel (parameters, views, display) is :mod:`danvan_analysis.reports`; this package imports
it, never the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from danvan_analysis.batch.runner import BatchResult, run_batch
    from danvan_analysis.batch.settings import BatchSettings

__all__ = ["BatchResult", "BatchSettings", "run_batch"]


def __getattr__(name: str) -> Any:
    """Import the runner on first use (PEP 562): a worker process imports ``danvan_analysis.batch.pool`` to run
    reports, and the runner's imports (pandas, pandera, the report parameters: about 0.9 s of CPU) are the main
    process's, not every worker's."""
    if name == "BatchSettings":
        from danvan_analysis.batch.settings import BatchSettings

        return BatchSettings
    if name in __all__:
        from danvan_analysis.batch import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
