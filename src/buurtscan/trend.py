"""Trends: which way a buurt is going, judged on its :class:`series.Series` — pure, no I/O.

The rule (also in docs/comparison.md, "Trends"):

* **Enough periods.** A trend needs at least :data:`MIN_PERIODS` comparable periods with a
  figure for the subject. The series already stops at a boundary change (``series.build``),
  so a trend never reaches across one; the start of such a series is shown
  ("2021: buurt opnieuw ingedeeld").
* **Small numbers.** When the subject's figure is ``klein`` in any period of the series (a
  rounded count below ``compare.SMALL_COUNT`` or fewer than ``compare.SMALL_POPULATION``
  inwoners), there is no judgement: the series is shown, nothing is said about it.
* **Change** = newest minus oldest value, in the indicator's unit (percentage points for %).
* **When a change counts.** Both must hold:

  1. it is larger than the rounding of the figures: one shown step (``10**-decimals``) and,
     for counts, :data:`COUNT_ROUNDING` (CBS rounds buurt counts to fives);
  2. the straight line fitted through the series (least squares over the years) changes by
     more than :data:`NOISE_FACTOR` times the series' own scatter around that line (the
     residual standard deviation), in the same direction as the change.

  Otherwise the figure is *gelijk gebleven* (within the rounding) or *schommelt* (it moves,
  but not more than its own year-to-year noise).
* **Towards or away from the gemeente.** The same rule on the gap buurt − gemeente (periods
  with both figures, at least :data:`MIN_PERIODS`): the gap grew or shrank only when that
  change counts. Only for comparable indicators (not for sizes such as inwoners).
  The catalogue's direction names the gap: an *achterstand* where the buurt is on the
  unfavourable side, a *voorsprong* on the favourable side, else a *verschil*.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .series import Series
from .tidy import Status

MIN_PERIODS = 3
COUNT_ROUNDING = 5.0
NOISE_FACTOR = 2.0


@dataclass(frozen=True)
class Change:
    """The judgement of one series of numbers (the subject's, or its gap to the gemeente)."""

    first_period: str
    last_period: str
    first: float
    last: float
    change: float  # last - first, in the unit
    fitted: float  # change of the least-squares line over the same span
    noise: float  # residual standard deviation around that line
    threshold: float  # the rounding the change must exceed
    counts: bool
    verdict: str  # "stijgt" | "daalt" | "gelijk" | "schommelt"

    def as_dict(self) -> dict[str, object]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class Judgement:
    """Which way an indicator goes for the subject; ``reason`` says why there is no judgement."""

    periods: tuple[str, ...]  # the periods of the series (oldest first)
    own: Change | None
    gap: Change | None = None  # buurt - gemeente over the periods with both figures
    gap_word: str = ""  # "achterstand" | "voorsprong" | "verschil" (as the gap stands now)
    gap_verdict: str = ""  # "kleiner" | "groter" | "" (no counting change, or no gap)
    reason: str = ""  # "te weinig vergelijkbare jaren", "klein aantal", …
    start: str = ""  # "2021: buurt opnieuw ingedeeld" where the series starts at a boundary change
    strength: float = 0.0  # |fitted change| / (NOISE_FACTOR × noise or threshold), for ordering

    @property
    def counts(self) -> bool:
        return self.own is not None and self.own.counts

    def as_dict(self) -> dict[str, object]:
        return {
            "periods": list(self.periods),
            "change": self.own.as_dict() if self.own else None,
            "gap": self.gap.as_dict() if self.gap else None,
            "gap_word": self.gap_word,
            "gap_verdict": self.gap_verdict,
            "counts": self.counts,
            "reason": self.reason,
            "start": self.start,
            "strength": round(self.strength, 3),
        }


def year(period: str) -> float:
    """'2019' → 2019.0; '2019MM03' or '2019-07' → a fraction into the year."""
    m = re.match(r"(\d{4})(?:\D*(\d{1,2}))?", period)
    if not m:
        raise ValueError(f"not a period: {period!r}")
    return int(m.group(1)) + ((int(m.group(2)) - 1) / 12 if m.group(2) else 0.0)


def rounding(unit: str, decimals: int) -> float:
    step = 10.0 ** -decimals
    return max(step, COUNT_ROUNDING) if unit == "aantal" else step


def judge_points(points: list[tuple[str, float]], threshold: float) -> Change | None:
    """The rule on (period, value) pairs, oldest first (None: fewer than MIN_PERIODS)."""
    if len(points) < MIN_PERIODS:
        return None
    xs = [year(p) for p, _ in points]
    ys = [v for _, v in points]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    residuals = [y - (my + slope * (x - mx)) for x, y in zip(xs, ys, strict=True)]
    noise = math.sqrt(sum(r * r for r in residuals) / (n - 2)) if n > 2 else 0.0
    change = ys[-1] - ys[0]
    fitted = slope * (xs[-1] - xs[0])
    big = abs(change) > threshold + 1e-9
    counts = big and abs(fitted) > NOISE_FACTOR * noise and fitted * change > 0
    verdict = ("stijgt" if change > 0 else "daalt") if counts else ("schommelt" if big else "gelijk")
    return Change(points[0][0], points[-1][0], ys[0], ys[-1], change, fitted, noise, threshold, counts, verdict)


def _gap_word(gap: float, direction: str) -> str:
    if direction == "neutral" or gap == 0:
        return "verschil"
    worse = gap < 0 if direction == "higher_better" else gap > 0
    return "achterstand" if worse else "voorsprong"


def start_text(series: Series) -> str:
    """'2021: buurt opnieuw ingedeeld' when the series starts at a boundary change, else ''."""
    if not series.boundary_change or not series.periods:
        return ""
    return f"{series.periods[0]}: buurt opnieuw ingedeeld"


def judge(series: Series | None, *, unit: str, decimals: int, direction: str = "neutral",
          comparable: bool = True, level: str = "buurt", descriptive: bool = False) -> Judgement | None:
    """The trend judgement of a series for the subject at ``level`` (None: no series)."""
    if series is None or not series.periods:
        return None
    start = start_text(series)
    own_vals = series.values.get(level, ())
    own_sts = series.statuses.get(level, ())
    if any(st == Status.SMALL for st in own_sts):
        return Judgement(series.periods, None, reason="klein aantal", start=start)
    points = [(p, v) for p, v, st in zip(series.periods, own_vals, own_sts, strict=True)
              if v is not None and st == Status.OK]
    threshold = rounding(unit, decimals)
    own = judge_points(points, threshold)
    if own is None:
        return Judgement(series.periods, None, reason="te weinig vergelijkbare jaren", start=start)
    gap = None
    word = verdict = ""
    if comparable and level != "gemeente":
        refs = series.values.get("gemeente", ())
        ref_sts = series.statuses.get("gemeente", ())
        pairs = [(p, v - r) for p, v, st, r, rst in zip(series.periods, own_vals, own_sts, refs, ref_sts, strict=True)
                 if v is not None and r is not None and st == Status.OK and rst == Status.OK]
        gap = judge_points(pairs, threshold)
        if gap is not None:
            word = _gap_word(gap.last, "neutral" if descriptive else direction)
            if gap.counts and abs(gap.last) != abs(gap.first):
                if gap.first * gap.last < 0:
                    verdict = "omgeslagen"
                else:
                    verdict = "kleiner" if abs(gap.last) < abs(gap.first) else "groter"
    strength = abs(own.fitted) / max(NOISE_FACTOR * own.noise, own.threshold) if own.counts else 0.0
    return Judgement(series.periods, own, gap, word, verdict, start=start, strength=strength)
