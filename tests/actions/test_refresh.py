"""Reliability of `refresh` against a loopback fake CBS that injects faults.

Every case checks the exit code, the message, and that no cached data was lost. The fixtures
are real data (tests/fixtures/README.md); "new releases" are simulated by changing the fake's
TableInfos.Modified.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from buurtscan.cache import KILL_AT_ENV, Cache
from buurtscan.actions.fetch import fetch
from buurtscan.actions.refresh import RefreshBusy, refresh, run_lock
from buurtscan.settings import Settings
from tests.fakecbs import FakeCBS, serve
from tests.paths import ROOT

LBM_PATH = "/leefbaarometer/resources/open-data-leefbaarometer-meting-2024.zip"


@pytest.fixture(scope="module")
def fake():
    return FakeCBS()


@pytest.fixture(scope="module")
def base_url(fake):
    with serve(fake) as url:
        yield url


@pytest.fixture
def clean(fake):
    fake.clear_faults()
    fake.reset_log()
    fake.on_request = None
    yield fake
    fake.clear_faults()
    fake.on_request = None
    fake.restore_table("dataderden", "47018NED")
    fake.set_modified("cbs", "85984NED", "2025-03-27T02:00:00")
    fake.set_modified("dataderden", "47018NED", "2024-08-15T02:00:00")


def make_settings(tmp_path: Path, base_url: str, **kw) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", cbs_url=base_url, dataderden_url=base_url + "/dataderden",
                    leefbaarometer_url=base_url + LBM_PATH, backoff=0.0, attempts=kw.pop("attempts", 2),
                    timeout=kw.pop("timeout", 10.0), **kw)


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTSCAN_")}
    env.update({
        "BUURTSCAN_CACHE_DIR": str(settings.cache_dir), "BUURTSCAN_CBS_URL": settings.cbs_url,
        "BUURTSCAN_DATADERDEN_URL": settings.dataderden_url, "BUURTSCAN_LEEFBAAROMETER_URL": settings.leefbaarometer_url,
        "BUURTSCAN_BACKOFF": "0", "BUURTSCAN_ATTEMPTS": "2", "CI": "true",
    })
    env.update(extra)
    return env


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".") and "downloads" not in p.parts}


def table_file(settings: Settings, key: str) -> str:
    entry = Cache(settings.cache_dir).manifest().tables[key]
    return hashlib.sha256((settings.cache_dir / entry.file).read_bytes()).hexdigest()


def inwoners(settings: Settings, code: str = "BU05183620", table: str = "85984NED") -> float:
    rows = Cache(settings.cache_dir).scan().filter(
        (pl.col("table_id") == table) & (pl.col("region_code") == code) & (pl.col("indicator") == "AantalInwoners")
    ).collect()
    return rows["value"][0]


@pytest.fixture
def filled(tmp_path, base_url, clean):
    settings = make_settings(tmp_path, base_url)
    fetch(settings, ["BU05183620"])
    clean.reset_log()
    return settings


def run_cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "buurtscan", "refresh", *args], capture_output=True, text=True,
                          env=env_for(settings, **env), cwd=ROOT, stdin=subprocess.DEVNULL, timeout=120)


def test_nothing_changed_downloads_no_data(filled, clean):
    report = refresh(filled)
    assert report.exit_code == 0
    assert {o.status for o in report.outcomes} == {"unchanged"}
    assert not [r for r in clean.requests if "TypedDataSet" in r.path]
    assert report.summary().startswith("refresh: 5 unchanged, 0 updated")


def test_new_release_is_fetched_and_nothing_else(filled, clean):
    politie_before = table_file(filled, "politie/47018NED")
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    report = refresh(filled)
    status = {o.source: o.status for o in report.outcomes}
    assert status == {"cbs_kwb": "updated", "politie": "unchanged", "rivm": "unchanged", "nabijheid": "unchanged",
                      "leefbaarometer": "unchanged"}
    assert report.exit_code == 0
    assert Cache(filled.cache_dir).manifest().tables["cbs_kwb/85984NED"].modified == "2025-06-30T02:00:00"
    assert inwoners(filled) == 3360
    assert table_file(filled, "politie/47018NED") == politie_before  # untouched
    data = [r for r in clean.requests if "TypedDataSet" in r.path]
    assert data and all("85984NED" in r.path for r in data)


def test_newer_kwb_year_is_picked_up(tmp_path, base_url, clean):
    settings = make_settings(tmp_path, base_url)
    fetch(settings, ["BU05183620"], year=2019, sources=["cbs_kwb"])
    report = refresh(settings)
    [o] = report.outcomes
    assert (o.status, o.table_id, o.gemeenten) == ("new table", "85984NED", ("GM0518",))
    tables = Cache(settings.cache_dir).manifest().tables
    assert {"cbs_kwb/84583NED", "cbs_kwb/85984NED"} <= set(tables)  # the old year is kept for trends
    assert inwoners(settings, table="84583NED") == 3245 and inwoners(settings) == 3360


@pytest.mark.parametrize(
    ("match", "kind", "opts", "expected"),
    [
        ("TypedDataSet", "status", {"status": 429, "headers": {"Retry-After": "0"}}, "updated"),
        ("TypedDataSet", "status", {"status": 503}, "updated"),
        ("TypedDataSet", "reset", {"fraction": 0.5}, "updated"),
    ],
)
def test_transient_faults_recover(filled, clean, match, kind, opts, expected):
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    clean.add_fault(match, kind, times=1, **opts)
    report = refresh(filled)
    assert report.outcomes[0].status == expected and report.exit_code == 0
    assert not clean.pending_faults
    assert inwoners(filled) == 3360


@pytest.mark.parametrize(
    ("kind", "opts", "message"),
    [
        ("status", {"status": 500}, "HTTP 500"),
        ("truncate", {"fraction": 0.5}, "cut-off or malformed JSON"),
        ("html", {}, "HTML page instead of data"),
    ],
)
def test_persistent_faults_keep_old_data(filled, clean, kind, opts, message):
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    before = snapshot(filled.cache_dir)
    clean.add_fault("85984NED/TypedDataSet", kind, times=50, **opts)
    report = refresh(filled)
    kwb = next(o for o in report.outcomes if o.source == "cbs_kwb")
    assert kwb.status == "failed" and message in kwb.reason
    assert report.exit_code == 1  # the other sources were fine
    assert snapshot(filled.cache_dir) == before
    assert inwoners(filled) == 3360


def test_slower_than_the_timeout(tmp_path, base_url, clean):
    settings = make_settings(tmp_path, base_url)
    fetch(settings, ["BU05183620"], sources=["cbs_kwb"])
    before = snapshot(settings.cache_dir)
    slow = make_settings(tmp_path, base_url, timeout=0.3)
    clean.add_fault("TableInfos", "slow", times=10, delay=1.5)
    report = refresh(slow)
    [o] = report.outcomes
    assert o.status == "failed" and "did not answer within 0.3 s" in o.reason
    assert report.exit_code == 3  # nothing was reachable
    assert snapshot(settings.cache_dir) == before


def test_table_that_disappears(filled, clean):
    before = table_file(filled, "politie/47018NED")
    clean.remove_table("dataderden", "47018NED")
    report = refresh(filled)
    politie = next(o for o in report.outcomes if o.source == "politie")
    assert politie.status == "failed" and "404" in politie.reason
    assert report.exit_code == 1
    assert table_file(filled, "politie/47018NED") == before


def test_nothing_reachable_is_exit_3(filled):
    before = snapshot(filled.cache_dir)
    dead = Settings(cache_dir=filled.cache_dir, cbs_url="http://127.0.0.1:9", dataderden_url="http://127.0.0.1:9",
                    leefbaarometer_url="http://127.0.0.1:9/x.zip", backoff=0.0, attempts=1)
    report = refresh(dead)
    assert report.exit_code == 3 and all(o.status == "failed" and o.unreachable for o in report.outcomes)
    assert snapshot(filled.cache_dir) == before
    proc = run_cli(dead)
    assert proc.returncode == 3
    assert "refresh: 0 unchanged, 0 updated, 0 new table, 5 failed" in proc.stdout
    assert "unreachable" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(filled.cache_dir) == before


@pytest.mark.parametrize("stage", ["data-written", "manifest-written"])
def test_killed_mid_write_leaves_a_consistent_cache(filled, clean, stage):
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    proc = run_cli(filled, **{KILL_AT_ENV: stage})
    assert proc.returncode == -signal.SIGKILL
    cache = Cache(filled.cache_dir)
    manifest = cache.manifest()  # parses
    for entry in manifest.tables.values():
        assert (filled.cache_dir / entry.file).exists()
    assert inwoners(filled) == 3360  # old (or new) data, complete either way
    expected = "2025-03-27T02:00:00" if stage == "data-written" else "2025-06-30T02:00:00"
    assert manifest.tables["cbs_kwb/85984NED"].modified == expected
    # the next run repairs: it finishes the update and removes files nobody refers to
    again = refresh(filled)
    assert again.exit_code == 0
    referenced = {filled.cache_dir / e.file for e in Cache(filled.cache_dir).manifest().tables.values()}
    referenced |= {filled.cache_dir / e.file for e in Cache(filled.cache_dir).manifest().regions.values()}
    on_disk = {p for p in (filled.cache_dir / "tables").rglob("*") if p.is_file()}
    assert on_disk <= referenced


def test_two_refreshes_started_together(filled, clean):
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    arrived = threading.Event()
    clean.on_request = lambda rec: arrived.set() if "TableInfos" in rec.path else None
    clean.add_fault("TableInfos", "slow", times=1, delay=2.0)
    first = subprocess.Popen([sys.executable, "-m", "buurtscan", "refresh"], env=env_for(filled), cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert arrived.wait(60), "the first refresh never reached the server"
        second = run_cli(filled)  # the first holds the lock while the server is slow
        assert second.returncode == 0
        assert "Another refresh" in second.stderr and "is running" in second.stderr
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert "1 updated" in out
    # --wait queues behind a running refresh instead of stopping
    with run_lock(filled.cache_dir, wait=False):
        with pytest.raises(RefreshBusy):
            refresh(filled)
    assert refresh(filled, wait=True).exit_code == 0


def test_full_disk_is_exit_5_and_loses_nothing(filled, clean):
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    before = snapshot(filled.cache_dir)

    def small_disk() -> None:  # writes beyond 4 kB fail like on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4_096, 4_096))

    proc = subprocess.run([sys.executable, "-m", "buurtscan", "refresh"], env=env_for(filled), cwd=ROOT,
                          capture_output=True, text=True, preexec_fn=small_disk, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 5, proc.stderr
    assert "Error: Writing the cache" in proc.stderr and "the previous cache is unchanged" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(filled.cache_dir) == before


def test_render_after_refresh(filled, clean, tmp_path):
    from buurtscan.actions.render import RenderOptions, render

    out = tmp_path / "notes"
    filled = dataclasses.replace(filled, render_roots=(tmp_path,))  # refresh --render replays inside these only
    render(filled, ["BU05183620"], options=RenderOptions(formats=("html",), out_dir=out))
    first = (out / "BU05183620-moerwijk-oost.html").stat().st_mtime_ns
    assert refresh(filled, render=True).rendered == ()  # nothing changed: nothing re-rendered
    clean.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    report = refresh(filled, render=True)
    assert report.rendered == (str((out / "BU05183620-moerwijk-oost.html").resolve()),)
    assert (out / "BU05183620-moerwijk-oost.html").stat().st_mtime_ns >= first
    proc = run_cli(filled, "--json")
    assert json.loads(proc.stdout)["summary"].startswith("refresh: 5 unchanged")


def test_empty_cache_says_so(tmp_path, base_url):
    proc = run_cli(make_settings(tmp_path, base_url))
    assert proc.returncode == 2 and "Nothing is cached" in proc.stderr
