"""Overview benchmark: `buurtscan overview` for every gemeente of the bundled example (six),
the model and each format, against a baseline measured in the same run: the scans of the
same buurten (what any per-buurt view must compute anyway).

    pip install -e '.[bench]' && python bench/overview.py [--formats json,html,pdf,xlsx] [--repeat 3]

Target (issue 17): the overview of the whole bundled example under 5 s (model + JSON; the
files are reported per format as well).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def best(fn, repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default="json,html,pdf,xlsx")
    parser.add_argument("--repeat", type=int, default=3)
    ns = parser.parse_args()

    from buurtscan.example import example_cache
    from buurtscan.actions.overview import write_overview
    from buurtscan.overview import build_overview
    from buurtscan.scan import GemeenteData

    cache = example_cache()
    gemeenten = sorted({g for e in cache.manifest().tables.values() for g in e.parts if g.startswith("GM")})
    buurten = sum(len(GemeenteData(cache, g).codes("buurt")) for g in gemeenten)

    def baseline() -> None:
        for g in gemeenten:
            data = GemeenteData(cache, g)
            for code in data.codes("buurt"):
                data.scan(code)

    overviews = []

    def model() -> None:
        overviews.clear()
        overviews.extend(build_overview(cache, g) for g in gemeenten)

    def as_json() -> None:
        for ov in overviews:
            json.dumps(ov.as_dict(), ensure_ascii=False)

    baseline()  # warm up: imports, Parquet reads and the catalogue, so neither side pays them
    base = best(baseline, ns.repeat)
    t_model = best(model, ns.repeat)
    t_json = best(as_json, ns.repeat)
    print(f"{len(gemeenten)} gemeenten, {buurten} buurten ({', '.join(gemeenten)})")
    print(f"baseline: scans of every buurt           {base:6.2f} s")
    print(f"overview model                           {t_model:6.2f} s  ratio {t_model / base:4.2f}")
    print(f"overview model + --json                  {t_model + t_json:6.2f} s  target < 5 s: "
          f"{'ok' if t_model + t_json < 5 else 'MISSED'}")
    out = Path(tempfile.mkdtemp(prefix="buurtscan-overview-"))
    total = t_model
    for fmt in ns.formats.split(","):
        if fmt == "json":
            continue
        t = best(lambda f=fmt: [write_overview(ov, [f], out) for ov in overviews], 1)
        total += t
        print(f"  {fmt:5} for all six                       {t:6.2f} s  ratio {t / base:4.2f}")
    print(f"model + every file format                {total:6.2f} s")


if __name__ == "__main__":
    main()
