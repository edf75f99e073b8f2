"""Cells as numbers: decimal comma or point, thousands separators, missing/secret/small markers.

A column is parsed as a whole: its notation (comma or point) is decided from the cells that
can only be read one way, and a column that mixes both is an error naming both cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .cells import RawTable
from .messages import fail, show

# cell texts meaning "no figure" (compared lower case, spaces removed)
MISSING_TEXTS = {
    ".", "-", "–", "—", "..", "n.b.", "n.b", "nb", "n.v.t.", "n.v.t", "nvt", "na", "n/a", "#n/a", "#nb",
    "onbekend", "?", "null", "none", "nan", "geengegevens", "leeg",
}
SECRET_TEXTS = {"x", "geheim", "*"}
SMALL_RE = r"^<=?\d+$"  # "<5", "< 5", "<=4": the partner suppressed it already

COMMA_RE = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)?(,\d+)?$"  # 1.234,5  12,5  1234
POINT_RE = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?$"  # 1,234.5  12.5  1234
COMMA_EVIDENCE = r"^[+-]?\d*,(\d{1,2}|\d{4,})$|\.\d{3},\d|^[+-]?\d{1,3}(\.\d{3}){2,}$"
POINT_EVIDENCE = r"^[+-]?\d*\.(\d{1,2}|\d{4,})$|,\d{3}\.\d|^[+-]?\d{1,3}(,\d{3}){2,}$"


@dataclass(frozen=True)
class Numbers:
    value: pl.Series  # Float64
    status: pl.Series  # Utf8: ok / ontbreekt / geheim / klein
    percent_sign: bool
    text_only: bool  # no cell is a number (a column of notes or names)
    filled: int


def parse_numbers(table: RawTable, frame: pl.DataFrame, col: str, label: str, default_mode: str) -> Numbers:
    """Cells of one column as numbers; raises for a cell that is not a number."""
    raw = frame[col]
    native = frame[table.native(col)] if table.native(col) else pl.Series([None] * frame.height, dtype=pl.Float64)
    s = raw.str.replace_all(r"[\s\u00a0\u202f]+", "").str.replace_all("−", "-")
    low = s.str.to_lowercase()
    has_native = native.is_not_null()
    missing = (s.is_null() | (s == "") | low.is_in(list(MISSING_TEXTS))) & ~has_native
    secret = low.is_in(list(SECRET_TEXTS)) & ~has_native
    small = low.str.contains(SMALL_RE).fill_null(False) & ~has_native
    pct = s.str.ends_with("%").fill_null(False) & ~has_native
    body = s.str.strip_suffix("%")
    candidate = ~(missing | secret | small | has_native)
    cand_text = body.filter(candidate)
    comma_ev = cand_text.str.contains(COMMA_EVIDENCE)
    point_ev = cand_text.str.contains(POINT_EVIDENCE)
    mode = default_mode
    if comma_ev.any() and point_ev.any():
        rows = frame.filter(candidate)
        a = rows.filter(comma_ev).row(0, named=True)
        b = rows.filter(point_ev).row(0, named=True)
        raise fail(
            f"{table.where(column=label)}: the column mixes a decimal comma (\"{show(a[col])}\", "
            f"{table.where(a['__i']).split(', ')[-1]}) and a decimal point (\"{show(b[col])}\", "
            f"{table.where(b['__i']).split(', ')[-1]}). Use one notation in the whole column."
        )
    if comma_ev.any():
        mode = "comma"
    elif point_ev.any():
        mode = "point"
    if mode == "comma":
        ok = body.str.contains(COMMA_RE)
        number = body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        ok = body.str.contains(POINT_RE)
        number = body.str.replace_all(",", "", literal=True)
    number = number.str.replace(r"^([+-]?)\.", "${1}0.")
    parsed = number.cast(pl.Float64, strict=False)
    bad = candidate & (~ok.fill_null(False) | parsed.is_null() | ~body.str.contains(r"\d").fill_null(False))
    n_candidates = int(candidate.sum())
    text_only = n_candidates > 0 and int(bad.sum()) == n_candidates and not bool(has_native.any())
    if bad.any() and not text_only:
        row = frame.filter(bad).row(0, named=True)
        raise fail(f"{table.where(row['__i'], label)}: \"{show(row[col])}\" is not a number. "
                   "Fix the cell or leave it empty for a missing value.")
    value = pl.select(
        pl.when(has_native).then(native).when(candidate & ~bad).then(parsed).otherwise(None)
    ).to_series().alias("value")
    status = pl.select(
        pl.when(value.is_not_null()).then(pl.lit("ok"))
        .when(small).then(pl.lit("klein"))
        .when(secret).then(pl.lit("geheim"))
        .otherwise(pl.lit("ontbreekt"))
    ).to_series().alias("status")
    filled = int((~missing).sum())
    return Numbers(value, status, bool(pct.any()), text_only, filled)


def decimals_of(values: pl.Series) -> int:
    vals = values.drop_nulls()
    for d in range(3):
        scaled = vals * (10**d)
        if vals.is_empty() or bool(((scaled - scaled.round(0)).abs() < 1e-6).all()):
            return d
    return 2

