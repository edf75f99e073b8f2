"""Vergelijkbare buurten: the national profile, the distance rule and the reference, on real rows.

The real national rows are read twice on separate paths: buurtscan fetches them from the fake
CBS service (tests/fixtures/odata, the OData fixtures), while this test reads
tests/fixtures/similar/kwb2024-buurten-profiel.csv.gz (written by
``scripts/make_fixtures.py``/``build_similar_profile`` straight from the StatLine export) and
recomputes the documented rule (docs/comparison.md, "Vergelijkbare buurten") in plain Python.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import statistics
from pathlib import Path
from urllib.parse import unquote

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from buurtscan import similar
from buurtscan.cache import Cache
from buurtscan.cli import app
from buurtscan.actions.fetch import fetch
from buurtscan.scan import build_scan
from buurtscan.settings import Settings
from tests.paths import FIXTURES

FIXTURE = FIXTURES / "similar" / "kwb2024-buurten-profiel.csv.gz"
PROFILE_FILTER = "startswith(WijkenEnBuurten,'BU')"
AGES = ["k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder"]
MOERWIJK_OOST = "BU05183620"
HAARLO = "BU18590005"  # a village of Berkelland
VERSPREID = "BU18590008"  # Verspreide huizen Borculo: the rural buurt of the issue


# ------------------------------------------------------------------ the independent recomputation
def real_rows() -> list[dict]:
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        return [{k: (v if k in ("code", "gemeente") else (int(v) if v else None)) for k, v in r.items()}
                for r in csv.DictReader(fh, delimiter=";")]


def recompute(rows: list[dict], subject: str, k: int = 10) -> list[tuple[str, float]]:
    """The rule of docs/comparison.md in plain Python, for the dimensions these rows have
    (inwoners and leeftijdsopbouw; the others are all missing in the fixture, so they do not count)."""
    people = [r for r in rows if r["AantalInwoners"]]  # buurten without inwoners have no profile
    dims: dict[str, dict[str, float]] = {"log": {r["code"]: math.log10(r["AantalInwoners"]) for r in people}}
    for a in AGES:
        dims[a] = {r["code"]: r[a] / r["AantalInwoners"] * 100 for r in people
                   if r[a] is not None and r["AantalInwoners"] >= 100}
    weights = {"log": 1.0, **{a: 1.0 / len(AGES) for a in AGES}}  # one weight per theme, split evenly
    z = {}
    for d, vals in dims.items():
        mu, sd = statistics.fmean(vals.values()), statistics.pstdev(vals.values())
        z[d] = {c: (v - mu) / sd for c, v in vals.items()}
    used = [d for d in dims if subject in z[d]]
    assert sum(weights[d] for d in used) > 0.5 * sum(weights.values())
    gm = next(r["gemeente"] for r in rows if r["code"] == subject)
    out = []
    for r in people:
        c = r["code"]
        if r["gemeente"] == gm or any(c not in z[d] for d in used):
            continue
        d2 = sum(weights[d] * (z[d][c] - z[d][subject]) ** 2 for d in used) / sum(weights[d] for d in used)
        out.append((c, math.sqrt(d2)))
    out.sort(key=lambda t: (round(t[1], similar.DECIMALS), t[0]))
    return out[:k]


# ------------------------------------------------------------------ buurtscan's own path
@pytest.fixture(scope="module")
def profile_cache(tmp_path_factory, shared_fake) -> Path:
    """A cache with Den Haag and Berkelland fetched plainly (which brings the national profile along)."""
    root = tmp_path_factory.mktemp("similar") / "cache"
    settings = Settings(cache_dir=root, backoff=0.0)
    shared_fake.reset_log()
    fetch(settings, [MOERWIJK_OOST], gemeenten=["GM1859"], transport=shared_fake.transport(), sources=["cbs_kwb"])
    return root


@pytest.fixture(scope="module")
def profile(profile_cache) -> similar.Profile:
    frame = Cache(profile_cache).scan(source=similar.NAME).collect()
    built = similar.build_profile(frame)
    assert built is not None
    return built


def test_the_fixture_holds_every_buurt_of_nederland():
    rows = real_rows()
    assert len(rows) == 14574 and len({r["code"] for r in rows}) == 14574
    moerwijk = next(r for r in rows if r["code"] == MOERWIJK_OOST)
    assert moerwijk["AantalInwoners"] == 3360


@pytest.mark.parametrize("code", [MOERWIJK_OOST, HAARLO, VERSPREID])
def test_nearest_buurten_match_an_independent_recomputation(profile, code):
    expected = recompute(real_rows(), code)
    got = similar.nearest(profile, [code])[code]
    assert got.reason is None
    assert [n.code for n in got.neighbours] == [c for c, _ in expected]  # the same set, in the same order
    for n, (_, dist) in zip(got.neighbours, expected, strict=True):
        assert n.distance == pytest.approx(dist, rel=1e-9)
        assert n.gemeente_code != "GM" + code[2:6]  # never the buurt's own gemeente


def test_only_dimensions_the_table_has_count(profile):
    # the fixture's 2024 rows have inwoners and leeftijdsgroepen; every other profile topic is empty
    assert profile.themes == ("inwoners", "leeftijdsopbouw")
    assert [d.id for d in profile.dimensions] == ["inwoners_log10", "leeftijd_0_15", "leeftijd_15_25",
                                                  "leeftijd_25_45", "leeftijd_45_65", "leeftijd_65_plus"]
    assert list(profile.weights) == pytest.approx([1.0, 0.2, 0.2, 0.2, 0.2, 0.2])
    assert len(profile.codes) == 14574 and list(profile.codes) == sorted(profile.codes)


def _frame(rows: list[dict]) -> pl.DataFrame:
    """Tidy profile rows (as the cache stores them) from plain dicts."""
    out = []
    for r in rows:
        for stem in ("AantalInwoners", *AGES):
            out.append({"region_code": r["code"], "region_level": "buurt", "gemeente_code": r["gemeente"],
                        "period": "2024", "source": similar.NAME, "table_id": "85984NED", "indicator": stem,
                        "value": None if r[stem] is None else float(r[stem]),
                        "status": "ok" if r[stem] is not None else "ontbreekt", "unit": "aantal"})
    return pl.DataFrame(out, schema={"region_code": pl.Utf8, "region_level": pl.Utf8, "gemeente_code": pl.Utf8,
                                     "period": pl.Utf8, "source": pl.Utf8, "table_id": pl.Utf8,
                                     "indicator": pl.Utf8, "value": pl.Float64, "status": pl.Utf8,
                                     "unit": pl.Utf8})


def test_a_missing_figure_is_missing_never_zero():
    rows = real_rows()
    before = similar.nearest(similar.build_profile(_frame(rows)), [MOERWIJK_OOST])[MOERWIJK_OOST]
    first = before.neighbours[0].code
    holed = [dict(r, k_65JaarOfOuder=None) if r["code"] == first else r for r in rows]
    zeroed = [dict(r, k_65JaarOfOuder=0) if r["code"] == first else r for r in rows]
    after = similar.nearest(similar.build_profile(_frame(holed)), [MOERWIJK_OOST, first])
    # a candidate without a figure the buurt uses drops out: the others move up, the 11th comes in
    assert first not in [n.code for n in after[MOERWIJK_OOST].neighbours]
    assert [n.code for n in after[MOERWIJK_OOST].neighbours] == [c for c, _ in recompute(holed, MOERWIJK_OOST)]
    # that buurt itself is compared on what it has (four age groups and inwoners)
    assert [n.code for n in after[first].neighbours] == [c for c, _ in recompute(holed, first)]
    # had it been read as 0 it would still be a candidate (far away), so the rule is not "missing = 0"
    as_zero = similar.nearest(similar.build_profile(_frame(zeroed)), [first])[first]
    assert [n.code for n in as_zero.neighbours] != [n.code for n in after[first].neighbours]


def test_small_and_empty_buurten_get_a_reason_not_a_guess(profile):
    rows = real_rows()
    small = next(r["code"] for r in rows if r["AantalInwoners"] and r["AantalInwoners"] < 100)
    empty = next(r["code"] for r in rows if r["AantalInwoners"] == 0)
    got = similar.nearest(profile, [small, empty, "BU99999999"])
    assert got[small].neighbours == () and got[small].reason == "te weinig gegevens over de buurt zelf"
    assert got[empty].neighbours == () and got[empty].reason == "de buurt heeft geen inwoners"
    assert got["BU99999999"].neighbours == () and "niet in het landelijke profiel" in got["BU99999999"].reason
    # and they are never anybody's similar buurt
    everyone = similar.nearest(profile, [MOERWIJK_OOST, HAARLO], k=200)
    assert not {small, empty} & {n.code for m in everyone.values() for n in m.neighbours}


def test_ties_are_broken_by_code_and_order_of_input_does_not_matter():
    base = {"AantalInwoners": 1000, "k_0Tot15Jaar": 150, "k_15Tot25Jaar": 100, "k_25Tot45Jaar": 300,
            "k_45Tot65Jaar": 250, "k_65JaarOfOuder": 200}
    twins = [{"code": c, "gemeente": "GM" + c[2:6], **base} for c in
             ("BU00030001", "BU00020001", "BU00040001", "BU00010001")]
    other = [{"code": f"BU0009{i:04d}", "gemeente": "GM0009", **base, "AantalInwoners": 1000 + 50 * i,
              "k_65JaarOfOuder": 200 + 5 * i} for i in range(1, 8)]
    subject = {"code": "BU00050001", "gemeente": "GM0005", **base}
    rows = [subject, *twins, *other]
    a = similar.nearest(similar.build_profile(_frame(rows)), ["BU00050001"], k=6)["BU00050001"]
    b = similar.nearest(similar.build_profile(_frame(list(reversed(rows)))), ["BU00050001"], k=6)["BU00050001"]
    assert [n.code for n in a.neighbours][:4] == ["BU00010001", "BU00020001", "BU00030001", "BU00040001"]
    assert all(n.distance == 0 for n in a.neighbours[:4])
    assert a == b


def test_a_gemeente_at_once_equals_one_by_one(profile):
    berkelland = [str(c) for c in profile.codes if c.startswith("BU1859")]
    together = similar.nearest(profile, berkelland)
    for code in berkelland[::7]:
        assert together[code] == similar.nearest(profile, [code])[code]


# ------------------------------------------------------------------ fetching
def test_the_profile_is_fetched_in_a_few_requests_selecting_its_columns(profile_cache, shared_fake):
    fresh = profile_cache.parent / "again"
    shared_fake.reset_log()
    report = fetch(Settings(cache_dir=fresh, backoff=0.0), similar=True, transport=shared_fake.transport())
    data = [r for r in shared_fake.requests if r.path.endswith("85984NED/TypedDataSet")]
    assert len(data) == 2  # 14,574 buurten in 10,000-row pages
    assert all(r.query["$filter"] == PROFILE_FILTER for r in data)
    selected = data[0].query["$select"].split(",")
    assert selected[0] == "WijkenEnBuurten" and len(selected) == 1 + len(similar.stems())
    assert "Nederland_17" not in selected  # herkomst is not part of the profile
    assert report.stored == {f"{similar.NAME}/85984NED": 14574 * len(similar.stems())}
    entry = Cache(fresh).manifest().tables[f"{similar.NAME}/85984NED"]
    assert entry.publisher == "CBS" and entry.licence == "CC BY 4.0" and entry.period == "2024"
    part = entry.parts["*"]
    assert part.retrieved_at and PROFILE_FILTER in unquote(part.request_url)
    assert Cache(fresh).region_entry("85984NED").complete  # names of the similar buurten and gemeenten


def test_a_plain_fetch_brings_it_once_and_never_mixes_it_into_the_rows(profile_cache, shared_fake):
    settings = Settings(cache_dir=profile_cache, backoff=0.0)
    shared_fake.reset_log()
    fetch(settings, gemeenten=["GM0392"], transport=shared_fake.transport(), sources=["cbs_kwb"])
    assert not [r for r in shared_fake.requests if r.query.get("$filter") == PROFILE_FILTER]  # already cached
    rows = Cache(profile_cache).for_region(MOERWIJK_OOST)
    assert similar.NAME not in set(rows["source"])


def test_a_failing_profile_is_a_note_not_a_failure(settings, fake):
    inner = fake.transport()

    def handler(request: httpx.Request) -> httpx.Response:  # CBS fails only the profile query
        if "startswith(WijkenEnBuurten,'BU')" in unquote(str(request.url)):
            return httpx.Response(503, text="Service Unavailable")
        return inner.handle_request(request)

    report = fetch(settings, [MOERWIJK_OOST], transport=httpx.MockTransport(handler), sources=["cbs_kwb"])
    assert "cbs_kwb/85984NED" in report.stored and f"{similar.NAME}/85984NED" not in report.stored
    [note] = [s for s in report.skipped if s.source == similar.NAME]
    assert not note.failed and not report.partial and "vergelijkbare buurten" in note.reason


# ------------------------------------------------------------------ the scan
def test_show_json_names_the_similar_buurten_and_gives_their_median(profile_cache):
    scan = build_scan(Cache(profile_cache), MOERWIJK_OOST)
    data = json.loads(json.dumps(scan.as_dict()))
    sim = data["similar"]
    expected = recompute(real_rows(), MOERWIJK_OOST)
    assert [b["code"] for b in sim["buurten"]] == [c for c, _ in expected]
    assert sim["k"] == 10 and sim["table_id"] == "85984NED" and sim["themes"] == ["inwoners", "leeftijdsopbouw"]
    first = sim["buurten"][0]
    assert first["name"] == "Kleine Driftbuurt" and first["gemeente"] == {"code": "GM0402", "name": "Hilversum"}
    # the reference of "65 jaar of ouder": the median share in those ten buurten
    rows = {r["code"]: r for r in real_rows()}
    shares = [rows[c]["k_65JaarOfOuder"] / rows[c]["AantalInwoners"] * 100 for c, _ in expected]
    ind = next(i for s in data["sections"] for i in s["indicators"] if i["stem"] == "k_65JaarOfOuder")
    assert ind["similar"]["median"] == pytest.approx(statistics.median(shares))
    assert ind["similar"]["n"] == 10 and ind["similar"]["low"] == pytest.approx(min(shares))
    # the source block names the profile table
    assert any(s["source"] == similar.NAME for s in data["sources"])


def test_signals_against_similar_buurten_are_separate(profile_cache):
    scan = build_scan(Cache(profile_cache), HAARLO, similar_k=5)
    assert len(scan.similar.buurten) == 5
    for section in scan.sections:
        for i in section.indicators:
            if i.similar is None:
                assert i.similar_signal is None
                continue
            own = i.values["buurt"]
            if i.similar_signal is not None:  # the same "clearly" rule as for gemeente and Nederland
                sign = 1 if i.similar_signal.kind == "hoger" else -1
                assert (own - i.similar.median) * sign > 0
                assert i.similar_signal.references == ("vergelijkbare buurten",)
            assert i.signal is None or "vergelijkbare buurten" not in i.signal.references


def test_show_prints_the_column_and_the_names(profile_cache):
    result = CliRunner().invoke(app, ["--cache-dir", str(profile_cache), "show", MOERWIJK_OOST, "--similar-k", "4"])
    assert result.exit_code == 0, result.output
    assert "Vergelijkbare buurten" in result.output
    assert "Kleine Driftbuurt (Hilversum, BU04020603)" in result.output
    assert " 5. " not in result.output  # k = 4


def test_tidy_rows_read_back_as_the_fixture(profile):
    rows = {r["code"]: r for r in real_rows()}
    i = profile.position(MOERWIJK_OOST)
    raw = profile.z[i] * profile.std + profile.mean
    r = rows[MOERWIJK_OOST]
    assert raw[0] == pytest.approx(math.log10(r["AantalInwoners"]))
    assert raw[1] == pytest.approx(r["k_0Tot15Jaar"] / r["AantalInwoners"] * 100)


def test_fixture_file_is_plain_csv():
    text = gzip.decompress(FIXTURE.read_bytes()).decode("utf-8")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header == ["code", "gemeente", "AantalInwoners", *AGES]


def test_the_bundled_example_shows_the_column_and_names_them():
    result = CliRunner().invoke(app, ["show", MOERWIJK_OOST, "--example"])
    assert result.exit_code == 0, result.output
    assert "Vergelijkbare buurten" in result.output
    expected = recompute(real_rows(), MOERWIJK_OOST)
    assert f"({expected[0][0]})" not in result.output  # named as "Name (Gemeente, CODE)", not bare
    assert f"Kleine Driftbuurt (Hilversum, {expected[0][0]})" in result.output
    data = json.loads(CliRunner().invoke(app, ["show", MOERWIJK_OOST, "--example", "--json"]).output)
    assert [b["code"] for b in data["similar"]["buurten"]] == [c for c, _ in expected]


def test_after_fetch_all_the_profile_is_cut_from_the_rows_downloaded(profile_cache, shared_fake):
    """`fetch --all` already has every buurt: the profile is cut from those rows, with no request."""
    from buurtscan.http_client import Http
    from buurtscan.provenance import TableData
    from buurtscan.sources import REGISTRY
    from buurtscan.sources.base import FetchContext
    from buurtscan.sources.kwb.profile import from_whole_table

    settings = Settings(cache_dir=profile_cache, backoff=0.0)
    kwb = REGISTRY["cbs_kwb"]
    with Http(settings, shared_fake.transport()) as http:
        ctx = FetchContext(settings, http)
        meta = kwb.table_for(ctx, None)
        rows = Cache(profile_cache).scan(source="cbs_kwb").filter(pl.col("table_id") == "85984NED").collect()
        prov = Cache(profile_cache).manifest().tables["cbs_kwb/85984NED"]
        from buurtscan.provenance import Provenance

        whole = TableData(Provenance(prov.source, prov.table_id, prov.title, "2024", prov.modified, prov.publisher,
                                     prov.licence, prov.base_url, prov.request_url, prov.retrieved_at), rows, None)
        before = http.traffic.requests
        cut = from_whole_table(ctx, kwb, meta, whole)
        assert http.traffic.requests == before
    assert cut.provenance.source == similar.NAME and cut.gemeenten is None
    assert set(cut.frame["source"]) == {similar.NAME} and set(cut.frame["region_level"]) == {"buurt"}
    assert set(cut.frame["indicator"]) <= set(similar.stems())
    mine = cut.frame.filter(pl.col("region_code") == MOERWIJK_OOST)
    assert mine.filter(pl.col("indicator") == "AantalInwoners")["value"].to_list() == [3360.0]
