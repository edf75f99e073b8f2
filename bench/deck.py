"""Deck benchmark: decks per CPU-second for every buurt of a gemeente (default Den Haag, 114 buurten).

    python bench/deck.py [--gemeente GM0518] [--repeat 3] [--profile] [--limit N] [--src ../other/src]

The cache is filled offline from the test fixtures (real CBS data). The report models are built
once; only the deck renderer is timed (CPU seconds of this process, best of ``--repeat``).
Target (issue 19): at least 10 decks per second on 2 cores, i.e. 5 per CPU-second per core.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "--src" in sys.argv:  # another checkout's code, to compare in the same minute (load changes CPU-seconds too)
    sys.path.insert(0, sys.argv[sys.argv.index("--src") + 1])
else:
    sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gemeente", default="GM0518")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="only the first N buurten")
    parser.add_argument("--src", help="the src folder of another checkout (e.g. before a change)")
    ns = parser.parse_args()

    from buurtscan.cache import Cache
    from buurtscan.catalogue import load
    try:
        from buurtscan.actions.fetch import fetch
    except ImportError:  # --src of a checkout from before the move into actions/
        from buurtscan.fetching import fetch  # type: ignore[no-redef]
    from buurtscan.report.build import build_report
    from buurtscan.scan import GemeenteData
    from buurtscan.settings import Settings
    from tests.fakecbs import FakeCBS

    tmp = Path(tempfile.mkdtemp(prefix="buurtscan-bench-deck-"))
    settings = Settings(cache_dir=tmp / "cache", backoff=0.0)
    fake = FakeCBS()
    fetch(settings, gemeenten=[ns.gemeente], transport=fake.transport())
    fetch(settings, gemeenten=[ns.gemeente], year=2019, transport=fake.transport(), sources=["cbs_kwb"])
    data = GemeenteData(Cache(settings.cache_dir), ns.gemeente, load(), 10)
    codes = data.codes("buurt")
    reports = [build_report(data.scan(code)) for code in codes[: ns.limit or len(codes)]]

    from buurtscan.report.pptx_deck import render

    render(reports[0])  # imports and the template, as a worker would have them
    if ns.profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            for r in reports:
                render(r)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    best = float("inf")
    for _ in range(ns.repeat):
        t = time.process_time()
        for r in reports:
            render(r)
        best = min(best, time.process_time() - t)
    print(f"{len(reports)} decks of {ns.gemeente} in {best:.2f} CPU-s = {len(reports) / best:.1f} decks per CPU-second"
          f" (≈ {2 * len(reports) / best:.1f}/s on 2 cores; target ≥ 10/s)")


if __name__ == "__main__":
    main()
