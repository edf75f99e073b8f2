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

Readers see one generation: :meth:`Cache.reading` takes a *shared* lock on ``.readers.lock``
and pins the manifest it read; a writer deletes the files of the old generation only when it
can take that lock exclusively at once — otherwise it leaves them, and the next write (or
``refresh``) removes them. So a ``show`` during a ``merge`` reads the old or the new cache,
never a mix, and never a file deleted under it.

A cache file is never trusted to point elsewhere: every path in the manifest must be a
relative path inside ``tables/`` or ``regions/`` of this cache folder (after symlinks), or the
manifest counts as damaged; nothing outside those folders is ever deleted or written because
a manifest entry says so. Each entry records its file's size and SHA-256, which
``buurtscan status --check`` verifies; a missing or damaged file is reported by ``status`` and
``refresh`` and rewritten by the next ``fetch`` of that table; a manifest that cannot be read
is moved aside by ``fetch``/``refresh`` (:meth:`Cache.recover`) and rebuilt from what can be
fetched again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from filelock import FileLock, Timeout

from ..errors import CacheError
from ..provenance import TableData, utc_now
from ..regions import NEDERLAND, RegionList, gemeente_of, normalise
from ..tidy import REGION_SCHEMA, TIDY_SCHEMA, empty_regions, empty_tidy
from .manifest import FORMAT, WHOLE, Manifest, Part, RegionEntry, TableEntry, upgrade_v1

try:  # POSIX shared/exclusive locks for readers; elsewhere reads are not isolated
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST = "manifest.json"
READERS = ".readers.lock"
DATA_FOLDERS = ("tables", "regions")
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
        self._pinned: Manifest | None = None

    # -- reading -------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def manifest(self) -> Manifest:
        """The typed manifest (an empty one for a new cache). A format-1 manifest (written by
        buurtscan up to d30c5ca) is upgraded in memory; the next commit writes format 2.

        Inside :meth:`reading` the manifest the reader started with. A manifest that cannot be
        parsed, has the wrong shape or names a file outside ``tables/``/``regions/`` is a
        CacheError ("damaged"); :meth:`recover` moves it aside."""
        if self._pinned is not None:
            return self._pinned
        path = self.manifest_path
        if not path.exists():
            return Manifest()
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else " ".join(str(exc).split())[:120]
            raise CacheError(f"The cache manifest {path} cannot be read ({reason}).", tip=REPAIR_TIP) from None
        version = data.get("format") if isinstance(data, dict) else None
        if not isinstance(data, dict) or "format" not in data:
            raise CacheError(f"The cache manifest {path} is damaged (not an object with a format).", tip=REPAIR_TIP)
        wrong = next((k for k in ("tables", "regions") if not isinstance(data.get(k, {}), dict)), None)
        if wrong is not None:
            raise CacheError(f"The cache manifest {path} is damaged ('{wrong}' is not an object).", tip=REPAIR_TIP)
        try:
            manifest = None
            if version == FORMAT:
                manifest = Manifest.from_dict(data)
            elif version == 1:
                manifest = upgrade_v1(data, self._periods_in)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = " ".join(str(exc).split())[:100]
            raise CacheError(
                f"The cache manifest {path} is damaged ({type(exc).__name__}: {detail}).", tip=REPAIR_TIP,
            ) from None
        if manifest is not None:
            outside = next((f for f in sorted(manifest.files()) if self.data_path(f) is None), None)
            if outside is not None:
                raise CacheError(f"The cache manifest {path} is damaged: it names a file outside the cache "
                                 f"('{outside[:80]}').", tip=REPAIR_TIP)
            return manifest
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
        path = self.data_path(rel)
        if path is None or not path.exists():
            return []
        try:
            frame = pl.scan_parquet(path).select("period").unique().collect()
        except pl.exceptions.PolarsError as exc:
            raise ValueError(str(exc)) from None
        return [str(p) for p in frame["period"].to_list() if p is not None]

    def data_path(self, rel: object) -> Path | None:
        """The absolute path of a manifest ``file`` if it lies inside tables/ or regions/ of this
        cache (after resolving symlinks); None for anything else (absolute, ``..``, elsewhere)."""
        if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
            return None
        rel_path = Path(rel)
        if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] not in DATA_FOLDERS:
            return None
        path = self.root / rel_path
        try:
            inside = path.resolve().is_relative_to(self.root.resolve() / rel_path.parts[0])
        except (OSError, RuntimeError):
            return None
        return path if inside else None

    def file_of(self, entry: TableEntry | RegionEntry) -> Path:
        path = self.data_path(entry.file)
        if path is None:  # pragma: no cover - manifest() refuses such entries
            raise CacheError(f"The cache manifest names a file outside {self.root}.", tip=REPAIR_TIP)
        return path

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Read one generation of the cache: a shared lock, and the manifest pinned until the end.

        A writer does not delete old files while any reader holds this lock."""
        if self._pinned is not None:  # nested
            yield
            return
        fd = None
        if fcntl is not None:
            try:  # an old cache may not have the lock file yet: create it (a read-only cache is never written)
                try:
                    fd = os.open(self.root / READERS, os.O_RDONLY)
                except FileNotFoundError:
                    fd = os.open(self.root / READERS, os.O_RDWR | os.O_CREAT, 0o644) if self.root.is_dir() else None
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_SH)
            except OSError:
                if fd is not None:
                    os.close(fd)
                fd = None
        try:
            self._pinned = self.manifest()
            yield
        finally:
            self._pinned = None
            if fd is not None:
                os.close(fd)  # releases the shared lock

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

    def check_file(self, entry: TableEntry | RegionEntry, *, full: bool = False) -> str | None:
        """What is wrong with an entry's file: 'missing', 'damaged' (size, hash or Parquet), or None.

        Without ``full`` only existence, size and the Parquet footer are checked (cheap); with it
        the SHA-256 too (when recorded) and every row is read."""
        path = self.data_path(entry.file)
        if path is None:
            return "outside the cache"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return "missing"
        except OSError:
            return "unreadable"
        if entry.size is not None and entry.size != size:
            return "damaged"
        try:
            if full:
                if entry.sha256 and entry.sha256 != sha256_of(path):
                    return "damaged"
                pl.read_parquet(path)
            else:
                pl.read_parquet_schema(path)
        except (pl.exceptions.PolarsError, OSError, ValueError):
            return "damaged"
        return None

    def _collect(self, frame: pl.LazyFrame) -> pl.DataFrame:
        """Collect cached rows; a damaged table file is a CacheError naming it (and how to repair)."""
        try:
            return frame.collect()
        except (pl.exceptions.PolarsError, OSError) as exc:
            for e in self.manifest().tables.values():
                if self.check_file(e, full=True):
                    raise CacheError(f"The cache file of {e.source} {e.table_id} ({e.file}) is damaged.",
                                     tip=refetch_tip(e)) from None
            raise CacheError(f"The cache at {self.root} cannot be read ({' '.join(str(exc).split())[:160]}).",
                             tip="Run `buurtscan status --check` to find the damaged file.") from None

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
        entries = [e for e in manifest.tables.values()
                   if (e.source == source if source is not None else e.source not in SIDE_SOURCES)]
        if not entries:
            return empty_tidy().lazy()
        for e in entries:
            if not self.file_of(e).exists():
                raise CacheError(f"The cache at {self.root} is incomplete: the file of {e.source} {e.table_id} "
                                 f"({e.file}) is missing.", tip=refetch_tip(e))
        return pl.concat([pl.scan_parquet(self.file_of(e)) for e in entries], how="vertical")

    def for_region(self, code: str) -> pl.DataFrame:
        """Everything cached for a region's gemeente (all its wijken and buurten) and Nederland.

        Works offline; an empty frame means nothing is cached for it.
        """
        code = normalise(code)
        gm = gemeente_of(code)
        cond = pl.col("region_code") == NEDERLAND
        if gm:
            cond = cond | (pl.col("gemeente_code") == gm)
        with self.reading():
            return self._collect(self.scan().filter(cond))

    def region_list(self, table_id: str | None = None) -> pl.DataFrame:
        """The cached region list of a table (default: every cached list, newest table first)."""
        entries = self.manifest().regions
        ids = [table_id] if table_id else sorted(entries, key=lambda t: entries[t].period, reverse=True)
        frames = []
        for tid in ids:
            entry = entries.get(tid)
            if entry and self.file_of(entry).exists():
                try:
                    frames.append(pl.read_parquet(self.file_of(entry)))
                except (pl.exceptions.PolarsError, OSError):
                    raise CacheError(f"The cache file of the region list {tid} ({entry.file}) is damaged.",
                                     tip="Fetch a gemeente again to rewrite it: buurtscan fetch --gemeente GM…") from None
        if not frames:
            return empty_regions()
        return pl.concat(frames).unique(subset="code", keep="first", maintain_order=True)

    def regions(self, table_id: str | None = None) -> RegionList:
        """The cached region list as a :class:`~buurtscan.regions.RegionList` (look-ups by code and name)."""
        return RegionList(self.region_list(table_id))

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
        old_files = {self.file_of(e) for e in [*manifest.tables.values(), *manifest.regions.values()]}
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

    # -- repair ------------------------------------------------------------------------
    def recover(self) -> Recovery | None:
        """Move an unreadable manifest aside (under the lock); None when it reads fine.

        Returns what the table files still tell: the gemeenten per open source (to fetch again)
        and the partner sources, whose data cannot be fetched again."""
        try:
            self.manifest()
            return None
        except CacheError as exc:
            if not self.manifest_path.exists() or "buurtscan version" in exc.message:
                raise
            reason = exc.message
        with self.locked():
            try:
                self.manifest()
                return None  # another run repaired it meanwhile
            except CacheError:
                pass
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            aside = self.root / f"manifest.broken-{stamp}.json"
            os.replace(self.manifest_path, aside)
            gemeenten, partners = self._orphans()
        return Recovery(aside, reason, gemeenten, partners)

    def _orphans(self) -> tuple[dict[str, list[str]], list[str]]:
        """Gemeenten per source of the table files no manifest names; partner sources apart."""
        from ..sources import REGISTRY

        gemeenten: dict[str, set[str]] = {}
        partners: set[str] = set()
        tables = self.root / "tables"
        for folder in sorted(tables.iterdir()) if tables.is_dir() else []:
            if not folder.is_dir() or folder.is_symlink():
                continue
            if folder.name not in REGISTRY:
                partners.add(folder.name)
                continue
            for f in folder.glob("*.parquet"):
                try:
                    codes = pl.read_parquet(f, columns=["gemeente_code"])["gemeente_code"].drop_nulls().unique()
                except (pl.exceptions.PolarsError, OSError):
                    continue
                gemeenten.setdefault(folder.name, set()).update(codes.to_list())
        return {k: sorted(v) for k, v in gemeenten.items()}, sorted(partners)

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


def _replaces(t: TableData) -> pl.Expr:
    """Old rows that a new table replaces: its parts, in its periods, of its indicators."""
    expr = _replaced(_part_keys(t.gemeenten), code_col="region_code", gemeente_col="gemeente_code")
    covered = t.covered_periods()
    if covered is not None:
        expr = expr & pl.col("period").is_in(list(covered))
    if t.indicators is not None:
        expr = expr & pl.col("indicator").is_in(list(t.indicators))
    return expr


REPAIR_TIP = ("Run `buurtscan refresh` (or fetch again): the damaged manifest is moved aside and the cache "
              "rebuilt from what can be fetched again.")


def refetch_tip(entry: TableEntry) -> str:
    """How to rewrite one table's file."""
    if entry.partner is not None:
        return f"Merge the partner file of '{entry.source}' again (buurtscan merge FILE --source {entry.source})."
    parts = sorted(p for p in entry.parts if p not in (WHOLE, NEDERLAND))
    where = "--all" if WHOLE in entry.parts or not parts else " ".join(f"--gemeente {p}" for p in parts)
    return f"Fetch it again: buurtscan fetch {where} --source {entry.source}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_facts(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of a file just written (kept in the manifest, checked by status --check)."""
    return {"size": path.stat().st_size, "sha256": sha256_of(path)}


@dataclass(frozen=True)
class Recovery:
    """What :meth:`Cache.recover` did with an unreadable manifest."""

    moved_to: Path
    reason: str
    gemeenten: dict[str, list[str]] = field(default_factory=dict)  # open source -> gemeenten in its files
    partners: list[str] = field(default_factory=list)  # partner sources: merge their files again

    def describe(self) -> str:
        text = f"{self.reason} Moved it aside to {self.moved_to.name}; the cache is rebuilt from what can be fetched again."
        if self.partners:
            text += f" Partner data that cannot be fetched again: {', '.join(self.partners)} (merge those files again)."
        return text
