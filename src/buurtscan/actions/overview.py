"""`buurtscan overview`, writing the files: the formats asked for, each rendered and written atomically.

:mod:`buurtscan.overview` builds the table model (:class:`~buurtscan.overview.Overview`), which the
renderers ``report/overview_html.py``, ``overview_pdf.py`` and ``overview_xlsx.py`` lay out; this
action sits above both, so the model never imports its renderers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..errors import OutputError, UsageError
from ..overview import Overview
from ..report import overview_html, overview_pdf, overview_xlsx
from ..report.build import place_name
from ..text import fold

OVERVIEW_FORMATS = ("html", "pdf", "xlsx")


def parse_overview_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in OVERVIEW_FORMATS]
    if bad or not formats:
        raise UsageError(f"Unknown overview format '{bad[0] if bad else text}'.",
                         tip=f"Formats: {', '.join(OVERVIEW_FORMATS)} (or --json for scripts).")
    return formats


def overview_stem(ov: Overview) -> str:
    name = re.sub(r"[^a-z0-9-]+", "", fold(place_name(ov.name)).replace(" ", "-"))[:60]
    return f"overzicht-{ov.code}-{name}".rstrip("-")


def write_overview(ov: Overview, formats: Sequence[str], out_dir: Any, templates: Any = None) -> list[Any]:
    """Write the overview in each format to ``out_dir`` (atomically); returns the paths."""
    renderers = {"html": overview_html.render, "pdf": overview_pdf.render, "xlsx": overview_xlsx.render}
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot be created ({exc.strerror or exc}).",
                          tip="Choose another --out folder.") from None
    written: list[Path] = []
    for fmt in formats:
        target = out / f"{overview_stem(ov)}.{fmt}"
        data = renderers[fmt](ov, user_dir=templates)
        try:
            atomic_write_bytes(target, data)
        except OSError as exc:
            raise OutputError(f"Cannot write {target} ({exc.strerror or exc}).", tip="Free space or choose another "
                              "--out folder.", written=tuple(written)) from None
        written.append(target)
    return written
