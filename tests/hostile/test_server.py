"""Hostile server answers (issue 15, items 2, 6 and 9): bounded, skipped, never a traceback."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from buurtscan.errors import SourceError
from buurtscan.actions.fetch import fetch
from buurtscan.http_client import MAX_REDIRECTS, Http
from tests.fakecbs import LBM_FILE

from .conftest import LBM_PATH, MEMORY_LIMIT, assert_clean, env_for, run, settings_for, snapshot

POLITIE = "/dataderden/ODataFeed/odata/47018NED/TypedDataSet"
HEADER = b"bu_code,bu_naam,jaar,lbm,afw,fys,onv,soc,vrz,won\n"


def test_endless_body_stops_at_the_cap_under_a_memory_limit(hostile, base_url, filled):
    """An answer that never ends: read up to max_response_mb, the source is skipped, the others land."""
    before = snapshot(filled.cache_dir)
    hostile.add_fault(POLITIE, "endless", times=10)
    proc = run(["fetch", "BU05183620", "--source", "politie,cbs_kwb"],
               env_for(filled, BUURTSCAN_MAX_RESPONSE_MB="16"), memory=MEMORY_LIMIT)
    assert_clean(proc, 1, "Skipped politie", "more than 16 MB", "max_response_mb")
    assert "cbs_kwb/85984NED" in proc.stdout
    after = snapshot(filled.cache_dir)
    politie = [k for k in before if "politie" in k]
    assert politie and all(after.get(k) == before[k] for k in politie)  # the old politie data stands


def test_endless_body_of_the_only_source_is_exit_3(hostile, base_url, filled):
    before = snapshot(filled.cache_dir)
    hostile.add_fault(POLITIE, "endless", times=10)
    proc = run(["fetch", "BU05183620", "--source", "politie"], env_for(filled, BUURTSCAN_MAX_RESPONSE_MB="4"),
               memory=MEMORY_LIMIT)
    assert_clean(proc, 3, "more than 4 MB")
    assert snapshot(filled.cache_dir) == before


def test_endless_download_is_bounded_on_disk(hostile, base_url, tmp_path):
    """The Leefbaarometer zip streams to disk, but never past max_download_mb; nothing is kept."""
    settings = settings_for(tmp_path / "cache", base_url, max_download_mb=3)
    hostile.add_fault(LBM_FILE, "endless", times=10, content_type="application/zip")
    with pytest.raises(SourceError) as info:
        fetch(settings, ["BU05183620"], sources=["leefbaarometer"])
    assert "more than 3 MB" in info.value.message and "max_download_mb" in info.value.message
    assert "max_download_mb" in (info.value.tip or "")
    downloads = settings.cache_dir / "downloads"
    assert not [p for p in downloads.rglob("*") if p.is_file()]


def test_declared_length_over_the_cap_is_refused_before_reading(settings):
    import httpx

    sent = []

    def handler(request):
        sent.append(request)
        return httpx.Response(200, headers={"Content-Length": str(2 << 30), "Content-Type": "application/json"},
                              content=b"")

    with Http(settings, httpx.MockTransport(handler)) as http, pytest.raises(SourceError) as info:
        http.get_json("https://opendata.cbs.nl/ODataFeed/odata/X/TypedDataSet")
    assert "more than 100 MB" in info.value.message
    assert len(sent) == 1  # not retried


def test_redirect_loop_on_the_zip_only_skips_leefbaarometer(hostile, base_url, tmp_path):
    hostile.add_fault(LBM_FILE, "redirect", times=50, location=LBM_PATH)
    settings = settings_for(tmp_path / "cache", base_url)
    report = fetch(settings, ["BU05183620"])
    assert [s.source for s in report.skipped if s.failed] == ["leefbaarometer"]
    reason = next(s.reason for s in report.skipped if s.failed)
    assert f"more than {MAX_REDIRECTS} times" in reason and "\n" not in reason
    assert "cbs_kwb/85984NED" in report.stored and "politie/47018NED" in report.stored
    zip_hops = [r for r in hostile.requests if LBM_FILE in r.path]
    assert len(zip_hops) == MAX_REDIRECTS + 1  # bounded, and a loop is not retried


def test_redirect_loop_cli_is_exit_1_with_a_skipped_line(hostile, base_url, filled):
    hostile.add_fault(LBM_FILE, "redirect", times=50, location=LBM_PATH)
    proc = run(["fetch", "BU05183620"], env_for(filled))
    assert_clean(proc, 1, "Skipped leefbaarometer", "redirect loop")


def test_cross_host_redirect_is_refused_unless_configured(hostile, base_url, tmp_path):
    """127.0.0.1 and localhost are different hosts (the same loopback server)."""
    port = base_url.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}{LBM_PATH}"
    hostile.add_fault(LBM_FILE, "redirect", times=1, location=elsewhere)
    settings = settings_for(tmp_path / "cache", base_url)
    report = fetch(settings, ["BU05183620"], sources=["leefbaarometer", "cbs_kwb"])
    reasons = [s.reason for s in report.skipped if s.source == "leefbaarometer"]
    assert reasons and "another host (localhost)" in reasons[0]
    hostile.clear_faults()
    hostile.add_fault(LBM_FILE, "redirect", times=1, location=elsewhere)
    trusted = settings_for(tmp_path / "cache2", base_url, redirect_hosts=("localhost",))
    report = fetch(trusted, ["BU05183620"], sources=["leefbaarometer"])
    assert "leefbaarometer/leefbaarometer-3.0" in report.stored
    assert any(r.host.startswith("localhost") and LBM_FILE in r.path for r in hostile.requests)


def test_redirect_hosts_setting_is_read_from_the_environment(hostile, base_url, filled):
    port = base_url.rsplit(":", 1)[1]
    hostile.add_fault(LBM_FILE, "redirect", times=1, location=f"http://localhost:{port}{LBM_PATH}")
    proc = run(["fetch", "BU05183620", "--source", "leefbaarometer"],
               env_for(filled, BUURTSCAN_REDIRECT_HOSTS="localhost"))
    assert_clean(proc, 0)


@pytest.mark.parametrize(("payload", "fragment"), [
    ({"value": None}, "no 'value' list"),
    ({"value": [None, 1]}, "something other than records"),
    ({"value": "nothing"}, "no 'value' list"),
    ([1, 2, 3], "no 'value' list"),
    ({"value": [{"Key": 5, "Type": None, "Title": []}]}, "47018NED"),
    ({"value": [], "odata.nextLink": 42}, "not an address"),
    ({"value": [], "odata.nextLink": "http://elsewhere.invalid/next"}, "paging link to another host"),
])
def test_malformed_but_parseable_odata_is_a_skipped_source(hostile, base_url, filled, payload, fragment):
    before = snapshot(filled.cache_dir)
    hostile.add_fault("/dataderden/ODataFeed/odata/47018NED", "json", times=10, payload=payload)
    report = fetch(filled, ["BU05183620"], sources=["politie", "cbs_kwb"])
    failed = [s for s in report.skipped if s.failed]
    assert [s.source for s in failed] == ["politie"]
    assert fragment in failed[0].reason and "\n" not in failed[0].reason
    politie = [k for k in before if "politie" in k]
    after = snapshot(filled.cache_dir)
    assert all(after.get(k) == before[k] for k in politie)


def test_value_null_cli_line(hostile, base_url, filled):
    hostile.add_fault("/dataderden/ODataFeed/odata/47018NED", "json", times=10, payload={"value": None})
    proc = run(["fetch", "BU05183620", "--source", "politie"], env_for(filled))
    assert_clean(proc, 3, "no 'value' list")


def test_malformed_answer_in_refresh_and_status_is_one_line(hostile, base_url, filled):
    hostile.add_fault("/ODataApi/odata/85984NED/TableInfos", "json", times=10, payload={"value": [{"Modified": {}}]})
    proc = run(["refresh", "--json"], env_for(filled))
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["summary"].startswith("refresh:")
    proc = run(["status"], env_for(filled))
    assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ the Leefbaarometer zip

def bomb_zip(unpacked_mb: int) -> bytes:
    """A zip (small on disk) whose buurt CSV unpacks to ``unpacked_mb`` MB of one repeated row."""
    buf = io.BytesIO()
    row = b"BU05183620,Moerwijk-Oost,2024,3.9,-0.2,0.1,-0.1,-0.1,0,0\n"
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("Leefbaarometer-scores buurten 2002-2024.csv", "w", force_zip64=True) as fh:
            fh.write(HEADER)
            block = row * (1 << 14)
            for _ in range(unpacked_mb * (1 << 20) // len(block)):
                fh.write(block)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = bomb_zip(200)  # under max_unpacked_mb (256): the ratio check stops it
    assert len(data) < 3 * (1 << 20)  # small on disk, large unpacked
    return data


def test_zip_bomb_is_refused_before_unpacking(hostile, base_url, filled, bomb):
    before = snapshot(filled.cache_dir)
    kept = filled.cache_dir / "downloads" / LBM_FILE
    kept_bytes = kept.read_bytes()
    hostile.add_fault(LBM_FILE, "status", times=10, status=200, body=bomb, content_type="application/zip")
    proc = run(["fetch", "BU05183620", "--source", "leefbaarometer"],
               env_for(filled), memory=MEMORY_LIMIT)
    # the kept zip answered 304 before; a conditional request now gets the bomb as a 200
    assert_clean(proc, 3, "compressed", "zip bomb")
    assert snapshot(filled.cache_dir) == before
    assert kept.read_bytes() == kept_bytes  # the bomb never replaced the kept file
    assert not [p for p in kept.parent.iterdir() if p.name.endswith(".tmp")]


def test_unpacked_size_cap(tmp_path):
    from buurtscan.sources.leefbaarometer import read_scores

    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("Leefbaarometer-scores buurten.csv", HEADER + b"BU0001,x,2024,1,1,1,1,1,1,1\n" * 80_000)
    with pytest.raises(SourceError) as info:
        read_scores(path, "https://x.invalid/z.zip", max_unpacked=1 << 20)
    assert "more than 1 MB" in info.value.message and "max_unpacked_mb" in (info.value.tip or "")


@pytest.mark.parametrize("name", ["../../etc/cron.d/x.csv", "/etc/passwd", "C:/Windows/x.csv", "a/../../b.csv"])
def test_unsafe_member_names_are_refused(tmp_path, name):
    from buurtscan.sources.leefbaarometer import read_scores

    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Leefbaarometer-scores buurten.csv", HEADER)
        z.writestr(name, b"x")
    with pytest.raises(SourceError) as info:
        read_scores(path, "https://x.invalid/z.zip")
    assert "unsafe name" in info.value.message


def test_a_kept_bomb_is_deleted_and_downloaded_again(hostile, base_url, filled, bomb):
    """A bomb an older version kept in downloads/ (answered 304 now) is removed, not used."""
    kept = filled.cache_dir / "downloads" / LBM_FILE
    good = kept.read_bytes()
    kept.write_bytes(bomb)
    report = fetch(filled, ["BU05183620"], sources=["leefbaarometer"])
    assert "leefbaarometer/leefbaarometer-3.0" in report.stored
    assert kept.read_bytes() == good  # downloaded again (200), the bomb is gone
    statuses = [r.status for r in hostile.requests if LBM_FILE in r.path]
    assert statuses == [304, 200]


def test_a_kept_bomb_is_removed_even_when_the_new_download_fails(hostile, base_url, filled, bomb):
    kept = filled.cache_dir / "downloads" / LBM_FILE
    kept.write_bytes(bomb)
    hostile.add_fault(LBM_FILE, "status", times=1, status=304, body=b"", content_type="application/zip")
    hostile.add_fault(LBM_FILE, "status", times=10, status=503)
    with pytest.raises(SourceError):
        fetch(filled, ["BU05183620"], sources=["leefbaarometer"])
    assert not kept.exists()


def test_a_long_multiline_server_message_stays_one_line(hostile, base_url, filled):
    """An HTTP 400 whose OData error is 20,000 characters over many lines: one short Skipped line."""
    body = json.dumps({"odata.error": {"message": {"value": "bad\n" * 5000}}})
    hostile.add_fault("/dataderden/ODataFeed/odata/47018NED", "status", times=10, status=400, body=body,
                      content_type="application/json")
    proc = run(["fetch", "BU05183620", "--source", "politie,cbs_kwb"], env_for(filled))
    assert_clean(proc, 1)
    skipped = [line for line in proc.stderr.splitlines() if line.startswith("Skipped politie")]
    assert len(skipped) == 1 and len(skipped[0]) <= 520, skipped
    assert not any(line.strip() == "bad" for line in proc.stderr.splitlines())
