"""Advance widths of the deck's font, read from the font files that the ``font-lato`` wheel ships.

The packaged template's theme font is Lato, so the deck measures its text with Lato's own metrics
(fontTools reads ``hmtx`` and ``cmap`` once per process). A user's template may name another theme
font: its text is measured as Lato times that font's average width relative to Lato
(:data:`FONT_FACTORS`, measured on running Dutch text); an unknown font counts as wider.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FAMILY = "Lato"
PANOSE = "020F0502020204030203"  # Lato's PANOSE class: lets PowerPoint pick a similar sans where Lato is missing
FILES = {False: "Lato-Regular.ttf", True: "Lato-Bold.ttf"}

# Average advance of a theme font relative to Lato (Arial/Liberation Sans measured against Lato on the
# deck's own text: 1.03 regular, 1.07 bold; the others scaled from their width relative to Arial).
# Lato itself counts as wide as Arial: where Lato is not installed, PowerPoint and LibreOffice show
# a stand-in of about Arial's width, and the text must still fit.
FONT_FACTORS = {
    "lato": 1.05, "arial": 1.05, "helvetica": 1.05, "liberation sans": 1.05, "arimo": 1.05, "roboto": 1.05,
    "aptos": 1.07, "calibri": 1.0, "carlito": 1.0, "source sans pro": 1.0, "segoe ui": 1.09, "tahoma": 1.08,
    "trebuchet ms": 1.08, "open sans": 1.13, "verdana": 1.24, "century gothic": 1.18, "georgia": 1.13,
    "times new roman": 1.0, "cambria": 1.05, "dejavu sans": 1.16,
}
UNKNOWN_FONT = 1.16


def folder() -> Path:
    import font_lato

    return Path(font_lato.__file__).parent / "files"


@lru_cache(maxsize=2)
def advances(bold: bool) -> dict[str, float]:
    """Advance width per character, in thousandths of an em."""
    from fontTools.ttLib import TTFont

    font = TTFont(folder() / FILES[bold], lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    out = {chr(code): metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()}
    out.setdefault("\u00a0", out[" "])
    out.setdefault("\u2212", out.get("+", out["-"]))  # the minus sign: as wide as the plus
    return out


@lru_cache(maxsize=2)
def unknown(bold: bool) -> float:
    """The width a character outside the font counts as (a fallback font draws it): as wide as 'M'."""
    return advances(bold)["M"]


def factor(typeface: str) -> float:
    """Width factor of a theme font relative to Lato (at least 1: never measure narrower than Lato)."""
    face = " ".join(typeface.casefold().split())
    return max(1.0, FONT_FACTORS.get(face, UNKNOWN_FONT))
