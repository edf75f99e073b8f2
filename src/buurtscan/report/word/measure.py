"""How wide a short text is in Arial (and the metric-compatible Liberation Sans that LibreOffice
uses): enough to size the value columns of a table so that every value stays on one line and the
label column keeps the rest. Advance widths in 1/1000 em (Arial's published metrics)."""

from __future__ import annotations

_WIDTHS = {
    **dict.fromkeys("0123456789", 556), " ": 278, "\u00a0": 278, "\u2009": 167, ".": 278, ",": 278, "%": 889,
    "€": 556, "−": 584, "-": 333, "+": 584, "*": 389, "(": 333, ")": 333, "/": 278, ":": 278,
    **dict.fromkeys("abcdeghnopqu", 556), **dict.fromkeys("fjt", 278), **dict.fromkeys("ilI", 222),
    "k": 500, "m": 833, "r": 333, "s": 500, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500,
    **dict.fromkeys("ABEKPSVXY", 667), **dict.fromkeys("CDHNRUw", 722), "G": 778, "O": 778, "Q": 778,
    "F": 611, "T": 611, "Z": 611, "J": 500, "L": 556, "M": 833, "W": 944,
}
_BOLD = 1.08  # Arial Bold is about 8% wider
CM_PER_PT = 2.54 / 72


def width_cm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The width of ``text`` on one line, in cm."""
    em = sum(_WIDTHS.get(c, 600) for c in text) / 1000
    return em * size_pt * CM_PER_PT * (_BOLD if bold else 1.0)


def longest_word_cm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """The widest word of ``text`` (where it may wrap), in cm."""
    return max((width_cm(w, size_pt, bold=bold) for w in text.split()), default=0.0)
