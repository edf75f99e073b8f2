"""Shared spreadsheet writing (xlsxwriter): safe text, Dutch number formats, missing as empty.

* **Text is text.** The workbook never turns strings into formulas, numbers or links, and every
  text goes through :meth:`Sheet.text` (``write_string``). Text that begins with ``=``, ``+``,
  ``-`` or ``@`` (a partner label, a story, a name) also gets Excel's quote prefix, so editing
  the cell later does not turn it into a formula either.
* **Numbers are numbers**, with a display format from the figure's decimals and unit
  (``#,##0.0" %"``); Excel and LibreOffice show them in the reader's locale (Dutch: 1.234,5).
* **Missing is empty**: the value cell stays empty and the status goes in the next column.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def number_format(decimals: int = 0, unit: str = "") -> str:
    base = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if unit == "%":
        return base + '" %"'
    if unit in ("km", "m³", "ha", "kWh"):
        return base + f'" {unit}"'
    return base


def sheet_name(title: str, taken: set[str]) -> str:
    name = " ".join(title.translate(SHEET_FORBIDDEN).split())[:31].strip("'") or "Blad"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


class Book:
    """An in-memory xlsxwriter workbook with cached formats."""

    def __init__(self) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "nan_inf_to_errors": False,
        })
        self.wb.set_properties({"author": "buurtscan", "comments": "Gemaakt met buurtscan"})
        self._formats: dict[tuple[tuple[str, Any], ...], Any] = {}
        self.header = self.format(bold=True, font_color="#FFFFFF", bg_color="#1F3A5F", text_wrap=True,
                                  valign="top", border=1, border_color="#C9D0D8")
        self.names: set[str] = set()
        self.numbers: dict[tuple[int, str], Any] = {}  # number formats by (decimals, unit)

    def format(self, **props: Any) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def sheet(self, title: str) -> Sheet:
        return Sheet(self, self.wb.add_worksheet(sheet_name(title, self.names)))

    def close(self) -> bytes:
        self.wb.close()
        return self.buffer.getvalue()


class Sheet:
    def __init__(self, book: Book, ws: Any) -> None:
        self.book, self.ws = book, ws

    def text(self, row: int, col: int, value: str | None, fmt: Any = None, **props: Any) -> None:
        """A text cell (never a formula); None writes nothing."""
        if value is None or value == "":
            if fmt is not None:
                self.ws.write_blank(row, col, None, fmt)
            return
        value = str(value)
        if value.startswith(FORMULA_START):
            fmt = self.book.format(quote_prefix=True, **props)
        elif fmt is None and props:
            fmt = self.book.format(**props)
        self.ws.write_string(row, col, value, fmt)

    def number(self, row: int, col: int, value: float | None, decimals: int = 0, unit: str = "") -> None:
        """A real number with a display format; None leaves the cell empty."""
        if value is None or math.isnan(value):
            return
        key = (decimals, unit)
        fmt = self.book.numbers.get(key)
        if fmt is None:
            fmt = self.book.numbers[key] = self.book.format(num_format=number_format(decimals, unit))
        self.ws.write_number(row, col, float(value), fmt)

    def headers(self, row: int, names: list[str], widths: Sequence[float] | None = None) -> None:
        for c, name in enumerate(names):
            self.ws.write_string(row, c, name, self.book.header)
        for c, w in enumerate(widths or []):
            self.ws.set_column(c, c, w)
