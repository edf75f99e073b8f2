"""Every format says the same (issue 14, item 7): the PDF, HTML, Markdown and Word notes and the deck
of Moerwijk-Oost with policy and stories, rendered in one run from the bundled example (offline).

The text of each file is extracted as a reader gets it (pypdf; python-docx, tables included;
python-pptx, tables, groups and speaker notes; the HTML's text; the Markdown rendered by a
CommonMark parser) and compared with the report model the run rendered: every figure's row (its
label, source mark, signal, detail line with the rank, and formatted values in order), "Wat valt op", each domain's highlights,
the stories, questions and policy items, and the source table ids. Every expected string comes from
the model. The deck carries its subset: the domains it gives a slide (``pptx.deck.plan``) and the
general figures, each figure on one line of the slide or its notes.

Hyphenation and line breaks differ per format (Typst hyphenates, the HTML carries soft hyphens,
Word breaks "niet beschikbaar" apart), so texts are compared with whitespace and hyphens removed.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest

from buurtscan.actions.render import RenderOptions, fit_note, render
from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.report.model import Figure, Report
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

MOERWIJK = "BU05183620"
FORMATS = ("pdf", "html", "md", "docx", "pptx")
NOTES = ("pdf", "html", "md", "docx")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROW = 400  # squashed characters a figure's row may hold between its label and its values (detail, sparkline)
_SQUASH = re.compile(r"[\s\u00ad\-\u2010\u2011]+")  # whitespace, soft, plain and non-breaking hyphens


def squash(text: str) -> str:
    return _SQUASH.sub("", text)


class _Text(HTMLParser):
    """The text a reader sees: no style or script; block ends become line breaks."""

    BLOCKS = {"p", "div", "tr", "li", "td", "th", "h1", "h2", "h3", "h4", "blockquote", "section", "table"}

    def __init__(self) -> None:
        super().__init__()
        self.skip, self.out = 0, []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ARG002
        if tag in ("style", "script", "title"):
            self.skip += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("style", "script", "title"):
            self.skip -= 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):  # noqa: ANN001
        if not self.skip:
            self.out.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.out)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    import docx

    body = docx.Document(io.BytesIO(data)).element.body  # paragraphs, those in tables (nested) too
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p"))


def markdown_text(data: bytes) -> str:
    from markdown_it import MarkdownIt

    return html_text(MarkdownIt("commonmark").enable("table").render(data.decode("utf-8")))


def pptx_lines(data: bytes) -> list[str]:
    """Every line of the deck: text frames, table rows (cells joined), groups, speaker notes."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    def shapes(items):  # noqa: ANN001, ANN202
        for sh in items:
            if sh.shape_type == MSO_SHAPE_TYPE.GROUP:
                yield from shapes(sh.shapes)
                continue
            if sh.has_text_frame:
                yield from sh.text_frame.text.splitlines()
            if getattr(sh, "has_table", False) and sh.has_table:
                yield from (" ".join(c.text for c in row.cells) for row in sh.table.rows)

    lines: list[str] = []
    for slide in Presentation(io.BytesIO(data)).slides:
        lines.extend(shapes(slide.shapes))
        if slide.has_notes_slide:
            lines.extend(slide.notes_slide.notes_text_frame.text.splitlines())
    return lines


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(report model, {note format: text}, the deck's lines, {format: file bytes}) of one render of all five."""
    from buurtscan.catalogue import load
    from buurtscan.policy_stories import read_policy, read_stories
    from buurtscan.scan import GemeenteData

    out = tmp_path_factory.mktemp("parity")
    inputs = {"policy": EXAMPLES / "beleid.csv", "stories": EXAMPLES / "verhalen.csv"}
    options = RenderOptions(formats=FORMATS, out_dir=out, **inputs)
    [done] = render(Settings(cache_dir=out / "unused-cache"), [MOERWIJK], options=options, cache=example_cache(),
                    record=False)
    files = {p.suffix[1:]: p.read_bytes() for p in done.files}
    assert sorted(files) == sorted(FORMATS)

    cat = load()
    scan = GemeenteData(example_cache(), "GM0518").scan(MOERWIJK)
    report, pdf = fit_note(scan, read_policy(inputs["policy"], cat), read_stories(inputs["stories"], cat), options,
                           RecordingObserver())
    assert pdf == files["pdf"]  # the model below is the one the run laid out
    texts = {"pdf": pdf_text(files["pdf"]), "html": html_text(files["html"].decode("utf-8")),
             "md": markdown_text(files["md"]), "docx": docx_text(files["docx"])}
    return report, texts, pptx_lines(files["pptx"]), files


def figures(report: Report) -> list[Figure]:
    return [*report.general, *(f for d in report.domains for f in d.figures)]


def table_ids(report: Report) -> list[str]:
    """The source tables as the sources block names them ("tabel 85984NED")."""
    return [m for s in report.sources for m in re.findall(r"tabel ([^\s),;]+)", s.text)]


def row_in(text: str, f: Figure) -> str | None:
    """The stretch of ``text`` (squashed) from the figure's label to its values in order, or None
    when no stretch has the figure's source mark and signal badge after the label, and its detail line."""
    pattern = re.escape(squash(f.label)) + f"(.{{0,{ROW}}}?)" + re.escape(squash("".join(f.cells)))
    detail = squash(f.detail)
    for m in re.finditer(pattern, text, re.S):
        row, after = m.group(1), text[m.end(): m.end() + len(detail) + 12]
        if row.startswith((f"[{f.note}]" if f.note else "") + f.signal) and (detail in row or detail in after):
            return row  # its mark, its badge, and its detail line (period, rank, trend) before or after the values
    return None


def the_model_has_it_all(report: Report) -> None:
    """The case is worth testing: policy, stories (with a photo), signals and several sources."""
    assert sum(len(d.stories) for d in report.domains) >= 2 and any(d.policy for d in report.domains)
    assert any(f.signal for f in figures(report)) and report.summary and len(table_ids(report)) >= 4


@pytest.mark.parametrize("fmt", NOTES)
def test_every_note_format_carries_the_model(run, fmt):
    report, texts, _, _ = run
    the_model_has_it_all(report)
    text = squash(texts[fmt])
    missing = [f.label for f in figures(report) if row_in(text, f) is None]
    assert not missing, (fmt, "figure rows (label, [mark], signal, values)", missing)
    sentences = [*report.summary, *report.changes, *(h for d in report.domains for h in d.highlights)]
    assert [s for s in sentences if squash(s) not in text] == [], (fmt, "signals in words")
    stories = [x for d in report.domains for st in d.stories for x in (st.tekst, st.wie)]
    assert [s for s in stories if squash(s) not in text] == [], (fmt, "stories")
    asked = [*(q for d in report.domains for q in d.questions), *(p.wat for d in report.domains for p in d.policy)]
    assert [s for s in asked if squash(s) not in text] == [], (fmt, "questions and policy")
    assert [t for t in table_ids(report) if squash(t) not in text] == [], (fmt, "source tables")
    assert [f"[{s.number}]" for s in report.sources if f"[{s.number}]" not in text] == [], (fmt, "source marks")


def test_the_deck_carries_its_subset(run):
    from buurtscan.report.pptx.deck import plan

    report, _, lines, _ = run
    slides, unknown, has_policy = plan(report)
    shown = [*slides, *unknown]
    assert slides and has_policy  # the case has domains on slides and a policy slide
    squashed = [squash(line) for line in lines]
    every = "\n".join(squashed)

    def on_one_line(f: Figure) -> bool:  # the slide's table row or the notes' line for the figure
        parts = [squash(f.label), *(squash(c) for c in f.cells), *([f"signaal:{f.signal}"] if f.signal else []),
                 squash(f.detail)]
        return any(all(p in line for p in parts) for line in squashed)

    subset = [*report.general, *(f for d in shown for f in d.figures)]
    assert [f.label for f in subset if not on_one_line(f)] == []
    sentences = [*report.summary, *(h for d in shown for h in d.highlights)]
    assert [s for s in sentences if squash(s) not in every] == []
    stories = [x for d in shown for st in d.stories for x in (st.tekst, st.wie)]
    assert stories and [s for s in stories if squash(s) not in every] == []
    asked = [*(q for d in shown for q in d.questions), *(p.wat for d in report.domains for p in d.policy)]
    assert [s for s in asked if squash(s) not in every] == []
    assert [t for t in table_ids(report) if squash(t) not in every] == []


def test_a_changed_value_is_caught(run):
    """The comparison is not vacuous: a figure whose value the renderers did not print is missed."""
    from dataclasses import replace

    report, texts, _, _ = run
    f = next(f for f in report.domains[0].figures if f.cells)
    wrong = replace(f, cells=(f.cells[0] + "1", *f.cells[1:]))
    assert row_in(squash(texts["pdf"]), f) is not None and row_in(squash(texts["pdf"]), wrong) is None
    badge = next(f for f in figures(report) if f.signal)
    other = next(s for s in ("gunstig", "ongunstig", "opvallend") if s != badge.signal)
    assert row_in(squash(texts["docx"]), replace(badge, signal=other)) is None  # the wrong badge is missed too


def test_what_is_missing_is_said_in_every_format(run):
    """A missing figure is shown as missing: each domain's "niet beschikbaar" line, its notices
    (what was left out) and the note's own notices, in every note and in the deck."""
    from buurtscan.report.pptx.deck import plan

    report, texts, lines, _ = run
    said = [*(x for d in report.domains for x in (d.unavailable, d.empty, *d.notices) if x), *report.notices,
            report.attribution]
    assert any(d.unavailable for d in report.domains)
    for fmt in NOTES:
        text = squash(texts[fmt])
        assert [s for s in said if squash(s) not in text] == [], fmt
    slides, unknown, _ = plan(report)
    every = squash("\n".join(lines))
    deck = [x for d in (*slides, *unknown) for x in (d.unavailable, d.empty) if x]
    assert [s for s in deck if squash(s) not in every] == []


def test_story_photos_in_every_format_that_shows_pictures(run):
    """The PDF, HTML and Word notes embed each story photo (cropped as :mod:`report.photos` makes it);
    the deck shows the first story's photo on its domain's slide. (Markdown is text only.)"""
    import base64
    import zipfile

    from pypdf import PdfReader
    from pptx import Presentation

    from buurtscan.report import photos
    from buurtscan.report.pptx.deck import plan

    report, _, _, files = run
    prepared = {st.foto.name: photos.prepared(st.foto) for d in report.domains for st in d.stories if st.foto}
    assert prepared and all(prepared.values())
    pdf_images = sum(len(p.images) for p in PdfReader(io.BytesIO(files["pdf"])).pages)
    assert pdf_images >= len(prepared)  # the PDF's charts are drawn, not images: these are the photos
    html = files["html"].decode("utf-8")
    assert all(base64.b64encode(data).decode("ascii") in html for data in prepared.values() if data)
    with zipfile.ZipFile(io.BytesIO(files["docx"])) as z:
        media = {z.read(n) for n in z.namelist() if n.startswith("word/media/")}
    assert all(data in media for data in prepared.values())
    slides, _, _ = plan(report)
    with_photo = sum(1 for d in slides if any(st.foto for st in d.stories[:1]))
    deck = Presentation(io.BytesIO(files["pptx"]))
    pictures = sum(1 for sl in deck.slides for sh in sl.shapes if sh.name == "Foto bij verhaal")
    assert with_photo and pictures == with_photo
