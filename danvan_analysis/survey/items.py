"""Item metadata: which codes of a rated item are ratings and which mean "not answered" (don't know, N/A).

Declared per item, not inferred from column names: :func:`item_scales` gives every SIPAS item of
``danvan_analysis/data/sipas_items.csv`` the SIPAS scale (ratings 1-5, 9 = don't know / not applicable), and a caller
declares any other rated column (a renamed item, a local question on a 1-4 scale with 8 = not applicable) by passing
``scales={"column": ItemScale(...)}`` to :func:`~danvan_analysis.survey.estimate`. A declared column is validated
before anything is estimated: a code that is neither a rating nor a not-answered code (``7`` on a 1-5 scale) is
refused with the same :class:`~danvan_analysis.errors.SchemaError` as :func:`~danvan_analysis.survey.sipas_indices`,
never counted; the not-answered codes leave the numerator and the denominator like a missing answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from danvan_analysis.errors import ParameterError, SchemaError


@dataclass(frozen=True)
class ItemScale:
    """The codes of one rated item.

    Parameters
    ----------
    ratings
        The valid answers (default 1-5).
    not_answered
        Codes that mean "don't know" or "not applicable": out of the numerator and the denominator, like a missing
        answer (default 9).

    Examples
    --------
    >>> ItemScale(ratings=(1, 2, 3, 4), not_answered=(8, 9)).describe()
    '1-4, 8, 9 (not answered)'
    """

    ratings: tuple[float, ...] = (1, 2, 3, 4, 5)
    not_answered: tuple[float, ...] = (9,)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ratings", tuple(float(v) for v in self.ratings))
        object.__setattr__(self, "not_answered", tuple(float(v) for v in self.not_answered))
        if not self.ratings or set(self.ratings) & set(self.not_answered):
            raise ParameterError(
                f"ItemScale(ratings={self.ratings!r}, not_answered={self.not_answered!r}): give at least one rating, "
                "and no code both as a rating and as not answered."
            )

    @classmethod
    def from_range(cls, low: int, high: int, not_answered: Iterable[float] = (9,)) -> ItemScale:
        """The scale ``low..high`` (integers) with the given not-answered codes."""
        return cls(tuple(range(low, high + 1)), tuple(not_answered))

    def allowed(self) -> set[float]:
        """Every code the item may hold (ratings and not-answered codes)."""
        return set(self.ratings) | set(self.not_answered)

    def describe(self) -> str:
        """The codes in words, e.g. ``'1-5, 9 (not answered)'``."""
        r = sorted(self.ratings)
        consecutive = r == list(np.arange(r[0], r[0] + len(r)))
        ratings = f"{_num(r[0])}-{_num(r[-1])}" if consecutive and len(r) > 2 else ", ".join(str(_num(v)) for v in r)
        if not self.not_answered:
            return ratings
        return f"{ratings}, {', '.join(str(_num(v)) for v in sorted(self.not_answered))} (not answered)"


#: The SIPAS scale: 1-5, 9 = don't know / not applicable.
SIPAS_SCALE = ItemScale()


def item_scales(extra: Mapping[str, ItemScale] | None = None) -> dict[str, ItemScale]:
    """The declared item scales: every SIPAS item at :data:`SIPAS_SCALE`, then ``extra`` (which wins)."""
    from danvan_analysis.survey.sipas import _read_items  # the cached item table (no copy per call)

    scales = dict.fromkeys(_read_items()["item"], SIPAS_SCALE)
    scales.update(extra or {})
    return scales


def check_codes(value_counts: Mapping[str, Mapping[float, int] | None], scales: Mapping[str, ItemScale]) -> None:
    """Refuse a declared column holding a code outside its scale (``value_counts``: column -> {value: rows}).

    A column absent from ``value_counts`` was not tallied by level (it holds non-integer or widely spread values),
    which no rating scale allows.
    """
    for column, scale in scales.items():
        counts = value_counts.get(column)
        if counts is None:
            raise SchemaError(
                f"Item column {column!r} holds non-integer or widely spread values; expected {scale.describe()} or "
                "missing. Hint: validate the file with danvan_analysis.io, or declare the right ItemScale."
            )
        allowed = scale.allowed()
        bad = sorted(v for v in counts if v not in allowed and not np.isnan(v))
        if bad:
            raise SchemaError(
                f"Item column {column!r} holds the code(s) {[_num(v) for v in bad]} on {sum(counts[v] for v in bad)} "
                f"row(s); expected {scale.describe()} or missing. Hint: validate the file with danvan_analysis.io, "
                "or declare the item's codes with ItemScale(ratings=..., not_answered=...)."
            )


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
