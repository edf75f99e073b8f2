"""The closing block of a report: the numbered sources, the attribution line and the leeswijzer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import compare
from ..scan import IndicatorResult, Scan
from ..sources import OPEN_SOURCES, SHORT_NAMES, attributions
from . import similar_text, wording
from .formatting import MISSING, SMALL_MARK, number
from .model import SourceNote

PER_DOMAIN = 2  # at most this many items of one domain in "Wat valt op"

PUBLISHERS = SHORT_NAMES  # open source → the name a handout gives it (from the source registry)


def short_date(iso: str | None) -> str:
    """'2026-11-27T10:00:00Z' → '27 november 2026' (the one date style of the reports)."""
    return wording.date(iso)


class Notes:
    """Numbers the sources in order of first use."""

    def __init__(self, scan: Scan) -> None:
        self.entries = {(s["source"], s["table_id"]): s for s in scan.sources}
        self.numbers: dict[tuple[str, str | None], int] = {}

    def number(self, ind: IndicatorResult) -> int:
        key = (ind.source, ind.table_id)
        if ind.table_id is None:
            return 0
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]

    def notes(self) -> list[SourceNote]:
        out = []
        for (source, table_id), n in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            e = self.entries.get((source, table_id), {})
            if source in OPEN_SOURCES:
                # a table not downloaded (the bundled example) names the published files instead of a date
                how = e.get("note") or f"opgehaald op {short_date(e.get('retrieved_at'))}"
                text = (f"{e.get('publisher') or PUBLISHERS[source]}, {e.get('title') or table_id} "
                        f"(tabel {table_id}), cijfers over {e.get('period') or 'onbekend'}, "
                        f"{how}; {wording.licence(e.get('licence'))}.")
            else:
                text = f"Bron: {source}, {delivered(e)}; niet openbaar."
            out.append(SourceNote(n, wording.tidy(text), e.get("base_url") or ""))
        return out


def delivered(entry: dict) -> str:
    """'aangeleverd 12 november 2026' (the date of the mapping or the file), else 'toegevoegd op …'."""
    if entry.get("modified"):
        return f"aangeleverd {short_date(entry['modified'])}"
    merged = (entry.get("partner") or {}).get("merged_at")
    return f"toegevoegd op {short_date(merged)}" if merged else "datum van aanlevering onbekend"


def similar_note(scan: Scan, place: str, used: int) -> tuple[SourceNote, ...]:
    """The last source note: how the vergelijkbare buurten were chosen (none without them)."""
    if not similar_text.has_column(scan):
        return ()
    entry = next((s for s in scan.sources if s["source"] == similar_text.similar.NAME), {})
    when = entry.get("note") or f"opgehaald op {short_date(entry.get('retrieved_at'))}"
    text = similar_text.source_text(scan, place, when)
    return (SourceNote(used + 1, text, entry.get("base_url") or ""),)


def reading_guide(level: str, place: str, *, uses_rivm: bool = True, uses_lbm: bool = True) -> str:
    """What the words and marks of the report mean (the leeswijzer)."""
    peers = "buurten" if level == "buurt" else "wijken"
    parts = [
        (f"Opvallend: de {level} wijkt duidelijk af van "
         f"{'Nederland' if level == 'gemeente' else place + ' én Nederland'} — bij percentages minstens "
         f"{number(compare.PERCENTAGE_POINTS)} procentpunt, bij andere cijfers minstens een kwart hoger of lager. "
         "Gunstig of ongunstig zegt welke kant dat op valt voor bewoners; bij cijfers die alleen beschrijven "
         "wie er wonen (leeftijd, herkomst, dichtheid) staat geen oordeel. "
         f"Wat valt op toont de sterkste afwijkingen, hoogstens {wording.number_word(PER_DOMAIN)} per thema."),
        (f"Rang: de plaats onder de {peers} van {place}, alleen als minstens 80% van de {peers} het cijfer "
         "heeft." if level != "gemeente" else ""),
        f"'{MISSING}': de bron heeft geen cijfer (onbekend of geheim) — dat is nooit 0.",
        (f"Een {SMALL_MARK} achter een cijfer: een klein aantal (minder dan {compare.SMALL_POPULATION} inwoners "
         f"of minder dan {compare.SMALL_COUNT} personen), door CBS afgerond; vergelijk het niet. "
         "'< 5': te klein om te tonen."),
        ("Gezondheidscijfers van RIVM zijn schattingen met een model, geen tellingen." if uses_rivm else ""),
        ("Leefbaarometer: een score voor leefbaarheid die het ministerie van BZK schat uit kenmerken van de "
         "buurt; het Nederlandse gemiddelde staat ernaast. De deelscores (zoals fysieke omgeving) zijn de "
         "afwijking van Nederland, dat 0 heeft: boven 0 is beter." if uses_lbm else ""),
        "Het jaar staat bij elk cijfer; de bronnen staan onderaan, met de datum waarop ze zijn opgehaald.",
    ]
    return " ".join(p for p in parts if p)


def chart_reading(own: str) -> str:
    """How a bar chart reads, in words a presenter says aloud ("donker = buurt, …"; the deck's notes)."""
    return (f"Zo lees je de grafiek: donker = {own}, grijs = gemeente, licht met rand = Nederland. Geen balk "
            "betekent 'niet beschikbaar' (de bron heeft geen cijfer) — nooit 0. De getallen bij de balken zijn "
            "dezelfde als in de tabel.")


def attribution(sources: Sequence[dict[str, Any]]) -> str:
    """The attribution line for these sources (CBS named, CC BY 4.0; partners by name)."""
    used = {s["source"] for s in sources}
    parts = attributions(used)  # from the source registry; CBS always first
    parts[0] = f"Bron: {parts[0]}"
    partners = sorted(u for u in used if u not in OPEN_SOURCES)
    if partners:
        parts.append("partnercijfers: " + ", ".join(partners))
    return "; ".join(parts) + ". Bewerking: buurtscan."
