"""The overview as printed: pages of rows with every text in Dutch (shared by HTML and PDF).

Pure: takes an :class:`~buurtscan.overview.Overview` and returns plain dicts. Rows are split
into pages of :data:`ROWS_PER_PAGE` here (not by the layout engine), so each page repeats the
header and the page count follows from the row count: ``1 + ceil(rows / ROWS_PER_PAGE)``
(the last page holds the leeswijzer and the sources).
"""

from __future__ import annotations

import math
from typing import Any

from ..overview import Overview
from .build import MONTHS, place_name
from .formatting import number

ROWS_PER_PAGE = 13

# Fill and text colour per balance. Darkness rises with urgency, so the table reads in
# greyscale too; the symbols (▼▼ … ▲▲) carry the same information without colour.
FILLS = {
    "sterk ongunstig": ("#7a1f1f", "#ffffff"),
    "ongunstig": ("#d9776d", "#1b1f24"),
    "gemengd": ("#efe3d0", "#1b1f24"),
    "geen signaal": ("#ffffff", "#1b1f24"),
    "gunstig": ("#dbe8f3", "#1b1f24"),
    "sterk gunstig": ("#b9d2e8", "#1b1f24"),
    "geen cijfers": ("#eeeeee", "#5b6570"),
}
SHORT_LBM = {
    "ruim boven het Nederlandse gemiddelde": "ruim boven NL",
    "boven het Nederlandse gemiddelde": "boven NL",
    "rond het Nederlandse gemiddelde": "rond NL",
    "onder het Nederlandse gemiddelde": "onder NL",
    "ruim onder het Nederlandse gemiddelde": "ruim onder NL",
}


def page_count(rows: int) -> int:
    """Pages of the printed overview for a number of rows (the leeswijzer page included)."""
    return max(1, math.ceil(rows / ROWS_PER_PAGE)) + 1


def _date(stamp: str) -> str:
    y, m, d = (int(x) for x in stamp[:10].split("-"))
    return f"{d} {MONTHS[m - 1]} {y}"


def view(ov: Overview) -> dict[str, Any]:
    rows = []
    for r in ov.rows:
        cells = []
        for c in r.cells:
            fill, fg = FILLS[c.balance]
            f = c.figure
            cells.append({
                "balance": c.balance, "symbol": c.symbol, "fill": fill, "fg": fg,
                "label": f.label if f else "", "value": f.text if f else "",
                "reference": f.reference if f else "",
            })
        rows.append({
            "position": str(r.position), "code": r.code, "name": r.name, "wijk": r.wijk_name or "",
            "inwoners": number(r.inwoners) if r.inwoners is not None else "onbekend",
            "score": str(r.score) if r.score is not None else "–",
            "no_score": r.no_score or "",
            "lbm": SHORT_LBM.get(r.leefbaarometer or "", r.leefbaarometer or "")
            or (number(r.leefbaarometer_score, 2) if r.leefbaarometer_score is not None else "geen cijfer"),
            "completeness": f"{round(r.completeness * 100)}%",
            "cells": cells,
        })
    pages = [rows[i:i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    what = "wijk" if ov.level == "wijk" else "gemeente"
    scored = sum(1 for r in ov.rows if r.score is not None)
    return {
        "title": ov.title,
        "subtitle": (f"Alle {len(ov.rows)} buurten van {what} {place_name(ov.name)}"
                     + (f" (gemeente {place_name(ov.gemeente_name)})" if ov.level == "wijk" else "")
                     + f", op volgorde van urgentie; {scored} met een score"),
        "code": ov.code,
        "date": _date(ov.generated_at),
        "domains": [d.title for d in ov.domains],
        "pages": pages,
        "legend": [{"balance": b, "symbol": s, "fill": FILLS[b][0], "fg": FILLS[b][1]}
                   for b, s in (("sterk ongunstig", "▼▼"), ("ongunstig", "▼"), ("gemengd", "▼▲"),
                                ("geen signaal", "·"), ("gunstig", "▲"), ("sterk gunstig", "▲▲"),
                                ("geen cijfers", "–"))],
        "leeswijzer": list(ov.leeswijzer),
        "sources": [
            f"{s.get('publisher') or s['source']}, {s.get('title') or ''} ({s['table_id']}), periode "
            f"{s.get('period') or '?'}, opgehaald {str(s.get('retrieved_at') or '?')[:10]}"
            for s in ov.sources
        ],
        "attribution": ov.attribution,
    }
