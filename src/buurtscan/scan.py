"""The scan of one region: every catalogue section with its compared indicators and sources.

:func:`build_scan` reads the cache (offline) and returns a :class:`Scan` of frozen
dataclasses — the substance of the globale scan. `buurtscan show` prints it; the report
model and renderers build on it. ``Scan.as_dict()`` is the `show --json` structure:
``region``, ``sections`` (each with ``indicators``) and ``sources``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from . import compare, similar as similar_core
from .series import Series
from .series import build as build_series
from .similar_lookup import SimilarLookup
from .trend import Judgement
from .trend import judge as judge_trend
from .cache import Cache
from .catalogue import Catalogue, Indicator, load
from .errors import UsageError
from .regions import NEDERLAND, parse_code
from . import leefbaarheid
from .tidy import Status


@dataclass(frozen=True)
class RegionInfo:
    code: str
    name: str
    level: str
    wijk_code: str | None
    wijk_name: str | None
    gemeente_code: str | None
    gemeente_name: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "wijk": {"code": self.wijk_code, "name": self.wijk_name} if self.wijk_code else None,
            "gemeente": {"code": self.gemeente_code, "name": self.gemeente_name} if self.gemeente_code else None,
        }


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    label: str
    unit: str
    decimals: int
    direction: str
    domain: str
    source: str
    table_id: str | None
    period: str | None
    values: dict[str, float | None]  # buurt, wijk, gemeente, nederland
    statuses: dict[str, str]
    rank: int | None
    rank_of: int | None
    signal: compare.Signal | None
    trend: compare.Trend | None
    key: bool = False
    chart: str | None = None
    stem: str | None = None
    denominator_period: str | None = None
    phrase: str | None = None
    raw: dict[str, float | None] = field(default_factory=dict)  # figures before derivation (counts)
    partner: bool = False  # from a merged partner file
    threshold: int = 5  # small counts below this are shown as "< threshold"
    similar: similar_core.Reference | None = None  # median and spread in the vergelijkbare buurten
    similar_signal: compare.Signal | None = None  # against that median, reported apart from `signal`
    series: Series | None = None  # comparable figures over the years (docs/comparison.md)
    klasse: str | None = None  # Leefbaarometer total score in words ("boven het Nederlandse gemiddelde")
    judgement: Judgement | None = None  # which way the series goes (trend.py; None: no series)

    @property
    def status(self) -> str:
        """Status of the subject's own figure (the first level that applies)."""
        for level in compare.LEVELS:
            if self.statuses.get(level) != Status.NOT_APPLICABLE:
                return self.statuses[level]
        return Status.MISSING

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "unit": self.unit,
            "decimals": self.decimals,
            "direction": self.direction,
            "period": self.period,
            "source": self.source,
            "table_id": self.table_id,
            "values": dict(self.values),
            "statuses": dict(self.statuses),
            "rank": self.rank,
            "rank_of": self.rank_of,
            "signal": self.signal.as_dict() if self.signal else None,
            "trend": self.trend.as_dict() if self.trend else None,
            "status": self.status,
            "key": self.key,
            "stem": self.stem,
            "denominator_period": self.denominator_period,
            "raw": dict(self.raw),
            "partner": self.partner,
            "similar": ({**self.similar.as_dict(),
                         "signal": self.similar_signal.as_dict() if self.similar_signal else None}
                        if self.similar else None),
            "series": self.series.as_dict() if self.series else None,
            "klasse": self.klasse,
            "trend_judgement": self.judgement.as_dict() if self.judgement else None,
        }


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[str, ...]
    indicators: tuple[IndicatorResult, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "questions": list(self.questions),
            "indicators": [i.as_dict() for i in self.indicators],
        }


@dataclass(frozen=True)
class SimilarBuurt:
    code: str
    name: str
    gemeente_code: str
    gemeente_name: str
    distance: float

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "gemeente": {"code": self.gemeente_code, "name": self.gemeente_name},
                "distance": round(self.distance, similar_core.DECIMALS)}


@dataclass(frozen=True)
class SimilarSet:
    """The vergelijkbare buurten of a buurt: who they are and on what they were chosen."""

    k: int
    table_id: str | None
    period: str | None
    themes: tuple[str, ...]  # theme ids of the profile that counted (similar.THEMES)
    dimensions: tuple[str, ...]
    buurten: tuple[SimilarBuurt, ...]
    reason: str | None = None  # why there are none

    def as_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "table_id": self.table_id,
            "period": self.period,
            "themes": list(self.themes),
            "dimensions": list(self.dimensions),
            "rule": ("k nearest buurten of the same table year outside the gemeente; weighted root mean "
                     "square of z-scores over the profile (docs/comparison.md, Vergelijkbare buurten)"),
            "buurten": [b.as_dict() for b in self.buurten],
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Scan:
    region: RegionInfo
    sections: tuple[Section, ...]
    sources: tuple[dict[str, Any], ...]
    generated_at: str
    notes: tuple[str, ...] = field(default=())
    similar: SimilarSet | None = None  # only for a buurt

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)

    def indicator(self, indicator_id: str) -> IndicatorResult:
        return next(i for s in self.sections for i in s.indicators if i.id == indicator_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region.as_dict(),
            "generated_at": self.generated_at,
            "sections": [s.as_dict() for s in self.sections],
            "sources": list(self.sources),
            "notes": list(self.notes),
            "similar": self.similar.as_dict() if self.similar else None,
        }


class GemeenteData:
    """The cached rows of one gemeente (+ Nederland), with memoised derivations.

    Build one per gemeente and call :meth:`scan` for each region: derived frames are shared
    between the buurten of a gemeente, so a whole gemeente renders quickly.
    """

    def __init__(self, cache: Cache, gemeente: str, catalogue: Catalogue | None = None,
                 similar_k: int = similar_core.DEFAULT_K) -> None:
        self.cache = cache
        self.similar_k = similar_k
        self._similar_rows: dict[str, compare.Rows] = {}
        self._similar_index: tuple[list[str], compare.Index] | None = None  # (its buurten, their rows)
        self._similar_memo: dict[tuple[str, compare.Plan], compare.Derived] = {}
        self.gemeente = gemeente
        self.catalogue = catalogue or load()
        with cache.reading():  # one generation of the cache, even while another run commits
            self.data = cache.for_region(gemeente)
            self.regions = cache.region_list()
            self.manifest = cache.manifest()
        self.lookup = SimilarLookup(cache, self.manifest, gemeente, similar_k)
        self._names = dict(zip(self.regions["code"].to_list(), self.regions["name"].to_list(), strict=True))
        self._memo: dict[tuple[str, compare.Plan], compare.Derived] = {}
        self._index = compare.index_rows(self.data)
        self._present = set(self.data["region_code"].unique().to_list())  # one look-up per scan, not a filter
        self._rows: dict[str, compare.Rows] = {}
        # every table that holds figures of (source, indicator, period): one figure's references can come
        # from another table of the source (national totals), and the sources block must name it too
        self._tables: dict[tuple[str, str, str], set[str]] = {}
        for src, name, period, table in self.data.select("source", "indicator", "period", "table_id").unique().iter_rows():
            self._tables.setdefault((src, name, period), set()).add(table)
        self._peers: dict[str, int] = {}
        self.partner = self._partner_indicators()
        if self.partner:
            extra = tuple(ind for ind, _ in self.partner.values())
            self.catalogue = replace(self.catalogue, indicators=self.catalogue.indicators + extra)

    def _partner_indicators(self) -> dict[str, tuple[Indicator, dict[str, Any]]]:
        """Indicators of merged partner files that have figures for this gemeente (id → (indicator, meta))."""
        out: dict[str, tuple[Indicator, dict[str, Any]]] = {}
        present = {(src, name) for (src, name, _period) in self._index}
        domains = {d.id for d in self.catalogue.domains}
        for entry in self.manifest.tables.values():
            info = entry.partner
            if info is None:
                continue
            for meta in info.indicators:
                if (entry.source, meta.stem) not in present or meta.domain not in domains:
                    continue
                ind = Indicator(
                    id=f"{entry.source}.{meta.id}", domain=meta.domain, label=meta.label or meta.stem,
                    source=entry.source, stem=meta.stem, unit=meta.unit, decimals=meta.decimals,
                    direction=meta.direction, derive=meta.derive,
                )
                complete = self.gemeente in info.complete_gemeenten
                out[ind.id] = (ind, {"threshold": info.threshold, "complete": complete})
        return out

    def rows(self, ind: Indicator) -> compare.Rows:
        """The figures an indicator can use, indexed (its stems plus the KWB denominators)."""
        if ind.id not in self._rows:
            self._rows[ind.id] = compare.Rows(self._index, ind)
        return self._rows[ind.id]

    def codes(self, level: str = "buurt") -> list[str]:
        """Cached region codes of this gemeente at a level, in code order."""
        frame = self.data.filter((pl.col("region_level") == level) & (pl.col("gemeente_code") == self.gemeente))
        return sorted(frame["region_code"].unique().to_list())

    def peers(self, level: str) -> int:
        """How many regions of a level the gemeente has (in the region list, else in the cache)."""
        if level not in self._peers:
            prefix = {"buurt": "BU", "wijk": "WK"}.get(level, "--")
            digits = self.gemeente[2:]  # a BU/WK code carries its gemeente's digits (regions.gemeente_of)
            listed = [c for c in self._names if c.startswith(prefix) and c[2:6] == digits
                      and parse_code(c).gemeente == self.gemeente]
            self._peers[level] = len(listed) or len(self.codes(level))
        return self._peers[level]

    def region(self, code: str) -> RegionInfo:
        rc = parse_code(code)
        wijk = rc.wijk if rc.level == "buurt" else None
        return RegionInfo(
            code=rc.code,
            name=self._names.get(rc.code, rc.code),
            level=rc.level,
            wijk_code=wijk,
            wijk_name=self._names.get(wijk) if wijk else None,
            gemeente_code=rc.gemeente,
            gemeente_name=self._names.get(rc.gemeente) if rc.gemeente else None,
        )

    def derived(self, ind: Indicator, subject: str) -> compare.Derived:
        chosen = compare.plan(self.rows(ind), ind, subject)
        key = (ind.id, chosen)
        if key not in self._memo:
            self._memo[key] = compare.evaluate(self.rows(ind), ind, chosen)
        return self._memo[key]

    def scan(self, code: str) -> Scan:
        info = self.region(code)
        if info.code not in self._present:
            raise UsageError(
                f"Nothing is cached for {info.code}.",
                tip=f"Fetch it first: buurtscan fetch {info.code}",
            )
        codes = {
            "buurt": info.code if info.level == "buurt" else None,
            "wijk": info.code if info.level == "wijk" else info.wijk_code,
            "gemeente": info.gemeente_code,
            "nederland": NEDERLAND,
        }
        sections = []
        used: set[tuple[str, str]] = set()
        match = self.lookup.match(info.code) if info.level == "buurt" else None
        neighbours = [n.code for n in match.neighbours] if match else []
        if neighbours and self.lookup.found is not None:
            used.add((similar_core.NAME, self.lookup.found.table_id))
        for domain in self.catalogue.domains:
            results = []
            for ind in self.catalogue.in_domain(domain.id):
                d = self.derived(ind, info.code)
                vals = compare.values_for(d, codes)
                own_level = info.level if info.level != "land" else "nederland"
                own = vals.get(own_level, (None, Status.MISSING))
                refs = {k: vals[k] for k in ("gemeente", "nederland") if k != own_level and codes[k]}
                rank, rank_of = compare.rank(d, info.code, self.peers(info.level))
                partner = self.partner.get(ind.id, (None, {}))[1]
                if partner and not partner["complete"]:
                    rank, rank_of = None, None  # only part of the gemeente supplied: no ranking
                if d.table_id:
                    used.add((ind.source, d.table_id))
                    for stem in {*ind.stems, *ind.of, d.stem or ""}:
                        used |= {(ind.source, t) for t in self._tables.get((ind.source, stem, d.period or ""), ())}
                ref = self._similar_reference(ind, info.code, neighbours) if neighbours else None
                if ref is not None and d.table_id:  # the similar buurten' own rows, when they came from there
                    used.add((similar_core.rows_source(ind.source), d.table_id))
                results.append(
                    IndicatorResult(
                        id=ind.id,
                        label=ind.label,
                        unit=ind.unit,
                        decimals=ind.decimals,
                        direction=ind.direction,
                        domain=ind.domain,
                        source=ind.source,
                        table_id=d.table_id,
                        period=d.period,
                        values={k: v for k, (v, _) in vals.items()},
                        statuses={k: st for k, (_, st) in vals.items()},
                        rank=rank,
                        rank_of=rank_of,
                        signal=compare.signal(ind, own, refs),
                        trend=compare.trend(self.rows(ind), ind, d, info.code, self._memo),
                        key=ind.key,
                        chart=ind.chart,
                        stem=d.stem,
                        denominator_period=d.denominator_period,
                        phrase=ind.phrase,
                        raw={k: d.raw.get(c) if c else None for k, c in codes.items()},
                        partner=bool(partner),
                        threshold=partner.get("threshold", 5) if partner else 5,
                        series=(ser := build_series(self.rows(ind), ind, d, codes, info.code, self._memo)),
                        judgement=judge_trend(ser, unit=ind.unit, decimals=ind.decimals, direction=ind.direction,
                                              comparable=ind.comparable, level=own_level,
                                              descriptive=ind.descriptive),
                        similar=ref,
                        similar_signal=(compare.signal(ind, own, {"vergelijkbare buurten": (ref.median, "ok")})
                                        if ref else None),
                        klasse=self._klasse(ind, d, info.code),
                    )
                )
            sections.append(Section(domain.id, domain.title, domain.questions, tuple(results)))
        return Scan(
            region=info,
            sections=tuple(sections),
            sources=tuple(self._sources(used, info.gemeente_code)),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            similar=self._similar_set(match) if info.level == "buurt" else None,
        )

    def _klasse(self, ind: Indicator, d: compare.Derived, code: str) -> str | None:
        """The Leefbaarometer total score in words, from the region's ``afw`` of the same year."""
        if ind.source != leefbaarheid.NAME or d.stem != "lbm" or d.period is None:
            return None
        cells = self._index.get((leefbaarheid.NAME, "afw", d.period), (None, {}))[1]
        return leefbaarheid.klasse(cells.get(code, (None, ""))[0])

    # -- vergelijkbare buurten ---------------------------------------------------------
    def _similar_set(self, match: similar_core.Match | None) -> SimilarSet | None:
        p = self.lookup.found
        if match is None or p is None:
            return None
        buurten = tuple(
            SimilarBuurt(n.code, self._names.get(n.code, n.code), n.gemeente_code,
                         self._names.get(n.gemeente_code, n.gemeente_code), n.distance)
            for n in match.neighbours
        )
        return SimilarSet(self.similar_k, p.table_id, p.period, p.themes, p.dimensions, buurten, match.reason)

    def _similar_data(self) -> compare.Index:
        """Cached figures of every similar buurt of the gemeente: whatever the ordinary rows hold for
        them, then, where those have none, the side tables: the national profile (as KWB rows of the
        same table) and the rows fetched for them as vergelijkbare buurten (``<source>_similar``)."""
        codes = self.lookup.neighbour_codes()
        if self._similar_index is None or self._similar_index[0] is not codes:  # (more buurten matched since)
            self._similar_rows, self._similar_memo = {}, {}
            sides = [(similar_core.NAME, compare.KWB)] + [(similar_core.rows_source(s), s)
                                                          for s in similar_core.ROWS_SOURCES]
            with self.cache.reading():  # one manifest for the four reads
                own = self.cache.scan().filter(pl.col("region_code").is_in(codes)).collect()
                side = pl.concat([self.cache.scan(source=name).filter(pl.col("region_code").is_in(codes))
                                  .collect().with_columns(pl.lit(as_source).alias("source"))
                                  for name, as_source in sides])
            keys = ["region_code", "source", "table_id", "period", "indicator"]
            extra = side.unique(subset=keys, keep="first", maintain_order=True).join(own, on=keys, how="anti")
            self._similar_index = (codes, compare.index_rows(pl.concat([own, extra])))
        return self._similar_index[1]

    def _similar_reference(self, ind: Indicator, code: str, neighbours: list[str]) -> similar_core.Reference | None:
        """Median and spread of the indicator in the similar buurten, in the buurt's own period and table."""
        chosen = compare.plan(self.rows(ind), ind, code)
        if chosen.period is None:
            return None
        data = self._similar_data()  # first: it starts afresh when more buurten were matched since
        if ind.id not in self._similar_rows:
            self._similar_rows[ind.id] = compare.Rows(data, ind)
        key = (ind.id, chosen)
        if key not in self._similar_memo:
            self._similar_memo[key] = compare.evaluate(self._similar_rows[ind.id], ind, chosen)
        derived = self._similar_memo[key]
        values = [v if st == "ok" else None for v, st in (derived.lookup.get(c, (None, "")) for c in neighbours)]
        return similar_core.reference(values, self.similar_k)

    def _sources(self, used: set[tuple[str, str]], gemeente: str | None) -> Iterator[dict[str, Any]]:
        for entry in self.manifest.tables.values():
            if (entry.source, entry.table_id) not in used:
                continue
            part = entry.part_for(gemeente)
            yield {
                **({"partner": entry.partner.provenance()} if entry.partner else {}),
                "source": entry.source,
                "table_id": entry.table_id,
                "title": entry.title,
                "period": entry.period,
                "periods": entry.sorted_periods,
                "publisher": entry.publisher,
                "licence": entry.licence,
                "modified": entry.modified,
                "retrieved_at": part.retrieved_at if part else None,
                "request_url": part.request_url if part else None,
                "base_url": entry.base_url,
                **({"note": entry.note} if entry.note else {}),
                **({"files": list(entry.files)} if entry.files else {}),
            }


def build_scan(cache: Cache, code: str, catalogue: Catalogue | None = None,
               similar_k: int = similar_core.DEFAULT_K) -> Scan:
    """The scan of one region from the cache (no network)."""
    rc = parse_code(code)
    if rc.level == "land":
        raise UsageError("A scan is made for a buurt, wijk or gemeente, not for Nederland.")
    if cache.is_empty():
        raise UsageError(
            f"The cache at {cache.root} is empty.", tip=f"Fetch the buurt first: buurtscan fetch {rc.code}"
        )
    assert rc.gemeente is not None
    return GemeenteData(cache, rc.gemeente, catalogue, similar_k).scan(rc.code)
