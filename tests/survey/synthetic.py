"""Seeded synthetic SIPAS-style surveys that follow the survey contract of docs/design.md.

Stratified (district = stratum), clustered (commune = PSU, village = SSU), unequal weights, ratings 1-5 with
9 = don't know and <NA> = missing, whole skipped blocks, nullable boolean priority columns. Used by the survey tests
and, when ``danvan_analysis.demo`` is not available, by ``benchmarks/bench_estimation.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from danvan_analysis.vocab import (
    ITEMS,
    PRIORITY_COLUMNS,
    AgeGroup,
    Education,
    Occupation,
    Sex,
)


def small_units(n_districts: int = 3, communes: tuple[int, ...] = (3, 4, 5)) -> list[tuple[str, list[str]]]:
    """Synthetic district/commune codes: ``[("801", ["80101", ...]), ...]``."""
    return [
        (f"{801 + d}", [f"{801 + d}{c + 1:02d}" for c in range(communes[d % len(communes)])])
        for d in range(n_districts)
    ]


def make_survey(
    *,
    respondents: int = 1500,
    seed: int = 0,
    year: int = 2023,
    units: list[tuple[str, list[str]]] | None = None,
    villages: tuple[int, int] = (3, 7),
) -> pd.DataFrame:
    """Return a synthetic survey data frame (one row per respondent)."""
    rng = np.random.default_rng(seed)
    units = units or small_units()
    districts = np.array([d for d, cs in units for _ in cs])
    communes = np.array([c for _, cs in units for c in cs])
    n_communes = len(communes)
    size = rng.uniform(0.5, 1.5, n_communes)
    alloc = rng.multinomial(respondents - 3 * n_communes, size / size.sum()) + 3
    commune_idx = np.repeat(np.arange(n_communes), alloc)
    n = len(commune_idx)
    n_villages = rng.integers(villages[0], villages[1] + 1, n_communes)
    village = (rng.random(n) * n_villages[commune_idx]).astype(np.int64) + 1

    district_of = districts[commune_idx]
    district_codes, district_idx = np.unique(district_of, return_inverse=True)
    district_pop = rng.uniform(50_000, 300_000, len(district_codes))
    district_n = np.bincount(district_idx)
    commune_factor = rng.lognormal(0, 0.3, n_communes)
    weight = (district_pop / district_n)[district_idx] * commune_factor[commune_idx] * rng.uniform(0.7, 1.3, n)

    urban_share = rng.uniform(0.05, 0.9, n_communes)
    area = np.where(rng.random(n) < urban_share[commune_idx], "urban", "rural")
    minority_share = rng.uniform(0.05, 0.6, len(district_codes))
    ethnicity = np.where(rng.random(n) < minority_share[district_idx], "minority", "kinh")
    channel = np.where(rng.random(n) < 0.3, "online", "in_person")
    sex = rng.choice(Sex.codes(), n)
    age = rng.choice(AgeGroup.codes(), n, p=[0.22, 0.3, 0.28, 0.2])
    education = rng.choice(Education.codes(), n, p=[0.2, 0.3, 0.25, 0.12, 0.13])
    occupation = rng.choice(Occupation.codes(), n)

    theta = (
        rng.normal(0, 0.3, len(district_codes))[district_idx]
        + rng.normal(0, 0.35, n_communes)[commune_idx]
        + 0.25 * (area == "urban")
        - 0.3 * (channel == "online")
        + 0.2 * (age == "60+")
        - 0.15 * (ethnicity == "minority")
        + rng.normal(0, 0.7, n)
    )
    item_effect = rng.normal(0, 0.35, len(ITEMS))
    skip_policy = rng.random(n) < 0.05
    skip_service = rng.random(n) < 0.08
    columns: dict[str, object] = {
        "respondent_id": [f"{year}-{i:07d}" for i in range(n)],
        "year": np.full(n, year, dtype=np.int64),
        "district_code": district_of,
        "commune_code": communes[commune_idx],
        "stratum": district_of,
        "psu": communes[commune_idx],
        "ssu": pd.Series(communes[commune_idx]).str.cat(pd.Series(village.astype(str)), sep="-").to_numpy(),
        "weight": weight,
        "sex": sex,
        "age_group": age,
        "ethnicity": ethnicity,
        "education": education,
        "occupation": occupation,
        "area": area,
        "channel": channel,
    }
    for k, item in enumerate(ITEMS):
        rating = np.clip(np.rint(3.7 + theta + item_effect[k] + rng.normal(0, 0.8, n)), 1, 5).astype(np.int8)
        rating[rng.random(n) < 0.04] = 9
        missing = rng.random(n) < 0.02
        missing |= skip_policy if k < 14 else skip_service
        columns[item] = pd.arrays.IntegerArray(rating, missing)
    base = rng.uniform(0.1, 0.45, len(PRIORITY_COLUMNS))
    for j, col in enumerate(PRIORITY_COLUMNS):
        ticked = rng.random(n) < base[j]
        columns[col] = pd.arrays.BooleanArray(ticked, rng.random(n) < 0.03)
    frame = pd.DataFrame(columns)
    for col in (
        "respondent_id",
        "district_code",
        "commune_code",
        "stratum",
        "psu",
        "ssu",
        "sex",
        "age_group",
        "ethnicity",
        "education",
        "occupation",
        "area",
        "channel",
    ):
        frame[col] = frame[col].astype("str")
    return frame
