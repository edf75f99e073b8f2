"""Fast paths around python-pptx's slow ones, for a batch of decks (issue 19).

Measured with ``bench/deck.py`` (cProfile over the 114 buurten of Den Haag), python-pptx spends
most of a deck's time in four places, each replaced here by the same result made once and copied:

- a new slide clones its layout's placeholders one by one (XPath per property): the first slide
  of a layout is made by python-pptx, later ones get a copy of its shape tree;
- a notes slide clones the notes master's placeholders: the first is made by python-pptx, later
  ones are a copy of it, related to the notes master and their slide as python-pptx relates them;
- every new part scans all parts of the package for the next free name: a counter per name
  pattern takes over after the first scan;
- every chart writes its embedded workbook with xlsxwriter: a minimal workbook of the same cells
  (what PowerPoint's "Gegevens bewerken" opens) is written directly.

The copies are kept per template file version (:func:`.layouts.template_protos`), so a user's
template gets its own.
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree
from pptx.chart.data import CategoryChartData

from .ooxml import A, P

PROTO_NOTES = "(notities)"


def install_partnames(package: Any) -> None:
    """Give ``package`` a next_partname that scans the parts once per name pattern, then counts on
    (past any name the template already uses, gaps included)."""
    used: dict[str, set[str]] = {}
    last: dict[str, int] = {}

    def next_partname(tmpl: str) -> Any:
        from pptx.opc.packuri import PackURI

        if tmpl not in used:
            head = tmpl[: (tmpl % 42).find("42")]
            used[tmpl] = {str(p.partname) for p in package.iter_parts() if str(p.partname).startswith(head)}
            last[tmpl] = 0
        n = last[tmpl] + 1
        while tmpl % n in used[tmpl]:
            n += 1
        last[tmpl] = n
        used[tmpl].add(tmpl % n)
        return PackURI(tmpl % n)

    package.next_partname = next_partname


def add_slide(prs: Any, layout: Any, protos: dict[str, Any]) -> Any:
    """A new slide on ``layout`` with the layout's placeholders (a copy of the first such slide's)."""
    key = layout.name
    proto = protos.get(key)
    if proto is None:
        slide = prs.slides.add_slide(layout)
        protos[key] = copy.deepcopy(slide._element.cSld.spTree)
        return slide
    r_id, slide = prs.part.add_slide(layout)
    c_sld = slide._element.cSld
    c_sld.replace(c_sld.spTree, copy.deepcopy(proto))
    prs.slides._sldIdLst.add_sldId(r_id)
    return slide


def set_notes_text(slide: Any, text: str, protos: dict[str, Any]) -> None:
    """The slide's speaker notes: one paragraph per line, in the notes body placeholder."""
    proto = protos.get(PROTO_NOTES)
    if proto is None:
        notes = slide.notes_slide  # python-pptx makes the notes master (once) and clones its placeholders
        protos[PROTO_NOTES] = copy.deepcopy(notes._element)
        element = notes._element
    else:
        from pptx.opc.constants import CONTENT_TYPE as CT
        from pptx.opc.constants import RELATIONSHIP_TYPE as RT
        from pptx.parts.slide import NotesSlidePart

        package = slide.part.package
        master = package.presentation_part.notes_master_part
        element = copy.deepcopy(proto)
        part = NotesSlidePart(package.next_partname("/ppt/notesSlides/notesSlide%d.xml"), CT.PML_NOTES_SLIDE,
                              package, element)
        part.relate_to(master, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        slide.part.relate_to(part, RT.NOTES_SLIDE)
    _write_notes(element, text)


def _write_notes(element: Any, text: str) -> None:
    for sp in element.iter(P + "sp"):
        ph = sp.find(f"{P}nvSpPr/{P}nvPr/{P}ph")
        if ph is None or ph.get("type") != "body":
            continue
        tx = sp.find(P + "txBody")
        if tx is None:
            tx = etree.SubElement(sp, P + "txBody")
            etree.SubElement(tx, A + "bodyPr")
            etree.SubElement(tx, A + "lstStyle")
        for p_el in tx.findall(A + "p"):
            tx.remove(p_el)
        for line in text.split("\n"):
            p_el = etree.SubElement(tx, A + "p")
            if line:
                r_el = etree.SubElement(p_el, A + "r")
                etree.SubElement(r_el, A + "rPr", lang="nl-NL", dirty="0")
                etree.SubElement(r_el, A + "t").text = line
        return


def save(prs: Any) -> bytes:
    """The package as .pptx bytes, as python-pptx writes it but with fast compression and fixed file
    times (the same deck gives the same bytes)."""
    from pptx.opc.oxml import serialize_part_xml
    from pptx.opc.serialized import _ContentTypesItem

    package = prs.part.package
    parts = tuple(package.iter_parts())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=FAST) as z:
        def put(name: str, blob: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, blob, compresslevel=FAST)

        put("[Content_Types].xml", serialize_part_xml(_ContentTypesItem.xml_for(parts)))
        put("_rels/.rels", package._rels.xml)
        for part in parts:
            put(part.partname.membername, part.blob)
            if part._rels:
                put(part.partname.rels_uri.membername, part.rels.xml)
    return buf.getvalue()


FAST = 1  # zlib level: a little larger than level 6, several times faster


# ---------------------------------------------------------------------------------------------
# The chart's embedded workbook

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STATIC = {
    "[Content_Types].xml": (
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _col(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _text(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def workbook(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> bytes:
    """A minimal .xlsx: categories in column A from row 2, each series in the next column with its
    name in row 1 — the cells python-pptx's chart XML refers to (``Sheet1!$B$2:$B$6``). A missing
    value is an empty cell, never 0."""
    rows = ["<row r=\"1\">" + "".join(_text(f"{_col(k + 2)}1", name) for k, (name, _v) in enumerate(series))
            + "</row>"]
    for i, cat in enumerate(categories):
        r = i + 2
        cells = [_text(f"A{r}", cat)]
        for k, (_name, values) in enumerate(series):
            v = values[i] if i < len(values) else None
            if v is not None:
                cells.append(f'<c r="{_col(k + 2)}{r}"><v>{float(v)!r}</v></c>')
        rows.append(f'<row r="{r}">' + "".join(cells) + "</row>")
    sheet = f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, xml in (*_STATIC.items(), ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(name, xml)
    return buf.getvalue()


class ChartData(CategoryChartData):
    """python-pptx's CategoryChartData with :func:`workbook` as its embedded workbook (not xlsxwriter)."""

    @property
    def xlsx_blob(self) -> bytes:
        return workbook([str(c.label) for c in self.categories], [(str(s.name), list(s.values)) for s in self])
