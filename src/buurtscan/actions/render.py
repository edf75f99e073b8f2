"""`buurtscan render`: scans → report models → files, for one region or a whole gemeente.

Files are named predictably: ``<out>/<CODE>-<name>.<ext>`` (``BU05183620-moerwijk-oost.pdf``)
and written atomically. Each run is recorded in ``<cache>/renders.json`` (what was written,
with which options, every path absolute) so that ``buurtscan refresh --render`` can redo it
after new data, from any working folder. The record is read, changed and written under the
cache lock, so two renders at once both land.

A file that cannot be written (full disk, read-only ``--out``) does not stop the others: the
rest are written, and the run ends with one :class:`~buurtscan.errors.OutputError` (exit 5)
naming what failed. A broken user template (Jinja, Typst, ``note.docx``) is a UsageError
(exit 2) naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..cache import Cache, atomic_write_bytes
from ..catalogue import load
from ..errors import CacheError, OutputError, UsageError
from ..observe import NullObserver, Observer
from ..regions import parse_code
from ..report.build import PolicyInput, StoryInput
from ..settings import Settings
from ..provenance import utc_now
from ..report import formats as _formats
from .note import Rendered, RenderOptions, file_stem, fit_note  # noqa: F401 - re-exported (the API, the tests)

NOTE_FORMATS = tuple(f.value for f in _formats.NOTE_FORMATS)
FORMATS = tuple(f.value for f in _formats.Format)
EXTENSIONS = {f.value: f.extension for f in _formats.Format}
RENDERS_FILE = "renders.json"
AUDIENCES = ("professionals", "bewoners")


def parse_formats(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in names if f not in FORMATS]
    if bad or not names:
        raise UsageError(f"Unknown format '{bad[0] if bad else text}'.", tip=f"Formats: {', '.join(FORMATS)}.")
    return tuple(_formats.Format(f) for f in names)


def parse_audience(text: str) -> str:
    audience = text.strip().lower()
    if audience not in AUDIENCES:
        raise UsageError(f"Unknown --voor '{text}'.", tip=f"Choose one of: {', '.join(AUDIENCES)}.")
    return audience


def render(
    settings: Settings,
    codes: Sequence[str] = (),
    *,
    gemeente: str | None = None,
    options: RenderOptions = RenderOptions(),
    cache: Cache | None = None,
    record: bool = True,
    observer: Observer | None = None,
    jobs: int | None = None,
    all_cached: bool = False,
    verbose: bool = False,
) -> list[Rendered]:
    """Render the notes/decks; returns what was written per region.

    ``jobs`` buurten are rendered at once (default: one per core; see :mod:`.batch`), and
    ``all_cached`` adds every gemeente with cached buurten. Some buurten failing ends the run
    with :class:`~buurtscan.actions.batch.RenderFailed` (exit 1) after the others were written."""
    observer = observer or NullObserver()
    cache = cache or Cache(settings.cache_dir)
    if not codes and not gemeente and not all_cached:
        raise UsageError("Name a region code, --gemeente or --all-cached.",
                         tip="For example: buurtscan render BU05183620")
    catalogue = load()
    policy: list[PolicyInput] = []
    stories: list[StoryInput] = []
    if options.policy or options.stories:
        from ..policy_stories import read_policy, read_stories

        policy = read_policy(options.policy, catalogue) if options.policy else []
        stories = read_stories(options.stories, catalogue) if options.stories else []
    targets = [parse_code(c).code for c in codes]
    by_gemeente: dict[str, list[str]] = {}
    whole: set[str] = set()  # gemeenten of which every cached buurt is rendered (--gemeente, --all-cached)
    if gemeente:
        gm = parse_code(gemeente)
        if gm.level != "gemeente":
            raise UsageError(f"--gemeente needs a gemeentecode such as GM0518, got '{gemeente}'.")
        by_gemeente[gm.code] = []
        whole.add(gm.code)
    if all_cached:
        from .batch import cached_gemeenten

        for gm_code in cached_gemeenten(cache):
            by_gemeente.setdefault(gm_code, [])
            whole.add(gm_code)
    for code in targets:
        rc = parse_code(code)
        if rc.gemeente is None:
            raise UsageError("A scan is made for a buurt, wijk or gemeente, not for Nederland.")
        by_gemeente.setdefault(rc.gemeente, []).append(code)
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {options.out_dir}: cannot be created ({exc.strerror or exc}).",
                          tip="Choose a folder you can write to with --out.") from None
    from .batch import Job, cached_buurten, failed_error, run_batch

    jobs_list = []
    for gm_code, wanted in by_gemeente.items():
        if gm_code in whole:  # every cached buurt of it, then any other code asked for (a wijk)
            buurten = cached_buurten(cache, gm_code)
            if not buurten:
                raise UsageError(f"Nothing is cached for {gm_code}.",
                                 tip=f"Fetch it first: buurtscan fetch --gemeente {gm_code}")
            wanted = buurten + [c for c in dict.fromkeys(wanted) if c not in buurten]
        jobs_list += [Job(gm_code, code) for code in wanted]
    batch = run_batch(cache, jobs_list, options=options, catalogue=catalogue, policy=policy, stories=stories,
                      jobs=jobs, observer=observer, verbose=verbose)
    results, failed = batch.rendered, batch.unwritten
    if record and any(r.files for r in results):
        _record(cache, codes=targets, gemeente=gemeente, options=options, results=results, all_cached=all_cached)
    if failed:
        done = sum(len(r.files) for r in results)
        first, reason = failed[0]
        raise OutputError(
            f"{len(failed)} of {len(failed) + done} files could not be written to {options.out_dir} "
            f"({first.name}: {reason}); the other {done} were written.",
            tip="Free disk space or choose a writable folder with --out, then render again.",
            written=tuple(f for r in results for f in r.files),
        )
    if batch.failed:
        raise failed_error(batch)
    return results


def _record(cache: Cache, *, codes: Sequence[str], gemeente: str | None, options: RenderOptions,
            results: Sequence[Rendered], all_cached: bool = False) -> None:
    """Remember this render (for `refresh --render`); a later render with the same target replaces it.

    Read, changed and written under the cache lock: two renders at once both stay recorded."""
    path = cache.root / RENDERS_FILE
    entry = {
        "codes": list(codes),
        "gemeente": parse_code(gemeente).code if gemeente else None,
        "options": {**options.as_dict(), "out_dir": str(options.out_dir.resolve())},
        "files": [str(f.resolve()) for r in results for f in r.files],
        "rendered_at": utc_now(),
        **({"all_cached": True} if all_cached else {}),
    }
    same = lambda e: (e.get("codes"), e.get("gemeente"), e.get("all_cached", False),  # noqa: E731
                      e.get("options", {}).get("out_dir"),
                      e.get("options", {}).get("formats"), e.get("options", {}).get("audience", "professionals"))
    try:
        with cache.locked():
            entries = [e for e in recorded(cache) if same(e) != same(entry)] + [entry]
            atomic_write_bytes(path, json.dumps(entries, indent=2, ensure_ascii=False).encode())
    except CacheError as exc:
        raise CacheError(f"Cannot record the render in {path}: {exc.message}", tip=exc.tip) from None


def _valid_entry(e: object) -> bool:
    if not isinstance(e, dict):
        return False
    codes, options = e.get("codes", []), e.get("options", {})
    return (isinstance(codes, list) and all(isinstance(c, str) for c in codes)
            and isinstance(e.get("gemeente"), (str, type(None))) and isinstance(options, dict)
            and all(isinstance(v, (str, type(None))) or (k == "similar_k" and isinstance(v, int))
                    for k, v in options.items() if k != "formats")
            and isinstance(options.get("formats", []), list))


def recorded(cache: Cache) -> list[dict[str, Any]]:
    """The recorded renders; entries of the wrong shape are left out (a damaged file is empty), so
    ``codes`` is a list of str, ``gemeente`` a str or None and ``options`` a dict (see _valid_entry)."""
    path = cache.root / RENDERS_FILE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
    return [e for e in data if _valid_entry(e)] if isinstance(data, list) else []
