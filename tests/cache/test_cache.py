"""Cache semantics: replace instead of duplicate, atomic commits, nothing lost on failure.

Values here are made up (the cache does not care what the numbers are).
"""

import hashlib
from pathlib import Path

import polars as pl
import pytest

from buurtscan.cache import Cache, PartnerIndicator, PartnerInfo
from buurtscan.errors import CacheError
from buurtscan.provenance import ALL_PERIODS
from buurtscan.sources.base import Provenance, TableData
from buurtscan.tidy import finish_tidy, regions_frame


def table(gemeenten, codes, value, table_id="85984NED", period="2024"):
    frame = finish_tidy(
        pl.DataFrame(
            {
                "region_code": codes,
                "indicator": ["AantalInwoners"] * len(codes),
                "value": [float(value)] * len(codes),
                "unit": ["aantal"] * len(codes),
            }
        ),
        period=period,
        source="cbs_kwb",
        table_id=table_id,
    )
    prov = Provenance("cbs_kwb", table_id, "Kerncijfers wijken en buurten 2024", period, "2025-03-27T02:00:00",
                      "CBS", "CC BY 4.0", "https://opendata.cbs.nl", "https://opendata.cbs.nl/x",
                      "2026-11-27T10:00:00Z")
    return TableData(prov, frame, gemeenten, regions_frame([(c, c.lower()) for c in codes]))


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_refetch_replaces_instead_of_duplicating(tmp_path):
    cache = Cache(tmp_path)
    cache.commit([table(("GM0518",), ["GM0518", "WK051836", "BU05183620"], 1),
                  table(("NL00",), ["NL00"], 100)])
    cache.commit([table(("GM0363",), ["GM0363", "BU03630000"], 2)])
    cache.commit([table(("GM0518",), ["GM0518", "BU05183620"], 3)])  # one region fewer now
    rows = cache.scan().collect()
    assert rows.height == 2 + 2 + 1
    assert sorted(rows.filter(pl.col("gemeente_code") == "GM0518")["value"].to_list()) == [3.0, 3.0]
    assert rows.filter(pl.col("region_code") == "NL00")["value"].to_list() == [100.0]
    entry = cache.manifest().tables["cbs_kwb/85984NED"]
    assert set(entry.parts) == {"GM0518", "GM0363", "NL00"}
    assert entry.modified == "2025-03-27T02:00:00"
    assert entry.request_url.startswith("https://opendata.cbs.nl")
    # exactly one data file per table: old versions are removed after the commit
    assert len(list((tmp_path / "tables" / "cbs_kwb").glob("*.parquet"))) == 1
    regions = cache.region_list("85984NED")
    assert sorted(regions["code"].to_list()) == ["BU03630000", "BU05183620", "GM0363", "GM0518", "NL00"]


def test_for_region_works_offline_and_covers_gemeente_and_nl(tmp_path):
    cache = Cache(tmp_path)
    cache.commit([table(("GM0518",), ["GM0518", "WK051836", "BU05183620", "BU05183637"], 1),
                  table(("GM0363",), ["GM0363"], 2), table(("NL00",), ["NL00"], 3)])
    rows = Cache(tmp_path).for_region("bu05183620")
    assert set(rows["region_code"]) == {"GM0518", "WK051836", "BU05183620", "BU05183637", "NL00"}


def test_failed_write_leaves_cache_byte_for_byte(tmp_path, monkeypatch):
    cache = Cache(tmp_path)
    cache.commit([table(("GM0518",), ["GM0518", "BU05183620"], 1)])
    before = snapshot(tmp_path)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("buurtscan.cache.writing.atomic_write_bytes", boom)  # manifest write fails
    with pytest.raises(CacheError) as info:
        cache.commit([table(("GM0518",), ["GM0518", "BU05183620"], 9)])
    assert "No space left on device" in info.value.message
    assert snapshot(tmp_path) == before
    assert cache.scan().collect()["value"].to_list() == [1.0, 1.0]


def test_whole_country_replaces_everything(tmp_path):
    cache = Cache(tmp_path)
    cache.commit([table(("GM0518",), ["GM0518"], 1), table(("NL00",), ["NL00"], 1)])
    cache.commit([table(None, ["NL00", "GM0518", "GM0363"], 5)])
    rows = cache.scan().collect()
    assert rows.height == 3 and set(rows["value"]) == {5.0}
    assert set(cache.manifest().tables["cbs_kwb/85984NED"].parts) == {"*"}
    assert cache.region_entry("85984NED").complete is True


def test_corrupt_manifest_is_a_cache_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(CacheError) as info:
        Cache(tmp_path).scan()
    assert "manifest" in info.value.message and "moved aside" in info.value.tip


def test_unwritable_cache_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheError) as info:
        Cache(blocker / "cache").commit([table(("GM0518",), ["GM0518"], 1)])
    assert "cannot be created" in info.value.message


def test_extra_metadata_and_remove_source(tmp_path):
    cache = Cache(tmp_path)
    t = table(("GM0518",), ["GM0518"], 1)
    partner = TableData(
        Provenance("corporatie", "partner", "Huurachterstanden", "2025", "", "Corporatie X", "", "", "file.csv",
                   "2026-11-27T10:00:00Z"),
        t.frame.with_columns(pl.lit("corporatie").alias("source"), pl.lit("partner").alias("table_id")),
        None,
        periods=ALL_PERIODS,
        partner=PartnerInfo(file="file.csv", sha256="abc", rows=1, merged_at="2026-11-27T10:00:00Z",
                            indicators=(PartnerIndicator(id="achterstand", domain="wonen"),)),
    )
    cache.commit([t, partner])
    entry = cache.manifest().tables["corporatie/partner"]
    assert entry.partner is not None and entry.partner.sha256 == "abc"
    assert entry.partner.indicators[0].stem == "achterstand"  # defaults to the id
    again = Cache(tmp_path).manifest().tables["corporatie/partner"]  # one reader, one writer: a round trip
    assert again == entry
    before = {p.name for p in (tmp_path / "tables" / "cbs_kwb").iterdir()}
    assert cache.remove_source("corporatie") == 1
    assert "corporatie/partner" not in cache.manifest().tables
    assert not list((tmp_path / "tables" / "corporatie").glob("*.parquet"))
    assert {p.name for p in (tmp_path / "tables" / "cbs_kwb").iterdir()} == before  # others untouched
    assert cache.remove_source("corporatie") == 0


def test_another_period_is_added_never_replaces(tmp_path):
    """The cache keys rows by source, table, period and gemeente (issue 11, item 1)."""
    cache = Cache(tmp_path)
    cache.commit([table(("GM0518",), ["GM0518", "BU05183620"], 7, period="2023"),
                  table(("NL00",), ["NL00"], 70, period="2023")])
    before = cache.scan().collect().sort("region_code")
    cache.commit([table(("GM0518",), ["GM0518"], 1, period="2019")])  # another period, one region fewer
    rows = cache.scan().collect()
    assert rows.filter(pl.col("period") == "2023").sort("region_code").equals(before)
    assert rows.filter(pl.col("period") == "2019")["value"].to_list() == [1.0]
    entry = cache.manifest().tables["cbs_kwb/85984NED"]
    assert set(entry.periods) == {"2019", "2023"} and entry.period == "2023"
    assert set(entry.periods["2019"]) == {"GM0518"} and set(entry.periods["2023"]) == {"GM0518", "NL00"}
    cache.commit([table(("GM0518",), ["GM0518"], 9, period="2023")])  # same period again: only that one
    rows = cache.scan().collect()
    assert sorted(rows.filter(pl.col("period") == "2023")["value"].to_list()) == [9.0, 70.0]
    assert rows.filter(pl.col("period") == "2019")["value"].to_list() == [1.0]


def test_a_fetch_of_some_indicators_replaces_only_those(tmp_path):
    cache = Cache(tmp_path)
    full = table(("GM0518",), ["GM0518"], 5, period="2023")
    other = full.frame.with_columns(pl.lit("Woningvoorraad").alias("indicator"))
    cache.commit([TableData(full.provenance, pl.concat([full.frame, other]), ("GM0518",))])
    part = table(("GM0518",), ["GM0518"], 6, period="2023")
    cache.commit([TableData(part.provenance, part.frame, ("GM0518",), indicators=("AantalInwoners",))])
    rows = cache.scan().collect().sort("indicator")
    assert rows.select("indicator", "value").rows() == [("AantalInwoners", 6.0), ("Woningvoorraad", 5.0)]


def test_cache_written_by_the_previous_release_is_read_and_upgraded(tmp_path):
    """A format-1 manifest (buurtscan d30c5ca) is read without loss; the next commit writes format 2."""
    import json

    frame = pl.concat([table(("GM0518",), ["GM0518", "BU05183620"], v, period=p).frame
                       for v, p in ((1, "2022"), (2, "2024"))])
    (tmp_path / "tables" / "leefbaarometer").mkdir(parents=True)
    frame.write_parquet(tmp_path / "tables" / "leefbaarometer" / "lbm-abcd.parquet")
    old = {
        "format": 1,
        "tables": {"leefbaarometer/lbm": {
            "source": "leefbaarometer", "table_id": "lbm", "title": "Leefbaarometer", "period": "2002-2024",
            "modified": "x", "publisher": "BZK", "licence": "open", "base_url": "", "request_url": "u",
            "retrieved_at": "2026-01-01T00:00:00Z", "file": "tables/leefbaarometer/lbm-abcd.parquet",
            "rows": frame.height,
            "parts": {"GM0518": {"retrieved_at": "2026-01-01T00:00:00Z", "request_url": "u", "rows": 4}},
        }},
        "regions": {},
        "updated_at": "2026-01-01T00:00:00Z",
    }
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    cache = Cache(tmp_path)
    manifest = cache.manifest()
    assert manifest.upgraded_from == 1
    entry = manifest.tables["leefbaarometer/lbm"]
    assert set(entry.periods) == {"2022", "2024"} and set(entry.parts) == {"GM0518"}
    assert cache.scan().collect().height == frame.height  # nothing lost
    cache.commit([table(("GM0363",), ["GM0363"], 3, period="2024")])  # another table: upgrade on write
    data = json.loads((tmp_path / "manifest.json").read_text())
    assert data["format"] == 2 and set(data["tables"]["leefbaarometer/lbm"]["periods"]) == {"2022", "2024"}
    assert cache.scan(source="leefbaarometer").collect().height == frame.height


def test_cache_of_a_newer_version_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.json").write_text('{"format": 99, "tables": {}}')
    with pytest.raises(CacheError) as info:
        Cache(tmp_path).manifest()
    assert "newer buurtscan version" in info.value.message and "Upgrade buurtscan" in info.value.tip


def test_real_cache_of_the_previous_release_reads_scans_and_upgrades(tmp_path, fake):
    """tests/fixtures/cache-v1 is the bundled example as d30c5ca wrote it (manifest format 1)."""
    import json
    import shutil

    from buurtscan.actions.fetch import fetch
    from buurtscan.scan import build_scan
    from buurtscan.settings import Settings
    from tests.fakecbs import DEFAULT_FIXTURES

    root = tmp_path / "cache"
    shutil.copytree(DEFAULT_FIXTURES / "cache-v1", root)
    old = json.loads((root / "manifest.json").read_text())
    cache = Cache(root)
    manifest = cache.manifest()
    assert manifest.upgraded_from == 1 and set(manifest.tables) == set(old["tables"])
    for key, entry in manifest.tables.items():
        assert set(entry.parts) == set(old["tables"][key]["parts"]), key
    lbm = manifest.tables["leefbaarometer/leefbaarometer-3.0"]
    assert sorted(lbm.periods)[0] == "2002" and "2024" in lbm.periods  # the periods of its file
    before = cache.scan().collect()
    assert before.height == sum(e["rows"] for e in old["tables"].values())
    assert build_scan(cache, "BU05183620").indicator("inwoners").values["buurt"] == 3360
    politie_2023 = before.filter((pl.col("source") == "politie") & (pl.col("period") == "2023")).sort(pl.all())
    settings = Settings(cache_dir=root, attempts=4, backoff=0.0, timeout=5.0)
    fetch(settings, ["BU05183620"], year=2019, transport=fake.transport(), sources=["politie"])
    data = json.loads((root / "manifest.json").read_text())
    assert data["format"] == 2  # upgraded at the write
    after = Cache(root).scan().collect()
    assert after.filter((pl.col("source") == "politie") & (pl.col("period") == "2023")).sort(pl.all()).equals(politie_2023)
    others = before.filter(pl.col("source") != "politie").sort(pl.all())
    assert after.filter(pl.col("source") != "politie").sort(pl.all()).equals(others)  # nothing else touched
