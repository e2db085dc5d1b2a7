"""Benchmark of the report batch: the 9 district reports + the province report, four ways, against a true floor.

Run from the project folder (not a timed test; the machine may be shared: the rows of one run are measured side by
side, so compare ratios within a run)::

    python benchmarks/bench_batch.py                       # rows a, b, c, d on the default demo (6,000 / year)
    python benchmarks/bench_batch.py --rows c,d,big        # only these rows
    python benchmarks/bench_batch.py --rows big --respondents 1000000
    python benchmarks/bench_batch.py --rows c,d --repeat 3          # 3 pairs of (c) and (d), in alternate order

(a) the plain loop: ``papermill`` CLI then ``jupyter nbconvert --to html --no-input`` per report, one after another;
(b) the obvious pool: ``jobs`` processes, papermill's API (a fresh kernel per report) + in-process nbconvert export
    (stock template), each report computing everything itself;
(c) ``danvan reports --force`` (warm kernels, shared results computed once, compact in-process export), as a user
    runs it, from a cold start (the command's own start-up included);
(d) the floor: the least work the same output needs, in its best schedule. A plain process imports what the shared
    step needs and computes it (as (c)'s command does, with its numerical threads) while a fork server imports
    everything once (as (c)'s kernel fork server) and forks the first of ``jobs`` long-lived plain Python processes
    (the cycle collector frozen over the imports, as in (c)'s kernels); the others are forked once it is ready; then
    each takes the next report as soon as it is free and runs the report's notebook cells with their display outputs
    captured (no Jupyter kernel, no messaging, no papermill execution engine) and renders the HTML with the same
    exporter, with one BLAS thread each when there is a worker per core, as (c)'s kernels. Its pages are checked
    equal to (c)'s, so c/d is what Jupyter and the runner cost on top of the work.
(e) ``danvan reports --force --formats html,docx,pdf,xlsx``: every format (the Word draft and the Excel appendix
    written from the blocks, the PDF printed by one Chromium per worker) against HTML alone (c). Aim: e/c ≤ 1.5.
(big) (c) and (d) again on a survey of ``--respondents`` per year (written once into ``--big-data``).

Also printed: the peak resident memory (VmHWM) of every report kernel of (c), read from ``/proc`` by a watcher while
the batch runs (the kernels are the batch's children started by a kernel launcher or forked by a worker's kernel
fork server) and the command's own (it computes the shared step, which reads the survey), the floor workers' own
peak, the time of the shared step (serial: the reports wait for it) and the 1-minute load average after each row.
Aims (issue 13): 10 reports cold ≤ 8 s and c/d ≤ 1.3; at 1M respondents ≤ 2× the default batch and ≤ 600 MiB per
kernel; a/c ≥ 12.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BIN = Path(sys.executable).parent
DISTRICTS = ("164", "165", "167", "168", "169", "170", "171", "172", "173")
ROWS = ("a", "b", "c", "d", "e", "big")
#: The modules that start a report kernel (``python -m <module> -f <connection file>``).
KERNEL_LAUNCHERS = frozenset({"ipykernel_launcher", "danvan_analysis.batch.kernel_launcher"})
#: A batch worker's kernel fork server: its forks are the kernels (they show its command), it is not one.
FORK_SERVER = "danvan_analysis.batch.forkserver"


#: The day every report of every row is dated (the rows' pages are compared; a run may cross midnight).
REPORT_DATE = "2024-03-15"


def _jobs(data: Path) -> list[tuple[str, Path, dict[str, object]]]:
    """(name, notebook, parameters) of the 10 reports."""
    common = {"data_dir": str(data), "report_date": REPORT_DATE}
    jobs: list[tuple[str, Path, dict[str, object]]] = [
        (code, NOTEBOOKS / "district_report.ipynb", {"district": code, **common}) for code in DISTRICTS
    ]
    jobs.append(("province", NOTEBOOKS / "province_report.ipynb", common))
    return jobs


# -- (a) and (b) ----------------------------------------------------------------------------------------------------


def plain_loop(data: Path, work: Path) -> float:
    """(a) papermill CLI + jupyter nbconvert CLI per report, in a shell loop."""
    lines = []
    for name, notebook, parameters in _jobs(data):
        options = " ".join(f"-p {key} {shlex.quote(str(value))}" for key, value in parameters.items())
        out = work / f"{name}.ipynb"
        lines.append(f"{BIN / 'papermill'} --no-progress-bar {notebook} {out} {options} --cwd {NOTEBOOKS}")
        lines.append(f"{BIN / 'jupyter'} nbconvert --to html --no-input --log-level=ERROR {out}")
    started = time.perf_counter()
    subprocess.run(["bash", "-c", " && ".join(lines)], check=True, capture_output=True)
    return time.perf_counter() - started


def _pool_task(name: str, notebook: str, parameters: dict[str, object], work: str) -> str:
    import papermill
    from nbconvert import HTMLExporter

    executed = papermill.execute_notebook(notebook, None, parameters=parameters, cwd=str(NOTEBOOKS), progress_bar=False)
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(executed)
    Path(work, f"{name}.html").write_text(body, encoding="utf-8")
    return name


def obvious_pool(data: Path, work: Path, jobs: int) -> float:
    """(b) a pool of processes, papermill API with a fresh kernel per report + in-process nbconvert."""
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(_pool_task, n, str(nb), p, str(work)) for n, nb, p in _jobs(data)]
        for future in futures:
            future.result()
    return time.perf_counter() - started


# -- (c) ------------------------------------------------------------------------------------------------------------


def _hwm_mib(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else None


def _kernel_pids(root: int) -> list[int]:
    """The report kernels under process ``root``: started by ``ipykernel_launcher`` or, in a batch, by
    ``danvan_analysis.batch.kernel_launcher``, or forked by a worker's fork server (a process showing the server's
    command whose parent is the server)."""
    import psutil

    try:
        children = psutil.Process(root).children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for child in children:
        try:
            command = child.cmdline()
            if any(part in KERNEL_LAUNCHERS for part in command) or (
                FORK_SERVER in command and FORK_SERVER in psutil.Process(child.ppid()).cmdline()
            ):
                found.append(child.pid)
        except psutil.Error:
            continue
    return found


def danvan_reports(data: Path, out: Path, jobs: int, formats: str = "html") -> tuple[float, list[float], float]:
    """(c) our runner, as a user runs it, HTML only; (e) with ``formats``. Returns the wall time, each report
    kernel's peak memory and the command's own (MiB; the command computes the shared step, which reads the survey)."""
    command = [str(BIN / "danvan"), "reports", "--year", "2023", "--data", str(data), "--out", str(out)]
    command += ["--date", REPORT_DATE]
    command += ["--formats", formats]
    peaks: dict[int, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "--jobs", str(jobs), "--force"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    done = threading.Event()

    def watch() -> None:  # VmHWM is only readable while the kernel lives: sample it until the batch ends
        while not done.is_set():
            for pid in [process.pid, *_kernel_pids(process.pid)]:
                peak = _hwm_mib(pid)
                if peak is not None:
                    peaks[pid] = max(peak, peaks.get(pid, 0.0))
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    if process.returncode:
        raise RuntimeError(output.decode(errors="replace")[-3000:])
    command = peaks.pop(process.pid, 0.0)
    return seconds, sorted(peaks.values()), command


# -- (d) the floor --------------------------------------------------------------------------------------------------

_floor_cells: dict[str, list[Any]] = {}


def _floor_init() -> None:
    """A floor worker: import once what the notebooks and the exporter import (the cost a warm kernel pays once),
    without the cycle collector, then freeze what was imported (as (c)'s kernels and workers do)."""
    import gc

    gc.disable()
    try:
        _floor_imports()
    finally:
        gc.enable()
        gc.freeze()


def _floor_preload() -> list[str]:
    """What :func:`_floor_imports` imports, by module name: the floor's fork server imports it once, as (c)'s
    worker's kernel fork server imports what its kernels import (``danvan_analysis.batch.forkserver``)."""
    from danvan_analysis.batch.forkserver import warmup_modules
    from danvan_analysis.batch.kernel import collect_warmup

    notebooks = dict.fromkeys(notebook for _, notebook, _ in _jobs(Path()))
    libraries = ["matplotlib", "IPython.core.interactiveshell", "IPython.utils.capture", "nbformat"]
    ours = ["danvan_analysis.batch.export", "danvan_analysis.batch.kernel", "danvan_analysis.batch.pool"]
    return [*libraries, *ours, *warmup_modules(collect_warmup(notebooks))]


def _floor_imports() -> None:
    import matplotlib

    matplotlib.use("Agg")  # the inline backend's renderer; figures are drawn by the package on their own canvas
    from IPython.core.interactiveshell import InteractiveShell

    main = sys.modules["__main__"]
    InteractiveShell.instance()  # IPython.display needs a shell to publish to; outputs are captured below
    sys.modules["__main__"] = main  # the shell swaps in its own: the pool unpickles this script's functions there
    from danvan_analysis.batch.export import get_exporter
    from danvan_analysis.batch.pool import skip_unused_validator_imports

    skip_unused_validator_imports()
    get_exporter("vi")
    for _, notebook, _ in _jobs(Path()):
        _floor_report_cells(notebook)  # runs each notebook's import cell once


def _floor_report_cells(notebook: Path) -> list[Any]:
    from danvan_analysis.batch.kernel import IMPORTS_TAG

    if str(notebook) not in _floor_cells:
        import nbformat

        cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
        for cell in cells:
            if IMPORTS_TAG in cell.metadata.get("tags", []):
                exec(cell.source, {})
        _floor_cells[str(notebook)] = cells
    return _floor_cells[str(notebook)]


def _floor_report(name: str, notebook: str, parameters: dict[str, object], title: str) -> tuple[str, str, float]:
    """Run one report's cells in this process (display outputs captured) and render its page; returns the HTML."""
    import gc
    import resource

    import nbformat
    from IPython.utils.capture import capture_output

    from danvan_analysis.batch.export import export_html
    from danvan_analysis.batch.kernel import prepare_notebook

    nb = prepare_notebook(Path(notebook), parameters)
    namespace: dict[str, Any] = {}
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        with capture_output() as captured:
            exec(cell.source, namespace)
        cell.execution_count = count
        cell.outputs = [  # as (c)'s workers record them: no schema validation per output
            nbformat.from_dict(
                {"output_type": "display_data", "metadata": shown.metadata, "data": _as_json(shown.data)}
            )
            for shown in captured.outputs
        ]
    namespace.clear()
    html = export_html(nb, lang="vi", title=title)
    gc.collect()  # what the kernel's reset does between reports
    return name, html, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextlib.contextmanager
def _single_threaded(jobs: int, variables: tuple[tuple[str, str], ...] | None = None) -> Iterator[None]:
    """The floor's workers get what (c)'s kernels get: one BLAS/OpenMP thread each when there is a worker per core
    (``danvan_analysis.batch.pool.SINGLE_THREAD``); its sharer what (c)'s command gives itself (``variables``:
    ``COMMAND_THREADS``, pyarrow's thread pool left). Spawned processes inherit the environment."""
    from danvan_analysis.batch.pool import SINGLE_THREAD, thread_limits

    before = dict(os.environ)
    os.environ.update({k: v for k, v in thread_limits(jobs, variables or SINGLE_THREAD) if k not in os.environ})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


def _as_json(data: dict[str, Any]) -> dict[str, Any]:
    """A display bundle as the kernel sends it: binary data (PNG) base64-encoded."""
    import base64

    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}


def _floor_shared(year: int, data_dir: str, out: str, ci_method: str) -> float:
    """The floor's shared step, in a plain process of its own: import what it needs (not what (c)'s command skips),
    compute, write."""
    from danvan_analysis.process import skip_unused_imports

    skip_unused_imports()
    from danvan_analysis.reports.shared import build_shared_results

    build_shared_results(year=year, data_dir=data_dir, out=out, ci_method=ci_method)
    return time.perf_counter()


def _floor_province_tables(parameters: dict[str, object]) -> None:
    """The floor's twin of ``danvan_analysis.batch.runner.prepare_province_tables``, in the sharer's process."""
    from danvan_analysis.reports.params import validate_province_params
    from danvan_analysis.reports.views import prepare_province_tables

    prepare_province_tables(validate_province_params(**parameters))


def _titles(data: Path, work: Path, jobs: int) -> dict[str, str]:
    """The page title of each report, as (c)'s command plans them (planned, not run; before any timing)."""
    from danvan_analysis.batch.runner import plan_batch
    from danvan_analysis.batch.settings import BatchSettings

    settings = BatchSettings(year=2023, data_dir=data, out_dir=work / "titles", jobs=jobs, force=True)
    return {task.name: task.title for task in plan_batch(settings).tasks}


def floor(
    data: Path, work: Path, jobs: int, titles: dict[str, str] | None = None
) -> tuple[float, dict[str, str], list[float], float]:
    """(d) the shared step once, then the reports' work in ``jobs`` long-lived plain processes; no Jupyter.
    ``titles``: each page's title, as (c) gives it (default: planned now)."""
    from danvan_analysis.batch.pool import COMMAND_THREADS
    from danvan_analysis.plan import load_plan

    titles = titles if titles is not None else _titles(data, work, jobs)
    ci_method = load_plan(None).rules.ci_method
    # As (c)'s worker forks its kernels from one process that imported what they import, the floor's workers are
    # forks of one server that imported what they import (stopped at the end: each run pays its imports).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["floor_server"])  # benchmarks/floor_server.py: imports _floor_preload()
    spawning = multiprocessing.get_context("spawn")
    shared = work / "shared"
    arguments = (2023, str(data), str(shared), ci_method)
    started = time.perf_counter()
    # The best schedule of this work on ``jobs`` cores, (c)'s: a plain process imports what the shared step needs and
    # computes it while the fork server imports and forks the first worker; the others are forked once the first is
    # ready; then every worker takes the next report as soon as it is
    # free. The schedule before it (the first worker computes the shared step once it has imported, the others import
    # meanwhile) was slower: 8.5-9.7 s against 8.3-9.0 s, 4 pairs alternated on the demo data on 07/12/2026.
    sharer = cf.ProcessPoolExecutor(1, mp_context=spawning)
    with _single_threaded(jobs, COMMAND_THREADS):  # it starts now, with what (c)'s command gives itself
        computing = sharer.submit(_floor_shared, *arguments)
    with _single_threaded(jobs):
        # Python 3.11's fork server ignores the sys.path it is given: it finds floor_server.py through PYTHONPATH.
        os.environ["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")])
        )
        workers = [cf.ProcessPoolExecutor(1, mp_context=context, initializer=_floor_init)]
        try:
            workers[0].submit(os.getpid).result()  # ready: imports done
            workers += [cf.ProcessPoolExecutor(1, mp_context=context, initializer=_floor_init) for _ in range(jobs - 1)]
            for worker in workers[1:]:
                worker.submit(os.getpid)  # start them (and their imports) now
            shared_seconds = computing.result() - started
            queue = []
            for name, notebook, parameters in _jobs(data):
                parameters = {**parameters, "shared_cache": str(shared)}
                if name == "province":
                    parameters["linked_districts"] = ",".join(DISTRICTS)
                queue.append((name, str(notebook), parameters, titles[name]))
            running = {w.submit(_floor_report, *queue.pop(0)): w for w in workers if queue}
            # As (c)'s command: the province's plan tables, in the sharer, while the workers run the districts.
            sharer.submit(_floor_province_tables, next(q[2] for q in queue if q[0] == "province"))
            pages, peaks = {}, []
            while running:
                done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in done:
                    worker = running.pop(future)
                    name, html, peak = future.result()
                    pages[name] = html
                    peaks.append(peak)
                    if queue:
                        running[worker.submit(_floor_report, *queue.pop(0))] = worker
        finally:
            for worker in [*workers, sharer]:
                worker.shutdown(wait=True)
            _stop_fork_server()
    return time.perf_counter() - started, pages, sorted(set(peaks)), shared_seconds


def _stop_fork_server() -> None:
    """Stop multiprocessing's fork server (the next floor run starts one and pays its imports again)."""
    from multiprocessing import forkserver

    forkserver._forkserver._stop()


def _shared_seconds(out: Path) -> str:
    """The shared step's time in a batch of (c), from its log (the step is serial: the reports wait for it)."""
    log = out / "logs" / "shared.log"
    found = re.findall(r" ok in ([0-9.]+) s", log.read_text(encoding="utf-8")) if log.is_file() else []
    return f"{float(found[-1]):.1f} s" if found else "?"


def _load() -> str:
    """The 1-minute load average now (the machine may be shared: figures of a loaded run are slower)."""
    return f"load {os.getloadavg()[0]:.1f}"


def _same_pages(pages: dict[str, str], out: Path) -> str:
    """How many of the floor's pages equal (c)'s (Styler ids and times aside): the floor did the same work."""
    from danvan_analysis.batch.manifest import read_manifest

    def normalised(html: str) -> str:
        html = re.sub(r"\bT_[0-9a-f_]+", "T_", html)
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?", "TIME", html)

    records = read_manifest(out)
    same = [n for n, html in pages.items() if normalised(html) == normalised((out / records[n].html).read_text())]
    return f"{len(same)}/{len(pages)} pages equal to (c)'s"


# -- main -----------------------------------------------------------------------------------------------------------


def _demo(folder: Path, respondents: int) -> Path:
    folder = folder.resolve()
    if not (folder / "2023").is_dir():
        from danvan_analysis.demo import write_demo

        write_demo(folder, years=[2021, 2022, 2023], respondents=respondents)
    return folder


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children and their reaped descendants: a batch's
    command, workers and kernels for (c), the floor's processes for (d)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _c_and_d(label: str, data: Path, work: Path, jobs: int, repeat: int = 1) -> tuple[float, float, float]:
    """(c) and (d) ``repeat`` times, as pairs run back to back; returns the medians of c and d and of the pairs' c/d.

    This machine's speed drifts by up to a third within minutes, so a ratio is read from pairs run back to back,
    and several pairs show the spread. The pairs alternate their order (c then d, d then c, …): with a single order,
    a drift during the run always favours the same side of every pair. Each row also prints the CPU time all its
    processes used: on 2 busy cores, what (c) adds is mostly CPU."""
    cs, ds = [], []
    cpu_ratios = []
    titles = _titles(data, work, jobs)
    for turn in range(repeat):
        folder = work / f"run{turn + 1}"
        (folder / "c").mkdir(parents=True)
        (folder / "d").mkdir()
        measured: dict[str, tuple[float, float]] = {}
        pages: dict[str, str] = {}
        for row in ("c", "d") if turn % 2 == 0 else ("d", "c"):
            before = _children_cpu()
            if row == "c":
                c, kernels, command = danvan_reports(data, folder / "c", jobs)
                measured["c"] = (c, _children_cpu() - before)
                memory = ", ".join(f"{m:.0f}" for m in kernels)
                print(
                    f"(c) danvan reports --force{label:<21} {c:7.1f} s   CPU {measured['c'][1]:.1f} s; shared step "
                    f"{_shared_seconds(folder / 'c')}; peak MiB: kernels {memory}, the command {command:.0f}; "
                    f"{_load()}",
                    flush=True,
                )
            else:
                d, pages, peaks, shared = floor(data, folder / "d", jobs, titles)
                measured["d"] = (d, _children_cpu() - before)
                print(
                    f"(d) floor: {jobs} plain processes{label:<16} {d:7.1f} s   CPU {measured['d'][1]:.1f} s; shared "
                    f"results at {shared:.1f} s; worker peak MiB: {', '.join(f'{m:.0f}' for m in peaks)}; {_load()}",
                    flush=True,
                )
        (c, c_cpu), (d, d_cpu) = measured["c"], measured["d"]
        print(f"    c/d = {c / d:.2f}   CPU c/d = {c_cpu / d_cpu:.2f}; {_same_pages(pages, folder / 'c')}", flush=True)
        cs.append(c)
        ds.append(d)
        cpu_ratios.append(c_cpu / d_cpu)
    if repeat > 1:
        ratios = sorted(c / d for c, d in zip(cs, ds, strict=True))
        print(
            f"    {repeat} pairs{label}: c median {statistics.median(cs):.1f} s (range {min(cs):.1f}–{max(cs):.1f}), "
            f"d median {statistics.median(ds):.1f} s, c/d per pair {', '.join(f'{r:.2f}' for r in ratios)}, "
            f"median {statistics.median(ratios):.2f}; CPU c/d per pair "
            f"{', '.join(f'{r:.2f}' for r in sorted(cpu_ratios))}",
            flush=True,
        )
    return statistics.median(cs), statistics.median(ds), statistics.median(c / d for c, d in zip(cs, ds, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo", help="demo data (written if absent)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rows", default="a,b,c,d,e,big", help=f"rows to run, comma-separated, of {', '.join(ROWS)}")
    parser.add_argument("--respondents", type=int, default=1_000_000, help="survey size per year of the big row")
    parser.add_argument(
        "--big-data", type=Path, default=None, help="data folder of the big row (default: data/demo-<respondents>)"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run (c) and (d) this many times in turn; the ratios use the medians"
    )
    args = parser.parse_args()
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = sorted(set(rows) - set(ROWS))
    if unknown:
        parser.error(f"--rows: unknown row(s) {', '.join(unknown)}; expected some of {', '.join(ROWS)}")
    data = _demo(args.data, 6000)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        print(
            f"10 reports (9 districts + province), data {data}, {os.cpu_count()} cores, jobs={args.jobs}, {_load()}",
            flush=True,
        )
        if "a" in rows:
            (work / "a").mkdir()
            figures["a"] = plain_loop(data, work / "a")
            print(f"(a) plain loop, papermill + nbconvert CLIs     {figures['a']:7.1f} s", flush=True)
        if "b" in rows:
            (work / "b").mkdir()
            figures["b"] = obvious_pool(data, work / "b", args.jobs)
            print(f"(b) pool of {args.jobs}, papermill API + nbconvert     {figures['b']:7.1f} s", flush=True)
        if "c" in rows or "d" in rows:
            figures["c"], figures["d"], figures["c/d"] = _c_and_d("", data, work / "default", args.jobs, args.repeat)
        if "e" in rows:
            (work / "e").mkdir()
            figures["e"], _, _ = danvan_reports(data, work / "e", args.jobs, formats="html,docx,pdf,xlsx")
            print(f"(e) (c) with docx, pdf and xlsx too            {figures['e']:7.1f} s", flush=True)
        if "big" in rows:
            big = _demo(args.big_data or ROOT / "data" / f"demo-{args.respondents}", args.respondents)
            label = f" ({args.respondents:,}/year)"
            figures["big_c"], figures["big_d"], _ = _c_and_d(label, big, work / "big", args.jobs, args.repeat)
    ratios = []
    if "a" in figures and "c" in figures:
        ratios.append(f"a/c = {figures['a'] / figures['c']:.1f}")
    if "b" in figures and "c" in figures:
        ratios.append(f"b/c = {figures['b'] / figures['c']:.1f}")
    if "c" in figures:  # the aim's ratio is the pairs' (run back to back); the medians' ratio beside it
        ratios.append(f"c/d = {figures['c/d']:.2f} (pairs' median; of the medians {figures['c'] / figures['d']:.2f})")
    if "e" in figures and "c" in figures:
        ratios.append(f"e/c = {figures['e'] / figures['c']:.2f}")
    if "big_c" in figures and "c" in figures:
        ratios.append(f"big c / default c = {figures['big_c'] / figures['c']:.2f}")
    print("   ".join(ratios))


if __name__ == "__main__":
    main()
