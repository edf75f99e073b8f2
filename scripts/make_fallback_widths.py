#!/usr/bin/env python3
"""Build ``src/buurtscan/report/pptx/fallback_widths.json``: the advance widths of the fonts that
stand in for Lato where Lato is not installed, so the deck can fit its text for them too.

Usage (from the repository root, on a machine with the Debian packages fonts-dejavu-core and
fonts-liberation2; the project itself never needs them)::

    python scripts/make_fallback_widths.py [--out src/buurtscan/report/pptx/fallback_widths.json]

Why: a .pptx names its theme font (Lato). Where Lato is missing, the program that opens the deck
draws another sans: LibreOffice on Linux falls back to DejaVu Sans (about 16% wider than Lato),
PowerPoint on Windows and macOS to a sans of about Arial's width (Arial, Helvetica; Liberation
Sans has Arial's metrics). Embedding Lato in the .pptx is not honoured by LibreOffice 7.4 (its
PPTX import has no embedded-font reader; tried, see docs/deck-template.md), so the deck measures
every character as the widest of Lato, DejaVu Sans and Liberation Sans
(:mod:`buurtscan.report.pptx.fonts`).

The file holds, per weight, for every character in the ranges below that a stand-in font has (also
those Lato lacks, which a stand-in draws), the widest stand-in advance in thousandths of an em (rounded up). Italic is
measured as regular (the oblique and italic cuts of these fonts have the regular advances within
a few units). Font metrics are facts about the fonts, not their outlines; DejaVu Sans (Bitstream
Vera licence) and Liberation Sans (SIL OFL 1.1) are free fonts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "buurtscan" / "report" / "pptx" / "fallback_widths.json"

STAND_INS = {
    False: ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf"],
    True: ["/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
           "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"],
}
PACKAGES = {"DejaVu Sans": "fonts-dejavu-core", "Liberation Sans": "fonts-liberation2"}
# Latin (Basic to Extended-B), spacing modifiers, general punctuation, super/subscripts, currency,
# letterlike symbols, arrows, mathematical operators: what Dutch report text uses.
RANGES = [(0x20, 0x250), (0x2B0, 0x300), (0x2000, 0x20D0), (0x2100, 0x2150), (0x2190, 0x2300)]


def advances(path: str) -> dict[int, float]:
    from fontTools.ttLib import TTFont

    font = TTFont(path, lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {code: metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()}


def version(path: str) -> str:
    from fontTools.ttLib import TTFont

    name = TTFont(path, lazy=True)["name"]
    return f"{name.getDebugName(1)} {name.getDebugName(2)}, {name.getDebugName(5)}"


def build() -> dict:
    wanted = {c for lo, hi in RANGES for c in range(lo, hi)}
    out: dict = {
        "about": "Widest advance (1/1000 em, rounded up) of the stand-ins for Lato, per character; "
                 "made by scripts/make_fallback_widths.py",
        "fonts": {},
    }
    for bold, paths in STAND_INS.items():
        tables = [advances(p) for p in paths]
        for p in paths:
            out["fonts"][Path(p).name] = version(p)
        widths = {}
        for code in sorted(wanted):
            have = [t[code] for t in tables if code in t]
            if have:
                widths[f"{code:04X}"] = math.ceil(max(have))
        out["bold" if bold else "regular"] = widths
    out["packages"] = PACKAGES
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    missing = [p for paths in STAND_INS.values() for p in paths if not Path(p).exists()]
    if missing:
        print(f"Missing font file {missing[0]}: install the Debian packages {', '.join(PACKAGES.values())}.",
              file=sys.stderr)
        return 2
    data = build()
    args.out.write_text(json.dumps(data, indent=0, sort_keys=True, ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"Wrote {args.out} ({len(data['regular'])} regular, {len(data['bold'])} bold characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
