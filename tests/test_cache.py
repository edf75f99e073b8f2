"""Cache semantics: replace instead of duplicate, atomic commits, nothing lost on failure.

Values here are made up (the cache does not care what the numbers are).
"""

import hashlib
from pathlib import Path

import polars as pl
import pytest

from buurtscan.cache import Cache
from buurtscan.errors import CacheError
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
    entry = cache.manifest()["tables"]["cbs_kwb/85984NED"]
    assert set(entry["parts"]) == {"GM0518", "GM0363", "NL00"}
    assert entry["modified"] == "2025-03-27T02:00:00"
    assert entry["request_url"].startswith("https://opendata.cbs.nl")
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

    monkeypatch.setattr("buurtscan.cache.atomic_write_bytes", boom)  # manifest write fails
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
    assert set(cache.manifest()["tables"]["cbs_kwb/85984NED"]["parts"]) == {"*"}
    assert cache.region_entry("85984NED")["complete"] is True


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
        extra={"indicators": [{"id": "achterstand"}], "sha256": "abc"},
    )
    cache.commit([t, partner])
    entry = cache.manifest()["tables"]["corporatie/partner"]
    assert entry["extra"]["sha256"] == "abc"
    before = {p.name for p in (tmp_path / "tables" / "cbs_kwb").iterdir()}
    assert cache.remove_source("corporatie") == 1
    assert "corporatie/partner" not in cache.manifest()["tables"]
    assert not list((tmp_path / "tables" / "corporatie").glob("*.parquet"))
    assert {p.name for p in (tmp_path / "tables" / "cbs_kwb").iterdir()} == before  # others untouched
    assert cache.remove_source("corporatie") == 0
