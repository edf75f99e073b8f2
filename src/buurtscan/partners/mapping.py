"""The mapping TOML a partner file may come with, the partner's name and domain look-ups.

A mapping says per column (or per indicator name / count_by value) what the figures are:
id, label, domain, unit, decimals, direction, count, per_1000_inwoners, skip; and at the top
level which columns hold codes, names, years, indicators and values. The format is in
docs/partners.md. :func:`read_mapping` checks every key and type and names the offending one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import sources
from ..catalogue import DIRECTIONS, Catalogue
from ..errors import PartnerDataError, UsageError
from ..text import fold
from .guard import MAPPING_MAX_BYTES, read_checked

OPEN_SOURCES = sources.OPEN_SOURCES  # the names open sources write in the cache (from the registry)

UNIT_ALIASES = {
    "%": "%", "procent": "%", "percentage": "%", "perc": "%", "pct": "%", "percent": "%",
    "aantal": "aantal", "aantallen": "aantal", "abs": "aantal", "absoluut": "aantal", "absolute aantallen": "aantal",
    "#": "aantal", "n": "aantal", "count": "aantal",
    "per 1000 inwoners": "per 1.000 inwoners", "per 1 000 inwoners": "per 1.000 inwoners",
    "per 1.000 inwoners": "per 1.000 inwoners", "‰": "per 1.000 inwoners", "promille": "per 1.000 inwoners",
    "euro": "euro", "€": "euro", "eur": "euro", "score": "score", "rapportcijfer": "score", "cijfer": "score",
}

COLUMN_KEYS = {"id", "label", "domain", "unit", "decimals", "direction", "count", "per_1000_inwoners", "skip"}
TOP_KEYS = {
    "code_column", "name_column", "gemeente", "gemeente_column", "year", "year_column", "domain",
    "indicator_column", "value_column", "unit_column", "count", "count_by", "columns", "records",
}
RECORD_KEYS = COLUMN_KEYS - {"skip", "count"}


def check_source_name(name: str) -> str:
    """The partner name as given (stripped); letters, digits, spaces, '-' and '_' only."""
    text = (name or "").strip()
    if not text or not re.fullmatch(r"[\w \-]+", text) or len(text) > 60:
        raise UsageError(
            f"'{name}' cannot be a partner name: use letters, digits, spaces, '-' and '_' (at most 60).",
            tip="Example: --source 'Woonstad Rotterdam'",
        )
    if text.lower() in OPEN_SOURCES:
        raise UsageError(
            f"'{text}' is the name of an open source; a partner needs a name of its own.",
            tip="Example: --source corporatie",
        )
    return text


def resolve_domain(text: str, catalogue: Catalogue, *, fail: Callable[[str], Exception] | None = None) -> str:
    """A domain id from an id or a title in any case ('Leefomgeving & openbare ruimte' → 'leefomgeving')."""
    wanted = fold(text)
    for d in catalogue.domains:
        if wanted in (fold(d.id), fold(d.title)):
            return d.id
    known = ", ".join(d.id for d in catalogue.domains)
    message = f"'{text}' is not a domain of the scan (known: {known})."
    if fail is not None:
        raise fail(message)
    raise UsageError(message, tip="Example: --domain wonen")


@dataclass(frozen=True)
class ColumnSpec:
    """What a mapping says about one column (or one indicator name / count_by value)."""

    id: str | None = None
    label: str | None = None
    domain: str | None = None
    unit: str | None = None
    decimals: int | None = None
    direction: str | None = None
    count: bool | None = None
    per_1000_inwoners: bool = False
    skip: bool = False


@dataclass(frozen=True)
class Mapping:
    name: str | None = None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    records: ColumnSpec = field(default_factory=ColumnSpec)
    code_column: str | None = None
    name_column: str | None = None
    gemeente: str | None = None
    gemeente_column: str | None = None
    year: int | None = None
    year_column: str | None = None
    domain: str | None = None
    indicator_column: str | None = None
    value_column: str | None = None
    unit_column: str | None = None
    count: bool = False
    count_by: str | None = None

    def spec(self, name: str) -> ColumnSpec | None:
        """The spec of a header / indicator name: exact, else compared folded."""
        if name in self.columns:
            return self.columns[name]
        folded = fold(name)
        for key, spec in self.columns.items():
            if fold(key) == folded:
                return spec
        return None


def read_mapping(path: Path, catalogue: Catalogue) -> Mapping:
    """Read and check a mapping TOML (format in docs/partners.md)."""
    path = Path(path)
    name = path.name

    def bad(where: str, problem: str) -> PartnerDataError:
        return PartnerDataError(f"{name}, {where}: {problem}")

    raw = read_checked(path, max_bytes=MAPPING_MAX_BYTES, what="mapping file", label=name)
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PartnerDataError(f"{name}: the mapping is not UTF-8 text. Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise PartnerDataError(f"{name}: not valid TOML ({exc}). Fix the mapping file.") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise bad(f"key '{unknown[0]}'", f"unknown setting; known: {', '.join(sorted(TOP_KEYS))}.")

    def text(key: str, where: str = "top level", raw: dict[str, Any] | None = None) -> str | None:
        value = (data if raw is None else raw).get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise bad(f"{where}, {key}", f"must be a non-empty text, got {value!r}.")
        return value.strip()

    def spec(raw: object, where: str, allowed: set[str]) -> ColumnSpec:
        if not isinstance(raw, dict):
            raise bad(where, "must be a table of settings (id, label, domain, unit, …).")
        extra = sorted(set(raw) - allowed)
        if extra:
            raise bad(f"{where}, {extra[0]}", f"unknown setting; known: {', '.join(sorted(allowed))}.")
        ind_id = text("id", where, raw)
        if ind_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9_.]*", ind_id):
            raise bad(f"{where}, id", f"'{ind_id}' must be lower case letters, digits, '_' or '.'.")
        dom = text("domain", where, raw)
        if dom is not None:
            dom = resolve_domain(dom, catalogue, fail=lambda m: bad(f"{where}, domain", m))
        direction = text("direction", where, raw)
        if direction is not None and direction not in DIRECTIONS:
            raise bad(f"{where}, direction", f"'{direction}' must be one of {', '.join(DIRECTIONS)}.")
        decimals = raw.get("decimals")
        if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                     or not 0 <= decimals <= 4):
            raise bad(f"{where}, decimals", f"must be a whole number from 0 to 4, got {decimals!r}.")
        flags: dict[str, bool | None] = {}
        for key in ("count", "per_1000_inwoners", "skip"):
            value = raw.get(key)
            if value is not None and not isinstance(value, bool):
                raise bad(f"{where}, {key}", f"must be true or false, got {value!r}.")
            flags[key] = value
        unit = text("unit", where, raw)
        if unit is not None:
            unit = UNIT_ALIASES.get(unit.lower(), unit)
        if flags["per_1000_inwoners"] and (flags["count"] is False or (unit and unit != "aantal")):
            raise bad(where, "per_1000_inwoners needs a count (count = true, unit 'aantal').")
        if flags["count"] and unit and unit != "aantal":
            raise bad(where, f"a count has unit 'aantal', not '{unit}'.")
        return ColumnSpec(
            id=ind_id, label=text("label", where, raw), domain=dom, unit=unit, decimals=decimals,
            direction=direction, count=flags["count"], per_1000_inwoners=bool(flags["per_1000_inwoners"]),
            skip=bool(flags["skip"]),
        )

    columns_raw = data.get("columns", {})
    if not isinstance(columns_raw, dict):
        raise bad("columns", 'must be tables like [columns."meldingen"].')
    columns = {str(k).strip(): spec(v, f'[columns."{k}"]', COLUMN_KEYS) for k, v in columns_raw.items()}
    records = spec(data.get("records", {}), "[records]", RECORD_KEYS)
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
        raise bad("year", f"must be a year like 2024, got {year!r}.")
    count = data.get("count", False)
    if not isinstance(count, bool):
        raise bad("count", f"must be true or false, got {count!r}.")
    dom = text("domain")
    return Mapping(
        name=name, columns=columns, records=records, code_column=text("code_column"),
        name_column=text("name_column"), gemeente=text("gemeente"), gemeente_column=text("gemeente_column"),
        year=year, year_column=text("year_column"),
        domain=resolve_domain(dom, catalogue, fail=lambda m: bad("domain", m)) if dom else None,
        indicator_column=text("indicator_column"), value_column=text("value_column"),
        unit_column=text("unit_column"), count=count, count_by=text("count_by"),
    )


def spec_for(mapping: Mapping, name: str) -> ColumnSpec:
    """The mapping's spec of a column or indicator name, or an empty one."""
    return mapping.spec(name) or ColumnSpec()
