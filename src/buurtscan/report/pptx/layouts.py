"""The template: find it, open it once, check its named layouts and read what the deck needs of them."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from ...errors import UsageError
from .. import templates
from . import fonts
from .ooxml import A, P

TEMPLATE = "deck.pptx"
DOC = "docs/deck-template.md"

# layout key → (layout name, required placeholders idx → purpose, optional placeholders)
LAYOUTS: dict[str, tuple[str, dict[int, str], dict[int, str]]] = {
    "titel": ("buurtscan titel", {0: "titel", 1: "ondertitel", 13: "code en datum", 14: "wat valt op"},
              {15: "inleiding"}),
    "grafiek": ("buurtscan grafiek", {0: "titel", 13: "grafiek", 14: "kerncijfers", 15: "signalen",
                                      16: "partners en verhaal"}, {}),
    "beleid": ("buurtscan beleid", {0: "titel", 13: "linkerkolom", 14: "rechterkolom"}, {}),
    "bronnen": ("buurtscan bronnen", {0: "titel", 13: "bronnen", 14: "leeswijzer"}, {}),
}

# ---------------------------------------------------------------------------------------------
# Template: find, check, inspect


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def load_template(report_path: Path) -> Any:
    """The template, opened from bytes read once per process and file version (a batch reads it once)."""
    import io

    from pptx import Presentation

    try:
        return Presentation(io.BytesIO(_template_bytes(report_path)))
    except Exception as exc:  # noqa: BLE001 - python-pptx raises zip, XML and key errors alike
        raise UsageError(
            f"The deck template {report_path} cannot be opened as a PowerPoint .pptx file ({type(exc).__name__}).",
            tip=f"Save it from PowerPoint as .pptx (not .potx or .ppt); see {DOC}.",
        ) from None


def _template_bytes(path: Path) -> bytes:
    try:
        stat = path.stat()
    except OSError:
        return path.read_bytes()  # raises the same error as before
    return _read(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _read(path: str, _mtime: int, _size: int) -> bytes:
    return Path(path).read_bytes()


def template_protos(path: Path) -> dict[str, Any]:
    """The slide and notes copies of :mod:`.fast` for this template file version (filled by the first deck)."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    return _protos(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _protos(_path: str, _mtime: int, _size: int) -> dict[str, Any]:
    return {}


def check_template(prs: Any, name: str) -> dict[str, Any]:
    """The layouts the deck needs, by key; UsageError naming whatever is missing."""
    found: dict[str, Any] = {}
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


def theme_fonts(prs: Any) -> tuple[float, float]:
    """Width factors of the theme's heading and body fonts."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    except Exception:  # noqa: BLE001 - no readable theme: count fonts as unknown
        return fonts.factor(""), fonts.factor("")
    out = []
    for which in ("majorFont", "minorFont"):
        latin = theme.find(f".//{A}fontScheme/{A}{which}/{A}latin")
        out.append(fonts.factor(latin.get("typeface", "") if latin is not None else ""))
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


@dataclass(frozen=True)
class LayoutInfo:
    """What the deck needs to know of one layout, read once per render."""

    layout: Any
    rects: dict[int, tuple[int, int, int, int]]  # placeholder idx → (x, y, w, h) in EMU
    sizes: dict[int, float]  # placeholder idx → inherited text size in points
    footers: tuple[tuple[str, etree._Element, float], ...]  # (ftr | sldNum, layout element, text size)

    @classmethod
    def read(cls, layout: Any, protos: dict[str, Any] | None = None) -> LayoutInfo:
        """Read the layout, or take what an earlier deck read of this template version (``protos``)."""
        key = f"layout:{layout.name}"
        if protos is not None and key in protos:
            return cls(layout, *protos[key])
        info = cls._read(layout)
        if protos is not None:
            protos[key] = (info.rects, info.sizes, tuple((k, copy.deepcopy(e), z) for k, e, z in info.footers))
        return info

    @classmethod
    def _read(cls, layout: Any) -> LayoutInfo:
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


def template_path(user_dir: Path | None, deck_template: Path | None) -> Path:
    if deck_template is not None:
        if not deck_template.is_file():
            raise UsageError(f"--template {deck_template}: no such file.", tip=f"Give a .pptx deck; see {DOC}.")
        return deck_template
    try:
        return templates.find(TEMPLATE, user_dir)
    except FileNotFoundError:  # pragma: no cover - the packaged template is part of the wheel
        raise UsageError(f"No {TEMPLATE} found in the templates folders.", tip=f"See {DOC}.") from None


def remove_slides(prs: Any) -> None:
    """A corporate template often carries example slides: the deck starts empty."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


