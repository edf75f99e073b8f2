"""Settings of the process a command runs in (the CLI's and each render worker's)."""

from __future__ import annotations

import gc

# A command is a short process that makes many small objects (a gemeente's rows as tuples, the
# report model): with Python's default threshold (700) a one-note render ran about 200 garbage
# collections, 60 ms of its second. Collected far less often, the same run takes a few; cycles
# are still freed, so a batch keeps its memory (bench/render.py prints the peak).
GC_THRESHOLD = (50_000, 50, 50)


def tune() -> None:
    gc.set_threshold(*GC_THRESHOLD)
