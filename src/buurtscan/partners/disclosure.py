"""Totals and small-number suppression of partner counts, and the tidy rows that go into the cache.

Counts below ``min_count`` are withheld (status ``klein``). Where a wijk or gemeente total is
shown and exactly one of its parts is withheld, the total minus the others would give that
part away: the smallest other part is withheld too (status ``geheim``), until nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from ..regions import RegionList
from ..tidy import TIDY_SCHEMA, finish_tidy
from .indicators import TABLE_ID, PartnerData, PartnerIndicator
from .job import Job


def finish(job: Job, long: pl.DataFrame, indicators: Sequence[PartnerIndicator], *, layout: str,
           rows_read: int, fill_zeros: bool = False) -> PartnerData:
    """Coverage, totals of counts for fully covered wijken/gemeenten, suppression, tidy rows."""
    known, source, min_count = job.known, job.source, job.min_count
    present = set(long["code"].unique().to_list())
    buurten = {c for c in present if c.startswith("BU")}
    parents = known.frame.filter(pl.col("level") == "buurt").select("wijk_code", "gemeente_code")
    wijken = {wk for wk in parents["wijk_code"].unique().to_list() if wk}
    gemeenten = {gm for gm in parents["gemeente_code"].unique().to_list() if gm}
    complete_wk = sorted(wk for wk in wijken if (bus := known.buurten_of_wijk(wk)) and bus <= buurten)
    complete_gm = sorted(gm for gm in gemeenten if (bus := known.buurten_of(gm)) and bus <= buurten)
    counts = {i.id for i in indicators if i.count}
    rows = long.select("code", "period", "indicator", "value", "status", "unit")
    if counts and complete_wk:
        rows = add_totals(rows, counts, known, complete_wk, complete_gm, fill_zeros=fill_zeros)
    suppressed = 0
    if counts:
        rows, suppressed = suppress(rows, counts, min_count, complete_wk, complete_gm)
    frames = []
    for period in sorted(rows["period"].unique().to_list()):
        part = rows.filter(pl.col("period") == period).select(
            pl.col("code").alias("region_code"), "indicator", "value", "status", "unit")
        frames.append(finish_tidy(part, period=period, source=source, table_id=TABLE_ID))
    tidy = pl.concat(frames).sort("region_code", "indicator", "period") if frames else pl.DataFrame(schema=TIDY_SCHEMA)
    return PartnerData(
        frame=tidy,
        indicators=tuple(indicators),
        periods=tuple(sorted(rows["period"].unique().to_list())),
        layout=layout,
        rows_read=rows_read,
        regions=len(present),
        complete_gemeenten=tuple(complete_gm),
        complete_wijken=tuple(complete_wk),
        suppressed=suppressed,
        warnings=tuple(job.warnings),
    )


def add_totals(rows: pl.DataFrame, counts: set[str], known: RegionList, complete_wk: Sequence[str],
               complete_gm: Sequence[str], *, fill_zeros: bool) -> pl.DataFrame:
    """Sum count indicators over the buurten of fully covered wijken and gemeenten.

    Records (``fill_zeros``): a buurt of a covered wijk without records for an indicator
    and year counted 0. A total is left out where the file gives that region itself; it
    is null (``ontbreekt``) when one of its buurten has no known count.
    """
    bu_rows = rows.filter(pl.col("code").str.starts_with("BU") & pl.col("indicator").is_in(list(counts)))
    parents = pl.DataFrame(
        [(bu, wk, "GM" + bu[2:6]) for wk in complete_wk for bu in sorted(known.buurten_of_wijk(wk))],
        schema={"code": pl.Utf8, "wijk": pl.Utf8, "gemeente": pl.Utf8}, orient="row",
    )
    if fill_zeros:
        keys = bu_rows.select("period", "indicator").unique()
        grid = parents.join(keys, how="cross")
        bu_rows = grid.join(bu_rows, on=["code", "period", "indicator"], how="left").with_columns(
            pl.col("value").fill_null(0.0), pl.col("status").fill_null("ok"), pl.col("unit").fill_null("aantal")
        ).select(rows.columns)
        others = rows.join(bu_rows.select("code", "period", "indicator"), on=["code", "period", "indicator"],
                           how="anti")
        rows = pl.concat([others, bu_rows])
    with_parent = bu_rows.join(parents, on="code", how="inner")
    out = [rows]
    for level_col, complete in (("wijk", complete_wk), ("gemeente", complete_gm)):
        if not complete:
            continue
        sums = with_parent.filter(pl.col(level_col).is_in(list(complete))).group_by(level_col, "period", "indicator").agg(
            pl.when(pl.col("value").null_count() == 0).then(pl.col("value").sum()).otherwise(None).alias("value"),
        ).with_columns(
            pl.when(pl.col("value").is_null()).then(pl.lit("ontbreekt")).otherwise(pl.lit("ok")).alias("status"),
            pl.lit("aantal").alias("unit"),
        ).rename({level_col: "code"}).select(rows.columns)
        sums = sums.join(rows.select("code", "period", "indicator"), on=["code", "period", "indicator"], how="anti")
        out.append(sums)
    return pl.concat(out)


def suppress(rows: pl.DataFrame, counts: set[str], min_count: int, complete_wk: Sequence[str],
             complete_gm: Sequence[str]) -> tuple[pl.DataFrame, int]:
    """Counts below ``min_count`` → null with status ``klein``; plus secondary suppression.

    Where a wijk (or gemeente) total is shown and the file covers all its buurten (or
    wijken), and exactly one of them is suppressed, the total minus the others would give
    it away: then the smallest other one is withheld too (null, status ``geheim``).
    """
    is_count = pl.col("indicator").is_in(list(counts))
    small = is_count & pl.col("value").is_not_null() & (pl.col("value") < min_count)
    primary = int(rows.select(small.sum()).item())
    rows = rows.with_columns(
        pl.when(small).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(small).then(pl.lit("klein")).otherwise(pl.col("status")).alias("status"),
    )
    wk_set, gm_set = set(complete_wk), set(complete_gm)
    relevant = rows.filter(is_count & (
        pl.col("code").str.slice(0, 8).str.replace("^BU", "WK").is_in(list(wk_set))
        | (pl.col("code").str.starts_with("WK") & ("GM" + pl.col("code").str.slice(2, 4)).is_in(list(gm_set)))
        | pl.col("code").is_in(list(gm_set))
    ))
    if relevant.is_empty():
        return rows, primary
    cells = {(c, p, i): (v, st) for c, p, i, v, st in relevant.select(
        "code", "period", "indicator", "value", "status").iter_rows()}
    groups: dict[tuple[str, str, str], list[list[str]]] = {}
    for (code, period, ind) in cells:
        if code.startswith("BU"):
            groups.setdefault(("WK" + code[2:8], period, ind), [[], []])[0].append(code)
            groups.setdefault(("GM" + code[2:6], period, ind), [[], []])[0].append(code)
        elif code.startswith("WK"):
            groups.setdefault(("GM" + code[2:6], period, ind), [[], []])[1].append(code)
    hidden: set[tuple[str, str, str]] = {k for k, (v, _) in cells.items() if v is None}
    extra: set[tuple[str, str, str]] = set()
    for _ in range(5):  # until nothing changes (a withheld wijk can expose a buurt, and so on)
        changed = False
        for (parent, period, ind), (buurten, wijken) in groups.items():
            if (parent, period, ind) in hidden or (parent, period, ind) not in cells:
                continue
            if parent.startswith("WK") and parent not in wk_set or parent.startswith("GM") and parent not in gm_set:
                continue
            for kids in (buurten, wijken):
                keys = [(k, period, ind) for k in kids]
                closed = [k for k in keys if k in hidden]
                open_ = [k for k in keys if k not in hidden]
                if len(closed) == 1 and open_:
                    pick = min(open_, key=lambda k: (cells[k][0], k[0]))
                    hidden.add(pick)
                    extra.add(pick)
                    changed = True
        if not changed:
            break
    if extra:
        marks = pl.DataFrame(sorted(extra), schema={"code": pl.Utf8, "period": pl.Utf8, "indicator": pl.Utf8},
                             orient="row").with_columns(pl.lit(True).alias("__x"))
        rows = rows.join(marks, on=["code", "period", "indicator"], how="left").with_columns(
            pl.when(pl.col("__x").fill_null(False)).then(None).otherwise(pl.col("value")).alias("value"),
            pl.when(pl.col("__x").fill_null(False)).then(pl.lit("geheim")).otherwise(pl.col("status")).alias("status"),
        ).drop("__x")
    return rows, primary + len(extra)

