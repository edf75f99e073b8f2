"""Merge benchmark: a 1,000,000-row record-level partner file, buurtscan vs the same work in pandas.

    pip install '.[bench]' && python bench/merge.py [--rows 1000000] [--repeat 3]

1. Fills a cache from the fake CBS (tests/fakecbs.py: the real 2024 regions of Den Haag).
2. Writes a MADE-UP record file the way partners export it: ';'-separated, UTF-8,
   one row per incident (registratienummer;datum;buurtcode;soort), random buurten of
   Den Haag, dates in 2023-2024, five kinds.
3. Times ``merging.merge(..., count=True, count_by="soort")`` — everything: reading and
   sniffing the file, validation, counting per buurt/year/kind, totals, suppression and
   the cache commit — once cold (first call in this process: lazy imports included) and
   then the best of ``--repeat`` warm runs.
   Also the command `buurtscan merge … --count --count-by soort` in a new process.
4. Times pandas doing the same counting (read_csv, year from the date, groupby size) —
   less work than buurtscan (no validation, no cache write) — best of ``--repeat``.
5. Checks both give the same counts, and prints both times and the ratio.

Target (issue 4): 1,000,000 rows in under 2 s on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_records(path: Path, rows: int, codes: list[str]) -> None:
    """A made-up record file (values are random; nothing here is real)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(4)
    kinds = np.array(["Woninginbraak", "Fietsendiefstal", "Burenruzie", "Jeugdoverlast", "Vernieling"])
    days = rng.integers(0, 730, rows)
    dates = (np.datetime64("2023-01-01") + days.astype("timedelta64[D]")).astype(str)
    frame = pl.DataFrame({
        "registratienummer": np.arange(1, rows + 1),
        "datum": dates,
        "buurtcode": np.array(codes)[rng.integers(0, len(codes), rows)],
        "soort": kinds[rng.integers(0, len(kinds), rows)],
    })
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# VERZONNEN GEGEVENS - benchmarkbestand van buurtscan, geen echte incidenten\n")
    with open(path, "a", encoding="utf-8") as fh:
        frame.write_csv(fh, separator=";")


def pandas_counts(path: Path):
    import pandas as pd

    df = pd.read_csv(path, sep=";", comment="#", dtype=str)
    df["jaar"] = df["datum"].str.slice(0, 4)
    return df.groupby(["buurtcode", "jaar", "soort"]).size()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "merge.json")
    args = parser.parse_args()

    import polars as pl
    from tests.fakecbs import FakeCBS

    from buurtscan.actions import merge as merging
    from buurtscan.cache import Cache
    from buurtscan.actions.fetch import fetch
    from buurtscan.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(cache_dir=Path(tmp) / "cache", attempts=2, backoff=0.0, timeout=30.0)
        fetch(settings, ["BU05183620"], transport=FakeCBS().transport(), sources=["cbs_kwb"])
        regions = Cache(settings.cache_dir).region_list()
        # the buurten of the fetched gemeente (the region list names every gemeente of the country)
        codes = regions.filter((pl.col("level") == "buurt") & (pl.col("gemeente_code") == "GM0518"))["code"].to_list()
        path = Path(tmp) / "incidenten.csv"
        make_records(path, args.rows, codes)
        size = path.stat().st_size

        def run() -> tuple[float, merging.MergeReport]:
            start = time.perf_counter()
            report = merging.merge(settings, path, source="wijkagent", domain="veiligheid", count=True,
                                   count_by="soort")
            return time.perf_counter() - start, report

        cold, report = run()
        warm = min(run()[0] for _ in range(args.repeat))
        # the command as a user runs it: a new Python process (imports included)
        env = {**os.environ, "BUURTSCAN_CACHE_DIR": str(settings.cache_dir)}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "buurtscan", "-q", "merge", str(path), "--source", "wijkagent",
                               "--domain", "veiligheid", "--count", "--count-by", "soort"],
                              env=env, capture_output=True, text=True, check=False)
        cli = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"buurtscan merge failed: {proc.stderr}")
        pandas_times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            expected = pandas_counts(path)
            pandas_times.append(time.perf_counter() - start)
        pd_best = min(pandas_times)

        # same counts? (buurtscan suppresses counts below 5; with 1M rows over 114 buurten there are none)
        rows = Cache(settings.cache_dir).scan(source="wijkagent").collect().filter(pl.col("region_level") == "buurt")
        ids = {i["column"]: i["id"] for i in report.indicators}
        got = {(r["region_code"], r["period"], r["indicator"]): r["value"] for r in rows.iter_rows(named=True)}
        mismatches = sum(1 for (code, year, kind), n in expected.items() if got.get((code, year, ids[kind])) != n)

    result = {
        "rows": args.rows,
        "file_mb": round(size / 1e6, 1),
        "buurtscan_cold_s": round(cold, 3),
        "buurtscan_warm_s": round(warm, 3),
        "buurtscan_cli_s": round(cli, 3),
        "pandas_s": round(pd_best, 3),
        "ratio_pandas_over_buurtscan": round(pd_best / warm, 2),
        "target_s": 2.0,
        "counts_equal": mismatches == 0,
        "figures_stored": report.rows_stored,
    }
    print(f"record file: {args.rows:,} rows, {result['file_mb']} MB (made-up values)")
    print(f"buurtscan merge (read, validate, count, totals, suppress, commit): cold {cold:.3f} s, "
          f"warm best of {args.repeat} {warm:.3f} s")
    print(f"buurtscan merge as a command (new process, imports included):      {cli:.3f} s")
    print(f"pandas read_csv + groupby size (no validation, no cache):          {pd_best:.3f} s")
    print(f"ratio pandas / buurtscan: {pd_best / warm:.2f}x   target < 2 s: {'met' if cold < 2 else 'NOT met'}   "
          f"same counts: {'yes' if mismatches == 0 else f'NO ({mismatches} differ)'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
