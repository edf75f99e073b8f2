"""The rules of the report model (issue 13), asserted on the model built from the bundled example
(real published data) for Moerwijk-Oost, two village buurten, a wijk and a gemeente."""

import re

import pytest

from buurtscan import compare
from buurtscan.catalogue import load
from buurtscan.example import example_cache
from buurtscan.report.build import (
    MIN_COMPARISONS,
    PER_DOMAIN,
    Limits,
    PolicyInput,
    StoryInput,
    build_report,
    strongest,
)
from buurtscan.report.formatting import MISSING, SMALL_MARK, VALUE_UNITS, labelled
from buurtscan.report.model import PolicyItem, Story
from buurtscan.scan import GemeenteData
from tests.paths import INPUTS

CODES = {"BU05183620": "GM0518", "BU18590006": "GM1859", "BU01602701": "GM0160", "WK051836": "GM0518",
         "GM0518": "GM0518"}
_DATA: dict[str, GemeenteData] = {}


def scan_of(code):
    gm = CODES[code]
    if gm not in _DATA:
        _DATA[gm] = GemeenteData(example_cache(), gm)
    return _DATA[gm].scan(code)


@pytest.fixture(scope="module", params=list(CODES))
def model(request):
    return request.param, scan_of(request.param), build_report(scan_of(request.param))


# Words the value carries for each unit — a label must not name them again.
CARRIED = {"%": ("(%)", "in %", "procent"), "km": ("km", "kilometer"), "m³": ("m³",), "ha": ("ha)", "hectare"),
           "x 1.000 euro": ("euro", "€", "x 1.000"), "personen": ("personen",), "minuten": ("minuten",)}


def test_no_label_names_a_unit_its_value_carries():
    for ind in load().indicators:
        label, value = labelled(ind.label, ind.unit, 12.345, ind.decimals)
        for word in CARRIED.get(ind.unit, ()):
            assert word not in label.lower(), (ind.id, label, value)
        if ind.unit in VALUE_UNITS:
            assert label == ind.label
        else:
            assert ind.unit in ("aantal", "score") or value[-1].isdigit(), (ind.id, value)
        assert label.count("(") == label.count(")") and "((" not in label and ") (" not in label, label


def test_rows_never_read_niet_beschikbaar_for_the_subject(model):
    code, scan, report = model
    for d in report.domains:
        for f in d.figures:
            assert not f.missing and f.cells[0] != MISSING, (code, f.id)
        lacking = [i for s in scan.sections if s.id == d.id for i in s.indicators
                   if not i.partner and i.values.get(report.level) is None]
        if lacking:
            assert d.unavailable.startswith(f"Niet beschikbaar voor deze {report.level}: "), (code, d.id)
            assert re.search(r"\((onbekend of geheim|geheim|bron levert dit niet|te klein aantal)\)", d.unavailable)
        if not d.figures:
            assert d.empty == f"Voor deze {report.level} zijn in dit thema geen cijfers beschikbaar."


def test_freed_places_go_to_figures_with_a_value_signalled_first(model):
    code, scan, report = model
    for d in report.domains:
        section = scan.section(d.id)
        shown = {f.id for f in d.figures}
        have = [i for i in section.indicators if not i.partner and i.values.get(report.level) is not None]
        keys_missing = sum(1 for i in section.indicators if i.key and i.values.get(report.level) is None)
        keys_have = [i for i in have if i.key]
        if len(d.figures) < Limits().figures:
            # every signalled figure with a value is shown
            assert {i.id for i in have if i.signal} <= shown, (code, d.id)
            assert len(d.figures) >= min(len(have), len(keys_have) + keys_missing, Limits().figures)


def test_ranks_need_coverage_and_are_written_for_a_reader(model):
    code, scan, report = model
    for f in (*report.general, *(f for d in report.domains for f in d.figures)):
        ind = scan.indicator(f.id)
        if f.rank:
            assert ind.rank_of and ind.rank_of >= 5
            assert re.match(r"^(bij de (10|25)% (hoogste|laagste|gunstigste|ongunstigste) (buurten|wijken) van "
                            r".+|middenmoot van .+) \(\d+e van \d+\)$", f.rank), f.rank
            if ind.direction != "neutral":
                assert "hoogste" not in f.rank and "laagste" not in f.rank
    if code == "BU05183620":
        lbm = scan.indicator("leefbaarheid")
        assert lbm.rank and lbm.rank_of == 111  # 111 of the 114 buurten have a 2024 score in the example
        ervaren = next(f for d in report.domains for f in d.figures if f.id == "ervaren_gezondheid")
        assert ervaren.rank == "bij de 10% ongunstigste buurten van Den Haag (106e van 111)"


def test_wat_valt_op_is_the_strongest_two_per_domain_and_no_descriptive(model):
    code, scan, report = model
    assert len(report.summary) <= Limits().summary
    domains = [s.split(":")[0] for s in report.summary]
    assert all(domains.count(t) <= PER_DOMAIN for t in domains)
    descriptive = {i.id for i in load().indicators if not i.in_summary}
    labels = {i.id: i for s in scan.sections for i in s.indicators}
    for s in report.summary:
        assert not any(labels[d].phrase and labels[d].phrase in s for d in descriptive if labels.get(d)
                       and labels[d].phrase), s
    if code == "BU05183620":
        text = " ".join(report.summary)
        assert "bijstandsuitkeringen" in text and "bijna drie keer zo hoog als in Den Haag (47,0)" in text
        assert "basisscholen" not in text and "dichtheid" not in text
        assert not report.summary_note


def test_wat_valt_op_does_not_shrink_with_stories_or_policy():
    scan = scan_of("BU05183620")
    plain = build_report(scan)
    stories = [StoryInput(d, Story("Een lang verhaal. " * 40, "bewoner", "2026", "interview"))
               for d in ("wonen", "armoede", "gezondheid")]
    policy = [PolicyInput(d, PolicyItem("Een lang plan met 60 woningen. " * 30, "", "", "")) for d in ("wonen", "werk")]
    tight = build_report(scan, policy=policy, stories=stories, limits=Limits(questions=1, highlights=1, items=0))
    assert tight.summary == plain.summary and len(plain.summary) == Limits().summary


def test_strongest_orders_and_caps_per_domain():
    cands = [(-5.0, 1, "a", "A", "a1"), (-4.0, 1, "a", "A", "a2"), (-3.0, 1, "a", "A", "a3"),
             (-2.0, 2, "b", "B", "b1"), (-1.0, 3, "c", "C", "c1")]
    assert [c[4] for c in strongest(cands, 4)] == ["a1", "a2", "b1", "c1"]


def test_no_false_reassurance():
    for code in CODES:
        report = build_report(scan_of(code))
        if not report.summary:
            if report.comparisons >= MIN_COMPARISONS:
                assert report.summary_note.startswith("Geen cijfers die ruim afwijken")
            else:
                assert report.summary_note.startswith("Voor deze ") and "te weinig vergelijkbare cijfers" in report.summary_note
        for d in report.domains:
            if d.signals_note.startswith("Geen cijfers die ruim afwijken"):
                assert d.comparisons >= MIN_COMPARISONS, (code, d.id)


def test_small_numbers_and_estimates():
    report = build_report(scan_of("BU18590006"))  # 355 inwoners; 0 misdrijven in 2023
    scan = scan_of("BU18590006")
    for s in scan.sections:
        for i in s.indicators:
            if i.statuses["buurt"] == "klein":
                assert i.signal is None and i.rank is None
    figs = [f for d in report.domains for f in d.figures]
    for f in figs:
        if f.small:
            assert f.cells[0].endswith(SMALL_MARK) and "klein aantal" in f.detail
            if f.unit == "%" and load().get(f.id).derive != "value":
                assert "," not in f.cells[0]  # a share of a rounded count gets no decimals
        if f.estimate:
            assert "schatting" in f.detail
    assert any(f.estimate for f in figs)
    assert "schattingen" in report.reading_guide and SMALL_MARK in report.reading_guide
    # a buurt under 200 inwoners: every comparable figure is a small number, no signal
    data = GemeenteData(example_cache(), "GM1859")
    tiny = next((c for c in data.codes("buurt")
                 if (data.scan(c).indicator("inwoners").values["buurt"] or 1e9) < compare.SMALL_POPULATION), None)
    if tiny:
        sc = data.scan(tiny)
        assert all(i.signal is None for s in sc.sections for i in s.indicators)


def test_leefbaarometer_readable():
    report = build_report(scan_of("BU05183620"))
    figs = {f.id: f for d in report.domains for f in d.figures}
    veil = figs["lbm_veiligheid"]
    assert veil.label.endswith("(afwijking van Nederland)") and veil.cells[-1] == "0,00"  # NL = 0 by definition
    assert veil.words == "onder het Nederlandse gemiddelde" and veil.words in veil.detail
    for f in figs.values():
        assert not re.search(r"−0,0+ sinds", f.trend) and not re.search(r"\+0,0+ sinds", f.trend)
    assert "Leefbaarometer" in report.reading_guide
    for d in report.domains:
        if d.chart:
            assert len({f.unit for f in d.figures if f.label in {b.label for b in d.chart.bars}}) <= 1


def test_dutch_that_reads_well_everywhere(model):
    _code, _scan, report = model
    texts = [report.intro, report.reading_guide, report.summary_note, *report.summary,
             *(s.text for s in report.sources)]
    for d in report.domains:
        texts += [*d.highlights, *d.notices, d.unavailable, d.empty, d.signals_note]
        texts += [f.label + " " + f.detail for f in d.figures]
    joined = " ".join(texts)
    assert "(en)" not in joined and "(s)" not in joined and "/verhalen" not in joined
    assert not re.search(r"\)\s*\(", joined), re.search(r".{30}\)\s*\(.{30}", joined)
    assert "((" not in joined
    for english in ("licence", "not verified", "catalogue", "buurtscan show", "buurtscan render"):
        assert english not in joined, english
    assert not re.search(r"\b\d{2}-\d{2}-\d{4}\b", joined)  # one date style: "27 november 2026"
    assert "ruim lager" not in " ".join(s for s in joined.split(".") if "afstand" in s.lower())


def test_the_wijk_in_view():
    buurt = build_report(scan_of("BU05183620"))
    assert buurt.columns == ("Buurt", "Wijk", "Gemeente", "Nederland")
    assert all(len(f.cells) == 4 for d in buurt.domains for f in d.figures)
    inwoners = next(f for f in buurt.general if f.id == "inwoners")
    assert inwoners.cells[:4] == (inwoners.buurt, inwoners.wijk, inwoners.gemeente, inwoners.nederland)  # + Vergelijkbaar
    wijk = build_report(scan_of("WK051836"))
    assert wijk.columns == ("Wijk", "Gemeente", "Nederland")
    assert "Den Haag en Nederland" in wijk.intro
    gemeente = build_report(scan_of("GM0518"))
    assert gemeente.columns == ("Gemeente", "Nederland")
    assert gemeente.title == "Buurtscan Den Haag"
    text = " ".join([gemeente.intro, *gemeente.summary, *(h for d in gemeente.domains for h in d.highlights)])
    assert "in Den Haag (" not in text and "'s-Gravenhage" not in text  # never 's-Gravenhage vs Den Haag


def test_whole_stories_and_a_plain_notice(tmp_path):
    scan = scan_of("BU05183620")
    long = ("Mijn woning is vochtig, de schimmel komt steeds terug, hoe vaak ik ook schilder. En nu hoor ik dat "
            "de renovatie weer een jaar later begint, met 60 woningen minder. ") * 3
    stories = [StoryInput("wonen", Story(long + str(n), "bewoner", "2026", "interview")) for n in range(4)]
    report = build_report(scan, stories=stories, limits=Limits(stories=2), stories_file=tmp_path / "verhalen.csv")
    wonen = next(d for d in report.domains if d.id == "wonen")
    assert [s.tekst for s in wonen.stories] == [long + "0", long + "1"]
    assert "2 verhalen passen niet meer op twee pagina's; ze staan in verhalen.csv." in wonen.notices
    one = build_report(scan, stories=stories[:3], limits=Limits(stories=2), stories_file="verhalen.csv")
    assert "1 verhaal past niet meer op twee pagina's; het staat in verhalen.csv." in one.domains[0].notices


def _texts(report):
    """The text of the report in every format (PDF via Typst, read back with pypdf)."""
    import io
    import zipfile

    from pypdf import PdfReader

    from buurtscan.report import html_note, markdown_note, pdf_note, pptx_deck, word_note

    out = {"md": markdown_note.render(report).decode(), "html": html_note.render(report).decode().replace("\u00ad", "")}
    with zipfile.ZipFile(io.BytesIO(word_note.render(report))) as z:
        out["docx"] = re.sub(r"<[^>]+>", "", z.read("word/document.xml").decode())
    from pptx import Presentation

    deck = Presentation(io.BytesIO(pptx_deck.render(report)))
    out["pptx"] = "\n".join(sh.text_frame.text for sl in deck.slides for sh in sl.shapes if sh.has_text_frame)
    out["pptx"] += "\n".join(c.text_frame.text for sl in deck.slides for sh in sl.shapes if sh.has_table
                             for row in sh.table.rows for c in row.cells)
    out["pdf"] = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_note.render(report))).pages)
    return out


@pytest.mark.parametrize("code", ["BU05183620", "BU18590006", "GM0518"])
def test_every_format_shows_the_rules(code):
    report = build_report(scan_of(code))
    for fmt, text in _texts(report).items():
        flat = " ".join(text.split())
        assert "x 1.000 euro" not in flat, fmt
        assert not re.search(r"[−-]0,00 sinds", flat), fmt
        for bad in ("(en)", "verhaal/verhalen", "buurtscan show", "licence", "not verified", "1 = hoogste"):
            assert bad not in flat, (fmt, bad)
        if fmt != "md":  # Markdown escapes the brackets of a pipe table
            for c in report.columns:
                assert c in flat, (fmt, c)
        if report.summary_note:
            assert report.summary_note in flat, fmt
        for d in report.domains:
            if d.unavailable and fmt in ("md", "html", "docx"):
                assert d.unavailable.split(":")[0] in flat, fmt
    if code == "GM0518":
        assert report.columns.count("Gemeente") == 1


def test_a_gemeente_chart_has_no_duplicate_gemeente_series():
    report = build_report(scan_of("GM0518"))
    charts = [report.age_chart, *(d.chart for d in report.domains)]
    for c in charts:
        if c is not None:
            assert c.series == ("Gemeente", "Nederland") and all(len(b.values) == 2 for b in c.bars)


def test_a_zero_is_a_zero_and_missing_is_never_zero():
    scan = scan_of("BU18590006")
    report = build_report(scan)
    veiligheid = next(d for d in report.domains if d.id == "veiligheid")
    misdrijven = scan.indicator("misdrijven")
    assert misdrijven.values["buurt"] == 0.0  # real published 0 for 2023
    fig = next(f for f in veiligheid.figures if f.id == "misdrijven")
    assert fig.cells[0].startswith("0,0")
    assert not re.search(r"[:,;] misdrijven\b", veiligheid.unavailable)
    for d in report.domains:
        for f in d.figures:
            for value, cell in zip([f.values[("buurt", "wijk", "gemeente", "nederland").index(c.lower())]
                                    for c in report.columns], f.cells, strict=True):
                assert (value is None) == (cell in (MISSING, "–") or cell.startswith("<")), (f.id, value, cell)


def test_the_long_example_inputs_are_shown_whole_when_rendered(tmp_path):
    from pathlib import Path

    from buurtscan.observe import RecordingObserver
    from buurtscan.actions.render import RenderOptions, fit_note
    from buurtscan.policy_stories import read_policy, read_stories

    inputs = INPUTS
    cat = load()
    policy = read_policy(inputs / "beleid_lang.csv", cat)
    stories = read_stories(inputs / "verhalen_lang.csv", cat)
    options = RenderOptions(policy=inputs / "beleid_lang.csv", stories=inputs / "verhalen_lang.csv")
    report, _ = fit_note(scan_of("BU05183620"), policy, stories, options, RecordingObserver())
    shown = [p.wat for d in report.domains for p in d.policy] + [s.tekst for d in report.domains for s in d.stories]
    given = [p.item.wat for p in policy] + [s.story.tekst for s in stories]
    assert all(t in given for t in shown)  # "… en 60…" never happens
    dropped = len(given) - len(shown)
    notices = " ".join(n for d in report.domains for n in d.notices)
    if dropped:
        assert "verhalen_lang.csv" in notices or "beleid_lang.csv" in notices
    assert len(report.summary) == Limits().summary


def test_leefbaarometer_score_with_nederland_and_words_from_the_real_rows(tmp_path, shared_fake):
    """Fixture zip: every real 2024 buurt row of Den Haag; the total score gets NL = lbm − afw and its klasse."""
    from buurtscan.cache import Cache
    from buurtscan.actions.fetch import fetch
    from buurtscan.scan import build_scan
    from buurtscan.settings import Settings

    settings = Settings(cache_dir=tmp_path / "cache", backoff=0.0)
    fetch(settings, ["BU05183620"], transport=shared_fake.transport(), sources=["cbs_kwb", "leefbaarometer"])
    scan = build_scan(Cache(settings.cache_dir), "BU05183620")
    report = build_report(scan)
    total = next(f for d in report.domains for f in d.figures if f.id == "leefbaarheid")
    ind = scan.indicator("leefbaarheid")
    assert total.cells[-1] != MISSING and total.cells[-1] == f"{ind.values['nederland']:.2f}".replace(".", ",")
    assert total.words == ind.klasse == "onder het Nederlandse gemiddelde" and total.words in total.detail
    assert "afwijking" not in total.label  # the total score is a score, the dimensions are deviations
    for f in (f for d in report.domains for f in d.figures if f.id.startswith("lbm_")):
        assert f.cells[-1] == "0,00" and f.label.endswith("(afwijking van Nederland)")
    for d in report.domains:
        if d.chart and any(b.label.startswith("Leefbaarometer") for b in d.chart.bars):
            units = {f.unit for f in d.figures if f.label in {b.label for b in d.chart.bars}}
            assert len(units) == 1  # never the total score and a dimension score on one axis


# ---------------------------------------------------------------- issue 13, checked once more on the model
def test_small_figures_carry_their_look_in_the_model():
    """Item 5: a small number is marked in the model cell by cell, so every format sets it apart."""
    seen = 0
    for code in ("BU18590006", "BU01602701", "BU05183620"):
        report = build_report(scan_of(code))
        for f in [*report.general, *(f for d in report.domains for f in d.figures)]:
            assert len(f.cell_styles) == len(f.cells), f.id
            for cell, style in zip(f.cells, f.cell_styles):
                if cell == "–" or style == "" and cell in ("", "–"):
                    continue
                small = cell.endswith(SMALL_MARK) or cell.startswith("<")
                assert (style == "klein") == small, (code, f.id, cell, style)
                assert (style == "ontbreekt") == (cell == MISSING), (code, f.id, cell, style)
                seen += style == "klein"
    assert seen  # the village buurten do have small numbers


def test_estimates_say_schatting_at_the_figure_and_in_the_guide():
    """Item 5: RIVM figures are model estimates, said at the figure and in the leeswijzer."""
    for code in ("BU05183620", "BU18590006"):
        report = build_report(scan_of(code))
        rivm = [f for d in report.domains for f in d.figures if f.source.startswith("RIVM")]
        assert rivm and all(f.estimate and "schatting" in f.detail.split(" · ")[0] for f in rivm)
        assert "schattingen" in report.reading_guide


def test_a_partner_figure_shows_unit_year_references_and_delivery():
    """Item 6: unit, year, the wijk and gemeente value where known, and when it was delivered."""
    from dataclasses import replace as _replace
    from types import SimpleNamespace

    from buurtscan.report.figures import _partner_figure

    base = scan_of("BU05183620").indicator("koopwoningen")
    ind = _replace(base, id="woonstad_reparaties", label="Reparatieverzoeken", unit="per 100 woningen",
                   decimals=1, source="Woonstad", table_id=None, period="2024", partner=True,
                   values={"buurt": 31.4, "wijk": 24.0, "gemeente": None, "nederland": None},
                   statuses={"buurt": "ok", "wijk": "ok", "gemeente": "ontbreekt", "nederland": "ontbreekt"})
    delivered = SimpleNamespace(sources=[{"source": "Woonstad", "modified": "2026-11-12T09:00:00Z"}])
    fig = _partner_figure(delivered, ind, "buurt")
    assert fig.label == "Reparatieverzoeken (per 100 woningen), 2024"
    assert fig.value == "31,4" and fig.compare == "wijk 24,0"  # the gemeente is unknown: not "niet beschikbaar"
    assert fig.source == "Bron: Woonstad, aangeleverd 12 november 2026"
    merged = SimpleNamespace(sources=[{"source": "Woonstad", "partner": {"merged_at": "2026-11-20T10:00:00Z"}}])
    assert _partner_figure(merged, ind, "buurt").source == "Bron: Woonstad, toegevoegd op 20 november 2026"
    ind = _replace(ind, values={**ind.values, "gemeente": 20.5}, statuses={**ind.statuses, "gemeente": "ok"})
    assert _partner_figure(delivered, ind, "buurt").compare == "wijk 24,0, gemeente 20,5"
    # a value that carries its unit keeps a bare label
    pct = _replace(ind, unit="%", label="Tevreden huurders")
    assert _partner_figure(delivered, pct, "buurt").label == "Tevreden huurders, 2024"
    assert _partner_figure(delivered, pct, "buurt").value == "31,4%"


def test_wat_verandert_names_its_subject_and_the_level():
    """Item 9: "Het aantal inwoners is gestegen …", not "Inwoners is gestegen"; a wijk is a wijk."""
    gemeente = build_report(scan_of("GM0518"))
    assert gemeente.changes and all(c[:1].isupper() for c in gemeente.changes)
    inwoners = next((c for c in gemeente.changes if "inwoners" in c), None)
    assert inwoners is None or inwoners.startswith("Het aantal inwoners is ")
    assert not any(re.match(r"(Inwoners|Leefbaarometer:) ", c) for c in gemeente.changes)
    for code in ("WK051836", "GM0518"):
        report = build_report(scan_of(code))
        texts = [f.trend + " " + f.detail + " " + f.development for f in report.general]
        texts += [f.trend + " " + f.detail for d in report.domains for f in d.figures]
        texts += list(report.changes)
        assert not any("de buurt " in t for t in texts), code


def test_a_gemeente_note_names_the_gemeente_one_way():
    """Item 10: no duplicate Gemeente column, and never 's-Gravenhage beside "Den Haag" in its text."""
    report = build_report(scan_of("GM0518"))
    assert report.columns == ("Gemeente", "Nederland") and report.place == "Den Haag"
    texts = [report.intro, *report.summary, *report.changes, report.summary_note, report.similar,
             *(t for d in report.domains for t in (*d.highlights, d.signals_note, d.unavailable, d.empty)),
             *(f.detail for d in report.domains for f in d.figures)]
    assert not any("'s-Gravenhage" in t for t in texts)
    assert all(len(f.cells) == 2 for d in report.domains for f in d.figures)
