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
