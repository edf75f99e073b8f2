"""The cover (title and 'Wat valt op') and the Algemene gegevens slide."""

from __future__ import annotations

from ..model import Report
from .charts import add_chart, chart_series, chart_title, join_nl, message
from .fitting import Para, Run, para
from .notes import SIGNALS, figure_line, series_word, set_notes, source_lines
from .slide import Ctx, SlideFiller, grow
from .tables import add_figure_table


def _summary_paras(report: Report) -> list[Para]:
    titles = {d.title for d in report.domains}
    out = [para(Run("Wat valt op", bold=True, tone="accent"), scale=1.35, keep=True)]
    if not report.summary:
        out.append(para(Run(report.summary_note or "Voor deze buurt zijn te weinig vergelijkbare cijfers om iets "
                            "te laten opvallen.", italic=True, tone="muted"), before=0.6))
    for i, s in enumerate(report.summary):
        head, sep, rest = s.partition(": ")
        runs = (Run(head + sep, bold=True), Run(rest)) if sep and head in titles else (Run(s),)
        out.append(Para(runs, bullet=True, before=0.6, drop=None if i < 3 else 10 + i))
    if report.similar:  # the vergelijkbare buurten, named; left out before the three strongest signals
        out.append(para(Run(report.similar, tone="muted"), scale=0.85, before=0.8, drop=9))
    return out


def cover(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "titel")
    f.text(0, [para(r.title)], heading_font=True,
           smallest=max(18.0, f.size_of(0, 36) * 0.6), largest=f.size_of(0, 36))
    f.text(1, [para(r.subtitle or r.code)])
    f.text(13, [para(f"{r.code} · {r.date}")])
    fitted = f.text(14, _summary_paras(r))
    if f.has(15):
        f.text(15, [para(r.intro)])
    lines = [r.intro, "",
             ("'Wat valt op' zijn de sterkste signalen over alle thema's: eerst ongunstig, dan gunstig, dan "
              "opvallend, zo mogelijk één per thema."),
             *(f"- {s}" for s in r.summary), *([r.similar] if r.similar else []),
             *(f"Let op: {n}" for n in r.notices), "", SIGNALS,
             "", r.reading_guide, "", *source_lines(r)]
    if fitted.shortened or f.shortened:
        lines.insert(0, "Niet alles past op de dia; de volledige tekst staat hieronder.")
    set_notes(f, lines)


def general(ctx: Ctx) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "grafiek")
    f.text(0, [para("Algemene gegevens")], heading_font=True)
    chart_rect, table_rect = f.rect(13), f.rect(14)
    intro_here = "inleiding" not in _filled_optional(ctx)
    if intro_here:
        f.text(15, [para(r.intro)])
    else:
        table_rect = grow(table_rect, f.rect(15))
        f.remove(15)
    chart_rect = grow(chart_rect, f.rect(16))
    f.remove(16)
    shown = [fig for fig in r.general if not fig.missing]  # no rows of "niet beschikbaar"
    if shown:
        add_figure_table(f, 14, shown, table_rect, general=True)
    else:
        f.remove(14)
        message(f, table_rect, "Geen cijfers beschikbaar.")
    f.remove(13)
    if r.age_chart is not None and any(v is not None for b in r.age_chart.bars for v in b.values):
        add_chart(f, chart_rect, r.age_chart, (), title=chart_title(r.age_chart, age=True))
    else:
        message(f, chart_rect, "Leeftijdsopbouw: geen cijfers beschikbaar.")
    lines = ["Algemene gegevens en leeftijdsopbouw.", *(figure_line(r, fig) for fig in r.general)]
    if len(shown) < len(r.general):
        lines.append("Niet op de dia (geen cijfer voor de buurt): "
                     + join_nl([fig.label for fig in r.general if fig.missing]) + ".")
    if r.age_chart is not None:
        lines.append("Leeftijdsopbouw (% van de inwoners): " + "; ".join(
            f"{b.label}: " + ", ".join(f"{series_word(r.age_chart.series[i])} {b.texts[i] if i < len(b.texts) else ''}"
                                       for i in chart_series(r.age_chart)) for b in r.age_chart.bars) + ".")
    lines += ["", r.chart_reading, "Trend: de verandering sinds het vorige jaar met cijfers voor deze buurt.",
              "", r.reading_guide, "", *source_lines(r)]
    set_notes(f, lines)


def _filled_optional(ctx: Ctx) -> set[str]:
    return {"inleiding"} if 15 in ctx.layouts["titel"].rects else set()


