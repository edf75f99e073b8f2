"""The deck's trend chart: a native, editable line chart (buurt, gemeente, Nederland) of the first
key figure of a domain that has a series (report.trends). Greyscale-readable: the own line dark and
thick with markers, gemeente mid-grey, Nederland light grey and dashed; no gridlines, no legend
clutter (the legend sits at the bottom); the first and last own values are labelled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fast import ChartData
from ..model import Figure

LINE = (("1F3A5F", 2.25, None), ("8A96A3", 1.5, None), ("B5BDC6", 1.25, "dash"))


def trend_figure(figures: Sequence[Figure]) -> Figure | None:
    """The key figure whose series the slide shows: comparable units only (no sizes next to Nederland),
    and a line that compares (the own series with a reference)."""
    for f in figures:
        if f.key and f.spark and f.unit != "aantal" and len(f.spark.periods) >= 3 and _compares(f.spark.lines):
            return f
    return None


def _compares(lines: Sequence[tuple[str, Sequence[float | None]]]) -> bool:
    """The own line has at least three values and a reference line has values too (no lone line)."""
    filled = [sum(v is not None for v in values) for _name, values in lines]
    return len(filled) >= 2 and filled[0] >= 3 and any(n for n in filled[1:])


def add_trend_chart(slide: Any, rect: tuple[int, int, int, int], f: Figure) -> Any:
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import (XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE,
                                 XL_TICK_LABEL_POSITION, XL_TICK_MARK)
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.util import Pt

    s = f.spark
    assert s is not None
    fmt = "0" if s.decimals <= 0 else "0." + "0" * s.decimals
    data = ChartData(number_format=fmt)
    data.categories = list(s.periods)
    for name, values in s.lines:
        data.add_series(name, list(values))
    x, y, w, h = rect
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, x, y, w, h, data)
    frame.name = "Trendgrafiek"
    ch = frame.chart
    ch.font.size = Pt(10)
    ch.has_title = True
    ch.chart_title.text_frame.text = f"{f.label}, {s.periods[0]}–{s.periods[-1]}"
    for p in ch.chart_title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(11)
            r.font.bold = False
            r.font.color.rgb = RGBColor.from_string("5B6570")
    ch.has_legend = True
    ch.legend.position = XL_LEGEND_POSITION.BOTTOM
    ch.legend.include_in_layout = False
    ch.value_axis.has_major_gridlines = False
    ch.value_axis.tick_labels.font.size = Pt(9)
    ch.category_axis.tick_labels.font.size = Pt(9)
    ch.category_axis.major_tick_mark = XL_TICK_MARK.NONE
    ch.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # the years below, also under negative scores
    for k, series in enumerate(ch.plots[0].series):
        colour, width, dash = LINE[min(k, 2)]
        series.smooth = False
        series.format.line.color.rgb = RGBColor.from_string(colour)
        series.format.line.width = Pt(width)
        if dash:
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series.marker.style = XL_MARKER_STYLE.CIRCLE if k == 0 else XL_MARKER_STYLE.NONE
        series.marker.size = 5
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = RGBColor.from_string(colour)
        if k == 0:  # the first and last own values labelled
            values = s.lines[0][1]
            known = [i for i, v in enumerate(values) if v is not None]
            for i in (known[0], known[-1]) if known else ():
                label = series.points[i].data_label
                label.has_text_frame = True
                label.text_frame.text = s.first if i == known[0] else s.last
                label.font.size = Pt(9)
                label.position = XL_LABEL_POSITION.ABOVE  # clear of the line and its marker
    return frame
