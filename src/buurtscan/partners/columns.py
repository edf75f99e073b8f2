"""Which column is what: header vocabulary and role detection (codes, names, years, …).

Headers are compared after :func:`buurtscan.text.fold` with a trailing number dropped
("Codering_3" → "codering"); a mapping names columns outright. Code columns are also
recognised by content (at least half the cells look like CBS codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from ..regions import CODE_PATTERN
from ..text import fold
from .cells import RawTable
from .mapping import Mapping
from .messages import fail, listing

CODE_RE = CODE_PATTERN  # the one code pattern (regions.codes), as text for polars

BUURT_CODE_HEADERS = {
    "buurtcode", "buurt code", "bu code", "bucode", "code buurt", "buurtcode cbs", "cbs buurtcode",
    "buurtcode10", "cbs code buurt",
}
WIJK_CODE_HEADERS = {"wijkcode", "wijk code", "wk code", "wkcode", "code wijk", "wijkcode cbs", "cbs wijkcode"}
GEMEENTE_CODE_HEADERS = {"gemeentecode", "gemeente code", "gm code", "gmcode", "code gemeente", "cbs gemeentecode"}
GENERIC_CODE_HEADERS = {
    "codering", "code", "regiocode", "regio code", "gebiedscode", "gebied code", "gwb code", "gwbcode",
    "gwb code 10", "gwb code 8", "region code", "regioncode", "cbs code", "wijken en buurten",
    "wijkenenbuurten", "regioaanduiding", "gebied",
}
NAME_HEADERS = {
    "buurt", "buurtnaam", "buurt naam", "naam buurt", "naam", "wijk", "wijknaam", "wijk naam", "regio",
    "regionaam", "regio naam", "gebied", "gebiedsnaam", "gebied naam", "wijken en buurten", "buurten", "wijken",
    "regioaanduiding", "buurt wijk",
}
GEMEENTE_HEADERS = {"gemeente", "gemeentenaam", "gemeente naam", "naam gemeente", "gm naam"}
YEAR_HEADERS = {
    "jaar", "year", "peiljaar", "periode", "perioden", "meetjaar", "rapportagejaar", "jaartal", "verslagjaar",
    "datum", "date", "melddatum", "meldingsdatum", "registratiedatum", "datum melding", "pleegdatum",
    "startdatum", "begindatum", "incidentdatum", "datum incident", "peildatum", "aanmelddatum",
}
INDICATOR_HEADERS = {"indicator", "indicatoren", "onderwerp", "onderwerpen", "kenmerk", "variabele", "maat"}
VALUE_HEADERS = {"waarde", "waarden", "value", "getal", "aantal", "cijfer"}
UNIT_HEADERS = {"eenheid", "eenheden", "unit", "units"}
DESCRIPTIVE_HEADERS = {"soort regio", "soortregio", "niveau", "regioniveau", "opmerking", "opmerkingen", "toelichting"}
TOTAL_WORDS = ("totaal", "total", "eindtotaal", "subtotaal", "gemeente totaal", "gemeentetotaal", "som", "sum",
               "grand total", "alle buurten", "hele gemeente")


UNIT_ROW_KEYS = {"", "eenheid", "eenheden", "unit", "units"}


def header_key(text: str) -> str:
    """A header as compared with the known header names: folded, trailing number dropped."""
    return re.sub(r" \d+$", "", fold(text))


@dataclass
class Roles:
    code: str | None = None
    code_level: str | None = None  # BU/WK/GM hint from the header, for digits-only codes
    name: str | None = None
    gemeente: str | None = None
    year: str | None = None
    indicator: str | None = None
    value: str | None = None
    unit: str | None = None
    ignored: set[str] = field(default_factory=set)


def header_level(header: str) -> str | None:
    k = header_key(header)
    if k in BUURT_CODE_HEADERS or "buurt" in k and "wijk" not in k:
        return "BU"
    if k in WIJK_CODE_HEADERS or "wijk" in k and "buurt" not in k:
        return "WK"
    if k in GEMEENTE_CODE_HEADERS or "gemeente" in k:
        return "GM"
    return None


def code_expr(col: str, level: str | None) -> pl.Expr:
    """Normalised code: no spaces, upper case; digits only → prefixed by the header's level."""
    text = pl.col(col).str.replace_all(r"\s+", "").str.to_uppercase()
    if level is None:
        return text
    width = {"BU": 8, "WK": 6, "GM": 4}[level]
    digits = text.str.contains(r"^\d+$") & (text.str.len_chars() <= width) & (text.str.len_chars() >= width - 2)
    return pl.when(digits).then(pl.lit(level) + text.str.zfill(width)).otherwise(text)


def looks_like_codes(frame: pl.DataFrame, col: str, level: str | None) -> float:
    sample = frame.select(pl.col(col)).drop_nulls().head(500).select(code_expr(col, level).alias("c"))["c"]
    if sample.is_empty():
        return 0.0
    share = sample.str.contains(CODE_RE).mean()
    return float(share) if isinstance(share, int | float) else 0.0


def find_column(table: RawTable, wanted: str | None, what: str) -> str | None:
    if wanted is None:
        return None
    for h in table.headers:
        if h == wanted:
            return h
    for h in table.headers:
        if fold(h) == fold(wanted):
            return h
    raise fail(f"{table.where(line=table.header_line)}: the {what} \"{wanted}\" is not a column of the file "
               f"(columns: {listing([repr(h) for h in table.headers])}). Fix the name in the mapping or the option.")


def find_roles(table: RawTable, mapping: Mapping, count_by: str | None) -> Roles:
    roles = Roles()
    body = table.frame
    roles.code = find_column(table, mapping.code_column, "code_column")
    roles.name = find_column(table, mapping.name_column, "name_column")
    roles.gemeente = find_column(table, mapping.gemeente_column, "gemeente_column")
    roles.year = find_column(table, mapping.year_column, "year_column")
    roles.indicator = find_column(table, mapping.indicator_column, "indicator_column")
    roles.value = find_column(table, mapping.value_column, "value_column")
    roles.unit = find_column(table, mapping.unit_column, "unit_column")
    if roles.code:
        roles.code_level = header_level(roles.code)
    keys = {h: header_key(h) for h in table.headers}
    mapped = {h for h in table.headers if mapping.spec(h) is not None and not mapping.spec(h).skip}  # type: ignore[union-attr]
    code_like: list[tuple[int, str]] = []
    for h, k in keys.items():
        if h in mapped:
            continue
        rank = (0 if k in BUURT_CODE_HEADERS else 1 if k in GENERIC_CODE_HEADERS else 2 if k in WIJK_CODE_HEADERS
                else 3 if k in GEMEENTE_CODE_HEADERS else None)
        if rank is not None:
            code_like.append((rank, h))
    code_like.sort()
    for _, h in code_like:
        level = header_level(h)
        if looks_like_codes(body, h, level) >= 0.5:
            if roles.code is None:
                roles.code, roles.code_level = h, level
            roles.ignored.add(h)  # other code columns (gemeentecode beside buurtcode) describe, they are no figures
    if roles.code is None and roles.name is None:
        for h in table.headers:  # content: a column of region codes whatever its header
            if h not in mapped and keys[h] not in YEAR_HEADERS and looks_like_codes(body, h, None) >= 0.8:
                roles.code = h
                break
    for h, k in keys.items():
        if h in (roles.code, roles.name, roles.gemeente, roles.year, roles.indicator, roles.value, roles.unit):
            continue
        if h in mapped or h == count_by:
            continue
        if k in NAME_HEADERS and roles.name is None and roles.code is None:
            roles.name = h
        elif k in GEMEENTE_HEADERS and roles.gemeente is None:
            roles.gemeente = h
        elif k in YEAR_HEADERS and roles.year is None:
            roles.year = h
        elif k in INDICATOR_HEADERS and roles.indicator is None:
            roles.indicator = h
        elif k in UNIT_HEADERS and roles.unit is None:
            roles.unit = h
        elif k in NAME_HEADERS | GEMEENTE_HEADERS | DESCRIPTIVE_HEADERS or h in roles.ignored:
            roles.ignored.add(h)
    if roles.indicator is not None and roles.value is None:
        for h, k in keys.items():
            if k in VALUE_HEADERS and h not in (roles.code, roles.name, roles.indicator):
                roles.value = h
                break
        if roles.value is None:
            roles.indicator = None  # an "onderwerp" column without values: just a descriptive column
    if roles.code is None and roles.name is None:
        raise fail(
            f"{table.where(line=table.header_line)}: no column with region codes or names was found "
            f"(columns: {listing([repr(h) for h in table.headers])}). Call the code column \"buurtcode\" "
            "(BU/WK/GM codes) or \"buurt\" (names), or set code_column in a mapping."
        )
    return roles


