"""Markdown note (CommonMark + pipe tables). Every value is escaped, so user text cannot
become a link, an image, HTML or a table cell boundary."""

from __future__ import annotations

import re
from pathlib import Path

from .html_note import environment
from .model import Report
from ..text import squash

TEMPLATE = "note.md.j2"
# Characters CommonMark reads as markup anywhere in a line (emphasis, code, links, HTML, table
# cells); the rest ("-", "+", "#", ">", "1.") only matters at the start of a line.
_SPECIAL = re.compile(r"([\\`*_\[\]|]|<(?=[A-Za-z/!?]))")  # "<" only where a tag or autolink could start
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^([-+*]|#{1,6}|>|=+|\d{1,9}[.)])(?=\s|$)")


def escape_md(value: object) -> str:
    """Escape what CommonMark would read as markup (and only that); flatten line breaks."""
    text = squash(str(value))
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)  # only where "&x;" would be read as an entity
    m = _LINE_START.match(text)
    if m:  # "- x", "# x", "> x" or "1. x" at the start would become a list, heading or quote
        token = m.group(1)
        text = (token[:-1] + "\\" + token[-1] if token[-1] in ".)" else "\\" + token) + text[len(token):]
    return text


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    env = environment(user_dir, html=False)
    env.filters["md"] = escape_md
    text = env.get_template(TEMPLATE).render(r=report)
    return re.sub(r"\n{3,}", "\n\n", text).encode("utf-8")
