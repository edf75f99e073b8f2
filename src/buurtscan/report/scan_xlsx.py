"""The single-buurt scan as a spreadsheet (``render CODE --format xlsx``).

One sheet per section of the scan: indicator, unit, buurt/wijk/gemeente/Nederland (each a real
number with a Dutch display format, or an empty cell with the status in the next column),
rank, signal, strength, period and source; below it the section's partner figures, policy
items and stories from the report. Then ``Bronnen`` with the CC BY line. Text is never
written as a formula (see :mod:`.spreadsheet`).
"""

from __future__ import annotations

from pathlib import Path

from ..overview import signal_of
from ..scan import Scan
from .model import Report
from .overview_xlsx import SOURCE_NAMES, sources_sheet
from .spreadsheet import Book

LEVELS = (("buurt", "Buurt"), ("wijk", "Wijk"), ("gemeente", "Gemeente"), ("nederland", "Nederland"))


def render(report: Report, *, scan: Scan, user_dir: Path | None = None) -> bytes:
    book = Book()
    domains = {d.id: d for d in report.domains}
    head = ["Indicator", "Omschrijving", "Eenheid"]
    for _, name in LEVELS:
        head += [name, f"{name}: status"]
    head += ["Rang", "Van", "Signaal", "Sterkte", "Periode", "Bron", "Tabel", "Partner"]
    widths = [24, 44, 16] + [12, 12] * len(LEVELS) + [7, 7, 12, 9, 10, 16, 14, 9]
    for section in scan.sections:
        sh = book.sheet(section.title)
        sh.text(0, 0, f"{report.title} — {section.title}", bold=True, font_size=12)
        sh.text(1, 0, report.subtitle)
        sh.headers(3, head, widths)
        sh.ws.freeze_panes(4, 2)
        n = 3
        for n, i in enumerate(section.indicators, 4):
            sh.text(n, 0, i.id)
            sh.text(n, 1, i.label)
            sh.text(n, 2, i.unit)
            for k, (level, _) in enumerate(LEVELS):
                col = 3 + 2 * k
                value, status = i.values.get(level), i.statuses.get(level, "ontbreekt")
                sh.number(n, col, value, i.decimals, i.unit)
                if value is None:
                    if status == "klein":
                        status = f"klein (< {i.threshold}, niet getoond)"
                    sh.text(n, col + 1, status)
                elif status != "ok":
                    sh.text(n, col + 1, status)
            col = 3 + 2 * len(LEVELS)
            sh.number(n, col, i.rank)
            sh.number(n, col + 1, i.rank_of)
            sig = signal_of(i)
            sh.text(n, col + 2, i.signal.valence if i.signal else None)
            sh.number(n, col + 3, sig[1] if sig else None, 2)
            sh.text(n, col + 4, i.period)
            sh.text(n, col + 5, SOURCE_NAMES.get(i.source, i.source))
            sh.text(n, col + 6, i.table_id)
            sh.text(n, col + 7, "ja" if i.partner else None)
        sh.ws.autofilter(3, 0, max(n, 4), len(head) - 1)
        d = domains.get(section.id)
        if d is None:
            continue
        n += 2
        for title, items in (
            ("Cijfers van partners", [(p.label, p.value, p.gemeente, p.source) for p in d.partner]),
            ("Beleid en ontwikkelingen", [(p.wat, p.waar, p.wanneer, p.bron) for p in d.policy]),
            ("Verhalen uit de buurt", [(s.tekst, s.wie, s.wanneer, s.soort) for s in d.stories]),
        ):
            if not items:
                continue
            sh.text(n, 0, title, bold=True)
            n += 1
            for item in items:
                for c, cell in enumerate(item):
                    sh.text(n, c, cell)
                n += 1
            n += 1
    sources_sheet(book, scan.sources, report.attribution)
    return book.close()
