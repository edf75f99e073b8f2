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

from ..scan import Scan
from . import similar_text, trends, wording
from .figures import (  # noqa: F401 - re-exported: the rules' home for tests and callers
    COLUMN_TITLES, DISPLAY_NAMES, _bar, _chart, _chart_levels, _compared, _figure, _partner_figure, _select,
    in_summary, is_estimate, own_level, phrase, place_name, plain_text, score_words, sentence, summary_strength,
    unavailable,
)
from .limits import Limits, allot
from .model import Chart, DomainSection, PolicyItem, Report, Story
from .sources_block import (  # noqa: F401 - re-exported
    OPEN_SOURCES, PER_DOMAIN, PUBLISHERS, Notes, attribution, chart_reading, reading_guide, short_date, similar_note,
)

MONTHS = wording.MONTHS
MIN_COMPARISONS = 3
NOTHING_STANDS_OUT = "Geen cijfers die ruim afwijken van {against}."
TOO_FEW = "Voor deze {level} zijn te weinig vergelijkbare cijfers om iets te laten opvallen."


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
    notes = Notes(scan)
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
    wanted = [(min(sum(p.domain == s.id for p in policy), limits.policy),
               min(sum(t.domain == s.id for t in stories), limits.stories)) if s.id != "algemeen" else (0, 0)
              for s in scan.sections]
    allotted = dict(zip((s.id for s in scan.sections), allot(wanted, limits.items)))
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
        # a tighter note shows one figure fewer in its last `fewer_figures` domains
        behind = sum(1 for s in scan.sections[pos + 1:] if s.id != "algemeen")
        chosen = _select(open_inds, level, limits.figures - (behind < limits.fewer_figures))
        lacking = [i for i in open_inds if i.values.get(level) is None]
        sentences = [t for i in sorted((i for i in chosen if i.signal), key=lambda i: -(i.signal.strength if i.signal else 0.0))
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
        n_pol, n_sto = allotted[section.id]
        if len(pol) > n_pol:
            notices.append(_dropped(len(pol) - n_pol, "beleidspunt", "beleidspunten", policy_where))
        if len(sto) > n_sto:
            notices.append(_dropped(len(sto) - n_sto, "verhaal", "verhalen", stories_where))
        domains.append(
            DomainSection(
                id=section.id,
                title=section.title,
                # the vergelijkbaar column too where a figure of this domain has the similar buurten' median
                figures=tuple(_figure(i, notes, level, general_cols if limits.similar_domains and
                                      any(c.similar for c in chosen) else columns, place) for i in chosen),
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
        sources=tuple(notes.notes()) + (similar_note(scan, place, len(notes.numbers)) if limits.similar else ()),
        attribution=attribution(scan.sources),
        reading_guide=reading_guide(level, place, uses_rivm=any(s["source"] == "rivm" for s in scan.sources),
                                    uses_lbm=any(s["source"] == "leefbaarometer" for s in scan.sources)),
        columns=tuple(COLUMN_TITLES[c] for c in columns),
        place=place,
        summary_note=summary_note,
        comparisons=comparisons,
        changes=trends.changes([i for s in scan.sections for i in s.indicators if not i.partner], place,
                               limit=limits.changes, level=level),
        audience=audience,
        similar=similar_text.sentence(scan, place) if limits.similar else "",
        general_columns=tuple(COLUMN_TITLES[c] for c in general_cols) if general_cols != columns else (),
        similar_column=similar_text.TITLE if similar_text.COLUMN in general_cols else "",
        chart_reading=chart_reading(COLUMN_TITLES[columns[0]].lower()),
    )


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
