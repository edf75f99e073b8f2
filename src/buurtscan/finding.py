"""`buurtscan find NAME`: regions by (part of) their name, ignoring case and accents.

The region list of the newest KWB table is downloaded once (one request, code and name
only) and cached; later searches work offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import polars as pl

from .cache import Cache
from .errors import SourceError, UsageError
from .http_client import Http
from .observe import Observer
from .regions import LEVEL_ORDER, parse_code
from .text import fold
from .settings import Settings
from .sources.base import FetchContext, utc_now
from .sources.kwb import KwbSource

# Common names that differ from the official gemeentenaam.
ALIASES = {
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
    "den bosch": "s hertogenbosch",
}


@dataclass(frozen=True)
class Match:
    code: str
    name: str
    level: str
    gemeente_code: str | None
    gemeente_name: str | None
    wijk_code: str | None
    wijk_name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.__dict__)


def region_list(
    settings: Settings, *, observer: Observer | None = None, transport: httpx.BaseTransport | None = None
) -> tuple[pl.DataFrame, bool]:
    """The full region list (from the cache, else downloaded and cached) and whether it is complete."""
    cache = Cache(settings.cache_dir)
    regions = cache.manifest().regions
    complete = [t for t, e in regions.items() if e.complete]
    if complete:
        newest = max(complete, key=lambda t: regions[t].period)
        return cache.region_list(newest), True
    kwb = KwbSource()
    try:
        with Http(settings, transport) as http:
            ctx = FetchContext(settings, http, observer)
            meta = kwb.table_for(ctx, None)
            ctx.observer.message(f"Downloading the region list of {meta.title} ({meta.table_id})")
            frame = kwb.region_list(ctx, meta, None)
    except SourceError:
        partial = cache.region_list()
        if partial.is_empty():
            raise
        return partial, False
    cache.store_regions(meta.table_id, str(kwb.year_of(meta) or meta.period), frame,
                        complete=True, retrieved_at=utc_now())
    return frame, True


def search(regions: pl.DataFrame, query: str, *, gemeente: str | None = None, limit: int = 20) -> list[Match]:
    """Regions whose name contains every word of the query (case and accents ignored)."""
    q = fold(query)
    if not q:
        raise UsageError("Give (part of) a name to look for, e.g. `buurtscan find moerwijk`.")
    q = ALIASES.get(q, q)
    names = dict(zip(regions["code"].to_list(), regions["name"].to_list(), strict=True))
    gm_code = _gemeente_code(regions, gemeente) if gemeente else None
    words = q.split()
    compact = q.replace(" ", "")
    scored = []
    for row in regions.iter_rows(named=True):
        if gm_code and row["gemeente_code"] != gm_code and row["code"] != gm_code:
            continue
        name = fold(row["name"])
        if not (all(w in name for w in words) or compact in name.replace(" ", "")):
            continue
        bare = re.sub(r"^wijk \d+ ", "", name)  # "Wijk 36 Moerwijk" matches "moerwijk" exactly
        score = 0 if q in (name, bare) else 1 if name.startswith(q) or bare.startswith(q) else 2
        scored.append((score, LEVEL_ORDER.get(row["level"], 9), row["name"], row))
    scored.sort(key=lambda s: s[:3])
    out = []
    for *_, row in scored[:limit]:
        out.append(
            Match(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                gemeente_code=row["gemeente_code"],
                gemeente_name=names.get(row["gemeente_code"] or ""),
                wijk_code=row["wijk_code"] if row["level"] == "buurt" else None,
                wijk_name=names.get(row["wijk_code"] or "") if row["level"] == "buurt" else None,
            )
        )
    return out


def near_names(regions: pl.DataFrame, query: str, n: int = 5) -> list[str]:
    """Names that look like the query (for 'no match' messages)."""
    import difflib

    folded = {fold(nm): nm for nm in regions["name"].to_list()}
    return [folded[k] for k in difflib.get_close_matches(fold(query), list(folded), n=n, cutoff=0.6)]


def _gemeente_code(regions: pl.DataFrame, gemeente: str) -> str:
    try:
        rc = parse_code(gemeente)
        if rc.level == "gemeente":
            return rc.code
    except UsageError:
        pass
    target = ALIASES.get(fold(gemeente), fold(gemeente))
    gms = regions.filter(pl.col("level") == "gemeente")
    for code, name in zip(gms["code"].to_list(), gms["name"].to_list(), strict=True):
        if fold(name) == target:
            return code
    raise UsageError(
        f"No gemeente called '{gemeente}'.",
        tip="Give its code (GM0518) or its official name ('s-Gravenhage); `buurtscan find NAME` lists gemeenten too.",
    )
