"""The stages of the partner pipeline one by one: guard, reading, excel, numbers, disclosure, layouts.

Values are MADE UP; codes are real Den Haag regions.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import polars as pl
import pytest

from buurtscan.errors import PartnerDataError, UsageError
from buurtscan.partners import cells, excel, guard, numbers, reading
from buurtscan.partners.disclosure import suppress
from buurtscan.partners.messages import NoTable, OneColumn
from tests.hostile.make_files import inline, partner_rows, workbook


# ----------------------------------------------------------------------------- guard
def test_read_checked_bounds_size_and_kind(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"x" * 100)
    assert guard.read_checked(path, max_bytes=100) == b"x" * 100
    with pytest.raises(PartnerDataError, match="limit of 0 kB"):
        guard.read_checked(path, max_bytes=99)
    with pytest.raises(UsageError, match="too_large|limit") as info:
        guard.read_checked(path, max_bytes=10, too_large=UsageError, label="naam.csv")
    assert info.value.message.startswith("naam.csv:")
    with pytest.raises(UsageError, match="does not exist"):
        guard.read_checked(tmp_path / "weg.csv", max_bytes=10)
    with pytest.raises(UsageError, match="is a folder"):
        guard.read_checked(tmp_path, max_bytes=10)
    os.mkfifo(tmp_path / "p")
    with pytest.raises(UsageError, match="named pipe"):
        guard.read_checked(tmp_path / "p", max_bytes=10)


# ----------------------------------------------------------------------------- reading
@pytest.mark.parametrize(
    ("data", "line", "char", "byte"),
    [
        (b"\xef\xbb\xbfab;c\nd;\xe9\n", 2, 3, "0xE9"),  # the BOM is not counted, the byte is the bad one
        (b"\xef\xbb\xbf\xc3\xa9\xc3\xa9\xc3\xa9;\xff\n", 1, 5, "0xFF"),  # characters, not bytes
        (b"a;b\n\xe2\x82\xac\xe2\x82\xac;\x81\n", 2, 4, "0x81"),  # neither UTF-8 nor cp1252
        ("a;b\nc;d\n".encode("utf-16") + b"\x00\xd8", 3, 1, "0x00 0xD8"),  # a lone surrogate in UTF-16
    ],
)
def test_encoding_errors_name_line_character_and_byte(data, line, char, byte):
    with pytest.raises(PartnerDataError) as info:
        reading.decode(data, "f.csv")
    assert f"f.csv, line {line}, character {char}: " in info.value.message
    assert byte in info.value.message


def test_a_long_cell_is_named_by_line_and_field(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a;b\n1;2\n3;" + "y" * (reading.FIELD_MAX_CHARS + 1) + "\n")
    with pytest.raises(PartnerDataError, match=r"f\.csv, line 3, field 2: the cell holds 131,073 characters"):
        reading.read_table(path)
    path.write_text("a;b\n1;" + "y" * reading.FIELD_MAX_CHARS + "\n")  # at the limit: fine
    assert reading.read_table(path).rows == 1


def test_shape_errors_have_their_own_types(tmp_path):
    (tmp_path / "leeg.csv").write_text("# alleen commentaar\n\n")
    with pytest.raises(NoTable):
        reading.read_table(tmp_path / "leeg.csv")
    (tmp_path / "een.csv").write_text("buurtcode\nBU05183620\n")
    with pytest.raises(OneColumn):
        reading.read_table(tmp_path / "een.csv")


def test_native_columns_are_looked_up_in_a_set():
    table = cells.RawTable(name="f", kind="excel", sha256="", headers=["a"], header_index=0, positions={"a": 0},
                           frame=pl.DataFrame({"__i": [0], "a": ["1"], "a\x00n": [1.0]}))
    assert table.native("a") == "a\x00n" and table.native("b") is None


# ----------------------------------------------------------------------------- excel
def test_check_sheet_reads_cell_references_and_the_dimension():
    ok = workbook(partner_rows())
    excel.check_sheet(ok, "ok.xlsx", 0, "Blad1")  # two columns, two rows
    far = workbook(partner_rows() + '<row r="40000"><c r="AZZ40000"><v>1</v></c></row>')
    with pytest.raises(PartnerDataError, match=r'far\.xlsx, sheet "Blad1": .*AZZ40,000 \(40,000 rows × 1,378 columns'):
        excel.check_sheet(far, "far.xlsx", 0, "Blad1")
    with zipfile.ZipFile(io.BytesIO(ok)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b'<x:dimension ref="A1:XFD1048576"/><sheetData>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    with pytest.raises(PartnerDataError, match="XFD1,048,576"):
        excel.check_sheet(out.getvalue(), "dim.xlsx", 0, "Blad1")


def test_check_sheet_finds_a_far_cell_across_chunk_borders():
    filler = "".join(f'<row r="{r}">{inline(f"A{r}", "x" * 200)}</row>' for r in range(3, 9000))
    data = workbook(partner_rows() + filler + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with pytest.raises(PartnerDataError, match="over the limit"):
        excel.check_sheet(data, "big.xlsx", 0, "Blad1")


def test_an_encrypted_workbook_is_password_protected():
    data = (Path(__file__).resolve().parents[1] / "hostile" / "encrypted.xlsx").read_bytes()
    with pytest.raises(PartnerDataError, match="password-protected"):
        excel.read_excel(data, "enc.xlsx", "", None)


# ----------------------------------------------------------------------------- numbers
def _table(values: list[str | None]) -> tuple[cells.RawTable, pl.DataFrame]:
    frame = pl.DataFrame({"__i": list(range(len(values))), "v": values}, schema={"__i": pl.UInt32, "v": pl.Utf8})
    table = cells.RawTable(name="f.csv", kind="csv", sha256="", headers=["v"], frame=frame, header_index=0,
                           positions={"v": 0}, line_base=2)
    return table, frame


def test_parse_numbers_statuses_and_notation():
    table, frame = _table(["1.234,5", "x", "<5", None, "12%"])
    nums = numbers.parse_numbers(table, frame, "v", "v", "point")
    assert nums.value.to_list() == [1234.5, None, None, None, 12.0]
    assert nums.status.to_list() == ["ok", "geheim", "klein", "ontbreekt", "ok"]
    assert nums.percent_sign and not nums.text_only and nums.filled == 4
    table, frame = _table(["1,5", "2.25"])
    with pytest.raises(PartnerDataError, match=r'mixes a decimal comma \("1,5", line 2\) and a decimal point'):
        numbers.parse_numbers(table, frame, "v", "v", "comma")
    table, frame = _table(["aap", "noot"])
    assert numbers.parse_numbers(table, frame, "v", "v", "comma").text_only
    table, frame = _table(["1", "noot"])
    with pytest.raises(PartnerDataError, match=r'f\.csv, line 3, column "v": "noot" is not a number'):
        numbers.parse_numbers(table, frame, "v", "v", "comma")


# ----------------------------------------------------------------------------- disclosure
def test_secondary_suppression_protects_a_small_count_inside_a_total():
    rows = pl.DataFrame({
        "code": ["BU05183620", "BU05183637", "BU05183638", "BU05183639", "WK051836"],
        "period": ["2024"] * 5, "indicator": ["n"] * 5, "value": [3.0, 40.0, 12.0, 25.0, 80.0],
        "status": ["ok"] * 5, "unit": ["aantal"] * 5,
    })
    out, hidden = suppress(rows, {"n"}, 5, ["WK051836"], [])
    status = dict(zip(out["code"], out["status"], strict=True))
    assert status["BU05183620"] == "klein" and status["BU05183638"] == "geheim"  # the smallest other one
    assert status["WK051836"] == "ok" and hidden == 2
    assert out.filter(pl.col("status") != "ok")["value"].null_count() == 2
