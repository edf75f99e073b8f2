"""Interactive commands fail fast when a host cannot be reached; `refresh` keeps its patient retries.

Asserted on the attempts made (never on wall time). Only loopback addresses are used: a
closed port on 127.0.0.1 (connection refused) and a MockTransport that raises the error
a failed name look-up gives.
"""

from __future__ import annotations

import socket

import httpx
import pytest
from typer.testing import CliRunner

from buurtscan.cli import app
from buurtscan.errors import SourceError
from buurtscan.actions.fetch import fetch
from buurtscan.actions.find import region_list
from buurtscan.http_client import FAST_CONNECT_ATTEMPTS, FAST_CONNECT_TIMEOUT, Http
from buurtscan.settings import Settings

DNS_ERROR = "[Errno -2] Name or service not known"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counting(httpx.HTTPTransport):
    """The real transport, counting the connections it tries."""

    def __init__(self) -> None:
        super().__init__()
        self.tries = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.tries += 1
        return super().handle_request(request)


def unresolvable() -> tuple[httpx.MockTransport, list[httpx.Request]]:
    log: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        raise httpx.ConnectError(DNS_ERROR)

    return httpx.MockTransport(handler), log


@pytest.fixture
def dead(tmp_path) -> Settings:
    url = f"http://127.0.0.1:{closed_port()}"
    return Settings(cache_dir=tmp_path / "cache", cbs_url=url, dataderden_url=url,
                    leefbaarometer_url=url + "/x.zip", attempts=5, backoff=0.0, timeout=5.0)


def test_fail_fast_gives_up_on_an_unresolvable_host_after_two_tries(settings):
    assert settings.attempts > FAST_CONNECT_ATTEMPTS
    transport, log = unresolvable()
    with Http(settings, transport, patient=False) as http:
        with pytest.raises(SourceError) as info:
            http.get_json("https://opendata.cbs.nl/x")
        assert len(log) == http.traffic.attempts == FAST_CONNECT_ATTEMPTS
        assert "opendata.cbs.nl is unreachable (its name cannot be resolved; 2 attempts)" in info.value.message
        tip = info.value.tip
        assert "--example" in tip and "BUURTSCAN_CBS_URL" in tip and "BUURTSCAN_LEEFBAAROMETER_URL" in tip
        assert "nothing in the cache was changed" in tip
        # the same host again in this run: no new attempt, the same sentence
        with pytest.raises(SourceError) as again:
            http.get("https://opendata.cbs.nl/other")
        assert len(log) == http.traffic.attempts == FAST_CONNECT_ATTEMPTS
        assert again.value.message == info.value.message


def test_patient_client_keeps_every_attempt(settings):
    transport, log = unresolvable()
    with Http(settings, transport) as http, pytest.raises(SourceError) as info:
        http.get_json("https://opendata.cbs.nl/x")
    assert len(log) == http.traffic.attempts == settings.attempts
    assert "is unreachable" in info.value.message  # refresh and status recognise this word


def test_fail_fast_still_retries_a_busy_server(settings):
    answers = [httpx.Response(503), httpx.Response(503), httpx.Response(200, json={"value": []})]
    log: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        return answers[min(len(log), len(answers)) - 1]

    with Http(settings, httpx.MockTransport(handler), patient=False) as http:
        assert http.get_json("https://opendata.cbs.nl/x") == {"value": []}
    assert len(log) == 3  # 5xx is not a connection failure: the normal policy applies


def test_fail_fast_client_has_a_short_connect_timeout(settings):
    with Http(settings, patient=False) as fast, Http(settings) as patient:
        assert fast.client.timeout.connect == min(FAST_CONNECT_TIMEOUT, settings.timeout)
        assert patient.client.timeout.connect == min(10.0, settings.timeout)
    assert FAST_CONNECT_ATTEMPTS * FAST_CONNECT_TIMEOUT < 10  # the promise: a verdict within 10 s


def test_fetch_against_a_closed_loopback_port_stops_after_two_tries(dead):
    transport = Counting()
    with pytest.raises(SourceError) as info:
        fetch(dead, ["BU05183620"], transport=transport)
    assert transport.tries == FAST_CONNECT_ATTEMPTS  # not dead.attempts (5)
    assert "is unreachable (the connection was refused; 2 attempts)" in info.value.message
    assert not (dead.cache_dir / "manifest.json").exists()


def test_patient_fetch_as_refresh_uses_it_keeps_the_retries(dead):
    transport = Counting()
    with pytest.raises(SourceError):
        fetch(dead, ["BU05183620"], transport=transport, patient=True)
    # every request made gets all its attempts (KWB asks the catalogue, then the table itself)
    assert transport.tries >= dead.attempts and transport.tries % dead.attempts == 0


def test_find_with_an_empty_cache_fails_fast(dead):
    transport = Counting()
    with pytest.raises(SourceError) as info:
        region_list(dead, transport=transport)
    assert transport.tries == FAST_CONNECT_ATTEMPTS
    assert "--example" in info.value.tip


def test_cli_find_and_fetch_say_so_with_the_tip(dead, monkeypatch):
    for var, value in (("BUURTSCAN_CBS_URL", dead.cbs_url), ("BUURTSCAN_DATADERDEN_URL", dead.cbs_url),
                       ("BUURTSCAN_CACHE_DIR", str(dead.cache_dir)), ("BUURTSCAN_ATTEMPTS", "5"),
                       ("BUURTSCAN_BACKOFF", "0")):
        monkeypatch.setenv(var, value)
    for args in (["find", "moerwijk"], ["fetch", "BU05183620"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 3, result.stderr
        assert "is unreachable (the connection was refused; 2 attempts)" in result.stderr
        assert "--example" in result.stderr and "BUURTSCAN_" in result.stderr and "Traceback" not in result.stderr
