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

from . import compare
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
    klasse: str | None = None  # Leefbaarometer total score in words ("boven het Nederlandse gemiddelde")

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
            "klasse": self.klasse,
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
class Scan:
    region: RegionInfo
    sections: tuple[Section, ...]
    sources: tuple[dict[str, Any], ...]
    generated_at: str
    notes: tuple[str, ...] = field(default=())

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
        }


class GemeenteData:
    """The cached rows of one gemeente (+ Nederland), with memoised derivations.

    Build one per gemeente and call :meth:`scan` for each region: derived frames are shared
    between the buurten of a gemeente, so a whole gemeente renders quickly.
    """

    def __init__(self, cache: Cache, gemeente: str, catalogue: Catalogue | None = None) -> None:
        self.cache = cache
        self.gemeente = gemeente
        self.catalogue = catalogue or load()
        self.data = cache.for_region(gemeente)
        self.regions = cache.region_list()
        self.manifest = cache.manifest()
        self._names = dict(zip(self.regions["code"].to_list(), self.regions["name"].to_list(), strict=True))
        self._memo: dict[tuple[str, compare.Plan], compare.Derived] = {}
        self._index = compare.index_rows(self.data)
        self._rows: dict[str, compare.Rows] = {}
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
            listed = [c for c in self._names if c.startswith({"buurt": "BU", "wijk": "WK"}.get(level, "--"))
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
        if self.data.filter(pl.col("region_code") == info.code).is_empty():
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
                        klasse=self._klasse(ind, d, info.code),
                    )
                )
            sections.append(Section(domain.id, domain.title, domain.questions, tuple(results)))
        return Scan(
            region=info,
            sections=tuple(sections),
            sources=tuple(self._sources(used, info.gemeente_code)),
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        )

    def _klasse(self, ind: Indicator, d: compare.Derived, code: str) -> str | None:
        """The Leefbaarometer total score in words, from the region's ``afw`` of the same year."""
        if ind.source != leefbaarheid.NAME or d.stem != "lbm" or d.period is None:
            return None
        cells = self._index.get((leefbaarheid.NAME, "afw", d.period), (None, {}))[1]
        return leefbaarheid.klasse(cells.get(code, (None, ""))[0])

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
            }


def build_scan(cache: Cache, code: str, catalogue: Catalogue | None = None) -> Scan:
    """The scan of one region from the cache (no network)."""
    rc = parse_code(code)
    if rc.level == "land":
        raise UsageError("A scan is made for a buurt, wijk or gemeente, not for Nederland.")
    if cache.is_empty():
        raise UsageError(
            f"The cache at {cache.root} is empty.", tip=f"Fetch the buurt first: buurtscan fetch {rc.code}"
        )
    assert rc.gemeente is not None
    return GemeenteData(cache, rc.gemeente, catalogue).scan(rc.code)
