"""Markdown note (CommonMark + pipe tables). Every value is escaped, so user text cannot
become a link, an image, HTML or a table cell boundary."""

from __future__ import annotations

import re
from pathlib import Path

from .formatting import MISSING, number
from .html_note import environment
from .model import Figure, Report

TEMPLATE = "note.md.j2"
_SPECIAL = re.compile(r"([\\`*_\[\]#+!|<>~])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def escape_md(value: object) -> str:
    """Backslash-escape Markdown punctuation and flatten line breaks."""
    text = " ".join(str(value).split())
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)  # only where "&x;" would be read as an entity
    if re.match(r"^(\d+)\. ", text):  # "1. " at the start would become a list
        text = text.replace(". ", "\\. ", 1)
    if text.startswith("-"):
        text = "\\" + text
    return text


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    env = environment(user_dir, html=False)
    env.filters["md"] = escape_md

    def own(f: Figure) -> str:
        return f.buurt if report.level == "buurt" else f.wijk if report.level == "wijk" else f.gemeente

    def pct(v: float | None) -> str:
        return MISSING if v is None else f"{number(v, 1)}%"

    text = env.get_template(TEMPLATE).render(r=report, own=own, pct=pct)
    return re.sub(r"\n{3,}", "\n\n", text).encode("utf-8")
