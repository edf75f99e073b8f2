"""Renderers only lay out a ready report model (issue 12, item 3).

No renderer or template formats a number or picks a value by level: the builder
(``report/build.py``, ``report/figures.py``) fills every printed string into the model
(``Figure.own``, ``Figure.cells``, ``Bar.texts``, …). This test reads the renderers and
templates as text and fails on any new hit, listing ``file:line``.

``ALLOWED`` holds the hits that were there when this test was written, each with why; other
sessions are cleaning those renderers. The lead empties it after merging: an entry that no
longer matches anything fails too (:func:`test_the_allow_list_has_no_stale_entries`).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.paths import ROOT

REPORT = ROOT / "src" / "buurtscan" / "report"

PY, TYP, J2 = (".py",), (".typ",), (".j2", ".html", ".md")
# what formats a number: rule → (the files it applies to, pattern)
NUMBER_FORMATTING = {
    "format spec with precision (:.1f)": (PY, re.compile(r":[,_ +-]?\d*\.\d+[fFeEgG%]")),
    "grouping format spec (:,)": (PY, re.compile(r"\{[^{}\n]*:,[^{}\n]*\}")),
    "f-string with a format spec": (PY, re.compile(r"""\bf(["'])(?:(?!\1).)*\{[^{}\[\]\n]*:[^{}\n]*\}""")),
    "format(": (PY, re.compile(r"(?<![\w.])format\(|\.format\(")),
    "round(": (PY, re.compile(r"(?<![\w.])round\(")),
    '"{:" (str.format)': (PY, re.compile(r"""["']\{:""")),
    "printf-style number (%.1f, %d)": (PY + J2, re.compile(r"""["'][^"'\n]*%[-+ 0#]*\d*(?:\.\d+)?[dfeg]\b[^"'\n]*["']\s*[%|]""")),
    "typst calc.round": (TYP, re.compile(r"calc\.round")),
    "typst str( on a number": (TYP, re.compile(r"(?<![\w.-])str\(")),
    "jinja |round": (J2, re.compile(r"\|\s*round\b")),
    "jinja |format": (J2, re.compile(r"\|\s*format\b")),
    "jinja |int / |float": (J2, re.compile(r"\|\s*(?:int|float)\b")),
}
# what picks a value by level
LEVEL_LOOKUPS = {
    'level key ("buurt"])': (PY + TYP + J2, re.compile(r"""["'](?:buurt|wijk|gemeente|nederland)["']\s*\]""")),
    ".levels[": (PY + TYP + J2, re.compile(r"\.levels\[")),
    "level ==": (PY + TYP + J2, re.compile(r"\blevel\s*[!=]=\s*[\"']")),
}
PATTERNS = {**NUMBER_FORMATTING, **LEVEL_LOOKUPS}

# Drawing, not printing: coordinates and sizes of shapes (SVG, OOXML) and a footnote's number are
# numbers no reader compares. These stay (a new one is added here only with that reason).
LAYOUT_NUMBERS: dict[tuple[str, str, str], str] = {
    ('src/buurtscan/report/html_note.py', 'f\'src: url(data:font/ttf;base64,{data}) format("truetype"); }}\')', 'format('):
        "CSS: the embedded font's format() and escaped characters in hex",
    ('src/buurtscan/report/html_note.py', 'return Markup(\'"\' + "".join(c if c.isalnum() or c == " " else f"\\\\{ord(c):06x}" for c in text) + \'"\')', 'f-string with a format spec'):
        "CSS: the embedded font's format() and escaped characters in hex",
    ('src/buurtscan/report/pptx/fitting.py', 'return round(base * p.scale * 2) / 2', 'round('):
        'font size / spacing in OOXML units',
    ('src/buurtscan/report/pptx/ooxml.py', 'val=str(0 if n == 0 else round(p.before * size * 100)))', 'round('):
        'font size / spacing in OOXML units',
    ('src/buurtscan/report/pptx/ooxml.py', 'rpr = etree.SubElement(r_el, A + "rPr", lang="nl-NL", sz=str(round(size * 100)), dirty="0")', 'round('):
        'font size / spacing in OOXML units',
    ('src/buurtscan/report/pptx/ooxml.py', 'etree.SubElement(p_el, A + "endParaRPr", lang="nl-NL", sz=str(round(size * 100)))', 'round('):
        'font size / spacing in OOXML units',
    ('src/buurtscan/report/pptx/slide.py', 'smallest = smallest or max(10.0, round(base * 0.7))', 'round('):
        'font size / spacing in OOXML units',
    ('src/buurtscan/report/svg.py', 'r = round(v, 1)', 'round('):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'small = round(font * 0.85, 1)', 'round('):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'x += 14 + round(font * 0.6 * len(name)) + 12', 'round('):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/word/charts.py', 'img.paste(fill, (round(xy[0]) + left, round(xy[1]) + top), mask)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/charts.py', 'img = Image.new("RGB", (round(width * s), round(height * s)), "white")', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/charts.py', 'big, small = font * s, round(font * 0.85, 1) * s', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/charts.py', 'thin, hair = max(round(0.8 * s), 1), max(round(0.6 * s), 1)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/note.py', 'px = round(width_cm / 2.54 * 72 / 0.66)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/note.py', 'photo_cm = round(min(width_cm * 0.32, 3.0), 2)  # the photo beside the quote, cropped to 3:2', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'return round(cm * TWIPS_PER_CM)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'half = round(self.size * 2)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'attrs = "".join(f\' w:{k}="{round(v * 20)}"\' for k, v in (("before", before), ("after", after)) if v is not None)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'attrs += f\' w:line="{round(line * 20)}" w:lineRule="exact"\'', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'attrs += f\' w:line="{round(lines * 240)}" w:lineRule="auto"\'', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('src/buurtscan/report/word/xml.py', 'f"{content or \'<w:p/>\'}</w:tc>")', 'f-string with a format spec'):
        'WordprocessingML text (a colon in a quoted tag, not a format spec)',
    ('src/buurtscan/report/word/xml.py', 'cx, cy = round(width_cm * EMU_PER_CM), round(height_cm * EMU_PER_CM)', 'round('):
        'twips, EMU, pixels and font sizes of the Word layout',
    ('templates/note.typ', '#let mark(n) = if n != none and n > 0 { text(size: small, fill: muted, "\\u{2009}[" + str(n) + "]") }', 'typst str( on a number'):
        'footnote number [n]',
}

# (file relative to the project, the line's text stripped, the rule) → why it is still there.
# The lead empties this after merging the renderer clean-ups (notes, word, deck).
ALLOWED: dict[tuple[str, str, str], str] = {
    ('src/buurtscan/report/pptx/back.py', 'SIGNALS, READING.format(own=r.columns[0].lower())]', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
    ('src/buurtscan/report/pptx/cover.py', 'lines += ["", READING.format(own=own), "Trend: de verandering sinds het vorige jaar met cijfers voor deze buurt.",', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
    ('src/buurtscan/report/pptx/domain.py', 'lines += ["", READING.format(own=r.columns[0].lower()), SIGNALS, "", r.reading_guide, "", *source_lines(r)]', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
}


def renderer_files() -> list[Path]:
    files = list(REPORT.glob("*_note.py"))
    for package in ("pptx", "word"):  # report/pptx_deck.py, report/pptx/…, report/word_note.py, report/word/…
        files += [p for p in REPORT.glob(f"{package}_*.py")]
        files += [p for p in REPORT.glob(f"{package}/**/*.py")]
    files.append(REPORT / "svg.py")
    files += [p for p in (ROOT / "templates").glob("*")
              if p.is_file() and p.suffix in (".j2", ".typ", ".html", ".md") and p.name != "README.md"]
    return sorted({p for p in files if p.exists()})


def _code(line: str, suffix: str) -> str:
    """The line without its comment (Python '#', Typst '//', Jinja '{# … #}')."""
    if suffix == ".py":
        return re.sub(r"(^|\s)#(?![{]).*$", "", line) if not line.lstrip().startswith(("'", '"')) else line
    if suffix == ".typ":
        return re.sub(r"(^|\s)//.*$", "", line)
    return re.sub(r"\{#.*?#\}", "", line)


def hits() -> list[tuple[str, int, str, str]]:
    """(file, line number, line, rule) of every hit in the renderers and templates."""
    out = []
    for path in renderer_files():
        rel = path.relative_to(ROOT).as_posix()
        docstring = False
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".py":  # docstrings describe, they do not format
                quotes = line.count('"""') + line.count("'''")
                if docstring or (quotes and line.lstrip().startswith(('"""', "'''"))):
                    if quotes % 2 == 1:
                        docstring = not docstring
                    continue
            code = _code(line, path.suffix)
            for rule, (suffixes, pattern) in PATTERNS.items():
                if path.suffix in suffixes and pattern.search(code):
                    out.append((rel, n, line.strip(), rule))
    return out


def test_the_scan_covers_the_renderers_and_templates():
    names = {p.name for p in renderer_files()}
    assert {"html_note.py", "pdf_note.py", "word_note.py", "markdown_note.py", "svg.py", "note.typ",
            "note.html.j2", "note.md.j2"} <= names
    assert any(n.startswith("pptx") for n in names)


def test_the_rules_catch_what_they_should():
    def caught(text: str, suffix: str = "") -> set[str]:
        suffix = suffix or (".typ" if "#" in text[:1] else ".j2" if "{{" in text else ".py")
        return {rule for rule, (where, p) in PATTERNS.items() if suffix in where and p.search(text)}

    assert caught('f"{value:.1f}"') >= {"format spec with precision (:.1f)", "f-string with a format spec"}
    assert caught("text = f'{n:,}'") >= {"grouping format spec (:,)"}
    assert caught("label = format(v, ',')") == {"format("}
    assert caught('"{:.0f}".format(x)') >= {'"{:" (str.format)', "format("}
    assert caught("round(v, 1)") == {"round("}
    assert caught('"%.1f" % v') == {"printf-style number (%.1f, %d)"}
    assert caught("{{ '%.1f'|format(v) }}") >= {"jinja |format", "printf-style number (%.1f, %d)"}
    assert caught("#calc.round(v, digits: 1)") == {"typst calc.round"}
    assert caught("#str(f.values.at(0))") == {"typst str( on a number"}
    assert caught("{{ f.value|round(1) }}") == {"jinja |round"}
    assert caught('fig.values["buurt"]') == {'level key ("buurt"])'}
    assert caught("scan.levels[level]") == {".levels["}
    assert caught('if r.level == "buurt" { f.buurt }') == {"level =="}
    # and leave alone what is only layout
    assert caught("#mark(str(n))") == {"typst str( on a number"}
    assert caught('col.set("w", str(int(w)))') == set()  # a Python str() is not Typst's
    for fine in ('im.save(out, format="PNG")', "f\"{f.label} ({f.own})\"", "{{ f.own }}", "round_corners(x)",
                 "#text(size: small, f.detail)", "paragraph_format.space_after = Pt(2)",
                 'f"{d[\'title\']}"', "ground(x)", 'style = "Title" if level == 0 else "Heading"'):
        assert caught(fine) == set(), fine


def test_renderers_neither_format_numbers_nor_pick_values_by_level():
    new = [h for h in hits() if (h[0], h[2], h[3]) not in ALLOWED and (h[0], h[2], h[3]) not in LAYOUT_NUMBERS]
    assert not new, "Renderers must only lay out the report model; put the string in the model instead:\n" + "\n".join(
        f"{f}:{n}: {rule}: {line}" for f, n, line, rule in new)


def test_the_allow_list_has_no_stale_entries():
    found = {(f, line, rule) for f, _, line, rule in hits()}
    stale = [k for k in {**ALLOWED, **LAYOUT_NUMBERS} if k not in found]
    assert not stale, "Cleaned up — remove these from ALLOWED:\n" + "\n".join(f"{f}: {rule}: {line}"
                                                                          for f, line, rule in stale)
