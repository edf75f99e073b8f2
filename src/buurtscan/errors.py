"""The errors buurtscan raises on purpose, each with the exit code the CLI uses.

Everything a user can cause (a bad code, an unreachable server, a broken partner file)
is a ``BuurtscanError``; anything else is a bug and keeps its traceback.

::

    BuurtscanError                 exit 1  (generic; also "partly failed")
    ├── RefreshBusy                exit 0  another refresh holds the lock (not an error for cron)
    ├── UsageError                 exit 2  bad flag, bad code, bad settings file
    │   └── UnknownRegionError     exit 2  a region code that the table does not know
    ├── SourceError                exit 3  a source could not be reached or answered nonsense
    │   ├── SourceUnavailable      exit 3  no usable answer: unreachable, timed out, or failing after the retries
    │   └── TableNotFoundError     exit 3  the table (or year) is not offered upstream
    ├── PartnerDataError           exit 4  a partner file failed validation
    └── CacheError                 exit 5  the cache cannot be read, written or locked
        └── OutputError            exit 5  an output file (--out) cannot be written

Exit code 0 means everything went well; 1 means the run finished but some parts failed
(for example one of several sources was unreachable) — those parts are listed.

Callers tell kinds apart by type, never by message text: ``refresh`` counts a run in which every
source raised :class:`SourceUnavailable` as exit 3, and ``status`` stops asking a host that raised it.

Each error carries one sentence (``message``) and an optional ``tip`` telling the user
what to do next. The CLI prints ``Error: <message>`` and ``Tip: <tip>`` and exits.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_SOURCE = 3
EXIT_PARTNER = 4
EXIT_CACHE = 5


class BuurtscanError(Exception):
    """Base class: a failure the user can understand and act on."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, *, tip: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tip = tip

    def __str__(self) -> str:
        return self.message


class UsageError(BuurtscanError):
    """Bad input on the command line or in a settings file."""

    exit_code = EXIT_USAGE


class UnknownRegionError(UsageError):
    """A region code that does not exist in the table asked for."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None, tip: str | None = None):
        super().__init__(message, tip=tip)
        self.suggestions = suggestions or []


class SourceError(BuurtscanError):
    """A source could not be reached, or answered something that is not usable."""

    exit_code = EXIT_SOURCE


class SourceUnavailable(SourceError):
    """The source gave no usable answer: its host is unreachable, did not answer in time, or kept
    failing (5xx, 429, not JSON) after every retry. Raised by ``http_client``; worth trying later."""


def source_failure(errors: Sequence[SourceError], message: str) -> SourceError:
    """The error for "every part of a source failed": a :class:`SourceUnavailable` when each of
    ``errors`` was one (so the kind survives a per-gemeente loop), else a plain :class:`SourceError`."""
    if errors and all(isinstance(e, SourceUnavailable) for e in errors):
        return SourceUnavailable(message)
    return SourceError(message)


class TableNotFoundError(SourceError):
    """The table (or the year asked for) is not offered by the source."""


class RefreshBusy(BuurtscanError):
    """Another refresh holds the lock (not an error for cron: exit 0)."""

    exit_code = EXIT_OK


class PartnerDataError(BuurtscanError):
    """A partner file is malformed; the message names file, line, column and value."""

    exit_code = EXIT_PARTNER


class CacheError(BuurtscanError):
    """The cache folder cannot be read, written or locked."""

    exit_code = EXIT_CACHE


class OutputError(CacheError):
    """An output file cannot be written (full disk, read-only --out); the others were written."""

    def __init__(self, message: str, *, tip: str | None = None, written: tuple[object, ...] = ()) -> None:
        super().__init__(message, tip=tip)
        self.written = written


def one_line(text: str, limit: int = 500) -> str:
    """A message as one line of at most ``limit`` characters (middle elided), for logs and cron mail."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    keep = (limit - 5) // 2
    return f"{flat[:keep]} […] {flat[-keep:]}"
