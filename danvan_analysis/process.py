"""How a process of the toolkit ends (the ``danvan`` command, a batch's worker process)."""

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
