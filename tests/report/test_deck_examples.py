"""The deck fits wherever it is opened: text is measured as the widest of Lato and the fonts that
stand in for it (DejaVu Sans, LibreOffice's fallback on Linux; Liberation Sans, Arial's metrics),
and every text box and table cell of the real example decks is re-measured here, independently of
the deck's own fitting code, with each of those fonts' own advance widths.

Lato comes from the font-lato wheel; DejaVu Sans and Liberation Sans are read from the system font
files when they are installed (Debian: fonts-dejavu-core, fonts-liberation2) and those checks are
skipped otherwise — the project itself needs only the widths stored in fallback_widths.json.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation

from buurtscan.actions.render import RenderOptions, render
from buurtscan.example import example_cache
from buurtscan.report.pptx import fitting, fonts
from buurtscan.settings import Settings
from tests.paths import EXAMPLES

MOERWIJK, GELSELAAR = "BU05183620", "BU18590006"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
EMU_PT = 12700
MISSING = "niet beschikbaar"

SYSTEM = {
    "DejaVu Sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    "Liberation Sans": ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
                        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"),
}


def widths_of(path: str | Path) -> dict[str, float]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    scale = 1000 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    return {chr(c): metrics[g][0] * scale for c, g in font.getBestCmap().items()}


def font_tables() -> dict[str, tuple[dict[str, float], dict[str, float]]]:
    """Regular and bold widths of Lato (wheel) and of each stand-in installed on this machine."""
    out = {"Lato": (widths_of(fonts.folder() / "Lato-Regular.ttf"), widths_of(fonts.folder() / "Lato-Bold.ttf"))}
    for name, (regular, bold) in SYSTEM.items():
        if Path(regular).exists() and Path(bold).exists():
            out[name] = (widths_of(regular), widths_of(bold))
    return out


# ------------------------------------------------------------------------------------------ the stored widths


@pytest.mark.skipif(not all(Path(p).exists() for pair in SYSTEM.values() for p in pair),
                    reason="DejaVu Sans / Liberation Sans not installed")
def test_stored_fallback_widths_are_the_widest_stand_in_of_the_system_fonts():
    data = json.loads(fonts.FALLBACK_FILE.read_text(encoding="utf-8"))
    for k, weight in enumerate(("regular", "bold")):
        tables = [widths_of(pair[k]) for pair in SYSTEM.values()]
        stored = data[weight]
        assert len(stored) > 500
        for code, width in stored.items():
            ch = chr(int(code, 16))
            assert width == math.ceil(max(t[ch] for t in tables if ch in t)), (weight, ch)
        for ch in "aeimnorstu €,0123456789%":  # what the deck writes is covered
            assert f"{ord(ch):04X}" in stored


def test_text_is_measured_as_the_widest_of_lato_and_its_stand_ins():
    lato = widths_of(fonts.folder() / "Lato-Regular.ttf")
    stored = {chr(int(c, 16)): w for c, w in
              json.loads(fonts.FALLBACK_FILE.read_text(encoding="utf-8"))["regular"].items()}
    measure = fonts.advances(False)
    for ch in "Arbeidsongeschiktheidsuitkeringen 17.942.942 € 113.000 →":
        assert measure[ch] == max(lato.get(ch, 0.0), stored.get(ch, 0.0)), ch
    word = "Arbeidsongeschiktheidsuitkeringen"
    assert sum(measure[c] for c in word) > 1.1 * sum(lato[c] for c in word)  # DejaVu Sans is much wider
    # the packaged theme font is Lato: no extra factor on top of the widest measure; a wider font gets one
    assert fonts.factor("Lato") == 1.0 and fonts.factor("Verdana") > 1.0


# ------------------------------------------------------------------------------------------ the real decks


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """The four decks of the brief: Moerwijk-Oost and Verspreide huizen Gelselaar, with and without the
    example policy and stories, rendered as the command does."""
    out = tmp_path_factory.mktemp("decks")
    made = {}
    for label, extra in (("plain", {}), ("inputs", {"policy": EXAMPLES / "beleid.csv",
                                                    "stories": EXAMPLES / "verhalen.csv"})):
        options = RenderOptions(formats=("pptx",), out_dir=out / label, **extra)
        for res in render(Settings(cache_dir=out / "unused-cache"), [MOERWIJK, GELSELAAR], options=options,
                          cache=example_cache(), record=False, jobs=1):
            made[(res.code, label)] = Presentation(io.BytesIO(res.files[0].read_bytes()))
    return made


def _lines(runs: list[tuple[str, bool, float]], width: float, table: tuple[dict, dict]) -> int:
    """Lines a paragraph of (text, bold, size) runs wraps to in ``width`` points, greedy at spaces
    (a word longer than the line breaks anywhere) — the renderer's rule, written out independently."""
    def w(ch: str, bold: bool, size: float) -> float:
        t = table[bold]
        return t.get(ch, t["M"]) * size / 1000

    words: list[list[tuple[str, bool, float]]] = [[]]
    for text, bold, size in runs:
        for k, piece in enumerate(text.split(" ")):
            if k:
                words.append([])
            if piece:
                words[-1].append((piece, bold, size))
    lines, line = 1, 0.0
    for word in words:
        if not word:
            continue
        ww = sum(w(ch, b, s) for piece, b, s in word for ch in piece)
        space = w(" ", word[0][1], word[0][2])
        if line and line + space + ww <= width:
            line += space + ww
            continue
        if line:
            lines, line = lines + 1, 0.0
        if ww <= width:
            line = ww
            continue
        for piece, b, s in word:
            for ch in piece:
                cw = w(ch, b, s)
                if line and line + cw > width:
                    lines, line = lines + 1, 0.0
                line += cw
    return lines


def _text_height(tx: etree._Element, width: float, table, *, bold: bool, insets: bool) -> float:
    body = tx.find(A + "bodyPr")

    def inset(name: str, default: int) -> float:
        return int(body.get(name, default)) / EMU_PT if insets and body is not None else (default / EMU_PT if insets else 0)

    inner = width - inset("lIns", 91440) - inset("rIns", 91440)
    total = inset("tIns", 45720) + inset("bIns", 45720)
    for n, p in enumerate(tx.findall(A + "p")):
        runs = []
        for r in p.findall(A + "r"):
            rpr = r.find(A + "rPr")
            size = int(rpr.get("sz", "1800")) / 100 if rpr is not None else 18.0
            b = bold if rpr is None or rpr.get("b") is None else rpr.get("b") == "1"
            runs.append((r.findtext(A + "t") or "", b, size))
        end = p.find(A + "endParaRPr")
        size = max((s for _t, _b, s in runs), default=int(end.get("sz", "1800")) / 100 if end is not None else 18.0)
        ppr = p.find(A + "pPr")
        mar = int(ppr.get("marL", "0")) / EMU_PT if ppr is not None else 0.0
        before = 0.0
        if ppr is not None and n:
            spc = ppr.find(f"{A}spcBef/{A}spcPts")
            before = int(spc.get("val")) / 100 if spc is not None else 0.0
        lines = _lines(runs, inner - mar, table) if runs else 1
        total += before + lines * size * 1.2
    return total


@pytest.mark.parametrize("font", ["Lato", "DejaVu Sans", "Liberation Sans"])
def test_every_text_box_and_cell_of_the_example_decks_fits_in_each_font(decks, font):
    tables = font_tables()
    if font not in tables:
        pytest.skip(f"{font} is not installed")
    table = tables[font]
    checked = 0
    for (code, label), prs in decks.items():
        for n, slide in enumerate(prs.slides, 1):
            for sh in slide.shapes:
                ph = sh._element.find(f".//{P}ph")
                kind = None if ph is None else ph.get("type", "obj")
                if sh.has_text_frame and sh.text_frame.text.strip() and kind != "sldNum":
                    tx = sh._element.find(f"{P}txBody")
                    need = _text_height(tx, sh.width / EMU_PT, table, bold=kind in ("title", "ctrTitle"), insets=True)
                    assert need <= sh.height / EMU_PT + 0.5, (font, code, label, n, sh.name, round(need, 1),
                                                              round(sh.height / EMU_PT, 1), sh.text_frame.text[:80])
                    checked += 1
                if sh.has_table:
                    cols = [c.width / EMU_PT for c in sh.table.columns]
                    for row in sh.table.rows:
                        for i, cell in enumerate(row.cells):
                            tc = cell._tc
                            pr = tc.find(A + "tcPr")
                            margin = sum(int(pr.get(k, "91440")) for k in ("marL", "marR")) / EMU_PT
                            vertical = sum(int(pr.get(k, "45720")) for k in ("marT", "marB")) / EMU_PT
                            inner = cols[i] - margin
                            need = _text_height(tc.find(A + "txBody"), inner, table, bold=False, insets=False)
                            assert need + vertical <= row.height / EMU_PT + 0.5, (font, code, label, n, cell.text)
                            text = cell.text_frame.text
                            if i and text and text != MISSING:  # a figure is never broken over two lines
                                runs = [(r.text, bool(r.font.bold), r.font.size.pt)
                                        for p in cell.text_frame.paragraphs for r in p.runs]
                                assert _lines(runs, inner, table) == 1, (font, code, label, n, text)
                            checked += 1
    assert checked > 400


def test_slide_counts_of_the_example_decks(decks):
    """At most twelve slides plus the closing slide, in every case of the brief."""
    counts = {key: len(prs.slides) for key, prs in decks.items()}
    assert all(n <= 13 for n in counts.values()), counts
    assert counts[(MOERWIJK, "inputs")] == counts[(MOERWIJK, "plain")] + 1  # + Beleid & ontwikkelingen
    for prs in decks.values():
        last = prs.slides[len(prs.slides) - 1]
        assert last.shapes.title.text_frame.text == "Wat herkent u? Wat missen we?"


def test_the_attribution_and_every_source_are_whole_on_the_sources_slide(decks):
    """CC BY asks for the attribution: it and every numbered source stand on the Bronnen slide in full,
    even where the reading guide has to give way (it is in the notes)."""
    for (code, label), prs in decks.items():
        slide = next(s for s in prs.slides if s.shapes.title.text_frame.text == "Bronnen")
        text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert "Bewerking: buurtscan." in text, (code, label)
        notes = slide.notes_slide.notes_text_frame.text
        for line in notes.splitlines():
            if line.startswith("[") and "]" in line:  # "[7] Vergelijkbare buurten: …" in the notes
                body = line.split("] ", 1)[1]
                assert body.split(" https://")[0] in text, (code, label, body[:60])


# ------------------------------------------------------------------------------------------ issue 14/16 on the real decks


def _title(slide) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def _notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text


def test_questions_never_take_a_key_figure_row_and_stand_whole_at_18pt(decks):
    """The questions give way to the key figures, not the other way round (Wonen had lost its
    Leefbaarometer row, whose line chart was still drawn); a question is whole or left out, never cut."""
    for (code, label), prs in decks.items():
        for slide in prs.slides:
            notes = _notes(slide)
            if "de kerncijfers van" not in notes.splitlines()[0] + (notes.splitlines()[1] if "\n" in notes else ""):
                continue
            assert "past niet op de dia" not in notes and "passen niet op de dia" not in notes, (code, label, _title(slide))
            asked = [ln[2:] for ln in notes.split("Vragen voor het gesprek:\n", 1)[-1].splitlines() if ln.startswith("- ")]
            box = next(sh for sh in slide.shapes if sh.has_text_frame and "Vragen voor het gesprek" in sh.text_frame.text)
            shown = [p for p in box.text_frame.paragraphs if p.text and p.text not in ("Vragen voor het gesprek",)
                     and not p.text.startswith("Niet alles past")]
            assert shown and all(p.text in asked for p in shown), (code, label, _title(slide), [p.text for p in shown])
            assert all(r.font.size.pt >= 18 for p in shown for r in p.runs)
            table = next(sh.table for sh in slide.shapes if sh.has_table)
            rows = len(table.rows) - 1
            listed = [ln for ln in notes.splitlines() if ln.startswith("- ") and ": buurt " in ln]
            tabled = [ln for ln in listed if "buurt niet beschikbaar" not in ln.split(". periode")[0]]
            assert rows == min(5, len(tabled)), (code, label, _title(slide), rows, len(tabled))


def test_the_trend_line_is_the_leefbaarometer_and_misdrijven_has_no_series_in_the_example(decks):
    """Issue 16 item 3 on the real example: the Leefbaarometer 2002–2024 is drawn as a native line chart
    (years below the plot, also under negative scores). Misdrijven per 1.000 inwoners cannot be: the
    example's Politie rows (table 47018NED) hold the buurt for one year only (2023) and no gemeente row,
    and Nederland's 2012–2023 (47025NED) are counts — so no line is drawn, rather than a made-up one."""
    import polars as pl

    rows = pl.read_parquet(example_cache().root / "tables" / "politie-47018NED.parquet")
    total = rows.filter(pl.col("indicator") == "GeregistreerdeMisdrijven.totaal_misdrijven")
    assert set(total.filter(pl.col("region_code") == MOERWIJK)["period"]) == {"2023"}
    assert total.filter(pl.col("region_level") != "buurt").height == 0
    prs = decks[(MOERWIJK, "inputs")]
    slides = {_title(s): s for s in prs.slides}
    veiligheid = [sh.chart for sh in slides["Veiligheid & criminaliteit"].shapes if sh.has_chart]
    assert not any("LINE" in str(c.chart_type) for c in veiligheid)
    [line] = [sh for sh in slides["Leefomgeving & openbare ruimte"].shapes if sh.has_chart]
    assert "LINE" in str(line.chart.chart_type)
    cats = list(line.chart.plots[0].categories)
    assert cats[0] == "2002" and cats[-1] == "2024"
    xml = etree.tostring(line.chart._chartSpace).decode()
    assert '<c:tickLblPos val="low"/>' in xml


def test_policy_items_are_legible_from_the_back_of_the_room(decks):
    prs = decks[(MOERWIJK, "inputs")]
    slide = next(s for s in prs.slides if _title(s) == "Beleid & ontwikkelingen")
    sizes = {r.font.size.pt for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title
             for p in sh.text_frame.paragraphs for r in p.runs if "verzonnen" in r.text}
    assert sizes and min(sizes) >= 18
