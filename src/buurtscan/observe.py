"""How the core reports progress without printing: an observer with a no-op default.

The CLI passes an observer that draws a progress bar on a terminal or writes plain
timestamped lines otherwise; library callers and tests get :class:`NullObserver`.
"""

from __future__ import annotations

from typing import Protocol


class Observer(Protocol):
    def message(self, text: str) -> None:
        """A one-line status message ("Downloading 85984NED for GM0518")."""

    def progress(self, label: str, done: int, total: int | None) -> None:
        """``done`` of ``total`` units of the task named ``label`` are finished."""


class NullObserver:
    def message(self, text: str) -> None:
        pass

    def progress(self, label: str, done: int, total: int | None) -> None:
        pass


class RecordingObserver:
    """Keeps what it was told (handy in tests and for --json summaries)."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.steps: list[tuple[str, int, int | None]] = []

    def message(self, text: str) -> None:
        self.messages.append(text)

    def progress(self, label: str, done: int, total: int | None) -> None:
        self.steps.append((label, done, total))
