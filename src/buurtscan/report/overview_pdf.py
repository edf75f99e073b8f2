"""The overview as a PDF (A4 landscape) through Typst, from ``templates/overview.typ``."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UsageError
from ..overview import Overview
from . import templates
from .overview_view import view
from .pdf_note import _font_paths

TEMPLATE = "overview.typ"


def render(ov: Overview, *, user_dir: Path | None = None) -> bytes:
    import typst

    source = templates.find(TEMPLATE, user_dir)
    try:
        return typst.compile(str(source), format="pdf", sys_inputs={"data": json.dumps(view(ov), ensure_ascii=False)},
                             font_paths=_font_paths(), ignore_system_fonts=True, root=str(source.parent))
    except typst.TypstError as exc:
        raise UsageError(
            f"The Typst template {source} does not compile: {str(exc).splitlines()[0]}",
            tip="Fix the template, or remove it from your --templates folder to use the packaged one.",
        ) from None
