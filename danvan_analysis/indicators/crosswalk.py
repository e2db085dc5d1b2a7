"""A commune-level indicator series put onto the two-level map of 1 July 2025, for trends across the reorganisation.

The rule (``docs/methods.md``, "Trends across the 2025 reorganisation"):

* an old commune that went **whole** into one new commune adds to it;
* **counts add**: the new commune's count is the sum over the old communes it was made of;
* **shares are re-weighted** by their denominators: a share given as numerator and denominator is
  ``Σ numerator / Σ denominator``; a share given with a weight (its denominator, or the sum of the survey weights
  of its respondents) is ``Σ share·weight / Σ weight``. An unweighted mean of shares is never taken: a small commune
  would count as much as a large one;
* a new commune that took in **part of a divided old commune** is **not comparable**: the toolkit does not know
  how the old commune's figures split, so its values are left empty and the reason names the divided commune,
  rather than guessing an area or population share (the converter's "default" new commune is not used);
* a new commune whose old communes are not all in the data of a group (year, period) is **not comparable**
  either, naming the old communes missing: a sum over some of them would look like a fall.

The crosswalk is the shipped one (``danvan_analysis.registers.crosswalk_to_2025_07``, from ``vietnamadminunits``
1.0.4's converter; ``docs/sources.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from danvan_analysis.errors import ParameterError, UnknownUnitError
from danvan_analysis.numbers import check_lang
from danvan_analysis.registers import (
    MAP_2023,
    MAP_2025_01,
    AdminMap,
    crosswalk_2023_to_2025_01,
    crosswalk_to_2025_07,
    register_for,
    register_of_year,
)

__all__ = ["MappedSeries", "onto_map_of_year", "to_two_level_map"]


@dataclass(frozen=True)
class MappedSeries:
    """An indicator series on the two-level map.

    Attributes
    ----------
    table : one row per new commune (× ``by`` group): ``commune_code``, ``commune_name``, the ``by`` columns, the
        counts and shares, ``n_old`` (old communes it was made of), ``old_communes`` (their codes, ``;``-separated),
        ``comparable`` (bool) and ``reason`` (why not comparable; empty otherwise).
    from_map : the map of the input codes.
    notes : one line per new commune not comparable, for a report's notes.
    """

    table: pd.DataFrame
    from_map: AdminMap
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()


def to_two_level_map(
    data: pd.DataFrame,
    *,
    from_map: AdminMap = MAP_2025_01,
    code_column: str = "commune_code",
    by: Sequence[str] = (),
    counts: Sequence[str] = (),
    ratios: Mapping[str, tuple[str, str]] | None = None,
    shares: Mapping[str, str] | None = None,
    province: str = "19",
    lang: str = "vi",
) -> MappedSeries:
    """Put a commune-level series of ``from_map`` onto the two-level map (see the module docstring for the rule).

    Parameters
    ----------
    data : one row per old commune (× ``by`` group), with its code in ``code_column``.
    from_map : ``MAP_2025_01`` (the map before 01/07/2025) or ``MAP_2023`` (Thái Nguyên's 2023 map).
    by : grouping columns kept as they are (e.g. ``["year", "period"]``).
    counts : columns that add.
    ratios : output column → (numerator column, denominator column); the result is Σ numerator / Σ denominator.
    shares : share column → its weight column (denominator or survey-weight sum); the result is the weighted mean.
    province : the new province (``"19"``: Thái Nguyên with the former Bắc Kạn).
    lang : language of ``reason`` and ``notes``.
    """
    lang = check_lang(lang)
    ratios, shares = dict(ratios or {}), dict(shares or {})
    _check_columns(data, code_column, by, counts, ratios, shares)
    if from_map not in (MAP_2023, MAP_2025_01):
        raise ParameterError(
            f"from_map={from_map.id!r}: only the 2023 map or the map before 01/07/2025 can be put on the two-level map."
        )
    walk = crosswalk_to_2025_07(from_map, province=province)
    frame = data.copy()
    frame[code_column] = frame[code_column].astype("string").str.strip()
    unknown = sorted(set(frame[code_column]) - set(walk["old_commune_code"]))
    if unknown:
        rows = frame.index[frame[code_column].isin(unknown)].tolist()
        raise UnknownUnitError(
            f"Column {code_column!r}: {len(unknown)} code(s) are not communes of {from_map.label_en} that became "
            f"part of province {province}: {', '.join(unknown[:10])} (rows {rows[:10]}). "
            "Hint: check the map of the data's year (registers.map_for) and the province."
        )
    dupes = frame.duplicated([*by, code_column])
    if dupes.any():
        raise ParameterError(
            f"Rows {frame.index[dupes].tolist()[:10]} repeat a commune within one group of {list(by)}; expected one "
            "row per commune and group."
        )

    new_register = register_for(2026, province=province, lang=lang)
    old_names = _old_names(from_map, province)
    members = walk.groupby("new_commune_code")["old_commune_code"].apply(list).to_dict()
    divided = walk[walk["n_new"] > 1].groupby("old_commune_code")["new_commune_code"].apply(list).to_dict()
    for column, weight in shares.items():
        frame[f"__w_{column}"] = frame[column] * frame[weight]
    value_columns = [
        *counts,
        *{c for pair in ratios.values() for c in pair},
        *shares.values(),
        *(f"__w_{c}" for c in shares),
    ]
    value_columns = list(dict.fromkeys(value_columns))
    whole = walk[walk["n_new"] == 1].set_index("old_commune_code")["new_commune_code"]

    groups = frame.groupby(list(by), dropna=False, sort=True) if by else [((), frame)]
    rows, notes = [], []
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        present = set(group[code_column])
        mapped = group.assign(__new=group[code_column].map(whole)).dropna(subset=["__new"])
        sums = mapped.groupby("__new")[value_columns].sum(min_count=1)
        for new_code, olds in members.items():
            row = dict(zip(by, key, strict=True))
            row.update(
                commune_code=new_code,
                commune_name=new_register.unit(new_code).name,
                n_old=len(olds),
                old_communes=";".join(olds),
            )
            split = [c for c in olds if c in divided]
            missing = [c for c in olds if c not in present]
            reason = _reason(split, missing, divided, old_names, lang)
            values = sums.loc[new_code] if new_code in sums.index and not reason else None
            for column in counts:
                row[column] = values[column] if values is not None else np.nan
            for name, (num, den) in ratios.items():
                row[name] = _divide(values, num, den)
            for column, weight in shares.items():
                row[column] = _divide(values, f"__w_{column}", weight)
            row["comparable"] = not reason
            row["reason"] = reason
            rows.append(row)
            if reason:
                label = ", ".join(f"{k}" for k in key)
                notes.append(f"{new_code} {row['commune_name']}{f' ({label})' if label else ''}: {reason}")
    columns = [
        *by,
        "commune_code",
        "commune_name",
        *counts,
        *ratios,
        *shares,
        "n_old",
        "old_communes",
        "comparable",
        "reason",
    ]
    return MappedSeries(pd.DataFrame(rows, columns=columns), from_map, tuple(notes))


def onto_map_of_year(
    rows: pd.DataFrame, *, year: int, column: str = "commune_code"
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Rows keyed by communes of the 2023 map (a survey, report data), their codes put on the map of ``year`` when it
    is the map before 01/07/2025 (2024, the first half of 2025), for a commune-level comparison with that year.

    NQ 1240/NQ-UBTVQH15 merged whole communes into others (none was divided), so each row goes to the commune its
    own became part of, and any estimate or sum over the new code **combines** the merged communes: counts add,
    shares are re-weighted by their weights (a survey domain over both communes' respondents). Returns the rows
    (a copy; other columns unchanged) and, for each new commune made of several old ones, its old codes: a figure of
    such a commune was recomputed onto the later map, and is comparable only when every old commune is in the rows
    (a survey's sample may hold one of them only). Rows of a year on the 2023 map are returned as they are when
    ``year`` is on the 2023 map too.
    """
    later = register_of_year(year)
    if later is None:
        return rows.copy(), {}
    if later.admin_map is not MAP_2025_01:
        raise ParameterError(
            f"year={year}: only a year on the map before 01/07/2025 takes the 2023 map's communes this way; for the "
            "two-level map use to_two_level_map (a commune divided between new ones is not comparable there)."
        )
    walk = crosswalk_2023_to_2025_01()
    into = dict(zip(walk["commune_code_2023"], walk["commune_code_2025"], strict=True))
    merged = walk.groupby("commune_code_2025")["commune_code_2023"].apply(list)
    merged = {new: sorted(olds) for new, olds in merged.items() if len(olds) > 1}
    out = rows.copy()
    codes = out[column]
    if isinstance(codes.dtype, pd.CategoricalDtype):
        out[column] = codes.astype("str").map(lambda c: into.get(c, c)).astype("category")
    else:
        out[column] = codes.map(lambda c: into.get(c, c) if isinstance(c, str) else c).astype(codes.dtype)
    return out, merged


def _divide(values: pd.Series | None, num: str, den: str) -> float:
    if values is None or pd.isna(values[num]) or pd.isna(values[den]) or values[den] == 0:
        return np.nan
    return float(values[num]) / float(values[den])


def _old_names(from_map: AdminMap, province: str) -> dict[str, str]:
    """Old commune code → name, over every old province that is now part of ``province``."""
    walk = crosswalk_to_2025_07(from_map, province=province)
    names = {}
    for old_province in walk["old_province_code"].unique():
        year, period = (2023, None) if from_map is MAP_2023 else (2025, "H1")
        names.update({u.code: u.name for u in register_for(year, period, province=old_province).units("commune")})
    return names


def _reason(split: list[str], missing: list[str], divided: dict, names: dict[str, str], lang: str) -> str:
    parts = []
    if split:
        listed = "; ".join(f"{c} {names.get(c, '')} → {', '.join(divided[c])}" for c in split)
        parts.append(
            f"có phần của đơn vị cũ bị chia cho nhiều xã mới ({listed}); số liệu cũ không chia được, không so sánh"
            if lang == "vi"
            else f"took in part of an old unit divided between several new communes ({listed}); the old figures "
            "cannot be divided, not comparable"
        )
    if missing:
        listed = ", ".join(f"{c} {names.get(c, '')}".strip() for c in missing)
        parts.append(
            f"thiếu số liệu của đơn vị cũ: {listed}" if lang == "vi" else f"no data for the old units: {listed}"
        )
    return "; ".join(parts)


def _check_columns(
    data: pd.DataFrame,
    code_column: str,
    by: Sequence[str],
    counts: Sequence[str],
    ratios: dict[str, tuple[str, str]],
    shares: dict[str, str],
) -> None:
    needed = [code_column, *by, *counts, *(c for pair in ratios.values() for c in pair), *shares, *shares.values()]
    absent = [c for c in dict.fromkeys(needed) if c not in data.columns]
    if absent:
        raise ParameterError(
            f"The data have no column(s) {', '.join(map(repr, absent))}; columns found: {', '.join(map(str, data.columns))}."
        )
    if not (counts or ratios or shares):
        raise ParameterError("Name at least one column in counts, ratios or shares.")
    numeric = [*counts, *(c for pair in ratios.values() for c in pair), *shares, *shares.values()]
    bad = [c for c in dict.fromkeys(numeric) if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise ParameterError(
            f"Column(s) {', '.join(map(repr, bad))} must be numeric (counts, numerators, shares, weights)."
        )
