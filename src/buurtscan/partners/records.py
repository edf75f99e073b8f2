"""Record-level partner files: one row per incident or client, counted per region × year (× kind)."""

from __future__ import annotations

import polars as pl

from .disclosure import finish
from .indicators import PartnerData, PartnerIndicator, domain_error, make_indicator, need_domain, unique_ids
from .job import Job
from .keys import add_codes, add_years, check_codes, drop_totals
from .mapping import ColumnSpec, spec_for
from .messages import fail


def count_records(job: Job, frame: pl.DataFrame, rows_read: int) -> PartnerData:
    """One row per incident or client: count per region (and year, and count_by value).

    The million-row frame is grouped once on the raw cells; everything after that
    (codes, names, years, checks) works on the distinct groups.
    """
    table, roles, mapping, key_col, warnings, year = job.table, job.roles, job.mapping, job.key_col, job.warnings, job.year
    count_by = job.count_by
    year_col = roles.year
    group = [key_col]
    if roles.name and roles.gemeente:
        group.append(roles.gemeente)
    if year_col:
        frame = add_years(table, frame, year_col)  # on the raw rows: a date column has many distinct values
        group.append("year")
    if count_by and count_by not in group:
        group.append(count_by)
    counts = frame.group_by(group).agg(pl.len().alias("__n"), pl.col("__i").min())
    counts = drop_totals(table, counts, roles, key_col, warnings, records=True)
    counts = add_codes(table, counts, roles, mapping, job.known, job.skip_unknown, warnings)
    empty = int(counts.filter(pl.col("code").is_null())["__n"].sum())
    if empty:
        warnings.append(f"{empty:,} record(s) without a region code were not counted.")
        counts = counts.filter(pl.col("code").is_not_null())
    if year_col:
        if year is not None:
            outside = counts.filter(pl.col("year") != str(year))
            if outside.height:
                warnings.append(f"{int(outside['__n'].sum()):,} record(s) from other years than {year} were not counted.")
                counts = counts.filter(pl.col("year") == str(year))
    else:
        if year is None:
            raise fail(f"{table.name}: the records have no date or year column and no year was given. "
                       "Say which year they are about with --year YYYY (or `year = …` in the mapping).")
        counts = counts.with_columns(pl.lit(str(year)).alias("year"))
    if roles.code:
        counts = check_codes(table, counts, key_col, job.known, job.skip_unknown, warnings, weight="__n")
    counts = counts.rename({"__n": "n"})
    if counts.is_empty():
        raise fail(f"{table.name}: no record is left to count (see the warnings). Nothing to merge.")
    base = mapping.records
    missing_domain = job.missing_domain
    indicators: list[PartnerIndicator] = []
    if count_by:
        counts = counts.with_columns(pl.col(count_by).fill_null("onbekend"))
        values = sorted(counts[count_by].unique().to_list(), key=str)
        mapping_ids: dict[str, str] = {}
        for v in values:
            spec = spec_for(mapping, v)
            if spec.skip:
                continue
            merged = ColumnSpec(
                id=spec.id, label=spec.label, domain=spec.domain or base.domain,
                direction=spec.direction or base.direction, decimals=spec.decimals if spec.decimals is not None else base.decimals,
                per_1000_inwoners=spec.per_1000_inwoners or base.per_1000_inwoners)
            dom = need_domain(v, merged, job.domain, mapping, missing_domain)
            ind = make_indicator(source=job.source, column=v, spec=merged, unit="aantal", count=True, domain=dom, decimals=0)
            indicators.append(ind)
            mapping_ids[v] = ind.id
        counts = counts.filter(pl.col(count_by).is_in(list(mapping_ids))).with_columns(
            pl.col(count_by).replace_strict(mapping_ids, return_dtype=pl.Utf8).alias("indicator"))
    else:
        spec = ColumnSpec(id=base.id or "aantal", label=base.label or "Aantal registraties", domain=base.domain,
                          direction=base.direction, decimals=base.decimals, per_1000_inwoners=base.per_1000_inwoners)
        dom = need_domain(spec.label or "", spec, job.domain, mapping, missing_domain)
        indicators.append(make_indicator(source=job.source, column=spec.label or "", spec=spec, unit="aantal", count=True,
                                         domain=dom, decimals=0))
        counts = counts.with_columns(pl.lit(indicators[0].id).alias("indicator"))
    if missing_domain:
        raise domain_error(table, missing_domain, job.catalogue)
    unique_ids(table, indicators)
    long = counts.group_by("code", "year", "indicator").agg(
        pl.col("n").sum().cast(pl.Float64).alias("value"), pl.col("__i").min())
    long = long.select("code", "__i", "value", pl.lit("ok").alias("status"), "indicator",
                       pl.lit("aantal").alias("unit"), pl.col("year").alias("period"))
    return finish(job, long, indicators, layout="records", rows_read=rows_read, fill_zeros=True)

