"""Text helpers: Unicode normalisation and matching keys for Vietnamese names.

Vietnamese text arrives in NFC (precomposed) or NFD (decomposed) form depending on the keyboard and the program that
wrote it; the two look identical but compare unequal. Everything entering the toolkit goes through :func:`nfc`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")

#: Invisible characters removed from free text: NUL and the bidirectional embedding, override and isolate controls
#: (U+202A–U+202E, U+2066–U+2069). See :func:`strip_controls`.
CONTROL_CHARACTERS = "\x00" + "".join(map(chr, range(0x202A, 0x202F))) + "".join(map(chr, range(0x2066, 0x206A)))
CONTROLS = re.compile(f"[{re.escape(CONTROL_CHARACTERS)}]")
_PUNCT = re.compile(r"[.,;:()\[\]\"'`_/\\-]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with surrounding white space removed and inner runs collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


@lru_cache(maxsize=1 << 14)
def fold(text: str) -> str:
    """Return a key for loose matching: lower case, no diacritics (đ → d), no punctuation, single spaces.

    Remembered for the last 16,384 texts: codes and names are folded again and again (~1,500 times a report)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", _PUNCT.sub(" ", stripped)).strip()


def casefold_nfc(text: str) -> str:
    """Return a key that keeps diacritics but ignores case, punctuation and spacing."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", nfc(text).lower())).strip()


def strip_controls(text: str) -> str:
    """Return ``text`` without NUL and bidirectional control characters (:data:`CONTROL_CHARACTERS`).

    A right-to-left override makes ``"Hội nghị \u202eTổ 5"`` display in a misleading order (a report would show
    text other than what the file says, "Trojan Source"); a NUL truncates the cell in C-based tools. Neither has any
    meaning in Vietnamese or English administrative text, so removing them keeps exactly the text the clerk sees.
    """
    return CONTROLS.sub("", text)


def show_controls(text: str) -> str:
    """Return ``text`` with each control character of :data:`CONTROL_CHARACTERS` written visibly as ``<U+202E>``."""
    return CONTROLS.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
