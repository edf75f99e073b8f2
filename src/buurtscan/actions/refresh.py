"""`buurtscan refresh`: for cron — re-fetch only what changed upstream, safely.

For every source in the cache (partner data excepted) it asks upstream what changed:
``TableInfos.Modified`` for StatLine tables, a newer Kerncijfers year in the CBS catalogue, the
zip's Last-Modified/ETag for Leefbaarometer — and re-fetches only that, for the gemeenten
already cached. Each source lands (or fails) on its own: a failed source keeps its old data.

Overlapping runs never collide: a refresh holds ``<cache>/.refresh.lock`` for the whole
run; a second run exits at once (or waits with ``wait=True``). Every cache write is atomic
(see :mod:`buurtscan.cache`). With ``render=True`` the outputs `render` recorded before are
made again for the regions whose data changed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from filelock import FileLock, Timeout

from ..cache import WHOLE, Cache, TableEntry
from ..errors import one_line
from ..errors import (EXIT_OK, EXIT_PARTIAL, EXIT_SOURCE, BuurtscanError, CacheError, RefreshBusy, SourceUnavailable,
                      UsageError)
from .fetch import answer_shape, fetch
from ..http_client import Http
from ..observe import NullObserver, Observer
from ..regions import NEDERLAND, gemeente_of
from ..settings import Settings
from ..sources import REGISTRY
from ..sources.base import FetchContext, utc_now
from ..sources.kwb import KwbSource

log = logging.getLogger(__name__)
UNCHANGED, UPDATED, NEW_TABLE, FAILED = "unchanged", "updated", "new table", "failed"
LOCK_NAME = ".refresh.lock"


@dataclass(frozen=True)
class Outcome:
    source: str
    table_id: str
    status: str  # unchanged | updated | new table | failed
    gemeenten: tuple[str, ...]  # ("*",) = whole country
    reason: str | None = None
    modified_before: str | None = None
    modified_after: str | None = None
    unreachable: bool = False

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class RefreshReport:
    outcomes: tuple[Outcome, ...]
    rendered: tuple[str, ...] = ()
    render_errors: tuple[str, ...] = ()
    started_at: str = ""
    finished_at: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # repairs: a manifest moved aside, damaged files fetched again

    @property
    def exit_code(self) -> int:
        failed = [o for o in self.outcomes if o.status == FAILED]
        if not failed and not self.render_errors:
            return EXIT_OK
        if failed and len(failed) == len(self.outcomes) and all(o.unreachable for o in failed):
            return EXIT_SOURCE
        return EXIT_PARTIAL

    def summary(self) -> str:
        c = {s: sum(1 for o in self.outcomes if o.status == s) for s in (UNCHANGED, UPDATED, NEW_TABLE, FAILED)}
        text = (f"refresh: {c[UNCHANGED]} unchanged, {c[UPDATED]} updated, {c[NEW_TABLE]} new table, "
                f"{c[FAILED]} failed")
        if self.rendered or self.render_errors:
            text += f"; {len(self.rendered)} files re-rendered"
            if self.render_errors:
                text += f", {len(self.render_errors)} render errors"
        if self.notes:
            text += f"; {len(self.notes)} {'repair' if len(self.notes) == 1 else 'repairs'}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "sources": [o.as_dict() for o in self.outcomes],
            "rendered": list(self.rendered),
            "render_errors": list(self.render_errors),
            "notes": list(self.notes),
        }


@contextlib.contextmanager
def run_lock(cache_dir: Path, *, wait: bool) -> Iterator[None]:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(cache_dir / LOCK_NAME), timeout=-1 if wait else 0)
        lock.acquire()
    except Timeout:
        raise RefreshBusy(
            f"Another refresh of {cache_dir} is running; this one stops without doing anything.",
            tip="Use --wait to queue behind it instead.",
        ) from None
    except OSError as exc:
        raise CacheError(f"The cache folder {cache_dir} cannot be locked ({exc.strerror}).",
                         tip="Check its permissions and free disk space.") from None
    try:
        yield
    finally:
        lock.release()


def _year(period: str) -> int | None:
    digits = "".join(ch for ch in period[:4] if ch.isdigit())
    return int(digits) if len(digits) == 4 else None


def _gemeenten(entry: TableEntry) -> tuple[str, ...]:
    parts = entry.parts
    if WHOLE in parts:
        return (WHOLE,)
    return tuple(sorted(p for p in parts if p != NEDERLAND))


def refresh(
    settings: Settings,
    *,
    render: bool = False,
    wait: bool = False,
    observer: Observer | None = None,
    transport: httpx.BaseTransport | None = None,
) -> RefreshReport:
    """Re-fetch, per open source, the newest cached table when upstream changed (or a newer year
    appeared), repair damaged files, and with ``render`` make again what `render` recorded.

    One run at a time per cache (``wait``: queue behind a running one, else :class:`RefreshBusy`).
    Never raises for a failing source: its :class:`Outcome` says why, and ``exit_code`` sums up."""
    observer = observer or NullObserver()
    started = utc_now()
    cache = Cache(settings.cache_dir)
    with run_lock(settings.cache_dir, wait=wait):
        recovery = cache.recover()  # an unreadable manifest: moved aside, rebuilt below
        if recovery is not None:
            observer.message(recovery.describe())
            outcomes = _rebuild(settings, recovery, observer, transport)
            return RefreshReport(tuple(outcomes), (), (), started, utc_now(), notes=(one_line(recovery.describe()),))
        cache.clean_up()  # leftovers of a run that was killed mid-write
        tables = [e for e in cache.tables() if e.source in REGISTRY]
        if not tables:
            raise UsageError(
                f"Nothing is cached in {settings.cache_dir}, so there is nothing to refresh.",
                tip="Fetch first (buurtscan fetch --gemeente GM0518), or point --cache-dir at the cache cron should keep fresh.",
            )
        newest: dict[str, TableEntry] = {}
        for e in tables:  # per source the newest cached table decides what to keep fresh
            if e.source not in newest or e.period > newest[e.source].period:
                newest[e.source] = e
        notes = []
        damaged: set[tuple[str, str]] = set()
        for e in cache.tables():
            problem = cache.check_file(e)
            if not problem:
                continue
            if e.source in REGISTRY:
                damaged.add((e.source, e.table_id))
                notes.append(f"{e.source} {e.table_id}: the cached file is {problem}; fetched again")
            else:
                notes.append(f"partner data '{e.source}': the cached file is {problem}; merge its file again")
            observer.message(notes[-1])
        outcomes = [_refresh_source(settings, name, entry, observer, transport,
                                    damaged=(name, entry.table_id) in damaged)
                    for name, entry in newest.items()]
        outcomes += [_repair_table(settings, e, observer, transport) for e in tables
                     if (e.source, e.table_id) in damaged and e is not newest[e.source]]
        rendered: list[str] = []
        errors: list[str] = []
        if render:
            rendered, errors = _rerender(settings, cache, outcomes, observer)
    return RefreshReport(tuple(outcomes), tuple(rendered), tuple(errors), started, utc_now(), notes=tuple(notes))


def _rebuild(settings: Settings, recovery, observer: Observer,  # noqa: ANN001 - a cache.Recovery
             transport: httpx.BaseTransport | None) -> list[Outcome]:
    """Fetch again, per open source, the gemeenten its orphaned table files held."""
    outcomes = []
    for name, gms in recovery.gemeenten.items():
        whole = len(gms) >= 300  # (nearly) every gemeente: the whole country was cached
        try:
            report = fetch(settings, gemeenten=[] if whole else gms, whole_country=whole, sources=[name],
                           observer=observer, transport=transport, check=False)
        except CacheError:
            raise
        except BuurtscanError as exc:
            outcomes.append(Outcome(name, "", FAILED, tuple(gms), one_line(exc.message)))
            continue
        for key in report.stored:
            outcomes.append(Outcome(name, key.split("/", 1)[1], UPDATED, (WHOLE,) if whole else tuple(gms),
                                    "rebuilt after the manifest could not be read"))
    if not outcomes:
        raise UsageError(f"{recovery.describe()} No table file was left to rebuild from.",
                         tip="Fetch again: buurtscan fetch --gemeente GM…")
    return outcomes


def _repair_table(settings: Settings, entry: TableEntry, observer: Observer,
                  transport: httpx.BaseTransport | None) -> Outcome:
    """Fetch a damaged older table again (its year), for the gemeenten it held."""
    name, table_id, gms = entry.source, entry.table_id, _gemeenten(entry)
    try:
        with answer_shape(name):
            fetch(settings, gemeenten=[] if gms == (WHOLE,) else list(gms), whole_country=gms == (WHOLE,),
                  year=_year(entry.period), sources=[name], observer=observer,
                  transport=transport, check=False)
    except CacheError:
        raise
    except BuurtscanError as exc:
        return Outcome(name, table_id, FAILED, gms, one_line(exc.message))
    return Outcome(name, table_id, UPDATED, gms, "the cached file was damaged; fetched again")


def _refresh_source(settings: Settings, name: str, entry: TableEntry, observer: Observer,
                    transport: httpx.BaseTransport | None, *, damaged: bool = False) -> Outcome:
    table_id = entry.table_id
    gms = _gemeenten(entry)
    before = entry.modified
    source = REGISTRY[name]
    try:
        with Http(settings, transport) as http, answer_shape(getattr(source, "title", name)):
            ctx = FetchContext(settings, http, observer)
            year, status = None, None
            if isinstance(source, KwbSource):
                years = source.available_years(ctx)
                cached_year = _year(entry.period)
                newer = [y for y in years if cached_year is not None and y > cached_year]
                if newer and source.name not in ctx.fallback:
                    year, status = max(newer), NEW_TABLE
                else:
                    year = cached_year
            after = None
            if status is None and damaged:
                status = UPDATED  # the cached file is missing or damaged: fetch it whatever upstream says
            if status is None:
                after = source.upstream_modified(ctx, table_id)
                if after == before:
                    observer.message(f"{name} {table_id}: unchanged")
                    return Outcome(name, table_id, UNCHANGED, gms, None, before, after)
                status = UPDATED
        observer.message(f"{name} {table_id}: {status}, fetching {'all' if gms == (WHOLE,) else ', '.join(gms)}")
        report = fetch(
            settings,
            gemeenten=[] if gms == (WHOLE,) else list(gms),
            whole_country=gms == (WHOLE,),
            year=year,
            sources=[name],
            observer=observer,
            transport=transport,
            check=False,
            older=status == NEW_TABLE,  # a new year: also what it lacks and the series; a release: only it
            patient=True,
        )
        stored = [k for k in report.stored if k.startswith(f"{name}/")]
        new_id = stored[0].split("/", 1)[1] if stored else table_id  # the newest table comes first
        after_entry = Cache(settings.cache_dir).manifest().tables.get(f"{name}/{new_id}")
        reason = "; ".join(s.reason for s in report.skipped) or None
        return Outcome(name, new_id, status, gms, reason, before, (after_entry.modified if after_entry else "") or after)
    except CacheError:
        raise  # the cache cannot be written (full disk, permissions): stop the whole run
    except BuurtscanError as exc:
        unreachable = isinstance(exc, SourceUnavailable)
        observer.message(f"{name} {table_id}: failed — {exc.message}")
        return Outcome(name, table_id, FAILED, gms, exc.message, before, None, unreachable)


RECORDED_PATHS = ("out_dir", "templates", "policy", "stories", "deck_template")


def _outside_roots(opts: dict, roots: tuple[Path, ...]) -> str | None:
    """The first recorded path (as 'the KEY PATH') that is not absolute or not inside a root after symlinks."""
    for key in RECORDED_PATHS:
        raw = opts.get(key)
        if key != "out_dir" and not raw:
            continue
        path = Path(str(raw or "out"))
        real = path.resolve() if path.is_absolute() else None
        if real is None or not any(real.is_relative_to(root) for root in roots):
            return f"the {key.replace('_', ' ')} {path}"
    return None


def _rerender(settings: Settings, cache: Cache, outcomes: list[Outcome], observer: Observer
              ) -> tuple[list[str], list[str]]:
    """Make again what `render` recorded, for regions whose data changed."""
    from .render import RenderOptions, recorded
    from .render import render as do_render

    changed = [o for o in outcomes if o.status in (UPDATED, NEW_TABLE)]
    if not changed:
        return [], []
    everywhere = any(o.gemeenten == (WHOLE,) for o in changed)
    touched = {g for o in changed for g in o.gemeenten}
    files: list[str] = []
    errors: list[str] = []
    for entry in recorded(cache):
        codes = list(entry.get("codes") or [])
        gemeente = entry.get("gemeente")
        regions = {gemeente_of(c) for c in codes} | ({gemeente} if gemeente else set())
        all_cached = entry.get("all_cached") is True  # `render --all-cached`: every changed gemeente is in it
        if not everywhere and not all_cached and not (regions & touched):
            continue
        opts = dict(entry.get("options") or {})
        outside = _outside_roots(opts, settings.replay_roots())
        if outside:  # renders.json is a cache file: it never names what is read or written elsewhere
            message = one_line(f"renders.json names {outside}, outside the folders refresh --render may use "
                               f"({', '.join(map(str, settings.replay_roots()))}); {', '.join(codes) or gemeente} "
                               "was not re-rendered (add the folder to render_roots, or render it again by hand)")
            errors.append(message)
            observer.message(message)
            continue
        out_dir = Path(str(opts.get("out_dir") or "out"))
        if not out_dir.is_dir():  # never create a folder on the say-so of renders.json
            message = one_line(f"renders.json names the output folder {out_dir}, which is not a folder now; "
                               f"{', '.join(codes) or gemeente} was not re-rendered (render it again by hand)")
            errors.append(message)
            observer.message(message)
            continue
        options = RenderOptions(
            formats=tuple(opts.get("formats") or ("html", "pdf")),
            out_dir=Path(str(opts.get("out_dir") or "out")),
            templates=Path(opts["templates"]) if opts.get("templates") else None,
            policy=Path(opts["policy"]) if opts.get("policy") else None,
            stories=Path(opts["stories"]) if opts.get("stories") else None,
            deck_template=Path(opts["deck_template"]) if opts.get("deck_template") else None,
            audience=str(opts.get("audience") or "professionals"),
            similar_k=int(opts.get("similar_k") or 10),
        )
        try:
            results = do_render(settings, codes, gemeente=gemeente, options=options, observer=observer,
                                all_cached=all_cached)
        except BuurtscanError as exc:  # incl. OutputError: some files were written, some not
            errors.append(one_line(exc.message))
            files += [str(f) for f in getattr(exc, "written", ())]
            observer.message(f"re-render failed: {one_line(exc.message)}")
            continue
        except Exception as exc:  # noqa: BLE001 - cron must still get its summary line and --json
            log.exception("re-render of %s failed", codes or gemeente)
            message = one_line(f"re-render of {', '.join(codes) or gemeente} failed ({type(exc).__name__}: {exc})")
            errors.append(message)
            observer.message(message)
            continue
        files += [str(f) for r in results for f in r.files]
    return files, errors
