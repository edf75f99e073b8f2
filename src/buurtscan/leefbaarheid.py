"""How a Leefbaarometer total score is read in words (pure; used by the scan, no network imports).

The Leefbaarometer shows nine classes ("zeer onvoldoende" … "uitstekend") on its maps, but
their boundaries are not published in a source we could cite (docs/sources.md), so the scan
does not name them. Instead it says where the score lies against Nederland, from ``afw`` —
the score's deviation from the national reference (``lbm − afw``):

====================  =========================================
``afw ≥ 0.30``        ruim boven het Nederlandse gemiddelde
``0.10 ≤ afw < 0.30``  boven het Nederlandse gemiddelde
``−0.10 < afw < 0.10`` rond het Nederlandse gemiddelde
``−0.30 < afw ≤ −0.10`` onder het Nederlandse gemiddelde
``afw ≤ −0.30``       ruim onder het Nederlandse gemiddelde
====================  =========================================

0.10 is the "clearly different" step that ``compare.SCORE_POINTS`` uses for scores; 0.30 is
three such steps. With these bounds the real 2024 scores of Den Haag's 111 buurten fall
21 / 27 / 35 / 26 / 2 (ruim boven … ruim onder), Barendrecht's 50: 0 / 12 / 36 / 2 / 0.
"""

from __future__ import annotations

NAME = "leefbaarometer"  # the source name (sources.leefbaarometer.NAME)
KLASSE_DUIDELIJK = 0.10
KLASSE_RUIM = 0.30
KLASSEN = (
    "ruim boven het Nederlandse gemiddelde",  # afw ≥ 0.30
    "boven het Nederlandse gemiddelde",  # 0.10 ≤ afw < 0.30
    "rond het Nederlandse gemiddelde",  # −0.10 < afw < 0.10
    "onder het Nederlandse gemiddelde",  # −0.30 < afw ≤ −0.10
    "ruim onder het Nederlandse gemiddelde",  # afw ≤ −0.30
)


def klasse(afw: float | None) -> str | None:
    """The total score in words from its deviation ``afw`` (see :data:`KLASSEN`); None without a score."""
    if afw is None or afw != afw:  # None or NaN
        return None
    if afw >= KLASSE_RUIM:
        return KLASSEN[0]
    if afw >= KLASSE_DUIDELIJK:
        return KLASSEN[1]
    if afw > -KLASSE_DUIDELIJK:
        return KLASSEN[2]
    if afw > -KLASSE_RUIM:
        return KLASSEN[3]
    return KLASSEN[4]
