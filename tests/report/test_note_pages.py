"""Every buurt of the six fixture gemeenten fits its note on one or two A4 pages — even with more
policy items and stories than fit (they are cut with a visible notice). Uses the bundled example
(real published data; see src/buurtscan/example/data/README.md). Policy/story text here is MADE UP."""

import io
import re
from pathlib import Path

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


# ---------------------------------------------------------------- the fit itself (report/fitting.py)
from buurtscan.report import fitting  # noqa: E402
from buurtscan.report.build import build_report  # noqa: E402
from buurtscan.report.limits import Limits, allot, steps  # noqa: E402


def _moerwijk():
    return GemeenteData(example_cache(), "GM0518").scan("BU05183620")


def test_wat_verandert_stays_in_the_default_moerwijk_note():
    scan = _moerwijk()
    assert build_report(scan).changes  # Moerwijk-Oost has trends that count
    report, pdf = fit_note(scan, [], [], RenderOptions(formats=("pdf",)), RecordingObserver())
    assert report.changes == build_report(scan).changes
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    assert "Wat verandert" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_fit_uses_the_free_space_first_and_lays_out_few_times():
    scan = _moerwijk()
    policy, stories = heavy_inputs()
    build = lambda lim: build_report(scan, policy=policy, stories=stories, limits=lim,  # noqa: E731
                                     stories_file="verhalen.csv", policy_file="beleid.csv")
    fitting._FITTED.clear()
    fitted = fitting.fit(build, Limits())
    # the search, one fuller step, the back-fill and the spare: never more layouts than this
    assert fitted.fits and 1 <= fitted.layouts <= fitting.MAX_LAYOUTS + 1 + fitting.BACK_FILLS + 1
    full = build(Limits())
    chain = steps(Limits(), items=sum(len(d.policy) + len(d.stories) for d in full.domains))
    # a step of the chain, or one with a small thing won back from the room left (fitting._back_fill)
    k = next(i for i, s in enumerate(chain) if s == fitted.limits or
             all(getattr(s, f) == getattr(fitted.limits, f) for f in vars(s) if f not in fitting.BACK_FILL))
    assert k > 0
    # the step before the chosen one (the next fuller note that differs) does not fit: nothing was cut
    # that the two pages had room for
    # either the next fuller note (that differs) does not fit, or the room left is below what the fit
    # tries to fill (fitting.ROOM): nothing was cut that the two pages had clear room for
    fuller = next(s for s in reversed(chain[:k]) if build(s) != fitted.report)
    room = -fitting.layout(fitted.report).overrun(2, 0.0)
    assert 0 <= room
    assert not fitting.layout(build(fuller)).fits(2, 0.0) or room < fitting.ROOM + fitting.MARGIN, room
    # a second fit of the same note (another format) is shared: no new layout
    again = fitting.fit(build, Limits())
    assert again.layouts == 0 and again.report == fitted.report and again.pdf == fitted.pdf


def test_long_items_are_whole_and_the_notice_names_the_file():
    scan = _moerwijk()
    policy, stories = heavy_inputs()
    options = RenderOptions(formats=("pdf",), policy=Path("beleid.csv"), stories=Path("verhalen.csv"))
    report, pdf = fit_note(scan, policy, stories, options, RecordingObserver())
    given = {p.item.wat: p.item for p in policy}
    for d in report.domains:
        for p in d.policy:
            assert given[p.wat] == p  # the item as given, every field whole
        for s in d.stories:
            assert any(s == x.story for x in stories)
    notices = [n for d in report.domains for n in d.notices]
    plain = re.compile(r"(\d+ verhalen passen niet meer op twee pagina's; ze staan|"
                       r"1 verhaal past niet meer op twee pagina's; het staat) in verhalen\.csv\.")
    assert any(plain.fullmatch(n) for n in notices), notices
    assert any("beleid.csv" in n for n in notices)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "…" not in text.replace("...", "")


def test_steps_shrink_and_keep_wat_verandert_until_the_items_are_gone():
    chain = steps(Limits(), items=10)
    for a, b in zip(chain, chain[1:]):
        assert a != b
        assert b.figures * 8 - b.fewer_figures <= a.figures * 8 - a.fewer_figures
        assert b.questions <= a.questions and b.highlights <= a.highlights and b.changes <= a.changes
    first_item_cut = next(i for i, s in enumerate(chain) if s.items is not None)
    assert all(s.changes >= 2 for s in chain[:first_item_cut + 10])  # "Wat verandert" outlasts every item
    assert chain[-1].changes == 0 and chain[-1].items == 0


def test_allot_takes_from_the_fullest_domain_first():
    assert allot([(3, 2), (1, 0), (0, 1)], None) == [(3, 2), (1, 0), (0, 1)]
    assert allot([(3, 2), (1, 0), (0, 1)], 6) == [(2, 2), (1, 0), (0, 1)]  # the more numerous kind first
    assert allot([(3, 2), (1, 0), (0, 1)], 5) == [(2, 1), (1, 0), (0, 1)]  # a story on a tie
    assert allot([(2, 0), (1, 1)], 3) == [(2, 0), (0, 1)]  # the later domain of two as full
    assert sum(p + s for p, s in allot([(3, 2), (2, 2)], 0)) == 0
