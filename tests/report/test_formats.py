"""Each note format is a proper document of its kind, and all five carry the same content.

Uses the bundled example (real published data, see src/buurtscan/example/data/README.md) and the
example policy/story files in examples/ (made up, marked "verzonnen"). Checks that need
LibreOffice or Chromium run when they are installed and are skipped otherwise.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from buurtscan.catalogue import load
from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.actions.render import RenderOptions, fit_note, render
from buurtscan.report import markdown_note, pdf_note, word_note
from buurtscan.policy_stories import read_policy, read_stories
from buurtscan.scan import GemeenteData
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def inputs():
    cat = load()
    return read_policy(EXAMPLES / "beleid.csv", cat), read_stories(EXAMPLES / "verhalen.csv", cat)


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """All five formats for Moerwijk-Oost and Gelselaar, with and without policy and stories."""
    out = tmp_path_factory.mktemp("notes")
    settings = Settings(cache_dir=out / "unused-cache")
    made = {}
    for label, extra in (("plain", {}), ("inputs", {"policy": EXAMPLES / "beleid.csv",
                                                    "stories": EXAMPLES / "verhalen.csv"})):
        options = RenderOptions(formats=("html", "pdf", "docx", "md", "pptx"), out_dir=out / label, **extra)
        for res in render(settings, [MOERWIJK, GELSELAAR], options=options, cache=example_cache(), record=False):
            made[(res.code, label)] = {p.suffix[1:]: p for p in res.files}
    return made


def report_of(code: str, with_inputs: bool, formats=("html", "pdf", "docx", "md", "pptx")):
    data = GemeenteData(example_cache(), "GM" + code[2:6])
    policy, stories = inputs() if with_inputs else ([], [])
    report, _ = fit_note(data.scan(code), policy, stories, RenderOptions(formats=formats), RecordingObserver())
    return report


# ------------------------------------------------------------------------------------------------ text


def squash(text: str) -> str:
    """Text compared across formats: no whitespace, hyphens (line-end hyphenation) or soft hyphens."""
    return re.sub(r"[\s\-\u00ad\u2011]+", "", text.replace("\u00a0", " "))


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(path).pages)


def docx_text(path: Path) -> str:
    import docx

    doc = docx.Document(str(path))
    parts = [p.text for p in doc.paragraphs]

    def cells(tables):
        for t in tables:
            for row in t.rows:
                for c in row.cells:
                    parts.extend(p.text for p in c.paragraphs)
                    cells(c.tables)

    cells(doc.tables)
    return "\n".join(parts)


def pptx_text(path: Path) -> str:
    from pptx import Presentation

    prs = Presentation(str(path))
    parts = []
    for s in prs.slides:
        for sh in s.shapes:
            if sh.has_text_frame:
                parts.append(sh.text_frame.text)
            if sh.has_table:
                parts += [c.text_frame.text for row in sh.table.rows for c in row.cells]
        parts.append(s.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def html_text(path: Path) -> str:
    import html as h

    raw = path.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|svg)\b.*?</\1>", " ", raw, flags=re.S)
    return h.unescape(re.sub(r"<[^>]+>", " ", raw)).replace("\u00ad", "")  # soft hyphens (pyphen)


def md_text(path: Path) -> str:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(path.read_text(encoding="utf-8"))
    return "\n".join(c.content for t in tokens if t.type == "inline" for c in (t.children or []) if c.content)


EXTRACT = {"pdf": pdf_text, "docx": docx_text, "pptx": pptx_text, "html": html_text, "md": md_text}


def test_parity_all_five_formats_say_what_the_model_says(notes):
    report = report_of(MOERWIJK, True)
    texts = {fmt: squash(EXTRACT[fmt](path)) for fmt, path in notes[(MOERWIJK, "inputs")].items()}
    assert set(texts) == {"pdf", "docx", "pptx", "html", "md"}
    figures = [*report.general, *(f for d in report.domains for f in d.figures)]
    stories = [s.tekst for d in report.domains for s in d.stories]
    assert len(stories) == 3 and figures
    for fmt, text in texts.items():
        for f in figures:
            shown = fmt != "pptx" or not f.missing  # the deck names a missing figure, it tables none
            for value in (f.buurt, f.gemeente, f.nederland) if shown else ():
                assert squash(value) in text, (fmt, f.label, value)
            assert squash(f.label) in text, (fmt, f.label)
            if f.signal and fmt != "pptx":
                assert squash(f"{f.label}") in text and f.signal in text, (fmt, f.label)
        for s in stories:
            assert squash(s.rstrip("…")) in text, (fmt, s)
        for src in report.sources:
            table_id = re.search(r"\(tabel ([^)]+)\)", src.text)
            if table_id:
                assert squash(table_id.group(1)) in text, (fmt, table_id.group(1))
        if fmt != "pptx":
            for sentence in report.summary:
                assert squash(sentence) in text, (fmt, sentence)
            for d in report.domains:
                for q in d.questions:
                    assert squash(q) in text, (fmt, q)
    signals = Counter(f.signal for f in figures if f.signal)
    for fmt in ("pdf", "docx", "html", "md"):  # every badge, as often as the model has it
        raw = EXTRACT[fmt](notes[(MOERWIJK, "inputs")][fmt])
        for word, n in signals.items():
            assert len(re.findall(rf"\b{word}\b", raw)) >= n, (fmt, word)


def test_every_input_gives_a_two_page_note_in_every_format(notes):
    for (code, label), files in notes.items():
        pages = len(PdfReader(files["pdf"]).pages)
        assert 1 <= pages <= 2, (code, label, pages)


# ------------------------------------------------------------------------------------------------ PDF


def _sizes(path: Path, containing: tuple[str, ...] = ()) -> Counter:
    """Characters per font size (pt) over the text in the PDF (or the runs starting with one of
    ``containing``), read with pypdf."""
    sizes: Counter = Counter()

    def visit(text, cm, tm, font, size):  # noqa: ANN001
        if text.strip() and (not containing or text.lstrip().startswith(containing)):
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            sizes[round(size * scale, 1)] += len(text.strip())

    for page in PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def test_pdf_text_sizes_marks_and_hyphenation(notes):
    for (code, label), files in notes.items():
        sizes = _sizes(files["pdf"])
        assert min(sizes) >= 6.95, (code, label, min(sizes))  # nothing under 7 pt
        body = _sizes(files["pdf"], containing=("Deze globale scan", "Hoe ", "Wat "))
        assert body and min(body) >= 8.95, (code, label, body)  # intro and questions: body text, 9 pt
        text = pdf_text(files["pdf"])
        # no superscript digits as marks; "km²" is a unit and stays
        assert not re.search(r"[\u2070-\u2079\u00b9\u00b2\u00b3]", re.sub(r"k?m²", "", text))
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
        sources = {int(n) for n in re.findall(r"^\s*(\d+)\.\s+\S", text.split("BRONNEN")[-1], flags=re.M)}
        assert numbers and numbers <= sources, (code, numbers, sources)  # every mark points to a source
        assert 0 not in numbers
    from buurtscan.report import templates

    source = templates.find("note.typ", None).read_text()  # the packaged template (also in a wheel install)
    assert 'lang: "nl"' in source and "hyphenate: true" in source


@pytest.mark.parametrize("gemeente", ["GM0518", "GM1859"])
def test_no_text_box_overflows_its_column(gemeente):
    """Measured in the Typst layout, as the page fitting does: every label and domain fits its room."""
    from tests.report.test_note_pages import heavy_inputs

    data = GemeenteData(example_cache(), gemeente)
    policy, stories = heavy_inputs()
    codes = data.codes("buurt")
    for code in codes[:: max(1, len(codes) // 3)]:
        for pol, sto in (([], []), (policy, stories)):
            report, _ = fit_note(data.scan(code), pol, sto, RenderOptions(), RecordingObserver())
            boxes = pdf_note.compile_note(report, query="<fit>")
            assert len(boxes) >= len(report.general)  # every label is measured
            too_wide = [b for b in boxes if b["width"] > b["room"] + 0.5]
            assert not too_wide, (code, too_wide[:3])


def test_story_photo_in_the_pdf_cropped(notes):
    reader = PdfReader(notes[(MOERWIJK, "inputs")]["pdf"])
    images = [img for page in reader.pages for img in page.images]
    assert images
    w, h = images[0].image.size
    assert abs(w / h - 1.5) < 0.02  # the 4:3 example photo, cropped to 3:2


# ------------------------------------------------------------------------------------------------ Word


def test_word_note_structure(notes):
    path = notes[(MOERWIJK, "inputs")]["docx"]
    with zipfile.ZipFile(path) as z:
        styles = z.read("word/styles.xml").decode()
        document = z.read("word/document.xml").decode()
        footers = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
        headers = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        settings = z.read("word/settings.xml").decode()
    assert 'w:lang w:val="nl-NL"' in styles and "en-US" not in styles.split("</w:docDefaults>")[0]
    assert "PAGE" in footers and "NUMPAGES" in footers and "Moerwijk-Oost" in headers
    assert "<w:tblHeader/>" in document and "<w:cantSplit/>" in document
    assert "autoHyphenation" in settings
    assert len(media) >= 2  # the age chart (PNG from the chart model) and the story photo

    import docx

    doc = docx.Document(str(path))
    table = next(t for t in (*doc.tables, *(n for t in doc.tables for c in t._cells for n in c.tables))
                 if t._tbl.tr_lst[0].find(f"{W}trPr/{W}tblHeader") is not None)  # the first figure table
    widths = [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]
    assert widths[0] > 2 * max(widths[1:])  # the label column gets the room
    assert all(r.bold for r in table.rows[0].cells[1].paragraphs[0].runs)  # bold header
    # questions restart at 1 in every domain: each domain's list has its own numbering instance
    num_ids = []
    for p in doc.paragraphs:
        if p.style.name == "List Number":
            num = p._p.pPr.numPr.numId.val
            if not num_ids or num_ids[-1] != num:
                num_ids.append(num)
    assert len(num_ids) == len(set(num_ids)) == sum(1 for d in report_of(MOERWIJK, True).domains if d.questions)


def test_user_note_docx_is_the_style_base(tmp_path):
    import docx
    from docx.shared import Pt

    base = docx.Document()
    base.styles["Normal"].font.name = "Georgia"
    base.styles["Heading 1"].font.size = Pt(15)
    base.save(tmp_path / "note.docx")
    report = report_of(MOERWIJK, False, formats=("docx",))
    doc = docx.Document(io.BytesIO(word_note.render(report, user_dir=tmp_path)))
    assert doc.styles["Normal"].font.name == "Georgia" and doc.styles["Heading 1"].font.size == Pt(15)
    from docx.text.paragraph import Paragraph

    every = [Paragraph(p, doc.part) for p in doc.element.body.iter(f"{W}p")]  # in tables too
    assert any(p.text == "Algemene gegevens" and p.style.name == "Heading 1" for p in every)


# The page count in LibreOffice: tests/report/test_word.py.


# ------------------------------------------------------------------------------------------------ HTML


def test_html_carries_ranks_badges_and_hyphenation(notes):
    report = report_of(MOERWIJK, True)
    page = notes[(MOERWIJK, "inputs")]["html"].read_text(encoding="utf-8").replace("\u00ad", "")
    assert '<html lang="nl">' in page and "hyphens: auto" in page
    for f in [*report.general, *(f for d in report.domains for f in d.figures)]:
        if f.rank:
            assert f.rank in page, f.label
        if f.signal:
            assert f'<span class="sig {f.signal}">' in page
    assert "img, svg, table { max-width: 100%; }" in page


def _chromium_pdf(html: Path, target: Path) -> PdfReader:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={target}", html.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    return PdfReader(target)


CASES = [(MOERWIJK, "plain"), (MOERWIJK, "inputs"), (GELSELAAR, "plain"), (GELSELAAR, "inputs")]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_html_prints_on_at_most_two_pages_in_chromium(notes, tmp_path, case):
    """The HTML note prints like the PDF: the same content on at most two A4 pages, nothing wider
    than the page, Lato embedded, and the PDF's text (ranks, badges, wijk column) in it."""
    files = notes[case]
    assert len(PdfReader(files["pdf"]).pages) <= 2
    printed = _chromium_pdf(files["html"], tmp_path / "note.pdf")
    assert 1 <= len(printed.pages) <= 2, case
    a4 = printed.pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    text = squash("".join(p.extract_text() for p in printed.pages))
    report = report_of(*case[:1], case[1] == "inputs")
    for f in [*report.general, *(f for d in report.domains for f in d.figures)]:
        assert squash(f.label) in text and squash(f.detail) in text, (case, f.label)
        assert all(squash(c) in text for c in f.cells), (case, f.label)
    assert "Wijk" in report.columns and "Wijk" in text
    # nothing wider than the page: Chromium would shrink the whole page to fit it, and the 7 pt details
    # would print smaller; every piece of text also starts inside the side margins (11 mm)
    sizes = []
    for page in printed.pages:
        right = float(page.mediabox.width) - 11 / 25.4 * 72

        def visit(piece, cm, tm, font, size):  # noqa: ANN001
            if piece.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                sizes.append(size * (cm[0] ** 2 + cm[1] ** 2) ** 0.5 * (tm[0] ** 2 + tm[1] ** 2) ** 0.5)
                assert 0 <= x <= right, (case, piece, x)

        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 6.95, (case, min(sizes))  # not shrunk: nothing under 7 pt
    fonts = {str(font.get("/BaseFont", "")) for p in printed.pages
             for font in (p.get("/Resources", {}).get("/Font", {}) or {}).values()
             for font in [font.get_object()]}
    assert any("Lato" in f for f in fonts), fonts  # embedded, as in the PDF: the same metrics


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
@pytest.mark.parametrize("code", [MOERWIJK, GELSELAAR])
def test_html_with_more_policy_and_stories_than_fit_prints_on_two_pages(tmp_path, code):
    """The hard case: the PDF is filled to its last line; the HTML must still print on two pages."""
    from buurtscan.report import html_note
    from tests.report.test_note_pages import heavy_inputs

    data = GemeenteData(example_cache(), "GM" + code[2:6])
    policy, stories = heavy_inputs()
    report, pdf = fit_note(data.scan(code), policy, stories, RenderOptions(formats=("html", "pdf")),
                           RecordingObserver())
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    html = tmp_path / "note.html"
    html.write_bytes(html_note.render(report))
    assert 1 <= len(_chromium_pdf(html, tmp_path / "note.pdf").pages) <= 2


def test_html_hyphenates_long_words_with_soft_hyphens(notes):
    """Headless Chromium has no Dutch hyphenation dictionary: long words carry soft hyphens (pyphen),
    in the text only (never in tags, attributes, the style sheet or SVG)."""
    from buurtscan.report import html_note

    page = notes[(MOERWIJK, "inputs")]["html"].read_text(encoding="utf-8")
    word = "Arbeidsongeschiktheidsuitkeringen"
    assert word not in page and word in page.replace("\u00ad", "")  # in the table: soft hyphens only
    style = page[page.index("<style>"):page.index("</style>")]
    assert "\u00ad" not in style and not re.search(r"<[^>]*\u00ad[^>]*>", page)
    assert not any("\u00ad" in svg for svg in re.findall(r"<svg\b.*?</svg>", page, flags=re.S))
    assert re.search(r"@font-face \{ font-family: \"Lato\"; font-style: normal; font-weight: 400; src: url\(data:font/ttf", page)
    made = html_note.hyphenate('<body class="x"><p title="Arbeidsongeschiktheid">Arbeidsongeschiktheid</p>')
    assert made.startswith('<body class="x"><p title="Arbeidsongeschiktheid">Ar\u00adbeids') and made.endswith("</p>")
    assert html_note.css_string('a"b</style>') == '"a\\000022b\\00003c\\00002fstyle\\00003e"'


# ------------------------------------------------------------------------------------------------ Markdown


def test_markdown_is_valid_commonmark_structure(notes):
    from markdown_it import MarkdownIt

    for (code, label), files in notes.items():
        text = files["md"].read_text(encoding="utf-8")
        tokens = MarkdownIt("commonmark").enable("table").parse(text)
        depth = []
        headings = []
        for i, t in enumerate(tokens):
            if t.type == "heading_open":
                assert not depth, (code, label, tokens[i + 1].content, depth)  # never inside a quote or list
                headings.append(tokens[i + 1].content)
            if t.nesting == 1 and t.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
                depth.append(t.type)
            elif t.nesting == -1 and t.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
                depth.pop()
        lines = [ln for ln in text.splitlines() if ln.startswith("#")]
        assert len(lines) == len(headings), (code, label)  # every "#" line is a real heading
        report = report_of(code, label == "inputs")
        assert {d.title for d in report.domains} <= set(headings)
        assert "Vragen voor het gesprek" in headings
        assert "\\-0" not in text and "\\+" not in text  # only what CommonMark needs is escaped


def test_markdown_escapes_only_what_commonmark_needs():
    e = markdown_note.escape_md
    assert e("-0,09") == "-0,09" and e("(18+)") == "(18+)" and e("3 km") == "3 km"
    assert e("'< 5'") == "'< 5'" and e("a < b") == "a < b" and e("<!-- x") == "\\<!-- x"
    assert e("- lijst") == "\\- lijst" and e("# kop") == "\\# kop" and e("1. een") == "1\\. een"
    assert e("[klik](http://x)") == "\\[klik\\](http://x)" and e("a|b") == "a\\|b" and e("<b>") == "\\<b>"


# ------------------------------------------------------------------------------------------------ residents


def test_resident_version_in_pdf_word_and_html(tmp_path):
    settings = Settings(cache_dir=tmp_path / "unused-cache")
    options = RenderOptions(formats=("pdf", "docx", "html"), out_dir=tmp_path, audience="bewoners",
                            policy=EXAMPLES / "beleid.csv", stories=EXAMPLES / "verhalen.csv")
    [res] = render(settings, [MOERWIJK], options=options, cache=example_cache(), record=False)
    files = {p.suffix[1:]: p for p in res.files}
    assert files["pdf"].name == "BU05183620-moerwijk-oost-bewoners.pdf"
    from buurtscan.report.build import build_report

    data = GemeenteData(example_cache(), "GM0518")
    policy, stories = inputs()
    resident = build_report(data.scan(MOERWIJK), policy=policy, stories=stories, audience="bewoners")
    assert all(len(d.figures) <= 3 for d in resident.domains)
    assert all(f.plain and f.note for d in resident.domains for f in d.figures if not f.missing)
    assert any("op de" in f.plain for d in resident.domains for f in d.figures)  # "ongeveer 1 op de 4"
    body = _sizes(files["pdf"], containing=("Deze globale scan", "Hoe ", "Wat "))
    assert body and body.most_common(1)[0][0] >= 10.95 and min(_sizes(files["pdf"])) >= 6.95  # body 11 pt
    story = next(s.tekst for d in resident.domains for s in d.stories)
    assert squash(story)[:30] in squash(PdfReader(files["pdf"]).pages[0].extract_text())  # on page 1
    for fmt in ("pdf", "docx", "html"):
        text = squash(EXTRACT[fmt](files[fmt]))
        for d in resident.domains:
            for f in d.figures:
                assert squash(f.plain) in text, (fmt, f.plain)
        assert text.index(squash(story)[:30]) < text.index("Algemenegegevens"), fmt
    import docx

    doc = docx.Document(str(files["docx"]))
    assert doc.styles["Normal"].font.size.pt >= 11
    assert 'class="bewoners"' in files["html"].read_text() and "font-size: 11pt" in files["html"].read_text()
