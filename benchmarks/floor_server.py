"""The floor's fork server (``bench_batch.py``, row d): imported once by multiprocessing's fork server, it imports
what every floor worker imports (``bench_batch._floor_preload``), as (c)'s kernel fork server does for its kernels:
without the cycle collector, then frozen, and without jsonschema's unused format libraries (as (c)'s workers)."""

from __future__ import annotations

import contextlib
import gc
import importlib

gc.disable()
try:
    from danvan_analysis.batch.pool import skip_unused_validator_imports

    skip_unused_validator_imports()
    import bench_batch

    for name in bench_batch._floor_preload():
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
finally:
    gc.enable()
    gc.freeze()
