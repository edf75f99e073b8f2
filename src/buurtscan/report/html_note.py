"""Self-contained HTML note: inline CSS and SVG, A4 print stylesheet, every text escaped."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import svg, templates
from .model import Report

TEMPLATE = "note.html.j2"


def environment(user_dir: Path | None, *, html: bool = True) -> Environment:
    return Environment(
        loader=FileSystemLoader([str(p) for p in templates.search_path(user_dir)]),
        autoescape=select_autoescape(default=html, default_for_string=html) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _photos(report: Report) -> dict[str, str]:
    """Data URIs of the story photos that exist (a missing photo is simply left out)."""
    out = {}
    for d in report.domains:
        for s in d.stories:
            if s.foto and Path(s.foto).is_file():
                mime = mimetypes.guess_type(s.foto)[0] or "image/jpeg"
                if mime.startswith("image/"):
                    data = base64.b64encode(Path(s.foto).read_bytes()).decode()
                    out[s.foto] = f"data:{mime};base64,{data}"
    return out


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    env = environment(user_dir)
    page = env.get_template(TEMPLATE).render(
        r=report,
        age_svg=svg.bars(report.age_chart) if report.age_chart else "",
        photos=_photos(report),
        spark=svg.spark,
    )
    return page.encode("utf-8")
