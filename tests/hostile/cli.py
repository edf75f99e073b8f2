"""Running buurtscan in a child process, as cron would, optionally with bounded memory."""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.startswith("Error:")]

    def clean(self, code: int, *words: str) -> str:
        """Exit ``code``, exactly one error line holding ``words``, and no traceback; returns the line."""
        assert "Traceback" not in self.err + self.out, self.err
        assert self.code == code, (self.code, self.err)
        assert len(self.error_lines) == 1, self.err
        line = self.error_lines[0]
        for w in words:
            assert w in line, (w, line)
        return line


def run(args: list[str], cache_dir: Path, *, memory_mb: int | None = None, timeout: float = 120,
        cwd: Path | None = None) -> Outcome:
    """``python -m buurtscan ARGS`` with the cache in ``cache_dir``; ``memory_mb`` caps the address space."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTSCAN_")}
    env.update(BUURTSCAN_CACHE_DIR=str(cache_dir), CI="true", NO_COLOR="1", POLARS_MAX_THREADS="2")

    def limit() -> None:
        if memory_mb is not None:
            size = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    done = subprocess.run([sys.executable, "-m", "buurtscan", *args], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=timeout, preexec_fn=limit, cwd=cwd)
    return Outcome(done.returncode, done.stdout, done.stderr)


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the cache with its hash (the lock file aside): equal before and after a refused input."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}
