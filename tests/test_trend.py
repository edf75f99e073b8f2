"""Trends (issue 16): the rule on small made-up series, and the real series of the fixtures and
the bundled example (Moerwijk-Oost inwoners 2019/2021/2024, the Leefbaarometer 2002–2024 from the
real rows, misdrijven per year), plus a property test for the boundary rule."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtscan import compare, series, trend
from buurtscan.cache import Cache
from buurtscan.example import example_cache
from buurtscan.actions.fetch import fetch
from buurtscan.report.build import build_report
from buurtscan.report.trends import series_line
from buurtscan.scan import build_scan
from buurtscan.settings import Settings
from tests.test_compare import BU, GM, NL, WK, ind, kwb
from tests.sources.test_leefbaarometer import num, row

CODES = {"buurt": BU, "wijk": WK, "gemeente": GM, "nederland": NL}


# ----------------------------------------------------------------------------- the rule (made-up numbers)
def test_a_steady_change_counts_a_zigzag_does_not_and_rounding_is_equal():
    up = trend.judge_points([("2019", 10.0), ("2020", 11.0), ("2021", 12.1), ("2022", 12.9)], 0.1)
    assert up.counts and up.verdict == "stijgt" and up.change == pytest.approx(2.9)
    zig = trend.judge_points([("2019", 10.0), ("2020", 14.0), ("2021", 9.0), ("2022", 11.0)], 0.1)
    assert not zig.counts and zig.verdict == "schommelt"  # +1 over the series, but noise of about 2
    flat = trend.judge_points([("2019", 10.0), ("2020", 10.02), ("2021", 10.04)], 0.1)
    assert not flat.counts and flat.verdict == "gelijk"  # within the rounding of one shown decimal
    assert trend.judge_points([("2019", 1.0), ("2024", 9.0)], 0.1) is None  # two periods: no trend
    assert trend.rounding("aantal", 0) == 5.0 and trend.rounding("%", 1) == pytest.approx(0.1)


def _kwb_series(values: dict[str, float], codes: dict[str, float], gm: dict[str, float] | None = None):
    frames = []
    for year, v in values.items():
        extra = {(BU, "Koop"): v, (GM, "Koop"): (gm or {}).get(year, 50.0), (BU, "Indelingswijziging"): codes[year]}
        frames.append(kwb(year, f"T{year}", extra=extra))
    data = pl.concat(frames)
    i = ind(stem="Koop", direction="higher_better")
    r = compare.Rows(data, i)
    d = compare.derive(r, i, BU)
    s = series.build(r, i, d, CODES, BU)
    return s, trend.judge(s, unit=i.unit, decimals=i.decimals, direction=i.direction)


def test_gap_to_the_gemeente_shrinks_and_is_named_by_direction():
    years = ("2018", "2019", "2020", "2021", "2022", "2024")
    _, j = _kwb_series(dict(zip(years, (30, 33, 36, 38, 41, 45), strict=True)), dict.fromkeys(years, 1),
                       gm=dict.fromkeys(years, 50.0))
    assert j.counts and j.own.verdict == "stijgt" and j.own.change == pytest.approx(15.0)  # percentage points
    assert j.gap_word == "achterstand" and j.gap_verdict == "kleiner"  # higher is better, buurt below
    assert j.start == "" and j.reason == ""


def test_a_redrawing_ends_the_series_visibly():
    years = ("2017", "2019", "2021", "2022", "2024")
    codes = {"2017": 1, "2019": 1, "2021": 3, "2022": 1, "2024": 1}
    s, j = _kwb_series(dict(zip(years, (10, 40, 20, 22, 25), strict=True)), codes)
    assert s.periods == ("2021", "2022", "2024") and s.break_period == "2019"
    assert j.start == "2021: buurt opnieuw ingedeeld"
    assert j.own.first_period == "2021" and j.own.change == pytest.approx(5.0)  # never 2017/2019 → 2024


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(0, 100, allow_nan=False), min_size=6, max_size=6),
       codes=st.lists(st.sampled_from([1, 1, 1, 2, 3]), min_size=6, max_size=6))
def test_no_trend_across_a_boundary_break(values, codes):
    years = ("2017", "2018", "2019", "2021", "2022", "2024")
    s, j = _kwb_series(dict(zip(years, values, strict=True)), dict(zip(years, codes, strict=True)))
    # a redrawing noted in the oldest table concerns a year not cached: nothing is left out for it
    redrawn = [y for y, c in zip(years, codes, strict=True) if c != 1 and y > years[0]]
    last_break = max(redrawn) if redrawn else None
    if last_break:
        assert all(p >= last_break for p in s.periods)
        assert j.start == f"{s.periods[0]}: buurt opnieuw ingedeeld"
    if j.own is not None:
        assert last_break is None or j.own.first_period >= last_break
        assert len([p for p in s.periods if p >= j.own.first_period]) >= trend.MIN_PERIODS
    else:
        assert len(s.periods) < trend.MIN_PERIODS or j.reason


# ----------------------------------------------------------------------------- real series
@pytest.fixture(scope="module")
def example():
    cache = example_cache()
    return {code: build_scan(cache, code) for code in ("BU05183620", "BU18590006")}


def _ind(scan, ind_id):
    return next(i for s in scan.sections for i in s.indicators if i.id == ind_id)


def test_moerwijk_oost_inwoners_real_series(example):
    i = _ind(example["BU05183620"], "inwoners")
    assert i.series.periods == ("2019", "2021", "2024") and i.series.values["buurt"] == (3245, 2855, 3360)
    o = i.judgement.own
    assert (o.first, o.last, o.change) == (3245, 3360, 115)
    # the 2021 dip (2.855) is far larger than the change over the series: it does not count
    assert not o.counts and o.verdict == "schommelt" and o.noise > o.change
    assert i.judgement.gap is None  # a size is not compared with the gemeente
    assert series_line(i, "buurt") == "2019 → 2021 → 2024: 3.245 → 2.855 → 3.360"
    as_json = i.as_dict()["trend_judgement"]
    assert as_json["change"]["change"] == 115 and as_json["counts"] is False and as_json["periods"][0] == "2019"


def test_misdrijven_per_year_buurt_and_nederland(example):
    i = _ind(example["BU05183620"], "misdrijven")
    assert i.series.periods[0] == "2012" and i.series.periods[-1] == "2023"
    assert i.judgement.own is None and i.judgement.reason == "te weinig vergelijkbare jaren"  # buurt: 2023 only
    village = _ind(example["BU18590006"], "misdrijven")  # the national series 2012-2023 (47025NED)
    assert village.series.periods == i.series.periods
    nl = trend.judge(village.series, unit=i.unit, decimals=i.decimals, direction=i.direction, level="nederland")
    vals = [v for v in village.series.values["nederland"] if v is not None]
    assert len(vals) == 12
    assert nl.own.first == vals[0] and nl.own.last == vals[-1] and nl.own.change == pytest.approx(vals[-1] - vals[0])
    assert nl.own.verdict == "daalt" and nl.counts  # fewer crimes per 1.000 inwoners since 2012


def test_village_gets_no_judgement_built_on_small_numbers(example):
    scan = example["BU18590006"]
    crime = _ind(scan, "misdrijven")
    assert crime.statuses["buurt"] == "klein" and crime.judgement.reason == "klein aantal"
    assert crime.judgement.own is None and not crime.judgement.counts
    report = build_report(scan)
    small = {i.label for s in scan.sections for i in s.indicators if "klein" in (i.series.statuses["buurt"]
                                                                              if i.series else ())}
    assert not any(label in text for text in report.changes for label in small)
    figs = [f for d in report.domains for f in d.figures if f.id == "misdrijven"]
    assert all("gestegen" not in f.detail and "gedaald" not in f.detail for f in figs)


def test_moerwijk_oost_report_shows_the_trends(example):
    report = build_report(example["BU05183620"])
    inw = next(f for f in report.general if f.id == "inwoners")
    assert inw.spark is not None and (inw.spark.first, inw.spark.last) == ("3.245", "3.360")
    assert inw.spark.reference == ()  # a size: no gemeente line on another scale
    assert inw.series == "2019 → 2021 → 2024: 3.245 → 2.855 → 3.360"
    assert len(report.changes) <= 3
    strengths = [s for s in report.changes]
    assert strengths and all(" in 20" in s for s in strengths)


@pytest.fixture(scope="module")
def lbm_scan(tmp_path_factory, shared_fake):
    cfg = Settings(cache_dir=tmp_path_factory.mktemp("trend-lbm"), backoff=0.0)
    fetch(cfg, ["BU05183620"], transport=shared_fake.transport(), sources=["cbs_kwb", "leefbaarometer"])
    return build_scan(Cache(cfg.cache_dir), "BU05183620")


def test_leefbaarometer_2002_2024_from_the_real_rows(lbm_scan):
    total = _ind(lbm_scan, "leefbaarheid")
    years = ("2002", "2008", "2012", "2014", "2016", "2018", "2020", "2022", "2024")
    assert total.series.periods == years
    assert total.series.values["buurt"] == tuple(num(row("BU05183620", y)["lbm"]) for y in years)
    first, last = num(row("BU05183620", "2002")["lbm"]), num(row("BU05183620", "2024")["lbm"])
    o = total.judgement.own
    assert (o.first, o.last) == (first, last) and o.change == pytest.approx(last - first)
    assert o.threshold == pytest.approx(10 ** -total.decimals)
    assert o.counts == (abs(last - first) > o.threshold and abs(o.fitted) > trend.NOISE_FACTOR * o.noise)
    vrz = _ind(lbm_scan, "lbm_voorzieningen")
    pts = [(y, num(row("BU05183620", y)["vrz"])) for y in years if num(row("BU05183620", y)["vrz"]) is not None]
    expect = trend.judge_points(pts, 10 ** -vrz.decimals)
    assert vrz.judgement.own == expect and expect.verdict == "stijgt"  # voorzieningen rose 2014 → 2024


# ----------------------------------------------------------------------------- in every format
def test_trends_in_every_format(tmp_path):
    import io
    import zipfile

    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE
    from typer.testing import CliRunner

    from buurtscan.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["-q", "render", "BU05183620", "--example", "--format", "html,md,docx,pptx",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    html = next(out.glob("*.html")).read_text(encoding="utf-8").replace("\u00ad", "")
    assert html.count('class="spark"') >= 2  # "Wat verandert" is the first thing a full note gives up
    assert 'aria-label="2019 → 2021 → 2024: 3.245 → 2.855 → 3.360"' in html  # the inwoners sparkline
    assert '<span class="spark-v">3.245</span><svg' in html and '</svg><span class="spark-v">3.360</span>' in html
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert "| Inwoners | 2019 → 2021 → 2024: 3.245 → 2.855 → 3.360 | 2019–2024 schommelt |" in md
    docx = zipfile.ZipFile(io.BytesIO(next(out.glob("*.docx")).read_bytes()))
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in docx.namelist())  # the sparklines
    assert "3.245 → 2.855 → 3.360" in docx.read("word/document.xml").decode()
    prs = Presentation(str(next(out.glob("*.pptx"))))
    lines = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart
             and sh.chart.chart_type in (XL_CHART_TYPE.LINE, XL_CHART_TYPE.LINE_MARKERS)]
    assert lines, "no trend line chart in the deck"
    lbm = next(c for c in lines if "leefbaarheid" in c.chart_title.text_frame.text)
    cats = list(lbm.plots[0].categories)
    assert cats[0] == "2002" and cats[-1] == "2024" and len(cats) == 9
    own = lbm.plots[0].series[0]
    assert own.name == "Buurt" and own.values[-1] == pytest.approx(3.8703200808061)
    assert {s.name for s in lbm.plots[0].series} >= {"Buurt", "Nederland"}


def test_pdf_note_with_trends_stays_within_two_pages(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from typer.testing import CliRunner

    from buurtscan.cli import app

    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["-q", "render", "BU05183620", "BU18590006", "--example", "--format", "pdf",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    for pdf in out.glob("*.pdf"):
        reader = pypdf.PdfReader(str(pdf))
        assert len(reader.pages) <= 2, pdf.name
    moe = pypdf.PdfReader(str(next(out.glob("BU05183620*.pdf"))))
    text = " ".join(p.extract_text() for p in moe.pages)
    assert "3.245" in text and "3.360" in text  # the inwoners sparkline's first and last values


def test_show_trend_view():
    from typer.testing import CliRunner

    from buurtscan.cli import app

    result = CliRunner().invoke(app, ["show", "BU05183620", "--example", "--trend"])
    assert result.exit_code == 0, result.stderr
    assert "Inwoners" in result.stdout and "2.855" in result.stdout and "schommelt" in result.stdout
    assert "telt mee: nee" in result.stdout and "telt mee: ja" in result.stdout
    village = CliRunner().invoke(app, ["show", "BU18590006", "--example", "--trend"])
    assert village.exit_code == 0 and "Geen oordeel: klein aantal." in village.stdout
