"""A small number is set apart by the model's ``Figure.cell_styles``, not by the '*' in its text.

The builder marks each cell ("klein", "ontbreekt" or ""; tests/report/test_report_rules.py checks
that the marks agree with the text); the Word note, the deck, the PDF and the HTML note style a
cell by that mark. Uses the bundled example (real published data): Ens-Oost (BU18590006, a
village buurt of Berkelland) has small numbers. The second half swaps the marks in the model and
checks that the output follows the marks, not the '*'.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest

from buurtscan.example import example_cache
from buurtscan.report.build import build_report
from buurtscan.report.formats import RENDERERS, Format, RenderInput
from buurtscan.report.formatting import SMALL_MARK
from buurtscan.report.model import Figure, Report
from buurtscan.scan import GemeenteData

VILLAGE = ("GM1859", "BU18590006")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def report() -> Report:
    gm, code = VILLAGE
    return build_report(GemeenteData(example_cache(), gm).scan(code))


def figures(report: Report) -> list[Figure]:
    return [*report.general, *(f for d in report.domains for f in d.figures)]


def restyle(report: Report, fn) -> Report:
    """The report with every figure's cell_styles replaced by ``fn(figure)``."""
    def fig(f: Figure) -> Figure:
        return dataclasses.replace(f, cell_styles=fn(f))

    return dataclasses.replace(
        report, general=tuple(fig(f) for f in report.general),
        domains=tuple(dataclasses.replace(d, figures=tuple(fig(f) for f in d.figures)) for d in report.domains))


def swapped(report: Report) -> tuple[Report, str, str]:
    """The report with the marks swapped for two figures of one table: a '*' cell marked ordinary
    and a plain number marked klein. Returns (report, the '*' text, the plain text)."""
    for group in [report.general, *(d.figures for d in report.domains)]:
        starred = next(((f, i) for f in group for i, c in enumerate(f.cells)
                        if c.endswith(SMALL_MARK) and f.look(i) == "klein"), None)
        plain = next(((f, i) for f in group for i, c in enumerate(f.cells)
                      if f.look(i) == "" and re.fullmatch(r"[\d.,]+%?", c)), None)
        if starred and plain:
            break
    else:
        pytest.fail("no table with both a small and a plain number")
    (sf, si), (pf, pi) = starred, plain

    def fn(f: Figure) -> tuple[str, ...]:
        looks = list(f.cell_styles)
        if f is sf:
            looks[si] = ""
        if f is pf:
            looks[pi] = "klein"
        return tuple(looks)

    return restyle(report, fn), sf.cells[si], pf.cells[pi]


def docx_runs(data: bytes) -> list[tuple[str, bool]]:
    """(text, italic) of every run of the Word note's tables."""
    from lxml import etree

    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = []
    for r in root.iter(f"{W}r"):
        if not any(a.tag == f"{W}tbl" for a in r.iterancestors()):
            continue
        text = "".join(t.text or "" for t in r.iter(f"{W}t")).replace("\u00a0", " ")
        rpr = r.find(f"{W}rPr")
        out.append((text, rpr is not None and rpr.find(f"{W}i") is not None))
    return out


def pptx_runs(data: bytes) -> list[tuple[str, bool]]:
    """(text, italic) of every run in the deck's tables."""
    from pptx import Presentation

    out = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_table:
                for row in shape.table.rows:
                    for cell in row.cells:
                        for p in cell.text_frame.paragraphs:
                            out += [(r.text.replace("\u00a0", " "), bool(r.font.italic)) for r in p.runs]
    return out


RUNS = {Format.DOCX: docx_runs, Format.PPTX: pptx_runs}


def test_the_village_buurt_has_small_numbers_marked_in_the_model(report):
    small = [c for f in figures(report) for i, c in enumerate(f.cells) if f.look(i) == "klein"]
    assert small and all(c.endswith(SMALL_MARK) or c.startswith("<") for c in small)


@pytest.mark.parametrize("fmt", [Format.DOCX, Format.PPTX])
def test_a_klein_cell_is_italic_and_an_ordinary_one_is_not(report, fmt):
    runs = RUNS[fmt](RENDERERS[fmt](report, RenderInput()))
    italic = {t for t, i in runs if i}
    upright = {t for t, i in runs if not i}
    small = {c for f in figures(report) for i, c in enumerate(f.cells) if f.look(i) == "klein"}
    shown = small & {t for t, _ in runs}
    assert shown, fmt  # some small numbers are in the tables
    assert shown <= italic and not shown & upright, (fmt, shown - italic)


@pytest.mark.parametrize("fmt", [Format.DOCX, Format.PPTX])
def test_the_look_follows_the_model_not_the_star(report, fmt):
    changed, starred, plain = swapped(report)
    runs = RUNS[fmt](RENDERERS[fmt](changed, RenderInput()))
    assert (starred, False) in runs, (fmt, starred)  # a '*' the model calls ordinary: upright
    assert (plain, True) in runs, (fmt, plain)  # a plain number the model calls klein: italic


def test_the_html_note_follows_the_model_too(report):
    from buurtscan.report.html_note import render as html

    changed, starred, plain = swapped(report)
    cells = re.findall(r'<td class="([^"]*)">([^<]*)</td>', html(changed).decode())
    assert ("small", plain) in cells and ("", starred) in cells
