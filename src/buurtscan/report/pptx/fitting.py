"""Text fitting: paragraphs of runs, measured with the advance widths of the theme font (fonts.py),
flowed through boxes, shrunk within bounds, else items left out whole or cut with '…' and a notice."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from . import fonts
from ...text import squash

SAFETY = 1.05  # kerning, hinting and renderer differences
LINE = 1.2  # line height as a multiple of the font size (single spacing)
PT = 12700  # EMU per point
BULLET_INDENT = 0.22 * 72  # points
INSET_X, INSET_Y = 0.1 * 72, 0.06 * 72  # text frame insets, points

_SPACES = re.compile(r"[^\S\u00a0]+")  # whitespace, but a no-break space stays
_XML_BAD = {c: None for c in (*range(9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0))}


_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean(text: Any, *, single_line: bool = True) -> str:
    """Plain text PowerPoint can store: no control characters (they corrupt the file), no surrogates."""
    text = _NOT_XML.sub("", str(text).translate(_XML_BAD))
    if single_line:
        text = squash(text)
    return text


@lru_cache(maxsize=20000)
def _units(text: str, bold: bool) -> float:
    table, other = fonts.advances(bold), fonts.unknown(bold)
    return sum(table.get(ch, other) for ch in text)


def text_width(text: str, size: float, *, bold: bool = False, factor: float = 1.0) -> float:
    """Estimated width in points of ``text`` at ``size`` points."""
    return _units(text, bold) * size / 1000 * factor * SAFETY


# ---------------------------------------------------------------------------------------------
# Paragraphs, boxes and fitting


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool | None = None  # None: as the placeholder says (measured as bold in headings)
    italic: bool = False
    tone: str = ""  # "" (as the placeholder says), "muted", "accent"
    sup: bool = False
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _SPACES.sub(" ", clean(self.text, single_line=False)))
        object.__setattr__(self, "_hash", hash((self.text, self.bold, self.italic, self.tone, self.sup)))

    def __hash__(self) -> int:  # computed once: runs are the keys of the measuring caches
        return self._hash


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]
    scale: float = 1.0  # size relative to the box's base size
    bullet: bool = False
    before: float = 0.45  # space before, in lines of this paragraph (not for the first in a box)
    keep: bool = False  # keep with the next paragraph (headings)
    drop: int | None = None  # may be left out when space is short; the highest goes first
    cut: bool = False  # long free text: may be shortened with '…' when space is short
    align: str | None = None  # "r", "ctr"
    with_heading: bool = False  # when left out, the heading right before it goes too
    _hash: int = field(init=False, repr=False, compare=False)
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.runs, self.scale, self.bullet, self.before, self.keep, self.drop,
                                                self.cut, self.align, self.with_heading)))
        object.__setattr__(self, "_text", "".join(r.text for r in self.runs))

    def __hash__(self) -> int:  # computed once: paragraphs are the keys of the measuring caches
        return self._hash

    @property
    def text(self) -> str:
        return self._text


def para(*runs: Run | str, **kw: Any) -> Para:
    return Para(tuple(Run(r) if isinstance(r, str) else r for r in runs), **kw)


def heading(text: str, **kw: Any) -> Para:
    kw.setdefault("scale", 0.9)
    kw.setdefault("before", 0.8)
    return para(Run(text, bold=True, tone="accent"), keep=True, **kw)


def notice(text: str) -> Para:
    return para(Run(text, italic=True, tone="muted"), scale=0.8, before=0.4)


@dataclass(frozen=True)
class Box:
    """The text area of a shape, in points (insets taken off)."""

    width: float
    height: float
    factor: float = 1.0
    bold: bool = False  # how runs that inherit their weight are measured

    @classmethod
    def of(cls, rect: tuple[int, int, int, int], factor: float, *, bold: bool = False) -> Box:
        return cls(rect[2] / PT - 2 * INSET_X, rect[3] / PT - 2 * INSET_Y, factor, bold)


def size_of(p: Para, base: float) -> float:
    return round(base * p.scale * 2) / 2


def count_lines(runs: Sequence[Run], width: float, size: float, factor: float, *, bold: bool = False) -> int:
    """Lines a paragraph takes when wrapped at word boundaries (long words broken)."""
    return _count_lines(tuple(runs), width, size, factor, bold)


@lru_cache(maxsize=100000)
def _count_lines(runs: tuple[Run, ...], width: float, size: float, factor: float, bold: bool) -> int:
    scale = size / 1000 * factor * SAFETY  # widths are linear in the size: words are measured once, in units
    space = fonts.advances(False)[" "] * scale
    lines, line = 1, 0.0
    for units, word in _words(runs, bold):
        w = units * scale
        if line and line + space + w <= width:
            line += space + w
            continue
        if line:
            lines += 1
            line = 0.0
        if w <= width:
            line = w
            continue
        for piece, b in word:  # a word longer than the line is broken anywhere
            for ch in piece:
                cw = text_width(ch, size, bold=b, factor=factor)
                if line and line + cw > width:
                    lines += 1
                    line = 0.0
                line += cw
    return lines


@lru_cache(maxsize=50000)
def _words(runs: tuple[Run, ...], bold: bool) -> tuple[tuple[float, tuple[tuple[str, bool], ...]], ...]:
    """The words of a paragraph with their widths in font units (thousandths of an em; a word may span
    runs of different weight)."""
    words: list[list[tuple[str, bool]]] = [[]]  # each word as pieces of one weight
    for run in runs:
        weight = bold if run.bold is None else run.bold
        for k, piece in enumerate(run.text.split(" ")):
            if k:
                words.append([])
            if piece:
                words[-1].append((piece, weight))
    return tuple((sum(_units(piece, b) for piece, b in word), tuple(word)) for word in words)


def para_height(p: Para, box: Box, base: float, *, first: bool) -> float:
    size = size_of(p, base)
    width = box.width - (BULLET_INDENT if p.bullet else 0)
    lines = count_lines(p.runs, width, size, box.factor, bold=box.bold)
    return lines * size * LINE + (0 if first else p.before * size)


def _flow(paras: Sequence[Para], boxes: Sequence[Box], base: float) -> list[list[Para]] | None:
    """Fill the boxes in order (like columns); None when the paragraphs do not fit."""
    out: list[list[Para]] = [[] for _ in boxes]
    b, used, i = 0, 0.0, 0
    while i < len(paras):
        p = paras[i]
        h = para_height(p, boxes[b], base, first=not out[b])
        need = h
        if p.keep and i + 1 < len(paras):
            nxt = paras[i + 1]
            need += size_of(nxt, base) * (LINE + nxt.before)
        if used + need <= boxes[b].height + 0.01:
            out[b].append(p)
            used += h
            i += 1
            continue
        b += 1
        used = 0.0
        if b == len(boxes):
            return None
    return out


def steps(largest: float, smallest: float) -> Iterable[float]:
    size = largest
    while size >= smallest - 1e-9:
        yield size
        size -= 0.5


@dataclass
class Fitted:
    size: float
    boxes: list[list[Para]]
    shortened: bool = False  # something was left out or cut (the full text is in the notes)


def fit(paras: Sequence[Para], boxes: Sequence[Box], largest: float, smallest: float,
        *, short_notice: str = "Niet alles past op deze dia; alles staat in de notities.") -> Fitted:
    """The largest size at which everything fits; else leave out droppable items; else shorten the long
    free texts (``cut``) as little as needed; else cut wherever the space ends, always with '…' and a notice."""
    paras = list(paras)
    for size in steps(largest, smallest):
        placed = _flow(paras, boxes, size)
        if placed is not None:
            return Fitted(size, placed)
    kept = set(range(len(paras)))

    def unit(i: int) -> set[int]:  # an item left out takes its own heading along
        return {i, i - 1} if paras[i].with_heading and i > 0 and paras[i - 1].keep else {i}

    def listed(idx: set[int]) -> list[Para]:
        return _without_orphan_headings([paras[k] for k in sorted(idx)])

    order = sorted((i for i, p in enumerate(paras) if p.drop is not None), key=lambda i: (-(paras[i].drop or 0), -i))
    removed: list[int] = []
    for i in order:
        if i not in kept:
            continue
        kept -= unit(i)
        removed.append(i)
        placed = _flow([*listed(kept), notice(short_notice)], boxes, smallest)
        if placed is not None:
            # put back, whole, what fits again now (a short item left out before a long one)
            for j in reversed(removed[:-1]):
                trial = kept | unit(j)
                again = _flow([*listed(trial), notice(short_notice)], boxes, smallest)
                if again is not None:
                    kept, placed = trial, again
            return Fitted(smallest, placed, shortened=True)
    keep = listed(kept)
    for i, p in enumerate(keep):
        if not p.cut:
            continue
        lo, hi, best = 1, len(p.text.split()) - 1, None
        while lo <= hi:
            mid = (lo + hi) // 2
            placed = _flow([*keep[:i], _first_words(p, mid), *keep[i + 1:], notice(short_notice)], boxes, smallest)
            if placed is not None:
                best, lo = placed, mid + 1
            else:
                hi = mid - 1
        if best is not None:
            return Fitted(smallest, best, shortened=True)
    return Fitted(smallest, _cut(keep, boxes, smallest, notice(short_notice)), shortened=True)


def _without_orphan_headings(paras: list[Para]) -> list[Para]:
    out = []
    for i, p in enumerate(paras):
        if p.keep and (i + 1 == len(paras) or paras[i + 1].keep and paras[i + 1].scale >= p.scale):
            continue
        out.append(p)
    return out


def _cut(paras: Sequence[Para], boxes: Sequence[Box], base: float, tail: Para) -> list[list[Para]]:
    """Place what fits; the paragraph that does not fit is cut at a word with '…', then the notice."""
    out: list[list[Para]] = [[] for _ in boxes]
    b, used = 0, 0.0
    for p in paras:
        while True:
            box = boxes[b]
            h = para_height(p, box, base, first=not out[b])
            last = b == len(boxes) - 1
            reserve = para_height(tail, box, base, first=False) if last else 0.0
            if used + h + reserve <= box.height + 0.01:
                out[b].append(p)
                used += h
                break
            if not last:
                b, used = b + 1, 0.0
                continue
            short = _shorten_to(p, box, base, box.height - used - reserve, first=not out[b])
            if short is not None:
                out[b].append(short)
            out[b].append(tail)  # its room was kept free
            return out
    return out


def _shorten_to(p: Para, box: Box, base: float, room: float, *, first: bool) -> Para | None:
    """``p`` cut at a word boundary with '…' so that it takes at most ``room`` points; None if nothing fits."""
    words = [(i, w) for i, r in enumerate(p.runs) for w in r.text.split(" ") if w]
    lo, hi, best = 1, len(words), None
    while lo <= hi:
        mid = (lo + hi) // 2
        cand = _first_words(p, mid)
        if para_height(cand, box, base, first=first) <= room + 0.01:
            best, lo = cand, mid + 1
        else:
            hi = mid - 1
    return best


def _first_words(p: Para, n: int) -> Para:
    runs: list[Run] = []
    left = n
    for r in p.runs:
        words = [w for w in r.text.split(" ") if w]
        if left <= 0:
            break
        if len(words) <= left:
            runs.append(r)
            left -= len(words)
        else:
            runs.append(replace(r, text=(" " if r.text.startswith(" ") else "") + " ".join(words[:left])))
            left = 0
    last = runs[-1]
    runs[-1] = replace(last, text=last.text.rstrip(" ,;:.—–-") + "…")
    return replace(p, runs=tuple(runs))


