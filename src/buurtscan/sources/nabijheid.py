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
from typing import Any

from ..errors import SourceError
from ..odata import TableMeta, eq, topic_columns
from ..regions import NEDERLAND, pad
from .base import FetchContext, FetchRequest, SourceResult, TableData, named_without_figures
from .statline import CBS_ATTRIBUTION, GEO, Listed, StatLineSource, years_in_titles

NAME = "nabijheid"
TITLE_PREFIX = "Nabijheid voorzieningen"
KNOWN_TABLES: dict[int, str] = {2021: "85231NED", 2024: "86134NED"}
_TITLE_YEAR = re.compile(r"^Nabijheid voorzieningen\b.*\bbuurtcijfers\s+(\d{4})\s*$", re.IGNORECASE)


class NabijheidSource(StatLineSource):
    name = NAME
    title = "CBS Nabijheid voorzieningen"
    publisher = "CBS"
    licence = "CC BY 4.0"
    short_name = "CBS"
    attribution = CBS_ATTRIBUTION
    catalogue_title = TITLE_PREFIX
    known_tables = KNOWN_TABLES

    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        return years_in_titles(records, _TITLE_YEAR)

    def table_for(self, ctx: FetchContext, year: int | None) -> tuple[int, TableMeta]:
        """The newest table (not after ``year``) that CBS actually serves, with its year."""
        found = self.discover_table(ctx, year)
        assert found.year is not None  # every listed Nabijheid table has its year
        return found.year, found.meta

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        year, meta = self.table_for(ctx, request.year)
        period = str(year)
        cols = topic_columns(meta, request.wants(NAME))
        if not cols:
            raise SourceError(f"{meta.table_id} ({meta.title}) has none of the topics "
                              "the catalogue asks for.")

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            return self.read_pages(ctx, meta, cols, period=period, flt=region, part=part)

        tables, skipped = self.fetch_by_gemeente(ctx, request, load, nederland=eq(GEO, pad(NEDERLAND)),
                                                 label=meta.table_id)
        indeling = meta.indeling or year
        skipped += named_without_figures(NAME, request, tables,
                                         lambda t: f"{meta.table_id} (buurtindeling {indeling})")
        return SourceResult(tuple(tables), tuple(skipped))


