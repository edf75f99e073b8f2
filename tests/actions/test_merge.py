"""`merge` end to end: a cache filled from the fake CBS (real Den Haag regions), partner files merged in.

The partner files (examples/, tests/partner_corpus/ and the ones written here) hold MADE-UP
values; only the region codes, names and the CBS population figures are real.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from buurtscan import compare
from buurtscan.actions import merge as merging
from buurtscan.cache import Cache
from buurtscan.catalogue import Indicator
from buurtscan.cli import app
from buurtscan.errors import PartnerDataError, UsageError
from buurtscan.actions.fetch import fetch
from buurtscan.settings import Settings
from tests.paths import CORPUS, ROOT

EXAMPLES = ROOT / "examples"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
INWONERS_MOERWIJK_OOST = 3360  # real CBS 2024 figure in the fixtures


def snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


@pytest.fixture
def filled(settings: Settings, fake) -> Settings:
    """A cache with KWB 2024 for all of Den Haag (its 114 buurten, 44 wijken) and Nederland."""
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    return settings


def rows_of(settings: Settings, source: str) -> pl.DataFrame:
    return Cache(settings.cache_dir).scan(source=source).collect()


def cell(frame: pl.DataFrame, code: str, indicator: str, period: str | None = None) -> tuple[float | None, str]:
    sel = (pl.col("region_code") == code) & (pl.col("indicator") == indicator)
    if period:
        sel = sel & (pl.col("period") == period)
    rows = frame.filter(sel)
    assert rows.height == 1, (code, indicator, rows)
    return rows["value"][0], rows["status"][0]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the examples
def test_corporatie_example_values_statuses_and_provenance(filled):
    path = EXAMPLES / "corporatie_2024.csv"
    report = merging.merge(filled, path, source="Voorbeeldcorporatie", mapping=EXAMPLES / "corporatie.toml")
    with open(path, encoding="cp1252", newline="") as fh:
        expected = {r[0]: r for r in csv.reader((ln for ln in fh if not ln.startswith("#")), delimiter=";")
                    if r and r[0].startswith("BU")}
    rows = rows_of(filled, "Voorbeeldcorporatie")
    for code, r in expected.items():
        arrears = float(r[2].replace(".", ""))
        got = cell(rows, code, "huurachterstanden")
        assert got == ((arrears, "ok") if arrears >= 5 else (None, "klein")) or got[1] == "geheim"
        assert cell(rows, code, "aandeel_sociale_huur") == (float(r[5].replace(",", ".")), "ok")
        assert cell(rows, code, "gemiddelde_huurachterstand")[0] == pytest.approx(float(r[4].replace(",", ".")))
    # wijk 36 is complete in the file: its total is the sum of its buurten
    total = sum(float(expected[c][2]) for c in expected if c.startswith("BU051836"))
    assert cell(rows, "WK051836", "huurachterstanden") == (total, "ok")
    assert set(rows["source"]) == {"Voorbeeldcorporatie"} and set(rows["table_id"]) == {"partner"}
    assert set(rows["period"]) == {"2024"}

    entry = Cache(filled.cache_dir).manifest().tables["Voorbeeldcorporatie/partner"]
    extra = entry.partner.to_dict()
    assert extra["partner"] is True and extra["file"] == "corporatie_2024.csv"
    assert extra["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert extra["rows"] == len(expected) + 1  # the buurten and the totals row that was read (and dropped)
    assert extra["threshold"] == 5 and extra["complete_gemeenten"] == []
    assert extra["merged_at"].endswith("Z") and extra["merged_at"] == entry.retrieved_at
    inds = {i["id"]: i for i in extra["indicators"]}
    assert inds["huurachterstanden"] | {} == inds["huurachterstanden"]
    assert (inds["huurachterstanden"]["domain"], inds["huurachterstanden"]["derive"],
            inds["huurachterstanden"]["unit"]) == ("armoede", "per_1000_inwoners", "per 1.000 inwoners")
    assert inds["overlastmeldingen"]["domain"] == "leefomgeving"
    assert inds["aandeel_sociale_huur"] == {**inds["aandeel_sociale_huur"], "domain": "wonen", "unit": "%",
                                            "decimals": 1, "derive": "value", "direction": "neutral"}
    assert set(inds) == {"huurachterstanden", "overlastmeldingen", "gemiddelde_huurachterstand",
                         "aandeel_sociale_huur"}
    assert (entry.title, entry.publisher, entry.licence, entry.request_url, entry.period) == (
        "Aangeleverd door Voorbeeldcorporatie: corporatie_2024.csv", "Voorbeeldcorporatie",
        "aangeleverd door de partner, niet openbaar", "corporatie_2024.csv", "2024")
    assert report.warnings == ["A totals row (line 15) left out; totals are not region figures."]
    assert json.loads(json.dumps(report.as_dict()))["sha256"] == extra["sha256"]
    assert "Voorbeeldcorporatie/partner: 4 indicators" in report.summary()


def test_wijkagent_records_counted_like_an_independent_count(filled):
    path = EXAMPLES / "wijkagent_incidenten.csv"
    report = merging.merge(filled, path, source="wijkagent", mapping=EXAMPLES / "wijkagent.toml")
    with open(path, encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(ln for ln in fh if not ln.startswith("#")))
    counts = Counter((r["buurtcode"], r["datum"][:4], r["soort"]) for r in records)
    rows = rows_of(filled, "wijkagent")
    ids = {"Woninginbraak": "woninginbraak", "Fietsendiefstal": "fietsendiefstal", "Burenruzie": "burenruzie",
           "Jeugdoverlast": "jeugdoverlast", "Vernieling": "vernieling"}
    for (code, year, kind), n in counts.items():
        got = cell(rows, code, ids[kind], year)
        assert got == (float(n), "ok") or (n < 5 and got == (None, "klein")) or got[1] == "geheim"
    assert report.layout == "records" and report.periods == ("2023", "2024") and report.rows_read == len(records)
    wijk = sum(n for (code, year, kind), n in counts.items() if year == "2024" and kind == "Fietsendiefstal")
    assert cell(rows, "WK051836", "fietsendiefstal", "2024") == (float(wijk), "ok")
    domains = {i["id"]: (i["domain"], i["derive"], i["direction"]) for i in report.indicators}
    assert domains["burenruzie"] == ("samenleven", "per_1000_inwoners", "higher_worse")
    assert domains["woninginbraak"] == ("veiligheid", "per_1000_inwoners", "higher_worse")


def test_ggd_excel_names_and_long_tsv(filled):
    ggd = merging.merge(filled, EXAMPLES / "ggd_gezondheidsmonitor_2024.xlsx", source="GGD",
                        mapping=EXAMPLES / "ggd.toml")
    assert ggd.sheet == "Buurten" and ggd.regions == 11 and ggd.warnings == []
    rows = rows_of(filled, "GGD")
    assert cell(rows, "BU05183620", "ernstig_eenzaam")[1] == "ok"
    assert set(rows["indicator"]) == {"ervaren_gezondheid_goed", "ernstig_eenzaam", "overgewicht"}
    long = merging.merge(filled, EXAMPLES / "ggd_wijken_lang.tsv", source="GGD wijken",
                         mapping=EXAMPLES / "ggd_lang.toml")
    assert long.layout == "long"
    lines = (EXAMPLES / "ggd_wijken_lang.tsv").read_text(encoding="utf-8-sig").splitlines()
    expected = float(next(ln for ln in lines if ln.startswith("GM0518\tRookt")).split("\t")[2])
    assert cell(rows_of(filled, "GGD wijken"), "GM0518", "rookt_dagelijks") == (expected, "ok")


# ----------------------------------------------------------------------------- small numbers
def test_count_of_three_suppressed_with_threshold_five(filled, tmp_path):
    path = write(tmp_path, "klein.csv", "# made-up\nbuurtcode;meldingen\nBU05183620;3\nBU05180170;12\n")
    report = merging.merge(filled, path, source="wijkteam", domain="samenleven", year=2024)
    rows = rows_of(filled, "wijkteam")
    assert cell(rows, "BU05183620", "meldingen") == (None, "klein")
    assert cell(rows, "BU05180170", "meldingen") == (12.0, "ok")
    assert report.suppressed == 1 and "1 figure suppressed to protect small counts (below 5" in report.summary()
    merging.merge(filled, path, source="wijkteam", domain="samenleven", year=2024, min_count=3)
    assert cell(rows_of(filled, "wijkteam"), "BU05183620", "meldingen") == (3.0, "ok")


# ----------------------------------------------------------------------------- idempotent, remove
def test_merging_the_same_source_again_replaces_it(filled, tmp_path):
    first = write(tmp_path, "a.csv", "buurtcode;meldingen\nBU05183620;12\nBU05180170;30\n")
    second = write(tmp_path, "b.csv", "buurtcode;klachten\nBU05183637;40\n")
    merging.merge(filled, first, source="corporatie", domain="wonen", year=2024)
    report = merging.merge(filled, second, source="corporatie", domain="wonen", year=2025)
    rows = rows_of(filled, "corporatie")
    assert rows.select("region_code", "indicator", "period", "value").rows() == [("BU05183637", "klachten", "2025", 40.0)]
    assert report.replaced
    entry = Cache(filled.cache_dir).manifest().tables["corporatie/partner"]
    assert entry.partner.file == "b.csv" and entry.rows == 1 and entry.period == "2025"
    parquet = list((filled.cache_dir / "tables" / "corporatie").glob("*.parquet"))
    assert len(parquet) == 1  # the earlier file is gone
    # KWB data untouched
    assert Cache(filled.cache_dir).scan(source="cbs_kwb").collect().height > 1000


def test_remove(filled, tmp_path):
    path = write(tmp_path, "a.csv", "buurtcode;meldingen\nBU05183620;12\nBU05180170;30\n")
    merging.merge(filled, path, source="corporatie", domain="wonen", year=2024)
    kwb_before = Cache(filled.cache_dir).manifest().tables["cbs_kwb/85984NED"]
    # two buurten + the total of wijk 01 Oostduinen, whose only buurt is BU05180170
    assert merging.remove(filled, "corporatie") == 3
    manifest = Cache(filled.cache_dir).manifest()
    assert "corporatie/partner" not in manifest.tables
    assert manifest.tables["cbs_kwb/85984NED"] == kwb_before
    assert not list((filled.cache_dir / "tables" / "corporatie").glob("*.parquet"))
    assert merging.remove(filled, "corporatie") == 0
    with pytest.raises(UsageError, match="open source"):
        merging.remove(filled, "cbs_kwb")


def test_nothing_cached_yet(settings, tmp_path):
    path = write(tmp_path, "a.csv", "buurtcode;meldingen\nBU05183620;12\n")
    with pytest.raises(UsageError) as exc:
        merging.merge(settings, path, source="corporatie", domain="wonen", year=2024)
    assert "Nothing is cached yet" in exc.value.message and "buurtscan fetch" in (exc.value.tip or "")


def test_skip_unknown(filled, tmp_path):
    path = write(tmp_path, "a.csv", "buurtcode;meldingen\nBU05183620;12\nBU05183621;8\nBU05990110;9\n")
    with pytest.raises(PartnerDataError, match="BU05183621"):
        merging.merge(filled, path, source="corporatie", domain="wonen", year=2024)
    report = merging.merge(filled, path, source="corporatie", domain="wonen", year=2024, skip_unknown=True)
    assert set(rows_of(filled, "corporatie")["region_code"]) == {"BU05183620"}
    assert report.warnings == ["2 unknown region code(s) skipped (2 rows): BU05183621, BU05990110."]


# ----------------------------------------------------------------------------- into the comparison
def test_partner_rates_flow_through_compare(filled):
    merging.merge(filled, EXAMPLES / "wijkagent_incidenten.csv", source="wijkagent",
                  mapping=EXAMPLES / "wijkagent.toml")
    extra = Cache(filled.cache_dir).manifest().tables["wijkagent/partner"].partner.to_dict()
    meta = next(i for i in extra["indicators"] if i["id"] == "fietsendiefstal")
    ind = Indicator(id=f"wijkagent.{meta['id']}", domain=meta["domain"], label=meta["label"],
                    source="wijkagent", stem=meta["stem"], unit=meta["unit"], decimals=meta["decimals"],
                    direction=meta["direction"], derive=meta["derive"])
    data = Cache(filled.cache_dir).for_region("BU05183620")
    derived = compare.derive(data, ind, "BU05183620")
    assert derived.period == "2024"
    raw = cell(data.filter(pl.col("source") == "wijkagent"), "BU05183620", "fietsendiefstal", "2024")[0]
    values = compare.values_for(derived, {"buurt": "BU05183620", "wijk": "WK051836", "gemeente": "GM0518",
                                          "nederland": "NL00"})
    if raw is not None:
        assert values["buurt"][0] == pytest.approx(raw / INWONERS_MOERWIJK_OOST * 1000)
    assert values["wijk"][0] is not None  # wijk 36 is covered completely: its total is compared
    assert values["gemeente"] == (None, "ontbreekt")  # the rest of Den Haag is not: buurt/wijk only


# ----------------------------------------------------------------------------- the corpus
def test_corpus_has_at_least_25_cases_with_existing_files():
    assert len(CASES) >= 25
    assert len({c["file"] for c in CASES}) >= 25
    for case in CASES:
        assert (CORPUS / case["file"]).exists(), case["file"]


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory, shared_fake) -> Settings:
    settings = Settings(cache_dir=tmp_path_factory.mktemp("corpus") / "cache", attempts=4, backoff=0.0, timeout=5.0)
    shared_fake.reset_log()
    shared_fake.clear_faults()
    fetch(settings, ["BU05183620"], transport=shared_fake.transport(), sources=["cbs_kwb"])
    # a partner merged earlier: a failed merge must leave it (and everything else) as it was
    merging.merge(settings, EXAMPLES / "corporatie_2024.csv", source="corpus",
                  mapping=EXAMPLES / "corporatie.toml")
    return settings


@pytest.mark.parametrize("case", CASES, ids=[f"{c['file']}:{c['error'][:30]}" for c in CASES])
def test_corpus_file_gives_its_error_and_leaves_the_cache_alone(corpus_cache, case):
    options = {"domain": "wonen", "year": 2024}
    for key in case.get("omit", []):
        options.pop(key)
    options.update(case.get("options", {}))
    if "mapping" in options:
        options["mapping"] = CORPUS / options["mapping"]
    before = snapshot(corpus_cache.cache_dir)
    with pytest.raises(PartnerDataError) as exc:
        merging.merge(corpus_cache, CORPUS / case["file"], source="corpus", **options)
    message = exc.value.message
    assert exc.value.exit_code == 4
    assert "\n" not in message and exc.value.tip is None
    assert message.startswith(case.get("names", case["file"])), message
    assert case["error"] in message, message
    if "line" in case:
        where = "row" if case["file"].endswith(".xlsx") else "line"
        assert f"{where} {case['line']}" in message, message
    if "column" in case:
        assert f'column "{case["column"]}"' in message, message
    assert snapshot(corpus_cache.cache_dir) == before


# ----------------------------------------------------------------------------- the command line
def invoke(settings: Settings, *args: str):
    return CliRunner().invoke(app, list(args), env={"BUURTSCAN_CACHE_DIR": str(settings.cache_dir)})


def test_cli_merge_json_status_and_remove(filled):
    result = invoke(filled, "merge", str(EXAMPLES / "corporatie_2024.csv"), "--source", "Voorbeeldcorporatie",
                    "--mapping", str(EXAMPLES / "corporatie.toml"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "Voorbeeldcorporatie" and data["rows_read"] == 12 and len(data["indicators"]) == 4
    assert "Warning: A totals row (line 15)" in result.stderr
    status = invoke(filled, "status", "--offline", "--json")
    tables = {(t["source"], t["table_id"]) for t in json.loads(status.stdout)["tables"]}
    assert ("Voorbeeldcorporatie", "partner") in tables
    removed = invoke(filled, "merge", "--remove", "Voorbeeldcorporatie")
    assert removed.exit_code == 0 and "Removed" in removed.stdout
    again = invoke(filled, "merge", "--remove", "Voorbeeldcorporatie")
    assert again.exit_code == 0 and "Nothing from 'Voorbeeldcorporatie'" in again.stdout


def test_cli_bad_file_exit_4_one_line(filled):
    before = snapshot(filled.cache_dir)
    result = invoke(filled, "merge", str(CORPUS / "not_a_number.csv"), "--source", "corporatie",
                    "--domain", "wonen", "--year", "2024")
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines() == [
        ('Error: not_a_number.csv, line 4, column "meldingen": "veel" is not a number. '
         "Fix the cell or leave it empty for a missing value.")
    ]
    assert result.stdout == ""
    assert snapshot(filled.cache_dir) == before


def test_cli_summary_and_usage_errors(filled, tmp_path):
    path = write(tmp_path, "a.csv", "buurtcode;meldingen\nBU05183620;12\n")
    ok = invoke(filled, "merge", str(path), "--source", "corporatie", "--domain", "Wonen", "--year", "2024")
    assert ok.exit_code == 0 and ok.stdout.startswith("corporatie/partner: 1 indicator (wonen) for 1 regions")
    bad_domain = invoke(filled, "merge", str(path), "--source", "corporatie", "--domain", "sport", "--year", "2024")
    assert bad_domain.exit_code == 2 and "not a domain" in bad_domain.stderr
    bad_name = invoke(filled, "merge", str(path), "--source", "cbs_kwb", "--domain", "wonen", "--year", "2024")
    assert bad_name.exit_code == 2 and "open source" in bad_name.stderr
