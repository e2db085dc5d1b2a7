"""Runs INSIDE a warm report kernel: snapshot the interpreter state, restore it, prove it was restored.

A warm kernel runs many reports one after another. Before each report the runner calls :func:`restore_state`,
which puts back everything a report can change through normal use (the IPython namespace and execution counter,
open matplotlib figures and ``rcParams``, pandas options, NumPy error/print settings and the legacy global random
state, :mod:`random`, warnings filters, environment variables, working directory, ``sys.path``, the root logger,
the :mod:`decimal` context) and then compares a fingerprint of the whole observable state with the one taken right
after warm-up. Any difference (including things we do not restore: display formatters registered by a report,
threads left running, the inline-backend configuration, the locale) is returned to the runner, which then throws
the kernel away and starts a fresh one: a report never runs in a kernel whose state differs from a fresh kernel's
after the same warm-up imports.

Modules imported by a report stay imported (Python cannot unload them); that is why warm-up imports what the
notebooks import, and why the package has no import-time side effects.

Everything here is private to the kernel process and leaves no name in the user namespace.
"""

from __future__ import annotations

import copy
import decimal
import gc
import hashlib
import locale
import logging
import os
import random
import sys
import threading
import warnings
from typing import Any

_baseline: dict[str, Any] | None = None
_fingerprint: dict[str, str] | None = None


def begin_warmup() -> None:
    """Run the warm-up imports without the cycle collector (:func:`capture_baseline` turns it back on).

    Importing the reports' modules allocates ~240k objects that all live as long as the kernel; the collector's
    passes over them while they are being created find nothing to free and cost ~13 % of the warm-up's CPU, which
    the batch's shared step waits for.
    """
    gc.disable()


def capture_baseline() -> None:
    """Record the state to restore before every report (call once, after the warm-up imports)."""
    global _baseline, _fingerprint
    gc.enable()
    # Everything alive now (the warm-up's modules, ~240k objects) lives as long as the kernel: moved out of the
    # collector's reach, the full collection of every reset (IPython's reset runs one) walks only what a report
    # made. The objects are still freed normally by reference counting; only cycle detection skips them. Done
    # first, so that the reset below does not walk them all a second time (~0.06 s of CPU per kernel start).
    gc.collect()
    gc.freeze()
    if "matplotlib.pyplot" in sys.modules:
        # The warm-up imported pyplot (a notebook's import cell may): resolve its backend now. The inline backend
        # registers its display formatters and configuration on first use, which must be part of the baseline
        # rather than look like a change made by a report. The package's own reports never import pyplot (their
        # figures are plain Figures): a report that does gets a fresh kernel next time, as for any other change.
        import matplotlib.pyplot as plt

        plt.close(plt.figure())
    _start_zmq_garbage_thread()
    _skip_empty_flushes()
    _reset_ipython()
    _baseline = _snapshot()
    _fingerprint = _fingerprint_state()


def _start_zmq_garbage_thread() -> None:
    """Start pyzmq's garbage-collection thread now, as part of the baseline.

    pyzmq starts it on the first message sent without copying (over 64 KiB: a report's large page or figure, e.g.
    the province report's), and it then lives as long as the kernel: kernel machinery, not a report's state, yet a
    thread the fingerprint would see appear, so the next report would get a fresh kernel (~2 s) for nothing. No
    message is being sent here (the warm-up prints nothing), so no other thread can be starting it.
    """
    if "zmq" not in sys.modules:
        return
    from zmq.utils.garbage import gc as zmq_garbage

    if not zmq_garbage.is_alive():
        zmq_garbage.start()


def _skip_empty_flushes() -> None:
    """Make ``sys.stdout.flush()`` and ``sys.stderr.flush()`` return at once when nothing waits to be sent.

    ipykernel flushes both streams before every display message and after every cell, so that text printed before
    a figure arrives before it; each flush hands two callbacks to the IOPub thread and waits for them, even with
    nothing to send. A report publishes ~64 displays and prints nothing: measured with cProfile in a warm kernel,
    those waits were ~0.1 s of each district report's ~1 s, with the other core busy. A stream that holds text
    still flushes exactly as before, so the order of text and displays is unchanged. Only ipykernel's own streams
    (``OutStream``, with ``_buffers`` and ``_buffer_lock``) are changed; any other stream is left alone.
    """
    for stream in (sys.stdout, sys.stderr):
        flush = getattr(stream, "flush", None)
        if flush is None or getattr(flush, "skips_empty", False):
            continue
        if not hasattr(stream, "_buffers") or not hasattr(stream, "_buffer_lock"):
            continue

        def flush_if_pending(stream: Any = stream, flush: Any = flush) -> None:
            with stream._buffer_lock:  # the buffers are swapped under this lock by the IOPub thread
                pending = any(buffer.tell() for buffer in stream._buffers.values())
            if pending:
                flush()

        flush_if_pending.skips_empty = True  # type: ignore[attr-defined]
        stream.flush = flush_if_pending


def restore_state() -> list[str]:
    """Restore the baseline and return the names of the state items that still differ (empty = clean)."""
    if _baseline is None or _fingerprint is None:
        return ["no baseline captured"]
    _reset_ipython()
    _restore(_baseline)
    now = _fingerprint_state()
    return sorted(key for key in set(now) | set(_fingerprint) if now.get(key) != _fingerprint.get(key))


# -- what is restored ---------------------------------------------------------------------------------------------


def _reset_ipython() -> None:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        # new_session=True also sets execution_count back to 1, so prompts/counts match a fresh kernel.
        shell.reset(new_session=True, aggressive=False)


def _snapshot() -> dict[str, Any]:
    state: dict[str, Any] = {
        "cwd": os.getcwd(),
        "environ": dict(os.environ),
        "sys.path": list(sys.path),
        "warnings": list(warnings.filters),
        "random": random.getstate(),
        "decimal": decimal.getcontext().copy(),
        "logging": (logging.root.level, list(logging.root.handlers)),
    }
    if "matplotlib" in sys.modules:
        import matplotlib

        state["rcParams"] = {key: copy.deepcopy(value) for key, value in dict.items(matplotlib.rcParams)}
    if "numpy" in sys.modules:
        import numpy as np

        state["np.err"] = np.geterr()
        state["np.print"] = np.get_printoptions()
        state["np.random"] = np.random.get_state()
    if "pandas" in sys.modules:
        state["pandas"] = _pandas_options()
    return state


def _restore(state: dict[str, Any]) -> None:
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close("all")
    if "rcParams" in state:
        import matplotlib

        # What matplotlib.rc_context does on exit: bypass validation and deprecation warnings.
        dict.update(matplotlib.rcParams, state["rcParams"])
    if "np.err" in state:
        import numpy as np

        np.seterr(**state["np.err"])
        np.set_printoptions(**state["np.print"])
        np.random.set_state(state["np.random"])
    if "pandas" in state:
        import pandas as pd

        for key, value in state["pandas"].items():
            if pd.get_option(key) != value:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    pd.set_option(key, value)
    os.chdir(state["cwd"])
    os.environ.clear()
    os.environ.update(state["environ"])
    sys.path[:] = state["sys.path"]
    warnings.filters[:] = state["warnings"]
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()  # invalidate the per-module "once" registries, as warnings.catch_warnings does on exit
    random.setstate(state["random"])
    decimal.setcontext(state["decimal"].copy())
    level, handlers = state["logging"]
    logging.root.setLevel(level)
    logging.root.handlers[:] = handlers


# -- what is compared ---------------------------------------------------------------------------------------------


def _fingerprint_state() -> dict[str, str]:
    """A digest per state item; only equality matters."""
    items: dict[str, Any] = {
        "user_ns": _user_names(),
        "cwd": os.getcwd(),
        "environ": sorted(os.environ.items()),
        "sys.path": sys.path,
        "warnings": warnings.filters,
        "random": random.getstate(),
        "decimal": decimal.getcontext(),
        "logging": (logging.root.level, logging.root.handlers),
        "threads": sorted(t.name for t in threading.enumerate()),
        "locale": locale.setlocale(locale.LC_ALL),
        "formatters": _formatter_registrations(),
        "inline_backend": _inline_backend_config(),
    }
    if "matplotlib" in sys.modules:
        import matplotlib

        items["rcParams"] = sorted((key, repr(value)) for key, value in dict.items(matplotlib.rcParams))
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        items["figures"] = plt.get_fignums()
    if "numpy" in sys.modules:
        import numpy as np

        items["np.err"] = sorted(np.geterr().items())
        items["np.print"] = sorted(np.get_printoptions().items())
        items["np.random"] = [repr(part) for part in np.random.get_state()]
    if "pandas" in sys.modules:
        items["pandas"] = sorted(_pandas_options().items())
    return {key: hashlib.sha256(repr(value).encode()).hexdigest() for key, value in items.items()}


def _user_names() -> list[str]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return []
    return sorted(name for name in shell.user_ns if name not in shell.user_ns_hidden)


def _formatter_registrations() -> list[tuple[str, bool, list[str]]]:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return []
    found = []
    for mime, formatter in shell.display_formatter.formatters.items():
        # repr of the printer functions includes their identity: replacing one is a change too.
        printers = [*formatter.type_printers.items(), *formatter.singleton_printers.items()]
        registered = sorted(f"{key!r}={value!r}" for key, value in printers)
        registered += sorted(f"{key!r}={value!r}" for key, value in formatter.deferred_printers.items())
        found.append((mime, bool(formatter.enabled), registered))
    return sorted(found)


def _inline_backend_config() -> str:
    module = sys.modules.get("matplotlib_inline.config")
    if module is None:
        return ""
    return repr(sorted(module.InlineBackend.instance().trait_values().items()))


def _pandas_options() -> dict[str, Any]:
    import pandas as pd

    def walk(prefix: str, node: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in dir(node):
            key = f"{prefix}.{name}" if prefix else name
            value = getattr(node, name)
            if type(value).__name__ == "DictWrapper":
                found.update(walk(key, value))
            else:
                found[key] = value
        return found

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a deprecated option warns
        return walk("", pd.options)
