"""How partner-file errors and warnings quote cells, list items and name Excel columns."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import PartnerDataError


def show(value: object, width: int = 40) -> str:
    """A cell as quoted in a message: whitespace collapsed, cut at ``width`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def letter(index: int) -> str:
    """The Excel column letter of a 0-based index: 0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def listing(items: Sequence[str], n: int = 6) -> str:
    """'a, b, c and 4 more'."""
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def fail(message: str) -> PartnerDataError:
    """The error of a bad partner file (exit code 4); the message names file, line and column."""
    return PartnerDataError(message)


class NoTable(PartnerDataError):
    """The file holds no table at all (empty, only comments or blank lines)."""


class OneColumn(PartnerDataError):
    """The file has a single column. The partner reader needs a key and a figure; other readers say what they need."""
