"""The PowerPoint deck (`render --pptx`): reopened with python-pptx, checked against the cache.

Data: the fake CBS service (fixtures from the real 2024 and 2019 Kerncijfers wijken en buurten);
Moerwijk-Oost (BU05183620) in 's-Gravenhage (GM0518).
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from pptx import Presentation
from pptx.util import Pt

from buurtscan.cache import Cache
from buurtscan.errors import UsageError
from buurtscan.actions.fetch import fetch
from buurtscan.report import pptx_deck, templates
from buurtscan.report.formatting import unit_label
from buurtscan.report.build import Limits, PolicyInput, StoryInput, build_report
from buurtscan.report.model import Bar, Chart, PolicyItem, Story
from buurtscan.scan import build_scan
from buurtscan.settings import Settings

from tests import deck_measure
from tests.paths import SCRIPTS

BUURT, GEMEENTE, NL = "BU05183620", "GM0518", "NL00"
DOMAIN_TITLES = ("Wonen", "Werk & participatie", "Onderwijs & opvoeding", "Veiligheid & criminaliteit", "Gezondheid",
                 "Samenleven & integratie", "Leefomgeving & openbare ruimte", "Armoede & schulden")
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


@pytest.fixture(scope="module")
def cache(tmp_path_factory, shared_fake) -> Cache:
    root = tmp_path_factory.mktemp("pptx-cache")
    settings = Settings(cache_dir=root, attempts=4, backoff=0.0, timeout=5.0)
    fetch(settings, [BUURT], transport=shared_fake.transport(), sources=["cbs_kwb"])
    fetch(settings, [BUURT], year=2019, transport=shared_fake.transport(), sources=["cbs_kwb"])
    return Cache(root)


@pytest.fixture(scope="module")
def scan(cache):
    return build_scan(cache, BUURT)


@pytest.fixture(scope="module")
def report(scan):
    return build_report(scan)


@pytest.fixture(scope="module")
def deck(report):
    return Presentation(io.BytesIO(pptx_deck.render(report)))


def titles(prs) -> list[str]:
    return [s.shapes.title.text_frame.text if s.shapes.title is not None else "" for s in prs.slides]


def chart_of(slide):
    charts = [sh.chart for sh in slide.shapes if sh.has_chart]
    assert len(charts) <= 1
    return charts[0] if charts else None


def series_values(chart) -> dict[str, tuple]:
    return {s.name: tuple(s.values) for s in chart.plots[0].series}


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# ------------------------------------------------------------------------------------------ structure


def known(report):
    return [d for d in report.domains if any(not f.missing for f in d.figures)]


def test_slide_count_and_titles_in_order(deck, report):
    shown = [d.title for d in known(report)]
    unknown = [d.title for d in report.domains if d.title not in shown]
    assert shown and unknown  # the fixture cache has domains without buurt figures
    assert len(deck.slides) <= 12 + 1  # twelve plus the closing slide
    assert titles(deck) == [report.title, "Algemene gegevens", *shown, "Wat we (nog) niet weten", "Bronnen",
                            "Wat herkent u? Wat missen we?"]  # no policy given: no policy slide
    assert report.title == "Buurtscan Moerwijk-Oost"
    used = [s.slide_layout.name for s in deck.slides]
    assert used == ["buurtscan titel"] + ["buurtscan grafiek"] * (1 + len(shown)) + [
        "buurtscan beleid", "buurtscan bronnen", "buurtscan beleid"]
    cover = deck.slides[0]
    texts = [sh.text_frame.text for sh in cover.shapes if sh.has_text_frame]
    assert f"{BUURT} · {report.date}" in texts
    assert any(t.startswith("Wat valt op") and report.summary[0].split(": ", 1)[1] in t for t in texts)
    # the domains without buurt figures share one slide naming each missing figure
    slide = deck.slides[titles(deck).index("Wat we (nog) niet weten")]
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    for d in report.domains:
        if d.title in unknown:
            assert d.title in text and "geen cijfers voor deze buurt" not in text
            named = d.unavailable or d.empty or d.figures[0].label
            assert named.split(":")[-1].split(",")[0].strip()[:20] in text, (d.title, named)
    assert not any(sh.has_table or sh.has_chart for sh in slide.shapes)


def test_no_slide_shows_a_table_of_niet_beschikbaar_and_questions_are_18pt(deck, report):
    for n, slide in enumerate(deck.slides, 1):
        for sh in slide.shapes:
            if sh.has_table:
                own = [row.cells[1].text_frame.text for row in list(sh.table.rows)[1:]]
                assert own and "niet beschikbaar" not in own, (n, own)
    for d, slide in zip(known(report), list(deck.slides)[2:], strict=False):
        assert titles(deck)[list(deck.slides).index(slide)] == d.title
        runs = [(r.text, r.font.size.pt) for sh in slide.shapes if sh.has_text_frame
                for p in sh.text_frame.paragraphs for r in p.runs]
        for q in d.questions[:2]:
            assert (q, 18.0) in runs, (d.title, q)


def test_closing_slide_and_notes_without_command_line_words(deck):
    assert titles(deck)[-1] == "Wat herkent u? Wat missen we?"
    for n, slide in enumerate(deck.slides, 1):
        notes = slide.notes_slide.notes_text_frame.text
        assert "--" not in notes and "buurtscan show" not in notes and "`" not in notes, n


def test_story_photo_on_its_domain_slide_and_a_notice_when_policy_is_left_out(scan, tmp_path):
    from PIL import Image

    photo = tmp_path / "foto.png"
    Image.new("RGB", (800, 800), "#88aa55").save(photo)
    domain = known(build_report(scan))[0].id
    policy = [PolicyInput(domain, PolicyItem(f"Plan {i}", "buurt", "2027", "gemeente")) for i in range(4)]
    from buurtscan.policy_stories import load_photo

    foto = load_photo(tmp_path / "verhalen.csv", 2, "foto.png")  # checked and scaled, as the story reader does
    stories = [StoryInput(domain, Story("Het is hier goed wonen.", "bewoner", "2026", "interview", foto))]
    report = build_report(scan, policy=policy, stories=stories)
    prs = Presentation(io.BytesIO(pptx_deck.render(report)))
    slide = prs.slides[titles(prs).index(report.domains[[d.id for d in report.domains].index(domain)].title)]
    pics = [sh for sh in slide.shapes if sh.shape_type == 13]
    assert len(pics) == 1 and math.isclose(pics[0].width / pics[0].height, 1.5, rel_tol=0.02)  # cropped to 3:2
    beleid = prs.slides[titles(prs).index("Beleid & ontwikkelingen")]
    text = " ".join(sh.text_frame.text for sh in beleid.shapes if sh.has_text_frame)
    assert "Plan 0" in text and "past niet meer" in text  # what was left out is said on the slide
    assert len(prs.slides) <= 13
    assert_text_fits(prs)


def test_age_chart_equals_shares_computed_from_the_cached_rows(deck, cache):
    rows = cache.for_region(BUURT).filter(pl.col("period") == "2024")

    def share(code: str, stem: str) -> float:
        pick = rows.filter(pl.col("region_code") == code)
        get = lambda s: pick.filter(pl.col("indicator") == s)["value"].item()
        return get(stem) / get("AantalInwoners") * 100

    stems = ("k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder")
    chart = chart_of(deck.slides[1])
    assert chart is not None
    assert chart.chart_type is not None and "BAR_CLUSTERED" in str(chart.chart_type)
    assert list(chart.plots[0].categories) == ["0 tot 15", "15 tot 25", "25 tot 45", "45 tot 65", "65 of ouder"]
    got = series_values(chart)
    assert list(got) == ["Buurt", "Gemeente", "Nederland"]
    for name, code in (("Buurt", BUURT), ("Gemeente", GEMEENTE), ("Nederland", NL)):
        expected = [share(code, s) for s in stems]
        assert all(close(a, b) for a, b in zip(got[name], expected, strict=True)), name
    assert math.isclose(got["Buurt"][0], 19.047619, rel_tol=1e-6)  # 640 of 3.360 inwoners are younger than 15


def test_every_domain_chart_equals_the_scan_values_and_compares(deck, scan, report):
    checked = 0
    domains = known(report)
    for slide, d in zip(list(deck.slides)[2:2 + len(domains)], domains, strict=True):
        chart = chart_of(slide)
        comparing = [f for f in d.figures if f.values[0] is not None and any(v is not None for v in f.values[2:])]
        if not comparing:
            assert chart is None, d.title  # nothing to compare: no chart at all
            continue
        if chart is None:
            continue  # the figures that compare have different units from the chart's
        section = next(s for s in scan.sections if s.title == d.title)
        by_label = {unit_label(i.label, i.unit): i for i in section.indicators}
        got = series_values(chart)
        assert list(got) == ["Buurt", "Gemeente", "Nederland"]
        for j, label in enumerate(chart.plots[0].categories):
            ind = by_label[label]
            assert got["Buurt"][j] is not None and (got["Gemeente"][j] is not None or got["Nederland"][j] is not None)
            for name, level in (("Buurt", "buurt"), ("Gemeente", "gemeente"), ("Nederland", "nederland")):
                assert close(got[name][j], ind.values[level]), (d.title, label, level)
                checked += 1
    assert checked >= 12


def test_wonen_chart_equals_the_raw_2019_rows_and_nederland_is_a_gap(deck, cache):
    """Koopwoningen and corporatiewoningen are published as percentages: the chart holds the cached numbers."""
    rows = cache.for_region(BUURT).filter(pl.col("period") == "2019")

    def raw(code: str, stem: str) -> float | None:
        pick = rows.filter((pl.col("region_code") == code) & (pl.col("indicator") == stem))
        return pick["value"].item() if pick.height else None

    slide = deck.slides[2]
    chart = chart_of(slide)
    assert list(chart.plots[0].categories)[:2] == ["Koopwoningen", "Corporatiewoningen"]
    got = series_values(chart)
    assert got["Buurt"][:2] == (raw(BUURT, "Koopwoningen"), raw(BUURT, "InBezitWoningcorporatie")) == (9.0, 74.0)
    assert got["Gemeente"][:2] == (raw(GEMEENTE, "Koopwoningen"), raw(GEMEENTE, "InBezitWoningcorporatie")) == (43.0, 31.0)
    assert raw(NL, "Koopwoningen") is None  # the 2019 fixture table has Den Haag only
    assert got["Nederland"][:2] == (None, None)  # a gap, never 0
    xml = chart.part.blob.decode()
    assert '<c:dispBlanksAs val="gap"/>' in xml
    # the table says so in words, in the model's Dutch notation
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    cells = [[c.text_frame.text for c in row.cells] for row in table.rows]
    assert cells[0][1:] == ["Buurt", "Wijk", "Gemeente", "Nederland"]
    koop = next(r for r in cells if r[0].startswith("Koopwoningen"))
    assert koop[1] == "9%" and koop[3:] == ["43%", "niet beschikbaar"]
    woz = next(r for r in cells if r[0].startswith("Gemiddelde WOZ-waarde"))
    assert woz[1] == "€\u00a0113.000" and woz[3] == "€\u00a0241.000" and "euro" not in woz[0]
    assert "2019 · bij de 10% laagste buurten van Den Haag (103e van 107) · opvallend" in woz[0]


def test_a_missing_value_is_a_gap_and_named_not_tabled(report):
    wonen = report.domains[0]
    cells = ("niet beschikbaar", *wonen.figures[1].cells[1:])
    fig = replace(wonen.figures[1], buurt="niet beschikbaar", cells=cells, values=(None, 17.0, 43.0, None), missing=True)
    chart = Chart("Wonen", "%", ("Buurt", "Gemeente", "Nederland"),
                  (Bar("Koopwoningen", (None, 43.0, 57.0)), Bar("Corporatiewoningen", (74.0, 31.0, None))))
    changed = replace(report, domains=(replace(wonen, figures=(wonen.figures[0], fig, *wonen.figures[2:]),
                                               chart=chart), *report.domains[1:]))
    slide = Presentation(io.BytesIO(pptx_deck.render(changed))).slides[2]
    got = series_values(chart_of(slide))
    assert got == {"Buurt": (74.0,), "Gemeente": (31.0,), "Nederland": (None,)}  # only the bar that compares
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    assert not any(row.cells[0].text_frame.text.startswith("Koopwoningen") for row in table.rows)
    texts = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "Niet beschikbaar voor" in texts  # said in words, never 0
    title = chart_of(slide).chart_title.text_frame.text
    assert "Nederland: niet beschikbaar" in title
    labels = next(sh for sh in slide.shapes if sh.has_chart).chart.part.blob.decode()
    assert "Buurt 74%" in labels and ">0%<" not in labels
    assert "Koopwoningen: buurt niet beschikbaar" in slide.notes_slide.notes_text_frame.text


def test_domain_without_any_value_goes_to_wat_we_nog_niet_weten(report):
    empty = replace(report.domains[0], chart=None,
                    figures=tuple(replace(f, buurt="niet beschikbaar", gemeente="niet beschikbaar",
                                          nederland="niet beschikbaar", values=(None,) * 4, missing=True)
                                  for f in report.domains[0].figures))
    prs = Presentation(io.BytesIO(pptx_deck.render(replace(report, domains=(empty, *report.domains[1:])))))
    assert empty.title not in titles(prs)
    slide = prs.slides[titles(prs).index("Wat we (nog) niet weten")]
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert empty.title in text and empty.questions[0] in text
    assert "Grafiek: geen cijfers beschikbaar" not in " ".join(
        sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame)


def test_speaker_notes_on_every_slide_name_table_and_reading(deck, report):
    for n, slide in enumerate(deck.slides, 1):
        assert slide.has_notes_slide, n
        notes = slide.notes_slide.notes_text_frame.text
        assert "85984NED" in notes, n
        assert "opgehaald op" in notes, n
        assert len(notes) > 200, n
    wonen = deck.slides[2].notes_slide.notes_text_frame.text
    assert "84583NED" in wonen and "cijfers over 2019" in wonen
    assert "Koopwoningen: buurt 9%" in wonen and "Nederland niet beschikbaar" in wonen
    assert "bij de 10% laagste buurten van Den Haag (104e van 109)" in wonen
    assert "niet beschikbaar" in wonen and "nooit 0" in wonen
    assert report.domains[0].questions[0] in wonen


# ------------------------------------------------------------------------------------------ no overflow


def _placeholder_type(shape) -> str | None:
    ph = shape._element.find(f".//{P}ph")
    return None if ph is None else ph.get("type", "obj")


def assert_text_fits(prs) -> int:
    """Every text frame and table: the estimated text height is within its box; shapes stay on the slide."""
    checked = 0
    width, height = prs.slide_width, prs.slide_height
    for n, slide in enumerate(prs.slides, 1):
        boxes = []
        for sh in slide.shapes:
            assert 0 <= sh.left and sh.left + sh.width <= width + Pt(1), (n, sh.name)
            assert 0 <= sh.top and sh.top + sh.height <= height + Pt(1), (n, sh.name)
            kind = _placeholder_type(sh)
            if kind not in ("ftr", "sldNum"):
                boxes.append((sh.name, sh.left, sh.top, sh.width, sh.height))
            if sh.has_text_frame and sh.text_frame.text and kind != "sldNum":
                tx = sh._element.find(f"{P}txBody")
                bold = kind in ("title", "ctrTitle")
                need = deck_measure.measure_tx_body(tx, sh.width / 12700, bold=bold)
                assert need <= sh.height / 12700 + 0.5, (n, sh.name, need, sh.height / 12700, sh.text_frame.text)
                assert crude_height(sh) <= sh.height / 12700 + 0.5, (n, sh.name, sh.text_frame.text)
                for p in sh.text_frame.paragraphs:
                    for r in p.runs:
                        assert r.font.size is not None and r.font.size.pt >= 7.5, (n, sh.name, r.text)
                checked += 1
            if sh.has_table:
                total = 0
                for row in sh.table.rows:
                    need = max(deck_measure.measure_cell(c._tc, sh.table.columns[i].width / 12700)
                               for i, c in enumerate(row.cells))
                    assert need <= row.height / 12700 + 0.5, (n, [c.text_frame.text for c in row.cells])
                    total += row.height
                assert total <= sh.height + Pt(1)
                checked += 1
        for i, a in enumerate(boxes):  # no two content shapes overlap
            for b in boxes[i + 1:]:
                overlap_x = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                overlap_y = min(a[2] + a[4], b[2] + b[4]) - max(a[2], b[2])
                assert overlap_x <= Pt(1) or overlap_y <= Pt(1), (n, a[0], b[0])
    return checked


def crude_height(shape) -> float:
    """An estimate independent of the renderer's width table: 0.45 em per character on average."""
    tf = shape.text_frame
    inner = shape.width / 12700 - (tf.margin_left + tf.margin_right) / 12700
    total = (tf.margin_top + tf.margin_bottom) / 12700
    for p in tf.paragraphs:
        size = max((r.font.size.pt for r in p.runs if r.font.size), default=18.0)
        chars = len(p.text)
        lines = max(1, math.ceil(chars * 0.45 * size / inner))
        total += lines * size * 1.15
    return total


def test_no_text_frame_holds_more_than_fits(deck):
    assert assert_text_fits(deck) > 40


def test_numbers_are_the_model_strings(deck, report):
    table = next(sh.table for sh in deck.slides[1].shapes if sh.has_table)
    rows = {row.cells[0].text_frame.text.split("\u00a0")[0]: [c.text_frame.text for c in row.cells][1:]
            for row in list(table.rows)[1:]}
    assert rows["Inwoners"][0] == "3.360" and rows["Inwoners"][2:4] == ["566.221", "17.942.942"]
    assert rows["65 jaar of ouder"][0] == "11,2%" and rows["65 jaar of ouder"][2:4] == ["15,2%", "20,5%"]
    for f in report.general:
        assert rows[f.label] == list(f.cells)
        assert list(f.cells)[:4] == [f.buurt, f.wijk, f.gemeente, f.nederland]  # + Vergelijkbaar when known


# ------------------------------------------------------------------------------------------ untrusted text


def test_untrusted_and_very_long_text_is_plain_text_and_fits(scan, tmp_path):
    long = " ".join(["Herstructurering van de buurt met 450 nieuwe woningen, waarvan 30% sociale huur."] * 30)
    policy = [PolicyInput("wonen", PolicyItem(long, "Moerwijk-Oost", "2025–2030", "Woonvisie")),
              PolicyInput("armoede", PolicyItem("Schuldhulp\x07 aan de <b>keukentafel</b>\x1b", "wijk", "2025", "SZW"))]
    script = "<script>alert('x')</script>\x00\x08 Mijn portiek is al drie jaar niet schoongemaakt. " * 6
    stories = [StoryInput("wonen", Story(script, "bewoner\x0c", "oktober 2026", "huisbezoek"))]
    report = build_report(scan, policy=policy, stories=stories, limits=Limits())
    data = pptx_deck.render(report)
    (tmp_path / "deck.pptx").write_bytes(data)
    prs = Presentation(str(tmp_path / "deck.pptx"))
    assert len(prs.slides) <= 13 and titles(prs)[-1] == "Wat herkent u? Wat missen we?"
    wonen = prs.slides[2]
    texts = " ".join(sh.text_frame.text for sh in wonen.shapes if sh.has_text_frame)
    assert "<script>alert('x')</script>" in texts  # shown as text, not interpreted
    for part in prs.part.package.iter_parts():
        if part.partname.endswith(".xml"):
            assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", part.blob), part.partname
    beleid = prs.slides[titles(prs).index("Beleid & ontwikkelingen")]
    shown = " ".join(sh.text_frame.text for sh in beleid.shapes if sh.has_text_frame)
    assert "<b>keukentafel</b>" in shown
    assert long not in shown and long[:60] not in shown  # too long for the slide: left out whole, never cut
    assert "Niet alles past op deze dia; alles staat in de notities." in shown
    assert long in beleid.notes_slide.notes_text_frame.text  # ... and complete in the notes
    assert_text_fits(prs)


# ------------------------------------------------------------------------------------------ templates


def _packaged() -> Path:
    return templates.packaged_dir() / "deck.pptx"


def test_packaged_template_has_the_named_layouts():
    prs = Presentation(str(_packaged()))
    names = {lay.name: {ph.placeholder_format.idx for ph in lay.placeholders} for lay in prs.slide_layouts}
    for name, required, _ in pptx_deck.LAYOUTS.values():
        assert set(required) <= names[name]
    assert len(prs.slides) == 0
    assert (prs.slide_width, prs.slide_height) == (12192000, 6858000)


def test_template_is_rebuilt_byte_for_byte(tmp_path):
    script = SCRIPTS / "make_deck_template.py"
    if not script.exists():
        pytest.skip("needs the source tree")
    proc = subprocess.run([sys.executable, str(script), "--out", str(tmp_path / "deck.pptx")], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "deck.pptx").read_bytes() == _packaged().read_bytes()


def test_user_template_missing_a_layout_is_named(report, tmp_path):
    prs = Presentation(str(_packaged()))
    beleid = next(lay for lay in prs.slide_layouts if lay.name == "buurtscan beleid")
    prs.slide_layouts.remove(beleid)
    path = tmp_path / "huisstijl.pptx"
    prs.save(str(path))
    with pytest.raises(UsageError) as err:
        pptx_deck.render(report, deck_template=path)
    msg = err.value.message
    assert "layout 'buurtscan beleid'" in msg and "docs/deck-template.md" in msg and "huisstijl.pptx" in msg
    assert msg.count(".") <= 3 and "\n" not in msg  # one sentence


def test_user_template_missing_a_placeholder_is_named(report, tmp_path):
    prs = Presentation(str(_packaged()))
    grafiek = next(lay for lay in prs.slide_layouts if lay.name == "buurtscan grafiek")
    sp = next(ph for ph in grafiek.placeholders if ph.placeholder_format.idx == 16)._element
    sp.getparent().remove(sp)
    path = tmp_path / "huisstijl.pptx"
    prs.save(str(path))
    with pytest.raises(UsageError, match=r"placeholder idx 16 \(partners en verhaal\) in layout 'buurtscan grafiek'"):
        pptx_deck.render(report, deck_template=path)


def test_not_a_pptx_or_no_file_is_a_usage_error(report, tmp_path):
    bad = tmp_path / "huisstijl.pptx"
    bad.write_text("geen powerpoint")
    with pytest.raises(UsageError, match="cannot be opened as a PowerPoint"):
        pptx_deck.render(report, deck_template=bad)
    with pytest.raises(UsageError, match="no such file"):
        pptx_deck.render(report, deck_template=tmp_path / "missing.pptx")


def test_user_template_with_own_theme_slides_and_4_3(report, tmp_path):
    """A house-style deck: other font and colours, 4:3, example slides, renamed placeholders; all still fits."""
    prs = Presentation(str(_packaged()))
    prs.slide_width, prs.slide_height = 9144000, 6858000
    shapes = [*prs.slide_master.shapes, *(sh for lay in prs.slide_layouts for sh in lay.shapes)]
    for sh in shapes:  # squeeze the 16:9 positions into 4:3
        if sh._element.find(f"{P}spPr/{A}xfrm") is not None:
            sh.left, sh.width = int(sh.left * 0.75), int(sh.width * 0.75)
        if sh.is_placeholder:
            sh.name = f"Huisstijl {sh.placeholder_format.idx}"
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Voorbeeld"
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'typeface="Lato"', b'typeface="Verdana"')
    path = tmp_path / "huisstijl.pptx"
    prs.save(str(path))
    out = Presentation(io.BytesIO(pptx_deck.render(report, deck_template=path)))
    assert titles(out)[0] == report.title and len(out.slides) == 12
    assert "Voorbeeld" not in titles(out)
    assert out.slide_width == 9144000


def test_user_templates_folder_is_searched_first(report, tmp_path):
    prs = Presentation(str(_packaged()))
    prs.core_properties.title = "eigen huisstijl"
    prs.save(str(tmp_path / "deck.pptx"))
    out = Presentation(io.BytesIO(pptx_deck.render(report, user_dir=tmp_path)))
    assert len(out.slides) == 12


def test_render_command_writes_the_deck(cache, tmp_path):
    from buurtscan.actions.render import RenderOptions, render

    settings = Settings(cache_dir=cache.root, backoff=0.0)
    results = render(settings, [BUURT], options=RenderOptions(formats=("pptx",), out_dir=tmp_path), cache=cache,
                     record=False)
    [path] = results[0].files
    assert path.name == "BU05183620-moerwijk-oost.pptx"
    assert titles(Presentation(str(path)))[1] == "Algemene gegevens"


# ------------------------------------------------------------------------------------------ LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_deck(deck, report, tmp_path):
    path = tmp_path / "deck.pptx"
    path.write_bytes(pptx_deck.render(report))
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    pdf = tmp_path / "deck.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert pages == len(deck.slides) == 12


# ------------------------------------------------------------------------------------------ issue 12/16/18/19


def test_every_chart_embeds_a_workbook_with_its_values(report):
    """Native, editable charts: the embedded workbook (what 'Gegevens bewerken' opens) holds the plotted
    values, a gap as an empty cell; the second deck of a batch (copied slides and notes) carries it too."""
    import zipfile

    import openpyxl

    pptx_deck.render(report)  # the first deck fills the copies that later decks use
    data = pptx_deck.render(report)
    prs = Presentation(io.BytesIO(data))
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 5
    for chart in charts:
        blob = chart.part.chart_workbook.xlsx_part.blob
        ws = openpyxl.load_workbook(io.BytesIO(blob)).active
        rows = [[c.value for c in row] for row in ws.iter_rows()]
        plot = chart.plots[0]
        assert rows[0][1:] == [s.name for s in plot.series]
        assert [r[0] for r in rows[1:]] == list(plot.categories)
        for k, series in enumerate(plot.series, 1):
            assert [r[k] if k < len(r) else None for r in rows[1:]] == list(series.values)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    assert len([n for n in names if n.startswith("ppt/notesSlides/notesSlide")]) == len(prs.slides)
    assert len(set(names)) == len(names)
    for slide in prs.slides:  # each notes slide belongs to its own slide
        assert slide.notes_slide.part.part_related_by(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide") is slide.part


def test_batch_decks_equal_a_fresh_deck(report, scan):
    """The copies a batch reuses give the same slides as python-pptx's own path (first deck of a template)."""
    from buurtscan.report.pptx import layouts

    layouts._protos.cache_clear()
    first = Presentation(io.BytesIO(pptx_deck.render(report)))
    again = Presentation(io.BytesIO(pptx_deck.render(report)))

    def shapes(prs):
        return [[(sh.name, sh.shape_id, sh.left, sh.top, sh.width, sh.height,
                  sh.text_frame.text if sh.has_text_frame else "") for sh in s.shapes] for s in prs.slides]

    assert shapes(first) == shapes(again)
    assert [s.notes_slide.notes_text_frame.text for s in first.slides] == [
        s.notes_slide.notes_text_frame.text for s in again.slides]


def test_text_is_measured_with_the_shipped_lato_and_the_template_uses_it():
    import font_lato
    from fontTools.ttLib import TTFont

    from buurtscan.report.pptx import fitting, fonts

    font = TTFont(Path(font_lato.__file__).parent / "files" / "Lato-Regular.ttf")
    upm, glyph = font["head"].unitsPerEm, font.getBestCmap()[ord("W")]
    expected = font["hmtx"].metrics[glyph][0] * 1000 / upm
    assert math.isclose(fonts.advances(False)["W"], expected)
    assert math.isclose(fitting.text_width("W", 10), expected * 10 / 1000 * fitting.SAFETY)
    assert fitting.text_width("Wat valt op", 18, bold=True) > fitting.text_width("Wat valt op", 18)
    assert not hasattr(fitting, "WIDTHS")  # no hand-typed width table
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = Presentation(str(_packaged())).slide_master.part.part_related_by(RT.THEME).blob
    assert theme.count(b'<a:latin typeface="Lato"') == 2  # heading and body font


def test_similar_column_on_a_domain_slide_where_the_figures_have_it(report):
    wonen = report.domains[0]
    figures = tuple(replace(f, similar=f"{k + 1},5%") if not f.missing else f for k, f in enumerate(wonen.figures))
    prs = Presentation(io.BytesIO(pptx_deck.render(replace(report, domains=(replace(wonen, figures=figures),
                                                                           *report.domains[1:])))))
    table = next(sh.table for sh in prs.slides[2].shapes if sh.has_table)
    cells = [[c.text_frame.text for c in row.cells] for row in table.rows]
    assert cells[0][-1] == "Vergelijkbaar"
    shown = [f for f in figures if not f.missing]
    for row, f in zip(cells[1:], shown, strict=False):
        assert row[1:] == [*f.cells, f.similar]
    assert_text_fits(prs)
    plain = Presentation(io.BytesIO(pptx_deck.render(report))).slides[2]  # without medians: no column
    table = next(sh.table for sh in plain.shapes if sh.has_table)
    assert "Vergelijkbaar" not in [c.text_frame.text for c in table.rows[0].cells]


def test_trend_line_chart_is_the_leefbaarometer_series_and_stands_alone_without_bars():
    """Issue 16: a native line chart (buurt, Nederland; the gemeente has no score) of the Leefbaarometer
    2002–2024 on its domain slide (the bundled example has the real rows); no bar chart of deviation
    scores against Nederland's 0."""
    from buurtscan.example import example_cache

    report = build_report(build_scan(example_cache(), BUURT))
    prs = Presentation(io.BytesIO(pptx_deck.render(report)))
    d = next(d for d in report.domains if d.title == "Leefomgeving & openbare ruimte")
    slide = prs.slides[titles(prs).index(d.title)]
    charts = [sh.chart for sh in slide.shapes if sh.has_chart]
    assert len(charts) == 1 and "LINE" in str(charts[0].chart_type)
    fig = next(f for f in d.figures if f.key and f.spark)
    assert list(charts[0].plots[0].categories) == list(fig.spark.periods)
    assert fig.spark.periods[0] == "2002" and fig.spark.periods[-1] == "2024"
    got = series_values(charts[0])
    assert got == {name: tuple(values) for name, values in fig.spark.lines}
    assert got["Buurt"][-1] == fig.own_value  # the last point is the figure in the table (3,87)
    assert "Gemeente" not in got or any(v is not None for v in got["Gemeente"])


def test_no_chart_without_a_comparison_and_no_trend_for_a_lone_line(report):
    from buurtscan.report.model import Spark
    from buurtscan.report.pptx import charts, trend

    d = report.domains[0]
    lone = replace(d.figures[0], key=True, unit="%", spark=Spark(
        own=(), reference=(), reference_name="", first="1", last="3", first_period="2020", last_period="2022",
        periods=("2020", "2021", "2022"), lines=(("Buurt", (1.0, 2.0, 3.0)), ("Nederland", (None, None, None)))))
    assert trend.trend_figure([lone]) is None
    small = [replace(f, small=True) for f in d.figures]
    assert charts.comparing_chart(d, small) is None  # small numbers are not compared


def test_questions_on_wat_we_nog_niet_weten_are_18pt_under_their_heading(deck, report):
    slide = deck.slides[titles(deck).index("Wat we (nog) niet weten")]
    questions = {q for d in report.domains for q in d.questions}
    runs = [(r.text, r.font.size.pt) for sh in slide.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    asked = [(t, size) for t, size in runs if t in questions]
    assert asked and all(size >= 18 for _t, size in asked)
    assert "Wat bewoners en partners wel weten" in [t for t, _s in runs]


def test_left_out_stories_are_counted_in_words(scan):
    from buurtscan.report.pptx import back

    domain = known(build_report(scan))[0].id
    stories = [StoryInput(domain, Story(f"Verhaal {i}.", "bewoner", "2026", "interview")) for i in range(3)]
    report = build_report(scan, stories=stories)
    extra = sum(len(d.stories) - 1 for d in report.domains if d.stories)
    assert extra >= 1
    notes = back.left_out(report)
    said = "1 verhaal staat" if extra == 1 else f"{extra} verhalen staan"
    assert any(n.startswith(f"{said} niet op de dia's") for n in notes), notes
    assert not any("/" in n for n in notes)


def test_bar_series_colours_stay_apart_in_greyscale(deck):
    chart = chart_of(deck.slides[1])  # the leeftijdsopbouw: buurt, gemeente, Nederland
    fills = [str(s.format.fill.fore_color.rgb) for s in chart.plots[0].series]
    assert fills == ["1F3A5F", "8A96A3", "E6EAEF"]
    last = chart.plots[0].series[2]
    assert str(last.format.line.color.rgb) == "1F3A5F" and last.format.line.width == Pt(0.75)
    for s in chart.plots[0].series:  # schema order: tx, spPr, invertIfNegative, dLbls, cat, val
        tags = [el.tag.split("}")[1] for el in s._element]
        assert tags[tags.index("tx"):] == ["tx", "spPr", "invertIfNegative", "dLbls", "cat", "val"]


def test_the_deck_neither_formats_numbers_nor_picks_values_by_level():
    """Issue 12: the deck only lays out the model's strings (Figure.cells, own, similar; Bar.texts)."""
    import buurtscan.report.pptx as package

    banned = {
        "level lookup": re.compile(r"\.level\b|\bf\.(buurt|wijk|gemeente|nederland)\b|values\[[1-3]\]"),
        "number formatting": re.compile(r"format_figure|\bnumber\(|\{[^{}]*:[^{}]*[.,]\d*[fg%]\}|locale"),
        "a formatting import": re.compile(r"from \.\.formatting import (?!MISSING\b)"),
    }
    found = []
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern in banned.items():
                if pattern.search(line):
                    found.append(f"{path.name}:{n}: {what}: {line.strip()}")
    assert not found, found
    assert len(Path(package.__file__).parent.joinpath("..", "pptx_deck.py").read_text().splitlines()) <= 3


def test_counted_part_names_skip_every_name_the_template_uses():
    from types import SimpleNamespace as NS

    from buurtscan.report.pptx import fast

    package = NS(iter_parts=lambda: [NS(partname="/ppt/theme/theme1.xml"), NS(partname="/ppt/theme/theme3.xml")])
    fast.install_partnames(package)
    names = [str(package.next_partname("/ppt/theme/theme%d.xml")) for _ in range(3)]
    assert names == ["/ppt/theme/theme2.xml", "/ppt/theme/theme4.xml", "/ppt/theme/theme5.xml"]
    assert str(package.next_partname("/ppt/charts/chart%d.xml")) == "/ppt/charts/chart1.xml"
