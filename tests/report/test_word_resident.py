"""The resident version (`render --voor bewoners`) in Word: no more pages in LibreOffice than its
PDF, fitted by the same PDF (no Word-only cuts), with 11 pt body text.

Moerwijk-Oost (a city buurt, full) and Verspreide huizen Gelselaar (a village, few figures), with
and without the examples/ policy and stories; the bundled example data. The page count needs
LibreOffice (its own profile) and is skipped without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from pypdf import PdfReader

from buurtscan.actions.render import RenderOptions, render
from buurtscan.example import example_cache
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
INPUTS = {"policy": EXAMPLES / "beleid.csv", "stories": EXAMPLES / "verhalen.csv"}
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def resident(tmp_path_factory):
    """(code, label) → {"pdf": path, "docx": path} of the resident version."""
    out = tmp_path_factory.mktemp("bewoners")
    settings = Settings(cache_dir=out / "unused-cache")
    made = {}
    for label, extra in (("plain", {}), ("inputs", INPUTS)):
        options = RenderOptions(formats=("pdf", "docx"), out_dir=out / label, audience="bewoners", **extra)
        for res in render(settings, [MOERWIJK, GELSELAAR], options=options, cache=example_cache(), record=False):
            made[(res.code, label)] = {p.suffix[1:]: p for p in res.files}
    return made


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_resident_word_takes_no_more_pages_than_its_pdf(resident, tmp_path):
    profile = (tmp_path / "profile").as_uri()  # its own profile: another LibreOffice running does not interfere
    counts = {}
    for (code, label), files in resident.items():
        assert files["docx"].stem.endswith("-bewoners")
        target = tmp_path / f"{code}-{label}"
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(target), str(files["docx"])], check=True, capture_output=True, timeout=240)
        word = len(PdfReader(target / (files["docx"].stem + ".pdf")).pages)
        pdf = len(PdfReader(files["pdf"]).pages)
        counts[(code, label)] = (pdf, word)
        assert 1 <= word <= pdf, (code, label, pdf, word)
    assert len(counts) == 4 and any(pdf == 3 for pdf, _ in counts.values())  # the cases that need a third page


def fitted_resident(code: str):
    """The resident report as `render` fits it for these files (with the examples' inputs)."""
    from buurtscan.actions.render import RESIDENT_PAGES, fit_note
    from buurtscan.catalogue import load
    from buurtscan.observe import RecordingObserver
    from buurtscan.policy_stories import read_policy, read_stories
    from buurtscan.scan import GemeenteData

    cat = load()
    options = RenderOptions(formats=("pdf", "docx"), audience="bewoners", **INPUTS)
    scan = GemeenteData(example_cache(), "GM" + code[2:6]).scan(code)
    return fit_note(scan, read_policy(INPUTS["policy"], cat), read_stories(INPUTS["stories"], cat), options,
                    RecordingObserver(), max_pages=RESIDENT_PAGES)[0]


def _size(rpr) -> float | None:  # noqa: ANN001
    sz = rpr.find(f"{W}sz") if rpr is not None else None
    return int(sz.get(f"{W}val")) / 2 if sz is not None else None


def test_resident_body_text_is_at_least_11_pt(resident):
    import docx

    doc = docx.Document(str(resident[(MOERWIJK, "inputs")]["docx"]))
    assert doc.styles["Normal"].font.size.pt >= 11
    # no run in the note under the PDF's smallest resident text (its 9 pt details and source marks)
    sizes = [s for r in doc.element.body.iter(f"{W}r") if (s := _size(r.find(f"{W}rPr"))) is not None]
    assert sizes and min(sizes) >= 9
    # the resident's own texts (the stories, the questions, the figures in plain words) in the body size
    report = fitted_resident(MOERWIJK)
    wanted = [*(q for d in report.domains for q in d.questions), *(s.tekst for d in report.domains for s in d.stories),
              *(f.plain for d in report.domains for f in d.figures)]
    assert wanted
    by_text = {}
    for p in doc.element.body.iter(f"{W}p"):
        for r in p.iter(f"{W}r"):
            text = "".join(t.text or "" for t in r.iter(f"{W}t"))
            if text:
                by_text.setdefault(text, []).append(_size(r.find(f"{W}rPr")))
    for text in wanted:
        runs = [size for t, sizes in by_text.items() if text in t for size in sizes]
        assert runs and all(size is None or size >= 11 for size in runs), text  # None: the 11 pt style


def test_resident_word_has_its_own_two_column_sections(resident):
    with zipfile.ZipFile(resident[(MOERWIJK, "inputs")]["docx"]) as z:
        document = z.read("word/document.xml").decode()
    assert document.index("Wat bewoners zeggen en vragen") < document.index("Algemene gegevens")
    # the title (1 column), what residents say (2), the general part (1), the rest (2)
    assert [int(n) for n in re.findall(r'<w:cols [^>]*w:num="(\d)"', document)] == [1, 2, 1, 2]
