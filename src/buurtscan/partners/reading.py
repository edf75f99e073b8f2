"""Bytes → cells: the one reader of table files (partner CSV/Excel, and the policy and story files).

* CSV with ``;``, ``,``, tab or ``|`` (the dialect is detected with CleverCSV on the first
  lines when a quick vote does not settle it), quoted fields, UTF-8 with or without BOM,
  UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252; leading ``#`` comment lines,
  title lines above the header, blank lines, trailing empty columns. The bulk is parsed by
  polars' CSV reader, so a million record rows take a fraction of a second.
* Excel ``.xlsx`` (and ``.xls``, ``.xlsb``, ``.ods``) through python-calamine
  (:mod:`.excel`): the first sheet or ``sheet=``; numbers stay numbers, dates become ISO dates.

Before anything is read whole, :mod:`.guard` checks that the file is a regular file under
its size limit. Errors are :class:`~buurtscan.errors.PartnerDataError` lines naming file,
line and column; the policy and story reader turns them into usage errors.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import polars as pl

from ..errors import UsageError
from .cells import RawTable, with_header
from .excel import read_excel
from .guard import PARTNER_MAX_BYTES, read_checked
from .messages import NoTable, OneColumn, fail

DELIMITERS = (";", ",", "\t", "|")
SNIFF_LINES = 100
FIELD_MAX_CHARS = 131_072  # one CSV cell (Python's csv default); a longer one is no table cell

# The csv module's own limit (131,072) would end the sniffing in a traceback; cells are read
# whole here and a long one is refused by _no_huge_cells with its line and column.
csv.field_size_limit(max(csv.field_size_limit(), PARTNER_MAX_BYTES))


def read_table(path: Path, *, sheet: str | None = None, max_bytes: int = PARTNER_MAX_BYTES,
               what: str = "partner file", label: str | None = None) -> RawTable:
    """Read a CSV or spreadsheet into a :class:`RawTable` (no interpretation of values yet).

    ``label`` is how messages name the file (default: its file name).
    """
    path = Path(path)
    name = label or path.name
    data = read_checked(path, max_bytes=max_bytes, what=what, label=name)
    digest = hashlib.sha256(data).hexdigest()
    if not data[:4096].strip() and not data.strip():
        raise NoTable(f"{name}: the file is empty. Export the figures again (a header line and a line per region).")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return read_excel(data, name, digest, sheet)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        raise fail(f"{name}: the file is not a valid Excel workbook (it does not start like one). "
                   "Save it again from Excel as .xlsx, or export it as CSV.")
    if data[:5] == b"%PDF-":
        raise fail(f"{name}: this is a PDF, not a table. Ask the partner for the CSV or Excel file.")
    if sheet:
        raise UsageError(f"--sheet is for Excel files; {name} is a text (CSV) file.")
    if data.isascii() and b"\x00" not in data[:65536]:  # plain ASCII is UTF-8: the text is decoded only if needed
        return read_csv(None, name, digest, "utf-8", data)
    text, encoding = decode(data, name)
    return read_csv(text, name, digest, encoding, data)


def decode(data: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV and its encoding: by BOM (UTF-8, UTF-16), else UTF-8, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        if b"\x00" in data[:65536]:
            pos = data.index(b"\x00")
            line = data[:pos].count(b"\n") + 1
            raise fail(f"{name}, line {line}: the file holds binary data (a NUL byte), so it is not a CSV "
                       "text file. Export the figures again as CSV or .xlsx.")
        candidates = ("utf-8", "cp1252")
    error: UnicodeDecodeError | None = None
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            error = exc
    assert error is not None
    raise fail(encoding_error(name, error, candidates[-1]))


def encoding_error(name: str, error: UnicodeDecodeError, encoding: str) -> str:
    """Where the undecodable byte is: line, character (not byte) in that line, and the byte itself.

    The positions are those of ``error.object`` (for "utf-8-sig" the text after the BOM), so the
    line and character are counted in that text, decoded up to the bad byte: as UTF-8 when the
    file failed as Windows-1252 too (an editor shows it as UTF-8; a lone Windows-1252 byte is
    one character either way).
    """
    data, pos = error.object, error.start
    before = data[:pos].decode("utf-8" if encoding == "cp1252" else encoding, errors="replace")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    bad = " ".join(f"0x{b:02X}" for b in data[pos:max(error.end, pos + 1)][:4])
    which = {"utf-8-sig": "UTF-8 (the file starts with a UTF-8 byte order mark)",
             "utf-16": "UTF-16 (the file starts with a UTF-16 byte order mark)"}.get(
        encoding, "UTF-8 nor Windows-1252 text")
    what = f"{'byte' if ' ' not in bad else 'bytes'} {bad} {'is' if ' ' not in bad else 'are'} "
    what += f"not valid {which}" if encoding in ("utf-8-sig", "utf-16") else f"neither {which}"
    return (f"{name}, line {line}, character {col}: {what}, so the encoding cannot be read. "
            "Save the file again as 'CSV UTF-8'.")


def vote(sample: str) -> list[tuple[str, int]]:
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


def sniff(sample: str) -> tuple[str, str]:
    """(delimiter, quote char) of a CSV sample.

    When exactly one separator splits every line of the sample into the same number of
    fields, that is the answer (most files: quick, and no 0.3 s CleverCSV import). Otherwise
    — ragged lines, title lines, several candidates — CleverCSV's pattern-and-type
    consistency decides; a field-count vote is the last resort.
    """
    quote = "'" if sample.count("'") > 2 * sample.count('"') and "';'" in sample else '"'
    consistent = vote(sample)
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


def read_csv(text: str | None, name: str, digest: str, encoding: str, data: bytes | None = None) -> RawTable:
    """``text`` may be None for an ASCII file given as ``data``: a million-row file is then never decoded."""
    if text is None:
        assert data is not None
        ascii_data = data
        if b"\r" in data[:65536] and b"\n" not in data[:65536]:
            text = data.decode("ascii")
    if text is not None and "\r" in text[:65536] and "\n" not in text[:65536]:  # old Mac line ends
        text = text.replace("\r", "\n")
        data = None
    head: list[str] = []
    skip = 0
    start = text[: 1 << 20] if text is not None else ascii_data[: 1 << 20].decode("ascii")
    for line in start.splitlines():  # the first MB is plenty for comments and the sample
        if not head and (not line.strip() or line.lstrip().startswith("#")):
            skip += 1
            continue
        head.append(line)
        if len(head) >= SNIFF_LINES:
            break
    if not head:
        raise NoTable(f"{name}: the file holds no table (only comments or blank lines). Export the figures again.")
    sample = "\n".join(head)
    delimiter, quote = sniff(sample)
    if not delimiter:
        raise OneColumn(f"{name}, line {skip + 1}: the file has a single column; a region code and at least one "
                        "figure per line are needed, separated by ';', ',' or a tab.")
    widths = [len(r) for r in csv.reader(head, delimiter=delimiter, quotechar=quote)]
    n = max(widths or [1])
    if data is not None and encoding == "utf-8":
        raw = data
    else:
        assert text is not None
        raw = text.encode("utf-8")

    def whole() -> str:  # the text, for the rare paths that walk it with the csv module
        return text if text is not None else raw.decode("ascii")
    schema = {f"c{i}": pl.Utf8 for i in range(n)}

    def read(extra: Literal["raise", "ignore"]) -> pl.DataFrame:
        return pl.read_csv(
            io.BytesIO(raw), has_header=False, separator=delimiter, quote_char=quote, skip_rows=skip,
            schema=schema, missing_columns="insert", extra_columns=extra, raise_if_empty=False,
        )

    try:
        frame = read("raise")
    except pl.exceptions.PolarsError as exc:
        if "more fields" not in str(exc):
            problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise fail(f"{name}: the file cannot be read as CSV ({problem}). Check the quotes and separators.") from None
        at, fields, extra_values = _too_many_fields(whole(), skip, delimiter, quote, n)
        if extra_values:
            hint = (" A decimal comma in a comma-separated file must be quoted (\"12,5\"), or save the file "
                    "with ';' as separator." if delimiter == "," else " Remove the extra separators.")
            raise fail(f"{name}, line {at}: {fields} fields where the header has {n}.{hint}") from None
        frame = read("ignore")  # only empty extra fields (trailing separators): harmless
    starts = _line_starts(raw, whole, skip, delimiter, quote, frame.height)
    base = RawTable(name=name, kind="csv", sha256=digest, headers=[], frame=frame.with_row_index("__i"),
                    header_index=0, positions={}, encoding=encoding, delimiter=delimiter, line_base=skip + 1,
                    starts=starts)
    _no_huge_cells(base)
    return with_header(base)


def _no_huge_cells(table: RawTable) -> None:
    """A cell longer than FIELD_MAX_CHARS is an error naming its line and column (often an unclosed quote)."""
    cols = [c for c in table.frame.columns if c.startswith("c")]
    if not cols:
        return
    widest = table.frame.select(pl.max_horizontal([pl.col(c).str.len_bytes().max() for c in cols])).item()
    if widest is None or widest <= FIELD_MAX_CHARS:  # no more characters than bytes: nothing to count
        return
    longest = table.frame.select(pl.max_horizontal([pl.col(c).str.len_chars().max() for c in cols])).item()
    if longest is None or longest <= FIELD_MAX_CHARS:
        return
    for j, c in enumerate(cols):
        hit = table.frame.filter(pl.col(c).str.len_chars() > FIELD_MAX_CHARS)
        if hit.height:
            size = len(hit[c][0])
            raise fail(f"{table.where(hit['__i'][0])}, field {j + 1}: the cell holds {size:,} characters, more "
                       f"than the {FIELD_MAX_CHARS:,} a table cell may have. Check for a quote that is not "
                       "closed, or shorten the cell.")


def _too_many_fields(text: str, skip: int, delimiter: str, quote: str, n: int) -> tuple[int, int, bool]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote)
    start = 1
    for i, row in enumerate(reader):
        if i >= skip and len(row) > n:
            return start, len(row), any(c.strip() for c in row[n:])
        start = reader.line_num + 1
    return start, n, False


def _line_starts(raw: bytes, whole: Callable[[], str], skip: int, delimiter: str, quote: str,
                 rows: int) -> list[int] | None:
    """Line of each row, when a quoted field spans lines (else None: the row index + offset).

    ``raw`` is the file as UTF-8 (newlines and quotes are single bytes there); ``whole`` gives its text."""
    if quote.encode() not in raw:
        return None
    physical = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if physical - skip <= rows:
        return None
    reader = csv.reader(io.StringIO(whole()), delimiter=delimiter, quotechar=quote)
    starts, start = [], 1
    for i, _ in enumerate(reader):
        if i >= skip:
            starts.append(start)
        start = reader.line_num + 1
    return starts if len(starts) >= rows else None
