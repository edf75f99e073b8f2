"""Advance widths the deck measures its text with: the theme font Lato, or whatever stands in for it.

The packaged template's theme font is Lato, read from the font files of the ``font-lato`` wheel
(fontTools reads ``hmtx`` and ``cmap`` once per process). But a .pptx cannot make the computer that
shows it use Lato: where Lato is not installed, LibreOffice draws DejaVu Sans (about 16% wider) and
PowerPoint a sans of Arial's width. Embedding Lato is not honoured by LibreOffice 7.4, so every
character counts as the widest of Lato and its stand-ins, DejaVu Sans and Liberation Sans (Arial's
metrics), whose widths ``scripts/make_fallback_widths.py`` stored in ``fallback_widths.json``. Text
that fits this measure fits in each of those fonts.

A user's template may name another theme font: where that font is known to be wider than the
stand-ins, its text is measured wider still (:data:`FONT_FACTORS`, average width relative to Lato,
measured on running Dutch text).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

FAMILY = "Lato"
PANOSE = "020F0502020204030203"  # Lato's PANOSE class: lets PowerPoint pick a similar sans where Lato is missing
FILES = {False: "Lato-Regular.ttf", True: "Lato-Bold.ttf"}
FALLBACK_FILE = Path(__file__).with_name("fallback_widths.json")

# Average advance of a theme font relative to Lato (Arial/Liberation Sans measured against Lato on the
# deck's own text: 1.03 regular, 1.07 bold; the others scaled from their width relative to Arial).
FONT_FACTORS = {
    "lato": 1.0, "arial": 1.05, "helvetica": 1.05, "liberation sans": 1.05, "arimo": 1.05, "roboto": 1.05,
    "aptos": 1.07, "calibri": 1.0, "carlito": 1.0, "source sans pro": 1.0, "segoe ui": 1.09, "tahoma": 1.08,
    "trebuchet ms": 1.08, "open sans": 1.13, "verdana": 1.24, "century gothic": 1.18, "georgia": 1.13,
    "times new roman": 1.0, "cambria": 1.05, "dejavu sans": 1.16,
}
UNKNOWN_FONT = 1.16
STAND_IN = FONT_FACTORS["dejavu sans"]  # the widest stand-in, already in every measure


def folder() -> Path:
    import font_lato

    return Path(font_lato.__file__).parent / "files"


@lru_cache(maxsize=2)
def lato_advances(bold: bool) -> dict[str, float]:
    """Lato's own advance width per character, in thousandths of an em."""
    from fontTools.ttLib import TTFont

    font = TTFont(folder() / FILES[bold], lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {chr(code): metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()}


@lru_cache(maxsize=1)
def fallback_advances() -> dict[bool, dict[str, float]]:
    """The widest stand-in's advance per character (DejaVu Sans, Liberation Sans), per weight."""
    data = json.loads(FALLBACK_FILE.read_text(encoding="utf-8"))
    return {bold: {chr(int(code, 16)): float(w) for code, w in data["bold" if bold else "regular"].items()}
            for bold in (False, True)}


@lru_cache(maxsize=2)
def advances(bold: bool) -> dict[str, float]:
    """Advance width per character, in thousandths of an em: the widest of Lato and its stand-ins."""
    out = dict(lato_advances(bold))
    for ch, width in fallback_advances()[bold].items():
        if width > out.get(ch, 0.0):
            out[ch] = width
    out.setdefault("\u00a0", out[" "])
    out.setdefault("\u2212", out.get("+", out["-"]))  # the minus sign: as wide as the plus
    return out


@lru_cache(maxsize=2)
def unknown(bold: bool) -> float:
    """The width a character outside the tables counts as (a fallback font draws it): as wide as 'M'."""
    return advances(bold)["M"]


def factor(typeface: str) -> float:
    """Width factor of a theme font over the measure of :func:`advances` (at least 1: never narrower)."""
    face = " ".join(typeface.casefold().split())
    return max(1.0, FONT_FACTORS.get(face, UNKNOWN_FONT) / STAND_IN)
