"""Build the report model from a scan: select, word and number — no formatting decisions left.

Selection rules (to stay within one or two A4 pages):
- per domain the key indicators of the catalogue (``key = true``) plus other indicators with
  a signal, at most :attr:`Limits.figures` lines;
- at most :attr:`Limits.highlights` sentences per domain, :attr:`Limits.summary` in "Wat valt op"
  (unfavourable first, then favourable, then notable);
- partner figures, policy items and stories in the order given, cut at the limits with a
  visible notice; long texts are shortened at a word boundary with "…".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..scan import IndicatorResult, Scan
from .formatting import MISSING, change, figure, number
from .model import Bar, Chart, DomainSection, Figure, PartnerFigure, PolicyItem, Report, SourceNote, Story

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
# Names people use for a gemeente in running text.
DISPLAY_NAMES = {"'s-Gravenhage": "Den Haag", "'s-Hertogenbosch": "'s-Hertogenbosch"}
PUBLISHERS = {
    "cbs_kwb": "CBS",
    "nabijheid": "CBS",
    "politie": "Politie / CBS",
    "rivm": "RIVM / CBS",
    "leefbaarometer": "Leefbaarometer (BZK)",
}
OPEN_SOURCES = set(PUBLISHERS)
VALENCE_ORDER = {"ongunstig": 0, "gunstig": 1, "opvallend": 2}


@dataclass(frozen=True)
class Limits:
    """How much the note may hold; :meth:`tighter` gives the next, smaller step."""

    figures: int = 4
    highlights: int = 2
    summary: int = 5
    partner: int = 3
    policy: int = 2
    stories: int = 1
    text_chars: int = 240
    questions: int = 3

    def tighter(self) -> Limits | None:
        """A smaller note: first shorter texts and fewer items, then fewer sentences and questions."""
        steps = [
            replace(self, text_chars=150, policy=1, partner=2),
            replace(self, text_chars=110, policy=1, partner=2, highlights=1, summary=4),
            replace(self, text_chars=90, policy=1, stories=1, partner=1, highlights=1, summary=3, questions=2),
            replace(self, text_chars=90, policy=1, stories=0, partner=1, highlights=1, summary=3, questions=2),
            replace(self, text_chars=80, policy=1, stories=0, partner=1, highlights=1, summary=2, questions=2,
                    figures=3),
            replace(self, text_chars=80, policy=0, stories=0, partner=1, highlights=1, summary=2, questions=2,
                    figures=3),
        ]
        for step in steps:
            if step != self and _smaller(step, self):
                return step
        return None


def _smaller(a: Limits, b: Limits) -> bool:
    fields = ("text_chars", "policy", "partner", "highlights", "summary", "questions", "stories")
    return all(getattr(a, f) <= getattr(b, f) for f in fields) and any(getattr(a, f) < getattr(b, f) for f in fields)


@dataclass(frozen=True)
class PolicyInput:
    domain: str
    item: PolicyItem


@dataclass(frozen=True)
class StoryInput:
    domain: str
    story: Story


def dutch_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(iso: str | None) -> str:
    """'2026-11-27T10:00:00Z' → '27-11-2026'."""
    if not iso:
        return "onbekend"
    try:
        d = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def place_name(name: str | None) -> str:
    return DISPLAY_NAMES.get(name or "", name or "de gemeente")


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
    if ind.unit == "score":
        return f"de score '{label}'"
    return f"de {lower}"


def sentence(ind: IndicatorResult, gemeente_name: str | None) -> str | None:
    """'Het aandeel corporatiewoningen (74%) is ruim hoger dan in Den Haag (31%).'"""
    if ind.signal is None:
        return None
    fmt = lambda v: figure(v, ind.decimals, ind.unit)  # noqa: E731
    level = next((lv for lv in ("buurt", "wijk", "gemeente") if ind.statuses.get(lv) != "n.v.t."), "gemeente")
    own = fmt(ind.values[level])
    refs = []
    if "gemeente" in ind.signal.references:
        refs.append(f"in {place_name(gemeente_name)} ({fmt(ind.values['gemeente'])})")
    if "nederland" in ind.signal.references:
        refs.append(f"in Nederland ({fmt(ind.values['nederland'])})")
    word = "ruim hoger" if ind.signal.kind == "hoger" else "ruim lager"
    text = phrase(ind)
    out = f"{text[0].upper()}{text[1:]} ({own}) is {word} dan {' en '.join(refs)}"
    if ind.signal.valence in ("gunstig", "ongunstig"):
        out += f"; dat is {ind.signal.valence}"
    return out + f" ({ind.period})."


def _rank_text(ind: IndicatorResult, level: str) -> str:
    if not ind.rank or not ind.rank_of:
        return ""
    peers = "buurten" if level == "buurt" else "wijken"
    return f"{ind.rank}e van {ind.rank_of} {peers}"


def _trend_text(ind: IndicatorResult) -> str:
    t = ind.trend
    if t is None:
        return ""
    if t.change is None:
        return f"geen vergelijking met {t.previous_period}: {t.reason}" if t.reason else ""
    return f"{change(t.change, ind.decimals, ind.unit)} sinds {t.previous_period}"


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
                text = (f"{e.get('publisher') or PUBLISHERS[source]}, {e.get('title') or table_id} "
                        f"(tabel {table_id}), cijfers over {e.get('period') or 'onbekend'}, "
                        f"opgehaald op {short_date(e.get('retrieved_at'))}; licentie {e.get('licence') or 'onbekend'}.")
            else:
                text = (f"Bron: {source}, aangeleverd {short_date(e.get('modified'))} "
                        f"({e.get('request_url') or 'partnerbestand'}); niet openbaar.")
            out.append(SourceNote(n, text, e.get("base_url") or ""))
        return out


def _one_in(value: float) -> str:
    """A share in plain words: 24.6 → 'ongeveer 1 op de 4', 68.4 → 'ongeveer 7 op de 10'."""
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
    fmt = lambda v: figure(v, ind.decimals, ind.unit)  # noqa: E731
    text = f"{label}: {fmt(own)}"
    if ref is not None:
        text += f" (in {place} {fmt(ref)})"
    return text + "."


def _figure(ind: IndicatorResult, notes: _Notes, level: str, place: str = "de gemeente") -> Figure:
    f = lambda lv: figure(ind.values[lv], ind.decimals, ind.unit, status=ind.statuses[lv],  # noqa: E731
                          threshold=ind.threshold)
    return Figure(
        id=ind.id,
        label=ind.label,
        unit=ind.unit,
        buurt=f("buurt"),
        wijk=f("wijk"),
        gemeente=f("gemeente"),
        nederland=f("nederland"),
        values=tuple(ind.values[lv] for lv in ("buurt", "wijk", "gemeente", "nederland")),  # type: ignore[arg-type]
        rank=_rank_text(ind, level),
        signal=ind.signal.valence if ind.signal else "",
        trend=_trend_text(ind),
        period=ind.period or "",
        source=f"{PUBLISHERS.get(ind.source, ind.source)}".strip(),
        note=notes.number(ind),
        key=ind.key,
        missing=ind.values.get(level) is None,
        plain=plain_text(ind, level, place),
    )


def _bar(label: str, values: tuple[float | None, ...], decimals: int) -> Bar:
    return Bar(label, values, tuple(MISSING if v is None else number(v, decimals) for v in values))


def _chart(title: str, figures: Sequence[IndicatorResult], level: str) -> Chart | None:
    """Bars of the figures sharing the most common unit: buurt, gemeente, Nederland."""
    usable = [i for i in figures if i.values.get(level) is not None]
    if not usable:
        return None
    unit = Counter(i.unit for i in usable).most_common(1)[0][0]
    chosen = [i for i in usable if i.unit == unit][:5]
    series = (level.capitalize(), "Gemeente", "Nederland")
    bars = tuple(_bar(i.label, (i.values[level], i.values["gemeente"], i.values["nederland"]), i.decimals)
                 for i in chosen)
    return Chart(title, unit, series, bars)


def build_report(
    scan: Scan,
    *,
    policy: Sequence[PolicyInput] = (),
    stories: Sequence[StoryInput] = (),
    limits: Limits = Limits(),
    today: dt.date | None = None,
    audience: str = "professionals",
) -> Report:
    """The report of one region, ready for any renderer.

    ``audience="bewoners"`` makes the resident version: at most three figures per domain, each
    also in plain words (:attr:`Figure.plain`); the renderers put stories and questions first."""
    if audience == "bewoners":
        limits = replace(limits, figures=min(limits.figures, 3))
    region = scan.region
    level = region.level if region.level in ("buurt", "wijk") else "gemeente"
    notes = _Notes(scan)
    gemeente_name = region.gemeente_name
    general = scan.section("algemeen")
    general_figs = tuple(_figure(i, notes, level) for i in general.indicators if i.key)
    ages = [i for i in general.indicators if i.chart == "leeftijdsopbouw"]
    age_chart = None
    if any(i.values.get(level) is not None for i in ages):
        age_chart = Chart(
            "Leeftijdsopbouw", "%", (level.capitalize(), "Gemeente", "Nederland"),
            tuple(_bar(i.label.replace(" jaar", ""), (i.values[level], i.values["gemeente"], i.values["nederland"]),
                       i.decimals) for i in ages),
        )
    signals: list[tuple[int, int, str, str]] = []
    domains = []
    for pos, section in enumerate(scan.sections):
        if section.id == "algemeen":
            continue
        open_inds = [i for i in section.indicators if not i.partner]
        partner_inds = [i for i in section.indicators if i.partner]
        chosen = [i for i in open_inds if i.key]
        chosen += [i for i in open_inds if not i.key and i.signal]
        chosen = chosen[: limits.figures]
        sentences = []
        for i in sorted((i for i in chosen if i.signal), key=lambda i: VALENCE_ORDER[i.signal.valence]):
            text = sentence(i, gemeente_name)
            if text:
                sentences.append(text)
                signals.append((VALENCE_ORDER[i.signal.valence], pos, section.title, text))
        notices = []
        for i in partner_inds[: limits.partner]:
            notes.number(i)  # partner files are listed among the sources too
        partner = tuple(
            PartnerFigure(i.label, figure(i.values[level], i.decimals, i.unit, status=i.statuses[level],
                                          threshold=i.threshold),
                          figure(i.values["gemeente"], i.decimals, i.unit, status=i.statuses["gemeente"],
                                 threshold=i.threshold),
                          f"Bron: {i.source}, aangeleverd {short_date(_partner_date(scan, i.source))}")
            for i in partner_inds[: limits.partner]
        )
        if len(partner_inds) > limits.partner:
            notices.append(f"{len(partner_inds) - limits.partner} partnercijfer(s) weggelaten om binnen twee "
                           "pagina's te blijven; zie `buurtscan show`.")
        pol = [p.item for p in policy if p.domain == section.id]
        if len(pol) > limits.policy:
            notices.append(f"{len(pol) - limits.policy} beleidspunt(en) weggelaten om binnen twee pagina's te "
                           "blijven; zie het beleidsbestand.")
        pol_items = tuple(replace(p, wat=shorten(p.wat, limits.text_chars)) for p in pol[: limits.policy])
        sto = [s.story for s in stories if s.domain == section.id]
        if len(sto) > limits.stories:
            notices.append(f"{len(sto) - limits.stories} verhaal/verhalen weggelaten om binnen twee pagina's "
                           "te blijven; zie het verhalenbestand.")
        sto_items = tuple(replace(s, tekst=shorten(s.tekst, limits.text_chars)) for s in sto[: limits.stories])
        domains.append(
            DomainSection(
                id=section.id,
                title=section.title,
                figures=tuple(_figure(i, notes, level, place_name(gemeente_name)) for i in chosen),
                highlights=tuple(sentences[: limits.highlights]),
                partner=partner,
                policy=pol_items,
                stories=sto_items,
                questions=section.questions[: limits.questions],
                notices=tuple(notices),
                chart=_chart(section.title, chosen, level),
            )
        )
    signals.sort(key=lambda s: (s[0], s[1]))
    summary = tuple(f"{title}: {text}" for _, _, title, text in _spread(signals, limits.summary))
    today = today or dt.date.today()
    where = ", ".join(x for x in (region.wijk_name, f"gemeente {region.gemeente_name}" if region.gemeente_name
                                   else None) if x)
    return Report(
        title=f"Buurtscan {region.name}",
        subtitle=where,
        code=region.code,
        level=level,
        date=dutch_date(today),
        intro=(f"Deze globale scan zet de cijfers van {region.name} naast die van "
               f"{place_name(gemeente_name)} en Nederland, per thema van de WijkWijzer. Ze is bedoeld als "
               "startpunt voor het gesprek met bewoners en partners: wat herkennen zij, wat zien zij anders?"),
        general=general_figs,
        age_chart=age_chart,
        summary=summary,
        domains=tuple(domains),
        sources=tuple(notes.notes()),
        attribution=_attribution(scan),
        reading_guide=("Rang: plaats onder de buurten van de gemeente (1 = hoogste waarde). "
                       f"'{MISSING}': de bron heeft geen cijfer (ontbrekend of geheim) — dat is nooit 0. "
                       "'< 5': een klein aantal dat niet wordt getoond. Het jaar staat bij elk cijfer; "
                       "de bronnen staan onderaan, met de datum waarop ze zijn opgehaald."),
        columns=({"buurt": "Buurt", "wijk": "Wijk"}.get(level, "Gemeente"), "Gemeente", "Nederland"),
        place=place_name(gemeente_name),
        audience=audience,
    )


def _spread(signals: list[tuple[int, int, str, str]], n: int) -> list[tuple[int, int, str, str]]:
    """At most n, one per domain first, then fill up."""
    seen: set[str] = set()
    first = [s for s in signals if not (s[2] in seen or seen.add(s[2]))]  # type: ignore[func-returns-value]
    rest = [s for s in signals if s not in first]
    return (first + rest)[:n]


def _partner_date(scan: Scan, source: str) -> str | None:
    for s in scan.sources:
        if s["source"] == source:
            return s.get("modified")
    return None


def _attribution(scan: Scan) -> str:
    used = {s["source"] for s in scan.sources}
    parts = ["Bron: CBS (Centraal Bureau voor de Statistiek), open data onder licentie CC BY 4.0"]
    if "politie" in used:
        parts.append("Politie, via CBS StatLine (dataderden)")
    if "rivm" in used:
        parts.append("RIVM/GGD'en/CBS, Gezondheid per wijk en buurt")
    if "leefbaarometer" in used:
        parts.append("Leefbaarometer 3.0, ministerie van BZK")
    partners = sorted(u for u in used if u not in OPEN_SOURCES)
    if partners:
        parts.append("partnercijfers: " + ", ".join(partners))
    return "; ".join(parts) + ". Bewerking: buurtscan."

