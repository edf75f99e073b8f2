"""WordprocessingML written as text: runs, paragraphs, tables, fields and pictures.

python-docx's object API re-finds every child element on each property set (an XPath search and
a schema-ordered insert per attribute), which made a note cost half a second. Here a note's body
is built as one string, in the schema's child order, and parsed once (:func:`parse`). Text is
escaped; control characters Word cannot store are removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = {
    "w": W_NS,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
_XML_BAD = {c: None for c in range(32) if c not in (9, 10, 13)}
TWIPS_PER_CM = 566.93
EMU_PER_CM = 360000


def clean(text: str) -> str:
    """Remove control characters Word cannot store (they would corrupt the file)."""
    return str(text).translate(_XML_BAD)


def twips(cm: float) -> int:
    return round(cm * TWIPS_PER_CM)


@dataclass(frozen=True)
class Font:
    """Run formatting (None: as the style says). ``size`` in points."""

    size: float | None = None
    bold: bool = False
    italic: bool = False
    colour: str | None = None  # "5B6570"
    caps: bool = False
    shade: str | None = None  # background fill
    border: bool = False  # a thin box (the "gunstig" badge)

    @lru_cache(maxsize=256)  # noqa: B019 - a few fonts, each written thousands of times a note
    def props(self) -> str:
        out = []
        if self.bold:
            out.append("<w:b/>")
        if self.italic:
            out.append("<w:i/>")
        if self.caps:
            out.append("<w:caps/>")
        if self.colour:
            out.append(f'<w:color w:val="{self.colour}"/>')
        if self.size:
            half = round(self.size * 2)
            out.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
        if self.border:
            out.append('<w:bdr w:val="single" w:sz="4" w:space="0" w:color="000000"/>')
        if self.shade:
            out.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{self.shade}"/>')
        return f"<w:rPr>{''.join(out)}</w:rPr>" if out else ""


PLAIN = Font()


def run(text: str, font: Font = PLAIN) -> str:
    """A run; newlines in ``text`` become line breaks."""
    parts = clean(text).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{font.props()}{body}</w:r>"


def field(instruction: str, font: Font = PLAIN) -> str:
    """A field Word and LibreOffice fill in (PAGE, NUMPAGES)."""
    rpr = font.props()
    return (f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{rpr}<w:t>1</w:t></w:r><w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>')


def para(runs: str = "", *, style: str | None = None, keep: bool = False, keep_lines: bool = False,
         num: tuple[int, int] | None = None, border: str = "", before: float | None = None,
         after: float | None = None, line: float | None = None, indent_cm: float | None = None,
         align: str | None = None, sect: str = "", shade: str | None = None, lines: float | None = None) -> str:
    """A paragraph. ``num`` is (numId, level); ``border`` a pBdr body; sizes in points.

    ``line`` is the line height in points (exact), for the thin spacer paragraphs; ``lines`` the
    line height as a multiple of the font's (tables set their small text a little closer)."""
    p = []
    if style:
        p.append(f'<w:pStyle w:val="{style}"/>')
    if keep:
        p.append("<w:keepNext/>")
    if keep_lines:
        p.append("<w:keepLines/>")
    if num is not None:
        p.append(f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>')
    if border:
        p.append(f"<w:pBdr>{border}</w:pBdr>")
    if shade:
        p.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>')
    if before is not None or after is not None or line is not None or lines is not None:
        attrs = "".join(f' w:{k}="{round(v * 20)}"' for k, v in (("before", before), ("after", after)) if v is not None)
        if line is not None:
            attrs += f' w:line="{round(line * 20)}" w:lineRule="exact"'
        elif lines is not None:
            attrs += f' w:line="{round(lines * 240)}" w:lineRule="auto"'
        p.append(f"<w:spacing{attrs}/>")
    if indent_cm is not None:
        p.append(f'<w:ind w:left="{twips(indent_cm)}" w:hanging="0"/>')
    if align:
        p.append(f'<w:jc w:val="{align}"/>')
    p.append(sect)
    ppr = f"<w:pPr>{''.join(p)}</w:pPr>" if any(p) else ""
    return f"<w:p>{ppr}{runs}</w:p>"


def border(side: str, colour: str, eighths: int, space: int = 1) -> str:
    return f'<w:{side} w:val="single" w:sz="{eighths}" w:space="{space}" w:color="{colour}"/>'


def table(rows: list[str], widths_cm: list[float], *, borders: str = "", margins_cm: float = 0.08,
          shade: str | None = None) -> str:
    """A fixed-layout table at the given column widths (the rows made by :func:`row`)."""
    total = sum(twips(w) for w in widths_cm)
    m = twips(margins_cm)
    tbl_borders = f"<w:tblBorders>{borders}</w:tblBorders>" if borders else (
        "<w:tblBorders>" + "".join(f'<w:{s} w:val="nil"/>' for s in ("top", "left", "bottom", "right",
                                                                     "insideH", "insideV")) + "</w:tblBorders>")
    shd = f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>' if shade else ""
    pr = (f'<w:tblPr><w:tblW w:w="{total}" w:type="dxa"/><w:tblInd w:w="0" w:type="dxa"/>{tbl_borders}{shd}'
          f'<w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
          f'<w:left w:w="{m}" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="{m}" w:type="dxa"/>'
          '</w:tblCellMar><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" '
          'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>')
    grid = "".join(f'<w:gridCol w:w="{twips(w)}"/>' for w in widths_cm)
    return f"<w:tbl>{pr}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def row(cells: list[str], widths_cm: list[float], *, header: bool = False, bottom: str = "",
        cell_borders: str = "", span: int = 1, split: bool = False) -> str:
    """A table row that never splits over pages; ``cells`` are the cells' inner XML (paragraphs).

    ``span``: one cell over that many grid columns (``widths_cm`` then holds its one width);
    ``split``: the row may go on on the next page (a layout row of whole blocks)."""
    trpr = "<w:trPr>" + ("" if split else "<w:cantSplit/>") + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
    out = []
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    for content, w in zip(cells, widths_cm, strict=True):
        borders = cell_borders or (f"<w:tcBorders>{bottom}</w:tcBorders>" if bottom else "")
        out.append(f'<w:tc><w:tcPr><w:tcW w:w="{twips(w)}" w:type="dxa"/>{grid}{borders}</w:tcPr>'
                   f"{content or '<w:p/>'}</w:tc>")
    return f"<w:tr>{trpr}{''.join(out)}</w:tr>"


def picture(rid: str, width_cm: float, height_cm: float, pid: int, name: str) -> str:
    """An inline picture run for an image part already related as ``rid``."""
    cx, cy = round(width_cm * EMU_PER_CM), round(height_cm * EMU_PER_CM)
    name = quoteattr(clean(name))
    return (f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{pid}" name={name} descr={name}/><wp:cNvGraphicFramePr>'
            '<a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr><a:graphic>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="{pid}" name={name}/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            "</wp:inline></w:drawing></w:r>")


def parse(body_xml: str) -> list:
    """The elements of a body fragment, as python-docx elements (so ``doc.paragraphs`` sees them)."""
    from docx.oxml.parser import parse_xml

    ns = " ".join(f'xmlns:{k}="{v}"' for k, v in NAMESPACES.items())
    return list(parse_xml(f"<w:body {ns}>{body_xml}</w:body>"))
