"""Vergelijkbare buurten in the fitted note of Moerwijk-Oost (issue 18): by default (no policy items or
stories) the note keeps the one sentence naming the similar buurten and their column in Algemene
gegevens, within two pages as PDF and as HTML printed by Chromium; with the example's policy and
stories it stays within two pages too (the similar part may go there: report/limits.py)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from buurtscan.actions.render import RenderOptions, fit_note
from buurtscan.catalogue import load
from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.policy_stories import read_policy, read_stories
from buurtscan.report import html_note
from buurtscan.report.limits import Limits, steps
from buurtscan.scan import GemeenteData
from tests.paths import EXAMPLES

MOERWIJK = "BU05183620"
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def _fit(with_inputs: bool):
    scan = GemeenteData(example_cache(), "GM0518").scan(MOERWIJK)
    cat = load()
    policy, stories = ((read_policy(EXAMPLES / "beleid.csv", cat), read_stories(EXAMPLES / "verhalen.csv", cat))
                       if with_inputs else ([], []))
    return fit_note(scan, policy, stories, RenderOptions(formats=("html", "pdf")), RecordingObserver())


def _printed_pages(report, tmp_path: Path) -> int:
    html = tmp_path / "note.html"
    html.write_bytes(html_note.render(report))
    target = tmp_path / "note.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={target}", html.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    return len(PdfReader(target).pages)


def test_the_default_note_keeps_the_sentence_and_the_column(tmp_path):
    report, pdf = _fit(False)
    assert report.similar.startswith("Vergelijkbaar: de 10 buurten buiten Den Haag")
    assert report.general_columns[-1] == "Vergelijkbaar"
    inwoners = next(f for f in report.general if f.id == "inwoners")
    assert inwoners.cells[-1] == inwoners.similar and inwoners.similar not in ("", "niet beschikbaar")
    assert any("Vergelijkbare buurten:" in s.text for s in report.sources)  # how they were chosen
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    if CHROMIUM:
        assert 1 <= _printed_pages(report, tmp_path) <= 2


def test_with_policy_and_stories_still_two_pages(tmp_path):
    report, pdf = _fit(True)
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    if not report.similar:  # given up for the policy items and stories: then nowhere
        assert not report.general_columns and not any("Vergelijkbare buurten:" in s.text for s in report.sources)
    if CHROMIUM:
        assert 1 <= _printed_pages(report, tmp_path) <= 2


def test_the_order_of_giving_up():
    def first(chain, **what):
        return next(i for i, s in enumerate(chain) if all(getattr(s, k) == v for k, v in what.items()))

    assert not Limits().similar_domains  # the domain tables' column is off in the fitted note
    plain, full = steps(Limits(similar_domains=True), items=0), steps(Limits(similar_domains=True), items=9)
    # the domain tables' column goes before the sentence, in both
    for chain in (plain, full):
        assert first(chain, similar_domains=False) < first(chain, similar=False)
        assert all(not s.similar_domains for s in chain if not s.similar)  # no column without the sentence
    # without policy items and stories the sentence outlasts every domain's fourth figure
    assert first(plain, similar=False) > first(plain, fewer_figures=7)
    # with them it goes before a third partner figure (the items outweigh it)
    assert first(full, similar=False) < first(full, partner=2)
