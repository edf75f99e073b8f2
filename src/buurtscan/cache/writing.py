"""Writing the cache: the writers' lock, one atomic commit per run, and removing the files of an
old generation only while no reader holds it (see :mod:`.store` for the layout and the rules)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson
import polars as pl

from ..atomic import atomic_write_bytes, atomic_write_parquet
from ..errors import CacheError
from ..provenance import TableData, utc_now
from ..regions import NEDERLAND
from ..tidy import REGION_SCHEMA, TIDY_SCHEMA, empty_regions, empty_tidy
from .files import READERS, Derived, crash_point, derived_path, fcntl, file_facts
from .manifest import WHOLE, Manifest, Part, RegionEntry, TableEntry
from .reading import CacheReader


def _part_keys(gemeenten: tuple[str, ...] | None) -> list[str]:
    return [WHOLE] if gemeenten is None else list(gemeenten)


def _replaced(parts: Sequence[str], *, code_col: str, gemeente_col: str) -> pl.Expr:
    """Rows of an existing frame that the new parts replace."""
    if WHOLE in parts:
        return pl.lit(True)
    gms = [p for p in parts if p != NEDERLAND]
    expr = pl.col(gemeente_col).is_in(gms).fill_null(False) if gms else pl.lit(False)
    if NEDERLAND in parts:
        expr = expr | (pl.col(code_col) == NEDERLAND)
    return expr


def _replaces(t: TableData) -> pl.Expr:
    """Old rows that a new table replaces: its parts (or only its ``codes``), in its periods, of its
    indicators."""
    if t.codes is not None:
        expr = pl.col("region_code").is_in(list(t.codes))
    else:
        expr = _replaced(_part_keys(t.gemeenten), code_col="region_code", gemeente_col="gemeente_code")
    covered = t.covered_periods()
    if covered is not None:
        expr = expr & pl.col("period").is_in(list(covered))
    if t.indicators is not None:
        expr = expr & pl.col("indicator").is_in(list(t.indicators))
    return expr


class CacheWriter(CacheReader):
    """The writing half of :class:`~.store.Cache`."""

    # -- writing -------------------------------------------------------------------
    def ensure_writable(self) -> None:
        """Fail early (before any download) when the cache folder cannot be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"The cache folder {self.root} cannot be created ({exc.strerror}).",
                tip="Choose another folder with --cache-dir or BUURTSCAN_CACHE_DIR.",
            ) from None
        if not os.access(self.root, os.W_OK):
            raise CacheError(f"The cache folder {self.root} is not writable.",
                             tip="Check its permissions, or choose another folder with --cache-dir.")

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the write lock; an OSError inside (full disk, permissions) becomes a CacheError."""
        from filelock import FileLock, Timeout  # here: a run that only reads never needs it

        self.ensure_writable()
        lock = FileLock(str(self.root / ".lock"), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except Timeout:
            raise CacheError(
                f"The cache at {self.root} is in use by another buurtscan run.",
                tip="Wait for it to finish and try again.",
            ) from None
        except OSError as exc:
            raise CacheError(
                f"The cache folder {self.root} is not writable ({exc.strerror}).",
                tip="Check its permissions and free disk space, or choose another --cache-dir.",
            ) from None
        try:
            with contextlib.suppress(OSError):  # readers take their shared lock on this file
                os.close(os.open(self.root / READERS, os.O_RDWR | os.O_CREAT, 0o644))
            yield
        except OSError as exc:  # a write failed (full disk, permissions): the old cache stands
            raise CacheError(
                f"Writing the cache at {self.root} failed ({exc.strerror or exc}); "
                "the previous cache is unchanged.",
                tip="Check free disk space and permissions, then try again.",
            ) from None
        finally:
            lock.release()

    def commit(self, tables: Sequence[TableData], derived: Sequence[Derived] = ()) -> dict[str, int]:
        """Store tables (replacing the (period, part) pieces they cover) in one atomic step.

        ``derived`` are written after the manifest, under the same lock, each stamped with the
        file its table has in the new manifest (and skipped when that is no longer the file it
        was derived from). Returns rows stored per ``source/table_id``.
        """
        if not tables:
            return {}
        with self.locked():
            stored = self._commit(tables)
            self._write_derived(derived)
            return stored

    def store_derived(self, derived: Sequence[Derived]) -> None:
        """Keep what was derived from tables already cached (under the write lock; see :meth:`commit`)."""
        with self.locked():
            self._write_derived(derived)

    def _write_derived(self, derived: Sequence[Derived]) -> None:
        """Keep what was derived beside the tables; it only saves work later, so a failure to write
        it is no failure of the commit (a reader that finds none derives it again)."""
        manifest = self.manifest()
        for d in derived:
            entry = manifest.tables.get(d.of)
            if entry is None or (d.made_from is not None and d.made_from != entry.file):
                continue  # its table changed meanwhile: what was derived is stale
            stamp = {"of": d.of, "file": entry.file, "sha256": entry.sha256, "data": d.data}
            with contextlib.suppress(OSError):
                atomic_write_bytes(derived_path(self.root, d.name), orjson.dumps(stamp))

    def _commit(self, tables: Sequence[TableData]) -> dict[str, int]:
        manifest = self.manifest()
        entries: list[TableEntry | RegionEntry] = [*manifest.tables.values(), *manifest.regions.values()]
        old_files = {self.file_of(e) for e in entries}
        groups: dict[str, list[TableData]] = {}
        for t in tables:
            groups.setdefault(f"{t.provenance.source}/{t.provenance.table_id}", []).append(t)
        written: list[Path] = []
        stored: dict[str, int] = {}
        try:
            for key, items in groups.items():
                entry = manifest.tables.get(key)
                old = self._old_rows(entry)
                if old is None:  # missing or damaged: rewritten with only what was fetched now
                    entry, old = None, empty_tidy()
                periods = {p: dict(parts) for p, parts in entry.periods.items()} if entry else {}
                for t in items:  # drop what the new items replace (only from the old rows)
                    old = old.filter(~_replaces(t))
                    covered = t.covered_periods()
                    if covered is None:  # every period (a partner file): start afresh
                        periods = {}
                        covered = tuple(sorted(t.frame["period"].unique().to_list())) or (t.provenance.period,)
                    by_period = dict(t.frame.group_by("period").len().iter_rows()) if t.frame.height else {}
                    for p in covered:
                        slot = periods.setdefault(p, {})
                        if t.gemeenten is None and t.indicators is None:
                            slot.clear()
                        for name in _part_keys(t.gemeenten):
                            slot[name] = Part(t.provenance.retrieved_at, t.provenance.request_url,
                                              int(by_period.get(p, 0)))
                frame = pl.concat([old, *[t.frame.select(list(TIDY_SCHEMA)) for t in items]])
                prov = items[-1].provenance
                rel = Path("tables") / prov.source / f"{prov.table_id}-{secrets.token_hex(4)}.parquet"
                atomic_write_parquet(frame, self.root / rel)
                written.append(self.root / rel)
                partner = next((t.partner for t in reversed(items) if t.partner is not None), None)
                note = next((t.note for t in reversed(items) if t.note), None) or (entry.note if entry else None)
                newest = max(periods) if periods else prov.period
                if partner is not None or newest in prov.period:  # a range such as "2002-2024" stays
                    newest = prov.period
                manifest.tables[key] = TableEntry(
                    source=prov.source, table_id=prov.table_id, title=prov.title,
                    period=newest,
                    modified=prov.modified, publisher=prov.publisher, licence=prov.licence,
                    base_url=prov.base_url, request_url=prov.request_url, retrieved_at=prov.retrieved_at,
                    file=rel.as_posix(), rows=frame.height,
                    periods=dict(sorted(periods.items())), partner=partner, note=note,
                    **file_facts(self.root / rel),
                )
                stored[key] = frame.height
                regions = [t for t in items if t.regions is not None]
                if regions:
                    written.append(self._merge_regions(manifest, prov.table_id, prov.period, regions))
            crash_point("data-written")
            self._write_manifest(manifest)
            crash_point("manifest-written")
        except BaseException:
            for f in written:  # the manifest never named them: remove, keep the old cache
                with contextlib.suppress(OSError):
                    f.unlink()
            raise
        self._remove_unreferenced(manifest, old_files)
        return stored

    def _merge_regions(self, manifest: Manifest, table_id: str, period: str, items: Sequence[TableData]) -> Path:
        entry = manifest.regions.get(table_id)
        old = self._old_rows(entry, regions=True)
        if old is None:
            entry, old = None, empty_regions()
        parts = [p for t in items for p in _part_keys(t.gemeenten)]
        kept = old.filter(~_replaced(parts, code_col="code", gemeente_col="gemeente_code"))
        frame = pl.concat([kept, *[t.regions.select(list(REGION_SCHEMA)) for t in items if t.regions is not None]])
        frame = frame.unique(subset="code", keep="last", maintain_order=True)
        rel = Path("regions") / f"{table_id}-{secrets.token_hex(4)}.parquet"
        atomic_write_parquet(frame, self.root / rel)
        complete = WHOLE in parts or bool(entry and entry.complete)
        manifest.regions[table_id] = RegionEntry(rel.as_posix(), period, frame.height, complete,
                                                 items[-1].provenance.retrieved_at, **file_facts(self.root / rel))
        return self.root / rel

    def clean_up(self) -> None:
        """Remove files no manifest entry names (left by a run that was killed mid-write)."""
        if not self.manifest_path.exists():
            return
        with self.locked():
            self._remove_unreferenced(self.manifest(), set())

    def remove_source(self, source: str) -> int:
        """Drop every table of a source (e.g. a partner) in one atomic step; returns rows removed."""
        with self.locked():
            manifest = self.manifest()
            keys = [k for k, e in manifest.tables.items() if e.source == source]
            if not keys:
                return 0
            old_files = {self.file_of(manifest.tables[k]) for k in keys}
            removed = sum(manifest.tables[k].rows for k in keys)
            for k in keys:
                del manifest.tables[k]
            self._write_manifest(manifest)
            self._remove_unreferenced(manifest, old_files)
            return removed

    def store_regions(self, table_id: str, period: str, frame: pl.DataFrame, *, complete: bool,
                      retrieved_at: str) -> None:
        """Cache a table's whole region list (for `find`)."""
        with self.locked():
            self._store_regions(table_id, period, frame, complete=complete, retrieved_at=retrieved_at)

    def _store_regions(self, table_id: str, period: str, frame: pl.DataFrame, *, complete: bool,
                       retrieved_at: str) -> None:
        manifest = self.manifest()
        old = manifest.regions.get(table_id)
        rel = Path("regions") / f"{table_id}-{secrets.token_hex(4)}.parquet"
        atomic_write_parquet(frame.select(list(REGION_SCHEMA)), self.root / rel)
        manifest.regions[table_id] = RegionEntry(rel.as_posix(), period, frame.height, complete, retrieved_at,
                                                 **file_facts(self.root / rel))
        try:
            self._write_manifest(manifest)
        except BaseException:
            with contextlib.suppress(OSError):
                (self.root / rel).unlink()
            raise
        if old:
            self._remove_unreferenced(manifest, {self.file_of(old)})

    @contextlib.contextmanager
    def _no_readers(self) -> Iterator[bool]:
        """True while no reader holds the cache (exclusive lock taken without waiting)."""
        if fcntl is None:  # pragma: no cover
            yield True
            return
        try:
            fd = os.open(self.root / READERS, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            yield True
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def _write_manifest(self, manifest: Manifest) -> None:
        manifest.updated_at = utc_now()
        atomic_write_bytes(self.manifest_path, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False).encode())

    def _old_rows(self, entry: TableEntry | RegionEntry | None, *, regions: bool = False) -> pl.DataFrame | None:
        """The rows an entry's file holds (empty without an entry); None when missing or damaged."""
        if entry is None:
            return empty_regions() if regions else empty_tidy()
        try:
            return pl.read_parquet(self.file_of(entry))
        except (pl.exceptions.PolarsError, OSError):
            return None

    def _remove_unreferenced(self, manifest: Manifest, candidates: set[Path]) -> None:
        """Delete files of an old generation, inside tables/ and regions/ only, and only while no
        reader holds the cache (else they stay until the next write)."""
        keep = {self.root / f for f in manifest.files()}
        with self._no_readers() as free:
            if free:
                self._delete_unreferenced(keep, candidates)

    def _delete_unreferenced(self, keep: set[Path], candidates: set[Path]) -> None:
        for f in candidates - keep:
            rel = f.relative_to(self.root).as_posix() if f.is_relative_to(self.root) else ""
            if self.data_path(rel) is None:
                continue  # never delete outside tables/ and regions/
            with contextlib.suppress(OSError):
                f.unlink()
        for folder in (self.root / "tables", self.root / "regions"):
            if folder.exists():  # leftovers of a run killed mid-write
                for f in folder.rglob("*"):
                    if f.is_file() and f not in keep and (f.name.endswith(".tmp") or f.suffix == ".parquet"):
                        with contextlib.suppress(OSError):
                            f.unlink()
