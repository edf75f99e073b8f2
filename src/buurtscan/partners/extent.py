"""The used range of a .xls, .xlsb or .ods sheet, read from the file's own structure before calamine.

calamine allocates the whole used range of a sheet; for some formats it also trusts the range
a file *claims*. Measured with python-calamine 0.9.1:

* ``.xls``: a DIMENSIONS record claiming 4 billion rows aborts the process (SIGABRT) when
  calamine opens the file, although it holds four cells. :func:`xls_extents` finds the
  Workbook stream in the compound file (OLE2/CFB, parsed here minimally, nothing written) and
  reads every sheet's DIMENSIONS record.
* ``.xlsb``: one cell at XFD1048576 aborts it. :func:`xlsb_extent` streams the sheet's binary
  records (bounded) and takes the largest row (BrtRowHdr), column (cell records) and the
  BrtWsDim range.
* ``.ods``: a cell repeated a million times (``table:number-columns-repeated``, rows
  ``table:number-rows-repeated``) is expanded when calamine opens the file. :class:`OdsExtent`
  is fed ``content.xml`` (streamed) and sums the repeats up to the last cell with content
  (empty repeated padding, as LibreOffice writes it, is not expanded by calamine and not
  counted).

Each gives (rows, columns), or nothing when the structure cannot be followed (calamine then
names the damage). Nothing here allocates more than a chunk of the file.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterator

CHUNK = 1 << 20
_FREE_SECTORS = {0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC}


# --- .xls: compound file and BIFF records ----------------------------------------------------

def _cfb_stream(data: bytes, wanted: tuple[str, ...]) -> bytes | None:
    """The bytes of the first stream named in ``wanted`` (case-insensitive) of a compound file."""
    if len(data) < 512:
        return None
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= shift <= 16 or not 1 <= mini_shift <= shift:
        return None
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)
    cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", data, 0x38)
    sectors = max(0, (len(data) - size) // size) if size >= 512 else 0
    if sectors == 0 or n_fat > sectors:
        return None

    def sector(i: int) -> bytes:
        return data[(i + 1) * size:(i + 2) * size]

    fat_ids = [i for i in struct.unpack_from("<109I", data, 0x4C) if i not in _FREE_SECTORS]
    seen = 0
    while first_difat not in _FREE_SECTORS and seen <= min(n_difat, sectors):
        ids = struct.unpack(f"<{size // 4}I", sector(first_difat))
        fat_ids += [i for i in ids[:-1] if i not in _FREE_SECTORS]
        first_difat, seen = ids[-1], seen + 1
    fat: list[int] = []
    for i in fat_ids[:n_fat]:
        if i >= sectors:
            return None
        fat.extend(struct.unpack(f"<{size // 4}I", sector(i)))

    def chain(start: int, table: list[int], limit: int) -> Iterator[int]:
        steps = 0
        while start not in _FREE_SECTORS and start < len(table) and steps <= limit:
            yield start
            start, steps = table[start], steps + 1

    directory = b"".join(sector(i) for i in chain(first_dir, fat, sectors))
    entries = [directory[k:k + 128] for k in range(0, len(directory) - 127, 128)]
    if not entries:
        return None
    names = {w.lower() for w in wanted}
    for entry in entries:
        length = struct.unpack_from("<H", entry, 64)[0]
        name = entry[:max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
        if entry[66] != 2 or name.lower() not in names:
            continue
        start, stream_size = struct.unpack_from("<II", entry, 116)
        if stream_size >= cutoff:
            body = b"".join(sector(i) for i in chain(start, fat, sectors))
            return body[:stream_size]
        root_start = struct.unpack_from("<I", entries[0], 116)[0]
        ministream = b"".join(sector(i) for i in chain(root_start, fat, sectors))
        minifat: list[int] = []
        for i in chain(first_minifat, fat, sectors):
            minifat.extend(struct.unpack(f"<{size // 4}I", sector(i)))
        mini = 1 << mini_shift
        body = b"".join(ministream[i * mini:(i + 1) * mini] for i in chain(start, minifat, len(minifat)))
        return body[:stream_size]
    return None


def _biff_records(stream: bytes, offset: int) -> Iterator[tuple[int, int, int]]:
    """(type, body offset, body length) of the BIFF records from ``offset`` on."""
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        yield kind, offset + 4, length
        offset += 4 + length


def xls_extents(data: bytes) -> list[tuple[str, int, int]] | None:
    """(sheet name, rows, columns) that each .xls sheet's DIMENSIONS record claims (BIFF8, BIFF5/7).

    calamine reads every sheet of a .xls when it opens the file, so all of them are checked.
    """
    stream = _cfb_stream(data, ("Workbook", "Book"))
    if stream is None:
        return None
    sheets: list[tuple[str, int]] = []
    for kind, at, length in _biff_records(stream, 0):
        if kind == 0x000A:  # EOF of the globals
            break
        if kind == 0x0085 and length >= 8:  # BOUNDSHEET: stream offset, state, type, name
            position = struct.unpack_from("<I", stream, at)[0]
            cch, high = stream[at + 6], stream[at + 7]
            raw = stream[at + 8:at + length]
            name = (raw[:2 * cch].decode("utf-16-le", "replace") if high & 1
                    else raw[:cch].decode("latin-1"))
            sheets.append((name, position))
    out = []
    for name, position in sheets:
        for n, (kind, at, length) in enumerate(_biff_records(stream, position)):
            if kind == 0x0200:  # DIMENSIONS
                if length >= 14:
                    _first_row, rows, _first_col, cols = struct.unpack_from("<IIHH", stream, at)
                    out.append((name, rows, cols))
                elif length >= 10:
                    _first_row, rows, _first_col, cols = struct.unpack_from("<HHHH", stream, at)
                    out.append((name, rows, cols))
                break
            if (kind == 0x000A and n > 0) or n > 10_000:
                break
    return out


# --- .xlsb: binary records in a zip part -----------------------------------------------------

def zip_chunks(book: zipfile.ZipFile, part: str, max_bytes: int,
                too_big: Callable[[], Exception]) -> Iterator[bytes]:
    with book.open(part) as fh:
        total = 0
        while chunk := fh.read(CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise too_big()
            yield chunk


def _varint(buf: bytes | bytearray, at: int, most: int) -> tuple[int, int] | None:
    value = shift = 0
    for k in range(most):
        if at + k >= len(buf):
            return None
        byte = buf[at + k]
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at + k + 1
    return value, at + most


_CELL_RECORDS = frozenset(range(1, 14))  # BrtCellBlank … BrtFmlaError, BrtCellRString…: column first


def xlsb_extent(chunks: Iterator[bytes], stop: Callable[[int, int], bool]) -> tuple[int, int]:
    """Largest row and column of an .xlsb sheet part (1-based counts), BrtWsDim included."""
    rows = cols = 0
    buf = bytearray()
    skip = 0  # bytes of a long record body still to drop from the next chunks
    for chunk in chunks:
        if skip:
            cut = min(skip, len(chunk))
            chunk, skip = chunk[cut:], skip - cut
        buf += chunk
        at = 0
        while True:
            head = _varint(buf, at, 2)
            if head is None:
                break
            kind, after = head
            sized = _varint(buf, after, 4)
            if sized is None:
                break
            length, body = sized
            if body + min(length, 16) > len(buf):
                break  # wait for the fields read below
            if kind == 0 and length >= 4:  # BrtRowHdr
                rows = max(rows, struct.unpack_from("<I", buf, body)[0] + 1)
            elif kind in _CELL_RECORDS and length >= 4:
                cols = max(cols, struct.unpack_from("<I", buf, body)[0] + 1)
            elif kind == 0x94 and length >= 16:  # BrtWsDim: first row, last row, first col, last col
                _r0, r1, _c0, c1 = struct.unpack_from("<IIII", buf, body)
                rows, cols = max(rows, r1 + 1), max(cols, c1 + 1)
            if body + length > len(buf):
                if length <= CHUNK:
                    break  # read again whole with the next chunk
                skip, at = body + length - len(buf), len(buf)  # a long body: drop it as it comes
                break
            at = body + length
        del buf[:at]
        if stop(rows, cols):
            break
    return rows, cols


def xlsb_sheet_part(book: zipfile.ZipFile, index: int, rels: str) -> str | None:
    """The zip member of the index-th sheet (BrtBundleSh records of xl/workbook.bin, then the rels)."""
    names = set(book.namelist())
    small = 16 * 1024 * 1024
    if "xl/workbook.bin" not in names or book.getinfo("xl/workbook.bin").file_size > small:
        return None
    data = book.read("xl/workbook.bin")
    ids: list[str] = []
    at = 0
    while at < len(data):
        head = _varint(data, at, 2)
        sized = head and _varint(data, head[1], 4)
        if not head or not sized:
            break
        kind, (length, body) = head[0], sized
        if kind == 0x9C and length >= 12:  # BrtBundleSh: state, tab id, relation id, name
            n = struct.unpack_from("<I", data, body + 8)[0]
            ids.append(data[body + 12:body + 12 + 2 * min(n, 255)].decode("utf-16-le", "replace"))
        at = body + length
    if index >= len(ids):
        return None
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', tag))
        if attrs.get("Id") == ids[index]:
            target = attrs.get("Target", "").lstrip("/")
            part = target if target.startswith("xl/") else "xl/" + target
            return part if part in names else None
    return None


# --- .ods: content.xml, repeats summed --------------------------------------------------------

_ODS_TAG = re.compile(
    rb"<(/?)(?:\w+:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="([0-9]{1,12})"')
_NAME = re.compile(rb'\bname="([^"]{0,200})"')


class OdsExtent:
    """Fed content.xml in pieces (cut before a ``<``), it follows every table's rows and cells.

    calamine reads every sheet of an .ods when it opens the file, so all of them are measured:
    ``sheets`` holds (name, rows, columns) of each table finished so far, ``rows``/``cols`` the
    table being read.
    """

    def __init__(self) -> None:
        self.sheets: list[tuple[str, int, int]] = []
        self.name, self.depth = "", 0
        self.row = self.col = self.repeat = 0
        self.rows = self.cols = 0

    def feed(self, xml: bytes) -> None:
        for m in _ODS_TAG.finditer(xml):
            closing, kind, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
            if kind == b"table":
                if closing and self.depth:
                    self.depth -= 1
                    if not self.depth:
                        self.sheets.append((self.name, self.rows, self.cols))
                elif not closing and not empty:
                    self.depth += 1
                    if self.depth == 1:
                        found = _NAME.search(attrs)
                        number = f"{len(self.sheets) + 1}"
                        self.name = found[1].decode("utf-8", "replace") if found else number
                        self.row = self.col = self.rows = self.cols = 0
                        self.repeat = 1
                continue
            if self.depth != 1:
                continue
            if kind == b"table-row":
                if closing:
                    self.row += self.repeat
                else:
                    found = _REPEAT.search(attrs)
                    self.repeat, self.col = (int(found[1]) if found else 1), 0
                    if empty:
                        self.row += self.repeat
            elif not closing:  # a cell (or covered cell)
                found = _REPEAT.search(attrs)
                span = int(found[1]) if found else 1
                if b"value-type" in attrs or not empty:
                    self.rows = max(self.rows, self.row + self.repeat)
                    self.cols = max(self.cols, self.col + span)
                self.col += span
