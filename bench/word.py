"""Word note benchmark: Word notes per second over every buurt of a gemeente (default Den Haag, 114).

    python bench/word.py [--gemeente GM0518] [--repeat 3]

Two figures, best of ``--repeat``: the whole `render --format docx` (the page fitting with Typst
included, as a user runs it), and the Word renderer alone on reports fitted beforehand. The bundled
example data (real published CBS data) is the cache. Target (issue 19): ≥ 10 Word notes per
second; never slower than 1.9 per second (issue 14).

Each figure comes with its CPU time per note (this process and the render's worker processes):
on a machine shared with other work the wall-clock rate says as much about the neighbours, the
CPU time much less. The load average is printed with the results.
"""

from __future__ import annotations

import argparse
import os
import resource
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

    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    best, best_cpu = float("inf"), float("inf")
    for _ in range(ns.repeat):
        t, cpu = time.perf_counter(), _cpu()
        results = render(settings, gemeente=ns.gemeente, cache=cache, record=False,
                         options=RenderOptions(formats=("docx",), out_dir=tmp / "out"))
        best, best_cpu = min(best, time.perf_counter() - t), min(best_cpu, _cpu() - cpu)
    n = len(results)
    print(f"render --format docx, {ns.gemeente}: {n} notes in {best:.2f} s = {n / best:.1f} per second; "
          f"CPU {best_cpu / n * 1000:.0f} ms per note")

    data = GemeenteData(cache, ns.gemeente, load())
    reports = [fit_note(data.scan(c), [], [], RenderOptions(formats=("docx",)), NullObserver())[0]
               for c in data.codes("buurt")]
    word(reports[0])  # warm the imports
    alone, alone_cpu = float("inf"), float("inf")
    for _ in range(ns.repeat):
        t, cpu = time.perf_counter(), time.process_time()
        for rep in reports:
            word(rep)
        alone, alone_cpu = min(alone, time.perf_counter() - t), min(alone_cpu, time.process_time() - cpu)
    print(f"Word renderer alone: {len(reports)} notes in {alone:.2f} s = {len(reports) / alone:.1f} per second; "
          f"CPU {alone_cpu / len(reports) * 1000:.0f} ms per note")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the render's workers)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
