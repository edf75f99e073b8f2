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

ROOT = Path(__file__).resolve().parents[1]
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
    ('src/buurtscan/report/svg.py', 'small = round(font * 0.85, 1)', 'round('):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'x += 14 + round(font * 0.6 * len(name)) + 12', 'round('):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w}" y="{y0 + font:.1f}" font-size="{font}">{escape(bar.label)}</text>\')', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w}" y="{y0 + font:.1f}" font-size="{font}">{escape(bar.label)}</text>\')', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w - 6}" y="{y0 + row / 2 + 3:.1f}" font-size="{font}" \'', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w - 6}" y="{y0 + row / 2 + 3:.1f}" font-size="{font}" \'', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w + 2}" y="{y + bar_h - 1:.1f}" font-size="{small}" \'', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w + 2}" y="{y + bar_h - 1:.1f}" font-size="{small}" \'', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1:.1f}" \'', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 1:.1f}" \'', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 1.5:.1f}" font-size="{small}">\'', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{label_w + w + 3:.1f}" y="{y + bar_h - 1.5:.1f}" font-size="{small}">\'', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'return " ".join(f"{x0 + x * (x1 - x0):.1f},{bottom - y * (bottom - top):.1f}" for x, y in points)', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'return " ".join(f"{x0 + x * (x1 - x0):.1f},{bottom - y * (bottom - top):.1f}" for x, y in points)', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<circle cx="{x0 + x * (x1 - x0):.1f}" cy="{bottom - y * (bottom - top):.1f}" r="1.6" \'', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<circle cx="{x0 + x * (x1 - x0):.1f}" cy="{bottom - y * (bottom - top):.1f}" r="1.6" \'', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{x0 - 3}" y="{mid:.1f}" font-size="7" text-anchor="end">{escape(s.first)}</text>\')', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{x0 - 3}" y="{mid:.1f}" font-size="7" text-anchor="end">{escape(s.first)}</text>\')', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{x1 + 3}" y="{mid:.1f}" font-size="7">{escape(s.last)}</text>\')', 'format spec with precision (:.1f)'):
        'SVG coordinates and font sizes',
    ('src/buurtscan/report/svg.py', 'out.append(f\'<text x="{x1 + 3}" y="{mid:.1f}" font-size="7">{escape(s.last)}</text>\')', 'f-string with a format spec'):
        'SVG coordinates and font sizes',
    ('templates/note.typ', '#let mark(n) = if n != none and n > 0 { text(size: small, fill: muted, "\\u{2009}[" + str(n) + "]") }', 'typst str( on a number'):
        'footnote number [n]',
}

# (file relative to the project, the line's text stripped, the rule) → why it is still there.
# The lead empties this after merging the renderer clean-ups (notes, word, deck).
ALLOWED: dict[tuple[str, str, str], str] = {
    ('src/buurtscan/report/markdown_note.py', 'return f.buurt if report.level == "buurt" else f.wijk if report.level == "wijk" else f.gemeente', 'level =='):
        "picks the subject's value by level: use Figure.own",
    ('src/buurtscan/report/pptx/back.py', 'SIGNALS, READING.format(own=r.columns[0].lower())]', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
    ('src/buurtscan/report/pptx/cover.py', 'lines += ["", READING.format(own=own), "Trend: de verandering sinds het vorige jaar met cijfers voor deze buurt.",', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
    ('src/buurtscan/report/pptx/domain.py', 'lines += ["", READING.format(own=r.columns[0].lower()), SIGNALS, "", r.reading_guide, "", *source_lines(r)]', 'format('):
        'a sentence template filled in the deck: move the sentence into the model',
    ('src/buurtscan/report/word_note.py', 'return f.buurt if report.level == "buurt" else f.wijk if report.level == "wijk" else f.gemeente', 'level =='):
        "picks the subject's value by level: use Figure.own",
    ('templates/note.typ', '#let own(f) = if r.level == "buurt" { f.buurt } else if r.level == "wijk" { f.wijk } else { f.gemeente }', 'level =='):
        "picks the subject's value by level: use Figure.own",
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
