"""The vergelijkbare-buurten parts of a report: the column cell, the one sentence, the source note.

Pure text from a scan (:class:`buurtscan.scan.SimilarSet` and each indicator's reference), used
by :mod:`.build`; the rule itself is in :mod:`buurtscan.similar` and docs/comparison.md.
"""

from __future__ import annotations

from .. import similar
from ..scan import IndicatorResult, Scan
from . import wording
from .formatting import MISSING, figure

COLUMN = "vergelijkbaar"  # the column key next to buurt, wijk, gemeente, nederland
TITLE = "Vergelijkbaar"
NAMED = 3  # buurten named in the sentence


def has_column(scan: Scan) -> bool:
    return scan.similar is not None and bool(scan.similar.buurten)


def cell(ind: IndicatorResult) -> str:
    """The median of the similar buurten, in the indicator's notation ('niet beschikbaar' without one)."""
    ref = ind.similar
    if ref is None:
        return MISSING
    return figure(ref.median, ind.decimals, ind.unit)


def detail(ind: IndicatorResult) -> str:
    """'hoger dan in vergelijkbare buurten' (the separate signal; the spread stays in `show`, to keep two pages)."""
    if ind.similar is None or ind.similar_signal is None:
        return ""
    return f"{ind.similar_signal.kind} dan in vergelijkbare buurten"


def _themes(themes: tuple[str, ...]) -> str:
    words = [similar.THEME_LABELS.get(t, t) for t in themes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1]


def sentence(scan: Scan, place: str) -> str:
    """One sentence naming a few of the similar buurten ('' when there are none)."""
    sim = scan.similar
    if sim is None:
        return ""
    name = scan.region.name
    if not sim.buurten:
        return f"Vergelijkbare buurten: geen, want {sim.reason}." if sim.reason else ""
    named = [f"{b.name} ({b.gemeente_name})" for b in sim.buurten[:NAMED]]
    listed = ", ".join(named[:-1]) + " en " + named[-1] if len(named) > 1 else named[0]
    return wording.tidy(
        f"Vergelijkbaar: de {len(sim.buurten)} buurten buiten {place} die het meest op {name} lijken "
        f"({_themes(sim.themes)}), zoals {listed}.")


def source_text(scan: Scan, place: str, retrieved: str) -> str:
    """How the similar buurten were chosen, for the sources block (``retrieved``: the date, written out)."""
    sim = scan.similar
    entry = next((s for s in scan.sources if s["source"] == similar.NAME), {})
    return wording.tidy(
        f"Vergelijkbare buurten: CBS, {entry.get('title') or 'Kerncijfers wijken en buurten'} (tabel "
        f"{sim.table_id if sim else ''}), alle buurten van Nederland, "
        f"{retrieved}. Gekozen: de {sim.k if sim else similar.DEFAULT_K} buurten buiten "
        f"{place} met de kleinste afstand in {_themes(sim.themes) if sim else 'het profiel'} (elk kenmerk "
        "gestandaardiseerd over alle buurten van Nederland, elk thema even zwaar; herkomst telt niet mee). "
        "Kolom Vergelijkbaar = hun mediaan (de middelste waarde).")

