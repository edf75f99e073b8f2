"""A euro amount never breaks after its "€": every format keeps the no-break space that
report/formatting.py puts between the sign and the amount, also inside sentences ("Wat valt op":
"minder dan half zo hoog als in Den Haag (€ 13.500)") that pass through the text clean-ups.

Data: the bundled example (Moerwijk-Oost, real KWB 2019 figures of vermogen and WOZ-waarde)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from buurtscan.example import example_cache
from buurtscan.report.build import Limits, build_report
from buurtscan.report.fitting import model_json
from buurtscan.report.formats import RENDERERS, Format, RenderInput
from buurtscan.scan import GemeenteData
from buurtscan.text import squash

BROKEN = re.compile(r"€[ \t\n]\d")  # a plain space (or a line break) between € and the amount
KEPT = re.compile("€\u00a0\\d")


@pytest.fixture(scope="module")
def report():
    scan = GemeenteData(example_cache(), "GM0518").scan("BU05183620")
    return scan, build_report(scan, policy=[], stories=[], limits=Limits())


def test_squash_keeps_no_break_spaces():
    assert squash("  a \t b\n\nc  ") == "a b c"
    assert squash("(€\u00a013.500)  en\u202f%") == "(€\u00a013.500) en\u202f%"


def test_the_model_has_no_breakable_amount(report):
    _, r = report
    text = model_json(r)
    assert not BROKEN.search(text)
    assert "(€\u00a013.500)" in text  # the signal sentence of "Wat valt op"


def _text_of(fmt: Format, body: bytes) -> str:
    if fmt in (Format.HTML, Format.MD):
        return body.decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


@pytest.mark.parametrize("fmt", [Format.HTML, Format.MD, Format.DOCX, Format.PPTX])
def test_every_format_keeps_them(report, fmt):
    scan, r = report
    text = _text_of(fmt, RENDERERS[fmt](r, RenderInput(scan=scan)))
    assert KEPT.search(text), fmt
    assert not BROKEN.search(text), BROKEN.search(text)
