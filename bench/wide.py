"""Wide-file benchmark: merge time per partner column, 1,000 columns against 10,000.

    python bench/wide.py [--small 1000] [--large 10000]

Writes two MADE-UP wide files (three Den Haag buurten, one column per indicator, small
whole numbers), fills a cache from the fake CBS (tests/fakecbs.py), and times
``merging.merge`` on each in this process. Prints both times and the ratio of the time per
column (large / small). Linear in columns gives about 1; the old reader was quadratic
(10,000 columns took 182 s: a list of all columns was built for every column).

Target (issue 15): the per-column ratio stays under 1.5, and 10,000 columns take a few seconds.
Measured on the 2-core machine (shared): before, 1,000 columns 11.6 s and 10,000 columns 125 s
(one polars query per column and step); with the numbers of all columns parsed in batched
passes and the per-column checks on numpy arrays, 0.6 s and 8.6 s (ratio 1.45).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def wide_file(path: Path, columns: int) -> None:
    header = "buurtcode;" + ";".join(f"kolom {i}" for i in range(columns))
    rows = [f"BU0518{c};" + ";".join(str((i * 7 + j) % 50) for j in range(columns))
            for i, c in enumerate(("3620", "3637", "3638"))]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    import stamina

    from buurtscan.actions import merge as merging
    from buurtscan.actions.fetch import fetch
    from buurtscan.settings import Settings
    from tests.fakecbs import FakeCBS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    args = parser.parse_args()
    stamina.set_testing(True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(cache_dir=root / "cache", backoff=0.0)
        fetch(settings, ["BU05183620"], transport=FakeCBS().transport(), sources=["cbs_kwb"])
        times = {}
        for n in (args.small, args.large):
            path = root / f"breed_{n}.csv"
            wide_file(path, n)
            start = time.perf_counter()
            report = merging.merge(settings, path, source=f"breed{n}", domain="wonen", year=2024)
            times[n] = time.perf_counter() - start
            assert len(report.indicators) == n
            print(f"{n:>6} columns: {times[n]:7.1f} s  ({times[n] / n * 1000:.2f} ms per column)")
        ratio = (times[args.large] / args.large) / (times[args.small] / args.small)
        print(f"time per column, {args.large} vs {args.small} columns: {ratio:.2f} (linear ≈ 1; target < 1.5)")


if __name__ == "__main__":
    main()
