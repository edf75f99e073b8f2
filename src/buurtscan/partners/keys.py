"""Region keys and years of a partner file: codes or names → CBS codes, totals and footnotes out.

Codes are normalised (spaces, case, digits-only codes prefixed from the header) and checked
against the cached region list; names are looked up there (with a gemeente column or the
mapping's ``gemeente``). Unknown regions fail with a suggestion, or are skipped with a
warning under ``--skip-unknown``. Look-ups by code and name go through the one
:class:`~buurtscan.regions.RegionList` (the same one ``find`` and ``fetch`` use).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from ..regions import RegionList
from .cells import RawTable
from .columns import CODE_RE, TOTAL_WORDS, Roles, code_expr, header_level
from .mapping import Mapping
from .messages import fail, listing, show

YEAR_RE = r"(?:^|\D)((?:19|20)\d\d)(?:\D|$)"


def resolve_names(table: RawTable, frame: pl.DataFrame, roles: Roles, mapping: Mapping, regions: RegionList,
                  skip_unknown: bool, warnings: list[str]) -> pl.DataFrame:
    """Add ``code`` from a name column (+ gemeente column or mapping value) through the region list."""
    assert roles.name is not None
    name_col = roles.name
    level_pref = ("wijk", "buurt", "gemeente") if header_level(name_col) == "WK" else ("buurt", "wijk", "gemeente")
    fixed_gm = None
    if mapping.gemeente:
        fixed_gm = regions.gemeente(mapping.gemeente)
        if fixed_gm is None:
            raise fail(f"{mapping.name}, gemeente: \"{mapping.gemeente}\" is not a gemeente in the cached region "
                       "list. Give its code (GM0518) or its official name, and fetch it first.")
    gm_col = roles.gemeente
    pairs = frame.select(pl.col(name_col).alias("n"), (pl.col(gm_col) if gm_col else pl.lit(None, pl.Utf8)).alias("g"),
                         "__i").group_by("n", "g", maintain_order=True).agg(pl.col("__i").min())
    resolved: dict[tuple[str | None, str | None], str | None] = {}
    unknown: list[tuple[str, int]] = []
    for n, g, i in pairs.iter_rows():
        if n is None:
            resolved[(n, g)] = None
            continue
        gm = fixed_gm
        if g is not None:
            gm = regions.gemeente(g)
            if gm is None:
                raise fail(f"{table.where(i, gm_col)}: \"{show(g)}\" is not a gemeente in the cached region list. "
                           "Use its code (GM0518) or official name, and fetch it first (buurtscan fetch --gemeente …).")
        hits: list[str] = []
        for level in level_pref:
            hits = regions.named(n, level, gemeente=gm)
            if hits:
                break
        if len(hits) > 1:
            raise fail(f"{table.where(i, name_col)}: the name \"{show(n)}\" fits several regions "
                       f"({listing(hits, 4)}). Add a gemeente column or `gemeente = …` in the mapping, or use codes.")
        if not hits:
            unknown.append((n, i))
            resolved[(n, g)] = None
        else:
            resolved[(n, g)] = hits[0]
    if unknown:
        first, i = unknown[0]
        hints = regions.near_names(first, 3)
        others = f"; {len(unknown) - 1} more unknown names: {listing([u for u, _ in unknown[1:]], 4)}" if len(unknown) > 1 else ""
        text = (f"{table.where(i, name_col)}: \"{show(first)}\" is not a region name in the cached region list"
                + (f" (did you mean {', '.join(hints)}?)" if hints else "") + others)
        if not skip_unknown:
            raise fail(text + ". Fix the names, use codes, or merge with --skip-unknown.")
        warnings.append(f"{len(unknown)} unknown region name(s) skipped: {listing([u for u, _ in unknown], 6)}.")
    keys = pl.DataFrame(
        {"n": [k[0] for k in resolved], "g": [k[1] for k in resolved], "code": list(resolved.values())},
        schema={"n": pl.Utf8, "g": pl.Utf8, "code": pl.Utf8},
    )
    joined = frame.with_columns(pl.col(name_col).alias("n"),
                                (pl.col(gm_col) if gm_col else pl.lit(None, pl.Utf8)).alias("g"))
    joined = joined.join(keys, on=["n", "g"], how="left", nulls_equal=True, maintain_order="left").drop("n", "g")
    return joined.filter(pl.col(name_col).is_null() | pl.col("code").is_not_null())


def add_codes(table: RawTable, frame: pl.DataFrame, roles: Roles, mapping: Mapping, known: RegionList,
              skip_unknown: bool, warnings: list[str]) -> pl.DataFrame:
    """Add ``code``: normalised from the code column, or looked up from names."""
    if roles.code is None:
        return resolve_names(table, frame, roles, mapping, known, skip_unknown, warnings)
    code = code_expr(roles.code, roles.code_level)
    return frame.with_columns(
        pl.when(code.is_in(["NL", "NL01", "NEDERLAND"])).then(pl.lit("NL00")).otherwise(code).alias("code"))


def check_codes(table: RawTable, frame: pl.DataFrame, key_col: str, regions: RegionList, skip_unknown: bool,
                warnings: list[str], *, weight: str | None = None) -> pl.DataFrame:
    """Validate ``code`` (syntax, then existence in the cached region list); drop or fail on unknown ones."""
    distinct = frame.filter(pl.col("code").is_not_null()).group_by("code").agg(
        pl.col("__i").min(), pl.col(key_col).first().alias("raw")).sort("__i")
    bad = distinct.filter(~pl.col("code").str.contains(CODE_RE))
    if bad.height:
        row = bad.row(0, named=True)
        raise fail(f"{table.where(row['__i'], key_col)}: \"{show(row['raw'])}\" is not a CBS region code "
                   "(BU + 8 characters, WK + 6 or GM + 4, e.g. BU05183620). Fix the cell.")
    unknown = distinct.filter(~pl.col("code").is_in(list(regions.codes)))
    if unknown.is_empty():
        return frame
    first = unknown.row(0, named=True)
    codes = unknown["code"].to_list()
    gm = "GM" + first["code"][2:6] if not first["code"].startswith("NL") else None
    if gm and gm not in regions.gemeenten:
        reason = (f"\"{show(first['raw'])}\" lies in gemeente {gm}, which is not in the cache; fetch it first "
                  f"(buurtscan fetch --gemeente {gm})")
    else:
        hints = regions.suggest(first["code"])
        reason = (f"\"{show(first['raw'])}\" is not a region in the cached region list"
                  + (f" (did you mean {', '.join(hints)}?)" if hints else ""))
    more = f"; {len(codes) - 1} more unknown codes: {listing(codes[1:], 5)}" if len(codes) > 1 else ""
    if not skip_unknown:
        raise fail(f"{table.where(first['__i'], key_col)}: {reason}{more}. Fix the codes or merge with --skip-unknown.")
    gone = frame.filter(pl.col("code").is_in(codes))
    dropped = int(gone[weight].sum()) if weight else gone.height
    warnings.append(f"{len(codes)} unknown region code(s) skipped ({dropped:,} {'records' if weight else 'rows'}): "
                    f"{listing(codes, 6)}.")
    return frame.filter(~pl.col("code").is_in(codes).fill_null(False))


def year_of(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    found = text.str.extract(YEAR_RE, 1)
    return found


def add_years(table: RawTable, frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """Add ``year`` (text) from a year or date column; a filled cell without a year is an error."""
    native = table.native(col)
    checked = False  # True once the distinct values showed that every filled cell has a year
    if frame.height > 20_000:  # many rows, few distinct dates: extract per distinct value
        distinct = frame.select(pl.col(col).unique().drop_nulls())
        years = distinct.with_columns(year_of(col).alias("year"))
        checked = not native and years["year"].null_count() == 0
        if (years["year"] == years[col].str.slice(0, 4)).fill_null(False).all():  # "2024-03-01", "2024": the year leads
            out = frame.with_columns(pl.col(col).str.slice(0, 4).alias("year"))
        else:
            out = frame.with_columns(pl.col(col).replace_strict(years[col], years["year"], default=None,
                                                                return_dtype=pl.Utf8).alias("year"))
    else:
        out = frame.with_columns(year_of(col).alias("year"))
    if checked:
        return out
    if native:  # an Excel date serial (a date cell without date format)
        serial = pl.col(native)
        as_date = (pl.lit(dt.date(1899, 12, 30)) + pl.duration(days=serial.cast(pl.Int64))).dt.year().cast(pl.Utf8)
        out = out.with_columns(
            pl.when(pl.col("year").is_null() & serial.is_between(20000, 80000)).then(as_date)
            .otherwise(pl.col("year")).alias("year"))
    bad = out.filter(pl.col(col).is_not_null() & pl.col("year").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise fail(f"{table.where(row['__i'], col)}: \"{show(row[col])}\" holds no year (like 2024 or 2024-03-01). "
                   "Fix the cell.")
    return out


def drop_totals(table: RawTable, frame: pl.DataFrame, roles: Roles, key_col: str, warnings: list[str],
                *, records: bool) -> pl.DataFrame:
    """Drop totals rows ("Totaal", "Gemeente totaal") and footnotes (text only, no key) with a note."""
    present = set(frame.columns)
    text_cols = [h for h in table.headers if h in present]
    key = pl.col(key_col)
    key_is_code = key.str.replace_all(r"\s+", "").str.to_uppercase().str.contains(CODE_RE).fill_null(False)
    words = "|".join(re.escape(w) for w in TOTAL_WORDS)
    folded_any = pl.any_horizontal([
        pl.col(h).str.contains(rf"(?i)^\W*({words})\b").fill_null(False) for h in text_cols
    ])
    is_total = ~key_is_code & folded_any
    totals = frame.filter(is_total)
    if totals.height:
        lines = sorted(table.line(i) for i in totals["__i"].to_list())
        word = "row" if table.kind == "excel" else "line"
        warnings.append(f"{'Totals rows' if len(lines) > 1 else 'A totals row'} ({word} "
                        f"{listing([str(n) for n in lines], 4)}) left out; totals are not region figures.")
        frame = frame.filter(~is_total)
    if records:
        return frame
    others = [h for h in text_cols if h != key_col and h not in (roles.name, roles.gemeente)]
    filled_others = pl.sum_horizontal([pl.col(h).is_not_null() for h in others]) if others else pl.lit(0)
    natives = [n for h in others if (n := table.native(h))]
    numbers = pl.sum_horizontal([pl.col(n).is_not_null() for n in natives]) if natives else pl.lit(0)
    no_figures = (numbers == 0) & ~pl.any_horizontal(
        [pl.col(h).str.contains(r"^[+-]?[\d.,\s]+%?$").fill_null(False) for h in others] or [pl.lit(False)])
    # a note under the table: one text cell and no key, or text in the key column and nothing else
    footnote = no_figures & ((key.is_null() & (filled_others <= 1)) | (~key_is_code & (filled_others == 0)))
    if roles.code is None:  # a name without figures is a region with missing figures, not a note
        footnote = no_figures & key.is_null() & (filled_others <= 1)
    notes = frame.filter(footnote)
    if notes.height:
        word = "row" if table.kind == "excel" else "line"
        lines = sorted(table.line(i) for i in notes["__i"].to_list())
        warnings.append(f"{word.capitalize()} {listing([str(n) for n in lines], 4)} without a region code or figures "
                        "(a note?) left out.")
        frame = frame.filter(~footnote)
    return frame


def single_year(table: RawTable, frame: pl.DataFrame, roles: Roles, year: int | None) -> tuple[pl.DataFrame, str]:
    if roles.year is None:
        if year is None:
            raise fail(f"{table.name}: the file has no year column and no year was given. "
                       "Say which year the figures are about with --year YYYY (or `year = …` in the mapping).")
        return frame, str(year)
    frame = add_years(table, frame, roles.year)
    found = frame.filter(pl.col("year").is_not_null())
    if found.is_empty():
        if year is None:
            raise fail(f"{table.where(column=roles.year)}: the year column is empty. Fill it in or give --year YYYY.")
        return frame, str(year)
    first = found.row(0, named=True)
    other = found.filter(pl.col("year") != first["year"])
    if other.height:
        row = other.row(0, named=True)
        raise fail(f"{table.where(row['__i'], roles.year)}: \"{show(row[roles.year])}\" is another year than "
                   f"{first['year']} ({table.where(first['__i']).split(', ')[-1]}); a file holds one year. "
                   "Split the file per year.")
    if year is not None and str(year) != first["year"]:
        raise fail(f"{table.where(first['__i'], roles.year)}: the file says {first['year']} but --year says {year}. "
                   "Leave out --year or correct it.")
    return frame, first["year"]

