"""Many buurten at once: `buurtscan render --jobs N` for several codes, a gemeente or every cached one.

Each buurt is one job. With ``jobs > 1`` the jobs run in a process pool (``spawn``: polars and
Typst keep threads, which a forked child must not inherit). The pool's initializer builds one
:class:`Worker` per process, which loads the catalogue, policy and stories, imports the
renderers (templates, fonts) once, and keeps the cached rows of the gemeente it is working
on, so the buurten of a gemeente share their derived frames. With ``jobs == 1`` (or a single
buurt) the same :class:`Worker` runs in this process: a batch writes byte for byte what a
sequential run writes, in the same order.

A buurt that fails (a bug, a figure that cannot be built) is reported and the others still
render; the run then ends with :class:`RenderFailed` (exit 1) naming the buurten that failed.
A broken user template or an unreadable cache stops the run at once (exit 2 / 5): it would
fail for every buurt.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EXIT_PARTIAL, BuurtscanError, CacheError, UsageError, one_line

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import Future

    from ..cache import Cache
    from ..catalogue import Catalogue
    from ..observe import Observer
    from .note import Rendered, RenderOptions
    from ..report.build import PolicyInput, StoryInput
    from ..scan import GemeenteData


class RenderFailed(BuurtscanError):
    """Some buurten could not be rendered; the others were (their files are in ``written``)."""

    exit_code = EXIT_PARTIAL

    def __init__(self, message: str, *, tip: str | None = None, written: tuple[Path, ...] = (),
                 failed: tuple[str, ...] = ()) -> None:
        super().__init__(message, tip=tip)
        self.written = written
        self.failed = failed


@dataclass(frozen=True)
class Job:
    gemeente: str
    code: str


@dataclass(frozen=True)
class Outcome:
    """What one job did; plain data, so it crosses the process boundary."""

    code: str
    files: tuple[Path, ...] = ()
    seconds: float = 0.0
    unwritten: tuple[tuple[Path, str], ...] = ()  # files that could not be written, with the reason
    messages: tuple[str, ...] = ()  # what the renderers told the observer
    error: str | None = None  # why the buurt could not be rendered (one line)
    detail: str | None = None  # the traceback of an unexpected error (shown with --verbose)
    fatal: tuple[type[BuurtscanError], dict[str, Any]] | None = None  # an error that stops the run


def _raise_fatal(outcome: Outcome) -> None:
    """Raise a worker's run-stopping error again in this process (exceptions with keyword
    arguments do not survive pickling, so it travels as its class and attributes)."""
    if outcome.fatal is not None:
        cls, attributes = outcome.fatal
        exc = cls.__new__(cls)
        Exception.__init__(exc, attributes.get("message", ""))
        exc.__dict__.update(attributes)
        raise exc


PER_WORKER = 8  # without --jobs: at most one process per this many buurten


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def cached_gemeenten(cache: Cache) -> list[str]:
    """Every gemeente with cached buurt figures, in code order (for ``--all-cached``)."""
    import polars as pl

    with cache.reading():
        frame = cache._collect(cache.scan().filter(pl.col("region_level") == "buurt")
                               .select("gemeente_code").unique())
    return sorted(c for c in frame["gemeente_code"].to_list() if c)


def cached_buurten(cache: Cache, gemeente: str) -> list[str]:
    """The cached buurt codes of one gemeente, in code order (what ``GemeenteData.codes`` lists)."""
    import polars as pl

    with cache.reading():
        frame = cache._collect(cache.scan().filter((pl.col("region_level") == "buurt")
                                                   & (pl.col("gemeente_code") == gemeente))
                               .select("region_code").unique())
    return sorted(frame["region_code"].to_list())


class _Collect:
    """An observer that keeps the messages of one job (they are shown by the parent)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def message(self, text: str) -> None:
        self.messages.append(text)

    def progress(self, label: str, done: int, total: int | None) -> None:  # noqa: ARG002
        return None


class Worker:
    """Renders jobs; built once per process with everything a buurt needs loaded."""

    def __init__(self, cache: Cache, options: RenderOptions, catalogue: Catalogue,
                 policy: Sequence[PolicyInput], stories: Sequence[StoryInput]) -> None:
        from ..report.formats import Format, preload

        self.cache = cache
        self.options = options
        self.catalogue = catalogue
        self.policy = list(policy)
        self.stories = list(stories)
        self.formats = tuple(Format(f) for f in options.formats)
        preload(self.formats)
        self._data: tuple[str, GemeenteData] | None = None  # the gemeente worked on (jobs come in gemeente order)

    def data(self, gemeente: str) -> GemeenteData:
        if self._data is None or self._data[0] != gemeente:
            from ..scan import GemeenteData

            self._data = None  # let the previous gemeente's frames go first
            self._data = (gemeente, GemeenteData(self.cache, gemeente, self.catalogue, self.options.similar_k))
        return self._data[1]

    def run(self, job: Job) -> Outcome:
        """Render one buurt in every format asked for; an error in it becomes the outcome's ``error``."""
        start = time.perf_counter()
        observer = _Collect()
        try:
            files, unwritten = self._render(job, observer)
        except (UsageError, CacheError):
            raise  # a broken template or cache: every buurt would fail, the run stops
        except BuurtscanError as exc:
            return Outcome(job.code, seconds=time.perf_counter() - start, messages=tuple(observer.messages),
                           error=one_line(exc.message, 300))
        except Exception as exc:  # a bug in one buurt must not cost the others theirs
            return Outcome(job.code, seconds=time.perf_counter() - start, messages=tuple(observer.messages),
                           error=one_line(f"{type(exc).__name__}: {exc}", 300), detail=traceback.format_exc())
        return Outcome(job.code, files, time.perf_counter() - start, unwritten, tuple(observer.messages))

    def _render(self, job: Job, observer: Observer) -> tuple[tuple[Path, ...], tuple[tuple[Path, str], ...]]:
        from ..cache import atomic_write_bytes
        from .note import RESIDENT_PAGES, file_stem, fit_note, run_renderer
        from ..report.build import build_report
        from ..report.formats import RENDERERS, RenderInput

        options = self.options
        scan = self.data(job.gemeente).scan(job.code)
        if any(f.is_note for f in self.formats):
            report, pdf = fit_note(scan, self.policy, self.stories, options, observer,
                                   max_pages=RESIDENT_PAGES if options.audience == "bewoners" else 2)
        else:  # only the deck or the spreadsheet: the deck fits its own text, no note to measure
            report, pdf = build_report(scan, policy=self.policy, stories=self.stories, limits=options.limits,
                                       policy_file=options.policy, stories_file=options.stories,
                                       audience=options.audience), None
        given = RenderInput(user_dir=options.templates, deck_template=options.deck_template, scan=scan, pdf=pdf)
        stem = file_stem(report)
        written: list[Path] = []
        unwritten: list[tuple[Path, str]] = []
        for fmt in self.formats:
            target = options.out_dir / f"{stem}.{fmt.extension}"
            body = run_renderer(fmt, RENDERERS[fmt], report, given, options)
            try:
                atomic_write_bytes(target, body)
            except OSError as exc:  # full disk, read-only folder: the other files still get written
                unwritten.append((target, exc.strerror or str(exc)))
                observer.message(f"Cannot write {target} ({exc.strerror or exc})")
                continue
            written.append(target)
        return tuple(written), tuple(unwritten)


_worker: Worker | None = None  # this process's worker (set by the pool's initializer)


def _init(cache_root: Path, options: RenderOptions, catalogue: Catalogue, policy: Sequence[PolicyInput],
          stories: Sequence[StoryInput]) -> None:
    global _worker
    from ..cache import Cache
    from ..process import tune

    tune()  # a spawned worker starts with Python's defaults

    _worker = Worker(Cache(cache_root), options, catalogue, policy, stories)


def _run(job: Job) -> Outcome:
    assert _worker is not None, "the pool's initializer did not run"
    try:
        return _worker.run(job)
    except (UsageError, CacheError) as exc:
        return Outcome(job.code, fatal=(type(exc), dict(exc.__dict__)))


@dataclass
class BatchResult:
    rendered: list[Rendered] = field(default_factory=list)
    unwritten: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)


def run_batch(cache: Cache, jobs_list: Sequence[Job], *, options: RenderOptions, catalogue: Catalogue,
              policy: Sequence[PolicyInput], stories: Sequence[StoryInput], jobs: int | None,
              observer: Observer, verbose: bool = False) -> BatchResult:
    """Render every job, ``jobs`` at a time; results in the order of ``jobs_list``."""
    from .note import Rendered

    total = len(jobs_list)
    # a worker's start (imports, the gemeente's rows, fonts) costs about as much as a dozen notes: by
    # default a few buurten render in this process, and more only get a process per PER_WORKER
    workers = max(1, min(jobs or min(default_jobs(), total // PER_WORKER), total))
    outcomes: dict[int, Outcome] = {}
    done = 0

    def report(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        for text in outcome.messages:
            observer.message(text)
        if outcome.error:
            observer.message(f"{outcome.code}: could not be rendered ({outcome.error})")
            if verbose and outcome.detail:
                observer.message(outcome.detail)
        else:
            observer.message(f"Rendered {outcome.code} ({done}/{total}, {outcome.seconds:.1f} s)")
        observer.progress("render", done, total)

    if workers == 1:
        worker = Worker(cache, options, catalogue, policy, stories)
        for i, job in enumerate(jobs_list):
            outcomes[i] = worker.run(job)
            report(outcomes[i])
    else:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        from ..report.formats import Format, preload

        preload(tuple(Format(f) for f in options.formats))  # a missing library is an ImportError here, not a dead pool
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init, initargs=(cache.root, options, catalogue, policy, stories))
        try:
            pending: dict[Future[Outcome], int] = {pool.submit(_run, job): i for i, job in enumerate(jobs_list)}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = pending.pop(fut)
                    try:
                        outcomes[i] = fut.result()
                    except BrokenProcessPool:  # a worker died (out of memory, killed): the rest cannot run
                        outcomes[i] = Outcome(jobs_list[i].code, error="the render process stopped unexpectedly "
                                              "(out of memory or killed?)")
                    _raise_fatal(outcomes[i])  # a broken template or cache stops the run here
                    report(outcomes[i])
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    result = BatchResult()
    for i in range(total):
        o = outcomes[i]
        if o.error:
            result.failed.append(o)
            continue
        result.rendered.append(Rendered(o.code, o.files, o.seconds))
        result.unwritten.extend(o.unwritten)
    return result


def failed_error(result: BatchResult) -> RenderFailed:
    """The error that ends a run in which some buurten failed (exit 1); it names them (at most ten)."""
    first = result.failed[0]
    n, ok = len(result.failed), len(result.rendered)
    others = [o.code for o in result.failed[1:10]] + (["…"] if n > 10 else [])
    return RenderFailed(
        f"{n} of {n + ok} buurten could not be rendered: {first.code} ({first.error})"
        + (f", {', '.join(others)}" if others else "") + (f"; the other {ok} were." if ok else "."),
        tip="Run again with --verbose to see why each failed, and report a bug if the data looks right.",
        written=tuple(f for r in result.rendered for f in r.files),
        failed=tuple(o.code for o in result.failed),
    )
