"""`fetch` against the fake CBS service (fixtures built from the real 2024/2019 data)."""

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from buurtscan.cache import Cache
from buurtscan.errors import SourceError, UnknownRegionError, UsageError
from buurtscan.actions.fetch import fetch
from buurtscan.http_client import Http
from buurtscan.odata import CbsOData
from buurtscan.settings import Settings
from tests.fakecbs import DEFAULT_FIXTURES, FakeCBS


def value(frame: pl.DataFrame, code: str, indicator: str):
    rows = frame.filter((pl.col("region_code") == code) & (pl.col("indicator") == indicator))
    assert rows.height == 1, (code, indicator, rows)
    return rows["value"][0]


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def data_requests(fake, table="85984NED"):
    """Data requests for the asked gemeenten (not the national profile's, see test_similar.py)."""
    return [r for r in fake.requests if r.path.endswith(f"{table}/TypedDataSet")
            and r.query.get("$filter") != PROFILE_FILTER]


PROFILE_FILTER = "startswith(WijkenEnBuurten,'BU')"  # the national profile for vergelijkbare buurten


def test_fetch_one_buurt_stores_gemeente_wijken_buurten_and_nl(settings: Settings, fake):
    report = fetch(settings, ["bu05183620 "], transport=fake.transport(), sources=["cbs_kwb"])
    assert report.stored and not report.skipped
    rows = Cache(settings.cache_dir).for_region("BU05183620").filter(pl.col("table_id") == "85984NED")
    # real figures from the national 2024 export
    assert value(rows, "BU05183620", "AantalInwoners") == 3360
    assert value(rows, "WK051836", "AantalInwoners") == 21555
    assert value(rows, "GM0518", "AantalInwoners") == 566221
    assert value(rows, "NL00", "AantalInwoners") == 17942942
    # every buurt of Den Haag is there, for ranks later
    buurten = rows.filter((pl.col("region_level") == "buurt") & (pl.col("indicator") == "AantalInwoners"))
    assert buurten.height == 114
    # keys are stripped of CBS padding; levels and gemeente derived
    assert set(rows["region_code"].str.len_chars()) <= {4, 6, 8, 10}
    assert rows.filter(pl.col("region_code") == "NL00")["gemeente_code"].is_null().all()
    # one paged query per gemeente (plus one for Nederland), never one per buurt
    assert len(data_requests(fake)) == 2
    q = data_requests(fake)[1].query
    assert "startswith(WijkenEnBuurten,'BU0518')" in q["$filter"] and "$select" in q


def test_missing_values_stay_missing(settings: Settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    rows = Cache(settings.cache_dir).for_region("BU05183620")
    woz = rows.filter((pl.col("indicator") == "GemiddeldeWOZWaardeVanWoningen"))
    assert woz.height > 100  # the topic exists in the table ...
    assert woz["value"].is_null().all()  # ... but the fixture has no figures: null, never 0
    assert set(woz["status"]) == {"ontbreekt"}
    # 2019: "." cells in the real CSV (an empty wijk) are null, real zeros stay 0
    fetch(settings, ["BU05183620"], year=2019, transport=fake.transport(), sources=["cbs_kwb"])
    old = Cache(settings.cache_dir).scan().filter(pl.col("table_id") == "84583NED").collect()
    assert value(old, "WK051801", "AantalInwoners") == 0
    assert value(old, "WK051801", "GemiddeldeHuishoudensgrootte") is None
    assert value(old, "BU05183620", "AantalInwoners") == 3245  # real 2019 figure


def test_duplicate_stems_resolved_by_group(settings: Settings, fake):
    with Http(settings, fake.transport()) as http:
        meta = CbsOData(http, settings.cbs_url).table_meta("85984NED")
    with pytest.raises(KeyError, match="ambiguous"):
        meta.topic("Appartement")
    gas = meta.topic("Appartement", "Gemiddeld aardgasverbruik")
    power = meta.topic("Appartement", "Gemiddelde elektriciteitslevering")
    assert (gas.key, gas.unit) == ("Appartement_62", "m³")
    assert (power.key, power.unit) == ("Appartement_54", "kWh")
    assert gas.indicator == "Appartement.gemiddeld_aardgasverbruik"
    assert meta.topic("Nederland", "Herkomstland").key == "Nederland_17"
    assert meta.topic("Nederland", "Geboren in Nederland").key == "Nederland_20"
    # through fetch: herkomst (Herkomstland) lands under its own id with the real value
    fetch(settings, ["GM0518"], transport=fake.transport(), sources=["cbs_kwb"])
    rows = Cache(settings.cache_dir).for_region("GM0518").filter(pl.col("period") == "2024")
    assert value(rows, "NL00", "Nederland.herkomstland") == 12941748
    assert value(rows, "NL00", "BuitenEuropa.herkomstland") == 3324101


def test_paging_over_three_pages(settings: Settings):
    small = FakeCBS(page_size=60)  # Den Haag has 159 regions → 3 pages
    fetch(settings, ["GM0518"], transport=small.transport(), sources=["cbs_kwb"])
    pages = [r for r in data_requests(small) if "startswith" in r.query.get("$filter", "")]
    assert len(pages) == 3
    assert pages[1].query["$skip"] == "60" and pages[2].query["$skip"] == "120"
    rows = Cache(settings.cache_dir).for_region("GM0518").filter(pl.col("period") == "2024")
    assert rows.filter(pl.col("indicator") == "AantalInwoners").height == 159 + 1  # + Nederland


def test_several_gemeenten_in_one_run(settings: Settings, fake):
    report = fetch(settings, ["BU05183620", "GM0392"], gemeenten=["GM0114"], transport=fake.transport(),
                   sources=["cbs_kwb"])
    entry = Cache(settings.cache_dir).manifest().tables["cbs_kwb/85984NED"]
    assert set(entry.parts) == {"GM0518", "GM0392", "GM0114", "NL00"}
    assert len(data_requests(fake)) == 4
    assert entry.title == "Kerncijfers wijken en buurten 2024"
    assert entry.modified == "2025-03-27T02:00:00"
    assert entry.parts["GM0392"].request_url.startswith("https://opendata.cbs.nl/ODataFeed/odata/85984NED/")
    assert report.requests == len(fake.requests)


def test_refetch_replaces(settings: Settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    first = Cache(settings.cache_dir).scan().collect().height
    fetch(settings, ["BU05183637"], transport=fake.transport(), sources=["cbs_kwb"])
    assert Cache(settings.cache_dir).scan().collect().height == first


def test_transient_errors_then_success(settings: Settings, fake):
    fake.add_fault("TypedDataSet", "status", status=429, headers={"Retry-After": "0"})
    fake.add_fault("TypedDataSet", "status", status=503)
    fake.add_fault("TypedDataSet", "reset")
    report = fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    assert not report.skipped
    assert not fake.pending_faults
    assert [r.status for r in data_requests(fake)][:2] == [429, 503]
    newest = Cache(settings.cache_dir).for_region("BU05183620").filter(pl.col("period") == "2024")
    assert value(newest, "BU05183620", "AantalInwoners") == 3360


def test_failed_fetch_leaves_cache_intact(settings: Settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    before = snapshot(settings.cache_dir)
    fake.add_fault("TypedDataSet", "status", status=500, times=100)
    with pytest.raises(SourceError) as info:
        fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    assert info.value.exit_code == 3
    assert "HTTP 500" in info.value.message
    assert snapshot(settings.cache_dir) == before
    fake.clear_faults()
    fake.add_fault("TypedDataSet", "truncate", times=100)
    with pytest.raises(SourceError, match="cut-off"):
        fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    assert snapshot(settings.cache_dir) == before


def test_unknown_codes_stop_before_any_download(settings: Settings, fake):
    with pytest.raises(UnknownRegionError) as info:
        fetch(settings, ["BU05183620", "BU05183699"], transport=fake.transport(), sources=["cbs_kwb"])
    assert "BU05183699 is not a region in Kerncijfers wijken en buurten 2024 (85984NED)" in info.value.message
    assert info.value.suggestions and all(s.startswith("BU0518") for s in info.value.suggestions)
    assert info.value.exit_code == 2
    assert data_requests(fake) == []
    assert not (settings.cache_dir / "manifest.json").exists()
    with pytest.raises(UnknownRegionError, match="GM9999 is not a region"):
        fetch(settings, ["GM9999"], transport=fake.transport(), sources=["cbs_kwb"])
    with pytest.raises(UsageError, match="not a CBS region code"):
        fetch(settings, ["moerwijk"], transport=fake.transport())


def test_year_selection_and_catalogue_fallback(settings: Settings, fake):
    fetch(settings, ["GM0518"], year=2019, transport=fake.transport(), sources=["cbs_kwb"])
    assert "cbs_kwb/84583NED" in Cache(settings.cache_dir).manifest().tables
    with pytest.raises(UsageError, match="no Kerncijfers wijken en buurten table for 2017"):
        fetch(settings, ["GM0518"], year=2017, transport=fake.transport(), sources=["cbs_kwb"])
    # catalogue down: the built-in list is used; the newest known id (2025) is absent upstream,
    # so the newest table that exists is taken
    fake.add_fault("ODataCatalog", "status", status=500, times=100)
    fetch(settings, ["GM0518"], transport=fake.transport(), sources=["cbs_kwb"])
    assert any("86165NED" in r.path for r in fake.requests)
    assert Cache(settings.cache_dir).manifest().tables["cbs_kwb/85984NED"].parts["GM0518"]


def test_whole_country(settings: Settings, fake):
    report = fetch(settings, whole_country=True, transport=fake.transport(), sources=["cbs_kwb"])
    assert len(data_requests(fake)) == 2  # 18,310 rows in 10,000-row pages
    cache = Cache(settings.cache_dir)
    inw = cache.scan().filter((pl.col("indicator") == "AantalInwoners") & (pl.col("period") == "2024")).collect()
    assert inw.height == 18310
    assert report.stored["cbs_kwb/85984NED"] == cache.scan().filter(pl.col("period") == "2024").collect().height
    regions = cache.region_list("85984NED")
    assert regions.height == 18310 and cache.region_entry("85984NED").complete
    # CBS cuts titles at 40 characters; the full name comes from the Description
    assert regions.filter(pl.col("code") == "WK051806")["name"][0] == "Wijk 06 Van Stolkpark en Scheveningse Bosjes"


def test_unreachable_cbs_is_exit_3_and_leaves_cache(settings: Settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    before = snapshot(settings.cache_dir)
    import httpx

    def refuse(request):
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(SourceError) as info:
        fetch(settings, ["BU05183620"], transport=httpx.MockTransport(refuse), sources=["cbs_kwb"])
    assert info.value.exit_code == 3 and "unreachable" in info.value.message
    assert snapshot(settings.cache_dir) == before


def test_fetch_year_adds_and_never_replaces_another_period(settings: Settings, fake):
    """Issue 11, item 1: `fetch --year 2019` after a plain fetch loses nothing (it used to replace
    the Politie 2023 rows by the 2019 ones, which the fixture does not have: 0 rows)."""
    fetch(settings, ["BU05183620"], transport=fake.transport())
    cache = Cache(settings.cache_dir)
    before = {s: cache.scan(source=s).collect().sort(pl.all()) for s in ("politie", "cbs_kwb", "rivm")}
    assert before["politie"].filter(pl.col("period") == "2023").height > 0
    fetch(settings, ["BU05183620"], year=2019, transport=fake.transport())
    after = {s: cache.scan(source=s).collect() for s in ("politie", "cbs_kwb", "rivm")}
    politie = after["politie"].filter(pl.col("period") == "2023").sort(pl.all())
    assert politie.equals(before["politie"].filter(pl.col("period") == "2023"))  # row for row, value for value
    for source, frame in before.items():  # and every row of every cached year is still there
        lost = frame.join(after[source], on=frame.columns, how="anti", nulls_equal=True)
        assert lost.is_empty(), (source, lost)
    assert "cbs_kwb/84583NED" in cache.manifest().tables  # and 2019 was added
    politie = cache.manifest().tables["politie/47018NED"]
    assert politie.period == "2023" and "2023" in politie.periods


def test_plain_fetch_fills_what_the_newest_table_lacks_from_an_older_one(settings: Settings, fake):
    """Issue 11, item 2. The 2024 fixture holds only the demographics (as the real 2024 files do);
    the 2019 table (real Den Haag figures) holds the rest. A plain fetch fills every domain the
    2019 table covers, reading 2019 with only the columns 2024 lacks."""
    from buurtscan.catalogue import load
    from buurtscan.scan import build_scan

    fetch(settings, ["BU05183620"], history=0, transport=fake.transport(), sources=["cbs_kwb"])
    old = data_requests(fake, "84583NED")
    assert len(old) == 1  # one query for the gemeente, Nederland in it
    flt, select = old[0].query["$filter"], old[0].query["$select"].split(",")
    assert "WijkenEnBuurten eq 'NL00      '" in flt and "startswith(WijkenEnBuurten,'BU0518')" in flt
    assert "GemiddeldeWoningwaarde_35" in select and "Koopwoningen_40" in select
    assert "AantalInwoners_5" not in select and "Mannen_6" not in select  # 2024 has those
    # newest first: the 2021 table (Den Haag, 22 columns) was asked before 2019, and what it had
    # (huishoudens) was not asked again from 2019
    newer = data_requests(fake, "85039NED")
    assert len(newer) == 1 and fake.requests.index(newer[0]) < fake.requests.index(old[0])
    assert "HuishoudensTotaal_28" in newer[0].query["$select"] and "HuishoudensTotaal_28" not in select
    # every KWB indicator with a 2019 figure for the buurt is filled, with its year beside it
    raw = json.loads((DEFAULT_FIXTURES / "odata/cbs/84583NED/TypedDataSet.json").read_text(encoding="utf-8"))
    row = next(r for r in raw["value"] if r["WijkenEnBuurten"].strip() == "BU05183620")
    have_2019 = {k.rsplit("_", 1)[0] for k, v in row.items() if isinstance(v, int | float) and k != "ID"}
    cache = Cache(settings.cache_dir)
    scan = build_scan(cache, "BU05183620")
    new = cache.for_region("GM0518").filter((pl.col("period") == "2024") & pl.col("value").is_not_null())
    in_2024 = set(new.filter(pl.col("region_code").is_in(["GM0518", "NL00"]))["indicator"])
    filled = 0
    for ind in load().indicators:
        if ind.source != "cbs_kwb" or ind.derive in ("sum", "share_of_sum") or not set(ind.stems) & have_2019:
            continue
        if set(ind.stems) & in_2024:  # 2024 has it for the gemeente or Nederland: not looked for in 2019
            continue
        result = scan.indicator(ind.id)
        assert result.values["buurt"] is not None, ind.id
        assert result.period in ("2019", "2021", "2024"), ind.id
        filled += result.period == "2019"
    assert filled >= 10
    domains = {s.id for s in scan.sections for i in s.indicators
               if i.source == "cbs_kwb" and i.period == "2019" and i.values["buurt"] is not None}
    assert {"wonen", "armoede", "werk"} <= domains


def test_history_reads_only_the_key_columns_of_older_tables(settings: Settings, fake):
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    select = data_requests(fake, "84583NED")[0].query["$select"].split(",")
    assert "AantalInwoners_5" in select and "IndelingswijzigingWijkenEnBuurten_4" in select  # series + redrawing
    full = data_requests(fake)[1].query["$select"].split(",")
    assert "k_0Tot15Jaar_8" in full and "k_0Tot15Jaar_8" not in select  # not a key figure, and 2024 has it
    rows = Cache(settings.cache_dir).for_region("BU05183620")
    inw = rows.filter((pl.col("region_code") == "BU05183620") & (pl.col("indicator") == "AantalInwoners"))
    assert dict(inw.select("period", "value").iter_rows()) == {"2019": 3245, "2021": 2855, "2024": 3360}  # real figures
    fake.reset_log()
    fetch(settings, ["BU05183620"], history=0, transport=fake.transport(), sources=["cbs_kwb"])
    assert "AantalInwoners_5" not in data_requests(fake, "84583NED")[0].query["$select"]
    with pytest.raises(UsageError, match="--history"):
        fetch(settings, ["BU05183620"], history=-1, transport=fake.transport())
