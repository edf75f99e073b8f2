"""`buurtscan find`: regions by (part of) their name, or every wijk and buurt of a gemeente.

The region list of the newest KWB table is downloaded once (one request, code and name
only) and cached; later searches work offline. The look-ups themselves live in
:class:`buurtscan.regions.RegionList`; this module only gets the list and turns "nothing
found" into a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..cache import Cache
from ..errors import SourceError, UsageError
from ..http_client import Http
from ..observe import NullObserver, Observer
from ..regions import Match, RegionList
from ..settings import Settings
from ..sources.base import FetchContext, utc_now
from ..sources.kwb import KwbSource


def region_list(
    settings: Settings, *, observer: Observer | None = None, transport: httpx.BaseTransport | None = None
) -> tuple[RegionList, bool]:
    """The full region list (from the cache, else downloaded and cached) and whether it is complete.

    When CBS cannot be reached the regions already in the cache are returned with
    ``complete=False``; with an empty cache the SourceError stands. The download fails fast
    (an interactive command: no long retries when the host cannot be reached).
    """
    cache = Cache(settings.cache_dir)
    regions = cache.manifest().regions
    complete = [t for t, e in regions.items() if e.complete]
    if complete:
        newest = max(complete, key=lambda t: regions[t].period)
        return cache.regions(newest), True
    kwb = KwbSource()
    try:
        with Http(settings, transport, patient=False) as http:
            ctx = FetchContext(settings, http, observer or NullObserver())
            meta = kwb.table_for(ctx, None)
            ctx.observer.message(f"Downloading the region list of {meta.title} ({meta.table_id})")
            frame = kwb.region_list(ctx, meta, None)
    except SourceError:
        partial = cache.regions()
        if not len(partial):
            raise
        return partial, False
    cache.store_regions(meta.table_id, str(kwb.year_of(meta) or meta.period), frame,
                        complete=True, retrieved_at=utc_now())
    return RegionList(frame), True


def find(regions: RegionList, query: str | None, *, gemeente: str | None = None,
         limit: int | None = None) -> list[Match]:
    """What `find` lists: matches of a name (20 by default), or with only a gemeente all its wijken and buurten.

    Raises UsageError when nothing is asked, the gemeente is unknown or no name matches.
    """
    query = (query or "").strip()
    if gemeente is not None and regions.gemeente(gemeente) is None:
        hints = regions.near_names(gemeente, n=3, level="gemeente")
        raise UsageError(
            f"No gemeente called '{gemeente}'" + (f"; did you mean {', '.join(hints)}?" if hints else "."),
            tip="Give its code (GM0518) or its name ('s-Gravenhage or Den Haag); `buurtscan find NAME` lists "
            "gemeenten too.",
        )
    if not query:
        if gemeente is None:
            raise UsageError("Give (part of) a name to look for, or a --gemeente to list its wijken and buurten.",
                             tip="For example: buurtscan find moerwijk, or buurtscan find --gemeente Berkelland")
        listed = regions.within(gemeente)
        if not listed:
            raise UsageError(f"No wijken or buurten of {gemeente} are in the region list.",
                             tip="Fetch the gemeente first, or check the connection so the full list can be "
                             "downloaded.")
        return listed if limit is None else listed[:limit]
    matches = regions.search(query, gemeente=gemeente, limit=20 if limit is None else limit)
    if not matches:
        hints = regions.near_names(query)
        where = f" in {gemeente}" if gemeente else ""
        raise UsageError(
            f"No region{where} is called like '{query}'" + (f"; did you mean {', '.join(hints)}?" if hints else "."),
            tip="Try a shorter part of the name, e.g. `buurtscan find moerwijk`.",
        )
    return matches


@dataclass(frozen=True)
class FindResult:
    """What `find` found, and whether the whole region list was searched (False: CBS was
    unreachable, so only the regions already in the cache were)."""

    matches: list[Match]
    complete: bool = True

    def as_dict(self) -> dict[str, object]:
        return {"complete": self.complete, "matches": [m.as_dict() for m in self.matches]}


def find_regions(settings: Settings | None, query: str | None = None, *, gemeente: str | None = None,
                 limit: int | None = None, cache: Cache | None = None, observer: Observer | None = None,
                 transport: httpx.BaseTransport | None = None) -> FindResult:
    """The `find` command as one call: the region list of ``cache`` if given (e.g. the bundled
    example; ``settings`` may then be None), else of the settings' cache, downloaded once when
    missing, searched for ``query`` (or, with only ``gemeente``, all its wijken and buurten)."""
    if cache is not None:
        regions, complete = cache.regions(), True
    elif settings is not None:
        regions, complete = region_list(settings, observer=observer, transport=transport)
    else:
        raise ValueError("find_regions needs settings or a cache")
    return FindResult(find(regions, query, gemeente=gemeente, limit=limit), complete)
