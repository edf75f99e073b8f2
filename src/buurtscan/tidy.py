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
from typing import Any

import polars as pl

from .regions import gemeente_of, level_of, wijk_of

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

STATUS_OK = "ok"
STATUS_MISSING = "ontbreekt"


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
    numbers (null, or a stray string) become null with status ``ontbreekt``.
    """
    if not rows or not columns:
        return empty_tidy()
    keys = list(columns)
    codes = [str(r.get(code_field) or "").strip().upper() for r in rows]
    if normalise_code is not None:
        codes = [normalise_code(c) for c in codes]
    data: dict[str, list[Any]] = {"region_code": codes}
    for k in keys:
        data[k] = [_number(r.get(k)) for r in rows]
    wide = pl.DataFrame(data, schema={"region_code": pl.Utf8, **{k: pl.Float64 for k in keys}})
    mapping = pl.DataFrame(
        {
            "key": keys,
            "indicator": [columns[k][0] for k in keys],
            "unit": [columns[k][1] for k in keys],
        }
    )
    long = wide.unpivot(index="region_code", on=keys, variable_name="key", value_name="value")
    return finish_tidy(
        long.join(mapping, on="key", how="left").drop("key"),
        period=period,
        source=source,
        table_id=table_id,
    )


def finish_tidy(frame: pl.DataFrame, *, period: str, source: str, table_id: str) -> pl.DataFrame:
    """Add level, gemeente, provenance columns and status to (region_code, indicator, value, unit)."""
    codes = frame["region_code"].unique().to_list()
    level = {c: level_of(c) for c in codes}
    gemeente = {c: gemeente_of(c) for c in codes}
    out = frame.with_columns(
        pl.col("region_code").replace_strict(level, return_dtype=pl.Utf8).alias("region_level"),
        pl.col("region_code").replace_strict(gemeente, return_dtype=pl.Utf8).alias("gemeente_code"),
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
    rows = []
    for code, name in entries:
        code = code.strip().upper()
        if not code[:2] in ("NL", "GM", "WK", "BU"):
            continue
        rows.append((code, name.strip(), level_of(code), gemeente_of(code), wijk_of(code)))
    if not rows:
        return empty_regions()
    return pl.DataFrame(rows, schema=REGION_SCHEMA, orient="row")


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text in ("", ".", "x", "-", "?"):
            return None
        try:
            return float(text)
        except ValueError:
            return None
    return None
