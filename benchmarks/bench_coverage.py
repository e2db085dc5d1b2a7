"""Coverage of the 95 % confidence intervals, by Monte-Carlo simulation of this project's survey design.

Not a timing: a check of the interval *method*, independent of the reference implementations (svy and samplics
agree with the package to 1e-9, which says nothing about whether the intervals cover). A fixed finite population of
9 districts, each with ``N_h`` communes of 1,500-8,000 adults, satisfaction varying between communes (logit scale SD
0.45) and between villages within communes (SD 0.3), is sampled again and again the way the survey is: in each
district ``n_h`` = 4, 5, ..., 11 communes (a third of them), then 20-40 adults per commune by simple random sampling.
For every sample, the 95 % intervals of the share satisfied (province and each district) are computed with the
settings of the scenario, and the table gives the share of samples whose interval holds the population's true share.

Scenarios:

* ``with replacement``: communes drawn with replacement (equal probability), analysed with the default design
  (``SurveyDesign()``: PSUs with replacement) and the default settings (each domain's own degrees of freedom, logit
  interval);
* ``... design df``: the same samples with ``EstimationSettings(df="design")`` (every district on the whole
  design's 57 df; the convention before 2024);
* ``without replacement, two-stage fpc``: communes drawn without replacement, analysed with
  ``SurveyDesign(fpc="f1", ssu="respondent_id", ssu_fpc="f2")`` (the commune fraction and the fraction of the
  commune's adults interviewed), the default settings;
* ``without replacement, fpc only``: the same samples with only the first-stage fpc (the second stage left out, as
  before 2024; the package warns);
* ``without replacement, no fpc``: the same samples analysed as if drawn with replacement (conservative).

Run: ``python benchmarks/bench_coverage.py [--replicates 2000] [--seed 2024]``. The test suite runs a few hundred
replicates (``tests/survey/test_survey_coverage.py``) with a loose bound.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from danvan_analysis.survey import EstimationSettings, SurveyDesign, estimate
from danvan_analysis.survey.design import DesignWarning

#: Communes sampled per district (9 districts, 4 to 11), as in the project's design.
SAMPLED = (4, 5, 6, 7, 8, 9, 10, 11, 6)
FRACTION = 0.35


@dataclass(frozen=True)
class Population:
    """A finite population: per district its communes; per commune its adults' satisfaction (0/1) by village."""

    district: np.ndarray  # per commune
    satisfied: list[np.ndarray]  # per commune, one 0/1 per adult
    truth_district: np.ndarray
    truth_province: float
    communes_per_district: np.ndarray


def make_population(seed: int) -> Population:
    rng = np.random.default_rng(seed)
    n_districts = len(SAMPLED)
    big_n = np.round(np.array(SAMPLED) / FRACTION).astype(int)
    district = np.repeat(np.arange(n_districts), big_n)
    mu = rng.normal(1.1, 0.3, n_districts)
    satisfied = []
    for d in district:
        size = int(rng.integers(1500, 8001))
        villages = int(rng.integers(6, 13))
        village = rng.integers(0, villages, size)
        logit = mu[d] + rng.normal(0, 0.45) + rng.normal(0, 0.3, villages)[village]
        satisfied.append((rng.random(size) < 1 / (1 + np.exp(-logit))).astype(np.int8))
    totals = np.array([s.sum() for s in satisfied], dtype=float)
    sizes = np.array([len(s) for s in satisfied], dtype=float)
    truth = np.bincount(district, totals) / np.bincount(district, sizes)
    return Population(district, satisfied, truth, totals.sum() / sizes.sum(), big_n)


def draw_sample(pop: Population, rng: np.random.Generator, *, replace: bool) -> pd.DataFrame:
    """One two-stage sample with its design weights and sampling fractions."""
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("stratum", "psu", "satisfied", "weight", "f1", "f2")}
    for d, n_h in enumerate(SAMPLED):
        communes = np.flatnonzero(pop.district == d)
        big_n = len(communes)
        chosen = rng.choice(communes, size=n_h, replace=replace)
        for draw, c in enumerate(chosen):
            people = pop.satisfied[c]
            m = int(rng.integers(20, 41))
            cols["satisfied"].append(people[rng.choice(len(people), size=m, replace=False)])
            cols["stratum"].append(np.full(m, d))
            cols["psu"].append(np.full(m, draw))  # with replacement, a commune drawn twice is two PSUs
            cols["weight"].append(np.full(m, big_n / n_h * len(people) / m))
            cols["f1"].append(np.full(m, n_h / big_n))
            cols["f2"].append(np.full(m, m / len(people)))
    frame = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
    frame["district_code"] = frame["stratum"]
    frame["respondent_id"] = np.arange(len(frame))
    return frame


SCENARIOS: dict[str, tuple[bool, SurveyDesign, EstimationSettings]] = {
    "with replacement": (True, SurveyDesign(), EstimationSettings()),
    "with replacement, design df": (True, SurveyDesign(), EstimationSettings(df="design")),
    "with replacement, beta interval": (True, SurveyDesign(), EstimationSettings(ci_method="beta")),
    "without replacement, two-stage fpc": (
        False,
        SurveyDesign(fpc="f1", ssu="respondent_id", ssu_fpc="f2"),
        EstimationSettings(),
    ),
    "without replacement, fpc only": (False, SurveyDesign(fpc="f1"), EstimationSettings()),
    "without replacement, no fpc": (False, SurveyDesign(), EstimationSettings()),
}


def simulate(replicates: int, seed: int, scenarios: list[str] | None = None) -> pd.DataFrame:
    """Coverage per scenario: one row per scenario, province, pooled districts, and each district (by n_h)."""
    pop = make_population(seed)
    names = scenarios or list(SCENARIOS)
    hits = {name: np.zeros(len(SAMPLED) + 1) for name in names}
    rng = np.random.default_rng(seed + 1)
    for _ in range(replicates):
        samples = {True: draw_sample(pop, rng, replace=True), False: draw_sample(pop, rng, replace=False)}
        for name in names:
            replace, design, settings = SCENARIOS[name]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DesignWarning)
                result = estimate(
                    samples[replace],
                    design,
                    "satisfied",
                    kind="proportion",
                    by=[None, "district_code"],
                    settings=settings,
                ).to_frame()
            truth = 100 * np.r_[pop.truth_province, pop.truth_district]
            covered = (result["ci_low"].to_numpy() <= truth) & (truth <= result["ci_high"].to_numpy())
            hits[name] += covered
    rows = []
    for name in names:
        share = 100 * hits[name] / replicates
        row = {"scenario": name, "province": share[0], "districts pooled": share[1:].mean(), "lowest": share[1:].min()}
        row.update({f"{n_h} PSUs": share[1 + d] for d, n_h in enumerate(SAMPLED)})
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    start = time.perf_counter()
    table = simulate(args.replicates, args.seed)
    print(
        f"Coverage (%) of nominal 95 % intervals of the share satisfied, {args.replicates} samples, seed {args.seed} "
        f"({time.perf_counter() - start:.0f} s); Monte-Carlo SE about "
        f"{100 * np.sqrt(0.95 * 0.05 / args.replicates):.1f} points per district"
    )
    print(markdown(table))


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, numbers to one decimal."""
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(v if isinstance(v, str) else f"{v:.1f}" for v in row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
