"""A domain slide: its key figures, a chart where it compares, the trend, questions at 18 pt, a story with its photo."""

from __future__ import annotations

import io

from ..model import DomainSection, Figure, PartnerFigure, Report
from ..wording import count as wording_count
from .charts import add_chart, chart_title, comparing_chart, join_nl
from .fitting import INSET_Y, PT, Box, Para, Run, heading, notice, para, para_height
from .notes import SIGNALS, figure_line, plain_notice, policy_text, set_notes, source_lines
from .slide import Ctx, SlideFiller, grow, make_room
from .tables import add_figure_table, least_height
from .trend import add_trend_chart, trend_figure

def _partner_paras(section: DomainSection) -> list[Para]:
    out: list[Para] = []
    if section.partner:
        out.append(heading("Cijfers van partners", before=0))
        for p in section.partner:
            out.append(_partner_para(p))
    for s in section.stories[:1]:
        out.append(heading("Verhaal uit de buurt"))
        who = ", ".join(x for x in (s.wie, s.wanneer) if x) + (f" ({s.soort})" if s.soort else "")
        runs = [Run(f"“{s.tekst}”", italic=True)] + ([Run(f" — {who}", tone="muted")] if who else [])
        out.append(Para(tuple(runs), before=0.2, drop=1, with_heading=True))  # whole, with its heading, or not at all
    return out


def _partner_para(p: PartnerFigure) -> Para:
    runs = [Run(f"{p.label}: "), Run(p.value, bold=True)]
    if p.compare:
        runs.append(Run(f" ({p.compare})"))
    runs.append(Run(f" — {p.source}", italic=True, tone="muted"))
    return Para(tuple(runs), bullet=True, before=0.25)


QUESTION_PT = 18.0  # questions are read from the back of a room


def _shown(report: Report, section: DomainSection) -> list[Figure]:
    """The figures a domain slide shows: those with a figure for the subject (the rest are named, not tabled)."""
    return [f for f in section.figures if not f.missing]


def _question_paras(section: DomainSection) -> list[Para]:
    out = [para(Run("Vragen voor het gesprek", bold=True, tone="accent"), keep=True)]
    # each question whole or not at all (the first always): later ones give way first, with a notice
    out += [para(q, bullet=True, before=0.25, drop=None if i == 0 else 5 + i) for i, q in enumerate(section.questions)]
    return out


PHOTO_SHARE = 0.42  # at most this share of the text column's width


def _story_photo(filler: SlideFiller, rect: tuple[int, int, int, int], section: DomainSection
                 ) -> tuple[int, int, int, int]:
    """The first story photo at the right of ``rect`` (cropped 3:2); returns the room left for text."""
    from pptx.util import Emu

    from .. import photos

    image = next((photos.prepared(s.foto) for s in section.stories[:1] if s.foto), None)
    if image is None:
        return rect
    x, y, w, h = rect
    pw = min(int(w * PHOTO_SHARE), int(h * 1.5))
    ph = int(pw / 1.5)
    pic = filler.slide.shapes.add_picture(io.BytesIO(image), Emu(x + w - pw), Emu(y + (h - ph) // 2), Emu(pw), Emu(ph))
    pic.name = "Foto bij verhaal"
    return x, y, w - pw - int(6 * PT), h


def _room_for_questions(f: SlideFiller, figures: list[Figure], table_rect: tuple[int, int, int, int],
                        extra: int) -> int:
    """The most of ``extra`` (EMU) the questions may take from the table's height so that every key figure
    still fits in the table, numbers whole (the lines under the labels may go; they are in the notes).
    Later questions give way first: they may be left out, with a notice."""
    if not extra or not figures:
        return extra
    least = least_height(f, 14, figures, table_rect)
    if least == float("inf"):  # no table of them keeps its numbers whole: it keeps all its room
        return 0
    return max(0, min(extra, int((table_rect[3] / PT - least) * PT)))


def domain(ctx: Ctx, section: DomainSection) -> None:
    r = ctx.report
    f = SlideFiller(ctx, "grafiek")
    f.text(0, [para(section.title)], heading_font=True)
    shown = _shown(r, section)
    missing = [fig for fig in section.figures if fig.missing]
    chart = comparing_chart(section, shown)
    trend = trend_figure(shown)
    graphic = chart is not None or trend is not None
    chart_rect, table_rect = f.rect(13), f.rect(14)
    side_rect = f.rect(16)
    if not graphic:  # nothing to compare: the right column holds the words
        side_rect = (chart_rect[0], chart_rect[1], chart_rect[2], side_rect[1] + side_rect[3] - chart_rect[1])
    side: list[Para] = []
    if section.highlights:
        side.append(heading("Wat valt op", before=0))
        side += [para(h, bullet=True, before=0.3, drop=2 + i) for i, h in enumerate(section.highlights)]
    side += _partner_paras(section)
    if section.unavailable:
        side.append(notice(section.unavailable))
    elif missing:
        side.append(notice(f"Niet beschikbaar voor {r.columns[0].lower()}: "
                           + join_nl([m.label for m in missing]) + "."))
    if not section.highlights and section.signals_note and shown:
        side.insert(0, para(Run(section.signals_note, italic=True, tone="muted"), drop=1))
    if side:
        if graphic:
            x, y, w, h = side_rect
            photo = any(s.foto for s in section.stories[:1])
            narrow = (x, y, w - int(w * PHOTO_SHARE) - int(6 * PT), h) if photo else side_rect  # text beside it
            chart_rect, grown = make_room(side, chart_rect, narrow, f.size_of(16, 13), ctx.body_factor)
            side_rect = (x, grown[1], w, grown[3])
        text_rect = _story_photo(f, side_rect, section)
        f.text(16, side, rects=[text_rect])
    else:
        f.remove(16)
    figures = shown[:5]
    questions = _question_paras(section) if section.questions else []
    if questions:
        q_rect = f.rect(15)
        need = sum(para_height(q, Box.of(q_rect, ctx.body_factor), QUESTION_PT, first=i == 0)
                   for i, q in enumerate(questions)) + 2 * INSET_Y
        extra = int(min(max(0.0, need - q_rect[3] / PT), table_rect[3] / PT * 0.45) * PT)
        extra = _room_for_questions(f, figures, table_rect, extra)
        if extra:  # the questions take room from the table above them, never a row of it
            table_rect = (table_rect[0], table_rect[1], table_rect[2], table_rect[3] - extra)
            q_rect = (q_rect[0], q_rect[1] - extra, q_rect[2], q_rect[3] + extra)
        f.text(15, questions, rects=[q_rect], largest=QUESTION_PT, smallest=QUESTION_PT)
    else:
        table_rect = grow(table_rect, f.rect(15))
        f.remove(15)
    left_out = len(shown) - len(figures)
    if figures:
        dropped = add_figure_table(f, 14, figures, table_rect, general=False)
        left_out += dropped
        if trend is not None and trend in figures[len(figures) - dropped:]:
            trend = None  # no line of a figure the table could not show
    else:
        f.remove(14)
    f.remove(13)
    if trend is not None and chart is not None:  # the bars above, the key figure's series below
        cx, cy, cw, ch = chart_rect
        top = ch * 11 // 20
        add_trend_chart(f.slide, (cx, cy + top, cw, ch - top), trend)
        chart_rect = (cx, cy, cw, top)
    elif trend is not None:
        add_trend_chart(f.slide, chart_rect, trend)
    if chart is not None:
        add_chart(f, chart_rect, chart, shown, title=chart_title(chart))
    lines = [f"{section.title}: de kerncijfers van {r.title.removeprefix('Buurtscan ')} naast gemeente en Nederland."]
    if left_out:
        lines.append(f"{wording_count(left_out, 'cijfer past', 'cijfers passen')} niet op de dia; "
                     f"{'het staat' if left_out == 1 else 'ze staan'} hieronder.")
    lines += [figure_line(r, fig) for fig in section.figures]
    if not graphic:
        lines.append("Geen grafiek: er is hier niets om naast elkaar te zetten.")
    if trend is not None and trend.spark:
        lines.append(f"Trendgrafiek {trend.label}: {trend.spark.text}"
                     + (f" ({trend.development})" if trend.development else "") + ".")
    if section.highlights:
        lines += ["", "Wat valt op:", *(f"- {h}" for h in section.highlights)]
    if section.partner:
        lines += ["", "Cijfers van partners (niet openbaar):",
                  *(f"- {p.label}: {p.value} (gemeente {p.gemeente}) — {p.source}" for p in section.partner)]
    if section.stories:
        lines += ["", "Verhalen uit de buurt:",
                  *(f"- “{s.tekst}” — {', '.join(x for x in (s.wie, s.wanneer, s.soort) if x)}" for s in section.stories)]
    if section.policy:
        lines += ["", "Beleid & ontwikkelingen:", *(f"- {policy_text(p)}" for p in section.policy)]
    if section.questions:
        lines += ["", "Vragen voor het gesprek:", *(f"- {q}" for q in section.questions)]
    lines += [f"Let op: {plain_notice(n)}" for n in section.notices]
    lines += ["", r.chart_reading, SIGNALS, "", r.reading_guide, "", *source_lines(r)]
    if f.shortened:
        lines.insert(1, "Niet alles past op de dia; de volledige tekst staat hieronder.")
    set_notes(f, lines)


