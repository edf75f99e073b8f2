"""The cache folder's files: names, where a manifest path may point, file facts, test crash points."""

from __future__ import annotations

import hashlib
import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:  # POSIX shared/exclusive locks for readers; elsewhere reads are not isolated
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST = "manifest.json"
READERS = ".readers.lock"
DATA_FOLDERS = ("tables", "regions")
DERIVED_FOLDER = "derived"  # derived/<name>.json: a costly derivation of one table, stamped with its file
_DERIVED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
# Test-only: name a stage of a commit and the process kills itself there with SIGKILL, so the
# reliability tests can check that a run killed mid-write leaves a consistent cache.
KILL_AT_ENV = "BUURTSCAN_TEST_KILL_AT"


def crash_point(stage: str) -> None:
    if os.environ.get(KILL_AT_ENV) == stage:  # pragma: no cover - runs in a killed subprocess
        os.kill(os.getpid(), signal.SIGKILL)


def inside(root: Path, rel: object) -> Path | None:
    """The absolute path of a manifest ``file`` if it lies inside tables/ or regions/ of the
    cache at ``root`` (after resolving symlinks); None for anything else (absolute, ``..``, elsewhere)."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return None
    rel_path = Path(rel)
    if rel_path.is_absolute() or ".." in rel_path.parts or rel_path.parts[0] not in DATA_FOLDERS:
        return None
    path = root / rel_path
    try:
        ok = path.resolve().is_relative_to(root.resolve() / rel_path.parts[0])
    except (OSError, RuntimeError):
        return None
    return path if ok else None


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
class Derived:
    """What a commit may keep beside the tables: the result of a costly derivation of one table
    (the similar buurten found in the national profile), valid while that table's file is the one
    the manifest names. A reader checks the stamp (:meth:`.reading.CacheReader.derived`), so a
    stale or half-written one is never used, only derived again."""

    name: str  # derived/<name>.json
    of: str  # the manifest key of the table it was derived from ("cbs_kwb_profile/85984NED")
    data: Any  # JSON-able
    made_from: str | None = None  # that table's file when derived; None: the file this commit writes


def derived_path(root: Path, name: str) -> Path:
    if not _DERIVED_NAME.fullmatch(name):
        raise ValueError(f"not a derived file name: {name!r}")
    return root / DERIVED_FOLDER / f"{name}.json"
