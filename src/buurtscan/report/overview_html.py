"""The overview as one self-contained HTML file (A4 landscape print stylesheet, every text escaped)."""

from __future__ import annotations

from pathlib import Path

from ..overview import Overview
from .html_note import environment
from .overview_view import view

TEMPLATE = "overview.html.j2"


def render(ov: Overview, *, user_dir: Path | None = None) -> bytes:
    return environment(user_dir).get_template(TEMPLATE).render(v=view(ov)).encode("utf-8")
