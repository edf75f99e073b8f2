"""Build the report model from a scan: select, word and number — no formatting decisions left.

Selection rules (to stay within two A4 pages; docs/comparison.md states them for readers):
- **Rows.** Per domain the key indicators (``key = true``) that have a figure for the region,
  signalled ones first, then the other indicators with a figure — signalled ones (strongest
  first) — at most :attr:`Limits.figures` lines. The places of key figures the region lacks go
  to the next figures that have one. Figures the region lacks are not rows: the domain says in
  one line which ones, and why (:func:`unavailable`).
- **Signals.** Every signal has a strength (:func:`buurtscan.compare.effect`). "Wat valt op"
  holds the :attr:`Limits.summary` strongest across all domains, strongest first, at most
  :data:`PER_DOMAIN` per domain, from indicators that may stand there (not descriptive). Its
  size never depends on policy items or stories: they have their own space.
- **No false reassurance.** "Geen cijfers die ruim afwijken" only where at least
  :data:`MIN_COMPARISONS` comparisons were made; otherwise the report says there were too few.
- **Whole texts.** Partner figures, policy items and stories are shown whole, in the order
  given, or left out whole with a notice that says what was left out and where it is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import compare
from ..catalogue import Indicator, load
from ..scan import IndicatorResult, Scan
from ..sources import OPEN_SOURCES, SHORT_NAMES, attributions
from . import similar_text, trends, wording
from .formatting import MISSING, SMALL_MARK, change, figure, number, unit_label
from .model import Bar, Chart, DomainSection, Figure, PartnerFigure, PolicyItem, Report, SourceNote, Story

MONTHS = wording.MONTHS
# Names people use for a gemeente in running text.
DISPLAY_NAMES = {"'s-Gravenhage": "Den Haag", "'s-Hertogenbosch": "'s-Hertogenbosch"}
PUBLISHERS = SHORT_NAMES  # open source → the name a handout gives it (from the source registry)
PROPER = ("Leefbaarometer", "Wmo", "WOZ")  # names that keep their capital inside a sentence
PER_DOMAIN = 2  # at most this many items of one domain in "Wat valt op"
MIN_COMPARISONS = 3
MAX_STRENGTH = 6.0  # a ratio against a near-zero reference (vermogen € 500 vs € 13.500) counts as 6 steps
NON_KEY_WEIGHT = 0.75  # "nothing stands out" needs at least this many comparisons
COLUMN_TITLES = {"buurt": "Buurt", "wijk": "Wijk", "gemeente": "Gemeente", "nederland": "Nederland",
                 similar_text.COLUMN: similar_text.TITLE}
NOTHING_STANDS_OUT = "Geen cijfers die ruim afwijken van {against}."
TOO_FEW = "Voor deze {level} zijn te weinig vergelijkbare cijfers om iets te laten opvallen."


@dataclass(frozen=True)
class Limits:
    """How much the note may hold; :meth:`tighter` gives the next, smaller step.

    Texts are never shortened: a smaller note has fewer whole items. "Wat valt op" keeps its
    size in every step.
    """

    figures: int = 4
    highlights: int = 2
    summary: int = 5
    partner: int = 3
    policy: int = 3
    stories: int = 2
    questions: int = 3
    changes: int = 3  # "Wat verandert"; the first thing a tighter note gives up
    items: int | None = None  # at most this many policy items and stories in the whole note (None: no cap)
    similar: bool = True  # the sentence naming vergelijkbare buurten (left out before the last items)

    def tighter(self) -> Limits | None:
        """A smaller note: first fewer questions and sentences, then fewer rows, then fewer whole items."""
        steps = [
            replace(self, changes=0),
            replace(self, questions=2),
            replace(self, questions=2, highlights=1),
            replace(self, questions=2, highlights=1, policy=2, partner=2),
            replace(self, questions=2, highlights=1, policy=2, partner=2, stories=1),
            replace(self, questions=1, highlights=1, policy=1, partner=2, stories=1),
            # residents' stories and plans outweigh the similar-buurten sentence and a domain's fourth
            # and third figure: those go before any whole item is left out
            replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False),
            replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=3),
            *(replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=3,
                      items=n) for n in (8, 6, 4, 3)),
            *(replace(self, questions=1, highlights=1, policy=1, partner=1, stories=1, similar=False, figures=2,
                      items=n) for n in (3, 2, 1, 0)),
        ]
        for step in steps:
            if step != self and _smaller(step, self):
                return step
        return None


def _smaller(a: Limits, b: Limits) -> bool:
    fields = ("figures", "policy", "partner", "highlights", "questions", "stories", "items", "changes", "similar")
    big = 10**6
    get = lambda x, f: big if getattr(x, f) is None else getattr(x, f)
    return all(get(a, f) <= get(b, f) for f in fields) and any(get(a, f) < get(b, f) for f in fields)


@dataclass(frozen=True)
class PolicyInput:
    domain: str
    item: PolicyItem


@dataclass(frozen=True)
class StoryInput:
    domain: str
    story: Story


def dutch_date(day: dt.date) -> str:
    return wording.date(day)


def short_date(iso: str | None) -> str:
    """'2026-11-27T10:00:00Z' → '27 november 2026' (the one date style of the reports)."""
    return wording.date(iso)


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


def phrase(ind: IndicatorResult) -> str:
    """The subject of a sentence about an indicator: 'het aandeel corporatiewoningen'."""
    if ind.phrase:
        return ind.phrase
    label = ind.label
    lower = label[0].lower() + label[1:] if not label[:2].isupper() else label
    if ind.unit == "%":
        return f"het aandeel {lower}"
    if ind.unit.startswith("per 1.000"):
        return f"het aantal {lower} per 1.000 inwoners"
    if ind.unit in ("score", "afwijking"):
        return f"de score '{label}'"
    return f"de {lower}"


def own_level(ind: IndicatorResult) -> str:
    return next((lv for lv in ("buurt", "wijk", "gemeente") if ind.statuses.get(lv) != "n.v.t."), "gemeente")


def _decimals(ind: IndicatorResult, level: str) -> int:
    """A share of a rounded count in a small buurt gets no decimals (CBS rounds counts to 5)."""
    cat = _catalogue(ind.id)
    derived = cat is not None and cat.derive != "value"
    return 0 if ind.statuses.get(level) == "klein" and derived and ind.unit == "%" else ind.decimals


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


def _trend_text(ind: IndicatorResult) -> str:
    t = ind.trend
    if t is None:
        return ""
    if t.change is None:
        return f"geen vergelijking met {t.previous_period}: {t.reason}" if t.reason else ""
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


class _Notes:
    """Numbers the sources in order of first use."""

    def __init__(self, scan: Scan) -> None:
        self.entries = {(s["source"], s["table_id"]): s for s in scan.sources}
        self.numbers: dict[tuple[str, str | None], int] = {}

    def number(self, ind: IndicatorResult) -> int:
        key = (ind.source, ind.table_id)
        if ind.table_id is None:
            return 0
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]

    def notes(self) -> list[SourceNote]:
        out = []
        for (source, table_id), n in sorted(self.numbers.items(), key=lambda kv: kv[1]):
            e = self.entries.get((source, table_id), {})
            if source in OPEN_SOURCES:
                # a table not downloaded (the bundled example) names the published files instead of a date
                how = e.get("note") or f"opgehaald op {short_date(e.get('retrieved_at'))}"
                text = (f"{e.get('publisher') or PUBLISHERS[source]}, {e.get('title') or table_id} "
                        f"(tabel {table_id}), cijfers over {e.get('period') or 'onbekend'}, "
                        f"{how}; {wording.licence(e.get('licence'))}.")
            else:
                text = f"Bron: {source}, {_delivered(e)}; niet openbaar."
            out.append(SourceNote(n, wording.tidy(text), e.get("base_url") or ""))
        return out


def _delivered(entry: dict) -> str:
    """'aangeleverd 12 november 2026' (the date of the mapping or the file), else 'toegevoegd op …'."""
    if entry.get("modified"):
        return f"aangeleverd {short_date(entry['modified'])}"
    merged = (entry.get("partner") or {}).get("merged_at")
    return f"toegevoegd op {short_date(merged)}" if merged else "datum van aanlevering onbekend"


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


def _figure(ind: IndicatorResult, notes: _Notes, level: str, columns: Sequence[str], place: str) -> Figure:
    estimate = is_estimate(ind)
    rank = _rank_text(ind, level, place)
    trend = " ".join(t for t in (_trend_text(ind), ind.series.sentence() if ind.series else "") if t)
    words = score_words(ind, level)
    small = ind.statuses.get(level) == "klein"
    period = f"{ind.period}, schatting" if estimate and ind.period else ind.period or ""
    development = trends.verdict_text(ind, place)
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


def _against(level: str, gemeente_name: str | None) -> str:
    return "Nederland" if level == "gemeente" else f"{place_name(gemeente_name)} of Nederland"


def _dropped(n: int, singular: str, plural: str, where: str) -> str:
    """'2 verhalen passen niet meer op twee pagina's; ze staan in verhalen.csv.'"""
    pronoun = "het staat" if n == 1 else "ze staan"
    return (f"{wording.count(n, singular, plural)} {wording.verb(n, 'past', 'passen')} niet meer op twee "
            f"pagina's; {pronoun} in {where}.")


def build_report(
    scan: Scan,
    *,
    policy: Sequence[PolicyInput] = (),
    stories: Sequence[StoryInput] = (),
    limits: Limits = Limits(),
    today: dt.date | None = None,
    policy_file: str | Path | None = None,
    stories_file: str | Path | None = None,
    audience: str = "professionals",
) -> Report:
    """The report of one region, ready for any renderer.

    ``audience="bewoners"`` makes the resident version: at most three figures per domain, each
    also in plain words (:attr:`Figure.plain`); the renderers put stories and questions first."""
    if audience == "bewoners":
        limits = replace(limits, figures=min(limits.figures, 3))
    region = scan.region
    level = region.level if region.level in ("buurt", "wijk") else "gemeente"
    columns = ("buurt", "wijk", "gemeente", "nederland")[("buurt", "wijk", "gemeente").index(level):]
    general_cols = (*columns, similar_text.COLUMN) if similar_text.has_column(scan) and limits.similar else columns
    notes = _Notes(scan)
    gemeente_name = region.gemeente_name
    place = place_name(gemeente_name)
    policy_where = Path(policy_file).name if policy_file else "het beleidsbestand"
    stories_where = Path(stories_file).name if stories_file else "het verhalenbestand"
    general = scan.section("algemeen")
    general_figs = tuple(_figure(i, notes, level, general_cols, place) for i in general.indicators
                         if i.key and i.values.get(level) is not None)
    ages = [i for i in general.indicators if i.chart == "leeftijdsopbouw"]
    age_chart = None
    if any(i.values.get(level) is not None for i in ages):
        refs = _chart_levels(level)
        age_chart = Chart(
            "Leeftijdsopbouw", "%", tuple(COLUMN_TITLES[c] for c in refs),
            tuple(_bar(i.label.replace(" jaar", ""), tuple(i.values[c] for c in refs), i.decimals) for i in ages),
        )
    candidates: list[tuple[float, int, str, str, str]] = []  # (-strength, position, domain id, title, text)
    comparisons = sum(_compared(i, level) for s in scan.sections for i in s.indicators)
    domains = []
    budget = 10**6 if limits.items is None else limits.items
    for pos, section in enumerate(scan.sections):
        open_inds = [i for i in section.indicators if not i.partner]
        partner_inds = [i for i in section.indicators if i.partner]
        for i in open_inds:
            if i.signal and in_summary(i):
                text = sentence(i, gemeente_name)
                if text:
                    candidates.append((-summary_strength(i), pos, section.id, section.title, text))
        if section.id == "algemeen":
            continue
        chosen = _select(open_inds, level, limits.figures)
        lacking = [i for i in open_inds if i.values.get(level) is None]
        sentences = [t for i in sorted((i for i in chosen if i.signal), key=lambda i: -(i.signal.strength if i.signal else 0))
                     if (t := sentence(i, gemeente_name))]
        compared = sum(_compared(i, level) for i in open_inds)
        signals_note = ""
        if not sentences and chosen:
            signals_note = (NOTHING_STANDS_OUT.format(against=_against(level, gemeente_name))
                            if compared >= MIN_COMPARISONS else TOO_FEW.format(level=level))
        empty = "" if chosen else f"Voor deze {level} zijn in dit thema geen cijfers beschikbaar."
        notices = []
        shown_partner = partner_inds[: limits.partner]
        for i in shown_partner:
            notes.number(i)  # partner files are listed among the sources too
        partner = tuple(_partner_figure(scan, i, level) for i in shown_partner)
        if len(partner_inds) > limits.partner:
            extra = partner_inds[limits.partner:]
            where = wording.join(sorted({f"het bestand van {i.source}" for i in extra}))
            notices.append(_dropped(len(extra), "partnercijfer", "partnercijfers", where))
        pol = [p.item for p in policy if p.domain == section.id]
        sto = [s.story for s in stories if s.domain == section.id]
        n_pol = min(len(pol), limits.policy, budget)
        budget -= n_pol
        n_sto = min(len(sto), limits.stories, budget)
        budget -= n_sto
        if len(pol) > n_pol:
            notices.append(_dropped(len(pol) - n_pol, "beleidspunt", "beleidspunten", policy_where))
        if len(sto) > n_sto:
            notices.append(_dropped(len(sto) - n_sto, "verhaal", "verhalen", stories_where))
        domains.append(
            DomainSection(
                id=section.id,
                title=section.title,
                # the vergelijkbaar column too where a figure of this domain has the similar buurten' median
                figures=tuple(_figure(i, notes, level, general_cols if any(c.similar for c in chosen) else columns,
                                      place) for i in chosen),
                highlights=tuple(sentences[: limits.highlights]),
                partner=partner,
                policy=tuple(pol[:n_pol]),
                stories=tuple(sto[:n_sto]),
                questions=section.questions[: limits.questions],
                notices=tuple(notices),
                chart=_chart(section.title, chosen, level),
                unavailable=unavailable(lacking, level),
                empty=empty,
                signals_note=signals_note,
                comparisons=compared,
            )
        )
    summary = tuple(f"{title}: {text[0].lower() + text[1:] if text.startswith('In ') else text}"
                    for *_, title, text in strongest(candidates, limits.summary))
    summary_note = ""
    if not summary:
        summary_note = (NOTHING_STANDS_OUT.format(against=_against(level, gemeente_name))
                        if comparisons >= MIN_COMPARISONS else TOO_FEW.format(level=level))
    today = today or dt.date.today()
    if level == "gemeente":
        name = place_name(region.name)
        where = f"gemeente {region.name}" + (f" ({region.code})" if region.code else "")
        compared_with = "Nederland"
    else:
        name = region.name
        where = ", ".join(x for x in (region.wijk_name, f"gemeente {region.gemeente_name}"
                                       if region.gemeente_name else None) if x)
        compared_with = f"{place} en Nederland" if level == "wijk" else f"de wijk, {place} en Nederland"
    return Report(
        title=f"Buurtscan {name}",
        subtitle=where,
        code=region.code,
        level=level,
        date=dutch_date(today),
        intro=(f"Deze globale scan zet de cijfers van {name} naast die van {compared_with}, per thema van "
               "de WijkWijzer. Ze is bedoeld als startpunt voor het gesprek met bewoners en partners: wat "
               "herkennen zij, wat zien zij anders?"),
        general=general_figs,
        age_chart=age_chart,
        summary=summary,
        domains=tuple(domains),
        sources=tuple(notes.notes()) + (_similar_note(scan, place, len(notes.numbers)) if limits.similar else ()),
        attribution=_attribution(scan),
        reading_guide=reading_guide(level, place, uses_rivm=any(s["source"] == "rivm" for s in scan.sources),
                                    uses_lbm=any(s["source"] == "leefbaarometer" for s in scan.sources)),
        columns=tuple(COLUMN_TITLES[c] for c in columns),
        place=place,
        summary_note=summary_note,
        comparisons=comparisons,
        changes=trends.changes([i for s in scan.sections for i in s.indicators if not i.partner], place,
                               limit=limits.changes),
        audience=audience,
        similar=similar_text.sentence(scan, place) if limits.similar else "",
        general_columns=tuple(COLUMN_TITLES[c] for c in general_cols) if general_cols != columns else (),
        similar_column=similar_text.TITLE if similar_text.COLUMN in general_cols else "",
    )


def _similar_note(scan: Scan, place: str, used: int) -> tuple[SourceNote, ...]:
    """The last source note: how the vergelijkbare buurten were chosen (none without them)."""
    if not similar_text.has_column(scan):
        return ()
    entry = next((s for s in scan.sources if s["source"] == similar_text.similar.NAME), {})
    when = entry.get("note") or f"opgehaald op {short_date(entry.get('retrieved_at'))}"
    text = similar_text.source_text(scan, place, when)
    return (SourceNote(used + 1, text, entry.get("base_url") or ""),)


def reading_guide(level: str, place: str, *, uses_rivm: bool = True, uses_lbm: bool = True) -> str:
    """What the words and marks of the report mean (the leeswijzer)."""
    peers = "buurten" if level == "buurt" else "wijken"
    parts = [
        (f"Opvallend: de {level} wijkt duidelijk af van "
         f"{'Nederland' if level == 'gemeente' else place + ' én Nederland'} — bij percentages minstens "
         f"{number(compare.PERCENTAGE_POINTS)} procentpunt, bij andere cijfers minstens een kwart hoger of lager. "
         "Gunstig of ongunstig zegt welke kant dat op valt voor bewoners; bij cijfers die alleen beschrijven "
         "wie er wonen (leeftijd, herkomst, dichtheid) staat geen oordeel. "
         f"Wat valt op toont de sterkste afwijkingen, hoogstens {wording.number_word(PER_DOMAIN)} per thema."),
        (f"Rang: de plaats onder de {peers} van {place}, alleen als minstens 80% van de {peers} het cijfer "
         "heeft." if level != "gemeente" else ""),
        f"'{MISSING}': de bron heeft geen cijfer (onbekend of geheim) — dat is nooit 0.",
        (f"Een {SMALL_MARK} achter een cijfer: een klein aantal (minder dan {compare.SMALL_POPULATION} inwoners "
         f"of minder dan {compare.SMALL_COUNT} personen), door CBS afgerond; vergelijk het niet. "
         "'< 5': te klein om te tonen."),
        ("Gezondheidscijfers van RIVM zijn schattingen met een model, geen tellingen." if uses_rivm else ""),
        ("Leefbaarometer: een score voor leefbaarheid die het ministerie van BZK schat uit kenmerken van de "
         "buurt; het Nederlandse gemiddelde staat ernaast. De deelscores (zoals fysieke omgeving) zijn de "
         "afwijking van Nederland, dat 0 heeft: boven 0 is beter." if uses_lbm else ""),
        "Het jaar staat bij elk cijfer; de bronnen staan onderaan, met de datum waarop ze zijn opgehaald.",
    ]
    return " ".join(p for p in parts if p)


def strongest(candidates: list[tuple[float, int, str, str, str]], n: int,
              per_domain: int = PER_DOMAIN) -> list[tuple[float, int, str, str, str]]:
    """The n strongest signals (strongest first), at most ``per_domain`` of one domain."""
    out: list[tuple[float, int, str, str, str]] = []
    taken: Counter[str] = Counter()
    for c in sorted(candidates, key=lambda c: (c[0], c[1])):
        if taken[c[2]] >= per_domain:
            continue
        out.append(c)
        taken[c[2]] += 1
        if len(out) == n:
            break
    return out


def _partner_figure(scan: Scan, i: IndicatorResult, level: str) -> PartnerFigure:
    entry = next((s for s in scan.sources if s["source"] == i.source), {})
    value = _fmt(i, level)
    bits = [f"{wording.capital(c)} {_fmt(i, c)}" for c in ("wijk", "gemeente")
            if c != level and i.statuses.get(c) != "n.v.t." and i.values.get(c) is not None]
    return PartnerFigure(
        unit_label(i.label, i.unit) + (f", {i.period}" if i.period else ""),
        value,
        _fmt(i, "gemeente"),
        f"Bron: {i.source}, {_delivered(entry)}",
        wijk=_fmt(i, "wijk") if level == "buurt" else "",
        compare=", ".join(b[0].lower() + b[1:] for b in bits),
    )


def _attribution(scan: Scan) -> str:
    return attribution(scan.sources)


def attribution(sources: Sequence[dict[str, Any]]) -> str:
    """The attribution line for these sources (CBS named, CC BY 4.0; partners by name)."""
    used = {s["source"] for s in sources}
    parts = attributions(used)  # from the source registry; CBS always first
    parts[0] = f"Bron: {parts[0]}"
    partners = sorted(u for u in used if u not in OPEN_SOURCES)
    if partners:
        parts.append("partnercijfers: " + ", ".join(partners))
    return "; ".join(parts) + ". Bewerking: buurtscan."

