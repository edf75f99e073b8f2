"""Native, editable bar charts: the domain's comparison and the leeftijdsopbouw, labelled with the model's strings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ..formatting import MISSING
from ..model import Chart, DomainSection, Figure, Report
from .fast import ChartData
from .fitting import PT, Box, Run, clean, fit, para, text_width
from .ooxml import C, LABEL_SIZE, P, bar_format, data_labels, write_paras
from .slide import SlideFiller
from .tables import RULE

# Chart colours that stay apart in greyscale: dark, mid grey, light with a dark outline.
SERIES_FILL = ("1F3A5F", "8A96A3", "E6EAEF")
SERIES_LINE = (None, None, "1F3A5F")
EMPTY_FILL = "F4F6F8"  # the area of a chart or table that has nothing to show

UNIT_TITLES = {"%": "in %", "per 1.000 inwoners": "per 1.000 inwoners", "km": "in km", "x 1.000 euro": "in euro",
               "aantal": "aantal", "score": "score"}


def domain_chart(section: DomainSection) -> Chart | None:
    """The section's chart from the model; None when it has no values."""
    chart = section.chart
    if chart is not None and any(v is not None for b in chart.bars for v in b.values):
        return chart
    return None


def comparing_chart(section: DomainSection, shown: Sequence[Figure]) -> Chart | None:
    """The domain's chart, kept to the bars of shown figures that compare the subject (the first series)
    with a reference; None if none do (no single-bar charts)."""
    chart = domain_chart(section)
    if chart is None:
        return None
    if chart.unit in DEVIATIONS and "Nederland" in chart.series[1:]:
        chart = _without_series(chart, chart.series.index("Nederland", 1))
    labels = {f.label for f in shown if not f.small}  # a small number is not compared
    bars = tuple(b for b in chart.bars if b.label in labels and b.values[0] is not None
                 and any(v is not None for v in b.values[1:]))
    return replace(chart, bars=bars) if bars else None


DEVIATIONS = {"afwijking"}  # units measured against Nederland: its bar is 0 by definition and compares nothing


def _without_series(chart: Chart, k: int) -> Chart:
    bars = tuple(replace(b, values=b.values[:k] + b.values[k + 1:], texts=b.texts[:k] + b.texts[k + 1:])
                 for b in chart.bars)
    return replace(chart, series=chart.series[:k] + chart.series[k + 1:], bars=bars)


def chart_series(chart: Chart) -> list[int]:
    """Indexes of the series to draw: a repeated series name (gemeente report) is drawn once."""
    seen: set[str] = set()
    out = []
    for i, name in enumerate(chart.series):
        if name not in seen:
            seen.add(name)
            out.append(i)
    return out


def _point_labels(chart: Chart, figures: Sequence[Figure], report: Report) -> list[list[str | None]]:
    """Per bar and series the printed figure: the figure's cell under the series' column title (the
    model's Dutch string with its unit), else the bar's own text; None for a gap."""
    by_label = {f.label: f for f in figures}
    out = []
    for bar in chart.bars:
        f = by_label.get(bar.label)
        cells = dict(zip(report.columns_for((f,)), f.cells, strict=False)) if f is not None else {}
        row: list[str | None] = []
        for k, v in enumerate(bar.values):
            text = cells.get(chart.series[k]) if k < len(chart.series) else None
            if text in (None, MISSING):
                text = bar.texts[k] if k < len(bar.texts) and bar.texts[k] != MISSING else None
            row.append(text if v is not None else None)
        out.append(row)
    return out


def add_chart(filler: SlideFiller, rect: tuple[int, int, int, int], chart: Chart, figures: Sequence[Figure],
              *, title: str) -> Any:
    """A native clustered bar chart; each series is named at its first bar (no legend, whose order differs
    between PowerPoint and LibreOffice for bar charts); data labels are the model's Dutch strings."""
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_TICK_MARK
    from pptx.util import Pt

    keep = chart_series(chart)
    data = ChartData(number_format="0.0")
    data.categories = [clean(b.label) for b in chart.bars]
    for i in keep:
        data.add_series(clean(chart.series[i]), [b.values[i] for b in chart.bars])
    x, y, w, h = rect
    frame = filler.slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, x, y, w, h, data)
    frame.name = "Grafiek"
    ch = frame.chart
    ch.font.size = Pt(11)
    absent = [chart.series[i] for i in keep if all(b.values[i] is None for b in chart.bars)]
    gaps = any(b.values[i] is None for b in chart.bars for i in keep if chart.series[i] not in absent)
    suffix = "".join([f" · {join_nl(absent)}: {MISSING}" if absent else "",
                      f" · geen balk = {MISSING}" if gaps else ""])
    ch.has_title = True
    tf = ch.chart_title.text_frame
    tf.text = clean(title + suffix)
    for p in tf.paragraphs:
        for r in p.runs:
            r.font.size = Pt(11)
            r.font.bold = False
            r.font.color.rgb = RGBColor.from_string("5B6570")
    ch.has_legend = False
    plot = ch.plots[0]
    plot.gap_width = {1: 300, 2: 150, 3: 100}.get(len(chart.bars), 60)  # thin bars when there are few
    plot.overlap = 0
    plot.vary_by_categories = False
    cat = ch.category_axis
    cat.reverse_order = True
    cat.major_tick_mark = XL_TICK_MARK.NONE
    cat.tick_labels.font.size = Pt(11)
    cat.format.line.color.rgb = RGBColor.from_string(RULE)
    val = ch.value_axis
    val.has_major_gridlines = False
    val.visible = False
    labels = _point_labels(chart, figures, filler.ctx.report)
    texts: dict[tuple[int, int], str] = {}
    for i in keep:
        named = False
        for j, bar_labels in enumerate(labels):
            text = bar_labels[i] if i < len(bar_labels) else None
            if text is None:
                continue
            texts[(i, j)] = text if named else f"{chart.series[i]} {text}"
            named = True
    numbers = [v for b in chart.bars for i in keep if (v := b.values[i]) is not None]
    if numbers and min(numbers) >= 0 and max(numbers) > 0:
        val.minimum_scale = 0
        val.maximum_scale = _axis_maximum(chart, keep, texts, w / PT, filler.ctx.body_factor)
    for s_pos, (ser, i) in enumerate(zip(plot._element.iterchildren(C + "ser"), keep, strict=True)):
        bar_format(ser, SERIES_FILL[min(s_pos, 2)], SERIES_LINE[min(s_pos, 2)])
        data_labels(ser, {j: t for (k, j), t in texts.items() if k == i})
    return frame



def _axis_maximum(chart: Chart, keep: Sequence[int], texts: dict[tuple[int, int], str], width: float,
                  factor: float) -> float:
    """An axis maximum that leaves room right of every bar for its label."""
    cats = max((text_width(b.label, 11, factor=factor) for b in chart.bars), default=0.0)
    plot = width - min(cats, width * 0.38) - 24
    need = 0.0
    for (i, j), text in texts.items():
        v = chart.bars[j].values[i] or 0.0
        room = max(plot - text_width(text, LABEL_SIZE, factor=factor) - 8, plot * 0.2)
        need = max(need, v * plot / room)
    return _nice(need)


def _nice(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= value:
            return step * mag
    return 10 * mag


def chart_title(chart: Chart, *, age: bool = False) -> str:
    if age:
        return "Leeftijdsopbouw (%)"
    unit = UNIT_TITLES.get(chart.unit, chart.unit)
    names = [chart.series[i] for i in chart_series(chart)]
    return f"{join_nl([n if k == 0 or n == 'Nederland' else n.lower() for k, n in enumerate(names)])}, {unit}"


def join_nl(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]


def message(filler: SlideFiller, rect: tuple[int, int, int, int], text: str) -> None:
    """A short note in place of a chart or table that has nothing to show."""
    from pptx.dml.color import RGBColor
    from pptx.util import Emu

    box = filler.slide.shapes.add_textbox(Emu(rect[0]), Emu(rect[1]), Emu(rect[2]), Emu(rect[3]))
    box.name = "Geen cijfers"
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor.from_string(EMPTY_FILL)
    paras = [para(Run(text, italic=True, tone="muted"), align="ctr")]
    fitted = fit(paras, [Box.of(rect, filler.ctx.body_factor)], 14, 10)
    write_paras(box._element.find(f"{P}txBody"), fitted.boxes[0], fitted.size, anchor="ctr")


