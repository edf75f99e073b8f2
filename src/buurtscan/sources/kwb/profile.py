"""The national profile for "vergelijkbare buurten": a few KWB columns for every buurt of Nederland.

One paged Feed query on the year's Kerncijfers table, filtered to buurten
(``startswith(WijkenEnBuurten,'BU')``) and selecting only the profile's topics
(:func:`buurtscan.similar.stems`): two 10,000-row pages for the 14,574 buurten of 2024. The
country's region list (names of the similar buurten and their gemeenten) comes along once,
unless the cache already holds it complete. Stored as a tidy table of its own source
(:data:`buurtscan.similar.NAME`) with the usual provenance; the KWB source itself is untouched.
After ``fetch --all`` the profile is cut from the whole-country rows already downloaded.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from ... import similar
from ...cache.manifest import TableEntry
from ...odata import TableMeta, startswith
from ...provenance import Provenance, TableData
from ..base import FetchContext
from ..statline import GEO
from .source import CODE_TOPICS, KwbSource

NAME = similar.NAME
TITLE_SUFFIX = "landelijk profiel voor vergelijkbare buurten"


def profile_columns(kwb: KwbSource, meta: TableMeta) -> dict[str, tuple[str, str]]:
    """Raw key → (indicator id, unit) of the profile topics this table has."""
    cols = kwb.columns(meta, [(s, None) for s in similar.stems()])
    return {k: v for k, v in cols.items() if v[0] not in CODE_TOPICS.values()}  # not the redrawing code


def is_current(entry: TableEntry | None, meta: TableMeta) -> bool:
    """A cached profile of this table that matches its upstream release."""
    return entry is not None and entry.modified == str(meta.modified or "")


def fetch_profile(ctx: FetchContext, kwb: KwbSource, meta: TableMeta, *, need_regions: bool) -> TableData:
    """Download the profile columns for every buurt of the table (a few paged requests)."""
    year = kwb.year_of(meta)
    cols = profile_columns(kwb, meta)
    ctx.observer.message(f"Downloading the national profile ({len(cols)} columns of {meta.table_id}) "
                         "for vergelijkbare buurten")
    data = kwb.read_pages(ctx, meta, cols, period=str(year) if year else meta.period,
                          flt=startswith(GEO, "BU"), part=None)
    regions = kwb.region_list(ctx, meta, None) if need_regions else None
    return TableData(_as_profile(data.provenance, meta), data.frame.with_columns(pl.lit(NAME).alias("source")),
                     None, regions)


def from_whole_table(ctx: FetchContext, kwb: KwbSource, meta: TableMeta, data: TableData) -> TableData:
    """The profile cut from a whole-country KWB download (no extra request)."""
    wanted = {ind for ind, _ in profile_columns(kwb, meta).values()}
    frame = data.frame.filter((pl.col("region_level") == "buurt") & pl.col("indicator").is_in(wanted))
    frame = frame.with_columns(pl.lit(NAME).alias("source"))
    return TableData(_as_profile(data.provenance, meta), frame, None, None)


def _as_profile(prov: Provenance, meta: TableMeta) -> Provenance:
    return replace(prov, source=NAME, title=f"{meta.title} — {TITLE_SUFFIX}")
