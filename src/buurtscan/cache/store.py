"""The local cache: tidy Parquet files plus a manifest with provenance.

Layout (documented in the README)::

    <cache_dir>/
      manifest.json                          what is cached, from where, when (cache/manifest.py)
      tables/<source>/<table_id>-<tag>.parquet   tidy rows of one table (all cached periods and gemeenten)
      regions/<table_id>-<tag>.parquet       the table's region list (code, name, level, …)
      .lock                                  taken while writing

Writes are atomic and crash-safe: new data goes to *new* files (temp file, fsync,
rename); then ``manifest.json`` is replaced in one ``os.replace`` — that is the commit
point; only then are the files it no longer names deleted. A run killed at any moment
leaves the old manifest pointing at old, complete files (or the new manifest at new,
complete files). Writers hold a file lock so two runs never interleave.

Data is keyed by source, table, period and gemeente. A re-fetch replaces exactly the
(period, gemeente) parts it brings — and, for a fetch of only some indicators (the older
Kerncijfers years), only those indicators — so fetching one year never removes another.
A failed fetch never reaches :meth:`Cache.commit`, so the cache stays byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
import polars as pl
from filelock import FileLock, Timeout

from ..errors import CacheError
from ..provenance import TableData, utc_now
from ..regions import NEDERLAND, gemeente_of, normalise
from ..tidy import REGION_SCHEMA, TIDY_SCHEMA, empty_regions, empty_tidy
from .manifest import FORMAT, WHOLE, Manifest, Part, RegionEntry, TableEntry, upgrade_v1

MANIFEST = "manifest.json"
# Test-only: name a stage of a commit and the process kills itself there with SIGKILL, so the
# reliability tests can check that a run killed mid-write leaves a consistent cache.
KILL_AT_ENV = "BUURTSCAN_TEST_KILL_AT"


def _crash_point(stage: str) -> None:
    if os.environ.get(KILL_AT_ENV) == stage:  # pragma: no cover - runs in a killed subprocess
        os.kill(os.getpid(), signal.SIGKILL)



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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_parquet(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        try:
            frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=True)
        except pl.exceptions.PolarsError as exc:  # polars wraps I/O failures (full disk, EFBIG…)
            raise OSError(f"writing {path.name} failed: {str(exc).splitlines()[0]}") from exc
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


SIDE_SOURCES = frozenset({"cbs_kwb_profile"})  # not part of the ordinary rows (see scan())


class Cache:
    """Read and write one cache folder."""

    def __init__(self, root: Path, *, lock_timeout: float = 60.0) -> None:
        self.root = Path(root)
        self.lock_timeout = lock_timeout

    # -- reading -------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def manifest(self) -> Manifest:
        """The typed manifest (an empty one for a new cache). A format-1 manifest (written by
        buurtscan up to d30c5ca) is upgraded in memory; the next commit writes format 2."""
        path = self.manifest_path
        if not path.exists():
            return Manifest()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CacheError(
                f"The cache manifest {path} cannot be read ({exc}).",
                tip="Remove the cache folder and fetch again.",
            ) from None
        version = data.get("format") if isinstance(data, dict) else None
        try:
            if version == FORMAT:
                return Manifest.from_dict(data)
            if version == 1:
                return upgrade_v1(data, self._periods_in)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CacheError(
                f"The cache manifest {path} is damaged ({type(exc).__name__}: {exc}).",
                tip="Remove the cache folder and fetch again.",
            ) from None
        newer = isinstance(version, int) and version > FORMAT
        raise CacheError(
            f"The cache at {self.root} was written by "
            + ("a newer buurtscan version" if newer else "another buurtscan version")
            + f" (manifest format {version!r}, this version reads 1 and {FORMAT}).",
            tip=("Upgrade buurtscan, or use another --cache-dir." if newer
                 else "Remove the cache folder and fetch again."),
        )

    def _periods_in(self, rel: str) -> list[str]:
        """The periods stored in a table file (used only to upgrade a format-1 manifest)."""
        path = self.root / rel
        if not path.exists():
            return []
        try:
            frame = pl.scan_parquet(path).select("period").unique().collect()
        except pl.exceptions.PolarsError as exc:
            raise ValueError(str(exc)) from None
        return [str(p) for p in frame["period"].to_list() if p is not None]

    def is_empty(self) -> bool:
        return not self.manifest().tables

    def tables(self) -> list[TableEntry]:
        """Manifest entries of all cached tables, sorted by source and newest period."""
        return self.manifest().sorted_tables()

    def scan(self, *, source: str | None = None) -> pl.LazyFrame:
        """All cached tidy rows (optionally of one source) as a lazy frame.

        Side tables (:data:`SIDE_SOURCES`: the national profile for vergelijkbare buurten) are
        left out unless their source is asked for by name.
        """
        manifest = self.manifest()
        files = [self.root / e.file for e in manifest.tables.values()
                 if (e.source == source if source is not None else e.source not in SIDE_SOURCES)]
        if not files:
            return empty_tidy().lazy()
        missing = [f for f in files if not f.exists()]
        if missing:
            raise CacheError(
                f"The cache at {self.root} is incomplete: {missing[0].name} is missing.",
                tip="Fetch again to repair it.",
            )
        return pl.concat([pl.scan_parquet(f) for f in files], how="vertical")

    def for_region(self, code: str) -> pl.DataFrame:
        """Everything cached for a region's gemeente (all its wijken and buurten) and Nederland.

        Works offline; an empty frame means nothing is cached for it.
        """
        code = normalise(code)
        gm = gemeente_of(code)
        cond = pl.col("region_code") == NEDERLAND
        if gm:
            cond = cond | (pl.col("gemeente_code") == gm)
        return self.scan().filter(cond).collect()

    def region_list(self, table_id: str | None = None) -> pl.DataFrame:
        """The cached region list of a table (default: every cached list, newest table first)."""
        entries = self.manifest().regions
        ids = [table_id] if table_id else sorted(entries, key=lambda t: entries[t].period, reverse=True)
        frames = []
        for tid in ids:
            entry = entries.get(tid)
            if entry and (self.root / entry.file).exists():
                frames.append(pl.read_parquet(self.root / entry.file))
        if not frames:
            return empty_regions()
        return pl.concat(frames).unique(subset="code", keep="first", maintain_order=True)

    def region_entry(self, table_id: str) -> RegionEntry | None:
        return self.manifest().regions.get(table_id)

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
            yield
        except OSError as exc:  # a write failed (full disk, permissions): the old cache stands
            raise CacheError(
                f"Writing the cache at {self.root} failed ({exc.strerror or exc}); "
                "the previous cache is unchanged.",
                tip="Check free disk space and permissions, then try again.",
            ) from None
        finally:
            lock.release()

    def commit(self, tables: Sequence[TableData]) -> dict[str, int]:
        """Store tables (replacing the (period, part) pieces they cover) in one atomic step.

        Returns rows stored per ``source/table_id``.
        """
        if not tables:
            return {}
        with self.locked():
            return self._commit(tables)

    def _commit(self, tables: Sequence[TableData]) -> dict[str, int]:
        manifest = self.manifest()
        old_files = {self.root / f for f in manifest.files()}
        groups: dict[str, list[TableData]] = {}
        for t in tables:
            groups.setdefault(f"{t.provenance.source}/{t.provenance.table_id}", []).append(t)
        written: list[Path] = []
        stored: dict[str, int] = {}
        try:
            for key, items in groups.items():
                entry = manifest.tables.get(key)
                old = pl.read_parquet(self.root / entry.file) if entry else empty_tidy()
                periods = {p: dict(parts) for p, parts in entry.periods.items()} if entry else {}
                for t in items:  # drop what the new items replace (only from the old rows)
                    old = old.filter(~_replaces(t))
                    covered = t.covered_periods()
                    if covered is None:  # every period (a partner file): start afresh
                        periods = {}
                        covered = tuple(sorted(set(t.frame["period"].to_list()))) or (t.provenance.period,)
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
                )
                stored[key] = frame.height
                regions = [t for t in items if t.regions is not None]
                if regions:
                    written.append(self._merge_regions(manifest, prov.table_id, prov.period, regions))
            _crash_point("data-written")
            self._write_manifest(manifest)
            _crash_point("manifest-written")
        except BaseException:
            for f in written:  # the manifest never named them: remove, keep the old cache
                with contextlib.suppress(OSError):
                    f.unlink()
            raise
        self._remove_unreferenced(manifest, old_files)
        return stored

    def _merge_regions(self, manifest: Manifest, table_id: str, period: str, items: Sequence[TableData]) -> Path:
        entry = manifest.regions.get(table_id)
        old = pl.read_parquet(self.root / entry.file) if entry else empty_regions()
        parts = [p for t in items for p in _part_keys(t.gemeenten)]
        kept = old.filter(~_replaced(parts, code_col="code", gemeente_col="gemeente_code"))
        frame = pl.concat([kept, *[t.regions.select(list(REGION_SCHEMA)) for t in items if t.regions is not None]])
        frame = frame.unique(subset="code", keep="last", maintain_order=True)
        rel = Path("regions") / f"{table_id}-{secrets.token_hex(4)}.parquet"
        atomic_write_parquet(frame, self.root / rel)
        complete = WHOLE in parts or bool(entry and entry.complete)
        manifest.regions[table_id] = RegionEntry(rel.as_posix(), period, frame.height, complete,
                                                 items[-1].provenance.retrieved_at)
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
            old_files = {self.root / manifest.tables[k].file for k in keys}
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
        manifest.regions[table_id] = RegionEntry(rel.as_posix(), period, frame.height, complete, retrieved_at)
        try:
            self._write_manifest(manifest)
        except BaseException:
            with contextlib.suppress(OSError):
                (self.root / rel).unlink()
            raise
        if old:
            with contextlib.suppress(OSError):
                (self.root / old.file).unlink()

    def _write_manifest(self, manifest: Manifest) -> None:
        manifest.updated_at = utc_now()
        atomic_write_bytes(self.manifest_path, json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False).encode())

    def _remove_unreferenced(self, manifest: Manifest, candidates: set[Path]) -> None:
        keep = {self.root / f for f in manifest.files()}
        for f in candidates - keep:
            with contextlib.suppress(OSError):
                f.unlink()
        for folder in (self.root / "tables", self.root / "regions"):
            if folder.exists():  # leftovers of a run killed mid-write
                for f in folder.rglob("*"):
                    if f.is_file() and f not in keep and (f.name.endswith(".tmp") or f.suffix == ".parquet"):
                        with contextlib.suppress(OSError):
                            f.unlink()


def _replaces(t: TableData) -> pl.Expr:
    """Old rows that a new table replaces: its parts, in its periods, of its indicators."""
    expr = _replaced(_part_keys(t.gemeenten), code_col="region_code", gemeente_col="gemeente_code")
    covered = t.covered_periods()
    if covered is not None:
        expr = expr & pl.col("period").is_in(list(covered))
    if t.indicators is not None:
        expr = expr & pl.col("indicator").is_in(list(t.indicators))
    return expr
