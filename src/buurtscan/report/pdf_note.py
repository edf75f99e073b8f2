"""PDF note through Typst (the `typst` wheel brings its own compiler; fonts from `font-lato`).

The report model is passed to the template as JSON in ``sys.inputs`` — never spliced into
markup — so text from users (policy, stories, partner labels) is always plain text.
"""

from __future__ import annotations

from pathlib import Path

from . import fitting
from .model import Report
from .pdf_pages import page_count  # noqa: F401 - re-exported (tests, callers)

TEMPLATE = fitting.TEMPLATE
_font_paths = fitting.font_paths  # the overview PDF uses the same fonts


def compile_note(report: Report, *, user_dir: Path | None = None, query: str | None = None):  # noqa: ANN201
    """Lay the note out with Typst (:mod:`.fitting`, one compiler per process): the PDF, or with
    ``query`` the values of that selector's metadata (``<fit>`` measures every label)."""
    if query is not None:
        return fitting.query(report, query, user_dir=user_dir, measure=query == "<fit>")
    return fitting.layout(report, user_dir=user_dir).pdf


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    return compile_note(report, user_dir=user_dir)
