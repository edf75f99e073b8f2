"""The document a Word note is written into: a user's ``note.docx`` or the packaged styles.

A ``note.docx`` in the templates folder (user folder first) is the base document: its styles
(Title, Heading 1, Heading 2, List Bullet, List Number, Quote) and page setup apply. Without one,
the default python-docx document gets the note's styles (A4, Arial, 8.5 pt, headings in the
accent colour), built once per process and reused from its bytes. Either way the styles speak
Dutch (nl-NL), hyphenation is on, and the note gets a header and a "pagina X van Y" footer.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import cast

from .. import templates
from ..model import Report
from . import xml

TEMPLATE = "note.docx"
LANGUAGE = "nl-NL"
FONT = "Arial"  # in every Word; LibreOffice uses the metric-compatible Liberation Sans
ACCENT, MUTED, RULE, SOFT = "1F3A5F", "5B6570", "C9D0D8", "EEF2F6"
STYLE_NAMES = ("Normal", "Title", "Heading 1", "Heading 2", "List Bullet", "List Number", "Quote")


def load(user_dir: Path | None, resident: bool):  # noqa: ANN201
    """(document, styled): the user's ``note.docx`` (styled=True) or the packaged base."""
    import docx

    try:
        path = templates.find(TEMPLATE, user_dir)
    except FileNotFoundError:
        return docx.Document(io.BytesIO(_default(resident))), False
    doc = docx.Document(str(path))
    _language(doc)
    _hyphenation(doc)
    return doc, True


@lru_cache(maxsize=2)
def _default(resident: bool) -> bytes:
    """The packaged base document, as bytes (built once; loading bytes is much cheaper)."""
    import docx
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Cm, Pt, RGBColor

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.0)
    section.top_margin, section.bottom_margin = Cm(0.95), Cm(0.95)
    section.header_distance = section.footer_distance = Cm(0.4)
    styles = doc.styles
    body = 11 if resident else 8.5
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(body)
    normal.paragraph_format.space_after = Pt(1)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.MULTIPLE
    normal.paragraph_format.line_spacing = 0.92
    sizes = (("Title", 17, 0, 1), ("Heading 1", 13 if resident else 10.5, 2, 0.5),
             ("Heading 2", 9 if resident else 7, 1.5, 0.5))
    for name, size, before, after in sizes:
        st = styles[name]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor.from_string(MUTED if name == "Heading 2" else ACCENT)
        st.font.bold = True
        st.font.all_caps = name == "Heading 2"
        st.paragraph_format.space_before, st.paragraph_format.space_after = Pt(before), Pt(after)
        st.paragraph_format.keep_with_next = True
        st.paragraph_format.line_spacing = 1.0
    for name in ("List Bullet", "List Number"):
        fmt = styles[name].paragraph_format
        fmt.space_after = Pt(0.5)
        fmt.left_indent, fmt.first_line_indent = Cm(0.35), Cm(-0.3)
    quote = styles["Quote"]
    quote.font.size = Pt(body)
    quote.font.color.rgb = RGBColor(0x1B, 0x1F, 0x24)
    quote.paragraph_format.left_indent = Cm(0.15)
    quote.paragraph_format.right_indent = Cm(0)
    quote.paragraph_format.space_before = Pt(1)
    quote.paragraph_format.space_after = Pt(0)
    _language(doc)
    _hyphenation(doc)
    _slim(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# Parts of python-docx's default document a note does not need: Word 2010's copy of every style
# (438 kB), a custom XML item, and a thumbnail of an empty page (shown as the note's preview).
_UNUSED_PARTS = ("http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
                 "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
                 "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail")
_KEPT_TABLE_STYLES = ("TableNormal", "TableGrid")


def _slim(doc) -> None:  # noqa: ANN001
    """The packaged base without what every note would parse and write again for nothing: the 98
    table styles the note never uses (340 of the 350 kB of styles; "Normal Table" and "Table Grid"
    stay, Word keeps the rest as built-in styles) and the parts in :data:`_UNUSED_PARTS`."""
    w = f"{{{xml.W_NS}}}"
    styles = doc.styles.element
    for st in list(styles.iterfind(f"{w}style")):
        if st.get(f"{w}type") == "table" and st.get(f"{w}styleId") not in _KEPT_TABLE_STYLES:
            styles.remove(st)
    for owner in (doc.part, doc.part.package):
        for rid, rel in list(owner.rels.items()):
            if rel.reltype in _UNUSED_PARTS:
                del owner.rels[rid]


def style_ids(doc) -> dict[str, str]:  # noqa: ANN001
    """Style name → style id, read once (a name look-up in python-docx scans every style)."""
    w = f"{{{xml.W_NS}}}"
    ids = {}
    for st in doc.styles.element.iterfind(f"{w}style"):
        name = st.find(f"{w}name")
        if name is not None:
            ids[name.get(f"{w}val")] = st.get(f"{w}styleId")
    # Word stores some built-in names in lower case ("heading 1"); the note asks for them capitalised
    for name in STYLE_NAMES:
        low = name.lower()
        if name not in ids and low in ids:
            ids[name] = ids[low]
    return ids


def list_number(doc, style_id: str | None) -> tuple[int | None, int | None]:  # noqa: ANN001
    """The abstract numbering behind the List Number style (None when the style has none)."""
    if style_id is None:
        return None, None
    style = doc.styles.element.get_by_id(style_id)
    ppr = style.pPr if style is not None else None
    if ppr is None or ppr.numPr is None or ppr.numPr.numId is None:
        return None, None
    numbering = doc.part.numbering_part.element
    base = numbering.num_having_numId(ppr.numPr.numId.val)
    return numbering, base.abstractNumId.val


def next_num_id(numbering) -> int:  # noqa: ANN001
    """The first numbering instance id after those the document has."""
    return max((int(n) for n in numbering.xpath("./w:num/@w:numId")), default=0) + 1


def restarts(numbering, abstract: int, ids: list[int]) -> None:  # noqa: ANN001
    """New numbering instances of the list with these ids, each restarting at 1 (each domain's
    questions count from 1); parsed in one go (python-docx's add_num searches the ids every time)."""
    from docx.oxml.parser import parse_xml

    if not ids:
        return
    nums = "".join(f'<w:num w:numId="{n}"><w:abstractNumId w:val="{abstract}"/><w:lvlOverride w:ilvl="0">'
                   '<w:startOverride w:val="1"/></w:lvlOverride></w:num>' for n in ids)
    for el in list(parse_xml(f'<w:numbering xmlns:w="{xml.W_NS}">{nums}</w:numbering>')):
        numbering._insert_num(el)


def _language(doc) -> None:  # noqa: ANN001
    """nl-NL in the document defaults and the Normal style, so spelling checks Dutch."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    targets = []
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = defaults.makeelement(qn("w:rPrDefault"), {})
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is None:
            rpr = rpr_default.makeelement(qn("w:rPr"), {})
            rpr_default.append(rpr)
        targets.append(rpr)
    normal = styles.get_by_id(style_ids(doc).get("Normal", "Normal"))
    if normal is not None:
        targets.append(normal.get_or_add_rPr())
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)
        lang.set(qn("w:bidi"), "ar-SA")


# The settings children the schema puts after w:autoHyphenation (Word refuses files that break the order).
_AFTER_HYPHENATION = ("consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
                      "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
                      "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets",
                      "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing", "displayHorizontalDrawingGridEvery",
                      "displayVerticalDrawingGridEvery", "doNotUseMarginsForDrawingGridOrigin",
                      "drawingGridHorizontalOrigin", "drawingGridVerticalOrigin", "doNotShadeFormData",
                      "noPunctuationKerning", "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars",
                      "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture", "doNotValidateAgainstSchema",
                      "saveInvalidXml", "ignoreMixedContent", "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml",
                      "saveXmlDataOnly", "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags",
                      "alwaysMergeEmptyNamespace", "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr",
                      "compat", "docVars", "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
                      "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
                      "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags",
                      "decimalSymbol", "listSeparator")


def _hyphenation(doc) -> None:  # noqa: ANN001
    """Automatic hyphenation, so long Dutch compounds break at a syllable instead of mid-letter."""
    from docx.oxml.ns import qn

    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is not None:
        return
    el = settings.makeelement(qn("w:autoHyphenation"), {qn("w:val"): "true"})
    later = {qn(f"w:{n}") for n in _AFTER_HYPHENATION}
    for i, child in enumerate(settings):
        if child.tag in later:
            settings.insert(i, el)
            return
    settings.append(el)


def header_footer(doc, report: Report) -> None:  # noqa: ANN001
    """The header names the note; the footer counts the pages ("pagina 1 van 2")."""
    small = xml.Font(size=7, colour=MUTED)
    section = doc.sections[0]
    for part, body in (
        (section.header, xml.para(xml.run(f"{report.title} · {report.code} · {report.date}", small))),
        (section.footer, xml.para(xml.run("pagina ", small) + xml.field("PAGE", small) + xml.run(" van ", small)
                                  + xml.field("NUMPAGES", small), align="right")),
    ):
        el = part._element
        for child in list(el):
            el.remove(child)
        el.extend(xml.parse(body))


def section(doc, number: int, space_cm: float = 0.0) -> str:  # noqa: ANN001
    """The properties of a section that ends inside the body (for its last paragraph): the page as
    the document's, ``number`` columns, starting on the same page as the section before it."""
    import copy

    from lxml import etree

    sect = copy.deepcopy(doc.sections[-1]._sectPr)
    _set_columns(sect, number, space_cm)
    return etree.tostring(sect, encoding="unicode")


def columns(doc, number: int, space_cm: float, *, continuous: bool = False) -> str:  # noqa: ANN001
    """Make the document's last section ``number`` newspaper columns, starting on the same page;
    returns the section properties that end the one-column part before it (for its last paragraph;
    ``continuous``: that part too starts on the page before it, it is not the first section)."""
    import copy

    from docx.oxml.ns import qn
    from lxml import etree

    sect = doc.sections[-1]._sectPr
    first = copy.deepcopy(sect)
    if continuous:
        _set_columns(first, 1, 0.0)
    _set_columns(sect, number, space_cm)
    first_cols = first.find(qn("w:cols"))
    if first_cols is not None:
        first_cols.set(qn("w:num"), "1")
    return etree.tostring(first, encoding="unicode")


def _set_columns(sect, number: int, space_cm: float) -> None:  # noqa: ANN001
    """``number`` columns ``space_cm`` apart, the section continuing on the page before it."""
    from docx.oxml.ns import qn

    cols = sect.find(qn("w:cols"))
    if cols is None:
        cols = sect.makeelement(qn("w:cols"), {})
        grid = sect.find(qn("w:docGrid"))
        grid.addprevious(cols) if grid is not None else sect.append(cols)
    cols.set(qn("w:num"), str(number))
    cols.set(qn("w:space"), str(xml.twips(space_cm)))
    kind = sect.find(qn("w:type"))
    if kind is None:
        kind = sect.makeelement(qn("w:type"), {})
        anchor = next((c for c in sect if c.tag not in (qn("w:headerReference"), qn("w:footerReference"),
                                                         qn("w:footnotePr"), qn("w:endnotePr"))), None)
        anchor.addprevious(kind) if anchor is not None else sect.append(kind)
    kind.set(qn("w:val"), "continuous")


def save(doc) -> bytes:  # noqa: ANN001
    """The document as .docx bytes, as python-docx writes it but without deflating the pictures
    again (PNG and JPEG are compressed already: stored as they are) and the XML deflated fast."""
    import zipfile

    from docx.opc.phys_pkg import PhysPkgWriter
    from docx.opc.pkgwriter import PackageWriter

    class _Writer:
        def __init__(self, out: io.BytesIO) -> None:
            self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

        def write(self, pack_uri, blob: bytes) -> None:  # noqa: ANN001
            name = pack_uri.membername
            stored = name.endswith((".png", ".jpeg", ".jpg"))
            self.zip.writestr(name, blob, compress_type=zipfile.ZIP_STORED if stored else None)

        def close(self) -> None:
            self.zip.close()

    package = doc.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _Writer(out)
    phys = cast("PhysPkgWriter", writer)  # all PackageWriter asks of a writer is write()
    PackageWriter._write_content_types_stream(phys, parts)
    PackageWriter._write_pkg_rels(phys, package.rels)
    PackageWriter._write_parts(phys, parts)
    writer.close()
    return out.getvalue()
