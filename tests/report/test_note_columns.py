"""The note's tables and sparklines in HTML, PDF and Markdown: the vergelijkbaar column in the domain
tables where the similar buurten have figures (issue 18), and a sparkline beside every key figure
with a series (issue 16). Uses the bundled example (real published data)."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader

from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.actions.render import RenderOptions, fit_note
from buurtscan.report import html_note, markdown_note, pdf_note
from buurtscan.scan import GemeenteData
from buurtscan.similar import Reference

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"


def _scan(code: str):
    return GemeenteData(example_cache(), "GM" + code[2:6]).scan(code)


def _with_similar_medians(scan, domain: str):
    """The scan as if the cache held the similar buurten's figures of one domain: a median 10% above
    the buurt's own figure (the example holds only the national profile for them)."""
    def give(ind):
        own = ind.values.get("buurt")
        if own is None or ind.partner:
            return ind
        return dataclasses.replace(ind, similar=Reference(own * 1.1, own, own * 1.2, own * 0.9, own * 1.3, 10))

    sections = tuple(dataclasses.replace(s, indicators=tuple(give(i) for i in s.indicators)) if s.id == domain else s
                     for s in scan.sections)
    return dataclasses.replace(scan, sections=sections)


def _text(pdf: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\u00ad", "")


@pytest.mark.parametrize(("code", "domain"), [(GELSELAAR, "gezondheid"), (MOERWIJK, "armoede")])
def test_vergelijkbaar_column_in_a_domain_table_where_it_has_figures(code, domain):
    scan = _with_similar_medians(_scan(code), domain)
    report, pdf = fit_note(scan, [], [], RenderOptions(formats=("html", "pdf", "md")), RecordingObserver())
    if not report.general_columns:  # the fitting gave up the similar buurten for room: then nowhere
        assert all(len(f.cells) == len(report.columns) for d in report.domains for f in d.figures)
        return
    section = next(d for d in report.domains if d.id == domain)
    assert section.figures and report.columns_for(section.figures)[-1] == "Vergelijkbaar"
    assert all(len(f.cells) == len(report.columns) for d in report.domains if d.id != domain for f in d.figures)
    first = section.figures[0]
    median = first.cells[-1]
    assert median not in ("", "niet beschikbaar")
    # Markdown: the domain table's header row names the column, and the row carries the median
    md = markdown_note.render(report).decode()
    part = md.split(f"## {section.title}")[1].split("\n## ")[0]
    assert re.search(r"^\| \| Buurt \| Wijk \| Gemeente \| Nederland \| Vergelijkbaar \| Jaar, rang \|$", part, re.M)
    assert f"| {median} |" in part
    # HTML: the same, in the domain's section
    page = html_note.render(report).decode().replace("\u00ad", "")
    block = page.split(f'id="{domain}"')[1].split("</section>")[0]
    assert "<th>Vergelijkbaar</th>" in block and f">{median}</td>" in block
    # PDF: within two pages, the column title twice (general table and this domain), no label overflowing
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    assert _text(pdf).count("Vergelijkbaar") >= 2
    boxes = pdf_note.compile_note(report, query="<fit>")
    assert not [b for b in boxes if b["width"] > b["room"] + 0.5]


@pytest.mark.parametrize("code", [MOERWIJK, GELSELAAR])
def test_a_sparkline_beside_every_key_figure_with_a_series(code):
    report, pdf = fit_note(_scan(code), [], [], RenderOptions(formats=("html", "pdf")), RecordingObserver())
    figures = [*report.general, *(f for d in report.domains for f in d.figures)]
    sparked = [f for f in figures if f.key and f.spark is not None]
    if code == MOERWIJK:
        assert {"inwoners", "leefbaarheid"} <= {f.id for f in sparked}  # general and a domain table
    page = html_note.render(report).decode()
    assert page.count('<span class="spark">') == len(sparked)
    for f in sparked:  # first and last value printed beside it, as the model gives them; the line in the SVG
        assert f'<span class="spark-v">{f.spark.first}</span><svg' in page
        assert f'</svg><span class="spark-v">{f.spark.last}</span>' in page
        assert f'aria-label="{f.spark.text}' in page
    svgs = re.findall(r'<svg[^>]*class="spark-line".*?</svg>', page, flags=re.S)
    assert len(svgs) == len(sparked) and not any("<text" in s for s in svgs)  # no labels or axes drawn in it
    text = _text(pdf)
    for f in sparked:
        assert f"{f.spark.first}" in text and f"{f.spark.last}" in text
