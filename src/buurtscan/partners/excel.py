"""Workbooks (.xlsx, .xlsm, .xls, .xlsb, .ods) through python-calamine, checked before it allocates.

calamine builds the whole used range of a sheet in memory, so one cell at XFD1048576 in a
1.5 KB file asks for 17 billion cells and aborts the process. :func:`check_sheet` reads the
sheet's range straight from the file (the zip's XML for .xlsx, the DIMENSIONS record for .xls,
the binary records for .xlsb, the repeats for .ods; streamed, with a bound on the unpacked
size; see :mod:`.extent`) and refuses a range over :data:`MAX_CELLS` before calamine sees
it. An encrypted workbook (an OLE file holding ``EncryptedPackage``) is called
password-protected.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile

import polars as pl

from . import extent
from .cells import RawTable, with_header
from .messages import NoTable, fail, letter, show

MAX_CELLS = 20_000_000  # rows × columns of the used range (1,000,000 rows of 20 columns)
MAX_UNPACKED = 1024 * 1024 * 1024  # all members of a workbook zip together, unpacked
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,7})([0-9]{1,10})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]{1,7})([0-9]{1,10})(?::([A-Z]{1,7})([0-9]{1,10}))?"')
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


def _column_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def excel_text(value: object) -> tuple[str | None, float | None]:
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


def read_excel(data: bytes, name: str, digest: str, sheet: str | None) -> RawTable:
    import python_calamine as calamine

    if data[:8] == OLE and ENCRYPTED in data[:1 << 20]:
        raise fail(f"{name}: the workbook is password-protected (encrypted). Save a copy without a password, "
                   "or export the sheet as CSV.")
    check_book(data, name)
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError:
        raise fail(f"{name}: the workbook is password-protected. Save a copy without a password.") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds for a broken file
        raise fail(f"{name}: the Excel file is damaged or not a workbook ({show(exc, 80)}). "
                   "Save it again from Excel as .xlsx, or export it as CSV.") from None
    names = list(book.sheet_names)
    if not names:
        raise fail(f"{name}: the workbook has no sheets.")
    if sheet is None:
        chosen = names[0]
    else:
        matches = [s for s in names if s == sheet] or [s for s in names if s.strip().lower() == sheet.strip().lower()]
        if not matches:
            raise fail(f"{name}: there is no sheet \"{sheet}\"; the sheets are: "
                       + ", ".join(f'"{s}"' for s in names) + ". Give one of them with --sheet.")
        chosen = matches[0]
    check_sheet(data, name, names.index(chosen), chosen)
    try:
        rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001
        raise fail(f"{name}, sheet \"{chosen}\": the sheet cannot be read ({show(exc, 80)}). "
                   "Save the workbook again as .xlsx.") from None
    width = max((len(r) for r in rows), default=0)
    if not rows or width == 0:
        raise NoTable(f"{name}, sheet \"{chosen}\": the sheet is empty. Choose the sheet with the figures (--sheet).")
    texts: list[list[str | None]] = [[] for _ in range(width)]
    numbers: list[list[float | None]] = [[] for _ in range(width)]
    for r in rows:
        padded = list(r) + [None] * (width - len(r))
        for j, cell in enumerate(padded):
            t, v = excel_text(cell)
            texts[j].append(t)
            numbers[j].append(v)
    columns = {f"c{j}": pl.Series(f"c{j}", texts[j], dtype=pl.Utf8) for j in range(width)}
    natives = {f"c{j}\x00n": pl.Series(f"c{j}\x00n", numbers[j], dtype=pl.Float64) for j in range(width)}
    frame = pl.DataFrame({**columns, **natives}).with_row_index("__i")
    base = RawTable(name=name, kind="excel", sha256=digest, headers=[], frame=frame, header_index=0, positions={},
                    sheet=chosen if (sheet is not None or len(names) > 1) else None, line_base=1)
    return with_header(base)


def check_book(data: bytes, name: str) -> None:
    """Before calamine opens the file: .xls and .ods, whose sheets calamine reads all at once.

    A .xls sheet whose DIMENSIONS record claims a range over MAX_CELLS aborted the process, an
    .ods with a cell repeated past it was called "not a workbook"; both are refused here with
    the sheet named. (An .xlsx/.xlsb sheet is read when chosen: :func:`check_sheet`.)
    """
    if data[:8] == OLE:
        for sheet, rows, cols in extent.xls_extents(data) or []:
            _refuse_over(f'{name}, sheet "{sheet}"', rows, cols)
        return
    book = _zip(data, name)
    if book is None or "xl/workbook.xml" in book.namelist() or "content.xml" not in book.namelist():
        return
    ods = extent.OdsExtent()
    where = f"{name} (content.xml)"

    def too_big() -> Exception:
        return fail(f"{where}: the sheets unpack to more than {MAX_UNPACKED // 1024 // 1024:,} MB. "
                    "Export the sheet as CSV.")

    def over() -> bool:
        return ods.rows * ods.cols > MAX_CELLS

    _stream_xml(book, "content.xml", where, too_big, ods.feed, over)
    for sheet, rows, cols in [*ods.sheets, (ods.name, ods.rows, ods.cols)]:
        _refuse_over(f'{name}, sheet "{sheet}"', rows, cols)


def _zip(data: bytes, name: str) -> zipfile.ZipFile | None:
    """The workbook's zip, refused when it unpacks past MAX_UNPACKED; None when it is not a zip."""
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        members = book.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None  # calamine names the damage
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED or len(members) > 10_000:
        raise fail(f"{name}: the workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB in {len(members):,} parts, "
                   f"more than the limit of {MAX_UNPACKED // 1024 // 1024:,} MB. Export the sheet as CSV.")
    return book


def check_sheet(data: bytes, name: str, index: int, sheet: str) -> None:
    """Refuse a workbook that unpacks past MAX_UNPACKED or a sheet whose used range is over MAX_CELLS.

    The range is read from the file's own structure, never through calamine: for .xlsx/.xlsm
    the sheet XML's cell references and ``<dimension>`` (streamed); for .xlsb the row, cell
    and BrtWsDim records of the sheet part (streamed, :mod:`.extent`). A .xls or .ods was
    checked whole by :func:`check_book` before calamine opened it.
    """
    where = f'{name}, sheet "{sheet}"'
    book = _zip(data, name)
    if book is None:
        return
    names = set(book.namelist())

    def too_big() -> Exception:
        return fail(f"{where}: the sheet unpacks to more than {MAX_UNPACKED // 1024 // 1024:,} MB. "
                    "Export the sheet as CSV.")

    def over(rows: int, cols: int) -> bool:
        return rows * cols > MAX_CELLS

    if "xl/workbook.bin" in names:  # .xlsb
        rels_name = "xl/_rels/workbook.bin.rels"
        if rels_name not in names or book.getinfo(rels_name).file_size > 16 * 1024 * 1024:
            return
        part = extent.xlsb_sheet_part(book, index, book.read(rels_name).decode("utf-8", "replace"))
        if part is not None:
            _refuse_over(where, *extent.xlsb_extent(extent.zip_chunks(book, part, MAX_UNPACKED, too_big), over))
        return
    if "xl/workbook.xml" not in names:
        return  # an .ods: checked (every sheet) by check_book before calamine opened it
    part = _sheet_part(book, index)
    if part is None:
        return
    box = [0, 0]

    def feed(xml: bytes) -> None:
        box[0], box[1] = _extent(xml, box[0], box[1])

    _stream_xml(book, part, where, too_big, feed, lambda: over(box[0], box[1]))
    _refuse_over(where, box[0], box[1])


def _stream_xml(book: zipfile.ZipFile, part: str, where: str, too_big, feed, stop) -> None:
    """Feed a zip member's XML in pieces cut before a ``<`` (a tag never straddles two), bounded."""
    tail = b""
    for chunk in extent.zip_chunks(book, part, MAX_UNPACKED, too_big):
        text = tail + chunk
        cut = text.rfind(b"<")  # a tag may straddle chunks: keep its start for the next round
        scan, tail = (text, b"") if cut < 0 else (text[:cut], text[cut:])
        if len(tail) > 1 << 20:
            raise fail(f"{where}: the sheet's XML holds a tag of more than 1 MB; this is not a normal "
                       "sheet. Save the workbook again from Excel, or export the sheet as CSV.")
        feed(scan)
        if stop():
            return
    feed(tail)


def _refuse_over(where: str, rows: int, cols: int) -> None:
    if rows * cols > MAX_CELLS:
        raise fail(f"{where}: the sheet's used range reaches {letter(max(cols, 1) - 1)}{rows:,} ({rows:,} rows × "
                   f"{cols:,} columns, over the limit of {MAX_CELLS:,} cells). Delete the cells far outside the "
                   "table (Ctrl+End shows the last one), or export the sheet as CSV.")


def _extent(xml: bytes, rows: int, cols: int) -> tuple[int, int]:
    """The largest row and column of the cell references (and dimension) in a piece of sheet XML."""
    for m in _DIMENSION.finditer(xml):
        for letters, number in ((m[1], m[2]), (m[3], m[4])):
            if letters:
                rows, cols = max(rows, int(number)), max(cols, _column_number(letters))
    refs = _CELL.findall(xml)
    if refs:
        rows = max(rows, max(int(r) for _, r in refs))
        widest = max((len(c), c) for c, _ in refs)[1]
        cols = max(cols, _column_number(widest))
    return rows, cols


def _sheet_part(book: zipfile.ZipFile, index: int) -> str | None:
    """The zip member of the index-th sheet: via workbook.xml and its rels (xlsx), or content.xml (ods)."""
    names = set(book.namelist())
    if "xl/workbook.xml" not in names:
        return "content.xml" if "content.xml" in names else None
    small = 16 * 1024 * 1024
    if book.getinfo("xl/workbook.xml").file_size > small:
        return None
    workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
    sheets = [dict(_ATTR.findall(tag)) for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook)]
    if index >= len(sheets):
        return None
    rid = next((v for k, v in sheets[index].items() if k.endswith(":id")), None)
    rels_name = "xl/_rels/workbook.xml.rels"
    if rid is None or rels_name not in names or book.getinfo(rels_name).file_size > small:
        return None
    rels = book.read(rels_name).decode("utf-8", "replace")
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("Id") == rid:
            target = attrs.get("Target", "").lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            return part if part in names else None
    return None
