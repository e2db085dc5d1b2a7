"""How a process of the toolkit starts and ends (the ``danvan`` command, a batch's worker process)."""

from __future__ import annotations

import contextlib
import sys
from typing import NoReturn


def end_process(code: object) -> NoReturn:
    """Exit with ``code`` (``SystemExit``'s meaning) without tearing the interpreter down, when nothing needs it.

    Used by the ``danvan`` command and by a batch's worker processes once their kernels are stopped. Once a process
    has done its work, CPython's finalisation only frees memory: it tears down every module and collects
    the whole heap, ~0.25 s after a batch (pandas, matplotlib and statsmodels loaded; measured from the last
    ``atexit`` handler to the end of the process, 4 runs on the demo data), which every user waits for. Here the
    ``atexit`` handlers still run (the multiprocessing clean-up, a coverage tool's), the standard streams are
    flushed, then ``os._exit`` ends the process. Every file the command writes is closed by then (written whole,
    then renamed). When another non-daemon thread still runs, the normal exit waits for it instead.
    """
    import atexit
    import os
    import threading

    if isinstance(code, int) or code is None:
        status = code or 0
    else:  # SystemExit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        status = 1
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken pipe: nothing left to flush
            stream.flush()
    os._exit(status)


#: Optional libraries that a library we use imports when they are installed, for a feature no command of ours uses:
#: hypothesis, which pandera imports on its first check (``pandera.strategies``, to synthesise data from a schema);
#: the test extra installs it. ~0.09 s of CPU on the batch's critical path (``python -X importtime``).
UNUSED_OPTIONAL_MODULES = ("hypothesis",)


def skip_unused_imports() -> None:
    """Keep the libraries of :data:`UNUSED_OPTIONAL_MODULES` from being imported in this process (the command's).

    ``sys.modules[name] = None`` makes their import raise ImportError, which pandera expects (it is how it finds
    them absent) and handles; it changes no check's result, only ``DataFrameModel.strategy()`` and ``.example()``,
    which no command calls. Only done while neither they nor their importer is loaded yet.
    """
    mark_absent(UNUSED_OPTIONAL_MODULES, unless_imported=(*UNUSED_OPTIONAL_MODULES, "pandera.strategies"))


def mark_absent(names: tuple[str, ...], *, unless_imported: tuple[str, ...]) -> None:
    """Make ``import name`` raise ImportError in this process for each of ``names``, unless a module of
    ``unless_imported`` is loaded already (a process that imported them may use them)."""
    if not any(name in sys.modules for name in unless_imported):
        for name in names:
            sys.modules[name] = None  # type: ignore[assignment]
