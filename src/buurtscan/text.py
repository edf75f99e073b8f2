"""Small text helpers shared by search, partner files and reports (no heavy imports)."""

from __future__ import annotations

import re
import unicodedata


def slug(text: str) -> str:
    """'Gemiddeld aardgasverbruik' → 'gemiddeld_aardgasverbruik' (ASCII, lower case)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: "'s-Gravenhage" → "s gravenhage"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


_SPACES = re.compile(r"[^\S\u00a0\u202f]+")  # whitespace, but not the no-break spaces


def squash(text: str) -> str:
    """Runs of spaces, tabs and line breaks as one space, trimmed; a no-break space (between
    "€" and its amount, a number and its unit) stays, so the amount never breaks over two lines.
    (``" ".join(text.split())`` would turn it into a plain space.)"""
    return _SPACES.sub(" ", text).strip(" ")
