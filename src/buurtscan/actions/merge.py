"""`buurtscan merge`: fold a partner's own figures into the cache, validated and traceable.

Orchestration only: :mod:`buurtscan.partners` reads and validates the file (and raises
``PartnerDataError`` for anything wrong); nothing is written until the whole file passed.
Then one :meth:`Cache.commit` stores the tidy rows as table ``<partner>/partner`` for every
gemeente at once (``gemeenten=None``), so merging the same ``--source`` again replaces its
earlier data; :func:`remove` drops it again. Provenance (file, sha256, rows, merged at) and
the indicator metadata go into the manifest entry (``partner``, a typed ``PartnerInfo``) — see docs/partners.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import partners
from ..cache import Cache, PartnerIndicator, PartnerInfo
from ..cache.store import SIDE_SOURCES
from ..catalogue import load as load_catalogue
from ..errors import UsageError
from ..observe import NullObserver, Observer
from ..provenance import ALL_PERIODS, Provenance, TableData, utc_now
from ..settings import Settings

if TYPE_CHECKING:
    import polars as pl

LICENCE = "aangeleverd door de partner, niet openbaar"


@dataclass(frozen=True)
class MergeReport:
    """What a merge stored; ``as_dict()`` for --json, ``summary()`` for the terminal."""

    source: str
    file: str
    sha256: str
    layout: str
    rows_read: int
    rows_stored: int
    regions: int
    periods: tuple[str, ...]
    indicators: tuple[dict[str, Any], ...]
    complete_gemeenten: tuple[str, ...]
    suppressed: int
    threshold: int
    merged_at: str
    replaced: bool
    sheet: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "table_id": partners.TABLE_ID,
            "file": self.file,
            "sheet": self.sheet,
            "sha256": self.sha256,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "rows_stored": self.rows_stored,
            "regions": self.regions,
            "periods": list(self.periods),
            "indicators": [dict(i) for i in self.indicators],
            "complete_gemeenten": list(self.complete_gemeenten),
            "suppressed": self.suppressed,
            "threshold": self.threshold,
            "merged_at": self.merged_at,
            "replaced": self.replaced,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        n = len(self.indicators)
        domains = sorted({i["domain"] for i in self.indicators})
        years = self.periods[0] if len(self.periods) == 1 else f"{self.periods[0]}–{self.periods[-1]}"
        lines = [
            (f"{self.source}/{partners.TABLE_ID}: {n} indicator{'s' if n != 1 else ''} ({', '.join(domains)}) "
             f"for {self.regions:,} regions, {years}, from {self.file} ({self.rows_read:,} rows read, "
             f"{self.rows_stored:,} figures stored).")
        ]
        notes = []
        if self.suppressed:
            notes.append(f"{self.suppressed:,} figure{'s' if self.suppressed != 1 else ''} suppressed to protect small counts "
                         f"(below {self.threshold}, shown as '< {self.threshold}')")
        if self.complete_gemeenten:
            notes.append(f"complete for {', '.join(self.complete_gemeenten)} (compared with the gemeente)")
        if self.replaced:
            notes.append(f"replaced the earlier data of '{self.source}'")
        if notes:
            lines.append("; ".join(notes).capitalize() + ".")
        return "\n".join(lines)


def _cached_regions(cache: Cache) -> pl.DataFrame:
    """The cached region list, limited to the gemeenten whose figures are cached (a complete national
    list, as `find` or the profile for vergelijkbare buurten keep, does not make a gemeente cached)."""
    import polars as pl

    regions = cache.region_list()
    parts = {p for e in cache.tables() if e.partner is None and e.source not in SIDE_SOURCES for p in e.parts}
    if "*" in parts:
        return regions
    return regions.filter(pl.col("gemeente_code").is_in(sorted(parts)) | (pl.col("code") == "NL00"))


def merge(
    settings: Settings,
    path: Path | str,
    *,
    source: str,
    domain: str | None = None,
    mapping: Path | str | None = None,
    year: int | None = None,
    sheet: str | None = None,
    count: bool = False,
    count_by: str | None = None,
    skip_unknown: bool = False,
    min_count: int = 5,
    observer: Observer | None = None,
) -> MergeReport:
    """Validate a partner file and store it in the cache as ``<source>/partner``.

    Raises ``UsageError`` (bad option, nothing cached yet) or ``PartnerDataError`` (the file
    or mapping failed validation) before anything is written.
    """
    observer = observer or NullObserver()
    name = partners.check_source_name(source)
    catalogue = load_catalogue()
    dom = partners.resolve_domain(domain, catalogue) if domain else None
    if year is not None and not 1900 <= year <= 2100:
        raise UsageError(f"--year {year} is not a year like 2024.")
    if min_count < 1:
        raise UsageError(f"--min-count must be at least 1, got {min_count}.")
    path = Path(path)
    cache = Cache(settings.cache_dir)
    regions = _cached_regions(cache)
    if regions.is_empty():
        raise UsageError(
            f"Nothing is cached yet at {settings.cache_dir}, so the region codes in {path.name} cannot be checked.",
            tip="Fetch the gemeente first, e.g. buurtscan fetch --gemeente GM0518, then merge again.",
        )
    spec = partners.read_mapping(Path(mapping), catalogue) if mapping else None
    observer.progress("Reading partner file", 0, 2)
    table = partners.read_table(path, sheet=sheet)
    observer.progress("Reading partner file", 1, 2)
    data = partners.prepare(
        table, source=name, regions=regions, catalogue=catalogue, mapping=spec, domain=dom, year=year,
        count=count, count_by=count_by, skip_unknown=skip_unknown, min_count=min_count,
    )
    observer.progress("Reading partner file", 2, 2)
    merged_at = utc_now()
    period = data.periods[0] if len(data.periods) == 1 else f"{data.periods[0]}-{data.periods[-1]}"
    provenance = Provenance(
        source=name,
        table_id=partners.TABLE_ID,
        title=f"Aangeleverd door {name}: {table.name}",
        period=period,
        modified=merged_at,
        publisher=name,
        licence=LICENCE,
        base_url="",
        request_url=table.name,
        retrieved_at=merged_at,
    )
    info = PartnerInfo(
        file=table.name,
        sheet=table.sheet,
        sha256=table.sha256,
        rows=data.rows_read,
        merged_at=merged_at,
        threshold=min_count,
        layout=data.layout,
        periods=tuple(data.periods),
        mapping=Path(mapping).name if mapping else None,
        complete_gemeenten=tuple(data.complete_gemeenten),
        complete_wijken=tuple(data.complete_wijken),
        suppressed=data.suppressed,
        indicators=tuple(PartnerIndicator.from_dict(i.as_dict()) for i in data.indicators),
    )
    key = f"{name}/{partners.TABLE_ID}"
    replaced = key in cache.manifest().tables
    # a partner file replaces all its earlier data, every period (merging again = a new version)
    stored = cache.commit([TableData(provenance, data.frame, None, periods=ALL_PERIODS, partner=info)])
    return MergeReport(
        source=name,
        file=table.name,
        sha256=table.sha256,
        layout=data.layout,
        rows_read=data.rows_read,
        rows_stored=stored.get(key, data.frame.height),
        regions=data.regions,
        periods=data.periods,
        indicators=tuple(i.as_dict() for i in data.indicators),
        complete_gemeenten=data.complete_gemeenten,
        suppressed=data.suppressed,
        threshold=min_count,
        merged_at=merged_at,
        replaced=replaced,
        sheet=table.sheet,
        warnings=list(data.warnings),
    )


def remove(settings: Settings, source: str) -> int:
    """Remove a partner's merged data from the cache; returns the number of rows removed (0 = none there)."""
    name = (source or "").strip()
    if name.lower() in partners.OPEN_SOURCES:
        raise UsageError(f"'{name}' is an open source, not partner data; merge --remove only removes partner data.",
                         tip="To drop open data, remove the cache folder and fetch again.")
    cache = Cache(settings.cache_dir)
    entries = cache.manifest().of_source(name)
    if not entries:
        return 0
    if not all(e.partner is not None for e in entries):
        raise UsageError(f"'{name}' in the cache is not partner data; merge --remove only removes partner data.")
    return cache.remove_source(name)
