#!/usr/bin/env python3
"""Derive the API-shaped test fixtures in ``tests/fixtures/`` from the real data files.

Usage (from the repository root)::

    python scripts/make_fixtures.py [SOURCE_DIR] [--out OUT_DIR]

SOURCE_DIR defaults to ``../shared/data/real`` relative to the repository root,
OUT_DIR to ``tests/fixtures``.  Only ``OUT_DIR/odata`` and ``OUT_DIR/leefbaarometer``
are (re)written; ``tests/fixtures/README.md`` is maintained by hand and documents, per
fixture file, which real file it came from and what was *constructed*.

The output is deterministic: running the script twice gives byte-identical files
(sorted iteration, fixed JSON layout, gzip with mtime=0, zip entries with a fixed date).

Standard library, except one step: which buurten' RIVM rows of the national file are added to
50090NED (the vergelijkbare buurten of the example's buurten, :func:`similar_rivm_codes`) is
chosen with buurtscan's own ``similar.nearest`` (numpy, polars) — the values themselves are
copied from the real file like every other row.  The project never reads ``../shared`` at run
or test time: this script is run by hand and its output is committed.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO.parent / "shared" / "data" / "real"
DEFAULT_OUT = REPO / "tests" / "fixtures"

CBS_HOST = "https://opendata.cbs.nl"
DATADERDEN_HOST = "https://dataderden.cbs.nl"

# Marker put into free-text fields of records that are constructed, not real CBS output.
CONSTRUCTED = "[testfixture: geconstrueerd, geen echte CBS-uitvoer]"

REPORT: list[str] = []  # figures checked, printed at the end


def note(msg: str) -> None:
    REPORT.append(msg)


# --------------------------------------------------------------------------- reading


def read_text(path: Path) -> str:
    text = path.read_bytes().decode("utf-8")
    text = text.removeprefix("\ufeff")
    return text


def read_semicolon_csv(path: Path) -> list[list[str]]:
    """StatLine / CBS CSV export: ';'-separated, all fields quoted, UTF-8 with BOM."""
    return list(csv.reader(io.StringIO(read_text(path), newline=""), delimiter=";"))


def parse_r_csv(path: Path) -> tuple[list[str], list[list[tuple[str, bool]]]]:
    """Parse a CSV written by R (cbsodataR), keeping whether each field was quoted.

    In these files strings are quoted and numbers/NA are not: ``""`` is an empty string,
    an empty unquoted field is NA (JSON null), ``12`` is a number, ``FALSE`` a boolean.
    The stdlib csv module cannot tell ``""`` from an empty field, hence this small parser.

    Files written with Windows line ends had *every* ``\\n`` turned into ``\\r\\n``, also
    inside fields (an original ``\\r\\n`` became ``\\r\\r\\n``); that is undone here so the
    text equals what the OData JSON delivered (cf. the real 85984NED TableInfos JSON:
    Summary uses ``\\n``, Description ``\\r\\n``).
    """
    text = read_text(path)
    first_line = text.split("\n", 1)[0]
    if first_line.endswith("\r"):
        text = text.replace("\r\n", "\n")
    records: list[list[tuple[str, bool]]] = []
    row: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            buf = []
            while True:
                k = text.index('"', j)
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            row.append(("".join(buf), True))
        else:
            j = i
            while j < n and text[j] not in ",\n":
                j += 1
            row.append((text[i:j], False))
            i = j
        if i >= n:
            records.append(row)
            break
        if text[i] == ",":
            i += 1
            if i >= n:  # trailing comma at EOF
                row.append(("", False))
                records.append(row)
            continue
        if text[i] == "\n":
            records.append(row)
            row = []
            i += 1
            continue
        raise ValueError(f"{path}: unexpected character {text[i]!r} at {i}")
    header = [v for v, _ in records[0]]
    rows = [r for r in records[1:] if r and r != [("", False)]]
    for r in rows:
        if len(r) != len(header):
            raise ValueError(f"{path}: row with {len(r)} fields, header has {len(header)}: {r[:3]}")
    return header, rows


def r_value(field: tuple[str, bool]):
    """Typed value of an R-written CSV field (see parse_r_csv)."""
    value, quoted = field
    if quoted:
        return value
    if value in ("", "NA"):
        return None
    if value == "TRUE":
        return True
    if value == "FALSE":
        return False
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return float(value)


# --------------------------------------------------------------------------- typing


def to_long(s: str):
    s = s.strip()
    if s in (".", "", "x", "-"):
        return None
    return int(s)


def to_double(s: str, decimal_comma: bool = False):
    s = s.strip()
    if s in (".", "", "x", "-"):
        return None
    if decimal_comma:
        s = s.replace(",", ".")
    return float(s)


def to_string(s: str):
    """String topic: keep CBS padding, '.' (missing) -> null."""
    if s.strip() in (".", ""):
        return None
    return s


def pad10(code: str) -> str:
    return code.strip().ljust(10)


# --------------------------------------------------------------------------- writing


def envelope(catalog: str, table: str | None, entity_set: str, rows: list) -> dict:
    host = CBS_HOST if catalog == "cbs" else DATADERDEN_HOST
    if table is None:
        meta = f"{host}/ODataCatalog/$metadata#{entity_set}"
    else:
        meta = f"{host}/ODataApi/odata/{table}/$metadata#Cbs.OData.WebAPI.{entity_set}"
    return {"odata.metadata": meta, "value": rows}


def dumps_metadata(env: dict) -> bytes:
    return (json.dumps(env, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def dumps_rows(env: dict) -> bytes:
    """One row per line: compact, diff-friendly, still plain JSON."""
    head = json.dumps(env["odata.metadata"], ensure_ascii=False)
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in env["value"]]
    body = ",\n".join(lines)
    return f'{{"odata.metadata":{head},"value":[\n{body}\n]}}\n'.encode()


class Writer:
    def __init__(self, out: Path):
        self.out = out
        self.written: list[tuple[str, int]] = []

    def write(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.written.append((rel, len(data)))

    def entity(self, catalog: str, table: str, entity_set: str, rows: list, gz: bool = False) -> None:
        env = envelope(catalog, table, entity_set, rows)
        rowwise = entity_set not in ("TableInfos", "DataProperties")
        data = dumps_rows(env) if rowwise else dumps_metadata(env)
        rel = f"odata/{catalog}/{table}/{entity_set}.json"
        if gz:
            buf = io.BytesIO()
            with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
                f.write(data)
            data = buf.getvalue()
            rel += ".gz"
        self.write(rel, data)

    def catalog(self, catalog: str, rows: list) -> None:
        self.write(
            f"odata/{catalog}/catalog_Tables.json", dumps_metadata(envelope(catalog, None, "Tables", rows))
        )


# --------------------------------------------------------------------------- helpers


def camel_words(key: str) -> list[str]:
    stem = key.rsplit("_", 1)[0] if re.search(r"_\d+$", key) else key
    stem = stem.removeprefix("k_")
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", stem)


def title_from_key(key: str) -> str:
    words = camel_words(key)
    out = [words[0]] + [w if (w.isupper() and len(w) > 1) else w.lower() for w in words[1:]]
    return " ".join(out)


def key_from_title(title: str, number: int) -> str:
    """CBS-style topic key: words of the title in CamelCase, accents removed, '_N' suffix."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", plain)
    stem = "".join(w[0].upper() + w[1:] for w in words)
    if stem[:1].isdigit():
        stem = "k_" + stem
    return f"{stem}_{number}"


def stem_of(key: str) -> str:
    return re.sub(r"_\d+$", "", key)


def dp_base(
    odata_type: str, id_: int, position, parent, type_: str, key: str, title: str, description
) -> dict:
    return {
        "odata.type": odata_type,
        "ID": id_,
        "Position": position,
        "ParentID": parent,
        "Type": type_,
        "Key": key,
        "Title": title,
        "Description": description,
    }


def dp_topic(
    id_,
    position,
    parent,
    key,
    title,
    datatype,
    unit,
    decimals,
    description="",
    default="Impossible",
    presentation=None,
) -> dict:
    rec = dp_base("Cbs.OData.Topic", id_, position, parent, "Topic", key, title, description)
    if presentation is None:
        presentation = "" if datatype == "String" else ("Relative" if unit in ("%",) else "Absolute")
    rec.update(
        {
            "Datatype": datatype,
            "Unit": unit,
            "Decimals": decimals,
            "Default": default,
            "PresentationType": presentation,
        }
    )
    return rec


def dp_group(id_, parent, title, description="") -> dict:
    return dp_base("Cbs.OData.TopicGroup", id_, None, parent, "TopicGroup", "", title, description)


def region_records(regions: list[tuple[str, str]]) -> list[dict]:
    """WijkenEnBuurten code list in the shape of the real 47018NED list (constructed text).

    ``regions``: (code, name) in table order; a wijk's/buurt's gemeente and wijk are derived
    from the code (GMxxxx, WKxxxxyy, BUxxxxyyzz).
    """
    names = {c: n for c, n in regions}
    out = []
    for code, name in regions:
        if code.startswith(("NL",)):
            out.append(
                {
                    "Key": pad10(code),
                    "Title": name,
                    "Description": None,
                    "Municipality": "",
                    "DetailRegionCode": "",
                }
            )
            continue
        gm = "GM" + code[2:6]
        gm_name = names.get(gm, gm)
        if code.startswith("GM"):
            desc = f"Gemeente '{name}' ({code})"
        elif code.startswith("WK"):
            desc = f"Wijk '{name}' ({code}) is een wijk in de gemeente '{gm_name}'."
        else:
            wk = "WK" + code[2:8]
            desc = (
                f"Buurt '{name}' ({code}) is een buurt in wijk '{names.get(wk, wk)}' "
                f"in de gemeente '{gm_name}'."
            )
        out.append(
            {
                "Key": pad10(code),
                "Title": name,
                "Description": desc,
                "Municipality": gm,
                "DetailRegionCode": code,
            }
        )
    return out


def catalog_record(
    num: int, info: dict, catalog: str, table: str, record_count: int, column_count: int
) -> dict:
    host = CBS_HOST if catalog == "cbs" else DATADERDEN_HOST
    return {
        "Updated": info["Modified"],
        "ID": num,
        "Identifier": info["Identifier"],
        "Title": info["Title"],
        "ShortTitle": info["ShortTitle"],
        "ShortDescription": info["ShortDescription"],
        "Summary": info["Summary"],
        "Modified": info["Modified"],
        "MetaDataModified": info["MetaDataModified"],
        "ReasonDelivery": info["ReasonDelivery"],
        "ExplanatoryText": info["ExplanatoryText"],
        "OutputStatus": info["OutputStatus"],
        "Source": info["Source"],
        "Language": info["Language"],
        "Catalog": info["Catalog"],
        "Frequency": info["Frequency"],
        "Period": info["Period"],
        "SummaryAndLinks": info["Summary"].replace("\n", "<br />"),
        "ApiUrl": f"{host}/ODataApi/odata/{table}",
        "FeedUrl": f"{host}/ODataFeed/odata/{table}",
        "DefaultPresentation": info["DefaultPresentation"],
        "DefaultSelection": info["DefaultSelection"],
        "GraphTypes": info["GraphTypes"],
        "RecordCount": record_count,
        "ColumnCount": column_count,
        "SearchPriority": info["SearchPriority"],
    }


def constructed_tableinfos(
    identifier,
    title,
    short_title,
    summary,
    modified,
    period,
    catalog,
    frequency="Onregelmatig",
    source="CBS.",
    description="",
) -> dict:
    return {
        "ID": 0,
        "Title": title,
        "ShortTitle": short_title,
        "Identifier": identifier,
        "Summary": summary,
        "Modified": modified,
        "ReasonDelivery": "Actualisering",
        "ExplanatoryText": "",
        "Language": "nl",
        "Catalog": catalog,
        "Frequency": frequency,
        "Period": period,
        "ShortDescription": f"\n{summary}\n\nGegevens beschikbaar over: {period}.\n\n{CONSTRUCTED}\n",
        "Description": (description + "\r\n\r\n" if description else "") + CONSTRUCTED,
        "DefaultPresentation": "graphtype=Table&r=Topics&k=WijkenEnBuurten",
        "DefaultSelection": "$filter=((WijkenEnBuurten eq 'NL00      '))",
        "GraphTypes": "Table,Map",
        "OutputStatus": "Regulier",
        "Source": source,
        "MetaDataModified": modified,
        "SearchPriority": "2",
    }


def empty_category_groups(w: Writer, catalog: str, table: str) -> None:
    w.entity(catalog, table, "CategoryGroups", [])


# --------------------------------------------------------------------------- 85984NED


def build_85984(src: Path, w: Writer) -> tuple[dict, list[dict], dict[str, str]]:
    """85984NED; the returned region list is used to check the constructed records."""
    d = src / "cbs-kwb-2024"
    dataprops = json.loads((d / "85984NED_DataProperties.json").read_text("utf-8"))
    tableinfos = json.loads((d / "85984NED_TableInfos.json").read_text("utf-8"))
    assert len(dataprops) == 172 and len(tableinfos) == 1
    topics = [p for p in dataprops if p["Type"] == "Topic"]
    assert len(topics) == 128
    dtype = {p["Key"]: p["Datatype"] for p in topics}

    g = read_semicolon_csv(d / "Kerncijfers_wijken_en_buurten_2024_geslachten.csv")
    h = read_semicolon_csv(d / "Kerncijfers_wijken_en_buurten_2024_11122025_141648.csv")
    g_head, g_rows = g[0], g[1:]
    h_head, h_rows = h[0], h[1:]
    assert len(g_rows) == 18310 and len(h_rows) == 18310, (len(g_rows), len(h_rows))
    assert g_head[5] == "Bevolking/Aantal inwoners (aantal)" and len(g_head) == 13
    assert h_head[3].startswith("Bevolking/Bevolking naar herkomst/Herkomstland/Nederland")
    # join the herkomst export by row order: verify name, gemeentenaam and inwoners agree
    for i, (a, b) in enumerate(zip(g_rows, h_rows)):
        if (a[0], a[1], a[5]) != (b[0], b[1], b[2]):
            raise AssertionError(f"row {i}: geslachten {a[:2]} != herkomst {b[:2]}")
    note(
        "85984NED: herkomst export joined by row order; name, gemeentenaam and inwoners "
        "agree on all 18,310 rows"
    )

    extra = json.loads((d / "85984NED_gm_wk_8cols_6gemeenten.json").read_text("utf-8"))
    assert len(extra) == 155

    g_cols = [
        "Gemeentenaam_1",
        "SoortRegio_2",
        "Codering_3",
        "IndelingswijzigingGemeenteWijkBuurt_4",
        "AantalInwoners_5",
        "Mannen_6",
        "Vrouwen_7",
        "k_0Tot15Jaar_8",
        "k_15Tot25Jaar_9",
        "k_25Tot45Jaar_10",
        "k_45Tot65Jaar_11",
        "k_65JaarOfOuder_12",
    ]
    h_cols = ["Nederland_17", "EuropaExclusiefNederland_18", "BuitenEuropa_19"]
    x_cols = [
        "Bevolkingsdichtheid_34",
        "Woningvoorraad_35",
        "OppervlakteTotaal_122",
        "OppervlakteLand_123",
        "OppervlakteWater_124",
    ]
    for k in g_cols + h_cols + x_cols:
        assert k in dtype, k

    def typed(key: str, s: str):
        t = dtype[key]
        if t == "Long":
            return to_long(s)
        if t == "Double":
            return to_double(s)
        return to_string(s)

    rows = []
    regions = []
    counts: dict[str, int] = {}
    for i, (a, b) in enumerate(zip(g_rows, h_rows)):
        code = a[3].strip()
        row = {"ID": i, "WijkenEnBuurten": pad10(code)}
        for p in topics:
            row[p["Key"]] = None
        for k, s in zip(g_cols, a[1:13]):
            row[k] = typed(k, s)
        for k, s in zip(h_cols, b[3:6]):
            row[k] = typed(k, s)
        if code in extra:
            ex = extra.pop(code)
            for k in ("AantalInwoners_5", "Mannen_6", "Vrouwen_7"):
                assert ex[k] == row[k], (code, k, ex[k], row[k])
            for k in x_cols:
                v = ex[k]
                assert v is None or isinstance(v, int), (code, k, v)
                row[k] = v
        rows.append(row)
        regions.append((code, a[0]))
        kind = a[2].strip()
        counts[kind] = counts.get(kind, 0) + 1
    assert not extra, f"gm/wk extract has codes not in the national CSV: {sorted(extra)[:5]}"
    note(
        "85984NED: the 155 GM/WK of the 8-column extract have the same inwoners/mannen/vrouwen "
        "as the national CSV"
    )
    assert counts == {"Land": 1, "Gemeente": 342, "Wijk": 3393, "Buurt": 14574}, counts
    note(f"85984NED: {len(rows):,} regions = {counts}")

    by_code = {r["WijkenEnBuurten"].strip(): r for r in rows}
    assert by_code["NL00"]["AantalInwoners_5"] == 17942942
    assert by_code["BU05183620"]["AantalInwoners_5"] == 3360
    assert by_code["BU05183620"]["Gemeentenaam_1"] == "'s-Gravenhage".ljust(40)
    assert by_code["GM0518"]["Bevolkingsdichtheid_34"] is not None
    note("85984NED: NL00 AantalInwoners_5 = 17,942,942; BU05183620 Moerwijk-Oost = 3,360 inwoners")
    nl = by_code["NL00"]
    note(
        f"85984NED: NL00 herkomst NL+Europa+buiten = "
        f"{nl['Nederland_17'] + nl['EuropaExclusiefNederland_18'] + nl['BuitenEuropa_19']:,} "
        f"(inwoners {nl['AantalInwoners_5']:,})"
    )

    region_list = region_records(regions)
    # The real 47018NED region list (same 2024 indeling) covers NL00 and the six gemeenten:
    # use those real records where the Title agrees (CBS cuts Title at 40 characters and
    # keeps the full name in Description, which the constructed text cannot know).
    _, real_rows = parse_r_csv(src / "politie-misdrijven-2023" / "47018NED_WijkenEnBuurten_6gemeenten.csv")
    head = ["Key", "Title", "Description", "Municipality", "DetailRegionCode"]
    real = {r["Key"]: r for r in ({k: r_value(f) for k, f in zip(head, row)} for row in real_rows)}
    same = replaced = 0
    for i, rec in enumerate(region_list):
        r = real.get(rec["Key"])
        if r is not None and r["Title"] == rec["Title"]:
            if r == rec:
                same += 1
            else:
                replaced += 1
            region_list[i] = r
    assert same + replaced == len(real), (same, replaced, len(real))
    note(
        f"85984NED WijkenEnBuurten: constructed records equal the real 47018NED records for "
        f"{same} of {len(real)} regions (NL00 + six gemeenten); {replaced} differ only because the "
        f"real Title is cut at 40 characters while Description has the full name; the real "
        f"records are used for all {len(real)}"
    )
    w.entity("cbs", "85984NED", "TableInfos", tableinfos)
    w.entity("cbs", "85984NED", "DataProperties", dataprops)
    w.entity("cbs", "85984NED", "WijkenEnBuurten", region_list, gz=True)
    w.entity("cbs", "85984NED", "TypedDataSet", rows, gz=True)
    empty_category_groups(w, "cbs", "85984NED")
    names = {c: n for c, n in regions}
    return tableinfos[0], region_list, names


# --------------------------------------------------------------------------- 84583NED (2019)

# 2019 topic groups, constructed after the 2024 layout: (path of group titles, first key nr, last key nr)
GROUPS_2019 = [
    (("Regioaanduiding",), 1, 4),
    (("Bevolking",), 5, 5),
    (("Bevolking", "Geslacht"), 6, 7),
    (("Bevolking", "Leeftijdsgroepen"), 8, 12),
    (("Bevolking", "Burgerlijke staat"), 13, 16),
    (("Bevolking", "Migratieachtergrond"), 17, 18),
    (("Bevolking", "Migratieachtergrond", "Niet-westers totaal"), 19, 23),
    (("Bevolking", "Geboorte en sterfte"), 24, 27),
    (("Bevolking", "Particuliere huishoudens"), 28, 32),
    (("Bevolking",), 33, 33),
    (("Wonen",), 34, 35),
    (("Wonen", "Woningen naar type"), 36, 37),
    (("Wonen", "Woningen naar bewoning"), 38, 39),
    (("Wonen", "Woningen naar eigendom"), 40, 40),
    (("Wonen", "Woningen naar eigendom", "Huurwoningen"), 41, 43),
    (("Wonen", "Woningen naar eigendom"), 44, 44),
    (("Wonen", "Woningen naar bouwjaar"), 45, 46),
    (("Energie", "Gemiddeld elektriciteitsverbruik"), 47, 47),
    (("Energie", "Gemiddeld elektriciteitsverbruik", "Naar woningtype"), 48, 52),
    (("Energie", "Gemiddeld elektriciteitsverbruik", "Naar eigendom"), 53, 54),
    (("Energie", "Gemiddeld aardgasverbruik"), 55, 55),
    (("Energie", "Gemiddeld aardgasverbruik", "Naar woningtype"), 56, 60),
    (("Energie", "Gemiddeld aardgasverbruik", "Naar eigendom"), 61, 62),
    (("Energie", "Gemiddeld aardgasverbruik"), 63, 63),
    (("Onderwijs", "Opleidingsniveau"), 64, 66),
    (("Arbeid",), 67, 67),
    (("Arbeid", "Onderverdeling werkenden"), 68, 69),
    (("Inkomen", "Inkomen van personen"), 70, 74),
    (("Inkomen", "Inkomen van huishoudens"), 75, 82),
    (("Sociale zekerheid",), 83, 86),
    (("Zorg",), 87, 90),
    (("Bedrijfsvestigingen",), 91, 91),
    (("Bedrijfsvestigingen", "Bedrijfsvestigingen naar activiteit"), 92, 98),
    (("Motorvoertuigen", "Personenauto's"), 99, 99),
    (("Motorvoertuigen", "Personenauto's", "Personenauto's; brandstoftype"), 100, 101),
    (("Motorvoertuigen", "Personenauto's"), 102, 103),
    (("Motorvoertuigen",), 104, 104),
    (("Nabijheid voorzieningen",), 105, 107),
    (("Nabijheid voorzieningen", "Basisonderwijs"), 108, 109),
    (("Oppervlakte",), 110, 112),
    (("Postcode",), 113, 114),
    (("Stedelijkheid",), 115, 116),
]

# 2019 topics whose stem has no 2024 counterpart: (Title, Unit); Datatype/Decimals follow the data.
TOPICS_2019 = {
    "IndelingswijzigingWijkenEnBuurten": ("Indelingswijziging wijken en buurten", "code"),
    "WestersTotaal": ("Westers totaal", "aantal"),
    "NietWestersTotaal": ("Niet-westers totaal", "aantal"),
    "Marokko": ("Marokko", "aantal"),
    "NederlandseAntillenEnAruba": ("Nederlandse Antillen en Aruba", "aantal"),
    "Suriname": ("Suriname", "aantal"),
    "Turkije": ("Turkije", "aantal"),
    "OverigNietWesters": ("Overig niet-westers", "aantal"),
    "GemiddeldeWoningwaarde": ("Gemiddelde woningwaarde", "x 1 000 euro"),
    "PercentageBewoond": ("Percentage bewoond", "%"),
    "PercentageOnbewoond": ("Percentage onbewoond", "%"),
    "EigendomOnbekend": ("Eigendom onbekend", "%"),
    "BouwjaarVoor2000": ("Bouwjaar voor 2000", "%"),
    "BouwjaarVanaf2000": ("Bouwjaar vanaf 2000", "%"),
    "GemiddeldElektriciteitsverbruikTotaal": ("Gemiddeld elektriciteitsverbruik totaal", "kWh"),
    "OpleidingsniveauLaag": ("Opleidingsniveau laag", "aantal"),
    "OpleidingsniveauMiddelbaar": ("Opleidingsniveau middelbaar", "aantal"),
    "OpleidingsniveauHoog": ("Opleidingsniveau hoog", "aantal"),
}

STRING_TOPICS_2019 = {
    "Gemeentenaam_1",
    "SoortRegio_2",
    "Codering_3",
    "IndelingswijzigingWijkenEnBuurten_4",
    "MeestVoorkomendePostcode_113",
}


def build_84583(src: Path, w: Writer, dp2024: list[dict], names2024: dict[str, str]) -> tuple[dict, int, int]:
    raw = read_semicolon_csv(
        src / "cbs-kwb-2019-denhaag" / "marginal_distributions_TheHague_2019_84583NED.csv"
    )
    head, data = raw[0], raw[1:]
    assert head[:2] == ["ID", "WijkenEnBuurten"] and len(data) == 159, (head[:2], len(data))
    topic_keys = head[2:]
    assert len(topic_keys) == 116 and topic_keys[-1] == "Omgevingsadressendichtheid_116"

    # column types from the data: decimal point anywhere -> Double, else Long
    col_type = {}
    for j, k in enumerate(head):
        if k == "WijkenEnBuurten" or k in STRING_TOPICS_2019:
            col_type[k] = "String"
            continue
        vals = [r[j].strip() for r in data if r[j].strip() not in (".", "")]
        for v in vals:
            assert re.fullmatch(r"-?\d+(\.\d+)?", v), (k, v)
        col_type[k] = "Double" if any("." in v for v in vals) else "Long"

    # 2024 topics by stem, in order (duplicated stems: k-th occurrence maps to k-th occurrence)
    t2024: dict[str, list[dict]] = {}
    for p in dp2024:
        if p["Type"] == "Topic":
            t2024.setdefault(stem_of(p["Key"]), []).append(p)
    seen: dict[str, int] = {}
    borrowed, derived, type_conflicts = 0, 0, []

    group_of = {}
    for path, lo, hi in GROUPS_2019:
        for nr in range(lo, hi + 1):
            group_of[nr] = path
    props: list[dict] = [
        dp_base("Cbs.OData.GeoDetail", 0, 0, None, "GeoDetail", "WijkenEnBuurten", "Wijken en buurten", "")
    ]
    props[0]["MapYear"] = 2019
    group_ids: dict[tuple, int] = {}
    next_id = 1

    def ensure_group(path: tuple) -> int | None:
        nonlocal next_id
        parent = None
        for depth in range(1, len(path) + 1):
            sub = path[:depth]
            if sub not in group_ids:
                group_ids[sub] = next_id
                props.append(dp_group(next_id, parent, sub[-1], CONSTRUCTED))
                next_id += 1
            parent = group_ids[sub]
        return parent

    for pos, key in enumerate(topic_keys, start=1):
        nr = int(key.rsplit("_", 1)[1])
        assert nr == pos, (key, pos)
        parent = ensure_group(group_of[nr])
        stem = stem_of(key)
        k = seen.get(stem, 0)
        seen[stem] = k + 1
        cands = t2024.get(stem, [])
        dt = col_type[key]
        if stem in TOPICS_2019:
            title, unit = TOPICS_2019[stem]
            decimals = 1 if dt == "Double" else 0
            derived += 1
        elif k < len(cands):
            src_p = cands[k]
            title, unit = src_p["Title"], src_p["Unit"]
            decimals = src_p["Decimals"]
            if src_p["Datatype"] != dt:
                type_conflicts.append(f"{key}: data says {dt}, 2024 {src_p['Key']} is {src_p['Datatype']}")
                decimals = 1 if dt == "Double" else 0
            borrowed += 1
        else:
            raise AssertionError(f"no title for 2019 topic {key}: add it to TOPICS_2019")
        props.append(dp_topic(next_id, pos, parent, key, title, dt, unit, decimals, description=CONSTRUCTED))
        next_id += 1
    note(
        f"84583NED: DataProperties constructed: {borrowed} topic titles borrowed from 85984NED by stem, "
        f"{derived} derived from the key; data type differs from 2024 for: {type_conflicts or 'none'}"
    )
    app = [p for p in props if p["Type"] == "Topic" and p["Key"] in ("Appartement_48", "Appartement_56")]
    assert [p["Unit"] for p in app] == ["kWh", "m³"], app

    rows = []
    regions = []
    for r in data:
        row = {}
        for k, v in zip(head, r):
            t = "Long" if k == "ID" else col_type[k]
            if k == "WijkenEnBuurten":
                row[k] = v
            elif t == "String":
                row[k] = to_string(v)
            elif t == "Long":
                row[k] = to_long(v)
            else:
                row[k] = to_double(v)
        rows.append(row)
        code = row["WijkenEnBuurten"].strip()
        regions.append((code, names2024.get(code, code)))
    by = {r["WijkenEnBuurten"].strip(): r for r in rows}
    assert by["GM0518"]["AantalInwoners_5"] == 537833
    assert by["BU05183620"]["AantalInwoners_5"] == 3245
    assert by["BU05183620"]["GemiddeldeWoningwaarde_35"] is not None
    kinds = {}
    for r in rows:
        kinds[r["SoortRegio_2"].strip()] = kinds.get(r["SoortRegio_2"].strip(), 0) + 1
    assert kinds == {"Gemeente": 1, "Wijk": 44, "Buurt": 114}, kinds
    unnamed = [c for c, n in regions if n == c]
    note(
        f"84583NED: 159 rows {kinds}; GM0518 537,833 and BU05183620 3,245 inwoners (2019); "
        f"{len(unnamed)} region names not found in the 2024 list"
    )

    info = constructed_tableinfos(
        "84583NED",
        "Kerncijfers wijken en buurten 2019",
        "Kerncijfers wijken en buurten 2019",
        "Kerncijfers over demografische en sociaal-economische kenmerken\n"
        "Uitgesplitst naar gemeenten, wijken en buurten",
        "2021-06-30T02:00:00",
        "2019",
        "CBS",
    )
    BUILT["84583NED/DataProperties"] = props
    w.entity("cbs", "84583NED", "TableInfos", [info])
    w.entity("cbs", "84583NED", "DataProperties", props)
    w.entity("cbs", "84583NED", "WijkenEnBuurten", region_records(regions))
    w.entity("cbs", "84583NED", "TypedDataSet", rows)
    empty_category_groups(w, "cbs", "84583NED")
    return info, len(rows), len(head)


# --------------------------------------------------------------------------- 85039NED

BUILT: dict[str, list[dict]] = {}  # what one builder hands to the next (the 2019 DataProperties)


def build_85039(src: Path, w: Writer, names2024: dict[str, str]) -> tuple[dict, int, int]:
    """Den Haag, 22 columns of a later Kerncijfers year (2021 inferred, see SOURCES.md)."""
    raw = read_semicolon_csv(src / "cbs-kwb-2021-denhaag" / "marginal_distributions_84583NED.csv")
    head, data = raw[0], raw[1:]
    assert head[:2] == ["ID", "WijkenEnBuurten"] and len(head) == 22 and len(data) == 159, (len(head), len(data))
    props2019 = BUILT["84583NED/DataProperties"]
    by_key = {p["Key"]: p for p in props2019 if p.get("Type") == "Topic"}
    keep = set(head[2:])
    assert keep <= set(by_key), sorted(keep - set(by_key))
    # the file's keys are those of the 2019 numbering: its topics (titles, units, groups) are
    # taken from the constructed 2019 DataProperties, the groups kept so ancestors still resolve
    props = [dict(p) for p in props2019 if p.get("Type") != "Topic" or p["Key"] in keep]
    for p in props:
        if p.get("Type") == "GeoDetail":
            p["MapYear"] = 2021
    rows, regions = [], []
    for r in data:
        row: dict = {}
        for k, v in zip(head, r):
            if k == "WijkenEnBuurten":
                row[k] = v
            elif k == "ID":
                row[k] = to_long(v)
            else:
                dt = by_key[k]["Datatype"]
                row[k] = to_string(v) if dt == "String" else to_long(v) if dt == "Long" else to_double(v)
        rows.append(row)
        code = row["WijkenEnBuurten"].strip()
        regions.append((code, names2024.get(code, code)))
    by = {r["WijkenEnBuurten"].strip(): r for r in rows}
    assert by["GM0518"]["AantalInwoners_5"] == 548320 and by["BU05183620"]["AantalInwoners_5"] == 2855
    note("85039NED: 159 rows, 20 topics (Den Haag, year 2021 inferred); DataProperties from the 2019 ones")
    info = constructed_tableinfos(
        "85039NED",
        "Kerncijfers wijken en buurten 2021",
        "Kerncijfers wijken en buurten 2021",
        "Kerncijfers over demografische en sociaal-economische kenmerken\n"
        "Uitgesplitst naar gemeenten, wijken en buurten",
        "2022-06-30T02:00:00",
        "2021",
        "CBS",
    )
    w.entity("cbs", "85039NED", "TableInfos", [info])
    w.entity("cbs", "85039NED", "DataProperties", props)
    w.entity("cbs", "85039NED", "WijkenEnBuurten", region_records(regions))
    w.entity("cbs", "85039NED", "TypedDataSet", rows)
    empty_category_groups(w, "cbs", "85039NED")
    return info, len(rows), len(head)


# --------------------------------------------------------------------------- 85231NED


def build_85231(src: Path, w: Writer) -> tuple[dict, int, int]:
    raw = read_semicolon_csv(
        src / "nabijheid-2021" / "Nabijheid_voorzieningen_2021_85231NED_kolom_Nederland.csv"
    )
    assert raw[0] == ["Nabijheid voorzieningen; afstand locatie, wijk- en buurtcijfers 2021"]
    assert raw[3] == ["Onderwerp", "", "Nederland"] and raw[-1] == ["Bron: CBS"]
    body = raw[4:-1]
    assert len(body) == 114, len(body)
    region_rows, topic_rows = body[:4], body[4:]
    assert [r[0] for r in region_rows] == [
        "Regioaanduiding|Gemeentenaam",
        "Regioaanduiding|Soort regio",
        "Regioaanduiding|Codering",
        "Regioaanduiding|Indelingswijziging wijken en buurten",
    ]
    assert len(topic_rows) == 110

    props = [
        dp_base("Cbs.OData.GeoDetail", 0, 0, None, "GeoDetail", "WijkenEnBuurten", "Wijken en buurten", "")
    ]
    props[0]["MapYear"] = 2021
    props.append(dp_group(1, None, "Regioaanduiding", CONSTRUCTED))
    reg = [
        ("Gemeentenaam_1", "Gemeentenaam", "naam"),
        ("SoortRegio_2", "Soort regio", "omschrijving"),
        ("Codering_3", "Codering", "code"),
        ("IndelingswijzigingWijkenEnBuurten_4", "Indelingswijziging wijken en buurten", "code"),
    ]
    next_id = 2
    for pos, (k, t, u) in enumerate(reg, start=1):
        props.append(dp_topic(next_id, pos, 1, k, t, "String", u, 0, description=CONSTRUCTED))
        next_id += 1
    group_ids: dict[tuple, int] = {}
    row = {
        "ID": 0,
        "WijkenEnBuurten": pad10("NL00"),
        "Gemeentenaam_1": region_rows[0][2].ljust(40),
        "SoortRegio_2": region_rows[1][2].ljust(10),
        "Codering_3": region_rows[2][2].ljust(10),
        "IndelingswijzigingWijkenEnBuurten_4": to_string(region_rows[3][2]),
    }
    keys = set()
    for pos, (label, unit, value) in enumerate(topic_rows, start=5):
        parts = label.split("|")
        parent = None
        for depth in range(1, len(parts)):
            sub = tuple(parts[:depth])
            if sub not in group_ids:
                group_ids[sub] = next_id
                props.append(dp_group(next_id, parent, sub[-1], CONSTRUCTED))
                next_id += 1
            parent = group_ids[sub]
        title = parts[-1]
        key = key_from_title(title, pos)
        assert key not in keys
        keys.add(key)
        # every Nederland figure in the export has one decimal ("1,5" huisartsenpraktijken
        # binnen 1 km), so both km and aantal topics are Double with 1 decimal
        assert value == "." or re.fullmatch(r"\d+,\d", value), (label, value)
        props.append(
            dp_topic(
                next_id,
                pos,
                parent,
                key,
                title,
                "Double",
                unit,
                1,
                description=CONSTRUCTED,
                presentation="Absolute",
            )
        )
        next_id += 1
        row[key] = to_double(value, decimal_comma=True)
    assert row["AfstandTotHuisartsenpraktijk_5"] == 1.0
    assert row["AfstandTotHuisartsenpost_9"] is None
    n_null = sum(1 for k, v in row.items() if v is None)
    note(f"85231NED: 110 topics, NL00 AfstandTotHuisartsenpraktijk_5 = 1.0 km; {n_null} null cells in NL00")

    info = constructed_tableinfos(
        "85231NED",
        "Nabijheid voorzieningen; afstand locatie, wijk- en buurtcijfers 2021",
        "Nabijheid voorzieningen 2021",
        "Nabijheid voorzieningen; afstand locatie\nUitgesplitst naar gemeenten, wijken en buurten",
        "2022-12-21T02:00:00",
        "2021",
        "CBS",
    )
    w.entity("cbs", "85231NED", "TableInfos", [info])
    w.entity("cbs", "85231NED", "DataProperties", props)
    w.entity("cbs", "85231NED", "WijkenEnBuurten", region_records([("NL00", "Nederland")]))
    w.entity("cbs", "85231NED", "TypedDataSet", [row])
    empty_category_groups(w, "cbs", "85231NED")
    return info, 1, len(row)


# --------------------------------------------------------------------------- 47018NED

DP_FIELDS = ["odata.type", "ID", "Position", "ParentID", "Type", "Key", "Title", "Description"]
DP_EXTRA = {
    "Cbs.OData.Dimension": [],
    "Cbs.OData.GeoDetail": ["MapYear"],
    "Cbs.OData.TimeDimension": ["ReleasePolicy"],
    "Cbs.OData.TopicGroup": [],
    "Cbs.OData.Topic": ["Datatype", "Unit", "Decimals", "Default", "PresentationType"],
}


def build_47018(src: Path, w: Writer) -> tuple[dict, int, int]:
    d = src / "politie-misdrijven-2023"

    def records(name: str) -> tuple[list[str], list[dict]]:
        head, rows = parse_r_csv(d / name)
        return head, [{k: r_value(f) for k, f in zip(head, r)} for r in rows]

    _, info = records("47018NED_TableInfos.csv")
    assert len(info) == 1 and info[0]["Identifier"] == "47018NED"
    _, dp_flat = records("47018NED_DataProperties.csv")
    dataprops = []
    for p in dp_flat:
        rec = {k: p[k] for k in DP_FIELDS + DP_EXTRA[p["odata.type"]]}
        dataprops.append(rec)
    _, soort = records("47018NED_SoortMisdrijf.csv")
    assert len(soort) == 59 and soort[0]["Key"] == "0.0.0 "
    _, perioden = records("47018NED_Perioden.csv")
    _, regions = records("47018NED_WijkenEnBuurten_6gemeenten.csv")
    assert len(regions) == 672
    head, data = records("47018NED_data_2023_totaal_6gemeenten.csv")
    assert head == [
        "ID",
        "SoortMisdrijf",
        "WijkenEnBuurten",
        "Perioden",
        "GeregistreerdeMisdrijven_1",
        "Gemeentenaam_2",
        "SoortRegio_3",
    ]
    assert len(data) == 512
    for r in data:
        assert isinstance(r["ID"], int) and isinstance(r["GeregistreerdeMisdrijven_1"], int), r
    moer = [r for r in data if r["WijkenEnBuurten"] == "BU05183620"]
    assert len(moer) == 1 and moer[0]["GeregistreerdeMisdrijven_1"] == 333, moer
    assert moer[0]["SoortMisdrijf"] == "0.0.0 " and moer[0]["Perioden"] == "2023JJ00"
    blank = sum(1 for r in data if not r["Gemeentenaam_2"].strip())
    note(
        f"47018NED: BU05183620 Moerwijk-Oost = 333 misdrijven (2023JJ00, 0.0.0); 512 rows, "
        f"{blank} with blank Gemeentenaam_2/SoortRegio_3"
    )

    w.entity("dataderden", "47018NED", "TableInfos", info)
    w.entity("dataderden", "47018NED", "DataProperties", dataprops)
    w.entity("dataderden", "47018NED", "SoortMisdrijf", soort)
    w.entity("dataderden", "47018NED", "WijkenEnBuurten", regions)
    w.entity("dataderden", "47018NED", "Perioden", perioden)
    w.entity("dataderden", "47018NED", "TypedDataSet", data)
    empty_category_groups(w, "dataderden", "47018NED")
    return info[0], len(data), len(head)


# --------------------------------------------------------------------------- 50090NED

TITLE_OVERRIDES_50090 = {
    "ErvarenGezondheidGoedZeerGoed_4": "Ervaren gezondheid goed/zeer goed",
    "ErnstigZeerErnstigEenzaam_29": "Ernstig/zeer ernstig eenzaam",
    "MatigHoogRisicoOpAngstOfDepressie_24": "Matig/hoog risico op angst of depressie",
    "MatigVeelRegieOverEigenLeven_27": "Matig/veel regie over eigen leven",
    "LopenEnOfFietsenNaarSchoolOfWerk_34": "Lopen en/of fietsen naar school of werk",
    "EenOfMeerLangdurigeAandoeningen_16": "Eén of meer langdurige aandoeningen",
    "EenOfMeerLichamelijkeBeperkingen_20": "Eén of meer lichamelijke beperkingen",
    "VoldoetAanAlcoholRichtlijn_12": "Voldoet aan alcoholrichtlijn",
}


RIVM_XLSX = "gezondheid/RIVM_gezondheid2020_18+.xlsx"
# The buurten of these gemeenten (Den Haag: Moerwijk-Oost; Berkelland: Gelselaar, Haarlo, Verspreide
# huizen) get the RIVM rows of their vergelijkbare buurten in 50090NED; the other four example
# gemeenten do not, to keep the committed fixture and example small.
SIMILAR_GEMEENTEN = ("GM0518", "GM1859")
SIMILAR_K = 10  # buurtscan's default --similar-k


def xlsx_rows(path: Path) -> list[list[str]]:
    """The cells of the first sheet of an .xlsx as text (shared strings resolved, numbers as
    written in the file, absent cells as ''), row by row. Standard library: zip + XML."""
    import xml.etree.ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as z:
        strings = ["".join(t.text or "" for t in si.iter(f"{ns}t"))
                   for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{ns}si")]
        rows: list[list[str]] = []
        with z.open("xl/worksheets/sheet1.xml") as fh:
            for _, el in ET.iterparse(fh):
                if el.tag != f"{ns}row":
                    continue
                cells: dict[int, str] = {}
                for c in el.iter(f"{ns}c"):
                    col = 0
                    for ch in re.match(r"[A-Z]+", c.get("r", "")).group(0):
                        col = col * 26 + ord(ch) - 64
                    v = c.find(f"{ns}v")
                    text = "" if v is None or v.text is None else v.text
                    cells[col - 1] = strings[int(text)] if c.get("t") == "s" and text else text
                rows.append([cells.get(i, "") for i in range(max(cells) + 1 if cells else 0)])
                el.clear()
    return rows


def similar_rivm_codes(out: Path) -> list[str]:
    """The vergelijkbare buurten (k = :data:`SIMILAR_K`) of every buurt of :data:`SIMILAR_GEMEENTEN`,
    by buurtscan's own rule on the national profile rows written by :func:`build_similar_profile`."""
    sys.path.insert(0, str(REPO / "src"))
    import polars as pl

    from buurtscan import similar

    with gzip.open(out / "similar" / "kwb2024-buurten-profiel.csv.gz", "rt", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh, delimiter=";"))
    stems = ["AantalInwoners", "k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar", "k_65JaarOfOuder"]
    frame = pl.DataFrame(
        [{"region_code": r["code"], "region_level": "buurt", "gemeente_code": r["gemeente"], "period": "2024",
          "source": similar.NAME, "table_id": "85984NED", "indicator": st,
          "value": float(r[st]) if r[st] else None, "status": "ok" if r[st] else "ontbreekt", "unit": "aantal"}
         for r in lines for st in stems])
    profile = similar.build_profile(frame)
    assert profile is not None
    subjects = [str(c) for c, gm in zip(profile.codes, profile.gemeenten, strict=True) if gm in SIMILAR_GEMEENTEN]
    found = similar.nearest(profile, subjects, SIMILAR_K)
    return sorted({n.code for m in found.values() for n in m.neighbours})


def build_50090(src: Path, w: Writer, names2024: dict[str, str], similar_codes: list[str]) -> tuple[dict, int, int]:
    raw = read_semicolon_csv(src / "gezondheid" / "gezondheid2020_18plus_6gemeenten.csv")
    head, data = raw[0], raw[1:]
    national = xlsx_rows(src / RIVM_XLSX)
    assert national[0] == head, "xlsx and CSV columns differ"
    by_code = {r[3].strip(): r for r in national[1:]}
    assert len(national) - 1 == 17341, len(national)
    for r in data:  # the CSV was converted from this xlsx: the reader must give the same cells
        assert by_code[r[3].strip()] == r, r[3]
    own = {r[3].strip() for r in data}
    extra = [by_code[c] for c in similar_codes if c in by_code and c not in own]
    note(f"50090NED: {len(extra)} buurt rows of the national xlsx added for the vergelijkbare buurten of "
         f"{', '.join(SIMILAR_GEMEENTEN)} ({len(similar_codes)} buurten of the 2024 indeling, "
         f"{len(similar_codes) - len(extra) - len(own & set(similar_codes))} not in the 2020 indeling); the "
         f"668 rows of the six gemeenten equal the xlsx cell for cell")
    assert head[:8] == [
        "ID",
        "Leeftijd",
        "Marges",
        "WijkenEnBuurten",
        "Perioden",
        "Gemeentenaam_1",
        "SoortRegio_2",
        "Codering_3",
    ], head[:8]
    assert len(data) == 668
    topic_keys = head[8:]
    assert len(topic_keys) == 35
    def typed(r: list[str]) -> dict:
        row: dict = {}
        for k, v in zip(head, r):
            if k == "ID":
                row[k] = int(v)
            elif k in ("Leeftijd", "Marges", "WijkenEnBuurten", "Perioden"):
                row[k] = v
            elif k in ("Gemeentenaam_1", "SoortRegio_2", "Codering_3"):
                row[k] = to_string(v)
            else:
                row[k] = to_double(v)
        assert row["Leeftijd"] == "20300" and row["Marges"] == "MW00000" and row["Perioden"] == "2020JJ00"
        return row

    rows = [typed(r) for r in data]
    six = len(rows)
    rows += [typed(r) for r in extra]  # the same conversion for the rows of the vergelijkbare buurten
    rows.sort(key=lambda r: r["ID"])
    by = {r["WijkenEnBuurten"].strip(): r for r in rows}
    assert six == 668 and len(by) == len(rows)
    assert by["BU05183620"]["ErvarenGezondheidGoedZeerGoed_4"] == 64.9
    assert by["NL01"]["ErvarenGezondheidGoedZeerGoed_4"] == 78.4
    empty_cols = [k for k in topic_keys if all(r[k] is None for r in rows)]
    note(
        f"50090NED: BU05183620 ErvarenGezondheidGoedZeerGoed_4 = 64.9 (NL01 78.4); columns empty in "
        f"every row: {empty_cols}"
    )

    regions = []
    missing = []
    for r in rows:
        code = r["WijkenEnBuurten"].strip()
        if code == "NL01":
            name = "Nederland"
        elif code in names2024:
            name = names2024[code]
        else:
            name = code
            missing.append(code)
        regions.append((code, name))
    note(
        f"50090NED: {len(regions)} regions, names borrowed from the 85984NED list by code; "
        f"not found: {missing or 'none'}"
    )

    props = [
        dp_base("Cbs.OData.Dimension", 0, 0, None, "Dimension", "Leeftijd", "Leeftijd", ""),
        dp_base("Cbs.OData.Dimension", 1, 1, None, "Dimension", "Marges", "Marges", ""),
        dp_base(
            "Cbs.OData.GeoDetail",
            2,
            2,
            None,
            "GeoDetail",
            "WijkenEnBuurten",
            "Wijken en buurten",
            "Wijken en buurten (indeling 2020)",
        ),
        dp_base("Cbs.OData.TimeDimension", 3, 3, None, "TimeDimension", "Perioden", "Perioden", ""),
        dp_group(4, None, "Regioaanduiding", CONSTRUCTED),
    ]
    props[2]["MapYear"] = 2020
    props[3]["ReleasePolicy"] = False
    nid = 5
    for pos, (k, t, u) in enumerate(
        [
            ("Gemeentenaam_1", "Gemeentenaam", "naam"),
            ("SoortRegio_2", "Soort regio", "omschrijving"),
            ("Codering_3", "Codering", "code"),
        ],
        start=4,
    ):
        props.append(dp_topic(nid, pos, 4, k, t, "String", u, 0, description=CONSTRUCTED))
        nid += 1
    for pos, k in enumerate(topic_keys, start=7):
        title = TITLE_OVERRIDES_50090.get(k, title_from_key(k))
        props.append(
            dp_topic(
                nid, pos, None, k, title, "Double", "%", 1, description=CONSTRUCTED, presentation="Relative"
            )
        )
        nid += 1
    assert props[8]["Title"] == "Ervaren gezondheid goed/zeer goed"

    info = constructed_tableinfos(
        "50090NED",
        "Gezondheid per wijk en buurt; 2012/2016/2020 (indeling 2020)",
        "Gezondheid per wijk en buurt",
        "Gezondheid per wijk en buurt\nModelschattingen, 18 jaar en ouder",
        "2022-10-06T02:00:00",
        "2012, 2016, 2020",
        "RIVM",
        frequency="Perjaar",
        source="RIVM, CBS.",
    )
    w.entity("dataderden", "50090NED", "TableInfos", [info])
    w.entity("dataderden", "50090NED", "DataProperties", props)
    w.entity(
        "dataderden",
        "50090NED",
        "Leeftijd",
        [{"Key": "20300", "Title": "18 jaar en ouder", "Description": "", "CategoryGroupID": None}],
    )
    w.entity(
        "dataderden",
        "50090NED",
        "Marges",
        [{"Key": "MW00000", "Title": "Waarde", "Description": "", "CategoryGroupID": None}],
    )
    w.entity("dataderden", "50090NED", "WijkenEnBuurten", region_records(regions))
    w.entity(
        "dataderden",
        "50090NED",
        "Perioden",
        [{"Key": "2020JJ00", "Title": "2020", "Description": "", "Status": "Definitief"}],
    )
    w.entity("dataderden", "50090NED", "TypedDataSet", rows, gz=True)
    empty_category_groups(w, "dataderden", "50090NED")
    return info, len(rows), len(head)


# --------------------------------------------------------------------------- Leefbaarometer

LBM_CSV_NAME = "Leefbaarometer-scores buurten 2002-2024.csv"
LBM_ZIP_NAME = "open-data-leefbaarometer-meting-2024.zip"


LBM_HEADER = '"bu_code","bu_naam","jaar","lbm","afw","fys","onv","soc","vrz","won"'
LBM_GEMEENTEN = (  # leefbaarometer-6gemeenten/: every buurt row of these gemeenten, in code order
    "Leefbaarometer-scores_buurten_GM0489_Barendrecht.csv",
    "Leefbaarometer-scores_buurten_GM0518_s-Gravenhage.csv",
)


def leefbaarometer_rows(src: Path) -> bytes:
    """The buurt CSV of the fixture zip: the header and every row of the two gemeente extracts
    (Barendrecht, Den Haag), text unchanged, in bu_code order as in the national file. Checks
    that the earlier Moerwijk excerpt is contained byte for byte and the published identities
    (lbm − afw constant; fys+onv+soc+vrz+won = afw)."""
    lines = [LBM_HEADER]
    for name in LBM_GEMEENTEN:
        part = (src / "leefbaarometer-6gemeenten" / name).read_bytes().decode("utf-8").splitlines()
        assert part[0] == LBM_HEADER, name
        lines += part[1:]
    body = lines[1:]
    keys = [(r[0], int(r[2])) for r in csv.reader(body)]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "rows not in (bu_code, jaar) order"
    excerpt = (src / "leefbaarometer" / "Leefbaarometer-scores_buurten_excerpt_Moerwijk.csv").read_bytes()
    moerwijk = excerpt.decode("utf-8").splitlines()
    assert "\n".join(moerwijk[1:]) in "\n".join(body), "Moerwijk excerpt differs"
    refs, sums = set(), 0
    for row in csv.reader(body):
        values = [None if v == "NA" else float(v) for v in row[3:]]
        lbm, afw, *dims = values
        if lbm is not None and afw is not None:
            refs.add(round(lbm - afw, 9))
        if afw is not None and all(d is not None for d in dims):
            assert abs(sum(dims) - afw) < 1e-9, row
            sums += 1
    assert len(refs) == 1, refs
    note(f"Leefbaarometer: {len(body)} buurt rows (Barendrecht + Den Haag), lbm − afw = {refs.pop()} in every row, "
         f"dimensions add up to afw in {sums} rows, Moerwijk excerpt contained byte for byte")
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_leefbaarometer(src: Path, w: Writer) -> None:
    raw = leefbaarometer_rows(src)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo(LBM_CSV_NAME, date_time=(2025, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o644 << 16
        z.writestr(info, raw)
    w.write(f"leefbaarometer/{LBM_ZIP_NAME}", buf.getvalue())


# --------------------------------------------------------------------------- main


def build_similar_profile(src: Path, out: Path) -> int:
    """tests/fixtures/similar/kwb2024-buurten-profiel.csv.gz: the national rows for vergelijkbare buurten.

    Straight from the geslachten export (not through the OData fixtures), so that
    tests/test_similar.py can recompute the nearest buurten on a path of its own: one line per
    buurt (14,574), code, gemeentecode, inwoners and the five age groups, real values, '.'
    (missing/secret) kept as an empty cell.
    """
    rows = read_semicolon_csv(src / "cbs-kwb-2024" / "Kerncijfers_wijken_en_buurten_2024_geslachten.csv")[1:]
    lines = ["code;gemeente;AantalInwoners;k_0Tot15Jaar;k_15Tot25Jaar;k_25Tot45Jaar;k_45Tot65Jaar;k_65JaarOfOuder"]
    gemeenten: dict[str, str] = {}
    for r in rows:
        kind, code = r[2].strip(), r[3].strip()
        if kind == "Gemeente":
            gemeenten[r[1].strip()] = code
        if kind != "Buurt":
            continue
        cells = [str(v) if (v := to_long(x)) is not None else "" for x in (r[5], *r[8:13])]
        lines.append(";".join([code, "GM" + code[2:6], *cells]))
    assert len(lines) - 1 == 14574, len(lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    target = out / "similar" / "kwb2024-buurten-profiel.csv.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(data)
    target.write_bytes(buf.getvalue())
    note(f"similar: {len(lines) - 1:,} buurten written for the vergelijkbare-buurten test")
    return len(lines) - 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "source",
        nargs="?",
        default=str(DEFAULT_SRC),
        help="folder with the real data (default: ../shared/data/real)",
    )
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="fixture folder (default: tests/fixtures)")
    args = ap.parse_args(argv)
    src, out = Path(args.source), Path(args.out)
    if not (src / "SOURCES.md").is_file():
        print(f"error: {src} does not look like the real-data folder (no SOURCES.md)", file=sys.stderr)
        return 2
    for sub in ("odata", "leefbaarometer"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    w = Writer(out)

    info_85984, _regions_2024, names2024 = build_85984(src, w)
    dp2024 = json.loads((src / "cbs-kwb-2024" / "85984NED_DataProperties.json").read_text("utf-8"))
    info_84583, n_84583, c_84583 = build_84583(src, w, dp2024, names2024)
    info_85039, n_85039, c_85039 = build_85039(src, w, names2024)
    info_85231, n_85231, c_85231 = build_85231(src, w)
    info_47018, n_47018, c_47018 = build_47018(src, w)
    build_similar_profile(src, out)
    info_50090, n_50090, c_50090 = build_50090(src, w, names2024, similar_rivm_codes(out))
    build_leefbaarometer(src, w)

    n_topics_2024 = sum(1 for p in dp2024 if p["Type"] == "Topic")
    w.catalog(
        "cbs",
        [
            catalog_record(1, info_84583, "cbs", "84583NED", n_84583, c_84583),
            catalog_record(2, info_85984, "cbs", "85984NED", 18310, n_topics_2024 + 2),
            catalog_record(3, info_85231, "cbs", "85231NED", n_85231, c_85231),
            catalog_record(4, info_85039, "cbs", "85039NED", n_85039, c_85039),
        ],
    )
    w.catalog(
        "dataderden",
        [
            catalog_record(1, info_47018, "dataderden", "47018NED", n_47018, c_47018),
            catalog_record(2, info_50090, "dataderden", "50090NED", n_50090, c_50090),
        ],
    )

    total = 0
    for rel, size in sorted(w.written):
        total += size
        print(f"{size:>10,}  {rel}")
    print(f"{total:>10,}  total ({len(w.written)} files)")
    print()
    for line in REPORT:
        print("check:", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
