"""The fast paths for big record files (issue 19): they must count exactly as the slow paths do.

Values are MADE UP (generated here); codes are real Den Haag buurten of the fake CBS (tests/fakecbs.py,
built from the real 2024 regions).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from buurtscan.actions import merge as merging
from buurtscan.actions.fetch import fetch
from buurtscan.cache import Cache
from buurtscan.errors import PartnerDataError
from buurtscan.partners import reading
from buurtscan.settings import Settings

CODES = ["BU05183620", "BU05183639", "BU05183638"]
ROWS = 25_000  # above the 20,000 rows from which years are read per distinct date


@pytest.fixture
def filled(settings: Settings, fake) -> Settings:
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    return settings


def records(path: Path, dates: list[str], *, name: str = "Sébastien") -> list[tuple[str, str, str]]:
    rng = random.Random(7)
    rows = [(rng.choice(CODES), rng.choice(dates), rng.choice(["Woninginbraak", "Vernieling"])) for _ in range(ROWS)]
    lines = ["# VERZONNEN GEGEVENS", "nr;datum;buurtcode;soort;behandelaar"]
    lines += [f"{i};{d};{c};{k};{name}" for i, (c, d, k) in enumerate(rows, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows


def counted(settings: Settings) -> dict[tuple[str, str, str], float]:
    rows = Cache(settings.cache_dir).scan(source="wijkagent").collect().filter(pl.col("region_level") == "buurt")
    return {(r["region_code"], r["period"], r["indicator"]): r["value"] for r in rows.iter_rows(named=True)}


@pytest.mark.parametrize("name", ["Sebastien", "Sébastien"])  # an ASCII file (never decoded whole) and a UTF-8 one
@pytest.mark.parametrize("dates", [["2023-01-05", "2024-12-31", "2024-06-01"],  # the year leads: sliced
                                   ["05-01-2023", "31/12/2024", "1 juni 2024"]])  # the year elsewhere: looked up
def test_big_record_file_counts_equal_an_independent_count(filled, tmp_path, dates, name):
    path = tmp_path / "incidenten.csv"
    rows = records(path, dates, name=name)
    report = merging.merge(filled, path, source="wijkagent", domain="veiligheid", count=True, count_by="soort")
    ids = {i["column"]: i["id"] for i in report.indicators}
    expected = Counter((c, next(p for p in d.replace("/", " ").replace("-", " ").split() if len(p) == 4 and p.isdigit()), k)
                       for c, d, k in rows)
    got = counted(filled)
    assert {(c, y, ids[k]): float(n) for (c, y, k), n in expected.items()} == {
        key: v for key, v in got.items() if key[0] in CODES}
    assert report.rows_read == ROWS


@pytest.mark.parametrize("bad", ["vorig jaar", "12-05"])
def test_a_date_without_year_in_a_big_file_names_its_line(filled, tmp_path, bad):
    path = tmp_path / "incidenten.csv"
    records(path, ["2023-01-05", "2024-02-03"])
    lines = path.read_text(encoding="utf-8").splitlines()
    at = 2 + 12_345  # comment + header + 12,345 records before it
    parts = lines[at].split(";")
    parts[1] = bad
    lines[at] = ";".join(parts)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = sorted(p.name for p in filled.cache_dir.rglob("*"))
    with pytest.raises(PartnerDataError, match=rf'line {at + 1}.*"{bad}" holds no year'):
        merging.merge(filled, path, source="wijkagent", domain="veiligheid", count=True, count_by="soort")
    assert sorted(p.name for p in filled.cache_dir.rglob("*")) == before


def test_ascii_and_utf8_files_read_to_the_same_table(tmp_path):
    plain, accented = tmp_path / "a.csv", tmp_path / "b.csv"
    body = "buurtcode;aantal\nBU05183620;12\nBU05183639;\"7\"\n"
    plain.write_bytes(body.encode("ascii"))
    accented.write_bytes(body.replace("aantal", "aantál").encode("utf-8"))
    a, b = reading.read_table(plain), reading.read_table(accented)
    assert a.frame.drop("__i").rows() == b.frame.drop("__i").rows()
    assert a.encoding == b.encoding == "utf-8" and a.delimiter == b.delimiter == ";"


def test_a_quoted_field_over_two_lines_keeps_line_numbers_in_an_ascii_file(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b'buurtcode;toelichting;aantal\nBU05183620;"twee\nregels";5\nBU05183639;x;oops\n')
    table = reading.read_table(path)
    assert table.starts == [1, 2, 4]  # header, record 1, and record 2 on physical line 4
