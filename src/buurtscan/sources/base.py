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

import polars as pl

from ..http_client import Http
from ..observe import NullObserver, Observer
from ..provenance import Provenance, TableData, utc_now  # noqa: F401 - re-exported for sources
from ..odata import CbsOData
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
