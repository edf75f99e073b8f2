"""OOXML helpers: namespaces and the raw DrawingML the deck writes (text bodies, cell borders, data labels)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache

from lxml import etree

from .fitting import BULLET_INDENT, INSET_X, INSET_Y, PT, Para, clean, size_of

NS = {
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
A = f"{{{NS['a']}}}"
P = f"{{{NS['p']}}}"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
CELL_X, CELL_Y = 0.05 * 72, 0.035 * 72  # table cell margins, points
LABEL_SIZE = 10  # chart data labels, points

# ---------------------------------------------------------------------------------------------
# Writing text into shapes


def colour(tone: str) -> etree._Element | None:
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


def set_body(tx_body: etree._Element, *, anchor: str | None = None) -> None:
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
    set_body(tx_body, anchor=anchor)
    for p_el in tx_body.findall(A + "p"):
        tx_body.remove(p_el)
    if not paras:
        etree.SubElement(tx_body, A + "p")
        return
    for n, p in enumerate(paras):
        size = size_of(p, base)
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
            etree.SubElement(ppr, A + "buFontTx")  # the bullet in the text's own font
            etree.SubElement(ppr, A + "buChar", char="•")
        else:
            etree.SubElement(ppr, A + "buNone")
        for run in p.runs:
            text = run.text  # cleaned when the Run was made
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
            fill = colour(run.tone)
            if fill is not None:
                rpr.append(fill)
            etree.SubElement(r_el, A + "t").text = text
        etree.SubElement(p_el, A + "endParaRPr", lang="nl-NL", sz=str(round(size * 100)))


def cell_border(tc: etree._Element, *, bottom: str | None) -> None:
    """No borders but a hairline at the bottom, no fill, the deck's cell margins (a copy of one made once)."""
    tc_pr = tc.find(A + "tcPr")
    if tc_pr is not None:
        tc.remove(tc_pr)
    new = copy.deepcopy(_cell_pr(bottom))
    tx = tc.find(A + "txBody")
    if tx is not None:
        tx.addnext(new)  # after the text, before any extLst
    else:
        tc.insert(0, new)


@lru_cache(maxsize=8)
def _cell_pr(bottom: str | None) -> etree._Element:
    tc_pr = etree.Element(A + "tcPr")
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
    return tc_pr


def bar_format(ser: etree._Element, fill: str, edge: str | None) -> None:
    """A bar series' fill and outline (a hairline of ``edge``, or none) and no inverted negatives, as
    python-pptx's format API writes them, in the schema's place (after ``c:tx``)."""
    for old in ser.findall(C + "spPr") + ser.findall(C + "invertIfNegative"):
        ser.remove(old)
    sp_pr = etree.Element(C + "spPr")
    etree.SubElement(etree.SubElement(sp_pr, A + "solidFill"), A + "srgbClr", val=fill)
    ln = etree.SubElement(sp_pr, A + "ln")
    if edge:
        ln.set("w", "9525")
        etree.SubElement(etree.SubElement(ln, A + "solidFill"), A + "srgbClr", val=edge)
    else:
        etree.SubElement(ln, A + "noFill")
    anchor = ser.find(C + "tx")
    if anchor is None:
        anchor = ser.find(C + "order")
    anchor.addnext(sp_pr)
    sp_pr.addnext(etree.Element(C + "invertIfNegative", val="0"))


_SHOW = ("showLegendKey", "showVal", "showCatName", "showSerName", "showPercent", "showBubbleSize")


def data_labels(ser: etree._Element, texts: dict[int, str]) -> None:
    """Per-point data labels with fixed text (the model's Dutch figure), outside the end of the bar."""
    for old in ser.findall(C + "dLbls"):
        ser.remove(old)
    dlbls = etree.Element(C + "dLbls")
    for j, text in sorted(texts.items()):
        dlbl = etree.SubElement(dlbls, C + "dLbl")
        etree.SubElement(dlbl, C + "idx", val=str(j))
        rich = etree.SubElement(etree.SubElement(dlbl, C + "tx"), C + "rich")
        etree.SubElement(rich, A + "bodyPr", wrap="none")  # a figure on one line
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


