"""Settings of the process a command runs in (the CLI's and each render worker's), and how it ends."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
from collections.abc import Callable
from typing import NoReturn

# A command is a short process that makes many small objects (a gemeente's rows as tuples, the
# report model): with Python's default threshold (700) a one-note render ran about 200 garbage
# collections, 60 ms of its second. Collected far less often, the same run takes a few; cycles
# are still freed, so a batch keeps its memory.
GC_THRESHOLD = (50_000, 50, 50)


def tune() -> None:
    gc.set_threshold(*GC_THRESHOLD)


def exit_code(code: object) -> int:
    """The process's exit status for ``SystemExit(code)``, as Python itself maps it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    with contextlib.suppress(OSError, ValueError):
        print(code, file=sys.stderr)
    return 1


def run_and_exit(command: Callable[[], object]) -> NoReturn:
    """Run the command, then end the process without the interpreter's teardown.

    Tearing down a process that has read a gemeente's rows, laid out a note with Typst and
    loaded polars takes 60-100 ms: freeing every module and object one by one, which the
    operating system does at once. Everything a command must finish is done first: the
    ``atexit`` handlers run (logging's flush, temporary folders), stdout and stderr are flushed,
    and every file buurtscan writes is closed by then (atomic writes, ``with`` blocks). Only an
    exception other than ``SystemExit`` takes Python's ordinary way out (its traceback)."""
    try:
        command()
        code = 0
    except SystemExit as exc:
        code = exit_code(exc.code)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # pragma: no cover - another Python implementation
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)
