"""Benchmark of the report batch: four ways to produce the 9 district reports + the province report.

Run from the project folder (not a timed test; the machine may be shared, so rerun before comparing numbers)::

    python benchmarks/bench_batch.py [--data DATA_DIR] [--jobs 2]

(a) the plain loop: ``papermill`` CLI then ``jupyter nbconvert --to html --no-input`` per report, one after another;
(b) the obvious pool: 2 processes, papermill's API (a fresh kernel per report) + in-process nbconvert export (stock
    template), each report computing everything itself;
(c) ``danvan reports --force --formats html`` (warm kernels, shared results computed once, compact in-process
    export);
(d) the floor: the notebooks exported as Python scripts (``nbconvert --to script``, parameters injected by papermill
    beforehand, not timed), run by 2 processes, no HTML; they read the shared results (c) computed, so (d) is the
    cost of the report code alone;
(e) ``danvan reports --force --formats html,docx,pdf,xlsx``: every format (the Word draft and the Excel appendix
    from the blocks, the PDF printed by one Chromium per worker) against HTML alone (c). Aim: e/c <= 1.5.

Prints each wall time and the ratios a/c, b/c, c/d, e/c. ``--formats-only`` runs (c) and (e) alone.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BIN = Path(sys.executable).parent
DISTRICTS = ("164", "165", "167", "168", "169", "170", "171", "172", "173")


def _jobs(data: Path) -> list[tuple[str, Path, dict[str, object]]]:
    """(name, notebook, parameters) of the 10 reports."""
    jobs: list[tuple[str, Path, dict[str, object]]] = [
        (code, NOTEBOOKS / "district_report.ipynb", {"district": code, "data_dir": str(data)}) for code in DISTRICTS
    ]
    jobs.append(("province", NOTEBOOKS / "province_report.ipynb", {"data_dir": str(data)}))
    return jobs


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


def danvan_reports(data: Path, out: Path, jobs: int, formats: str = "html") -> float:
    """(c) our runner, as a user runs it; (e) with every format."""
    command = [str(BIN / "danvan"), "reports", "--year", "2023", "--data", str(data), "--out", str(out)]
    command += ["--formats", formats]
    started = time.perf_counter()
    subprocess.run([*command, "--jobs", str(jobs), "--force"], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def script_floor(data: Path, work: Path, shared: Path, jobs: int) -> float:
    """(d) the notebooks' code as plain scripts in ``jobs`` processes, reading (c)'s shared results; no HTML."""
    from nbconvert import PythonExporter

    scripts = []
    for name, notebook, parameters in _jobs(data):
        prepared = work / f"{name}.ipynb"
        options = [a for k, v in {**parameters, "shared_cache": str(shared)}.items() for a in ("-p", k, str(v))]
        command = [str(BIN / "papermill"), "--prepare-only", str(notebook), str(prepared), *options]
        subprocess.run(command, check=True, capture_output=True)
        source, _ = PythonExporter().from_filename(str(prepared))  # what `jupyter nbconvert --to script` writes
        scripts.append(prepared.with_suffix(".py"))
        scripts[-1].write_text(source, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    started = time.perf_counter()
    with cf.ThreadPoolExecutor(jobs) as pool:
        runs = pool.map(
            lambda s: subprocess.run([sys.executable, str(s)], cwd=NOTEBOOKS, env=env, capture_output=True), scripts
        )
        for run in runs:
            if run.returncode:
                raise RuntimeError(run.stderr.decode()[-2000:])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT / "data" / "demo", help="demo data folder (written if absent)"
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--formats-only", action="store_true", help="run (c) and (e) only")
    args = parser.parse_args()
    data = args.data.resolve()
    if not (data / "2023").is_dir():
        from danvan_analysis.demo import write_demo

        write_demo(data, years=[2021, 2022, 2023])
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        for folder in ("a", "b", "c", "d", "e"):
            (work / folder).mkdir()
        print(f"10 reports (9 districts + province), data {data}, {os.cpu_count()} cores, jobs={args.jobs}")
        if args.formats_only:
            c = danvan_reports(data, work / "c", args.jobs)
            print(f"(c) danvan reports --force --formats html      {c:7.1f} s")
            e = danvan_reports(data, work / "e", args.jobs, formats="html,docx,pdf,xlsx")
            print(f"(e) the same with docx, pdf and xlsx           {e:7.1f} s")
            print(f"e/c = {e / c:.2f}")
            return
        a = plain_loop(data, work / "a")
        print(f"(a) plain loop, papermill + nbconvert CLIs     {a:7.1f} s")
        b = obvious_pool(data, work / "b", args.jobs)
        print(f"(b) pool of {args.jobs}, papermill API + nbconvert     {b:7.1f} s")
        c = danvan_reports(data, work / "c", args.jobs)
        print(f"(c) danvan reports --force --formats html      {c:7.1f} s")
        shared = next((work / "c" / "_shared").iterdir())
        d = script_floor(data, work / "d", shared, args.jobs)
        print(f"(d) floor: scripts in {args.jobs} processes, no HTML    {d:7.1f} s")
        e = danvan_reports(data, work / "e", args.jobs, formats="html,docx,pdf,xlsx")
        print(f"(e) the same with docx, pdf and xlsx           {e:7.1f} s")
        print(f"a/c = {a / c:.1f}   b/c = {b / c:.1f}   c/d = {c / d:.2f}   e/c = {e / c:.2f}")


if __name__ == "__main__":
    main()
