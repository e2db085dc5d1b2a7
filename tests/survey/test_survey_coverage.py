"""A fast run of the coverage simulation of ``benchmarks/bench_coverage.py``: a regression in the intervals shows.

200 samples per scenario (the benchmark runs 2,000 and prints the table). Pooled over the 9 districts the
Monte-Carlo SE of a coverage is about 0.5 points, so the loose bounds below fail only on a real change: the default
intervals must cover 91-98.5 % pooled, and the whole-design df (the old convention) must cover visibly less.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_coverage.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_coverage", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_district_intervals_cover_about_95_percent():
    table = (
        _bench()
        .simulate(
            200,
            seed=7,
            scenarios=["with replacement", "with replacement, design df", "without replacement, two-stage fpc"],
        )
        .set_index("scenario")
    )
    for scenario in ("with replacement", "without replacement, two-stage fpc"):
        row = table.loc[scenario]
        assert 91.0 <= row["districts pooled"] <= 98.5, (scenario, row.to_dict())
        assert row["lowest"] >= 86.0, (scenario, row.to_dict())
        assert row["province"] >= 88.0, (scenario, row.to_dict())
    assert table.loc["with replacement, design df", "4 PSUs"] < table.loc["with replacement", "4 PSUs"] - 5
