"""`buurtscan render`: scans → report models → files, for one region or a whole gemeente.

Files are named predictably: ``<out>/<CODE>-<name>.<ext>`` (``BU05183620-moerwijk-oost.pdf``)
and written atomically. Each run is recorded in ``<cache>/renders.json`` (what was written,
with which options) so that ``buurtscan refresh --render`` can redo it after new data.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .cache import Cache, atomic_write_bytes
from .catalogue import load
from .errors import CacheError, UsageError
from .text import fold
from .observe import NullObserver, Observer
from .regions import parse_code
from .report.build import Limits, PolicyInput, StoryInput, build_report
from .report.model import Report
from .scan import GemeenteData, Scan
from .settings import Settings
from .provenance import utc_now

NOTE_FORMATS = ("html", "pdf", "docx", "md")
FORMATS = (*NOTE_FORMATS, "pptx")
EXTENSIONS = {"html": "html", "pdf": "pdf", "docx": "docx", "md": "md", "pptx": "pptx"}
RENDERS_FILE = "renders.json"


def _renderer(fmt: str) -> Callable[..., bytes]:
    """The renderer of a format, imported only when used (typst, python-docx, python-pptx are heavy)."""
    if fmt == "html":
        from .report.html_note import render
    elif fmt == "pdf":
        from .report.pdf_note import render
    elif fmt == "docx":
        from .report.word_note import render
    elif fmt == "md":
        from .report.markdown_note import render
    elif fmt == "pptx":
        from .report.pptx_deck import render
    else:  # pragma: no cover - parse_formats rejects others
        raise ValueError(fmt)
    return render


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...] = ("html", "pdf")
    out_dir: Path = Path("out")
    templates: Path | None = None
    policy: Path | None = None
    stories: Path | None = None
    deck_template: Path | None = None
    limits: Limits = field(default_factory=Limits)
    similar_k: int = 10  # vergelijkbare buurten per buurt

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("limits")
        return {k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


@dataclass(frozen=True)
class Rendered:
    code: str
    files: tuple[Path, ...]
    seconds: float


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UsageError(f"Unknown format '{bad[0] if bad else text}'.", tip=f"Formats: {', '.join(FORMATS)}.")
    return formats


def file_stem(report: Report) -> str:
    name = fold(report.title.removeprefix("Buurtscan ")).replace(" ", "-")
    return f"{report.code}-{re.sub(r'[^a-z0-9-]+', '', name)[:60]}".rstrip("-")


def render(
    settings: Settings,
    codes: Sequence[str] = (),
    *,
    gemeente: str | None = None,
    options: RenderOptions = RenderOptions(),
    cache: Cache | None = None,
    record: bool = True,
    observer: Observer | None = None,
) -> list[Rendered]:
    """Render the notes/decks; returns what was written per region."""
    observer = observer or NullObserver()
    cache = cache or Cache(settings.cache_dir)
    if not codes and not gemeente:
        raise UsageError("Name a region code or --gemeente.", tip="For example: buurtscan render BU05183620")
    catalogue = load()
    policy: list[PolicyInput] = []
    stories: list[StoryInput] = []
    if options.policy or options.stories:
        from .report.inputs import read_policy, read_stories

        policy = read_policy(options.policy, catalogue) if options.policy else []
        stories = read_stories(options.stories, catalogue) if options.stories else []
    renderers = {fmt: _renderer(fmt) for fmt in options.formats}
    targets = [parse_code(c).code for c in codes]
    by_gemeente: dict[str, list[str]] = {}
    if gemeente:
        gm = parse_code(gemeente)
        if gm.level != "gemeente":
            raise UsageError(f"--gemeente needs a gemeentecode such as GM0518, got '{gemeente}'.")
        by_gemeente[gm.code] = []
    for code in targets:
        rc = parse_code(code)
        if rc.gemeente is None:
            raise UsageError("A scan is made for a buurt, wijk or gemeente, not for Nederland.")
        by_gemeente.setdefault(rc.gemeente, []).append(code)
    try:
        options.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {options.out_dir}: cannot be created ({exc.strerror}).") from None
    results: list[Rendered] = []
    total = sum(len(v) for v in by_gemeente.values())
    for gm, wanted in by_gemeente.items():
        data = GemeenteData(cache, gm, catalogue, options.similar_k)
        if not wanted:  # --gemeente: every cached buurt of it
            wanted = data.codes("buurt")
            if not wanted:
                raise UsageError(f"Nothing is cached for {gm}.", tip=f"Fetch it first: buurtscan fetch --gemeente {gm}")
            total += len(wanted)
        for code in wanted:
            start = time.perf_counter()
            observer.message(f"Rendering {code}")
            scan = data.scan(code)
            if any(fmt in NOTE_FORMATS for fmt in options.formats):
                report, pdf = fit_note(scan, policy, stories, options, observer)
            else:  # only the deck: it fits its own text, no note to measure
                report, pdf = build_report(scan, policy=policy, stories=stories, limits=options.limits), None
            stem = file_stem(report)
            written = []
            for fmt, fn in renderers.items():
                target = options.out_dir / f"{stem}.{EXTENSIONS[fmt]}"
                kwargs = {"user_dir": options.templates}
                if fmt == "pptx":
                    kwargs["deck_template"] = options.deck_template
                atomic_write_bytes(target, pdf if fmt == "pdf" and pdf else fn(report, **kwargs))
                written.append(target)
            results.append(Rendered(code, tuple(written), time.perf_counter() - start))
            observer.progress("render", len(results), total)
    if record:
        _record(cache, codes=targets, gemeente=gemeente, options=options, results=results)
    return results


def fit_note(scan: Scan, policy: Sequence[PolicyInput], stories: Sequence[StoryInput], options: RenderOptions,
             observer: Observer, max_pages: int = 2) -> tuple[Report, bytes | None]:
    """The report with the largest limits whose PDF note fits on ``max_pages`` A4 pages.

    The note is laid out with Typst to measure it; every format then gets the same content,
    so the HTML, Word and Markdown notes say what the PDF says. Returns the PDF too.
    """
    from .report.pdf_note import page_count
    from .report.pdf_note import render as render_pdf

    limits: Limits | None = options.limits
    report, pdf = None, None
    while limits is not None:
        report = build_report(scan, policy=policy, stories=stories, limits=limits)
        pdf = render_pdf(report, user_dir=options.templates)
        pages = page_count(pdf)
        if pages is None or pages <= max_pages:
            return report, pdf
        limits = limits.tighter()
    assert report is not None
    observer.message(f"{report.code}: the note is longer than {max_pages} pages even when cut to the minimum.")
    return report, pdf


def _record(cache: Cache, *, codes: Sequence[str], gemeente: str | None, options: RenderOptions,
            results: Sequence[Rendered]) -> None:
    """Remember this render (for `refresh --render`); a later render with the same target replaces it."""
    path = cache.root / RENDERS_FILE
    try:
        entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    except (OSError, json.JSONDecodeError):
        entries = []
    entry = {
        "codes": list(codes),
        "gemeente": parse_code(gemeente).code if gemeente else None,
        "options": {**options.as_dict(), "out_dir": str(options.out_dir.resolve())},
        "files": [str(f.resolve()) for r in results for f in r.files],
        "rendered_at": utc_now(),
    }
    same = lambda e: (e.get("codes"), e.get("gemeente"), e.get("options", {}).get("out_dir"),  # noqa: E731
                      e.get("options", {}).get("formats"))
    entries = [e for e in entries if same(e) != same(entry)] + [entry]
    try:
        cache.root.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, json.dumps(entries, indent=2, ensure_ascii=False).encode())
    except OSError as exc:
        raise CacheError(f"Cannot record the render in {path} ({exc.strerror}).") from None


def recorded(cache: Cache) -> list[dict[str, object]]:
    path = cache.root / RENDERS_FILE
    if not path.exists():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
