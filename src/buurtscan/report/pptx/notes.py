"""Speaker notes: where each figure comes from and how to read it, in words a presenter reads aloud."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..model import Figure, Report
from ..wording import tidy as wording_tidy
from . import fast
from .fitting import clean
from .tables import columns, values

def source_lines(report: Report) -> list[str]:
    lines = ["Bronnen:"]
    lines += [f"[{s.number}] {clean(s.text)}" + (f" {s.url}" if s.url else "") for s in report.sources]
    if not report.sources:
        lines.append("geen bronnen met cijfers in de cache.")
    lines.append(clean(report.attribution))
    return lines


def series_word(name: str) -> str:
    """'Buurt' → 'buurt' in running text; 'Nederland' stays a name."""
    return name if name == "Nederland" else name.lower()


def figure_line(report: Report, f: Figure) -> str:
    cols = columns(report, (f,))
    vals = ", ".join(f"{series_word(c)} {v}" for c, v in zip(cols, values(report, f), strict=True))
    bits = [f.detail and f"periode {f.detail}", f.signal and f"signaal: {f.signal}",
            f.note and f"bron [{f.note}] {f.source}"]
    if not f.note:
        bits.append(f"bron: {f.source}, niet in de cache")
    return f"- {f.label}: {vals}. {wording_tidy('; '.join(b for b in bits if b))}."


SIGNALS = ("Signaal: 'ongunstig' of 'gunstig' als de buurt duidelijk afwijkt van de gemeente én Nederland (bij "
           "percentages minstens 5 procentpunt, bij andere cijfers minstens een kwart); 'opvallend' als de afwijking "
           "groot is maar goed noch slecht. Een * achter een cijfer: klein aantal, niet vergelijken.")


def set_notes(filler: Any, lines: Sequence[str]) -> None:
    """The speaker notes of the filler's slide, one line a paragraph."""
    text = "\n".join(clean(line) for line in lines if line is not None)
    fast.set_notes_text(filler.slide, text, filler.ctx.protos)


_CLI = re.compile(r";?\s*zie\s+`[^`]*`|\s*\(--[a-z-]+\)|`")


def plain_notice(text: str) -> str:
    """A notice without command-line words (the notes are read aloud, not typed)."""
    return _CLI.sub("", text).strip()




def policy_text(p: Any) -> str:
    out = p.wat
    if p.waar:
        out += f" — {p.waar}"
    if p.wanneer:
        out += f" ({p.wanneer})"
    if p.bron:
        out += f" Bron: {p.bron}"
    return out
