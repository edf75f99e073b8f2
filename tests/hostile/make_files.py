"""Writes the binary hostile workbooks of this folder (run from the repo root; the output is committed).

    python tests/hostile/make_files.py      # needs msoffcrypto-tool for encrypted.xlsx only

* ``far_cell.xlsx`` (about 1.5 KB): a valid workbook whose only figure sits in cell
  XFD1048576, the last cell Excel allows; python-calamine would allocate 17 billion cells.
* ``encrypted.xlsx``: a small partner workbook encrypted with the password "geheim"
  (an OLE file with an ``EncryptedPackage`` stream, as Excel writes it).

Everything in them is MADE UP.
"""

from __future__ import annotations

import io
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
