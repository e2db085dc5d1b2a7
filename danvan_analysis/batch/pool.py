"""The workers of a batch: what a worker receives, does and sends back, and the pools that run the workers.

A task (:class:`ReportTask`) travels to a worker process (a local pool's :class:`_Worker`, or a dask.distributed
worker on another machine), which runs it in a warm Jupyter kernel (:mod:`~danvan_analysis.batch.kernel`), exports
the HTML in-process (:mod:`~danvan_analysis.batch.export`) and answers with a :class:`ReportOutcome`: texts only, the
main process writes every file. A local worker process drives up to :data:`LANES_PER_WORKER` kernels, one thread
(a lane) each, so a second kernel costs no second interpreter and set of imports. :func:`run_report` never raises,
and :func:`outcome_of` turns a worker that died into a failed outcome, so one report's failure never stops the
batch. A local pool (:class:`_LocalPool`) replaces a worker process that died (killed, out of memory) and goes on
with the other reports; a report that was running beside the one that killed its worker runs again, alone.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import datetime as dt
import gc
import io
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from danvan_analysis.batch import manifest as mf
from danvan_analysis.batch.kernel import KernelSettings, WarmKernel, first_error, prepare_notebook
from danvan_analysis.errors import ParameterError
from danvan_analysis.process import mark_absent

Kind = Literal["district", "province", "agency", "shared"]


@dataclass(frozen=True)
class ReportTask:
    """One notebook run of a batch (picklable: it travels to worker processes and dask workers)."""

    name: str
    kind: Kind
    title: str
    notebook: Path
    parameters: dict[str, Any]
    stem: str
    lang: str
    timeout: float
    key: str
    inputs: dict[str, Any]
    keep_from: bytes | None = None


@dataclass(frozen=True)
class WorkerOptions:
    """How a worker runs tasks: its kernel settings, whether the kernel is reused, the formats it writes besides
    HTML (``docx``, ``pdf``, ``xlsx``), the Word options of each kind of report, and the batch's language (the one
    whose page exporter a lane builds while its kernel boots; a task of another language builds its own)."""

    kernel: KernelSettings
    warm: bool = True
    formats: tuple[str, ...] = ()
    docx: dict[str, Any] = field(default_factory=dict)
    lang: str = "vi"


@dataclass(frozen=True)
class ReportOutcome:
    """What a worker sends back for one task (the main process writes the files)."""

    name: str
    status: str
    error: str | None
    html: str | None
    failed_notebook: str | None
    log: str
    started: str
    ended: str
    seconds: float
    headline: dict[str, Any]
    kernel: str
    files: dict[str, bytes] = field(default_factory=dict)


# -- worker side --------------------------------------------------------------------------------------------------

_state = threading.local()


def run_report(task: ReportTask, options: WorkerOptions) -> ReportOutcome:
    """Execute one task in this worker's kernel and export it; never raises (failures are outcomes)."""
    started_at = now_iso()
    clock = time.perf_counter()
    log = io.StringIO()
    log.write(f"{started_at} {task.kind} report {task.name}: {task.notebook}\n")
    status, error, html, failed_nb, headline, note = mf.FAILED, None, None, None, {}, ""
    files: dict[str, bytes] = {}
    kernel: WarmKernel | None = None
    skip_unused_validator_imports()  # dask workers have no initializer: the first task does it
    try:
        kernel = _kernel_for(options)
        note = kernel.prepare()
        log.write(note + "\n")
        nb = prepare_notebook(task.notebook, task.parameters)
        execution = kernel.execute(nb, timeout=task.timeout, stdout=log, stderr=log)
        if execution.status == "ok":
            from danvan_analysis.batch.export import export_html, read_headline

            html = export_html(execution.nb, lang=task.lang, title=task.title)
            headline = read_headline(execution.nb)
            files, error = write_formats(task, options, execution.nb, html, log)
            status = mf.OK if error is None else mf.FAILED
            if error is not None:  # a format failed: the report fails, its notebook kept as evidence
                html, files, failed_nb = None, {}, _notebook_text(execution.nb)
        else:
            status = mf.TIMEOUT if execution.status == "timeout" else mf.FAILED
            error = execution.error or first_error(execution.nb) or "the notebook stopped"
            failed_nb = _notebook_text(execution.nb)
            if kernel.stderr_tail():
                log.write(f"kernel stderr:\n{kernel.stderr_tail()}\n")
    except Exception as exc:  # a worker must always answer: the batch goes on
        error = f"{type(exc).__name__}: {exc}"
        log.write(f"error: {error}\n")
    finally:
        if kernel is not None and not options.warm:
            kernel.shutdown()
    return finish_outcome(
        task,
        status=status,
        error=error,
        log=log,
        started=started_at,
        clock=clock,
        html=html,
        failed_notebook=failed_nb,
        headline=headline,
        kernel=note,
        files=files,
    )


def finish_outcome(
    task: ReportTask,
    *,
    status: str,
    error: str | None,
    log: io.StringIO,
    started: str,
    clock: float,
    html: str | None = None,
    failed_notebook: str | None = None,
    headline: dict[str, Any] | None = None,
    kernel: str = "",
    files: dict[str, bytes] | None = None,
) -> ReportOutcome:
    """End ``log`` with the task's status line and return its outcome (``clock``: ``time.perf_counter()`` at its
    start); for a worker's report and for the command's shared step alike."""
    seconds = time.perf_counter() - clock
    log.write(f"{now_iso()} {status} in {seconds:.2f} s{': ' + error if error else ''}\n")
    return ReportOutcome(
        name=task.name,
        status=status,
        error=error,
        html=html,
        failed_notebook=failed_notebook,
        log=log.getvalue(),
        started=started,
        ended=now_iso(),
        seconds=seconds,
        headline=headline or {},
        kernel=kernel,
        files=files or {},
    )


def write_formats(
    task: ReportTask, options: WorkerOptions, nb: Any, html: str, log: io.StringIO
) -> tuple[dict[str, bytes], str | None]:
    """Write the other formats of a report from its executed notebook; return them, or the first failure's message.

    The Word draft and the Excel appendix read the blocks (:func:`~danvan_analysis.batch.formats.blocks.read_blocks`),
    the PDF prints the HTML page: nothing is computed again.
    """
    from danvan_analysis.batch.formats import write_copies

    def logged(name: str, size: int, seconds: float) -> None:
        log.write(f"{name}: {size} bytes in {seconds:.2f} s\n")

    try:
        files = write_copies(
            nb,
            html,
            options.formats,
            docx_options=options.docx.get(task.kind),
            keep_from=task.keep_from,
            on_written=logged,
        )
    except Exception as exc:  # one format's failure fails this report only
        return {}, str(exc)
    return files, None


#: The optional modules jsonschema imports to offer its ``format`` checks (``jsonschema._format``: ``iri``, ``uri``,
#: ``date-time``, ``hostname``, ``color``, ``json-pointer``, ``uri-template``, ``duration``). ``rfc3987_syntax`` compiles
#: a Lark grammar at import (1-6 s per process on the reference machine); the others cost ~70 ms together.
JSONSCHEMA_FORMAT_MODULES = (
    "rfc3987_syntax",
    "rfc3987",
    "rfc3986_validator",
    "rfc3339_validator",
    "fqdn",
    "webcolors",
    "jsonpointer",
    "uri_template",
    "isoduration",
)
#: papermill's optional HDFS client: ``papermill.iorw`` tries ``from pyarrow.fs import HadoopFileSystem``, which
#: imports pyarrow and numpy (~90 ms); a batch worker reads and writes no notebook on HDFS.
PAPERMILL_OPTIONAL_MODULES = ("pyarrow.fs",)


def skip_unused_validator_imports() -> None:
    """Keep jsonschema from importing the libraries of its ``format`` checks in this process.

    nbformat validates notebooks and outputs with jsonschema, whose module ``_format`` imports the optional
    libraries in :data:`JSONSCHEMA_FORMAT_MODULES` to offer format checks. nbformat's schemas use no ``format``
    keyword and nbformat passes no format checker, so these checks are never used: marking the modules absent
    (``sys.modules[name] = None`` makes their import raise ImportError, which jsonschema expects and handles)
    changes no validation result. Only done before jsonschema is first imported (a process that imported it may use
    the checks), in the batch's own worker processes and the first task of a dask worker.
    """
    mark_absent(JSONSCHEMA_FORMAT_MODULES, unless_imported=("jsonschema", *JSONSCHEMA_FORMAT_MODULES))


def skip_unused_worker_imports() -> None:
    """:func:`skip_unused_validator_imports`, and papermill's optional HDFS client (:data:`PAPERMILL_OPTIONAL_MODULES`).

    Only in a local pool's worker process (:func:`_drive`), before papermill and pyarrow are imported: that
    process runs no pandas and reads no data (its kernel does, in its own process). Not in a dask worker, which
    other work may share. Together ~0.2 s of CPU less per worker (0.58-0.63 s against 0.38-0.49 s for the worker's
    imports, measured with ``time.process_time`` in fresh interpreters).
    """
    skip_unused_validator_imports()
    mark_absent(PAPERMILL_OPTIONAL_MODULES, unless_imported=("papermill", "pyarrow", *PAPERMILL_OPTIONAL_MODULES))
    skip_output_validation()


def skip_output_validation() -> None:
    """Record the kernel's outputs without validating each one against the notebook schema, in this process.

    nbclient turns every output message of the kernel into a notebook node with nbformat's ``output_from_msg``,
    which validates the new node with jsonschema: ~0.017 s of CPU per report for the 64 outputs of a district report
    (measured with ``time.process_time`` around ``nbformat.v4.nbbase.validate`` in a worker, 8 reports). The
    messages come from the batch's own kernel through jupyter_client, which has checked their signature, and
    :func:`output_from_msg` builds the same nodes (tested against nbformat's). Only in a local pool's worker
    process, which runs nothing but the batch's reports; not in a dask worker, which other work may share.
    """
    import nbclient.client

    nbclient.client.output_from_msg = output_from_msg  # type: ignore[attr-defined]


#: An output message's type → the fields of its ``content`` that its notebook output keeps (nbformat 4).
_OUTPUT_FIELDS = {
    "execute_result": ("metadata", "data", "execution_count"),
    "display_data": ("metadata", "data"),
    "stream": ("name", "text"),
    "error": ("ename", "evalue", "traceback"),
}


def output_from_msg(msg: dict[str, Any]) -> Any:
    """``nbformat.v4.output_from_msg`` without the schema validation: the output node of a kernel's IOPub message.

    Raises ``ValueError`` for a message that is not an output, as nbformat's does (nbclient relies on it).
    """
    from nbformat import from_dict

    msg_type = msg["header"]["msg_type"]
    fields = _OUTPUT_FIELDS.get(msg_type)
    if fields is None:
        raise ValueError(f"Unrecognized output msg type: {msg_type!r}")
    content = msg["content"]
    return from_dict({"output_type": msg_type, **{field: content[field] for field in fields}})


def _kernel_for(options: WorkerOptions) -> WarmKernel:
    if not options.warm:
        kernel = WarmKernel(options.kernel)
        kernel.start()
        return kernel
    kernel = getattr(_state, "kernel", None)
    if kernel is None or kernel.settings != options.kernel:
        if kernel is not None:
            kernel.shutdown()
        kernel = _state.kernel = WarmKernel(options.kernel)
        _register_shutdown(kernel)
    return kernel


def _drive(conn: Any, options: WorkerOptions, env: tuple[tuple[str, str], ...], lanes: int) -> None:
    """A worker process's main (:class:`_Worker`): drive up to ``lanes`` kernels, each from a thread of its own.

    The main thread reads the command's messages: ``("start", lane)`` starts a lane's kernel (lane 0 starts at
    once), ``("run", task_id, lane, fn, args)`` runs ``fn(*args)`` in that lane's thread, ``("stop",)`` ends every lane
    once its task is done. A lane answers ``("ready", lane)`` when its kernel is up (or failed to start: its first
    task then retries the start and reports the failure), then ``("done", task_id, result)`` or ``("raised", task_id,
    exception)`` per task. Each lane has its own kernel, event loop, exporter and PDF browser (all per thread).
    """
    os.environ.update({name: value for name, value in env if name not in os.environ})
    _watch_parent()
    skip_unused_worker_imports()
    if options.warm:  # a worker's kernels are forked from one process that imported what they import
        from danvan_analysis.batch import forkserver

        forkserver.enable(options.kernel.warmup)
    sending = threading.Lock()
    starting = threading.Lock()
    queues: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in range(lanes)]
    threads: dict[int, threading.Thread] = {}

    def send(message: tuple[Any, ...]) -> None:
        with sending:
            try:
                conn.send(message)
            except (EOFError, OSError):  # the command is gone: the parent watch ends this process
                pass
            except Exception as exc:  # a result or an exception that does not pickle: the task fails, saying so
                failure = RuntimeError(f"the worker could not send its answer back: {type(exc).__name__}: {exc}")
                with contextlib.suppress(Exception):
                    conn.send(("raised", message[1], failure))

    def start_the_others() -> None:
        for other in range(1, lanes):
            start(other)

    def lane(index: int) -> None:
        # A forked kernel costs the others no imports: once lane 0's kernel is forked, the other lanes start at once
        # instead of when the command asks (after lane 0 is ready), so that a second lane's own start-up (its PDF
        # browser) is not left until the reports begin.
        _start_lane(options, first=index == 0, forked=start_the_others if index == 0 else None)
        send(("ready", index, os.getpid()))
        while (item := queues[index].get()) is not None:
            task_id, fn, args = item
            try:
                answer: tuple[Any, ...] = ("done", task_id, fn(*args))
            except BaseException as exc:  # even SystemExit: the command waits for an answer to every task
                answer = ("raised", task_id, exc)
            send(answer)
        kernel = getattr(_state, "kernel", None)
        if kernel is not None:
            kernel.shutdown()

    def start(index: int) -> None:
        with starting:  # the main thread (the command's messages) and lane 0 (forked kernels) may both start one
            if index not in threads:
                threads[index] = threading.Thread(target=lane, args=(index,), name=f"danvan-lane-{index}")
                threads[index].start()

    try:
        start(0)
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the command closed the pipe or died
                break
            if message[0] == "start":
                start(message[1])
            elif message[0] == "run":
                _, task_id, index, fn, args = message
                start(index)
                queues[index].put((task_id, fn, args))
            else:  # "stop"
                break
        for waiting in queues:
            waiting.put(None)
        for thread in threads.values():
            thread.join()
        from danvan_analysis.batch import forkserver
        from danvan_analysis.process import end_process

        forkserver.stop()  # its kernels are stopped: it ends at once, and is reaped with their CPU time

        end_process(0)  # kernels stopped, answers sent: the interpreter's teardown would only delay the batch's end
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: stop now, with the kernels
        _stop_kernels_and_exit(130)


def _start_lane(options: WorkerOptions, *, first: bool, forked: Callable[[], None] | None = None) -> None:
    """Start this thread's kernel; while it boots, import the exporter, warm the Word and Excel writers and start the
    PDF browser, as the formats ask (:func:`~danvan_analysis.batch.formats.warm_writers`). Never raises: a failed
    start is reported by the lane's first task, which retries it.

    The first lane of a process runs the imports without the cycle collector (they live as long as the process:
    the collector's passes over them free nothing), then freezes what they made.
    """
    if first:
        gc.disable()
    try:
        kernel = _kernel_for(options) if options.warm else None
        if kernel is not None:
            kernel.launch()
            if forked is not None and _is_forked(kernel):
                forked()
        _warm_lane(options.formats, options.lang)
        if kernel is not None:
            kernel.wait_ready()
    except Exception:  # reported by the first task, which retries the start
        _state.kernel = None
    finally:
        if first:
            gc.enable()
            gc.freeze()


def _is_forked(kernel: WarmKernel) -> bool:
    """Whether ``kernel`` was forked by this worker's fork server."""
    from danvan_analysis.batch.forkserver import ForkedProcess

    return isinstance(getattr(getattr(kernel.km, "provisioner", None), "process", None), ForkedProcess)


def _warm_lane(formats: tuple[str, ...], lang: str) -> None:
    """Do now, while this lane's kernel boots and the command computes the shared step, what the lane's first report
    would otherwise pay when the reports start; never raises (a failure here is met again, and reported, by the
    first report), and one step's failure does not skip the others:

    - papermill's parameterising and engine and nbformat's validator (~0.11 s of CPU, once per process) and the
      exporter's first page, which compiles its templates (~0.09 s, once per lane: each has its own exporter).
      Measured with ``time.process_time`` in a worker's imports, 07/12/2026: the first ``prepare_notebook`` 0.120 s
      against 0.001 s after, the first ``export_html`` 0.089 s against 0.003 s;
    - the Word and Excel writers' first use, as ``formats`` ask (:func:`~danvan_analysis.batch.formats.warm_writers`,
      ~0.3 s of CPU once per process);
    - with ``pdf``, the lane's browser and its first print (:func:`~danvan_analysis.batch.formats.pdf.start_browser`).
    """
    from danvan_analysis.batch import formats as copies
    from danvan_analysis.batch.export import export_html
    from danvan_analysis.batch.kernel import warm_client

    def first_page() -> None:
        from nbformat.v4 import new_notebook

        warm_client()
        export_html(new_notebook(), lang=lang, title="")

    def browser() -> None:
        if "pdf" in formats:
            from danvan_analysis.batch.formats.pdf import start_browser

            start_browser()

    for step in (first_page, lambda: copies.warm_writers(formats), browser):
        with contextlib.suppress(Exception):
            step()


#: Every kernel this process started (a lane's thread-local kernel is out of reach of other threads).
_kernels: list[WarmKernel] = []


def _register_shutdown(kernel: WarmKernel) -> None:
    import atexit

    _kernels.append(kernel)
    atexit.register(kernel.shutdown)


def _stop_kernels_and_exit(status: int) -> None:
    """Stop every kernel this process started, then end it at once (the command is gone, or Ctrl-C)."""
    for kernel in list(_kernels):
        kernel.shutdown()
    os._exit(status)


def _watch_parent() -> None:
    """Exit (stopping the kernels) if the batch process dies, e.g. killed with SIGKILL: no orphaned workers."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        _stop_kernels_and_exit(1)

    threading.Thread(target=watch, name="danvan-parent-watch", daemon=True).start()


def _notebook_text(nb: Any) -> str:
    import nbformat

    return nbformat.writes(nb)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


# -- main-process side --------------------------------------------------------------------------------------------


class WorkerDied(Exception):
    """The worker process running a task died (killed, out of memory): only that task fails."""


def outcome_of(future: cf.Future, task: ReportTask) -> ReportOutcome:
    """The outcome a worker sent back for ``task``, or a failure when the worker process died.

    The failure keeps a log: the worker's own log died with it, so the log says what is known (which report, what
    happened to the worker, that the batch went on).
    """
    try:
        return future.result()
    except Exception as exc:  # the worker process died (killed, out of memory): still a recorded failure
        now = now_iso()
        error = str(exc) if isinstance(exc, WorkerDied) else f"worker lost: {type(exc).__name__}: {exc}"
        log = (
            f"{now} {task.kind} report {task.name}: {task.notebook}\n"
            f"{now} failed: {error}. The worker's output is lost with it; the worker was replaced and the other "
            "reports went on. Run the report again (`danvan reports` reruns only what failed).\n"
        )
        return ReportOutcome(task.name, mf.FAILED, error, None, None, log, now, now, 0.0, {}, "")


@contextlib.contextmanager
def open_pool(
    worker: WorkerOptions, *, jobs: int, scheduler: str | None, early: Any = None, first_alone: bool = False
) -> Iterator[Any]:
    """Start ``jobs`` workers and yield an executor (``submit`` returns a :class:`concurrent.futures.Future`).

    Parameters
    ----------
    worker : how each worker runs its tasks.
    jobs : number of worker processes.
    scheduler : ``None`` (a local process pool), ``"local-dask"`` (a dask LocalCluster) or the address of a dask
        scheduler (``tcp://host:port``, ``tls://host:port``).
    early : a worker started before the batch was planned (:class:`~danvan_analysis.batch.early.EarlyWorker`), taken
        as the local pool's first worker when it is the one ``worker`` describes.
    first_alone : start a local pool's other workers once its first is ready, not with the first task (the command
        computes the shared step while the first kernel boots; see :class:`_LocalPool`).

    Raises
    ------
    ParameterError
        ``scheduler`` is none of these.
    """
    if scheduler:
        with _dask_pool(jobs=jobs, scheduler=scheduler) as pool:
            yield pool
        return
    env = thread_limits(jobs)
    pool = _LocalPool(worker, jobs=jobs, env=env, early=early, first_alone=first_alone)
    try:
        yield pool
    finally:
        pool.shutdown()


#: One thread per numerical library (OpenBLAS, OpenMP, MKL, NumExpr): the environment of a local pool's workers,
#: and so of their kernels, when it has a worker per core. Each kernel is then one busy process per core. With
#: OpenBLAS' default of a thread per core, the reports' many tiny matrix products (a design's few PSUs, a model's
#: few cells) each woke a thread on every core, spinning against the other kernels' threads: 0.05-0.25 s a product
#: on a loaded 2-core machine, against 0.5 ms on one thread. A variable the batch's environment sets is kept.
SINGLE_THREAD = (
    ("OPENBLAS_NUM_THREADS", "1"),
    ("OMP_NUM_THREADS", "1"),
    ("MKL_NUM_THREADS", "1"),
    ("NUMEXPR_NUM_THREADS", "1"),
)
#: What the command gives itself when its batch has a worker per core
#: (:func:`~danvan_analysis.batch.early.single_threaded_command`): :data:`SINGLE_THREAD` but OpenMP's variable, by which
#: pyarrow sizes its thread pool. Unlike OpenBLAS' threads, which spin while they wait, pyarrow's sleep until there is
#: work, and they read the shared step's files in parallel. Alternated runs of ``danvan reports --force`` with the
#: variable left against set (07/12/2026): at 1M respondents a year, 4 pairs, median 12.66 s against 13.47 s; on the
#: demo data, 6 pairs, 7.76 s against 8.27 s (both within the machine's noise, neither worse).
COMMAND_THREADS = tuple((name, value) for name, value in SINGLE_THREAD if name != "OMP_NUM_THREADS")


def thread_limits(jobs: int, variables: tuple[tuple[str, str], ...] = SINGLE_THREAD) -> tuple[tuple[str, str], ...]:
    """``variables`` when a batch of ``jobs`` local workers has a worker per core (its workers' environment,
    :data:`SINGLE_THREAD`; the command's own, :data:`COMMAND_THREADS`), else none."""
    return variables if jobs >= available_cores() else ()


@contextlib.contextmanager
def _dask_pool(*, jobs: int, scheduler: str) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler == "local-dask":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    elif str(scheduler).startswith(("tcp://", "tls://")):
        cluster, client = None, Client(scheduler)
    else:
        raise ParameterError(
            f"--scheduler {scheduler!r}: expected 'local-dask' or the address of a dask scheduler, "
            "e.g. tcp://10.0.0.5:8786."
        )
    try:
        yield _DaskPool(client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _DaskPool:
    """The two methods of an executor the runner uses, on a dask.distributed client (futures bridged)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def submit(self, fn: Any, *args: Any) -> cf.Future:
        bridged: cf.Future = cf.Future()
        remote = self.client.submit(fn, *args, pure=False)

        def settle(done: Any) -> None:
            try:
                bridged.set_result(done.result())
            except Exception as exc:
                bridged.set_exception(exc)

        remote.add_done_callback(settle)
        return bridged


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: The kernels one worker process drives at most. One process per kernel cost every kernel after the first an
#: interpreter and the worker's imports (~0.5 s of CPU) and ~0.25 s more before its kernel started; a process drives
#: a kernel with ~0.1 s of CPU per report (messages, HTML export) against ~0.8 s in the kernel, so two lanes share its
#: interpreter lock with little waiting. Measured on 2 cores only: more lanes per process are not.
LANES_PER_WORKER = 2


class _Worker:
    """One worker process driving up to ``lanes`` kernels, one thread per kernel (:func:`_drive`); :attr:`lanes`
    are the pool's slots.

    A reader thread settles each task's future from the process's answers. When the process dies (killed, out of
    memory), every task it was running fails with :class:`concurrent.futures.process.BrokenProcessPool`, which the
    pool turns into :class:`WorkerDied`; the other workers go on.
    """

    def __init__(self, worker: WorkerOptions, env: tuple[tuple[str, str], ...] = (), *, lanes: int = 1) -> None:
        self.kernel = worker.kernel
        self.env = env
        self.pdf = "pdf" in worker.formats
        # spawn: a clean interpreter per worker (forking a process that runs threads is unsafe).
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(
            target=_drive, args=(child, worker, env, lanes), name="danvan-worker", daemon=True
        )
        self.process.start()
        child.close()
        self._sending = threading.Lock()
        self._running: dict[int, cf.Future] = {}
        self._ids = iter(range(1 << 62))
        self.dead = False
        self.running_at_death = 0  # the tasks it was running when it died
        self.lanes = [_Lane(self, index) for index in range(lanes)]
        self._reader = threading.Thread(target=self._read, name="danvan-worker-reader", daemon=True)
        self._reader.start()

    def fits(self, worker: WorkerOptions, env: tuple[tuple[str, str], ...]) -> bool:
        """Whether this worker was started as ``worker`` and ``env`` ask: the same kernel settings and environment,
        and a PDF printer when they print PDFs (the other options travel with each task)."""
        return self.kernel == worker.kernel and self.env == env and self.pdf == ("pdf" in worker.formats)

    def start_lane(self, index: int) -> None:
        """Start lane ``index``'s kernel now (lane 0 starts with the process)."""
        self._send(("start", index))

    def submit(self, index: int, fn: Callable[..., Any], args: tuple[Any, ...]) -> cf.Future:
        future: cf.Future = cf.Future()
        future.set_running_or_notify_cancel()
        with self._sending:
            if self.dead:
                future.set_exception(BrokenProcessPool("the worker process died"))
                return future
            task_id = next(self._ids)
            self._running[task_id] = future
        self._send(("run", task_id, index, fn, args))
        return future

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._sending:
            if self.dead:
                return
            with contextlib.suppress(EOFError, OSError):  # the process is gone: the reader fails its tasks
                self._conn.send(message)

    def _read(self) -> None:
        while True:
            try:
                kind, *rest = self._conn.recv()
            except (EOFError, OSError):
                break
            if kind == "ready":
                primed = self.lanes[rest[0]].primed
                if not primed.done():
                    primed.set_result(rest[1])
                continue
            task_id, answer = rest
            with self._sending:
                future = self._running.pop(task_id, None)
            if future is None:
                continue
            if kind == "done":
                future.set_result(answer)
            else:
                future.set_exception(answer)
        with self._sending:
            self.dead = True
            running, self._running = list(self._running.values()), {}
            self.running_at_death = len(running)
        broken = BrokenProcessPool("the worker process died")
        for future in running:
            future.set_exception(broken)
        for lane in self.lanes:
            if not lane.primed.done():
                lane.primed.set_exception(broken)

    def shutdown(self) -> None:
        """Let the running tasks end, then stop the process (each lane stops its kernel)."""
        self._send(("stop",))
        self.process.join()
        self._reader.join()
        self._conn.close()

    def kill(self) -> None:
        """Stop the worker now, whatever it is doing (its kernels exit when they see their parent gone); returns
        once its tasks have failed."""
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join()
        self._reader.join()

    def death(self) -> str:
        """How the process died, for the report's error: its signal or exit status when known."""
        self.process.join(timeout=1.0)  # the process is dead; reaping it may take a moment
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = "unknown"
            return f"the worker process died (signal {-code}, {name})"
        if code is not None:
            return f"the worker process died (exit status {code})"
        return "the worker process died"


class _Lane:
    """One kernel of a :class:`_Worker`: a slot of the pool, which gives it one task at a time."""

    def __init__(self, worker: _Worker, index: int) -> None:
        self.worker = worker
        self.index = index
        self.primed: cf.Future = cf.Future()  # its kernel is up (the result is the process id)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        return self.worker.submit(self.index, fn, args)

    def death(self) -> str:
        return self.worker.death()


class _LocalPool:
    """``jobs`` kernels, driven by worker processes of up to :data:`LANES_PER_WORKER` kernels each, fed from one queue
    (the executor's ``submit``).

    A :class:`concurrent.futures.ProcessPoolExecutor` fails every running and queued task once any worker dies
    (``BrokenProcessPool``), and cannot say which task the dead worker had. Here each kernel (a lane of a
    :class:`_Worker`) takes a task only when it is idle, so a dead worker fails exactly the tasks it was running (with
    :class:`WorkerDied` naming the signal), each of its lanes is replaced by a fresh worker, and the queue goes on.

    The first kernel starts at once, the others with the first task, or, with ``first_alone``, once the first is
    ready: the command computes the batch's shared step meanwhile (:func:`~danvan_analysis.batch.runner.run_shared_step`),
    which every report waits for, on the other core. Each kernel's start (its warm-up imports: ~2 s of CPU) would
    otherwise take that core while the first kernel boots; started after it, they boot while the shared step ends.
    The second kernel is the first worker's second lane: no new process to start, its process has imported
    everything already. A task goes to a kernel that is ready before one that is still starting.
    """

    def __init__(
        self,
        worker: WorkerOptions,
        *,
        jobs: int,
        env: tuple[tuple[str, str], ...] = (),
        early: Any = None,
        first_alone: bool = False,
    ) -> None:
        self.worker = worker
        self.env = env
        self._lock = threading.RLock()  # a callback of a finished future runs at once, in the thread that adds it
        self._queue: deque[tuple[cf.Future, Callable[..., Any], tuple[Any, ...]]] = deque()
        # A worker the command started while it planned (batch.early), when it is the one this pool needs.
        first = early.take(worker, env) if early is not None else None
        self._workers = [first or _Worker(worker, env, lanes=min(jobs, LANES_PER_WORKER))]
        self._slots: list[_Lane] = [self._workers[0].lanes[0]]
        self._idle = list(self._slots)
        self._unstarted = self._workers[0].lanes[1:jobs]  # lanes of a running worker, their kernels not started
        self._to_start = jobs - 1
        self._closed = False
        self._first_alone = first_alone
        if first_alone and self._to_start:
            self._slots[0].primed.add_done_callback(lambda _: self._start_others())

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        with self._lock:
            self._queue.append((future, fn, args))
            if self._to_start and not self._first_alone:
                self._start_others()
            self._dispatch()
        return future

    def _start_others(self) -> None:
        """Start the kernels not started yet (see the class docstring): the first worker's other lanes, then new
        workers."""
        with self._lock:
            if self._closed or not self._to_start:
                return
            started: list[_Lane] = []
            while self._unstarted and len(started) < self._to_start:
                lane = self._unstarted.pop(0)
                lane.worker.start_lane(lane.index)
                started.append(lane)
            while len(started) < self._to_start:
                lanes = min(self._to_start - len(started), LANES_PER_WORKER)
                fresh = _Worker(self.worker, self.env, lanes=lanes)
                self._workers.append(fresh)
                for lane in fresh.lanes[1:]:
                    fresh.start_lane(lane.index)
                started += fresh.lanes
            self._to_start = 0
            self._slots += started
            self._idle += started
            self._dispatch()

    def _dispatch(self) -> None:
        """Give queued tasks to idle kernels (called with the lock held)."""
        while self._idle and self._queue and not self._closed:
            future, fn, args = self._queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            # A kernel that is up first: the task starts now. A lane whose worker died while it was idle is replaced.
            ready = [slot for slot in self._idle if slot.primed.done() and not slot.worker.dead]
            slot = (ready or self._idle)[-1]
            self._idle.remove(slot)
            if slot.worker.dead:
                slot = self._replace(slot)
            inner = slot.submit(fn, *args)
            inner.add_done_callback(
                lambda done, slot=slot, future=future, fn=fn, args=args: self._settle(slot, future, done, fn, args)
            )

    def _replace(self, slot: _Lane) -> _Lane:
        """A fresh worker's lane in the place of ``slot``, whose worker died (called with the lock held)."""
        fresh = _Worker(self.worker, self.env, lanes=1)
        self._workers.append(fresh)
        self._slots[self._slots.index(slot)] = fresh.lanes[0]
        return fresh.lanes[0]

    def _settle(
        self,
        slot: _Lane,
        future: cf.Future,
        done: cf.Future,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        died: str | None = None,
    ) -> None:
        """Pass a task's answer on; when its worker died, put a fresh worker in the slot's place.

        A worker that died while it ran this task and another may have been killed for either of them (a notebook
        that kills its kernel's parent, an out-of-memory kill), so the task runs once more, at once, alone in the
        fresh worker, and its log says so (``died``: the first death): the report that caused the death dies again
        and fails, the other is made. A second death, or a death while the worker ran only this task, fails it.
        """
        try:
            result = done.result()
        except BrokenProcessPool:
            death = slot.death()
            with self._lock:  # a fresh worker takes the dead one's place
                shared = slot.worker.running_at_death > 1
                if not self._closed:
                    slot = self._replace(slot)
                    if died is None and shared:
                        retry = slot.submit(fn, *args)
                        retry.add_done_callback(
                            lambda again, slot=slot: self._settle(slot, future, again, fn, args, died=death)
                        )
                        return  # the slot stays busy with the retry
            future.set_exception(WorkerDied(death))
        except BaseException as exc:
            future.set_exception(exc)
        else:
            if died is not None and isinstance(result, ReportOutcome):
                note = (
                    f"{result.started} a first attempt stopped: {died}, while it ran this report and another; "
                    "this report was run again, alone, in a fresh worker.\n"
                )
                result = replace(result, log=note + result.log)
            future.set_result(result)
        with self._lock:
            self._idle.append(slot)
            self._dispatch()

    def shutdown(self) -> None:
        """Cancel the queued tasks, wait for the running ones, stop every worker (all at once: each stops its
        kernels as it exits)."""
        with self._lock:
            self._closed = True
            while self._queue:
                self._queue.popleft()[0].cancel()
        workers = list(self._workers)
        with cf.ThreadPoolExecutor(max(len(workers), 1)) as stopping:
            list(stopping.map(lambda worker: worker.shutdown(), workers))
