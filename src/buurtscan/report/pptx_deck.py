"""The short PowerPoint deck: native, editable charts in the gemeente's own house style.

At most twelve slides plus a closing slide, built from the ready report model (no cache, no network)::

    1   cover: title, subtitle, code · date, "Wat valt op" (the summary) and the intro
    2   Algemene gegevens: key figures with a figure for the buurt (table) and the leeftijdsopbouw
    3…  one slide per domain with buurt figures: those figures, a chart only where it compares the
        buurt with gemeente/Nederland, the questions for the conversation (18 pt), what stands out,
        partner figures and one story with its photo
    …   "Wat we (nog) niet weten": the domains without buurt figures, what is missing and why, and
        their questions — never a table of "niet beschikbaar"
    …   Beleid & ontwikkelingen (when given), with a notice of what was left out
    …   Bronnen: sources, attribution and how to read the figures
    …   closing: "Wat herkent u? Wat missen we?"

The summary shares the cover: title + samenvatting + algemeen + 8 domains + beleid + bronnen
would be thirteen. Every slide has speaker notes with where its figures come from (source,
table id, period, retrieval date) and how to read them; anything shortened on a slide is in
full in its notes.

The deck is made from a template (``deck.pptx``: the user's templates folder first, then the
packaged one, or ``--template``) whose *named layouts* have placeholders that are filled by
``idx`` (:data:`LAYOUTS`; docs/deck-template.md). Text never spills out of its box: every box
is measured with the metrics of Arial (scaled for the theme's font), the font is shrunk within
bounds and, if that is not enough, items are left out or the text is cut with "…" and a notice.
Numbers are the model's Dutch strings; charts carry the raw values (a missing value is a gap,
never 0) with the model's strings as data labels.
"""

from __future__ import annotations

import copy
import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import UsageError
from . import templates
from .formatting import MISSING
from .wording import count as wording_count
from .wording import tidy as wording_tidy
from .formatting import figure as format_figure
from .model import Bar, Chart, DomainSection, Figure, PartnerFigure, Report
from .pptx_trend import add_trend_chart, trend_figure

TEMPLATE = "deck.pptx"
DOC = "docs/deck-template.md"
MAX_SLIDES = 12

# layout key → (layout name, required placeholders idx → purpose, optional placeholders)
LAYOUTS: dict[str, tuple[str, dict[int, str], dict[int, str]]] = {
    "titel": ("buurtscan titel", {0: "titel", 1: "ondertitel", 13: "code en datum", 14: "wat valt op"},
              {15: "inleiding"}),
    "grafiek": ("buurtscan grafiek", {0: "titel", 13: "grafiek", 14: "kerncijfers", 15: "signalen",
                                      16: "partners en verhaal"}, {}),
    "beleid": ("buurtscan beleid", {0: "titel", 13: "linkerkolom", 14: "rechterkolom"}, {}),
    "bronnen": ("buurtscan bronnen", {0: "titel", 13: "bronnen", 14: "leeswijzer"}, {}),
}

# Chart colours that stay apart in greyscale: dark, mid grey, light with a dark outline.
SERIES_FILL = ("1F3A5F", "8A96A3", "E6EAEF")
SERIES_LINE = (None, None, "1F3A5F")
RULE = "C9D0D8"
EMPTY_FILL = "F4F6F8"  # the area of a chart or table that has nothing to show

# ---------------------------------------------------------------------------------------------
# Text measurement: advance widths of Arial / Liberation Sans (per 1000 em), regular and bold.

_CHARS = ("\u00a0 !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
          "àáâäçèéêëíîïñóôöúûüÀÉÖÜ€–—…“”‘’·²³±−×°«»")
_REGULAR = (
    "278 278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 "
    "278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 "
    "556 333 500 278 556 500 722 500 500 500 334 260 334 584 556 556 556 556 500 556 556 556 556 278 278 278 556 "
    "556 556 556 556 556 556 667 667 778 722 556 556 1000 1000 333 333 222 222 278 333 333 549 584 584 400 556 556"
)
_BOLD = (
    "278 278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 333 "
    "333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 "
    "667 944 667 667 611 333 278 333 584 556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 "
    "611 389 556 333 611 556 778 556 556 500 389 280 389 584 556 556 556 556 556 556 556 556 556 278 278 278 611 "
    "611 611 611 611 611 611 722 667 778 722 556 556 1000 1000 500 500 278 278 278 333 333 549 584 584 400 556 556"
)
WIDTHS = {
    False: dict(zip(_CHARS, map(int, _REGULAR.split()), strict=True)),
    True: dict(zip(_CHARS, map(int, _BOLD.split()), strict=True)),
}
UNKNOWN_WIDTH = 700  # a character outside the table (wider than most)
SAFETY = 1.05  # kerning, hinting and renderer differences
LINE = 1.2  # line height as a multiple of the font size (single spacing)
# Average advance of a theme font relative to Arial; unknown fonts count as 10% wider.
FONT_FACTORS = {
    "arial": 1.0, "helvetica": 1.0, "liberation sans": 1.0, "arimo": 1.0, "roboto": 1.0, "aptos": 1.02,
    "calibri": 1.0, "carlito": 1.0, "lato": 1.0, "source sans pro": 1.0, "segoe ui": 1.04, "tahoma": 1.03,
    "trebuchet ms": 1.03, "open sans": 1.08, "verdana": 1.18, "century gothic": 1.12, "georgia": 1.08,
    "times new roman": 1.0, "cambria": 1.0, "dejavu sans": 1.1,
}
UNKNOWN_FONT = 1.1
PT = 12700  # EMU per point
BULLET_INDENT = 0.22 * 72  # points
INSET_X, INSET_Y = 0.1 * 72, 0.06 * 72  # text frame insets, points

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
A = f"{{{NS['a']}}}"
P = f"{{{NS['p']}}}"

_SPACES = re.compile(r"[^\S\u00a0]+")  # whitespace, but a no-break space stays
_XML_BAD = {c: None for c in (*range(9), 11, 12, *range(14, 32), 127, *range(0x80, 0xA0))}


_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


def clean(text: Any, *, single_line: bool = True) -> str:
    """Plain text PowerPoint can store: no control characters (they corrupt the file), no surrogates."""
    text = _NOT_XML.sub("", str(text).translate(_XML_BAD))
    if single_line:
        text = " ".join(text.split())
    return text


@lru_cache(maxsize=20000)
def _units(text: str, bold: bool) -> int:
    table = WIDTHS[bold]
    return sum(table.get(ch, UNKNOWN_WIDTH) for ch in text)


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _SPACES.sub(" ", clean(self.text, single_line=False)))


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

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


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


def _size(p: Para, base: float) -> float:
    return round(base * p.scale * 2) / 2


def count_lines(runs: Sequence[Run], width: float, size: float, factor: float, *, bold: bool = False) -> int:
    """Lines a paragraph takes when wrapped at word boundaries (long words broken)."""
    words: list[list[tuple[str, bool]]] = [[]]  # each word as pieces of one weight
    for run in runs:
        weight = bold if run.bold is None else run.bold
        for k, piece in enumerate(run.text.split(" ")):
            if k:
                words.append([])
            if piece:
                words[-1].append((piece, weight))
    space = WIDTHS[False][" "] * size / 1000 * factor * SAFETY
    lines, line = 1, 0.0
    for word in words:
        w = sum(text_width(piece, size, bold=b, factor=factor) for piece, b in word)
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


def para_height(p: Para, box: Box, base: float, *, first: bool) -> float:
    size = _size(p, base)
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
            need += _size(nxt, base) * (LINE + nxt.before)
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


def _steps(largest: float, smallest: float) -> Iterable[float]:
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
    for size in _steps(largest, smallest):
        placed = _flow(paras, boxes, size)
        if placed is not None:
            return Fitted(size, placed)
    keep = list(paras)
    order = sorted((i for i, p in enumerate(paras) if p.drop is not None), key=lambda i: (-paras[i].drop, -i))
    removed: list[int] = []
    for i in order:
        keep.remove(paras[i])
        removed.append(i)
        keep = _without_orphan_headings(keep)
        placed = _flow([*keep, notice(short_notice)], boxes, smallest)
        if placed is not None:
            # put back, whole, what fits again now (a short item left out before a long one)
            for j in reversed(removed[:-1]):
                trial = _without_orphan_headings([q for k, q in enumerate(paras) if q in keep or k == j])
                again = _flow([*trial, notice(short_notice)], boxes, smallest)
                if again is not None:
                    keep, placed = trial, again
            return Fitted(smallest, placed, shortened=True)
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


# ---------------------------------------------------------------------------------------------
# Writing text into shapes


def _colour(tone: str) -> etree._Element | None:
    if tone == "muted":
        fill = etree.Element(A + "solidFill")
        clr = etree.SubElement(fill, A + "schemeClr", val="tx1")
        etree.SubElement(clr, A + "lumMod", val="60000")
        etree.SubElement(clr, A + "lumOff", val="40000")
        return fill
    if tone == "accent":
        fill = etree.Element(A + "solidFill")
        etree.SubElement(fill, A + "schemeClr", val="tx2")
        return fill
    return None


def _set_body(tx_body: etree._Element, *, anchor: str | None = None) -> None:
    body_pr = tx_body.find(A + "bodyPr")
    if body_pr is None:
        body_pr = etree.Element(A + "bodyPr")
        tx_body.insert(0, body_pr)
    for name, value in (("lIns", INSET_X), ("rIns", INSET_X), ("tIns", INSET_Y), ("bIns", INSET_Y)):
        body_pr.set(name, str(int(value * PT)))
    body_pr.set("wrap", "square")
    if anchor:
        body_pr.set("anchor", anchor)
    for child in list(body_pr):
        if child.tag in (A + "noAutofit", A + "normAutofit", A + "spAutoFit"):
            body_pr.remove(child)
    body_pr.insert(0, etree.Element(A + "noAutofit"))


def write_paras(tx_body: etree._Element, paras: Sequence[Para], base: float, *, anchor: str | None = None) -> None:
    """Replace the text of a txBody by ``paras`` with explicit sizes, spacing and bullets."""
    _set_body(tx_body, anchor=anchor)
    for p_el in tx_body.findall(A + "p"):
        tx_body.remove(p_el)
    if not paras:
        etree.SubElement(tx_body, A + "p")
        return
    for n, p in enumerate(paras):
        size = _size(p, base)
        p_el = etree.SubElement(tx_body, A + "p")
        ppr = etree.SubElement(p_el, A + "pPr")
        ppr.set("marL", str(int(BULLET_INDENT * PT)) if p.bullet else "0")
        ppr.set("indent", str(-int(BULLET_INDENT * PT)) if p.bullet else "0")
        if p.align:
            ppr.set("algn", p.align)
        etree.SubElement(etree.SubElement(ppr, A + "lnSpc"), A + "spcPct", val="100000")
        etree.SubElement(etree.SubElement(ppr, A + "spcBef"), A + "spcPts",
                         val=str(0 if n == 0 else round(p.before * size * 100)))
        etree.SubElement(etree.SubElement(ppr, A + "spcAft"), A + "spcPts", val="0")
        if p.bullet:
            etree.SubElement(ppr, A + "buFont", typeface="Arial")
            etree.SubElement(ppr, A + "buChar", char="•")
        else:
            etree.SubElement(ppr, A + "buNone")
        for run in p.runs:
            text = clean(run.text, single_line=False).replace("\n", " ")
            if not text:
                continue
            r_el = etree.SubElement(p_el, A + "r")
            rpr = etree.SubElement(r_el, A + "rPr", lang="nl-NL", sz=str(round(size * 100)), dirty="0")
            if run.bold is not None:
                rpr.set("b", "1" if run.bold else "0")
            if run.italic:
                rpr.set("i", "1")
            if run.sup:
                rpr.set("baseline", "30000")
            fill = _colour(run.tone)
            if fill is not None:
                rpr.append(fill)
            etree.SubElement(r_el, A + "t").text = text
        etree.SubElement(p_el, A + "endParaRPr", lang="nl-NL", sz=str(round(size * 100)))


def measure_cell(tc: etree._Element, width_pt: float, factor: float = 1.0) -> float:
    """Estimated height (points) of a table cell's text, with the cell's own margins."""
    tc_pr = tc.find(A + "tcPr")
    mar = {k: int(tc_pr.get(k, d)) / PT if tc_pr is not None else d / PT
           for k, d in (("marL", 91440), ("marR", 91440), ("marT", 45720), ("marB", 45720))}
    inner = measure_tx_body(tc.find(A + "txBody"), width_pt - mar["marL"] - mar["marR"], factor, insets=False)
    return inner + mar["marT"] + mar["marB"]


def measure_tx_body(tx_body: etree._Element, width_pt: float, factor: float = 1.0, *, bold: bool = False,
                    insets: bool = True) -> float:
    """Estimated height (points) of the text in a txBody as written, for ``width_pt`` of the shape.

    Reads the sizes, bold, bullets and spacing that :func:`write_paras` wrote; used by the tests
    to check that no text frame holds more than fits.
    """
    body_pr = tx_body.find(A + "bodyPr")

    def ins(name: str, default: int) -> float:
        if not insets:
            return 0.0
        return int(body_pr.get(name, default)) / PT if body_pr is not None else default / PT

    inner = width_pt - ins("lIns", 91440) - ins("rIns", 91440)
    total = ins("tIns", 45720) + ins("bIns", 45720)
    for n, p_el in enumerate(tx_body.findall(A + "p")):
        runs, size = [], None
        for r_el in p_el.findall(A + "r"):
            rpr = r_el.find(A + "rPr")
            size = int(rpr.get("sz", "1800")) / 100 if rpr is not None else 18.0
            weight = None if rpr is None or rpr.get("b") is None else rpr.get("b") == "1"
            runs.append(Run(r_el.findtext(A + "t") or "", bold=weight))
        if size is None:
            end = p_el.find(A + "endParaRPr")
            size = int(end.get("sz", "1800")) / 100 if end is not None else 18.0
        ppr = p_el.find(A + "pPr")
        mar = int(ppr.get("marL", "0")) / PT if ppr is not None else 0.0
        before = 0.0
        if ppr is not None and n > 0:
            spc = ppr.find(f"{A}spcBef/{A}spcPts")
            before = int(spc.get("val")) / 100 if spc is not None else 0.0
        total += before + count_lines(runs, inner - mar, size, factor, bold=bold) * size * LINE
    return total


# ---------------------------------------------------------------------------------------------
# Template: find, check, inspect


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def load_template(report_path: Path) -> Any:
    from pptx import Presentation

    try:
        return Presentation(str(report_path))
    except Exception as exc:  # noqa: BLE001 - python-pptx raises zip, XML and key errors alike
        raise UsageError(
            f"The deck template {report_path} cannot be opened as a PowerPoint .pptx file ({type(exc).__name__}).",
            tip=f"Save it from PowerPoint as .pptx (not .potx or .ppt); see {DOC}.",
        ) from None


def check_template(prs: Any, name: str) -> dict[str, Any]:
    """The layouts the deck needs, by key; UsageError naming whatever is missing."""
    found = {}
    for master in prs.slide_masters:
        for lay in master.slide_layouts:
            found.setdefault(_norm(lay.name), lay)
    missing: list[str] = []
    out = {}
    for key, (layout_name, required, _optional) in LAYOUTS.items():
        lay = found.get(_norm(layout_name))
        if lay is None:
            missing.append(f"the layout '{layout_name}'")
            continue
        have = {ph.placeholder_format.idx for ph in lay.placeholders}
        lacking = [f"{idx} ({purpose})" for idx, purpose in required.items() if idx not in have]
        if lacking:
            missing.append(f"placeholder idx {', '.join(lacking)} in layout '{layout_name}'")
        out[key] = lay
    if missing:
        raise UsageError(
            f"The deck template {name} lacks {_join(missing)}; see {DOC} for the layouts and placeholders it needs.",
            tip=f"Start from the packaged deck ({templates.packaged_dir() / TEMPLATE}) and apply your theme to it.",
        )
    return out


def _join(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _theme_fonts(prs: Any) -> tuple[float, float]:
    """Width factors of the theme's heading and body fonts."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    except Exception:  # noqa: BLE001 - no readable theme: count fonts as unknown
        return UNKNOWN_FONT, UNKNOWN_FONT
    out = []
    for which in ("majorFont", "minorFont"):
        latin = theme.find(f".//{A}fontScheme/{A}{which}/{A}latin")
        face = _norm(latin.get("typeface", "")) if latin is not None else ""
        out.append(max(1.0, FONT_FACTORS.get(face, UNKNOWN_FONT)))
    return out[0], out[1]


def _inherited_size(layout_ph: Any, default: float) -> float:
    """The text size a layout placeholder gives (its own list style, the master's, the text styles)."""
    el = layout_ph._element
    size = el.find(f".//{A}lstStyle/{A}lvl1pPr/{A}defRPr")
    if size is not None and size.get("sz"):
        return int(size.get("sz")) / 100
    master = layout_ph.part.slide_master
    ph_type = el.find(f".//{P}ph").get("type", "obj")
    for sp in master.placeholders:
        if sp._element.find(f".//{P}ph").get("type", "obj") == ph_type:
            size = sp._element.find(f".//{A}lstStyle/{A}lvl1pPr/{A}defRPr")
            if size is not None and size.get("sz"):
                return int(size.get("sz")) / 100
    style = "titleStyle" if ph_type in ("title", "ctrTitle") else "bodyStyle"
    size = master._element.find(f"{P}txStyles/{P}{style}/{A}lvl1pPr/{A}defRPr")
    if size is not None and size.get("sz"):
        return int(size.get("sz")) / 100
    return default


# ---------------------------------------------------------------------------------------------
# Slide building helpers


@dataclass(frozen=True)
class LayoutInfo:
    """What the deck needs to know of one layout, read once per render."""

    layout: Any
    rects: dict[int, tuple[int, int, int, int]]  # placeholder idx → (x, y, w, h) in EMU
    sizes: dict[int, float]  # placeholder idx → inherited text size in points
    footers: tuple[tuple[str, etree._Element, float], ...]  # (ftr | sldNum, layout element, text size)

    @classmethod
    def read(cls, layout: Any) -> LayoutInfo:
        rects, sizes, footers = {}, {}, []
        for ph in layout.placeholders:
            idx = ph.placeholder_format.idx
            kind = ph._element.find(f".//{P}ph").get("type")
            if kind in ("ftr", "sldNum"):
                footers.append((kind, ph._element, _inherited_size(ph, 9)))
                continue
            rects[idx] = (int(ph.left or 0), int(ph.top or 0), int(ph.width or 0), int(ph.height or 0))
            sizes[idx] = _inherited_size(ph, 18)
        return cls(layout, rects, sizes, tuple(footers))


@dataclass
class Ctx:
    report: Report
    prs: Any
    layouts: dict[str, LayoutInfo]
    heading_factor: float
    body_factor: float
    footer: str


class SlideFiller:
    """One slide: its placeholders by idx (XML elements), filled, moved or removed."""

    def __init__(self, ctx: Ctx, key: str) -> None:
        self.ctx = ctx
        self.info = ctx.layouts[key]
        self.slide = ctx.prs.slides.add_slide(self.info.layout)
        self.phs: dict[int, etree._Element] = {}
        for sp in self.slide.shapes._spTree.iterchildren():
            ph = sp.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
            if ph is None:
                ph = sp.find(f"{P}nvGraphicFramePr/{P}nvPr/{P}ph")
            if ph is not None:
                self.phs[int(ph.get("idx", "0"))] = sp
        self.shortened = False
        self._footers()

    def rect(self, idx: int) -> tuple[int, int, int, int]:
        return self.info.rects[idx]

    def has(self, idx: int) -> bool:
        return idx in self.phs

    def size_of(self, idx: int, default: float) -> float:
        return self.info.sizes.get(idx, default)

    def remove(self, idx: int) -> None:
        sp = self.phs.pop(idx, None)
        if sp is not None:
            sp.getparent().remove(sp)

    def move(self, idx: int, rect: tuple[int, int, int, int]) -> None:
        sp_pr = self.phs[idx].find(f"{P}spPr")
        old = sp_pr.find(A + "xfrm")
        if old is not None:
            sp_pr.remove(old)
        xfrm = etree.Element(A + "xfrm")
        etree.SubElement(xfrm, A + "off", x=str(rect[0]), y=str(rect[1]))
        etree.SubElement(xfrm, A + "ext", cx=str(rect[2]), cy=str(rect[3]))
        sp_pr.insert(0, xfrm)

    def text(self, idxs: int | Sequence[int], paras: Sequence[Para], *, largest: float | None = None,
             smallest: float | None = None, heading_font: bool = False, rects: Sequence[tuple] | None = None) -> Fitted:
        """Fit ``paras`` into one placeholder, or flow them through several (columns)."""
        idxs = [idxs] if isinstance(idxs, int) else list(idxs)
        factor = self.ctx.heading_factor if heading_font else self.ctx.body_factor
        moved = rects is not None
        rects = list(rects) if rects else [self.rect(i) for i in idxs]
        base = largest or self.size_of(idxs[0], 18)
        smallest = smallest or max(10.0, round(base * 0.7))
        boxes = [Box.of(r, factor, bold=heading_font) for r in rects]
        fitted = fit(paras, boxes, base, min(smallest, base))
        for idx, rect, content in zip(idxs, rects, fitted.boxes, strict=True):
            if moved:
                self.move(idx, rect)
            write_paras(self._tx_body(idx), content, fitted.size)
            if not content:
                self.remove(idx)
        self.shortened = self.shortened or fitted.shortened
        return fitted

    def _tx_body(self, idx: int) -> etree._Element:
        """The placeholder's text body (a picture or chart placeholder in a user's layout has none yet)."""
        sp = self.phs[idx]
        tx = sp.find(f"{P}txBody")
        if tx is None:
            tx = etree.SubElement(sp, f"{P}txBody")
            etree.SubElement(tx, A + "bodyPr")
            etree.SubElement(tx, A + "lstStyle")
        return tx

    def _footers(self) -> None:
        """Copy the layout's footer and slide number (python-pptx leaves them out) and fill the footer."""
        tree = self.slide.shapes._spTree
        for kind, element, size in self.info.footers:
            el = copy.deepcopy(element)
            el.find(f".//{P}cNvPr").set("id", str(self.slide.shapes._next_shape_id))
            sp_pr = el.find(f"{P}spPr")
            for child in list(sp_pr):
                sp_pr.remove(child)
            tx = el.find(f"{P}txBody")
            if kind == "ftr" and tx is not None:
                lst = tx.find(A + "lstStyle")
                if lst is not None:
                    for child in list(lst):
                        lst.remove(child)
                for p_el in tx.findall(A + "p"):
                    tx.remove(p_el)
                p_el = etree.SubElement(tx, A + "p")
                r_el = etree.SubElement(p_el, A + "r")
                rpr = etree.SubElement(r_el, A + "rPr", lang="nl-NL", sz=str(int(size * 100)))
                etree.SubElement(rpr, A + "latin", typeface="+mn-lt")
                etree.SubElement(r_el, A + "t").text = clean(self.ctx.footer)
            tree.append(el)


def _grow(rect: tuple[int, int, int, int], into: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """``rect`` extended over ``into`` when ``into`` lies directly below it in the same column."""
    x, y, w, h = rect
    ix, iy, iw, ih = into
    if iy >= y + h - PT and ix < x + w and ix + iw > x:
        left, right = min(x, ix), max(x + w, ix + iw)
        if right - left <= max(w, iw) * 1.05:
            return x, y, w, iy + ih - y
    return rect


def _make_room(paras: Sequence[Para], above: tuple[int, int, int, int], rect: tuple[int, int, int, int],
               base: float, factor: float) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Move the top of ``rect`` up into ``above`` (the chart over it, same column) when its text needs the
    room at a comfortable size; the chart keeps at least 60% of its height."""
    if _grow(above, rect) == above:
        return above, rect
    size = max(base * 0.85, 11.0)
    box = Box.of(rect, factor)
    need = sum(para_height(p, box, size, first=i == 0) for i, p in enumerate(paras)) + 2 * INSET_Y
    extra = int(min(max(0.0, need - rect[3] / PT), above[3] / PT * 0.4) * PT)
    if extra <= 0:
        return above, rect
    x, y, w, h = rect
    ax, ay, aw, ah = above
    return (ax, ay, aw, ah - extra), (x, y - extra, w, h + extra)


# ---------------------------------------------------------------------------------------------
# Tables


def _own(report: Report, f: Figure) -> str:
    return f.buurt if report.level == "buurt" else f.wijk if report.level == "wijk" else f.gemeente


def _columns(report: Report, figures: Sequence[Figure] = ()) -> list[str]:
    return list(report.columns_for(tuple(figures)))


def _values(report: Report, f: Figure) -> list[str]:
    return list(f.cells) or [_own(report, f), f.gemeente, f.nederland]


def _label(f: Figure) -> str:
    return f.label  # the model's label already names the unit where the value does not


def _figure_cells(report: Report, f: Figure, *, general: bool) -> list[list[Para]]:
    label = [Run(_label(f))]
    if f.note:
        label.append(Run(f"\u00a0{f.note}", tone="muted", sup=True))  # no break before the note number
    meta: list[Run] = [Run(f.detail, tone="muted")] if f.detail else []
    if f.signal and not general:
        meta.append(Run((" · " if meta else "") + f.signal, bold=True, tone="muted"))
    cells = [[Para(tuple(label), before=0)] + ([Para(tuple(meta), scale=0.8, before=0.1)] if meta else [])]
    for v in _values(report, f):
        if v == MISSING:
            cells.append([para(Run(v, italic=True, tone="muted"), scale=0.8, align="r", before=0)])
        elif v.endswith("*"):  # a small number looks different
            cells.append([para(Run(v, italic=True, tone="muted"), align="r", before=0)])
        else:
            cells.append([para(v, align="r", before=0)])
    return cells


CELL_X, CELL_Y = 0.05 * 72, 0.035 * 72  # cell margins, points


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
        word.append(max(_longest_word(p, base, factor) for p in paras) + 2 * CELL_X + 2)
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


def _line_width(p: Para, base: float, factor: float) -> float:
    size = _size(p, base)
    return sum(text_width(r.text, size, bold=bool(r.bold), factor=factor) for r in p.runs)


def _longest_word(p: Para, base: float, factor: float) -> float:
    size = _size(p, base)
    words = [(w, bool(r.bold)) for r in p.runs for w in r.text.split(" ") if w]
    return max((text_width(w, size, bold=b, factor=factor) for w, b in words), default=0.0)


def _breaks_words(rows: Sequence[Sequence[Sequence[Para]]], widths: Sequence[float], base: float,
                  factor: float, columns: Sequence[int]) -> bool:
    return any(_longest_word(p, base, factor) > widths[c] - 2 * CELL_X for row in rows for c in columns
               for p in row[c])


def _table_plan(report: Report, figures: Sequence[Figure], rect: tuple[int, int, int, int], factor: float,
                *, general: bool, largest: float, smallest: float):
    """Font size, column widths, rows and row heights of the key-figure table. Preferred, in this order:
    every word whole; then numbers whole (a long label may break); then anything at the smallest size.
    Rows that do not fit even then are left out (counted in the last value returned)."""
    width = rect[2] / PT
    header = [[para("")]] + [[para(Run(c, tone="muted"), scale=0.8, align="r", before=0)] for c in _columns(report, figures)]
    rows = [_figure_cells(report, f, general=general) for f in figures]
    dropped = 0
    while True:
        table = [header, *rows]
        values = range(1, len(header))
        for whole in ((0, *values), tuple(values), None):
            for size in _steps(largest, smallest) if whole is not None else (smallest,):
                widths = _column_widths(table, width, size, factor)
                if whole is not None and (widths[0] < width * 0.25 or _breaks_words(table, widths, size, factor, whole)):
                    continue
                heights = [_row_height(r, widths, size, factor) for r in table]
                if sum(heights) <= rect[3] / PT:
                    return size, widths, table, heights, dropped
        if len(rows) <= 1:
            widths = _column_widths(table, width, smallest, factor)
            return smallest, widths, table, [_row_height(r, widths, smallest, factor) for r in table], dropped
        rows = rows[:-1]
        dropped += 1


def _cell_border(tc: etree._Element, *, bottom: str | None) -> None:
    tc_pr = tc.find(A + "tcPr")
    if tc_pr is None:
        tc_pr = etree.SubElement(tc, A + "tcPr")
    for child in list(tc_pr):
        tc_pr.remove(child)
    for side in ("lnL", "lnR", "lnT", "lnB"):
        ln = etree.SubElement(tc_pr, A + side)
        if side == "lnB" and bottom:
            ln.set("w", "9525")
            fill = etree.SubElement(ln, A + "solidFill")
            etree.SubElement(fill, A + "srgbClr", val=bottom)
        else:
            ln.set("w", "0")
            etree.SubElement(ln, A + "noFill")
    etree.SubElement(tc_pr, A + "noFill")
    tc_pr.set("marL", str(int(CELL_X * PT)))
    tc_pr.set("marR", str(int(CELL_X * PT)))
    tc_pr.set("marT", str(int(CELL_Y * PT)))
    tc_pr.set("marB", str(int(CELL_Y * PT)))
    tc_pr.set("anchor", "t")


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
            _cell_border(tc, bottom=RULE if r == 0 else "E3E7EC")
    return dropped


# ---------------------------------------------------------------------------------------------
# Charts


UNIT_TITLES = {"%": "in %", "per 1.000 inwoners": "per 1.000 inwoners", "km": "in km", "x 1.000 euro": "in euro",
               "aantal": "aantal", "score": "score"}


def domain_chart(section: DomainSection) -> Chart | None:
    """The section's chart, or one built from its figures' raw values; None when there are no values."""
    if section.chart is not None and any(v is not None for b in section.chart.bars for v in b.values):
        return section.chart
    usable = [f for f in section.figures if any(v is not None for v in f.values)]
    if not usable:
        return None
    unit = Counter(f.unit for f in usable).most_common(1)[0][0]
    chosen = [f for f in usable if f.unit == unit][:5]
    own = 0 if chosen[0].values[0] is not None or all(f.values[1] is None for f in chosen) else 1
    series = ("Buurt" if own == 0 else "Wijk", "Gemeente", "Nederland")
    return Chart(section.title, unit, series, tuple(Bar(f.label, (f.values[own], f.values[2], f.values[3]))
                                                    for f in chosen))


def _chart_series(chart: Chart) -> list[int]:
    """Indexes of the series to draw: a repeated series name (gemeente report) is drawn once."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(chart.series):
        if name not in seen:
            seen.add(name)
            out.append(i)
    return out


def _point_labels(chart: Chart, figures: Sequence[Figure], level: str) -> list[list[str | None]]:
    """Per bar and series the printed figure (the model's Dutch string), None for a gap."""
    by_label = {f.label: f for f in figures}
    out = []
    for bar in chart.bars:
        f = by_label.get(bar.label)
        row: list[str | None] = []
        for k, v in enumerate(bar.values):
            text = None
            column = {"Buurt": 0, "Wijk": 1, "Gemeente": 2, "Nederland": 3}.get(chart.series[k]) if k < len(
                chart.series) else None
            if f is not None and column is not None:
                raw = f.values[column]
                string = (f.buurt, f.wijk, f.gemeente, f.nederland)[column]
                if raw is not None and v is not None and math.isclose(raw, v, rel_tol=1e-9, abs_tol=1e-12):
                    text = string
            if text is None and v is not None and k < len(bar.texts) and bar.texts[k] != MISSING:
                text = bar.texts[k]  # the model's notation ("19,0"), as in the note's chart
            if text is None and v is not None:
                text = format_figure(v, 1, chart.unit)
            row.append(text if v is not None else None)
        out.append(row)
    return out


def _own_string(f: Figure, level: str) -> str:
    return f.buurt if level == "buurt" else f.wijk if level == "wijk" else f.gemeente


def add_chart(filler: SlideFiller, rect: tuple[int, int, int, int], chart: Chart, figures: Sequence[Figure],
              *, title: str) -> Any:
    """A native clustered bar chart; each series is named at its first bar (no legend, whose order differs
    between PowerPoint and LibreOffice for bar charts); data labels are the model's Dutch strings."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_TICK_MARK
    from pptx.util import Pt

    keep = _chart_series(chart)
    data = CategoryChartData(number_format="0.0")
    data.categories = [clean(b.label) for b in chart.bars]
    for i in keep:
        data.add_series(clean(chart.series[i]), [b.values[i] for b in chart.bars])
    x, y, w, h = rect
    frame = filler.slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, x, y, w, h, data)
    frame.name = "Grafiek"
    ch = frame.chart
    ch.font.size = Pt(11)
    absent = [chart.series[i] for i in keep if all(b.values[i] is None for b in chart.bars)]
    gaps = any(b.values[i] is None for b in chart.bars for i in keep if chart.series[i] not in absent)
    suffix = "".join([f" · {_join_nl(absent)}: {MISSING}" if absent else "",
                      f" · geen balk = {MISSING}" if gaps else ""])
    ch.has_title = True
    tf = ch.chart_title.text_frame
    tf.text = clean(title + suffix)
    for p in tf.paragraphs:
        for r in p.runs:
            r.font.size = Pt(11)
            r.font.bold = False
            r.font.color.rgb = RGBColor.from_string("5B6570")
    ch.has_legend = False
    plot = ch.plots[0]
    plot.gap_width = {1: 300, 2: 150, 3: 100}.get(len(chart.bars), 60)  # thin bars when there are few
    plot.overlap = 0
    plot.vary_by_categories = False
    cat = ch.category_axis
    cat.reverse_order = True
    cat.major_tick_mark = XL_TICK_MARK.NONE
    cat.tick_labels.font.size = Pt(11)
    cat.format.line.color.rgb = RGBColor.from_string(RULE)
    val = ch.value_axis
    val.has_major_gridlines = False
    val.visible = False
    labels = _point_labels(chart, figures, filler.ctx.report.level)
    texts: dict[tuple[int, int], str] = {}
    for i in keep:
        named = False
        for j, bar_labels in enumerate(labels):
            text = bar_labels[i] if i < len(bar_labels) else None
            if text is None:
                continue
            texts[(i, j)] = text if named else f"{chart.series[i]} {text}"
            named = True
    numbers = [v for b in chart.bars for i in keep if (v := b.values[i]) is not None]
    if numbers and min(numbers) >= 0 and max(numbers) > 0:
        val.minimum_scale = 0
        val.maximum_scale = _axis_maximum(chart, keep, texts, w / PT, filler.ctx.body_factor)
    for s_pos, (series, i) in enumerate(zip(plot.series, keep, strict=True)):
        fill = series.format.fill
        fill.solid()
        fill.fore_color.rgb = RGBColor.from_string(SERIES_FILL[min(s_pos, 2)])
        line = series.format.line
        edge = SERIES_LINE[min(s_pos, 2)]
        if edge:
            line.color.rgb = RGBColor.from_string(edge)
            line.width = Pt(0.75)
        else:
            line.fill.background()
        series.invert_if_negative = False
        _data_labels(series._element, {j: t for (k, j), t in texts.items() if k == i})
    return frame


C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_SHOW = ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent", "showBubbleSize")


def _data_labels(ser: etree._Element, texts: dict[int, str]) -> None:
    """Per-point data labels with fixed text (the model's Dutch figure), outside the end of the bar."""
    for old in ser.findall(C + "dLbls"):
        ser.remove(old)
    dlbls = etree.Element(C + "dLbls")
    for j, text in sorted(texts.items()):
        dlbl = etree.SubElement(dlbls, C + "dLbl")
        etree.SubElement(dlbl, C + "idx", val=str(j))
        rich = etree.SubElement(etree.SubElement(dlbl, C + "tx"), C + "rich")
        etree.SubElement(rich, A + "bodyPr")
        etree.SubElement(rich, A + "lstStyle")
        run = etree.SubElement(etree.SubElement(rich, A + "p"), A + "r")
        etree.SubElement(run, A + "rPr", lang="nl-NL", sz=str(LABEL_SIZE * 100))
        etree.SubElement(run, A + "t").text = clean(text)
        etree.SubElement(dlbl, C + "dLblPos", val="outEnd")
        for name in _SHOW:
            etree.SubElement(dlbl, C + name, val="1" if name == "showVal" else "0")
    for name in _SHOW:
        etree.SubElement(dlbls, C + name, val="0")
    anchor = ser.find(C + "cat")
    if anchor is None:
        anchor = ser.find(C + "val")
    anchor.addprevious(dlbls)


LABEL_SIZE = 10


def _axis_maximum(chart: Chart, keep: Sequence[int], texts: dict[tuple[int, int], str], width: float,
                  factor: float) -> float:
    """An axis maximum that leaves room right of every bar for its label."""
    cats = max((text_width(b.label, 11, factor=factor) for b in chart.bars), default=0.0)
    plot = width - min(cats, width * 0.38) - 24
    need = 0.0
    for (i, j), text in texts.items():
        v = chart.bars[j].values[i] or 0.0
        room = max(plot - text_width(text, LABEL_SIZE, factor=factor) - 8, plot * 0.2)
        need = max(need, v * plot / room)
    return _nice(need)


def _nice(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= value:
            return step * mag
    return 10 * mag


def chart_title(chart: Chart, *, age: bool = False) -> str:
    if age:
        return "Leeftijdsopbouw (%)"
    unit = UNIT_TITLES.get(chart.unit, chart.unit)
    names = [chart.series[i] for i in _chart_series(chart)]
    return f"{_join_nl([n if k == 0 or n == 'Nederland' else n.lower() for k, n in enumerate(names)])}, {unit}"


def _join_nl(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def message(filler: SlideFiller, rect: tuple[int, int, int, int], text: str) -> None:
    """A short note in place of a chart or table that has nothing to show."""
    from pptx.dml.color import RGBColor
    from pptx.util import Emu

    box = filler.slide.shapes.add_textbox(Emu(rect[0]), Emu(rect[1]), Emu(rect[2]), Emu(rect[3]))
    box.name = "Geen cijfers"
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor.from_string(EMPTY_FILL)
    paras = [para(Run(text, italic=True, tone="muted"), align="ctr")]
    fitted = fit(paras, [Box.of(rect, filler.ctx.body_factor)], 14, 10)
    write_paras(box._element.find(f"{P}txBody"), fitted.boxes[0], fitted.size, anchor="ctr")


# ---------------------------------------------------------------------------------------------
# Speaker notes


def _source_lines(report: Report) -> list[str]:
    lines = ["Bronnen:"]
    lines += [f"[{s.number}] {clean(s.text)}" + (f" {s.url}" if s.url else "") for s in report.sources]
    if not report.sources:
        lines.append("geen bronnen met cijfers in de cache.")
    lines.append(clean(report.attribution))
    return lines


def _series_word(name: str) -> str:
    """'Buurt' → 'buurt' in running text; 'Nederland' stays a name."""
    return name if name == "Nederland" else name.lower()


def _figure_line(report: Report, f: Figure) -> str:
    cols = _columns(report, (f,))
    vals = ", ".join(f"{_series_word(c)} {v}" for c, v in zip(cols, _values(report, f), strict=True))
    bits = [f.detail and f"periode {f.detail}", f.signal and f"signaal: {f.signal}",
            f.note and f"bron [{f.note}] {f.source}"]
    if not f.note:
        bits.append(f"bron: {f.source}, niet in de cache")
    return f"- {_label(f)}: {vals}. {wording_tidy('; '.join(b for b in bits if b))}."


READING = ("Zo lees je de grafiek: donker = {own}, grijs = gemeente, licht met rand = Nederland. Geen balk betekent "
           "'niet beschikbaar' (de bron heeft geen cijfer) — nooit 0. De getallen bij de balken zijn dezelfde als "
           "in de tabel.")
SIGNALS = ("Signaal: 'ongunstig' of 'gunstig' als de buurt duidelijk afwijkt van de gemeente én Nederland (bij "
           "percentages minstens 5 procentpunt, bij andere cijfers minstens een kwart); 'opvallend' als de afwijking "
           "groot is maar goed noch slecht. Een * achter een cijfer: klein aantal, niet vergelijken.")


def set_notes(slide: Any, lines: Sequence[str]) -> None:
    text = "\n".join(clean(line) for line in lines if line is not None)
    slide.notes_slide.notes_text_frame.text = text


# ---------------------------------------------------------------------------------------------
# The slides


def _summary_paras(report: Report) -> list[Para]:
    titles = {d.title for d in report.domains}
    out = [para(Run("Wat valt op", bold=True, tone="accent"), scale=1.35, keep=True)]
    if not report.summary:
        out.append(para(Run(report.summary_note or "Voor deze buurt zijn te weinig vergelijkbare cijfers om iets "
                            "te laten opvallen.", italic=True, tone="muted"), before=0.6))
    for i, s in enumerate(report.summary):
        head, sep, rest = s.partition(": ")
        runs = (Run(head + sep, bold=True), Run(rest)) if sep and head in titles else (Run(s),)
        out.append(Para(runs, bullet=True, before=0.6, drop=None if i < 3 else 10 + i))
    if report.similar:  # the vergelijkbare buurten, named; left out before the three strongest signals
        out.append(para(Run(report.similar, tone="muted"), scale=0.85, before=0.8, drop=9))
    return out


def cover(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "titel")
    f.text(0, [para(r.title)], heading_font=True,
           smallest=max(18.0, f.size_of(0, 36) * 0.6), largest=f.size_of(0, 36))
    f.text(1, [para(r.subtitle or r.code)])
    f.text(13, [para(f"{r.code} · {r.date}")])
    fitted = f.text(14, _summary_paras(r))
    if f.has(15):
        f.text(15, [para(r.intro)])
    lines = [r.intro, "",
             ("'Wat valt op' zijn de sterkste signalen over alle thema's: eerst ongunstig, dan gunstig, dan "
              "opvallend, zo mogelijk één per thema."),
             *(f"- {s}" for s in r.summary), *([r.similar] if r.similar else []),
             *(f"Let op: {n}" for n in r.notices), "", SIGNALS,
             "", r.reading_guide, "", *_source_lines(r)]
    if fitted.shortened or f.shortened:
        lines.insert(0, "Niet alles past op de dia; de volledige tekst staat hieronder.")
    set_notes(f.slide, lines)


def general(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "grafiek")
    f.text(0, [para("Algemene gegevens")], heading_font=True)
    chart_rect, table_rect = f.rect(13), f.rect(14)
    intro_here = "inleiding" not in _filled_optional(ctx)
    if intro_here:
        f.text(15, [para(r.intro)])
    else:
        table_rect = _grow(table_rect, f.rect(15))
        f.remove(15)
    chart_rect = _grow(chart_rect, f.rect(16))
    f.remove(16)
    shown = [fig for fig in r.general if not fig.missing]  # no rows of "niet beschikbaar"
    if shown:
        add_figure_table(f, 14, shown, table_rect, general=True)
    else:
        f.remove(14)
        message(f, table_rect, "Geen cijfers beschikbaar.")
    f.remove(13)
    if r.age_chart is not None and any(v is not None for b in r.age_chart.bars for v in b.values):
        add_chart(f, chart_rect, r.age_chart, (), title=chart_title(r.age_chart, age=True))
    else:
        message(f, chart_rect, "Leeftijdsopbouw: geen cijfers beschikbaar.")
    own = r.columns[0].lower()
    lines = ["Algemene gegevens en leeftijdsopbouw.", *(_figure_line(r, fig) for fig in r.general)]
    if len(shown) < len(r.general):
        lines.append("Niet op de dia (geen cijfer voor de buurt): "
                     + _join_nl([_label(fig) for fig in r.general if fig.missing]) + ".")
    if r.age_chart is not None:
        lines.append("Leeftijdsopbouw (% van de inwoners): " + "; ".join(
            f"{b.label}: " + ", ".join(f"{_series_word(r.age_chart.series[i])} {format_figure(b.values[i], 1, '%')}"
                                       for i in _chart_series(r.age_chart)) for b in r.age_chart.bars) + ".")
    lines += ["", READING.format(own=own), "Trend: de verandering sinds het vorige jaar met cijfers voor deze buurt.",
              "", r.reading_guide, "", *_source_lines(r)]
    set_notes(f.slide, lines)


def _filled_optional(ctx: Ctx) -> set[str]:
    return {"inleiding"} if 15 in ctx.layouts["titel"].rects else set()


def _partner_paras(section: DomainSection) -> list[Para]:
    out: list[Para] = []
    if section.partner:
        out.append(heading("Cijfers van partners", before=0))
        for p in section.partner:
            out.append(_partner_para(p))
    for s in section.stories[:1]:
        out.append(heading("Verhaal uit de buurt"))
        who = ", ".join(x for x in (s.wie, s.wanneer) if x) + (f" ({s.soort})" if s.soort else "")
        out.append(para(Run(f"“{s.tekst}”", italic=True), before=0.2, drop=5))  # whole or not at all
        if who:
            out.append(para(Run(f"— {who}", tone="muted"), scale=0.85, before=0.15))
    return out


def _partner_para(p: PartnerFigure) -> Para:
    runs = [Run(f"{p.label}: "), Run(p.value, bold=True)]
    if p.compare:
        runs.append(Run(f" ({p.compare})"))
    runs.append(Run(f" — {p.source}", italic=True, tone="muted"))
    return Para(tuple(runs), bullet=True, before=0.25)


QUESTION_PT = 18.0  # questions are read from the back of a room


def _shown(report: Report, section: DomainSection) -> list[Figure]:
    """The figures a domain slide shows: those with a figure for the subject (the rest are named, not tabled)."""
    return [f for f in section.figures if not f.missing]


def _comparing_chart(section: DomainSection, shown: Sequence[Figure]) -> Chart | None:
    """The domain's chart, kept to the bars that compare the subject with a reference; None if none do."""
    chart = domain_chart(replace(section, figures=tuple(shown)))
    if chart is None:
        return None
    bars = tuple(b for b in chart.bars if b.values[0] is not None and any(v is not None for v in b.values[1:]))
    return replace(chart, bars=bars) if bars else None


def _question_paras(section: DomainSection) -> list[Para]:
    out = [para(Run("Vragen voor het gesprek", bold=True, tone="accent"), keep=True)]
    out += [para(q, bullet=True, before=0.25, drop=None if i < 2 else 5 + i) for i, q in enumerate(section.questions)]
    return out


def _story_photo(filler: SlideFiller, rect: tuple[int, int, int, int], section: DomainSection
                 ) -> tuple[int, int, int, int]:
    """The first story photo at the right of ``rect`` (cropped 3:2); returns the room left for text."""
    from pptx.util import Emu

    from . import photos

    image = next((photos.prepared(s.foto) for s in section.stories[:1] if s.foto), None)
    if image is None:
        return rect
    x, y, w, h = rect
    pw = min(int(w * 0.42), int(h * 1.5))
    ph = int(pw / 1.5)
    pic = filler.slide.shapes.add_picture(io.BytesIO(image), Emu(x + w - pw), Emu(y + (h - ph) // 2), Emu(pw), Emu(ph))
    pic.name = "Foto bij verhaal"
    return x, y, w - pw - int(6 * PT), h


def domain(ctx: Ctx, section: DomainSection) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "grafiek")
    f.text(0, [para(section.title)], heading_font=True)
    shown = _shown(r, section)
    missing = [fig for fig in section.figures if fig.missing]
    chart = _comparing_chart(section, shown)
    chart_rect, table_rect = f.rect(13), f.rect(14)
    side_rect = f.rect(16)
    if chart is None:  # nothing to compare: the right column holds the words
        side_rect = (chart_rect[0], chart_rect[1], chart_rect[2], side_rect[1] + side_rect[3] - chart_rect[1])
    side: list[Para] = []
    if section.highlights:
        side.append(heading("Wat valt op", before=0))
        side += [para(h, bullet=True, before=0.3, drop=2 + i) for i, h in enumerate(section.highlights)]
    side += _partner_paras(section)
    if section.unavailable:
        side.append(notice(section.unavailable))
    elif missing:
        side.append(notice(f"Niet beschikbaar voor {r.columns[0].lower()}: "
                           + _join_nl([_label(m) for m in missing]) + "."))
    if not section.highlights and section.signals_note and shown:
        side.insert(0, para(Run(section.signals_note, italic=True, tone="muted"), drop=1))
    if side:
        if chart is not None:
            chart_rect, side_rect = _make_room(side, chart_rect, side_rect, f.size_of(16, 13), ctx.body_factor)
        text_rect = _story_photo(f, side_rect, section)
        f.text(16, side, rects=[text_rect])
    else:
        f.remove(16)
    questions = _question_paras(section) if section.questions else []
    if questions:
        q_rect = f.rect(15)
        need = sum(para_height(q, Box.of(q_rect, ctx.body_factor), QUESTION_PT, first=i == 0)
                   for i, q in enumerate(questions)) + 2 * INSET_Y
        extra = int(min(max(0.0, need - q_rect[3] / PT), table_rect[3] / PT * 0.45) * PT)
        if extra:  # the questions take room from the table above them
            table_rect = (table_rect[0], table_rect[1], table_rect[2], table_rect[3] - extra)
            q_rect = (q_rect[0], q_rect[1] - extra, q_rect[2], q_rect[3] + extra)
        f.text(15, questions, rects=[q_rect], largest=QUESTION_PT, smallest=QUESTION_PT)
    else:
        table_rect = _grow(table_rect, f.rect(15))
        f.remove(15)
    figures = shown[:5]
    left_out = len(shown) - len(figures)
    if figures:
        left_out += add_figure_table(f, 14, figures, table_rect, general=False)
    else:
        f.remove(14)
    f.remove(13)
    trend = trend_figure(shown) if chart is not None else None
    if trend is not None:  # the bars above, the key figure's series below (report/pptx_trend.py)
        cx, cy, cw, ch = chart_rect
        top = ch * 11 // 20
        add_trend_chart(f.slide, (cx, cy + top, cw, ch - top), trend)
        chart_rect = (cx, cy, cw, top)
    if chart is not None:
        add_chart(f, chart_rect, chart, shown, title=chart_title(chart))
    lines = [f"{section.title}: de kerncijfers van {r.title.removeprefix('Buurtscan ')} naast gemeente en Nederland."]
    if left_out:
        lines.append(f"{wording_count(left_out, 'cijfer past', 'cijfers passen')} niet op de dia; "
                     f"{'het staat' if left_out == 1 else 'ze staan'} hieronder.")
    lines += [_figure_line(r, fig) for fig in section.figures]
    if chart is None:
        lines.append("Geen grafiek: er is hier niets om naast elkaar te zetten.")
    if trend is not None and trend.spark:
        lines.append(f"Trendgrafiek {trend.label}: {trend.spark.text}"
                     + (f" ({trend.development})" if trend.development else "") + ".")
    if section.highlights:
        lines += ["", "Wat valt op:", *(f"- {h}" for h in section.highlights)]
    if section.partner:
        lines += ["", "Cijfers van partners (niet openbaar):",
                  *(f"- {p.label}: {p.value} (gemeente {p.gemeente}) — {p.source}" for p in section.partner)]
    if section.stories:
        lines += ["", "Verhalen uit de buurt:",
                  *(f"- “{s.tekst}” — {', '.join(x for x in (s.wie, s.wanneer, s.soort) if x)}" for s in section.stories)]
    if section.policy:
        lines += ["", "Beleid & ontwikkelingen:", *(f"- {_policy_text(p)}" for p in section.policy)]
    if section.questions:
        lines += ["", "Vragen voor het gesprek:", *(f"- {q}" for q in section.questions)]
    lines += [f"Let op: {_plain_notice(n)}" for n in section.notices]
    lines += ["", READING.format(own=r.columns[0].lower()), SIGNALS, "", r.reading_guide, "", *_source_lines(r)]
    if f.shortened:
        lines.insert(1, "Niet alles past op de dia; de volledige tekst staat hieronder.")
    set_notes(f.slide, lines)


_CLI = re.compile(r";?\s*zie\s+`[^`]*`|\s*\(--[a-z-]+\)|`")


def _plain_notice(text: str) -> str:
    """A notice without command-line words (the notes are read aloud, not typed)."""
    return _CLI.sub("", text).strip()


def unknown(ctx: Ctx, sections: Sequence[DomainSection]) -> None:
    """One slide for the domains without figures for the buurt: what is missing and why, and their questions."""
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    f.text(0, [para("Wat we (nog) niet weten")], heading_font=True)
    own = r.columns[0].lower()
    left: list[Para] = [para(Run(f"Voor deze thema's heeft de bron geen cijfers voor de {own}: te weinig inwoners "
                                 "of huishoudens om ze te publiceren (geheim), of nog niet gemeten.", italic=True,
                                 tone="muted"))]
    for d in sections:
        left.append(para(Run(d.title, bold=True, tone="accent"), before=0.8, keep=True))
        what = d.unavailable or d.empty or (_join_nl([_label(x) for x in d.figures]) if d.figures else "")
        left.append(para(what or "geen cijfers voor deze buurt", bullet=True, before=0.2, cut=True))
    f.text(13, left)
    right: list[Para] = [para(Run("Wat bewoners en partners wel weten", bold=True, tone="accent"), keep=True)]
    for d in sections:
        if not d.questions and not d.stories:
            continue
        right.append(para(Run(d.title, bold=True), before=0.6, keep=True))
        right += [para(q, bullet=True, before=0.2, drop=None if i < 1 else 4 + i) for i, q in enumerate(d.questions)]
        right += [para(Run(f"“{st.tekst}” — {st.wie}", italic=True), before=0.3, cut=True, drop=3)
                  for st in d.stories[:1]]
    f.text(14, right, largest=QUESTION_PT, smallest=min(QUESTION_PT, 16.0))
    lines = ["Thema's zonder cijfers voor de buurt. Ontbrekend is niet nul: de bron publiceert het cijfer niet "
             "(te kleine aantallen, geheim) of heeft het niet. Juist hier is het gesprek de bron."]
    for d in sections:
        lines += ["", f"{d.title}:", *(x for x in (d.unavailable, d.empty) if x), *(_figure_line(r, x) for x in d.figures),
                  *(f"- Vraag: {q}" for q in d.questions)]
        lines += [f"- Verhaal: “{st.tekst}” — {st.wie}" for st in d.stories]
        lines += [f"Let op: {_plain_notice(n)}" for n in d.notices]
    if f.shortened:
        lines.insert(0, "Niet alles past op de dia; alles staat hieronder.")
    lines += ["", *_source_lines(r)]
    set_notes(f.slide, lines)


def closing(ctx: Ctx) -> None:
    """The last slide: the conversation starts."""
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    f.text(0, [para("Wat herkent u? Wat missen we?")], heading_font=True)
    f.text(13, [para(Run("Wat herkent u?", bold=True, tone="accent"), keep=True),
                para("Welke cijfers kloppen met wat u ziet en hoort in de buurt?", bullet=True, before=0.4),
                para("Wat verbaast u?", bullet=True, before=0.4)], largest=24, smallest=18)
    f.text(14, [para(Run("Wat missen we?", bold=True, tone="accent"), keep=True),
                para("Wat zien bewoners en partners dat niet in de cijfers staat?", bullet=True, before=0.4),
                para("Welke verhalen, plannen of plekken horen erbij?", bullet=True, before=0.4)],
           largest=24, smallest=18)
    set_notes(f.slide, ["Afsluiting: open het gesprek. Vraag eerst wat mensen herkennen, dan wat er ontbreekt; "
                        "noteer verhalen en plannen, zodat ze in een volgende scan kunnen worden meegenomen.",
                        "", *_source_lines(r)])


def _gemeente(r: Report) -> str:
    """'Den Haag' from the intro's wording ('… naast die van Den Haag en Nederland'), else 'de gemeente'."""
    marker = " naast die van "
    if marker in r.intro:
        rest = r.intro.split(marker, 1)[1]
        if " en Nederland" in rest:
            return rest.split(" en Nederland", 1)[0]
    return "de gemeente"


def _policy_text(p: Any) -> str:
    out = p.wat
    if p.waar:
        out += f" — {p.waar}"
    if p.wanneer:
        out += f" ({p.wanneer})"
    if p.bron:
        out += f" Bron: {p.bron}"
    return out


def _left_out(r: Report) -> list[str]:
    """What the deck (and note) left out of the user's policy and stories: said on a slide."""
    out = [f"{d.title}: {_plain_notice(n)}" for d in r.domains for n in d.notices
           if "beleid" in n or "verha" in n]
    extra = sum(max(len(d.stories) - 1, 0) for d in r.domains)
    if extra:
        out.append(f"{extra} verhaal/verhalen staan niet op de dia's maar wel in de notities en in de notitie.")
    return out


def policy(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    f.text(0, [para("Beleid & ontwikkelingen")], heading_font=True)
    stream: list[Para] = []
    items = [(d, p) for d in r.domains for p in d.policy]
    seen: set[str] = set()
    for d, p in items:
        runs = [Run(f"{d.title}: ", bold=True), Run(p.wat)]
        if p.waar:
            runs.append(Run(f" — {p.waar}"))
        if p.wanneer:
            runs.append(Run(f" ({p.wanneer})"))
        if p.bron:
            runs.append(Run(f" Bron: {p.bron}", italic=True, tone="muted"))
        stream.append(Para(tuple(runs), bullet=True, before=0.35, drop=1 if d.id not in seen else 2))  # whole or not
        seen.add(d.id)
    left_out = _left_out(r)
    if left_out:
        stream.append(heading("Niet alles past", scale=0.9, before=1.0))
        stream += [notice(n) for n in left_out]
    f.text([13, 14], stream, largest=f.size_of(13, 18), smallest=14)
    lines = ["Beleid & ontwikkelingen per thema, zoals aangeleverd in het beleidsbestand."]
    lines += ["", "Beleid & ontwikkelingen:", *(f"- {d.title}: {_policy_text(p)}" for d, p in items)]
    lines += [f"Let op: {n}" for n in left_out]
    if f.shortened:
        lines.insert(0, "Niet alles past op de dia; alle punten staan hieronder.")
    lines += ["", *_source_lines(r)]
    set_notes(f.slide, lines)


def sources(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "bronnen")
    f.text(0, [para("Bronnen")], heading_font=True)
    left: list[Para] = []
    for s in r.sources:
        runs = [Run(f"{s.number}. ", bold=True), Run(s.text)]
        if s.url:
            runs.append(Run(f" {s.url}", tone="muted"))
        left.append(Para(tuple(runs), before=0.5))
    if not r.sources:
        left.append(para(Run("Geen bronnen: er staan geen cijfers in de cache.", italic=True, tone="muted")))
    left.append(para(Run(r.attribution, italic=True, tone="muted"), scale=0.9, before=1.0))
    f.text(13, left)
    guide = [heading("Zo lees je de cijfers", scale=1.0, before=0), para(r.reading_guide, before=0.4),
             para("In de grafieken: donker = " + r.columns[0].lower() + ", grijs = gemeente, licht = Nederland; "
                  "geen balk = niet beschikbaar.", before=0.6)]
    f.text(14, guide)
    lines = ["Waar de cijfers vandaan komen en hoe je ze leest.", *_source_lines(r), "", r.reading_guide, "",
             SIGNALS, READING.format(own=r.columns[0].lower())]
    set_notes(f.slide, lines)


# ---------------------------------------------------------------------------------------------


def _template_path(user_dir: Path | None, deck_template: Path | None) -> Path:
    if deck_template is not None:
        if not deck_template.is_file():
            raise UsageError(f"--template {deck_template}: no such file.", tip=f"Give a .pptx deck; see {DOC}.")
        return deck_template
    try:
        return templates.find(TEMPLATE, user_dir)
    except FileNotFoundError:  # pragma: no cover - the packaged template is part of the wheel
        raise UsageError(f"No {TEMPLATE} found in the templates folders.", tip=f"See {DOC}.") from None


def _remove_slides(prs: Any) -> None:
    """A corporate template often carries example slides: the deck starts empty."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def render(report: Report, *, user_dir: Path | None = None, deck_template: Path | None = None) -> bytes:
    """The deck of one report as .pptx bytes."""
    path = _template_path(user_dir, deck_template)
    prs = load_template(path)
    layouts = check_template(prs, path.name)
    _remove_slides(prs)
    heading_factor, body_factor = _theme_fonts(prs)
    ctx = Ctx(report, prs, {k: LayoutInfo.read(v) for k, v in layouts.items()}, heading_factor, body_factor,
              footer=f"{report.title} · {report.code} · {report.date}")
    known = [d for d in report.domains if any(not f.missing for f in d.figures)]
    unknown_domains = [d for d in report.domains if d not in known]
    has_policy = any(d.policy for d in report.domains) or bool(_left_out(report))
    fixed = 3 + bool(unknown_domains) + has_policy  # cover, algemeen, bronnen, (nog) niet weten, beleid
    cover(ctx)
    general(ctx)
    for section in known[: MAX_SLIDES - fixed]:
        domain(ctx, section)
    if unknown_domains:
        unknown(ctx, unknown_domains)
    if has_policy:
        policy(ctx)
    sources(ctx)
    closing(ctx)
    core = prs.core_properties
    core.title = clean(report.title)
    core.subject = clean(f"{report.subtitle} ({report.code})")
    core.author = core.last_modified_by = "buurtscan"
    core.keywords = "buurtscan; globale scan; WijkWijzer"
    core.language = "nl-NL"
    core.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
