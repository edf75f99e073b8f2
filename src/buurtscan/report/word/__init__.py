"""Editable Word note (python-docx), built with Word's own styles so a gemeente can restyle it.

The layout follows the PDF so that the same fitted content (:func:`buurtscan.rendering.fit_note`)
takes one or two pages: the title block, "Algemene gegevens" beside the age chart and "Wat valt
op" over the full width, then two newspaper columns. Tables have a fitted label column and a bold
header row that repeats; headings stay with what follows; each domain's questions count from 1;
the styles speak Dutch (nl-NL); a header names the note and the footer says "pagina X van Y".
Charts are the SVG of :mod:`..svg` rasterised to PNG; story photos are cropped to 3:2.

Modules: :mod:`.base` (the base document: a user's ``note.docx`` or the packaged styles),
:mod:`.note` (the blocks), :mod:`.tables` (the figure tables), :mod:`.xml` (WordprocessingML
written as text: far faster than python-docx's object API), :mod:`.measure` (text widths).
"""

from __future__ import annotations

from pathlib import Path

from ..model import Report
from . import base, xml
from .note import GAP_CM, Note

LANGUAGE = base.LANGUAGE
TEMPLATE = base.TEMPLATE


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    doc, styled = base.load(user_dir, report.audience == "bewoners")
    core = doc.core_properties
    core.title = xml.clean(report.title)
    core.author = "buurtscan"
    core.subject = xml.clean(f"{report.code} {report.subtitle}")
    core.language = LANGUAGE
    base.header_footer(doc, report)
    note = Note(doc, report, styled)
    note.title_block()
    if note.resident:  # what residents say and ask, in two balanced columns under the title
        note.add(note.heading("Wat bewoners zeggen en vragen"))
        note.add(xml.para(before=0, after=0, line=2, sect=base.section(doc, 1)))
        note.residents()
        note.add(xml.para(before=0, after=0, line=2, sect=base.section(doc, 2, GAP_CM)))
    note.general()
    note.summary()
    first_section = base.columns(doc, 2, GAP_CM, continuous=note.resident)  # the rest in two newspaper columns
    note.add(xml.para(before=0, after=0, line=2, sect=first_section))
    if note.resident:
        note.age_chart()
    note.series()
    for d in report.domains:
        note.domain(d)
    note.closing()
    note.finish()
    body = doc.element.body
    end = body[-1]  # the last section's properties stay last
    for el in xml.parse("".join(note.out)):
        end.addprevious(el)
    return base.save(doc)
