"""Word note benchmark: Word notes per second over every buurt of a gemeente (default Den Haag, 114).

    python bench/word.py [--gemeente GM0518] [--repeat 3]

Two figures, best of ``--repeat``: the whole `render --format docx` (the page fitting with Typst
included, as a user runs it), and the Word renderer alone on reports fitted beforehand. The bundled
example data (real published CBS data) is the cache. Target (issue 19): ≥ 10 Word notes per
second; never slower than 1.9 per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gemeente", default="GM0518")
    parser.add_argument("--repeat", type=int, default=3)
    ns = parser.parse_args()

    from buurtscan.actions.render import RenderOptions, fit_note, render
    from buurtscan.catalogue import load
    from buurtscan.example import example_cache
    from buurtscan.observe import NullObserver
    from buurtscan.report.word_note import render as word
    from buurtscan.scan import GemeenteData
    from buurtscan.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="buurtscan-bench-word-"))
    settings = Settings(cache_dir=tmp / "unused-cache")
    cache = example_cache()

    best = float("inf")
    for _ in range(ns.repeat):
        t = time.perf_counter()
        results = render(settings, gemeente=ns.gemeente, cache=cache, record=False,
                         options=RenderOptions(formats=("docx",), out_dir=tmp / "out"))
        best = min(best, time.perf_counter() - t)
    n = len(results)
    print(f"render --format docx, {ns.gemeente}: {n} notes in {best:.2f} s = {n / best:.1f} per second")

    data = GemeenteData(cache, ns.gemeente, load())
    reports = [fit_note(data.scan(c), [], [], RenderOptions(formats=("docx",)), NullObserver())[0]
               for c in data.codes("buurt")]
    word(reports[0])  # warm the imports
    alone = float("inf")
    for _ in range(ns.repeat):
        t = time.perf_counter()
        for rep in reports:
            word(rep)
        alone = min(alone, time.perf_counter() - t)
    print(f"Word renderer alone: {len(reports)} notes in {alone:.2f} s = {len(reports) / alone:.1f} per second")


if __name__ == "__main__":
    main()
