"""Regenerate the example partner files in this folder. ALL VALUES ARE MADE UP.

    pip install xlsxwriter && python examples/make_examples.py

The figures are random numbers (fixed seed) for real Den Haag buurtcodes, so the
examples merge into a cache filled by `buurtscan fetch BU05183620`. They do not describe
any real corporatie, police team or GGD.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# wijk 36 Moerwijk (all four buurten), wijk 37 (one buurt) and wijk 38 Laakkwartier en Spoorwijk (all six)
BUURTEN = {
    "BU05183620": "Moerwijk-Oost", "BU05183637": "Moerwijk-West", "BU05183638": "Moerwijk-Noord",
    "BU05183639": "Moerwijk-Zuid", "BU05183819": "Laakhaven-Oost", "BU05183822": "Laakhaven-West",
    "BU05183823": "Spoorwijk", "BU05183824": "Laakkwartier-West", "BU05183825": "Laakkwartier-Oost",
    "BU05183826": "Noordpolderbuurt", "BU05183721": "Groente- en Fruitmarkt",
}


def corporatie(rng: random.Random) -> None:
    """Wide CSV as a Dutch Excel saves it: ';', decimal comma, Windows-1252, a unit row, a totals row."""
    lines = [
        "# VERZONNEN CIJFERS - voorbeeldbestand van een woningcorporatie voor buurtscan (geen echte gegevens)",
        "Buurtcode;Buurtnaam;Huurachterstanden;Overlastmeldingen;Gemiddelde huurachterstand (€);Aandeel sociale huur;;",
        ";;aantal;aantal;euro;%;;",
    ]
    totals = [0, 0]
    for code, name in BUURTEN.items():
        arrears = rng.randint(2, 160)
        nuisance = rng.randint(0, 60)
        totals[0] += arrears
        totals[1] += nuisance
        amount = f"{rng.randint(800, 2600)},{rng.randint(0, 99):02d}"
        share = f"{rng.uniform(30, 85):.1f}".replace(".", ",")
        if arrears > 999:
            arrears_txt = f"{arrears:,}".replace(",", ".")
        else:
            arrears_txt = str(arrears)
        lines.append(f"{code};{name};{arrears_txt};{nuisance};{amount};{share};;")
    lines.append(f"Totaal;;{totals[0]};{totals[1]};;;;")
    (HERE / "corporatie_2024.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def wijkagent(rng: random.Random) -> None:
    """Record-level CSV (one row per registered incident), ',' separated, UTF-8, quoted free text."""
    kinds = ["Woninginbraak", "Fietsendiefstal", "Burenruzie", "Jeugdoverlast", "Vernieling"]
    weights = [3, 6, 4, 5, 4]
    rows = ["registratienummer,datum,buurtcode,soort,omschrijving"]
    n = 0
    for year in (2023, 2024):
        for code in BUURTEN:
            if not code.startswith("BU051836"):  # the wijkagent of Moerwijk registers wijk 36 only
                continue
            for _ in range(rng.randint(40, 90)):
                n += 1
                day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
                kind = rng.choices(kinds, weights)[0]
                rows.append(f'{year}-{n:05d},{day.isoformat()},{code},{kind},"verzonnen melding, nr {n}"')
    (HERE / "wijkagent_incidenten.csv").write_text(
        "# VERZONNEN GEGEVENS - voorbeeld van een registratie van de wijkagent (geen echte incidenten)\n"
        + "\n".join(rows) + "\n", encoding="utf-8")


def ggd(rng: random.Random) -> None:
    """Excel workbook: buurt names + gemeente, a title row, a second sheet with notes."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(HERE / "ggd_gezondheidsmonitor_2024.xlsx"))
    sheet = book.add_worksheet("Buurten")
    pct = book.add_format({"num_format": "0.0"})
    sheet.write(0, 0, "Gezondheidsmonitor Volwassenen 2024 - VERZONNEN CIJFERS, voorbeeld voor buurtscan")
    header = ["Gemeente", "Buurt", "Ervaren gezondheid goed (%)", "Ernstig eenzaam (%)", "Overgewicht (%)",
              "Respondenten"]
    sheet.write_row(2, 0, header)
    for r, name in enumerate(BUURTEN.values(), start=3):
        sheet.write(r, 0, "Den Haag")
        sheet.write(r, 1, name)
        sheet.write_number(r, 2, round(rng.uniform(55, 80), 1), pct)
        sheet.write_number(r, 3, round(rng.uniform(8, 25), 1), pct)
        sheet.write_number(r, 4, round(rng.uniform(40, 65), 1), pct)
        sheet.write_number(r, 5, rng.randint(3, 240))
    notes = book.add_worksheet("Toelichting")
    notes.write(0, 0, "Alle cijfers in dit bestand zijn verzonnen; het is een voorbeeld voor buurtscan.")
    book.close()


def ggd_long(rng: random.Random) -> None:
    """Long layout (code, indicator, value, year), tab separated, UTF-8 with BOM, decimal point."""
    lines = ["# MADE-UP VALUES - example of a long-format GGD export for buurtscan",
             "wijkcode\tindicator\twaarde\tjaar"]
    for wk in ("WK051836", "WK051838"):
        lines.append(f"{wk}\tRookt dagelijks (%)\t{rng.uniform(10, 30):.1f}\t2024")
        lines.append(f"{wk}\tMantelzorger (%)\t{rng.uniform(10, 20):.1f}\t2024")
    lines.append(f"GM0518\tRookt dagelijks (%)\t{rng.uniform(12, 18):.1f}\t2024")
    lines.append(f"GM0518\tMantelzorger (%)\t{rng.uniform(12, 16):.1f}\t2024")
    (HERE / "ggd_wijken_lang.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")


def main() -> None:
    rng = random.Random(20241)
    corporatie(rng)
    wijkagent(rng)
    ggd(rng)
    ggd_long(rng)


if __name__ == "__main__":
    main()
