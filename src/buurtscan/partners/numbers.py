"""Cells as numbers: decimal comma or point, thousands separators, missing/secret/small markers.

A column is parsed as a whole: its notation (comma or point) is decided from the cells that
can only be read one way, and a column that mixes both is an error naming both cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
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


def _cell_exprs(text: pl.Expr, native: pl.Expr) -> list[pl.Expr]:
    """The per-cell intermediates of :func:`parse_numbers`, both notations at once."""
    s = text.str.replace_all(r"[\s\u00a0\u202f]+", "").str.replace_all("−", "-")
    low = s.str.to_lowercase()
    has_native = native.is_not_null()
    missing = (s.is_null() | (s == "") | low.is_in(list(MISSING_TEXTS))) & ~has_native
    secret = low.is_in(list(SECRET_TEXTS)) & ~has_native
    small = low.str.contains(SMALL_RE).fill_null(False) & ~has_native
    body = s.str.strip_suffix("%")
    candidate = ~(missing | secret | small | has_native)
    has_digit = body.str.contains(r"\d").fill_null(False)

    def parsed(number: pl.Expr) -> pl.Expr:
        return number.str.replace(r"^([+-]?)\.", "${1}0.").cast(pl.Float64, strict=False)

    comma = parsed(body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
    point = parsed(body.str.replace_all(",", "", literal=True))
    return [
        native.alias("native"), has_native.alias("has_native"), missing.alias("missing"), secret.alias("secret"),
        small.alias("small"), (s.str.ends_with("%").fill_null(False) & ~has_native).alias("pct"),
        candidate.alias("candidate"),
        (candidate & body.str.contains(COMMA_EVIDENCE).fill_null(False)).alias("comma_ev"),
        (candidate & body.str.contains(POINT_EVIDENCE).fill_null(False)).alias("point_ev"),
        comma.alias("comma"), point.alias("point"),
        (candidate & (~body.str.contains(COMMA_RE).fill_null(False) | comma.is_null() | ~has_digit)).alias("bad_comma"),
        (candidate & (~body.str.contains(POINT_RE).fill_null(False) | point.is_null() | ~has_digit)).alias("bad_point"),
    ]


def _value_status(mode: pl.Expr) -> list[pl.Expr]:
    bad = pl.when(mode == "comma").then(pl.col("bad_comma")).otherwise(pl.col("bad_point"))
    number = pl.when(mode == "comma").then(pl.col("comma")).otherwise(pl.col("point"))
    value = (pl.when(pl.col("has_native")).then(pl.col("native"))
             .when(pl.col("candidate") & ~bad).then(number).otherwise(None).alias("value"))
    status = (pl.when(value.is_not_null()).then(pl.lit("ok"))
              .when(pl.col("small")).then(pl.lit("klein"))
              .when(pl.col("secret")).then(pl.lit("geheim"))
              .otherwise(pl.lit("ontbreekt")).alias("status"))
    return [value, status]


def parse_numbers(table: RawTable, frame: pl.DataFrame, col: str, label: str, default_mode: str) -> Numbers:
    """Cells of one column as numbers; raises for a cell that is not a number.

    Every intermediate is one expression of a single ``select`` (both notations at once), so a
    column costs two passes whatever its length. Many columns at once: :func:`parse_columns`.
    """
    native_col = table.native(col)
    native = pl.col(native_col) if native_col else pl.lit(None, dtype=pl.Float64)
    cells = frame.select(_cell_exprs(pl.col(col), native))
    flags = cells.select(pl.col("comma_ev").any(), pl.col("point_ev").any(), pl.col("pct").any(),
                         pl.col("has_native").any(), pl.col("candidate").sum().alias("n"),
                         (~pl.col("missing")).sum().alias("filled")).row(0, named=True)
    if flags["comma_ev"] and flags["point_ev"]:
        a = frame.filter(cells["comma_ev"]).row(0, named=True)
        b = frame.filter(cells["point_ev"]).row(0, named=True)
        raise fail(
            f"{table.where(column=label)}: the column mixes a decimal comma (\"{show(a[col])}\", "
            f"{table.where(a['__i']).split(', ')[-1]}) and a decimal point (\"{show(b[col])}\", "
            f"{table.where(b['__i']).split(', ')[-1]}). Use one notation in the whole column."
        )
    mode = "comma" if flags["comma_ev"] else "point" if flags["point_ev"] else default_mode
    bad = cells[f"bad_{mode}"]
    n_bad = int(bad.sum())
    text_only = flags["n"] > 0 and n_bad == flags["n"] and not flags["has_native"]
    if n_bad and not text_only:
        row = frame.filter(bad).row(0, named=True)
        raise fail(f"{table.where(row['__i'], label)}: \"{show(row[col])}\" is not a number. "
                   "Fix the cell or leave it empty for a missing value.")
    out = cells.select(_value_status(pl.lit(mode)))
    return Numbers(out["value"], out["status"], bool(flags["pct"]), text_only, int(flags["filled"]))


BATCH_COLUMNS = 512  # columns parsed together by parse_columns (bounds the long frame it builds)


def parse_columns(table: RawTable, frame: pl.DataFrame, cols: list[str], default_mode: str
                  ) -> dict[str, Numbers | None]:
    """:func:`parse_numbers` for many columns in a few passes (a wide file of 10,000 columns).

    The columns are stacked (unpivoted) in batches and every intermediate is computed once for
    all of them; the notation is decided per column from its own cells. A column that would
    raise is None here: the caller runs :func:`parse_numbers` on it, which names the cell.
    """
    out: dict[str, Numbers | None] = {}
    for start in range(0, len(cols), BATCH_COLUMNS):
        batch = cols[start:start + BATCH_COLUMNS]
        stacked = frame.select(["__i", *batch]).unpivot(index="__i", on=batch, variable_name="col",
                                                        value_name="text")
        natives = [n for c in batch if (n := table.native(c)) is not None]
        if natives:
            nat = frame.select(["__i", *natives]).unpivot(
                index="__i", on=natives, variable_name="col", value_name="native_value")
            nat = nat.with_columns(pl.col("col").str.strip_suffix("\x00n"))
            stacked = stacked.join(nat, on=["__i", "col"], how="left", maintain_order="left")
            native = pl.col("native_value").cast(pl.Float64)
        else:
            native = pl.lit(None, dtype=pl.Float64)
        cells = stacked.select(pl.col("col"), *_cell_exprs(pl.col("text").cast(pl.Utf8), native))
        flags = cells.group_by("col", maintain_order=True).agg(
            pl.col("comma_ev").any(), pl.col("point_ev").any(), pl.col("pct").any(), pl.col("has_native").any(),
            pl.col("candidate").sum().alias("n"), (~pl.col("missing")).sum().alias("filled"),
            pl.col("bad_comma").sum(), pl.col("bad_point").sum())
        modes: dict[str, str] = {}
        meta: dict[str, tuple[bool, bool, int]] = {}
        for f in flags.iter_rows(named=True):
            c = f["col"]
            if f["comma_ev"] and f["point_ev"]:
                out[c] = None
                continue
            mode = "comma" if f["comma_ev"] else "point" if f["point_ev"] else default_mode
            n_bad = f[f"bad_{mode}"]
            text_only = f["n"] > 0 and n_bad == f["n"] and not f["has_native"]
            if n_bad and not text_only:
                out[c] = None
                continue
            modes[c] = mode
            meta[c] = (bool(f["pct"]), bool(text_only), int(f["filled"]))
        if not modes:
            continue
        values = cells.filter(pl.col("col").is_in(list(modes))).select(
            "col", *_value_status(pl.col("col").replace_strict(modes, return_dtype=pl.Utf8)))
        for (c,), part in values.partition_by("col", as_dict=True, maintain_order=True).items():
            pct, text_only, filled = meta[c]
            out[c] = Numbers(part["value"], part["status"], pct, text_only, filled)
    return out


def decimals_of(values: pl.Series) -> int:
    vals = values.cast(pl.Float64).to_numpy()  # numpy: no polars query per column
    vals = vals[~np.isnan(vals)]
    for d in range(3):
        scaled = vals * (10**d)
        if vals.size == 0 or bool((np.abs(scaled - np.round(scaled)) < 1e-6).all()):
            return d
    return 2

