"""The figure tables of the Word note: a label column that keeps the room, value columns as wide
as their widest value on one line, a bold header row that repeats, rows that never split, and the
whole table kept together and with the heading before it.

The cells are the model's own text (:attr:`Figure.cells`, :attr:`Figure.similar`); nothing is
formatted here. "niet beschikbaar" breaks between its two words, as in the PDF.
"""

from __future__ import annotations

from ..formatting import MISSING
from ..model import Figure
from . import xml
from .base import MUTED, RULE, SOFT
from .measure import longest_word_cm, width_cm

MARGIN = 0.06  # cm, left and right in every cell
LINES = 0.88  # line height in the tables, as a multiple of the font's
MIN_LABEL = 3.4  # cm: a "Vergelijkbaar" column is added only while the label column keeps this much
_SHADE = {"ongunstig": ("222222", "FFFFFF", False), "opvallend": ("DDDDDD", "000000", False),
          "gunstig": (None, "000000", True)}


def badge(signal: str, size: float) -> str:
    """The signal as a small shaded label, like the PDF's badge (greyscale-safe)."""
    fill, colour, boxed = _SHADE.get(signal, (None, "000000", True))
    return xml.run(f"\u00a0{signal}\u00a0", xml.Font(size=size, bold=True, colour=colour, shade=fill, border=boxed))


def value_run(v: str, size: float, small: float, look: str = "") -> str:
    """One value cell; ``look`` is the model's :attr:`Figure.cell_styles` entry for it."""
    if v == MISSING:
        return xml.run(v.replace(" ", "\n"), xml.Font(size=small, italic=True, colour=MUTED))
    if look == "klein":  # a small number looks different
        return xml.run(v.replace(" ", "\u00a0"), xml.Font(size=size, italic=True, colour=MUTED))
    return xml.run(v.replace(" ", "\u00a0"), xml.Font(size=size))


def _value_width(values: list[str], title: str, size: float, small: float) -> float:
    widest = max((longest_word_cm(v, small) if v == MISSING else width_cm(v, size) for v in values), default=0.0)
    return max(widest, longest_word_cm(title, small, bold=True)) + 2 * MARGIN + 0.06


def columns(figures: tuple[Figure, ...], titles: tuple[str, ...], similar_title: str, total_cm: float,
            size: float, small: float) -> tuple[list[str], list[list[str]], list[float]]:
    """The column titles, each figure's cells and the widths (label first) of one table.

    The vergelijkbare buurten's column is added where the figures carry it and the label column
    keeps at least :data:`MIN_LABEL` cm (else :func:`figure_table` puts it in the detail line)."""
    cells = [list(f.cells) for f in figures]
    heads = list(titles)
    widths = [_value_width([c[j] for c in cells], heads[j], size, small) for j in range(len(heads))]
    if similar_title and similar_title not in heads and figures and all(f.similar for f in figures):
        extra = _value_width([f.similar for f in figures], similar_title, size, small)
        if total_cm - sum(widths) - extra >= MIN_LABEL:
            heads.append(similar_title)
            widths.append(extra)
            for c, f in zip(cells, figures, strict=True):
                c.append(f.similar)
    return heads, cells, [total_cm - sum(widths), *widths]


def figure_table(figures: tuple[Figure, ...], titles: tuple[str, ...], similar_title: str, total_cm: float,
                 size: float, small: float, *, keep_after: bool = False) -> str:
    """The table as XML. ``keep_after`` keeps its last row with what follows too."""
    heads, cells, widths = columns(figures, titles, similar_title, total_cm, size, small)
    head_font = xml.Font(size=small, bold=True, colour=MUTED)
    line = xml.border("bottom", RULE, 4, 0)
    rows = [xml.row([xml.para(keep=True, after=0, before=0, lines=LINES),
                     *(xml.para(xml.run(h, head_font), keep=True, after=0, before=0, align="right", lines=LINES) for h in heads)],
                    widths, header=True, bottom=line)]
    thin = xml.border("bottom", SOFT, 2, 0)
    detail = xml.Font(size=small, colour=MUTED)
    for i, (f, values) in enumerate(zip(figures, cells, strict=True)):
        # the heading, the header row and the first two rows stay together; a longer table may go on
        # in the next column, between rows, under its repeated header row (as the last row stays with the one before)
        keep = keep_after or i < 1 or i == len(figures) - 2
        label = xml.run(f.label, xml.Font(size=size))
        if f.note:
            label += xml.run(f"\u2009[{f.note}]", detail)
        if f.signal:
            label += xml.run(" ", xml.Font(size=size)) + badge(f.signal, small)
        first = xml.para(label, keep=True, before=0, after=0, lines=LINES)
        text = f.detail
        if similar_title and similar_title not in heads and f.similar and f.similar != MISSING:
            text = " · ".join(t for t in (text, f"{similar_title}: {f.similar}") if t)  # no room for its column
        if not text:
            vals = [xml.para(value_run(v, size, small, f.look(j)), keep=keep, before=0, after=0, align="right",
                             lines=LINES) for j, v in enumerate(values)]
            rows.append(xml.row([first, *vals], widths, bottom=thin))
            continue
        # the detail line under the label and the values, over the whole width (as compact as the PDF's)
        vals = [xml.para(value_run(v, size, small, f.look(j)), keep=True, before=0, after=0, align="right",
                         lines=LINES) for j, v in enumerate(values)]
        rows.append(xml.row([first, *vals], widths))
        rows.append(xml.row([xml.para(xml.run(text, detail), keep=keep, before=0, after=0.5, lines=LINES)],
                            [sum(widths)], bottom=thin, span=len(widths)))
    return xml.table(rows, widths, margins_cm=MARGIN)
