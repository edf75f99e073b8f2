"""A table file as text cells (:class:`RawTable`), and finding its header row.

Both readers (CSV and Excel) hand :func:`with_header` a frame of ``c0 … cN`` text columns;
it finds the header (title lines above it are skipped), names the columns, and drops blank
rows and trailing empty columns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import polars as pl

from ..text import fold
from .messages import NoTable, OneColumn, fail, letter, show


@dataclass
class RawTable:
    """A partner file as text cells: one Utf8 column per header, in file order.

    ``frame`` holds the rows below the header (blank rows removed) plus ``__i``, the row's
    index in the file as read; :meth:`line` turns that into the line (CSV) or row (Excel)
    number. Excel number cells are also kept as Float64 in ``"<header>\\x00n"`` columns.
    """

    name: str
    kind: str  # "csv" | "excel"
    sha256: str
    headers: list[str]
    frame: pl.DataFrame
    header_index: int
    positions: dict[str, int]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    line_base: int = 1
    starts: list[int] | None = None

    def line(self, index: int) -> int:
        if self.starts is not None and 0 <= index < len(self.starts):
            return self.starts[index]
        return self.line_base + index

    def where(self, index: int | None = None, column: str | None = None, *, line: int | None = None) -> str:
        parts = [self.name]
        if self.sheet:
            parts.append(f'sheet "{self.sheet}"')
        if index is not None or line is not None:
            n = line if line is not None else self.line(int(index))  # type: ignore[arg-type]
            parts.append(f"{'row' if self.kind == 'excel' else 'line'} {n}")
        if column is not None:
            ref = f" ({letter(self.positions[column])})" if self.kind == "excel" and column in self.positions else ""
            parts.append(f'column "{column}"{ref}')
        return ", ".join(parts)

    @property
    def header_line(self) -> int:
        return self.line(self.header_index)

    def native(self, column: str) -> str | None:
        name = f"{column}\x00n"
        return name if name in self._columns else None

    @cached_property
    def _columns(self) -> frozenset[str]:  # a set: native() is asked per column (10,000 columns stay linear)
        return frozenset(self.frame.columns)

    @property
    def rows(self) -> int:
        return self.frame.height


def with_header(base: RawTable) -> RawTable:
    """Find the header row, name the columns, drop blank rows and trailing empty columns."""
    cols = [c for c in base.frame.columns if c.startswith("c") and "\x00" not in c]
    frame = base.frame.with_columns(pl.sum_horizontal([pl.col(c).is_not_null() for c in cols]).alias("__n"))
    counts = frame["__n"].head(200).to_list()
    nonblank = [i for i, k in enumerate(counts) if k]
    if not nonblank:
        raise NoTable(f"{base.where()}: the file holds no table. Export the figures again.")
    # title lines above the header: a lone cell while one of the next 10 lines has more
    header = nonblank[0]
    for pos, i in enumerate(nonblank):
        later = [counts[j] for j in nonblank[pos + 1: pos + 11]]
        if counts[i] <= 1 and any(k > 1 for k in later):
            continue
        header = i
        break
    head_row = frame.row(header, named=True)
    body = frame.slice(header + 1).filter(pl.col("__n") > 0).drop("__n")
    excel = base.kind == "excel"

    def ref(j: int) -> str:
        return letter(j) if excel else str(j + 1)

    headers: list[str] = []
    keep: list[str] = []
    positions: dict[str, int] = {}
    seen: dict[str, int] = {}
    for j, c in enumerate(cols):
        raw = head_row[c]
        label = " ".join(str(raw).replace("\ufeff", "").split()) if raw is not None else ""
        has_values = body.height > 0 and bool(body[c].is_not_null().any())
        if not label:
            if not has_values:
                continue  # a trailing (or spare) empty column
            first = body.filter(pl.col(c).is_not_null()).row(0, named=True)
            named = [k for k, cc in enumerate(cols) if head_row[cc] is not None and str(head_row[cc]).strip()]
            if named and j > max(named):
                fields = 1 + max(k for k, cc in enumerate(cols) if first[cc] is not None)
                hint = (" A decimal comma in a comma-separated file must be quoted (\"12,5\"), or save the file "
                        "with ';' as separator." if base.delimiter == "," else " Remove the extra cells or name the column.")
                raise fail(f"{base.where(first['__i'])}: {fields} fields where the header has {max(named) + 1} "
                           f"(\"{show(first[c])}\" in column {ref(j)} has no header).{hint}")
            raise fail(f"{base.where(first['__i'])}, column {ref(j)}: the column has values "
                       f"(\"{show(first[c])}\") but no header. Give it a name or delete the column.")
        if fold(label) in seen:
            raise fail(f"{base.where(header)}: the header \"{label}\" appears twice (columns "
                       f"{ref(seen[fold(label)])} and {ref(j)}). Rename one of them.")
        seen[fold(label)] = j
        headers.append(label)
        keep.append(c)
        positions[label] = j
    if len(headers) < 2:
        hint = ("Choose the sheet with the figures with --sheet." if excel
                else "Check the separator (';', ',' or tab).")
        raise OneColumn(f"{base.where(header)}: only one column was found (\"{show(headers[0] if headers else '')}\"); "
                   f"a region code and at least one figure are needed. {hint}")
    present = set(body.columns)
    natives = [pl.col(f"{c}\x00n").alias(f"{h}\x00n") for c, h in zip(keep, headers, strict=True)
               if f"{c}\x00n" in present]
    out = body.select([pl.col("__i"), *[pl.col(c).alias(h) for c, h in zip(keep, headers, strict=True)], *natives])
    return replace(base, headers=headers, frame=out, header_index=header, positions=positions)

