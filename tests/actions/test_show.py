"""`show` and `show --json` with every source, from fixtures built from the real data."""

import csv
import io
import json
import zipfile

import re

import pytest
from typer.testing import CliRunner

from buurtscan.cache import Cache
from buurtscan.cli import app
from buurtscan.actions.fetch import fetch
from buurtscan.scan import build_scan
from buurtscan.settings import Settings
from tests.paths import EXAMPLES, FIXTURES

LBM_ZIP = FIXTURES / "leefbaarometer" / "open-data-leefbaarometer-meting-2024.zip"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory, shared_fake):
    settings = Settings(cache_dir=tmp_path_factory.mktemp("show"), backoff=0.0)
    fetch(settings, ["BU05183620"], transport=shared_fake.transport())
    return settings.cache_dir


@pytest.fixture(scope="module")
def scan_json(cache_dir):
    return build_scan(Cache(cache_dir), "BU05183620").as_dict()


def indicator(data, ind_id):
    return next(i for s in data["sections"] for i in s["indicators"] if i["id"] == ind_id)


def test_json_shape_keeps_its_names(scan_json):
    assert set(scan_json) >= {"region", "sections", "sources"}
    region = scan_json["region"]
    assert (region["code"], region["name"], region["level"]) == ("BU05183620", "Moerwijk-Oost", "buurt")
    assert region["wijk"] == {"code": "WK051836", "name": "Wijk 36 Moerwijk"}
    assert region["gemeente"] == {"code": "GM0518", "name": "'s-Gravenhage"}
    assert [s["id"] for s in scan_json["sections"]][0] == "algemeen" and len(scan_json["sections"]) == 9
    for section in scan_json["sections"]:
        assert {"id", "title", "indicators"} <= set(section)
        for ind in section["indicators"]:
            assert {"id", "label", "unit", "period", "source", "table_id", "values", "rank", "signal", "status"} <= set(ind)
            assert set(ind["values"]) == {"buurt", "wijk", "gemeente", "nederland"}
    assert {(s["source"], s["table_id"]) for s in scan_json["sources"]} >= {
        ("cbs_kwb", "85984NED"), ("politie", "47018NED"), ("rivm", "50090NED"), ("leefbaarometer", "leefbaarometer-3.0")}
    for s in scan_json["sources"]:
        assert s["retrieved_at"] and s["period"] and s["licence"]


def test_moerwijk_oost_real_figures_come_through(scan_json):
    inw = indicator(scan_json, "inwoners")
    assert (inw["values"]["buurt"], inw["period"], inw["table_id"]) == (3360, "2024", "85984NED")
    crime = indicator(scan_json, "misdrijven")
    assert (crime["raw"]["buurt"], crime["period"], crime["table_id"]) == (333, "2023", "47018NED")
    assert crime["values"]["buurt"] == pytest.approx(333 / 3360 * 1000)  # per 1.000 inwoners (2024 KWB)
    assert crime["denominator_period"] == "2024"
    health = indicator(scan_json, "ervaren_gezondheid")
    assert (health["values"]["buurt"], health["period"], health["values"]["nederland"]) == (64.9, "2020", 78.4)
    # Leefbaarometer: the 2024 scores of the real CSV, unchanged
    with zipfile.ZipFile(LBM_ZIP) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        rows = list(csv.DictReader(io.TextIOWrapper(z.open(name), encoding="utf-8")))
    row = next(r for r in rows if r["bu_code"] == "BU05183620" and r["jaar"] == "2024")
    for ind_id, column in (("leefbaarheid", "lbm"), ("lbm_fysiek", "fys"), ("lbm_sociaal", "soc"),
                           ("lbm_veiligheid", "onv"), ("lbm_voorzieningen", "vrz"), ("lbm_woningvoorraad", "won")):
        i = indicator(scan_json, ind_id)
        assert i["values"]["buurt"] == pytest.approx(float(row[column]), abs=1e-12), ind_id
        assert i["period"] == "2024"


def test_derived_shares(scan_json):
    share = indicator(scan_json, "leeftijd_0_15")
    assert share["values"]["buurt"] == pytest.approx(640 / 3360 * 100)  # real 2024 counts
    assert share["values"]["nederland"] == pytest.approx(2714040 / 17942942 * 100)
    herkomst = indicator(scan_json, "herkomst_buiten_europa")
    assert herkomst["values"]["nederland"] == pytest.approx(3324101 / 17942942 * 100)
    assert share["rank"] and share["rank_of"] and share["rank"] <= share["rank_of"]


def test_suppressed_cells_stay_missing(cache_dir):
    # BU05180170 has empty RIVM cells in the real table: missing, never 0, no signal, no rank
    data = build_scan(Cache(cache_dir), "BU05180170").as_dict()
    health = indicator(data, "ervaren_gezondheid")
    assert health["values"]["buurt"] is None and health["status"] == "ontbreekt"
    assert health["signal"] is None and health["rank"] is None


def test_show_terminal_and_json_cli(cache_dir, monkeypatch):
    monkeypatch.setenv("BUURTSCAN_CACHE_DIR", str(cache_dir))
    result = CliRunner().invoke(app, ["show", "BU05183620"])
    assert result.exit_code == 0, result.stderr
    for text in ("Buurtscan Moerwijk-Oost", "Algemene gegevens", "Armoede & schulden", "3.360", "n.b.", "Bronnen"):
        assert text in result.stdout
    result = CliRunner().invoke(app, ["show", "bu05183620", "--json"])
    assert json.loads(result.stdout)["region"]["code"] == "BU05183620"
    result = CliRunner().invoke(app, ["show", "BU03630000"])
    assert result.exit_code == 2 and "Nothing is cached for BU03630000" in result.stderr


def test_indicators_command():
    result = CliRunner().invoke(app, ["indicators"])
    assert result.exit_code == 0
    assert "Veiligheid & criminaliteit [veiligheid]" in result.stdout and "politie" in result.stdout
    data = json.loads(CliRunner().invoke(app, ["indicators", "--json"]).stdout)
    assert len(data["domains"]) == 9 and all(len(d["indicators"]) >= 4 for d in data["domains"])


def test_bundled_example_renders_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("BUURTSCAN_CBS_URL", "http://127.0.0.1:9")  # nothing listens: no network is used
    result = CliRunner().invoke(app, ["render", "BU05183620", "--example", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["BU05183620-moerwijk-oost.html", "BU05183620-moerwijk-oost.pdf"]
    assert str(tmp_path / "BU05183620-moerwijk-oost.pdf") in result.stdout


def test_partner_figures_flow_into_scan_and_note(tmp_path, shared_fake):
    """Merged partner data (made-up example files) appears in its domain, named as source."""
    from buurtscan.actions import merge as merging
    from buurtscan.report.build import build_report

    examples = EXAMPLES
    settings = Settings(cache_dir=tmp_path / "cache", backoff=0.0)
    fetch(settings, ["BU05183620"], transport=shared_fake.transport(), sources=["cbs_kwb"])
    merging.merge(settings, examples / "corporatie_2024.csv", source="corporatie", mapping=examples / "corporatie.toml")
    scan = build_scan(Cache(settings.cache_dir), "BU05183620")
    data = scan.as_dict()
    arrears = indicator(data, "corporatie.huurachterstanden")
    assert arrears["source"] == "corporatie" and arrears["partner"] is True and arrears["period"] == "2024"
    assert arrears["values"]["buurt"] == pytest.approx(38 / 3360 * 1000)  # count → per 1.000 inwoners
    assert arrears["rank"] is None  # the corporatie did not supply every buurt of Den Haag
    section = next(s for s in data["sections"] if any(i["id"] == "corporatie.huurachterstanden" for i in s["indicators"]))
    assert section["id"] == "armoede"
    [prov] = [s for s in data["sources"] if s["source"] == "corporatie"]
    assert prov["partner"]["file"] == "corporatie_2024.csv" and len(prov["partner"]["sha256"]) == 64
    assert prov["partner"]["rows"] >= 11 and prov["partner"]["merged_at"]
    from buurtscan.actions.status import cache_status

    [st] = [t for t in cache_status(settings, check_upstream=False) if t.source == "corporatie"]
    assert st.partner == prov["partner"]
    report = build_report(scan)
    armoede = next(d for d in report.domains if d.id == "armoede")
    assert armoede.partner and armoede.partner[0].source.startswith("Bron: corporatie, aangeleverd ")
    assert any("corporatie" in n.text for n in report.sources)
    # a partner figure shows its unit and year, and the wijk/gemeente value where known; one date style
    arrears_fig = next(p for p in armoede.partner if p.label.startswith(indicator(data, "corporatie.huurachterstanden")
                                                                       ["label"]))
    assert "per 1.000 inwoners" in arrears_fig.label and arrears_fig.label.endswith(", 2024")
    assert re.search(r"aangeleverd \d{1,2} [a-z]+ \d{4}$|toegevoegd op \d{1,2} [a-z]+ \d{4}$", arrears_fig.source)
    if data["sections"] and arrears["values"]["gemeente"] is not None:
        assert "gemeente" in arrears_fig.compare


def test_render_a_whole_gemeente_from_the_example(tmp_path):
    from buurtscan.example import example_cache
    from buurtscan.scan import GemeenteData

    buurten = GemeenteData(example_cache(), "GM0489").codes("buurt")
    result = CliRunner().invoke(app, ["-q", "render", "--gemeente", "GM0489", "--example", "--format", "md",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == len(buurten) > 50  # Barendrecht: every cached buurt, one note each
    assert all(name.startswith("BU0489") and name.endswith(".md") for name in files)
    assert result.stdout.count("\n") == len(buurten)  # one path per line on stdout


def test_example_carries_series_and_honest_provenance(tmp_path):
    """Issue 11: `show --json BU05183620 --example` carries series for inwoners, misdrijven and the
    Leefbaarometer; the example says it was put together from published files, not downloaded."""
    result = CliRunner().invoke(app, ["show", "--json", "BU05183620", "--example"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    by_id = {i["id"]: i for s in data["sections"] for i in s["indicators"]}
    inw = by_id["inwoners"]["series"]
    assert inw["periods"] == ["2019", "2021", "2024"] and inw["buurt"] == [3245, 2855, 3360]  # real figures
    assert inw["tables"] == ["84583NED", "85039NED", "85984NED"] and inw["break"] is None
    crime = by_id["misdrijven"]["series"]
    assert crime["periods"][0] == "2012" and crime["periods"][-1] == "2023" and len(crime["periods"]) == 12
    assert crime["buurt"][-1] == pytest.approx(333 / 3360 * 1000)
    lbm = by_id["leefbaarheid"]["series"]
    assert lbm["periods"] == ["2002", "2008", "2012", "2014", "2016", "2018", "2020", "2022", "2024"]
    assert lbm["buurt"][-1] == pytest.approx(3.8703200808061)
    for s in data["sources"]:
        assert s["note"] == "samengesteld uit gepubliceerde bestanden" and s["files"], s
        assert "opendata.cbs.nl/ODataFeed" not in (s["request_url"] or "")
    assert "47025NED" in {s["table_id"] for s in data["sources"]}  # the Nederland reference is named
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["-q", "render", "BU05183620", "--example", "--format", "md", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert "(tabel 85984NED), cijfers over 2024, samengesteld uit gepubliceerde bestanden" in md
    assert "opgehaald op" not in md
    kwb = next(s for s in data["sources"] if s["table_id"] == "85984NED")
    assert any(f.startswith("Kerncijfers_wijken_en_buurten_2024_geslachten.csv") for f in kwb["files"])
