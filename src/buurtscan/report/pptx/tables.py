"""The key-figure table: a native table whose font size and column widths are fitted to its box."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from ..formatting import MISSING
from ..model import Figure, Report
from .fitting import PT, Box, Para, Run, para, para_height, size_of, steps, text_width
from .ooxml import A, CELL_X, CELL_Y, cell_border, write_paras
from .slide import SlideFiller

RULE = "C9D0D8"

SIMILAR = "Vergelijkbaar"  # the column of the vergelijkbare buurten' median (issue 18)


def with_similar(report: Report, figures: Sequence[Figure]) -> bool:
    """A domain table gets the Vergelijkbaar column when a figure has that median and the model's
    columns do not carry it already (the general table's cells do)."""
    return any(f.similar for f in figures) and SIMILAR not in report.columns_for(tuple(figures))


def columns(report: Report, figures: Sequence[Figure] = ()) -> list[str]:
    """The column titles for a table (or notes line) of these figures, as the model gives them."""
    cols = list(report.columns_for(tuple(figures)))
    return [*cols, SIMILAR] if with_similar(report, figures) else cols


def values(report: Report, f: Figure, figures: Sequence[Figure] = ()) -> list[str]:
    """The cells of a figure, in the order of :func:`columns` (the model's strings)."""
    cells = list(f.cells)
    return [*cells, f.similar or MISSING] if with_similar(report, figures or (f,)) else cells


def _figure_cells(report: Report, f: Figure, figures: Sequence[Figure], *, general: bool,
                  brief: bool = False) -> list[list[Para]]:
    label = [Run(f.label)]
    if f.note:
        label.append(Run(f"\u00a0{f.note}", tone="muted", sup=True))  # no break before the note number
    meta: list[Run] = [Run(f.detail, tone="muted")] if f.detail and not brief else []
    if f.signal and not general:
        meta.append(Run((" · " if meta else "") + f.signal, bold=True, tone="muted"))
    cells = [[Para(tuple(label), before=0)] + ([Para(tuple(meta), scale=0.8, before=0.1)] if meta else [])]
    for j, v in enumerate(values(report, f, figures)):
        if v == MISSING:
            cells.append([para(Run(v, italic=True, tone="muted"), scale=0.8, align="r", before=0)])
        elif f.look(j) == "klein":  # a small number looks different (the model's cell_styles)
            cells.append([para(Run(v, italic=True, tone="muted"), align="r", before=0)])
        else:
            cells.append([para(v, align="r", before=0)])
    return cells


def _row_height(cells: Sequence[Sequence[Para]], widths: Sequence[float], base: float, factor: float) -> float:
    tallest = 0.0
    for content, width in zip(cells, widths, strict=True):
        box = Box(width - 2 * CELL_X, 1e9, factor)
        h = sum(para_height(p, box, base, first=i == 0) for i, p in enumerate(content))
        tallest = max(tallest, h)
    return tallest + 2 * CELL_Y


def _column_widths(rows: Sequence[Sequence[Sequence[Para]]], width: float, base: float, factor: float) -> list[float]:
    """Value columns first: each as wide as its widest figure on one line if they fit in 60% of the table
    and leave the label column its longest word, else narrower down to their longest word ('niet
    beschikbaar' may wrap, a number never); the label column gets the rest."""
    n = len(rows[0]) - 1
    full, word = [], []
    for c in range(1, n + 1):
        paras = [p for row in rows for p in row[c]]
        full.append(max(_line_width(p, base, factor) for p in paras) + 2 * CELL_X + 2)
        word.append(max(_unbroken(p, base, factor, c) for p in paras) + 2 * CELL_X + 2)
    label_need = max(_longest_word(p, base, factor) for row in rows for p in row[0]) + 2 * CELL_X + 2
    cap = max(min(width * 0.6, width - label_need), sum(word))  # a label word whole before a figure on one line
    if sum(full) <= cap:
        need = full
    elif sum(word) <= cap:
        spare = (cap - sum(word)) / (sum(full) - sum(word))
        need = [w + (f - w) * spare for f, w in zip(full, word, strict=True)]
    else:
        need = word
    return [width - sum(need), *need]


@lru_cache(maxsize=50000)
def _line_width(p: Para, base: float, factor: float) -> float:
    size = size_of(p, base)
    return sum(text_width(r.text, size, bold=bool(r.bold), factor=factor) for r in p.runs)


@lru_cache(maxsize=50000)
def _longest_word(p: Para, base: float, factor: float) -> float:
    size = size_of(p, base)
    words = [(w, bool(r.bold)) for r in p.runs for w in r.text.split(" ") if w]
    return max((text_width(w, size, bold=b, factor=factor) for w, b in words), default=0.0)


def _unbroken(p: Para, base: float, factor: float, column: int) -> float:
    """The width that must stay on one line: a figure whole ("€ 113.000"), else the longest word."""
    if column and p.text != MISSING:
        return _line_width(p, base, factor)
    return _longest_word(p, base, factor)


def _breaks_words(rows: Sequence[Sequence[Sequence[Para]]], widths: Sequence[float], base: float,
                  factor: float, columns: Sequence[int]) -> bool:
    return any(_unbroken(p, base, factor, c) > widths[c] - 2 * CELL_X for row in rows for c in columns
               for p in row[c])


def _table_plan(report: Report, figures: Sequence[Figure], rect: tuple[int, int, int, int], factor: float,
                *, general: bool, largest: float, smallest: float):
    """Font size, column widths, rows and row heights of the key-figure table. Preferred, in this order:
    every word whole; then numbers whole (a long label may break); then anything at the smallest size —
    each first with the line under each label, then without it (period, rank and trend are in the notes;
    the signal stays). Rows that do not fit even then are left out (counted in the last value)."""
    width = rect[2] / PT
    header = [[para("")]] + [[para(Run(c, tone="muted"), scale=0.8, align="r", before=0)] for c in columns(report, figures)]
    rows = [_figure_cells(report, f, figures, general=general) for f in figures]
    brief = [_figure_cells(report, f, figures, general=general, brief=True) for f in figures]
    dropped = 0
    values = range(1, len(header))
    sizes = list(steps(largest, smallest))
    while True:
        tables = [[header, *rows], [header, *brief[: len(rows)]]]
        for whole, table in ((w, t) for w in ((0, *values), tuple(values), None) for t in tables):
            found = _largest_fit(table, sizes if whole is not None else [smallest], width, rect[3] / PT, factor, whole)
            if found is not None:
                return (*found[:2], table, found[2], dropped)
        if len(rows) <= 1:
            table = tables[1]
            widths = _column_widths(table, width, smallest, factor)
            return smallest, widths, table, [_row_height(r, widths, smallest, factor) for r in table], dropped
        rows = rows[:-1]
        dropped += 1


def _largest_fit(table: Sequence[Sequence[Sequence[Para]]], sizes: Sequence[float], width: float, room: float,
                 factor: float, whole: Sequence[int] | None) -> tuple[float, list[float], list[float]] | None:
    """The largest of ``sizes`` (descending) at which ``table`` fits ``room`` with the words of the
    ``whole`` columns unbroken: (size, column widths, row heights), or None. A smaller size never fits
    worse (every width and height shrinks with it), so the sizes are bisected rather than walked."""
    def trial(size: float) -> tuple[float, list[float], list[float]] | None:
        widths = _column_widths(table, width, size, factor)
        if whole is not None and (widths[0] < width * 0.25 or _breaks_words(table, widths, size, factor, whole)):
            return None
        heights = _heights_within(table, widths, size, factor, room)
        return None if heights is None else (size, widths, heights)

    first = trial(sizes[0])
    if first is not None or len(sizes) == 1:
        return first
    last = trial(sizes[-1])
    if last is None:
        return None
    lo, hi = 0, len(sizes) - 1  # sizes[lo] does not fit, sizes[hi] does
    while hi - lo > 1:
        mid = (lo + hi) // 2
        got = trial(sizes[mid])
        if got is None:
            lo = mid
        else:
            hi, last = mid, got
    return last


def least_height(filler: SlideFiller, idx: int, figures: Sequence[Figure], rect: tuple[int, int, int, int]) -> float:
    """The least height (points) a table of ``figures`` as wide as ``rect`` needs with every row and no
    number broken: at the smallest size, without the lines under the labels if that is less."""
    report, factor, width = filler.ctx.report, filler.ctx.body_factor, rect[2] / PT
    header = [[para("")]] + [[para(Run(c, tone="muted"), scale=0.8, align="r", before=0)] for c in columns(report, figures)]
    best = float("inf")
    for brief in (False, True):
        table = [header, *(_figure_cells(report, f, figures, general=False, brief=brief) for f in figures)]
        found = _largest_fit(table, [10.0], width, best, factor, range(1, len(header)))
        if found is not None:
            best = sum(found[2])
    return best


def _heights_within(table: Sequence[Sequence[Sequence[Para]]], widths: Sequence[float], size: float, factor: float,
                    room: float) -> list[float] | None:
    """The row heights, or None as soon as they exceed ``room`` (no need to measure the rest)."""
    heights, total = [], 0.0
    for row in table:
        h = _row_height(row, widths, size, factor)
        total += h
        if total > room:
            return None
        heights.append(h)
    return heights


def add_figure_table(filler: SlideFiller, idx: int, figures: Sequence[Figure], rect: tuple[int, int, int, int],
                     *, general: bool) -> int:
    """The key figures as a native table at the placeholder's place; returns how many were left out."""
    report = filler.ctx.report
    largest = max(filler.size_of(idx, 14), 12.0)
    size, widths, rows, heights, dropped = _table_plan(report, figures, rect, filler.ctx.body_factor, general=general,
                                                       largest=largest, smallest=10.0)
    filler.remove(idx)
    x, y, w, _h = rect
    total = int(sum(heights) * PT)
    frame = filler.slide.shapes.add_table(len(rows), len(widths), x, y, w, total)
    frame.name = "Kerncijfers"
    tbl = frame._element.find(f".//{A}tbl")
    tbl_pr = tbl.find(A + "tblPr")
    for attr in ("firstRow", "bandRow"):
        tbl_pr.set(attr, "0")
    style = tbl_pr.find(A + "tableStyleId")
    if style is not None:
        style.text = "{2D5ABB26-0587-4C30-8999-92F81FD0307C}"  # "No Style, No Grid"
    for col, wd in zip(tbl.find(A + "tblGrid").findall(A + "gridCol"), widths, strict=True):
        col.set("w", str(int(wd * PT)))
    for r, (tr, cells, height) in enumerate(zip(tbl.findall(A + "tr"), rows, heights, strict=True)):
        tr.set("h", str(int(height * PT)))
        for tc, content in zip(tr.findall(A + "tc"), cells, strict=True):
            tx_body = tc.find(A + "txBody")
            write_paras(tx_body, content, size)
            tx_body.replace(tx_body.find(A + "bodyPr"), etree.Element(A + "bodyPr"))
            cell_border(tc, bottom=RULE if r == 0 else "E3E7EC")
    return dropped


