"""The worker ``danvan reports`` starts before planning is the one the plan asks for, or it is stopped."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from danvan_analysis.batch import BatchSettings, run_batch
from danvan_analysis.batch.early import EarlyWorker, predicted_worker, start_early_worker
from danvan_analysis.batch.pool import SINGLE_THREAD, available_cores
from danvan_analysis.batch.runner import plan_batch
from danvan_analysis.errors import UnknownUnitError


def _plan_env(jobs: int) -> tuple[tuple[str, str], ...]:
    return SINGLE_THREAD if jobs >= available_cores() else ()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"agencies": True},
        {"province": False},
        {"share_results": False},
        {"districts": ("170",), "jobs": 1},
        {"formats": ("html", "docx", "xlsx")},
        {"year": 2022},
        {"period": "H1"},
        {"lang": "en"},
    ],
    ids=lambda c: ",".join(c) or "default",
)
def test_the_predicted_worker_is_the_planned_one(sandbox: Path, tmp_path: Path, changes: dict[str, Any]) -> None:
    settings = BatchSettings(data_dir=sandbox / "data" / "demo", out_dir=tmp_path, force=True, **changes)
    predicted = predicted_worker(settings)
    assert predicted is not None
    worker, env = predicted
    plan = plan_batch(settings)
    assert worker.kernel == plan.worker.kernel
    assert worker.formats == plan.worker.formats
    assert worker.lang == plan.worker.lang == settings.lang
    assert env == _plan_env(plan.jobs)


@pytest.mark.parametrize(
    "changes",
    [
        {"scheduler": "local-dask"},
        {"warm": False},
        {"year": 2026},
        {"communes": ("05800",)},
        {"province_code": "12"},
        {"district_notebook": Path("notebooks/district_report.ipynb")},
        {"jobs": -1},
    ],
    ids=lambda c: ",".join(c),
)
def test_nothing_starts_early_when_the_settings_do_not_tell(changes: dict[str, Any], tmp_path: Path) -> None:
    settings = BatchSettings(out_dir=tmp_path, **changes)
    assert predicted_worker(settings) is None
    assert start_early_worker(settings) is None


def test_a_batch_takes_the_early_worker(sandbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fitting early worker is the pool's first, and drives both kernels: the batch starts no other worker process,
    and its reports are the same."""
    from danvan_analysis.batch import pool

    started: list[Any] = []
    original = pool._Worker.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        started.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(pool._Worker, "__init__", counting)
    settings = BatchSettings(
        data_dir=sandbox / "data" / "demo", out_dir=tmp_path / "early", districts=("170",), jobs=2, force=True
    )
    early = start_early_worker(settings)
    assert isinstance(early, EarlyWorker) and len(started) == 1
    result = run_batch(settings, early=early)
    assert result.ok and early.adopted and early.slot.process.exitcode is not None  # taken, and stopped at the end
    assert len(started) == 1  # the early one drove the second kernel too
    unfitting = dataclasses.replace(settings, out_dir=tmp_path / "late")
    other = start_early_worker(dataclasses.replace(unfitting, agencies=True))  # warms other notebooks
    assert other is not None and len(started) == 2
    again = run_batch(unfitting, early=other)
    assert again.ok and len(started) == 3  # the unfitting one stopped, one started (two kernels)
    assert other.slot.process.exitcode is not None
    pages = [(tmp_path / d / "170-vo-nhai.html").read_text(encoding="utf-8") for d in ("early", "late")]
    assert len(pages[0]) > 10_000 and pages[0].count("<img") == pages[1].count("<img")


def test_a_batch_that_stops_at_planning_stops_the_early_worker_and_its_kernel(sandbox: Path, tmp_path: Path) -> None:
    settings = BatchSettings(data_dir=sandbox / "data" / "demo", out_dir=tmp_path, districts=("Không có huyện này",))
    early = start_early_worker(settings)
    assert early is not None
    worker = psutil.Process(early.slot.process.pid)
    deadline = time.monotonic() + 30
    kernels: list[psutil.Process] = []
    while not kernels and time.monotonic() < deadline:  # let the worker launch its kernel first: the hard case
        descendants = worker.children(recursive=True)
        # A kernel runs the batch launcher, or is a fork of the worker's kernel fork server (whose command it shows).
        kernels = [p for p in descendants if "kernel_launcher" in " ".join(p.cmdline()) or _forked_kernel(p)]
        time.sleep(0.05)
    assert kernels, "the early worker never launched its kernel"
    others = [p for p in worker.children(recursive=True) if p not in kernels]  # the fork server, if any
    with pytest.raises(UnknownUnitError, match="Không có huyện này"):
        run_batch(settings, early=early)
    _, alive = psutil.wait_procs([worker, *kernels, *others], timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"


def test_planning_a_batch_imports_no_schema_or_notebook_library(sandbox: Path, tmp_path: Path) -> None:
    """The command plans while the first kernel warms up on the other core: what it imports delays that kernel.
    Planning reads the register (pandas) but not the schemas (pandera), the notebooks' libraries or Jupyter's."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path\n"
        "from danvan_analysis.batch.settings import BatchSettings\n"
        "from danvan_analysis.batch.runner import plan_batch\n"
        f"data, out = Path({str(sandbox / 'data' / 'demo')!r}), Path({str(tmp_path)!r})\n"
        "plan = plan_batch(BatchSettings(year=2023, data_dir=data, out_dir=out))\n"
        "assert plan.tasks, 'nothing planned'\n"
        "heavy = ('pandera', 'matplotlib', 'seaborn', 'statsmodels', 'scipy', 'nbformat', 'nbconvert', 'jupyter_client')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


def test_a_stopped_early_worker_leaves_no_thread_or_process_behind(tmp_path: Path) -> None:
    """A batch that stops at planning kills its early worker and exits at once: by then the worker's process is
    reaped and the thread that reads its answers has ended (nothing of it runs while the interpreter exits)."""
    early = start_early_worker(BatchSettings(year=2023, out_dir=tmp_path))
    assert early is not None
    time.sleep(0.5)  # as in the command: the worker is starting its kernel when planning fails
    reader = early.slot._reader
    assert reader.is_alive() and early.slot.process.is_alive()
    early.close()
    assert not reader.is_alive()
    assert early.slot.process.exitcode == -9 and early.slot.dead


def _forked_kernel(process: psutil.Process) -> bool:
    """Whether ``process`` is a kernel forked by a fork server (both show the server's command)."""
    try:
        parent = process.parent()
        return parent is not None and all("batch.forkserver" in " ".join(p.cmdline()) for p in (process, parent))
    except psutil.Error:
        return False


@pytest.mark.parametrize(
    ("changes", "cores", "limited"),
    [
        ({"jobs": 2}, 2, True),
        ({"jobs": None}, 2, True),  # the default: a job per core
        ({"jobs": 3}, 2, True),
        ({"jobs": 1}, 2, False),  # a core is left free: the command may use it
        ({"jobs": 2, "scheduler": "local-dask"}, 2, False),
    ],
)
def test_the_command_runs_one_numerical_thread_when_the_batch_has_a_worker_per_core(
    changes: dict[str, Any], cores: int, limited: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As its workers and kernels: the command's shared step runs while they boot, on cores they take. OpenMP's
    variable (pyarrow's thread pool) is left as it is; so is a variable the command's environment sets itself."""
    import os

    from danvan_analysis.batch import pool
    from danvan_analysis.batch.early import single_threaded_command

    names = [name for name, _ in SINGLE_THREAD]
    for name in names:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    monkeypatch.setattr(pool, "available_cores", lambda: cores)
    assert single_threaded_command(BatchSettings(out_dir=tmp_path, **changes)) is limited
    expected = {"OPENBLAS_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1"} if limited else {}
    assert {name: os.environ[name] for name in names if name in os.environ} == {**expected, "MKL_NUM_THREADS": "3"}


def test_danvan_reports_loads_numpy_with_one_blas_thread(tmp_path: Path) -> None:
    """OpenBLAS reads its thread count once, when numpy loads: the command sets it before anything imports numpy.
    A fresh interpreter runs ``danvan reports`` with a watch on the first import of numpy, which prints the
    environment at that moment and stops the command (its early worker stopped with it). ``--date`` is given: its
    check runs before the thread variables are set, so it must not import numpy."""
    import json
    import os
    import subprocess
    import sys

    from danvan_analysis.batch.pool import available_cores

    names = [name for name, _ in SINGLE_THREAD]
    code = (
        "import json, os, sys\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'numpy':\n"
        f"            print(json.dumps({{n: os.environ.get(n) for n in {names!r}}}), flush=True)\n"
        "            raise SystemExit(0)\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from danvan_analysis.cli import app\n"
        f"app(['reports', '--jobs', '{available_cores()}', '--out', {str(tmp_path)!r}, '--formats', 'html', "
        "'--date', '15/03/2024'])\n"
    )
    env = {name: value for name, value in os.environ.items() if name not in names}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got == {
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": None,
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }
