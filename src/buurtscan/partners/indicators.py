"""What a merged partner indicator is: its metadata, unit and domain, and the checks of its values.

:class:`PartnerIndicator` goes into the manifest (``extra.indicators``), :class:`PartnerData`
is what :func:`buurtscan.partners.prepare` returns to the merge.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ..catalogue import Catalogue
from ..errors import PartnerDataError
from ..text import fold, slug
from .cells import RawTable
from .mapping import UNIT_ALIASES, ColumnSpec, Mapping
from .messages import fail, listing, show
from .numbers import Numbers

TABLE_ID = "partner"


@dataclass(frozen=True)
class PartnerIndicator:
    """Metadata of one merged indicator (stored in the manifest's ``extra.indicators``)."""

    id: str
    label: str
    domain: str
    unit: str  # unit after derivation ("per 1.000 inwoners" for per_1000_inwoners)
    decimals: int
    direction: str
    derive: str  # "value" | "per_1000_inwoners"
    count: bool
    column: str  # header, indicator name or count_by value it came from
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "domain": self.domain, "unit": self.unit,
            "decimals": self.decimals, "direction": self.direction, "derive": self.derive,
            "count": self.count, "column": self.column, "source": self.source, "stem": self.id,
        }


@dataclass(frozen=True)
class PartnerData:
    """A validated partner file: tidy rows plus what the manifest and the report need."""

    frame: pl.DataFrame  # tidy rows (tidy.TIDY_SCHEMA)
    indicators: tuple[PartnerIndicator, ...]
    periods: tuple[str, ...]
    layout: str  # "wide" | "long" | "records"
    rows_read: int
    regions: int  # distinct region codes with figures
    complete_gemeenten: tuple[str, ...]
    complete_wijken: tuple[str, ...]
    suppressed: int
    warnings: tuple[str, ...]


def need_domain(label: str, spec: ColumnSpec, domain: str | None, mapping: Mapping, missing: list[str]) -> str:
    """The column's domain (mapping column → --domain → mapping default); noted as missing otherwise."""
    dom = spec.domain or domain or mapping.domain
    if dom is None:
        missing.append(label)
        return ""
    return dom


def domain_error(table: RawTable, missing: list[str], catalogue: Catalogue) -> PartnerDataError:
    known = ", ".join(d.id for d in catalogue.domains)
    return fail(
        f"{table.where(line=table.header_line)}: no domain for {listing([repr(m) for m in missing], 4)}. "
        f"Give --domain (one of {known}) or a domain per column in a mapping (--mapping)."
    )


def make_indicator(*, source: str, column: str, spec: ColumnSpec, unit: str, count: bool, domain: str,
                   decimals: int, default_label: str | None = None) -> PartnerIndicator:
    per_1000 = spec.per_1000_inwoners
    return PartnerIndicator(
        id=spec.id or slug(column) or "waarde",
        label=spec.label or default_label or column,
        domain=domain,
        unit="per 1.000 inwoners" if per_1000 else unit,
        decimals=spec.decimals if spec.decimals is not None else (1 if per_1000 or unit == "%" else decimals),
        direction=spec.direction or "neutral",
        derive="per_1000_inwoners" if per_1000 else "value",
        count=count,
        column=column,
        source=source,
    )


def unit_of(header: str, unit_row: str | None, spec: ColumnSpec, numbers: Numbers | None) -> str:
    if spec.unit:
        return spec.unit
    if spec.count or spec.per_1000_inwoners:
        return "aantal"
    if unit_row:
        return UNIT_ALIASES.get(unit_row.strip().lower(), unit_row.strip())
    k = fold(header)
    if "%" in header or k.startswith(("percentage", "aandeel", "perc ", "pct")) or (numbers and numbers.percent_sign):
        return "%"
    if numbers is not None:
        vals = numbers.value.cast(pl.Float64).to_numpy()
        vals = vals[~np.isnan(vals)]
        if vals.size == 0 or bool((np.abs(vals - np.round(vals)) < 1e-9).all()):
            return "aantal"
    return ""


def check_values(table: RawTable, frame: pl.DataFrame, value_col: str, label: str, ind: PartnerIndicator,
                 text_col: str, what: str = "") -> None:
    """Counts are whole and not negative; percentages lie between 0 and 100."""
    v = pl.col(value_col)
    checks: list[tuple[pl.Expr, str]] = []
    named = f" ({what})" if what else ""
    if ind.count:
        checks.append((v < 0, f"is a negative count{named}. A count cannot be below 0; fix the cell."))
        checks.append(((v - v.round(0)).abs() > 1e-9,
                       (f"is not a whole number, but the column{named} is a count (unit 'aantal'). Fix the cell, "
                        "or give the column another unit (unit row or mapping).")))
    elif ind.unit == "%":
        checks.append((v > 100, f"is a percentage above 100{named}. Fix the cell (a share lies between 0 and 100)."))
        checks.append((v < 0, f"is a negative percentage{named}. Fix the cell (a share lies between 0 and 100)."))
    if not checks:
        return
    a = frame.get_column(value_col).cast(pl.Float64).to_numpy()  # numpy: no polars query per column
    with np.errstate(invalid="ignore"):  # a missing value is NaN here and fails every comparison
        fast = [a < 0, np.abs(a - np.round(a)) > 1e-9] if ind.count else [a > 100, a < 0]
    hits = [bool(h.any()) for h in fast]
    for (cond, text), hit in zip(checks, hits, strict=True):
        if hit:
            row = frame.filter(cond.fill_null(False)).row(0, named=True)
            raise fail(f"{table.where(row['__i'], label)}: \"{show(row[text_col])}\" {text}")


def check_duplicates(table: RawTable, frame: pl.DataFrame, key_col: str, what: Callable[[dict[str, Any]], str]) -> None:
    dup = frame.filter(pl.struct("code", "period", "indicator").is_duplicated()).sort("__i")
    if dup.is_empty():
        return
    first = dup.row(0, named=True)
    same = sorted(dup.filter((pl.col("code") == first["code"]) & (pl.col("period") == first["period"])
                             & (pl.col("indicator") == first["indicator"]))["__i"].to_list())
    lines = sorted(table.line(i) for i in same)
    word = "rows" if table.kind == "excel" else "lines"
    raise fail(f"{table.where(same[1], key_col)}: \"{show(first['code'])}\" appears twice{what(first)} "
               f"({word} {lines[0]} and {lines[1]}). Keep one row per region.")


def unique_ids(table: RawTable, indicators: Sequence[PartnerIndicator]) -> None:
    seen: dict[str, str] = {}
    for ind in indicators:
        if ind.id in seen:
            raise fail(f"{table.where(line=table.header_line)}: \"{show(seen[ind.id])}\" and \"{show(ind.column)}\" "
                       f"both become indicator \"{ind.id}\". Give one of them another id in the mapping.")
        seen[ind.id] = ind.column

