"""Every buurt of the six fixture gemeenten fits its note on one or two A4 pages — even with more
policy items and stories than fit (they are cut with a visible notice). Uses the bundled example
(real published data; see src/buurtscan/example/data/README.md). Policy/story text here is MADE UP."""

import io

import pytest
from pypdf import PdfReader

from buurtscan.catalogue import load
from buurtscan.example import example_cache
from buurtscan.observe import RecordingObserver
from buurtscan.actions.render import RenderOptions, fit_note
from buurtscan.report.build import PolicyInput, StoryInput
from buurtscan.report.model import PolicyItem, Story
from buurtscan.report.pdf_note import page_count
from buurtscan.scan import GemeenteData

GEMEENTEN = ["GM0518", "GM0114", "GM0489", "GM0160", "GM1859", "GM0392"]
LONG = ("Verzonnen voorbeeldtekst over plannen in de buurt, met veel details over fasering, bewonersparticipatie, "
        "tijdelijke verhuizing, nieuwe groenvoorzieningen en de samenwerking tussen gemeente en corporatie. ") * 4


def heavy_inputs():
    domains = [d.id for d in load().domains if d.id != "algemeen"]
    policy = [PolicyInput(d, PolicyItem(f"Plan {i} voor {d}: {LONG}", "hele buurt", "2027", "gemeente"))
              for d in domains for i in range(4)]
    stories = [StoryInput(d, Story(f"Verhaal {i}: {LONG}", "bewoner", "2026", "interview"))
               for d in domains for i in range(3)]
    return policy, stories


@pytest.mark.parametrize("gemeente", GEMEENTEN)
def test_every_buurt_fits_on_one_or_two_pages(gemeente):
    data = GemeenteData(example_cache(), gemeente)
    codes = data.codes("buurt")
    assert codes, gemeente
    observer = RecordingObserver()
    for code in codes:
        report, pdf = fit_note(data.scan(code), [], [], RenderOptions(), observer)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        assert 1 <= pages <= 2, (code, pages)
        assert page_count(pdf) == pages
        assert report.domains[0].questions  # the full note: nothing had to be cut
    assert observer.messages == []  # no note had to stay longer than two pages


@pytest.mark.parametrize("gemeente", GEMEENTEN)
def test_long_input_is_cut_with_a_notice_never_overflowing(gemeente):
    data = GemeenteData(example_cache(), gemeente)
    policy, stories = heavy_inputs()
    observer = RecordingObserver()
    for code in data.codes("buurt")[:4]:
        report, pdf = fit_note(data.scan(code), policy, stories, RenderOptions(), observer)
        assert all(d.notices for d in report.domains)  # cut, and said so
        kept = sum(len(d.policy) + len(d.stories) for d in report.domains)
        assert 0 < kept < len(policy) + len(stories)  # prioritised: the first items stay
        first = next(d for d in report.domains if d.policy)
        assert first.policy[0].wat.startswith("Plan 0 ")
        # whole or not at all: no item text is shortened
        given = {p.item.wat for p in policy} | {s.story.tekst for s in stories}
        shown = [p.wat for d in report.domains for p in d.policy] + [s.tekst for d in report.domains for s in d.stories]
        assert shown and all(t in given for t in shown) and not any("…" in t for t in shown)
        notices = " ".join(n for d in report.domains for n in d.notices)
        assert "passen niet meer op twee pagina's" in notices or "past niet meer op twee pagina's" in notices
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        assert 1 <= pages <= 2, (code, pages)
    assert observer.messages == []
