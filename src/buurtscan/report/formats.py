"""The output formats of `buurtscan render` and the one registry that renders each.

Every format is a member of :class:`Format`; :data:`RENDERERS` maps each to one function with
one signature, ``(report, RenderInput) -> bytes``. Rendering looks the function up here: adding
a format is one enum member and one registry line, never another branch over format strings.

The renderers' modules (typst, python-docx, python-pptx, jinja2) are imported only when a
format is used, so `buurtscan --help` and a Markdown-only run do not pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .model import Report


class Format(StrEnum):
    """An output format; its value is what `--format` takes and the file's extension."""

    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    MD = "md"
    PPTX = "pptx"
    XLSX = "xlsx"

    @property
    def extension(self) -> str:
        return self.value

    @property
    def is_note(self) -> bool:
        """A note format: laid out with Typst first, so every note says what the PDF says."""
        return self in NOTE_FORMATS

    @property
    def user_template(self) -> str | None:
        """The file in the user's --templates folder this format reads, if any."""
        return USER_TEMPLATES.get(self)


NOTE_FORMATS = (Format.HTML, Format.PDF, Format.DOCX, Format.MD)
USER_TEMPLATES = {Format.DOCX: "note.docx", Format.PPTX: "deck.pptx", Format.HTML: "note.html.j2",
                  Format.MD: "note.md.j2"}


@dataclass(frozen=True)
class RenderInput:
    """Everything a renderer may need besides the report model (the same for every format)."""

    user_dir: Path | None = None  # the user's --templates folder
    deck_template: Path | None = None  # the user's house-style .pptx
    scan: Any = None  # the scan.Scan behind the report (the spreadsheet lists its real numbers)
    pdf: bytes | None = None  # the PDF already laid out while fitting the note (not compiled twice)


Renderer = Callable[["Report", RenderInput], bytes]


def _html(report: Report, given: RenderInput) -> bytes:
    from .html_note import render

    return render(report, user_dir=given.user_dir)


def _pdf(report: Report, given: RenderInput) -> bytes:
    if given.pdf is not None:
        return given.pdf
    from .pdf_note import render

    return render(report, user_dir=given.user_dir)


def _docx(report: Report, given: RenderInput) -> bytes:
    from .word_note import render

    return render(report, user_dir=given.user_dir)


def _md(report: Report, given: RenderInput) -> bytes:
    from .markdown_note import render

    return render(report, user_dir=given.user_dir)


def _pptx(report: Report, given: RenderInput) -> bytes:
    from .pptx_deck import render

    return render(report, user_dir=given.user_dir, deck_template=given.deck_template)


def _xlsx(report: Report, given: RenderInput) -> bytes:
    from .scan_xlsx import render

    return render(report, scan=given.scan, user_dir=given.user_dir)


RENDERERS: dict[Format, Renderer] = {
    Format.HTML: _html,
    Format.PDF: _pdf,
    Format.DOCX: _docx,
    Format.MD: _md,
    Format.PPTX: _pptx,
    Format.XLSX: _xlsx,
}

# the module behind each renderer: imported ahead by a batch worker, so the first buurt is not slower
MODULES = {Format.HTML: "html_note", Format.PDF: "pdf_note", Format.DOCX: "word_note",
           Format.MD: "markdown_note", Format.PPTX: "pptx_deck", Format.XLSX: "scan_xlsx"}


def renderer(fmt: Format | str) -> Renderer:
    """The renderer of a format (``ValueError`` for a format that does not exist)."""
    return RENDERERS[Format(fmt)]


def preload(formats: tuple[Format, ...]) -> None:
    """Import the renderers' modules now (``ImportError`` when a format's library is missing)."""
    import importlib

    for fmt in formats:
        importlib.import_module(f"{__package__}.{MODULES[fmt]}")
