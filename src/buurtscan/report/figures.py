"""One indicator of a scan as a :class:`~.model.Figure`: every printed string, made here once.

Also the sentences of "Wat valt op", the domain charts, the row selection and the line that
says which figures a region lacks (rules: :mod:`.build`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .. import compare
from ..catalogue import Indicator, load
from ..scan import IndicatorResult, Scan
from . import similar_text, trends, wording
from .formatting import MISSING, change, figure, number, unit_label
from .model import Bar, Chart, Figure, PartnerFigure
from .sources_block import PUBLISHERS, Notes, delivered
from .wording import phrase

# Names people use for a gemeente in running text.
DISPLAY_NAMES = {"'s-Gravenhage": "Den Haag", "'s-Hertogenbosch": "'s-Hertogenbosch"}

PROPER = ("Leefbaarometer", "Wmo", "WOZ")  # names that keep their capital inside a sentence

MAX_STRENGTH = 6.0  # a ratio against a near-zero reference (vermogen € 500 vs € 13.500) counts as 6 steps
NON_KEY_WEIGHT = 0.75  # "nothing stands out" needs at least this many comparisons
COLUMN_TITLES = {"buurt": "Buurt", "wijk": "Wijk", "gemeente": "Gemeente", "nederland": "Nederland",
                 similar_text.COLUMN: similar_text.TITLE}


def place_name(name: str | None) -> str:
    return DISPLAY_NAMES.get(name or "", name or "de gemeente")


_CATALOGUE: dict[str, Indicator] = {}


def _catalogue(ind_id: str) -> Indicator | None:
    if not _CATALOGUE:
        _CATALOGUE.update({i.id: i for i in load().indicators})
    return _CATALOGUE.get(ind_id)


def summary_strength(ind: IndicatorResult) -> float:
    """The weight of a signal in "Wat valt op": its strength, at most :data:`MAX_STRENGTH`; figures
    that are not key figures of their domain count for :data:`NON_KEY_WEIGHT` of that."""
    strength = min(ind.signal.strength if ind.signal else 0.0, MAX_STRENGTH)
    return strength if ind.key else strength * NON_KEY_WEIGHT


def in_summary(ind: IndicatorResult) -> bool:
    """May a signal of this indicator stand in "Wat valt op"? Not for descriptive ones."""
    cat = _catalogue(ind.id)
    return True if cat is None else cat.in_summary


def is_estimate(ind: IndicatorResult) -> bool:
    cat = _catalogue(ind.id)
    return cat.estimate if cat is not None else ind.source == "rivm"


def own_level(ind: IndicatorResult) -> str:
    return next((lv for lv in ("buurt", "wijk", "gemeente") if ind.statuses.get(lv) != "n.v.t."), "gemeente")


def _decimals(ind: IndicatorResult, level: str) -> int:
    """A share of a rounded count in a small buurt gets no decimals (CBS rounds counts to 5)."""
    cat = _catalogue(ind.id)
    derived = cat is not None and cat.derive != "value"
    return 0 if ind.statuses.get(level) == "klein" and derived and ind.unit == "%" else ind.decimals


def cell_style(ind: IndicatorResult, level: str) -> str:
    """How a cell looks: "klein" for a small number (a rounded count, a tiny buurt; also "< 5"),
    "ontbreekt" where there is no figure, else ""."""
    if ind.statuses.get(level) == "klein":
        return "klein"
    if ind.statuses.get(level) == "n.v.t.":
        return ""
    return "ontbreekt" if ind.values.get(level) is None else ""


def _fmt(ind: IndicatorResult, level: str, *, mark: bool = True) -> str:
    status = ind.statuses.get(level, "ontbreekt")
    if not mark and status == "klein" and ind.values.get(level) is not None:
        status = "ok"
    return figure(ind.values.get(level), _decimals(ind, level), ind.unit, status=status, threshold=ind.threshold)


def sentence(ind: IndicatorResult, gemeente_name: str | None) -> str | None:
    """'In 2019 is het aantal bijstandsuitkeringen per 1.000 inwoners (138,7) bijna drie keer zo hoog
    als in Den Haag (47,0); dat is ongunstig.'"""
    sig = ind.signal
    if sig is None:
        return None
    level = own_level(ind)
    own = _fmt(ind, level)
    refs = []
    if "gemeente" in sig.references:
        refs.append(f"in {place_name(gemeente_name)} ({_fmt(ind, 'gemeente')})")
    if "nederland" in sig.references:
        refs.append(f"in Nederland ({_fmt(ind, 'nederland')})")
    points = None
    if ind.unit == "%":
        value = ind.values[level] or 0.0
        points = min(abs(value - (ind.values[r] or 0.0)) for r in sig.references)
    words, before = wording.difference(ind.unit, sig.kind, points=points, ratio=sig.ratio)
    text = phrase(ind)
    lead = f"In {ind.period} is {text}" if ind.period else wording.capital(text) + " is"
    out = f"{lead} ({own}) {words} {before} {' en '.join(refs)}"
    if sig.valence in ("gunstig", "ongunstig"):
        out += f"; dat is {sig.valence}"
    return wording.tidy(out + ".")


def _rank_text(ind: IndicatorResult, level: str, place: str) -> str:
    if not ind.rank or not ind.rank_of or ind.statuses.get(level) == "klein":
        return ""
    peers = "buurten" if level == "buurt" else "wijken"
    return wording.rank(ind.rank, ind.rank_of, direction=ind.direction, peers=peers, place=place)


def _trend_text(ind: IndicatorResult, level: str = "buurt") -> str:
    t = ind.trend
    if t is None:
        return ""
    if t.change is None:  # the reason names the region as it is: "onbekend of de wijk opnieuw is ingedeeld"
        reason = (t.reason or "").replace("de buurt ", f"de {level} ")
        return f"geen vergelijking met {t.previous_period}: {reason}" if reason else ""
    return f"{change(t.change, ind.decimals, ind.unit)} sinds {t.previous_period}"


def score_words(ind: IndicatorResult, level: str) -> str:
    """A Leefbaarometer score in words against Nederland: the scan's ``klasse`` where it gives one,
    else from the difference with the Nederland value, with the same bounds (0,10 and 0,30 point)."""
    if ind.unit not in ("score", "afwijking"):
        return ""
    given = getattr(ind, "klasse", None)
    if given:
        return given
    value, ref = ind.values.get(level), ind.values.get("nederland")
    if value is None or ref is None:
        return ""
    diff = value - ref
    if abs(diff) < compare.SCORE_POINTS:
        return "rond het Nederlandse gemiddelde"
    side = "boven" if diff > 0 else "onder"
    return f"ruim {side} het Nederlandse gemiddelde" if abs(diff) >= 3 * compare.SCORE_POINTS else (
        f"{side} het Nederlandse gemiddelde")


def _one_in(value: float) -> str:
    """A share in plain words: 24.6 → 'ongeveer 1 op de 4', 43 → 'ongeveer 4 op de 10'."""
    if value <= 0:
        return "niemand"
    n = 100 / value
    if value < 20 or (value < 50 and abs(n - round(n)) <= 0.15 * n):  # 24,6% → 1 op de 4
        return f"ongeveer 1 op de {round(n)}" if n <= 20.5 else "minder dan 1 op de 20"
    tens = round(value / 10)
    return "bijna iedereen" if tens >= 10 else f"ongeveer {tens} op de 10"


def plain_text(ind: IndicatorResult, level: str, place: str) -> str:
    """The figure for residents: 'Huishoudens met een laag inkomen: ongeveer 1 op de 4 (in Den Haag
    1 op de 8).' Shares as 'x op de y'; other figures as printed, with the unit."""
    own, ref = ind.values.get(level), ind.values.get("gemeente")
    label = ind.label
    if own is None:
        return f"{label}: dit cijfer is er niet voor de buurt."
    if ind.unit == "%":
        text = f"{label}: {_one_in(own)}"
        if ref is not None:
            text += f" (in {place} {_one_in(ref).removeprefix('ongeveer ')})"
        return text + "."
    text = f"{unit_label(label, ind.unit)}: {_fmt(ind, level)}"
    if ref is not None:
        text += f" (in {place} {_fmt(ind, 'gemeente')})"
    return text + "."


def _figure(ind: IndicatorResult, notes: Notes, level: str, columns: Sequence[str], place: str) -> Figure:
    estimate = is_estimate(ind)
    rank = _rank_text(ind, level, place)
    trend = " ".join(t for t in (_trend_text(ind, level), ind.series.sentence() if ind.series else "") if t)
    words = score_words(ind, level)
    small = ind.statuses.get(level) == "klein"
    period = f"{ind.period}, schatting" if estimate and ind.period else ind.period or ""
    development = trends.verdict_text(ind, place, level)
    shown = " ".join(t for t in (development, ind.series.sentence() if ind.series else "") if t) if development \
        else trend
    bits = [period, words, "klein aantal" if small else "", rank, "" if shown.startswith("geen") else shown,
            similar_text.detail(ind) if similar_text.COLUMN in columns else ""]
    position = None
    if ind.rank and ind.rank_of and rank:
        position = 0.0 if ind.rank_of == 1 else (ind.rank - 1) / (ind.rank_of - 1)
    return Figure(
        id=ind.id,
        label=unit_label(ind.label, ind.unit),
        unit=ind.unit,
        buurt=_fmt(ind, "buurt"),
        wijk=_fmt(ind, "wijk"),
        gemeente=_fmt(ind, "gemeente"),
        nederland=_fmt(ind, "nederland"),
        values=tuple(ind.values[lv] for lv in ("buurt", "wijk", "gemeente", "nederland")),  # type: ignore[arg-type]
        rank=rank,
        signal=ind.signal.valence if ind.signal else "",
        trend=trend,
        period=ind.period or "",
        source=f"{PUBLISHERS.get(ind.source, ind.source)}".strip(),
        note=notes.number(ind),
        key=ind.key,
        missing=ind.values.get(level) is None,
        cells=tuple(similar_text.cell(ind) if c == similar_text.COLUMN else _fmt(ind, c) for c in columns),
        similar=similar_text.cell(ind) if ind.similar is not None else "",
        cell_styles=tuple(("ontbreekt" if similar_text.cell(ind) == MISSING else "") if c == similar_text.COLUMN
                          else cell_style(ind, c) for c in columns),
        detail=" · ".join(b for b in bits if b),
        strength=ind.signal.strength if ind.signal else 0.0,
        small=small,
        estimate=estimate,
        rank_position=position,
        words=words,
        series_break=ind.series.sentence() if ind.series else "",
        spark=trends.spark(ind, level, place),
        series=trends.series_line(ind, level),
        development=development,
        plain=plain_text(ind, level, place),
        own=_fmt(ind, level),
        own_value=ind.values.get(level),
    )


def _bar(label: str, values: tuple[float | None, ...], decimals: int) -> Bar:
    return Bar(label, values, tuple(MISSING if v is None else number(v, decimals) for v in values))


def _chart(title: str, figures: Sequence[IndicatorResult], level: str) -> Chart | None:
    """Bars of the figures sharing the most common unit: own level, gemeente, Nederland.

    Units are never mixed, so a Leefbaarometer total score ("score") and a dimension score
    ("afwijking") never share an axis.
    """
    usable = [i for i in figures if i.values.get(level) is not None]
    if not usable:
        return None
    unit = Counter(i.unit for i in usable).most_common(1)[0][0]
    chosen = [i for i in usable if i.unit == unit][:5]
    refs = _chart_levels(level)
    series = tuple(COLUMN_TITLES[c] for c in refs)
    bars = tuple(_bar(unit_label(i.label, i.unit), tuple(i.values[c] for c in refs), i.decimals) for i in chosen)
    return Chart(title, unit, series, bars)


def _chart_levels(level: str) -> tuple[str, ...]:
    """The series of a chart: the region, the gemeente (unless it is the region) and Nederland."""
    return ("gemeente", "nederland") if level == "gemeente" else (level, "gemeente", "nederland")


def _compared(ind: IndicatorResult, level: str) -> bool:
    """Could this figure be compared with a reference (gemeente or Nederland)?"""
    if ind.partner or ind.statuses.get(level) != "ok" or ind.values.get(level) is None:
        return False
    cat = _catalogue(ind.id)
    if cat is not None and not cat.comparable:
        return False
    refs = [r for r in ("gemeente", "nederland") if r != level]
    return any(ind.values.get(r) is not None and ind.statuses.get(r) == "ok" for r in refs)


def _reason(ind: IndicatorResult, level: str) -> str:
    """Why the region has no figure, in a reader's words."""
    status = ind.statuses.get(level)
    if status == "klein":
        return "te klein aantal"
    if status == "geheim":
        return "geheim"
    if ind.table_id is None or all(ind.values.get(lv) is None for lv in ("buurt", "wijk", "gemeente", "nederland")):
        return "bron levert dit niet"
    return "onbekend of geheim"


def unavailable(inds: Sequence[IndicatorResult], level: str) -> str:
    """'Niet beschikbaar voor deze buurt: opleidingsniveau (onbekend of geheim), woninginbraak en
    vernieling (bron levert dit niet).'"""
    by_reason: dict[str, list[str]] = {}
    for ind in inds:
        cat = _catalogue(ind.id)
        name = (cat.label_short if cat and cat.label_short else ind.label)
        if not name[:2].isupper() and not name.startswith(PROPER):
            name = name[:1].lower() + name[1:]
        names = by_reason.setdefault(_reason(ind, level), [])
        if name not in names:
            names.append(name)
    if not by_reason:
        return ""
    parts = [f"{wording.join(names)} ({reason})" for reason, names in by_reason.items()]
    return f"Niet beschikbaar voor deze {level}: {'; '.join(parts)}."


def _select(inds: Sequence[IndicatorResult], level: str, n: int) -> list[IndicatorResult]:
    """Key figures with a value (signalled first), then the others with a value, signalled first."""
    have = [i for i in inds if i.values.get(level) is not None]
    strength = lambda i: -(i.signal.strength if i.signal else 0.0)
    keys = sorted((i for i in have if i.key), key=lambda i: (i.signal is None, strength(i)))
    missing_keys = sum(1 for i in inds if i.key and i.values.get(level) is None)
    signalled = sorted((i for i in have if not i.key and i.signal), key=strength)
    others = [i for i in have if not i.key and not i.signal]
    chosen = (keys + signalled)[:n]
    room = min(n, len(keys) + missing_keys) - len(chosen)
    chosen += others[: max(room, 0)]
    order = {i.id: k for k, i in enumerate(inds)}
    return sorted(chosen, key=lambda i: order[i.id])


def _partner_figure(scan: Scan, i: IndicatorResult, level: str) -> PartnerFigure:
    entry = next((s for s in scan.sources if s["source"] == i.source), {})
    value = _fmt(i, level)
    bits = [f"{wording.capital(c)} {_fmt(i, c)}" for c in ("wijk", "gemeente")
            if c != level and i.statuses.get(c) != "n.v.t." and i.values.get(c) is not None]
    return PartnerFigure(
        unit_label(i.label, i.unit) + (f", {i.period}" if i.period else ""),
        value,
        _fmt(i, "gemeente"),
        f"Bron: {i.source}, {delivered(entry)}",
        wijk=_fmt(i, "wijk") if level == "buurt" else "",
        compare=", ".join(b[0].lower() + b[1:] for b in bits),
    )
