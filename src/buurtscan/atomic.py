"""Atomic file writes: a temp file in the same folder, fsync, then one ``os.replace``.

A reader (or a run killed half-way) sees the old file or the new one, never a part of either.
The cache, the renderers and the downloads of the sources all write through here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import polars as pl


def temp_path(path: Path) -> Path:
    """A hidden temp name next to ``path`` (same folder, so ``os.replace`` is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
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
    tmp = temp_path(path)
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
