"""What the CBS StatLine (OData) sources share, so each source module holds only what is
special about it.

- **Which table** (:meth:`StatLineSource.discover_table`): the source's tables are looked up
  in the host's catalogue by title (:attr:`~StatLineSource.catalogue_title`, read by
  :meth:`~StatLineSource.from_catalogue`), newest first; when the catalogue cannot be asked or
  lists none, the source's :attr:`~StatLineSource.known_tables` are used (and the run
  remembers it: ``ctx.fallback``). The newest table the host really serves wins (not after
  ``--year`` for one-table-per-year sources). Found tables are kept in the run's context.
- **Per gemeente** (:meth:`~StatLineSource.fetch_by_gemeente`): one load for Nederland and
  one per gemeente (its wijken and buurten in the same ``$filter``), or one for the whole
  country. A failing part is skipped with a reason; if every part fails the source fails.
- **Pages → tidy → provenance** (:meth:`~StatLineSource.read_pages`): the ``TypedDataSet``
  read page by page (so the raw JSON of only one page is held at a time), each page made
  tidy, with the provenance of the request.
- **Single buurten** (:meth:`~StatLineSource.read_codes`, the rows of vergelijkbare buurten):
  ``eq`` clauses per buurtcode — or one ``startswith`` per gemeente that needs most of its
  buurten — packed into as few requests as keep each URL under :data:`MAX_URL` characters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from ..errors import SourceError, TableNotFoundError, source_failure
from ..odata import CbsOData, TableMeta, all_of, any_of, eq, period_year, startswith
from ..regions import NEDERLAND, pad
from ..tidy import empty_tidy, wide_to_tidy
from .base import FetchContext, FetchRequest, FoundTable, Provenance, Skipped, TableData, utc_now

GEO = "WijkenEnBuurten"  # the region dimension of every CBS wijk-en-buurt table
PERIOD = "Perioden"
CBS_ATTRIBUTION = "CBS (Centraal Bureau voor de Statistiek), open data onder licentie CC BY 4.0"

Listed = list[tuple[int | None, str]]  # (year or None, table id), newest first
MAX_URL = 2000  # characters of a request URL (servers commonly refuse query strings over 2,048)


@dataclass(frozen=True)
class CodeQuery:
    """What a source reads for single buurten (:meth:`StatLineSource.read_codes`): the table, the
    columns (raw key → (indicator, unit)), the fixed filter clauses and the period."""

    meta: TableMeta
    columns: Mapping[str, tuple[str, str]]
    period: str
    fixed: tuple[str, ...] = ()
    period_labels: Mapping[str, str] | None = None
    normalise_code: Callable[[str], str] | None = None


def filled_columns(columns: Mapping[str, tuple[str, str]], tables: Sequence[TableData], source: str,
                   table_id: str) -> dict[str, tuple[str, str]]:
    """The columns of which this run's rows of the table hold a buurt figure: only those can give
    a buurt's own figure a vergelijkbare-buurten reference (the others are not asked for)."""
    filled: set[str] = set()
    for t in tables:
        if t.provenance.source == source and t.provenance.table_id == table_id and t.frame.height:
            rows = t.frame.filter((pl.col("region_level") == "buurt") & pl.col("value").is_not_null())
            filled |= set(rows["indicator"].unique().to_list())
    return {k: v for k, v in columns.items() if v[0] in filled}


def code_filters(api: CbsOData, table_id: str, select: Sequence[str], codes: Sequence[str],
                 whole: Sequence[str], fixed: Sequence[str], max_url: int = MAX_URL) -> list[str]:
    """``$filter`` texts that together ask for these buurtcodes (``eq`` each) and the buurten of
    the ``whole`` gemeenten (``startswith`` ``BU`` + digits), as few as keep every URL under
    ``max_url`` characters (with the ``fixed`` clauses and the ``$select``)."""
    clauses = [startswith(GEO, "BU" + gm[2:]) for gm in whole] + [eq(GEO, pad(c)) for c in codes]
    out: list[str] = []
    chunk: list[str] = []
    for clause in clauses:
        trial = all_of(any_of(*chunk, clause), *fixed)
        if chunk and len(api.request_url(table_id, "TypedDataSet", filter=trial, select=select)) > max_url:
            out.append(all_of(any_of(*chunk), *fixed))
            chunk = []
        chunk.append(clause)
    if chunk:
        out.append(all_of(any_of(*chunk), *fixed))
    return out


def gemeente_filter(gemeente: str, field: str = GEO) -> str:
    """OData filter for a gemeente with all its wijken and buurten (on the data or code list)."""
    digits = gemeente[2:]
    return any_of(eq(field, pad(gemeente)), startswith(field, "WK" + digits), startswith(field, "BU" + digits))


def indeling_text(meta: TableMeta) -> str:
    return f" (buurtindeling {meta.indeling})" if meta.indeling else ""


class StatLineSource:
    """A source whose tables live on a CBS OData host (opendata.cbs.nl or dataderden)."""

    name: str
    title: str
    publisher: str
    licence: str
    short_name: str
    attribution: str = ""
    also_stores: tuple[str, ...] = ()
    on_dataderden: bool = False  # Politie and RIVM tables live on dataderden.cbs.nl
    catalogue_title: str  # what the catalogue title of the source's tables contains
    # the ids used when the catalogue cannot be asked: year → id, or ids newest first
    known_tables: Mapping[int, str] | Sequence[str] = ()
    always_known: bool = False  # try the known ids after the catalogue's even when it answered

    def api(self, ctx: FetchContext) -> CbsOData:
        return ctx.dataderden() if self.on_dataderden else ctx.cbs()

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        """TableInfos.Modified upstream (for `status` and `refresh`)."""
        return self.api(ctx).modified(table_id)

    # -- which table ---------------------------------------------------------------------
    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        """The catalogue records that are tables of this source, newest first (override)."""
        raise NotImplementedError

    def known(self) -> Listed:
        if isinstance(self.known_tables, Mapping):
            return sorted(self.known_tables.items(), key=lambda kv: kv[0] or 0, reverse=True)
        return [(None, t) for t in self.known_tables]

    def catalogue_tables(self, ctx: FetchContext) -> Listed:
        """(year, table id) newest first: from the catalogue, else the known ids (asked once a run)."""
        if self.name in ctx.listed:
            return ctx.listed[self.name]
        try:
            records = self.api(ctx).find_tables(self.catalogue_title)
        except TableNotFoundError:
            records = []
        except SourceError as exc:
            ctx.observer.message(f"The {self.title} catalogue is not reachable ({exc.message}); "
                                 "using the known table ids.")
            records = []
        listed = self.from_catalogue(records)
        if not listed:
            ctx.fallback.add(self.name)
        ids = {t for _, t in listed}
        if not listed or self.always_known:
            listed += [(y, t) for y, t in self.known() if t not in ids]
        ctx.listed[self.name] = listed
        return listed

    def available_years(self, ctx: FetchContext) -> dict[int, str]:
        """Year → table id (one-table-per-year sources)."""
        return {y: t for y, t in self.catalogue_tables(ctx) if y is not None}

    def candidates(self, ctx: FetchContext, year: int | None) -> Listed:
        """The tables to try for ``year``, newest first (default: those not after it)."""
        return [(y, t) for y, t in self.catalogue_tables(ctx) if year is None or y is None or y <= year]

    def discover_table(self, ctx: FetchContext, year: int | None = None) -> FoundTable:
        """The newest table (for ``year``) the host really serves; TableNotFoundError if none."""
        key = (self.name, year)
        if key in ctx.tables:
            return ctx.tables[key]
        tried = []
        for y, table_id in self.candidates(ctx, year):
            try:
                meta = self.api(ctx).table_meta(table_id)
            except TableNotFoundError:
                tried.append(table_id)
                continue
            ctx.tables[key] = found = FoundTable(meta, y)
            return found
        raise TableNotFoundError(
            f"{self.api(ctx).name} offers no '{self.catalogue_title}' table"
            + (f" for {year} or earlier" if year is not None else "")
            + (f" (tried {', '.join(tried)})." if tried else ".")
        )

    # -- data ------------------------------------------------------------------------------
    def read_pages(self, ctx: FetchContext, meta: TableMeta, columns: Mapping[str, tuple[str, str]], *,
                   period: str, flt: str | None, part: tuple[str, ...] | None,
                   regions: pl.DataFrame | None = None, period_labels: Mapping[str, str] | None = None,
                   normalise_code: Callable[[str], str] | None = None) -> TableData:
        """The ``TypedDataSet`` rows of ``flt`` (``columns`` + the region key) as one tidy table.

        With ``period_labels`` (Perioden key → label) the table has a period dimension: it is
        selected too, each page's rows are split by it, and the newest period found becomes the
        provenance period (``period`` when none is found).
        """
        api = self.api(ctx)
        select = [GEO, *columns, *([PERIOD] if period_labels is not None else [])]
        frames = []
        for page in api.pages(meta.table_id, "TypedDataSet", filter=flt, select=select):
            groups: dict[str, list[dict[str, Any]]] = {period: page}
            if period_labels is not None:
                groups = {}
                for r in page:
                    key = str(r.get(PERIOD) or "")
                    groups.setdefault(period_labels.get(key) or str(period_year(key) or key.strip() or period),
                                      []).append(r)
            frames += [wide_to_tidy(rows, code_field=GEO, columns=columns, period=label, source=self.name,
                                    table_id=meta.table_id, normalise_code=normalise_code)
                       for label, rows in groups.items()]
        frame = pl.concat(frames) if frames else empty_tidy()
        url = api.request_url(meta.table_id, "TypedDataSet", filter=flt, select=select)
        periods = None
        if period_labels is not None:
            periods = tuple(sorted(set(frame["period"].to_list()), reverse=True)) if frame.height else ()
            period = periods[0] if periods else period
        return TableData(self._provenance(ctx, meta, period, url), frame, part, regions, periods=periods)

    def similar_query(self, ctx: FetchContext, request: FetchRequest,
                      tables: Sequence[TableData]) -> CodeQuery | None:
        """What to read for vergelijkbare buurten (None: this source does not, the default)."""
        return None

    def read_codes(self, ctx: FetchContext, query: CodeQuery, codes: Sequence[str],
                   whole: Sequence[str] = ()) -> TableData:
        """The rows of single buurten (and of every buurt of the ``whole`` gemeenten), in a few
        requests (:func:`code_filters`); only the rows of ``codes`` are kept. The provenance names
        the first request and how many there were."""
        api = self.api(ctx)
        select = [GEO, *query.columns, *([PERIOD] if query.period_labels is not None else [])]
        rest = [c for c in codes if "GM" + c[2:6] not in set(whole)]
        filters = code_filters(api, query.meta.table_id, select, rest, whole, query.fixed)
        frames = [self.read_pages(ctx, query.meta, query.columns, period=query.period, flt=f, part=None,
                                  period_labels=query.period_labels, normalise_code=query.normalise_code).frame
                  for f in filters]
        wanted = set(codes)
        frame = (pl.concat(frames) if frames else empty_tidy()).filter(pl.col("region_code").is_in(wanted))
        url = api.request_url(query.meta.table_id, "TypedDataSet", filter=filters[0] if filters else None,
                              select=select)
        prov = self._provenance(ctx, query.meta, query.period, url + (f" (+{len(filters) - 1} more requests)"
                                                                        if len(filters) > 1 else ""))
        return TableData(prov, frame, None)

    def fetch_by_gemeente(self, ctx: FetchContext, request: FetchRequest,
                          load: Callable[[tuple[str, ...] | None, str | None], TableData], *,
                          nederland: str, label: str) -> tuple[list[TableData], list[Skipped]]:
        """Call ``load(part, region_filter)`` for the whole country (``None, None``) or for
        Nederland (``nederland`` = its filter) and each gemeente."""
        if request.gemeenten is None:
            ctx.observer.message(f"Downloading {label} for the whole country")
            table = load(None, None)
            ctx.observer.progress(self.name, 1, 1)
            return [table], []
        tables: list[TableData] = []
        skipped: list[Skipped] = []
        failures: list[SourceError] = []
        parts: list[tuple[str, str]] = [(NEDERLAND, nederland)]
        parts += [(gm, gemeente_filter(gm)) for gm in request.gemeenten]
        for i, (part, flt) in enumerate(parts, start=1):
            ctx.observer.message(f"Downloading {label} for {part}")
            try:
                tables.append(load((part,), flt))
            except SourceError as exc:
                skipped.append(Skipped(self.name, f"{part}: {exc.message}"))
                failures.append(exc)
            ctx.observer.progress(self.name, i, len(parts))
        if not tables:
            raise source_failure(failures, skipped[0].reason if skipped else "nothing could be downloaded")
        return tables, skipped

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


def years_in_titles(records: list[dict[str, Any]], title_year: Any) -> Listed:
    """(year, id) of the records whose Title matches ``title_year`` (group 1 = the year), newest first."""
    years: dict[int, str] = {}
    for record in records:
        m = title_year.match(str(record.get("Title", "")).strip())
        if m:
            years[int(m.group(1))] = str(record["Identifier"]).strip()
    return sorted(years.items(), key=lambda kv: kv[0] or 0, reverse=True)
