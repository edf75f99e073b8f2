"""policy_stories: the policy and story files go through the partner reader (one sniffing path).

All texts are MADE UP.
"""

from __future__ import annotations

import pytest

from buurtscan.catalogue import load
from buurtscan.errors import UsageError
from buurtscan.policy_stories import read_policy, read_stories
from tests.hostile.make_files import inline, workbook


def test_policy_in_excel_utf16_and_with_a_title_line(tmp_path):
    rows = (f'<row r="1">{inline("A1", "wat")}{inline("B1", "domein")}{inline("C1", "wanneer")}</row>'
            f'<row r="2">{inline("A2", "Nieuwe speeltuin")}{inline("B2", "Leefomgeving &amp; openbare ruimte")}'
            f'<c r="C2"><v>2026</v></c></row>')
    (tmp_path / "beleid.xlsx").write_bytes(workbook(rows))
    [item] = read_policy(tmp_path / "beleid.xlsx", load())
    assert item.domain == "leefomgeving" and item.item.wat == "Nieuwe speeltuin" and item.item.wanneer == "2026"
    (tmp_path / "beleid.csv").write_text("Beleid Moerwijk\nwat\tdomein\nRenovatie portieken\twonen\n", encoding="utf-16")
    [item] = read_policy(tmp_path / "beleid.csv", load())
    assert (item.domain, item.item.wat, item.item.waar) == ("wonen", "Renovatie portieken", "")


def test_errors_are_usage_errors_naming_the_file(tmp_path):
    cat = load()
    path = tmp_path / "verhalen.csv"
    path.write_text("")
    with pytest.raises(UsageError, match="the file is empty"):
        read_stories(path, cat)
    path.write_text("tekst\nMooi\n")
    with pytest.raises(UsageError, match="column 'tekst' is missing|single column"):
        read_stories(path, cat)
    path.write_text("domein;tekst\nwonen;Mooi;extra;cellen\n")
    with pytest.raises(UsageError) as info:
        read_stories(path, cat)
    assert str(path) in info.value.message and "line 2" in info.value.message and info.value.exit_code == 2
    path.write_bytes(b"domein;tekst\nwonen;caf\xe9 \x81\n")
    with pytest.raises(UsageError, match=r"line 2, character 12: byte 0x81"):
        read_stories(path, cat)
