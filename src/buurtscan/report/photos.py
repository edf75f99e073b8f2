"""Story photos, prepared once for every format: cropped to 3:2 around the centre and scaled
down (Pillow), so a phone photo neither fills a page nor bloats the file.

The photo arrives in the model already checked and scaled by :mod:`buurtscan.policy_stories`
(:class:`~buurtscan.report.model.Photo`); renderers never read files. A photo that cannot be
decoded is left out (the story's text stays).
"""

from __future__ import annotations

import io
from functools import lru_cache

from .model import Photo

ASPECT = 3 / 2
MAX_WIDTH = 900  # pixels: sharp at 7.5 cm wide in print


@lru_cache(maxsize=64)
def _prepared(photo: Photo) -> bytes | None:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(photo.data)) as opened:
            im = ImageOps.exif_transpose(opened).convert("RGB")
            w, h = im.size
            if w / h > ASPECT:  # too wide: cut the sides
                nw = round(h * ASPECT)
                im = im.crop(((w - nw) // 2, 0, (w - nw) // 2 + nw, h))
            elif w / h < ASPECT:  # too tall: cut top and bottom
                nh = round(w / ASPECT)
                im = im.crop((0, (h - nh) // 2, w, (h - nh) // 2 + nh))
            if im.width > MAX_WIDTH:
                im = im.resize((MAX_WIDTH, round(MAX_WIDTH / ASPECT)), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            im.save(out, format="JPEG", quality=82, optimize=True)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def prepared(photo: Photo | None) -> bytes | None:
    """JPEG bytes of the photo, cropped to 3:2 and scaled; None when there is none to show."""
    return _prepared(photo) if photo is not None else None
