"""Checks before a user's file is read whole: it is a regular file and under its size limit.

A FIFO, ``/dev/zero`` or a socket would block or never end, and a 2 GB (sparse) file would be
read into memory before any other check; both are refused from ``fstat`` alone. The file is
opened without blocking (a FIFO would otherwise wait for a writer) and read with a bound, so
a file that grows after the check still cannot exceed the limit. The limits are named in the
README ("Limits").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import BuurtscanError, PartnerDataError, UsageError

PARTNER_MAX_BYTES = 512 * 1024 * 1024  # a partner CSV or workbook (1,000,000 record rows are ~45 MB)
MAPPING_MAX_BYTES = 1024 * 1024  # a mapping TOML
INPUT_MAX_BYTES = 2_000_000  # a policy or story CSV


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1000:,.0f} kB"


def read_checked(path: Path, *, max_bytes: int, what: str = "file",
                 too_large: type[BuurtscanError] = PartnerDataError, label: str | None = None) -> bytes:
    """The bytes of ``path``, refused when it is not a regular file or larger than ``max_bytes``.

    ``label`` is how messages name the file (default: the path as given); missing files,
    folders and special files are a :class:`UsageError`, a file over the limit ``too_large``.
    """
    name = label or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise UsageError(f"The {what} {path} does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a {what}.") from None
    except OSError as exc:
        raise UsageError(f"The {what} {path} cannot be read ({exc.strerror}).") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(f"{path} is a folder, not a {what}.")
        if not stat.S_ISREG(info.st_mode):
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode)
                    else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                    else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
            raise UsageError(f"{path} is {kind}, not a {what}. Give the path of a saved file.")
        if info.st_size > max_bytes:
            raise too_large(f"{name}: the file is {_size(info.st_size)}, more than the limit of "
                            f"{_size(max_bytes)} for a {what}. Split the file or leave out what is not needed.")
        os.set_blocking(fd, True)
        # one read of the whole (stat'ed) size, then small reads until the end: no copy of a big file
        chunks: list[bytes] = []
        total, size = 0, min(info.st_size, max_bytes) + 1
        while chunk := os.read(fd, size if not chunks else min(1 << 20, max_bytes + 1 - total)):
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise too_large(f"{name}: the file grew past the limit of {_size(max_bytes)} for a {what} "
                                "while it was read. Give a finished file.")
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"The {what} {path} cannot be read ({exc.strerror}).") from None
    finally:
        os.close(fd)
