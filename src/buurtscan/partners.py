"""Partner files: reading what partners really send, and validating it into tidy rows.

Pure functions: they return frames and dataclasses, raise :class:`PartnerDataError` (exit
code 4) for a bad file or mapping, and never print, write or touch the network.
:mod:`buurtscan.merging` orchestrates them and writes the cache. The accepted formats,
the mapping TOML and every check are documented in ``docs/partners.md``.

Reading (:func:`read_table`):

* CSV with ``;``, ``,``, tab or ``|`` (the dialect is detected with CleverCSV on the first
  lines), quoted fields, UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
  text"), else Windows-1252; leading ``#`` comment lines, title lines above the header,
  blank lines, trailing empty columns. The bulk is parsed by polars' CSV reader, so a
  million record rows take a fraction of a second.
* Excel ``.xlsx`` (and ``.xls``, ``.xlsb``, ``.ods``) through python-calamine: the first
  sheet or ``sheet=``; numbers stay numbers, dates become ISO dates.

Validating (:func:`prepare`): key column (codes or names), layout (wide, long, records),
units (unit row, mapping, header), numbers (decimal comma or point, thousands separators),
counts, percentages, duplicates, years, unknown codes; then small-number suppression
(with secondary suppression where a wijk or gemeente total would give a small count away)
and wijk/gemeente totals of counts for wijken and gemeenten the file covers completely.
Every error is one line naming file, line, column and the offending value.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from .catalogue import DIRECTIONS, Catalogue
from .errors import PartnerDataError, UsageError
from .finding import ALIASES, fold
from .tidy import TIDY_SCHEMA, finish_tidy

TABLE_ID = "partner"
OPEN_SOURCES = ("cbs_kwb", "politie", "rivm", "nabijheid", "leefbaarometer")
DELIMITERS = (";", ",", "\t", "|")
SNIFF_LINES = 100

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
CODE_RE = r"^(BU[0-9A-Z]{8}|WK[0-9A-Z]{6}|GM[0-9A-Z]{4}|NL00)$"
YEAR_RE = r"(?:^|\D)((?:19|20)\d\d)(?:\D|$)"

# Headers, compared after finding.fold() and with a trailing number removed ("Codering_3").
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

UNIT_ALIASES = {
    "%": "%", "procent": "%", "percentage": "%", "perc": "%", "pct": "%", "percent": "%",
    "aantal": "aantal", "aantallen": "aantal", "abs": "aantal", "absoluut": "aantal", "absolute aantallen": "aantal",
    "#": "aantal", "n": "aantal", "count": "aantal",
    "per 1000 inwoners": "per 1.000 inwoners", "per 1 000 inwoners": "per 1.000 inwoners",
    "per 1.000 inwoners": "per 1.000 inwoners", "‰": "per 1.000 inwoners", "promille": "per 1.000 inwoners",
    "euro": "euro", "€": "euro", "eur": "euro", "score": "score", "rapportcijfer": "score", "cijfer": "score",
}
UNIT_ROW_KEYS = {"", "eenheid", "eenheden", "unit", "units"}

COLUMN_KEYS = {"id", "label", "domain", "unit", "decimals", "direction", "count", "per_1000_inwoners", "skip"}
TOP_KEYS = {
    "code_column", "name_column", "gemeente", "gemeente_column", "year", "year_column", "domain",
    "indicator_column", "value_column", "unit_column", "count", "count_by", "columns", "records",
}
RECORD_KEYS = COLUMN_KEYS - {"skip", "count"}


def _key(text: str) -> str:
    """A header as compared with the known header names: folded, trailing number dropped."""
    return re.sub(r" \d+$", "", fold(text))


def slug(text: str) -> str:
    """'Overlastmeldingen (woonfraude)' → 'overlastmeldingen_woonfraude'."""
    return fold(text).replace(" ", "_")


def _show(value: object, width: int = 40) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _list(items: Sequence[str], n: int = 6) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


# ============================================================================ source names / domains
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


# ============================================================================ the mapping file
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

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise UsageError(f"The mapping file {path} does not exist.") from None
    except OSError as exc:
        raise UsageError(f"The mapping file {path} cannot be read ({exc.strerror}).") from None
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


# ============================================================================ reading
@dataclass
class RawTable:
    """A partner file as text cells: one Utf8 column per header, in file order.

    ``frame`` holds the rows below the header (blank rows removed) plus ``__i``, the row's
    index in the file as read; :meth:`line` turns that into the line (CSV) or row (Excel)
    number. Excel number cells are also kept as Float64 in ``"<header>\\x00n"`` columns.
    """

    name: str
    kind: str  # "csv" | "excel"
    sha256: str
    headers: list[str]
    frame: pl.DataFrame
    header_index: int
    positions: dict[str, int]
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    line_base: int = 1
    starts: list[int] | None = None

    def line(self, index: int) -> int:
        if self.starts is not None and 0 <= index < len(self.starts):
            return self.starts[index]
        return self.line_base + index

    def where(self, index: int | None = None, column: str | None = None, *, line: int | None = None) -> str:
        parts = [self.name]
        if self.sheet:
            parts.append(f'sheet "{self.sheet}"')
        if index is not None or line is not None:
            n = line if line is not None else self.line(int(index))  # type: ignore[arg-type]
            parts.append(f"{'row' if self.kind == 'excel' else 'line'} {n}")
        if column is not None:
            letter = f" ({_letter(self.positions[column])})" if self.kind == "excel" and column in self.positions else ""
            parts.append(f'column "{column}"{letter}')
        return ", ".join(parts)

    @property
    def header_line(self) -> int:
        return self.line(self.header_index)

    def native(self, column: str) -> str | None:
        name = f"{column}\x00n"
        return name if name in self.frame.columns else None

    @property
    def rows(self) -> int:
        return self.frame.height


def _fail(message: str) -> PartnerDataError:
    return PartnerDataError(message)


def read_table(path: Path, *, sheet: str | None = None) -> RawTable:
    """Read a partner CSV or spreadsheet into a :class:`RawTable` (no interpretation of values yet)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"The file {path} does not exist.") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a partner file.") from None
    except OSError as exc:
        raise UsageError(f"The file {path} cannot be read ({exc.strerror}).") from None
    digest = hashlib.sha256(data).hexdigest()
    name = path.name
    if not data[:4096].strip() and not data.strip():
        raise _fail(f"{name}: the file is empty. Export the figures again (a header line and a line per region).")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _read_excel(data, name, digest, sheet)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise _fail(f"{name}: the file is not a valid Excel workbook (it does not start like one). "
                    "Save it again from Excel as .xlsx, or export it as CSV.")
    if data[:5] == b"%PDF-":
        raise _fail(f"{name}: this is a PDF, not a table. Ask the partner for the CSV or Excel file.")
    if sheet:
        raise UsageError(f"--sheet is for Excel files; {name} is a text (CSV) file.")
    text, encoding = _decode(data, name)
    return _read_csv(text, name, digest, encoding, data)


def _decode(data: bytes, name: str) -> tuple[str, str]:
    newline = b"\n"
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        if b"\x00" in data[:65536]:
            pos = data.index(b"\x00")
            line = data[:pos].count(newline) + 1
            raise _fail(f"{name}, line {line}: the file holds binary data (a NUL byte), so it is not a CSV "
                        "text file. Export the figures again as CSV or .xlsx.")
        candidates = ("utf-8", "cp1252")
    error: UnicodeDecodeError | None = None
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            error = exc
    assert error is not None
    pos = error.start
    line = data[:pos].count(newline) + 1
    col = pos - (data.rfind(newline, 0, pos) + 1) + 1
    raise _fail(
        f"{name}, line {line}, character {col}: byte 0x{data[pos]:02X} is neither UTF-8 nor Windows-1252 text, "
        "so the encoding cannot be read. Save the file again as 'CSV UTF-8'."
    )


def _vote(sample: str) -> list[tuple[str, int]]:
    """Separators that split every sample line (outside quotes) into the same number (>1) of fields."""
    lines = [ln for ln in sample.splitlines() if ln.strip()][:SNIFF_LINES]
    consistent = []
    for d in DELIMITERS:
        if not any(d in ln for ln in lines):
            continue
        counts = {len(r) for r in csv.reader(lines, delimiter=d)}
        if len(counts) == 1 and min(counts) > 1:
            consistent.append((d, min(counts)))
    return consistent


def _sniff(sample: str) -> tuple[str, str]:
    """(delimiter, quote char) of a CSV sample.

    When exactly one separator splits every line of the sample into the same number of
    fields, that is the answer (most files: quick, and no 0.3 s CleverCSV import). Otherwise
    — ragged lines, title lines, several candidates — CleverCSV's pattern-and-type
    consistency decides; a field-count vote is the last resort.
    """
    quote = "'" if sample.count("'") > 2 * sample.count('"') and "';'" in sample else '"'
    consistent = _vote(sample)
    if len(consistent) == 1:
        return consistent[0][0], quote
    try:
        from clevercsv.detect import Detector

        found = Detector().detect(sample, delimiters=list(DELIMITERS))
    except Exception:  # noqa: BLE001 - detection is a heuristic; fall back below
        found = None
    if found is not None and found.delimiter in DELIMITERS:
        return found.delimiter, found.quotechar if found.quotechar in ('"', "'") else '"'
    delimiter, best = "", (0, 0)
    lines = [ln for ln in sample.splitlines() if ln.strip()][:SNIFF_LINES]
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        score = (counts.count(modal), modal) if modal > 1 else (0, 0)
        if score > best:
            best, delimiter = score, d
    return delimiter, quote


def _read_csv(text: str, name: str, digest: str, encoding: str, data: bytes | None = None) -> RawTable:
    if "\r" in text[:65536] and "\n" not in text[:65536]:  # old Mac line ends
        text = text.replace("\r", "\n")
        data = None
    head: list[str] = []
    skip = 0
    for line in text[: 1 << 20].splitlines():  # the first MB is plenty for comments and the sample
        if not head and (not line.strip() or line.lstrip().startswith("#")):
            skip += 1
            continue
        head.append(line)
        if len(head) >= SNIFF_LINES:
            break
    if not head:
        raise _fail(f"{name}: the file holds no table (only comments or blank lines). Export the figures again.")
    sample = "\n".join(head)
    delimiter, quote = _sniff(sample)
    if not delimiter:
        raise _fail(f"{name}, line {skip + 1}: the file has a single column; a region code and at least one "
                    "figure per line are needed, separated by ';', ',' or a tab.")
    widths = [len(r) for r in csv.reader(head, delimiter=delimiter, quotechar=quote)]
    n = max(widths or [1])
    raw = data if data is not None and encoding == "utf-8" else text.encode("utf-8")
    schema = {f"c{i}": pl.Utf8 for i in range(n)}

    def read(extra: str) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(raw), has_header=False, separator=delimiter, quote_char=quote, skip_rows=skip,
            schema=schema, missing_columns="insert", extra_columns=extra, raise_if_empty=False,
        )

    try:
        frame = read("raise")
    except pl.exceptions.PolarsError as exc:
        if "more fields" not in str(exc):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _fail(f"{name}: the file cannot be read as CSV ({first}). Check the quotes and separators.") from None
        line, fields, extra_values = _too_many_fields(text, skip, delimiter, quote, n)
        if extra_values:
            hint = (" A decimal comma in a comma-separated file must be quoted (\"12,5\"), or save the file "
                    "with ';' as separator." if delimiter == "," else " Remove the extra separators.")
            raise _fail(f"{name}, line {line}: {fields} fields where the header has {n}.{hint}") from None
        frame = read("ignore")  # only empty extra fields (trailing separators): harmless
    starts = _line_starts(text, skip, delimiter, quote, frame.height)
    base = RawTable(name=name, kind="csv", sha256=digest, headers=[], frame=frame.with_row_index("__i"),
                    header_index=0, positions={}, encoding=encoding, delimiter=delimiter, line_base=skip + 1,
                    starts=starts)
    return _with_header(base)


def _too_many_fields(text: str, skip: int, delimiter: str, quote: str, n: int) -> tuple[int, int, bool]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote)
    start = 1
    for i, row in enumerate(reader):
        if i >= skip and len(row) > n:
            return start, len(row), any(c.strip() for c in row[n:])
        start = reader.line_num + 1
    return start, n, False


def _line_starts(text: str, skip: int, delimiter: str, quote: str, rows: int) -> list[int] | None:
    """Line of each row, when a quoted field spans lines (else None: the row index + offset)."""
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical - skip <= rows or quote not in text:
        return None
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote)
    starts, start = [], 1
    for i, _ in enumerate(reader):
        if i >= skip:
            starts.append(start)
        start = reader.line_num + 1
    return starts if len(starts) >= rows else None


def _excel_text(value: object) -> tuple[str | None, float | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return str(value).upper(), None
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return None, None
        txt = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
        return txt, number
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(), None
    if isinstance(value, dt.timedelta):
        return str(value), None
    txt = str(value).strip()
    return (txt or None), None


def _read_excel(data: bytes, name: str, digest: str, sheet: str | None) -> RawTable:
    import python_calamine as calamine

    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise _fail(f"{name}: the workbook is password-protected. Save a copy without a password.") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds for a broken file
        raise _fail(f"{name}: the Excel file is damaged or not a workbook ({_show(exc, 80)}). "
                    "Save it again from Excel as .xlsx, or export it as CSV.") from None
    names = list(book.sheet_names)
    if not names:
        raise _fail(f"{name}: the workbook has no sheets.")
    if sheet is None:
        chosen = names[0]
    else:
        matches = [s for s in names if s == sheet] or [s for s in names if s.strip().lower() == sheet.strip().lower()]
        if not matches:
            raise _fail(f"{name}: there is no sheet \"{sheet}\"; the sheets are: "
                        + ", ".join(f'"{s}"' for s in names) + ". Give one of them with --sheet.")
        chosen = matches[0]
    try:
        rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001
        raise _fail(f"{name}, sheet \"{chosen}\": the sheet cannot be read ({_show(exc, 80)}). "
                    "Save the workbook again as .xlsx.") from None
    width = max((len(r) for r in rows), default=0)
    if not rows or width == 0:
        raise _fail(f"{name}, sheet \"{chosen}\": the sheet is empty. Choose the sheet with the figures (--sheet).")
    texts: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[list[float | None]] = [[] for _ in range(width)]
    for r in rows:
        padded = list(r) + [None] * (width - len(r))
        for j, cell in enumerate(padded):
            t, v = _excel_text(cell)
            texts[j].append(t)
            numbers[j].append(v)
    columns = {f"c{j}": pl.Series(f"c{j}", texts[j], dtype=pl.Utf8) for j in range(width)}
    natives = {f"c{j}\x00n": pl.Series(f"c{j}\x00n", numbers[j], dtype=pl.Float64) for j in range(width)}
    frame = pl.DataFrame({**columns, **natives}).with_row_index("__i")
    base = RawTable(name=name, kind="excel", sha256=digest, headers=[], frame=frame, header_index=0, positions={},
                    sheet=chosen if (sheet is not None or len(names) > 1) else None, line_base=1)
    return _with_header(base)


def _with_header(base: RawTable) -> RawTable:
    """Find the header row, name the columns, drop blank rows and trailing empty columns."""
    cols = [c for c in base.frame.columns if c.startswith("c") and "\x00" not in c]
    frame = base.frame.with_columns(pl.sum_horizontal([pl.col(c).is_not_null() for c in cols]).alias("__n"))
    counts = frame["__n"].head(200).to_list()
    nonblank = [i for i, k in enumerate(counts) if k]
    if not nonblank:
        raise _fail(f"{base.where()}: the file holds no table. Export the figures again.")
    # title lines above the header: a lone cell while one of the next 10 lines has more
    header = nonblank[0]
    for pos, i in enumerate(nonblank):
        later = [counts[j] for j in nonblank[pos + 1: pos + 11]]
        if counts[i] <= 1 and any(k > 1 for k in later):
            continue
        header = i
        break
    head_row = frame.row(header, named=True)
    body = frame.slice(header + 1).filter(pl.col("__n") > 0).drop("__n")
    excel = base.kind == "excel"

    def ref(j: int) -> str:
        return _letter(j) if excel else str(j + 1)

    headers: list[str] = []
    keep: list[str] = []
    positions: dict[str, int] = {}
    seen: dict[str, int] = {}
    for j, c in enumerate(cols):
        raw = head_row[c]
        label = " ".join(str(raw).replace("\ufeff", "").split()) if raw is not None else ""
        has_values = body.height > 0 and bool(body[c].is_not_null().any())
        if not label:
            if not has_values:
                continue  # a trailing (or spare) empty column
            first = body.filter(pl.col(c).is_not_null()).row(0, named=True)
            named = [k for k, cc in enumerate(cols) if head_row[cc] is not None and str(head_row[cc]).strip()]
            if named and j > max(named):
                fields = 1 + max(k for k, cc in enumerate(cols) if first[cc] is not None)
                hint = (" A decimal comma in a comma-separated file must be quoted (\"12,5\"), or save the file "
                        "with ';' as separator." if base.delimiter == "," else " Remove the extra cells or name the column.")
                raise _fail(f"{base.where(first['__i'])}: {fields} fields where the header has {max(named) + 1} "
                            f"(\"{_show(first[c])}\" in column {ref(j)} has no header).{hint}")
            raise _fail(f"{base.where(first['__i'])}, column {ref(j)}: the column has values "
                        f"(\"{_show(first[c])}\") but no header. Give it a name or delete the column.")
        if fold(label) in seen:
            raise _fail(f"{base.where(header)}: the header \"{label}\" appears twice (columns "
                        f"{ref(seen[fold(label)])} and {ref(j)}). Rename one of them.")
        seen[fold(label)] = j
        headers.append(label)
        keep.append(c)
        positions[label] = j
    if len(headers) < 2:
        hint = ("Choose the sheet with the figures with --sheet." if excel
                else "Check the separator (';', ',' or tab).")
        raise _fail(f"{base.where(header)}: only one column was found (\"{_show(headers[0] if headers else '')}\"); "
                    f"a region code and at least one figure are needed. {hint}")
    natives = [pl.col(f"{c}\x00n").alias(f"{h}\x00n") for c, h in zip(keep, headers, strict=True)
               if f"{c}\x00n" in body.columns]
    out = body.select([pl.col("__i"), *[pl.col(c).alias(h) for c, h in zip(keep, headers, strict=True)], *natives])
    return replace(base, headers=headers, frame=out, header_index=header, positions=positions)


# ============================================================================ interpreting
@dataclass(frozen=True)
class PartnerIndicator:
    """Metadata of one merged indicator (stored in the manifest's ``extra.indicators``)."""

    id: str
    label: str
    domain: str
    unit: str  # unit after derivation ("per 1.000 inwoners" for per_1000_inwoners)
    decimals: int
    direction: str
    derive: str  # "value" | "per_1000_inwoners"
    count: bool
    column: str  # header, indicator name or count_by value it came from
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "domain": self.domain, "unit": self.unit,
            "decimals": self.decimals, "direction": self.direction, "derive": self.derive,
            "count": self.count, "column": self.column, "source": self.source, "stem": self.id,
        }


@dataclass(frozen=True)
class PartnerData:
    """A validated partner file: tidy rows plus what the manifest and the report need."""

    frame: pl.DataFrame  # tidy rows (tidy.TIDY_SCHEMA)
    indicators: tuple[PartnerIndicator, ...]
    periods: tuple[str, ...]
    layout: str  # "wide" | "long" | "records"
    rows_read: int
    regions: int  # distinct region codes with figures
    complete_gemeenten: tuple[str, ...]
    complete_wijken: tuple[str, ...]
    suppressed: int
    warnings: tuple[str, ...]


@dataclass
class _Roles:
    code: str | None = None
    code_level: str | None = None  # BU/WK/GM hint from the header, for digits-only codes
    name: str | None = None
    gemeente: str | None = None
    year: str | None = None
    indicator: str | None = None
    value: str | None = None
    unit: str | None = None
    ignored: set[str] = field(default_factory=set)


def _header_level(header: str) -> str | None:
    k = _key(header)
    if k in BUURT_CODE_HEADERS or "buurt" in k and "wijk" not in k:
        return "BU"
    if k in WIJK_CODE_HEADERS or "wijk" in k and "buurt" not in k:
        return "WK"
    if k in GEMEENTE_CODE_HEADERS or "gemeente" in k:
        return "GM"
    return None


def _code_expr(col: str, level: str | None) -> pl.Expr:
    """Normalised code: no spaces, upper case; digits only → prefixed by the header's level."""
    text = pl.col(col).str.replace_all(r"\s+", "").str.to_uppercase()
    if level is None:
        return text
    width = {"BU": 8, "WK": 6, "GM": 4}[level]
    digits = text.str.contains(r"^\d+$") & (text.str.len_chars() <= width) & (text.str.len_chars() >= width - 2)
    return pl.when(digits).then(pl.lit(level) + text.str.zfill(width)).otherwise(text)


def _looks_like_codes(frame: pl.DataFrame, col: str, level: str | None) -> float:
    sample = frame.select(pl.col(col)).drop_nulls().head(500).select(_code_expr(col, level).alias("c"))["c"]
    if sample.is_empty():
        return 0.0
    return float(sample.str.contains(CODE_RE).mean() or 0.0)


def _find(table: RawTable, wanted: str | None, what: str) -> str | None:
    if wanted is None:
        return None
    for h in table.headers:
        if h == wanted:
            return h
    for h in table.headers:
        if fold(h) == fold(wanted):
            return h
    raise _fail(f"{table.where(line=table.header_line)}: the {what} \"{wanted}\" is not a column of the file "
                f"(columns: {_list([repr(h) for h in table.headers])}). Fix the name in the mapping or the option.")


def _roles(table: RawTable, mapping: Mapping, count_by: str | None) -> _Roles:
    roles = _Roles()
    body = table.frame
    roles.code = _find(table, mapping.code_column, "code_column")
    roles.name = _find(table, mapping.name_column, "name_column")
    roles.gemeente = _find(table, mapping.gemeente_column, "gemeente_column")
    roles.year = _find(table, mapping.year_column, "year_column")
    roles.indicator = _find(table, mapping.indicator_column, "indicator_column")
    roles.value = _find(table, mapping.value_column, "value_column")
    roles.unit = _find(table, mapping.unit_column, "unit_column")
    if roles.code:
        roles.code_level = _header_level(roles.code)
    keys = {h: _key(h) for h in table.headers}
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
        level = _header_level(h)
        if _looks_like_codes(body, h, level) >= 0.5:
            if roles.code is None:
                roles.code, roles.code_level = h, level
            roles.ignored.add(h)  # other code columns (gemeentecode beside buurtcode) describe, they are no figures
    if roles.code is None and roles.name is None:
        for h in table.headers:  # content: a column of region codes whatever its header
            if h not in mapped and keys[h] not in YEAR_HEADERS and _looks_like_codes(body, h, None) >= 0.8:
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
        raise _fail(
            f"{table.where(line=table.header_line)}: no column with region codes or names was found "
            f"(columns: {_list([repr(h) for h in table.headers])}). Call the code column \"buurtcode\" "
            "(BU/WK/GM codes) or \"buurt\" (names), or set code_column in a mapping."
        )
    return roles


# ---------------------------------------------------------------------------- numbers
@dataclass(frozen=True)
class _Numbers:
    value: pl.Series  # Float64
    status: pl.Series  # Utf8: ok / ontbreekt / geheim / klein
    percent_sign: bool
    text_only: bool  # no cell is a number (a column of notes or names)
    filled: int


def _parse_numbers(table: RawTable, frame: pl.DataFrame, col: str, label: str, default_mode: str) -> _Numbers:
    """Cells of one column as numbers; raises for a cell that is not a number."""
    raw = frame[col]
    native = frame[table.native(col)] if table.native(col) else pl.Series([None] * frame.height, dtype=pl.Float64)
    s = raw.str.replace_all(r"[\s\u00a0\u202f]+", "").str.replace_all("−", "-")
    low = s.str.to_lowercase()
    has_native = native.is_not_null()
    missing = (s.is_null() | (s == "") | low.is_in(list(MISSING_TEXTS))) & ~has_native
    secret = low.is_in(list(SECRET_TEXTS)) & ~has_native
    small = low.str.contains(SMALL_RE).fill_null(False) & ~has_native
    pct = s.str.ends_with("%").fill_null(False) & ~has_native
    body = s.str.strip_suffix("%")
    candidate = ~(missing | secret | small | has_native)
    cand_text = body.filter(candidate)
    comma_ev = cand_text.str.contains(COMMA_EVIDENCE)
    point_ev = cand_text.str.contains(POINT_EVIDENCE)
    mode = default_mode
    if comma_ev.any() and point_ev.any():
        rows = frame.filter(candidate)
        a = rows.filter(comma_ev).row(0, named=True)
        b = rows.filter(point_ev).row(0, named=True)
        raise _fail(
            f"{table.where(column=label)}: the column mixes a decimal comma (\"{_show(a[col])}\", "
            f"{table.where(a['__i']).split(', ')[-1]}) and a decimal point (\"{_show(b[col])}\", "
            f"{table.where(b['__i']).split(', ')[-1]}). Use one notation in the whole column."
        )
    if comma_ev.any():
        mode = "comma"
    elif point_ev.any():
        mode = "point"
    if mode == "comma":
        ok = body.str.contains(COMMA_RE)
        number = body.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        ok = body.str.contains(POINT_RE)
        number = body.str.replace_all(",", "", literal=True)
    number = number.str.replace(r"^([+-]?)\.", "${1}0.")
    parsed = number.cast(pl.Float64, strict=False)
    bad = candidate & (~ok.fill_null(False) | parsed.is_null() | ~body.str.contains(r"\d").fill_null(False))
    n_candidates = int(candidate.sum())
    text_only = n_candidates > 0 and int(bad.sum()) == n_candidates and not bool(has_native.any())
    if bad.any() and not text_only:
        row = frame.filter(bad).row(0, named=True)
        raise _fail(f"{table.where(row['__i'], label)}: \"{_show(row[col])}\" is not a number. "
                    "Fix the cell or leave it empty for a missing value.")
    value = pl.select(
        pl.when(has_native).then(native).when(candidate & ~bad).then(parsed).otherwise(None)
    ).to_series().alias("value")
    status = pl.select(
        pl.when(value.is_not_null()).then(pl.lit("ok"))
        .when(small).then(pl.lit("klein"))
        .when(secret).then(pl.lit("geheim"))
        .otherwise(pl.lit("ontbreekt"))
    ).to_series().alias("status")
    filled = int((~missing).sum())
    return _Numbers(value, status, bool(pct.any()), text_only, filled)


def _decimals(values: pl.Series) -> int:
    vals = values.drop_nulls()
    for d in range(3):
        scaled = vals * (10**d)
        if vals.is_empty() or bool(((scaled - scaled.round(0)).abs() < 1e-6).all()):
            return d
    return 2


# ---------------------------------------------------------------------------- keys
class _Regions:
    """The cached region list, with lookups by code and by (folded) name."""

    def __init__(self, regions: pl.DataFrame) -> None:
        self.frame = regions
        self.codes = set(regions["code"].to_list())
        self.names = dict(zip(regions["code"].to_list(), regions["name"].to_list(), strict=True))
        self.gemeenten = {c for c in self.codes if c.startswith("GM")}
        self.by_name: dict[tuple[str, str], list[str]] = {}
        gm_names: dict[str, str] = {}
        for code, name, level, gm in regions.select("code", "name", "level", "gemeente_code").iter_rows():
            folded = fold(name)
            keys = {folded}
            if level == "wijk":
                keys.add(re.sub(r"^wijk \d+ ", "", folded))
            if level == "gemeente":
                gm_names[folded] = code
            for k in keys:
                self.by_name.setdefault((level, k), []).append(code)
        self.gm_names = gm_names
        self.buurten_of: dict[str, set[str]] = {}
        self.buurten_of_wijk: dict[str, set[str]] = {}
        buurten = regions.filter(pl.col("level") == "buurt")
        for code, gm, wk in buurten.select("code", "gemeente_code", "wijk_code").iter_rows():
            self.buurten_of.setdefault(gm, set()).add(code)
            self.buurten_of_wijk.setdefault(wk, set()).add(code)

    def gemeente(self, text: str) -> str | None:
        t = text.strip().upper().replace(" ", "")
        if re.fullmatch(r"GM[0-9A-Z]{4}", t):
            return t
        if re.fullmatch(r"\d{1,4}", t):
            return "GM" + t.zfill(4)
        folded = ALIASES.get(fold(text), fold(text))
        return self.gm_names.get(folded)

    def suggest(self, code: str, n: int = 3) -> list[str]:
        import difflib

        pool = [c for c in self.codes if c[:2] == code[:2]]
        return [f"{c} ({self.names[c]})" for c in difflib.get_close_matches(code, pool, n=n, cutoff=0.6)]

    def near_names(self, name: str, n: int = 3) -> list[str]:
        import difflib

        folded = {fold(v): v for v in self.names.values()}
        return [folded[k] for k in difflib.get_close_matches(fold(name), list(folded), n=n, cutoff=0.6)]


def _resolve_names(table: RawTable, frame: pl.DataFrame, roles: _Roles, mapping: Mapping, regions: _Regions,
                   skip_unknown: bool, warnings: list[str]) -> pl.DataFrame:
    """Add ``code`` from a name column (+ gemeente column or mapping value) through the region list."""
    assert roles.name is not None
    name_col = roles.name
    level_pref = ("wijk", "buurt", "gemeente") if _header_level(name_col) == "WK" else ("buurt", "wijk", "gemeente")
    fixed_gm = None
    if mapping.gemeente:
        fixed_gm = regions.gemeente(mapping.gemeente)
        if fixed_gm is None:
            raise _fail(f"{mapping.name}, gemeente: \"{mapping.gemeente}\" is not a gemeente in the cached region "
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
                raise _fail(f"{table.where(i, gm_col)}: \"{_show(g)}\" is not a gemeente in the cached region list. "
                            "Use its code (GM0518) or official name, and fetch it first (buurtscan fetch --gemeente …).")
        folded = fold(n)
        hits: list[str] = []
        for level in level_pref:
            found = regions.by_name.get((level, folded), [])
            if gm:
                found = [c for c in found if c == gm or c[2:6] == gm[2:6]]
            if found:
                hits = found
                break
        if len(hits) > 1:
            raise _fail(f"{table.where(i, name_col)}: the name \"{_show(n)}\" fits several regions "
                        f"({_list(hits, 4)}). Add a gemeente column or `gemeente = …` in the mapping, or use codes.")
        if not hits:
            unknown.append((n, i))
            resolved[(n, g)] = None
        else:
            resolved[(n, g)] = hits[0]
    if unknown:
        first, i = unknown[0]
        hints = regions.near_names(first)
        others = f"; {len(unknown) - 1} more unknown names: {_list([u for u, _ in unknown[1:]], 4)}" if len(unknown) > 1 else ""
        text = (f"{table.where(i, name_col)}: \"{_show(first)}\" is not a region name in the cached region list"
                + (f" (did you mean {', '.join(hints)}?)" if hints else "") + others)
        if not skip_unknown:
            raise _fail(text + ". Fix the names, use codes, or merge with --skip-unknown.")
        warnings.append(f"{len(unknown)} unknown region name(s) skipped: {_list([u for u, _ in unknown], 6)}.")
    keys = pl.DataFrame(
        {"n": [k[0] for k in resolved], "g": [k[1] for k in resolved], "code": list(resolved.values())},
        schema={"n": pl.Utf8, "g": pl.Utf8, "code": pl.Utf8},
    )
    joined = frame.with_columns(pl.col(name_col).alias("n"),
                                (pl.col(gm_col) if gm_col else pl.lit(None, pl.Utf8)).alias("g"))
    joined = joined.join(keys, on=["n", "g"], how="left", nulls_equal=True, maintain_order="left").drop("n", "g")
    return joined.filter(pl.col(name_col).is_null() | pl.col("code").is_not_null())


def _codes(table: RawTable, frame: pl.DataFrame, roles: _Roles, mapping: Mapping, known: _Regions,
           skip_unknown: bool, warnings: list[str]) -> pl.DataFrame:
    """Add ``code``: normalised from the code column, or looked up from names."""
    if roles.code is None:
        return _resolve_names(table, frame, roles, mapping, known, skip_unknown, warnings)
    code = _code_expr(roles.code, roles.code_level)
    return frame.with_columns(
        pl.when(code.is_in(["NL", "NL01", "NEDERLAND"])).then(pl.lit("NL00")).otherwise(code).alias("code"))


def _check_codes(table: RawTable, frame: pl.DataFrame, key_col: str, regions: _Regions, skip_unknown: bool,
                 warnings: list[str], *, weight: str | None = None) -> pl.DataFrame:
    """Validate ``code`` (syntax, then existence in the cached region list); drop or fail on unknown ones."""
    distinct = frame.filter(pl.col("code").is_not_null()).group_by("code").agg(
        pl.col("__i").min(), pl.col(key_col).first().alias("raw")).sort("__i")
    bad = distinct.filter(~pl.col("code").str.contains(CODE_RE))
    if bad.height:
        row = bad.row(0, named=True)
        raise _fail(f"{table.where(row['__i'], key_col)}: \"{_show(row['raw'])}\" is not a CBS region code "
                    "(BU + 8 characters, WK + 6 or GM + 4, e.g. BU05183620). Fix the cell.")
    unknown = distinct.filter(~pl.col("code").is_in(list(regions.codes)))
    if unknown.is_empty():
        return frame
    first = unknown.row(0, named=True)
    codes = unknown["code"].to_list()
    gm = "GM" + first["code"][2:6] if not first["code"].startswith("NL") else None
    if gm and gm not in regions.gemeenten:
        reason = (f"\"{_show(first['raw'])}\" lies in gemeente {gm}, which is not in the cache; fetch it first "
                  f"(buurtscan fetch --gemeente {gm})")
    else:
        hints = regions.suggest(first["code"])
        reason = (f"\"{_show(first['raw'])}\" is not a region in the cached region list"
                  + (f" (did you mean {', '.join(hints)}?)" if hints else ""))
    more = f"; {len(codes) - 1} more unknown codes: {_list(codes[1:], 5)}" if len(codes) > 1 else ""
    if not skip_unknown:
        raise _fail(f"{table.where(first['__i'], key_col)}: {reason}{more}. Fix the codes or merge with --skip-unknown.")
    gone = frame.filter(pl.col("code").is_in(codes))
    dropped = int(gone[weight].sum()) if weight else gone.height
    warnings.append(f"{len(codes)} unknown region code(s) skipped ({dropped:,} {'records' if weight else 'rows'}): "
                    f"{_list(codes, 6)}.")
    return frame.filter(~pl.col("code").is_in(codes).fill_null(False))


# ---------------------------------------------------------------------------- years
def _year_of(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars()
    found = text.str.extract(YEAR_RE, 1)
    return found


def _years(table: RawTable, frame: pl.DataFrame, col: str) -> pl.DataFrame:
    """Add ``year`` (text) from a year or date column; a filled cell without a year is an error."""
    if frame.height > 20_000:  # many rows, few distinct dates: extract per distinct value
        distinct = frame.select(pl.col(col).unique().drop_nulls())
        years = distinct.with_columns(_year_of(col).alias("year"))
        out = frame.with_columns(pl.col(col).replace_strict(years[col], years["year"], default=None,
                                                            return_dtype=pl.Utf8).alias("year"))
    else:
        out = frame.with_columns(_year_of(col).alias("year"))
    native = table.native(col)
    if native:  # an Excel date serial (a date cell without date format)
        serial = pl.col(native)
        as_date = (pl.lit(dt.date(1899, 12, 30)) + pl.duration(days=serial.cast(pl.Int64))).dt.year().cast(pl.Utf8)
        out = out.with_columns(
            pl.when(pl.col("year").is_null() & serial.is_between(20000, 80000)).then(as_date)
            .otherwise(pl.col("year")).alias("year"))
    bad = out.filter(pl.col(col).is_not_null() & pl.col("year").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise _fail(f"{table.where(row['__i'], col)}: \"{_show(row[col])}\" holds no year (like 2024 or 2024-03-01). "
                    "Fix the cell.")
    return out


# ---------------------------------------------------------------------------- indicators
def _spec_for(mapping: Mapping, name: str) -> ColumnSpec:
    return mapping.spec(name) or ColumnSpec()


def _need_domain(label: str, spec: ColumnSpec, domain: str | None, mapping: Mapping, missing: list[str]) -> str:
    """The column's domain (mapping column → --domain → mapping default); noted as missing otherwise."""
    dom = spec.domain or domain or mapping.domain
    if dom is None:
        missing.append(label)
        return ""
    return dom


def _domain_error(table: RawTable, missing: list[str], catalogue: Catalogue) -> PartnerDataError:
    known = ", ".join(d.id for d in catalogue.domains)
    return _fail(
        f"{table.where(line=table.header_line)}: no domain for {_list([repr(m) for m in missing], 4)}. "
        f"Give --domain (one of {known}) or a domain per column in a mapping (--mapping)."
    )


def _indicator(*, source: str, column: str, spec: ColumnSpec, unit: str, count: bool, domain: str,
               decimals: int, default_label: str | None = None) -> PartnerIndicator:
    per_1000 = spec.per_1000_inwoners
    return PartnerIndicator(
        id=spec.id or slug(column) or "waarde",
        label=spec.label or default_label or column,
        domain=domain,
        unit="per 1.000 inwoners" if per_1000 else unit,
        decimals=spec.decimals if spec.decimals is not None else (1 if per_1000 or unit == "%" else decimals),
        direction=spec.direction or "neutral",
        derive="per_1000_inwoners" if per_1000 else "value",
        count=count,
        column=column,
        source=source,
    )


def _unit_of(header: str, unit_row: str | None, spec: ColumnSpec, numbers: _Numbers | None) -> str:
    if spec.unit:
        return spec.unit
    if spec.count or spec.per_1000_inwoners:
        return "aantal"
    if unit_row:
        return UNIT_ALIASES.get(unit_row.strip().lower(), unit_row.strip())
    k = fold(header)
    if "%" in header or k.startswith(("percentage", "aandeel", "perc ", "pct")) or (numbers and numbers.percent_sign):
        return "%"
    if numbers is not None:
        vals = numbers.value.drop_nulls()
        if vals.is_empty() or bool(((vals - vals.round(0)).abs() < 1e-9).all()):
            return "aantal"
    return ""


def _check_values(table: RawTable, frame: pl.DataFrame, value_col: str, label: str, ind: PartnerIndicator,
                  text_col: str, what: str = "") -> None:
    """Counts are whole and not negative; percentages lie between 0 and 100."""
    v = pl.col(value_col)
    checks: list[tuple[pl.Expr, str]] = []
    named = f" ({what})" if what else ""
    if ind.count:
        checks.append((v < 0, f"is a negative count{named}. A count cannot be below 0; fix the cell."))
        checks.append(((v - v.round(0)).abs() > 1e-9,
                       (f"is not a whole number, but the column{named} is a count (unit 'aantal'). Fix the cell, "
                        "or give the column another unit (unit row or mapping).")))
    elif ind.unit == "%":
        checks.append((v > 100, f"is a percentage above 100{named}. Fix the cell (a share lies between 0 and 100)."))
        checks.append((v < 0, f"is a negative percentage{named}. Fix the cell (a share lies between 0 and 100)."))
    for cond, text in checks:
        bad = frame.filter(cond.fill_null(False))
        if bad.height:
            row = bad.row(0, named=True)
            raise _fail(f"{table.where(row['__i'], label)}: \"{_show(row[text_col])}\" {text}")


def _duplicates(table: RawTable, frame: pl.DataFrame, key_col: str, what: Callable[[dict[str, Any]], str]) -> None:
    dup = frame.filter(pl.struct("code", "period", "indicator").is_duplicated()).sort("__i")
    if dup.is_empty():
        return
    first = dup.row(0, named=True)
    same = sorted(dup.filter((pl.col("code") == first["code"]) & (pl.col("period") == first["period"])
                             & (pl.col("indicator") == first["indicator"]))["__i"].to_list())
    lines = sorted(table.line(i) for i in same)
    word = "rows" if table.kind == "excel" else "lines"
    raise _fail(f"{table.where(same[1], key_col)}: \"{_show(first['code'])}\" appears twice{what(first)} "
                f"({word} {lines[0]} and {lines[1]}). Keep one row per region.")


# ============================================================================ prepare
def prepare(
    table: RawTable,
    *,
    source: str,
    regions: pl.DataFrame,
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
    warnings: list[str] = []
    known = _Regions(regions)
    count_by = count_by or mapping.count_by
    count = count or mapping.count or count_by is not None
    if count_by is not None:
        count_by = _find(table, count_by, "count_by column")
    year_fixed = year if year is not None else mapping.year
    frame = table.frame
    if frame.is_empty():
        raise _fail(f"{table.where(line=table.header_line)}: the file has a header but no rows with figures. "
                    "Export the figures again.")
    roles = _roles(table, mapping, count_by)
    key_col = roles.code or roles.name
    assert key_col is not None

    # ---- unit row (wide only): under the header, no numbers, an empty (or "eenheid") key cell
    units: dict[str, str] = {}
    if not count and roles.indicator is None:
        first = frame.row(0, named=True)
        cells = {h: first[h] for h in table.headers if first[h] is not None and h != key_col}
        natives = [table.native(h) for h in table.headers if table.native(h)]
        numeric = any(first[n] is not None for n in natives) or any(
            re.fullmatch(r"[+-]?[\d.,\s]+%?", str(v)) for v in cells.values())
        key_cell = fold(first[key_col] or "")
        if cells and not numeric and key_cell in UNIT_ROW_KEYS and not any(
                fold(str(v)).startswith(TOTAL_WORDS) for v in cells.values()):
            units = {h: str(v) for h, v in cells.items()}
            frame = frame.slice(1)
    rows_read = frame.height
    if count:
        return _prepare_records(table, frame, roles, mapping, known, source=source, catalogue=catalogue,
                                domain=domain, year=year_fixed, count_by=count_by, skip_unknown=skip_unknown,
                                min_count=min_count, warnings=warnings, rows_read=rows_read, key_col=key_col)

    # ---- totals and footnote rows
    frame = _drop_totals(table, frame, roles, key_col, warnings, records=False)
    if frame.is_empty():
        raise _fail(f"{table.where(line=table.header_line)}: the file has a header but no rows with figures. "
                    "Export the figures again.")
    frame = _codes(table, frame, roles, mapping, known, skip_unknown, warnings)

    no_code = frame.filter(pl.col("code").is_null())
    if no_code.height:
        row = no_code.row(0, named=True)
        raise _fail(f"{table.where(row['__i'], key_col)}: the row has figures but no region code. "
                    "Fill in the code or delete the row.")
    if roles.code:
        frame = _check_codes(table, frame, key_col, known, skip_unknown, warnings)
    if frame.is_empty():
        raise _fail(f"{table.name}: no row is left after skipping unknown regions; nothing to merge.")

    # ---- year
    frame, period = _single_year(table, frame, roles, year_fixed)

    missing_domain: list[str] = []
    default_mode = "point" if table.delimiter == "," else "comma"
    parts: list[pl.DataFrame] = []
    indicators: list[PartnerIndicator] = []
    if roles.indicator is not None and roles.value is not None:
        layout = "long"
        value_col, ind_col = roles.value, roles.indicator
        frame = frame.filter(pl.col(ind_col).is_not_null() | pl.col(value_col).is_not_null())
        empty_ind = frame.filter(pl.col(ind_col).is_null())
        if empty_ind.height:
            row = empty_ind.row(0, named=True)
            raise _fail(f"{table.where(row['__i'], ind_col)}: the row has a value but no indicator name. "
                        "Fill it in or delete the row.")
        nums = _parse_numbers(table, frame, value_col, value_col, default_mode)
        if nums.text_only:
            row = frame.row(0, named=True)
            raise _fail(f"{table.where(row['__i'], value_col)}: \"{_show(row[value_col])}\" is not a number. "
                        "Fix the cell or leave it empty for a missing value.")
        frame = frame.with_columns(nums.value.alias("__v"), nums.status.alias("__s"))
        names = frame[ind_col].unique(maintain_order=True).to_list()
        for name in names:
            spec = _spec_for(mapping, name)
            if spec.skip:
                continue
            sub = frame.filter(pl.col(ind_col) == name)
            unit_cell = None
            if roles.unit:
                unit_cell = next((u for u in sub[roles.unit].to_list() if u), None)
            sub_nums = _Numbers(sub["__v"], sub["__s"], False, False, sub.height)
            unit = _unit_of(name, unit_cell, spec, sub_nums)
            is_count = bool(spec.count) or spec.per_1000_inwoners or (spec.count is None and unit == "aantal")
            dom = _need_domain(name, spec, domain, mapping, missing_domain)
            ind = _indicator(source=source, column=name, spec=spec, unit=unit, count=is_count, domain=dom,
                             decimals=_decimals(sub["__v"]) if not is_count else 0)
            _check_values(table, sub, "__v", value_col, ind, value_col, what=f'indicator "{_show(name)}"')
            indicators.append(ind)
            parts.append(sub.select("code", "__i", pl.col("__v").alias("value"), pl.col("__s").alias("status"),
                                    pl.lit(ind.id).alias("indicator"), pl.lit("aantal" if is_count else unit).alias("unit")))
    else:
        layout = "wide"
        skip_cols = {key_col, roles.name, roles.gemeente, roles.year, roles.unit, *roles.ignored}
        for h in table.headers:
            if h in skip_cols:
                continue
            spec = _spec_for(mapping, h)
            if spec.skip:
                continue
            nums = _parse_numbers(table, frame, h, h, default_mode)
            if nums.filled == 0 and mapping.spec(h) is None:
                warnings.append(f"Column \"{h}\" is empty and was left out.")
                continue
            if nums.text_only:
                if mapping.spec(h) is not None:
                    row = frame.filter(pl.col(h).is_not_null()).row(0, named=True)
                    raise _fail(f"{table.where(row['__i'], h)}: \"{_show(row[h])}\" is not a number. "
                                "Fix the cell or leave it empty for a missing value.")
                warnings.append(f"Column \"{h}\" holds text, not figures, and was left out.")
                continue
            unit = _unit_of(h, units.get(h), spec, nums)
            is_count = bool(spec.count) or spec.per_1000_inwoners or (spec.count is None and unit == "aantal")
            dom = _need_domain(h, spec, domain, mapping, missing_domain)
            ind = _indicator(source=source, column=h, spec=spec, unit=unit, count=is_count, domain=dom,
                             decimals=_decimals(nums.value) if not is_count else 0)
            sub = frame.select("__i", "code", pl.col(h)).with_columns(nums.value.alias("value"),
                                                                     nums.status.alias("status"))
            _check_values(table, sub, "value", h, ind, h)
            indicators.append(ind)
            parts.append(sub.select("code", "__i", "value", "status", pl.lit(ind.id).alias("indicator"),
                                    pl.lit("aantal" if is_count else unit).alias("unit")))
    if missing_domain:
        raise _domain_error(table, missing_domain, catalogue)
    if not indicators:
        raise _fail(f"{table.where(line=table.header_line)}: the file has no column with figures "
                    f"(columns: {_list([repr(h) for h in table.headers])}). Nothing to merge.")
    _unique_ids(table, indicators)
    long = pl.concat(parts).with_columns(pl.lit(period).alias("period"))
    if layout == "wide":
        _duplicates(table, long.unique(subset=["code", "__i"], maintain_order=True).with_columns(pl.lit("").alias("indicator")),
                    key_col, lambda r: "")
    else:
        _duplicates(table, long, key_col, lambda r: f" for indicator \"{_show(r['indicator'])}\"")
    return _finish(long, indicators, source=source, known=known, layout=layout, rows_read=rows_read,
                   min_count=min_count, warnings=warnings)


def _unique_ids(table: RawTable, indicators: Sequence[PartnerIndicator]) -> None:
    seen: dict[str, str] = {}
    for ind in indicators:
        if ind.id in seen:
            raise _fail(f"{table.where(line=table.header_line)}: \"{_show(seen[ind.id])}\" and \"{_show(ind.column)}\" "
                        f"both become indicator \"{ind.id}\". Give one of them another id in the mapping.")
        seen[ind.id] = ind.column


def _drop_totals(table: RawTable, frame: pl.DataFrame, roles: _Roles, key_col: str, warnings: list[str],
                 *, records: bool) -> pl.DataFrame:
    """Drop totals rows ("Totaal", "Gemeente totaal") and footnotes (text only, no key) with a note."""
    text_cols = [h for h in table.headers if h in frame.columns]
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
                        f"{_list([str(n) for n in lines], 4)}) left out; totals are not region figures.")
        frame = frame.filter(~is_total)
    if records:
        return frame
    others = [h for h in text_cols if h != key_col and h not in (roles.name, roles.gemeente)]
    filled_others = pl.sum_horizontal([pl.col(h).is_not_null() for h in others]) if others else pl.lit(0)
    natives = [table.native(h) for h in others if table.native(h)]
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
        warnings.append(f"{word.capitalize()} {_list([str(n) for n in lines], 4)} without a region code or figures "
                        "(a note?) left out.")
        frame = frame.filter(~footnote)
    return frame


def _single_year(table: RawTable, frame: pl.DataFrame, roles: _Roles, year: int | None) -> tuple[pl.DataFrame, str]:
    if roles.year is None:
        if year is None:
            raise _fail(f"{table.name}: the file has no year column and no year was given. "
                        "Say which year the figures are about with --year YYYY (or `year = …` in the mapping).")
        return frame, str(year)
    frame = _years(table, frame, roles.year)
    found = frame.filter(pl.col("year").is_not_null())
    if found.is_empty():
        if year is None:
            raise _fail(f"{table.where(column=roles.year)}: the year column is empty. Fill it in or give --year YYYY.")
        return frame, str(year)
    first = found.row(0, named=True)
    other = found.filter(pl.col("year") != first["year"])
    if other.height:
        row = other.row(0, named=True)
        raise _fail(f"{table.where(row['__i'], roles.year)}: \"{_show(row[roles.year])}\" is another year than "
                    f"{first['year']} ({table.where(first['__i']).split(', ')[-1]}); a file holds one year. "
                    "Split the file per year.")
    if year is not None and str(year) != first["year"]:
        raise _fail(f"{table.where(first['__i'], roles.year)}: the file says {first['year']} but --year says {year}. "
                    "Leave out --year or correct it.")
    return frame, first["year"]


# ---------------------------------------------------------------------------- records
def _prepare_records(table: RawTable, frame: pl.DataFrame, roles: _Roles, mapping: Mapping, known: _Regions, *,
                     source: str, catalogue: Catalogue, domain: str | None, year: int | None,
                     count_by: str | None, skip_unknown: bool, min_count: int, warnings: list[str],
                     rows_read: int, key_col: str) -> PartnerData:
    """One row per incident or client: count per region (and year, and count_by value).

    The million-row frame is grouped once on the raw cells; everything after that
    (codes, names, years, checks) works on the distinct groups.
    """
    year_col = roles.year
    group = [key_col]
    if roles.name and roles.gemeente:
        group.append(roles.gemeente)
    if year_col:
        frame = _years(table, frame, year_col)  # on the raw rows: a date column has many distinct values
        group.append("year")
    if count_by and count_by not in group:
        group.append(count_by)
    counts = frame.group_by(group).agg(pl.len().alias("__n"), pl.col("__i").min())
    counts = _drop_totals(table, counts, roles, key_col, warnings, records=True)
    counts = _codes(table, counts, roles, mapping, known, skip_unknown, warnings)
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
            raise _fail(f"{table.name}: the records have no date or year column and no year was given. "
                        "Say which year they are about with --year YYYY (or `year = …` in the mapping).")
        counts = counts.with_columns(pl.lit(str(year)).alias("year"))
    if roles.code:
        counts = _check_codes(table, counts, key_col, known, skip_unknown, warnings, weight="__n")
    counts = counts.rename({"__n": "n"})
    if counts.is_empty():
        raise _fail(f"{table.name}: no record is left to count (see the warnings). Nothing to merge.")
    base = mapping.records
    missing_domain: list[str] = []
    indicators: list[PartnerIndicator] = []
    if count_by:
        counts = counts.with_columns(pl.col(count_by).fill_null("onbekend"))
        values = sorted(counts[count_by].unique().to_list(), key=str)
        mapping_ids: dict[str, str] = {}
        for v in values:
            spec = _spec_for(mapping, v)
            if spec.skip:
                continue
            merged = ColumnSpec(
                id=spec.id, label=spec.label, domain=spec.domain or base.domain,
                direction=spec.direction or base.direction, decimals=spec.decimals if spec.decimals is not None else base.decimals,
                per_1000_inwoners=spec.per_1000_inwoners or base.per_1000_inwoners)
            dom = _need_domain(v, merged, domain, mapping, missing_domain)
            ind = _indicator(source=source, column=v, spec=merged, unit="aantal", count=True, domain=dom, decimals=0)
            indicators.append(ind)
            mapping_ids[v] = ind.id
        counts = counts.filter(pl.col(count_by).is_in(list(mapping_ids))).with_columns(
            pl.col(count_by).replace_strict(mapping_ids, return_dtype=pl.Utf8).alias("indicator"))
    else:
        spec = ColumnSpec(id=base.id or "aantal", label=base.label or "Aantal registraties", domain=base.domain,
                          direction=base.direction, decimals=base.decimals, per_1000_inwoners=base.per_1000_inwoners)
        dom = _need_domain(spec.label or "", spec, domain, mapping, missing_domain)
        indicators.append(_indicator(source=source, column=spec.label or "", spec=spec, unit="aantal", count=True,
                                     domain=dom, decimals=0))
        counts = counts.with_columns(pl.lit(indicators[0].id).alias("indicator"))
    if missing_domain:
        raise _domain_error(table, missing_domain, catalogue)
    _unique_ids(table, indicators)
    long = counts.group_by("code", "year", "indicator").agg(
        pl.col("n").sum().cast(pl.Float64).alias("value"), pl.col("__i").min())
    long = long.select("code", "__i", "value", pl.lit("ok").alias("status"), "indicator",
                       pl.lit("aantal").alias("unit"), pl.col("year").alias("period"))
    return _finish(long, indicators, source=source, known=known, layout="records", rows_read=rows_read,
                   min_count=min_count, warnings=warnings, fill_zeros=True)


# ---------------------------------------------------------------------------- totals, suppression, tidy
def _finish(long: pl.DataFrame, indicators: Sequence[PartnerIndicator], *, source: str, known: _Regions,
            layout: str, rows_read: int, min_count: int, warnings: list[str], fill_zeros: bool = False) -> PartnerData:
    """Coverage, totals of counts for fully covered wijken/gemeenten, suppression, tidy rows."""
    present = set(long["code"].unique().to_list())
    buurten = {c for c in present if c.startswith("BU")}
    complete_wk = sorted(wk for wk, bus in known.buurten_of_wijk.items() if bus and bus <= buurten)
    complete_gm = sorted(gm for gm, bus in known.buurten_of.items() if bus and bus <= buurten)
    counts = {i.id for i in indicators if i.count}
    rows = long.select("code", "period", "indicator", "value", "status", "unit")
    if counts and complete_wk:
        rows = _add_totals(rows, counts, known, complete_wk, complete_gm, fill_zeros=fill_zeros)
    suppressed = 0
    if counts:
        rows, suppressed = _suppress(rows, counts, min_count, complete_wk, complete_gm)
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
        warnings=tuple(warnings),
    )


def _add_totals(rows: pl.DataFrame, counts: set[str], known: _Regions, complete_wk: Sequence[str],
                complete_gm: Sequence[str], *, fill_zeros: bool) -> pl.DataFrame:
    """Sum count indicators over the buurten of fully covered wijken and gemeenten.

    Records (``fill_zeros``): a buurt of a covered wijk without records for an indicator
    and year counted 0. A total is left out where the file gives that region itself; it
    is null (``ontbreekt``) when one of its buurten has no known count.
    """
    bu_rows = rows.filter(pl.col("code").str.starts_with("BU") & pl.col("indicator").is_in(list(counts)))
    parents = pl.DataFrame(
        [(bu, wk, "GM" + bu[2:6]) for wk in complete_wk for bu in sorted(known.buurten_of_wijk[wk])],
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


def _suppress(rows: pl.DataFrame, counts: set[str], min_count: int, complete_wk: Sequence[str],
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


def iter_sources(manifest: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """Manifest entries of merged partner tables (``extra.partner`` is true)."""
    for entry in manifest.get("tables", {}).values():
        if entry.get("extra", {}).get("partner"):
            yield entry
