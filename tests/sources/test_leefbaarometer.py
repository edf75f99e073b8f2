"""Leefbaarometer as it is meant to be read, on the real rows of the fixture zip (Den Haag, Barendrecht).

- Nederland's total score is ``lbm − afw`` of the same row; the dimensions are deviations
  from Nederland, so Nederland is 0 for them;
- gemeente and wijk values only from the gemeente/wijk files of the same download (the
  fixture has none: they stay missing; a test zip with **made-up** level files shows them);
- the total score in words from ``afw``; ranks count only buurten with a score; missing is null.
"""

from __future__ import annotations

import csv
import io
import zipfile

import httpx
import polars as pl
import pytest

from buurtscan.cache import Cache
from buurtscan.actions.fetch import fetch
from buurtscan.leefbaarheid import KLASSEN, klasse
from buurtscan.scan import build_scan
from buurtscan.settings import Settings
from buurtscan.sources.leefbaarometer import nederland, read_scores
from tests.fakecbs import DEFAULT_FIXTURES, LBM_FILE

LBM_CSV = "Leefbaarometer-scores buurten 2002-2024.csv"
LBM_URL = "https://www.leefbaarometer.nl/resources/" + LBM_FILE
DIMENSIONS = {"lbm_fysiek": "fys", "lbm_sociaal": "soc", "lbm_veiligheid": "onv", "lbm_voorzieningen": "vrz",
              "lbm_woningvoorraad": "won"}


def real_csv() -> bytes:
    with zipfile.ZipFile(DEFAULT_FIXTURES / "leefbaarometer" / LBM_FILE) as z:
        return z.read(LBM_CSV)


def real_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(real_csv().decode("utf-8"))))


def row(code: str, jaar: str) -> dict[str, str]:
    return next(r for r in real_rows() if r["bu_code"] == code and r["jaar"] == jaar)


def num(text: str) -> float | None:
    return None if text == "NA" else float(text)


def make_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


# ----------------------------------------------------------------------------- the words
@pytest.mark.parametrize(("afw", "words"), [
    (0.30, KLASSEN[0]), (0.2999, KLASSEN[1]), (0.10, KLASSEN[1]), (0.0999, KLASSEN[2]), (0.0, KLASSEN[2]),
    (-0.0999, KLASSEN[2]), (-0.10, KLASSEN[3]), (-0.2999, KLASSEN[3]), (-0.30, KLASSEN[4]), (-1.5, KLASSEN[4]),
])
def test_klasse_bounds(afw, words):
    assert klasse(afw) == words


def test_klasse_without_a_score_is_none():
    assert klasse(None) is None and klasse(float("nan")) is None
    assert [w.split(" het ")[0] for w in KLASSEN] == ["ruim boven", "boven", "rond", "onder", "ruim onder"]


# ----------------------------------------------------------------------------- Nederland from the rows
def test_nederland_is_lbm_minus_afw_of_the_same_row_and_zero_for_dimensions(tmp_path):
    (tmp_path / "z.zip").write_bytes(make_zip({LBM_CSV: real_csv()}))
    scores = read_scores(tmp_path / "z.zip", LBM_URL)
    nl = nederland(scores.frame)
    years = sorted({int(r["jaar"]) for r in real_rows()})
    assert nl["jaar"].to_list() == years and set(nl["region_code"]) == {"NL00"}
    for r in real_rows()[:: 97]:  # a spread of real rows: each one's lbm − afw is the reference
        if r["lbm"] == "NA" or r["afw"] == "NA":
            continue
        ref = nl.filter(pl.col("jaar") == int(r["jaar"]))["lbm"][0]
        assert ref == pytest.approx(float(r["lbm"]) - float(r["afw"]), abs=1e-9)
    with_dims = {int(r["jaar"]) for r in real_rows() if r["fys"] != "NA"}
    assert with_dims == {2014, 2018, 2020, 2022, 2024}
    for year in years:
        got = nl.filter(pl.col("jaar") == year).row(0, named=True)
        assert got["afw"] == 0.0
        for dim in ("fys", "onv", "soc", "vrz", "won"):
            assert got[dim] == (0.0 if year in with_dims else None)  # never a 0 where there is no figure


def test_no_reference_when_the_rows_of_a_year_disagree(tmp_path):
    text = real_csv().decode("utf-8")
    r = row("BU05183620", "2024")
    line = next(ln for ln in text.splitlines() if ln.startswith('"BU05183620"') and ',2024,' in ln)
    changed = line.replace(r["lbm"], "3.9", 1)  # one row's lbm off by 0.03: lbm − afw no longer agrees
    (tmp_path / "z.zip").write_bytes(make_zip({LBM_CSV: text.replace(line, changed).encode()}))
    nl = nederland(read_scores(tmp_path / "z.zip", LBM_URL).frame)
    assert nl.filter(pl.col("jaar") == 2024)["lbm"][0] is None  # not invented
    assert nl.filter(pl.col("jaar") == 2022)["lbm"][0] == pytest.approx(4.10226485114369, abs=1e-9)


# ----------------------------------------------------------------------------- the scan model
@pytest.fixture(scope="module")
def scanned(tmp_path_factory, shared_fake):
    settings = Settings(cache_dir=tmp_path_factory.mktemp("lbm"), backoff=0.0)
    fetch(settings, ["BU05183620", "BU05184107"], transport=shared_fake.transport(),
          sources=["cbs_kwb", "leefbaarometer"])
    cache = Cache(settings.cache_dir)
    return {code: build_scan(cache, code).as_dict() for code in ("BU05183620", "BU05184107")}


def indicator(scan, ind_id):
    return next(i for s in scan["sections"] for i in s["indicators"] if i["id"] == ind_id)


def test_scan_reads_total_and_dimensions_against_nederland(scanned):
    r = row("BU05183620", "2024")
    total = indicator(scanned["BU05183620"], "leefbaarheid")
    assert total["period"] == "2024"
    assert total["values"]["buurt"] == float(r["lbm"])
    assert total["values"]["nederland"] == pytest.approx(float(r["lbm"]) - float(r["afw"]), abs=1e-12)
    assert total["statuses"]["nederland"] == "ok"
    # the fixture has no gemeente or wijk file: those values are not shown, not computed from buurten
    assert total["values"]["gemeente"] is None and total["values"]["wijk"] is None
    assert total["klasse"] == klasse(float(r["afw"])) == "onder het Nederlandse gemiddelde"  # afw −0.23
    for ind_id, column in DIMENSIONS.items():
        dim = indicator(scanned["BU05183620"], ind_id)
        assert dim["values"]["buurt"] == float(r[column]) and dim["values"]["nederland"] == 0.0, ind_id
        assert dim["klasse"] is None


def test_ranks_count_only_buurten_with_a_score(scanned):
    den_haag = {r["bu_code"]: num(r["lbm"]) for r in real_rows()
                if r["bu_code"].startswith("BU0518") and r["jaar"] == "2024"}
    scored = [v for v in den_haag.values() if v is not None]
    assert len(scored) < 114  # KWB 2024 has 114 buurten in Den Haag; some have no Leefbaarometer score
    total = indicator(scanned["BU05183620"], "leefbaarheid")
    assert total["rank_of"] == len(scored)
    assert total["rank"] == 1 + sum(v > den_haag["BU05183620"] for v in scored)


def test_a_buurt_without_scores_is_missing_not_zero(scanned):
    assert not any(r["bu_code"] == "BU05184107" for r in real_rows())
    total = indicator(scanned["BU05184107"], "leefbaarheid")
    assert total["values"]["buurt"] is None and total["statuses"]["buurt"] == "ontbreekt"
    assert total["rank"] is None and total["signal"] is None and total["klasse"] is None
    assert total["values"]["nederland"] == pytest.approx(4.10226485114369, abs=1e-9)  # the reference still shows


# ----------------------------------------------------------------------------- gemeente and wijk files
# MADE-UP values (not Leefbaarometer figures): only to show that level files are read, when present.
MADE_UP_GEMEENTE = ('"gm_code","gm_naam","jaar","lbm","afw","fys","onv","soc","vrz","won"\n'
                    '"GM0518","\'s-Gravenhage",2024,4.0,-0.1022648511,0.01,-0.05,-0.02,0.02,-0.0622648511\n')
MADE_UP_WIJK = ('"wk_code","wk_naam","jaar","lbm","afw","fys","onv","soc","vrz","won"\n'
                '"WK051836","Wijk 36 Moerwijk",2024,3.85,-0.2522648511,NA,NA,NA,NA,NA\n')


def test_gemeente_and_wijk_values_come_from_their_files(tmp_path, shared_fake):
    data = make_zip({LBM_CSV: real_csv(), "Leefbaarometer-scores gemeenten 2002-2024.csv": MADE_UP_GEMEENTE.encode(),
                     "Leefbaarometer-scores wijken 2002-2024.csv": MADE_UP_WIJK.encode()})
    inner = shared_fake.transport()

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LBM_URL:
            return httpx.Response(200, content=data, headers={"Content-Type": "application/zip"})
        return inner.handle_request(request)

    settings = Settings(cache_dir=tmp_path / "cache", backoff=0.0)
    report = fetch(settings, ["BU05183620", "WK051836"], transport=httpx.MockTransport(handler),
                   sources=["cbs_kwb", "leefbaarometer"])
    assert not [s for s in report.skipped if s.source == "leefbaarometer"]  # the wijk has figures now
    scan = build_scan(Cache(settings.cache_dir), "BU05183620").as_dict()
    total = indicator(scan, "leefbaarheid")
    assert total["values"]["gemeente"] == 4.0 and total["values"]["wijk"] == 3.85
    assert indicator(scan, "lbm_fysiek")["values"]["gemeente"] == 0.01
    assert indicator(scan, "lbm_fysiek")["values"]["wijk"] is None  # NA stays missing
    wijk = build_scan(Cache(settings.cache_dir), "WK051836").as_dict()
    assert indicator(wijk, "leefbaarheid")["klasse"] == "onder het Nederlandse gemiddelde"  # afw −0.25


def test_a_level_file_too_large_to_unpack_is_left_out_with_a_note(tmp_path):
    buurten = real_csv()
    big = (MADE_UP_GEMEENTE + MADE_UP_GEMEENTE.splitlines()[1] * 40_000).encode()  # made up, > the cap
    (tmp_path / "z.zip").write_bytes(make_zip({LBM_CSV: buurten, "Leefbaarometer-scores gemeenten 2024.csv": big}))
    scores = read_scores(tmp_path / "z.zip", LBM_URL, max_unpacked=len(buurten) + 1000)
    assert scores.members == {"buurt": LBM_CSV} and len(scores.notes) == 1
    assert "gemeente scores are not used" in scores.notes[0]
    assert scores.frame.height == len(real_rows())
