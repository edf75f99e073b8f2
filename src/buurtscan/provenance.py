"""What the cache stores per table: tidy rows with their provenance (no network code here,
so that reading the cache and rendering never import the HTTP stack)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Provenance:
    """Where a table's figures come from; shown in `status`, `show --json` and reports."""

    source: str  # registry name, e.g. "cbs_kwb"
    table_id: str  # e.g. "85984NED"
    title: str
    period: str  # e.g. "2024"
    modified: str  # TableInfos.Modified (or Last-Modified for downloads)
    publisher: str  # "CBS", "Politie / CBS", …
    licence: str
    base_url: str
    request_url: str
    retrieved_at: str  # ISO 8601 UTC

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TableData:
    """Tidy rows of one table, complete for the gemeenten listed (None = all)."""

    provenance: Provenance
    frame: pl.DataFrame
    gemeenten: tuple[str, ...] | None
    regions: pl.DataFrame | None = None  # region list (code, name, …) when the source has one
    extra: dict[str, Any] = field(default_factory=dict)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def partner_provenance(entry: dict) -> dict[str, object] | None:
    """File name, sha256, rows read and merge time of a merged partner table (None for open data)."""
    extra = entry.get("extra") or {}
    if not extra.get("partner"):
        return None
    return {k: extra.get(k) for k in ("file", "sha256", "rows", "merged_at")}
