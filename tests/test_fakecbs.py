"""Tests of the fake CBS service itself (tests/fakecbs.py) and of the committed fixtures.

Offline and fast: httpx against ``FakeCBS.transport()`` and against the loopback server.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.fakecbs import FakeCBS, FilterError, _load_entity_file, compile_filter, serve
from tests.paths import FIXTURES, ROOT as REPO

CBS = "https://opendata.cbs.nl"
DD = "https://dataderden.cbs.nl"


def fixture_rows(catalog: str, table: str, entity: str) -> list[dict]:
    """The rows of a fixture file, read directly (through the fake's parse cache)."""
    base = FIXTURES / "odata" / catalog / table / entity
    for p in (Path(str(base) + ".json"), Path(str(base) + ".json.gz")):
        if p.is_file():
            return _load_entity_file(p).rows
    raise FileNotFoundError(base)


class Env:
    """A client plus the two catalogue base URLs, for one transport mode."""

    def __init__(self, fake: FakeCBS, client: httpx.Client, cbs: str, dd: str, mode: str):
        self.fake, self.client, self.cbs, self.dd, self.mode = fake, client, cbs, dd, mode

    def get(self, url: str, **kw) -> httpx.Response:
        return self.client.get(url, **kw)

    def feed_all(self, url: str) -> tuple[list[dict], list[str]]:
        rows, links = [], []
        while url:
            r = self.get(url)
            assert r.status_code == 200, r.text
            doc = r.json()
            rows += doc["value"]
            url = doc.get("odata.nextLink")
            if url:
                links.append(url)
        return rows, links


def make_env(mode: str, **fake_kw):
    fake = FakeCBS(**fake_kw)
    if mode == "mock":
        with httpx.Client(transport=fake.transport(), timeout=5, verify=False) as c:
            yield Env(fake, c, CBS, DD, mode)
    else:
        with serve(fake) as base, httpx.Client(timeout=5, verify=False) as c:  # plain http
            yield Env(fake, c, base, base + "/dataderden", mode)


@pytest.fixture(params=["mock", "server"])
def env(request):
    yield from make_env(request.param)


@pytest.fixture(params=["mock", "server"])
def small_env(request):
    yield from make_env(request.param, page_size=100)


# --------------------------------------------------------------------------- paging


def test_feed_paging_follows_nextlink_to_the_end(small_env):
    e = small_env
    expected = fixture_rows("dataderden", "47018NED", "TypedDataSet")
    rows, links = e.feed_all(f"{e.dd}/ODataFeed/odata/47018NED/TypedDataSet?$format=json")
    assert len(links) >= 3 and len(links) == (len(expected) - 1) // 100
    assert len(rows) == len(expected) == 512
    assert [r["ID"] for r in rows] == [r["ID"] for r in expected]
    for i, link in enumerate(links, start=1):
        assert link.startswith(f"{e.dd}/ODataFeed/odata/47018NED/TypedDataSet?")
        assert f"$skip={i * 100}" in link and "$format=json" in link


def test_feed_paging_keeps_filter_and_select(small_env):
    e = small_env
    url = (
        f"{e.cbs}/ODataFeed/odata/84583NED/TypedDataSet?$filter=startswith(WijkenEnBuurten,'BU')"
        f"&$select=WijkenEnBuurten,AantalInwoners_5"
    )
    rows, links = e.feed_all(url)
    assert len(links) == 1  # 114 buurten, pages of 100
    assert len(rows) == 114 and all(r["WijkenEnBuurten"].startswith("BU") for r in rows)
    assert all(set(r) == {"WijkenEnBuurten", "AantalInwoners_5"} for r in rows)


def test_feed_top_spanning_pages(small_env):
    e = small_env
    rows, links = e.feed_all(f"{e.dd}/ODataFeed/odata/47018NED/TypedDataSet?$top=250&$skip=10")
    assert len(rows) == 250 and len(links) == 2
    expected = fixture_rows("dataderden", "47018NED", "TypedDataSet")[10:260]
    assert [r["ID"] for r in rows] == [r["ID"] for r in expected]


def test_api_top_skip(env):
    r = env.get(f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet", params={"$top": "3", "$skip": "2"})
    expected = fixture_rows("dataderden", "47018NED", "TypedDataSet")[2:5]
    assert r.json()["value"] == expected
    assert "odata.nextLink" not in r.json()


def test_national_table_values_and_throughput():
    fake = FakeCBS(keep_bodies=False)
    with httpx.Client(transport=fake.transport()) as c:
        r = c.get(
            f"{CBS}/ODataApi/odata/85984NED/TypedDataSet",
            params={
                "$filter": "WijkenEnBuurten eq 'BU05183620' or WijkenEnBuurten eq 'NL00      '",
                "$select": "WijkenEnBuurten,AantalInwoners_5,Gemeentenaam_1",
            },
        )
        got = {row["WijkenEnBuurten"]: row for row in r.json()["value"]}
        assert got["BU05183620"]["AantalInwoners_5"] == 3360
        assert got["NL00      "]["AantalInwoners_5"] == 17942942
        assert got["BU05183620"]["Gemeentenaam_1"] == "'s-Gravenhage".ljust(40)
        # server-side paging speed over the whole country (bytes only, no client JSON parse)
        t0, n, url = time.perf_counter(), 0, f"{CBS}/ODataFeed/odata/85984NED/TypedDataSet"
        while url:
            body = c.get(url).content
            n += body.count(b'{"ID":')
            m = re.search(rb'"odata.nextLink":"([^"]+)"', body)
            url = m.group(1).decode() if m else None
        rate = n / (time.perf_counter() - t0)
    assert n == 18310
    assert rate > 10_000, f"{rate:.0f} rows/s"


# --------------------------------------------------------------------------- $filter


def values(env, url, **params):
    r = env.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()["value"]


def test_filter_eq_is_exact_against_padded_value(env):
    url = f"{env.cbs}/ODataApi/odata/84583NED/TypedDataSet"
    padded = values(env, url, **{"$filter": "WijkenEnBuurten eq 'GM0518    '", "$select": "AantalInwoners_5"})
    assert padded == [{"AantalInwoners_5": 537833}]
    assert values(env, url, **{"$filter": "WijkenEnBuurten eq 'GM0518'", "$select": "ID"}) == []


def test_filter_startswith_or_and_parentheses(env):
    url = f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet"
    rows = values(
        env, url, **{"$filter": "startswith(WijkenEnBuurten,'BU051836')", "$select": "WijkenEnBuurten"}
    )
    assert {r["WijkenEnBuurten"] for r in rows} == {"BU05183620", "BU05183637", "BU05183638", "BU05183639"}
    rows = values(
        env,
        url,
        **{
            "$filter": "WijkenEnBuurten eq 'BU05183620' or WijkenEnBuurten eq 'BU04890101'",
            "$select": "WijkenEnBuurten,GeregistreerdeMisdrijven_1",
        },
    )
    assert sorted((r["WijkenEnBuurten"], r["GeregistreerdeMisdrijven_1"]) for r in rows) == [
        ("BU04890101", 75),
        ("BU05183620", 333),
    ]
    rows = values(
        env,
        url,
        **{
            "$filter": "(SoortMisdrijf eq '0.0.0 ') and (Perioden eq '2023JJ00') and "
            "(WijkenEnBuurten eq 'BU05183620' or WijkenEnBuurten eq 'BU05183637')",
            "$select": "WijkenEnBuurten",
        },
    )
    assert len(rows) == 2
    rows = values(env, url, **{"$filter": "GeregistreerdeMisdrijven_1 eq 333", "$select": "WijkenEnBuurten"})
    assert {"WijkenEnBuurten": "BU05183620"} in rows
    rows = values(
        env,
        url,
        **{
            "$filter": "GeregistreerdeMisdrijven_1 gt 2000 and not startswith(Gemeentenaam_2,'Haarlem')",
            "$select": "GeregistreerdeMisdrijven_1,Gemeentenaam_2",
        },
    )
    assert rows and all(
        r["GeregistreerdeMisdrijven_1"] > 2000 and not r["Gemeentenaam_2"].startswith("Haarlem") for r in rows
    )


def test_filter_substringof_on_catalogue(env):
    rows = values(
        env,
        f"{env.cbs}/ODataCatalog/Tables",
        **{"$filter": "substringof('Kerncijfers wijken en buurten',Title)", "$select": "Identifier,Title"},
    )
    assert sorted(r["Identifier"] for r in rows) == ["84583NED", "85039NED", "85984NED"]
    # strict: case sensitive (real behaviour unknown, see fakecbs docstring)
    assert (
        values(env, f"{env.cbs}/ODataCatalog/Tables", **{"$filter": "substringof('kerncijfers',Title)"}) == []
    )


def test_percent_encoded_dollar_is_understood(env):
    r = env.get(
        f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet?%24filter=WijkenEnBuurten%20eq%20%27BU05183620%27"
        "&%24select=GeregistreerdeMisdrijven_1"
    )
    assert r.json()["value"] == [{"GeregistreerdeMisdrijven_1": 333}]
    assert env.fake.requests[-1].query["$filter"] == "WijkenEnBuurten eq 'BU05183620'"


def test_filter_errors_are_odata_400(env):
    r = env.get(f"{env.cbs}/ODataApi/odata/84583NED/TypedDataSet", params={"$filter": "Nope_1 eq 'x'"})
    assert r.status_code == 400
    assert "Nope_1" in r.json()["odata.error"]["message"]["value"]
    r = env.get(f"{env.cbs}/ODataApi/odata/84583NED/TypedDataSet", params={"$filter": "WijkenEnBuurten eq"})
    assert r.status_code == 400 and "odata.error" in r.json()


def test_compile_filter_unit():
    rows = [{"A": "x  ", "N": 1}, {"A": "y  ", "N": 2}, {"A": "xy ", "N": None}]
    f = compile_filter("A eq 'x  ' or A eq 'y  ' or N eq 5", {"A", "N"})
    assert [r["A"] for r in rows if f(r)] == ["x  ", "y  "]
    f = compile_filter("startswith(A,'x') and (N ge 1 or N eq null)", {"A", "N"})
    assert [r["A"] for r in rows if f(r)] == ["x  ", "xy "]
    f = compile_filter("substringof('y',A) and not (N eq 2)", {"A", "N"})
    assert [r["A"] for r in rows if f(r)] == ["xy "]
    f = compile_filter("tolower(trim(A)) eq 'xy'", {"A", "N"})
    assert [r["A"] for r in rows if f(r)] == ["xy "]
    with pytest.raises(FilterError):
        compile_filter("B eq 1", {"A"})
    with pytest.raises(FilterError):
        compile_filter("A eq 'x' and", {"A"})


# --------------------------------------------------------------------------- $select, limits, 404


def test_select_and_unknown_field(env):
    rows = values(
        env,
        f"{env.dd}/ODataApi/odata/50090NED/TypedDataSet",
        **{
            "$filter": "WijkenEnBuurten eq 'BU05183620'",
            "$select": "WijkenEnBuurten,ErvarenGezondheidGoedZeerGoed_4,LopenNaarSchoolOfWerk_35",
        },
    )
    assert rows == [
        {
            "WijkenEnBuurten": "BU05183620",
            "ErvarenGezondheidGoedZeerGoed_4": 64.9,
            "LopenNaarSchoolOfWerk_35": None,
        }
    ]
    r = env.get(f"{env.dd}/ODataApi/odata/50090NED/TypedDataSet", params={"$select": "ID,Bogus_99"})
    assert r.status_code == 400
    err = r.json()["odata.error"]
    assert err["code"] == "" and err["message"]["lang"] == "en-US" and "Bogus_99" in err["message"]["value"]


def test_api_refuses_more_than_10000_cells(env):
    url = f"{env.cbs}/ODataApi/odata/84583NED/TypedDataSet"
    r = env.get(url, params={"$top": "100"})  # 100 rows x 118 columns
    assert r.status_code == 400 and "10000" in r.json()["odata.error"]["message"]["value"]
    r = env.get(url, params={"$select": "WijkenEnBuurten,AantalInwoners_5"})  # 159 x 2
    assert r.status_code == 200 and len(r.json()["value"]) == 159
    r = env.get(f"{env.cbs}/ODataFeed/odata/84583NED/TypedDataSet")  # the Feed has no limit
    assert r.status_code == 200 and len(r.json()["value"]) == 159


def test_unknown_table_and_entity_set_are_404(env):
    for url in (
        f"{env.cbs}/ODataApi/odata/99999NED/TypedDataSet",
        f"{env.cbs}/ODataFeed/odata/99999NED",
        f"{env.cbs}/ODataApi/odata/85984NED/Bestaatniet",
        f"{env.cbs}/ODataApi/odata/47018NED/TableInfos",
        f"{env.dd}/ODataApi/odata/85984NED/TableInfos",
    ):
        r = env.get(url)
        assert r.status_code == 404, url
        assert "odata.error" in r.json()


def test_service_document_and_count(env):
    doc = env.get(f"{env.dd}/ODataApi/odata/47018NED").json()
    names = [v["name"] for v in doc["value"]]
    assert names[:5] == ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups"]
    assert {"SoortMisdrijf", "WijkenEnBuurten", "Perioden"} <= set(names)
    assert doc["value"][0]["url"] == f"{env.dd}/ODataApi/odata/47018NED/TableInfos"
    # cbsodata asks the service document with a trailing slash
    assert (
        env.get(f"{env.cbs}/ODataFeed/odata/85984NED/?$format=json").json()["value"][2]["name"]
        == "TypedDataSet"
    )
    r = env.get(
        f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet/$count",
        params={"$filter": "startswith(WijkenEnBuurten,'BU0114')"},
    )
    assert r.text == "83"  # Emmen


def test_untyped_dataset_is_padded_strings(env):
    rows = values(
        env,
        f"{env.dd}/ODataApi/odata/47018NED/UntypedDataSet",
        **{"$filter": "WijkenEnBuurten eq 'BU05183620'"},
    )
    assert rows[0]["GeregistreerdeMisdrijven_1"] == "     333" and rows[0]["ID"] == 75695


# --------------------------------------------------------------------------- catalogue, releases


def test_catalogues(env):
    cbs = values(env, f"{env.cbs}/ODataCatalog/Tables", **{"$format": "json"})
    assert [t["Identifier"] for t in cbs] == ["84583NED", "85984NED", "85231NED", "85039NED"]
    assert {t["Title"] for t in cbs} >= {
        "Kerncijfers wijken en buurten 2019",
        "Kerncijfers wijken en buurten 2024",
    }
    assert cbs[1]["FeedUrl"] == f"{env.cbs}/ODataFeed/odata/85984NED"
    dd = values(env, f"{env.dd}/ODataCatalog/Tables")
    assert {(t["Identifier"], t["Catalog"]) for t in dd} == {("47018NED", "Politie"), ("50090NED", "RIVM")}


def test_set_modified_and_remove_table(env):
    fake = env.fake
    before = values(env, f"{env.cbs}/ODataApi/odata/85984NED/TableInfos")[0]["Modified"]
    assert before == "2025-03-27T02:00:00"
    fake.set_modified("cbs", "85984NED", "2025-09-30T02:00:00")
    assert (
        values(env, f"{env.cbs}/ODataApi/odata/85984NED/TableInfos")[0]["Modified"] == "2025-09-30T02:00:00"
    )
    rec = values(env, f"{env.cbs}/ODataCatalog/Tables", **{"$filter": "Identifier eq '85984NED'"})[0]
    assert rec["Modified"] == "2025-09-30T02:00:00"
    fake.remove_table("dataderden", "47018NED")
    assert env.get(f"{env.dd}/ODataFeed/odata/47018NED/TypedDataSet").status_code == 404
    assert [t["Identifier"] for t in values(env, f"{env.dd}/ODataCatalog/Tables")] == ["50090NED"]
    fake.restore_table("dataderden", "47018NED")
    assert env.get(f"{env.dd}/ODataApi/odata/47018NED/TableInfos").status_code == 200


# --------------------------------------------------------------------------- faults


def test_fault_status_with_headers_then_recovers(env):
    env.fake.add_fault("TypedDataSet", "status", times=2, status=503, headers={"Retry-After": "0"})
    url = f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet?$top=1"
    assert env.get(f"{env.dd}/ODataApi/odata/47018NED/TableInfos").status_code == 200  # no match
    for _ in range(2):
        r = env.get(url)
        assert r.status_code == 503 and r.headers["Retry-After"] == "0"
    assert env.get(url).status_code == 200
    assert [q.fault for q in env.fake.requests] == [None, "status", "status", None]


def test_faults_are_consumed_in_order(env):
    env.fake.add_fault("TableInfos", "status", status=429)
    env.fake.add_fault("TableInfos", "gone")
    url = f"{env.cbs}/ODataApi/odata/85984NED/TableInfos"
    assert [env.get(url).status_code for _ in range(3)] == [429, 404, 200]


def test_fault_reset(env):
    env.fake.add_fault("TypedDataSet", "reset")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        env.get(f"{env.dd}/ODataFeed/odata/47018NED/TypedDataSet")
    rec = env.fake.requests[-1]
    assert rec.fault == "reset" and 0 < len(rec.body) < len(
        env.get(f"{env.dd}/ODataFeed/odata/47018NED/TypedDataSet").content
    )


def test_fault_truncate(env):
    env.fake.add_fault("WijkenEnBuurten", "truncate")
    r = env.get(f"{env.dd}/ODataApi/odata/47018NED/WijkenEnBuurten")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)


def test_fault_html(env):
    env.fake.add_fault("/ODataCatalog/", "html")
    r = env.get(f"{env.cbs}/ODataCatalog/Tables")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().lower().startswith("<!doctype html")


def test_fault_slow(env):
    env.fake.add_fault("TypedDataSet", "slow", delay=1.0)
    t0 = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        env.get(f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet?$top=1", timeout=0.2)
    assert time.perf_counter() - t0 < 0.9
    r = env.get(f"{env.dd}/ODataApi/odata/47018NED/TypedDataSet?$top=1")
    assert r.status_code == 200


def test_fault_gone(env):
    env.fake.add_fault("85984NED", "gone")
    r = env.get(f"{env.cbs}/ODataApi/odata/85984NED/TableInfos")
    assert r.status_code == 404 and "85984NED" in r.json()["odata.error"]["message"]["value"]
    assert env.get(f"{env.cbs}/ODataApi/odata/85984NED/TableInfos").status_code == 200


def test_add_fault_rejects_unknown_kind():
    with pytest.raises(ValueError):
        FakeCBS().add_fault("x", "explode")


# --------------------------------------------------------------------------- log, leefbaarometer, misc


def test_request_log(env):
    r = env.get(f"{env.dd}/ODataApi/odata/47018NED/Perioden", params={"$filter": "Key eq '2023JJ00'"})
    rec = env.fake.requests[-1]
    assert (rec.method, rec.path, rec.status, rec.catalog) == (
        "GET",
        "/dataderden/ODataApi/odata/47018NED/Perioden"
        if env.mode == "server"
        else "/ODataApi/odata/47018NED/Perioden",
        200,
        "dataderden",
    )
    assert rec.query == {"$filter": "Key eq '2023JJ00'"}
    assert rec.body == r.content and rec.size == len(r.content)
    env.fake.reset_log()
    assert env.fake.requests == []


def test_leefbaarometer_zip_and_conditional_get(env):
    url = f"{env.cbs}/leefbaarometer/resources/open-data-leefbaarometer-meting-2024.zip"
    r = env.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        text = z.read("Leefbaarometer-scores buurten 2002-2024.csv").decode("utf-8")
    lines = text.splitlines()
    assert len(lines) == 1 + 1453 and lines[0].startswith('"bu_code","bu_naam","jaar","lbm"')  # Barendrecht + Den Haag
    assert any(line.startswith('"BU05183620","Moerwijk-Oost",2024,') for line in lines)
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert env.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert env.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert env.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    assert env.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}).status_code == 200


def test_async_client_with_mock_transport():
    fake = FakeCBS()

    async def go():
        async with httpx.AsyncClient(transport=fake.transport()) as c:
            r = await c.get(
                f"{DD}/ODataApi/odata/50090NED/TypedDataSet",
                params={
                    "$filter": "WijkenEnBuurten eq 'NL01      '",
                    "$select": "ErvarenGezondheidGoedZeerGoed_4",
                },
            )
            return r.json()["value"]

    assert asyncio.run(go()) == [{"ErvarenGezondheidGoedZeerGoed_4": 78.4}]


def test_cli_help():
    out = subprocess.run(
        [sys.executable, "-m", "tests.fakecbs", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert out.returncode == 0
    assert "--page-size" in out.stdout and "--port" in out.stdout


# --------------------------------------------------------------------------- fixtures


def test_fixture_figures_and_shape():
    dp = fixture_rows("cbs", "85984NED", "DataProperties")
    topics = [p["Key"] for p in dp if p["Type"] == "Topic"]
    typed = fixture_rows("cbs", "85984NED", "TypedDataSet")
    assert len(typed) == 18310
    assert all(list(r)[2:] == topics for r in typed[::997])
    regions = fixture_rows("cbs", "85984NED", "WijkenEnBuurten")
    assert [r["Key"] for r in regions] == [r["WijkenEnBuurten"] for r in typed]
    moer = next(r for r in regions if r["Key"] == "BU05183620")
    assert moer["Title"] == "Moerwijk-Oost" and moer["Municipality"] == "GM0518"
    dp19_list = fixture_rows("cbs", "84583NED", "DataProperties")
    dp19 = {p["Key"]: p for p in dp19_list}
    byid = {p["ID"]: p for p in dp19_list}
    grand = [
        byid[byid[dp19[k]["ParentID"]]["ParentID"]]["Title"] for k in ("Appartement_48", "Appartement_56")
    ]
    assert grand == ["Gemiddeld elektriciteitsverbruik", "Gemiddeld aardgasverbruik"]
    assert (dp19["Appartement_48"]["Unit"], dp19["Appartement_56"]["Unit"]) == ("kWh", "m³")
