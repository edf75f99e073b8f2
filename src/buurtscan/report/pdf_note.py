"""PDF note through Typst (the `typst` wheel brings its own compiler; fonts from `font-lato`).

The report model is passed to the template as JSON in ``sys.inputs`` — never spliced into
markup — so text from users (policy, stories, partner labels) is always plain text.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

from ..errors import UsageError
from . import photos, templates
from .model import Report

TEMPLATE = "note.typ"


def _font_paths() -> list[str]:
    try:
        import font_lato

        return [str(Path(font_lato.__file__).parent / "files")]
    except ImportError:  # pragma: no cover - a dependency; Typst then falls back to its own serif
        return []


def _photo_files(report: Report, folder: Path) -> dict[str, str]:
    """The story photos, cropped to 3:2 and scaled (:mod:`.photos`), written to ``folder``.

    Typst reads images only from files, so each prepared photo gets one; the template receives
    a map from the photo's name to that file's absolute path (Typst's root is the file system's)."""
    out: dict[str, str] = {}
    for d in report.domains:
        for s in d.stories:
            if s.foto is None or s.foto.name in out:
                continue
            data = photos.prepared(s.foto)
            if data is not None:
                target = folder / f"foto-{len(out)}.jpg"
                target.write_bytes(data)
                out[s.foto.name] = target.resolve().as_posix()
    return out


def compile_note(report: Report, *, user_dir: Path | None = None, query: str | None = None):  # noqa: ANN201
    """Lay the note out with Typst: the PDF, or with ``query`` the values of that selector's metadata."""
    import typst

    source = templates.find(TEMPLATE, user_dir)
    data = json.dumps(report.as_dict(), ensure_ascii=False)
    with tempfile.TemporaryDirectory(prefix="buurtscan-") as tmp:
        photo_map = _photo_files(report, Path(tmp))
        inputs = {"data": data, "photos": json.dumps(photo_map, ensure_ascii=False),
                  "measure": "1" if query == "<fit>" else ""}
        root = Path(source.resolve().anchor).as_posix() if photo_map else str(source.parent)
        fonts = _font_paths()
        try:
            if query is not None:
                return json.loads(typst.query(str(source), query, field="value", sys_inputs=inputs, font_paths=fonts,
                                              ignore_system_fonts=True, root=root))
            return typst.compile(str(source), format="pdf", sys_inputs=inputs, font_paths=fonts,
                                 ignore_system_fonts=True, root=root)
        except typst.TypstError as exc:
            raise UsageError(
                f"The Typst template {source} does not compile: {str(exc).splitlines()[0]}",
                tip="Fix the template, or remove it from your --templates folder to use the packaged one.",
            ) from None


def render(report: Report, *, user_dir: Path | None = None) -> bytes:
    return compile_note(report, user_dir=user_dir)


def page_count(pdf: bytes) -> int | None:
    """Pages of a Typst-made PDF, read from its (uncompressed) page tree; None if not found."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf) or re.findall(
        rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)
    return max(int(c) for c in counts) if counts else None
