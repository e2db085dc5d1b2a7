"""Synthetic data of a two-level year (from 01/07/2025): Thái Nguyên's 92 communes and wards, no district.

``danvan demo --year 2026`` (any year whose map is the two-level one) writes these instead of the 2023-map data of
:mod:`danvan_analysis.demo.reports` and :mod:`danvan_analysis.demo.survey`, with the same realism and the same seed
contract (each dataset and year its own random stream). There is no ``district_code`` column in any file.

Communes
--------
A new commune that took in communes of the 2023 map (``registers.crosswalk_to_2025_07``) has the adults, villages,
satisfaction and minority shares of those old communes in the 2023 demo profile (counts add; a commune divided
between new ones gives each an equal part). The communes of the former Bắc Kạn province have no 2023 predecessor in
the toolkit: their sizes are invented (lognormal, summing to 70 % of Bắc Kạn's 313,905 inhabitants of the 2019
census), mostly ethnic minorities (Tày, Nùng, Dao: about 87 %), slightly lower satisfaction.

Survey (``docs/methods.md``, "The survey design of a two-level year")
--------------------------------------------------------------------
**Strata = communes**, proportional allocation to adults with a floor (:data:`COMMUNE_FLOOR`, lower for small
samples), so every commune has a known sample size; **PSUs = villages**, :data:`VILLAGES_PER_COMMUNE` drawn by
systematic PPS within each commune (at least 2), respondents split evenly over them, π_i = π_v · n_v / A_v; weights
1/π ratio-calibrated to each commune's adults. ``stratum`` = commune code, ``psu`` = village code
(``<commune_code>-07``), no ``ssu``. Ratings and demographics come from the same latent model as the 2023 map's.

Report data
-----------
The province, the 92 communes and the provincial agencies report; communes report to Sở Nội vụ (submissions) and on
religious outreach (one row per commune × period × religion present) where districts did. Deliberate shortfalls as
in the 2023-map data: communes without a dialogue or a plan, a commune below 80 % of dignitaries informed, a hot spot
one year in three, followers of unlawful organisations growing in one commune, a late reporter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from danvan_analysis import vocab
from danvan_analysis.demo.common import (
    ADULT_SHARE,
    RELIGION_TOTALS,
    Profile,
    allocate,
    date_column,
    day_of,
    profile,
    rng_for,
    split_evenly,
    str_column,
)
from danvan_analysis.demo.reports import (
    _PERIODS,
    _text,
    generate_boards,
    generate_complaints,
    generate_dialogues,
    generate_indices,
)
from danvan_analysis.demo.survey import (
    _draw_people,
    _draw_priorities,
    _draw_ratings,
    _respondent_frame,
    _respondent_ids,
    _select_pps,
)
from danvan_analysis.errors import ParameterError
from danvan_analysis.registers import MAP_2023, crosswalk_to_2025_07, map_for, register_for
from danvan_analysis.units import using_register

#: Bắc Kạn's population at the 2019 census (GSO), merged into Thái Nguyên on 01/07/2025.
BAC_KAN_POPULATION_2019 = 313_905
#: Ethnic-minority share of Bắc Kạn's adults (2019 census: about 87 % Tày, Nùng, Dao, H'Mông …).
BAC_KAN_MINORITY_SHARE = 0.87
#: Smallest sample of a commune at the default size (a commune report then rests on a known n above the threshold).
COMMUNE_FLOOR = 40
#: Villages (PSUs) drawn in each commune.
VILLAGES_PER_COMMUNE = 4


def is_two_level(year: int) -> bool:
    """Whether ``year`` (its year-end) is on the two-level map."""
    try:
        return map_for(int(year)).two_level
    except ParameterError:
        return False


def min_respondents(year: int) -> int:
    """The smallest survey of the two-level design: 2 villages × 2 respondents in each commune."""
    return 4 * len(register_for(year).units("commune"))


@dataclass(frozen=True)
class TwoLevelProfile(Profile):
    """A :class:`~danvan_analysis.demo.common.Profile` whose strata ("districts") are the communes.

    Attributes (besides the profile's)
    ----------------------------------
    minority_share : ethnic-minority share of each commune's adults.
    bac_kan : whether the commune lies in the former Bắc Kạn province.
    """

    minority_share: np.ndarray | None = None
    bac_kan: np.ndarray | None = None


@cache
def two_level_profile(seed: int, map_id: str = "2025_07") -> TwoLevelProfile:
    """Draw the communes of the two-level map from the 2023 profile of ``seed`` (see the module docstring)."""
    with using_register(register_for(2023)):  # the 2023 profile, whatever register is in use
        old = profile(seed)
    rng = rng_for(seed, 0, "profile")
    rng = np.random.default_rng(rng.integers(2**32) + 2025)  # a stream of its own, drawn after the 2023 profile's
    reg = register_for(2026)
    communes = reg.units("commune")
    codes = [u.code for u in communes]
    index = {code: i for i, code in enumerate(codes)}
    n = len(codes)

    walk = crosswalk_to_2025_07(MAP_2023)
    walk = walk[walk["new_commune_code"].isin(index)]
    position = {code: i for i, code in enumerate(old.commune_codes)}
    adults = np.zeros(n)
    effect_sum = np.zeros(n)
    minority_sum = np.zeros(n)
    villages = np.zeros(n)
    share_by_district = {"164": 0.10, "165": 0.10, "167": 0.70, "168": 0.45, "169": 0.40, "170": 0.75,
                         "171": 0.45, "172": 0.15, "173": 0.18}  # fmt: skip
    old_villages = np.diff(old.village_start)
    for row in walk.itertuples():
        j = position.get(row.old_commune_code)
        if j is None:
            continue
        i, part = index[row.new_commune_code], 1.0 / max(int(row.n_new), 1)
        a = old.commune_adults[j] * part
        d = int(old.commune_district[j])
        adults[i] += a
        effect_sum[i] += a * (old.district_effect[d] + old.commune_effect[j])
        minority_sum[i] += a * share_by_district[old.district_codes[d]]
        villages[i] += old_villages[j] * part
    bac_kan = adults == 0
    k = int(bac_kan.sum())
    raw = rng.lognormal(0.0, 0.4, k)
    adults[bac_kan] = raw / raw.sum() * BAC_KAN_POPULATION_2019 * ADULT_SHARE
    effect = np.where(bac_kan, rng.normal(-0.15, 0.15, n), effect_sum / np.where(bac_kan, 1, adults))
    # One or two communes clearly lower (the scorecard and the commune table then have something to show).
    low = rng.choice(n, size=int(rng.integers(1, 3)), replace=False)
    effect[low] -= rng.uniform(0.45, 0.6, low.size)
    minority = np.where(bac_kan, BAC_KAN_MINORITY_SHARE, minority_sum / np.where(bac_kan, 1, adults))
    villages = np.where(bac_kan, rng.integers(12, 30, n), np.maximum(np.round(villages), 6)).astype(np.int64)
    village_start = np.concatenate([[0], np.cumsum(villages)])
    shares = rng.gamma(8.0, size=village_start[-1])
    totals = np.add.reduceat(shares, village_start[:-1])
    village_adults = shares / np.repeat(totals, villages) * np.repeat(adults, villages)
    frozen = _frozen
    return TwoLevelProfile(
        district_codes=tuple(codes),
        district_adults=frozen(np.round(adults).astype(np.int64)),
        district_effect=frozen(effect),
        low_districts=tuple(codes[i] for i in sorted(low)),
        commune_codes=tuple(codes),
        commune_names=tuple(u.name for u in communes),
        commune_types=tuple(u.type_name for u in communes),
        commune_district=frozen(np.arange(n)),
        commune_adults=frozen(adults),
        commune_effect=frozen(np.zeros(n)),
        commune_minority_offset=frozen(rng.normal(0.0, 0.5, n)),
        village_start=frozen(village_start),
        village_adults=frozen(village_adults),
        item_shift=old.item_shift,
        religion_laggard=codes[int(rng.integers(n))],
        hot_spot_district=codes[int(rng.choice(np.flatnonzero(bac_kan)))] if k else codes[0],
        hot_spot_phase=old.hot_spot_phase,
        unlawful_base=frozen(np.where(bac_kan | (minority > 0.5), rng.integers(5, 40, n), rng.integers(0, 3, n))),
        unlawful_rate=frozen(np.where(np.arange(n) == int(rng.choice(np.flatnonzero(minority > 0.5))), 1.2, 0.85)),
        dignitaries={},
        venues={},
        late_reporter=codes[int(rng.integers(n))],
        minority_share=frozen(np.clip(minority, 0.02, 0.97)),
        bac_kan=frozen(bac_kan),
    )


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values)
    out.setflags(write=False)
    return out


# -- survey -------------------------------------------------------------------------------------------------------
def generate_survey(year: int, *, respondents: int = 6000, seed: int = 2023) -> pd.DataFrame:
    """One year of survey microdata on the two-level map (strata = communes, PSUs = villages); no district_code."""
    smallest = min_respondents(year)
    if isinstance(respondents, bool) or not isinstance(respondents, (int, np.integer)) or respondents < smallest:
        raise ParameterError(
            f"respondents={respondents!r} is too small for the two-level demo design (92 communes as strata, "
            f"≥ 2 villages of ≥ 2 respondents each); expected an integer of at least {smallest}."
        )
    rng = rng_for(seed, year, "survey")
    prof = two_level_profile(seed)
    sample = _draw_sample(prof, rng, int(respondents))
    n = sample["district"].size
    people = _draw_people(prof, rng, sample, year)
    ratings, element_means = _draw_ratings(prof, rng, sample, people, year)
    priorities = _draw_priorities(rng, people, element_means)
    communes = str_column(sample["commune"], prof.commune_codes)
    columns: dict[str, object] = {
        "respondent_id": _respondent_ids(year, n),
        "year": np.full(n, year, dtype=np.int64),
        "commune_code": communes,
        "stratum": communes,
        "psu": str_column(sample["village"], sample["village_labels"]),
        "weight": sample["weight"],
    }
    return _respondent_frame(columns, people, ratings, priorities)


def _draw_sample(prof: TwoLevelProfile, rng: np.random.Generator, respondents: int) -> dict[str, object]:
    adults = prof.commune_adults.astype(float)
    count = adults.size
    floor = min(COMMUNE_FLOOR, respondents // count)
    n_c = floor + allocate(respondents - floor * count, adults)
    rows: list[tuple[int, int, int, float]] = []  # commune, village (global), n_v, π
    for c in range(count):
        first, stop = prof.village_start[c], prof.village_start[c + 1]
        m = int(max(2, min(VILLAGES_PER_COMMUNE, n_c[c] // 2, stop - first)))
        chosen, pi_v = _select_pps(prof.village_adults[first:stop], m, rng)
        for village, pi, n_v in zip(chosen + first, pi_v, split_evenly(n_c[c], chosen.size), strict=True):
            rows.append((c, int(village), int(n_v), float(pi * n_v / prof.village_adults[village])))
    commune, village, n_v, pi = (np.array(col) for col in zip(*rows, strict=True))
    weight = np.repeat(1.0 / pi, n_v)
    commune_r = np.repeat(commune, n_v)
    totals = np.bincount(commune_r, weights=weight, minlength=count)
    weight *= (adults / totals)[commune_r]
    local = village - prof.village_start[commune] + 1
    labels = [f"{prof.commune_codes[c]}-{v:02d}" for c, v in zip(commune, local, strict=True)]
    return {
        "district": commune_r,
        "commune": commune_r,
        "village": np.repeat(np.arange(village.size), n_v),
        "village_labels": labels,
        "weight": weight,
    }


# -- report data --------------------------------------------------------------------------------------------------
def _without_district(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["district_code"], errors="ignore")


def generate_religion(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Religious outreach per commune × period × religion present (the commune reports where the district did)."""
    rng = rng_for(seed, year, "religion")
    prof = two_level_profile(seed)
    presence = np.random.default_rng(seed + 7).random((len(prof.commune_codes), 3))
    p_present = np.column_stack([np.full(presence.shape[0], 0.9), np.where(prof.bac_kan, 0.15, 0.45),
                                 np.where(prof.minority_share > 0.5, 0.55, 0.15)])  # fmt: skip
    present = presence < p_present
    present[:, 0] |= ~present.any(axis=1)
    religions = tuple(RELIGION_TOTALS)
    weights = present * prof.commune_adults[:, None]
    rows = []
    for c, commune in enumerate(prof.commune_codes):
        end = prof.unlawful_base[c] * prof.unlawful_rate[c] ** (year - 2020)
        start = prof.unlawful_base[c] * prof.unlawful_rate[c] ** (year - 2021)
        unlawful = np.round(start + (end - start) * np.array([0.25, 0.5, 0.75, 1.0])).astype(np.int64)
        here = [r for j, r in enumerate(religions) if present[c, j]]
        carrier = "protestantism" if "protestantism" in here else here[0]
        hot = commune == prof.hot_spot_district and year % 3 == prof.hot_spot_phase
        for religion in here:
            j = religions.index(religion)
            people, places = RELIGION_TOTALS[religion]
            expected = 1.3 * people * weights[c, j] / weights[:, j].sum()
            total = max(2, round(expected * rng.uniform(0.7, 1.3)))
            if commune == prof.religion_laggard:
                final = int(np.floor(total * rng.uniform(0.55, 0.75)))
            else:
                final = int(np.ceil(total * rng.uniform(0.82, 0.99)))
            fraction = np.array([rng.uniform(0.30, 0.45), rng.uniform(0.55, 0.70), rng.uniform(0.80, 0.92), 1.0])
            informed = np.floor(final * fraction).astype(np.int64)
            venues = max(1, round(1.3 * places * weights[c, j] / weights[:, j].sum()))
            activities = np.cumsum(rng.poisson(0.6 * venues + 1, 4))
            hot_spots = np.array([0, 0, 1, 1]) if hot and religion == carrier else np.zeros(4, dtype=np.int64)
            followers = unlawful if religion == carrier else np.zeros(4, dtype=np.int64)
            for p, period in enumerate(_PERIODS):
                counts = (total, int(informed[p]), venues, int(activities[p]), int(hot_spots[p]), int(followers[p]))
                rows.append((year, period, commune, religion, *counts))
    columns = ["year", "period", "commune_code", "religion", "dignitaries_total", "dignitaries_informed", "venues",
               "registered_activities", "hot_spots", "unlawful_followers"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        text = column in ("period", "commune_code", "religion")
        frame[column] = frame[column].astype("str" if text else "int64")
    return frame


def generate_plans(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Whether each agency and commune issued its plan (agencies in January–February, communes by 31 March)."""
    rng = rng_for(seed, year, "plans")
    reg = register_for(year)
    agencies, communes = reg.units("agency"), reg.units("commune")
    units = [*agencies, *communes]
    kinds = ["agency"] * len(agencies) + ["commune"] * len(communes)
    days = np.concatenate(
        [
            rng.integers(day_of(year, 1, 8), day_of(year, 2, 28) + 1, len(agencies)),
            rng.integers(day_of(year, 1, 20), day_of(year, 3, 31) + 1, len(communes)),
        ]
    )
    numbers = np.concatenate([rng.integers(5, 90, len(agencies)), rng.integers(3, 61, len(communes))])
    issued = np.ones(len(units), dtype=bool)
    issued[len(agencies) + rng.choice(len(communes), size=2, replace=False)] = False
    if rng.random() < 0.5:
        issued[rng.integers(len(agencies))] = False
    document = [
        f"{num}/KH-{u.code if kind == 'agency' else 'UBND'}" if ok else None
        for u, kind, num, ok in zip(units, kinds, numbers, issued, strict=True)
    ]
    return pd.DataFrame(
        {
            "year": np.full(len(units), year, dtype=np.int64),
            "unit_code": _text([u.code for u in units]),
            "unit_kind": _text(kinds),
            "issued": issued,
            "document_number": _text(document),
            "issue_date": date_column(year, np.where(issued, days, -1)),
        }
    )


def generate_inspections(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """Inspections by Sở Nội vụ of 6–12 communes and sometimes one agency (April–November)."""
    rng = rng_for(seed, year, "inspections")
    reg = register_for(year)
    communes = [u.code for u in reg.units("commune")]
    inspected = list(rng.choice(communes, size=int(rng.integers(6, 13)), replace=False))
    if rng.random() < 0.5:
        inspected.append(str(rng.choice([u.code for u in reg.units("agency") if u.code != "SNV"])))
    n = len(inspected)
    return pd.DataFrame(
        {
            "inspection_id": _text([f"{year}-SNV-{k + 1:02d}" for k in range(n)]),
            "year": np.full(n, year, dtype=np.int64),
            "inspecting_unit_code": _text(["SNV"] * n),
            "inspected_unit_code": _text([str(c) for c in inspected]),
            "date": date_column(year, rng.integers(day_of(year, 4, 1), day_of(year, 11, 30) + 1, n)),
            "scope": str_column(rng.choice(3, n, p=[0.35, 0.25, 0.40]), vocab.InspectionScope.codes()),
        }
    )


def generate_submissions(year: int, *, seed: int = 2023) -> pd.DataFrame:
    """When each commune's and agency's periodic report reached Sở Nội vụ (6 % late, 2 % never)."""
    rng = rng_for(seed, year, "submissions")
    prof = two_level_profile(seed)
    reg = register_for(year)
    units = [*prof.commune_codes, *(u.code for u in reg.units("agency"))]
    n = len(units) * len(_PERIODS)
    unit = np.repeat(np.arange(len(units)), len(_PERIODS))
    period = np.tile(np.arange(len(_PERIODS)), len(units))
    deadline = np.array([day_of(year, vocab.Period(p).deadline(year).month, 15) for p in _PERIODS])[period]
    p_late = np.where(np.array(units)[unit] == prof.late_reporter, 0.5, 0.06)
    offset = np.where(rng.random(n) < p_late, rng.integers(1, 8, n), -rng.integers(0, 11, n))
    days = np.where(rng.random(n) < 0.02, -1, deadline + offset)
    return pd.DataFrame(
        {
            "year": np.full(n, year, dtype=np.int64),
            "unit_code": str_column(unit, units),
            "period": str_column(period, _PERIODS),
            "date_received": date_column(year, days),
        }
    )


def generate_year(year: int, *, respondents: int = 6000, seed: int = 2023) -> dict[str, pd.DataFrame]:
    """Every dataset of one two-level year, keyed in the data contract's order."""
    with using_register(register_for(year)):
        return {
            "survey": generate_survey(year, respondents=respondents, seed=seed),
            "dialogues": _without_district(generate_dialogues(year, seed=seed)),
            "religion": generate_religion(year, seed=seed),
            "complaints": _without_district(generate_complaints(year, seed=seed)),
            "boards": _without_district(generate_boards(year, seed=seed)),
            "plans": generate_plans(year, seed=seed),
            "inspections": generate_inspections(year, seed=seed),
            "submissions": generate_submissions(year, seed=seed),
            "indices": generate_indices(year, seed=seed),
        }
