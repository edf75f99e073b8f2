"""Hostile or damaged cache files (issue 15, items 3, 4, 6 and 7): confined, repaired, one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from buurtscan.actions import merge as merging
from buurtscan.cache import Cache
from buurtscan.errors import CacheError
from buurtscan.actions.fetch import fetch
from buurtscan.actions.refresh import refresh
from buurtscan.scan import GemeenteData

from .conftest import ROOT, assert_clean, env_for, run, snapshot

CODE = "BU05183620"
EXAMPLES = ROOT / "examples"


def kwb_entry(settings):
    return Cache(settings.cache_dir).manifest().tables["cbs_kwb/85984NED"]


def edit_manifest(settings, change) -> None:
    path = settings.cache_dir / "manifest.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def with_partner(filled):
    merging.merge(filled, EXAMPLES / "corporatie_2024.csv", source="corporatie", mapping=EXAMPLES / "corporatie.toml")
    return filled


# ------------------------------------------------------------------ confinement

@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink"])
def test_merge_remove_never_deletes_outside_the_cache(with_partner, tmp_path, where):
    victim = tmp_path / "precious.parquet"
    victim.write_bytes(b"keep me")
    key = next(k for k, e in Cache(with_partner.cache_dir).manifest().tables.items() if e.source == "corporatie")
    if where == "absolute":
        rel = str(victim)
    elif where == "dotdot":
        rel = "tables/corporatie/../../../precious.parquet"
    else:
        link = with_partner.cache_dir / "tables" / "evil"
        link.symlink_to(tmp_path, target_is_directory=True)
        rel = "tables/evil/precious.parquet"
    edit_manifest(with_partner, lambda m: m["tables"][key].update(file=rel))
    before = snapshot(with_partner.cache_dir)
    proc = run(["merge", "--remove", "corporatie"], env_for(with_partner))
    assert_clean(proc, 5, "outside the cache")
    assert victim.read_bytes() == b"keep me"
    assert snapshot(with_partner.cache_dir) == before
    proc = run(["show", CODE], env_for(with_partner))
    assert_clean(proc, 5, "outside the cache")


def test_a_region_entry_pointing_outside_is_refused(filled, tmp_path):
    outside = tmp_path / "x.parquet"
    pl.DataFrame({"code": ["BU1"]}).write_parquet(outside)
    edit_manifest(filled, lambda m: next(iter(m["regions"].values())).update(file=str(outside)))
    assert_clean(run(["status", "--offline"], env_for(filled)), 5, "outside the cache")
    assert outside.exists()


@pytest.mark.parametrize("text", ['{"format": 2, "tables": []}', '{"format": 2, "tables": {"a": 5}}', "[]",
                                  '{"format": 2, "tables": {"a": {"source": "x", "table_id": "y"}}}',
                                  '{"format": 2, "tables": {}, "regions": {"r": {"file": 7}}}',
                                  '{"format": 1, "tables": {"a": {"source": "x", "table_id": "y", "file": 3}}}'])
def test_manifest_of_the_wrong_shape_is_one_line(filled, text):
    (filled.cache_dir / "manifest.json").write_text(text)
    with pytest.raises(CacheError) as info:
        GemeenteData(Cache(filled.cache_dir), "GM0518")
    assert "manifest" in info.value.message and "\n" not in info.value.message


def test_manifest_of_the_wrong_shape_cli(filled):
    (filled.cache_dir / "manifest.json").write_text('{"format": 2, "tables": {"a": 5}}')
    for args in (["show", CODE], ["status", "--offline"], ["render", CODE, "--format", "md"]):
        assert_clean(run(args, env_for(filled)), 5, "manifest")


# ------------------------------------------------------------------ repair

def damage(settings, how: str) -> Path:
    path = Cache(settings.cache_dir).file_of(kwb_entry(settings))
    if how == "missing":
        path.unlink()
    elif how == "garbage":
        path.write_bytes(b"this is no parquet file" * 100)
    elif how == "flipped":  # same size, one byte in the middle changed: only the hash tells
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("how", ["missing", "garbage"])
def test_damaged_table_is_reported_and_fetch_rewrites_it(filled, how):
    damage(filled, how)
    line = assert_clean(run(["show", CODE], env_for(filled)), 5, "cbs_kwb 85984NED", "buurtscan fetch --gemeente GM0518")
    assert how in line or "damaged" in line
    proc = run(["status", "--offline"], env_for(filled))
    assert proc.returncode == 5 and "Traceback" not in proc.stderr
    assert f"is {'missing' if how == 'missing' else 'damaged'}" in proc.stderr
    if how == "garbage":  # the repair itself, in process (the CLI run is the "missing" case)
        fetch(filled, gemeenten=["GM0518"], sources=["cbs_kwb"])
        assert Cache(filled.cache_dir).check_file(kwb_entry(filled), full=True) is None
        return
    proc = run(["fetch", "--gemeente", "GM0518", "--source", "cbs_kwb"], env_for(filled))
    assert_clean(proc, 0)
    assert_clean(run(["status", "--offline", "--check"], env_for(filled)), 0)
    proc = run(["show", CODE, "--json"], env_for(filled))
    assert_clean(proc, 0)
    assert json.loads(proc.stdout)["region"]["code"] == CODE


def test_status_check_verifies_the_hash(filled):
    damage(filled, "flipped")
    cheap = run(["status", "--offline", "--json"], env_for(filled))
    full = run(["status", "--offline", "--check", "--json"], env_for(filled))
    assert full.returncode == 5, full.stderr
    problems = json.loads(full.stdout)["problems"]
    assert [(p["what"], p["problem"]) for p in problems] == [("cbs_kwb 85984NED", "damaged")]
    assert "Traceback" not in cheap.stderr


def test_refresh_reports_and_repairs_a_missing_file(filled, hostile):
    damage(filled, "missing")
    report = refresh(filled)
    assert any("85984NED: the cached file is missing; fetched again" in n for n in report.notes)
    kwb = next(o for o in report.outcomes if o.source == "cbs_kwb")
    assert kwb.status == "updated"
    assert Cache(filled.cache_dir).check_file(kwb_entry(filled), full=True) is None
    assert "1 repair" in report.summary()


def test_unreadable_manifest_is_moved_aside_and_rebuilt(with_partner, hostile):
    (with_partner.cache_dir / "manifest.json").write_bytes(b"\x00\xffnot json at all")
    assert_clean(run(["show", CODE], env_for(with_partner)), 5, "cannot be read", "moved aside")
    proc = run(["refresh", "--json"], env_for(with_partner))
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["notes"] and "corporatie" in report["notes"][0] and "moved it aside" in report["notes"][0].lower()
    assert {o["source"] for o in report["sources"] if o["status"] == "updated"} >= {"cbs_kwb", "politie"}
    assert list(with_partner.cache_dir.glob("manifest.broken-*.json"))
    proc = run(["show", CODE, "--json"], env_for(with_partner))
    assert_clean(proc, 0)


def test_fetch_moves_an_unreadable_manifest_aside(filled, hostile):
    (filled.cache_dir / "manifest.json").write_text("{")
    report = fetch(filled, [CODE], sources=["cbs_kwb"])
    assert report.notes and "moved it aside" in report.notes[0].lower()
    assert "cbs_kwb/85984NED" in Cache(filled.cache_dir).manifest().tables


# ------------------------------------------------------------------ consistent reads

def test_a_reader_keeps_its_generation_while_a_commit_lands(filled, hostile):
    """In one reading() the manifest and files stay those of the start, even after a commit."""
    cache = Cache(filled.cache_dir)
    with cache.reading():
        old_file = cache.file_of(kwb_entry(filled))
        fetch(filled, ["GM0363"], sources=["cbs_kwb"])  # another gemeente: a new generation of the table
        assert old_file.exists()  # not deleted under the reader
        assert cache.for_region("GM0518").height > 0
        assert "GM0363" not in cache.manifest().tables["cbs_kwb/85984NED"].parts
    assert "GM0363" in Cache(filled.cache_dir).manifest().tables["cbs_kwb/85984NED"].parts
    fetch(filled, ["GM0363"], sources=["cbs_kwb"])  # the next write removes the leftovers
    assert not old_file.exists()



def test_a_reader_of_an_old_cache_without_a_lock_file_still_holds_its_generation(filled, hostile):
    """An old cache (before its first commit made ``.readers.lock``): the reader creates the file and
    takes the shared lock, so a commit during the read leaves the old files in place."""
    from buurtscan.cache.files import READERS

    (filled.cache_dir / READERS).unlink(missing_ok=True)
    before = snapshot(filled.cache_dir)
    cache = Cache(filled.cache_dir)
    with cache.reading():
        assert (filled.cache_dir / READERS).exists()  # created by the reader
        assert snapshot(filled.cache_dir) == before  # nothing else written
        old_file = cache.file_of(kwb_entry(filled))
        fetch(filled, ["GM0363"], sources=["cbs_kwb"])
        assert old_file.exists()  # not deleted under the reader
        assert cache.for_region("GM0518").height > 0


WRITER = """
import sys
from pathlib import Path
import polars as pl
from buurtscan.cache import Cache
from buurtscan.errors import CacheError
from buurtscan.provenance import Provenance, TableData
from buurtscan.tidy import finish_tidy
cache = Cache(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    frame = finish_tidy(pl.DataFrame({"region_code": ["BU05183620", "GM0518"], "indicator": ["x", "x"],
                        "value": [float(i), float(i)], "unit": ["aantal", "aantal"]}),
                        period="2024", source="loop", table_id="loop")
    prov = Provenance(source="loop", table_id="loop", title="loop", period="2024", modified=str(i),
                      publisher="test", licence="test", base_url="", request_url="", retrieved_at="2026-01-01")
    cache.commit([TableData(prov, frame, ("GM0518",))])
"""

READER = """
import sys
from pathlib import Path
from buurtscan.cache import Cache
from buurtscan.errors import CacheError
from buurtscan.scan import GemeenteData
cache = Cache(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    data = GemeenteData(cache, "GM0518")
    loop = data.data.filter(data.data["source"] == "loop")
    assert loop.height in (0, 2), loop
    assert len(set(loop["value"].to_list())) <= 1, loop  # never a mix of two commits
print("ok")
"""


def test_commits_and_reads_in_two_processes(filled):
    """A bounded loop: 40 commits in one process, 40 reads in another; every read is whole."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(filled.cache_dir), "40"], env=env_for(filled),
                              cwd=ROOT, stderr=subprocess.PIPE, text=True)
    reader = subprocess.run([sys.executable, "-c", READER, str(filled.cache_dir), "40"], env=env_for(filled),
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert writer.wait(timeout=300) == 0, writer.stderr.read()
    assert reader.returncode == 0 and reader.stdout.strip() == "ok", reader.stderr
    assert Cache(filled.cache_dir).check_file(Cache(filled.cache_dir).manifest().tables["loop/loop"], full=True) is None
