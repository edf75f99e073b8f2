"""Retry policy: only transient failures are retried; errors become sentences."""

import email.utils

import httpx
import pytest

from buurtscan import __version__
from buurtscan.errors import SourceError, TableNotFoundError
from buurtscan.http_client import Http, backoff_hook, parse_retry_after, _Transient

OK = httpx.Response(200, json={"value": [{"a": 1}]})


def scripted(*answers):
    """A MockTransport answering with the given responses/exceptions in order; logs requests."""
    log = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        log.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return httpx.Response(item.status_code, headers=item.headers, content=item.content)

    return httpx.MockTransport(handler), log


def test_retries_429_and_5xx_then_succeeds(settings):
    transport, log = scripted(
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(500),
        httpx.Response(503),
        OK,
    )
    with Http(settings, transport) as http:
        assert http.get_json("https://opendata.cbs.nl/x") == {"value": [{"a": 1}]}
    assert len(log) == 4
    assert log[0].headers["User-Agent"].startswith(f"buurtscan/{__version__}")


@pytest.mark.parametrize("status", [400, 401, 403])
def test_other_4xx_are_not_retried(settings, status):
    transport, log = scripted(httpx.Response(status, json={"odata.error": {"message": {"value": "bad $select"}}}))
    with Http(settings, transport) as http, pytest.raises(SourceError) as info:
        http.get_json("https://opendata.cbs.nl/ODataFeed/odata/T/TypedDataSet")
    assert len(log) == 1
    assert f"HTTP {status}" in info.value.message
    assert "bad $select" in info.value.message


def test_404_is_table_not_found_without_retry(settings):
    transport, log = scripted(httpx.Response(404))
    with Http(settings, transport) as http, pytest.raises(TableNotFoundError):
        http.get_json("https://opendata.cbs.nl/ODataFeed/odata/99999NED/TableInfos")
    assert len(log) == 1


def test_unreachable_after_all_attempts(settings):
    transport, log = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    with Http(settings, transport) as http, pytest.raises(SourceError) as info:
        http.get_json("https://opendata.cbs.nl/x")
    assert len(log) == settings.attempts
    assert "opendata.cbs.nl is unreachable" in info.value.message
    assert "nothing in the cache was changed" in info.value.tip


def test_timeouts_and_resets_are_retried(settings):
    transport, log = scripted(httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset"), OK)
    with Http(settings, transport) as http:
        assert http.get_json("https://opendata.cbs.nl/x")["value"][0]["a"] == 1
    assert len(log) == 3


def test_html_maintenance_page_and_truncated_json(settings):
    transport, log = scripted(
        httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html>Onderhoud</html>"),
        httpx.Response(200, headers={"Content-Type": "application/json"}, content=b'{"value": [{"a": '),
        OK,
    )
    with Http(settings, transport) as http:
        assert http.get_json("https://opendata.cbs.nl/x")["value"] == [{"a": 1}]
    assert len(log) == 3
    transport, _ = scripted(httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<html/>"))
    with Http(settings, transport) as http, pytest.raises(SourceError) as info:
        http.get_json("https://opendata.cbs.nl/x")
    assert "HTML page" in info.value.message


def test_retry_after_sets_the_wait():
    assert backoff_hook(_Transient("429", retry_after=7.0)) == 7.0
    assert backoff_hook(_Transient("500")) is True
    assert backoff_hook(httpx.ConnectError("x")) is True
    assert backoff_hook(ValueError("bug")) is False
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("100000") == 120.0  # capped
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    when = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(when, now=1_000_000) == pytest.approx(30.0)
