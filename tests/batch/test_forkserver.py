"""Kernels forked from a worker's fork server: the stock batch kernel, its reset and limits, and the way back to the
stock start when the server cannot serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from danvan_analysis.batch import forkserver
from danvan_analysis.batch.kernel import KernelSettings, WarmKernel, collect_warmup, prepare_notebook

FIXTURES = Path(__file__).parent / "fixtures"
WARMUP = collect_warmup([FIXTURES / "stateful.ipynb", FIXTURES / "probe.ipynb"])

pytestmark = pytest.mark.slow


@pytest.fixture
def forking(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process forks its batch kernels, as a worker does (a server of its own, stopped afterwards)."""
    monkeypatch.setattr(forkserver, "_server", None)
    monkeypatch.setattr(forkserver, "_failed", False)
    forkserver.enable(WARMUP)
    try:
        yield
    finally:
        if forkserver._server is not None:
            forkserver._server.close()
        forkserver._server, forkserver._warmup = None, None


def _ask(kernel: WarmKernel, expression: str) -> Any:
    from jupyter_core.utils import run_sync

    reply = run_sync(kernel.kc.execute_interactive)(
        "import os, sys", silent=True, store_history=False, user_expressions={"x": expression}, timeout=30
    )
    return eval(reply["content"]["user_expressions"]["x"]["data"]["text/plain"])


def _run(kernel: WarmKernel, name: str, timeout: float = 60) -> Any:
    kernel.prepare()
    return kernel.execute(prepare_notebook(FIXTURES / name, {"district": "164"}), timeout=timeout)


def _outputs(nb: Any) -> list[str]:
    return [
        f"[{cell.get('execution_count')}] {output.get('text') or output.get('data', {}).get('text/plain', '')}"
        for cell in nb.cells
        for output in cell.get("outputs", [])
    ]


def test_a_forked_kernel_is_the_batch_kernel_started_with_the_imports_done(forking: None) -> None:
    """Its parent is the server, in a session of its own; argv, folder, environment and debugger are the batch
    launcher's; the server's imports are there before its warm-up (which here imports nothing)."""
    kernel = WarmKernel(KernelSettings(cwd=FIXTURES, warmup=""))
    kernel.start()
    try:
        process = kernel.km.provisioner.process
        assert isinstance(process, forkserver.ForkedProcess) and process.poll() is None
        server = forkserver._server.process.pid
        found = _ask(
            kernel,
            "repr((os.getpid(), os.getppid(), os.getpgid(0), os.environ.get('JPY_PARENT_PID'), sys.argv, os.getcwd(),"
            " os.environ.get('MPLBACKEND'), sys.modules.get('debugpy', 'absent'), 'pandas' in sys.modules,"
            " sys.modules['ipykernel.debugger']._is_debugpy_available))",
        )
        pid, parent, group, jpy_parent, argv, cwd, backend, debugpy, pandas, debugger = eval(found)
        assert pid == process.pid and parent == server and group == pid  # its own session, as jupyter_client's
        assert jpy_parent == str(os.getpid())  # the process managing it, as jupyter_client tells every kernel
        assert (
            argv[0].endswith("kernel_launcher.py")
            and argv[1] == "-f"
            and argv[-1] == f"--IPKernelApp.parent_handle={server}"
        )
        assert Path(cwd) == FIXTURES and backend == "module://matplotlib_inline.backend_inline"
        assert debugpy is None and debugger is False
        assert pandas  # imported by the server: the kernel's own warm-up here was empty
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)
        _ask(kernel, "print('to the kernel log', file=sys.__stderr__, flush=True)")
        assert "to the kernel log" in kernel.stderr_tail()  # its stderr is the file the manager gave
    finally:
        kernel.shutdown()
    assert process.poll() == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while psutil.pid_exists(process.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not psutil.pid_exists(process.pid)  # reaped by the server as it ended: no zombie left


def test_a_forked_kernel_is_reset_limited_and_replaced_as_any_other(forking: None) -> None:
    """probe → stateful → probe gives the same outputs; a report over its time limit is interrupted and its kernel
    replaced (forked again)."""
    kernel = WarmKernel(KernelSettings(cwd=FIXTURES, warmup=WARMUP))
    kernel.start()
    try:
        first = _run(kernel, "probe.ipynb")
        assert _run(kernel, "stateful.ipynb").status == "ok"
        second = _run(kernel, "probe.ipynb")
        assert first.status == second.status == "ok" and kernel.restarts == 0
        assert _outputs(first.nb) == _outputs(second.nb) and len(_outputs(first.nb)) == 2
        old = kernel.km.provisioner.process
        timed = _run(kernel, "sleepy.ipynb", timeout=2)
        assert timed.status == "timeout" and kernel.km is None
        assert old.poll() is not None
        again = _run(kernel, "probe.ipynb")
        assert again.status == "ok" and kernel.restarts == 0  # a new kernel, started for the next report
        # Its unseeded draws are its own, as a fresh interpreter's are (the server's seed is not shared).
        assert _outputs(again.nb)[0].split("\n")[1] != _outputs(first.nb)[0].split("\n")[1]
        replacement = kernel.km.provisioner.process
        assert isinstance(replacement, forkserver.ForkedProcess) and replacement.pid != old.pid
    finally:
        kernel.shutdown()


def test_kernels_end_with_their_server_and_the_next_starts_the_stock_way(forking: None) -> None:
    """A server that dies (killed) takes its kernels with it, as a worker that dies does; the next kernel starts as
    jupyter_client starts one, and the server is not tried again."""
    kernel = WarmKernel(KernelSettings(cwd=FIXTURES, warmup=""))
    kernel.start()
    try:
        forked = kernel.km.provisioner.process
        forkserver._server.process.kill()
        assert forked.wait(timeout=10) == 0  # ipykernel's parent poller ended it (once a second)
    finally:
        kernel.shutdown()
    kernel = WarmKernel(KernelSettings(cwd=FIXTURES, warmup=""))
    kernel.start()
    try:
        process = kernel.km.provisioner.process
        assert isinstance(process, subprocess.Popen)
        assert psutil.Process(process.pid).ppid() == os.getpid() and forkserver._failed
        assert "kernel_launcher" in " ".join(psutil.Process(process.pid).cmdline())
    finally:
        kernel.shutdown()


def test_a_server_that_cannot_start_means_stock_kernels(forking: None, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no imports here')"]
    server = forkserver.ForkServer
    monkeypatch.setattr(forkserver, "ForkServer", lambda warmup: server(warmup, command=failing))
    kernel = WarmKernel(KernelSettings(cwd=FIXTURES, warmup=""))
    started = time.perf_counter()
    kernel.start()
    try:
        assert isinstance(kernel.km.provisioner.process, subprocess.Popen) and forkserver._failed
        assert time.perf_counter() - started < 60
    finally:
        kernel.shutdown()


def test_only_the_batch_launchers_kernels_with_handable_stdio_are_forked(forking: None) -> None:
    ours = [sys.executable, "-m", forkserver.BATCH_LAUNCHER, "-f", "x.json"]
    assert forkserver.spawn([sys.executable, "-m", "ipykernel_launcher", "-f", "x.json"]) is None
    assert forkserver.spawn(["/opt/other/python", *ours[1:]]) is None
    assert forkserver.spawn(ours, stdout=subprocess.PIPE) is None  # a pipe cannot be handed over
    assert forkserver._server is None  # nothing was started for them
    forkserver.enable(None)  # type: ignore[arg-type]  # not enabled: a process other than a batch worker
    assert forkserver.spawn(ours, stdout=subprocess.DEVNULL) is None and forkserver._server is None


def test_the_server_imports_what_the_warm_ups_import_statements_name() -> None:
    code = "%matplotlib inline\nimport a.b as c, d\nfrom e import f, g as h\nfrom . import i\nfrom j import *\nx = 1"
    assert forkserver.warmup_modules(code) == ["a.b", "d", "e", "e.f", "e.g", "j"]
    assert forkserver.warmup_modules("import (") == []  # the kernel's own warm-up reports the error


def _lane_kernel() -> tuple[str, int]:
    """Run in a worker's lane: the type of its kernel's process and that kernel's parent process id."""
    from danvan_analysis.batch import pool

    process = pool._state.kernel.km.provisioner.process
    return type(process).__name__, psutil.Process(process.pid).ppid()


def test_once_a_kernel_is_forked_the_workers_other_lanes_start_without_waiting_to_be_asked() -> None:
    """A worker's second lane is started by the command once the first is ready; when the first kernel is a fork
    (a second one costs no imports) the worker starts it at once, and both kernels are forks of one server."""
    from danvan_analysis.batch.pool import WorkerOptions, _Worker

    worker = _Worker(WorkerOptions(kernel=KernelSettings(cwd=FIXTURES, warmup=WARMUP)), lanes=2)
    try:
        worker.lanes[1].primed.result(timeout=120)  # never asked to start (no start_lane(1))
        kinds = [lane.submit(_lane_kernel).result(timeout=120) for lane in worker.lanes]
        assert [kind for kind, _ in kinds] == ["ForkedProcess", "ForkedProcess"]
        assert kinds[0][1] == kinds[1][1] != worker.process.pid  # the same server, not the worker itself
    finally:
        worker.shutdown()
    assert worker.process.exitcode == 0
