"""What the cache stores per table: tidy rows with their provenance (no network code here,
so that reading the cache and rendering never import the HTTP stack)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from .cache.manifest import PartnerInfo


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
    """Tidy rows of one table, complete for the gemeenten listed (None = all).

    What a commit replaces in the cache: the rows of these parts (``gemeenten``) in the
    periods this table covers (``periods``; default: the periods in the frame, or the
    provenance period when the frame is empty; :data:`ALL_PERIODS` = every period, as a
    partner file does), and — when ``indicators`` is given — only those indicators.

    With ``codes`` (a side table of single buurten: the rows of vergelijkbare buurten) only the
    rows of those region codes are replaced, whatever their gemeente; ``gemeenten`` then names
    the parts the rows were fetched for (the subjects' gemeenten), for the provenance only.
    """

    provenance: Provenance
    frame: pl.DataFrame
    gemeenten: tuple[str, ...] | None
    regions: pl.DataFrame | None = None  # region list (code, name, …) when the source has one
    periods: tuple[str, ...] | None = None
    indicators: tuple[str, ...] | None = None
    partner: PartnerInfo | None = None
    note: str | None = None  # how the rows came about when they were not downloaded (bundled example)
    codes: tuple[str, ...] | None = None  # replace only these regions' rows (side tables of single buurten)

    def covered_periods(self) -> tuple[str, ...] | None:
        """The periods this table replaces (None = every period)."""
        if self.periods == ALL_PERIODS:
            return None
        if self.periods is not None:
            return self.periods
        found = tuple(sorted(str(p) for p in self.frame["period"].unique().to_list())) if self.frame.height else ()
        return found or (self.provenance.period,)  # nothing there: the part is recorded with 0 rows


ALL_PERIODS: tuple[str, ...] = ("*",)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
