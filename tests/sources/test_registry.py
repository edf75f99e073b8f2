"""The source registry is the one list of open sources (docs/architecture.md, "Een bron toevoegen").

Adding a source is one module plus one registry line: every table that names open sources
(the CLI's short names, the report's publishers and attribution line, the spreadsheets' source
column, the partner-name check, `merge --remove`, `status`) derives from the registry. The
second test registers a tiny source of its own and follows it through fetch and status.
"""

import re
from typing import Any

import polars as pl
import pytest

from buurtscan import sources
from buurtscan.cache import Cache
from buurtscan.catalogue import Catalogue
from buurtscan.errors import UsageError
from buurtscan.actions.fetch import fetch
from buurtscan.actions.merge import remove
from buurtscan.partners import OPEN_SOURCES as PARTNER_CHECK
from buurtscan.partners import check_source_name
from buurtscan.report import build, overview_xlsx
from buurtscan.sources import REGISTRY, SHORT_NAMES, attributions
from buurtscan.odata import eq, topic_columns
from buurtscan.regions import NEDERLAND, pad
from buurtscan.sources.base import (
    FetchContext,
    FetchRequest,
    Provenance,
    SourceResult,
    TableData,
    named_without_figures,
    utc_now,
)
from buurtscan.sources.statline import CBS_ATTRIBUTION, GEO, Listed, StatLineSource, years_in_titles
from buurtscan.actions.status import PROFILE_OF, cache_status
from buurtscan.tidy import finish_tidy


class Buurtmeter:
    """A made-up open source: one module like this plus one line in sources/__init__.py."""

    name = "buurtmeter"
    title = "Buurtmeter (test)"
    publisher = "Stichting Buurtmeter"
    licence = "CC0 1.0"
    short_name = "Buurtmeter"
    attribution = "Buurtmeter, stichting Buurtmeter"
    also_stores: tuple[str, ...] = ()

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        tables = []
        for gm in request.gemeenten or ():
            rows = pl.DataFrame({"region_code": [gm], "indicator": ["bankjes"], "value": [12.0], "unit": ["aantal"]})
            prov = Provenance(self.name, "BM01", "Bankjes per gemeente", "2025", "2025-01-01", self.publisher,
                              self.licence, "https://buurtmeter.example", "https://buurtmeter.example/bm01",
                              utc_now())
            tables.append(TableData(prov, finish_tidy(rows, period="2025", source=self.name, table_id="BM01"), (gm,)))
        return SourceResult(tuple(tables))

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        return "2025-02-01"


@pytest.fixture
def buurtmeter(monkeypatch):
    monkeypatch.setitem(REGISTRY, Buurtmeter.name, Buurtmeter())
    return Buurtmeter.name


def cache_names() -> list[str]:
    """Every cache source name an open source writes (its own and, KWB, the national profile)."""
    return [n for s in REGISTRY.values() for n in (s.name, *s.also_stores)]


def test_every_derived_table_lists_every_registered_source():
    assert list(REGISTRY) == ["cbs_kwb", "politie", "rivm", "nabijheid", "leefbaarometer"]  # the fetch order
    for name in cache_names():
        short = SHORT_NAMES[name]
        assert build.PUBLISHERS[name] == overview_xlsx.SOURCE_NAMES[name] == short
        assert name in build.OPEN_SOURCES and name in PARTNER_CHECK
        with pytest.raises(UsageError, match="name of an open source"):
            check_source_name(name)
    assert PROFILE_OF == {"cbs_kwb_profile": "cbs_kwb"}
    assert (SHORT_NAMES["politie"], SHORT_NAMES["cbs_kwb_profile"]) == ("Politie / CBS", "CBS")


def test_the_attribution_line_comes_from_the_sources():
    line = build.attribution([{"source": s} for s in ("cbs_kwb", "nabijheid", "rivm", "woonstad")])
    assert line == ("Bron: CBS (Centraal Bureau voor de Statistiek), open data onder licentie CC BY 4.0; "
                    "RIVM/GGD'en/CBS, Gezondheid per wijk en buurt; partnercijfers: woonstad. Bewerking: buurtscan.")
    # CBS leads even when only another source was used; each phrase once
    assert attributions(["leefbaarometer"]) == [REGISTRY["cbs_kwb"].attribution,
                                               REGISTRY["leefbaarometer"].attribution]
    assert all(s.attribution for s in REGISTRY.values())


def test_a_registered_source_is_picked_up_everywhere(buurtmeter, settings, fake):
    assert SHORT_NAMES[buurtmeter] == build.PUBLISHERS[buurtmeter] == overview_xlsx.SOURCE_NAMES[buurtmeter]
    assert buurtmeter in PARTNER_CHECK and buurtmeter in sources.OPEN_SOURCES
    with pytest.raises(UsageError, match="name of an open source"):
        check_source_name("Buurtmeter")
    assert "Buurtmeter, stichting Buurtmeter" in build.attribution([{"source": buurtmeter}])
    with pytest.raises(UsageError, match="Unknown source nope") as unknown:
        fetch(settings, ["GM0518"], sources=["nope"], transport=fake.transport())
    assert "buurtmeter" in (unknown.value.tip or "")

    report = fetch(settings, ["GM0518"], sources=[buurtmeter], transport=fake.transport())
    assert not report.skipped
    entry = Cache(settings.cache_dir).manifest().tables["buurtmeter/BM01"]
    assert (entry.publisher, entry.licence) == ("Stichting Buurtmeter", "CC0 1.0")
    rows = Cache(settings.cache_dir).for_region("GM0518").filter(pl.col("source") == buurtmeter)
    assert rows["value"].to_list() == [12.0]
    with pytest.raises(UsageError, match="open source"):
        remove(settings, buurtmeter)  # `merge --remove` leaves open data alone
    status = {s.source: s for s in cache_status(settings, transport=fake.transport())}
    assert status[buurtmeter].upstream_modified == "2025-02-01"


# the worked example of docs/architecture.md ("Een bron toevoegen"), on a table the fake CBS serves
AFSTAND_TITLE = re.compile(r"^Nabijheid voorzieningen\b.*\bbuurtcijfers\s+(\d{4})\s*$", re.IGNORECASE)


class AfstandSource(StatLineSource):
    name = "afstand"
    title = "CBS Afstand tot voorzieningen (voorbeeld)"
    publisher = "CBS"
    licence = "CC BY 4.0"
    short_name = "CBS"
    attribution = CBS_ATTRIBUTION
    catalogue_title = "Nabijheid voorzieningen"
    known_tables = {2021: "85231NED"}

    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        return years_in_titles(records, AFSTAND_TITLE)

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        found = self.discover_table(ctx, request.year)
        cols = topic_columns(found.meta, request.wants(self.name))

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            return self.read_pages(ctx, found.meta, cols, period=str(found.year), flt=region, part=part)

        tables, skipped = self.fetch_by_gemeente(ctx, request, load, nederland=eq(GEO, pad(NEDERLAND)),
                                                 label=found.meta.table_id)
        skipped += named_without_figures(self.name, request, tables, lambda t: found.meta.table_id)
        return SourceResult(tuple(tables), tuple(skipped))


def test_a_statline_source_is_a_dozen_lines(monkeypatch, settings, fake):
    monkeypatch.setitem(REGISTRY, "afstand", AfstandSource())
    wanted = Catalogue.wanted  # stands in for the catalogue lines a new source comes with (data)
    monkeypatch.setattr(Catalogue, "wanted", lambda self, source: [("AfstandTotHuisartsenpraktijk", None)]
                        if source == "afstand" else wanted(self, source))
    fetch(settings, ["BU05183620"], sources=["afstand"], transport=fake.transport())
    entry = Cache(settings.cache_dir).manifest().tables["afstand/85231NED"]
    assert (entry.period, entry.publisher, sorted(entry.parts)) == ("2021", "CBS", ["GM0518", "NL00"])
    rows = Cache(settings.cache_dir).for_region("BU05183620").filter(pl.col("source") == "afstand")
    nl = rows.filter((pl.col("region_code") == "NL00") & (pl.col("indicator") == "AfstandTotHuisartsenpraktijk"))
    assert nl["value"].to_list() == [1.0]  # the real NL value of 85231NED (as in test_sources.py)
    assert build.PUBLISHERS["afstand"] == "CBS"
