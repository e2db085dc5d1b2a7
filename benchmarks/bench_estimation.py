"""Benchmark: the full SIPAS estimate set on a 1M-respondent demo survey, against svy 0.35 and samplics 0.6.1.

What is timed (``danvan_analysis.survey.sipas_indices``, one call): the 33 item indices plus the 9 element, 2 aspect
and overall composites, both measures (share >= 4 and mean score), with Taylor SEs, CIs, deff and caveats, for the
province + 9 districts + every sampled commune. Communes are PSUs in the demo design, so commune rows come out flagged
"not estimable" (SE blank); a second timing gives commune SEs from the next-stage (village) design.

Reference runs (once each; they are slow): svy estimates the 33 item shares for the same domains
(``estimation.mean`` of the 0/1 "rating >= 4" indicator, nulls dropped); samplics estimates one item by district.
The numbers are checked equal (max abs difference printed) before the speed ratios are printed.

Report calls: the one-call estimators the reports run (comparisons, trend, priorities, the district models) on the
demo data of the report tests, 3 years x 6,000 respondents (``generate_all([2021, 2022, 2023], respondents=6000,
seed=2023)``), best wall time of 5 calls each.

Memory: peak of traced allocations (``tracemalloc``: Python objects and numpy buffers) during the call, above what is
allocated once the data are loaded; and the peak resident set size growth sampled every 2 ms.

Run: ``python benchmarks/bench_estimation.py [--respondents 1000000] [--skip-references]
[--report-calls-only]``.
Not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from danvan_analysis.survey import (
    IndexRule,
    SurveyDesign,
    commune_design,
    compare_districts,
    compare_years,
    estimate,
    fit_satisfaction_model,
    importance_performance,
    priority_shares,
    sipas_indices,
    sipas_trend,
)
from danvan_analysis.vocab import DONT_KNOW, ITEMS

DOMAINS = [None, "district_code", "commune_code"]


def load_survey(respondents: int) -> pd.DataFrame:
    """The demo survey of 2023 (``danvan_analysis.demo.generate_survey``)."""
    from danvan_analysis.demo import generate_survey

    return generate_survey(2023, respondents=respondents, seed=2023)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class PeakRss:
    """Sample the resident set size in a thread; ``peak - start`` after the block."""

    def __enter__(self) -> PeakRss:
        self.start = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.002)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def run_ours(data: pd.DataFrame, design: SurveyDesign) -> tuple[pd.DataFrame, float]:
    start = time.perf_counter()
    result = sipas_indices(data, design, by=DOMAINS, rule=IndexRule())
    return result.to_frame(), time.perf_counter() - start


def run_svy(data: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    import polars as pl
    import svy

    frame = pd.DataFrame({c: data[c] for c in ("stratum", "psu", "weight", "district_code", "commune_code")})
    for item in ITEMS:
        v = data[item].astype("Float64")
        v = v.mask(v == DONT_KNOW)
        frame[item] = (v >= 4).astype("Float64").mask(v.isna())
    sample = svy.Sample(pl.from_pandas(frame), svy.Design(stratum="stratum", psu="psu", wgt="weight"))
    rows = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for by in DOMAINS:
            for item in ITEMS:
                out = sample.estimation.mean(item, by=by, drop_nulls=True).to_polars().to_pandas()
                out["domain"] = "all" if by is None else by + "=" + out[by].astype(str)
                out["code"] = item
                rows.append(out[["domain", "code", "est", "se"]])
    return pd.concat(rows, ignore_index=True), time.perf_counter() - start


def run_samplics(data: pd.DataFrame, item: str) -> tuple[pd.DataFrame, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam

        v = data[item].astype("Float64")
        y = (v >= 4).astype("Float64").mask(v.isna() | (v == DONT_KNOW)).to_numpy(dtype=float, na_value=np.nan)
        est = TaylorEstimator(PopParam.mean)
        start = time.perf_counter()
        est.estimate(
            y=y,
            samp_weight=data["weight"].to_numpy(),
            stratum=data["stratum"].to_numpy(object),
            psu=data["psu"].to_numpy(object),
            domain=data["district_code"].to_numpy(object),
            remove_nan=True,
        )
        elapsed = time.perf_counter() - start
    out = pd.DataFrame(
        {
            "district_code": list(est.point_est),
            "est": list(est.point_est.values()),
            "se": [est.stderror[k] for k in est.point_est],
        }
    )
    return out, elapsed


def report_calls(repeat: int = 5) -> None:
    """Print the best of ``repeat`` wall times of each estimator a report batch calls, on the 18,000-row demo."""
    from danvan_analysis.demo import generate_all
    from danvan_analysis.errors import EstimationError

    data = generate_all([2021, 2022, 2023], respondents=6000, seed=2023)["survey"]
    design = SurveyDesign()
    year = data[data["year"] == 2023]

    def district_models() -> int:
        fitted = 0
        for code in sorted(year["district_code"].unique()):
            try:
                fit_satisfaction_model(year, design, domain=("district_code", code))
                fitted += 1
            except EstimationError:
                pass  # too few cases in a small district: the report shows the reason
        return fitted

    calls = {
        "sipas_indices (2023, province + districts)": lambda: sipas_indices(year, design),
        "compare_districts (2023)": lambda: compare_districts(year, design),
        "compare_years (2022 -> 2023)": lambda: compare_years(data, design, years=(2022, 2023)),
        "compare_years (every pair)": lambda: compare_years(data, design),
        "sipas_trend (3 years)": lambda: sipas_trend(data, design),
        "priority_shares (2023)": lambda: priority_shares(year, design),
        "importance_performance (2023)": lambda: importance_performance(year, design),
        "fit_satisfaction_model (2023, province)": lambda: fit_satisfaction_model(year, design),
        "fit_satisfaction_model (2023, 9 district domains)": district_models,
    }
    print(f"report calls on the demo survey: {len(data):,} respondents (3 years x 6,000); best of {repeat}")
    for name, call in calls.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        print(f"  {name:<50s} {min(times):6.3f} s   (worst {max(times):.3f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--skip-references", action="store_true", help="skip the svy and samplics runs")
    parser.add_argument("--report-calls-only", action="store_true", help="time only the report calls (18,000 rows)")
    args = parser.parse_args()
    if args.report_calls_only:
        report_calls()
        return

    t0 = time.perf_counter()
    data = load_survey(args.respondents)
    print(
        f"data: {len(data):,} respondents, {data['psu'].nunique()} communes (PSUs) in "
        f"{data['stratum'].nunique()} districts (strata), {data['ssu'].nunique():,} villages; "
        f"{data.memory_usage(deep=True).sum() / 2**20:,.0f} MiB in memory; generated in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    design = SurveyDesign()

    # Warm-up on a slice (imports, first-call costs), then the measured call.
    run_ours(data.iloc[:20_000], design)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    with PeakRss() as rss:
        frame, _ = run_ours(data, design)
    traced_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del frame
    gc.collect()
    times = []
    for _ in range(3):
        frame, elapsed = run_ours(data, design)
        times.append(elapsed)
    n_domains = frame["domain"].nunique()
    n_blank = int(frame.loc[frame["by"] == "commune_code", "se"].isna().sum())
    print(
        f"ours  full set: {len(frame):,} rows ({n_domains} domains x 2 measures x 45 indices); wall time "
        f"{min(times):.2f} s best of 3 ({', '.join(f'{t:.2f}' for t in times)}); peak memory above the loaded "
        f"data {traced_peak / 2**20:.0f} MiB traced, {(rss.peak - rss.start) / 2**20:.0f} MiB RSS growth; "
        f"{n_blank:,} commune rows not estimable (commune = PSU)"
    )
    start = time.perf_counter()
    communes = sipas_indices(data, commune_design(design, ssu="ssu"), by="commune_code").to_frame()
    print(
        f"ours  communes, next-stage design (villages as PSUs): {len(communes):,} rows in "
        f"{time.perf_counter() - start:.2f} s, {int(communes['se'].notna().sum()):,} with an SE"
    )
    del communes
    report_calls()

    if args.skip_references:
        return
    share_items = frame[(frame["measure"] == "share") & (frame["level"] == "item")]
    mine = share_items.set_index(["domain", "code"])[["estimate", "se"]] / 100
    ref, svy_time = run_svy(data)
    ref = ref.set_index(["domain", "code"]).loc[mine.index]
    d_est = np.nanmax(np.abs(mine["estimate"].to_numpy() - ref["est"].to_numpy()))
    both = mine["se"].notna().to_numpy()
    d_se = np.nanmax(np.abs(mine["se"].to_numpy()[both] - ref["se"].to_numpy()[both]))
    svy_zero = float(np.nanmax(np.abs(ref["se"].to_numpy()[~both]))) if (~both).any() else 0.0
    print(
        f"svy   33 items x {n_domains} domains (shares only): {svy_time:.1f} s; max |diff| estimate {d_est:.2e}, "
        f"SE {d_se:.2e} (where ours has an SE; svy gives SE {svy_zero:.1e} for the single-PSU communes)"
    )
    print(f"      speed ratio svy / ours (our full set incl. composites and mean scores): {svy_time / min(times):.0f}x")

    start = time.perf_counter()
    ours_one = estimate(data, design, "q15", kind="proportion", at_least=4, by="district_code").to_frame()
    ours_one_time = time.perf_counter() - start
    ref_one, samplics_time = run_samplics(data, "q15")
    ref_one = ref_one.set_index("district_code").loc[ours_one["district_code"].astype(str)]
    d1 = max(
        np.max(np.abs(ours_one["estimate"].to_numpy() / 100 - ref_one["est"].to_numpy())),
        np.max(np.abs(ours_one["se"].to_numpy() / 100 - ref_one["se"].to_numpy())),
    )
    print(
        f"samplics one item by district: {samplics_time:.1f} s vs ours {ours_one_time:.3f} s "
        f"({samplics_time / ours_one_time:.0f}x); max |diff| {d1:.2e}"
    )


if __name__ == "__main__":
    main()
