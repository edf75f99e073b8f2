"""Trends in the report: the sparkline data, the compact series line and "Wat verandert".

Pure: takes scan results (with their :class:`buurtscan.trend.Judgement`) and returns model
parts with final Dutch text. The renderers only draw :class:`model.Spark` (its points are
already scaled to 0..1) and print the strings.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..scan import IndicatorResult
from ..trend import MIN_PERIODS
from .formatting import figure, number
from .model import Spark
from .wording import phrase

LIMIT = 3  # at most this many sentences in "Wat verandert"


def _fmt(ind: IndicatorResult, value: float) -> str:
    return figure(value, ind.decimals, ind.unit)


def diff_text(ind: IndicatorResult, value: float) -> str:
    if round(value, ind.decimals) == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    text = number(abs(value), ind.decimals)
    return f"{sign}{text} procentpunt" if ind.unit == "%" else f"{sign}{text}"


def _points(ind: IndicatorResult, level: str) -> list[tuple[str, float]]:
    s = ind.series
    if s is None:
        return []
    return [(p, v) for p, v, st in zip(s.periods, s.values.get(level, ()), s.statuses.get(level, ()), strict=True)
            if v is not None and st in ("ok", "klein")]


def spark(ind: IndicatorResult, level: str, place: str) -> Spark | None:
    """The sparkline of a figure: own line against the gemeente (Nederland where the gemeente lacks
    it; no reference line for sizes, whose scale differs), scaled to 0..1 on a common axis."""
    s = ind.series
    own = _points(ind, level)
    if s is None or len(own) < MIN_PERIODS:
        return None
    ref_level, ref_name = "", ""
    cat_comparable = ind.unit not in ("aantal",)
    if cat_comparable and level != "gemeente":
        for lv, name in (("gemeente", place), ("nederland", "Nederland")):
            if len(_points(ind, lv)) >= 2:
                ref_level, ref_name = lv, name
                break
    ref = _points(ind, ref_level) if ref_level else []
    x0, x1 = _year(s.periods[0]), _year(s.periods[-1])
    values = [v for _, v in own + ref]
    lo, hi = min(values), max(values)
    span_y = hi - lo or 1.0
    span_x = (x1 - x0) or 1.0

    def scale(pts: list[tuple[str, float]]) -> tuple[tuple[float, float], ...]:
        return tuple((round((_year(p) - x0) / span_x, 4), round((v - lo) / span_y, 4)) for p, v in pts)

    j = ind.judgement
    return Spark(
        own=scale(own), reference=scale(ref), reference_name=ref_name,
        first=_fmt(ind, own[0][1]), last=_fmt(ind, own[-1][1]),
        first_period=own[0][0], last_period=own[-1][0],
        start=j.start if j else "",
        text=series_line(ind, level),
        periods=s.periods,
        lines=tuple((name, s.values.get(lv, ())) for lv, name in
                    ((level, level.capitalize()), ("gemeente", place), ("nederland", "Nederland"))
                    if lv and (lv == level or lv != "gemeente" or level != "gemeente")
                    and any(v is not None for v in s.values.get(lv, ()))),
        decimals=ind.decimals,
    )


def _year(period: str) -> float:
    from ..trend import year

    return year(period)


def series_line(ind: IndicatorResult, level: str) -> str:
    """'2019 → 2024: 3.245 → 3.360' (with the steps in between when there are few), '' without a series."""
    own = _points(ind, level)
    if len(own) < 2:
        return ""
    if len(own) <= 4:
        return f"{' → '.join(p for p, _ in own)}: {' → '.join(_fmt(ind, v) for _, v in own)}"
    return f"{own[0][0]} → {own[-1][0]}: {_fmt(ind, own[0][1])} → {_fmt(ind, own[-1][1])}"


def verdict_text(ind: IndicatorResult, place: str, level: str = "buurt") -> str:
    """The judgement in a few words for the figure's detail line ('' when there is none)."""
    j = ind.judgement
    if j is None or j.own is None:
        return "geen oordeel over de ontwikkeling (klein aantal)" if j and j.reason == "klein aantal" \
            and len(j.periods) >= MIN_PERIODS else ""
    o = j.own
    words = {"stijgt": "gestegen", "daalt": "gedaald", "gelijk": "gelijk gebleven", "schommelt": "schommelt"}[o.verdict]
    text = f"{o.first_period}–{o.last_period} {words}"
    if o.counts:
        text += f" ({diff_text(ind, o.change)})"
    gap = gap_text(ind, place, level)
    return f"{text}; {gap}" if gap else text


def gap_text(ind: IndicatorResult, place: str, level: str = "buurt") -> str:
    j = ind.judgement
    if j is None or not j.gap_verdict:
        return ""
    if j.gap_verdict == "omgeslagen":
        return f"de {level} heeft nu een {j.gap_word} op {place}"
    if j.gap_word == "verschil":
        return f"het verschil met {place} is {j.gap_verdict} geworden"
    return f"de {j.gap_word} op {place} is {j.gap_verdict} geworden"


def sentence(ind: IndicatorResult, place: str, level: str = "buurt") -> str:
    """One sentence for "Wat verandert" ('' when the change does not count): 'Het aantal inwoners
    is gestegen van 2.855 in 2021 naar 3.360 in 2024 (+505).'"""
    j = ind.judgement
    if j is None or not j.counts or j.own is None:
        return ""
    o = j.own
    way = "gestegen" if o.verdict == "stijgt" else "gedaald"
    subject = phrase(ind)
    subject = subject[:1].upper() + subject[1:]
    text = (f"{subject} is {way} van {_fmt(ind, o.first)} in {o.first_period} naar {_fmt(ind, o.last)} "
            f"in {o.last_period} ({diff_text(ind, o.change)})")
    gap = gap_text(ind, place, level)
    text += f"; {gap}." if gap else "."
    if j.start:
        text += f" (Reeks vanaf {j.start.replace(': ', ', ')}.)"
    return text


def changes(indicators: Sequence[IndicatorResult], place: str, limit: int = LIMIT,
            level: str = "buurt") -> tuple[str, ...]:
    """"Wat verandert": the strongest counting changes, strongest first, at most ``limit``."""
    ranked = sorted((i for i in indicators if i.judgement and i.judgement.counts),
                    key=lambda i: (-i.judgement.strength, i.id))  # type: ignore[union-attr]
    return tuple(t for t in (sentence(i, place, level) for i in ranked) if t)[:limit]
