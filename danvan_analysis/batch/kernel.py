"""Warm Jupyter kernels for the batch runner: start once per worker, reuse across reports, reset provably.

Why: on this toolkit's reference machine the plain loop (papermill CLI, then ``jupyter nbconvert``) spends most of
its ~7 s per report starting interpreters and importing pandas, statsmodels, seaborn and nbformat's validator.
A :class:`WarmKernel` pays that once per worker: it starts a real ipykernel (``jupyter_client``), runs the
notebooks' import cells (cells tagged ``imports``) once, records a baseline of the interpreter state
(:mod:`danvan_analysis.batch.kernel_side`), and then runs report after report. Before each report it restores
the baseline and compares a fingerprint of the state with the baseline's; if anything differs the kernel is
discarded and a fresh one started, so a report never sees another report's state.

Execution goes through papermill's own machinery: :func:`papermill.parameterize.parameterize_notebook` injects
the parameters and a registered papermill engine (``danvan-warm``, a subclass of papermill's ``NBClientEngine``)
hands the existing kernel manager **and** client to :class:`papermill.clientwrap.PapermillNotebookClient`;
nbclient's ``setup_kernel`` then neither starts a kernel (``km.has_kernel``) nor a client (``kc`` is set), and
leaves the kernel alive because it does not own the manager (``owns_km`` is false).

Time limits: a timer interrupts the kernel (SIGINT, as the Jupyter "interrupt" button) when a report exceeds its
limit; nbclient's per-cell timeout is a backstop a few seconds later. A timed-out kernel is always replaced.
A failed kernel start (port clash, slow disk, …) is retried with back-off.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from danvan_analysis.errors import ReportError

if TYPE_CHECKING:
    from nbformat import NotebookNode

ENGINE_NAME = "danvan-warm"
#: Tag of the notebook cells that hold the imports; warm-up runs them once per kernel.
IMPORTS_TAG = "imports"

_SIDE = "__import__('danvan_analysis.batch.kernel_side', fromlist=['_'])"
log = logging.getLogger(__name__)

Status = Literal["ok", "error", "timeout"]


@dataclass(frozen=True)
class KernelSettings:
    """How report kernels are started.

    Attributes
    ----------
    kernel_name : Jupyter kernel spec (``python3`` = the interpreter running the batch).
    cwd : working directory of the kernel (the notebooks' folder, as in JupyterLab).
    warmup : code run once after start, normally the notebooks' import cells (:func:`collect_warmup`).
    startup_timeout : seconds to wait for a kernel to answer after start.
    start_attempts : tries before a failed start is reported.
    """

    kernel_name: str = "python3"
    cwd: Path | None = None
    warmup: str = ""
    startup_timeout: float = 120.0
    start_attempts: int = 3


@dataclass(frozen=True)
class Execution:
    """Outcome of one notebook run in a kernel.

    Attributes
    ----------
    nb : the executed notebook (with outputs; with the error output when it failed).
    status : ``"ok"``, ``"error"`` (a cell raised) or ``"timeout"``.
    error : one-line description of the failure, ``None`` when ok.
    seconds : wall time of the execution.
    """

    nb: NotebookNode
    status: Status
    error: str | None
    seconds: float


def collect_warmup(notebooks: Iterable[Path]) -> str:
    """Return the source of every cell tagged ``imports`` in ``notebooks`` (deduplicated, in order).

    Reads the notebook JSON directly: importing nbformat (and its schema validator) in the batch's main process
    would cost seconds for nothing.
    """
    sources: list[str] = []
    for path in notebooks:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in document.get("cells", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.get("cell_type") == "code" and IMPORTS_TAG in tags and source not in sources:
                sources.append(source)
    return "\n".join(sources)


def warm_client() -> None:
    """Import what :func:`prepare_notebook` and :meth:`WarmKernel.execute` use in this process (papermill's
    parameterising and engine), and build nbformat's notebook validator, which papermill's reader uses."""
    import nbformat
    from nbformat.validator import get_validator
    from papermill.execute import prepare_notebook_metadata, remove_error_markers  # noqa: F401
    from papermill.iorw import load_notebook_node  # noqa: F401
    from papermill.parameterize import parameterize_notebook  # noqa: F401

    _register_engine()
    get_validator(version=4, version_minor=nbformat.v4.nbformat_minor)


def prepare_notebook(path: Path, parameters: dict[str, Any]) -> NotebookNode:
    """Load a notebook and inject ``parameters`` the way ``papermill.execute_notebook`` does.

    papermill writes the values as Python literals in a cell tagged ``injected-parameters`` placed after the cell
    tagged ``parameters``: a value is data, never code.
    """
    from papermill.execute import prepare_notebook_metadata, remove_error_markers
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = load_notebook_node(str(path))
    nb = parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
    nb = prepare_notebook_metadata(nb, str(path), "")
    return remove_error_markers(nb)


@dataclass
class WarmKernel:
    """A kernel that survives across reports. Not thread-safe: one per worker thread.

    Parameters
    ----------
    settings : how to start it.
    start_factory : builds a kernel manager (tests inject failing ones to check the retry).
    """

    settings: KernelSettings
    start_factory: Callable[[str], Any] | None = None
    km: Any = field(default=None, init=False, repr=False)
    kc: Any = field(default=None, init=False, repr=False)
    reports_run: int = field(default=0, init=False)
    _stderr: Any = field(default=None, init=False, repr=False)
    restarts: int = field(default=0, init=False)

    # -- life cycle -----------------------------------------------------------------------------------------------
    def launch(self) -> None:
        """Start the kernel process without waiting for it (so the caller can import meanwhile)."""
        from jupyter_core.utils import run_sync

        factory = self.start_factory or _default_factory
        last_error: BaseException | None = None
        for attempt in range(self.settings.start_attempts):
            km = factory(self.settings.kernel_name)
            try:
                cwd = str(self.settings.cwd) if self.settings.cwd else None
                # The kernel's own messages (start-up warnings, crash reports) go to a private file that is
                # quoted when the kernel fails, instead of the terminal of the batch.
                self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the kernel
                run_sync(km.start_kernel)(
                    cwd=cwd,
                    # nbclient's default: IPython history in memory, no sqlite file shared between kernels.
                    extra_arguments=["--HistoryManager.hist_file=:memory:"],
                    stdout=subprocess.DEVNULL,
                    stderr=self._stderr,
                )
                self.km = km
                return
            except Exception as error:  # a start can fail in many ways (ports, zmq, spawn): all are retried
                last_error = error
                log.warning("kernel start failed (attempt %d/%d): %s", attempt + 1, self.settings.start_attempts, error)
                with contextlib.suppress(Exception):
                    run_sync(km.cleanup_resources)()
                time.sleep(0.2 * 2**attempt)
        raise ReportError(
            f"The Jupyter kernel {self.settings.kernel_name!r} did not start after {self.settings.start_attempts} "
            f"attempts: {last_error}. Hint: check `jupyter kernelspec list` and that ipykernel is installed."
        ) from last_error

    def wait_ready(self) -> None:
        """Connect a client, wait until the kernel answers, run the warm-up and record the baseline."""
        from jupyter_core.utils import run_sync

        if self.km is None:
            self.launch()
        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
            try:
                run_sync(_await_kernel_info)(self.kc, timeout=self.settings.startup_timeout)
            except RuntimeError as error:
                tail = self.stderr_tail()
                self.shutdown()
                raise ReportError(f"The Jupyter kernel started but did not answer: {error}\n{tail}") from error
            code = f"{_SIDE}.begin_warmup()\n{self.settings.warmup}\n{_SIDE}.capture_baseline()"
            self._run_silently(code, what="warm-up (the notebooks' import cells)")

    def start(self) -> None:
        """Launch and wait (see :meth:`launch`, :meth:`wait_ready`)."""
        self.launch()
        self.wait_ready()

    def shutdown(self) -> None:
        """Stop the kernel (idempotent)."""
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            # shutdown_kernel(now=True) kills the process, then polls it every 0.1 s until it is gone: the first
            # poll comes before the kill has been reaped, so every stop waited 0.1 s, at the end of every batch.
            # Killing and reaping it here first lets that poll find it gone.
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None:
                with contextlib.suppress(Exception):
                    process.kill()
                    process.wait(timeout=5)
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
            with contextlib.suppress(Exception):
                run_sync(self.km.cleanup_resources)()
            self.km = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def restart(self) -> None:
        """Replace the kernel by a fresh one (same settings)."""
        self.shutdown()
        self.restarts += 1
        self.start()

    # -- reports --------------------------------------------------------------------------------------------------
    def prepare(self) -> str:
        """Make the kernel equivalent to a fresh one before a report; return a line for the report's log."""
        self.wait_ready()
        if self.reports_run == 0:
            return "kernel: fresh (warm-up imports done)"
        differences = self._restore()
        if not differences:
            return f"kernel: reused after {self.reports_run} report(s); state restored and verified identical"
        self.restart()
        self.reports_run = 0
        return f"kernel: state differed after reset ({', '.join(differences)}); replaced by a fresh kernel"

    def execute(
        self, nb: NotebookNode, *, timeout: float, stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> Execution:
        """Run a parameterised notebook in this kernel with papermill, within ``timeout`` seconds in all.

        A cell that raises stops the run (papermill's behaviour: the error is recorded in the notebook); so does
        the time limit. A timed-out kernel is replaced before the next report.
        """
        from papermill.engines import papermill_engines

        _register_engine()
        self.wait_ready()
        fired = threading.Event()
        timer = threading.Timer(timeout, self._interrupt, kwargs={"fired": fired})
        timer.daemon = True
        started = time.perf_counter()
        status: Status = "ok"
        error: str | None = None
        timer.start()
        try:
            nb = papermill_engines.execute_notebook_with_engine(
                ENGINE_NAME,
                nb,
                kernel_name=self.settings.kernel_name,
                km=self.km,
                kc=self.kc,
                output_path=None,
                progress_bar=False,
                log_output=False,
                stdout_file=stdout,
                stderr_file=stderr,
                start_timeout=self.settings.startup_timeout,
                # Backstop only: the timer above interrupts first and turns the overrun into a cell error.
                execution_timeout=int(timeout) + 10,
            )
        except Exception as exc:  # nbclient's CellTimeoutError, a dead kernel, zmq errors
            status, error = "error", f"{type(exc).__name__}: {exc}"
        finally:
            timer.cancel()
        self.reports_run += 1
        if fired.is_set():
            status, error = "timeout", f"exceeded its time limit of {timeout:g} s"
        elif status == "ok":
            error = first_error(nb)
            status = "error" if error else "ok"
        if fired.is_set() or not self._alive():
            self.shutdown()  # the state after an interrupt is unknown: never reuse such a kernel
            self.reports_run = 0
        return Execution(nb=nb, status=status, error=error, seconds=time.perf_counter() - started)

    # -- internals ------------------------------------------------------------------------------------------------
    def _restore(self) -> list[str]:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            "",
            silent=True,
            store_history=False,
            user_expressions={"differences": f"{_SIDE}.restore_state()"},
            timeout=self.settings.startup_timeout,
        )
        result = reply["content"].get("user_expressions", {}).get("differences", {})
        if result.get("status") != "ok":
            return [f"reset failed: {result.get('ename')}: {result.get('evalue')}"]
        import ast

        return list(ast.literal_eval(result["data"]["text/plain"]))

    def _run_silently(self, code: str, *, what: str) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.kc.execute_interactive)(
            code, silent=True, store_history=False, timeout=self.settings.startup_timeout
        )
        content = reply["content"]
        if content.get("status") != "ok":
            self.shutdown()
            raise ReportError(
                f"The {what} failed in the kernel: {content.get('ename')}: {content.get('evalue')}. "
                "Hint: run the notebook's import cell in JupyterLab to see the full error."
            )

    def stderr_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters the kernel process wrote to stderr (for error messages)."""
        if self._stderr is None:
            return ""
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode("utf-8", "replace")[-limit:]
        except (OSError, ValueError):
            return ""

    def _interrupt(self, *, fired: threading.Event) -> None:
        fired.set()
        provisioner = getattr(self.km, "provisioner", None)
        pid = getattr(provisioner, "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGINT)

    def _alive(self) -> bool:
        from jupyter_core.utils import run_sync

        if self.km is None:
            return False
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False


def first_error(nb: NotebookNode) -> str | None:
    """Return ``"cell N: Name: message"`` for the first error output of ``nb``, or ``None``."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
    return None


async def _await_kernel_info(kc: Any, timeout: float) -> None:
    """Wait until the kernel answers: jupyter_client's ``wait_for_ready`` without its final wait.

    ``wait_for_ready`` sends ``kernel_info`` requests until the kernel replies on the shell channel and a message
    shows on IOPub (ZeroMQ drops what is published before a subscriber has joined: this proves it has), then drains
    IOPub until 0.2 s pass without a message. That drain is 0.2 s of waiting at every kernel start, before the
    warm-up can begin, and nothing here needs it: every later reader (``execute_interactive`` for the warm-up and
    the state check, nbclient for a report) keeps only the messages whose parent is its own request. The rest is
    upstream's loop (jupyter_client 8.x, ``KernelClient._async_wait_for_ready``), on the client's public channels.

    Raises
    ------
    RuntimeError
        The kernel died, or did not answer within ``timeout`` seconds (the messages upstream gives).
    """
    from queue import Empty

    from jupyter_core.utils import ensure_async

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await ensure_async(kc.shell_channel.get_msg(timeout=1))
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await ensure_async(kc.iopub_channel.get_msg(timeout=0.2))
            except Empty:
                pass  # IOPub has not joined yet: ask again
            else:
                handle = getattr(kc, "_handle_kernel_info_reply", None)  # adapts to an older protocol, if any
                if handle is not None:
                    handle(reply)
                return
        if not await ensure_async(kc.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


def _default_factory(kernel_name: str) -> Any:
    return _batch_manager_class()(kernel_name=kernel_name)


#: The command of ipykernel's kernel spec (``python -m ipykernel_launcher``) and what the batch runs instead.
_STOCK_LAUNCHER = ("-m", "ipykernel_launcher")
_BATCH_LAUNCHER = ("-m", "danvan_analysis.batch.kernel_launcher")


@cache
def _batch_manager_class() -> type:
    from jupyter_client.manager import AsyncKernelManager

    class BatchKernelManager(AsyncKernelManager):
        """jupyter_client's manager, starting ipykernel's python kernel in this interpreter through
        :mod:`danvan_analysis.batch.kernel_launcher` (the stock kernel without its debugger). Another kernel spec
        (another interpreter, language or launcher) is started as its spec says."""

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            cmd = list(super().format_kernel_cmd(extra_arguments))
            if cmd and cmd[0] == sys.executable and tuple(cmd[1:3]) == _STOCK_LAUNCHER:
                cmd[1:3] = _BATCH_LAUNCHER
            return cmd

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            """Fork the batch launcher's kernel from this worker's fork server when there is one
            (:mod:`~danvan_analysis.batch.forkserver`), else start it as jupyter_client does."""
            from jupyter_client.provisioning import LocalProvisioner

            from danvan_analysis.batch import forkserver

            provisioner = self.provisioner
            process = forkserver.spawn(kernel_cmd, **kw) if isinstance(provisioner, LocalProvisioner) else None
            if process is None:
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            # What LocalProvisioner.launch_kernel records of the process it starts (its own session: pgid = pid).
            provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
            provisioner.cwd = kw.get("cwd", Path.cwd())
            self._reconcile_connection_info(provisioner.connection_info)

    return BatchKernelManager


def _register_engine() -> None:
    """Register the ``danvan-warm`` papermill engine (on first use, not at import: no import side effects)."""
    from papermill.engines import papermill_engines

    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, _warm_engine_class())


def _warm_engine_class() -> type:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, run in an existing kernel (``km`` + ``kc``) that it leaves running."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            *,
            km: Any,
            kc: Any,
            log_output: bool = False,
            stdout_file: TextIO | None = None,
            stderr_file: TextIO | None = None,
            start_timeout: float = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
                **kwargs,
            )
            client.kc = kc  # reuse the connected client: setup_kernel then starts nothing
            return client.execute()

    return WarmEngine
