"""`buurtscan overview`: every buurt of a gemeente against the domains, from the bundled example.

The score and the order are recomputed here from `show --json` with the rule the leeswijzer
documents, independently of :mod:`buurtscan.overview`.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import warnings
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from buurtscan.cache import Cache
from buurtscan.cli import app
from buurtscan.example import DATA, example_cache
from buurtscan.scan import GemeenteData
from buurtscan.settings import Settings

GM = "GM0518"
HOSTILE = ("=HYPERLINK(\"http://evil.example\",\"klik\")", "+31 6 1234", "-2+3", "@SUM(A1:A9)")


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


@pytest.fixture(scope="module")
def overview_json() -> dict:
    return json.loads(run("overview", GM, "--example", "--json").stdout)


@pytest.fixture(scope="module")
def scans() -> dict[str, dict]:
    """The `show --json` structure of every buurt (the function `show` prints)."""
    data = GemeenteData(example_cache(), GM)
    return {code: data.scan(code).as_dict() for code in data.codes("buurt")}


# ------------------------------------------------------------------ the documented rule, restated
def strength(ind: dict) -> float:
    sig = ind["signal"]
    if sig.get("strength") is not None:
        return sig["strength"]
    own = ind["values"]["buurt"]
    steps = []
    for ref in sig["references"]:
        r = ind["values"][ref]
        if ind["unit"] == "%":
            steps.append(abs(own - r) / 3.0)
        elif ind["unit"] == "score":
            steps.append(abs(own - r) / 0.1)
        elif own > 0 and r > 0:
            steps.append(abs(math.log(own / r)) / math.log(1.25))
    return max(1.0, min(steps)) if steps else 1.0


def points(ind: dict) -> int:
    return 2 if strength(ind) >= 2.0 else 1


def expected_row(scan: dict, min_population: int = 200) -> dict:
    domains = [s for s in scan["sections"] if s["id"] != "algemeen"]
    cells = []
    for s in domains:
        bad = [i for i in s["indicators"] if i["signal"] and i["signal"]["valence"] == "ongunstig"]
        good = [i for i in s["indicators"] if i["signal"] and i["signal"]["valence"] == "gunstig"]
        net = sum(points(i) for i in good) - sum(points(i) for i in bad)
        if not any(i["values"]["buurt"] is not None for i in s["indicators"]):
            balance = "geen cijfers"
        elif net <= -3:
            balance = "sterk ongunstig"
        elif net < 0:
            balance = "ongunstig"
        elif net >= 3:
            balance = "sterk gunstig"
        elif net > 0:
            balance = "gunstig"
        else:
            balance = "gemengd" if bad or good else "geen signaal"
        cells.append({"balance": balance, "bad": bad, "good": good, "minus": sum(points(i) for i in bad),
                      "strong": sum(1 for i in bad if strength(i) >= 2.0)})
    inwoners = next(i for s in scan["sections"] for i in s["indicators"] if i["id"] == "inwoners")["values"]["buurt"]
    score = None if inwoners is None or inwoners < min_population else sum(c["minus"] for c in cells)
    return {"code": scan["region"]["code"], "score": score, "inwoners": inwoners, "cells": cells,
            "unfavourable_domains": sum(1 for c in cells if c["balance"] in ("ongunstig", "sterk ongunstig")),
            "strong": sum(c["strong"] for c in cells)}


def order_key(row: dict) -> tuple:
    if row["score"] is None:
        return (1, row["code"])
    return (0, -row["score"], -row["unfavourable_domains"], -row["strong"], -(row["inwoners"] or 0), row["code"])


# ------------------------------------------------------------------------------------- the model
def test_every_buurt_once_sorted_by_the_documented_score(overview_json, scans):
    rows = overview_json["rows"]
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes)) == len(scans) > 100  # Den Haag: every cached buurt, once
    assert set(codes) == set(scans)
    expected = {code: expected_row(scan) for code, scan in scans.items()}
    for r in rows:
        assert r["score"] == expected[r["code"]]["score"], r["code"]
    assert codes == sorted(codes, key=lambda c: order_key(expected[c]))
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    scored = [r["score"] for r in rows if r["score"] is not None]
    assert scored == sorted(scored, reverse=True) and len(set(scored)) > 5  # a real spread, not all 0
    tail = rows[len(scored):]
    assert tail and all(r["score"] is None and r["no_score"] for r in tail)  # small buurten last, with the reason


def test_cells_equal_show_json(overview_json, scans):
    titles = [d["id"] for d in overview_json["domains"]]
    assert len(titles) == 8 and "algemeen" not in titles
    for r in overview_json["rows"]:
        scan = scans[r["code"]]
        exp = expected_row(scan)
        by_id = {i["id"]: i for s in scan["sections"] for i in s["indicators"]}
        assert r["inwoners"] == by_id["inwoners"]["values"]["buurt"]
        have = sum(1 for i in by_id.values() if i["values"]["buurt"] is not None)
        assert (r["figures"], r["indicators"]) == (have, len(by_id))
        for cell, e, domain in zip(r["cells"], exp["cells"], titles, strict=True):
            assert cell["domain"] == domain
            assert cell["balance"] == e["balance"], (r["code"], domain)
            assert (cell["unfavourable"], cell["favourable"]) == (len(e["bad"]), len(e["good"]))
            fig = cell["figure"]
            if fig is None:
                assert not e["bad"] or cell["balance"] in ("gunstig", "sterk gunstig")
                continue
            ind = by_id[fig["indicator"]]
            assert fig["value"] == ind["values"]["buurt"] and fig["period"] == ind["period"]
            assert fig["valence"] == ind["signal"]["valence"]
            pool = e["good"] if fig["valence"] == "gunstig" else e["bad"]
            assert strength(ind) == pytest.approx(max(strength(i) for i in pool), abs=0.01)  # the strongest


def test_show_json_via_the_cli_matches_for_the_top_buurten(overview_json):
    for r in overview_json["rows"][:3]:
        shown = json.loads(run("show", r["code"], "--example", "--json").stdout)
        assert expected_row(shown)["score"] == r["score"]


def test_wijk_and_bad_codes(overview_json):
    wk = json.loads(run("overview", "WK051836", "--example", "--json").stdout)
    assert {r["code"] for r in wk["rows"]} == {r["code"] for r in overview_json["rows"] if r["code"][2:8] == "051836"}
    assert wk["level"] == "wijk" and len(wk["rows"]) == 4
    bad = CliRunner().invoke(app, ["overview", "BU05183620", "--example"])
    assert bad.exit_code == 2 and "gemeente (GM0518) or a wijk" in bad.stderr and "Traceback" not in bad.stderr
    fmt = CliRunner().invoke(app, ["overview", GM, "--example", "--format", "docx"])
    assert fmt.exit_code == 2 and "Unknown overview format 'docx'" in fmt.stderr


def test_min_inwoners_moves_buurten_out_of_the_score():
    data = json.loads(run("overview", GM, "--example", "--json", "--min-inwoners", "5000").stdout)
    for r in data["rows"]:
        assert (r["score"] is None) == (r["inwoners"] is None or r["inwoners"] < 5000)
    assert "minder dan 5000 inwoners" in {r["no_score"] for r in data["rows"]}


# ------------------------------------------------------------------------------------- the files
@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("overview")
    result = run("overview", GM, "--example", "--format", "pdf,xlsx,html", "--out", str(out))
    paths = [Path(p) for p in result.stdout.split()]
    assert [p.suffix for p in paths] == [".pdf", ".xlsx", ".html"] and all(p.is_file() for p in paths)
    return {p.suffix[1:]: p for p in paths}


def test_pdf_pages_follow_from_the_rows(files, overview_json):
    from buurtscan.report.overview_view import ROWS_PER_PAGE

    reader = PdfReader(files["pdf"])
    rows = len(overview_json["rows"])
    assert len(reader.pages) == math.ceil(rows / ROWS_PER_PAGE) + 1  # table pages + leeswijzer
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert round(float(box.width) / 72 * 25.4) == 297
    texts = [p.extract_text() for p in reader.pages]
    for n, text in enumerate(texts[:-1]):
        assert "Werk & participatie" in text and "Inwoners" in text, n  # the header on every page
        page_rows = overview_json["rows"][n * ROWS_PER_PAGE:(n + 1) * ROWS_PER_PAGE]
        assert all(r["code"] in text for r in page_rows)
    assert "Leeswijzer" in texts[-1] and "CC BY 4.0" in texts[-1]


def test_html_has_every_row_and_the_print_rules(files, overview_json):
    html = files["html"].read_text()
    assert "size: A4 landscape" in html and "table-header-group" in html
    assert html.count("<thead>") == math.ceil(len(overview_json["rows"]) / 13)
    for r in overview_json["rows"]:
        assert html.count(f">{r['code']} ·") == 1


def open_xlsx(path: Path):
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops the data-bar extension it does not know
        return openpyxl.load_workbook(path)


def no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert not re.search(rb"<f[ >]", z.read(name)), name


def test_xlsx_table_types_formats_and_no_formulas(files, overview_json):
    no_formulas(files["xlsx"])
    wb = open_xlsx(files["xlsx"])
    assert wb.sheetnames == ["Overzicht", "Cijfers", "Bronnen", "Leeswijzer"]
    ws = wb["Overzicht"]
    header = [c.value for c in ws[1]]
    assert header[:9] == ["Volgorde", "Buurtcode", "Buurt", "Wijk", "Inwoners", "Urgentiescore",
                          "Geen score omdat", "Leefbaarometer", "Volledig"]
    assert ws.freeze_panes == "D2" and ws.auto_filter.ref.startswith("A1:")
    assert len(ws.conditional_formatting) >= 1
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert any('"sterk ongunstig"' in (r.formula or [""])[0] for r in rules)
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(overview_json["rows"])
    for got, want in zip(rows, overview_json["rows"], strict=True):
        assert got[1] == want["code"] and got[0] == want["position"]
        if want["inwoners"] is None:
            assert got[4] is None
        else:
            assert isinstance(got[4], (int, float)) and got[4] == want["inwoners"]
        if want["score"] is None:
            assert got[5] is None and got[6] == want["no_score"]  # empty, the reason next to it
        else:
            assert isinstance(got[5], (int, float)) and got[5] == want["score"]
        assert got[8] == pytest.approx(want["completeness"], abs=1e-4)
        assert [got[9 + 2 * k] for k in range(8)] == [c["balance"] for c in want["cells"]]


def test_xlsx_long_form_is_every_figure(files, overview_json, scans):
    ws = open_xlsx(files["xlsx"])["Cijfers"]
    header = [c.value for c in ws[1]]
    assert header[:11] == ["Buurtcode", "Buurt", "Domein", "Indicator", "Omschrijving", "Waarde", "Status", "Eenheid",
                           "Periode", "Bron", "Tabel"]
    cells = list(ws.iter_rows(min_row=2))
    assert len(cells) == sum(len(s["indicators"]) for scan in scans.values() for s in scan["sections"])
    by = {(sc["region"]["code"], i["id"]): i for sc in scans.values() for s in sc["sections"] for i in s["indicators"]}
    missing = 0
    for row in cells[:3000]:
        ind = by[(row[0].value, row[3].value)]
        value = row[5]
        if ind["values"]["buurt"] is None:
            missing += 1
            assert value.value is None and row[6].value  # empty, never 0; the status next to it
        else:
            assert isinstance(value.value, (int, float)) and value.value == pytest.approx(ind["values"]["buurt"])
            fmt = value.number_format
            assert fmt.startswith("#,##0") and (fmt.endswith('" %"') == (ind["unit"] == "%"))
            assert fmt.count("0") - 1 == ind["decimals"] or fmt == "#,##0"
        assert row[8].value == ind["period"] and row[10].value == ind["table_id"]
    assert missing > 0
    src = open_xlsx(files["xlsx"])["Bronnen"]
    texts = [c.value for row in src.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("CC BY 4.0" in t for t in texts) and "85984NED" in texts


# -------------------------------------------------------------------- partner data, hostile text
@pytest.fixture(scope="module")
def partner_cache(tmp_path_factory) -> Settings:
    from buurtscan.actions import merge as merging

    root = tmp_path_factory.mktemp("partner")
    shutil.copytree(DATA, root / "cache")
    settings = Settings(cache_dir=root / "cache", backoff=0.0)
    codes = GemeenteData(Cache(settings.cache_dir), GM).codes("buurt")
    whole = [f"buurtcode;{HOSTILE[0]}"] + [f"{c};{3 if n % 7 == 0 else 20 + n}" for n, c in enumerate(codes)]
    (root / "whole.csv").write_text("\n".join(whole) + "\n", encoding="utf-8")
    merging.merge(settings, root / "whole.csv", source="wijkteam", domain="samenleven", year=2024)
    part = ["buurtcode;deelmeldingen"] + [f"{c};{40 + n}" for n, c in enumerate(codes[:10])]
    (root / "part.csv").write_text("\n".join(part) + "\n", encoding="utf-8")
    merging.merge(settings, root / "part.csv", source="deelpartner", domain="wonen", year=2024)
    return settings


def test_partner_only_where_the_whole_gemeente_is_covered(partner_cache, tmp_path):
    from buurtscan.actions.overview import write_overview
    from buurtscan.overview import build_overview

    ov = build_overview(Cache(partner_cache.cache_dir), GM)
    sources = {f["source"] for f in ov.figures}
    assert "wijkteam" in sources and "deelpartner" not in sources
    partner = [f for f in ov.figures if f["source"] == "wijkteam"]
    assert len(partner) == len(ov.rows)
    suppressed = [f for f in partner if f["value"] is None]
    assert all(f["status"] in ("klein", "geheim") for f in suppressed)  # geheim: secondary suppression
    threes = set(sorted(r.code for r in ov.rows)[::7])  # the counts of 3 in the file (plus secondary suppression)
    assert threes <= {f["buurt_code"] for f in suppressed}
    [xlsx] = write_overview(ov, ["xlsx"], tmp_path)
    no_formulas(xlsx)
    ws = open_xlsx(xlsx)["Cijfers"]
    rows = [r for r in ws.iter_rows(min_row=2) if r[9].value == "wijkteam"]
    assert len(rows) == len(partner)
    for r in rows:
        assert r[4].value == HOSTILE[0] and r[4].data_type == "s"  # the label as text, not a formula
        if r[5].value is None:
            assert (r[6].value.startswith("klein") and "< 5" in r[6].value) or r[6].value == "geheim"  # stays so
    assert any(r[4].quotePrefix for r in rows)


def test_scan_xlsx_numbers_statuses_and_hostile_stories(partner_cache, tmp_path):
    from buurtscan.actions.render import RenderOptions, render
    from buurtscan.scan import build_scan

    stories = tmp_path / "verhalen.csv"
    stories.write_text("domein,tekst,wie,wanneer,soort\n"
                       + "".join(f'samenleven,"{h.replace(chr(34), chr(34) * 2)}",{w},2026,interview\n'
                                 for h, w in zip(HOSTILE[:1], ["@bewoner"], strict=True)),
                       encoding="utf-8")
    [res] = render(partner_cache, ["BU05183620"], options=RenderOptions(formats=("xlsx",), out_dir=tmp_path / "o",
                                                                         stories=stories), record=False)
    [path] = res.files
    assert path.name == "BU05183620-moerwijk-oost.xlsx"
    no_formulas(path)
    wb = open_xlsx(path)
    scan = build_scan(Cache(partner_cache.cache_dir), "BU05183620").as_dict()
    assert wb.sheetnames == [s["title"] for s in scan["sections"]] + ["Bronnen"]
    for section in scan["sections"]:
        ws = wb[section["title"]]
        assert [c.value for c in ws[4]][:5] == ["Indicator", "Omschrijving", "Eenheid", "Buurt", "Buurt: status"]
        for row, ind in zip(ws.iter_rows(min_row=5, max_row=4 + len(section["indicators"])), section["indicators"],
                            strict=True):
            assert row[0].value == ind["id"]
            for k, level in enumerate(("buurt", "wijk", "gemeente", "nederland")):
                cell, status = row[3 + 2 * k], row[4 + 2 * k]
                value = ind["values"][level]
                if value is None:
                    assert cell.value is None and status.value  # empty, with the status next to it
                else:
                    assert cell.data_type == "n" and cell.value == pytest.approx(value)
                    assert cell.number_format.startswith("#,##0")
            assert row[11].value == ind["rank"] and row[15].value == ind["period"]
    texts = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    hostile = [c for c in texts if c.value in HOSTILE or c.value == "@bewoner"]
    assert {c.value for c in hostile} >= {HOSTILE[0], "@bewoner"}  # story and partner label, as text
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert any("CC BY 4.0" in c.value for c in texts)


@pytest.mark.skipif(not shutil.which("chromium"), reason="Chromium is not installed")
def test_html_prints_to_the_same_pages_in_chromium(files, overview_json, tmp_path):
    import subprocess

    from buurtscan.report.overview_view import page_count

    pdf = tmp_path / "html.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", files["html"].as_uri()], check=True, capture_output=True, timeout=180)
    reader = PdfReader(pdf)
    assert len(reader.pages) == page_count(len(overview_json["rows"]))
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
