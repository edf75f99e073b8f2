"""Self-contained HTML note: inline CSS and SVG, A4 print stylesheet, every text escaped."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import svg, templates
from .model import Photo, Report

TEMPLATE = "note.html.j2"


@lru_cache(maxsize=8)  # one per folder and kind: templates compile once per process, not once per note
def environment(user_dir: Path | None, *, html: bool = True) -> Environment:
    return Environment(
        loader=FileSystemLoader([str(p) for p in templates.search_path(user_dir)]),
        autoescape=select_autoescape(default=html, default_for_string=html) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _photos(report: Report) -> dict[Photo, str]:
    """Data URIs of the story photos (already checked and scaled by the story reader)."""
    return {s.foto: s.foto.data_uri for d in report.domains for s in d.stories if s.foto}


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    env = environment(user_dir)
    page = env.get_template(TEMPLATE).render(
        r=report,
        age_svg=svg.bars(report.age_chart) if report.age_chart else "",
        photos=_photos(report),
        spark=svg.spark,
    )
    return page.encode("utf-8")
