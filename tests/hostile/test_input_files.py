"""Hostile partner and input files: each attack ends in its exit code and one clean line, cache untouched.

The figures in these files are MADE UP; the region codes are real Den Haag ones. The runs go
through ``python -m buurtscan`` in a child process (the way cron runs it), the memory-hungry
ones with the address space capped by ``resource.setrlimit`` so that reading a file whole, or
calamine allocating a huge sheet, would fail the test instead of the machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.cli import run, snapshot

HERE = Path(__file__).resolve().parent
MEMORY_MB = 1200  # python + polars + calamine need about 400 MB; a 2 GB read would not fit
MERGE = ["--source", "proef", "--domain", "wonen", "--year", "2024"]


def merge(filled, path: Path | str, *extra: str, memory_mb: int | None = MEMORY_MB):
    before = snapshot(filled.cache_dir)
    outcome = run(["merge", str(path), *MERGE, *extra], filled, memory_mb=memory_mb)
    assert snapshot(filled.cache_dir) == before  # nothing written, nothing lost
    return outcome


def test_a_2_gb_sparse_file_is_refused_from_its_size(filled, tmp_path):
    path = tmp_path / "groot.csv"
    with open(path, "wb") as fh:
        fh.write(b"buurtcode;meldingen\nBU05183620;12\n")
        fh.truncate(2 * 1024 ** 3)  # sparse: costs no disk, but read whole it would cost 2 GB of memory
    merge(filled, path).clean(4, "groot.csv", "2,048 MB", "limit of 512 MB")


def test_dev_zero_is_refused_as_a_device(filled):
    merge(filled, "/dev/zero").clean(2, "/dev/zero", "is a device")


def test_a_fifo_is_refused_without_waiting_for_a_writer(filled, tmp_path):
    fifo = tmp_path / "pijp.csv"
    os.mkfifo(fifo)
    merge(filled, fifo).clean(2, "pijp.csv", "named pipe")


def test_a_folder_is_refused(filled, tmp_path):
    merge(filled, tmp_path).clean(2, "is a folder")


def test_a_cell_at_xfd1048576_is_refused_before_calamine_allocates(filled):
    # 1.6 KB; calamine's range would be 16,384 × 1,048,576 cells (it aborted with SIGABRT, exit 134)
    assert (HERE / "far_cell.xlsx").stat().st_size < 2000
    merge(filled, HERE / "far_cell.xlsx").clean(4, "far_cell.xlsx", 'sheet "Blad1"', "XFD1,048,576",
                                                 "over the limit of 20,000,000 cells")


def test_an_encrypted_workbook_is_called_password_protected(filled):
    line = merge(filled, HERE / "encrypted.xlsx").clean(4, "encrypted.xlsx", "password-protected")
    assert "damaged" not in line


def test_a_field_over_131072_characters_is_one_clean_line(filled, tmp_path):
    path = tmp_path / "lang.csv"
    path.write_text("buurtcode;meldingen;opmerking\nBU05183620;12;kort\nBU05183637;3;" + "x" * 200_000 + "\n")
    merge(filled, path, memory_mb=None).clean(4, "lang.csv", "line 3", "field 3", "200,000 characters")


def test_an_unclosed_quote_is_named_by_its_line(filled, tmp_path):
    path = tmp_path / "quote.csv"
    rows = "".join(f"BU0518{3620 + i};{i}\n" for i in range(20))
    path.write_text("buurtcode;meldingen\n" + 'BU05183620;"12\n' + ("x" * 1000 + "\n") * 200 + rows)
    outcome = merge(filled, path, memory_mb=None)
    assert outcome.code == 4 and "Traceback" not in outcome.err and len(outcome.error_lines) == 1


@pytest.mark.parametrize(
    ("content", "where", "byte"),
    [
        (b"\xef\xbb\xbfbuurtcode;naam;meldingen\nBU05183620;Caf\xe9;12\n", "line 2, character 15", "0xE9"),
        (b"\xef\xbb\xbf\xc3\xa9\xc3\xa9;x\n\xc3\xa9\xff;1\n", "line 2, character 2", "0xFF"),
        (b"buurtcode;naam\nBU05183620;\xe2\x82\xac \x81\n", "line 2, character 14", "0x81"),
    ],
    ids=["bom-latin1-byte", "bom-after-multibyte", "cp1252-undefined"],
)
def test_an_encoding_error_names_the_right_line_character_and_byte(filled, tmp_path, content, where, byte):
    path = tmp_path / "codering.csv"
    path.write_bytes(content)
    merge(filled, path, memory_mb=None).clean(4, "codering.csv", where, byte)


def test_a_mapping_fifo_and_an_oversized_mapping_are_refused(filled, tmp_path):
    data = tmp_path / "ok.csv"
    data.write_text("buurtcode;meldingen\nBU05183620;12\n")
    fifo = tmp_path / "mapping.toml"
    os.mkfifo(fifo)
    merge(filled, data, "--mapping", str(fifo)).clean(2, "named pipe")
    big = tmp_path / "groot.toml"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    merge(filled, data, "--mapping", str(big)).clean(4, "groot.toml", "limit of 1 MB")


def test_thousands_of_partner_columns_merge(filled, tmp_path):
    # 10,000 columns once took 182 s (a list of all columns built per column); the time per
    # column is measured against 1,000 columns in bench/wide.py. Here: 1,500 merge correctly.
    n = 1_500
    header = "buurtcode;" + ";".join(f"kolom {i}" for i in range(n))
    rows = [f"BU0518{c};" + ";".join(str((i * 7 + j) % 50) for j in range(n))
            for i, c in enumerate(("3620", "3637", "3638"))]
    path = tmp_path / "breed.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    outcome = run(["merge", str(path), *MERGE, "--json"], filled, timeout=300)
    assert outcome.code == 0, outcome.err
    summary = json.loads(outcome.out)
    assert summary["layout"] == "wide" and summary["regions"] == 3
    assert len(summary["indicators"]) == n if isinstance(summary["indicators"], list) else summary["indicators"] == n


def _far_workbooks():
    from tests.hostile import make_files as m

    far_ods = m.ods(m.ods_partner_rows() + '<table:table-row table:number-rows-repeated="100000">'
                    + m.ods_number(1, 100_000) + "</table:table-row>")
    return {
        # a DIMENSIONS record claiming 4 billion rows × 65,535 columns: calamine aborted on opening
        "dimensions.xls": (m.xls(dims=(0xFFFFFFFF, 0xFFFF)), "CRXO4,294,967,295"),
        # one cell at XFD1048576 in a binary workbook: calamine aborted reading the sheet
        "far_cell.xlsb": (m.xlsb(m.PARTNER_CELLS + [(1048575, 16383, 1.0)], dims=(1, 1)), "XFD1,048,576"),
        # a BrtWsDim record claiming the whole sheet
        "dimension.xlsb": (m.xlsb(dims=(1048575, 16383)), "XFD1,048,576"),
        # one cell repeated 100,000 × 100,000 times: calamine called it "not a workbook" or allocated
        "repeated.ods": (far_ods, "100,002 rows × 100,000 columns"),
    }


@pytest.mark.parametrize("file_name", sorted(_far_workbooks()))
def test_an_absurd_sheet_range_in_xls_xlsb_ods_is_refused_before_calamine(filled, tmp_path, file_name):
    data, reach = _far_workbooks()[file_name]
    assert len(data) < 6000  # a tiny file
    path = tmp_path / file_name
    path.write_bytes(data)
    line = merge(filled, path, memory_mb=600).clean(4, file_name, 'sheet "Blad1"', reach, "20,000,000 cells")
    assert line.count("\n") == 0


@pytest.mark.parametrize("kind", ["xls", "xlsb", "ods", "ods-padded"])
def test_a_small_xls_xlsb_ods_passes_the_range_check(tmp_path, kind):
    from buurtscan.partners import read_table
    from tests.hostile import make_files as m

    padding = ('<table:table-row table:number-rows-repeated="1048574">'
               '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>')
    data = {"xls": m.xls(), "xlsb": m.xlsb(), "ods": m.ods(m.ods_partner_rows()),
            "ods-padded": m.ods(m.ods_partner_rows() + padding)}[kind]  # LibreOffice pads a sheet so
    path = tmp_path / f"klein.{kind.split('-')[0]}"
    path.write_bytes(data)
    table = read_table(path)
    assert table.headers == ["buurtcode", "meldingen"] and table.frame.height == 1


def _policy_input(tmp_path: Path, kind: str) -> str:
    if kind == "dev-zero":
        return "/dev/zero"
    path = tmp_path / f"{kind}.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "sparse":
        with open(path, "wb") as fh:
            fh.truncate(2 * 1024 * 1024 * 1024)
    elif kind == "folder":
        path.mkdir()
    return str(path)


@pytest.mark.parametrize("option", ["--policy", "--stories"])
@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "sparse", "folder"])
def test_a_policy_or_story_file_that_is_no_file_or_too_big_is_exit_2(filled, tmp_path, option, kind):
    """/dev/zero, a FIFO, a 2 GB sparse file or a folder as --policy/--stories: refused before reading."""
    before = snapshot(filled.cache_dir)
    out = tmp_path / "out"
    outcome = run(["render", "BU05183620", option, _policy_input(tmp_path, kind), "--format", "md", "--out", str(out)],
                  filled, memory_mb=MEMORY_MB, timeout=120)
    words = {"dev-zero": "a device", "fifo": "named pipe", "sparse": "limit of 2 MB", "folder": "is a folder"}[kind]
    outcome.clean(2, words)
    assert snapshot(filled.cache_dir) == before
    assert not out.exists() or not any(out.iterdir())  # no note written from it
