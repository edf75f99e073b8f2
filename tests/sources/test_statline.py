"""The shared StatLine code (sources/statline.py): which table a source reads, against the fake CBS."""

import pytest

from buurtscan.errors import TableNotFoundError, UsageError
from buurtscan.http_client import Http
from buurtscan.observe import RecordingObserver
from buurtscan.sources.base import FetchContext
from buurtscan.sources.kwb import KwbSource
from buurtscan.sources.nabijheid import NabijheidSource
from buurtscan.sources.politie import PolitieSource
from buurtscan.sources.rivm import RivmSource
from tests.fakecbs import FakeCBS


def table_infos(fake, table_id: str) -> int:
    return sum(1 for r in fake.requests if r.path.endswith(f"{table_id}/TableInfos"))


def test_the_catalogue_names_the_table_and_each_is_asked_once_a_run(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        first = KwbSource().discover_table(ctx)
        again = KwbSource().discover_table(ctx)
        politie = PolitieSource().discover_table(ctx)
    assert (first.meta.table_id, first.year) == ("85984NED", 2024)
    assert again is first and table_infos(fake, "85984NED") == 1
    assert politie.meta.table_id == "47018NED" and politie.year is None
    assert not ctx.fallback  # both catalogues answered


def test_an_unreachable_catalogue_falls_back_to_the_known_ids(settings, fake):
    fake.add_fault("ODataCatalog", "status", status=500, times=100)
    seen = RecordingObserver()
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http, seen)
        found = KwbSource().discover_table(ctx)
    assert found.meta.table_id == "85984NED"  # the newest known id the host really serves
    assert ctx.fallback == {"cbs_kwb"}  # refresh does not take a newer year from the known list
    assert any("catalogue is not reachable" in m and "known table ids" in m for m in seen.messages)


def test_one_table_per_year_takes_the_newest_not_after_the_year(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        found = NabijheidSource().discover_table(ctx, 2023)
        with pytest.raises(TableNotFoundError, match="Nabijheid voorzieningen.* for 2020 or earlier"):
            NabijheidSource().discover_table(ctx, 2020)
    assert (found.meta.table_id, found.year) == ("85231NED", 2021)


def test_kwb_with_a_year_takes_exactly_that_year(settings, fake):
    with Http(settings, fake.transport()) as http:
        ctx = FetchContext(settings, http)
        assert KwbSource().table_for(ctx, 2019).table_id == "84583NED"
        with pytest.raises(UsageError, match="no Kerncijfers wijken en buurten table for 2010") as info:
            KwbSource().table_for(ctx, 2010)
    assert "2024" in (info.value.tip or "")


def test_every_candidate_is_tried_before_the_source_gives_up(settings):
    fresh = FakeCBS()  # not the shared one: this test removes a table
    fresh.remove_table("dataderden", "50090NED")
    with Http(settings, fresh.transport()) as http:
        ctx = FetchContext(settings, http)
        with pytest.raises(TableNotFoundError) as info:
            RivmSource().discover_table(ctx)
    # the catalogue's tables, then the known ids it did not list (RIVM keeps its known ids)
    assert "Gezondheid per wijk en buurt" in info.value.message
    assert "50150NED" in info.value.message and "50090NED" in info.value.message
