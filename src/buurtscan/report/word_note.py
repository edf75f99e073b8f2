"""Editable Word note (python-docx), built with Word's own styles so a gemeente can restyle it.

A ``note.docx`` in the templates folder (user folder first) is used as the base document:
its styles (Title, Heading 1, Heading 2, List Bullet, List Number, Quote, Table Grid) and
page setup apply. Text is added as runs, so nothing in it is interpreted.
"""

from __future__ import annotations

import io
from pathlib import Path

from . import templates
from .model import Figure, Report

TEMPLATE = "note.docx"
_XML_BAD = {c: None for c in range(32) if c not in (9, 10, 13)}


def _clean(text: str) -> str:
    """Remove control characters Word cannot store (they would corrupt the file)."""
    return str(text).translate(_XML_BAD)


def _table(doc, report: Report, figures: tuple[Figure, ...]) -> None:  # noqa: ANN001
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    columns = report.columns_for(figures)
    table = doc.add_table(rows=1, cols=len(columns) + 2)
    table.style = "Table Grid" if "Table Grid" in [s.name for s in doc.styles] else None
    head = table.rows[0].cells
    for cell, text in zip(head, ["", *columns, "Jaar, rang"], strict=True):
        cell.text = text
    for f in figures:
        cells = table.add_row().cells
        cells[0].text = _clean(f.label + (f" [{f.note}]" if f.note else ""))
        for cell, v in zip(cells[1:-1], f.cells, strict=True):
            cell.text = _clean(v)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if v.endswith("*") and cell.paragraphs[0].runs:
                cell.paragraphs[0].runs[0].italic = True  # a small number looks different
        extra = " · ".join(x for x in (f.detail, f.signal) if x)
        cells[-1].text = _clean(extra)
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    import docx
    from docx.shared import Cm, Pt

    try:
        base = templates.find(TEMPLATE, user_dir)
        doc = docx.Document(str(base))
    except FileNotFoundError:
        doc = docx.Document()
        section = doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(1.6))
        normal = doc.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(9.5)
    core = doc.core_properties
    core.title = _clean(report.title)
    core.author = "buurtscan"
    core.subject = _clean(f"{report.code} {report.subtitle}")

    doc.add_heading(_clean(report.title), level=0)
    doc.add_paragraph(_clean(f"{report.subtitle} · {report.code} · {report.date}"))
    doc.add_paragraph(_clean(report.intro))
    doc.add_heading("Algemene gegevens", level=1)
    _table(doc, report, report.general)
    if report.age_chart:
        p = doc.add_paragraph()
        p.add_run("Leeftijdsopbouw (%): ").bold = True
        parts = []
        for b in report.age_chart.bars:
            vals = ["–" if v is None else f"{v:.1f}".replace(".", ",") for v in b.values]
            parts.append(f"{b.label}: {' / '.join(vals)}")
        p.add_run(_clean("; ".join(parts) + f" ({' / '.join(report.age_chart.series)})"))
    doc.add_heading("Wat valt op", level=1)
    for s in report.summary:
        doc.add_paragraph(_clean(s), style="List Bullet")
    if not report.summary:
        doc.add_paragraph(_clean(report.summary_note)).runs[0].italic = True
    if report.similar:
        doc.add_paragraph(_clean(report.similar))
    for d in report.domains:
        doc.add_heading(_clean(d.title), level=1)
        if d.figures:
            _table(doc, report, d.figures)
        for line in (d.empty, d.unavailable, "" if d.highlights else d.signals_note):
            if line:
                doc.add_paragraph(_clean(line)).runs[0].italic = True
        for h in d.highlights:
            doc.add_paragraph(_clean(h), style="List Bullet")
        if d.partner:
            doc.add_heading("Cijfers van partners", level=2)
            for pf in d.partner:
                refs = f" ({pf.compare})" if pf.compare else ""
                doc.add_paragraph(_clean(f"{pf.label}: {pf.value}{refs} — {pf.source}"), style="List Bullet")
        if d.policy:
            doc.add_heading("Beleid & ontwikkelingen", level=2)
            for item in d.policy:
                text = item.wat + (f" — {item.waar}" if item.waar else "") + (f" ({item.wanneer})" if item.wanneer else "")
                text += f" Bron: {item.bron}" if item.bron else ""
                doc.add_paragraph(_clean(text), style="List Bullet")
        if d.stories:
            doc.add_heading("Verhalen uit de buurt", level=2)
            for st in d.stories:
                style = "Quote" if "Quote" in [s.name for s in doc.styles] else None
                doc.add_paragraph(_clean(f"“{st.tekst}”"), style=style)
                who = st.wie + (f", {st.wanneer}" if st.wanneer else "") + (f" ({st.soort})" if st.soort else "")
                doc.add_paragraph(_clean(f"— {who}"))
                if st.foto:
                    try:
                        doc.add_picture(io.BytesIO(st.foto.data), width=Cm(6))
                    except Exception:  # noqa: BLE001 - an unreadable image is left out, the text stays
                        doc.add_paragraph(_clean(f"(foto {st.foto.name} kon niet worden ingevoegd)"))
        if d.questions:
            doc.add_heading("Vragen voor het gesprek", level=2)
            for q in d.questions:
                doc.add_paragraph(_clean(q), style="List Number")
        for n in d.notices:
            doc.add_paragraph(_clean(n)).runs[0].italic = True
    doc.add_heading("Bronnen en leeswijzer", level=1)
    doc.add_paragraph(_clean(report.reading_guide))
    for s in report.sources:
        doc.add_paragraph(_clean(f"[{s.number}] {s.text}"))
    doc.add_paragraph(_clean(report.attribution))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
