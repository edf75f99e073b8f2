"""The Word note: one or two pages in LibreOffice for the inputs that give a two-page PDF, the
series as a compact table with its sparklines, charts as images, the vergelijkbare buurten where
they fit, and every printed figure taken from the model as it is.

Uses the bundled example (real published data) and examples/ (made-up policy and stories). The
page count needs LibreOffice and is skipped without it.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.actions.render import RenderOptions, fit_note, render
from buurtscan.report import word_note
from buurtscan.report.word import tables
from buurtscan.scan import GemeenteData
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
INPUTS = {"policy": EXAMPLES / "beleid.csv", "stories": EXAMPLES / "verhalen.csv"}


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """The Word note (and the PDF it was fitted by) for both buurten, with and without inputs."""
    out = tmp_path_factory.mktemp("word")
    settings = Settings(cache_dir=out / "unused-cache")
    made = {}
    for label, extra in (("plain", {}), ("inputs", INPUTS)):
        options = RenderOptions(formats=("pdf", "docx"), out_dir=out / label, **extra)
        for res in render(settings, [MOERWIJK, GELSELAAR], options=options, cache=example_cache(), record=False):
            made[(res.code, label)] = {p.suffix[1:]: p for p in res.files}
    return made


def fitted(code: str, with_inputs: bool):
    from buurtscan.catalogue import load
    from buurtscan.policy_stories import read_policy, read_stories

    cat = load()
    policy = read_policy(INPUTS["policy"], cat) if with_inputs else []
    stories = read_stories(INPUTS["stories"], cat) if with_inputs else []
    data = GemeenteData(example_cache(), "GM" + code[2:6])
    return fit_note(data.scan(code), policy, stories, RenderOptions(formats=("pdf", "docx")), RecordingObserver())[0]


def every_text(path_or_bytes) -> str:  # noqa: ANN001
    """All text of the document body, nested tables included."""
    import docx

    doc = docx.Document(path_or_bytes if isinstance(path_or_bytes, (str, Path)) else io.BytesIO(path_or_bytes))
    return "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in doc.element.body.iter(f"{W}p"))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_word_note_takes_one_or_two_pages_in_libreoffice(notes, tmp_path):
    profile = (tmp_path / "profile").as_uri()  # its own profile: another LibreOffice running does not interfere
    for (code, label), files in notes.items():
        assert PdfReader(files["pdf"]).get_num_pages() <= 2, (code, label)  # the PDF it was fitted by
        target = tmp_path / f"{code}-{label}"
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(target), str(files["docx"])], check=True, capture_output=True, timeout=240)
        pages = len(PdfReader(target / (files["docx"].stem + ".pdf")).pages)
        assert 1 <= pages <= 2, (code, label, pages)


def test_every_printed_figure_comes_from_the_model(notes):
    report = fitted(MOERWIJK, True)
    text = every_text(notes[(MOERWIJK, "inputs")]["docx"]).replace("\u00a0", " ")
    for f in (*report.general, *(f for d in report.domains for f in d.figures)):
        assert f.label in text and (not f.detail or f.detail in text), f.label
        for cell in f.cells:  # as the model wrote it ("niet beschikbaar" breaks between its words)
            cell = cell.replace("\u00a0", " ")  # the text above is compared with plain spaces
            assert cell.replace("niet beschikbaar", "nietbeschikbaar") in text.replace("niet beschikbaar",
                                                                                         "nietbeschikbaar"), cell
    for d in report.domains:
        for q in d.questions:
            assert q in text
        for st in d.stories:
            assert st.tekst in text  # whole


def test_series_as_a_compact_table_with_sparklines(notes):
    report = fitted(MOERWIJK, False)
    with_series = [f for f in (*report.general, *(f for d in report.domains for f in d.figures)) if f.series]
    assert with_series and any("3.360" in f.series for f in with_series)  # inwoners 2019 → 2024
    text = every_text(notes[(MOERWIJK, "plain")]["docx"])
    assert "Ontwikkeling" in text
    for f in with_series:
        assert f.series in text, f.series
    with zipfile.ZipFile(notes[(MOERWIJK, "plain")]["docx"]) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
    charts = 1 + sum(1 for d in report.domains if word_note_compares(d.chart))  # age chart + domain charts
    sparks = sum(1 for f in with_series if f.spark)
    assert len(media) >= charts + min(sparks, 1) and sparks >= 1


def word_note_compares(chart) -> bool:  # noqa: ANN001
    from buurtscan.report.word.note import _compares

    return _compares(chart)


def test_two_columns_header_footer_and_language(notes):
    with zipfile.ZipFile(notes[(GELSELAAR, "inputs")]["docx"]) as z:
        document = z.read("word/document.xml").decode()
        styles = z.read("word/styles.xml").decode()
        footer = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    assert re.search(r'<w:cols [^>]*w:num="2"', document) and '<w:type w:val="continuous"/>' in document
    assert document.count("<w:headerReference") >= 2  # the one-column part has the header too
    assert "PAGE" in footer and "NUMPAGES" in footer and 'w:val="nl-NL"' in styles
    assert "<w:gridSpan" in document  # the detail line runs under the label and the values


def _figure(**kw):
    from buurtscan.report.model import Figure

    base = dict(id="x", label="Voelt zich eenzaam (18+)", unit="%", buurt="39,6%", wijk="42,0%", gemeente="42,4%",
                nederland="47,0%", values=(39.6, 42.0, 42.4, 47.0), rank="", signal="", trend="", period="2020",
                source="RIVM", note=3, cells=("39,6%", "42,0%", "42,4%", "47,0%"), detail="2020, schatting",
                similar="44,1%")
    return Figure(**{**base, **kw})


def test_vergelijkbaar_column_where_it_fits_else_in_the_detail_line():
    figs = (_figure(), _figure(id="y", similar="niet beschikbaar"))
    titles = ("Buurt", "Wijk", "Gemeente", "Nederland")
    heads, cells, widths = tables.columns(figs, titles, "Vergelijkbaar", 18.0, 7.5, 7.0)
    assert heads[-1] == "Vergelijkbaar" and cells[0][-1] == "44,1%" and cells[1][-1] == "niet beschikbaar"
    assert widths[0] >= tables.MIN_LABEL and abs(sum(widths) - 18.0) < 1e-9
    heads, _, widths = tables.columns(figs, titles, "Vergelijkbaar", 9.0, 7.5, 7.0)  # a newspaper column
    assert "Vergelijkbaar" not in heads and widths[0] >= 2.5
    xml = tables.figure_table(figs, titles, "Vergelijkbaar", 9.0, 7.5, 7.0)
    assert "2020, schatting · Vergelijkbaar: 44,1%" in xml
    assert "Vergelijkbaar: niet" not in xml  # an unknown reference is not spelled out in the line
    # no vergelijkbare buurten in the report: neither column nor line
    assert "Vergelijkbaar" not in tables.figure_table(figs, titles, "", 18.0, 7.5, 7.0)


def test_value_columns_hold_their_widest_value_on_one_line():
    figs = (_figure(cells=("€ 113.000", "€ 118.000", "€ 241.000", "niet beschikbaar")),)
    _, _, widths = tables.columns(figs, ("Buurt", "Wijk", "Gemeente", "Nederland"), "", 9.0, 7.5, 7.0)
    from buurtscan.report.word.measure import width_cm

    assert widths[1] >= width_cm("€ 113.000", 7.5) + 2 * tables.MARGIN
    assert widths[4] >= width_cm("beschikbaar", 7.0) + 2 * tables.MARGIN  # the longer of its two lines
    assert widths[0] > max(widths[1:])  # the label keeps the room


def test_user_note_docx_keeps_its_page_and_styles(tmp_path):
    import docx
    from docx.shared import Cm

    base = docx.Document()
    base.sections[0].left_margin = Cm(2.5)
    base.styles["Heading 2"].font.name = "Georgia"
    base.save(tmp_path / "note.docx")
    report = replace(fitted(GELSELAAR, False))
    doc = docx.Document(io.BytesIO(word_note.render(report, user_dir=tmp_path)))
    assert abs(doc.sections[-1].left_margin - Cm(2.5)) < Cm(0.01) and doc.styles["Heading 2"].font.name == "Georgia"
    heading2 = doc.styles["Heading 2"].style_id
    assert f'w:val="{heading2}"' in doc.element.body.xml  # the note uses the user's styles by their ids
