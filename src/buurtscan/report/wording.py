"""The sentence rules of the reports, in one place (tested form by form in tests/report/test_wording.py).

- Comparisons: distances and times are *korter/langer*, other figures *hoger/lager*;
  percentages differ in *procentpunt*; a ratio of 2 or more reads "ruim twee keer zo hoog",
  a ratio of one half or less "minder dan half zo hoog".
- Counts agree with their noun and verb: "1 verhaal past", "2 verhalen passen" — never
  "verhaal/verhalen" or "beleidspunt(en)".
- One date style: "27 november 2026".
- No double parentheses: "(€ 241.000) (2019)" never happens because the year leads the
  sentence, and :func:`tidy` folds any "(a) (b)" that slips through into "(a; b)".
- No English and no command names in a report: licences are worded in Dutch (:func:`licence`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING

from ..text import squash

if TYPE_CHECKING:
    from ..scan import IndicatorResult

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
NUMBER_WORDS = ("nul", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien",
                "elf", "twaalf")
LENGTH_UNITS = ("km", "m", "minuten", "min")  # distances and times: korter / langer


def date(day: dt.date | dt.datetime | str | None) -> str:
    """'27 november 2026' — the one date style of every report ('onbekend' without a date)."""
    if day is None or day == "":
        return "onbekend"
    if isinstance(day, str):
        try:
            parsed = dt.date.fromisoformat(day[:10])
        except ValueError:
            return day
        day = parsed
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def count(n: int, singular: str, plural: str) -> str:
    """'1 verhaal', '2 verhalen'."""
    return f"{n} {singular if n == 1 else plural}"


def verb(n: int, singular: str, plural: str) -> str:
    """The verb that agrees with n: verb(1, 'past', 'passen') → 'past'."""
    return singular if n == 1 else plural


def join(items: list[str] | tuple[str, ...]) -> str:
    """'a', 'a en b', 'a, b en c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def number_word(n: int) -> str:
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


def times(ratio: float, adjective: str = "hoog") -> str | None:
    """A ratio in words, or None below 2 (and above one half): 'ruim twee keer zo hoog'.

    2,0–2,1 → 'twee keer zo hoog'; 2,1–2,8 → 'ruim twee keer zo hoog'; 2,8–3,0 → 'bijna drie
    keer zo hoog'; at most one half → 'minder dan half zo hoog' (exactly one half: 'half zo hoog').
    """
    if ratio <= 0:
        return None
    if ratio <= 0.5:
        return f"half zo {adjective}" if math.isclose(ratio, 0.5, abs_tol=0.005) else f"minder dan half zo {adjective}"
    if ratio < 2:
        return None
    whole = math.floor(ratio)
    rest = ratio - whole
    if rest >= 0.8:
        return f"bijna {number_word(whole + 1)} keer zo {adjective}"
    if rest < 0.1:
        return f"{number_word(whole)} keer zo {adjective}"
    return f"ruim {number_word(whole)} keer zo {adjective}"


def comparative(unit: str, kind: str) -> str:
    """'hoger'/'lager', for distances and times 'langer'/'korter'."""
    if unit in LENGTH_UNITS:
        return "langer" if kind == "hoger" else "korter"
    return kind


def difference(unit: str, kind: str, *, points: float | None = None, ratio: float | None = None) -> tuple[str, str]:
    """The words of a clear difference and the word before the reference ('dan' or 'als').

    ('%', 'lager', points=10.4) → ('ruim 10 procentpunt lager', 'dan');
    ('per 1.000 inwoners', 'hoger', ratio=2.95) → ('bijna drie keer zo hoog', 'als');
    ('km', 'lager') → ('korter', 'dan').
    """
    word = comparative(unit, kind)
    if unit == "%" and points is not None:
        whole = math.floor(abs(points))
        lead = "ruim " if abs(points) - whole >= 0.25 else ""
        return f"{lead}{whole} procentpunt {word}", "dan"
    if ratio is not None and unit not in ("score", "afwijking"):
        words = times(ratio, "groot" if unit in LENGTH_UNITS else "hoog")
        if words:
            return words, "als"
    return (f"ruim {word}" if unit not in LENGTH_UNITS else word), "dan"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def tidy(text: str) -> str:
    """Collapse spaces; fold double parentheses '(a) (b)' / '((a))' into '(a; b)' / '(a)'."""
    text = squash(text)
    while "((" in text or "))" in text:
        text = text.replace("((", "(").replace("))", ")")
    text = re.sub(r"\(([^()]*)\)\s*\(([^()]*)\)", r"(\1; \2)", text)
    return text.replace(" .", ".").replace(" ,", ",")


ENGLISH_LICENCE = re.compile(r"\s*\((?:[^()]*\b(?:not|verified|separately|catalogue)\b[^()]*)\)", re.IGNORECASE)


def licence(text: str | None) -> str:
    """A licence as a Dutch reader gets it: 'CC BY 4.0'; an unchecked one says so in Dutch."""
    if not text:
        return "licentie onbekend"
    if "not verified" in text.lower() and not text.upper().startswith("CC"):
        return "open data; licentie niet nagegaan"
    if "not separately verified" in text.lower():
        return f"licentie {ENGLISH_LICENCE.sub('', text).strip()} (via CBS open data)"
    return f"licentie {ENGLISH_LICENCE.sub('', text).strip()}"


# The rank of a region among those of its gemeente, as a reader takes it in.
def rank(position: int, of: int, *, direction: str, peers: str, place: str) -> str:
    """'bij de 10% hoogste buurten van Den Haag (3e van 110)', 'middenmoot (57e van 111)'.

    The share is of the ranked regions, 1 = the highest value. With a direction the words are
    'gunstigste'/'ongunstigste'; without one 'hoogste'/'laagste'.
    """
    top = position <= max(1, math.floor(of * 0.10))
    top25 = position <= max(1, math.floor(of * 0.25))
    bottom = position > of - max(1, math.floor(of * 0.10))
    bottom25 = position > of - max(1, math.floor(of * 0.25))
    high, low = "hoogste", "laagste"
    if direction == "higher_better":
        high, low = "gunstigste", "ongunstigste"
    elif direction == "higher_worse":
        high, low = "ongunstigste", "gunstigste"
    where = f"({position}e van {of})"
    if of < 5:
        return f"{position}e van {of} {peers} van {place}"
    if top:
        return f"bij de 10% {high} {peers} van {place} {where}"
    if bottom:
        return f"bij de 10% {low} {peers} van {place} {where}"
    if top25:
        return f"bij de 25% {high} {peers} van {place} {where}"
    if bottom25:
        return f"bij de 25% {low} {peers} van {place} {where}"
    return f"middenmoot van {place} {where}"


def phrase(ind: IndicatorResult) -> str:
    """The subject of a sentence about an indicator: 'het aandeel corporatiewoningen'."""
    if ind.phrase:
        return ind.phrase
    label = ind.label
    lower = label[0].lower() + label[1:] if not label[:2].isupper() else label
    if ind.unit == "%":
        return f"het aandeel {lower}"
    if ind.unit.startswith("per 1.000"):
        return f"het aantal {lower} per 1.000 inwoners"
    if ind.unit in ("score", "afwijking"):
        return f"de score '{label}'"
    if ind.unit == "aantal":
        return f"het aantal {lower}"
    return f"de {lower}"
