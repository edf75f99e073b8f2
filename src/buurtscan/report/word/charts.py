"""The Word note's pictures, drawn with Pillow (a wheel python-pptx needs anyway) from the report's
chart model: the bar charts as :func:`..svg.bars` draws them for the HTML note (same geometry,
fills and Lato text), and the sparklines as :func:`..svg.spark`.

Word shows no SVG in every version, so the note needs PNG. Rasterising the SVG with resvg costs
about 0.4 ms per text element (70 ms a chart); Pillow draws the same chart in a few ms. Values are
printed from :attr:`Bar.texts` and :attr:`Spark.first`/``last`` (never formatted here).
"""

from __future__ import annotations

import itertools
import struct
import zlib
from functools import lru_cache
from pathlib import Path

from ..formatting import MISSING
from ..model import Chart, Spark
from ..svg import bar_layout

FILLS = ((0x1F, 0x3A, 0x5F), (0x8A, 0x96, 0xA3), (0xFF, 0xFF, 0xFF))  # buurt, gemeente, Nederland (greyscale-safe)
STROKE = (0x1F, 0x3A, 0x5F)
INK = (0x1B, 0x1F, 0x24)
GREY = (0x55, 0x55, 0x55)


@lru_cache(maxsize=16)
def _font(px: float):  # noqa: ANN202
    from PIL import ImageFont

    try:
        import font_lato

        return ImageFont.truetype(str(Path(font_lato.__file__).parent / "files" / "Lato-Regular.ttf"), size=px)
    except (ImportError, OSError):  # pragma: no cover - font-lato is a dependency
        return ImageFont.load_default(size=px)


@lru_cache(maxsize=4096)
def _glyphs(text: str, px: float, anchor: str):  # noqa: ANN202
    """The text as a mask and its offset from the anchor point; labels and legends repeat from
    chart to chart, so each is rasterised once."""
    from PIL import Image, ImageDraw

    font = _font(px)
    left, top, right, bottom = (int(v) for v in font.getbbox(text, anchor=anchor))
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, font=font, fill=255, anchor=anchor)
    return mask, left, top


@lru_cache(maxsize=256)
def _length(text: str, px: float) -> float:
    return float(_font(px).getlength(text))


def _text(img, xy: tuple[float, float], text: str, px: float, fill: tuple[int, int, int],  # noqa: ANN001
          anchor: str = "ls") -> None:
    if text:
        mask, left, top = _glyphs(text, px, anchor)
        img.paste(fill, (round(xy[0]) + left, round(xy[1]) + top), mask)


def _png(img) -> bytes:  # noqa: ANN001
    """The RGB image as a PNG without row filters, deflated fast. Pillow tries every filter on
    every row of an RGB image, which cost more than drawing the chart; these charts (flat colours
    on white) deflate as small without them."""
    from PIL import Image

    w, h = img.size
    rows = Image.new("L", (w * 3 + 1, h), 0)  # each row's bytes after one 0 byte (filter "none")
    rows.paste(Image.frombytes("L", (w * 3, h), img.tobytes()), (1, 0))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))


def bars(chart: Chart, *, width: int = 330, row: int = 26, label_w: int = 92, font: float = 9,
         above: bool = False, scale: int = 2) -> bytes:
    """Horizontal grouped bars, one group per category (label above its bars with ``above``),
    the value at the end of each bar; a legend on top. ``scale`` pixels per SVG unit."""
    from PIL import Image, ImageDraw

    label_w, value_w, legend_h, label_h, plot_w, bar_h, height, top = bar_layout(
        chart, width=width, row=row, label_w=label_w, font=font, above=above)
    s = scale
    img = Image.new("RGB", (round(width * s), round(height * s)), "white")
    draw = ImageDraw.Draw(img)
    big, small = font * s, round(font * 0.85, 1) * s
    thin, hair = max(round(0.8 * s), 1), max(round(0.6 * s), 1)
    x: float = label_w
    for i, name in enumerate(chart.series):  # legend
        draw.rectangle([x * s, 3 * s, (x + 10) * s, 13 * s], fill=FILLS[i % 3], outline=STROKE, width=thin)
        _text(img, ((x + 14) * s, 12 * s), name, big, INK)
        x += 14 + _length(name, big) / s + 12
    for r, bar in enumerate(chart.bars):
        y0 = legend_h + r * (row + label_h)
        if above:
            _text(img, (label_w * s, (y0 + font) * s), bar.label, big, INK)
            y0 += label_h
        else:
            _text(img, ((label_w - 6) * s, (y0 + row / 2 + 3) * s), bar.label, big, INK, "rs")
        for i, v in enumerate(bar.values):
            y = y0 + 2 + i * bar_h
            if v is None:
                _text(img, ((label_w + 2) * s, (y + bar_h - 1) * s), MISSING, small, GREY)
                continue
            w = max(plot_w * v / top, 0.5)
            draw.rectangle([label_w * s, y * s, (label_w + w) * s, (y + bar_h - 1) * s], fill=FILLS[i % 3],
                           outline=STROKE, width=hair)
            text = bar.texts[i] if i < len(bar.texts) else ""
            _text(img, ((label_w + w + 3) * s, (y + bar_h - 1.5) * s), text, small, INK)
    return _png(img)


def spark(sp: Spark, *, width: int = 150, height: int = 18, scale: int = 4, font: float = 7,
          label_w: int = 34) -> bytes:
    """A sparkline: the region's series dark and solid (dots at the ends), the reference grey and
    dashed, no axes, the first and last values at the ends. Drawn at ``scale`` and halved (smooth)."""
    from PIL import Image, ImageDraw

    w, h = width * scale, height * scale
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    label_w *= scale
    x0, x1, top, bottom = label_w, w - label_w, 2 * scale, h - 2 * scale

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return x0 + p[0] * (x1 - x0), bottom - p[1] * (bottom - top)

    if len(sp.reference) > 1:
        for a, b in itertools.pairwise([xy(p) for p in sp.reference]):  # dashed: short pieces
            steps = max(int(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 / (3 * scale)), 1)
            for k in range(0, steps, 2):
                t0, t1 = k / steps, min((k + 1) / steps, 1.0)
                draw.line([(a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0),
                           (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)], fill=FILLS[1], width=scale)
    own = [xy(p) for p in sp.own]
    draw.line(own, fill=STROKE, width=int(1.4 * scale), joint="curve")
    for x, y in (own[0], own[-1]):
        r = 1.8 * scale
        draw.ellipse([x - r, y - r, x + r, y + r], fill=STROKE)
    _text(img, (x0 - 3 * scale, h / 2), sp.first, font * scale, INK, "rm")
    _text(img, (x1 + 3 * scale, h / 2), sp.last, font * scale, INK, "lm")
    return _png(img.reduce(2))
