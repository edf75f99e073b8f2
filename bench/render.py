"""Render benchmark: every render figure of issue 19, each as a ratio against a baseline
measured in the same run.

    python bench/render.py            # the six example gemeenten (516 buurten), best of 3
    python bench/render.py --quick    # one gemeente (GM0489, 62 buurten), best of 1: a fast check

Rows (all through the installed CLI, in a fresh process, from the bundled example, offline):

- PDF, HTML, Markdown and Word notes per second, and decks per second, over the six example
  gemeenten with ``render --all-cached --jobs 2``; baseline: the same run with ``--jobs 1``.
- One note, HTML+PDF, including interpreter start; baseline: ``python -c pass``.
- ``buurtscan --help``; baseline: ``python -c pass``.

The modules run from ``src/`` as compiled bytecode, as after ``pip install .`` (which compiles
them): they are compiled first into a temporary ``PYTHONPYCACHEPREFIX``, so the checkout is not
touched and a ``PYTHONDONTWRITEBYTECODE`` in the environment does not make every run compile
them again (about 0.1 s of a one-note run).

Each measurement is the best of ``--repeat`` runs. The machine's load average is printed with the
results: on a shared machine the rates say as much about the neighbours as about buurtscan.
This is a benchmark, not a test: it prints and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICK_GEMEENTE = "GM0489"
# (row, --format, target per second) for the throughput rows
RATES = [("PDF notes", "pdf", 25.0), ("HTML notes", "html", 25.0), ("Markdown notes", "md", 25.0),
         ("Word notes", "docx", 10.0), ("decks", "pptx", 10.0)]
ONE_NOTE_TARGET = 0.6  # seconds, incl. interpreter start (issue 19)
ONE_NOTE_TREND_TARGET = 1.0  # the same, issue 16: the trends must keep the note under a second
HELP_TARGET = 0.3


CPU: dict[str, float] = {}  # the CPU time (user + system, all processes) of the best run of each command


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def best(cmd: list[str], env: dict[str, str], repeat: int, fresh: Path | None = None) -> float:
    """Best wall time of a command over ``repeat`` runs (``fresh`` is emptied before each).

    The CPU time of that run is kept in :data:`CPU`: on a loaded machine it moves less than the wall time."""
    times = []
    for _ in range(repeat):
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        cpu, t = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        times.append((time.perf_counter() - t, _children_cpu() - cpu))
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    wall, cpu = min(times)
    CPU[" ".join(cmd)] = cpu
    return wall


def count_buurten(gemeente: str | None) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from buurtscan.actions.batch import cached_buurten, cached_gemeenten
    from buurtscan.example import example_cache

    cache = example_cache()
    return sum(len(cached_buurten(cache, gm)) for gm in ([gemeente] if gemeente else cached_gemeenten(cache)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"one gemeente ({QUICK_GEMEENTE}), one run each")
    parser.add_argument("--repeat", type=int, help="runs per measurement, best kept (default 3; 1 with --quick)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the parallel runs (default 2)")
    parser.add_argument("--formats", default=",".join(f for _, f, _ in RATES),
                        help="which throughput rows to run (default all)")
    ns = parser.parse_args()
    repeat = ns.repeat or (1 if ns.quick else 3)
    gemeente = QUICK_GEMEENTE if ns.quick else None
    wanted = ns.formats.split(",")

    tmp = Path(tempfile.mkdtemp(prefix="buurtscan-bench-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "BUURTSCAN_CACHE_DIR": str(tmp / "cache"), "CI": "true", "PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], env=env, check=True)
    cli = [sys.executable, "-m", "buurtscan", "-q"]
    where = ["--gemeente", gemeente] if gemeente else ["--all-cached"]
    buurten = count_buurten(gemeente)
    load_before = os.getloadavg()
    print(f"{buurten} buurten ({gemeente or 'the six example gemeenten'}), best of {repeat}, "
          f"{os.cpu_count()} cores, load average {load_before[0]:.1f} {load_before[1]:.1f} {load_before[2]:.1f}",
          flush=True)

    rows: list[tuple[str, str, str, str, str, str, bool]] = []
    last_cpu = lambda: list(CPU.values())[-1]  # noqa: E731 - the CPU time of the command just measured
    for label, fmt, target in RATES:
        if fmt not in wanted:
            continue
        times = {}
        for jobs in (1, ns.jobs):
            out = tmp / f"{fmt}-{jobs}"
            times[jobs] = best([*cli, "render", *where, "--example", "--format", fmt, "--jobs", str(jobs),
                                "--out", str(out)], env, repeat, fresh=out)
        seq, par = buurten / times[1], buurten / times[ns.jobs]
        rows.append((f"{label}/s (--jobs {ns.jobs})", f"{seq:.1f}/s", f"{par:.1f}/s",
                     f"{last_cpu() / buurten * 1000:.0f} ms/note", f"{par / seq:.2f}x", f">= {target:g}/s",
                     par >= target))
        print(f"  {rows[-1][0]:28} {rows[-1][2]:>9}  (sequential {rows[-1][1]}, CPU {rows[-1][3]})", flush=True)

    start = best([sys.executable, "-c", "pass"], env, max(repeat, 3))
    one = best([*cli, "render", "BU05183620", "--example", "--format", "html,pdf", "--out", str(tmp / "one")],
               env, max(repeat, 3))
    one_cpu = last_cpu()
    helptime = best([*cli, "--help"], env, max(repeat, 3))
    for target in (ONE_NOTE_TARGET, ONE_NOTE_TREND_TARGET):  # issue 19's and issue 16's
        rows.append(("one note HTML+PDF incl. start", f"{start:.3f} s", f"{one:.3f} s", f"{one_cpu:.3f} s",
                     f"{one / start:.1f}x", f"< {target:g} s", one < target))
    rows.append(("buurtscan --help", f"{start:.3f} s", f"{helptime:.3f} s", f"{last_cpu():.3f} s",
                 f"{helptime / start:.1f}x", f"< {HELP_TARGET} s", helptime < HELP_TARGET))
    load_after = os.getloadavg()

    print()
    head = ("figure", "baseline", "measured", "CPU", "ratio", "target", "")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(6)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=False)))
    for r in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(r[:6], widths, strict=True)) + ("  PASS" if r[6] else "  FAIL"))
    print(f"\nbaselines: throughput against the same run with --jobs 1; start-up against `python -c pass`.\n"
          f"CPU: user + system time of the measured run, all its processes (per note for the rates).\n"
          f"load average {load_after[0]:.1f} {load_after[1]:.1f} {load_after[2]:.1f} at the end "
          f"(a loaded machine lowers every rate).")
    shutil.rmtree(tmp, ignore_errors=True)
    if not all(r[6] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
