"""`buurtscan status`: what is cached, from which table and date, what changed upstream, and
whether every cached file is still whole (``--check``: size and SHA-256 against the manifest)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from ..cache import WHOLE, Cache, refetch_tip
from ..errors import BuurtscanError, SourceUnavailable
from .fetch import answer_shape
from ..http_client import Http
from ..settings import Settings
from ..sources import REGISTRY
from ..sources.base import FetchContext


@dataclass(frozen=True)
class TableStatus:
    source: str
    table_id: str
    title: str
    period: str
    modified: str  # TableInfos.Modified when fetched
    rows: int
    gemeenten: tuple[str, ...]  # ("*",) = whole country
    retrieved_first: str
    retrieved_last: str
    upstream_modified: str | None = None  # None = not checked
    check_error: str | None = None
    partner: dict[str, object] | None = None  # file, sha256, rows, merged_at of a merged partner file
    periods: tuple[str, ...] = ()  # every cached period of the table, oldest first

    @property
    def changed(self) -> bool | None:
        if self.upstream_modified is None:
            return None
        return self.upstream_modified != self.modified

    def as_dict(self) -> dict[str, object]:
        return {**self.__dict__, "gemeenten": list(self.gemeenten), "periods": list(self.periods),
                "changed": self.changed}


# a table a source stores besides its own (the national profile) is checked like the source's tables
PROFILE_OF = {side: s.name for s in REGISTRY.values() for side in s.also_stores}


@dataclass(frozen=True)
class FileProblem:
    """A cached file that is missing or damaged, and how to repair it."""

    what: str  # "cbs_kwb 85984NED" or "region list 85984NED"
    file: str
    problem: str  # missing | damaged | unreadable
    tip: str

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def check_files(cache: Cache, *, full: bool = False) -> list[FileProblem]:
    """Every file the manifest names, checked (cheap: exists, size, Parquet footer; ``full``:
    the SHA-256 recorded at commit and every row read)."""
    problems = []
    manifest = cache.manifest()
    for entry in manifest.tables.values():
        problem = cache.check_file(entry, full=full)
        if problem:
            problems.append(FileProblem(f"{entry.source} {entry.table_id}", entry.file, problem,
                                        refetch_tip(entry)))
    for table_id, region in manifest.regions.items():
        problem = cache.check_file(region, full=full)
        if problem:
            problems.append(FileProblem(f"region list {table_id}", region.file, problem,
                                        "Fetch a gemeente again (buurtscan fetch --gemeente GM…) to rewrite it."))
    return problems


def cache_status(settings: Settings, *, check_upstream: bool = True,
                 transport: httpx.BaseTransport | None = None) -> list[TableStatus]:
    cache = Cache(settings.cache_dir)
    out = []
    for entry in cache.tables():
        parts = entry.parts
        dates = sorted(p.retrieved_at for ps in entry.periods.values() for p in ps.values()) or [""]
        gms = tuple(sorted(k for k in parts if k not in ("NL00",))) or tuple(parts)
        out.append(
            TableStatus(
                source=entry.source,
                table_id=entry.table_id,
                title=entry.title,
                period=entry.period,
                modified=entry.modified,
                rows=entry.rows,
                gemeenten=(WHOLE,) if WHOLE in parts else gms,
                retrieved_first=dates[0],
                retrieved_last=dates[-1],
                partner=entry.partner.provenance() if entry.partner else None,
                periods=tuple(entry.sorted_periods),
            )
        )
    if not check_upstream or not out:
        return out
    checked = []
    with Http(settings, transport) as http:
        ctx = FetchContext(settings, http)
        unreachable: str | None = None
        for st in out:
            source = REGISTRY.get(st.source) or REGISTRY.get(PROFILE_OF.get(st.source, ""))
            check = getattr(source, "upstream_modified", None)
            if check is None:
                checked.append(st)
                continue
            if unreachable:
                checked.append(_with(st, error=unreachable))
                continue
            try:
                with answer_shape(getattr(source, "title", st.source)):
                    checked.append(_with(st, upstream=check(ctx, st.table_id)))
            except BuurtscanError as exc:
                checked.append(_with(st, error=exc.message))
                if isinstance(exc, SourceUnavailable):
                    unreachable = exc.message  # don't wait for the same dead host per table
    return checked


def _with(st: TableStatus, *, upstream: str | None = None, error: str | None = None) -> TableStatus:
    return TableStatus(**{**st.__dict__, "upstream_modified": upstream, "check_error": error})


@dataclass(frozen=True)
class StatusReport:
    """What `status` shows: the cached tables (with the upstream check) and the damaged files."""

    cache_dir: str
    tables: list[TableStatus]
    problems: list[FileProblem]

    def as_dict(self) -> dict[str, object]:
        return {"cache_dir": self.cache_dir, "tables": [t.as_dict() for t in self.tables],
                "problems": [p.as_dict() for p in self.problems]}


def status(settings: Settings, *, check_upstream: bool = True, full: bool = False,
           transport: httpx.BaseTransport | None = None) -> StatusReport:
    """The `status` command as one call: :func:`cache_status` plus :func:`check_files`
    (``full``: every file's SHA-256 and rows, as ``status --check``)."""
    tables = cache_status(settings, check_upstream=check_upstream, transport=transport)
    problems = check_files(Cache(settings.cache_dir), full=full)
    return StatusReport(str(settings.cache_dir), tables, problems)
