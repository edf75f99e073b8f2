"""Vergelijkbare buurten, part two: the similar buurten's own rows and the median of domain indicators.

A plain `fetch` of Moerwijk-Oost reads, after the national profile, the catalogue columns of the
Kerncijfers and RIVM tables for just the similar buurten of the buurten of Den Haag (by buurtcode,
in a few requests). The fake serves the real RIVM 2020 rows of those buurten (added to
50090NED by scripts/make_fixtures.py from the national xlsx). This test reads the fixture file
itself and recomputes the median on its own path (docs/comparison.md, "Vergelijkbare buurten").
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import statistics
from urllib.parse import unquote
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from buurtscan import similar
from buurtscan.actions.fetch import fetch
from buurtscan.cache import Cache
from buurtscan.cli import app
from buurtscan.odata import build_url
from buurtscan.provenance import Provenance, TableData
from buurtscan.scan import build_scan
from buurtscan.settings import Settings
from buurtscan.sources.statline import MAX_URL
from buurtscan.tidy import empty_tidy
from tests.fakecbs import DEFAULT_FIXTURES
from tests.test_similar import MOERWIJK_OOST, real_rows, recompute

RIVM_ROWS = DEFAULT_FIXTURES / "odata" / "dataderden" / "50090NED" / "TypedDataSet.json.gz"
STEM = "ErvarenGezondheidGoedZeerGoed_4"  # "ervaren gezondheid goed/zeer goed" (%), RIVM 2020, 18+
IND, TIDY = "ervaren_gezondheid", "ErvarenGezondheidGoedZeerGoed"  # its catalogue id and cached indicator
SMALL_POPULATION = 200  # compare.py: figures of buurten with fewer inwoners are "klein", never compared
EQ = re.compile(r"WijkenEnBuurten eq '(BU[0-9A-Z]{8})'")
WHOLE = re.compile(r"startswith\(WijkenEnBuurten,'(BU\d{4})'\)")


def fixture_values(stem: str) -> dict[str, float | None]:
    rows = json.loads(gzip.decompress(RIVM_ROWS.read_bytes()))["value"]
    return {r["WijkenEnBuurten"].strip(): r[stem] for r in rows}


def similar_requests(requests, table: str) -> list:
    """The data requests of a table that ask for single buurten (no gemeente, wijk or Nederland)."""
    out = []
    for r in requests:
        flt = r.query.get("$filter", "")
        if r.path.endswith(f"{table}/TypedDataSet") and (EQ.search(flt) or WHOLE.search(flt)) \
                and not re.search(r"'(GM|WK|NL)", flt):
            out.append(r)
    return out


@pytest.fixture(scope="module")
def fetched(tmp_path_factory, shared_fake):
    root = tmp_path_factory.mktemp("similar-rows") / "cache"
    shared_fake.reset_log()
    report = fetch(Settings(cache_dir=root, backoff=0.0), [MOERWIJK_OOST], history=0,
                   sources=["cbs_kwb", "rivm"], transport=shared_fake.transport())
    return root, report, list(shared_fake.requests)


def expected_codes(root: Path) -> list[str]:
    profile = similar.build_profile(Cache(root).scan(source=similar.NAME).collect())
    den_haag = [str(c) for c, gm in zip(profile.codes, profile.gemeenten, strict=True) if gm == "GM0518"]
    found = similar.nearest(profile, den_haag)
    return sorted({n.code for m in found.values() for n in m.neighbours})


# ------------------------------------------------------------------ the fetch
@pytest.mark.parametrize("table", ["50090NED", "85984NED"])
def test_the_fetch_asks_for_exactly_the_similar_buurten_in_few_short_requests(fetched, table):
    root, report, requests = fetched
    wanted = expected_codes(root)
    assert wanted and not [c for c in wanted if c.startswith("BU0518")]  # never the own gemeente
    asked = similar_requests(requests, table)
    eq_codes = [c for r in asked for c in EQ.findall(r.query["$filter"])]
    whole = {p for r in asked for p in WHOLE.findall(r.query["$filter"])}
    assert len(eq_codes) == len(set(eq_codes))  # every buurt asked for once
    assert {c for c in wanted if c[:6] not in whole} == set(eq_codes)
    assert all(c[:6] not in whole for c in eq_codes)
    assert all(len(r.url) <= MAX_URL for r in asked)
    # as few requests as the URL length allows: the next request's first clause did not fit in the one before
    for a, b in zip(asked, asked[1:]):
        first = (EQ.search(b.query["$filter"]) or WHOLE.search(b.query["$filter"])).group(0)
        head, _, fixed = a.query["$filter"].partition(") and ")
        merged = f"{head} or {first})" + (f" and {fixed}" if fixed else "")
        select = a.query["$select"]
        base = a.url.split("/ODataFeed/")[0]
        assert len(build_url(base, f"/ODataFeed/odata/{table}/TypedDataSet", filter=merged, select=select)) > MAX_URL
    assert len(asked) <= len(wanted) // 20 + 1  # not one request per buurt
    # only the columns this run has buurt figures for, and (RIVM) only the newest period
    selected = asked[0].query["$select"].split(",")
    assert selected[0] == "WijkenEnBuurten" and not set(selected) & set(similar.stems())
    if table == "50090NED":
        assert all("Perioden eq '2020JJ00'" in r.query["$filter"] for r in asked)


def test_the_rows_are_a_side_table_with_provenance_that_never_mixes(fetched):
    root, report, _ = fetched
    cache = Cache(root)
    entry = cache.manifest().tables["rivm_similar/50090NED"]
    assert entry.publisher == "RIVM / CBS" and "vergelijkbare buurten" in entry.title
    part = entry.part_for("GM0518")
    assert part and part.retrieved_at and "WijkenEnBuurten eq 'BU" in unquote(part.request_url)
    side = cache.scan(source="rivm_similar").collect()
    assert set(side["source"]) == {"rivm_similar"} and set(side["region_level"]) == {"buurt"}
    assert set(side["region_code"]) <= set(expected_codes(root))
    # a similar buurt the 2020 table does not have (a newer buurtcode) is stored as missing, never as 0
    absent = side.filter(~pl.col("region_code").is_in(list(fixture_values(STEM))))
    assert absent.height and absent["value"].null_count() == absent.height
    assert set(absent["status"]) == {"ontbreekt"}
    assert set(side["period"]) == {"2020"}
    own = cache.for_region(MOERWIJK_OOST)  # the gemeente's own rows: no similar rows among them
    assert not {"rivm_similar", "cbs_kwb_similar"} & set(own["source"])
    assert report.stored["rivm_similar/50090NED"] == side.height


def test_a_second_fetch_asks_nothing_again_and_another_gemeente_keeps_them(fetched, shared_fake, tmp_path):
    root, _, _ = fetched
    copy = tmp_path / "cache"
    shutil.copytree(root, copy)
    before = Cache(copy).scan(source="rivm_similar").collect()
    shared_fake.reset_log()
    fetch(Settings(cache_dir=copy, backoff=0.0), [MOERWIJK_OOST], history=0, sources=["cbs_kwb", "rivm"],
          transport=shared_fake.transport())
    assert similar_requests(shared_fake.requests, "50090NED") == []
    shared_fake.reset_log()
    fetch(Settings(cache_dir=copy, backoff=0.0), gemeenten=["GM1859"], history=0, sources=["cbs_kwb", "rivm"],
          transport=shared_fake.transport())
    after = Cache(copy).scan(source="rivm_similar").collect()
    # Den Haag's similar buurten are all still there, unchanged; Berkelland's came on top
    keys = ["region_code", "indicator", "period", "value"]
    kept = before.select(keys).fill_null(-1.0).join(after.select(keys).fill_null(-1.0), on=keys, how="anti")
    assert kept.is_empty()
    assert after.height > before.height
    assert Cache(copy).manifest().tables["rivm_similar/50090NED"].part_for("GM1859") is not None


# ------------------------------------------------------------------ the median
def _expected(stem: str, subject: str = MOERWIJK_OOST) -> list[float]:
    people = {r["code"]: r["AantalInwoners"] for r in real_rows()}
    values = fixture_values(stem)
    neighbours = [c for c, _ in recompute(real_rows(), subject)]
    return [v for c in neighbours if (v := values.get(c)) is not None and (people[c] or 0) >= SMALL_POPULATION]


def test_the_median_of_a_health_indicator_equals_a_recomputation_from_the_fixture(fetched):
    root, _, _ = fetched
    scan = build_scan(Cache(root), MOERWIJK_OOST)
    ind = next(i for s in scan.sections for i in s.indicators if i.id == IND)
    vals = _expected(STEM)
    assert len(vals) >= similar.min_figures(10)
    assert ind.similar is not None and ind.similar.n == len(vals)
    assert ind.similar.median == pytest.approx(statistics.median(vals))
    q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    assert (ind.similar.p25, ind.similar.p75) == (pytest.approx(q1), pytest.approx(q3))
    assert (ind.similar.low, ind.similar.high) == (min(vals), max(vals))
    # the separate signal: against the median only
    if ind.similar_signal is not None:
        assert ind.similar_signal.references == ("vergelijkbare buurten",)


def _without(root: Path, tmp_path: Path, codes: tuple[str, ...], *, null: bool = False) -> Cache:
    """A copy of the cache in which these similar buurten have no RIVM rows (or a null figure for STEM)."""
    copy = tmp_path / "cache"
    shutil.copytree(root, copy)
    cache = Cache(copy)
    entry = cache.manifest().tables["rivm_similar/50090NED"]
    prov = Provenance(entry.source, entry.table_id, entry.title, "2020", entry.modified, entry.publisher,
                      entry.licence, entry.base_url, entry.request_url, entry.retrieved_at)
    frame = empty_tidy()
    if null:
        old = cache.scan(source="rivm_similar").filter(pl.col("region_code").is_in(codes)).collect()
        frame = old.with_columns(
            pl.when(pl.col("indicator") == TIDY).then(None).otherwise(pl.col("value")).alias("value"),
            pl.when(pl.col("indicator") == TIDY).then(pl.lit("ontbreekt")).otherwise(pl.col("status")).alias("status"))
    cache.commit([TableData(prov, frame, ("GM0518",), periods=("2020",), codes=codes)])
    return cache


def test_a_missing_figure_is_left_out_never_read_as_zero(fetched, tmp_path):
    root, _, _ = fetched
    scan = build_scan(Cache(root), MOERWIJK_OOST)
    values = fixture_values(STEM)
    first = next(b.code for b in scan.similar.buurten if values.get(b.code) is not None)
    holed = build_scan(_without(root, tmp_path, (first,), null=True), MOERWIJK_OOST)
    ind = next(i for s in holed.sections for i in s.indicators if i.id == IND)
    rest = [v for v in _expected(STEM) if v != values[first]] if _expected(STEM).count(values[first]) == 1 else None
    assert ind.similar.n == len(_expected(STEM)) - 1
    if rest is not None:
        assert ind.similar.median == pytest.approx(statistics.median(rest))
    assert ind.similar.low > 0  # a 0 would be the lowest figure of a share of adults in good health
    # the other RIVM indicators of that buurt are still there
    other = next(i for s in holed.sections for i in s.indicators if i.source == "rivm" and i.id != IND)
    before = next(i for s in scan.sections for i in s.indicators if i.id == other.id)
    assert other.similar is not None and before.similar is not None and other.similar.n == before.similar.n


def test_below_the_minimum_count_there_is_no_reference(fetched, tmp_path):
    root, _, _ = fetched
    scan = build_scan(Cache(root), MOERWIJK_OOST)
    values = fixture_values(STEM)
    have = [b.code for b in scan.similar.buurten if values.get(b.code) is not None]
    need = similar.min_figures(10)
    assert need == 5
    # leave exactly need - 1 figures: no reference; exactly need: a reference
    cache = _without(root, tmp_path / "a", tuple(have[need - 1:]))
    ind = next(i for s in build_scan(cache, MOERWIJK_OOST).sections for i in s.indicators if i.id == IND)
    assert ind.similar is None and ind.similar_signal is None
    cache = _without(root, tmp_path / "b", tuple(have[need:]))
    ind = next(i for s in build_scan(cache, MOERWIJK_OOST).sections for i in s.indicators if i.id == IND)
    assert ind.similar is not None and ind.similar.n == need
    # the profile's own indicators keep their reference (their rows are in the national profile)
    inwoners = next(i for s in build_scan(cache, MOERWIJK_OOST).sections for i in s.indicators
                    if i.stem == "AantalInwoners")
    assert inwoners.similar is not None and inwoners.similar.n == 10


def test_the_reference_rule_on_plain_values():
    k = 10
    assert similar.reference([1.0, 2.0, 3.0, 4.0, None, None, None, None, None, None], k) is None
    ref = similar.reference([1.0, 2.0, 3.0, 4.0, 10.0, None, float("nan")], k)
    assert ref is not None and ref.n == 5 and ref.median == 3.0 and ref.low == 1.0
    with_zero = similar.reference([0.0, 2.0, 3.0, 4.0, 10.0], k)  # a real 0 counts; a None never becomes one
    assert with_zero is not None and with_zero.low == 0.0
    assert similar.min_figures(4) == 3 and similar.min_figures(20) == 10


# ------------------------------------------------------------------ the bundled example
def test_the_example_shows_a_similar_value_for_rivm_health_indicators():
    result = CliRunner().invoke(app, ["show", MOERWIJK_OOST, "--example", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ind = next(i for s in data["sections"] for i in s["indicators"] if i["id"] == IND)
    vals = _expected(STEM)
    assert ind["similar"]["n"] == len(vals) and ind["similar"]["median"] == pytest.approx(statistics.median(vals))
    side = next(s for s in data["sources"] if s["source"] == "rivm_similar")  # sourced like every figure
    assert side["table_id"] == "50090NED" and any("RIVM_gezondheid2020_18+.xlsx" in f for f in side["files"])
    text = CliRunner().invoke(app, ["show", MOERWIJK_OOST, "--example"]).output
    q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    shown = "{:.1f} ({:.1f}–{:.1f})".format(statistics.median(vals), q1, q3).replace(".", ",")
    assert shown in text  # the column of `show`: median (middle half)


def test_fixture_rows_are_only_those_of_the_six_gemeenten_and_the_similar_buurten():
    values = fixture_values(STEM)
    six = {"GM0518", "GM0114", "GM0489", "GM0160", "GM1859", "GM0392"}
    rows = real_rows()
    by_gm = {r["code"]: r["gemeente"] for r in rows}
    outside = {c for c in values if c.startswith("BU") and "GM" + c[2:6] not in six}
    assert outside  # the similar buurten elsewhere
    assert len(values) < 2000  # not the national file (17,341 rows)
    from tests.test_similar import _frame

    profile = similar.build_profile(_frame(rows))
    subjects = [c for c in by_gm if by_gm[c] in ("GM0518", "GM1859")]
    neighbours = {n.code for m in similar.nearest(profile, subjects).values() for n in m.neighbours}
    assert outside <= neighbours  # every added row is a similar buurt of Den Haag or Berkelland
    assert len(outside) > 0.75 * len(neighbours - {c for c in neighbours if by_gm[c] in six})
