#!/usr/bin/env python3
"""Build ``templates/deck.pptx``: the packaged house-style deck of ``buurtscan render --pptx``.

Usage (from the repository root)::

    python scripts/make_deck_template.py [--out templates/deck.pptx]

Starts from python-pptx's default template, makes it 16:9, gives it a restrained house style
(white background, dark blue #1f3a5f accents, Lato — the open font the deck measures its text
with, shipped in the font-lato wheel; its PANOSE class is set so that PowerPoint picks a similar
sans where Lato is not installed) and replaces the eleven
default layouts by the four named layouts the renderer fills by placeholder ``idx``:

=====================  ====================================================================
layout                 placeholders (idx: purpose)
=====================  ====================================================================
buurtscan titel        0 titel · 1 ondertitel · 13 code en datum · 14 "Wat valt op" ·
                       15 inleiding (optional)
buurtscan grafiek      0 titel · 13 grafiek · 14 kerncijfers (tabel) · 15 signalen ·
                       16 partners en verhaal
buurtscan beleid       0 titel · 13 linkerkolom · 14 rechterkolom
buurtscan bronnen      0 titel · 13 bronnen · 14 leeswijzer
=====================  ====================================================================

Every content layout also has a footer (idx 11) and a slide number (idx 12), which the
renderer fills when a layout has them. ``docs/deck-template.md`` explains all of this to users
who want to use their own corporate deck.

The output is deterministic (fixed core-property dates, fixed zip entry dates), so running the
script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "templates" / "deck.pptx"

ACCENT = "1F3A5F"  # dark blue: titles, accent bar, the buurt series
INK = "1B1F24"  # body text
MUTED = "5B6570"  # meta text
RULE = "C9D0D8"  # hairlines
SOFT = "EEF2F6"  # light panels
MID = "8A96A3"  # the gemeente series
ON_ACCENT = "D5DEE8"  # secondary text on the dark blue panel
FONT = "Lato"
PANOSE = "020F0502020204030203"  # Lato: a humanist sans (PowerPoint substitutes by this class)

WIDTH, HEIGHT = 40 / 3, 7.5  # inches, 16:9 (12192000 x 6858000 EMU)
MARGIN = 0.6
CONTENT_TOP, CONTENT_BOTTOM = 1.5, 6.85
FOOTER_TOP = 7.0

NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
GROUP = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
         '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>'
         '<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>')
FIXED_DATE = dt.datetime(2026, 1, 1, 12, 0, 0)


def emu(inches: float) -> int:
    return round(inches * 914400)


def xfrm(x: float, y: float, w: float, h: float) -> str:
    return f'<a:xfrm><a:off x="{emu(x)}" y="{emu(y)}"/><a:ext cx="{emu(w)}" cy="{emu(h)}"/></a:xfrm>'


def colour(value: str) -> str:
    """'tx2' → scheme colour, '1F3A5F' → RGB."""
    if value in ("tx1", "tx2", "bg1", "bg2", "accent1", "accent2"):
        return f'<a:solidFill><a:schemeClr val="{value}"/></a:solidFill>'
    return f'<a:solidFill><a:srgbClr val="{value}"/></a:solidFill>'


def placeholder(shape_id: int, name: str, ph: str, rect: tuple[float, float, float, float], prompt: str, *,
                size: int | None = None, color: str | None = None, bold: bool = False, anchor: str = "t",
                fill: str | None = None, bullets: bool = False, align: str = "l") -> str:
    """One layout placeholder: position, text defaults and a prompt saying what goes in it."""
    sz = f' sz="{size * 100}"' if size else ""
    rpr = f'<a:defRPr{sz} b="{1 if bold else 0}">{colour(color) if color else ""}</a:defRPr>'
    if bullets:
        ppr = (f'<a:lvl1pPr marL="{emu(0.22)}" indent="-{emu(0.22)}" algn="{align}"><a:spcBef><a:spcPts val="600"/>'
               f'</a:spcBef><a:buFontTx/><a:buChar char="•"/>{rpr}</a:lvl1pPr>')
    else:
        ppr = (f'<a:lvl1pPr marL="0" indent="0" algn="{align}"><a:spcBef><a:spcPts val="0"/></a:spcBef>'
               f'<a:buNone/>{rpr}</a:lvl1pPr>')
    sp_fill = colour(fill) if fill else ""
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
        f'<p:nvPr>{ph}</p:nvPr></p:nvSpPr>'
        f'<p:spPr>{xfrm(*rect)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{sp_fill}</p:spPr>'
        f'<p:txBody><a:bodyPr lIns="{emu(0.1)}" tIns="{emu(0.06)}" rIns="{emu(0.1)}" bIns="{emu(0.06)}" '
        f'anchor="{anchor}" wrap="square"><a:noAutofit/></a:bodyPr>'
        f'<a:lstStyle>{ppr}</a:lstStyle>'
        f'<a:p><a:r><a:rPr lang="nl-NL" dirty="0"/><a:t>{escape(prompt)}</a:t></a:r></a:p></p:txBody></p:sp>'
    )


def rectangle(shape_id: int, name: str, rect: tuple[float, float, float, float], fill: str) -> str:
    """A plain filled rectangle drawn by the layout or master (not a placeholder)."""
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="{name}"/><p:cNvSpPr/><p:nvPr userDrawn="1"/></p:nvSpPr>'
        f'<p:spPr>{xfrm(*rect)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{colour(fill)}'
        f'<a:ln><a:noFill/></a:ln></p:spPr>'
        f'<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="nl-NL"/></a:p></p:txBody></p:sp>'
    )


FOOTERS = (
    '<p:sp><p:nvSpPr><p:cNvPr id="90" name="Voettekst"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
    '<p:nvPr><p:ph type="ftr" sz="quarter" idx="11"/></p:nvPr></p:nvSpPr><p:spPr/>'
    '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:endParaRPr lang="nl-NL"/></a:p></p:txBody></p:sp>'
    '<p:sp><p:nvSpPr><p:cNvPr id="91" name="Dianummer"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
    '<p:nvPr><p:ph type="sldNum" sz="quarter" idx="12"/></p:nvPr></p:nvSpPr><p:spPr/>'
    '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:fld id="{C1FF6DA9-008F-8B48-92A6-B652298478BF}" type="slidenum">'
    '<a:rPr lang="nl-NL"/><a:t>‹#›</a:t></a:fld><a:endParaRPr lang="nl-NL"/></a:p></p:txBody></p:sp>'
)


def title_ph(shape_id: int = 2) -> str:
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="Titel"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
        '<p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr/>'
        '<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="nl-NL"/><a:t>Titel van de dia</a:t></a:r>'
        '</a:p></p:txBody></p:sp>'
    )


def layout(name: str, shapes: str, *, show_master: bool = True) -> str:
    flag = "" if show_master else ' showMasterSp="0"'
    return (f'<p:sldLayout {NS} preserve="1" userDrawn="1"{flag}><p:cSld name="{name}"><p:spTree>{GROUP}{shapes}'
            '</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>')


def layouts() -> list[str]:
    left_w = 6.05
    right_x = MARGIN + left_w + 0.3
    right_w = WIDTH - MARGIN - right_x
    upper_h = 3.45
    lower_y = CONTENT_TOP + upper_h + 0.15
    lower_h = CONTENT_BOTTOM - lower_y
    body_h = CONTENT_BOTTOM - CONTENT_TOP
    panel_w = 4.9
    inner = panel_w - 2 * 0.5
    titel = layout("buurtscan titel", "".join([
        rectangle(2, "Vlak", (0, 0, panel_w, HEIGHT), "tx2"),
        rectangle(3, "Lijn", (0.6, 1.05, 0.9, 0.06), "bg1"),
        placeholder(4, "Titel", '<p:ph type="ctrTitle"/>', (0.5, 1.3, inner, 2.3), "Buurtscan Buurtnaam",
                    size=36, color="bg1", bold=True, anchor="b"),
        placeholder(5, "Ondertitel", '<p:ph type="subTitle" idx="1"/>', (0.5, 3.75, inner, 0.95),
                    "Wijk, gemeente", size=16, color=ON_ACCENT),
        placeholder(6, "Code en datum", '<p:ph type="body" sz="quarter" idx="13"/>', (0.5, 4.75, inner, 0.6),
                    "Code · datum (idx 13)", size=12, color=ON_ACCENT),
        placeholder(7, "Inleiding", '<p:ph type="body" sz="quarter" idx="15"/>', (0.5, 5.45, inner, 1.6),
                    "Inleiding (idx 15, mag ontbreken)", size=11, color=ON_ACCENT),
        placeholder(8, "Wat valt op", '<p:ph type="body" idx="14"/>', (panel_w + 0.55, 0.75, WIDTH - panel_w - 1.15,
                                                                          6.1),
                    "Wat valt op (idx 14)", size=20, color="tx1", bullets=True),
    ]), show_master=False)
    grafiek = layout("buurtscan grafiek", "".join([
        title_ph(),
        placeholder(3, "Kerncijfers", '<p:ph type="tbl" sz="half" idx="14"/>', (MARGIN, CONTENT_TOP, left_w, upper_h),
                    "Kerncijfers: tabel buurt, gemeente, Nederland (idx 14)", size=14),
        placeholder(4, "Grafiek", '<p:ph type="chart" sz="half" idx="13"/>', (right_x, CONTENT_TOP, right_w, upper_h),
                    "Grafiek: buurt, gemeente en Nederland (idx 13)", size=12),
        placeholder(5, "Signalen", '<p:ph type="body" sz="quarter" idx="15"/>', (MARGIN, lower_y, left_w, lower_h),
                    "Wat valt op in dit thema (idx 15)", size=13, fill=SOFT, bullets=True),
        placeholder(6, "Partners en verhaal", '<p:ph type="body" sz="quarter" idx="16"/>',
                    (right_x, lower_y, right_w, lower_h), "Cijfers van partners, verhaal uit de buurt (idx 16)",
                    size=13),
        FOOTERS,
    ]))
    col_w = (WIDTH - 2 * MARGIN - 0.35) / 2
    beleid = layout("buurtscan beleid", "".join([
        title_ph(),
        placeholder(3, "Linkerkolom", '<p:ph type="body" sz="half" idx="13"/>', (MARGIN, CONTENT_TOP, col_w, body_h),
                    "Beleid & ontwikkelingen, vragen (idx 13)", size=14, bullets=True),
        placeholder(4, "Rechterkolom", '<p:ph type="body" sz="half" idx="14"/>',
                    (MARGIN + col_w + 0.35, CONTENT_TOP, col_w, body_h), "Vervolg (idx 14)", size=14, bullets=True),
        FOOTERS,
    ]))
    src_w = 7.55
    bronnen = layout("buurtscan bronnen", "".join([
        title_ph(),
        placeholder(3, "Bronnen", '<p:ph type="body" sz="half" idx="13"/>', (MARGIN, CONTENT_TOP, src_w, body_h),
                    "Bronnen (idx 13)", size=16),
        placeholder(4, "Leeswijzer", '<p:ph type="body" sz="half" idx="14"/>',
                    (MARGIN + src_w + 0.3, CONTENT_TOP, WIDTH - 2 * MARGIN - src_w - 0.3, body_h),
                    "Zo lees je de cijfers (idx 14)", size=14, fill=SOFT),
        FOOTERS,
    ]))
    return [titel, grafiek, beleid, bronnen]


def style_theme(prs) -> None:
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    root.set("name", "buurtscan")
    scheme = root.find(f"{A}themeElements/{A}clrScheme")
    scheme.set("name", "buurtscan")
    colours = {"dk1": INK, "lt1": "FFFFFF", "dk2": ACCENT, "lt2": SOFT, "accent1": ACCENT, "accent2": MID,
               "accent3": RULE, "accent4": MUTED, "accent5": "3E6A99", "accent6": "B5BFCA", "hlink": ACCENT,
               "folHlink": MUTED}
    for tag, value in colours.items():
        el = scheme.find(f"{A}{tag}")
        for child in list(el):
            el.remove(child)
        etree.SubElement(el, f"{A}srgbClr", val=value)
    fonts = root.find(f"{A}themeElements/{A}fontScheme")
    fonts.set("name", "buurtscan")
    for which in ("majorFont", "minorFont"):
        latin = fonts.find(f"{A}{which}/{A}latin")
        latin.set("typeface", FONT)
        latin.set("panose", PANOSE)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def style_master(prs) -> None:
    master = prs.slide_master
    positions = {
        "title": (MARGIN, 0.35, WIDTH - 2 * MARGIN, 0.85),
        "body": (MARGIN, CONTENT_TOP, WIDTH - 2 * MARGIN, CONTENT_BOTTOM - CONTENT_TOP),
        "dt": (MARGIN, FOOTER_TOP, 2.0, 0.3),
        "ftr": (MARGIN, FOOTER_TOP, 9.0, 0.3),
        "sldNum": (WIDTH - MARGIN - 1.2, FOOTER_TOP, 1.2, 0.3),
    }
    tree = master._element.find(f"{P}cSld/{P}spTree")
    for sp in tree.findall(f"{P}sp"):
        ph = sp.find(f".//{P}ph")
        kind = ph.get("type", "obj")
        rect = positions[kind]
        off = sp.find(f"{P}spPr/{A}xfrm/{A}off")
        ext = sp.find(f"{P}spPr/{A}xfrm/{A}ext")
        off.set("x", str(emu(rect[0])))
        off.set("y", str(emu(rect[1])))
        ext.set("cx", str(emu(rect[2])))
        ext.set("cy", str(emu(rect[3])))
        body_pr = sp.find(f"{P}txBody/{A}bodyPr")
        for child in list(body_pr):
            body_pr.remove(child)
        etree.SubElement(body_pr, f"{A}noAutofit")
        if kind == "title":
            body_pr.set("anchor", "b")
        if kind in ("dt", "ftr", "sldNum"):
            lvl = sp.find(f"{P}txBody/{A}lstStyle/{A}lvl1pPr")
            if kind == "ftr":
                lvl.set("algn", "l")
            rpr = lvl.find(f"{A}defRPr")
            rpr.set("sz", "900")
            for child in list(rpr):
                rpr.remove(child)
            rpr.append(parse_xml(f'<a:solidFill {NS}><a:srgbClr val="{MUTED}"/></a:solidFill>'))
    # decoration under the title: a hairline and a short accent bar (hidden on the title layout)
    for xml in (rectangle(20, "Lijn onder titel", (MARGIN, 1.27, WIDTH - 2 * MARGIN, 0.012), RULE),
                rectangle(21, "Accent onder titel", (MARGIN, 1.25, 1.0, 0.055), "tx2")):
        tree.append(parse_xml(xml.replace("<p:sp>", f"<p:sp {NS}>", 1)))
    styles = master._element.find(f"{P}txStyles")
    title = styles.find(f"{P}titleStyle/{A}lvl1pPr")
    title.set("algn", "l")
    rpr = title.find(f"{A}defRPr")
    rpr.set("sz", "2800")
    rpr.set("b", "1")
    rpr.find(f"{A}solidFill/{A}schemeClr").set("val", "tx2")
    body = styles.find(f"{P}bodyStyle")
    for level, size in zip(range(1, 10), (1800, 1600, 1400, 1400, 1400, 1400, 1400, 1400, 1400), strict=True):
        lvl = body.find(f"{A}lvl{level}pPr")
        lvl.find(f"{A}defRPr").set("sz", str(size))
        spc = lvl.find(f"{A}spcBef/{A}spcPct")
        if spc is not None:
            spc.set("val", "30000")


def replace_layouts(prs) -> None:
    """Reuse four default layout parts for the new layouts; remove the other seven."""
    existing = list(prs.slide_layouts)
    for old, xml in zip(existing, layouts(), strict=False):
        old.part._element = parse_xml(xml)
    for old in existing[len(layouts()):]:
        prs.slide_layouts.remove(old)


def deterministic(data: bytes) -> bytes:
    """The same zip with fixed entry dates (python-pptx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build() -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = emu(WIDTH), emu(HEIGHT)
    style_theme(prs)
    style_master(prs)
    replace_layouts(prs)
    core = prs.core_properties
    core.title = "buurtscan — huisstijl voor de presentatie"
    core.author = core.last_modified_by = "buurtscan"
    core.subject = "Sjabloon met de benoemde dia-indelingen van buurtscan render --pptx (zie docs/deck-template.md)"
    core.keywords = "buurtscan"
    core.created = core.modified = FIXED_DATE
    core.revision = 1
    core.language = "nl-NL"
    buf = io.BytesIO()
    prs.save(buf)
    return deterministic(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    check = Presentation(str(args.out))
    for lay in check.slide_layouts:
        print(f"{lay.name}: " + ", ".join(f"{p.placeholder_format.idx} {p.name}" for p in lay.placeholders))
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
