"""`fetch`: the own rows of the vergelijkbare buurten of the fetched buurten (docs/comparison.md).

Once the national profile is known (fetched in this run or cached), the k most similar buurten
of every buurt of the fetched gemeenten are found (:func:`buurtscan.similar.nearest`), and each
source that can be filtered by buurtcode (:data:`buurtscan.similar.ROWS_SOURCES`: the year's
Kerncijfers table and RIVM's Gezondheid per wijk en buurt) reads its catalogue columns for just
those buurten — only the columns this run has buurt figures for, only the newest period — with
``eq`` clauses per buurtcode, or one ``startswith`` per gemeente of which at least
:data:`WHOLE_GEMEENTE` of the buurten are needed, packed into as few requests as keep each URL
short (:meth:`buurtscan.sources.statline.StatLineSource.read_codes`).

Skipped, so never asked twice: buurten of gemeenten fetched in this run or already cached as
ordinary rows of that table, and buurten already in the side table (same upstream release; a
buurt the table does not have is stored with missing figures, so it is not asked for again).
The rows are stored as a side table of their own (``<source>_similar/<table id>``, with the
usual provenance, committed atomically with the rest of the run); a commit replaces only the
rows of the buurtcodes it brings, so the gemeente rows and other buurten' rows stay as they are.
A failure is a note, never a failed fetch.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

import polars as pl

from .. import similar
from ..cache import Cache, Derived
from ..cache.manifest import WHOLE
from ..errors import SourceError
from ..provenance import TableData
from ..regions import gemeente_of
from ..sources import REGISTRY
from ..sources.base import FetchContext, FetchRequest, Skipped
from ..sources.kwb import KwbSource
from ..sources.statline import StatLineSource
from ..tidy import empty_tidy, finish_tidy

# numpy (imported for the nearest buurten) starts one OpenBLAS buffer per core at import, which a
# fetch under a tight memory limit cannot afford; the distances use no BLAS, so one thread does
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

WHOLE_GEMEENTE = 0.5  # read a gemeente whole (one clause) when at least this share of its buurten is needed
TITLE_SUFFIX = "vergelijkbare buurten"


def _profile(kwb: KwbSource, ctx: FetchContext, cache: Cache,
             tables: Sequence[TableData]) -> tuple[similar.Profile | None, str | None]:
    """The national profile of the run's table year, and the file it was read from (None: this run's)."""
    meta = kwb.table_for(ctx, ctx.year)
    fresh = [t.frame for t in tables if t.provenance.source == similar.NAME and t.provenance.table_id == meta.table_id]
    entry = cache.manifest().tables.get(f"{similar.NAME}/{meta.table_id}")
    if fresh:
        frame, made_from = pl.concat(fresh), None
    elif entry is not None:
        frame = cache.scan(source=similar.NAME).filter(pl.col("table_id") == meta.table_id).collect()
        made_from = entry.file
    else:
        return None, None
    return similar.build_profile(frame, meta.table_id), made_from


def find_matches(profile: similar.Profile, gemeenten: Sequence[str], k: int, cache: Cache,
                 made_from: str | None) -> tuple[similar.Found, Derived]:
    """The similar buurten of every buurt of these gemeenten, and what the commit keeps of them:
    these matches plus those stored earlier for other gemeenten from the same profile file."""
    found = similar.find(profile, gemeenten, k)
    name = similar.matches_name(profile.table_id)
    kept = found.merged(similar.Found.from_dict(cache.derived(name))) if made_from is not None else found
    return found, Derived(name, f"{similar.NAME}/{profile.table_id}", kept.to_dict(), made_from)


def add_similar_rows(kwb: KwbSource, ctx: FetchContext, cache: Cache, request: FetchRequest,
                     tables: list[TableData], skipped: list[Skipped], *, k: int = similar.DEFAULT_K) -> Derived | None:
    """Append the side tables of the similar buurten' rows to ``tables`` (notes to ``skipped``).

    Returns the matches found, for the commit to keep (:func:`find_matches`; None: none found)."""
    if not request.gemeenten:
        return None  # the whole country: every buurt's own rows are fetched anyway
    keep: Derived | None = None
    try:
        profile, made_from = _profile(kwb, ctx, cache, tables)
        wanted: list[str] = []
        if profile is not None:
            found, keep = find_matches(profile, request.gemeenten, k, cache, made_from)
            wanted = sorted({n.code for m in found.matches.values() for n in m.neighbours})
    except SourceError as exc:
        skipped.append(Skipped(similar.NAME, f"vergelijkbare buurten: {exc.message}", failed=False))
        return None
    except MemoryError:  # a tight memory limit: the rest of the fetch still lands
        skipped.append(Skipped(similar.NAME, "vergelijkbare buurten: not enough memory to find them; "
                               "their rows were not fetched", failed=False))
        return None
    if profile is None:
        return None
    fetched = set(request.gemeenten)
    buurten = Counter(str(g) for g in profile.gemeenten)
    manifest = cache.manifest()
    for name in similar.ROWS_SOURCES:
        source = REGISTRY.get(name)
        if not isinstance(source, StatLineSource) or not any(t.provenance.source == name for t in tables):
            continue  # not asked for in this run, or it failed
        side = similar.rows_source(name)
        try:
            query = source.similar_query(ctx, request, tables)
            if query is None:
                continue
            table_id = query.meta.table_id
            ordinary = manifest.tables.get(f"{name}/{table_id}")
            covered = set(ordinary.parts) if ordinary else set()
            if WHOLE in covered:
                continue
            codes = [c for c in wanted if gemeente_of(c) not in fetched | covered]
            entry = manifest.tables.get(f"{side}/{table_id}")
            if entry is not None and entry.modified == str(query.meta.modified or ""):
                have = cache.scan(source=side).filter(pl.col("table_id") == table_id).select("region_code").unique()
                present = set(have.collect()["region_code"].to_list())
                codes = [c for c in codes if c not in present]
            if not codes:
                continue
            per = Counter(gemeente_of(c) for c in codes)
            whole = sorted(str(gm) for gm, n in per.items() if gm and n >= 2 and n >= WHOLE_GEMEENTE * buurten[gm])
            ctx.observer.message(f"Downloading {table_id} for {len(codes)} vergelijkbare buurten "
                                 f"({len(query.columns)} columns)")
            data = source.read_codes(ctx, query, codes, whole)
        except SourceError as exc:
            skipped.append(Skipped(side, f"vergelijkbare buurten: {exc.message}", failed=False))
            continue
        prov = replace(data.provenance, source=side, title=f"{query.meta.title} — {TITLE_SUFFIX}")
        frame = pl.concat([data.frame, _absent(codes, data.frame, query.columns.values(), query.period, side,
                                               table_id)]).with_columns(pl.lit(side).alias("source"))
        tables.append(TableData(prov, frame, tuple(sorted(fetched)), periods=(query.period,), codes=tuple(codes)))
    return keep


def _absent(codes: Sequence[str], frame: pl.DataFrame, columns: Iterable[tuple[str, str]], period: str,
            source: str, table_id: str) -> pl.DataFrame:
    """Missing figures (null, ``ontbreekt``) for the buurten asked for that the table does not have (a
    buurt of a newer indeling): the cache then knows it asked, and a later fetch does not ask again."""
    have = set(frame["region_code"].unique().to_list())
    absent = [c for c in codes if c not in have]
    cols = list(dict.fromkeys(columns))
    if not absent or not cols:
        return empty_tidy()
    base = pl.DataFrame({"region_code": [c for c in absent for _ in cols],
                         "indicator": [ind for _ in absent for ind, _unit in cols],
                         "value": [None] * (len(absent) * len(cols)),
                         "unit": [unit for _ in absent for _ind, unit in cols]},
                        schema_overrides={"value": pl.Float64})
    return finish_tidy(base, period=period, source=source, table_id=table_id)
