"""Reference unit lists for the indicator tests, read straight from the shipped CSV (not through the package).

Sông Công (165) has 10 communes and Võ Nhai (170) has 15 (docs: reference/SOURCES.md, "Counts"); the province has
9 districts and 177 communes. Reading the CSV with the csv module keeps the expected denominators independent of
``danvan_analysis.units``.
"""

from __future__ import annotations

import csv
from pathlib import Path

CSV = Path(__file__).parents[2] / "danvan_analysis" / "data" / "thai_nguyen_units_2023.csv"


def _rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def communes_of(district: str) -> list[str]:
    """Commune codes of a district, in file order."""
    return [r["commune_code"] for r in _rows() if r["district_code"] == district]


def all_communes() -> list[str]:
    return [r["commune_code"] for r in _rows()]


def all_districts() -> list[str]:
    return list(dict.fromkeys(r["district_code"] for r in _rows()))


SONG_CONG = "165"
VO_NHAI = "170"
