"""Text helpers: Unicode normalisation and matching keys for Vietnamese names.

Vietnamese text arrives in NFC (precomposed) or NFD (decomposed) form depending on the keyboard and the program that
wrote it; the two look identical but compare unequal. Everything entering the toolkit goes through :func:`nfc`.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[.,;:()\[\]\"'`_/\\-]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding white space removed and inner runs collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Return a key for loose matching: lower case, no diacritics (đ → d), no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", _PUNCT.sub(" ", stripped)).strip()


def casefold_nfc(text: str) -> str:
    """Return a key that keeps diacritics but ignores case, punctuation and spacing."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", nfc(text).lower())).strip()
