"""PDF note through Typst (the `typst` wheel brings its own compiler; fonts from `font-lato`).

The report model is passed to the template as JSON in ``sys.inputs`` — never spliced into
markup — so text from users (policy, stories, partner labels) is always plain text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import UsageError
from . import templates
from .model import Report

TEMPLATE = "note.typ"


def _font_paths() -> list[str]:
    try:
        import font_lato

        return [str(Path(font_lato.__file__).parent / "files")]
    except ImportError:  # pragma: no cover - a dependency; Typst then falls back to its own serif
        return []


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    import typst

    source = templates.find(TEMPLATE, user_dir)
    data = json.dumps(report.as_dict(), ensure_ascii=False)
    try:
        return typst.compile(
            str(source),
            format="pdf",
            sys_inputs={"data": data},
            font_paths=_font_paths(),
            ignore_system_fonts=True,
            root=str(source.parent),
        )
    except typst.TypstError as exc:
        raise UsageError(
            f"The Typst template {source} does not compile: {str(exc).splitlines()[0]}",
            tip="Fix the template, or remove it from your --templates folder to use the packaged one.",
        ) from None


def page_count(pdf: bytes) -> int | None:
    """Pages of a Typst-made PDF, read from its (uncompressed) page tree; None if not found."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf) or re.findall(
        rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)
    return max(int(c) for c in counts) if counts else None
