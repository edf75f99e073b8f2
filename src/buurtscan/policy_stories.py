"""The user's policy (beleid) and story (verhalen) files, and the photos the stories name.

beleid:   wat, waar, wanneer, domein, bron
verhalen: domein, tekst, wie, wanneer, soort, foto (optional: a path, relative to the file)

The files are read by the partner reader (:func:`buurtscan.partners.read_table`): one
sniffing path for CSV (``;`` ``,`` tab or ``|``; UTF-8 with or without BOM, UTF-16, or
Windows-1252) and Excel. ``domein`` is a domain's id or title in any case ("wonen",
"Leefomgeving & openbare ruimte"). Errors name the file, line and column and say what to do
(exit code 2).

A ``foto`` must lie in the stories file's folder or below it (after symlinks), be a real
PNG, JPEG or WebP image by its first bytes (SVG is refused: it can carry scripts), be at
most :data:`PHOTO_MAX_BYTES` and :data:`PHOTO_MAX_PIXELS`; it is scaled to at most
:data:`PHOTO_MAX_SIDE` pixels and re-encoded as JPEG, so the note embeds a small, clean image.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

from .catalogue import Catalogue
from .errors import BuurtscanError, PartnerDataError, UsageError
from .partners.cells import RawTable
from .partners.guard import INPUT_MAX_BYTES, read_checked
from .partners.messages import NoTable, OneColumn
from .partners.reading import read_table
from .report.build import PolicyInput, StoryInput
from .report.model import Photo, PolicyItem, Story
from .text import fold

POLICY_COLUMNS = ("wat", "waar", "wanneer", "domein", "bron")
POLICY_REQUIRED = ("wat", "domein")
STORY_COLUMNS = ("domein", "tekst", "wie", "wanneer", "soort", "foto")
STORY_REQUIRED = ("domein", "tekst")
MAX_BYTES = INPUT_MAX_BYTES

PHOTO_MAX_BYTES = 20 * 1024 * 1024  # a phone photo is 2–8 MB
PHOTO_MAX_PIXELS = 50_000_000  # width × height before scaling (a 48-megapixel camera fits)
PHOTO_MAX_SIDE = 1200  # pixels of the longer side after scaling (sharp at 6 cm in print)
PHOTO_QUALITY = 82  # JPEG quality of the embedded copy


Rows = list[tuple[int, dict[str, str]]]


def _read(path: Path, what: str, known: tuple[str, ...], required: tuple[str, ...]) -> Rows:
    """Rows as (line number, {lower-case header: stripped value}); empty cells are ""."""
    tip = f"The header row needs: {', '.join(known)} (required: {', '.join(required)})."
    try:
        table = read_table(path, max_bytes=MAX_BYTES, what=what, label=str(path))
    except NoTable:
        raise UsageError(f"{path}: the file is empty.", tip="Add a header row and one row per item.") from None
    except OneColumn:
        raise UsageError(f"{path}, line 1: the file has a single column; column '{required[-1]}' is missing.",
                         tip=tip) from None
    except PartnerDataError as exc:  # the same checks as for partner files, reported as a usage error
        raise UsageError(exc.message, tip=exc.tip) from None
    header = {h: h.strip().lower() for h in table.headers}
    missing = [c for c in required if c not in header.values()]
    if missing:
        raise UsageError(f"{path}, line {table.header_line}: column '{missing[0]}' is missing.", tip=tip)
    return [(table.line(row["__i"]), _cells(table, row, header)) for row in table.frame.iter_rows(named=True)]


def _cells(table: RawTable, row: dict[str, object], header: dict[str, str]) -> dict[str, str]:
    return {name: str(row[h]).strip() if row[h] is not None else "" for h, name in header.items()}


def domain_id(catalogue: Catalogue, value: str, path: Path, line: int) -> str:
    target = fold(value)
    for d in catalogue.domains:
        if target in (fold(d.id), fold(d.title)):
            return d.id
    names = ", ".join(d.id for d in catalogue.domains)
    raise UsageError(
        f"{path}, line {line}, column 'domein': '{value}' is not a domain.",
        tip=f"Use one of: {names} (or the domain's full name).",
    )


def read_policy(path: Path, catalogue: Catalogue) -> list[PolicyInput]:
    out = []
    for line, r in _read(path, "policy file", POLICY_COLUMNS, POLICY_REQUIRED):
        if not r.get("wat"):
            raise UsageError(f"{path}, line {line}, column 'wat': empty.", tip="Say what the plan is.")
        out.append(PolicyInput(
            domain_id(catalogue, r.get("domein", ""), path, line),
            PolicyItem(wat=r["wat"], waar=r.get("waar", ""), wanneer=r.get("wanneer", ""), bron=r.get("bron", "")),
        ))
    return out


def read_stories(path: Path, catalogue: Catalogue) -> list[StoryInput]:
    out = []
    for line, r in _read(path, "story file", STORY_COLUMNS, STORY_REQUIRED):
        if not r.get("tekst"):
            raise UsageError(f"{path}, line {line}, column 'tekst': empty.", tip="Give the quote or observation.")
        foto = r.get("foto") or None
        out.append(StoryInput(
            domain_id(catalogue, r.get("domein", ""), path, line),
            Story(tekst=r["tekst"], wie=r.get("wie", "") or "een bewoner", wanneer=r.get("wanneer", ""),
                  soort=r.get("soort", ""), foto=load_photo(path, line, foto) if foto else None),
        ))
    return out


# ---------------------------------------------------------------------------- photos
def load_photo(stories: Path, line: int, given: str) -> Photo:
    """The photo a story row names: confined, checked by its bytes, scaled and re-encoded (see the module doc)."""
    where = f"{stories}, line {line}, column 'foto'"
    tip = "Give a PNG, JPEG or WebP file in the folder of the stories file (or below it), or leave the cell empty."
    folder = stories.parent.resolve()
    photo = (stories.parent / given).resolve()
    if not photo.is_relative_to(folder):
        raise UsageError(f"{where}: '{given}' lies outside the folder of the stories file ({folder}); "
                         "only photos in that folder or below it are used.", tip=tip)
    if not photo.exists():
        raise UsageError(f"{where}: '{given}' does not exist.",
                         tip="Give a path relative to the stories file, or leave the cell empty.")
    try:
        data = read_checked(photo, max_bytes=PHOTO_MAX_BYTES, what="photo", too_large=UsageError, label=given)
    except BuurtscanError as exc:
        raise UsageError(f"{where}: {exc.message}", tip=tip) from None
    kind = _image_kind(data)
    if kind is None:
        svg = data.lstrip()[:1024].lower()
        if svg.startswith(b"<svg") or (svg.startswith(b"<?xml") and b"<svg" in svg):
            raise UsageError(f"{where}: '{given}' is an SVG drawing; SVG can carry scripts and is not embedded.",
                             tip="Save the picture as PNG or JPEG and name that file.")
        raise UsageError(f"{where}: '{given}' is not a PNG, JPEG or WebP image (by its first bytes).", tip=tip)
    return _scaled(data, kind, given, where, tip)


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _scaled(data: bytes, kind: str, given: str, where: str, tip: str) -> Photo:
    """Decode (after checking the pixel count), turn upright, shrink to PHOTO_MAX_SIDE, re-encode as JPEG."""
    import warnings

    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
            width, height = opened.size
            if width * height > PHOTO_MAX_PIXELS:
                raise UsageError(f"{where}: '{given}' is {width:,} × {height:,} pixels, more than the limit of "
                                 f"{PHOTO_MAX_PIXELS // 1_000_000} megapixels.", tip="Save a smaller copy of the photo.")
            opened.draft("RGB", (PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))  # JPEG: decode at a fraction of the size
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            if image.mode in ("RGBA", "LA", "P", "PA"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    except UsageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UsageError(f"{where}: '{given}' has far more than {PHOTO_MAX_PIXELS // 1_000_000} megapixels "
                         "(Pillow refuses it as a decompression bomb).", tip="Save a smaller copy of the photo.") from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a broken or hostile image
        raise UsageError(f"{where}: '{given}' cannot be read as a {kind} image ({type(exc).__name__}).",
                         tip=tip) from None
    return Photo(name=Path(given).name, mime="image/jpeg", b64=base64.b64encode(out.getvalue()).decode("ascii"),
                 width=image.width, height=image.height)
