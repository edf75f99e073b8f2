"""The tidy long format every layer speaks, and the region list format.

One row per (region, period, source, table, indicator)::

    region_code  region_level  gemeente_code  period  source   table_id  indicator       value   status  unit
    BU05183620   buurt         GM0518         2024    cbs_kwb  85984NED  AantalInwoners  3360.0  ok      aantal

``value`` is Float64 and null when the figure is missing; ``status`` says why
(``ok``, ``ontbreekt`` = missing or secret, ``geheim``, ``voorlopig``, ``klein`` = a small
count suppressed on purpose). A missing figure is never stored as 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

import polars as pl

from .regions.codes import LEVEL_BY_PREFIX  # noqa: F401 - re-exported: the one prefix → level map

TIDY_SCHEMA: dict[str, pl.DataType] = {
    "region_code": pl.Utf8(),
    "region_level": pl.Utf8(),
    "gemeente_code": pl.Utf8(),
    "period": pl.Utf8(),
    "source": pl.Utf8(),
    "table_id": pl.Utf8(),
    "indicator": pl.Utf8(),
    "value": pl.Float64(),
    "status": pl.Utf8(),
    "unit": pl.Utf8(),
}

REGION_SCHEMA: dict[str, pl.DataType] = {
    "code": pl.Utf8(),
    "name": pl.Utf8(),
    "level": pl.Utf8(),
    "gemeente_code": pl.Utf8(),
    "wijk_code": pl.Utf8(),
}

class Status(StrEnum):
    """Why a figure is what it is. A StrEnum: stored in Parquet and JSON as its plain text."""

    OK = "ok"
    MISSING = "ontbreekt"  # missing or secret at the source; never shown as 0
    SECRET = "geheim"  # secret at the source (where the source says so explicitly)
    SMALL = "klein"  # a small count: shown (or suppressed by a partner merge) but never signalled
    PROVISIONAL = "voorlopig"
    NOT_APPLICABLE = "n.v.t."  # the level does not exist for this subject (a wijk has no buurt)


STATUS_OK = Status.OK.value
STATUS_MISSING = Status.MISSING.value


def empty_tidy() -> pl.DataFrame:
    return pl.DataFrame(schema=TIDY_SCHEMA)


def empty_regions() -> pl.DataFrame:
    return pl.DataFrame(schema=REGION_SCHEMA)


def wide_to_tidy(
    rows: Sequence[Mapping[str, Any]],
    *,
    code_field: str,
    columns: Mapping[str, tuple[str, str]],
    period: str,
    source: str,
    table_id: str,
    normalise_code: Any = None,
) -> pl.DataFrame:
    """Turn API rows (one per region, one column per topic) into tidy rows.

    ``columns`` maps a raw column key to (indicator id, unit). Values that are not
    numbers (null, ``.``, a stray string) become null with status ``ontbreekt``; numeric
    strings ("1") become numbers. The page goes to polars in one call (``pl.from_dicts``
    with the schema given, converted in Rust); only a page holding a non-numeric string
    takes the slower column-by-column way, which turns such strings into nulls.
    """
    if not rows or not columns:
        return empty_tidy()
    keys = list(columns)
    wide = _wide_frame(rows, code_field, keys)
    code = pl.col(code_field).cast(pl.Utf8).fill_null("").str.strip_chars().str.to_uppercase()
    wide = wide.select(code.alias("region_code"), *keys)
    if normalise_code is not None:  # once per distinct code, not per row
        mapping = {c: normalise_code(c) for c in wide["region_code"].unique().to_list()}
        wide = wide.with_columns(pl.col("region_code").replace_strict(mapping, return_dtype=pl.Utf8))
    # level and gemeente are derived on the wide frame (one row per region), then unpivoted
    wide = with_region_columns(wide).rename({k: columns[k][0] for k in keys})
    indicators = [columns[k][0] for k in keys]
    long = wide.unpivot(
        index=["region_code", "region_level", "gemeente_code"],
        on=indicators,
        variable_name="indicator",
        value_name="value",
    )
    # unpivot stacks the columns one after the other: row i belongs to column i // height
    units = pl.Series("unit", [columns[k][1] for k in keys], dtype=pl.Utf8)
    unit = pl.lit(units).gather(pl.int_range(pl.len(), dtype=pl.UInt32) // wide.height)
    return finish_tidy(
        long.with_columns(unit.alias("unit")),
        period=period,
        source=source,
        table_id=table_id,
    )


def _wide_frame(rows: Sequence[Mapping[str, Any]], code_field: str, keys: list[str]) -> pl.DataFrame:
    """The page as a frame: the code column as text, every topic column as Float64."""
    schema = {code_field: pl.Utf8(), **{k: pl.Float64() for k in keys if k != code_field}}
    try:
        return pl.from_dicts(rows, schema=schema, strict=False)
    except (pl.exceptions.ComputeError, TypeError, ValueError):  # a stray string such as "." in a topic
        series = [pl.Series(code_field, [_text(r.get(code_field)) for r in rows], dtype=pl.Utf8)]
        series += [pl.Series(k, [r.get(k) for r in rows], dtype=pl.Float64, strict=False)
                   for k in keys if k != code_field]
        return pl.DataFrame(series)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def with_region_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Add region_level and gemeente_code derived from region_code (NL00 has no gemeente)."""
    prefix = pl.col("region_code").str.slice(0, 2)
    return frame.with_columns(
        prefix.replace_strict(LEVEL_BY_PREFIX, default=None, return_dtype=pl.Utf8).alias("region_level"),
        pl.when(prefix == "NL")
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.lit("GM") + pl.col("region_code").str.slice(2, 4))
        .alias("gemeente_code"),
    )


def finish_tidy(frame: pl.DataFrame, *, period: str, source: str, table_id: str) -> pl.DataFrame:
    """Add level, gemeente, provenance columns and status to (region_code, indicator, value, unit)."""
    if "region_level" not in frame.columns or "gemeente_code" not in frame.columns:
        frame = with_region_columns(frame)
    out = frame.with_columns(
        pl.lit(period).alias("period"),
        pl.lit(source).alias("source"),
        pl.lit(table_id).alias("table_id"),
    )
    if "status" not in out.columns:
        out = out.with_columns(
            pl.when(pl.col("value").is_null())
            .then(pl.lit(STATUS_MISSING))
            .otherwise(pl.lit(STATUS_OK))
            .alias("status")
        )
    return out.select(list(TIDY_SCHEMA)).cast(TIDY_SCHEMA)  # type: ignore[arg-type]


def regions_frame(entries: Iterable[tuple[str, str]]) -> pl.DataFrame:
    """Region list rows from (code, name) pairs; level, gemeente and wijk derived from the code."""
    pairs = list(entries)
    if not pairs:
        return empty_regions()
    codes, names = zip(*pairs, strict=True)
    frame = pl.DataFrame(
        {"code": [c.strip().upper() for c in codes], "name": [n.strip() for n in names]},
        schema={"code": pl.Utf8, "name": pl.Utf8},
    ).filter(pl.col("code").str.slice(0, 2).is_in(list(LEVEL_BY_PREFIX)))
    prefix = pl.col("code").str.slice(0, 2)
    return frame.with_columns(
        prefix.replace_strict(LEVEL_BY_PREFIX, return_dtype=pl.Utf8).alias("level"),
        pl.when(prefix == "NL")
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(pl.lit("GM") + pl.col("code").str.slice(2, 4))
        .alias("gemeente_code"),
        pl.when(prefix == "BU")
        .then(pl.lit("WK") + pl.col("code").str.slice(2, 6))
        .when(prefix == "WK")
        .then(pl.col("code"))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
        .alias("wijk_code"),
    ).select(list(REGION_SCHEMA))
