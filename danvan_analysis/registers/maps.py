"""The administrative maps the toolkit knows, each valid over a span of dates, and the map of a date or period.

Three maps (facts and sources: ``docs/sources.md``):

* ``2023``: Thái Nguyên's 9 districts and 177 communes (our shipped, tested ``thai_nguyen_units_2023.csv``),
  used for the whole of 2023 and 2024 up to 30/11/2024. It is exact from 10/04/2023; before that the province had
  178 communes, and the one retired code (05764 → 05851) is repaired on reading. The toolkit ships this map for
  province ``19`` only (see :func:`danvan_analysis.registers.register_for` for other provinces).
* ``2025_01``: the three-level map of the 63 provinces just before 1 July 2025, after the 2023–2025 commune
  arrangement (Thái Nguyên: 9 districts, 172 communes; NQ 1240/NQ-UBTVQH15). Its start date is taken as 01/12/2024:
  the resolution's effective date for Thái Nguyên is not verified (GSO snapshots show 173 communes on 01/01/2025
  and 172 on 01/03/2025).
* ``2025_07``: the two-level map from 1 July 2025 (NQ 202/2025/QH15, NQ 1683/NQ-UBTVQH15): 34 provinces, no
  district level; Thái Nguyên (code 19, with the former Bắc Kạn) has 92 communes and wards.

A period's map is the map on the **last day it covers** (Q1 → 31/03, H1 → 30/06, 9M → 30/09, Y → 31/12): the
reporting units of a report are those that exist when the period closes. A year alone means the year (Y).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from danvan_analysis.errors import ParameterError

#: Last month and day covered by each period code of the plan's calendar (cumulative from 1 January).
PERIOD_ENDS = {"Q1": (3, 31), "H1": (6, 30), "9M": (9, 30), "Y": (12, 31)}


@dataclass(frozen=True)
class AdminMap:
    """One map of administrative units and the dates it is valid.

    Attributes
    ----------
    id : ``"2023"``, ``"2025_01"`` or ``"2025_07"``.
    valid_from, valid_until : first and last day (``None``: still valid).
    two_level : ``True`` when there is no district level (province and commune only).
    label_vi, label_en : how messages name it.
    """

    id: str
    valid_from: dt.date
    valid_until: dt.date | None
    two_level: bool
    label_vi: str
    label_en: str

    def label(self, lang: str = "vi") -> str:
        """The map's name in ``lang``."""
        return self.label_vi if lang == "vi" else self.label_en

    def covers(self, day: dt.date) -> bool:
        """Whether the map is in force on ``day``."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


MAP_2023 = AdminMap(
    "2023", dt.date(2023, 1, 1), dt.date(2024, 11, 30), False, "bản đồ hành chính năm 2023", "the 2023 map"
)
MAP_2025_01 = AdminMap(
    "2025_01",
    dt.date(2024, 12, 1),
    dt.date(2025, 6, 30),
    False,
    "bản đồ hành chính trước ngày 01/07/2025",
    "the map before 01/07/2025",
)
MAP_2025_07 = AdminMap(
    "2025_07",
    dt.date(2025, 7, 1),
    None,
    True,
    "bản đồ hành chính hai cấp từ ngày 01/07/2025",
    "the two-level map from 01/07/2025",
)
#: Every map, oldest first.
MAPS: tuple[AdminMap, ...] = (MAP_2023, MAP_2025_01, MAP_2025_07)


def reference_date(year: int, period: str | None = None) -> dt.date:
    """The last day covered by ``period`` of ``year`` (the whole year when ``period`` is ``None``)."""
    code = "Y" if period is None else str(period)
    if code not in PERIOD_ENDS:
        raise ParameterError(
            f"period={period!r} is not a period of the plan; expected one of {', '.join(PERIOD_ENDS)}."
        )
    month, day = PERIOD_ENDS[code]
    return dt.date(int(year), month, day)


def map_for(when: dt.date | int, period: str | None = None) -> AdminMap:
    """Return the map in force on a date, or at the close of ``period`` of a year (see the module docstring)."""
    day = when if isinstance(when, dt.date) else reference_date(when, period)
    for admin_map in MAPS:
        if admin_map.covers(day):
            return admin_map
    raise ParameterError(
        f"No map of administrative units is shipped for {day:%d/%m/%Y}; the earliest starts on "
        f"{MAP_2023.valid_from:%d/%m/%Y}. Hint: evaluate a later year, or supply a register for that date."
    )
