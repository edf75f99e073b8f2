"""Error kinds are told apart by type, never by the words of the message.

``SourceUnavailable`` (no usable answer: unreachable, timed out, failing after the retries) and
``RefreshBusy`` sit in the tree of ``errors.py``; ``refresh`` and ``status`` test the type. The
tests below give each a message without the old magic words ("unreachable", "did not answer")
and a plain ``SourceError`` with them, so a return to text matching fails.
"""

from __future__ import annotations

import httpx
import pytest

from buurtscan import errors
from buurtscan.actions.fetch import fetch
from buurtscan.actions.refresh import refresh
from buurtscan.actions.status import cache_status
from buurtscan.errors import (EXIT_OK, EXIT_SOURCE, BuurtscanError, RefreshBusy, SourceError, SourceUnavailable,
                              TableNotFoundError, source_failure)
from buurtscan.http_client import Http
from buurtscan.sources import REGISTRY

URL = "https://opendata.cbs.nl/ODataApi/odata/85984NED/TableInfos"


def test_the_tree_has_both_kinds():
    assert issubclass(SourceUnavailable, SourceError) and SourceUnavailable.exit_code == EXIT_SOURCE
    assert not issubclass(TableNotFoundError, SourceUnavailable)
    assert issubclass(RefreshBusy, BuurtscanError) and RefreshBusy.exit_code == EXIT_OK
    assert "SourceUnavailable" in errors.__doc__ and "RefreshBusy" in errors.__doc__  # drawn in the tree


def test_refresh_busy_is_one_class():
    from buurtscan.actions import refresh as refresh_module

    assert refresh_module.RefreshBusy is errors.RefreshBusy


def get(settings, handler) -> BaseException:
    with Http(settings, httpx.MockTransport(handler)) as http, pytest.raises(SourceError) as info:
        http.get(URL)
    return info.value


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
                                     httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut")])
def test_transport_failures_are_unavailable(settings, failure):
    def handler(request):
        raise failure

    assert isinstance(get(settings, handler), SourceUnavailable)


def test_failing_after_the_retries_is_unavailable(settings):
    assert isinstance(get(settings, lambda request: httpx.Response(503)), SourceUnavailable)


def test_a_refused_redirect_is_not_unavailable(settings):
    def handler(request):
        return httpx.Response(302, headers={"Location": "https://elsewhere.example/x"})

    exc = get(settings, handler)
    assert type(exc) is SourceError


def test_the_kind_survives_a_loop_over_parts():
    down = [SourceUnavailable("a"), SourceUnavailable("b")]
    assert isinstance(source_failure(down, "GM0518: a"), SourceUnavailable)
    assert source_failure(down, "GM0518: a").message == "GM0518: a"
    mixed = [SourceUnavailable("a"), SourceError("odd answer")]
    assert type(source_failure(mixed, "x")) is SourceError
    assert type(source_failure([], "x")) is SourceError


@pytest.mark.parametrize("sources", [["politie"], ["politie", "rivm"]])
def test_fetch_from_a_dead_host_raises_unavailable(settings, sources):
    def refuse(request):
        raise httpx.ConnectError("refused")

    with pytest.raises(SourceError) as info:
        fetch(settings, ["BU05183620"], sources=sources, transport=httpx.MockTransport(refuse), check=False)
    assert isinstance(info.value, SourceUnavailable), info.value.message


@pytest.fixture
def cached(settings, fake):
    fetch(settings, ["BU05183620"], sources=["cbs_kwb"], transport=fake.transport())
    return settings


def test_refresh_counts_unavailable_by_type(cached, fake, monkeypatch):
    def storing(ctx):
        raise SourceUnavailable("CBS had een storing")  # none of the old magic words

    monkeypatch.setattr(REGISTRY["cbs_kwb"], "available_years", storing)
    report = refresh(cached, transport=fake.transport())
    [o] = report.outcomes
    assert o.status == "failed" and o.unreachable and report.exit_code == EXIT_SOURCE


def test_refresh_ignores_the_words_of_a_plain_source_error(cached, fake, monkeypatch):
    def odd(ctx):
        raise SourceError("the host is unreachable and did not answer a usable answer")  # words, wrong type

    monkeypatch.setattr(REGISTRY["cbs_kwb"], "available_years", odd)
    report = refresh(cached, transport=fake.transport())
    [o] = report.outcomes
    assert o.status == "failed" and not o.unreachable and report.exit_code == 1


@pytest.mark.parametrize(("error", "stops"), [(SourceUnavailable("storing"), True),
                                              (SourceError("is unreachable, did not answer"), False)])
def test_status_stops_asking_a_dead_host_by_type(cached, fake, monkeypatch, error, stops):
    calls = []

    def check(ctx, table_id):
        calls.append(table_id)
        raise error

    monkeypatch.setattr(REGISTRY["cbs_kwb"], "upstream_modified", check)
    statuses = cache_status(cached, transport=fake.transport())
    asked = [s for s in statuses if s.source.startswith("cbs_kwb")]
    assert len(asked) >= 2 and all(s.check_error == error.message for s in asked)
    assert len(calls) == (1 if stops else len(asked))
