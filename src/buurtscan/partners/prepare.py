"""prepare(): a read partner file → checked tidy rows, as a short pipeline of stages.

    roles (which column is what) → records?  count_records → finish
                                 → unit row → regions (totals out, codes, checks) → year
                                 → wide | long → one set of checks → finish (totals, suppression, tidy)

Each stage takes the :class:`~buurtscan.partners.job.Job` and the rows, and hands new rows
forward; nothing is called back.
"""

from __future__ import annotations

import re

import polars as pl

from ..catalogue import Catalogue
from ..regions import RegionList
from ..text import fold
from . import layouts
from .columns import TOTAL_WORDS, UNIT_ROW_KEYS, find_column, find_roles
from .disclosure import finish
from .indicators import PartnerData, PartnerIndicator, check_duplicates, domain_error, unique_ids
from .job import Job
from .keys import add_codes, check_codes, drop_totals, single_year
from .mapping import Mapping
from .messages import fail, listing, show
from .reading import RawTable
from .records import count_records


def prepare(
    table: RawTable,
    *,
    source: str,
    regions: pl.DataFrame | RegionList,
    catalogue: Catalogue,
    mapping: Mapping | None = None,
    domain: str | None = None,
    year: int | None = None,
    count: bool = False,
    count_by: str | None = None,
    skip_unknown: bool = False,
    min_count: int = 5,
) -> PartnerData:
    """Validate a read partner file and turn it into tidy rows with indicator metadata."""
    mapping = mapping or Mapping()
    count_by = count_by or mapping.count_by
    count = count or mapping.count or count_by is not None
    if count_by is not None:
        count_by = find_column(table, count_by, "count_by column")
    _need_rows(table, table.frame)
    job = Job(table=table, source=source, catalogue=catalogue, known=regions if isinstance(regions, RegionList) else RegionList(regions), mapping=mapping,
              roles=find_roles(table, mapping, count_by), domain=domain,
              year=year if year is not None else mapping.year, count_by=count_by,
              skip_unknown=skip_unknown, min_count=min_count)
    if count:
        return count_records(job, table.frame, rows_read=table.frame.height)
    units, frame = unit_row(job, table.frame)
    rows_read = frame.height
    frame, period = single_year(table, region_rows(job, frame), job.roles, job.year)
    layout = "long" if job.roles.indicator is not None and job.roles.value is not None else "wide"
    parts, indicators = layouts.long(job, frame) if layout == "long" else layouts.wide(job, frame, units)
    long = pl.concat(parts).with_columns(pl.lit(period).alias("period")) if parts else None
    check_indicators(job, indicators)
    assert long is not None  # check_indicators fails without indicators
    no_duplicates(job, long, layout)
    return finish(job, long, indicators, layout=layout, rows_read=rows_read)


def _need_rows(table: RawTable, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        raise fail(f"{table.where(line=table.header_line)}: the file has a header but no rows with figures. "
                   "Export the figures again.")


def unit_row(job: Job, frame: pl.DataFrame) -> tuple[dict[str, str], pl.DataFrame]:
    """A row of units under the header (wide files): no numbers, an empty or "eenheid" key cell.

    Returns the unit per header and the rows without it.
    """
    table, key_col = job.table, job.key_col
    if job.roles.indicator is not None:
        return {}, frame
    first = frame.row(0, named=True)
    cells = {h: first[h] for h in table.headers if first[h] is not None and h != key_col}
    natives = [n for h in table.headers if (n := table.native(h))]
    numeric = any(first[n] is not None for n in natives) or any(
        re.fullmatch(r"[+-]?[\d.,\s]+%?", str(v)) for v in cells.values())
    key_cell = fold(first[key_col] or "")
    if cells and not numeric and key_cell in UNIT_ROW_KEYS and not any(
            fold(str(v)).startswith(TOTAL_WORDS) for v in cells.values()):
        return {h: str(v) for h, v in cells.items()}, frame.slice(1)
    return {}, frame


def region_rows(job: Job, frame: pl.DataFrame) -> pl.DataFrame:
    """Totals and footnotes out, then a checked CBS ``code`` on every row (unknown ones fail or are skipped)."""
    table, roles, key_col = job.table, job.roles, job.key_col
    frame = drop_totals(table, frame, roles, key_col, job.warnings, records=False)
    _need_rows(table, frame)
    frame = add_codes(table, frame, roles, job.mapping, job.known, job.skip_unknown, job.warnings)
    no_code = frame.filter(pl.col("code").is_null())
    if no_code.height:
        row = no_code.row(0, named=True)
        raise fail(f"{table.where(row['__i'], key_col)}: the row has figures but no region code. "
                   "Fill in the code or delete the row.")
    if roles.code:
        frame = check_codes(table, frame, key_col, job.known, job.skip_unknown, job.warnings)
    if frame.is_empty():
        raise fail(f"{table.name}: no row is left after skipping unknown regions; nothing to merge.")
    return frame


def check_indicators(job: Job, indicators: list[PartnerIndicator]) -> None:
    """Every indicator has a domain, there is at least one, and no two share an id."""
    table = job.table
    if job.missing_domain:
        raise domain_error(table, job.missing_domain, job.catalogue)
    if not indicators:
        raise fail(f"{table.where(line=table.header_line)}: the file has no column with figures "
                   f"(columns: {listing([repr(h) for h in table.headers])}). Nothing to merge.")
    unique_ids(table, indicators)


def no_duplicates(job: Job, long: pl.DataFrame, layout: str) -> None:
    """One row per region (wide) or per region and indicator (long)."""
    if layout == "wide":
        rows = long.unique(subset=["code", "__i"], maintain_order=True).with_columns(pl.lit("").alias("indicator"))
        check_duplicates(job.table, rows, job.key_col, lambda r: "")
    else:
        check_duplicates(job.table, long, job.key_col, lambda r: f" for indicator \"{show(r['indicator'])}\"")
