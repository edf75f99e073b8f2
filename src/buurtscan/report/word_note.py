"""Editable Word note (python-docx), built with Word's own styles so a gemeente can restyle it.

A ``note.docx`` in the templates folder (user folder first) is used as the base document:
its styles (Title, Heading 1, Heading 2, List Bullet, List Number, Quote, Table Grid) and
page setup apply. Text is added as runs, so nothing in it is interpreted.

Layout, close to the PDF so that the same fitted content takes one or two pages: the title
block over the full width, then two newspaper columns; tables with a fitted label column and a
bold header row that repeats; headings kept with what follows; questions numbered from 1 in
every domain; Dutch (nl-NL) as the language of the styles; a header and a footer with
"pagina X van Y". Charts are the SVG of :mod:`.svg` rasterised to PNG; story photos are
cropped to 3:2 and scaled (:mod:`.photos`).
"""

from __future__ import annotations

import io
from pathlib import Path

from . import photos, svg, templates
from .model import Chart, DomainSection, Figure, Report

TEMPLATE = "note.docx"
LANGUAGE = "nl-NL"
FONT = "Arial"  # in every Word; LibreOffice uses the metric-compatible Liberation Sans
_XML_BAD = {c: None for c in range(32) if c not in (9, 10, 13)}
_SIGNAL_SHADE = {"ongunstig": ("222222", "FFFFFF"), "opvallend": ("DDDDDD", "000000"), "gunstig": (None, "000000")}


def _clean(text: str) -> str:
    """Remove control characters Word cannot store (they would corrupt the file)."""
    return str(text).translate(_XML_BAD)


def _own(report: Report, f: Figure) -> str:
    return f.buurt if report.level == "buurt" else f.wijk if report.level == "wijk" else f.gemeente


def _label(f: Figure) -> str:
    return f.label  # the model's label names the unit where the value does not


class _Writer:
    """One Word note being written; holds the document and the sizes it uses."""

    def __init__(self, doc, report: Report, column_cm: float, styled: bool) -> None:  # noqa: ANN001
        from docx.shared import Pt

        self.doc, self.report, self.column_cm, self.styled = doc, report, column_cm, styled
        # style objects by name, looked up once (python-docx searches every style on each name lookup)
        self.styles = {s.name: s for s in doc.styles}
        self.names = set(self.styles)
        self.resident = report.audience == "bewoners"
        self.table_pt, self.detail_pt = (Pt(10), Pt(9)) if self.resident else (Pt(7.5), Pt(7))

    def style(self, name: str):  # noqa: ANN201
        return self.styles.get(name)

    # ------------------------------------------------------------------ blocks
    def heading(self, text: str, level: int):  # noqa: ANN201
        style = self.styles.get("Title" if level == 0 else f"Heading {level}")
        p = self.doc.add_paragraph(_clean(text), style=style) if style else self.doc.add_heading(_clean(text), level)
        p.paragraph_format.keep_with_next = True
        return p

    def para(self, text: str = "", style: str | None = None, *, italic: bool = False, size=None, keep=False):  # noqa: ANN001, ANN201
        p = self.doc.add_paragraph(style=self.style(style) if style else None)  # a style object: no lookup
        if text:
            run = p.add_run(_clean(text))
            run.italic = italic or None
            if size is not None:
                run.font.size = size
        if keep:
            p.paragraph_format.keep_with_next = True
        return p

    def table(self, figures: tuple[Figure, ...]) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        report = self.report
        # one column per reference (buurt, wijk, gemeente, Nederland); Nederland's figures are the longest
        columns = report.columns_for(figures)
        values_cm = (*([1.75] * (len(columns) - 1)), 1.95)
        widths = [Cm(self.column_cm - sum(values_cm)), *(Cm(v) for v in values_cm)]
        table = self.doc.add_table(rows=1, cols=len(widths))
        table.style = self.style("Table Grid")
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        _table_layout(table, sum(w.twips for w in widths))
        grid = table._tbl.tblGrid
        for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
            col.set(qn("w:w"), str(int(w.twips)))
        head = table.rows[0]
        _repeat_header(head)
        for cell, text in zip(head.cells, ["", *columns], strict=True):
            p = cell.paragraphs[0]
            run = p.add_run(_clean(text))
            run.bold = True
            run.font.size = self.detail_pt
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if text else None
        for f in figures:
            cells = table.add_row().cells
            p = cells[0].paragraphs[0]
            p.add_run(_clean(_label(f))).font.size = self.table_pt
            if f.note:
                mark = p.add_run(_clean(f"\u2009[{f.note}]"))
                mark.font.size = self.detail_pt
            if f.signal:
                p.add_run(" ").font.size = self.table_pt
                _badge(p.add_run(_clean(f"\u00a0{f.signal}\u00a0")), f.signal, self.detail_pt)
            detail = f.detail
            if detail:
                run = p.add_run(_clean(" · " + detail))
                run.font.size = self.detail_pt
                run.italic = True
            for cell, v in zip(cells[1:], f.cells, strict=True):
                cp = cell.paragraphs[0]
                cp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                run = cp.add_run(_clean(v).replace(" ", "\u00a0") if v != "niet beschikbaar" else v)
                run.font.size = self.detail_pt if v == "niet beschikbaar" else self.table_pt
                run.italic = v == "niet beschikbaar" or v.endswith("*") or None  # a small number looks different
        for r, row in enumerate(table.rows):
            trPr = row._tr.get_or_add_trPr()
            trPr.insert(0, trPr.makeelement(qn("w:cantSplit"), {}))
            for cell, w in zip(row.cells, widths, strict=True):
                cell.width = w
                for p in cell.paragraphs:
                    fmt = p.paragraph_format
                    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
                    fmt.keep_with_next = r < len(table.rows) - 1 or None  # the table stays in one piece
        self.gap()

    def gap(self) -> None:
        """A thin spacer paragraph (Word needs a paragraph between a table and what follows)."""
        from docx.enum.text import WD_LINE_SPACING
        from docx.shared import Pt

        fmt = self.doc.add_paragraph().paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(2)

    def chart(self, chart: Chart, title: str | None = None, *, above: bool = False) -> None:
        from docx.shared import Cm, Pt

        if title:
            p = self.para(keep=True)
            run = p.add_run(_clean(title))
            run.bold = True
            run.font.size = self.table_pt
            p.paragraph_format.space_after = Pt(1)
        width_px = 420 if above else 330
        image = svg.png(chart, width=width_px, row=15 if above else 20, label_w=60, above=above)
        p = self.doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)
        p.add_run().add_picture(io.BytesIO(image), width=Cm(min(self.column_cm, 6.5 if above else 7.0)))

    def bullets(self, items, style: str = "List Bullet") -> None:  # noqa: ANN001
        from docx.shared import Pt

        for text in items:
            p = self.para(text, style)
            p.paragraph_format.space_after = Pt(1)

    def numbered(self, items: tuple[str, ...]) -> None:
        """A numbered list that starts at 1 (a fresh w:num over the style's own numbering)."""
        from docx.shared import Pt

        num_id = _restart_numbering(self.doc, "List Number")
        for text in items:
            p = self.para(text, "List Number")
            p.paragraph_format.space_after = Pt(1)
            if num_id is not None:
                numPr = p._p.get_or_add_pPr().get_or_add_numPr()
                numPr.get_or_add_ilvl().val = 0
                numPr.get_or_add_numId().val = num_id

    def story(self, tekst: str, who: str, container) -> None:  # noqa: ANN001
        from docx.shared import Pt

        quote = container.add_paragraph(style=self.style("Quote"))
        run = quote.add_run(_clean(f"“{tekst}”"))
        run.italic = True
        quote.paragraph_format.space_after = Pt(0)
        quote.paragraph_format.keep_with_next = True
        quote.paragraph_format.left_indent = Pt(0) if self.style("Quote") else None
        p = container.add_paragraph()
        p.add_run(_clean(f"— {who}"))
        p.paragraph_format.space_after = Pt(2)

    def domain(self, d: DomainSection) -> None:

        self.heading(d.title, 1)
        if self.resident:  # at most three figures, in plain words, each with its source and year
            self.bullets(f.plain + (f"\u2009[{f.note}]" if f.note else "") + (f" ({f.period})" if f.period else "")
                         for f in d.figures)
        elif d.figures:
            self.table(d.figures)
        for line in (d.empty, d.unavailable, "" if d.highlights else d.signals_note):
            if line:
                self.para(line, italic=True, size=self.detail_pt)
        if d.chart is not None and _compares(d.chart):
            self.chart(d.chart, above=True)
        self.bullets(d.highlights)
        if d.partner:
            self.heading("Cijfers van partners", 2)
            self.bullets(f"{pf.label}: {pf.value}" + (f" ({pf.compare})" if pf.compare else "")
                         + f" — {pf.source}" for pf in d.partner)
        if d.policy:
            self.heading("Beleid & ontwikkelingen", 2)
            self.bullets(item.wat + (f" — {item.waar}" if item.waar else "")
                         + (f" ({item.wanneer})" if item.wanneer else "")
                         + (f". Bron: {item.bron}" if item.bron else "") for item in d.policy)
        if not self.resident:
            self.voices(d)
        for n in d.notices:
            self.para(n, italic=True, size=self.detail_pt)

    def voices(self, d: DomainSection) -> None:
        """The domain's stories and questions (first in the resident version)."""
        from docx.oxml.ns import qn
        from docx.shared import Cm

        if d.stories:
            self.heading("Verhalen uit de buurt", 2)
            for st in d.stories:
                image = photos.prepared(st.foto) if st.foto else None
                who = st.wie + (f", {st.wanneer}" if st.wanneer else "") + (f" ({st.soort})" if st.soort else "")
                if image is None:
                    self.story(st.tekst, who, self.doc)
                    continue
                # the photo beside the quote (a borderless two-cell table), cropped to 3:2
                photo_cm = 2.9
                table = self.doc.add_table(rows=1, cols=2)
                table.autofit = False
                _table_layout(table, int(Cm(self.column_cm).twips))
                left, right = table.rows[0].cells
                left.width, right.width = Cm(self.column_cm - photo_cm), Cm(photo_cm)
                for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")),
                                  (self.column_cm - photo_cm, photo_cm), strict=True):
                    col.set(qn("w:w"), str(int(Cm(w).twips)))
                self.story(st.tekst, who, left)
                left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
                right.paragraphs[0].add_run().add_picture(io.BytesIO(image), width=Cm(photo_cm - 0.15))
                self.gap()
        if d.questions:
            self.heading("Vragen voor het gesprek", 2)
            self.numbered(d.questions)


def _compares(chart: Chart | None) -> bool:
    """A chart worth its room: two or more bars, each with the subject and both references."""
    return bool(chart and len(chart.bars) > 1 and all(all(v is not None for v in b.values) for b in chart.bars))


def _badge(run, signal: str, size) -> None:  # noqa: ANN001
    """The signal as a small shaded label, like the PDF's badge (greyscale-safe)."""
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    run.font.size = size
    run.bold = True
    fill, colour = _SIGNAL_SHADE.get(signal, (None, "000000"))
    run.font.color.rgb = RGBColor.from_string(colour)
    rPr = run._r.get_or_add_rPr()
    if fill:
        rPr.append(rPr.makeelement(qn("w:shd"), {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}))
    else:
        rPr.append(rPr.makeelement(qn("w:bdr"), {qn("w:val"): "single", qn("w:sz"): "4", qn("w:space"): "0",
                                                 qn("w:color"): "000000"}))


def _table_layout(table, width_twips: int) -> None:  # noqa: ANN001
    """Fixed layout at the column's width, with narrow cell margins (the values fit on one line)."""
    from docx.oxml.ns import qn

    tblPr = table._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout", "w:tblCellMar"):
        old = tblPr.find(qn(tag))
        if old is not None:
            tblPr.remove(old)
    _insert(tblPr, tblPr.makeelement(qn("w:tblW"), {qn("w:w"): str(width_twips), qn("w:type"): "dxa"}), _TBLPR)
    _insert(tblPr, tblPr.makeelement(qn("w:tblLayout"), {qn("w:type"): "fixed"}), _TBLPR)
    mar = tblPr.makeelement(qn("w:tblCellMar"), {})
    for side, twips in (("top", 0), ("left", 45), ("bottom", 0), ("right", 45)):
        mar.append(mar.makeelement(qn(f"w:{side}"), {qn("w:w"): str(twips), qn("w:type"): "dxa"}))
    _insert(tblPr, mar, _TBLPR)


# Child order the WordprocessingML schema prescribes (Word refuses files that break it).
_TBLPR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW",
          "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")
_SECTPR = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
           "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
           "textDirection", "bidi", "rtlGutter", "docGrid")
_SETTINGS_AFTER_HYPHENATION = ("consecutiveHyphenLimit", "hyphenationZone", "doNotHyphenateCaps", "showEnvelope",
                               "summaryLength", "clickAndTypeStyle", "defaultTableStyle", "evenAndOddHeaders",
                               "bookFoldRevPrinting", "bookFoldPrinting", "bookFoldPrintingSheets",
                               "drawingGridHorizontalSpacing", "drawingGridVerticalSpacing",
                               "displayHorizontalDrawingGridEvery", "displayVerticalDrawingGridEvery",
                               "doNotUseMarginsForDrawingGridOrigin", "drawingGridHorizontalOrigin",
                               "drawingGridVerticalOrigin", "doNotShadeFormData", "noPunctuationKerning",
                               "characterSpacingControl", "printTwoOnOne", "strictFirstAndLastChars",
                               "noLineBreaksAfter", "noLineBreaksBefore", "savePreviewPicture",
                               "doNotValidateAgainstSchema", "saveInvalidXml", "ignoreMixedContent",
                               "alwaysShowPlaceholderText", "doNotDemarcateInvalidXml", "saveXmlDataOnly",
                               "useXSLTWhenSaving", "saveThroughXslt", "showXMLTags", "alwaysMergeEmptyNamespace",
                               "updateFields", "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars",
                               "rsids", "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
                               "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade",
                               "captions", "readModeInkLockDown", "smartTagType", "schemaLibrary",
                               "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol", "listSeparator")


def _insert(parent, child, order: tuple[str, ...]) -> None:  # noqa: ANN001
    """Insert ``child`` before the first sibling that the schema puts after it."""
    from docx.oxml.ns import qn

    name = child.tag.split("}")[1]
    later = {qn(f"w:{n}") for n in order[order.index(name) + 1:]} if name in order else set()
    for i, el in enumerate(parent):
        if el.tag in later:
            parent.insert(i, child)
            return
    parent.append(child)


def _hyphenation(doc) -> None:  # noqa: ANN001
    """Automatic hyphenation, so long Dutch compounds break at a syllable instead of mid-letter."""
    from docx.oxml.ns import qn

    settings = doc.settings.element
    if settings.find(qn("w:autoHyphenation")) is None:
        _insert(settings, settings.makeelement(qn("w:autoHyphenation"), {qn("w:val"): "true"}),
                ("autoHyphenation", *_SETTINGS_AFTER_HYPHENATION))


def _repeat_header(row) -> None:  # noqa: ANN001
    from docx.oxml.ns import qn

    trPr = row._tr.get_or_add_trPr()
    trPr.append(trPr.makeelement(qn("w:tblHeader"), {}))


def _restart_numbering(doc, style_name: str) -> int | None:  # noqa: ANN001
    """A new numbering instance of the style's list, restarting at 1; None if the style has none."""

    try:
        style = doc.styles[style_name]
    except KeyError:
        return None
    numPr = style.element.pPr.numPr if style.element.pPr is not None else None
    if numPr is None or numPr.numId is None:
        return None
    numbering = doc.part.numbering_part.element
    base = numbering.num_having_numId(numPr.numId.val)
    abstract = base.abstractNumId.val
    num = numbering.add_num(abstract)
    override = num.add_lvlOverride(ilvl=0)
    override.add_startOverride(1)
    return num.numId


def _set_language(doc) -> None:  # noqa: ANN001
    """nl-NL in the document defaults and the Normal style, so spelling checks Dutch."""
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    targets = []
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
    targets.append(doc.styles["Normal"].element.get_or_add_rPr())
    for rpr in targets:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = rpr.makeelement(qn("w:lang"), {})
            rpr.append(lang)
        lang.set(qn("w:val"), LANGUAGE)
        lang.set(qn("w:eastAsia"), LANGUAGE)
        lang.set(qn("w:bidi"), "ar-SA")


def _field(paragraph, instruction: str, size) -> None:  # noqa: ANN001
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in."""
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        run.font.size = size
        r = run._r
        if kind == "instr":
            el = r.makeelement(qn("w:instrText"), {qn("xml:space"): "preserve"})
            el.text = f" {instruction} "
        elif kind == "text":
            el = r.makeelement(qn("w:t"), {})
            el.text = text
        else:
            el = r.makeelement(qn("w:fldChar"), {qn("w:fldCharType"): kind})
        r.append(el)


def _header_footer(section, report: Report) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    size, grey = Pt(7.5), RGBColor(0x5B, 0x65, 0x70)
    head = section.header.paragraphs[0]
    head.text = ""
    run = head.add_run(_clean(f"{report.title} · {report.code} · {report.date}"))
    run.font.size, run.font.color.rgb = size, grey
    foot = section.footer.paragraphs[0]
    foot.text = ""
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for part in ("pagina ", "PAGE", " van ", "NUMPAGES"):
        if part.isupper():
            _field(foot, part, size)
        else:
            run = foot.add_run(part)
            run.font.size, run.font.color.rgb = size, grey


def _columns(section, number: int, space_cm: float) -> None:  # noqa: ANN001
    from docx.oxml.ns import qn
    from docx.shared import Cm

    sectPr = section._sectPr
    cols = sectPr.find(qn("w:cols"))
    if cols is None:
        cols = sectPr.makeelement(qn("w:cols"), {})
        _insert(sectPr, cols, _SECTPR)
    cols.set(qn("w:num"), str(number))
    cols.set(qn("w:space"), str(int(Cm(space_cm).twips)))


def _base(user_dir: Path | None):  # noqa: ANN202
    import docx
    from docx.shared import Cm, Pt, RGBColor

    try:
        return docx.Document(str(templates.find(TEMPLATE, user_dir))), True
    except FileNotFoundError:
        pass
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.2)
    section.top_margin, section.bottom_margin = Cm(1.15), Cm(1.1)
    section.header_distance = section.footer_distance = Cm(0.55)
    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(8.5)
    normal.paragraph_format.space_after = Pt(1)
    normal.paragraph_format.line_spacing = 1.0
    accent = RGBColor(0x1F, 0x3A, 0x5F)
    for name, size, before, after in (("Title", 17, 0, 2), ("Heading 1", 10.5, 2.5, 0.5), ("Heading 2", 8, 2, 0.5)):
        st = styles[name]
        st.font.name = FONT
        st.font.size = Pt(size)
        st.font.color.rgb = accent if name != "Heading 2" else RGBColor(0x5B, 0x65, 0x70)
        st.font.bold = True
        st.paragraph_format.space_before, st.paragraph_format.space_after = Pt(before), Pt(after)
        st.paragraph_format.keep_with_next = True
    for name in ("List Bullet", "List Number", "Quote"):
        styles[name].paragraph_format.space_after = Pt(1)
    styles["Quote"].font.size = Pt(8.5)
    return doc, False


def _trends(w: _Writer, report: Report) -> None:
    """"Wat verandert" and the series as a compact table with its sparkline (report.trends)."""
    from docx.shared import Cm

    from .spark_png import png

    doc = w.doc
    if report.changes:
        w.heading("Wat verandert", 1)
        w.bullets(report.changes)
    figs = [f for f in (*report.general, *(f for d in report.domains for f in d.figures)) if f.series]
    if not figs:
        return
    w.heading("Ontwikkeling", 2)
    table = doc.add_table(rows=1, cols=4)
    grid = w.style("Table Grid")
    if grid is not None:
        table.style = grid
    for cell, text in zip(table.rows[0].cells, ("", "Reeks", "Ontwikkeling", ""), strict=True):
        cell.text = text
    for f in figs:
        cells = table.add_row().cells
        cells[0].text = _clean(f.label)
        cells[1].text = _clean(f.series)
        cells[2].text = _clean(" · ".join(x for x in (f.development, f.spark.start if f.spark else "") if x))
        if f.spark:
            cells[3].paragraphs[0].add_run().add_picture(io.BytesIO(png(f.spark)), width=Cm(4))
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = w.detail_pt


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    from docx.shared import Pt

    doc, styled = _base(user_dir)
    if report.audience == "bewoners" and not styled:  # the resident version: 11 pt body text
        for name, size in (("Normal", 11), ("Quote", 11), ("Heading 1", 13), ("Heading 2", 10)):
            doc.styles[name].font.size = Pt(size)
    _set_language(doc)
    _hyphenation(doc)
    core = doc.core_properties
    core.title = _clean(report.title)
    core.author = "buurtscan"
    core.subject = _clean(f"{report.code} {report.subtitle}")
    core.language = LANGUAGE
    first = doc.sections[0]
    _header_footer(first, report)
    usable_cm = (first.page_width - first.left_margin - first.right_margin) / 360000
    # Tables with four reference columns need the full width to keep labels on one or two lines
    # (in two columns Word wraps them into four or five); the text runs over the full width too.
    column_cm = usable_cm

    w = _Writer(doc, report, column_cm, styled)
    doc.add_heading(_clean(report.title), level=0)
    w.para(f"{report.subtitle} · {report.code} · {report.date}", italic=True)
    w.para(report.intro)
    if w.resident:
        w.heading("Wat bewoners zeggen en vragen", 1)
        for d in report.domains:
            if d.stories or d.questions:
                w.para(d.title, keep=True).runs[0].bold = True
                w.voices(d)
    w.heading("Algemene gegevens", 1)
    w.table(report.general)
    if report.age_chart:
        w.chart(report.age_chart, f"{report.age_chart.title} (%)")
    w.heading("Wat valt op", 1)
    w.bullets(report.summary)
    if not report.summary and report.summary_note:
        w.para(report.summary_note, italic=True)
    _trends(w, report)
    if report.similar:
        w.para(report.similar)
    for d in report.domains:
        w.domain(d)
    w.heading("Bronnen en leeswijzer", 1)
    small = Pt(7)
    w.para(report.reading_guide, size=small)
    for s in report.sources:
        w.para(f"[{s.number}] {s.text}", size=small).paragraph_format.space_after = Pt(0)
    w.para(report.attribution, size=small)
    for n in report.notices:
        w.para(n, italic=True, size=small)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
