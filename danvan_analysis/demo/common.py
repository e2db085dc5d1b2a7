"""Shared machinery of the demo generator: random streams, the province profile, column builders.

Design
------
Every dataset of every year draws from its own random stream, ``SeedSequence([seed, year, stream])``, so a year's
data do not depend on which other years or datasets are generated in the same call (generating 2023 alone gives the
same 2023 files as generating 2021–2023). What must stay stable *across* years (a district's satisfaction level, the
communes' sizes and villages, which district lags on religious outreach, whose followers of unlawful organisations
grow) lives in a :class:`Profile` drawn once per seed from the stream ``[seed, 0, 0]``.

Population figures are the 2019 census by district (``data/district_population_2019.csv``, see its ``source``
column); adults (18+) are assumed to be :data:`ADULT_SHARE` = 70 % of each district's population in every year.
Commune and village sizes are **invented** (no per-commune figures were available): lognormal commune sizes scaled to
the district total, larger for wards and townships, split into villages by a Dirichlet draw.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from danvan_analysis.errors import ParameterError
from danvan_analysis.paths import package_data
from danvan_analysis.registers import MAP_2025_01, crosswalk_2023_to_2025_01, register_for
from danvan_analysis.text import nfc
from danvan_analysis.units import register

#: Assumed share of adults (18+) in every district's population (2019 census age structure: about 70–72 %).
ADULT_SHARE = 0.70
#: Year in which the latent trends of the demo data are zero.
BASE_YEAR = 2021
#: Random stream of each dataset; the numbers are part of the seed contract (changing one changes the files).
STREAMS = {
    "profile": 0,
    "survey": 1,
    "dialogues": 2,
    "religion": 3,
    "complaints": 4,
    "boards": 5,
    "plans": 6,
    "inspections": 7,
    "submissions": 8,
}
#: Ethnic-minority share of adults by district (plausible values consistent with the province's ~30 % in 2019:
#: Võ Nhai and Định Hóa mostly Tày, Nùng, Dao, H'Mông; Sán Dìu communities in Phổ Yên and Phú Bình).
MINORITY_SHARE = {
    "164": 0.10,
    "165": 0.10,
    "167": 0.70,
    "168": 0.45,
    "169": 0.40,
    "170": 0.75,
    "171": 0.45,
    "172": 0.15,
    "173": 0.18,
}
#: Religions present in each district (Báo Thái Nguyên, 07/2019: Buddhism everywhere; Catholic parishes in the
#: lowland districts and cities; Protestant groups mostly in the mountain districts).
RELIGIONS_PRESENT = {
    "164": ("buddhism", "catholicism", "protestantism"),
    "165": ("buddhism", "catholicism"),
    "167": ("buddhism", "protestantism"),
    "168": ("buddhism", "catholicism", "protestantism"),
    "169": ("buddhism", "catholicism", "protestantism"),
    "170": ("buddhism", "protestantism"),
    "171": ("buddhism", "catholicism", "protestantism"),
    "172": ("buddhism", "catholicism"),
    "173": ("buddhism", "catholicism"),
}
#: Province totals of dignitaries and lay officials (chức sắc, chức việc) and of venues, by religion (rounded from
#: Báo Thái Nguyên 07/2019: Buddhism 48 clergy + ~1,000 officials, 177 places of worship; Catholicism 17 priests
#: + ~300 officials, 9 parishes + 55 sub-parishes; Protestantism 20 clergy, 3 churches + 33 groups).
RELIGION_TOTALS = {
    "buddhism": (1050, 177),
    "catholicism": (320, 64),
    "protestantism": (60, 36),
}
_MOUNTAIN = ("167", "168", "169", "170", "171")


#: Years the demo generator accepts (the unit register is 2023's; other years reuse it).
YEAR_RANGE = (2000, 2100)


def rng_for(seed: int, year: int, stream: str) -> np.random.Generator:
    """Return the random generator of one dataset and year (independent of every other stream).

    Raises
    ------
    ParameterError
        If ``seed`` is not a non-negative integer or ``year`` is not an integer in :data:`YEAR_RANGE`.
    """
    if not _is_int(seed) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer; got {seed!r}.")
    if stream != "profile" and (not _is_int(year) or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]):
        raise ParameterError(f"year must be an integer from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}; got {year!r}.")
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(year), STREAMS[stream]]))


def _is_int(value: object) -> bool:
    """True for Python and numpy integers, but not for booleans."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def district_population() -> pd.DataFrame:
    """Return the shipped 2019 census table by district with an ``adults`` column (population × ADULT_SHARE).

    Returns
    -------
    pandas.DataFrame
        ``district_code``, ``district_name``, ``population_2019`` (int64), ``derived``, ``source``, ``note`` and
        ``adults`` (int64, rounded), one row per district in register order; a fresh copy on every call.
    """
    return _population_table().copy()


@cache
def _population_table() -> pd.DataFrame:
    table = pd.read_csv(package_data("district_population_2019.csv"), dtype=str, keep_default_na=False)
    table["district_name"] = table["district_name"].map(nfc)
    table["population_2019"] = table["population_2019"].astype("int64")
    table["derived"] = table["derived"].eq("true")
    table["adults"] = np.round(table["population_2019"] * ADULT_SHARE).astype("int64")
    return table


@dataclass(frozen=True)
class Profile:
    """What stays stable across the years of one seed (arrays are read-only).

    Attributes
    ----------
    district_codes : the 9 district codes in register order.
    district_adults : adult population of each district.
    district_effect : latent satisfaction shift of each district (logit-like scale).
    low_districts : districts with a clearly lower satisfaction.
    commune_codes, commune_names, commune_types : the 177 communes in register order.
    commune_district : index into ``district_codes`` of each commune's district.
    commune_adults : invented adult population of each commune (sums to the district's adults).
    commune_effect : commune random effect on satisfaction.
    commune_minority_offset : commune shift of the log-odds of being from an ethnic minority.
    village_start, village_adults : villages of commune ``i`` are ``village_adults[village_start[i]:
        village_start[i + 1]]`` (numbered 01, 02, … in that order).
    item_shift : small item-specific shift of the 33 items' difficulty.
    religion_laggard : the district whose informed share stays below 80 % at year end.
    hot_spot_district, hot_spot_phase : a religious hot spot occurs in that district in years with
        ``year % 3 == hot_spot_phase``.
    unlawful_base, unlawful_rate : followers of unlawful organisations at the end of 2020 and their yearly factor.
    dignitaries, venues : stock of dignitaries/officials and of venues per district and religion (dict keys
        ``(district_code, religion)``).
    late_reporter : the unit that is often late with its reports.
    """

    district_codes: tuple[str, ...]
    district_adults: np.ndarray
    district_effect: np.ndarray
    low_districts: tuple[str, ...]
    commune_codes: tuple[str, ...]
    commune_names: tuple[str, ...]
    commune_types: tuple[str, ...]
    commune_district: np.ndarray
    commune_adults: np.ndarray
    commune_effect: np.ndarray
    commune_minority_offset: np.ndarray
    village_start: np.ndarray
    village_adults: np.ndarray
    item_shift: np.ndarray
    religion_laggard: str
    hot_spot_district: str
    hot_spot_phase: int
    unlawful_base: np.ndarray
    unlawful_rate: np.ndarray
    dignitaries: dict[tuple[str, str], int]
    venues: dict[tuple[str, str], int]
    late_reporter: str


def profile(seed: int) -> Profile:
    """The stable characteristics of the demo province for ``seed``, on the map of the register in use: the 2023
    map, or the map before 01/07/2025 (a year such as 2024: :func:`arranged_profile`)."""
    admin_map = getattr(register(), "admin_map", None)
    if admin_map is not None and admin_map.id == MAP_2025_01.id:
        return arranged_profile(seed)
    return _profile_2023(seed)


@cache
def arranged_profile(seed: int) -> Profile:
    """The 2023 profile of ``seed`` with the communes merged as NQ 1240/NQ-UBTVQH15 arranged them (the map before
    01/07/2025, 172 communes): a merged commune's adults and villages are those of the communes it was made of (counts
    add; its villages are theirs, the absorbing commune's first), its satisfaction and minority shifts their
    adult-weighted means. Districts, their figures and every other trait are the 2023 profile's: districts did not
    change. No random draw, so the communes that did not change keep their sizes and villages."""
    old = _profile_2023(seed)
    reg = register_for(2024)
    communes = reg.units("commune")
    codes = [u.code for u in communes]
    into = crosswalk_2023_to_2025_01().set_index("commune_code_2023")["commune_code_2025"]
    members: dict[str, list[int]] = {code: [] for code in codes}
    for j, code in enumerate(old.commune_codes):
        members[into[code]].append(j)
    members = {code: sorted(js, key=lambda j: old.commune_codes[j] != code) for code, js in members.items()}
    adults = np.array([old.commune_adults[js].sum() for js in members.values()])
    effect = np.array([np.average(old.commune_effect[js], weights=old.commune_adults[js]) for js in members.values()])
    offset = np.array(
        [np.average(old.commune_minority_offset[js], weights=old.commune_adults[js]) for js in members.values()]
    )
    villages = [
        old.village_adults[old.village_start[j] : old.village_start[j + 1]] for js in members.values() for j in js
    ]
    counts = np.array([sum(old.village_start[j + 1] - old.village_start[j] for j in js) for js in members.values()])
    return dataclasses.replace(
        old,
        commune_codes=tuple(codes),
        commune_names=tuple(u.name for u in communes),
        commune_types=tuple(u.type_name for u in communes),
        commune_district=_frozen(np.array([old.district_codes.index(u.district_code) for u in communes])),
        commune_adults=_frozen(adults),
        commune_effect=_frozen(effect),
        commune_minority_offset=_frozen(offset),
        village_start=_frozen(np.concatenate([[0], np.cumsum(counts)])),
        village_adults=_frozen(np.concatenate(villages)),
    )


@cache
def _profile_2023(seed: int) -> Profile:
    """Draw the stable characteristics of the demo province on the 2023 map for ``seed`` (cached per seed)."""
    rng = rng_for(seed, 0, "profile")
    reg = register_for(2023)
    districts = tuple(reg.district_codes)
    pop = _population_table().set_index("district_code").loc[list(districts)]
    adults = pop["adults"].to_numpy()
    n_districts = len(districts)

    # One or two districts clearly below the others (the scorecard then has something to show).
    effect = rng.normal(0.0, 0.12, n_districts)
    low = rng.choice(n_districts, size=int(rng.integers(1, 3)), replace=False)
    effect[low] -= rng.uniform(0.45, 0.6, low.size)

    communes = reg.units("commune")
    commune_district = np.array([districts.index(u.district_code) for u in communes])
    types = np.array([u.type_name for u in communes])
    # Wards and townships are larger than rural communes; sizes are invented, only district totals are real.
    size_factor = np.select([types == "Phường", types == "Thị trấn"], [1.2, 1.0], 1.0)
    raw = size_factor * rng.lognormal(0.0, 0.45, len(communes))
    totals = np.bincount(commune_district, weights=raw, minlength=n_districts)
    commune_adults = raw / totals[commune_district] * adults[commune_district]

    low_v = np.select([types == "Phường", types == "Thị trấn"], [12, 10], 8)
    high_v = np.select([types == "Phường", types == "Thị trấn"], [36, 21], 23)
    villages = rng.integers(low_v, high_v)
    village_start = np.concatenate([[0], np.cumsum(villages)])
    shares = rng.gamma(8.0, size=village_start[-1])
    share_totals = np.add.reduceat(shares, village_start[:-1])
    village_adults = shares / np.repeat(share_totals, villages) * np.repeat(commune_adults, villages)

    dignitaries: dict[tuple[str, str], int] = {}
    venues: dict[tuple[str, str], int] = {}
    for religion, (people, places) in RELIGION_TOTALS.items():
        present = np.array([religion in RELIGIONS_PRESENT[d] for d in districts])
        weight = np.where(present, adults * rng.uniform(0.6, 1.4, n_districts), 0.0)
        weight /= weight.sum()
        for i, code in enumerate(districts):
            if present[i]:
                dignitaries[code, religion] = max(3, round(people * weight[i]))
                venues[code, religion] = max(1, round(places * weight[i]))

    mountain = np.array([d in _MOUNTAIN for d in districts])
    unlawful_base = np.where(mountain, rng.integers(15, 90, n_districts), rng.integers(0, 6, n_districts))
    unlawful_rate = rng.uniform(0.72, 0.95, n_districts)
    grower = int(rng.choice(np.flatnonzero(mountain)))
    unlawful_rate[grower] = rng.uniform(1.1, 1.3)

    reporters = [*districts, *(u.code for u in reg.units("agency") if u.code != "SNV")]
    laggard = str(rng.choice(districts))
    return Profile(
        district_codes=districts,
        district_adults=_frozen(adults),
        district_effect=_frozen(effect),
        low_districts=tuple(districts[i] for i in sorted(low)),
        commune_codes=tuple(u.code for u in communes),
        commune_names=tuple(u.name for u in communes),
        commune_types=tuple(types),
        commune_district=_frozen(commune_district),
        commune_adults=_frozen(commune_adults),
        commune_effect=_frozen(rng.normal(0.0, 0.18, len(communes))),
        commune_minority_offset=_frozen(rng.normal(0.0, 0.8, len(communes))),
        village_start=_frozen(village_start),
        village_adults=_frozen(village_adults),
        item_shift=_frozen(rng.normal(0.0, 0.06, 33)),
        religion_laggard=laggard,
        # A hot spot in a mountain district, in one year of three (so most years and districts have none).
        hot_spot_district=str(rng.choice(_MOUNTAIN)),
        hot_spot_phase=int(rng.integers(0, 3)),
        unlawful_base=_frozen(unlawful_base),
        unlawful_rate=_frozen(unlawful_rate),
        dignitaries=dignitaries,
        venues=venues,
        late_reporter=str(rng.choice(reporters)),
    )


def _frozen(values: np.ndarray) -> np.ndarray:
    """Return a read-only copy, so the cached profile cannot be changed by a caller."""
    out = np.array(values)
    out.setflags(write=False)
    return out


def str_column(codes: np.ndarray, labels: list[str] | tuple[str, ...]) -> pd.api.extensions.ExtensionArray:
    """Return the pandas ``str`` array ``labels[codes]`` built in Arrow (no Python object per row)."""
    taken = pc.take(pa.array(list(labels), type=pa.string()), pa.array(np.asarray(codes, dtype=np.int64)))
    return pd.array(taken, dtype="str")


def date_column(year: int, day_of_year: np.ndarray) -> np.ndarray:
    """Return ``datetime64[ns]`` dates from 0-based days of ``year`` (negative values mean missing)."""
    days = np.asarray(day_of_year, dtype=np.int64)
    dates = (np.datetime64(f"{year}-01-01", "D") + days.clip(0)).astype("datetime64[ns]")
    dates[days < 0] = np.datetime64("NaT")
    return dates


def days_in_year(year: int) -> int:
    """Return 366 for leap years, else 365."""
    return int((np.datetime64(f"{year + 1}-01-01") - np.datetime64(f"{year}-01-01")).astype(int))


def day_of(year: int, month: int, day: int) -> int:
    """Return the 0-based day of the year of a date."""
    return int((np.datetime64(f"{year}-{month:02d}-{day:02d}") - np.datetime64(f"{year}-01-01")).astype(int))


def split_evenly(total: int, parts: int) -> np.ndarray:
    """Split ``total`` into ``parts`` integers differing by at most one (the first ones get the extra)."""
    base, extra = divmod(int(total), int(parts))
    return np.full(parts, base, dtype=np.int64) + (np.arange(parts) < extra)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Allocate ``total`` integers proportionally to ``weights`` by the largest-remainder (Hamilton) method."""
    quota = total * np.asarray(weights, dtype=float) / np.sum(weights)
    out = np.floor(quota).astype(np.int64)
    # Ties broken by position (stable sort), so the allocation is deterministic.
    order = np.argsort(-(quota - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out
