"""Fit the note on its pages with as few Typst layouts as possible.

- **One compiler per template, per process.** Typst memoises its work inside a compiler, so a
  second layout of nearly the same note costs a fraction of the first, and a query after a
  compile (the markers below) costs nothing.
- **Predict, then verify.** The first layout is of the fullest note (:class:`~.limits.Limits`
  as given). Its ``<flow>`` marker says where the two-column flow ends (page, column, y), so
  the overrun (or the free space) is known in points of column. :func:`estimate` predicts from
  the content how much each step of :func:`~.limits.steps` frees; the fit jumps to the first
  step predicted to fit and lays that out. The measured result corrects the prediction (a
  scale fitted on what the step really freed), between the last step that overflowed and the
  first that fitted (a bisection guided by the overrun). Usually one or two layouts.
- **Free space first.** A step is only taken when the one before it does not fit, so the free
  space of both pages is used before anything is left out; stories and policy items are left
  out whole (the notice in the domain says which and where they are).
- **Shared between formats.** The result is remembered per note content, template, page count
  and spare (:data:`_FITTED`): the HTML, Word and Markdown notes of the same note reuse it, and
  the PDF of the fitting layout is the PDF that is written.

:data:`STATS` counts layouts (for ``bench/`` and the tests).
"""

from __future__ import annotations

import atexit
import hashlib
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

from ..errors import UsageError
from . import flowsim, photos, templates
from .limits import Limits, allot, steps
from .model import Report
from .pdf_pages import page_count

TEMPLATE = "note.typ"
MAX_LAYOUTS = 5  # a fit never lays the note out more often than this
MARGIN = 6.0  # pt: aim this far inside the page (a table row or a heading may jump to the next column)
OVERSHOOT = 1.25  # free this much more than the overrun (a jumping table frees less than it removes)
BACK_FILL = ("changes", "highlights", "questions", "partner")  # what room left may win back
BACK_FILLS = 2  # at most this many layouts for that
SPARE_STEPS = 8  # at most this many (fine) steps beyond the fit may be given up to leave the spare free
ROOM = 40.0  # pt: with less room than this left, a fit does not try a fuller step
TRUST = 12.0  # pt: a step predicted (flowsim) to overflow by more than this is not laid out to check
UNKNOWN = 400.0  # pt: the same for a step whose flow is borrowed (flowsim.Predictions.known)
SCALE = 1.0  # the first guess of how many points a predicted point frees (each layout corrects it)
STATS = {"layouts": 0, "fits": 0, "reused": 0}

_COMPILERS: dict[str, Any] = {}
_FONTS: list[Any] = []
_PHOTO_DIR: list[Path] = []
_FITTED: dict[tuple[str, str, int, float], tuple[Limits, bytes, Report]] = {}
_FITTED_MAX = 64


def font_paths() -> list[str]:
    try:
        import font_lato

        return [str(Path(font_lato.__file__).parent / "files")]
    except ImportError:  # pragma: no cover - a dependency; Typst then falls back to its own serif
        return []


def _compiler(source: Path) -> Any:  # noqa: ANN401 - typst.Compiler
    """The process's compiler of this template (fonts are read once)."""
    import typst

    key = str(source.resolve())
    if key not in _COMPILERS:
        if not _FONTS:
            _FONTS.append(typst.Fonts(include_system_fonts=False, font_paths=font_paths()))
        _COMPILERS[key] = typst.Compiler(key, root=Path(key).anchor, font_paths=_FONTS[0],
                                         ignore_system_fonts=True)
    return _COMPILERS[key]


def _photo_dir() -> Path:
    if not _PHOTO_DIR:
        folder = Path(tempfile.mkdtemp(prefix="buurtscan-photos-"))
        atexit.register(shutil.rmtree, folder, True)
        _PHOTO_DIR.append(folder)
    return _PHOTO_DIR[0]


def photo_files(report: Report) -> dict[str, str]:
    """The story photos, cropped to 3:2 and scaled (:mod:`.photos`), as files named by their content.

    Typst reads images only from files; the template receives a map from the photo's name to
    that file's absolute path. The same photo keeps its file for the whole process, so a second
    layout finds it (and Typst's decoded image) again."""
    out: dict[str, str] = {}
    for d in report.domains:
        for s in d.stories:
            if s.foto is None or s.foto.name in out:
                continue
            data = photos.prepared(s.foto)
            if data is not None:
                target = _photo_dir() / f"foto-{hashlib.sha1(data).hexdigest()[:16]}.jpg"
                if not target.exists():
                    target.write_bytes(data)
                out[s.foto.name] = target.resolve().as_posix()
    return out


def model_json(report: Report) -> str:
    """The report model as JSON for the template (orjson reads the dataclasses directly)."""
    return orjson.dumps(report).decode()


@dataclass
class Layout:
    """One Typst layout of a note: the PDF and where its text ends."""

    pdf: bytes
    end: dict[str, float] | None  # the ``<end>`` marker: page, y, page height
    flow: dict[str, float] | None  # the ``<flow>`` marker: page, x, y, width, height, top, bottom
    parts: list[dict[str, Any]] | None = None  # the ``<part>`` markers (report/flowsim.py)

    def column(self) -> float:
        """The height of one column (pt)."""
        f = self.flow or {}
        return f.get("height", 841.89) - f.get("top", 28.35) - f.get("bottom", 35.43)

    def position(self) -> float | None:
        """Where the flow ends, in points along the columns of all pages (column 1 of page 1 first)."""
        f = self.flow
        if not f:
            return None
        col = 1 if f["x"] > f["width"] / 2 else 0
        return ((f["page"] - 1) * 2 + col) * self.column() + (f["y"] - f["top"])

    def fits(self, max_pages: int, spare: float) -> bool:
        """Within ``max_pages``, with ``spare`` of the last page's two columns left free."""
        over = self.overrun(max_pages, spare)
        if over is not None:
            return over <= 0.01 and (self.end is None or self.end["page"] <= max_pages)
        if self.end is None:
            pages = page_count(self.pdf)
            return pages is None or pages <= max_pages
        e = self.end  # a template without <flow>: the text must end above the spare
        return e["page"] < max_pages or (e["page"] == max_pages and e["y"] <= (1.0 - spare) * e["height"] + 0.01)

    def overrun(self, max_pages: int, spare: float) -> float | None:
        """Points of column beyond what fits (negative: free space left); None without a ``<flow>`` marker.

        The spare is a share of the last page: of its two columns together, so the text may
        still run into the second column of the last page."""
        pos = self.position()
        if pos is None:
            return None
        return pos - (2 * max_pages - 2 * spare) * self.column()


def layout(report: Report, *, user_dir: Path | None = None, measure: bool = False) -> Layout:
    """Lay the note out once (the PDF) and read its markers."""
    compiler, inputs, source = _prepare(report, user_dir, measure=measure)
    pdf = _run(lambda: compiler.compile(format="pdf", sys_inputs=inputs), source)
    parts = orjson.loads(_run(lambda: compiler.query("<part>", field="value"), source))
    return Layout(pdf, _last(compiler, "<end>", source), _last(compiler, "<flow>", source), parts or None)


def query(report: Report, selector: str, *, user_dir: Path | None = None, measure: bool = False) -> Any:  # noqa: ANN401
    """The values of a selector's metadata in the laid-out note (e.g. ``<fit>`` with ``measure``)."""
    compiler, inputs, source = _prepare(report, user_dir, measure=measure)
    _run(lambda: compiler.compile(format="pdf", sys_inputs=inputs), source)
    return orjson.loads(_run(lambda: compiler.query(selector, field="value"), source))


def _prepare(report: Report, user_dir: Path | None, *, measure: bool) -> tuple[Any, dict[str, str], Path]:
    source = templates.find(TEMPLATE, user_dir)
    inputs = {"data": model_json(report), "photos": orjson.dumps(photo_files(report)).decode(),
              "measure": "1" if measure else ""}
    STATS["layouts"] += 1
    return _compiler(source), inputs, source


def _last(compiler: Any, selector: str, source: Path) -> dict[str, float] | None:  # noqa: ANN401
    found = orjson.loads(_run(lambda: compiler.query(selector, field="value"), source))
    return found[-1] if found else None


def _run(call: Callable[[], Any], source: Path) -> Any:  # noqa: ANN401
    import typst

    try:
        return call()
    except typst.TypstError as exc:
        raise UsageError(
            f"The Typst template {source} does not compile: {str(exc).splitlines()[0]}",
            tip="Fix the template, or remove it from your --templates folder to use the packaged one.",
        ) from None


# ------------------------------------------------------------------ predicting heights
# Typst's note (templates/note.typ): 9 pt Lato in two columns of ~260 pt; details at 7 pt. The
# prediction needs only to be roughly right: each layout corrects its scale.
LINE = 10.4  # pt per line of running text (9 pt, leading 0.38 em)
PARA = 5.0  # pt between paragraphs and list items
SMALL_LINE = 8.2  # pt per line of 7 pt detail text
CHARS = 58  # characters per line of running text in a column
SMALL_CHARS = 74  # characters per line of 7 pt text in a column
ROW_CHARS = 30  # characters per line in a table's label column (8 pt label, 7 pt detail)
WIDE = 2.0  # a full-width line above the columns pushes both columns down


def _lines(text: str, chars: int) -> int:
    return max(1, math.ceil(len(text) / chars)) if text else 0


def _text(text: str, chars: int = CHARS) -> float:
    return _lines(text, chars) * LINE + PARA


def _row(f: Any) -> float:  # noqa: ANN401 - a Figure
    return _lines(f.label, ROW_CHARS) * 9.0 + _lines(f.detail, ROW_CHARS + 8) * SMALL_LINE + 3.0


def estimate(full: Report, limits: Limits) -> float:
    """The predicted height (pt of column) of what ``limits`` keeps of the fullest note ``full``
    — only the parts that a step changes; the rest is the same in every step."""
    top, domains = estimate_parts(full, limits)
    return WIDE * top + sum(head + body for head, body in domains)


def estimate_parts(full: Report, limits: Limits) -> tuple[float, list[tuple[float, float]]]:
    """The estimate by part: the top block's changing height ("Wat verandert", the similar
    sentence), and per domain its figure rows (head) and the rest that a step changes (body)."""
    top = sum(_text(c, CHARS * 2) for c in full.changes[: limits.changes])
    if limits.similar and full.similar:
        top += _text(full.similar, CHARS * 2)
    kept = allot([(len(d.policy), len(d.stories)) for d in full.domains], limits.items)
    out = []
    for i, (d, (n_pol, n_sto)) in enumerate(zip(full.domains, kept)):
        head = h = 0.0
        rows = d.figures
        if rows:
            per_row = sum(_row(f) for f in rows) / len(rows)
            head = per_row * min(len(rows), limits.figures - (len(full.domains) - 1 - i < limits.fewer_figures))
        h += sum(_text(t) for t in d.highlights[: limits.highlights])
        h += sum(_text(q, CHARS - 4) for q in d.questions[: limits.questions])
        if d.questions[: limits.questions]:
            h += SMALL_LINE
        partner = d.partner[: limits.partner]
        h += sum(_text(f"{p.label}: {p.value} ({p.compare}) — {p.source}") for p in partner)
        pol = d.policy[: min(n_pol, limits.policy)]
        h += sum(_text(" ".join((p.wat, p.waar, p.wanneer, "Bron: " + p.bron))) for p in pol)
        sto = d.stories[: min(n_sto, limits.stories)]
        for s in sto:
            text = _text(f"“{s.tekst}” — {s.wie}, {s.wanneer} ({s.soort})", CHARS - 4)
            h += max(text, 62.0) if s.foto is not None else text
        h += SMALL_LINE * (bool(partner) + bool(pol) + bool(sto))  # their headings
        if len(pol) < len(d.policy) or len(sto) < len(d.stories):
            h += SMALL_LINE * 2  # the notice that says what was left out
        out.append((head, h))
    return top, out


# ------------------------------------------------------------------ the fit
@dataclass(frozen=True)
class Fitted:
    report: Report
    pdf: bytes
    limits: Limits
    fits: bool
    layouts: int  # Typst layouts this fit took (0: shared from an earlier fit)


def fit(build: Callable[[Limits], Report], limits: Limits, *, max_pages: int = 2, spare: float = 0.0,
        user_dir: Path | None = None) -> Fitted:
    """The fullest report (``build(step)``) whose PDF note fits on ``max_pages`` pages.

    ``spare`` is the share of the last page that must stay free below the text (for a Word
    note, which sets the same text a little longer)."""
    STATS["fits"] += 1
    full = build(limits)
    key = (hashlib.sha1(model_json(full).encode()).hexdigest(), str(templates.find(TEMPLATE, user_dir)),
           max_pages, spare)
    if key in _FITTED:
        STATS["reused"] += 1
        step, pdf, report = _FITTED[key]
        return Fitted(report, pdf, step, True, 0)
    chain = steps(limits, items=sum(len(d.policy) + len(d.stories) for d in full.domains))
    predicted = [estimate(full, s) for s in chain]
    keep = [k for k in range(len(chain)) if k == 0 or predicted[k] != predicted[k - 1]]  # a step that
    chain, predicted = [chain[k] for k in keep], [predicted[k] for k in keep]  # changes nothing is skipped
    tried: dict[int, tuple[Report, Layout]] = {}

    def lay(k: int) -> Layout:
        report = full if k == 0 else build(chain[k])
        tried[k] = (report, layout(report, user_dir=user_dir))
        return tried[k][1]

    k, scale, lo, hi = 0, SCALE, -1, len(chain)  # lo: the last step known to overflow; hi: the first known to fit
    measured: dict[int, float] = {}  # step → its overrun (negative: room left)
    first = lay(0)
    model: flowsim.Predictions | None = None
    photos = any(s.foto is not None for d in full.domains for s in d.stories)  # a photo story is one piece too
    if not first.fits(max_pages, 0.0) and getattr(full, "audience", "") != "bewoners" and not photos:
        model = flowsim.Predictions(full, estimate_parts)  # (the resident note lists its figures: no table)
        if not model.learn(chain[0], first.parts, first.flow):
            model = None  # a template without the <part> markers
    if model is not None:  # the measured flow predicts every step
        lo, hi = _search(chain, [model(s) for s in chain], model, tried, lay, max_pages)
        for j in tried:  # the estimate's scale (back-fill, spare) from what the last two steps really freed
            if (o := tried[j][1].overrun(max_pages, 0.0)) is not None:
                measured[j] = o
        scale = _scale(measured, predicted, scale)
        k = -1  # the plain search below is skipped
    while k >= 0:
        now = tried[k][1] if k in tried else lay(k)
        over = now.overrun(max_pages, 0.0)
        if now.fits(max_pages, 0.0):
            hi = k
        else:
            lo = k
        if over is None:  # a template without the <flow> marker: one step at a time
            nxt: int | None = k + 1 if k == lo and k + 1 < len(chain) else None
        else:
            measured[k] = over
            scale = _scale(measured, predicted, scale)
            nxt = _next(predicted, k, over, scale, lo, hi)
        if nxt is None or nxt in tried or not lo < nxt < hi or len(tried) >= MAX_LAYOUTS:
            break
        k = nxt
    while model is None and 0 < hi < len(chain) and hi - 1 > lo and hi - 1 not in tried and len(tried) <= MAX_LAYOUTS:
        room = tried[hi][1].overrun(max_pages, 0.0)  # the search ran out of layouts with room left:
        if room is None or -room < ROOM + MARGIN or not lay(hi - 1).fits(max_pages, 0.0):  # the next fuller step
            break
        hi -= 1
    if hi < len(chain) and spare:
        flowed = [model(s) for s in chain] if model is not None else None  # the spare is large: the flow sees
        hi = _with_spare(hi, chain, flowed or predicted, 1.0 if flowed else scale, tried, lay, max_pages, spare,
                         attempts=2 if flowed else 1)
    if hi < len(chain):
        kept = spare if tried[hi][1].fits(max_pages, spare) else 0.0
        hi = _back_fill(hi, limits, lambda s: estimate(full, s), chain, predicted, scale, tried, lay, max_pages, kept)
    if hi < len(chain):
        report, made = tried[hi]
        result = Fitted(report, made.pdf, chain[hi], True, len(tried))
    else:  # nothing tried fits: the tightest note there is
        if len(chain) - 1 not in tried:
            lay(len(chain) - 1)
        report, made = tried[len(chain) - 1]
        result = Fitted(report, made.pdf, chain[-1], made.fits(max_pages, spare), len(tried))
    if result.fits:
        if len(_FITTED) >= _FITTED_MAX:
            _FITTED.pop(next(iter(_FITTED)))
        _FITTED[key] = (result.limits, result.pdf, result.report)
    return result


def _back_fill(hi: int, base: Limits, estimated: Callable[[Limits], float], chain: list[Limits],
               predicted: list[float], scale: float,
               tried: dict[int, tuple[Report, Layout]], lay: Callable[[int], Layout], max_pages: int,
               spare: float) -> int:
    """Room left after a big step (the similar-buurten sentence, a row per domain) goes back to the
    small things given up before it: one more sentence of "Wat verandert", highlight, question,
    partner figure — each only when predicted to fit, and laid out to
    check (at most :data:`BACK_FILLS` more layouts). The new step joins ``chain``."""
    fills = 0
    for name in BACK_FILL * 2:  # a second round may win back one more of the same
        cur = chain[hi]
        have, want = getattr(cur, name), getattr(base, name)
        if have == want or fills >= BACK_FILLS:
            continue
        over = tried[hi][1].overrun(max_pages, spare)
        if over is None:
            return hi
        cand = replace(cur, **{name: True if isinstance(want, bool) else have + 1})
        if cand in chain:  # a step already laid out (or known too full: before the fit)
            continue
        guess = estimated(cand)
        if not 0 < (guess - predicted[hi]) * min(scale, 1.0) <= (-over - MARGIN) * 0.8:
            continue
        chain.append(cand)
        predicted.append(guess)
        fills += 1
        if lay(len(chain) - 1).fits(max_pages, spare):
            hi = len(chain) - 1
    return hi


def _with_spare(hi: int, chain: list[Limits], predicted: list[float], scale: float,
                tried: dict[int, tuple[Report, Layout]], lay: Callable[[int], Layout], max_pages: int,
                spare: float, attempts: int = 1) -> int:
    """The step that also leaves the spare free, if at most :data:`SPARE_STEPS` steps beyond ``hi``
    get there (``attempts`` more layouts, each correcting the scale); else ``hi``: the spare is
    worth a little content, not much."""
    over = tried[hi][1].overrun(max_pages, spare)
    if over is None or over <= 0:
        return hi
    for j in range(hi + 1, min(hi + SPARE_STEPS, len(chain) - 1) + 1):
        guess = (predicted[hi] - predicted[j]) * scale
        if guess >= over + MARGIN and attempts > 0:  # predicted to get there: try it
            made = tried[j][1] if j in tried else lay(j)
            if made.fits(max_pages, spare):
                return j
            attempts -= 1
            freed = over - (made.overrun(max_pages, spare) or over)
            scale *= min(max(freed / guess, 0.3), 1.0)  # it freed less than predicted
    return hi


def _search(chain: list[Limits], predicted: list[float], model: flowsim.Predictions,
            tried: dict[int, tuple[Report, Layout]], lay: Callable[[int], Layout], max_pages: int) -> tuple[int, int]:
    """The fullest step that fits, guided by the measured flow's predictions (:mod:`.flowsim`).

    Each layout corrects the predictions by its error. A step is laid out when predicted to
    fit (the fullest such between the last that overflowed and the first that fitted); the
    search stops when every step between them is predicted to overflow by more than
    :data:`TRUST`, or after :data:`MAX_LAYOUTS`. Returns (lo, hi): the last step known to
    overflow and the first known to fit (``len(chain)``: none)."""
    lo, hi, err = -1, len(chain), {True: 0.0, False: 0.0}
    first = tried[0][1]
    cap = first.position() - first.overrun(max_pages, 0.0)  # type: ignore[operator]  # the room of the pages
    k = 0
    while True:
        made = tried[k][1] if k in tried else lay(k)
        if made.fits(max_pages, 0.0):
            hi = k
        else:
            lo = k
        if not model.known(chain[k]) and model.learn(chain[k], made.parts, made.flow):
            predicted[:] = [model(s) for s in chain]  # the first step of its kind: measured
        err[chain[k].similar] = made.position() - predicted[k]  # type: ignore[operator]
        between = [j for j in range(lo + 1, hi) if j not in tried]
        if not between or len(tried) >= MAX_LAYOUTS:
            return lo, hi
        over = {j: predicted[j] + err[chain[j].similar] - cap for j in between}
        fits = [j for j in over if over[j] <= -MARGIN]
        if fits:
            k = fits[0]  # the fullest predicted to fit
        elif hi < len(chain) and all(o > (TRUST if model.known(chain[j]) else UNKNOWN) for j, o in over.items()):
            return lo, hi  # nothing fuller is expected to fit
        else:
            k = min(between, key=lambda j: (round(over[j], 1), j))  # the closest to fitting, the fullest


def _scale(measured: dict[int, float], predicted: list[float], scale: float) -> float:
    """How many points a predicted point really frees, from the two steps laid out last."""
    if len(measured) < 2:
        return scale
    (a, oa), (b, ob) = list(measured.items())[-2:]
    guess, real = predicted[a] - predicted[b], oa - ob
    if abs(guess) < 1.0 or real * guess <= 0:
        return scale
    return min(max(real / guess, 0.6), 2.5)


def _next(predicted: list[float], k: int, over: float, scale: float, lo: int, hi: int) -> int | None:
    """The step to lay out next (between ``lo`` and ``hi``), or None when the fit is found.

    Overflowing: the first step predicted to free the overrun (with some to spare, as a jump of
    a table to the next column frees less than it removes). Fitting with much room left: the
    loosest step predicted to fit in that room — the free space goes to content."""
    if k == lo:
        need = over * OVERSHOOT + MARGIN
        for j in range(k + 1, hi):
            if (predicted[k] - predicted[j]) * scale >= need:
                return j
        return hi - 1 if hi - 1 > k else None
    room = -over - MARGIN
    if room < ROOM:
        return None
    for j in range(lo + 1, k):
        if (predicted[j] - predicted[k]) * scale <= room * 0.8:
            return j
    return None
