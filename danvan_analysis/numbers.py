"""Vietnamese and English numbers: the separators, rounding and missing mark every layer shows numbers with.

A core module (no pandas styling, no markup) so that a result's own notebook display, in any layer, formats numbers
the way the reports do; :mod:`danvan_analysis.fmt` builds tables and dates on it and re-exports these names. The
conventions are listed in :mod:`danvan_analysis.fmt`: ``1.234,5`` / ``1,234.5``, ``82,4 %`` / ``82.4%``, half-up
rounding of the decimal value, ``–`` for a missing value.
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

import pandas as pd

from danvan_analysis.errors import ParameterError

Lang = Literal["vi", "en"]
#: The report languages.
LANGUAGES: tuple[Lang, ...] = ("vi", "en")
#: Shown for a missing value (an en dash, as in printed statistical tables).
MISSING = "–"
#: (thousands, decimal) separators by language.
SEPARATORS = {"vi": (".", ","), "en": (",", ".")}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` when it is a report language; raise :class:`ParameterError` otherwise (the one language check)."""
    if lang not in LANGUAGES:
        raise ParameterError(f"lang={lang!r} is not supported; expected 'vi' or 'en'.")
    return lang  # type: ignore[return-value]


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def decimal_of(value: float | int | Decimal) -> Decimal:
    """Return the decimal a person would read ``value`` as (``repr`` gives the shortest round-tripping digits)."""
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    except (InvalidOperation, ValueError, TypeError) as err:
        raise ParameterError(f"{value!r} is not a number.") from err


def format_number(value: object, *, lang: Lang = "vi", decimals: int = 1, grouping: bool = True) -> str:
    """Format a number with the separators of ``lang``.

    Parameters
    ----------
    value : a number; ``None``/NaN/NA give :data:`MISSING`.
    lang : ``"vi"`` or ``"en"``.
    decimals : digits after the decimal separator (rounded half-up).
    grouping : group thousands.

    Examples
    --------
    >>> format_number(1234.5)
    '1.234,5'
    >>> format_number(1234.5, lang="en")
    '1,234.5'
    >>> format_number(float("nan"))
    '–'
    """
    lang = check_lang(lang)
    if is_missing(value):
        return MISSING
    number = decimal_of(value)  # type: ignore[arg-type]
    if not number.is_finite():
        return MISSING
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,0"
    text = f"{rounded:,.{decimals}f}" if grouping else f"{rounded:.{decimals}f}"
    thousands, decimal = SEPARATORS[lang]
    # Swap through a placeholder: the English pattern "1,234.5" becomes "1.234,5".
    text = text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
    return unicodedata.normalize("NFC", text)


def format_count(value: object, *, lang: Lang = "vi") -> str:
    """Format a whole number with thousands grouping (``1.234`` / ``1,234``)."""
    return format_number(value, lang=lang, decimals=0)


def format_percent(
    value: object,
    *,
    lang: Lang = "vi",
    decimals: int = 1,
    basis: Literal["fraction", "percent"] = "fraction",
) -> str:
    """Format a share as a percent.

    Parameters
    ----------
    value : the share: a fraction (``0.824``) by default, or already a percent (``82.4``) with
        ``basis="percent"`` (the indicator and survey tables store percents).
    lang : ``"vi"`` (``82,4 %``) or ``"en"`` (``82.4%``).
    decimals : digits after the decimal separator.
    basis : ``"fraction"`` or ``"percent"``.

    Examples
    --------
    >>> format_percent(0.824)
    '82,4 %'
    >>> format_percent(82.4, lang="en", basis="percent")
    '82.4%'
    """
    lang = check_lang(lang)
    if basis not in ("fraction", "percent"):
        raise ParameterError(f"basis={basis!r} is not allowed; expected 'fraction' or 'percent'.")
    if is_missing(value):
        return MISSING
    number = decimal_of(value)  # type: ignore[arg-type]
    # Scale in decimal arithmetic so that 0.8245 becomes exactly 82.45 and rounds to 82.5.
    number = number * 100 if basis == "fraction" else number
    text = format_number(number, lang=lang, decimals=decimals)
    return f"{text} %" if lang == "vi" else f"{text}%"
