"""`find` and `status` against the fake CBS service, and the CLI end to end."""

import json
import os
import subprocess
import sys

import httpx
import pytest
from typer.testing import CliRunner

from pathlib import Path

from buurtscan.cli import app
from buurtscan.actions.fetch import fetch
from buurtscan.actions.find import region_list
from buurtscan.settings import Settings
from buurtscan.actions.status import cache_status
from tests.fakecbs import FakeCBS, serve


def test_find_downloads_region_list_once_then_works_offline(settings, fake):
    regions, complete = region_list(settings, transport=fake.transport())
    assert complete and len(regions) == 18310
    assert regions.search("moerwijk oost")[0].code == "BU05183620"
    assert regions.search("moerwyk oost")[0].code == "BU05183620"
    slacht = regions.search("slachthuis")
    assert slacht and all("slachthuis" in m.name.lower() for m in slacht)
    assert {m.gemeente_name for m in regions.search("moerwijk", gemeente="GM0518")} == {"'s-Gravenhage"}
    fake.reset_log()

    def refuse(request):
        raise httpx.ConnectError("offline")

    again, complete = region_list(settings, transport=httpx.MockTransport(refuse))
    assert complete and len(again) == 18310  # from the cache, no request
    from buurtscan.cache import Cache

    assert Cache(settings.cache_dir).regions().codes == again.codes
    assert fake.requests == []


def newest(statuses):
    """The status of the newest KWB table (the older years are cached for the series too)."""
    return next(s for s in statuses if s.table_id == "85984NED" and s.source == "cbs_kwb")  # not the profile


def test_status_reports_upstream_changes(settings):
    fake = FakeCBS()  # its own instance: this test changes a table
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    st = newest(cache_status(settings, transport=fake.transport()))
    assert (st.table_id, st.period, st.gemeenten, st.changed) == ("85984NED", "2024", ("GM0518",), False)
    fake.set_modified("cbs", "85984NED", "2025-06-30T02:00:00")
    st = newest(cache_status(settings, transport=fake.transport()))
    assert st.changed is True and st.upstream_modified == "2025-06-30T02:00:00"
    st = newest(cache_status(settings, check_upstream=False))
    assert st.changed is None and st.check_error is None

    def refuse(request):
        raise httpx.ConnectError("offline")

    st = newest(cache_status(settings, transport=httpx.MockTransport(refuse)))
    assert st.changed is None and "unreachable" in st.check_error


@pytest.fixture(scope="module")
def server():
    with serve(FakeCBS()) as url:
        yield url


@pytest.fixture
def cli_env(server, tmp_path, monkeypatch):
    env = {
        "BUURTSCAN_CBS_URL": server,
        "BUURTSCAN_DATADERDEN_URL": server + "/dataderden",
        "BUURTSCAN_CACHE_DIR": str(tmp_path / "cli-cache"),
        "BUURTSCAN_BACKOFF": "0",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def run(*args):
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_fetch_find_status(cli_env):
    code, out, err = run("find", "moerwijk", "oost")
    assert code == 0 and "BU05183620" in out and "'s-Gravenhage" in out
    code, out, err = run("fetch", "BU05183620", "--source", "cbs_kwb")
    assert code == 0, err
    assert "cbs_kwb/85984NED" in out
    code, out, err = run("status", "--json")
    data = json.loads(out)
    assert code == 0 and data["tables"][0]["table_id"] == "85984NED" and data["tables"][0]["changed"] is False
    code, out, err = run("status", "--offline")
    assert code == 0 and "85984NED" in out and "not checked" in out


def test_cli_find_gemeente_lists_every_wijk_and_buurt(cli_env):
    code, out, err = run("find", "--gemeente", "Berkelland", "--json")
    assert code == 0, err
    listed = json.loads(out)
    # the real KWB 2024 region list: every wijk and buurt of Berkelland (GM1859), nothing else
    regions, _ = region_list(Settings(cache_dir=Path(cli_env["BUURTSCAN_CACHE_DIR"])))
    expected = {c for c in regions.codes if c[:2] in ("WK", "BU") and c[2:6] == "1859"}
    assert {m["code"] for m in listed} == expected and len(listed) == len(expected) > 20  # not cut at 20
    wijken = [i for i, m in enumerate(listed) if m["level"] == "wijk"]
    assert wijken[0] == 0  # each wijk comes before its buurten
    for m in listed:
        if m["level"] == "buurt":
            assert listed[max(i for i in wijken if i < listed.index(m))]["code"] == m["wijk_code"]
    code, out, err = run("find", "-g", "GM1859")
    assert code == 0 and out.count("\n") == len(expected) + 1  # header + one line per region
    code, out, err = run("find", "borculo", "-g", "Berkelland")
    assert code == 0 and "WK185900" in out and "GM0518" not in out


def test_cli_errors_are_one_line_with_exit_codes(cli_env, tmp_path):
    code, out, err = run("fetch", "BU05183699", "--source", "cbs_kwb")
    assert code == 2
    assert err.startswith("Error: BU05183699 is not a region") and "Traceback" not in err
    code, out, err = run("fetch", "not-a-code")
    assert code == 2 and "not a CBS region code" in err
    code, out, err = run("fetch")
    assert code == 2 and "at least one region code" in err
    code, out, err = run("find", "qqqqqq")
    assert code == 2 and "No region is called like" in err
    code, out, err = run("find")
    assert code == 2 and "--gemeente" in err and "Traceback" not in err
    code, out, err = run("find", "-g", "Atlantis")
    assert code == 2 and "No gemeente called 'Atlantis'" in err
    code, out, err = run("fetch", "GM0518", "--source", "nonsense")
    assert code == 2 and "Unknown source nonsense" in err


def test_cli_unreachable_is_exit_3(tmp_path, monkeypatch):
    monkeypatch.setenv("BUURTSCAN_CBS_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("BUURTSCAN_ATTEMPTS", "2")
    monkeypatch.setenv("BUURTSCAN_BACKOFF", "0")
    code, out, err = run("--cache-dir", str(tmp_path / "c"), "fetch", "BU05183620", "--source", "cbs_kwb")
    assert code == 3
    assert "127.0.0.1:9 is unreachable" in err and "Tip:" in err and "Traceback" not in err
    assert not (tmp_path / "c" / "manifest.json").exists()


def test_python_m_buurtscan_and_console_script():
    proc = subprocess.run([sys.executable, "-m", "buurtscan", "--version"], capture_output=True, text=True,
                          env={**os.environ, "CI": "true"}, check=False)
    assert proc.returncode == 0 and proc.stdout.startswith("buurtscan ")
    proc = subprocess.run([sys.executable, "-m", "buurtscan", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "fetch" in proc.stdout and "status" in proc.stdout
