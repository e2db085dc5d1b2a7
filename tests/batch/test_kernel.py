"""Warm kernels: reused across reports with a reset that provably leaves nothing behind; limits; retries."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from danvan_analysis.batch.kernel import KernelSettings, WarmKernel, collect_warmup, prepare_notebook
from danvan_analysis.errors import ReportError

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.slow


def _outputs(nb: Any) -> list[str]:
    """Every output's text, with execution counts: what a report would show. Consecutive pieces of one stream are
    one text, as a page shows them: ipykernel sends a cell's printed text in as many messages as its 0.2 s flush
    timer happens to cut it into, which varies from run to run."""
    found = []
    for cell in nb.cells:
        previous: dict[str, Any] = {}
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            stream = output["output_type"] == "stream"
            if stream and previous.get("output_type") == "stream" and previous.get("name") == output.get("name"):
                found[-1] += text
            else:
                found.append(f"[{cell.get('execution_count')}] {output['output_type']}: {text}")
            previous = output
    return found


def _lines_without_random_draws(nb: Any) -> list[str]:
    """The lines of every output's text, but those with a random draw ("0.…")."""
    return [line for text in _outputs(nb) for line in text.splitlines() if "0." not in line]


@pytest.fixture(scope="module")
def kernel() -> Iterator[WarmKernel]:
    warm = WarmKernel(
        KernelSettings(cwd=FIXTURES, warmup=collect_warmup([FIXTURES / "stateful.ipynb", FIXTURES / "probe.ipynb"]))
    )
    warm.start()
    yield warm
    warm.shutdown()


def run(kernel: WarmKernel, name: str, timeout: float = 60) -> Any:
    kernel.prepare()
    return kernel.execute(prepare_notebook(FIXTURES / name, {"district": "164"}), timeout=timeout)


def test_warmup_collects_import_cells() -> None:
    code = collect_warmup([FIXTURES / "stateful.ipynb", FIXTURES / "probe.ipynb", FIXTURES / "sleepy.ipynb"])
    assert code == "import matplotlib\nimport matplotlib.pyplot as plt\nimport numpy as np\nimport pandas as pd"


def test_reset_restores_everything_a_report_changed(kernel: WarmKernel) -> None:
    """probe → stateful → probe: the second probe sees exactly what the first saw (counts, random draws included)."""
    first = run(kernel, "probe.ipynb")
    assert first.status == "ok", first.error
    changed = run(kernel, "stateful.ipynb")
    assert changed.status == "ok", changed.error
    restarts = kernel.restarts
    second = run(kernel, "probe.ipynb")
    assert kernel.restarts == restarts  # restored in place, not by replacing the kernel
    assert _outputs(second.nb) == _outputs(first.nb)
    printed = "".join(_outputs(first.nb))
    assert "False 1.5 60" in printed  # no leftover name, default rcParams and pandas options
    assert "None False False" in printed  # no leftover environment variable, cwd, sys.path entry


def test_unrestorable_state_replaces_the_kernel(kernel: WarmKernel) -> None:
    """A report that registers a display formatter cannot be undone in place: the next report gets a new kernel."""
    before = run(kernel, "probe.ipynb")
    assert run(kernel, "unrestorable.ipynb").status == "ok"
    restarts = kernel.restarts
    note = kernel.prepare()
    assert "replaced by a fresh kernel" in note and "formatters" in note
    assert kernel.restarts == restarts + 1
    after = kernel.execute(prepare_notebook(FIXTURES / "probe.ipynb", {"district": "164"}), timeout=60)
    shown = _outputs(after.nb)
    assert shown[-1].endswith("42") and "int!" not in "".join(shown)
    # Same outputs as before, except the random draws of a new process (the global generators are OS-seeded).
    assert _lines_without_random_draws(after.nb) == _lines_without_random_draws(before.nb)
    assert "None False False" in _lines_without_random_draws(after.nb)  # the printed text is compared too


def test_broken_cell_stops_and_keeps_the_error(kernel: WarmKernel) -> None:
    result = run(kernel, "broken_cell.ipynb")
    assert result.status == "error"
    assert "ValueError: broken on purpose" in result.error
    shown = "".join(_outputs(result.nb))
    assert "before the error" in shown and "never reached" not in shown
    assert result.nb.metadata.papermill.get("exception") is True  # papermill's own error marking
    assert run(kernel, "probe.ipynb").status == "ok"  # the kernel goes on


def test_time_limit_interrupts_and_replaces_the_kernel(kernel: WarmKernel) -> None:
    started = time.perf_counter()
    result = run(kernel, "sleepy.ipynb", timeout=2)
    assert result.status == "timeout"
    assert "time limit of 2 s" in result.error
    assert time.perf_counter() - started < 30
    assert kernel.km is None  # never reused after an interrupt
    assert run(kernel, "probe.ipynb").status == "ok"


class _FlakyManager:
    """Stands in for a kernel manager whose start fails (as a port clash would)."""

    def __init__(self) -> None:
        self.cleaned = False

    async def start_kernel(self, **kwargs: Any) -> None:
        raise RuntimeError("address already in use")

    async def cleanup_resources(self) -> None:
        self.cleaned = True


def test_failed_start_is_retried() -> None:
    from danvan_analysis.batch.kernel import _default_factory

    made: list[Any] = []

    def factory(name: str) -> Any:
        made.append(_FlakyManager() if not made else _default_factory(name))
        return made[-1]

    warm = WarmKernel(KernelSettings(cwd=FIXTURES), start_factory=factory)
    try:
        warm.start()
        assert len(made) == 2 and made[0].cleaned
        result = warm.execute(prepare_notebook(FIXTURES / "broken_cell.ipynb", {}), timeout=60)
        assert result.status == "error"  # a working kernel ran the notebook
    finally:
        warm.shutdown()


def test_start_gives_up_with_a_clear_error() -> None:
    warm = WarmKernel(KernelSettings(start_attempts=2), start_factory=lambda name: _FlakyManager())
    with pytest.raises(ReportError, match=r"did not start after 2 attempts: address already in use"):
        warm.start()


def test_a_stopped_kernel_is_reaped_before_jupyter_client_looks() -> None:
    """shutdown kills and reaps the kernel process before jupyter_client's shutdown_kernel, whose poll would
    otherwise sleep 0.1 s for a kill not yet reaped; the process is gone and its files cleaned up."""
    import psutil

    warm = WarmKernel(KernelSettings(cwd=FIXTURES))
    warm.start()
    km = warm.km
    process = km.provisioner.process
    seen: list[int | None] = []
    stop = km.shutdown_kernel

    async def recording(*args: Any, **kwargs: Any) -> None:
        seen.append(process.poll())  # the exit status, once reaped
        await stop(*args, **kwargs)

    km.shutdown_kernel = recording
    warm.shutdown()
    assert seen == [-signal.SIGKILL]
    assert not psutil.pid_exists(process.pid) and not Path(km.connection_file).exists()
    assert warm.km is None and warm.kc is None


def test_a_kernel_that_dies_before_answering_is_a_clear_error() -> None:
    """The readiness wait (kernel._await_kernel_info) notices a kernel that dies at start, without waiting for its
    time limit, and the error quotes what the kernel wrote."""
    warm = WarmKernel(KernelSettings(cwd=FIXTURES, startup_timeout=60))
    warm.launch()
    warm.km.provisioner.process.kill()
    started = time.monotonic()
    with pytest.raises(ReportError, match="did not answer: Kernel died before replying to kernel_info"):
        warm.wait_ready()
    assert time.monotonic() - started < 30  # noticed, not timed out
    assert warm.km is None


def test_a_pool_of_a_worker_per_core_runs_one_numerical_thread_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers (and so their kernels, which inherit their environment) get one BLAS/OpenMP thread each; a
    variable the batch's environment sets itself is kept as it is."""
    import os

    from danvan_analysis.batch.pool import SINGLE_THREAD, WorkerOptions, open_pool

    names = [name for name, _ in SINGLE_THREAD]
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    worker = WorkerOptions(kernel=KernelSettings(cwd=FIXTURES), warm=False)  # no kernel needed to read the env
    with open_pool(worker, jobs=os.cpu_count() or 1, scheduler=None) as pool:
        got = {name: pool.submit(os.getenv, name).result() for name in names}
    assert got == {
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "3",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def test_a_pool_starts_its_other_kernels_once_the_first_is_ready_for_the_shared_step() -> None:
    """While the command computes the shared step, the first kernel boots alone on the other core: with
    ``first_alone`` the others start once it is ready (and the first task goes to the ready kernel); without it
    they all start with the first task. The second kernel is the first worker's second lane (one process), the
    third a new worker's."""
    from types import SimpleNamespace

    from danvan_analysis.batch.pool import WorkerOptions, open_pool

    worker = WorkerOptions(kernel=KernelSettings(cwd=FIXTURES), warm=False)
    for first_alone in (True, False):
        # Through open_pool, as the runner opens it (which once dropped first_alone on the way).
        with open_pool(worker, jobs=3, scheduler=None, first_alone=first_alone) as pool:
            assert len(pool._slots) == 1
            if first_alone:
                assert len(pool._slots) == 1  # nothing submitted yet, the first not ready: none other started
                pool._slots[0].primed.result(timeout=120)
                deadline = time.monotonic() + 30
                while len(pool._slots) < 3 and time.monotonic() < deadline:
                    time.sleep(0.01)  # started by the first kernel's readiness, not by a task
                assert len(pool._slots) == 3
                first = pool.submit(os.getpid)
                assert first.result(timeout=120) == pool._slots[0].worker.process.pid  # the ready lane took it
            else:
                first = pool.submit(str, SimpleNamespace(kind="district"))
                assert len(pool._slots) == 3
                first.result(timeout=120)
            others = [pool.submit(str, SimpleNamespace(kind="district")) for _ in range(3)]
            assert all(f.result(timeout=120) for f in others)
            assert len(pool._slots) == 3, first_alone
            processes = [slot.worker.process for slot in pool._slots]
            assert processes[0] is processes[1] and processes[2] is not processes[0]  # 2 lanes, then a new worker
            assert [slot.primed.result(timeout=120) for slot in pool._slots] == [p.pid for p in processes]
        assert all(slot.worker.process.exitcode == 0 for slot in pool._slots)  # stopped, not killed


def _outcome_after(seconds: float) -> Any:
    """A report that takes ``seconds`` (runs in a pool's worker process)."""
    from danvan_analysis.batch.pool import ReportOutcome

    time.sleep(seconds)
    return ReportOutcome("164", "ok", None, "<html>", None, "ran\n", "t0", "t1", seconds, {"pid": os.getpid()}, "")


def _kill_own_process_after(seconds: float) -> None:
    """A report that kills its worker process (as a notebook can, through its kernel's parent)."""
    time.sleep(seconds)
    os.kill(os.getpid(), signal.SIGKILL)


def _unpicklable_answer() -> Any:
    import threading

    return threading.Lock()


def _exiting() -> None:
    raise SystemExit(3)


def test_a_worker_answers_every_task_even_one_it_cannot_send_or_that_exits() -> None:
    """The command waits for an answer to every task: an answer that does not pickle fails that task, saying so,
    and so does SystemExit; the worker goes on with the next task."""
    from danvan_analysis.batch.pool import WorkerOptions, _LocalPool

    pool = _LocalPool(WorkerOptions(kernel=KernelSettings(cwd=FIXTURES), warm=False), jobs=1)
    try:
        with pytest.raises(RuntimeError, match="the worker could not send its answer back: TypeError"):
            pool.submit(_unpicklable_answer).result(timeout=120)
        with pytest.raises(SystemExit):
            pool.submit(_exiting).result(timeout=120)
        assert pool.submit(os.getpid).result(timeout=120) == pool._slots[0].worker.process.pid  # the same worker
    finally:
        pool.shutdown()


def test_a_worker_killed_while_running_two_reports_fails_only_the_one_that_killed_it() -> None:
    """Both lanes of one worker run a report when one of them kills the process: each runs once more, alone, in a
    fresh worker. The guilty one kills that worker too and fails with the signal named; the other is made, and its
    log says it was run again. The pool goes on with fresh workers."""
    from danvan_analysis.batch.pool import WorkerDied, WorkerOptions, _LocalPool

    worker = WorkerOptions(kernel=KernelSettings(cwd=FIXTURES), warm=False)
    pool = _LocalPool(worker, jobs=2)
    try:
        first = pool._slots[0].worker.process.pid
        innocent = pool.submit(_outcome_after, 3.0)
        guilty = pool.submit(_kill_own_process_after, 1.0)
        with pytest.raises(WorkerDied, match=r"the worker process died \(signal 9, SIGKILL\)"):
            guilty.result(timeout=120)
        made = innocent.result(timeout=120)
        assert made.status == "ok" and made.headline["pid"] != first  # made, in another process
        assert made.log.endswith("ran\n")
        assert "a first attempt stopped: the worker process died (signal 9, SIGKILL)" in made.log.splitlines()[0]
        alone = pool.submit(_kill_own_process_after, 0.0)  # a death while running one report alone: no second run
        with pytest.raises(WorkerDied, match="SIGKILL"):
            alone.result(timeout=120)
        assert pool.submit(os.getpid).result(timeout=120) != first
        assert all(not slot.worker.dead for slot in pool._slots) and len(pool._slots) == 2
    finally:
        pool.shutdown()


def test_a_large_output_does_not_cost_the_next_report_a_fresh_kernel(kernel: WarmKernel, tmp_path: Path) -> None:
    """pyzmq starts a thread on the first message it sends without copying (a page or figure over 64 KiB, as the
    province report's): kernel machinery, part of the baseline, so the next report reuses the kernel."""
    import nbformat

    code = "from IPython.display import display\ndisplay({'text/html': '<p>' + 'x' * 300_000 + '</p>'}, raw=True)"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), tmp_path / "large.ipynb")
    kernel.prepare()
    done = kernel.execute(prepare_notebook(tmp_path / "large.ipynb", {}), timeout=60)
    assert done.status == "ok", done.error
    restarts = kernel.restarts
    assert kernel.prepare().startswith("kernel: reused"), "the state differed after a large output"
    assert kernel.restarts == restarts


def test_text_printed_between_displays_keeps_its_place(kernel: WarmKernel, tmp_path: Path) -> None:
    """A warm kernel flushes a stream only when it holds text (kernel_side._skip_empty_flushes): text printed
    before, between and after displays still arrives in that order, stdout and stderr alike, and a cell that
    prints nothing sends no stream output."""
    import nbformat

    code = (
        "import sys\nfrom IPython.display import display\n"
        "print('before')\ndisplay({'text/plain': 'first'}, raw=True)\n"
        "print('between', file=sys.stderr)\ndisplay({'text/plain': 'second'}, raw=True)\nprint('after')"
    )
    silent = "from IPython.display import display\ndisplay({'text/plain': 'alone'}, raw=True)"
    cells = [nbformat.v4.new_code_cell(code), nbformat.v4.new_code_cell(silent)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "order.ipynb")
    kernel.prepare()
    done = kernel.execute(prepare_notebook(tmp_path / "order.ipynb", {}), timeout=60)
    assert done.status == "ok", done.error
    shown = [
        (o["output_type"], o.get("name"), (o.get("text") or o.get("data", {}).get("text/plain", "")).strip())
        for cell in done.nb.cells
        for o in cell.get("outputs", [])
    ]
    assert shown == [
        ("stream", "stdout", "before"),
        ("display_data", None, "first"),
        ("stream", "stderr", "between"),
        ("display_data", None, "second"),
        ("stream", "stdout", "after"),
        ("display_data", None, "alone"),
    ]


def test_a_report_kernels_warm_up_imports_neither_scipy_nor_pyplot() -> None:
    """The report notebooks' import cells (a kernel's warm-up) load no scipy: the estimators import scipy.special and
    scipy.sparse when they first run (in the shared step), not when the survey package is imported (~0.17 s of CPU
    per kernel, measured with ``time.process_time`` over the warm-up, 4 alternated runs). Nor does showing a figure
    load pyplot (the package's figures are plain Figures): pyplot, its style files and the inline backend cost the
    kernel's baseline ~0.1 s (0.18-0.23 s against 0.09 s of CPU, 3 kernel starts each)."""
    import subprocess
    import sys

    notebooks = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*_report.ipynb"))
    code = (
        "import sys, matplotlib\nmatplotlib.use('Agg')\n"
        + collect_warmup(notebooks)
        + "\nfrom IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()"
        + "\nfrom danvan_analysis.reports.sections import _show_figure\nfrom matplotlib.figure import Figure"
        + "\nfigure = Figure(); figure.add_subplot().plot([1, 2]); _show_figure(figure, 'hình')"
        + "\nprint(sorted(m for m in sys.modules if m in ('scipy', 'matplotlib.pyplot') or m.startswith('scipy.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    check = "from danvan_analysis.survey.estimate import t_quantile; print(float(t_quantile(0.975, 10)))"
    value = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    assert abs(float(value) - 2.228138851986274) < 1e-12  # scipy.stats.t.ppf(0.975, 10), loaded on first use


def test_a_batch_kernel_is_ipykernels_without_its_debugger(kernel: WarmKernel) -> None:
    """The batch starts ipykernel's python kernel through its own launcher, which keeps debugpy (JupyterLab's
    debugger, ~70 ms of imports per kernel) from loading: the kernel runs, with its debugger off and the working
    folder on sys.path as ipykernel's launcher leaves it; another kernel spec's command is left as it is."""
    from jupyter_core.utils import run_sync

    from danvan_analysis.batch.kernel import _batch_manager_class

    probe = (
        "repr((sys.modules.get('debugpy', 'absent'), sys.modules['ipykernel.debugger']._is_debugpy_available, "
        "os.path.abspath(sys.path[0]) == os.getcwd() or '' in sys.path, sys.argv[0]))"
    )
    reply = run_sync(kernel.kc.execute_interactive)(
        "import os, sys", silent=True, store_history=False, user_expressions={"probe": probe}, timeout=30
    )
    found = reply["content"]["user_expressions"]["probe"]["data"]["text/plain"]
    debugpy, debugger_on, cwd_on_path, launcher = eval(eval(found))  # a repr of a repr
    assert debugpy is None and debugger_on is False and cwd_on_path
    assert launcher.endswith("kernel_launcher.py") and "danvan_analysis" in launcher
    manager = _batch_manager_class()(kernel_name="python3")
    assert manager.format_kernel_cmd()[1:3] == ["-m", "danvan_analysis.batch.kernel_launcher"]
    from jupyter_client.kernelspec import KernelSpec

    manager._kernel_spec = KernelSpec(argv=["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"])
    assert manager.format_kernel_cmd()[:3] == ["R", "--slave", "-e"]
    other = ["/opt/other/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]  # another interpreter
    manager._kernel_spec = KernelSpec(argv=other)
    assert manager.format_kernel_cmd()[:3] == other[:3]
