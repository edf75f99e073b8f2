"""Vergelijkbare buurten benchmark: what the national profile costs to fetch, and how fast the search is.

    pip install '.[bench]' && python bench/similar.py

A FakeCBS server (tests/fakecbs.py: the national 2024 rows of 85984NED, built from real CBS
exports) runs on loopback in this process. Measured in the same run:

1. **Data.** `fetch --similar` (the profile columns of every buurt, a few paged requests) against
   reading the whole table (every row, every column) through the same client — requests and
   bytes as counted by buurtscan's HTTP client. Note: in the fake most 2024 topics are null, so
   the whole table is *smaller* there than the real one (where they are filled).
2. **Speed.** Loading the profile from the cache, the k nearest buurten of one buurt and of a
   whole gemeente (Den Haag, 114 buurten; Amsterdam, the largest), against a baseline in the
   same run: the same rule in plain Python over the buurten (one buurt). Targets (issue 18):
   one buurt under 50 ms after loading, a gemeente under 1 s.
3. **The similar buurten's own rows.** A plain `fetch BU05183620` (Kerncijfers and RIVM, no older
   years): the requests that read the rows of the 10 similar buurten of each of Den Haag's buurten
   (by buurtcode), against reading the same columns for every buurt of the country: for
   85984NED measured (the fake holds the whole table), for 50090NED estimated from the bytes per
   row measured here times the 17,341 rows of the real national file (18+, point estimate, 2020;
   /work/shared/data/real/SOURCES.md) — the fake holds only the rows the tests need.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from buurtscan import similar  # noqa: E402
from buurtscan.cache import Cache  # noqa: E402
from buurtscan.actions.fetch import fetch  # noqa: E402
from buurtscan.http_client import Http  # noqa: E402
from buurtscan.odata import CbsOData  # noqa: E402
from buurtscan.settings import Settings  # noqa: E402
from tests.fakecbs import FakeCBS, serve  # noqa: E402
from tests.actions.test_similar_rows import similar_requests  # noqa: E402

RIVM_NATIONAL_ROWS = 17341  # rows of RIVM_gezondheid2020_18+.xlsx (every region of Nederland, 18+, 2020)

BUURT = "BU05183620"


def best_of(fn, n: int = 7) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plain_python(profile: similar.Profile, code: str, k: int = 10) -> list[str]:
    """Baseline: the same distance, one buurt at a time in a Python loop."""
    i = profile.position(code)
    assert i is not None
    z = profile.z.tolist()
    w = profile.weights.tolist()
    me = z[i]
    used = [j for j, v in enumerate(me) if not math.isnan(v)]
    wsum = sum(w[j] for j in used)
    out = []
    for c, (row, gm, has) in enumerate(zip(z, profile.gemeenten, profile.has_profile, strict=True)):
        if not has or gm == profile.gemeenten[i] or any(math.isnan(row[j]) for j in used):
            continue
        out.append((round(math.sqrt(sum(w[j] * (row[j] - me[j]) ** 2 for j in used) / wsum), 9), c))
    out.sort()
    return [str(profile.codes[c]) for _, c in out[:k]]


def main() -> None:
    fake = FakeCBS()
    with serve(fake) as base, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache", cbs_url=base, dataderden_url=base + "/dataderden",
                            backoff=0.0)
        fake.reset_log()
        start = time.perf_counter()
        report = fetch(settings, similar=True)
        took = time.perf_counter() - start
        stored = sum(report.stored.values())
        data = [r for r in fake.requests if r.path.endswith("/TypedDataSet")]
        print("1. Data (loopback fake with the national rows of 85984NED)")
        print(f"   fetch --similar, all   {report.requests:3d} requests {report.bytes / 1e6:7.2f} MB  "
              f"{took:5.2f} s  ({stored:,} tidy rows; catalogue, TableInfos, DataProperties, region list)")
        print(f"   fetch --similar, data  {len(data):3d} requests {sum(r.size for r in data) / 1e6:7.2f} MB  "
              f"(TypedDataSet, $select of {len(similar.stems())} topics, buurten only)")
        with Http(settings) as http:
            api = CbsOData(http, base)
            start = time.perf_counter()
            rows = sum(len(p) for p in api.pages("85984NED", "TypedDataSet"))
            took_all = time.perf_counter() - start
            whole_req, whole_bytes = http.traffic.requests, http.traffic.bytes
        print(f"   whole table (baseline) {whole_req:3d} requests {whole_bytes / 1e6:7.2f} MB  {took_all:5.2f} s  "
              f"({rows:,} rows, every column; data only)")
        data_bytes = sum(r.size for r in data)
        print(f"   whole table / fetch --similar: {whole_bytes / report.bytes:.1f}x the bytes (all of it), "
              f"{whole_bytes / data_bytes:.1f}x (data requests only)")

        cache = Cache(settings.cache_dir)
        start = time.perf_counter()
        profile = similar.build_profile(cache.scan(source=similar.NAME).collect())
        load = time.perf_counter() - start
        assert profile is not None
        print("\n2. Speed (after loading)")
        print(f"   load profile from the cache           {load * 1000:8.1f} ms  ({len(profile.codes):,} buurten, "
              f"{len(profile.dimensions)} dimensions)")
        one = best_of(lambda: similar.nearest(profile, [BUURT]))
        base_one = best_of(lambda: plain_python(profile, BUURT), n=3)
        assert plain_python(profile, BUURT) == [n.code for n in similar.nearest(profile, [BUURT])[BUURT].neighbours]
        print(f"   one buurt ({BUURT})               {one * 1000:8.2f} ms   target < 50 ms: "
              f"{'ok' if one < 0.05 else 'MISSED'}")
        print(f"   baseline: plain Python loop           {base_one * 1000:8.1f} ms   ratio {base_one / one:6.0f}x")
        for gm in ("GM0518", "GM0363"):
            codes = [str(c) for c in profile.codes[profile.gemeenten == gm]]
            t = best_of(lambda codes=codes: similar.nearest(profile, codes), n=3)
            print(f"   gemeente {gm} ({len(codes):3d} buurten)        {t * 1000:8.1f} ms   target < 1 s: "
                  f"{'ok' if t < 1 else 'MISSED'}; ratio vs baseline x buurten "
                  f"{base_one * len(codes) / t:5.0f}x")
        per = statistics.median([best_of(lambda: similar.nearest(profile, [BUURT]), n=1) for _ in range(5)])
        print(f"   (median of 5 single runs: {per * 1000:.2f} ms)")
        similar_rows(fake, settings)


def similar_rows(fake: FakeCBS, settings: Settings) -> None:
    import polars as pl

    from buurtscan.odata import startswith

    print("\n3. The similar buurten's own rows (fetch BU05183620 --source cbs_kwb --source rivm --history 0)")
    fake.reset_log()
    report = fetch(settings, [BUURT], history=0, sources=["cbs_kwb", "rivm"])
    cache = Cache(settings.cache_dir)
    for table, side in (("85984NED", "cbs_kwb_similar"), ("50090NED", "rivm_similar")):
        asked = similar_requests(fake.requests, table)
        got = sum(r.size for r in asked)
        rows = cache.scan(source=side).collect()
        codes = rows["region_code"].n_unique()
        select = asked[0].query["$select"].split(",") if asked else []
        print(f"   {table}: {len(asked):3d} requests {got / 1e6:7.3f} MB for {codes} buurten "
              f"({len(select) - 1} columns, {rows.height:,} tidy rows; every URL <= "
              f"{max((len(r.url) for r in asked), default=0)} characters)")
        with Http(settings) as http:
            api = CbsOData(http, settings.cbs_url if table == "85984NED" else settings.dataderden_url)
            if table == "85984NED":
                n = sum(len(p) for p in api.pages(table, "TypedDataSet", filter=startswith("WijkenEnBuurten", "BU"),
                                                   select=select))
                same = http.traffic.bytes
                list(api.pages(table, "TypedDataSet"))
                whole = http.traffic.bytes - same
                print(f"      the same columns for all {n:,} buurten: {http.traffic.requests - 2} requests "
                      f"{same / 1e6:.2f} MB ({same / got:.0f}x); the whole table {whole / 1e6:.1f} MB "
                      f"({whole / got:.0f}x)")
            else:
                returned = rows.filter(pl.col("value").is_not_null())["region_code"].n_unique()  # rows CBS sent
                per_row = got / max(returned, 1)
                est = per_row * RIVM_NATIONAL_ROWS
                print(f"      the same columns for the whole country (estimated: {per_row:,.0f} bytes per row x "
                      f"{RIVM_NATIONAL_ROWS:,} rows): {est / 1e6:.1f} MB ({est / got:.0f}x), in at least "
                      f"{-(-RIVM_NATIONAL_ROWS // 10000)} paged requests")
    print(f"   the whole fetch: {report.requests} requests, {report.bytes / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
