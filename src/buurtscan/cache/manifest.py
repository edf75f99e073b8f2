"""The cache manifest as a typed model: one reader (:meth:`Manifest.from_dict`), one writer
(:meth:`Manifest.to_dict`).

``manifest.json`` (format 2)::

    {"format": 2, "updated_at": "…",
     "tables": {"<source>/<table_id>": TableEntry},
     "regions": {"<table_id>": RegionEntry}}

A :class:`TableEntry` describes one table of one source: its provenance (title, release
stamp, publisher, licence), the Parquet file with its tidy rows, and **per period** the parts
(gemeente code, ``NL00``, or ``*`` for the whole country) that were fetched, each with its own
retrieval time, request and row count. The cache therefore keys data by source, table,
period and gemeente: fetching one period never replaces another.

Format 1 (buurtscan up to d30c5ca) kept the parts without periods. :func:`upgrade_v1` reads
it: every part is assigned to each period found in that table's file, so nothing is lost; the
next write stores format 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

FORMAT = 2
WHOLE = "*"  # part key for "every gemeente"


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


@dataclass(frozen=True)
class Part:
    """One fetched part (a gemeente, Nederland or the whole country) of one period."""

    retrieved_at: str
    request_url: str
    rows: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Part:
        return cls(str(data.get("retrieved_at") or ""), str(data.get("request_url") or ""),
                   int(data.get("rows") or 0))

    def to_dict(self) -> dict[str, Any]:
        return {"retrieved_at": self.retrieved_at, "request_url": self.request_url, "rows": self.rows}


@dataclass(frozen=True)
class PartnerIndicator:
    """One indicator of a merged partner file, as the scan needs it."""

    id: str
    label: str = ""
    domain: str = ""
    unit: str = "aantal"
    decimals: int = 0
    direction: str = "neutral"
    derive: str = "value"
    count: bool = False
    column: str = ""
    source: str = ""
    stem: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartnerIndicator:
        d = _known(cls, data)
        d["id"] = str(d.get("id") or "")
        d["stem"] = str(d.get("stem") or d["id"])
        d["decimals"] = int(d.get("decimals") or 0)
        for key, default in (("unit", "aantal"), ("direction", "neutral"), ("derive", "value")):
            d[key] = d.get(key) or default
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class PartnerInfo:
    """Provenance and metadata of a merged partner file (absent for open data)."""

    file: str
    sha256: str
    rows: int
    merged_at: str
    sheet: str | None = None
    threshold: int = 5
    layout: str = ""
    periods: tuple[str, ...] = ()
    mapping: str | None = None
    complete_gemeenten: tuple[str, ...] = ()
    complete_wijken: tuple[str, ...] = ()
    suppressed: int = 0
    indicators: tuple[PartnerIndicator, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PartnerInfo:
        d = _known(cls, data)
        return cls(
            file=str(d.get("file") or ""),
            sha256=str(d.get("sha256") or ""),
            rows=int(d.get("rows") or 0),
            merged_at=str(d.get("merged_at") or ""),
            sheet=d.get("sheet"),
            threshold=int(d.get("threshold") or 5),
            layout=str(d.get("layout") or ""),
            periods=tuple(d.get("periods") or ()),
            mapping=d.get("mapping"),
            complete_gemeenten=tuple(d.get("complete_gemeenten") or ()),
            complete_wijken=tuple(d.get("complete_wijken") or ()),
            suppressed=int(d.get("suppressed") or 0),
            indicators=tuple(PartnerIndicator.from_dict(i) for i in d.get("indicators") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "partner": True,
            "file": self.file,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "rows": self.rows,
            "merged_at": self.merged_at,
            "threshold": self.threshold,
            "layout": self.layout,
            "periods": list(self.periods),
            "mapping": self.mapping,
            "complete_gemeenten": list(self.complete_gemeenten),
            "complete_wijken": list(self.complete_wijken),
            "suppressed": self.suppressed,
            "indicators": [i.to_dict() for i in self.indicators],
        }

    def provenance(self) -> dict[str, object]:
        """File name, sha256, rows read and merge time (for status and show --json)."""
        return {"file": self.file, "sha256": self.sha256, "rows": self.rows, "merged_at": self.merged_at}


@dataclass(frozen=True)
class TableEntry:
    """One cached table of one source."""

    source: str
    table_id: str
    title: str
    period: str  # the newest period cached (or the partner's period range)
    modified: str  # TableInfos.Modified (or Last-Modified) when last fetched
    publisher: str
    licence: str
    base_url: str
    request_url: str
    retrieved_at: str
    file: str  # relative path of the Parquet file with all its tidy rows
    rows: int
    periods: dict[str, dict[str, Part]] = field(default_factory=dict)  # period -> part key -> Part
    partner: PartnerInfo | None = None
    note: str | None = None  # how the data came about when it was not downloaded (the bundled example)
    files: tuple[str, ...] = ()  # the published files it was put together from (the bundled example)
    size: int | None = None  # bytes of ``file`` when written (checked by status)
    sha256: str | None = None  # of ``file`` when written (checked by status --check)

    @property
    def key(self) -> str:
        return f"{self.source}/{self.table_id}"

    @property
    def parts(self) -> dict[str, Part]:
        """Every part key with its most recent retrieval over all periods."""
        out: dict[str, Part] = {}
        for parts in self.periods.values():
            for name, part in parts.items():
                if name not in out or part.retrieved_at > out[name].retrieved_at:
                    out[name] = part
        return dict(sorted(out.items()))

    def part_for(self, gemeente: str | None) -> Part | None:
        """The part that covers a gemeente (its own, else the whole country), else any."""
        parts = self.parts
        return parts.get(gemeente or "") or parts.get(WHOLE) or next(iter(parts.values()), None)

    @property
    def sorted_periods(self) -> list[str]:
        return sorted(self.periods)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableEntry:
        extra = data.get("extra") or data.get("partner") or {}
        return cls(
            source=str(data["source"]),
            table_id=str(data["table_id"]),
            title=str(data.get("title") or ""),
            period=str(data.get("period") or ""),
            modified=str(data.get("modified") or ""),
            publisher=str(data.get("publisher") or ""),
            licence=str(data.get("licence") or ""),
            base_url=str(data.get("base_url") or ""),
            request_url=str(data.get("request_url") or ""),
            retrieved_at=str(data.get("retrieved_at") or ""),
            file=str(data["file"]),
            rows=int(data.get("rows") or 0),
            periods={
                str(p): {k: Part.from_dict(v) for k, v in (parts or {}).items()}
                for p, parts in (data.get("periods") or {}).items()
            },
            partner=PartnerInfo.from_dict(extra) if isinstance(extra, dict) and extra.get("partner") else None,
            note=data.get("note"),
            files=tuple(data.get("files") or ()),
            size=_opt_int(data.get("size")),
            sha256=_opt_str(data.get("sha256")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "table_id": self.table_id,
            "title": self.title,
            "period": self.period,
            "modified": self.modified,
            "publisher": self.publisher,
            "licence": self.licence,
            "base_url": self.base_url,
            "request_url": self.request_url,
            "retrieved_at": self.retrieved_at,
            "file": self.file,
            "rows": self.rows,
            "periods": {p: {k: v.to_dict() for k, v in sorted(parts.items())}
                        for p, parts in sorted(self.periods.items())},
        }
        if self.partner is not None:
            out["partner"] = self.partner.to_dict()
        if self.note:
            out["note"] = self.note
        if self.files:
            out["files"] = list(self.files)
        if self.size is not None:
            out["size"], out["sha256"] = self.size, self.sha256
        return out


@dataclass(frozen=True)
class RegionEntry:
    """The cached region list of one table."""

    file: str
    period: str
    rows: int
    complete: bool  # the whole country (else only the gemeenten fetched)
    retrieved_at: str
    size: int | None = None
    sha256: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegionEntry:
        return cls(str(data["file"]), str(data.get("period") or ""), int(data.get("rows") or 0),
                   bool(data.get("complete")), str(data.get("retrieved_at") or ""),
                   _opt_int(data.get("size")), _opt_str(data.get("sha256")))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "period": self.period, "rows": self.rows,
                               "complete": self.complete, "retrieved_at": self.retrieved_at}
        if self.size is not None:
            out["size"], out["sha256"] = self.size, self.sha256
        return out


@dataclass
class Manifest:
    """What a cache holds. Mutable only inside :class:`~buurtscan.cache.store.Cache` while it commits."""

    tables: dict[str, TableEntry] = field(default_factory=dict)
    regions: dict[str, RegionEntry] = field(default_factory=dict)
    updated_at: str = ""
    upgraded_from: int | None = None  # set when read from an older format (rewritten at the next commit)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            tables={k: TableEntry.from_dict(v) for k, v in (data.get("tables") or {}).items()},
            regions={k: RegionEntry.from_dict(v) for k, v in (data.get("regions") or {}).items()},
            updated_at=str(data.get("updated_at") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "updated_at": self.updated_at,
            "tables": {k: v.to_dict() for k, v in self.tables.items()},
            "regions": {k: v.to_dict() for k, v in self.regions.items()},
        }

    def of_source(self, source: str) -> list[TableEntry]:
        return [e for e in self.tables.values() if e.source == source]

    def sorted_tables(self) -> list[TableEntry]:
        """By source, newest period first within a source."""
        newest_first = sorted(self.tables.values(), key=lambda e: e.period, reverse=True)
        return sorted(newest_first, key=lambda e: e.source)

    def files(self) -> set[str]:
        return {e.file for e in self.tables.values()} | {e.file for e in self.regions.values()}


def upgrade_v1(data: dict[str, Any], periods_of: Callable[[str], Iterable[str]]) -> Manifest:
    """Read a format-1 manifest (buurtscan up to d30c5ca).

    Format 1 had ``parts`` per table without periods. Each part is assigned to every period
    that the table's file holds (``periods_of(file)``), so the cached rows keep their
    provenance; nothing is dropped.
    """
    tables: dict[str, TableEntry] = {}
    for key, raw in (data.get("tables") or {}).items():
        parts = {k: Part.from_dict(v) for k, v in (raw.get("parts") or {}).items()}
        try:
            found = sorted(set(periods_of(str(raw["file"]))))
        except (OSError, ValueError):
            found = []
        found = found or [str(raw.get("period") or "")]
        entry = TableEntry.from_dict({**raw, "periods": {}})
        tables[key] = TableEntry(**{**entry.__dict__, "periods": {p: dict(parts) for p in found}})
    regions = {k: RegionEntry.from_dict(v) for k, v in (data.get("regions") or {}).items()}
    return Manifest(tables, regions, str(data.get("updated_at") or ""), upgraded_from=1)
