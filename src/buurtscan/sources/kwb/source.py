"""CBS Kerncijfers wijken en buurten (KWB): one table per year, NL/GM/WK/BU rows in one table.

- The table of a year is discovered in the CBS catalogue by its title
  ("Kerncijfers wijken en buurten 2024"), with a built-in list of known ids as fallback.
- Per gemeente one paged Feed query returns the gemeente, its wijken and its buurten
  (``$filter`` on the padded key / ``startswith``), plus one query for Nederland. Asked
  for more than :data:`WHOLE_COUNTRY_FROM` gemeenten at once, the whole table is read in
  a handful of 10,000-row pages instead and filtered locally.
- CBS fills a new year's table in stages. For every catalogue figure the newest table lacks,
  the older tables are read (newest first, at most :data:`FALLBACK_YEARS` back) with only the
  missing columns; and the key figures of the last ``--history`` years are read for the series
  (:meth:`KwbSource.older`).
- The table's region list (code → name) is the authority on which codes exist; it
  powers `buurtscan find` and the validation of codes before anything is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from ... import similar
from ...errors import SourceError, TableNotFoundError, UsageError
from ...odata import TableMeta, any_of, eq, topic_columns
from ...regions import NEDERLAND, pad
from ...tidy import empty_tidy, regions_frame
from ..base import FetchContext, FetchRequest, Skipped, SourceResult, TableData
from ..statline import (
    CBS_ATTRIBUTION,
    GEO,
    CodeQuery,
    Listed,
    StatLineSource,
    filled_columns,
    gemeente_filter,
    years_in_titles,
)

NAME = "cbs_kwb"
TITLE_PREFIX = "Kerncijfers wijken en buurten"
# Known table ids (docs/sources.md), used when the catalogue cannot be asked.
KNOWN_TABLES: dict[int, str] = {
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}
WHOLE_COUNTRY_FROM = 25  # gemeenten; from this many on, read the whole table
# A figure the newest table lacks is looked for in the older tables of at most this many years
# back (docs/comparison.md, "The newest figure of each indicator").
FALLBACK_YEARS = 5
# String topics that carry a code worth keeping as a number, under a year-stable name.
CODE_TOPICS = {
    "IndelingswijzigingWijkenEnBuurten": "Indelingswijziging",
    "IndelingswijzigingGemeenteWijkBuurt": "Indelingswijziging",
}
_TITLE_YEAR = re.compile(rf"^{TITLE_PREFIX}\s+(\d{{4}})\s*$", re.IGNORECASE)
TITLE_LIMIT = 40  # CBS cuts region titles at this length


def full_name(code: str, description: str) -> str | None:
    """The name quoted in a region's Description: "Wijk 'X' (WK051806) is een wijk …" → X."""
    m = re.match(r"^\w+ '(.*)' \(" + re.escape(code) + r"\)", description.strip())
    return m.group(1) if m else None


class KwbSource(StatLineSource):
    name = NAME
    title = "CBS Kerncijfers wijken en buurten"
    publisher = "CBS"
    licence = "CC BY 4.0"
    short_name = "CBS"
    attribution = CBS_ATTRIBUTION
    # the national profile for vergelijkbare buurten (profile.py) and those buurten's own rows
    also_stores: tuple[str, ...] = (similar.NAME, similar.rows_source(NAME))
    catalogue_title = TITLE_PREFIX
    known_tables = KNOWN_TABLES

    # -- which table ---------------------------------------------------------------
    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        return years_in_titles(records, _TITLE_YEAR)

    def candidates(self, ctx: FetchContext, year: int | None) -> Listed:
        """Newest first; with a year exactly that year's table (the known id if the catalogue lacks it)."""
        if year is None:
            return super().candidates(ctx, None)
        years = self.available_years(ctx)
        table_id = years.get(year) or KNOWN_TABLES.get(year)
        if table_id is None:
            raise UsageError(
                f"There is no Kerncijfers wijken en buurten table for {year}.",
                tip=f"Available years: {', '.join(str(y) for y in sorted(years))}.",
            )
        return [(year, table_id)]

    def table_for(self, ctx: FetchContext, year: int | None) -> TableMeta:
        """The metadata of the KWB table of ``year`` (newest available when None)."""
        return self.discover_table(ctx, year).meta

    @staticmethod
    def year_of(meta: TableMeta) -> int | None:
        m = _TITLE_YEAR.match(meta.title)
        if m:
            return int(m.group(1))
        digits = re.findall(r"\d{4}", meta.period)
        return int(digits[-1]) if digits else None

    # -- region list ---------------------------------------------------------------
    def region_list(self, ctx: FetchContext, meta: TableMeta, gemeenten: Sequence[str] | None) -> pl.DataFrame:
        """Code/name/level of the regions of these gemeenten (None = the whole country).

        CBS cuts region titles at 40 characters; for those the full name is read from the
        ``Description`` ("Wijk 'Wijk 06 Van Stolkpark en Scheveningse Bosjes' (WK051806) …"),
        asked for in a follow-up request for just those codes.
        """
        api = ctx.cbs()
        if gemeenten is None:
            rows = api.rows(meta.table_id, GEO, select=["Key", "Title"])
        else:
            rows = []
            for gm in gemeenten:
                rows.extend(api.rows(meta.table_id, GEO, filter=gemeente_filter(gm, "Key"), select=["Key", "Title"]))
        names = {str(r["Key"]).strip(): str(r.get("Title") or "").strip() for r in rows}
        cut = [code for code, name in names.items() if len(name) >= TITLE_LIMIT]
        for i in range(0, len(cut), 40):
            chunk = cut[i : i + 40]
            flt = any_of(*(eq("Key", pad(c)) for c in chunk))
            for r in api.rows(meta.table_id, GEO, filter=flt, select=["Key", "Description"]):
                code = str(r["Key"]).strip()
                full = full_name(code, str(r.get("Description") or ""))
                if full and full.startswith(names[code]):
                    names[code] = full
        return regions_frame(names.items())

    # -- data ------------------------------------------------------------------------
    @staticmethod
    def columns(meta: TableMeta, wanted: Sequence[tuple[str, str | None]] | None = None
                ) -> dict[str, tuple[str, str]]:
        """Raw key → (indicator id, unit): the wanted topics (default: every numeric topic)
        plus the code topics. Wanted stems the table does not have are simply absent."""
        cols = topic_columns(meta, wanted)
        for t in meta.topics:
            if t.stem in CODE_TOPICS:
                cols[t.key] = (CODE_TOPICS[t.stem], "code")
        return cols

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        """The newest table (or ``--year``'s); then the older tables for what it lacks and for
        the series (see :meth:`older`)."""
        meta = self.table_for(ctx, request.year)
        newest = self.fetch_table(ctx, request, meta)
        older = self.older(ctx, request, meta, newest.tables)
        return SourceResult(newest.tables + older.tables, newest.skipped + older.skipped)

    def fetch_table(self, ctx: FetchContext, request: FetchRequest, meta: TableMeta) -> SourceResult:
        """Every wanted column of one table, for Nederland and each gemeente (or the country)."""
        year = self.year_of(meta)
        period = str(year) if year else meta.period
        cols = self.columns(meta, request.wants(NAME))

        if request.gemeenten is not None and len(request.gemeenten) < WHOLE_COUNTRY_FROM:
            def load(part: tuple[str, ...] | None, flt: str | None) -> TableData:
                code = part[0] if part else NEDERLAND
                regions = (regions_frame([(NEDERLAND, "Nederland")]) if code == NEDERLAND
                           else ctx.region_lists.get((meta.table_id, code)))
                if regions is None:
                    regions = self.region_list(ctx, meta, [code])
                return self.read_pages(ctx, meta, cols, period=period, flt=flt, part=part, regions=regions)

            tables, skipped = self.fetch_by_gemeente(ctx, request, load, nederland=eq(GEO, pad(NEDERLAND)),
                                                     label=meta.table_id)
            return SourceResult(tuple(tables), tuple(skipped))

        ctx.observer.message(f"Downloading {meta.table_id} ({meta.title}) for the whole country")
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="buurtscan-regions") as pool:
            pending = pool.submit(self.region_list, ctx, meta, None)
            data = self.read_pages(ctx, meta, cols, period=period, flt=None, part=None)
            regions = pending.result()  # the region list downloaded meanwhile
        if request.gemeenten is None:
            tables = [TableData(data.provenance, data.frame, None, regions)]
        else:  # many gemeenten: keep only those asked for
            wanted = set(request.gemeenten)
            frame = data.frame.filter(pl.col("gemeente_code").is_in(wanted) | (pl.col("region_code") == NEDERLAND))
            regs = regions.filter(pl.col("gemeente_code").is_in(wanted) | (pl.col("code") == NEDERLAND))
            tables = [
                TableData(data.provenance, frame.filter(pl.col("gemeente_code") == gm), (gm,),
                          regs.filter(pl.col("gemeente_code") == gm))
                for gm in request.gemeenten
            ]
            tables.append(TableData(data.provenance, frame.filter(pl.col("region_code") == NEDERLAND),
                                    (NEDERLAND,), regs.filter(pl.col("code") == NEDERLAND)))
        ctx.observer.progress(NAME, 1, 1)
        return SourceResult(tuple(tables), ())

    def similar_query(self, ctx: FetchContext, request: FetchRequest,
                      tables: Sequence[TableData]) -> CodeQuery | None:
        """The rows of vergelijkbare buurten from the year's table: the catalogue columns this run
        has buurt figures for, less the profile's own topics (the national profile has those)."""
        meta = self.table_for(ctx, request.year)
        profile = set(similar.stems())
        cols = {k: v for k, v in self.columns(meta, request.wants(NAME)).items()
                if v[1] != "code" and v[0] not in profile}
        cols = filled_columns(cols, tables, NAME, meta.table_id)
        if not cols:
            return None
        year = self.year_of(meta)
        return CodeQuery(meta, cols, str(year) if year else meta.period)

    # -- older tables ----------------------------------------------------------------
    def older(self, ctx: FetchContext, request: FetchRequest, meta: TableMeta,
              fetched: Sequence[TableData]) -> SourceResult:
        """Older tables, newest first, with only the columns they are needed for:

        - **what the newest table lacks** (the rule in docs/comparison.md): a catalogue figure
          whose topic the newest table does not have, or that is empty for the whole gemeente
          *and* Nederland (a new table year is filled in stages), is read from the older tables
          of at most :data:`FALLBACK_YEARS` years back, until it is found;
        - **the series**: the key figures (and denominators, ``Indelingswijziging``) from the
          tables of the last ``request.history`` years.

        One paged query per table per gemeente, Nederland in the same query (the whole table for
        the country); never one per buurt. A table CBS does not serve is passed over.
        """
        base = self.year_of(meta)
        groups = request.alternatives.get(NAME) or ()
        key = request.key_wanted.get(NAME) or ()
        if base is None or request.wants(NAME) is None:
            return SourceResult()
        years = self.available_years(ctx)
        reach = max(request.history if key else 0, FALLBACK_YEARS if groups else 0)
        candidates = sorted((y for y in years if base - reach <= y < base), reverse=True)
        whole = request.gemeenten is None
        parts: list[str | None] = [None] if whole else list(request.gemeenten or ())
        nl = next((t.frame for t in fetched if t.gemeenten == (NEDERLAND,)), empty_tidy())
        have: dict[str | None, pl.DataFrame] = {}
        for part in parts:
            frames = [t.frame for t in fetched if (t.gemeenten is None) == whole
                      and (whole or t.gemeenten == (part,))]
            have[part] = pl.concat([nl, *frames]) if frames else nl
        missing = {part: self._lacking(meta, groups, have[part]) for part in parts}
        api = ctx.cbs()
        tables: list[TableData] = []
        skipped: list[Skipped] = []
        for y in candidates:
            series = base - y <= request.history
            fallback = base - y <= FALLBACK_YEARS
            if not series and not (fallback and any(missing.values())):
                continue
            try:
                old = api.table_meta(years[y])
            except TableNotFoundError:
                continue
            except SourceError as exc:
                skipped.append(Skipped(NAME, f"{years[y]}: {exc.message}"))
                continue
            period = str(self.year_of(old) or y)
            nl_frames: list[pl.DataFrame] = []
            nl_cols: dict[str, tuple[str, str]] = {}
            for part in parts:
                wants = list(key if series else ()) + [w for g in (missing[part] if fallback else ()) for w in g]
                cols = self.columns(old, wants)
                if not any(unit != "code" for _, unit in cols.values()):
                    continue
                flt = None if part is None else any_of(eq(GEO, pad(NEDERLAND)), gemeente_filter(part))
                ctx.observer.message(f"Downloading {old.table_id} ({period}) for {part or 'the whole country'}: "
                                     f"{len(cols)} columns")
                try:
                    read = self.read_pages(ctx, old, cols, period=period, flt=flt, part=None)
                except SourceError as exc:
                    skipped.append(Skipped(NAME, f"{old.table_id} {part or ''}: {exc.message}".strip()))
                    continue
                frame, prov = read.frame, read.provenance
                ids = tuple(sorted({i for i, _ in cols.values()}))
                if part is None:
                    tables.append(TableData(prov, frame, None, periods=(period,), indicators=ids))
                else:
                    own = frame.filter(pl.col("region_code") != NEDERLAND)
                    tables.append(TableData(prov, own, (part,), periods=(period,), indicators=ids))
                    nl_frames.append(frame.filter(pl.col("region_code") == NEDERLAND))
                    nl_cols.update(cols)
                missing[part] = self._lacking(old, missing[part], frame) if fallback else missing[part]
            if nl_frames:  # Nederland came with every gemeente's query: store it once
                frame = pl.concat(nl_frames).unique(subset=["region_code", "indicator"], keep="first",
                                                    maintain_order=True)
                ids = tuple(sorted({i for i, _ in nl_cols.values()}))
                tables.append(TableData(tables[-1].provenance, frame, (NEDERLAND,), periods=(period,),
                                        indicators=ids))
        return SourceResult(tuple(tables), tuple(skipped))

    @staticmethod
    def _lacking(meta: TableMeta, groups: Sequence[tuple[tuple[str, str | None], ...]],
                 frame: pl.DataFrame) -> list[tuple[tuple[str, str | None], ...]]:
        """The want groups of which this table gives no figure in these rows (gemeente + NL)."""
        filled = set(frame.filter(pl.col("value").is_not_null())["indicator"].unique().to_list())
        out = []
        for group in groups:
            topics = [meta.find_topic(stem, g) for stem, g in group]
            if not any(t is not None and t.numeric and t.indicator in filled for t in topics):
                out.append(group)
        return out



