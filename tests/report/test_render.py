"""The note in four formats from one report model (fixtures built from real CBS data)."""

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from buurtscan.cache import Cache
from buurtscan.errors import UsageError
from buurtscan.actions.fetch import fetch
from buurtscan.actions.render import RenderOptions, file_stem, recorded, render
from buurtscan.report.build import build_report
from buurtscan.report.formatting import figure
from buurtscan.policy_stories import read_policy, read_stories
from buurtscan.scan import build_scan
from buurtscan.catalogue import load
from buurtscan.settings import Settings
from tests.paths import INPUTS


@pytest.fixture(scope="module")
def filled(tmp_path_factory, shared_fake):
    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"), backoff=0.0)
    fetch(settings, ["BU05183620"], transport=shared_fake.transport(), sources=["cbs_kwb"])
    fetch(settings, ["BU05183620"], year=2019, transport=shared_fake.transport(), sources=["cbs_kwb"])
    return settings


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_dutch_notation():
    assert figure(3360) == "3.360"
    assert figure(12.5, 1, "%") == "12,5%"
    assert figure(None, 1, "%") == "niet beschikbaar"
    assert figure(None, status="klein") == "< 5"
    assert figure(241, 0, "x 1.000 euro") == "€\u00a0241.000"
    assert figure(0.0, 1, "km") == "0,0\u00a0km"  # a real zero stays a zero


def test_report_model(filled):
    report = build_report(build_scan(Cache(filled.cache_dir), "BU05183620"))
    assert report.title == "Buurtscan Moerwijk-Oost"
    assert "Wijk 36 Moerwijk" in report.subtitle and "'s-Gravenhage" in report.subtitle
    inwoners = next(f for f in report.general if f.id == "inwoners")
    assert (inwoners.buurt, inwoners.gemeente, inwoners.nederland) == ("3.360", "566.221", "17.942.942")
    assert [d.id for d in report.domains] == ["wonen", "werk", "onderwijs", "veiligheid", "gezondheid",
                                              "samenleven", "leefomgeving", "armoede"]
    assert all(2 <= len(d.questions) <= 3 for d in report.domains)
    # a domain without figures says so in one sentence instead of rows of "niet beschikbaar"
    assert all(len(d.figures) <= 4 and (d.figures or d.empty) for d in report.domains)
    assert not any(f.missing for d in report.domains for f in d.figures)
    # a plain Dutch sentence where the buurt stands out (real 2019 figures: 74% vs 31%)
    wonen = next(d for d in report.domains if d.id == "wonen")
    assert "In 2019 is het aandeel corporatiewoningen (74%) 43 procentpunt hoger dan in Den Haag (31%)." in wonen.highlights
    assert report.age_chart and [b.label for b in report.age_chart.bars][0] == "0 tot 15"
    # sources: table ids, periods, retrieval dates and the CC BY attribution
    texts = " ".join(s.text for s in report.sources)
    assert "85984NED" in texts and "84583NED" in texts and "opgehaald op" in texts
    assert "CC BY 4.0" in report.attribution and "CBS" in report.attribution
    # nothing is ever shown as 0 where the source has no figure
    gezond = next(d for d in report.domains if d.id == "gezondheid")
    assert "ervaren_gezondheid" not in [f.id for f in gezond.figures]
    assert gezond.unavailable.startswith("Niet beschikbaar voor deze buurt:") and "ervaren gezondheid" in gezond.unavailable


def test_render_all_note_formats(filled, tmp_path):
    out = tmp_path / "notes"
    [res] = render(filled, ["BU05183620"], options=RenderOptions(formats=("html", "pdf", "docx", "md"), out_dir=out))
    names = sorted(p.name for p in res.files)
    assert names == [f"BU05183620-moerwijk-oost.{e}" for e in ("docx", "html", "md", "pdf")]
    html = (out / "BU05183620-moerwijk-oost.html").read_text().replace("\u00ad", "")  # soft hyphens
    assert "<style>" in html and "<svg" in html
    assert not re.search(r'(src|href)="https?:', html)  # self-contained: no external resources
    assert "3.360" in html and "Moerwijk-Oost" in html and "niet beschikbaar" in html and "None" not in html
    pdf = out / "BU05183620-moerwijk-oost.pdf"
    assert 1 <= len(PdfReader(pdf).pages) <= 2
    text = pdf_text(pdf)
    assert "Moerwijk-Oost" in text and "3.360" in text and "85984NED" in text
    md = (out / "BU05183620-moerwijk-oost.md").read_text()
    assert md.startswith("# Buurtscan Moerwijk-Oost")
    assert re.search(r"\| Inwoners \[1\] \| 3\.360 \| [0-9.]+ \| 566\.221 \| 17\.942\.942 \|", md)  # with the wijk
    with zipfile.ZipFile(out / "BU05183620-moerwijk-oost.docx") as z:
        xml = z.read("word/document.xml").decode()
    assert "Moerwijk-Oost" in xml and "Heading1" in xml.replace(" ", "")  # built with styles
    # the run is recorded for `refresh --render`
    [entry] = recorded(Cache(filled.cache_dir))
    assert entry["codes"] == ["BU05183620"] and entry["options"]["formats"] == ["html", "pdf", "docx", "md"]


def test_untrusted_text_is_plain_in_every_format(filled, tmp_path):
    out = tmp_path / "esc"
    # the untrusted item first in its domain, so that the page fitting keeps it
    lines = (INPUTS / "beleid.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "beleid.csv").write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n", encoding="utf-8")
    options = RenderOptions(formats=("html", "pdf", "docx", "md"), out_dir=out, policy=tmp_path / "beleid.csv",
                            stories=INPUTS / "verhalen.csv")
    [res] = render(filled, ["BU05183620"], options=options)
    stem = out / "BU05183620-moerwijk-oost"
    html = stem.with_suffix(".html").read_text().replace("\u00ad", "")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;html&lt;/b&gt;" in html
    md = stem.with_suffix(".md").read_text()
    assert "[klik](http" not in md and "\\[klik\\](http://evil.example)" in md
    assert "\\<script>" in md and not re.search(r"(?<!\\)<script", md)  # "<" escaped: no HTML gets through
    text = pdf_text(stem.with_suffix(".pdf"))
    assert "#set page(fill: red)" in text and "alert(1)" in text  # printed, not executed
    assert len(PdfReader(stem.with_suffix(".pdf")).pages) <= 2
    from docx import Document

    doc = Document(str(stem.with_suffix(".docx")))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "<script>alert(1)</script>" in body and "\x0b" not in body and "<b>html</b>" in body
    # items are whole or left out whole, with a plain notice naming the file
    assert "(en)" not in html and "/verhalen" not in html and "buurtscan show" not in html
    if "Derde wonen-plan dat niet meer past" not in html:
        assert re.search(r"(past|passen) niet meer op twee pagina(&#39;|')s; (het staat|ze staan) in beleid\.csv", html)


def test_policy_and_story_files_are_validated(tmp_path):
    cat = load()
    bad = tmp_path / "beleid.csv"
    bad.write_text("wat;domein\nIets;sport\n")
    with pytest.raises(UsageError) as info:
        read_policy(bad, cat)
    assert str(bad) in info.value.message and "line 2" in info.value.message and "'sport' is not a domain" in info.value.message
    bad.write_text("wat;waar\nIets;hier\n")
    with pytest.raises(UsageError, match="column 'domein' is missing"):
        read_policy(bad, cat)
    stories = tmp_path / "verhalen.csv"
    stories.write_text("domein;tekst;foto\nwonen;Mooi;geen.jpg\n", encoding="cp1252")
    with pytest.raises(UsageError, match="'geen.jpg' does not exist"):
        read_stories(stories, cat)
    ok = read_policy(INPUTS / "beleid.csv", cat)
    assert [p.domain for p in ok] == ["wonen", "leefomgeving", "wonen", "wonen"]


def test_user_templates_are_searched_first(filled, tmp_path):
    mine = tmp_path / "huisstijl"
    mine.mkdir()
    (mine / "note.html.j2").write_text("<p>HUISSTIJL {{ r.title }}</p>")
    (mine / "note.md.j2").write_text("# EIGEN {{ r.title | md }}\n")
    [res] = render(filled, ["BU05183620"], options=RenderOptions(formats=("html", "md", "pdf"), out_dir=tmp_path / "o",
                                                                  templates=mine))
    html, md, pdf = sorted(res.files, key=lambda p: p.suffix)
    assert html.read_text() == "<p>HUISSTIJL Buurtscan Moerwijk-Oost</p>"
    assert md.read_text().startswith("# EIGEN Buurtscan Moerwijk-Oost")
    assert "Moerwijk-Oost" in pdf_text(pdf)  # note.typ not overridden: the packaged one is used
    (mine / "note.typ").write_text("#let r = json(bytes(sys.inputs.data))\n= Eigen #r.title\n#undefined-thing")
    with pytest.raises(UsageError, match="does not compile"):
        render(filled, ["BU05183620"], options=RenderOptions(formats=("pdf",), out_dir=tmp_path / "o", templates=mine))


def test_render_errors(filled, tmp_path):
    with pytest.raises(UsageError, match="Nothing is cached for BU03630000"):
        render(filled, ["BU03630000"], options=RenderOptions(out_dir=tmp_path))
    with pytest.raises(UsageError, match="Name a region code"):
        render(filled, [], options=RenderOptions(out_dir=tmp_path))
    with pytest.raises(UsageError, match="no such folder"):
        render(filled, ["BU05183620"], options=RenderOptions(out_dir=tmp_path, templates=tmp_path / "nope"))


def test_file_stem():
    class R:
        title, code = "Buurtscan Slachthuisbuurt-Noord (Café)", "BU03920001"

    assert file_stem(R) == "BU03920001-slachthuisbuurt-noord-cafe"
