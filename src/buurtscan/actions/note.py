"""One note of `render`: its options, the fitted report and the renderer call, shared by the
sequential path (:mod:`.render`) and the process pool (:mod:`.batch`).

Below both: :mod:`.render` plans the run and hands the jobs to :mod:`.batch`, whose workers
fit and render each note with the functions here, so neither imports the other for them.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import BuurtscanError, UsageError
from ..observe import Observer
from ..report import formats as _formats
from ..report.build import Limits, PolicyInput, StoryInput, build_report
from ..report.model import Report
from ..scan import Scan
from ..text import fold

WORD_SPARE = 0.25  # share of the last PDF page left free when a Word or HTML note is made too
RESIDENT_PAGES = 3  # the resident version's larger text (11 pt) may take a third page


@dataclass(frozen=True)
class RenderOptions:
    formats: tuple[str, ...] = ("html", "pdf")
    out_dir: Path = Path("out")
    templates: Path | None = None
    policy: Path | None = None
    stories: Path | None = None
    deck_template: Path | None = None
    limits: Limits = field(default_factory=Limits)
    audience: str = "professionals"  # or "bewoners": the resident version (larger text, plainer, stories first)
    similar_k: int = 10  # vergelijkbare buurten per buurt

    def as_dict(self) -> dict[str, object]:
        """The options with every path made absolute (refresh replays them from cron's folder)."""
        d = asdict(self)
        d.pop("limits")
        return {k: (str(v.resolve()) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
                for k, v in d.items()}


@dataclass(frozen=True)
class Rendered:
    code: str
    files: tuple[Path, ...]
    seconds: float


def file_stem(report: Report) -> str:
    name = fold(report.title.removeprefix("Buurtscan ")).replace(" ", "-")
    stem = f"{report.code}-{re.sub(r'[^a-z0-9-]+', '', name)[:60]}".rstrip("-")
    return stem + ("-bewoners" if getattr(report, "audience", "") == "bewoners" else "")


def run_renderer(fmt: str, fn: _formats.Renderer, report: Report, given: _formats.RenderInput,
                  options: RenderOptions) -> bytes:
    """Run a renderer; a broken user template becomes a UsageError naming it (exit 2)."""
    import jinja2

    try:
        return fn(report, given)
    except BuurtscanError:
        raise
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or getattr(exc, "name", None) or f"the {fmt} template"
        line = getattr(exc, "lineno", None)
        detail = " ".join(str(getattr(exc, "message", None) or exc).split())[:200]
        raise UsageError(
            f"The template {where}{f' (line {line})' if line else ''} cannot be used: {detail}.",
            tip="Fix the template, or remove it from your --templates folder to use the packaged one.",
        ) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        user = _user_template(fmt, options)
        if user is None:
            raise
        raise UsageError(
            f"The template {user} cannot be used ({type(exc).__name__}: {' '.join(str(exc).split())[:160]}).",
            tip="Save it again from Word (as .docx) or remove it from your --templates folder to use the "
            "packaged one.",
        ) from None
    except Exception as exc:  # lxml and python-docx raise their own types for a damaged file
        user = _user_template(fmt, options)
        if user is None or type(exc).__module__.split(".")[0] not in ("lxml", "docx", "pptx"):
            raise
        raise UsageError(f"The template {user} cannot be used ({type(exc).__name__}).",
                         tip="Remove it from your --templates folder to use the packaged one.") from None


def _user_template(fmt: str, options: RenderOptions) -> Path | None:
    """The user's template file that a renderer of this format reads, if any."""
    name = _formats.Format(fmt).user_template
    if fmt == _formats.Format.PPTX and options.deck_template is not None:
        return options.deck_template
    if options.templates is None or name is None:
        return None
    candidate = options.templates / name
    return candidate if candidate.is_file() else None


def fit_note(scan: Scan, policy: Sequence[PolicyInput], stories: Sequence[StoryInput], options: RenderOptions,
             observer: Observer, max_pages: int = 2) -> tuple[Report, bytes | None]:
    """The report with the largest limits whose PDF note fits on ``max_pages`` A4 pages.

    The note is laid out with Typst to measure it (:mod:`.report.fitting`: predicted, then
    verified in one or two layouts); every format then gets the same content, so the HTML,
    Word and Markdown notes say what the PDF says. Returns the PDF too.
    """
    from ..report.fitting import fit

    # Word sets the same text a little longer than Typst (its own line breaking, table rows and
    # spacing): with a Word note, the PDF must leave room at the foot of its last page.
    spare = WORD_SPARE if {"docx", "html"} & set(options.formats) else 0.0
    fitted = fit(lambda limits: build_report(scan, policy=policy, stories=stories, limits=limits,
                                             policy_file=options.policy, stories_file=options.stories,
                                             audience=options.audience),
                 options.limits, max_pages=max_pages, spare=spare, user_dir=options.templates)
    if not fitted.fits:
        observer.message(f"{fitted.report.code}: the note is longer than {max_pages} pages even when cut to the "
                         "minimum.")
    return fitted.report, fitted.pdf
