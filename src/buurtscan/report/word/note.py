"""The Word note's blocks, laid out like the PDF so that the same fitted content takes one or two
pages: the title block, "Algemene gegevens" beside the age chart and "Wat valt op" over the full
width; then two newspaper columns with the series, the domains and the sources.

Everything printed comes from the report model as it is; the renderer only places it.
"""

from __future__ import annotations

import io

from .. import photos
from ..model import Chart, DomainSection, Report
from . import base, charts, xml
from .base import ACCENT, MUTED, RULE, SOFT
from .tables import figure_table

GAP_CM = 0.5  # between the two columns


class Note:
    """One Word note being written: the body XML, the sizes, and the parts it relates (images)."""

    def __init__(self, doc, report: Report, styled: bool) -> None:  # noqa: ANN001
        self.doc, self.report, self.styled = doc, report, styled
        self.ids = base.style_ids(doc)
        self.numbering, self.abstract = base.list_number(doc, self.ids.get("List Number"))
        self.next_num = base.next_num_id(self.numbering) if self.numbering is not None else 0
        self.restarts: list[int] = []  # the numbering instances the note's lists use
        self.resident = report.audience == "bewoners"
        self.size, self.small = (10.0, 9.0) if self.resident else (7.5, 7.0)
        section = doc.sections[0]
        self.width = (section.page_width - section.left_margin - section.right_margin) / xml.EMU_PER_CM
        self.column = (self.width - GAP_CM) / 2
        self.out: list[str] = []
        self.pictures = 0
        self.muted = xml.Font(size=self.small, colour=MUTED, italic=True)

    # ---------------------------------------------------------------- paragraphs
    def add(self, *parts: str) -> None:
        self.out.extend(parts)

    def text(self, text: str, font: xml.Font = xml.PLAIN, **kw) -> str:  # noqa: ANN003
        return xml.para(xml.run(text, font), **kw) if text else ""

    def heading(self, text: str, level: int = 1, *, rule: bool = False) -> str:
        style = self.ids.get({0: "Title", 1: "Heading 1", 2: "Heading 2"}[level])
        font = xml.PLAIN if style else xml.Font(size=(17, 10.5, 7)[level], bold=True, colour=ACCENT)
        border = xml.border("top", RULE, 4, 2) if rule else ""
        return xml.para(xml.run(text, font), style=style, keep=True, border=border)

    def bullets(self, items, *, size: float | None = None) -> str:  # noqa: ANN001
        style = self.ids.get("List Bullet")
        font = xml.Font(size=size)
        return "".join(xml.para(xml.run(t if style else f"• {t}", font), style=style) for t in items)

    def numbered(self, items: tuple[str, ...]) -> str:
        """A numbered list that starts at 1 (a fresh numbering instance over the style's own list)."""
        style = self.ids.get("List Number")
        if self.numbering is None or self.abstract is None or style is None:
            return "".join(xml.para(xml.run(f"{i}. {t}")) for i, t in enumerate(items, 1))
        num = self.next_num + len(self.restarts)
        self.restarts.append(num)  # made in one go when the note is done (:meth:`finish`)
        return "".join(xml.para(xml.run(t), style=style, num=(num, 0)) for t in items)

    def finish(self) -> None:
        """The numbering instances the lists asked for."""
        if self.numbering is not None and self.abstract is not None:
            base.restarts(self.numbering, self.abstract, self.restarts)

    def picture(self, data: bytes, width_cm: float, name: str) -> str:
        rid, image = self.doc.part.get_or_add_image(io.BytesIO(data))
        self.pictures += 1
        height = width_cm * image.px_height / image.px_width
        return xml.picture(rid, width_cm, height, self.pictures, name)

    def chart(self, chart: Chart, width_cm: float, *, above: bool) -> str:
        # drawn at the size it is shown (1 px = 0.66 pt at 250 px on 5.8 cm): labels at 7 pt, values at 6 pt
        px = round(width_cm / 2.54 * 72 / 0.66)
        image = charts.bars(chart, width=px, row=32 if above else 33, label_w=62, above=above, font=10.8)
        # single line spacing: a picture in a paragraph set closer than that is cut off at the top
        return xml.para(self.picture(image, width_cm, chart.title), after=2, lines=1.0, keep_lines=True)

    def table(self, figures, total_cm: float, titles=None, *, keep_after: bool = False) -> str:  # noqa: ANN001
        titles = titles or self.report.columns_for(figures)
        return figure_table(figures, titles, self.report.similar_column, total_cm, self.size, self.small,
                            keep_after=keep_after)

    # ---------------------------------------------------------------- the one-column part
    def title_block(self) -> None:
        r = self.report
        self.add(xml.para(xml.run(r.title, xml.PLAIN if self.ids.get("Title") else
                                  xml.Font(size=17, bold=True, colour=ACCENT)), style=self.ids.get("Title"),
                          keep=True, after=0),
                 xml.para(xml.run(f"{r.subtitle} · {r.code} · {r.date}", xml.Font(colour=MUTED)),
                          border=xml.border("bottom", ACCENT, 16, 2), after=3),
                 self.text(r.intro))

    def general(self) -> None:
        r = self.report
        heading = self.heading("Algemene gegevens")
        if not r.age_chart or self.resident:  # the resident version's larger text: the table over the
            self.add(heading, self.table(r.general, self.width))  # full width, the chart in a column
            return
        left = (self.width - GAP_CM) * 1.55 / 2.55
        right = self.width - GAP_CM - left
        spacer = xml.para(before=0, after=0, line=1)
        chart = self.chart(r.age_chart, right - 0.2, above=False)
        cells = [heading + self.table(r.general, left - 0.2) + spacer, "",
                 self.heading(f"{r.age_chart.title} (%)") + chart]
        widths = [left, GAP_CM, right]
        self.add(xml.table([xml.row(cells, widths)], widths, margins_cm=0.0))

    def summary(self) -> None:
        r = self.report
        inner = self.heading("Wat valt op") + self.bullets(r.summary)
        if not r.summary and r.summary_note:
            inner += self.text(r.summary_note, xml.Font(italic=True))
        if r.changes:
            inner += self.heading("Wat verandert") + self.bullets(r.changes)
        if r.similar:
            inner += self.text(r.similar, xml.Font(size=self.small + 0.5))
        left = xml.border("left", ACCENT, 16, 0)
        cell = [f'<w:tcBorders>{left}</w:tcBorders><w:shd w:val="clear" w:color="auto" w:fill="{SOFT}"/>'
                f'<w:tcMar><w:top w:w="60" w:type="dxa"/><w:left w:w="120" w:type="dxa"/>'
                f'<w:bottom w:w="60" w:type="dxa"/></w:tcMar>']
        row = xml.row([inner], [self.width], cell_borders=cell[0], split=self.resident)
        self.add(xml.para(before=0, after=0, line=3), xml.table([row], [self.width], margins_cm=0.12))

    # ---------------------------------------------------------------- the two-column part
    def age_chart(self) -> None:
        """The resident version's age chart, first in the two columns (beside it the text goes on)."""
        chart = self.report.age_chart
        if chart:  # heading and chart in one row that does not split: they go to the next column together
            inner = self.heading(f"{chart.title} (%)") + self.chart(chart, min(self.column, 8.0), above=False)
            self.add(xml.table([xml.row([inner], [self.column])], [self.column], margins_cm=0.0))

    def series(self) -> None:
        """Each figure's series in one line ("2019 → 2024: 3.245 → 3.360") with its sparkline."""
        r = self.report
        figs = [f for f in (*r.general, *(f for d in r.domains for f in d.figures)) if f.series]
        if not figs:
            return
        spark_cm = 3.2  # 170 px: the first and last values at about 6 pt
        widths = [self.column - spark_cm, spark_cm]
        detail = xml.Font(size=self.small, colour=MUTED)
        rows = []
        for i, f in enumerate(figs):
            keep = i < len(figs) - 1
            line = " · ".join(x for x in (f.series, f.spark.start if f.spark else "") if x)
            text = xml.para(xml.run(f"{f.label}: ", xml.Font(size=self.small)) + xml.run(line, detail),
                            keep=keep, before=0, after=0.5, lines=0.92)
            spark = charts.spark(f.spark, width=170, height=20, font=12, label_w=44) if f.spark else None
            image = xml.para(self.picture(spark, spark_cm - 0.1, f.label) if spark else "",
                             keep=keep, after=0, align="right", lines=1.0)
            rows.append(xml.row([text, image], widths, bottom=xml.border("bottom", SOFT, 2, 0)))
        self.add(self.heading("Ontwikkeling", 2), xml.table(rows, widths, margins_cm=0.06),
                 xml.para(before=0, after=0, line=4))

    def domain(self, d: DomainSection) -> None:
        self.add(self.heading(d.title, 1, rule=True))
        if self.resident:  # at most three figures, in plain words, each with its source and year
            self.add(self.bullets(f.plain + (f"\u2009[{f.note}]" if f.note else "")
                                  + (f" ({f.period})" if f.period else "") for f in d.figures))
        elif d.figures:
            self.add(self.table(d.figures, self.column), xml.para(before=0, after=0, line=3))
        for line in (d.empty, d.unavailable, "" if d.highlights else d.signals_note):
            self.add(self.text(line, self.muted, after=1))
        if d.chart is not None and _compares(d.chart):
            self.add(self.chart(d.chart, min(self.column, 5.8), above=True))
        self.add(self.bullets(d.highlights))
        if d.partner:
            self.add(self.heading("Cijfers van partners", 2))
            for pf in d.partner:
                self.add(xml.para(xml.run(f"{pf.label}: ") + xml.run(pf.value, xml.Font(bold=True))
                                  + xml.run(f" ({pf.compare})" if pf.compare else "")
                                  + xml.run(f" — {pf.source}", xml.Font(italic=True))))
        if d.policy:
            self.add(self.heading("Beleid & ontwikkelingen", 2))
            for item in d.policy:
                self.add(xml.para(xml.run(item.wat + (f" — {item.waar}" if item.waar else "")
                                          + (f" ({item.wanneer})" if item.wanneer else ""))
                                  + (xml.run(f" Bron: {item.bron}", xml.Font(italic=True)) if item.bron else "")))
        if not self.resident:
            self.voices(d, self.column)
        for n in d.notices:
            self.add(self.text(n, self.muted))

    def voices(self, d: DomainSection, width_cm: float) -> None:
        """The domain's stories (with their photos) and questions (first in the resident version)."""
        if d.stories:
            self.add(self.heading("Verhalen uit de buurt", 2))
        quote_style = self.ids.get("Quote")
        bar = xml.border("left", RULE, 10, 4)
        for st in d.stories:
            who = st.wie + (f", {st.wanneer}" if st.wanneer else "") + (f" ({st.soort})" if st.soort else "")
            quote = (xml.para(xml.run(f"“{st.tekst}”", xml.Font(italic=True)), style=quote_style, border=bar,
                              keep=True, keep_lines=True, after=0)
                     + xml.para(xml.run(f"— {who}"), after=2))
            image = photos.prepared(st.foto) if st.foto else None
            if image is None or st.foto is None:
                self.add(quote)
                continue
            photo_cm = round(min(width_cm * 0.32, 3.0), 2)  # the photo beside the quote, cropped to 3:2
            widths = [width_cm - photo_cm, photo_cm]
            cells = [quote, xml.para(self.picture(image, photo_cm - 0.15, st.foto.name if st.foto else ""), after=2, lines=1.0)]
            self.add(xml.table([xml.row(cells, widths)], widths, margins_cm=0.05))
        if d.questions:
            self.add(self.heading("Vragen voor het gesprek", 2), self.numbered(d.questions))

    def residents(self) -> None:
        """The resident version opens with what residents say and ask, domain by domain (in the
        two columns of its own section, under its heading)."""
        for d in self.report.domains:
            if d.stories or d.questions:
                self.add(xml.para(xml.run(d.title, xml.Font(bold=True, colour=ACCENT)), keep=True))
                self.voices(d, self.column)

    def closing(self) -> None:
        r = self.report
        small = xml.Font(size=self.small, colour=MUTED)
        self.add(self.heading("Leeswijzer", 2), self.text(r.reading_guide, small, after=0),
                 self.text(r.attribution, small))
        for n in r.notices:
            self.add(self.text(n, xml.Font(size=self.small, colour=MUTED, italic=True)))
        self.add(self.heading("Bronnen", 2))
        for s in r.sources:
            self.add(self.text(f"[{s.number}] {s.text}", small, after=0))


def _compares(chart: Chart | None) -> bool:
    """A chart worth its room: two or more bars, each with the subject and both references."""
    return bool(chart and len(chart.bars) > 1 and all(all(v is not None for v in b.values) for b in chart.bars))
