"""Inline SVG bar charts for the HTML note: readable in greyscale (dark, mid and light grey
with outlines), labels escaped, no scripts, no external resources."""

from __future__ import annotations

from markupsafe import Markup, escape

from .formatting import number
from .model import Chart, Spark

FILLS = ("#1f3a5f", "#8a96a3", "#ffffff")  # buurt, gemeente, Nederland — distinct in greyscale too
STROKE = "#1f3a5f"


def bars(chart: Chart, *, width: int = 330, row: int = 26) -> Markup:
    """Horizontal grouped bars: one group per category, one bar per series, value at the end."""
    label_w, value_w, legend_h = 92, 40, 18
    plot_w = width - label_w - value_w
    n = len(chart.series)
    bar_h = (row - 6) / n
    height = legend_h + row * len(chart.bars) + 4
    top = chart.maximum or 1.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(chart.title)}" class="chart">']
    x = label_w
    for i, name in enumerate(chart.series):  # legend
        out.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{FILLS[i % 3]}" stroke="{STROKE}" '
                   'stroke-width="0.8"/>')
        out.append(f'<text x="{x + 14}" y="12" font-size="9">{escape(name)}</text>')
        x += 14 + 7 * len(name) + 12
    for r, bar in enumerate(chart.bars):
        y0 = legend_h + r * row
        out.append(f'<text x="{label_w - 6}" y="{y0 + row / 2 + 3:.1f}" font-size="9" '
                   f'text-anchor="end">{escape(bar.label)}</text>')
        for i, v in enumerate(bar.values):
            y = y0 + 2 + i * bar_h
            if v is None:
                out.append(f'<text x="{label_w + 2}" y="{y + bar_h - 1:.1f}" font-size="7" '
                           'fill="#555">niet beschikbaar</text>')
                continue
            w = max(plot_w * v / top, 0.5)
            out.append(f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1:.1f}" '
                       f'fill="{FILLS[i % 3]}" stroke="{STROKE}" stroke-width="0.6"/>')
            out.append(f'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 1.5:.1f}" font-size="7.5">'
                       f'{escape(number(v, 1))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def spark(s: Spark, *, width: int = 150, height: int = 16) -> Markup:
    """A sparkline: the region's series (dark, solid, dots at the ends) against the reference (grey,
    dashed); no axes; the first and last values printed at the ends. Greyscale-readable."""
    label_w = 34
    x0, x1 = label_w, width - label_w
    top, bottom = 2.0, height - 2.0

    def pts(points: tuple[tuple[float, float], ...]) -> str:
        return " ".join(f"{x0 + x * (x1 - x0):.1f},{bottom - y * (bottom - top):.1f}" for x, y in points)

    title = f"{s.text}" + (f"; grijs gestippeld: {s.reference_name}" if s.reference else "")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" aria-label="{escape(title)}" class="spark">']
    if s.reference:
        out.append(f'<polyline points="{pts(s.reference)}" fill="none" stroke="#8a96a3" stroke-width="1" '
                   'stroke-dasharray="2 1.5"/>')
    out.append(f'<polyline points="{pts(s.own)}" fill="none" stroke="{STROKE}" stroke-width="1.4"/>')
    for x, y in (s.own[0], s.own[-1]):
        out.append(f'<circle cx="{x0 + x * (x1 - x0):.1f}" cy="{bottom - y * (bottom - top):.1f}" r="1.6" '
                   f'fill="{STROKE}"/>')
    mid = height / 2 + 3
    out.append(f'<text x="{x0 - 3}" y="{mid:.1f}" font-size="7" text-anchor="end">{escape(s.first)}</text>')
    out.append(f'<text x="{x1 + 3}" y="{mid:.1f}" font-size="7">{escape(s.last)}</text>')
    out.append(f"<title>{escape(title)}</title></svg>")
    return Markup("".join(out))
