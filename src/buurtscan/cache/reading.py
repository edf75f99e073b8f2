"""Reading the cache: the manifest (checked, upgraded, pinned under the readers' shared lock),
the tidy rows, the region lists, and the health of each file (see :mod:`.store` for the layout)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from ..errors import CacheError
from ..regions import NEDERLAND, RegionList, gemeente_of, normalise
from ..tidy import empty_regions, empty_tidy
from .files import MANIFEST, READERS, derived_path, fcntl, inside, sha256_of
from .manifest import FORMAT, WHOLE, Manifest, RegionEntry, TableEntry, upgrade_v1

# not part of the ordinary rows (see scan()): the national profile and the rows of vergelijkbare buurten
SIDE_SOURCES = frozenset({"cbs_kwb_profile", "cbs_kwb_similar", "rivm_similar"})


REPAIR_TIP = ("Run `buurtscan refresh` (or fetch again): the damaged manifest is moved aside and the cache "
              "rebuilt from what can be fetched again.")


def refetch_tip(entry: TableEntry) -> str:
    """How to rewrite one table's file."""
    if entry.partner is not None:
        return f"Merge the partner file of '{entry.source}' again (buurtscan merge FILE --source {entry.source})."
    parts = sorted(p for p in entry.parts if p not in (WHOLE, NEDERLAND))
    where = "--all" if WHOLE in entry.parts or not parts else " ".join(f"--gemeente {p}" for p in parts)
    return f"Fetch it again: buurtscan fetch {where} --source {entry.source}"


class CacheReader:
    """The reading half of :class:`~.store.Cache`."""

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

    def derived(self, name: str, manifest: Manifest | None = None) -> Any:  # noqa: ANN401 - JSON
        """The data of ``derived/<name>.json`` if it was derived from the table file the manifest
        (``manifest``, or the current one) names (same file and SHA-256); None when it is missing,
        stale or unreadable."""
        try:
            stamp = orjson.loads(derived_path(self.root, name).read_bytes())
            entry = (manifest or self.manifest()).tables.get(stamp["of"])
            if entry is None or (stamp["file"], stamp["sha256"]) != (entry.file, entry.sha256):
                return None
            return stamp["data"]
        except (OSError, ValueError, KeyError, TypeError):  # orjson.JSONDecodeError is a ValueError
            return None

    def data_path(self, rel: object) -> Path | None:
        """The absolute path of a manifest ``file`` if it lies inside tables/ or regions/ of this
        cache (after resolving symlinks); None for anything else (absolute, ``..``, elsewhere)."""
        return inside(self.root, rel)

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
