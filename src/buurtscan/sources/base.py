"""The small interface every open source implements, and the values they return.

A source receives a :class:`FetchContext` (configured HTTP client, settings, observer) and
a :class:`FetchRequest` (which gemeenten, which year) and returns a :class:`SourceResult`:
tidy frames with their provenance, and what it skipped with a reason. Sources never
build HTTP clients, never touch the cache and never print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


from ..http_client import Http
from ..observe import NullObserver, Observer
from ..provenance import Provenance, TableData, utc_now  # noqa: F401 - re-exported for sources
from ..odata import CbsOData, TableMeta
from ..settings import Settings


Want = tuple[str, str | None]  # (stem, parent group title or None)


@dataclass(frozen=True)
class FetchRequest:
    """What to fetch: the gemeenten (None = the whole country), the year (None = newest)
    and per source the (stem, group) pairs the catalogue needs (absent = everything)."""

    gemeenten: tuple[str, ...] | None
    year: int | None = None
    wanted: dict[str, tuple[Want, ...]] = field(default_factory=dict)
    codes: tuple[str, ...] = ()  # the regions the user named (to report "no data for BU…")
    # per source: groups of wants that deliver the same figure (a stem and its other-year names),
    # to tell which figures a table lacks
    alternatives: dict[str, tuple[tuple[Want, ...], ...]] = field(default_factory=dict)
    # per source: the wants of the catalogue's key indicators (and their denominators), for series
    key_wanted: dict[str, tuple[Want, ...]] = field(default_factory=dict)
    history: int = 5  # years of older tables to read the key figures from (KWB; 0 = none)

    def wants(self, source: str) -> tuple[Want, ...] | None:
        return self.wanted.get(source)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str
    failed: bool = True  # False: the source answered, it just has no figures for a named region


@dataclass(frozen=True)
class SourceResult:
    tables: tuple[TableData, ...] = ()
    skipped: tuple[Skipped, ...] = ()


class FetchContext:
    """What a source may use: settings, one shared HTTP client, an observer, a memo."""

    def __init__(self, settings: Settings, http: Http, observer: Observer | None = None) -> None:
        self.settings = settings
        self.http = http
        self.observer: Observer = observer or NullObserver()
        self.memo: dict[str, Any] = {}

    def cbs(self) -> CbsOData:
        return CbsOData(self.http, self.settings.cbs_url, "CBS")

    def dataderden(self) -> CbsOData:
        return CbsOData(self.http, self.settings.dataderden_url, "CBS dataderden")

    @property
    def downloads(self) -> Path:
        """Folder for raw downloads a source keeps between runs (e.g. the Leefbaarometer zip)."""
        return self.settings.cache_dir / "downloads"


class Source(Protocol):
    name: str  # registry key, also stored in the cache
    title: str  # human name for messages

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult: ...

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        """The upstream release stamp of a cached table (TableInfos.Modified, Last-Modified…)."""
        ...


class StatLineSource:
    """What the CBS OData sources share: their host, their release stamp, their provenance."""

    name: str
    publisher: str
    licence: str
    on_dataderden: bool = False  # Politie and RIVM tables live on dataderden.cbs.nl

    def api(self, ctx: FetchContext) -> CbsOData:
        return ctx.dataderden() if self.on_dataderden else ctx.cbs()

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        """TableInfos.Modified upstream (for `status` and `refresh`)."""
        return self.api(ctx).modified(table_id)

    def _provenance(self, ctx: FetchContext, meta: TableMeta, period: str, url: str) -> Provenance:
        return Provenance(
            source=self.name,
            table_id=meta.table_id,
            title=meta.title,
            period=period,
            modified=meta.modified,
            publisher=self.publisher,
            licence=self.licence,
            base_url=ctx.settings.dataderden_url if self.on_dataderden else ctx.settings.cbs_url,
            request_url=url,
            retrieved_at=utc_now(),
        )
