"""Self-contained HTML note: inline CSS and SVG, A4 print stylesheet, every text escaped.

It prints like the PDF note (same page margins, sizes, columns and Lato, embedded), so the
content that the page fitting measured for the PDF also fits two pages in a browser. Long
Dutch words get soft hyphens (pyphen): browsers without Dutch hyphenation dictionaries
(headless Chromium on Linux) then still break "Arbeidsongeschiktheidsuitkeringen".
"""

from __future__ import annotations

import base64
import contextlib
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache
from markupsafe import Markup

from . import photos, svg, templates
from .model import Photo, Report

TEMPLATE = "note.html.j2"
SHY = "\u00ad"
MIN_WORD = 6  # letters: as in the PDF, where Typst hyphenates every word it can
# the age chart at its printed size (the right column of the top block: 71 mm = 268 px), so its
# 11 px labels and 9.35 px values print at 8.25 and 7 pt
AGE_WIDTH, AGE_FONT, AGE_ROW, AGE_LABEL = 268, 11, 30, 64
FONT_FILES = (("Regular", "normal", 400), ("Bold", "normal", 700), ("Italic", "italic", 400))


class _Compiled(FileSystemBytecodeCache):
    """Jinja's compiled templates kept between runs (its own private folder in the temp dir,
    checked for owner and mode by Jinja; keyed by the template's file and checked against its
    text, so an edited template is compiled again). Compiling the note's templates costs a
    one-note run about 50 ms. It only saves work: a folder that cannot be written or a damaged
    entry means the template is compiled as without it."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged entry: compile afresh
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@lru_cache(maxsize=1)
def _bytecode_cache() -> BytecodeCache | None:
    try:
        return _Compiled()
    except (OSError, RuntimeError):  # no private temp folder to be had: compile every run
        return None


@lru_cache(maxsize=8)  # one per folder and kind: templates compile once per process, not once per note
def environment(user_dir: Path | None, *, html: bool = True) -> Environment:
    return Environment(
        loader=FileSystemLoader([str(p) for p in templates.search_path(user_dir)]),
        bytecode_cache=_bytecode_cache(),
        autoescape=select_autoescape(default=html, default_for_string=html) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _photos(report: Report) -> dict[Photo, str]:
    """Data URIs of the story photos, cropped to 3:2 and scaled as in the PDF (:mod:`.photos`)."""
    out = {}
    for d in report.domains:
        for s in d.stories:
            data = photos.prepared(s.foto)
            if s.foto is not None and data is not None:
                out[s.foto] = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
    return out


@lru_cache(maxsize=1)
def font_faces() -> Markup:
    """@font-face rules with Lato embedded (from the font-lato wheel, as the PDF uses); empty without it."""
    try:
        import font_lato
    except ImportError:  # pragma: no cover - a dependency
        return Markup("")
    folder = Path(font_lato.__file__).parent / "files"
    rules = []
    for name, style, weight in FONT_FILES:
        path = folder / f"Lato-{name}.ttf"
        if path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            rules.append(f'@font-face {{ font-family: "Lato"; font-style: {style}; font-weight: {weight}; '
                         f'src: url(data:font/ttf;base64,{data}) format("truetype"); }}')
    return Markup("\n  ".join(rules))


def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal (for the page footer): every character outside letters,
    digits and spaces as a CSS escape, so user text cannot end the string or the style sheet."""
    return Markup('"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"')


@lru_cache(maxsize=1)
def _dictionary():  # noqa: ANN202
    try:
        from .hyphenation import dictionary
    except ImportError:  # pragma: no cover - a dependency
        return None
    return dictionary("nl_NL", left=2, right=3)  # pyphen's, its patterns parsed when first used


@lru_cache(maxsize=4096)
def _hyphenated(word: str) -> str:
    dic = _dictionary()
    return dic.inserted(word, hyphen=SHY) if dic is not None else word


_WORD = re.compile(rf"[^\W\d_]{{{MIN_WORD},}}")
_BODY = re.compile(r"<body\b[^>]*>")
_PIECES = re.compile(r"(<svg\b.*?</svg>|<[^>]*>)", re.S)


def hyphenate(page: str) -> str:
    """Soft hyphens in the long words of the page's text (not in tags, attributes, style or SVG)."""
    start = _BODY.search(page)
    if start is None:
        return page
    parts = _PIECES.split(page[start.end():])
    for i in range(0, len(parts), 2):  # the even parts are text between tags
        parts[i] = _WORD.sub(lambda m: _hyphenated(m.group(0)), parts[i])
    return page[:start.end()] + "".join(parts)


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    env = environment(user_dir)
    page = env.get_template(TEMPLATE).render(
        r=report,
        age_svg=(svg.bars(report.age_chart, width=AGE_WIDTH, font=AGE_FONT, row=AGE_ROW, label_w=AGE_LABEL)
                 if report.age_chart else ""),
        photos=_photos(report),
        spark=svg.spark,
        fonts=font_faces(),
        css_string=css_string,
    )
    return hyphenate(page).encode("utf-8")
