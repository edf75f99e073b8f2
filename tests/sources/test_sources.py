"""The open sources next to KWB: politie, rivm, nabijheid and leefbaarometer, against the fake.

Figures asserted here are real (tests/fixtures/README.md says which file each came from),
except where a test says it builds a *constructed* variant of a fixture.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest

from buurtscan.cache import Cache
from buurtscan.errors import SourceError
from buurtscan.actions.fetch import fetch
from buurtscan.http_client import Http
from buurtscan.odata import periods_newest_first
from buurtscan.settings import Settings
from buurtscan.sources import REGISTRY
from buurtscan.sources.base import FetchContext, FetchRequest
from buurtscan.sources.leefbaarometer import read_scores
from buurtscan.sources.nabijheid import NabijheidSource
from buurtscan.sources.politie import PolitieSource, kind_slug
from buurtscan.actions.status import cache_status
from tests.fakecbs import DEFAULT_FIXTURES, LBM_FILE, FakeCBS

LBM_CSV = "Leefbaarometer-scores buurten 2002-2024.csv"
LBM_URL_PATH = f"/resources/{LBM_FILE}"
TOTAL = "GeregistreerdeMisdrijven.totaal_misdrijven"
SCORES = ("lbm", "fys", "onv", "soc", "vrz", "won")


# ----------------------------------------------------------------------------- helpers
def one(frame: pl.DataFrame, code: str, indicator: str, period: str | None = None) -> dict:
    cond = (pl.col("region_code") == code) & (pl.col("indicator") == indicator)
    if period is not None:
        cond &= pl.col("period") == period
    rows = frame.filter(cond)
    assert rows.height == 1, (code, indicator, period, rows)
    return rows.row(0, named=True)


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def fixture_csv_rows() -> list[dict[str, str]]:
    """The buurt scores exactly as in the fixture zip (real Leefbaarometer rows)."""
    with zipfile.ZipFile(DEFAULT_FIXTURES / "leefbaarometer" / LBM_FILE) as z:
        text = z.read(LBM_CSV).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def zip_requests(fake):
    return [r for r in fake.requests if r.catalog == "leefbaarometer"]


def data_requests(fake, table):
    return [r for r in fake.requests if r.path.endswith(f"{table}/TypedDataSet")]


def variant(tmp_path: Path, edits: dict[str, object]) -> Path:
    """A copy of tests/fixtures (symlinks) where the files named in ``edits`` are replaced:
    a callable gets the parsed JSON and returns the new JSON; bytes are written as they are."""
    root = tmp_path / "fixtures"
    for src in sorted(DEFAULT_FIXTURES.rglob("*")):
        if src.is_dir():
            continue
        rel = src.relative_to(DEFAULT_FIXTURES).as_posix()
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel in edits:
            edit = edits[rel]
            if isinstance(edit, bytes):
                dest.write_bytes(edit)
            else:
                doc = json.loads(src.read_text(encoding="utf-8"))
                dest.write_text(json.dumps(edit(doc), ensure_ascii=False), encoding="utf-8")
        else:
            dest.symlink_to(src)
    return root


@pytest.fixture(scope="module")
def moerwijk(tmp_path_factory, shared_fake):
    """One default fetch of Moerwijk-Oost (all sources), shared by the read-only tests below."""
    shared_fake.reset_log()
    shared_fake.clear_faults()
    cache_dir = tmp_path_factory.mktemp("moerwijk") / "cache"
    settings = Settings(cache_dir=cache_dir, attempts=4, backoff=0.0, timeout=5.0)
    report = fetch(settings, ["BU05183620"], transport=shared_fake.transport())
    requests = list(shared_fake.requests)
    shared_fake.reset_log()
    return settings, report, requests


# ----------------------------------------------------------------------------- everything at once
def test_registry_order_and_names():
    assert list(REGISTRY) == ["cbs_kwb", "politie", "rivm", "nabijheid", "leefbaarometer"]
    assert all(REGISTRY[n].name == n for n in REGISTRY)


def test_moerwijk_oost_real_figures_come_through(moerwijk):
    settings, report, _ = moerwijk
    rows = Cache(settings.cache_dir).for_region("BU05183620")
    # KWB 2024
    assert one(rows, "BU05183620", "AantalInwoners", "2024")["value"] == 3360
    # Politie 2023: 333 registered crimes (real figure, 47018NED)
    crime = one(rows, "BU05183620", TOTAL)
    assert (crime["value"], crime["period"], crime["table_id"]) == (333, "2023", "47018NED")
    assert crime["unit"] == "aantal"
    assert crime["source"] == "politie" and crime["status"] == "ok"
    # RIVM 2020: ervaren gezondheid goed/zeer goed 64.9 %; Nederland (NL01 upstream) 78.4 % stored as NL00
    health = one(rows, "BU05183620", "ErvarenGezondheidGoedZeerGoed")
    assert (health["value"], health["period"], health["table_id"]) == (64.9, "2020", "50090NED")
    assert one(rows, "NL00", "ErvarenGezondheidGoedZeerGoed", "2020")["value"] == 78.4
    assert not rows.filter(pl.col("region_code") == "NL01").height
    # Leefbaarometer: every year of the excerpt, exactly as in the CSV
    lbm = rows.filter((pl.col("source") == "leefbaarometer") & (pl.col("region_code") == "BU05183620"))
    csv_rows = [r for r in fixture_csv_rows() if r["bu_code"] == "BU05183620"]
    assert sorted(set(lbm["period"])) == sorted(r["jaar"] for r in csv_rows) == [
        "2002", "2008", "2012", "2014", "2016", "2018", "2020", "2022", "2024"]
    for r in csv_rows:
        for ind in SCORES:
            got = one(lbm, "BU05183620", ind, r["jaar"])
            if r[ind] == "NA":
                assert got["value"] is None and got["status"] == "ontbreekt"
            else:
                assert got["value"] == float(r[ind]) and got["status"] == "ok"
    y2024 = {ind: one(lbm, "BU05183620", ind, "2024")["value"] for ind in SCORES}
    assert y2024["lbm"] == 3.8703200808061 and y2024["won"] == -0.0905461038417605
    dims = ("fys", "onv", "soc", "vrz", "won")
    assert all(one(lbm, "BU05183620", d, "2002")["value"] is None for d in dims)
    assert set(lbm["unit"]) == {"score"} and set(lbm["table_id"]) == {"leefbaarometer-3.0"}


def test_provenance_complete_for_every_source(moerwijk):
    settings, report, _ = moerwijk
    tables = dict(Cache(settings.cache_dir).manifest().tables)
    profile = tables.pop("cbs_kwb_profile/85984NED")  # the national profile (tests/test_similar.py)
    assert profile.parts.keys() == {"*"} and profile.publisher == "CBS"
    assert set(tables) == {"cbs_kwb/85984NED", "politie/47018NED", "rivm/50090NED", "nabijheid/85231NED",
                           "leefbaarometer/leefbaarometer-3.0", "cbs_kwb/84583NED", "cbs_kwb/85039NED"}  # older: series + what 2024 lacks
    fields = ("source", "table_id", "title", "period", "modified", "publisher", "licence", "base_url",
              "request_url", "retrieved_at")
    for key, entry in tables.items():
        assert all(getattr(entry, f) for f in fields), (key, entry)
        assert "GM0518" in entry.parts
    pol, rivm = tables["politie/47018NED"], tables["rivm/50090NED"]
    assert pol.title == "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers"
    assert (pol.period, pol.modified) == ("2023", "2024-08-15T02:00:00")
    assert pol.publisher == "Politie / CBS"
    assert pol.base_url == "https://dataderden.cbs.nl" and set(pol.parts) == {"GM0518", "NL00"}
    assert (rivm.period, rivm.publisher) == ("2020", "RIVM / CBS")
    assert "Leeftijd eq '20300'" in rivm.parts["GM0518"].request_url.replace("%20", " ")
    nab = tables["nabijheid/85231NED"]
    assert (nab.period, nab.base_url) == ("2021", "https://opendata.cbs.nl")
    lbm = tables["leefbaarometer/leefbaarometer-3.0"]
    assert lbm.publisher == "Ministerie van BZK (Leefbaarometer 3.0)"
    assert lbm.licence == "open data (licence not verified)"
    assert lbm.modified == "Wed, 01 Jan 2025 00:00:00 GMT"  # the zip's Last-Modified
    assert lbm.period == "2002-2024" and lbm.request_url.endswith(LBM_FILE)
    assert set(lbm.parts) == {"GM0518", "NL00"}  # Nederland: the reference derived from the rows


def test_no_data_for_named_buurt_is_skipped_with_reason(moerwijk):
    settings, report, _ = moerwijk
    # the nabijheid fixture holds only the Nederland row (real NL column of 85231NED); the source
    # answered, so this is a note, not a failure (the CLI exits 0 and prints "Note: …")
    assert not report.partial and not report.skipped[0].failed
    assert [s.source for s in report.skipped] == ["nabijheid"]
    assert report.skipped[0].reason == "no figures for BU05183620 in 85231NED (buurtindeling 2021)"
    rows = Cache(settings.cache_dir).scan(source="nabijheid").collect()
    # the wanted topic is '.' (missing) for Nederland in the real export: null, never 0
    groen = one(rows, "NL00", "AfstandTotOpenbaarGroenTotaal")
    assert groen["value"] is None and groen["status"] == "ontbreekt" and groen["unit"] == "km"


def test_one_query_per_gemeente_and_only_wanted_kinds(moerwijk):
    _, _, requests = moerwijk
    crime = [r for r in requests if r.path.endswith("47018NED/TypedDataSet")]
    flt = crime[-1].query["$filter"]
    assert "startswith(WijkenEnBuurten,'BU0518')" in flt
    assert "Perioden" not in flt  # every year in the same request: the series comes for free
    # kinds resolved by title from the real code list; the padded key is sent
    code_list = DEFAULT_FIXTURES / "odata/dataderden/47018NED/SoortMisdrijf.json"
    kinds = json.loads(code_list.read_text(encoding="utf-8"))["value"]
    key = next(k["Key"] for k in kinds if k["Title"].endswith("Diefstal/inbraak woning"))
    assert key == "1.1.1 " and f"SoortMisdrijf eq '{key}'" in flt
    # only kinds the catalogue wants (10 of 59), not e.g. Winkeldiefstal
    assert flt.count("SoortMisdrijf eq") == 10 and "'2.5.2 '" not in flt
    rivm = [r for r in requests if r.path.endswith("50090NED/TypedDataSet")]
    assert len(rivm) == 2 and all("Marges eq 'MW00000'" in r.query["$filter"] for r in rivm)
    assert len([r for r in requests if r.catalog == "leefbaarometer"]) == 1


# ----------------------------------------------------------------------------- politie
def test_kind_slugs_follow_titles():
    assert kind_slug("Totaal misdrijven") == "totaal_misdrijven"
    assert kind_slug("1.1.1 Diefstal/inbraak woning") == "diefstal_inbraak_woning"
    assert kind_slug("2.2.1 Vernieling cq. zaakbeschadiging") == "vernieling_cq_zaakbeschadiging"
    assert kind_slug("1.4.5 Mishandeling") == "mishandeling"
    assert kind_slug("2.6.10 Bestrijdingsmiddelen") == "bestrijdingsmiddelen"


def test_politie_zeros_kept_kinds_without_rows_null(moerwijk):
    settings, _, _ = moerwijk
    rows = Cache(settings.cache_dir).for_region("GM0518")
    # the fixture carries only the total: the other wanted kinds are null for every buurt, never 0
    burglary = rows.filter(pl.col("indicator") == "GeregistreerdeMisdrijven.diefstal_inbraak_woning")
    assert burglary.height == 114 and burglary["value"].is_null().all()
    assert set(burglary["status"]) == {"ontbreekt"}
    # "GeregistreerdeMisdrijven.geweld" is a sum the catalogue derives, not a kind: not stored
    assert not rows.filter(pl.col("indicator") == "GeregistreerdeMisdrijven.geweld").height


def test_politie_zero_cells_absent_from_the_cube_stay_zero(settings, fake):
    """13 real rows have 0 with blank Gemeentenaam/SoortRegio: cube cells without a record,
    returned with the measure's Default "Zero" (DataProperties). In this extract *every* zero
    is such a row — the cube holds no record for a buurt without registered crimes — and these
    are small rural buurten (Verspreide huizen …, 0–480 inwoners). So 0 is the published figure
    for "no crime registered": it is kept as published (value 0, status ok), not made null."""
    fetch(settings, ["BU18590006"], transport=fake.transport(), sources=["politie"])
    rows = Cache(settings.cache_dir).for_region("BU18590006")
    zero = one(rows, "BU18590006", TOTAL)
    assert zero["value"] == 0 and zero["status"] == "ok"


def test_politie_named_buurt_without_row_is_skipped(settings, fake):
    # the four Hardenberg buurten BU01602810–13 are in the 2024 region list but have no row
    report = fetch(settings, ["BU01602810"], transport=fake.transport(), sources=["politie", "rivm"])
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons["politie"] == "no figures for BU01602810 in 47018NED, 2023 (buurtindeling 2024)"
    # and RIVM's 2020 indeling does not have it either
    assert reasons["rivm"] == "no figures for BU01602810 in 50090NED (buurtindeling 2020)"
    rows = Cache(settings.cache_dir).for_region("GM0160")
    assert one(rows, "BU01600301", TOTAL)["value"] == 0  # the rest of Hardenberg landed


def test_politie_newest_year_with_data_and_keys_from_titles(settings, tmp_path):
    """Constructed variant: Perioden gets a 2024JJ00 without figures (as each March, when a
    year is added provisionally) and the total's key is renumbered to 'TOT   ' in both the
    code list and the data. Nothing in the code names a key: the 333 still arrives, for 2023."""
    def perioden(doc):
        doc["value"].append({"Key": "2024JJ00", "Title": "2024*", "Description": "", "Status": "Voorlopig"})
        return doc

    def rename(doc):
        for row in doc["value"]:
            for k in ("Key", "SoortMisdrijf"):
                if row.get(k) == "0.0.0 ":
                    row[k] = "TOT   "
        return doc

    root = variant(tmp_path, {
        "odata/dataderden/47018NED/Perioden.json": perioden,
        "odata/dataderden/47018NED/SoortMisdrijf.json": rename,
        "odata/dataderden/47018NED/TypedDataSet.json": rename,
    })
    fake = FakeCBS(root)
    report = fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["politie"])
    assert not report.skipped
    gm = [r.query["$filter"] for r in data_requests(fake, "47018NED") if "BU0518" in r.query["$filter"]]
    assert len(gm) == 1 and "Perioden" not in gm[0]  # one request for every year
    assert "SoortMisdrijf eq 'TOT   '" in gm[0] and "0.0.0" not in gm[0]
    rows = Cache(settings.cache_dir).for_region("BU05183620")
    crime = one(rows, "BU05183620", TOTAL)
    assert (crime["value"], crime["period"]) == (333, "2023")
    assert set(rows.filter(pl.col("source") == "politie")["period"]) == {"2023"}  # the empty 2024 is left out
    entry = Cache(settings.cache_dir).manifest().tables["politie/47018NED"]
    assert {p for p, parts in entry.periods.items() if "GM0518" in parts} == {"2023"}


def test_politie_year_caps_the_period(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        request = FetchRequest(gemeenten=("GM0518",), year=2021,
                               wanted={"politie": ((TOTAL, None),)})
        result = PolitieSource().fetch(ctx, request)
    sent = " ".join(r.query["$filter"] for r in data_requests(fake, "47018NED"))
    assert "2021JJ00" in sent and "2020JJ00" in sent and "2023JJ00" not in sent
    assert all(t.frame.is_empty() for t in result.tables)  # the fixture has 2023 only
    assert periods_newest_first(["2012JJ00", "2023JJ00 ", "2023MM01"], 2022) == ["2012JJ00"]


def test_politie_429_then_success(settings, fake):
    fake.add_fault("47018NED/TypedDataSet", "status", status=429, headers={"Retry-After": "0"})
    fake.add_fault("47018NED/TypedDataSet", "status", status=503)
    report = fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["politie"])
    assert not report.skipped and not fake.pending_faults
    assert [r.status for r in data_requests(fake, "47018NED")][:3] == [429, 503, 200]
    assert one(Cache(settings.cache_dir).for_region("BU05183620"), "BU05183620", TOTAL)["value"] == 333


# ----------------------------------------------------------------------------- rivm
def test_rivm_suppressed_cells_stay_null(settings, fake):
    # BU05180170 (0 inwoners): every RIVM estimate is empty in the real 2020 file
    report = fetch(settings, ["BU05180170"], transport=fake.transport(), sources=["rivm"])
    rows = Cache(settings.cache_dir).for_region("BU05180170")
    cell = one(rows, "BU05180170", "ErvarenGezondheidGoedZeerGoed")
    assert cell["value"] is None and cell["status"] == "ontbreekt"
    assert [s.reason for s in report.skipped] == [
        "no figures for BU05180170 in 50090NED (buurtindeling 2020)"]
    assert one(rows, "BU05183620", "Eenzaam")["value"] == 68.4  # its neighbours did land


def test_rivm_all_topics_when_nothing_wanted(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        result = REGISTRY["rivm"].fetch(ctx, FetchRequest(gemeenten=("GM0518",)))
    frame = pl.concat([t.frame for t in result.tables])
    # the three walking/cycling columns are empty in every 2020 row: null, not 0
    walk = frame.filter(pl.col("indicator") == "LopenNaarSchoolOfWerk")
    assert walk.height == 160 and walk["value"].is_null().all()
    assert frame["indicator"].n_unique() == 35


def test_missing_rivm_table_skips_only_rivm(settings):
    fresh = FakeCBS()  # not the shared one: this test removes a table
    fresh.remove_table("dataderden", "50090NED")
    report = fetch(settings, ["BU05183620"], transport=fresh.transport())
    rivm = [s for s in report.skipped if s.source == "rivm"]
    assert len(rivm) == 1 and "50090NED" in rivm[0].reason
    assert "Gezondheid per wijk en buurt" in rivm[0].reason
    assert report.partial  # the CLI exits 1: partly failed
    tables = Cache(settings.cache_dir).manifest().tables
    assert {"cbs_kwb/85984NED", "politie/47018NED", "leefbaarometer/leefbaarometer-3.0"} <= set(tables)
    assert not any(k.startswith("rivm/") for k in tables)


# ----------------------------------------------------------------------------- nabijheid
def test_nabijheid_duplicate_stems_by_group(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        request = FetchRequest(gemeenten=("GM0518",), wanted={"nabijheid": (
            ("Binnen1Km", "Aantal huisartsenpraktijken"), ("AfstandTotHuisartsenpraktijk", None))})
        result = NabijheidSource().fetch(ctx, request)
    nl = next(t for t in result.tables if t.gemeenten == ("NL00",)).frame
    # real values of the NL column of 85231NED
    assert one(nl, "NL00", "Binnen1Km.aantal_huisartsenpraktijken")["value"] == 1.5
    assert one(nl, "NL00", "AfstandTotHuisartsenpraktijk")["value"] == 1.0
    assert "Binnen1Km_6" in data_requests(fake, "85231NED")[0].query["$select"]


def test_nabijheid_catalogue_down_uses_known_tables(settings, fake):
    fake.add_fault("ODataCatalog", "status", status=500, times=100)
    report = fetch(settings, ["GM0518"], transport=fake.transport(), sources=["cbs_kwb", "nabijheid"])
    assert any("86134NED" in r.path for r in fake.requests)  # newest known id, absent upstream
    assert "nabijheid/85231NED" in Cache(settings.cache_dir).manifest().tables
    assert [s.source for s in report.skipped] == ["nabijheid"]  # only the named gemeente's missing figures


# ----------------------------------------------------------------------------- leefbaarometer
def test_leefbaarometer_downloaded_once_then_304(settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["leefbaarometer"])
    kept = settings.cache_dir / "downloads" / LBM_FILE
    info = json.loads(kept.with_name(kept.name + ".json").read_text())
    assert kept.read_bytes() == (DEFAULT_FIXTURES / "leefbaarometer" / LBM_FILE).read_bytes()
    assert info["etag"].startswith('"') and info["last_modified"] == "Wed, 01 Jan 2025 00:00:00 GMT"
    first = zip_requests(fake)
    assert [r.status for r in first] == [200] and "if-none-match" not in first[0].headers
    fake.reset_log()
    # another gemeente: a conditional request, 304, the kept file is used
    report = fetch(settings, ["GM0392"], transport=fake.transport(), sources=["leefbaarometer"])
    second = zip_requests(fake)
    assert [r.status for r in second] == [304] and second[0].size == 0
    assert second[0].headers["if-none-match"] == info["etag"]
    assert second[0].headers["if-modified-since"] == info["last_modified"]
    # Haarlem has no rows in the fixture: its part is stored empty; the named gemeente is reported
    assert [s.reason for s in report.skipped] == [
        "no figures for GM0392 in leefbaarometer-3.0 (Leefbaarometer-scores buurten 2002-2024.csv); "
        "the download has no gemeente scores"]
    cache = Cache(settings.cache_dir)
    parts = cache.manifest().tables["leefbaarometer/leefbaarometer-3.0"].parts
    assert set(parts) == {"GM0518", "GM0392", "NL00"}
    # Moerwijk-Oost is still there, and a third fetch (304 again) brings Moerwijk-West right
    fake.reset_log()
    fetch(settings, ["BU05183637"], transport=fake.transport(), sources=["leefbaarometer"])
    assert [r.status for r in zip_requests(fake)] == [304]
    rows = cache.for_region("BU05183637")
    assert one(rows, "BU05183620", "lbm", "2024")["value"] == 3.8703200808061
    assert one(rows, "BU05183637", "lbm", "2024")["value"] == 3.81587074633701
    assert one(rows, "BU05183637", "soc", "2014")["value"] == -0.105560841411409


def test_leefbaarometer_corrupt_zip_is_an_error_and_changes_nothing(settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    before = snapshot(settings.cache_dir)
    fake.add_fault(LBM_FILE, "truncate", times=100)
    with pytest.raises(SourceError) as info:
        fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["leefbaarometer"])
    assert f"{LBM_URL_PATH}" in info.value.message and "not a usable zip file" in info.value.message
    assert snapshot(settings.cache_dir) == before  # no zip kept, no temp file left
    # with the other sources: only leefbaarometer is skipped, with the same reason
    fake.reset_log()
    report = fetch(settings, ["BU05183620"], transport=fake.transport(),
                   sources=["cbs_kwb", "leefbaarometer"])
    assert [s.source for s in report.skipped] == ["leefbaarometer"]
    assert "not a usable zip file" in report.skipped[0].reason
    assert not (settings.cache_dir / "downloads" / LBM_FILE).exists()


def test_leefbaarometer_bad_update_keeps_the_old_zip(settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["leefbaarometer"])
    kept = settings.cache_dir / "downloads" / LBM_FILE
    info_path = kept.with_name(kept.name + ".json")
    info = json.loads(info_path.read_text())
    info["etag"], info["last_modified"] = '"older"', "Mon, 01 Jan 2024 00:00:00 GMT"  # as if upstream changed
    info_path.write_text(json.dumps(info))
    before = snapshot(settings.cache_dir)
    fake.add_fault(LBM_FILE, "truncate", times=100)
    with pytest.raises(SourceError, match="not a usable zip"):
        fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["leefbaarometer"])
    assert snapshot(settings.cache_dir) == before


def test_leefbaarometer_maintenance_page_and_reset_are_retried(settings, fake):
    fake.add_fault(LBM_FILE, "html")
    fake.add_fault(LBM_FILE, "reset", fraction=0.5)  # half the zip, then the connection drops
    report = fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["leefbaarometer"])
    assert not report.skipped and not fake.pending_faults
    assert [r.fault for r in zip_requests(fake)] == ["html", "reset", None]
    kept = settings.cache_dir / "downloads" / LBM_FILE
    assert kept.read_bytes() == (DEFAULT_FIXTURES / "leefbaarometer" / LBM_FILE).read_bytes()
    rows = Cache(settings.cache_dir).for_region("BU05183620")
    assert one(rows, "BU05183620", "lbm", "2024")["value"] == 3.8703200808061


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "lbm.zip"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_leefbaarometer_zip_checks(tmp_path):
    real = zipfile.ZipFile(DEFAULT_FIXTURES / "leefbaarometer" / LBM_FILE).read(LBM_CSV)
    # the buurt file is picked by name among others (constructed zip; real CSV bytes)
    path = _zip(tmp_path, {
        "LEESMIJ.txt": b"constructed",
        "Leefbaarometer-scores gemeenten 2002-2024.csv": b"gm_code,gm_naam,jaar\n",  # made up
        "data/LEEFBAAROMETER-SCORES BUURTEN 2002-2024.csv": real,
    })
    scores = read_scores(path, "https://example.invalid/lbm.zip")
    assert scores.member == "data/LEEFBAAROMETER-SCORES BUURTEN 2002-2024.csv"
    rows = fixture_csv_rows()
    assert scores.frame.height == len(rows)
    assert scores.frame["fys"].null_count() == sum(r["fys"] == "NA" for r in rows) > 0
    # the gemeente file with a header we cannot read is left out, with a note (the buurten still count)
    assert scores.members == {"buurt": "data/LEEFBAAROMETER-SCORES BUURTEN 2002-2024.csv"}
    assert len(scores.notes) == 1 and "Leefbaarometer-scores gemeenten 2002-2024.csv" in scores.notes[0]
    assert "gemeente scores are not used" in scores.notes[0]
    # no buurt file / another header / not a zip: SourceError naming the URL and the problem
    with pytest.raises(SourceError, match=r"https://example.invalid/lbm.zip holds no 'Leefbaarometer-scores "
                                          r"buurten\*.csv' \(it holds: LEESMIJ.txt\)"):
        read_scores(_zip(tmp_path, {"LEESMIJ.txt": b"x"}), "https://example.invalid/lbm.zip")
    wrong = _zip(tmp_path, {LBM_CSV: b"bu_code,jaar,lbm\nBU1,2024,4.0\n"})
    with pytest.raises(SourceError, match="header 'bu_code,jaar,lbm'; expected 'bu_code,bu_naam,jaar,lbm"):
        read_scores(wrong, "https://example.invalid/z")
    bad_number = _zip(tmp_path, {LBM_CSV: real.replace(b"3.8703200808061", b"drie")})
    with pytest.raises(SourceError, match="cannot be read"):
        read_scores(bad_number, "https://x.invalid/z")
    (tmp_path / "page.zip").write_bytes(b"<html>Onderhoud</html>")
    with pytest.raises(SourceError, match=r"The download from https://x.invalid/z is not a usable zip file"):
        read_scores(tmp_path / "page.zip", "https://x.invalid/z")


# ----------------------------------------------------------------------------- whole country, status
def test_whole_country(settings, fake):
    report = fetch(settings, whole_country=True, transport=fake.transport(),
                   sources=["politie", "rivm", "leefbaarometer"])
    assert not report.skipped
    cache = Cache(settings.cache_dir)
    for entry in cache.manifest().tables.values():
        assert list(entry.parts) == ["*"]
    rows = cache.scan().collect()
    assert one(rows, "BU05183620", TOTAL)["value"] == 333
    assert rows.filter(pl.col("indicator") == TOTAL).height == 512  # every buurt row of the fixture
    assert one(rows, "NL00", "MoeiteMetRondkomen")["value"] == 13.9
    lbm = rows.filter((pl.col("source") == "leefbaarometer") & (pl.col("indicator") == "lbm"))
    assert lbm.height == len(fixture_csv_rows()) + 9  # every buurt row of the fixture, and Nederland per year
    assert lbm.filter(pl.col("region_code") == "NL00").height == 9


def test_status_asks_every_source_upstream(moerwijk):
    settings, _, _ = moerwijk
    fresh = FakeCBS()  # not the shared one: this test simulates a new release
    statuses = {s.source: s for s in cache_status(settings, transport=fresh.transport())}
    assert set(statuses) == set(REGISTRY) | {"cbs_kwb_profile"}  # the profile is checked like its KWB table
    assert all(s.check_error is None and s.changed is False for s in statuses.values()), statuses
    head = [r for r in fresh.requests if r.catalog == "leefbaarometer"]
    assert [(r.method, r.size) for r in head] == [("HEAD", 0)]  # the zip is not downloaded for this
    fresh.set_modified("dataderden", "47018NED", "2025-01-31T02:00:00")
    again = {s.source: s for s in cache_status(settings, transport=fresh.transport())}
    assert again["politie"].changed is True and again["politie"].upstream_modified == "2025-01-31T02:00:00"
    assert again["rivm"].changed is False
