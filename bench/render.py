"""Render benchmark: notes (and decks) per second for a whole gemeente, one note's wall time
including interpreter start, and `buurtscan --help` — each against a baseline measured in
the same run.

    pip install '.[bench]' && python bench/render.py [--gemeente GM0518] [--formats html,pdf,docx,md,pptx]

The cache is filled offline from the test fixtures (real CBS data, see tests/fixtures/README.md).
Targets (issue 5): HTML+PDF for one buurt under 1 s including start; `buurtscan --help` under 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    """Best wall time of a command over `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gemeente", default="GM0518")
    parser.add_argument("--formats", default="html,pdf,docx,md,pptx")
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()

    from buurtscan.cache import Cache
    from buurtscan.actions.fetch import fetch
    from buurtscan.actions.render import RenderOptions, _renderer, render
    from buurtscan.settings import Settings
    from tests.fakecbs import FakeCBS

    tmp = Path(tempfile.mkdtemp(prefix="buurtscan-bench-"))
    settings = Settings(cache_dir=tmp / "cache", backoff=0.0)
    fake = FakeCBS()
    fetch(settings, gemeenten=[ns.gemeente], transport=fake.transport())
    fetch(settings, gemeenten=[ns.gemeente], year=2019, transport=fake.transport(), sources=["cbs_kwb"])
    cache = Cache(settings.cache_dir)
    formats = []
    for fmt in ns.formats.split(","):
        try:
            _renderer(fmt)
            formats.append(fmt)
        except ImportError:
            print(f"(skipping {fmt}: its renderer is not available)")

    print(f"Whole gemeente {ns.gemeente}, one format at a time (in-process):")
    per_format = {}
    for fmt in formats:
        t = time.perf_counter()
        results = render(settings, gemeente=ns.gemeente, cache=cache, record=False,
                         options=RenderOptions(formats=(fmt,), out_dir=tmp / "out" / fmt))
        secs = time.perf_counter() - t
        per_format[fmt] = len(results) / secs
        print(f"  {fmt:5} {len(results):4d} files in {secs:6.2f} s = {per_format[fmt]:6.1f} per second")

    env = {**os.environ, "BUURTSCAN_CACHE_DIR": str(settings.cache_dir)}
    baseline = timed([sys.executable, "-c", "pass"], env, ns.repeat)
    imports = timed([sys.executable, "-c", "import typer"], env, ns.repeat)
    helptime = timed([sys.executable, "-m", "buurtscan", "--help"], env, ns.repeat)
    one = timed([sys.executable, "-m", "buurtscan", "-q", "render", "BU05183620", "--format", "html,pdf",
                 "--out", str(tmp / "one")], env, ns.repeat)
    print()
    print(f"Interpreter start (python -c pass):          {baseline:6.3f} s  (baseline)")
    print(f"python -c 'import typer':                    {imports:6.3f} s  ({imports / baseline:4.1f}x baseline)")
    print(f"buurtscan --help:                            {helptime:6.3f} s  ({helptime / baseline:4.1f}x baseline)")
    print(f"render BU05183620 --format html,pdf (start): {one:6.3f} s  ({one / baseline:4.1f}x baseline)")
    checks = [
        ("one note html+pdf incl. start < 1 s", one < 1.0),
        ("buurtscan --help < 0.3 s", helptime < 0.3),
    ]
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    med = statistics.median(per_format.values()) if per_format else 0
    print(f"(median {med:.1f} files per second over {len(per_format)} formats)")
    if not all(ok for _, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
