"""partners.prepare() end to end on files: reading what partners really send, and validating it. Pure: no cache, no network.

All figures in these files are MADE UP; the codes and names are real Den Haag regions.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from buurtscan import partners
from buurtscan.catalogue import load
from buurtscan.errors import PartnerDataError, UsageError
from buurtscan.tidy import TIDY_SCHEMA, regions_frame
from tests.paths import EXAMPLES

REGIONS = regions_frame([
    ("NL00", "Nederland"),
    ("GM0518", "'s-Gravenhage"),
    ("WK051836", "Wijk 36 Moerwijk"),
    ("BU05183620", "Moerwijk-Oost"),
    ("BU05183637", "Moerwijk-West"),
    ("BU05183638", "Moerwijk-Noord"),
    ("BU05183639", "Moerwijk-Zuid"),
    ("WK051837", "Wijk 37 Groente- en Fruitmarkt"),
    ("BU05183721", "Groente- en Fruitmarkt"),
    ("GM0363", "Amsterdam"),
    ("WK036300", "Wijk 00 Burgwallen-Oude Zijde"),
    ("BU03630000", "Kop Zeedijk"),
])
MOERWIJK = ["BU05183620", "BU05183637", "BU05183638", "BU05183639"]


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def run(path: Path, **kw) -> partners.PartnerData:
    table = partners.read_table(path, sheet=kw.pop("sheet", None))
    kw.setdefault("domain", "wonen")
    kw.setdefault("year", 2024)
    return partners.prepare(table, source="test", regions=REGIONS, catalogue=load(), **kw)


def value(data: partners.PartnerData, code: str, indicator: str) -> tuple[float | None, str]:
    rows = data.frame.filter((pl.col("region_code") == code) & (pl.col("indicator") == indicator))
    assert rows.height == 1, (code, indicator, rows)
    return rows["value"][0], rows["status"][0]


# ----------------------------------------------------------------------------- dialects, encodings
@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("buurtcode;meldingen;score\nBU05183620;1.234;7,5\nBU05183637;12;6\n", "utf-8"),
        ("buurtcode,meldingen,score\nBU05183620,\"1,234\",7.5\nBU05183637,12,6\n", "utf-8"),
        ("buurtcode\tmeldingen\tscore\nBU05183620\t1.234\t7,5\nBU05183637\t12\t6\n", "utf-8"),
        ("buurtcode;meldingen;score\r\nBU05183620;1.234;7,5\r\nBU05183637;12;6\r\n", "utf-8-sig"),
        ("buurtcode;meldingen;score\nBU05183620;1.234;7,5\nBU05183637;12;6\n", "cp1252"),
        ("buurtcode\tmeldingen\tscore\nBU05183620\t1234\t7,5\nBU05183637\t12\t6\n", "utf-16"),
        ("buurtcode|meldingen|score\nBU05183620|1 234|7,5\nBU05183637|12|6\n", "utf-8"),
    ],
    ids=["semicolon", "comma-quoted", "tab", "bom-crlf", "cp1252", "utf16", "pipe-space-thousands"],
)
def test_dialects_encodings_and_number_notations(tmp_path, content, encoding):
    data = run(write(tmp_path, "f.csv", content, encoding))
    assert value(data, "BU05183620", "meldingen") == (1234.0, "ok")
    assert value(data, "BU05183620", "score") == (7.5, "ok")
    assert value(data, "BU05183637", "meldingen") == (12.0, "ok")
    assert data.layout == "wide" and data.rows_read == 2


def test_windows_1252_header_is_read(tmp_path):
    path = write(tmp_path, "f.csv", "buurtcode;Huur (€);Geïnde huur\nBU05183620;1.050,25;12\n", "cp1252")
    data = run(path)
    table = partners.read_table(path)
    assert table.encoding == "cp1252" and table.delimiter == ";"
    assert "Huur (€)" in table.headers and "Geïnde huur" in table.headers
    assert value(data, "BU05183620", "huur") == (1050.25, "ok")
    assert value(data, "BU05183620", "geinde_huur") == (12.0, "ok")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (["1.234,5", "12,25"], [1234.5, 12.25]),  # Dutch thousands + decimal comma
        (["1,234.5", "12.25"], [1234.5, 12.25]),  # English
        (["1.234.567", "12"], [1234567.0, 12.0]),  # several thousands dots: Dutch
        (["12,5%", "7%"], [12.5, 7.0]),  # percent signs
        (["−3,5", "+2"], [-3.5, 2.0]),  # unicode minus
        ([",5", "1"], [0.5, 1.0]),
    ],
)
def test_number_notations(tmp_path, cells, expected):
    body = "".join(f"{c};\"{v}\"\n" for c, v in zip(MOERWIJK, cells, strict=False))
    data = run(write(tmp_path, "f.csv", "buurtcode;score\n" + body), mapping=partners.Mapping(
        columns={"score": partners.ColumnSpec(unit="score")}))
    got = [value(data, c, "score")[0] for c in MOERWIJK[: len(cells)]]
    assert got == pytest.approx(expected)


def test_comma_separated_file_reads_1_234_as_decimal_point_and_semicolon_as_thousands(tmp_path):
    # without other evidence, '1.234' is a decimal in a ',' file and a thousands group in a ';' file
    comma = run(write(tmp_path, "a.csv", "buurtcode,score\nBU05183620,1.234\n"),
                mapping=partners.Mapping(columns={"score": partners.ColumnSpec(unit="score")}))
    semi = run(write(tmp_path, "b.csv", "buurtcode;score\nBU05183620;1.234\n"))
    assert value(comma, "BU05183620", "score")[0] == pytest.approx(1.234)
    assert value(semi, "BU05183620", "score")[0] == 1234.0


def test_missing_markers_secret_and_presuppressed(tmp_path):
    content = ("buurtcode;meldingen\nBU05183620;.\nBU05183637;x\nBU05183638;<5\nBU05183639;\n"
               "BU05183721;n.b.\n")
    data = run(write(tmp_path, "f.csv", content))
    assert value(data, "BU05183620", "meldingen") == (None, "ontbreekt")
    assert value(data, "BU05183637", "meldingen") == (None, "geheim")
    assert value(data, "BU05183638", "meldingen") == (None, "klein")
    assert value(data, "BU05183639", "meldingen") == (None, "ontbreekt")
    assert value(data, "BU05183721", "meldingen") == (None, "ontbreekt")


# ----------------------------------------------------------------------------- layout details
def test_title_comment_unit_row_trailing_columns_and_totals(tmp_path):
    content = (
        "# made-up values\n"
        "Overlast per buurt, verzonnen\n"
        "\n"
        "buurtcode;buurtnaam;meldingen;tevreden;;\n"
        ";;aantal;%;;\n"
        "BU05183620;Moerwijk-Oost;12;45,5;;\n"
        "\n"
        "BU05183637;Moerwijk-West;7;50;;\n"
        "Gemeente totaal;;19;;;\n"
        "Bron: verzonnen voor de test;;;;;\n"
    )
    data = run(write(tmp_path, "f.csv", content))
    assert {i.id: i.unit for i in data.indicators} == {"meldingen": "aantal", "tevreden": "%"}
    assert value(data, "BU05183620", "tevreden") == (45.5, "ok")
    assert value(data, "BU05183637", "meldingen") == (7.0, "ok")
    assert data.rows_read == 4  # two buurten, the totals row and the footnote
    assert any("totals row (line 9)" in w for w in data.warnings)
    assert any("Line 10" in w for w in data.warnings)
    assert set(data.frame["region_code"]) == {"BU05183620", "BU05183637"}


def test_key_headers_padding_and_digit_codes(tmp_path):
    padded = run(write(tmp_path, "a.csv", "Codering_3;meldingen\n\"BU05183620  \";12\nbu05183637;8\n"))
    assert value(padded, "BU05183620", "meldingen") == (12.0, "ok")
    assert value(padded, "BU05183637", "meldingen") == (8.0, "ok")
    digits = run(write(tmp_path, "b.csv", "buurtcode;meldingen\n5183620;12\n05183637;8\n"))
    assert set(digits.frame["region_code"]) == {"BU05183620", "BU05183637"}
    cbs = run(write(tmp_path, "c.csv", "Wijken en buurten;meldingen\nWK051836;20\nGM0518;300\nNL00;9000\n"))
    assert value(cbs, "WK051836", "meldingen") == (20.0, "ok")
    assert value(cbs, "GM0518", "meldingen") == (300.0, "ok")
    assert value(cbs, "NL00", "meldingen") == (9000.0, "ok")
    assert cbs.frame.filter(pl.col("region_code") == "NL00")["region_level"][0] == "land"
    content = run(write(tmp_path, "d.csv", "gebied_id;meldingen\nBU05183620;12\nBU05183637;8\n"))
    assert value(content, "BU05183620", "meldingen") == (12.0, "ok")  # recognised by its content


def test_names_resolved_within_gemeente(tmp_path):
    content = "gemeente;buurt;meldingen\nDen Haag;moerwijk oost;12\n's-Gravenhage;MOERWIJK-WEST;8\nDen Haag;Moerwijk;30\n"
    data = run(write(tmp_path, "f.csv", content))
    assert value(data, "BU05183620", "meldingen") == (12.0, "ok")
    assert value(data, "BU05183637", "meldingen") == (8.0, "ok")
    assert value(data, "WK051836", "meldingen") == (30.0, "ok")  # "Moerwijk" = Wijk 36 Moerwijk


def test_unknown_names_skipped_with_warning(tmp_path):
    content = "buurt;meldingen\nMoerwijk-Oost;12\nNergenshuizen;8\n"
    data = run(write(tmp_path, "f.csv", content), skip_unknown=True)
    assert set(data.frame["region_code"]) == {"BU05183620"}
    assert any("Nergenshuizen" in w for w in data.warnings)


def test_long_layout_with_unit_column(tmp_path):
    content = ("buurtcode;indicator;waarde;eenheid;jaar\n"
               "BU05183620;Tevreden;45,5;%;2024\nBU05183620;Klachten;12;aantal;2024\n"
               "BU05183637;Tevreden;50;%;2024\nBU05183637;Klachten;3;aantal;2024\n")
    data = run(write(tmp_path, "f.csv", content), year=None)
    assert data.layout == "long" and data.periods == ("2024",)
    assert {i.id: (i.unit, i.count) for i in data.indicators} == {"tevreden": ("%", False), "klachten": ("aantal", True)}
    assert value(data, "BU05183620", "tevreden") == (45.5, "ok")
    assert value(data, "BU05183637", "klachten") == (None, "klein")  # 3 < 5


def test_quoted_field_spanning_lines_keeps_line_numbers(tmp_path):
    content = 'buurtcode;toelichting;meldingen\nBU05183620;"twee\nregels";12\nBU05183637;"kort";veel\n'
    with pytest.raises(PartnerDataError, match=r'line 4, column "meldingen": "veel" is not a number'):
        run(write(tmp_path, "f.csv", content))


def test_text_columns_are_left_out_with_a_note(tmp_path):
    content = "buurtcode;sfeer;opmerking;meldingen\nBU05183620;rustig;let op;12\nBU05183637;druk;;8\n"
    data = run(write(tmp_path, "f.csv", content))
    assert [i.id for i in data.indicators] == ["meldingen"]
    assert [w for w in data.warnings if "holds text" in w] == ['Column "sfeer" holds text, not figures, and was left out.']


def test_defaults_unit_and_decimals(tmp_path):
    content = "buurtcode;meldingen;Aandeel huurders;gemiddelde\nBU05183620;12;45,5;1,25\nBU05183637;8;50;2\n"
    inds = {i.id: i for i in run(write(tmp_path, "f.csv", content)).indicators}
    assert (inds["meldingen"].unit, inds["meldingen"].count, inds["meldingen"].decimals) == ("aantal", True, 0)
    assert (inds["aandeel_huurders"].unit, inds["aandeel_huurders"].decimals) == ("%", 1)
    assert (inds["gemiddelde"].unit, inds["gemiddelde"].count, inds["gemiddelde"].decimals) == ("", False, 2)
    assert all(i.direction == "neutral" and i.domain == "wonen" and i.derive == "value" for i in inds.values())


# ----------------------------------------------------------------------------- small numbers
def test_small_counts_suppressed_and_secondary_suppression(tmp_path):
    # Moerwijk's four buurten are all there, so the file gives the wijk total: one suppressed
    # buurt would be given away by total minus the others, so the smallest other is withheld.
    content = "buurtcode;meldingen\nBU05183620;40\nBU05183637;3\nBU05183638;10\nBU05183639;22\n"
    data = run(write(tmp_path, "f.csv", content))
    assert value(data, "BU05183637", "meldingen") == (None, "klein")
    assert value(data, "BU05183638", "meldingen") == (None, "geheim")
    assert value(data, "BU05183620", "meldingen") == (40.0, "ok")
    assert value(data, "WK051836", "meldingen") == (75.0, "ok")  # 40 + 3 + 10 + 22, summed before suppression
    assert data.complete_wijken == ("WK051836",) and data.complete_gemeenten == ()
    assert data.suppressed == 2
    lower = run(write(tmp_path, "g.csv", content), min_count=3)
    assert value(lower, "BU05183637", "meldingen") == (3.0, "ok")
    assert lower.suppressed == 0


def test_percentages_are_not_suppressed(tmp_path):
    data = run(write(tmp_path, "f.csv", "buurtcode;aandeel\n;%\nBU05183620;2\n"))
    assert value(data, "BU05183620", "aandeel") == (2.0, "ok")


# ----------------------------------------------------------------------------- records
def test_records_counted_per_code_year_and_value(tmp_path):
    lines = ["id;datum;buurtcode;soort"]
    made_up = [("2024-01-03", "BU05183620", "inbraak")] * 7 + [("2024-02-01", "BU05183620", "overlast")] * 2 \
        + [("03-05-2023", "BU05183637", "inbraak")] * 6 + [("2024-07-09", "bu05183637", "inbraak")] * 5
    lines += [f"{i};{d};{c};{s}" for i, (d, c, s) in enumerate(made_up)]
    path = write(tmp_path, "f.csv", "\n".join(lines) + "\n")
    data = run(path, count=True, count_by="soort", year=None)
    assert data.layout == "records" and data.periods == ("2023", "2024") and data.rows_read == 20
    got = {(r["region_code"], r["period"], r["indicator"]): (r["value"], r["status"])
           for r in data.frame.iter_rows(named=True)}
    assert got[("BU05183620", "2024", "inbraak")] == (7.0, "ok")
    assert got[("BU05183620", "2024", "overlast")] == (None, "klein")
    assert got[("BU05183637", "2023", "inbraak")] == (6.0, "ok")
    assert got[("BU05183637", "2024", "inbraak")] == (5.0, "ok")
    one_year = run(path, count=True, year=2024)
    assert one_year.periods == ("2024",)
    assert value(one_year, "BU05183637", "aantal") == (5.0, "ok")
    assert any("6 record(s) from other years than 2024" in w for w in one_year.warnings)


def test_records_zero_filled_in_covered_wijk(tmp_path):
    lines = ["buurtcode,datum"] + [f"{c},2024-05-01" for c in MOERWIJK for _ in range(6)] + ["BU05183620,2024-06-01"]
    data = run(write(tmp_path, "f.csv", "\n".join(lines) + "\n"), count=True, count_by=None)
    assert value(data, "BU05183620", "aantal") == (7.0, "ok")
    assert value(data, "WK051836", "aantal") == (25.0, "ok")


# ----------------------------------------------------------------------------- excel
def test_excel_example_with_names_and_second_sheet():
    example = EXAMPLES / "ggd_gezondheidsmonitor_2024.xlsx"
    table = partners.read_table(example)
    assert table.kind == "excel" and table.sheet == "Buurten"
    assert table.headers[:2] == ["Gemeente", "Buurt"] and table.header_line == 3
    with pytest.raises(PartnerDataError, match=r'no sheet "Cijfers"; the sheets are: "Buurten", "Toelichting"'):
        partners.read_table(example, sheet="Cijfers")
    data = partners.prepare(table, source="GGD", regions=REGIONS, catalogue=load(), domain="gezondheid",
                            year=2024, skip_unknown=True,
                            mapping=partners.Mapping(columns={"Respondenten": partners.ColumnSpec(skip=True)}))
    ids = {i.id for i in data.indicators}
    assert ids == {"ervaren_gezondheid_goed", "ernstig_eenzaam", "overgewicht"}
    assert all(i.unit == "%" for i in data.indicators)
    assert set(data.frame["region_code"]) >= set(MOERWIJK)  # names → codes; unknown ones skipped
    assert any("unknown region name" in w for w in data.warnings)


# ----------------------------------------------------------------------------- names, domains, mapping
def test_source_name_rules():
    assert partners.check_source_name("  Woonstad Rotterdam ") == "Woonstad Rotterdam"
    assert partners.check_source_name("GGD_Haaglanden-2") == "GGD_Haaglanden-2"
    for bad in ["", "a/b", "../x", "cbs_kwb", "Politie", "x" * 61]:
        with pytest.raises(UsageError):
            partners.check_source_name(bad)


def test_domain_by_id_or_title():
    cat = load()
    assert partners.resolve_domain("Leefomgeving & openbare ruimte", cat) == "leefomgeving"
    assert partners.resolve_domain("ARMOEDE", cat) == "armoede"
    with pytest.raises(UsageError, match="not a domain"):
        partners.resolve_domain("sport", cat)


def test_mapping_file_fields(tmp_path):
    path = write(tmp_path, "m.toml", """
year = 2023
code_column = "gebied"
[columns."Meldingen"]
id = "overlast"
label = "Overlastmeldingen"
domain = "Veiligheid & criminaliteit"
per_1000_inwoners = true
direction = "higher_worse"
decimals = 2
[columns."Notitie"]
skip = true
""")
    mapping = partners.read_mapping(path, load())
    spec = mapping.spec("meldingen")  # matched case-insensitively
    assert spec is not None and spec.domain == "veiligheid" and spec.per_1000_inwoners
    csv = write(tmp_path, "f.csv", "gebied;Meldingen;Notitie\nBU05183620;40;iets\n")
    data = run(csv, mapping=mapping, year=None, domain=None)
    (ind,) = data.indicators
    assert (ind.id, ind.label, ind.unit, ind.derive, ind.decimals, ind.count) == (
        "overlast", "Overlastmeldingen", "per 1.000 inwoners", "per_1000_inwoners", 2, True)
    assert data.periods == ("2023",)
    assert value(data, "BU05183620", "overlast") == (40.0, "ok")  # the raw count; compare derives the rate
    assert data.frame.schema == pl.Schema(TIDY_SCHEMA)
