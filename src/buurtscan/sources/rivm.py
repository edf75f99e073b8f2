"""RIVM: Gezondheid per wijk en buurt (dataderden, catalogue RIVM), model estimates for 18+.

- Tables are found in the dataderden catalogue by title ("Gezondheid per wijk en buurt; …");
  the one with the newest period wins (50150NED 2012–2024, indeling 2024, in the real
  catalogue; 50090NED 2012/2016/2020, indeling 2020, before it). Fallback ids: the same two.
- One row per (age group, margin, region, period), topics as columns. Filters: age
  "18 jaar en ouder" (key resolved from the ``Leeftijd`` code list, ``20300`` if it is not
  found) and ``Marges eq 'MW00000'`` (the point estimate). Every ``Perioden`` key comes in the
  same request (2012/2016/2020 share one indeling: a series); with ``--year`` only those up to it.
- Topics by stem from DataProperties (only those the catalogue wants). Nederland is
  ``NL01`` in these tables and is stored as ``NL00``.
- The estimates are per buurt of the table's own *indeling*; a buurt that is newer (or was
  suppressed, e.g. too few inhabitants) has no figures: it is skipped with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import SourceError, TableNotFoundError
from ..odata import (
    CbsOData,
    TableMeta,
    all_of,
    any_of,
    eq,
    period_year,
    periods_newest_first,
    startswith,
    topic_columns,
)
from ..regions import NEDERLAND
from .base import FetchContext, FetchRequest, SourceResult, TableData, named_without_figures
from .statline import GEO, PERIOD, CodeQuery, Listed, StatLineSource, filled_columns, indeling_text

NAME = "rivm"
TITLE_PREFIX = "Gezondheid per wijk en buurt"
KNOWN_TABLES = ("50150NED", "50090NED")  # newest first
AGE = "Leeftijd"
AGE_TITLE = "18 jaar en ouder"
AGE_KEY = "20300"
MARGIN = "Marges"
POINT_ESTIMATE = "MW00000"
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def normalise_code(code: str) -> str:
    """RIVM calls Nederland NL01; the rest of buurtscan NL00."""
    return NEDERLAND if code.startswith("NL") else code


def newest_year(record: dict[str, Any]) -> tuple[int, int]:
    """Sort key of a catalogue record: (newest year in Period/Title, indeling year)."""
    period = [int(y) for y in _YEAR.findall(str(record.get("Period") or ""))]
    title = str(record.get("Title") or "")
    ind = re.search(r"indeling\s+(\d{4})", title, re.IGNORECASE)
    title_years = [int(y) for y in _YEAR.findall(title)]
    return (max(period or title_years or [0]), int(ind.group(1)) if ind else 0)


class RivmSource(StatLineSource):
    on_dataderden = True
    name = NAME
    title = "RIVM: Gezondheid per wijk en buurt"
    publisher = "RIVM / CBS"
    licence = "CC BY 4.0 (CBS open data; not separately verified for the RIVM catalogue)"
    short_name = "RIVM / CBS"
    attribution = "RIVM/GGD'en/CBS, Gezondheid per wijk en buurt"
    catalogue_title = TITLE_PREFIX
    known_tables = KNOWN_TABLES
    also_stores: tuple[str, ...] = ("rivm_similar",)  # the rows of vergelijkbare buurten (buurtscan.similar.rows_source)
    always_known = True  # an older known table still serves when the catalogue's newest is withdrawn

    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        """The tables titled "Gezondheid per wijk en buurt; …", the newest period first."""
        mine = [r for r in records
                if str(r.get("Title", "")).strip().casefold().startswith(TITLE_PREFIX.casefold())]
        return [(None, str(r["Identifier"]).strip()) for r in sorted(mine, key=newest_year, reverse=True)]

    def table_meta(self, ctx: FetchContext) -> TableMeta:
        return self.discover_table(ctx).meta

    @staticmethod
    def age_key(api: CbsOData, meta: TableMeta) -> str:
        """The key of "18 jaar en ouder" in the Leeftijd code list (20300 if not found)."""
        try:
            for r in api.rows(meta.table_id, AGE, select=["Key", "Title"]):
                if str(r.get("Title") or "").strip().casefold() == AGE_TITLE:
                    return str(r["Key"])
        except TableNotFoundError:
            pass
        return AGE_KEY

    def _query(self, ctx: FetchContext, request: FetchRequest) -> tuple[TableMeta, dict[str, tuple[str, str]],
                                                                        list[str], list[str]]:
        """The table, its wanted columns, the fixed filters (age, margin) and the period keys (newest
        first), worked out once a run (the rows of vergelijkbare buurten reuse them)."""
        if (NAME, "query") in ctx.learnt:
            return ctx.learnt[(NAME, "query")]
        api = ctx.dataderden()
        meta = self.table_meta(ctx)
        cols = topic_columns(meta, request.wants(NAME))
        if not cols:
            raise SourceError(f"{meta.table_id} ({meta.title}) has none of the topics "
                              "the catalogue asks for.")
        fixed = []
        if AGE in meta.dimensions:
            fixed.append(eq(AGE, self.age_key(api, meta)))
        if MARGIN in meta.dimensions:
            fixed.append(eq(MARGIN, POINT_ESTIMATE))
        periods: list[str] = []
        if PERIOD in meta.dimensions:
            keys = [str(r["Key"]) for r in api.rows(meta.table_id, PERIOD, select=["Key"])]
            periods = periods_newest_first(keys, request.year)
            if not periods:
                raise SourceError(f"{meta.table_id} has no period" +
                                  (f" up to {request.year}." if request.year else "."))
        found: tuple[TableMeta, dict[str, tuple[str, str]], list[str], list[str]] = (meta, cols, fixed, periods)
        ctx.learnt[(NAME, "query")] = found
        return found

    def similar_query(self, ctx: FetchContext, request: FetchRequest,
                      tables: Sequence[TableData]) -> CodeQuery | None:
        """The rows of vergelijkbare buurten: the columns this run has buurt figures for, the
        newest period only (the one a buurt's own figure uses)."""
        if (NAME, "query") not in ctx.learnt:
            return None  # the source did not run (or failed) in this fetch
        meta, cols, fixed, periods = self._query(ctx, request)
        cols = filled_columns(cols, tables, NAME, meta.table_id)
        if not cols:
            return None
        labels = {periods[0]: str(period_year(periods[0]) or periods[0].strip())} if periods else None
        newest = [eq(PERIOD, periods[0])] if periods else []
        return CodeQuery(meta, cols, labels[periods[0]] if labels else meta.period, tuple(fixed + newest),
                         labels, normalise_code)

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        meta, cols, fixed, periods = self._query(ctx, request)
        fixed = list(fixed)
        if periods and request.year is not None:  # else every period: one indeling for all, a series
            fixed.append(any_of(*(eq(PERIOD, p) for p in periods)))
        labels = {p: str(period_year(p) or p.strip()) for p in periods}
        newest = labels[periods[0]] if periods else meta.period

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            return self.read_pages(ctx, meta, cols, period=newest, flt=all_of(region or "", *fixed), part=part,
                                   period_labels=labels if periods else None, normalise_code=normalise_code)

        tables, skipped = self.fetch_by_gemeente(ctx, request, load, nederland=startswith(GEO, "NL"),
                                                 label=meta.table_id)
        skipped += named_without_figures(NAME, request, tables,
                                         lambda t: f"{meta.table_id}{indeling_text(meta)}")
        return SourceResult(tuple(tables), tuple(skipped))


