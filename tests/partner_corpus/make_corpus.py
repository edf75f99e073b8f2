"""Write the malformed partner files of this corpus. ALL VALUES ARE MADE UP.

    pip install xlsxwriter && python tests/partner_corpus/make_corpus.py

The files are committed; tests read them and never run this script. Each file pairs with
an entry in ``cases.toml`` (expected message fragment, line and column). Codes are real
Den Haag buurtcodes so that only the intended fault is found.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

TEXT: dict[str, str] = {
    "header_only.csv": "buurtcode;meldingen\n",
    "blank_lines.csv": "\n\n   \n\n",
    "comments_only.csv": "# verzonnen\n# nog een opmerking\n",
    "not_a_number.csv": "# made-up values\nbuurtcode;meldingen\nBU05183620;12\nBU05183637;veel\n",
    "negative_count.csv": "buurtcode;meldingen\nBU05183620;12\nBU05183637;-3\n",
    "percent_over_100.csv": "buurtcode;tevreden\n;%\nBU05183620;45,5\nBU05183637;112,5\n",
    "percent_negative.csv": "buurtcode,aandeel (%)\nBU05183620,-4.5\nBU05183637,10.0\n",
    "duplicate_code.csv": "buurtcode;meldingen\nBU05183620;12\nBU05183637;8\nBU05183620;9\n",
    "duplicate_long.csv": "buurtcode;indicator;waarde\nBU05183620;meldingen;12\nBU05183620;klachten;3\n"
                          "BU05183620;meldingen;14\n",
    "no_key_column.csv": "omschrijving;meldingen\nnoord;12\nzuid;8\n",
    "mixed_years.csv": "buurtcode;jaar;meldingen\nBU05183620;2023;12\nBU05183637;2023;8\nBU05183638;2024;9\n",
    "unknown_code.csv": "buurtcode;meldingen\nBU05183620;12\nBU05183621;8\n",
    "uncached_gemeente.csv": "buurtcode;meldingen\nBU05183620;12\nBU05990110;8\n",
    "invalid_code.csv": "buurtcode;meldingen\nBU05183620;12\nBU123;8\n",
    "no_year.csv": "buurtcode;meldingen\nBU05183620;12\n",
    "year_conflict.csv": "buurtcode;jaar;meldingen\nBU05183620;2023;12\n",
    "mixed_decimals.csv": "buurtcode\tscore\nBU05183620\t12,5\nBU05183637\t3.25\n",
    "too_many_fields.csv": "buurtcode,score\nBU05183620,7\nBU05183637,12,5\n",
    "no_header_column.csv": "buurtcode;;meldingen\nBU05183620;;12\nBU05183637;let op;8\n",
    "extra_cells.csv": "buurtcode;meldingen;\nBU05183620;12;\nBU05183637;8;let op\n",
    "duplicate_header.csv": "buurtcode;meldingen;Meldingen\nBU05183620;12;3\n",
    "single_column.csv": "buurtcode\nBU05183620\nBU05183637\n",
    "no_domain.csv": "buurtcode;meldingen\nBU05183620;12\n",
    "fractional_count.csv": "buurtcode;meldingen\n;aantal\nBU05183620;12\nBU05183637;2,5\n",
    "figures_no_code.csv": "buurtcode;meldingen\nBU05183620;12\n;8\n",
    "unknown_name.csv": "buurt;meldingen\nMoerwijk-Oost;12\nMoerwijk Oostelijk;8\n",
    "bad_year_cell.csv": "buurtcode;jaar;meldingen\nBU05183620;2024;12\nBU05183637;vorig jaar;8\n",
    "only_text.csv": "buurtcode;opmerking\nBU05183620;rustig\nBU05183637;druk\n",
    "count_by_missing.csv": "buurtcode;datum;soort\nBU05183620;2024-01-05;inbraak\n",
    "records_invalid_code.csv": "buurtcode;datum\nBU05183620;2024-01-05\nBU05183620;2024-02-05\nGM05;2024-03-01\n",
    "mapped_text.csv": "buurtcode;meldingen;klachten\nBU05183620;12;geen\nBU05183637;8;3\n",
    "ambiguous_units.csv": "buurtcode;meldingen;percentage\nBU05183620;12;45\nBU05183637;8;101\n",
    "long_no_indicator.csv": "buurtcode;indicator;waarde\nBU05183620;meldingen;12\nBU05183637;;8\n",
    "multiline_bad.csv": 'buurtcode;toelichting;meldingen\nBU05183620;"twee\nregels";12\nBU05183637;"kort";x1\n',
}

MAPPINGS: dict[str, str] = {
    "unknown_key.toml": 'year = 2024\ncolour = "blue"\n',
    "unknown_domain.toml": 'year = 2024\n[columns."meldingen"]\ndomain = "sport"\n',
    "bad_toml.toml": 'year = 2024\n[columns."meldingen"\n',
    "mapped_text.toml": 'year = 2024\ndomain = "wonen"\n[columns."klachten"]\nlabel = "Klachten"\n',
    "count_percent.toml": 'year = 2024\n[columns."meldingen"]\ncount = true\nunit = "%"\n',
}

BYTES: dict[str, bytes] = {
    "empty.csv": b"",
    # 0x81 and 0x8D are defined neither in UTF-8 (as lead bytes here) nor in Windows-1252
    "bad_encoding.csv": b"buurtcode;meldingen\nBU05183620;12\nBU05183637;\x81\x8d\n",
    "binary.csv": b"buurtcode;meldingen\nBU05183620;12\n\x00\x01\x02\x03",
    "broken.xlsx": b"PK\x03\x04" + b"\x14\x00\x06\x00" + b"not really a workbook" * 20,
    "fake.xlsx": b"buurtcode;meldingen\nBU05183620;12\n",
}


def xlsx() -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(HERE / "not_number.xlsx"))
    sheet = book.add_worksheet("Cijfers")
    sheet.write(0, 0, "Verzonnen cijfers (made-up values)")
    sheet.write_row(2, 0, ["buurtcode", "meldingen", "aandeel (%)"])
    sheet.write_row(3, 0, ["BU05183620", 12, 45.5])
    sheet.write_row(4, 0, ["BU05183637", "veel", 50])
    book.add_worksheet("Toelichting").write(0, 0, "verzonnen")
    book.close()
    book = xlsxwriter.Workbook(str(HERE / "sheets.xlsx"))
    book.add_worksheet("Toelichting").write(0, 0, "verzonnen")
    sheet = book.add_worksheet("Buurten 2024")
    sheet.write_row(0, 0, ["buurtcode", "meldingen"])
    sheet.write_row(1, 0, ["BU05183620", 12])
    book.close()


def main() -> None:
    for name, text in TEXT.items():
        (HERE / name).write_text(text, encoding="utf-8")
    for name, text in MAPPINGS.items():
        (HERE / name).write_text(text, encoding="utf-8")
    for name, data in BYTES.items():
        (HERE / name).write_bytes(data)
    xlsx()


if __name__ == "__main__":
    main()
