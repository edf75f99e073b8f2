"""`buurtscan fetch`: validate codes, ask every selected source, commit to the cache once.

Order of work: parse the codes → find the KWB table of the year → check every code
against that table's region list (unknown codes stop the run before anything is
downloaded) → each source fetches (a failing source is *skipped with a reason*, the
others still land) → one atomic cache commit.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import httpx
import polars as pl

from .. import catalogue
from ..catalogue import ALWAYS_KWB, DENOMINATORS, Catalogue
from ..cache import Cache
from ..errors import SourceError, UnknownRegionError, UsageError, source_failure
from ..http_client import Http
from ..observe import NullObserver, Observer
from ..regions import RegionCode, RegionList, parse_code
from ..settings import Settings
from ..sources import REGISTRY
from ..provenance import TableData
from ..sources.base import FetchContext, FetchRequest, Skipped, Want, utc_now
from ..sources.kwb import NAME as KWB, KwbSource
from ..similar import DEFAULT_K, ROWS_SOURCES
from .similar_rows import add_similar_rows

DEFAULT_HISTORY = 5  # years of older Kerncijfers tables read for the series (`fetch --history`)


def alternatives(cat: Catalogue, source: str) -> tuple[tuple[Want, ...], ...]:
    """Groups of (stem, group) wants that each deliver one figure: an indicator's stem with its
    names in other table years, each stem it adds up or divides by, and (KWB) the denominators."""
    out: list[tuple[Want, ...]] = []

    def add(group: tuple[Want, ...]) -> None:
        if group and group not in out:
            out.append(group)

    for ind in cat.indicators:
        if ind.source == source:
            add(tuple((stem, ind.group) for stem in ind.stems))
            for stem in ind.of:
                add(((stem, None),))
        if source == KWB:
            for deriv in (ind.derive, ind.then):
                if deriv in DENOMINATORS:
                    add(((DENOMINATORS[deriv], None),))
    if source == KWB:
        for stem in ALWAYS_KWB:
            add(((stem, None),))
    return tuple(out)


def key_wants(cat: Catalogue, source: str) -> tuple[Want, ...]:
    """The wants of the catalogue's key indicators of a source (KWB: plus the denominators and
    the redrawing code every series needs)."""
    out: list[Want] = []
    for ind in cat.indicators:
        if not ind.key:
            continue
        if ind.source == source:
            out += [(stem, ind.group) for stem in ind.stems] + [(stem, None) for stem in ind.of]
        if source == KWB:
            out += [(DENOMINATORS[d], None) for d in (ind.derive, ind.then) if d in DENOMINATORS]
    if source == KWB:
        out += [(stem, None) for stem in ALWAYS_KWB]
    return tuple(dict.fromkeys(out))

log = logging.getLogger(__name__)
# what code reading a JSON answer raises when a field has another type or is absent
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, pl.exceptions.PolarsError)


@contextlib.contextmanager
def answer_shape(what: str) -> Iterator[None]:
    """Turn a parseable but malformed answer (a field of another type, a missing key) into a
    SourceError naming the source, so it is skipped instead of ending in a traceback."""
    try:
        yield
    except SHAPE_ERRORS as exc:
        log.info("malformed answer from %s", what, exc_info=True)
        detail = " ".join(str(exc).split())[:120]
        raise SourceError(
            f"{what} answered in an unexpected shape ({type(exc).__name__}{': ' + detail if detail else ''}).",
            tip="The API may have changed; please report this (run with -v for details). "
            "Nothing in the cache was changed.",
        ) from None


@dataclass(frozen=True)
class FetchReport:
    """What a fetch did: rows stored per table, sources skipped, traffic."""

    gemeenten: tuple[str, ...] | None  # None = whole country
    stored: dict[str, int]  # "source/table_id" -> rows now cached for that table
    skipped: tuple[Skipped, ...]
    requests: int
    bytes: int
    notes: tuple[str, ...] = ()  # e.g. an unreadable manifest moved aside and rebuilt

    @property
    def partial(self) -> bool:
        """Some source or gemeente failed (a source without figures for a buurt is not a failure)."""
        return any(s.failed for s in self.skipped)

    def as_dict(self) -> dict[str, object]:
        """The summary `fetch --json` prints."""
        return {
            "gemeenten": list(self.gemeenten) if self.gemeenten is not None else "*",
            "stored": self.stored,
            "skipped": [s.__dict__ for s in self.skipped],  # failed: false = answered, no figures
            "requests": self.requests,
            "bytes": self.bytes,
            "notes": list(self.notes),
        }


def plan_gemeenten(codes: Sequence[str], gemeenten: Sequence[str]) -> tuple[list[RegionCode], list[str]]:
    """Parse codes and --gemeente values; return the regions and the gemeenten to fetch."""
    regions = [parse_code(c) for c in codes]
    wanted: list[str] = []
    for g in gemeenten:
        rc = parse_code(g)
        if rc.level != "gemeente":
            raise UsageError(f"--gemeente needs a gemeentecode such as GM0518, got '{g}'.")
        wanted.append(rc.code)
    for rc in regions:
        if rc.gemeente and rc.gemeente not in wanted:
            wanted.append(rc.gemeente)
    return regions, wanted


def check_codes(
    kwb: KwbSource, ctx: FetchContext, cache: Cache, regions: Sequence[RegionCode], gemeenten: Sequence[str]
) -> None:
    """Raise UnknownRegionError for codes the KWB table does not know; keep the region lists."""
    meta = kwb.table_for(ctx, ctx.year)
    for gm in gemeenten:
        if (meta.table_id, gm) not in ctx.region_lists:
            ctx.region_lists[(meta.table_id, gm)] = kwb.region_list(ctx, meta, [gm])
    for rc in [*regions, *(parse_code(g) for g in gemeenten)]:
        if rc.code == "NL00" or rc.gemeente is None:
            continue
        listed = ctx.region_lists[(meta.table_id, rc.gemeente)]
        if rc.code in set(listed["code"].to_list()):
            continue
        known = listed if not listed.is_empty() else _all_regions(kwb, ctx, cache, meta.table_id, meta.period)
        hints = RegionList(known).suggest(rc.code)
        raise UnknownRegionError(
            f"{rc.code} is not a region in {meta.title} ({meta.table_id})"
            + (f"; did you mean {', '.join(hints)}?" if hints else "."),
            suggestions=hints,
            tip="Look codes up with `buurtscan find NAME`; codes change when a gemeente is redrawn.",
        )


def _all_regions(kwb: KwbSource, ctx: FetchContext, cache: Cache, table_id: str, period: str) -> pl.DataFrame:
    entry = cache.region_entry(table_id)
    if entry and entry.complete:
        return cache.region_list(table_id)
    frame = kwb.region_list(ctx, kwb.table_for(ctx, ctx.year), None)
    cache.store_regions(table_id, period, frame, complete=True, retrieved_at=utc_now())
    return frame


def _add_profile(kwb: KwbSource, ctx: FetchContext, cache: Cache, tables: list, skipped: list[Skipped],
                 *, forced: bool) -> None:
    """Add the national profile (vergelijkbare buurten) when asked for or not yet cached."""
    from ..sources.kwb import profile as kwb_profile

    try:
        meta = kwb.table_for(ctx, ctx.year)
        entry = cache.manifest().tables.get(f"{kwb_profile.NAME}/{meta.table_id}")
        if not forced and kwb_profile.is_current(entry, meta):
            return
        whole = next((t for t in tables if t.provenance.source == kwb.name and t.gemeenten is None
                      and t.provenance.table_id == meta.table_id), None)
        if whole is not None:  # fetch --all: cut it from the rows already downloaded
            tables.append(kwb_profile.from_whole_table(ctx, kwb, meta, whole))
            return
        listed = cache.region_entry(meta.table_id)
        tables.append(kwb_profile.fetch_profile(ctx, kwb, meta, need_regions=not (listed and listed.complete)))
    except SourceError as exc:
        skipped.append(Skipped(kwb_profile.NAME, f"vergelijkbare buurten: {exc.message}", failed=forced))


def fetch(
    settings: Settings,
    codes: Sequence[str] = (),
    *,
    gemeenten: Sequence[str] = (),
    whole_country: bool = False,
    year: int | None = None,
    history: int = DEFAULT_HISTORY,
    sources: Sequence[str] | None = None,
    observer: Observer | None = None,
    transport: httpx.BaseTransport | None = None,
    check: bool = True,
    older: bool = True,
    patient: bool = False,
    similar: bool = False,
    similar_k: int = DEFAULT_K,
) -> FetchReport:
    """Download the figures for these regions (plus their gemeente, wijken, buurten and NL).

    ``history`` = how many years of older KWB tables to read the key figures from, for the
    series (0 = none). ``check=False`` skips validating the codes against the KWB region list
    (for `refresh`, whose gemeenten come from the cache). ``older=False`` reads no older KWB
    table at all (`refresh` of a new release of the same table). ``patient=False`` (the
    interactive default) gives up quickly on a host that cannot be reached; `refresh` passes
    ``patient=True`` to keep the full retries (see :mod:`buurtscan.http_client`).
    ``similar=True`` (`fetch --similar`) also downloads the national profile for vergelijkbare
    buurten; without it the profile is fetched only when the KWB source runs and the cache has
    none (or an outdated one) for the KWB table of the year. Then the own rows of the
    ``similar_k`` most similar buurten of every fetched buurt are read from the sources that can
    be filtered by buurtcode (:mod:`.similar_rows`).
    """
    regions, wanted = plan_gemeenten(codes, gemeenten)
    if history < 0:
        raise UsageError(f"--history must be 0 or more years, got {history}.")
    if similar_k < 1:
        raise UsageError(f"--similar-k must be at least 1, got {similar_k}.")
    if similar and not wanted and not whole_country:
        sources = sources or ["cbs_kwb"]  # only the profile: the loop below has no gemeente to fetch
    elif not wanted and not whole_country:
        raise UsageError(
            "Name at least one region code, a --gemeente, or --all.",
            tip="For example: buurtscan fetch BU05183620",
        )
    names = [n.strip() for item in (REGISTRY if sources is None else sources) for n in item.split(",")
             if n.strip()]
    if not names:
        raise UsageError("--source needs a source name.", tip=f"Sources: {', '.join(REGISTRY)}.")
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(f"Unknown source {', '.join(unknown)}.", tip=f"Sources: {', '.join(REGISTRY)}.")
    cache = Cache(settings.cache_dir)
    cache.ensure_writable()  # an unwritable cache stops the run before any download
    recovery = cache.recover()  # an unreadable manifest is moved aside; this fetch starts the new one
    notes = (recovery.describe(),) if recovery else ()
    if recovery and observer is not None:
        observer.message(recovery.describe())
    cat = catalogue.load()
    request = FetchRequest(
        gemeenten=None if whole_country else tuple(wanted),
        year=year,
        wanted={name: tuple(cat.wanted(name)) for name in names},
        codes=tuple(rc.code for rc in regions),
        alternatives={name: alternatives(cat, name) for name in names} if older else {},
        key_wanted={name: key_wants(cat, name) for name in names} if older else {},
        history=history if older else 0,
    )
    kwb = REGISTRY["cbs_kwb"]
    assert isinstance(kwb, KwbSource)
    with Http(settings, transport, patient=patient) as http:
        ctx = FetchContext(settings, http, observer or NullObserver(), year=year)
        if check and not whole_country:
            with answer_shape(kwb.title):
                check_codes(kwb, ctx, cache, regions, wanted)
        tables: list[TableData] = []
        skipped: list[Skipped] = []
        errors: list[SourceError] = []
        tried = names if (wanted or whole_country) else []
        for name in tried:
            source = REGISTRY[name]
            try:
                with answer_shape(getattr(source, "title", name)):
                    result = source.fetch(ctx, request)
            except SourceError as exc:
                skipped.append(Skipped(name, exc.message))
                errors.append(exc)
                continue
            tables.extend(result.tables)
            skipped.extend(result.skipped)
        if similar or "cbs_kwb" in names:
            _add_profile(kwb, ctx, cache, tables, skipped, forced=similar)
        matches = None
        if request.gemeenten and any(t.provenance.source in ROWS_SOURCES for t in tables):
            matches = add_similar_rows(kwb, ctx, cache, request, tables, skipped, k=similar_k)
        if not tables:
            if len(names) == 1 and len(errors) == 1:  # one source asked for: its own sentence and tip
                raise errors[0]
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped)
            failure = source_failure(errors if len(errors) == len(tried) else (), f"Nothing could be downloaded ({reasons}).")
            failure.tip = "Check the connection and try again later; the cache was not changed."
            raise failure
        stored = cache.commit(tables, derived=[matches] if matches is not None else [])
        return FetchReport(
            gemeenten=request.gemeenten,
            stored=stored,
            skipped=tuple(skipped),
            requests=http.traffic.requests,
            bytes=http.traffic.bytes,
            notes=notes,
        )
