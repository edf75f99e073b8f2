"""No word of a PDF note is printed over another word (the "Wat verandert" heading once covered the
last line of "Wat valt op" in Moerwijk-Oost's note). The words and their boxes come from pdfplumber
(pdfminer.six), independent of the Typst layout that made them.

Uses the bundled example (real published data) and examples/beleid.csv and verhalen.csv (MADE UP).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from buurtscan.actions.render import RenderOptions, render
from buurtscan.example import example_cache
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

pdfplumber = pytest.importorskip("pdfplumber")

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"
# Word boxes are a font size high, so lines set tight touch: ordinary text here overlaps by at most
# 11% of the smaller box, the "Wat verandert" overprint did by 30%, cramped chart labels by 21-23%.
MIN_SHARE = 0.15  # of the smaller box's height
MIN_WIDTH_PT = 1.0
CHAR_OVERLAP_PT = 1.5  # kerning ("r." in Lato) overlaps by about 0.6 pt


def overprints(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, word, word) for every two words whose boxes overlap on a page, and (page, word, "") for a
    "word" whose letters overlap: pdfplumber merges characters set on one spot into one garbled word."""
    found: list[tuple[int, str, str]] = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, 1):
            words = page.extract_words(return_chars=True)
            for a, b in itertools.combinations(words, 2):
                wide = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                high = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                low = min(a["bottom"] - a["top"], b["bottom"] - b["top"])
                if wide > MIN_WIDTH_PT and high > MIN_SHARE * low:
                    found.append((number, a["text"], b["text"]))
            for w in words:  # kerning moves a letter by a fraction of a point; overprint by a letter
                if any(x["x1"] - y["x0"] > CHAR_OVERLAP_PT for x, y in itertools.pairwise(w["chars"])):
                    found.append((number, w["text"], ""))
    return found


def test_the_check_sees_an_overprint(tmp_path):
    """Two words set on the same spot are found: the check can fail."""
    import typst

    src = tmp_path / "x.typ"
    src.write_text('#set page(width: 8cm, height: 3cm)\n#place(dx: 1cm, dy: 1cm)[Buurt]\n#place(dx: 1.2cm, dy: 1.1cm)[Gemeente]\n')
    out = tmp_path / "x.pdf"
    out.write_bytes(typst.compile(str(src)))
    assert [hit[0] for hit in overprints(out)] == [1]


@pytest.mark.parametrize("audience", ["professionals", "bewoners"])
@pytest.mark.parametrize("with_inputs", [False, True])
def test_no_word_of_a_note_overprints_another(tmp_path, with_inputs, audience):
    extra = {"policy": EXAMPLES / "beleid.csv", "stories": EXAMPLES / "verhalen.csv"} if with_inputs else {}
    options = RenderOptions(formats=("pdf",), out_dir=tmp_path, audience=audience, **extra)
    results = render(Settings(cache_dir=tmp_path / "unused"), [MOERWIJK, GELSELAAR], options=options,
                     cache=example_cache(), record=False)
    pdfs = [p for res in results for p in res.files if p.suffix == ".pdf"]
    assert len(pdfs) == 2
    for pdf in pdfs:
        assert overprints(pdf) == [], pdf.name
