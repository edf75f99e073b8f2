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
from typing import Any

import polars as pl

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
from ..tidy import empty_tidy, wide_to_tidy
from .base import FetchContext, FetchRequest, SourceResult, TableData, StatLineSource
from .kwb import GEO
from .politie import by_gemeente, indeling_text, named_without_figures

NAME = "rivm"
TITLE_PREFIX = "Gezondheid per wijk en buurt"
KNOWN_TABLES = ("50150NED", "50090NED")  # newest first
AGE = "Leeftijd"
AGE_TITLE = "18 jaar en ouder"
AGE_KEY = "20300"
MARGIN = "Marges"
POINT_ESTIMATE = "MW00000"
PERIOD = "Perioden"
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

    def candidates(self, ctx: FetchContext, api: CbsOData) -> list[str]:
        """Table ids to try, newest first: the catalogue's, then the known ones."""
        try:
            records = [r for r in api.find_tables(TITLE_PREFIX)
                       if str(r.get("Title", "")).strip().casefold().startswith(TITLE_PREFIX.casefold())]
        except TableNotFoundError:
            records = []
        except SourceError as exc:
            ctx.observer.message(f"RIVM catalogue not reachable ({exc.message}); using the known tables.")
            records = []
        ids = [str(r["Identifier"]).strip() for r in sorted(records, key=newest_year, reverse=True)]
        return ids + [t for t in KNOWN_TABLES if t not in ids]

    def table_meta(self, ctx: FetchContext) -> TableMeta:
        if "rivm_meta" in ctx.memo:
            return ctx.memo["rivm_meta"]
        api = ctx.dataderden()
        tried = []
        for table_id in self.candidates(ctx, api):
            try:
                meta = api.table_meta(table_id)
            except TableNotFoundError:
                tried.append(table_id)
                continue
            ctx.memo["rivm_meta"] = meta
            return meta
        raise TableNotFoundError(f"dataderden offers no '{TITLE_PREFIX}' table (tried {', '.join(tried)}).")

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

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
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
            if request.year is not None:  # else every period: one indeling for all, a series
                fixed.append(any_of(*(eq(PERIOD, p) for p in periods)))
        labels = {p: str(period_year(p) or p.strip()) for p in periods}
        newest = labels[periods[0]] if periods else meta.period
        select = [GEO, *cols, *([PERIOD] if periods else [])]

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            flt = all_of(region or "", *fixed)
            frames = []
            for page in api.pages(meta.table_id, "TypedDataSet", filter=flt, select=select):
                by_period: dict[str, list[dict[str, Any]]] = {}
                for r in page:
                    by_period.setdefault(str(r.get(PERIOD) or ""), []).append(r)
                for key, rows in by_period.items():
                    label = labels.get(key) or str(period_year(key) or key.strip() or newest)
                    frames.append(wide_to_tidy(rows, code_field=GEO, columns=cols, period=label, source=NAME,
                                               table_id=meta.table_id, normalise_code=normalise_code))
            frame = pl.concat(frames) if frames else empty_tidy()
            found = tuple(sorted(set(frame["period"].to_list()), reverse=True)) if frame.height else ()
            url = api.request_url(meta.table_id, "TypedDataSet", filter=flt, select=select)
            return TableData(self._provenance(ctx, meta, found[0] if found else newest, url), frame, part,
                             periods=found)

        tables, skipped = by_gemeente(ctx, request, NAME, load, nederland=startswith(GEO, "NL"),
                                      label=meta.table_id)
        skipped += named_without_figures(NAME, request, tables,
                                         lambda t: f"{meta.table_id}{indeling_text(meta)}")
        return SourceResult(tuple(tables), tuple(skipped))


