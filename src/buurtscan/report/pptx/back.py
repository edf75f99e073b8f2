"""The slides after the domains: what we do not know yet, policy, sources and the closing question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..model import DomainSection, Report
from ..wording import count
from .charts import join_nl
from .domain import QUESTION_PT
from .fitting import Para, Run, heading, notice, para
from .notes import SIGNALS, figure_line, plain_notice, policy_text, set_notes, source_lines
from .slide import Ctx, SlideFiller

def unknown(ctx: Ctx, sections: Sequence[DomainSection]) -> None:
    """One slide for the domains without figures for the buurt: what is missing and why, and their questions."""
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    f.text(0, [para("Wat we (nog) niet weten")], heading_font=True)
    own = r.columns[0].lower()
    left: list[Para] = [para(Run(f"Voor deze thema's heeft de bron geen cijfers voor de {own}: te weinig inwoners "
                                 "of huishoudens om ze te publiceren (geheim), of nog niet gemeten.", italic=True,
                                 tone="muted"))]
    for d in sections:
        left.append(para(Run(d.title, bold=True, tone="accent"), before=0.8, keep=True))
        what = d.unavailable or d.empty or (join_nl([x.label for x in d.figures]) if d.figures else "")
        left.append(para(what or "geen cijfers voor deze buurt", bullet=True, before=0.2, cut=True))
    f.text(13, left)
    right: list[Para] = [para(Run("Wat bewoners en partners wel weten", bold=True, tone="accent"), scale=1.1,
                              keep=True)]  # larger than the domain headings: never taken for an empty one
    for d in sections:
        if not d.questions and not d.stories:
            continue
        right.append(para(Run(d.title, bold=True), before=0.6, keep=True))
        right += [para(q, bullet=True, before=0.2, drop=None if i < 1 else 4 + i) for i, q in enumerate(d.questions)]
        right += [para(Run(f"“{st.tekst}” — {st.wie}", italic=True), before=0.3, drop=3)  # whole or not at all
                  for st in d.stories[:1]]
    f.text(14, right, largest=QUESTION_PT, smallest=QUESTION_PT)  # read from the back of the room
    lines = ["Thema's zonder cijfers voor de buurt. Ontbrekend is niet nul: de bron publiceert het cijfer niet "
             "(te kleine aantallen, geheim) of heeft het niet. Juist hier is het gesprek de bron."]
    for d in sections:
        lines += ["", f"{d.title}:", *(x for x in (d.unavailable, d.empty) if x), *(figure_line(r, x) for x in d.figures),
                  *(f"- Vraag: {q}" for q in d.questions)]
        lines += [f"- Verhaal: “{st.tekst}” — {st.wie}" for st in d.stories]
        lines += [f"Let op: {plain_notice(n)}" for n in d.notices]
    if f.shortened:
        lines.insert(0, "Niet alles past op de dia; alles staat hieronder.")
    lines += ["", *source_lines(r)]
    set_notes(f, lines)


def closing(ctx: Ctx) -> None:
    """The last slide: the conversation starts."""
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    f.text(0, [para("Wat herkent u? Wat missen we?")], heading_font=True)
    f.text(13, [para(Run("Wat herkent u?", bold=True, tone="accent"), keep=True),
                para("Welke cijfers kloppen met wat u ziet en hoort in de buurt?", bullet=True, before=0.4),
                para("Wat verbaast u?", bullet=True, before=0.4)], largest=24, smallest=18)
    f.text(14, [para(Run("Wat missen we?", bold=True, tone="accent"), keep=True),
                para("Wat zien bewoners en partners dat niet in de cijfers staat?", bullet=True, before=0.4),
                para("Welke verhalen, plannen of plekken horen erbij?", bullet=True, before=0.4)],
           largest=24, smallest=18)
    set_notes(f, ["Afsluiting: open het gesprek. Vraag eerst wat mensen herkennen, dan wat er ontbreekt; "
                        "noteer verhalen en plannen, zodat ze in een volgende scan kunnen worden meegenomen.",
                        "", *source_lines(r)])


def left_out(r: Report) -> list[str]:
    """What the deck (and note) left out of the user's policy and stories: said on a slide."""
    out = [f"{d.title}: {plain_notice(n)}" for d in r.domains for n in d.notices
           if "beleid" in n or "verha" in n]
    extra = sum(max(len(d.stories) - 1, 0) for d in r.domains)
    if extra:
        out.append(f"{count(extra, 'verhaal staat', 'verhalen staan')} niet op de dia's, maar wel in de notities "
                   "bij de dia's en in de notitie.")
    return out


def policy(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "beleid")
    items = [(d, p) for d in r.domains for p in d.policy]
    f.text(0, [para("Beleid & ontwikkelingen" if items else "Wat niet op de dia's past")], heading_font=True)
    stream: list[Para] = []
    seen: set[str] = set()
    for d, p in items:
        runs = [Run(f"{d.title}: ", bold=True), Run(p.wat)]
        if p.waar:
            runs.append(Run(f" — {p.waar}"))
        if p.wanneer:
            runs.append(Run(f" ({p.wanneer})"))
        if p.bron:
            runs.append(Run(f" Bron: {p.bron}", italic=True, tone="muted"))
        stream.append(Para(tuple(runs), bullet=True, before=0.35, drop=1 if d.id not in seen else 2))  # whole or not
        seen.add(d.id)
    dropped = left_out(r)
    if dropped:
        stream.append(heading("Niet alles past", scale=0.9, before=1.0))
        stream += [notice(n) for n in dropped]
    f.text([13, 14], stream, largest=max(f.size_of(13, 18), QUESTION_PT), smallest=14)  # legible in the room
    lines = ["Beleid & ontwikkelingen per thema, zoals aangeleverd in het beleidsbestand."]
    lines += ["", "Beleid & ontwikkelingen:", *(f"- {d.title}: {policy_text(p)}" for d, p in items)]
    lines += [f"Let op: {n}" for n in dropped]
    if f.shortened:
        lines.insert(0, "Niet alles past op de dia; alle punten staan hieronder.")
    lines += ["", *source_lines(r)]
    set_notes(f, lines)


def sources(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "bronnen")
    f.text(0, [para("Bronnen")], heading_font=True)
    left: list[Para] = []
    for s in r.sources:
        runs = [Run(f"{s.number}. ", bold=True), Run(s.text)]
        if s.url:
            runs.append(Run(f" {s.url}", tone="muted"))
        left.append(Para(tuple(runs), before=0.5))
    if not r.sources:
        left.append(para(Run("Geen bronnen: er staan geen cijfers in de cache.", italic=True, tone="muted")))
    left.append(para(Run(r.attribution, italic=True, tone="muted"), scale=0.9, before=1.0))
    guide = [heading("Zo lees je de cijfers", scale=1.0, before=0), para(r.reading_guide, before=0.4),
             para("In de grafieken: donker = " + r.columns[0].lower() + ", grijs = gemeente, licht = Nederland; "
                  "geen balk = niet beschikbaar.", before=0.6)]
    if f.fits(13, left):
        f.text(13, left)
        f.text(14, guide)
    else:  # every source and the attribution whole: they run on into the second column, the guide gives way
        head, body, charts = guide
        f.text([13, 14], [*left, replace(head, before=1.0), replace(body, cut=True),
                          replace(charts, drop=2)])
    lines = ["Waar de cijfers vandaan komen en hoe je ze leest.", *source_lines(r), "", r.reading_guide, "",
             SIGNALS, r.chart_reading]
    set_notes(f, lines)


