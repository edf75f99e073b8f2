"""Fetch benchmark: buurtscan vs the official `cbsodata` client against the same loopback server.

    pip install '.[bench]' && python bench/fetch.py

A FakeCBS server (tests/fakecbs.py, the national 2024 rows of 85984NED built from real CBS
exports) runs in this process; every client run happens in a fresh subprocess so that
its wall time and peak memory are its own. Requests and bytes are counted by the server.
Scenarios: (a) one buurt, (b) a whole gemeente, (c) every gemeente of the country.
Targets (issue 2): (a) at least 5x fewer bytes than cbsodata; (c) no slower than
cbsodata; peak memory for (c) under 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLE = "85984NED"
BUURT = "BU05183620"
GEMEENTE = "GM0518"
SCENARIOS = {
    "one buurt": {"buurtscan": [BUURT], "cbsodata": f"WijkenEnBuurten eq '{BUURT}'"},
    "gemeente": {
        "buurtscan": ["--gemeente", GEMEENTE],
        "cbsodata": f"WijkenEnBuurten eq '{GEMEENTE}    ' or startswith(WijkenEnBuurten,'WK{GEMEENTE[2:]}') "
        f"or startswith(WijkenEnBuurten,'BU{GEMEENTE[2:]}')",
    },
    "country": {"buurtscan": ["--all"], "cbsodata": None},
}


# --------------------------------------------------------------------- child side
def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it is not inherited at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(client: str, scenario: str, base_url: str) -> None:
    """Run one client once and print a JSON line with wall time, rows and peak memory."""
    start = time.perf_counter()
    if client == "buurtscan":
        from buurtscan.actions.fetch import fetch
        from buurtscan.settings import Settings

        args = SCENARIOS[scenario]["buurtscan"]
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(cache_dir=Path(tmp), cbs_url=base_url, dataderden_url=base_url + "/dataderden",
                                backoff=0.0)
            codes = [a for a in args if not a.startswith("--") and not a.startswith("GM")]
            report = fetch(
                settings,
                codes,
                gemeenten=[GEMEENTE] if "--gemeente" in args else [],
                whole_country="--all" in args,
                sources=["cbs_kwb"],
            )
            rows = sum(report.stored.values())
    else:
        import cbsodata

        host = base_url.split("://", 1)[1]
        cbsodata.options.catalog_url = host
        cbsodata.options.use_https = False
        flt = SCENARIOS[scenario]["cbsodata"]
        data = cbsodata.get_data(TABLE, filters=flt) if flt else cbsodata.get_data(TABLE)
        rows = len(data)
    elapsed = time.perf_counter() - start
    peak_mb = peak_rss_mb()
    print(json.dumps({"seconds": elapsed, "rows": rows, "peak_mb": peak_mb}))


# --------------------------------------------------------------------- parent side
def run(client: str, scenario: str, base_url: str, fake) -> dict:
    fake.reset_log()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", client, scenario, base_url],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{client} / {scenario} failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["requests"] = len(fake.requests)
    result["bytes"] = sum(r.size for r in fake.requests)
    tables: dict[str, list[int]] = {}  # table id -> [requests, bytes]: what each (older) table cost
    for r in fake.requests:
        parts = [p for p in r.path.split("/") if p]
        table = parts[2] if len(parts) > 2 and parts[0] in ("ODataFeed", "ODataApi") else parts[-1] if parts else "?"
        cost = tables.setdefault(table, [0, 0])
        cost[0] += 1
        cost[1] += r.size
    result["by_table"] = tables
    result["seconds_with_start"] = total
    return result


def warm_up(fake) -> None:
    """Load and serialise the fixtures in the server before timing, so no client pays for it."""
    for entity in ("TableInfos", "DataProperties", "WijkenEnBuurten", "TypedDataSet"):
        fake.warm("cbs", TABLE, entity)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=3, metavar=("CLIENT", "SCENARIO", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best time is kept)")
    parser.add_argument("--only", choices=list(SCENARIOS), help="run one scenario")
    ns = parser.parse_args()
    if ns.child:
        child(*ns.child)
        return
    try:
        import cbsodata  # noqa: F401
    except ImportError:
        raise SystemExit("The baseline needs cbsodata: pip install '.[bench]'") from None
    from tests.fakecbs import FakeCBS, serve

    fake = FakeCBS(keep_bodies=False)
    warm_up(fake)
    results: dict[str, dict[str, dict]] = {}
    with serve(fake) as base_url:
        for scenario in [ns.only] if ns.only else SCENARIOS:
            results[scenario] = {}
            for client in ("buurtscan", "cbsodata"):
                runs = [run(client, scenario, base_url, fake) for _ in range(ns.repeat)]
                best = min(runs, key=lambda r: r["seconds"])
                results[scenario][client] = best
                print(f"{scenario:10} {client:10} {best['requests']:4d} req {best['bytes'] / 1e6:8.2f} MB "
                      f"{best['seconds']:7.2f} s ({best['seconds_with_start']:.2f} s with start) "
                      f"peak {best['peak_mb']:6.0f} MB  rows {best['rows']:,}", flush=True)
                if client == "buurtscan":
                    print("           per table: " + ", ".join(
                        f"{t} {n} req {b / 1e3:,.0f} kB" for t, (n, b) in sorted(best["by_table"].items())))
    print()
    print(f"{'scenario':10} {'bytes cbsodata/buurtscan':>26} {'requests':>10} {'time buurtscan/cbsodata':>25}")
    for scenario, r in results.items():
        b, c = r["buurtscan"], r["cbsodata"]
        print(f"{scenario:10} {c['bytes'] / b['bytes']:25.1f}x {b['requests']:4d} vs {c['requests']:<4d}"
              f"{b['seconds'] / c['seconds']:24.2f}x")
    checks = []
    if "one buurt" in results:
        r = results["one buurt"]
        checks.append(("one buurt: >= 5x fewer bytes", r["cbsodata"]["bytes"] / r["buurtscan"]["bytes"] >= 5))
    if "country" in results:
        r = results["country"]
        checks.append(("country: no slower than cbsodata", r["buurtscan"]["seconds"] <= r["cbsodata"]["seconds"]))
        checks.append(("country: peak memory < 500 MB", r["buurtscan"]["peak_mb"] < 500))
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "fetch.json").write_text(json.dumps(results, indent=2))
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
