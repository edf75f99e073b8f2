"""Writes the binary hostile workbooks of this folder (run from the repo root; the output is committed).

    python tests/hostile/make_files.py      # needs msoffcrypto-tool for encrypted.xlsx only

* ``far_cell.xlsx`` (about 1.5 KB): a valid workbook whose only figure sits in cell
  XFD1048576, the last cell Excel allows; python-calamine would allocate 17 billion cells.
* ``encrypted.xlsx``: a small partner workbook encrypted with the password "geheim"
  (an OLE file with an ``EncryptedPackage`` stream, as Excel writes it).

The .xls, .xlsb and .ods attacks are built by the tests themselves with :func:`xls`,
:func:`xlsb` and :func:`ods` (a few hundred bytes each, written here by hand: no library
writes these formats): a .xls whose DIMENSIONS record claims 4 billion rows, a .xlsb with one
cell at XFD1048576, an .ods with a cell repeated 100,000 × 100,000 times.

Everything in them is MADE UP.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"""


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def workbook(rows: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", SHEET.format(rows=rows))
    return out.getvalue()


def partner_rows() -> str:
    return (f'<row r="1">{inline("A1", "buurtcode")}{inline("B1", "meldingen")}</row>'
            f'<row r="2">{inline("A2", "BU05183620")}<c r="B2"><v>12</v></c></row>')


# --- .xls (BIFF8 in a minimal compound file) ---


def _rec(kind, body=b""):
    return struct.pack("<HH", kind, len(body)) + body


def _bof(dt):
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x0006))


def _xls_stream(cells, dims=None, sheet="Blad1"):
    """The BIFF8 Workbook stream of one sheet; ``dims`` is the (rows, columns) its DIMENSIONS claims."""
    strings = [v for _, _, v in cells if isinstance(v, str)]
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 0) + s.encode("latin-1") for s in strings)
    name = sheet.encode("latin-1")

    def globals_(offset):
        return (_bof(0x0005) + _rec(0x0042, struct.pack("<H", 1200))
                + _rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name)
                + _rec(0x00FC, sst) + _rec(0x000A))
    g = globals_(0)
    g = globals_(len(g))
    rows = max(r for r, _, _ in cells) + 1
    cols = max(c for _, c, _ in cells) + 1
    rw, cl = dims or (rows, cols)
    body = _bof(0x0010) + _rec(0x0200, struct.pack("<IIHHH", 0, rw, 0, cl, 0))
    k = 0
    for r, c, v in cells:
        if isinstance(v, str):
            body += _rec(0x00FD, struct.pack("<HHHI", r, c, 15, k))
            k += 1
        else:
            body += _rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
    body += _rec(0x000A)
    return g + body


def _cfb(stream: bytes, name="Workbook") -> bytes:
    """A minimal compound file (512-byte sectors) holding one stream of at least 4096 bytes."""
    stream = stream + b"\x00" * (max(4096, -(-len(stream) // 512) * 512) - len(stream))
    n = len(stream) // 512
    assert n + 2 <= 128
    END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [FATSECT, END] + [3 + i for i in range(n - 1)] + [END]
    fat += [FREE] * (128 - len(fat))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, END, 0, END) + struct.pack("<I", 0)
              + struct.pack("<109I", 0, *([FREE] * 108)))
    assert len(header) == 512, len(header)

    def entry(nm, kind, child, start, size):
        raw = nm.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", NOSTREAM, NOSTREAM, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<IIi", start, size, 0))
    d = entry("Root Entry", 5, 1, END, 0) + entry(name, 2, NOSTREAM, 2, len(stream))
    unused = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
    d += (unused + b"\x00" * 48) * 2
    assert len(d) == 512, len(d)
    return header + struct.pack("<128I", *fat) + d + stream


# --- .xlsb ---


def _varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def _brt(kind, body=b""):
    return _varint(kind) + _varint(len(body)) + body


def _wide(s):
    return struct.pack("<I", len(s)) + s.encode("utf-16-le")


def xlsb(cells=None, dims=None, sheet="Blad1") -> bytes:
    """A .xlsb of one sheet; ``dims`` is the range its BrtWsDim record claims."""
    cells = cells or PARTNER_CELLS
    book = (_brt(131) + _brt(143) + _brt(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
            + _brt(144) + _brt(132))
    rows = {}
    for r, c, v in cells:
        rows.setdefault(r, []).append((c, v))
    rw, cl = dims or (max(rows), max(c for _, c, _ in cells))
    data = _brt(129) + _brt(148, struct.pack("<IIII", 0, rw, 0, cl)) + _brt(145)
    for r in sorted(rows):
        data += _brt(0, struct.pack("<IIHHBB", r, 0, 300, 0, 0, 0) + struct.pack("<I", 0))
        for c, v in rows[r]:
            if isinstance(v, str):
                data += _brt(6, struct.pack("<II", c, 0) + _wide(v))
            else:
                data += _brt(5, struct.pack("<IId", c, 0, float(v)))
    data += _brt(146) + _brt(130)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.replace("xl/workbook.xml", "xl/workbook.bin")
                   .replace("sheet1.xml", "sheet1.bin"))
        z.writestr("_rels/.rels", RELS.replace("workbook.xml", "workbook.bin"))
        z.writestr("xl/workbook.bin", book)
        z.writestr("xl/_rels/workbook.bin.rels", WORKBOOK_RELS.replace("sheet1.xml", "sheet1.bin"))
        z.writestr("xl/worksheets/sheet1.bin", data)
    return out.getvalue()


# --- .ods ---


def ods(body: str) -> bytes:
    """An .ods whose one table (Blad1) holds ``body`` (table rows)."""
    ns = "urn:oasis:names:tc:opendocument:xmlns"
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office="{ns}:office:1.0" '
               f'xmlns:table="{ns}:table:1.0" xmlns:text="{ns}:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="Blad1">{body}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="{ns}:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
            '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'))
        z.writestr("content.xml", content)
    return out.getvalue()


def ods_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_number(value: float, repeat: int = 1) -> str:
    return (f'<table:table-cell office:value-type="float" office:value="{value}" '
            f'table:number-columns-repeated="{repeat}"><text:p>{value}</text:p></table:table-cell>')


def ods_partner_rows() -> str:
    return (f'<table:table-row>{ods_cell("buurtcode")}{ods_cell("meldingen")}</table:table-row>'
            f'<table:table-row>{ods_cell("BU05183620")}{ods_number(12)}</table:table-row>')


PARTNER_CELLS = [(0, 0, "buurtcode"), (0, 1, "meldingen"), (1, 0, "BU05183620"), (1, 1, 12.0)]


def xls(cells=PARTNER_CELLS, dims=None) -> bytes:
    """A .xls (BIFF8 in a compound file) of one sheet Blad1; ``dims`` overrides its DIMENSIONS."""
    return _cfb(_xls_stream(cells, dims))


def main() -> None:
    far = partner_rows() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    (HERE / "far_cell.xlsx").write_bytes(workbook(far))
    try:
        import msoffcrypto.format.ooxml as ooxml
    except ImportError:
        print("msoffcrypto-tool is not installed: encrypted.xlsx left as it is")
        return
    plain = io.BytesIO(workbook(partner_rows()))
    encrypted = io.BytesIO()
    ooxml.OOXMLFile(plain).encrypt("geheim", encrypted)
    (HERE / "encrypted.xlsx").write_bytes(encrypted.getvalue())


if __name__ == "__main__":
    main()
