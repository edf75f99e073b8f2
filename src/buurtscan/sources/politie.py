"""Politie: registered crimes per wijk and buurt, yearly (dataderden table 47018NED).

- The table is found in the dataderden catalogue by its title ("Geregistreerde misdrijven;
  soort misdrijf, wijk, buurt, jaarcijfers"), 47018NED if the catalogue cannot be asked.
- The table is *long*: one row per (kind of crime, region, period) with one measure,
  ``GeregistreerdeMisdrijven_1``. Kinds are read from the ``SoortMisdrijf`` code list and
  matched by *title*, never by key: "1.1.1 Diefstal/inbraak woning" becomes the indicator
  ``GeregistreerdeMisdrijven.diefstal_inbraak_woning`` (measure stem + slug of the title
  without its number). Only the kinds the catalogue wants are downloaded.
- Periods: every yearly ``Perioden`` key (``2012JJ00`` … ``2023JJ00`` → "2012" … "2023"), all
  in the same request — the table uses one buurtindeling for all years, so the years form a
  series. With ``--year`` only the years up to it. A year without figures (a new year is added
  provisionally each March, holding only the cube's default zeros) is left out.
- Per gemeente one paged query (``$filter`` on the gemeente and its wijken and buurten and the
  padded kind keys) plus one for Nederland; the whole table for ``--all``.
- The measure's ``Default`` is "Zero": cells absent from the cube are published as 0 with
  blank region strings. Those are kept as published (0, status ``ok``); a kind with no row
  at all for a region that has rows is stored as null (``ontbreekt``), never as 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from ..errors import SourceError
from ..odata import (
    CbsOData,
    TableMeta,
    Topic,
    all_of,
    any_of,
    eq,
    period_year,
    periods_newest_first,
    slug,
)
from ..regions import NEDERLAND, pad
from ..tidy import empty_tidy, finish_tidy
from .base import FetchContext, FetchRequest, SourceResult, TableData, named_without_figures
from .statline import GEO, PERIOD, Listed, StatLineSource, indeling_text

NAME = "politie"
TITLE = "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers"
KNOWN_TABLE = "47018NED"
KIND = "SoortMisdrijf"
_NUMBER = re.compile(r"^\d+(\.\d+)*\s+")


# -- the source ------------------------------------------------------------------------
def kind_slug(title: str) -> str:
    """The kind's title without its number, as a slug:
    "1.1.1 Diefstal/inbraak woning" → "diefstal_inbraak_woning",
    "Totaal misdrijven" → "totaal_misdrijven"."""
    return slug(_NUMBER.sub("", title.strip()))


class PolitieSource(StatLineSource):
    on_dataderden = True
    name = NAME
    title = "Politie: geregistreerde misdrijven per wijk en buurt"
    publisher = "Politie / CBS"
    licence = "CC BY 4.0 (CBS open data; not separately verified for the Politie catalogue)"
    short_name = "Politie / CBS"
    attribution = "Politie, via CBS StatLine (dataderden)"
    catalogue_title = TITLE
    known_tables = (KNOWN_TABLE,)

    def from_catalogue(self, records: list[dict[str, Any]]) -> Listed:
        """The table with exactly this title; the newest Modified if there are several."""
        same = [r for r in records if str(r.get("Title", "")).strip().casefold() == TITLE.casefold()]
        return [(None, str(r["Identifier"]).strip())
                for r in sorted(same, key=lambda r: str(r.get("Modified") or ""), reverse=True)]

    def table_meta(self, ctx: FetchContext) -> TableMeta:
        return self.discover_table(ctx).meta

    @staticmethod
    def kinds(api: CbsOData, meta: TableMeta) -> dict[str, str]:
        """Slug of the kind's title → its key as stored (padding kept, e.g. ``'1.1.1 '``)."""
        out: dict[str, str] = {}
        for r in api.rows(meta.table_id, KIND, select=["Key", "Title"]):
            out.setdefault(kind_slug(str(r.get("Title") or "")), str(r["Key"]))
        return out

    @staticmethod
    def wanted_columns(meta: TableMeta, kinds: dict[str, str], wanted: Sequence[tuple[str, str | None]] | None
                       ) -> tuple[list[Topic], dict[str, str]]:
        """The measures and kinds to download: (topics, kind key → kind slug).

        Catalogue stems look like ``GeregistreerdeMisdrijven.diefstal_inbraak_woning``;
        stems that name no kind (``GeregistreerdeMisdrijven.geweld``, a sum the catalogue
        derives) are left out."""
        numeric = [t for t in meta.topics if t.numeric]
        if wanted is None:
            return numeric, {key: s for s, key in kinds.items()}
        topics: dict[str, Topic] = {}
        chosen: dict[str, str] = {}
        for stem, _group in wanted:
            measure, _, kind = stem.partition(".")
            topic = next((t for t in numeric if t.stem == measure), None)
            if topic is None or kind not in kinds:
                continue
            topics[topic.key] = topic
            chosen[kinds[kind]] = kind
        return list(topics.values()), chosen

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        api = ctx.dataderden()
        meta = self.table_meta(ctx)
        kinds = self.kinds(api, meta)
        topics, chosen = self.wanted_columns(meta, kinds, request.wants(NAME))
        if not topics or not chosen:
            raise SourceError(f"{meta.table_id} ({meta.title}) has none of the kinds of crime "
                              "the catalogue asks for.")
        keys = [str(r["Key"]) for r in api.rows(meta.table_id, PERIOD, select=["Key"])]
        periods = periods_newest_first(keys, request.year)
        if not periods:
            raise SourceError(f"{meta.table_id} has no period"
                              + (f" up to {request.year}." if request.year else "."))
        strings = [t.key for t in meta.topics if not t.numeric]
        select = [KIND, GEO, PERIOD, *(t.key for t in topics), *strings]
        kind_filter = any_of(*(eq(KIND, key) for key in chosen))

        # every period in one request (the table has one buurtindeling for all years): the series
        period_filter = None if request.year is None else any_of(*(eq(PERIOD, p) for p in periods))

        def load(part: tuple[str, ...] | None, region: str | None) -> TableData:
            flt = all_of(region or "", kind_filter, period_filter or "")
            rows = api.rows(meta.table_id, "TypedDataSet", filter=flt, select=select)
            by_period: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                by_period.setdefault(str(r.get(PERIOD) or ""), []).append(r)
            # a year added provisionally (each March) holds only the cube's default zeros: keep the
            # years the publisher filled in; if none, the newest with rows, as published
            kept = ([p for p in periods if _published(by_period.get(p, []), topics, strings)]
                    or [p for p in periods if by_period.get(p)][:1] or periods[:1])
            frames = []
            for p in kept:
                label = str(period_year(p) or p.strip())
                frames.append(self.to_tidy(by_period.get(p, []), topics, chosen, period=label,
                                           table_id=meta.table_id))
            frame = pl.concat(frames) if frames else empty_tidy()
            labels = tuple(str(period_year(p) or p.strip()) for p in kept)
            newest = labels[0] if labels else str(period_year(periods[0]) or periods[0].strip())
            url = api.request_url(meta.table_id, "TypedDataSet", filter=flt, select=select)
            return TableData(self._provenance(ctx, meta, newest, url), frame, part, periods=labels)

        tables, skipped = self.fetch_by_gemeente(ctx, request, load, nederland=eq(GEO, pad(NEDERLAND)),
                                                 label=meta.table_id)
        skipped += named_without_figures(
            NAME, request, tables, lambda t: f"{meta.table_id}, {t.provenance.period}{indeling_text(meta)}",
            period=lambda t: t.provenance.period,
        )
        return SourceResult(tuple(tables), tuple(skipped))

    @staticmethod
    def to_tidy(rows: list[dict[str, Any]], topics: Sequence[Topic], kinds: dict[str, str], *,
                period: str, table_id: str) -> pl.DataFrame:
        """Long API rows → tidy rows: one per (region, measure, kind asked for); a kind
        without a row for a region that has rows is null."""
        if not rows:
            return empty_tidy()
        by_key = {k.strip(): s for k, s in kinds.items()}
        codes, indicators, values, units = [], [], [], []
        for r in rows:
            kind = by_key.get(str(r.get(KIND) or "").strip())
            if kind is None:
                continue
            code = str(r.get(GEO) or "").strip().upper()
            for t in topics:
                codes.append(code)
                indicators.append(f"{t.stem}.{kind}")
                values.append(r.get(t.key))
                units.append(t.unit)
        found = pl.DataFrame(
            {"region_code": codes, "indicator": indicators, "value": values, "unit": units},
            schema={"region_code": pl.Utf8, "indicator": pl.Utf8, "value": pl.Float64, "unit": pl.Utf8},
            strict=False,
        ).unique(subset=["region_code", "indicator"], keep="first", maintain_order=True)
        grid = pl.DataFrame({"region_code": found["region_code"].unique(maintain_order=True)}).join(
            pl.DataFrame(
                {"indicator": [f"{t.stem}.{k}" for t in topics for k in kinds.values()],
                 "unit_": [t.unit for t in topics for _ in kinds.values()]}
            ),
            how="cross",
        )
        full = grid.join(found, on=["region_code", "indicator"], how="left").with_columns(
            pl.coalesce("unit", "unit_").alias("unit")
        )
        return finish_tidy(full.drop("unit_"), period=period, source=NAME, table_id=table_id)




def _published(rows: list[dict[str, Any]], topics: Sequence[Topic], strings: Sequence[str]) -> bool:
    """True when some row carries a figure that the publisher actually filled in: a number,
    and (where the table has region strings) a non-blank one — absent cube cells come back
    as the measure's default (0) with blank strings."""
    for r in rows:
        if any(r.get(t.key) is not None for t in topics) and (
            not strings or any(str(r.get(s) or "").strip() for s in strings)
        ):
            return True
    return False
