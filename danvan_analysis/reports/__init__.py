"""Reports: notebook parameters, the batch runner behind ``danvan reports``, HTML export, manifest and index.

The flow: :func:`run_batch` plans the batch (which reports are out of date), computes the province-wide results
once, runs ``notebooks/district_report.ipynb`` for each district and ``notebooks/province_report.ipynb`` in warm
Jupyter kernels on a process pool or a dask cluster, exports each to a self-contained HTML page, and writes
``manifest.json`` and ``index.html``. The notebooks validate their parameters with
:func:`~danvan_analysis.reports.params.validate_district_params` and display results with
:mod:`~danvan_analysis.reports.sections`. This package never computes a figure.
"""

from danvan_analysis.reports.runner import BatchResult, BatchSettings, run_batch

__all__ = ["BatchResult", "BatchSettings", "run_batch"]
