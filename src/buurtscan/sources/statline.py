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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import polars as pl

from ..errors import SourceError, TableNotFoundError, source_failure
from ..odata import CbsOData, TableMeta, any_of, eq, period_year, startswith
from ..regions import NEDERLAND, pad
from ..tidy import empty_tidy, wide_to_tidy
from .base import FetchContext, FetchRequest, FoundTable, Provenance, Skipped, TableData, utc_now

GEO = "WijkenEnBuurten"  # the region dimension of every CBS wijk-en-buurt table
PERIOD = "Perioden"
CBS_ATTRIBUTION = "CBS (Centraal Bureau voor de Statistiek), open data onder licentie CC BY 4.0"

Listed = list[tuple[int | None, str]]  # (year or None, table id), newest first


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
