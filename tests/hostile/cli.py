"""The input-file tests' view of a child run: the corpus helpers (conftest) plus a small result object."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from buurtscan.settings import Settings
from tests.hostile.conftest import assert_clean, env_for, snapshot
from tests.hostile.conftest import run as run_child

__all__ = ["Outcome", "run", "snapshot"]


@dataclass
class Outcome:
    proc: subprocess.CompletedProcess

    @property
    def code(self) -> int:
        return self.proc.returncode

    @property
    def out(self) -> str:
        return self.proc.stdout

    @property
    def err(self) -> str:
        return self.proc.stderr

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.startswith("Error:")]

    def clean(self, code: int, *words: str) -> str:
        """Exit ``code``, one error line holding ``words``, no traceback; returns the line."""
        line = assert_clean(self.proc, code, *words)
        for w in words:
            assert w in line, (w, line)
        return line


def run(args: list[str], settings: Settings, *, memory_mb: int | None = None, timeout: float = 120) -> Outcome:
    """``python -m buurtscan ARGS`` against ``settings``' cache; ``memory_mb`` caps the address space."""
    memory = memory_mb * 1024 * 1024 if memory_mb else None
    return Outcome(run_child(args, env_for(settings), memory=memory, timeout=timeout))
