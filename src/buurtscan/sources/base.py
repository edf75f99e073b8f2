"""The small interface every open source implements, and the values they return.

A source receives a :class:`FetchContext` (configured HTTP client, settings, observer) and
a :class:`FetchRequest` (which gemeenten, which year) and returns a :class:`SourceResult`:
tidy frames with their provenance, and what it skipped with a reason. Sources never
build HTTP clients, never touch the cache and never print.

A source also says what it *is* (:class:`Source`): its registry name, its publisher and
licence (stored with every table), a short name for tables and handouts, and the phrase it
adds to a report's attribution line. :mod:`buurtscan.sources` derives every list of open
sources from those attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from ..observe import NullObserver, Observer
from ..odata import CbsOData, TableMeta
from ..provenance import Provenance, TableData, utc_now  # noqa: F401 - re-exported for sources
from ..regions import NEDERLAND, gemeente_of
from ..settings import Settings

if TYPE_CHECKING:  # httpx is imported only when a source fetches (render reads the cache)
    from ..http_client import Http

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


@dataclass(frozen=True)
class FoundTable:
    """A table a source found upstream: its metadata and, for one-table-per-year sources, its year."""

    meta: TableMeta
    year: int | None = None


@dataclass(eq=False)
class FetchContext:
    """What a source may use during one run: settings, one shared HTTP client, an observer,
    and what was already learnt upstream in this run (so nothing is asked twice)."""

    settings: Settings
    http: Http
    observer: Observer = field(default_factory=NullObserver)
    year: int | None = None  # the run's --year (None = the newest table)
    # per source: (year or None, table id) newest first, from its catalogue or its known list
    listed: dict[str, list[tuple[int | None, str]]] = field(default_factory=dict)
    # the sources whose catalogue gave nothing (unreachable or empty): their known ids were used
    fallback: set[str] = field(default_factory=set)
    # (source, year asked) → the table found for it
    tables: dict[tuple[str, int | None], FoundTable] = field(default_factory=dict)
    # (KWB table id, gemeente) → that gemeente's region list (read while checking the codes)
    region_lists: dict[tuple[str, str], pl.DataFrame] = field(default_factory=dict)
    # (source, what) → what a source worked out for its own fetch and reuses later in the run
    # (RIVM: the fixed filters, reused for the rows of vergelijkbare buurten)
    learnt: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.observer is None:  # callers pass their optional observer straight on
            self.observer = NullObserver()

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
    publisher: str  # stored with every table: "CBS", "Politie / CBS", …
    licence: str  # stored with every table
    short_name: str  # in the tables of `show`, the spreadsheets and the handouts
    attribution: str  # what this source adds to a report's "Bron: …" line
    also_stores: tuple[str, ...]  # other cache source names it writes (KWB: the national profile)

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult: ...

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        """The upstream release stamp of a cached table (TableInfos.Modified, Last-Modified…)."""
        ...


def named_without_figures(
    name: str, request: FetchRequest, tables: Sequence[TableData], where: Callable[[TableData], str],
    note: Callable[[str], str] | None = None, period: Callable[[TableData], str] | None = None,
) -> list[Skipped]:
    """A :class:`Skipped` for every region the user named that has no figure (only nulls,
    or no rows) in these tables: "no figures for BU… in <where(part)>". Regions of parts
    that were not fetched (already skipped with their own reason) are not judged."""
    out = []
    for code in request.codes:
        part = gemeente_of(code) or NEDERLAND
        table = next((t for t in tables if t.gemeenten is None or part in t.gemeenten), None)
        if table is None:
            continue
        cond = (pl.col("region_code") == code) & pl.col("value").is_not_null()
        if period is not None:  # a series: judge the newest period
            cond = cond & (pl.col("period") == period(table))
        figures = table.frame.filter(cond)
        if figures.is_empty():
            extra = note(code) if note else ""
            out.append(Skipped(name, f"no figures for {code} in {where(table)}{extra}", failed=False))
    return out
