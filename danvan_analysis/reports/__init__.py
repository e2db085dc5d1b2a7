"""Reports: what runs inside the Jupyter kernel of a report notebook.

The notebooks (``notebooks/district_report.ipynb``, ``notebooks/province_report.ipynb``) validate their parameters
with :mod:`~danvan_analysis.reports.params`, gather their results with :mod:`~danvan_analysis.reports.views` (which
reads the batch-shared results of :mod:`~danvan_analysis.reports.shared`, or computes them when run alone) and
display them with :mod:`~danvan_analysis.reports.sections`, marking headline figures and headings for the export
(:mod:`~danvan_analysis.reports.export`). This package never computes a figure. Running the notebooks as a batch,
exporting them to HTML and writing the manifest is :mod:`danvan_analysis.batch`, which runs outside the kernel and
imports this package, never the reverse.
"""
