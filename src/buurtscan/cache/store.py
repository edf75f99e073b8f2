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

The code follows those concerns: :mod:`.files` (names, where a manifest path may point, file
facts), :mod:`.reading` (the manifest, rows and region lists under the readers' lock),
:mod:`.writing` (the writers' lock, the commit, removing an old generation) and this module
(:class:`Cache` itself, and the repair of an unreadable manifest). :mod:`.manifest` types the
manifest; :mod:`buurtscan.atomic` does the atomic writes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..atomic import atomic_write_bytes, atomic_write_parquet
from ..errors import CacheError
from .files import KILL_AT_ENV, MANIFEST, Derived
from .reading import REPAIR_TIP, SIDE_SOURCES, refetch_tip
from .writing import CacheWriter

__all__ = [
    "KILL_AT_ENV", "MANIFEST", "REPAIR_TIP", "SIDE_SOURCES", "Cache", "Derived", "Recovery", "atomic_write_bytes",
    "atomic_write_parquet", "refetch_tip",
]


class Cache(CacheWriter):
    """Read (:class:`~.reading.CacheReader`), write (:class:`~.writing.CacheWriter`) and repair
    one cache folder."""

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
