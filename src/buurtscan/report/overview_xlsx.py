"""The overview as a spreadsheet: the heat-table, every figure in long form, the sources.

Sheets: ``Overzicht`` (the same table as the PDF: conditional formatting per balance, frozen
header and buurt columns, autofilter), ``Cijfers`` (buurt, domain, indicator, value, status,
unit, period, source, table id, …), ``Bronnen`` (with the CC BY line) and ``Leeswijzer``.
"""

from __future__ import annotations

from pathlib import Path

from ..overview import Overview
from ..sources import SHORT_NAMES
from .overview_view import FILLS
from .spreadsheet import Book

SOURCE_NAMES = SHORT_NAMES  # open source → its short name (from the source registry)


def render(ov: Overview, *, user_dir: Path | None = None) -> bytes:
    book = Book()
    _table(book, ov)
    _long(book, ov)
    _sources(book, ov)
    guide = book.sheet("Leeswijzer")
    guide.ws.set_column(0, 0, 120)
    guide.text(0, 0, ov.title, bold=True, font_size=14)
    for n, p in enumerate(ov.leeswijzer, 2):
        guide.text(n, 0, p, text_wrap=True, valign="top")
    return book.close()


def _table(book: Book, ov: Overview) -> None:
    sh = book.sheet("Overzicht")
    ws = sh.ws
    fixed = ["Volgorde", "Buurtcode", "Buurt", "Wijk", "Inwoners", "Urgentiescore", "Geen score omdat",
             "Leefbaarometer", "Volledig"]
    names = list(fixed)
    for d in ov.domains:
        names += [d.title, f"{d.title}: sterkste cijfer"]
    sh.headers(0, names, [9, 12, 26, 24, 10, 12, 18, 24, 9] + [16, 30] * len(ov.domains))
    ws.set_row(0, 32)
    pct = book.format(num_format="0%")
    for n, r in enumerate(ov.rows, 1):
        sh.number(n, 0, r.position)
        sh.text(n, 1, r.code)
        sh.text(n, 2, r.name)
        sh.text(n, 3, r.wijk_name)
        sh.number(n, 4, r.inwoners)
        sh.number(n, 5, r.score)
        sh.text(n, 6, r.no_score)
        sh.text(n, 7, r.leefbaarometer)
        ws.write_number(n, 8, r.completeness, pct)
        for k, c in enumerate(r.cells):
            col = len(fixed) + 2 * k
            sh.text(n, col, c.balance)
            if c.figure:
                f = c.figure
                sh.text(n, col + 1, f"{f.label}: {f.text}" + (f" ({f.reference})" if f.reference else ""))
    last = len(ov.rows)
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(last, 1), len(names) - 1)
    first_domain, last_domain = len(fixed), len(names) - 1
    for balance, (fill, fg) in FILLS.items():
        fmt = book.format(bg_color=fill, font_color=fg)
        ws.conditional_format(1, first_domain, max(last, 1), last_domain,
                              {"type": "cell", "criteria": "==", "value": f'"{balance}"', "format": fmt})
    ws.conditional_format(1, 5, max(last, 1), 5, {"type": "data_bar", "bar_color": "#B04A3F", "bar_solid": True})
    ws.conditional_format(1, 8, max(last, 1), 8, {"type": "data_bar", "bar_color": "#8A96A3", "bar_solid": True})


def _long(book: Book, ov: Overview) -> None:
    sh = book.sheet("Cijfers")
    names = ["Buurtcode", "Buurt", "Domein", "Indicator", "Omschrijving", "Waarde", "Status", "Eenheid", "Periode",
             "Bron", "Tabel", "Gemeente", "Nederland", "Rang", "Van", "Signaal", "Sterkte"]
    sh.headers(0, names, [12, 24, 22, 24, 40, 12, 12, 16, 10, 16, 16, 12, 12, 7, 7, 12, 9])
    for n, f in enumerate(ov.figures, 1):
        sh.text(n, 0, f["buurt_code"])
        sh.text(n, 1, f["buurt"])
        sh.text(n, 2, f["domain"])
        sh.text(n, 3, f["indicator"])
        sh.text(n, 4, f["label"])
        sh.number(n, 5, f["value"], f["decimals"], f["unit"])
        status = f["status"]
        if status == "klein" and f["value"] is None:
            status = f"klein (< {f['threshold']}, niet getoond)"
        sh.text(n, 6, status)
        sh.text(n, 7, f["unit"])
        sh.text(n, 8, f["period"])
        sh.text(n, 9, SOURCE_NAMES.get(f["source"], f["source"]))
        sh.text(n, 10, f["table_id"])
        sh.number(n, 11, f["gemeente"], f["decimals"], f["unit"])
        sh.number(n, 12, f["nederland"], f["decimals"], f["unit"])
        sh.number(n, 13, f["rank"])
        sh.number(n, 14, f["rank_of"])
        sh.text(n, 15, f["signal"])
        sh.number(n, 16, f["strength"], 2)
    sh.ws.freeze_panes(1, 2)
    sh.ws.autofilter(0, 0, max(len(ov.figures), 1), len(names) - 1)


def sources_sheet(book: Book, sources: list[dict] | tuple[dict, ...], attribution: str) -> None:
    sh = book.sheet("Bronnen")
    names = ["Bron", "Uitgever", "Tabel", "Titel", "Periode", "Gewijzigd", "Opgehaald", "Licentie", "Adres"]
    sh.headers(0, names, [14, 22, 16, 50, 12, 20, 20, 14, 60])
    n = 0
    for n, s in enumerate(sources, 1):
        partner = s.get("partner") or {}
        sh.text(n, 0, s.get("source"))
        sh.text(n, 1, s.get("publisher"))
        sh.text(n, 2, s.get("table_id"))
        sh.text(n, 3, s.get("title") or (partner.get("file") if isinstance(partner, dict) else None))
        sh.text(n, 4, s.get("period"))
        sh.text(n, 5, s.get("modified"))
        sh.text(n, 6, s.get("retrieved_at"))
        sh.text(n, 7, s.get("licence"))
        sh.text(n, 8, s.get("request_url") or s.get("base_url"))
    sh.text(n + 2, 0, attribution, bold=True)


def _sources(book: Book, ov: Overview) -> None:
    sources_sheet(book, ov.sources, ov.attribution)
