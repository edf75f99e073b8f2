"""Predict where the note's two-column flow ends for any step, from one measured layout.

The packaged ``note.typ`` marks where each part of the flow starts (``<part>``: a domain, its
body after the figure table, the closing), and where the flow ends (``<flow>``). From the
layout of the fullest note, :func:`measure` reads each part's real height. A domain's head
(rule, heading and figure table) is one unbreakable piece: it moves to the next column whole
when it does not fit. Its body (highlights, partner figures, plans, stories, questions) and
the closing are text that runs on into the next column.

:meth:`Flow.position` then shrinks each part by what a step leaves out — the estimated height
of the left-out items (:mod:`.fitting`'s estimates), scaled by how the estimate of that part
compares with its measured height — and packs the parts into the columns again, as Typst does.
A smaller step can therefore free much more than it removes (a table that moves back into
the column before it) or nothing at all (the room opens above a table that stays where it
is): the jumps that make a plain sum of heights a poor guess.

It is a prediction: the fit still lays out what it chooses and checks the layout. Without
the markers (a user's own template) :func:`measure` returns None and the fit uses the plain
estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .limits import Limits
from .model import Report

HEADER = 24.0  # pt: rule, heading and table header of a domain, besides its rows (estimate)
LINE = 10.0  # pt: about a line; a marker this close to a column's top starts that column
EPS = 0.5  # pt: a piece this much over the column bottom still fits (rounding)
SCALE_RANGE = (0.5, 1.6)  # how far a part's measured height may correct its estimate


@dataclass(frozen=True)
class Part:
    kind: str  # "head" (unbreakable), "body" or "closing" (text that runs on)
    domain: int  # the domain's index (-1: the closing)
    height: float  # pt, as laid out in the fullest note


@dataclass(frozen=True)
class Flow:
    """The measured flow of the fullest note and how to pack it again."""

    parts: tuple[Part, ...]
    top: float  # y where the flow starts on page 1 (pt)
    page_top: float  # y where a column starts on the next pages
    bottom: float  # y where every column ends
    column: float  # the height of a full column (page 2 on)
    offset: float  # the real end minus the packed end of the fullest note (pt along the columns)

    def pack(self, heights: Sequence[float], top_shift: float = 0.0) -> float:
        """Where the flow ends, in pt along the columns (as :meth:`.fitting.Layout.position`);
        ``top_shift``: how much higher the flow starts on page 1 (a smaller top block)."""
        first = self.top - top_shift

        def top(col: int) -> float:
            return first if col < 2 else self.page_top

        col, y = 0, first
        for part, h in zip(self.parts, heights, strict=True):
            if part.kind == "head":
                if y + h > self.bottom + EPS and y > top(col) + EPS:
                    col, y = col + 1, top(col + 1)
                y += h
                continue
            while y + h > self.bottom + EPS:
                h -= max(self.bottom - y, 0.0)
                col, y = col + 1, top(col + 1)
            y += h
        return col * self.column + (y - self.page_top) + self.offset


def _column(p: dict[str, float], width: float) -> int:
    return int((p["page"] - 1) * 2 + (1 if p["x"] > width / 2 else 0))


def measure(parts: list[dict[str, Any]] | None, flow: dict[str, float] | None, n_domains: int) -> Flow | None:
    """The flow of a laid-out note from its ``<part>`` and ``<flow>`` markers (None without them)."""
    if not parts or not flow or len(parts) != 2 * n_domains + 1:
        return None
    kinds = [p.get("what") for p in parts]
    if kinds != ["domain", "body"] * n_domains + ["closing"]:
        return None
    width, page_top = flow["width"], flow["top"]
    bottom = flow["height"] - flow["bottom"]
    top = parts[0]["y"] if parts[0]["page"] == 1 else page_top
    column = bottom - page_top

    def col_top(c: int) -> float:
        return top if c < 2 else page_top

    def span(a: dict[str, float], b: dict[str, float], *, jumps: bool) -> float:
        ca, cb = _column(a, width), _column(b, width)
        if ca == cb:
            return max(b["y"] - a["y"], 0.0)
        if jumps and b["y"] - col_top(cb) > LINE:  # an unbreakable piece that did not fit: it moved on
            return max(b["y"] - col_top(cb), 0.0)
        if jumps:  # the piece ended at the bottom of its column; what follows starts the next one
            return max(bottom - a["y"], 0.0)
        return (bottom - a["y"]) + (cb - ca - 1) * column + (b["y"] - col_top(cb))

    out = []
    marks = [*parts, {**flow, "what": "end"}]
    for i in range(len(parts)):
        a, b = marks[i], marks[i + 1]
        kind = {"domain": "head", "body": "body"}.get(str(a["what"]), "closing")
        out.append(Part(kind, i // 2 if kind != "closing" else -1, span(a, b, jumps=kind == "head")))
    model = Flow(tuple(out), top, page_top, bottom, column, 0.0)
    real = _column(flow, width) * column + (flow["y"] - page_top)
    packed = model.pack([p.height for p in out])
    return Flow(model.parts, top, page_top, bottom, column, real - packed)


def predictor(model: Flow, full: Report, base: Limits,
              parts: Callable[[Report, Limits], tuple[float, list[tuple[float, float]]]]) -> Callable[[Limits], float]:
    """``limits`` → the predicted end of the flow (pt along the columns) of that step.

    ``parts(full, limits)`` estimates the top block's changing height and each domain's
    (head, body) heights of a step; each part's measured height is scaled by the estimate of
    the step against the estimate of the fullest note."""
    top0, est0 = parts(full, base)
    scales = []
    for (h0, b0), i in zip(est0, range(len(est0)), strict=True):
        head, body = model.parts[2 * i].height, model.parts[2 * i + 1].height
        scales.append((_clamp(head / (h0 + HEADER)) if h0 else 1.0, _clamp(body / b0) if b0 > 1 else 1.0))

    def predict(limits: Limits) -> float:
        top, est = parts(full, limits)
        heights = []
        for i, ((h0, b0), (h, b), (sh, sb)) in enumerate(zip(est0, est, scales, strict=True)):
            heights.append(max(model.parts[2 * i].height - (h0 - h) * sh, 0.0))
            heights.append(max(model.parts[2 * i + 1].height - (b0 - b) * sb, 0.0))
        heights.append(model.parts[-1].height)
        return model.pack(heights, top_shift=top0 - top)

    return predict


class Predictions:
    """Predicted flow ends for the steps of a fit, from each measured layout.

    A step without the similar-buurten sentence also has no "vergelijkbaar" column in its
    tables, so every table row changes: its flow is measured from the first such step laid
    out (:meth:`learn`); until then its steps borrow the other kind's flow, a rough guess
    (:meth:`known` says which)."""

    def __init__(self, full: Report,
                 parts: Callable[[Report, Limits], tuple[float, list[tuple[float, float]]]]) -> None:
        self.full = full
        self.parts = parts
        self.models: dict[bool, Callable[[Limits], float]] = {}

    def learn(self, limits: Limits, parts: list[dict[str, Any]] | None, flow: dict[str, float] | None) -> bool:
        """Measure the flow of a laid-out step, if its kind has none yet; whether one is known now."""
        if limits.similar not in self.models:
            model = measure(parts, flow, len(self.full.domains))
            if model is not None:
                self.models[limits.similar] = predictor(model, self.full, limits, self.parts)
        return limits.similar in self.models

    def known(self, limits: Limits) -> bool:
        """Whether the flow of this kind of step was measured (else :meth:`__call__` borrows the other's)."""
        return limits.similar in self.models

    def __call__(self, limits: Limits) -> float:
        predict = self.models.get(limits.similar) or self.models.get(not limits.similar)
        return predict(limits) if predict is not None else math.nan


def _clamp(x: float) -> float:
    return min(max(x, SCALE_RANGE[0]), SCALE_RANGE[1])
