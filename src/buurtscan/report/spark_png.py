"""A sparkline as a small PNG (for Word, which shows no SVG in every version): the same drawing as
``svg.spark`` — own series dark and solid, the reference grey and dashed, no axes, first and last
values at the ends. Pillow (already needed by python-pptx) draws it at 4× and scales down."""

from __future__ import annotations

import io
import itertools

from .model import Spark

DARK = (31, 58, 95)
GREY = (138, 150, 163)


def png(s: Spark, *, width: int = 150, height: int = 18, scale: int = 4) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    w, h = width * scale, height * scale
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.load_default(size=7 * scale)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        font = ImageFont.load_default()
    label_w = 34 * scale
    x0, x1, top, bottom = label_w, w - label_w, 2 * scale, h - 2 * scale

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return x0 + p[0] * (x1 - x0), bottom - p[1] * (bottom - top)

    if len(s.reference) > 1:
        pts = [xy(p) for p in s.reference]
        for a, b in itertools.pairwise(pts):  # dashed: short pieces
            n = max(int(((b[0] - a[0]) ** 2 + (b[1] - a[1]) ** 2) ** 0.5 / (3 * scale)), 1)
            for k in range(0, n, 2):
                t0, t1 = k / n, min((k + 1) / n, 1.0)
                draw.line([(a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0),
                           (a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1)], fill=GREY, width=scale)
    own = [xy(p) for p in s.own]
    draw.line(own, fill=DARK, width=int(1.4 * scale), joint="curve")
    for x, y in (own[0], own[-1]):
        r = 1.8 * scale
        draw.ellipse([x - r, y - r, x + r, y + r], fill=DARK)
    mid = h / 2
    draw.text((x0 - 3 * scale, mid), s.first, fill=(30, 30, 30), font=font, anchor="rm")
    draw.text((x1 + 3 * scale, mid), s.last, fill=(30, 30, 30), font=font, anchor="lm")
    img = img.resize((width * 2, height * 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
