"""Benchmark of the demo data generator (not a test; run by hand).

Usage::

    python benchmarks/bench_demo.py                 # all cases
    python benchmarks/bench_demo.py --respondents 200000

Each case runs in a fresh Python process, so its peak memory is its own: the child imports the package, records its
resident set size (RSS) as the baseline, runs the case once and reports wall time, user and system CPU time and the
peak RSS above the baseline (``getrusage`` ``ru_maxrss``, which also counts Arrow's memory pool, unlike
:mod:`tracemalloc`, whose per-allocation hooks also slow pandas' CSV writer several-fold). The machine may be shared,
so the user CPU time is the steadier figure. Targets: 1M respondents in under 30 s; the default ``danvan demo`` (6,000 respondents × 3 years) under 3 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mib() -> float:
    """Current resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _run_case(case: str, respondents: int, years: list[int]) -> dict[str, float]:
    """Run one case in this process and return its measurements."""
    from danvan_analysis import demo

    baseline = _rss_mib()
    out = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    try:
        if case == "generate_survey":
            frame = demo.generate_survey(years[-1], respondents=respondents, seed=2023)
            rows = len(frame)
        else:
            demo.write_demo(out, years=years, respondents=respondents, seed=2023)
            rows = respondents * len(years)
        wall = time.perf_counter() - start
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "rows": rows,
        "wall_s": wall,
        "user_s": usage1.ru_utime - usage0.ru_utime,
        "sys_s": usage1.ru_stime - usage0.ru_stime,
        "peak_rss_above_baseline_mib": usage1.ru_maxrss / 1024 - baseline,
        "files_mib": size / 2**20,
    }


def main() -> None:
    """Run every case in a child process and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000, help="survey size of the large cases")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--years", default="2023", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        years = [int(y) for y in args.years.split(",")]
        print(json.dumps(_run_case(args.case, args.respondents, years)))
        return
    cases = [
        ("generate_survey", args.respondents, "2023", f"generate_survey, {args.respondents:,} respondents"),
        ("write_demo", args.respondents, "2021,2022,2023", f"write_demo, {args.respondents:,} respondents × 3 years"),
        ("write_demo", 6000, "2021,2022,2023", "write_demo default (6,000 respondents × 3 years)"),
    ]
    print(f"{'case':<52} {'wall s':>7} {'user s':>7} {'sys s':>6} {'RSS+ MiB':>9} {'files MiB':>9}")
    for case, respondents, years, label in cases:
        command = [sys.executable, __file__, "--case", case, "--respondents", str(respondents), "--years", years]
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        print(
            f"{label:<52} {result['wall_s']:>7.2f} {result['user_s']:>7.2f} {result['sys_s']:>6.2f} "
            f"{result['peak_rss_above_baseline_mib']:>9.0f} {result['files_mib']:>9.1f}"
        )


if __name__ == "__main__":
    main()
