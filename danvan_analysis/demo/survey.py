"""Synthetic SIPAS-style citizen survey: a stratified three-stage sample with a latent satisfaction model.

Design (one year)
-----------------
* **Strata** are the 9 districts. Respondents are allocated by the *square-root rule*
  (n_h ∝ √N_h, Kish's compromise between proportional and equal allocation), so small districts are over-sampled
  and weights differ between districts, as in real provincial surveys.
* **PSUs** are communes, drawn by systematic PPS (probability proportional to adult population) after taking large
  communes with certainty: m_h = round(:data:`PSU_TOTAL` · N_h / N), at least 2 and at most all communes, and fewer
  for tiny samples (m_h ≤ n_h / 4, never below 2). π_j = m_h · size_j / N_h.
* **SSUs** are villages (thôn, xóm, tổ dân phố; codes ``<commune_code>-07``): min(:data:`VILLAGES_PER_PSU`, n_j)
  villages by simple random sampling, π_v|j = k_j / V_j.
* **Respondents**: n_h split evenly over the PSUs and then over the villages; π_i|v = n_v / A_v (A_v the village's
  adults; it exceeds 1 only in benchmark-sized samples larger than the population).
* **Weights** are 1 / (π_j π_v|j π_i|v), then ratio-calibrated within each district so that they sum exactly to the
  district's adult population (:data:`~danvan_analysis.demo.common.ADULT_SHARE` × 2019 census).

Ratings
-------
A latent-variable (cumulative-probit) model: η_ik = trend·(year − 2021) + district effect + commune effect +
respondent effect + element easiness + item shift + demographic effects (ethnic minorities lower on policy
information and participation; online users higher on access and procedures; older respondents more, university
graduates less satisfied) + N(0, 0.75²) noise, cut at fixed thresholds into 1–5. The thresholds are set so that
the province's overall index (share answering 4–5) is about 84 % in 2021 rising to about 89 % in 2023, close to the
published SIPAS (86.26 % in 2022, 90.29 % in 2023), with one or two districts clearly lower. On top: "don't know"
(code 9, 3–9 % on policy items, 1–4 % on service items, more among respondents with primary education), item
non-response (<NA>, 1.2 %), 5 % of respondents skipping the policy block and 3 % the service block. Improvement
priorities: 1–3 areas ticked, chosen by the Gumbel-top-k trick with log-weights that grow as the respondent's
rating of the related element falls; 2 % leave the question blank (<NA>).

Everything is vectorised over respondents; the only Python loops run over districts, PSUs and the 33 items.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.demo.common import (
    BASE_YEAR,
    MINORITY_SHARE,
    Profile,
    allocate,
    profile,
    rng_for,
    split_evenly,
    str_column,
)
from danvan_analysis.errors import ParameterError
from danvan_analysis.paths import package_data

#: Target number of communes sampled in the province (spread over districts by adult population).
PSU_TOTAL = 72
#: Villages sampled in each sampled commune (fewer when the commune has fewer respondents).
VILLAGES_PER_PSU = 4
#: Smallest sample the design supports (every district then has ≥ 2 communes with ≥ 2 respondents each).
MIN_RESPONDENTS = 100

# Cut points of the latent scale into ratings 1|2, 2|3, 3|4, 4|5.
_CUTS = np.array([-2.3, -1.76, -1.08, 0.6], dtype=np.float32)
_TREND_PER_YEAR = 0.12
_RESPONDENT_SD = 0.55
_NOISE_SD = 0.75
_ITEM_MISSING = 0.012
_SKIP_POLICY, _SKIP_SERVICE, _SKIP_PRIORITIES = 0.05, 0.03, 0.02
_ELEMENTS = ("P1", "P2", "P3", "P4", "S1", "S2", "S3", "S4", "S5")
# Per element: easiness, P(don't know), minority effect, online effect, urban effect.
_ELEMENT_PARAMS = {
    "P1": (-0.05, 0.030, -0.30, 0.10, 0.00),
    "P2": (-0.25, 0.060, -0.25, 0.00, -0.10),
    "P3": (-0.10, 0.080, -0.05, 0.00, 0.00),
    "P4": (-0.15, 0.090, -0.05, 0.00, 0.00),
    "S1": (0.15, 0.010, -0.05, 0.25, 0.10),
    "S2": (0.05, 0.015, -0.05, 0.20, 0.05),
    "S3": (0.25, 0.010, -0.05, -0.05, 0.00),
    "S4": (0.20, 0.015, -0.05, 0.10, 0.00),
    "S5": (-0.10, 0.040, -0.05, 0.00, 0.00),
}
# Latent shift by age group (18-29, 30-44, 45-59, 60+) and education (primary … university).
_AGE_EFFECT = np.array([-0.05, 0.0, 0.05, 0.15], dtype=np.float32)
_EDU_EFFECT = np.array([0.10, 0.05, 0.0, -0.05, -0.20], dtype=np.float32)
# Don't-know propensity multiplier by education.
_EDU_DONT_KNOW = np.array([1.6, 1.2, 1.0, 0.9, 0.7], dtype=np.float32)

_SEX_P = np.array([[0.47, 0.53]])
_AGE_P = np.array([[0.20, 0.33, 0.29, 0.18]])
# Education by area (urban, rural) × age group; rows of vocab.Education order.
_EDUCATION_P = np.array(
    [
        [0.02, 0.10, 0.35, 0.20, 0.33],
        [0.04, 0.15, 0.30, 0.20, 0.31],
        [0.08, 0.25, 0.32, 0.15, 0.20],
        [0.20, 0.35, 0.25, 0.10, 0.10],
        [0.05, 0.30, 0.40, 0.15, 0.10],
        [0.10, 0.40, 0.30, 0.12, 0.08],
        [0.20, 0.45, 0.22, 0.08, 0.05],
        [0.45, 0.38, 0.10, 0.04, 0.03],
    ]
)
# Occupation by area × age group; columns in vocab.Occupation order.
_OCCUPATION_P = np.array(
    [
        [0.05, 0.30, 0.15, 0.20, 0.20, 0.00, 0.10],
        [0.08, 0.30, 0.22, 0.28, 0.00, 0.00, 0.12],
        [0.12, 0.22, 0.20, 0.30, 0.00, 0.04, 0.12],
        [0.12, 0.03, 0.02, 0.15, 0.00, 0.58, 0.10],
        [0.35, 0.35, 0.05, 0.08, 0.10, 0.00, 0.07],
        [0.50, 0.25, 0.07, 0.10, 0.00, 0.00, 0.08],
        [0.60, 0.12, 0.07, 0.10, 0.00, 0.03, 0.08],
        [0.55, 0.01, 0.01, 0.05, 0.00, 0.30, 0.08],
    ]
)
# Improvement priorities (vocab.PriorityArea order): related element and baseline log-weight.
_PRIORITY_ELEMENT = ("P1", "P2", "S2", "S4", "S3", "S1", "S1", "S5")
_PRIORITY_BASE = np.array([0.0, -0.2, 0.3, 0.4, -0.3, -0.5, 0.1, -0.2])
_PRIORITY_COUNT_P = np.array([[0.30, 0.45, 0.25]])


@cache
def _item_elements() -> tuple[str, ...]:
    """Return the element code of each of the 33 items, from the shipped SIPAS item table."""
    table = pd.read_csv(package_data("sipas_items.csv"), dtype=str)
    return tuple(table.set_index("item").loc[vocab.ITEMS, "element"])


def generate_survey(year: int, *, respondents: int = 6000, seed: int = 2023) -> pd.DataFrame:
    """Return one year of synthetic survey microdata (one row per respondent); see the module docstring.

    Parameters
    ----------
    year : survey year.
    respondents : respondents in the whole province (at least :data:`MIN_RESPONDENTS`).
    seed : random seed; the same (year, respondents, seed) gives the same frame.

    Returns
    -------
    pandas.DataFrame
        Columns of the ``survey`` contract (docs/design.md): codes and enum codes as ``str``, ``year`` int64,
        ``weight`` float64, ``q01``–``q33`` ``Int8`` (1–5, 9 = don't know, <NA> = missing), ``pr_<area>``
        ``boolean``.
    """
    if isinstance(respondents, bool) or not isinstance(respondents, (int, np.integer)):
        raise ParameterError(f"respondents must be an integer; got {respondents!r}.")
    if respondents < MIN_RESPONDENTS:
        raise ParameterError(
            f"respondents={respondents} is too small for the demo design (9 strata, ≥ 2 communes each); "
            f"expected at least {MIN_RESPONDENTS}."
        )
    rng = rng_for(seed, year, "survey")
    prof = profile(seed)
    sample = _draw_sample(prof, rng, int(respondents))
    n = sample["district"].size
    people = _draw_people(prof, rng, sample, year)
    ratings, element_means = _draw_ratings(prof, rng, sample, people, year)
    priorities = _draw_priorities(rng, people, element_means)

    villages = sample["village_labels"]
    columns: dict[str, object] = {
        "respondent_id": _respondent_ids(year, n),
        "year": np.full(n, year, dtype=np.int64),
        "district_code": str_column(sample["district"], prof.district_codes),
        "commune_code": str_column(sample["commune"], prof.commune_codes),
        "stratum": str_column(sample["district"], prof.district_codes),
        "psu": str_column(sample["commune"], prof.commune_codes),
        "ssu": str_column(sample["village"], villages),
        "weight": sample["weight"],
    }
    return _respondent_frame(columns, people, ratings, priorities)


def _respondent_frame(
    design: dict[str, object], people: dict[str, np.ndarray], ratings: dict[str, object], priorities: dict[str, object]
) -> pd.DataFrame:
    """The survey frame: the design columns, then the person's characteristics as codes, the ratings, the
    priorities (the contract's column order, on every map)."""
    columns = dict(design)
    for name, enum in (
        ("sex", vocab.Sex),
        ("age_group", vocab.AgeGroup),
        ("ethnicity", vocab.Ethnicity),
        ("education", vocab.Education),
        ("occupation", vocab.Occupation),
        ("area", vocab.Area),
        ("channel", vocab.Channel),
    ):
        columns[name] = str_column(people[name], enum.codes())
    columns.update(ratings)
    columns.update(priorities)
    return pd.DataFrame(columns, copy=False)


def _draw_sample(prof: Profile, rng: np.random.Generator, respondents: int) -> dict[str, np.ndarray]:
    """Select communes and villages and return respondent-level design arrays (district, commune, village, weight)."""
    adults = prof.district_adults.astype(float)
    n_h = allocate(respondents, np.sqrt(adults))
    n_communes = np.bincount(prof.commune_district, minlength=adults.size)
    m_h = np.clip(np.round(PSU_TOTAL * adults / adults.sum()).astype(np.int64), 2, n_communes)
    m_h = np.maximum(2, np.minimum(m_h, n_h // 4))

    village_rows: list[tuple[int, int, int, int, float]] = []  # district, commune, village (global), n_v, π
    for h in range(adults.size):
        members = np.flatnonzero(prof.commune_district == h)
        chosen, pi_psu = _select_pps(prof.commune_adults[members], int(m_h[h]), rng)
        for commune, pi_j, n_j in zip(members[chosen], pi_psu, split_evenly(n_h[h], chosen.size), strict=True):
            first, stop = prof.village_start[commune], prof.village_start[commune + 1]
            k = int(min(VILLAGES_PER_PSU, n_j, stop - first))
            picked = np.sort(rng.choice(stop - first, size=k, replace=False)) + first
            for village, n_v in zip(picked, split_evenly(n_j, k), strict=True):
                pi = pi_j * (k / (stop - first)) * (n_v / prof.village_adults[village])
                village_rows.append((h, int(commune), int(village), int(n_v), float(pi)))

    district, commune, village, n_v, pi = (np.array(col) for col in zip(*village_rows, strict=True))
    weight = np.repeat(1.0 / pi, n_v)
    district_r = np.repeat(district, n_v)
    # Ratio calibration to the district's adult population (the design weights' sum is already close to it).
    totals = np.bincount(district_r, weights=weight, minlength=adults.size)
    weight *= (adults / totals)[district_r]
    # Village labels are built only for the few hundred sampled villages; rows index into them.
    local = village - prof.village_start[commune] + 1
    labels = [f"{prof.commune_codes[c]}-{v:02d}" for c, v in zip(commune, local, strict=True)]
    return {
        "district": district_r,
        "commune": np.repeat(commune, n_v),
        "village": np.repeat(np.arange(village.size), n_v),
        "village_labels": labels,
        "weight": weight,
    }


def _select_pps(sizes: np.ndarray, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Systematic PPS selection of ``m`` units with certainty units; return (indices, inclusion probabilities)."""
    count = sizes.size
    if m >= count:
        return np.arange(count), np.ones(count)
    certain = np.zeros(count, dtype=bool)
    while True:
        m_rest = m - int(certain.sum())
        pi = np.where(certain, 1.0, m_rest * sizes / sizes[~certain].sum())
        newly = ~certain & (pi >= 1.0)
        if not newly.any():
            break
        certain |= newly
    # Random order before the systematic pass, so neighbours in the register are not favoured.
    rest = rng.permutation(np.flatnonzero(~certain))
    cumulative = np.cumsum(pi[rest])
    points = rng.uniform() + np.arange(m_rest)
    hits = rest[np.minimum(np.searchsorted(cumulative, points, side="right"), rest.size - 1)]
    chosen = np.sort(np.concatenate([np.flatnonzero(certain), hits]))
    return chosen, pi[chosen]


def _draw_categories(
    rng: np.random.Generator, probabilities: np.ndarray, group: np.ndarray | None, n: int
) -> np.ndarray:
    """Draw category codes row by row from ``probabilities[group]`` (one row of probabilities per group)."""
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(n)
    rows = cumulative[group] if group is not None else cumulative[0]
    return (u[:, None] > rows).sum(axis=1).astype(np.int8)


def _draw_people(prof: Profile, rng: np.random.Generator, sample: dict[str, np.ndarray], year: int) -> dict:
    """Draw demographics (as integer codes in vocab order) for every respondent."""
    n = sample["district"].size
    commune = sample["commune"]
    urban_commune = np.isin(np.array(prof.commune_types), ["Phường", "Thị trấn"])
    area = np.where(urban_commune[commune], 0, 1).astype(np.int8)  # vocab.Area: urban, rural
    urban = area == 0
    sex = _draw_categories(rng, _SEX_P, None, n)
    age = _draw_categories(rng, _AGE_P, None, n)
    share = getattr(prof, "minority_share", None)
    if share is None:
        share = np.array([MINORITY_SHARE[d] for d in prof.district_codes])
    logit = np.log(share / (1 - share))[sample["district"]] + prof.commune_minority_offset[commune] - 0.5 * urban
    ethnicity = (rng.random(n) < _expit(logit)).astype(np.int8)
    group = (area * 4 + age).astype(np.int64)
    education = _draw_categories(rng, _EDUCATION_P, group, n)
    occupation = _draw_categories(rng, _OCCUPATION_P, group, n)
    online_logit = (
        -1.9 + 0.45 * (year - BASE_YEAR) + 0.7 * urban + np.array([0.5, 0.2, -0.3, -1.0])[age] + 0.5 * (education >= 3)
    )
    channel = (rng.random(n) < _expit(online_logit)).astype(np.int8)
    return {
        "sex": sex,
        "age_group": age,
        "ethnicity": ethnicity,
        "education": education,
        "occupation": occupation,
        "area": area,
        "channel": channel,
    }


def _draw_ratings(
    prof: Profile, rng: np.random.Generator, sample: dict[str, np.ndarray], people: dict, year: int
) -> tuple[dict[str, pd.arrays.IntegerArray], dict[str, np.ndarray]]:
    """Draw q01–q33 from the latent model; also return each respondent's mean valid rating per element."""
    n = sample["district"].size
    base = (
        _TREND_PER_YEAR * (year - BASE_YEAR)
        + prof.district_effect[sample["district"]]
        + prof.commune_effect[sample["commune"]]
        + _AGE_EFFECT[people["age_group"]]
        + _EDU_EFFECT[people["education"]]
    ).astype(np.float32) + rng.normal(0.0, _RESPONDENT_SD, n).astype(np.float32)
    minority = people["ethnicity"] == 1
    online = people["channel"] == 1
    urban = people["area"] == 0
    dont_know_scale = _EDU_DONT_KNOW[people["education"]]
    block = rng.random(n)
    skip = {"policy": block < _SKIP_POLICY, "service": (block >= _SKIP_POLICY) & (block < _SKIP_POLICY + _SKIP_SERVICE)}

    sums = {e: np.zeros(n, dtype=np.float32) for e in _ELEMENTS}
    counts = {e: np.zeros(n, dtype=np.float32) for e in _ELEMENTS}
    ratings: dict[str, pd.arrays.IntegerArray] = {}
    for k, (item, element) in enumerate(zip(vocab.ITEMS, _item_elements(), strict=True)):
        easiness, dont_know, minority_fx, online_fx, urban_fx = _ELEMENT_PARAMS[element]
        eta = base + np.float32(easiness + prof.item_shift[k])
        eta += np.float32(minority_fx) * minority + np.float32(online_fx) * online + np.float32(urban_fx) * urban
        eta += rng.standard_normal(n, dtype=np.float32) * np.float32(_NOISE_SD)
        values = (np.searchsorted(_CUTS, eta) + 1).astype(np.int8)
        u = rng.random(n, dtype=np.float32)
        p_dont_know = np.float32(dont_know) * dont_know_scale
        values[u < p_dont_know] = vocab.DONT_KNOW
        missing = ((u >= p_dont_know) & (u < p_dont_know + _ITEM_MISSING)) | skip["policy" if k < 14 else "service"]
        valid = ~missing & (values != vocab.DONT_KNOW)
        sums[element] += np.where(valid, values, 0)
        counts[element] += valid
        ratings[item] = pd.arrays.IntegerArray(values, missing)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = {e: sums[e] / counts[e] for e in _ELEMENTS}
    return ratings, means


def _draw_priorities(
    rng: np.random.Generator, people: dict, element_means: dict[str, np.ndarray]
) -> dict[str, pd.arrays.BooleanArray]:
    """Tick 1–3 improvement priorities per respondent (Gumbel-top-k over rating-dependent log-weights)."""
    n = people["sex"].size
    log_weight = np.tile(_PRIORITY_BASE, (n, 1))
    for j, element in enumerate(_PRIORITY_ELEMENT):
        # Below "satisfied" (4) the area becomes likelier; a respondent who did not rate it keeps the baseline.
        log_weight[:, j] += 0.7 * np.nan_to_num(np.clip(4.0 - element_means[element], 0.0, None))
    online_services = vocab.PriorityArea.codes().index("online_services")
    log_weight[:, online_services] += 0.4 * (people["channel"] == 1)
    keys = log_weight + rng.gumbel(size=log_weight.shape)
    ticks = 1 + _draw_categories(rng, _PRIORITY_COUNT_P, None, n)
    # Top-k by repeated arg-max (k ≤ 3): cheaper than ranking all 8 areas of every respondent.
    ticked = np.zeros(keys.shape, dtype=bool)
    rows = np.arange(n)
    for step in range(int(ticks.max())):
        best = keys.argmax(axis=1)
        ticked[rows, best] = step < ticks
        keys[rows, best] = -np.inf
    blank = rng.random(n) < _SKIP_PRIORITIES
    return {
        column: pd.arrays.BooleanArray(np.ascontiguousarray(ticked[:, j]), blank.copy())
        for j, column in enumerate(vocab.PRIORITY_COLUMNS)
    }


def _respondent_ids(year: int, n: int) -> pd.api.extensions.ExtensionArray:
    """Return ``"<year>-0000001"`` … built from digit bytes in numpy (no Python string per row)."""
    width = max(7, len(str(n)))
    numbers = np.arange(1, n + 1, dtype=np.int64)
    digits = (numbers[:, None] // 10 ** np.arange(width - 1, -1, -1) % 10 + ord("0")).astype(np.uint8)
    prefix = np.frombuffer(f"{year}-".encode("ascii"), dtype=np.uint8)
    raw = np.hstack([np.broadcast_to(prefix, (n, prefix.size)), digits])
    return pd.array(raw.view(f"S{raw.shape[1]}").ravel().astype(f"U{raw.shape[1]}"), dtype="str")


def _expit(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of ``x``."""
    return 1.0 / (1.0 + np.exp(-x))
