"""The page count of a Typst-made PDF, read from its page tree (no PDF library needed).

Below both :mod:`.fitting` (a layout without a ``<flow>`` marker fits by its pages) and
:mod:`.pdf_note` (which re-exports it), so neither imports the other for it.
"""

from __future__ import annotations

import re


def page_count(pdf: bytes) -> int | None:
    """Pages of a Typst-made PDF, read from its (uncompressed) page tree; None if not found."""
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf) or re.findall(
        rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)
    return max(int(c) for c in counts) if counts else None
