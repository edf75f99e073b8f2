"""Bar charts drawn once as SVG from the report's chart model: inline in the HTML note, and
the geometry shared with the Word note's PNG (:mod:`.word.charts`, drawn with Pillow).

Readable in greyscale (dark, mid and light grey with outlines), labels escaped, no scripts,
no external resources. Values are printed from :attr:`Bar.texts` (never formatted here).
"""

from __future__ import annotations

from typing import NamedTuple

from markupsafe import Markup, escape

from .formatting import MISSING
from .model import Chart, Spark

FILLS = ("#1f3a5f", "#8a96a3", "#ffffff")  # buurt, gemeente, Nederland — distinct in greyscale too
STROKE = "#1f3a5f"
FONT = "Lato, 'Segoe UI', Arial, sans-serif"


def _c(v: float) -> float | int:
    """An SVG coordinate (one decimal is sharp enough); a drawing position, never a printed value."""
    r = round(v, 1)
    return int(r) if r == int(r) else r


def _text(bar_texts: tuple[str, ...], i: int) -> str:
    return bar_texts[i] if i < len(bar_texts) else ""


class BarLayout(NamedTuple):
    """Where a grouped bar chart's parts go, in SVG units (shared by the SVG and Word's PNG)."""

    label_w: int
    value_w: int
    legend_h: int
    label_h: float
    plot_w: float
    bar_h: float
    height: float
    top: float  # the value at the right end of the plot


def bar_layout(chart: Chart, *, width: int, row: int, label_w: int, font: float, above: bool) -> BarLayout:
    """``above`` puts each category's label on its own line over its bars (for long labels)."""
    value_w, legend_h = 60, 18
    label_h = font + 3 if above else 0
    label = 4 if above else label_w
    plot_w = width - label - value_w
    bar_h = (row - 6) / max(len(chart.series), 1)
    height = legend_h + (row + label_h) * len(chart.bars) + 4
    return BarLayout(label, value_w, legend_h, label_h, plot_w, bar_h, height, chart.maximum or 1.0)


def bars(chart: Chart, *, width: int = 330, row: int = 26, label_w: int = 92, font: float = 9,
         above: bool = False) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series, value at the end.

    ``above`` puts each category's label on its own line over its bars (for long labels)."""
    label_w, value_w, legend_h, label_h, plot_w, bar_h, height, top = bar_layout(
        chart, width=width, row=row, label_w=label_w, font=font, above=above)
    small = round(font * 0.85, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(chart.title)}" class="chart" '
           f'font-family="{FONT}" fill="#1b1f24">']
    x = label_w
    for i, name in enumerate(chart.series):  # legend
        out.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{FILLS[i % 3]}" stroke="{STROKE}" '
                   'stroke-width="0.8"/>')
        out.append(f'<text x="{x + 14}" y="12" font-size="{font}">{escape(name)}</text>')
        x += 14 + round(font * 0.6 * len(name)) + 12
    for r, bar in enumerate(chart.bars):
        y0 = legend_h + r * (row + label_h)
        if above:
            out.append(f'<text x="{label_w}" y="{_c(y0 + font)}" font-size="{font}">{escape(bar.label)}</text>')
            y0 += label_h
        else:
            out.append(f'<text x="{label_w - 6}" y="{_c(y0 + row / 2 + 3)}" font-size="{font}" '
                       f'text-anchor="end">{escape(bar.label)}</text>')
        for i, v in enumerate(bar.values):
            y = y0 + 2 + i * bar_h
            if v is None:
                out.append(f'<text x="{label_w + 2}" y="{_c(y + bar_h - 1)}" font-size="{small}" '
                           f'fill="#555">{MISSING}</text>')
                continue
            w = max(plot_w * v / top, 0.5)
            out.append(f'<rect x="{label_w}" y="{_c(y)}" width="{_c(w)}" height="{_c(bar_h - 1)}" '
                       f'fill="{FILLS[i % 3]}" stroke="{STROKE}" stroke-width="0.6"/>')
            out.append(f'<text x="{_c(label_w + w + 3)}" y="{_c(y + bar_h - 1.5)}" font-size="{small}">'
                       f'{escape(_text(bar.texts, i))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def spark(s: Spark, *, width: float = 49, height: float = 10) -> Markup:
    """A sparkline's lines only: the region's series (dark, solid, dots at the ends) against the
    reference (grey, dashed); no axes. The first and last values are printed beside it, as text of
    the page (from :attr:`Spark.first` and :attr:`Spark.last`). Greyscale-readable."""
    pad = 1.6
    x0, x1, top, bottom = pad, width - pad, pad, height - pad

    def xy(p: tuple[float, float]) -> tuple[float | int, float | int]:
        return _c(x0 + p[0] * (x1 - x0)), _c(bottom - p[1] * (bottom - top))

    def pts(points: tuple[tuple[float, float], ...]) -> str:
        return " ".join(f"{x},{y}" for x, y in map(xy, points))

    title = s.text + (f"; grijs gestippeld: {s.reference_name}" if s.reference else "")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(title)}" class="spark-line">',
           f"<title>{escape(title)}</title>"]
    if len(s.reference) > 1:
        out.append(f'<polyline points="{pts(s.reference)}" fill="none" stroke="#8a96a3" stroke-width="0.8" '
                   'stroke-dasharray="2 1.2"/>')
    out.append(f'<polyline points="{pts(s.own)}" fill="none" stroke="{STROKE}" stroke-width="1.1"/>')
    for p in (s.own[0], s.own[-1]):
        x, y = xy(p)
        out.append(f'<circle cx="{x}" cy="{y}" r="1.2" fill="{STROKE}"/>')
    out.append("</svg>")
    return Markup("".join(out))
