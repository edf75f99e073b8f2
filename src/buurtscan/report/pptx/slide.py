"""One slide being filled: the render context and the placeholders of a slide, filled, moved or removed."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..model import Report
from . import fast
from .fitting import INSET_Y, PT, Box, Fitted, Para, clean, fit, para_height
from .layouts import LayoutInfo
from .ooxml import A, P, write_paras


@dataclass
class Ctx:
    report: Report
    prs: Any
    layouts: dict[str, LayoutInfo]
    heading_factor: float
    body_factor: float
    footer: str
    protos: dict[str, Any] = field(default_factory=dict)  # fast.py's copies, per template version


class SlideFiller:
    """One slide: its placeholders by idx (XML elements), filled, moved or removed."""

    def __init__(self, ctx: Ctx, key: str) -> None:
        self.ctx = ctx
        self.info = ctx.layouts[key]
        self.slide = fast.add_slide(ctx.prs, self.info.layout, ctx.protos)
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

    def fits(self, idx: int, paras: Sequence[Para]) -> bool:
        """Whether ``paras`` fit placeholder ``idx`` whole, within the sizes :meth:`text` would try."""
        return not self._fit([idx], paras, [self.rect(idx)], None, None, False).shortened

    def text(self, idxs: int | Sequence[int], paras: Sequence[Para], *, largest: float | None = None,
             smallest: float | None = None, heading_font: bool = False, rects: Sequence[tuple] | None = None) -> Fitted:
        """Fit ``paras`` into one placeholder, or flow them through several (columns)."""
        idxs = [idxs] if isinstance(idxs, int) else list(idxs)
        moved = rects is not None
        rects = list(rects) if rects else [self.rect(i) for i in idxs]
        fitted = self._fit(idxs, paras, rects, largest, smallest, heading_font)
        for idx, rect, content in zip(idxs, rects, fitted.boxes, strict=True):
            if moved:
                self.move(idx, rect)
            write_paras(self._tx_body(idx), content, fitted.size)
            if not content:
                self.remove(idx)
        self.shortened = self.shortened or fitted.shortened
        return fitted

    def _fit(self, idxs: Sequence[int], paras: Sequence[Para], rects: Sequence[tuple], largest: float | None,
             smallest: float | None, heading_font: bool) -> Fitted:
        factor = self.ctx.heading_factor if heading_font else self.ctx.body_factor
        base = largest or self.size_of(idxs[0], 18)
        smallest = smallest or max(10.0, round(base * 0.7))
        boxes = [Box.of(r, factor, bold=heading_font) for r in rects]
        return fit(paras, boxes, base, min(smallest, base))

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


def grow(rect: tuple[int, int, int, int], into: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """``rect`` extended over ``into`` when ``into`` lies directly below it in the same column."""
    x, y, w, h = rect
    ix, iy, iw, ih = into
    if iy >= y + h - PT and ix < x + w and ix + iw > x:
        left, right = min(x, ix), max(x + w, ix + iw)
        if right - left <= max(w, iw) * 1.05:
            return x, y, w, iy + ih - y
    return rect


def make_room(paras: Sequence[Para], above: tuple[int, int, int, int], rect: tuple[int, int, int, int],
               base: float, factor: float) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]]:
    """Move the top of ``rect`` up into ``above`` (the chart over it, same column) when its text needs the
    room at a comfortable size; the chart keeps at least 60% of its height."""
    if grow(above, rect) == above:
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


