"""Shared fixtures. Tests never touch the internet: CBS is replayed by tests/fakecbs.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import stamina

from buurtscan.settings import Settings


@pytest.fixture(autouse=True)
def _no_backoff():
    """Retries happen, but without waiting (stamina's testing switch)."""
    with stamina.set_testing(True, attempts=10, cap=True):
        yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No BUURTSCAN_* from the developer's shell leaks into a test; cwd is a scratch folder."""
    import os

    for var in list(os.environ):
        if var.startswith("BUURTSCAN_"):
            monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache", attempts=4, backoff=0.0, timeout=5.0)


@pytest.fixture(scope="session")
def shared_fake():
    """One FakeCBS for the session (loading the national table takes about a second)."""
    from tests.fakecbs import FakeCBS

    return FakeCBS()


@pytest.fixture
def fake(shared_fake):
    """The shared fake with an empty request log and no faults; tests must not change its tables."""
    shared_fake.reset_log()
    shared_fake.clear_faults()
    yield shared_fake
    shared_fake.clear_faults()
