"""The two table layouts of partner figures: wide (a column per indicator) and long (a row per indicator).

Each turns the keyed rows into long rows ``code, __i, value, status, indicator, unit`` plus
the indicators' metadata; columns without a domain are collected on the job.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .indicators import PartnerIndicator, check_values, make_indicator, need_domain, unit_of
from .job import Job
from .mapping import spec_for
from .messages import fail, show
from .numbers import Numbers, decimals_of, parse_columns, parse_numbers

Parts = tuple[list[pl.DataFrame], list[PartnerIndicator]]


def _is_count(spec_count: bool | None, per_1000: bool, unit: str) -> bool:
    return bool(spec_count) or per_1000 or (spec_count is None and unit == "aantal")


def _narrow(frame: pl.DataFrame, keys: list[pl.Series], column: str, native: str | None) -> pl.DataFrame:
    """The key columns and one value column (and its Excel numbers) as a frame of their own.

    Built from the Series, not by ``select`` on the wide frame: every operation on a frame
    costs time in its number of columns, so working on the wide one per column would make a
    10,000-column file quadratic.
    """
    return pl.DataFrame([*keys, frame.get_column(column), *([frame.get_column(native)] if native else [])])


def wide(job: Job, frame: pl.DataFrame, units: dict[str, str]) -> Parts:
    """A column per indicator; the unit from the unit row, the mapping or the header."""
    table, roles, mapping = job.table, job.roles, job.mapping
    default_mode = "point" if table.delimiter == "," else "comma"
    skip_cols = {job.key_col, roles.name, roles.gemeente, roles.year, roles.unit, *roles.ignored}
    parts: list[pl.DataFrame] = []
    labels: list[tuple[str, str]] = []  # (indicator id, unit) of each part
    indicators: list[PartnerIndicator] = []
    keys = [frame.get_column("__i"), frame.get_column("code")]
    wanted = [h for h in table.headers if h not in skip_cols and not spec_for(mapping, h).skip]
    parsed = parse_columns(table, frame, wanted, default_mode)  # all columns in a few passes
    for h in wanted:
        spec = spec_for(mapping, h)
        frame_h = _narrow(frame, keys, h, table.native(h))
        nums = parsed.get(h) or parse_numbers(table, frame_h, h, h, default_mode)  # None: it names the cell
        if nums.filled == 0 and mapping.spec(h) is None:
            job.warnings.append(f"Column \"{h}\" is empty and was left out.")
            continue
        if nums.text_only:
            if mapping.spec(h) is not None:
                row = frame_h.filter(pl.col(h).is_not_null()).row(0, named=True)
                raise fail(f"{table.where(row['__i'], h)}: \"{show(row[h])}\" is not a number. "
                           "Fix the cell or leave it empty for a missing value.")
            job.warnings.append(f"Column \"{h}\" holds text, not figures, and was left out.")
            continue
        unit = unit_of(h, units.get(h), spec, nums)
        is_count = _is_count(spec.count, spec.per_1000_inwoners, unit)
        dom = need_domain(h, spec, job.domain, mapping, job.missing_domain)
        ind = make_indicator(source=job.source, column=h, spec=spec, unit=unit, count=is_count, domain=dom,
                             decimals=decimals_of(nums.value) if not is_count else 0)
        # built from the Series (no query per column); indicator and unit are added once below
        value, status = nums.value.alias("value"), nums.status.alias("status")
        check_values(table, pl.DataFrame([keys[0], frame_h.get_column(h), value]), "value", h, ind, h)
        indicators.append(ind)
        parts.append(pl.DataFrame([keys[1], keys[0], value, status]))
        labels.append((ind.id, "aantal" if is_count else unit))
    if not parts:
        return parts, indicators
    whole = pl.concat(parts)
    which = pl.Series(np.repeat(np.arange(len(parts)), [p.height for p in parts]))
    return [whole.with_columns(pl.Series("indicator", [i for i, _ in labels]).gather(which),
                               pl.Series("unit", [u for _, u in labels]).gather(which))], indicators


def long(job: Job, frame: pl.DataFrame) -> Parts:
    """A row per region and indicator name, the figure in the value column (unit column optional)."""
    table, roles, mapping = job.table, job.roles, job.mapping
    value_col, ind_col = roles.value, roles.indicator
    assert value_col is not None and ind_col is not None
    default_mode = "point" if table.delimiter == "," else "comma"
    frame = frame.filter(pl.col(ind_col).is_not_null() | pl.col(value_col).is_not_null())
    empty_ind = frame.filter(pl.col(ind_col).is_null())
    if empty_ind.height:
        row = empty_ind.row(0, named=True)
        raise fail(f"{table.where(row['__i'], ind_col)}: the row has a value but no indicator name. "
                   "Fill it in or delete the row.")
    nums = parse_numbers(table, frame, value_col, value_col, default_mode)
    if nums.text_only:
        row = frame.row(0, named=True)
        raise fail(f"{table.where(row['__i'], value_col)}: \"{show(row[value_col])}\" is not a number. "
                   "Fix the cell or leave it empty for a missing value.")
    frame = frame.with_columns(nums.value.alias("__v"), nums.status.alias("__s"))
    parts: list[pl.DataFrame] = []
    indicators: list[PartnerIndicator] = []
    for name in frame[ind_col].unique(maintain_order=True).to_list():
        spec = spec_for(mapping, name)
        if spec.skip:
            continue
        sub = frame.filter(pl.col(ind_col) == name)
        unit_cell = None
        if roles.unit:
            unit_cell = next((u for u in sub[roles.unit].to_list() if u), None)
        sub_nums = Numbers(sub["__v"], sub["__s"], False, False, sub.height)
        unit = unit_of(name, unit_cell, spec, sub_nums)
        is_count = _is_count(spec.count, spec.per_1000_inwoners, unit)
        dom = need_domain(name, spec, job.domain, mapping, job.missing_domain)
        ind = make_indicator(source=job.source, column=name, spec=spec, unit=unit, count=is_count, domain=dom,
                             decimals=decimals_of(sub["__v"]) if not is_count else 0)
        check_values(table, sub, "__v", value_col, ind, value_col, what=f'indicator "{show(name)}"')
        indicators.append(ind)
        parts.append(sub.select("code", "__i", pl.col("__v").alias("value"), pl.col("__s").alias("status"),
                                pl.lit(ind.id).alias("indicator"), pl.lit("aantal" if is_count else unit).alias("unit")))
    return parts, indicators
