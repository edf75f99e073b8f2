"""CBS Nabijheid voorzieningen: distances to services per wijk and buurt (opendata.cbs.nl).

- One table per measurement year ("Nabijheid voorzieningen; afstand locatie, wijk- en
  buurtcijfers 2024"), found in the CBS catalogue by title; the newest year wins (with
  ``--year``: the newest year not after it). Known ids as fallback: 2021 85231NED, 2024 86134NED.
- NL/GM/WK/BU rows in one table, topics as columns, no period dimension: the period is the
  year in the title. The region classification is that year's.
- Topics by stem from DataProperties. Stems repeat under different groups (``Binnen1Km_6``
  huisartsenpraktijken vs ``Binnen1Km_21`` …); the indicator ids carry the group
  (``Binnen1Km.aantal_huisartsenpraktijken``) and a catalogue entry names the group.
"""

from __future__ import annotations

import re

import polars as pl

from ..errors import SourceError, TableNotFoundError
from ..odata import CbsOData, TableMeta, eq, topic_columns
from ..regions import NEDERLAND, pad
from ..tidy import empty_tidy, wide_to_tidy
from .base import FetchContext, FetchRequest, SourceResult, TableData, StatLineSource
from .kwb import GEO
from .politie import by_gemeente, named_without_figures

NAME = "nabijheid"
TITLE_PREFIX = "Nabijheid voorzieningen"
KNOWN_TABLES: dict[int, str] = {2021: "85231NED", 2024: "86134NED"}
_TITLE_YEAR = re.compile(r"^Nabijheid voorzieningen\b.*\bbuurtcijfers\s+(\d{4})\s*$", re.IGNORECASE)


class NabijheidSource(StatLineSource):
    name = NAME
    title = "CBS Nabijheid voorzieningen"
    publisher = "CBS"
    licence = "CC BY 4.0"

    def available_years(self, ctx: FetchContext, api: CbsOData) -> dict[int, str]:
        """Years → table ids from the catalogue; the known list if it cannot be asked."""
        try:
            years = api.years_by_title(TITLE_PREFIX, _TITLE_YEAR)
        except SourceError as exc:
            ctx.observer.message(f"Catalogue not reachable ({exc.message}); "
                                 "using the known Nabijheid tables.")
            years = {}
        return years or dict(KNOWN_TABLES)

    def table_for(self, ctx: FetchContext, year: int | None) -> tuple[int, TableMeta]:
        """The newest table (not after ``year``) that CBS actually serves."""
        key = f"nabijheid_meta_{year}"
        if key in ctx.memo:
            return ctx.memo[key]
        api = ctx.cbs()
        years = self.available_years(ctx, api)
        usable = sorted((y for y in years if year is None or y <= year), reverse=True)
        if not usable:
            raise TableNotFoundError(
                f"CBS offers no Nabijheid voorzieningen table for {year} or earlier "
                f"(years: {', '.join(str(y) for y in sorted(years))})."
            )
        for y in usable:
            try:
                found = (y, api.table_meta(years[y]))
            except TableNotFoundError:
                continue
            ctx.memo[key] = found
            return found
        raise TableNotFoundError(
            f"CBS serves none of the Nabijheid voorzieningen tables ({', '.join(years[y] for y in usable)})."
        )

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        api = ctx.cbs()
        year, meta = self.table_for(ctx, request.year)
        period = str(year)
        cols = topic_columns(meta, request.wants(NAME))
        if not cols:
            raise SourceError(f"{meta.table_id} ({meta.title}) has none of the topics "
                              "the catalogue asks for.")
        select = [GEO, *cols]

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            frames = [
                wide_to_tidy(page, code_field=GEO, columns=cols, period=period, source=NAME,
                             table_id=meta.table_id)
                for page in api.pages(meta.table_id, "TypedDataSet", filter=region, select=select)
            ]
            frame = pl.concat(frames) if frames else empty_tidy()
            url = api.request_url(meta.table_id, "TypedDataSet", filter=region, select=select)
            return TableData(self._provenance(ctx, meta, period, url), frame, part)

        tables, skipped = by_gemeente(ctx, request, NAME, load, nederland=eq(GEO, pad(NEDERLAND)),
                                      label=meta.table_id)
        indeling = meta.indeling or year
        skipped += named_without_figures(NAME, request, tables,
                                         lambda t: f"{meta.table_id} (buurtindeling {indeling})")
        return SourceResult(tuple(tables), tuple(skipped))


