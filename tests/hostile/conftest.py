"""The hostile corpus: every attack of issue 15, replayed, with its clean outcome asserted.

Each test reproduces one attack (a hostile server answer, a damaged cache file, a bad setting,
an unwritable output folder) and checks what the user sees: the documented exit code, one
``Error:`` line (plus at most a ``Tip:``), no traceback, and the cache unchanged. Server
attacks go against the loopback FakeCBS (tests/fakecbs.py) with its hostile fault kinds;
memory-bounded runs happen in a child process under ``resource.setrlimit``.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buurtscan.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LBM_PATH = "/leefbaarometer/resources/open-data-leefbaarometer-meting-2024.zip"
MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: enough for buurtscan (~0.5 GiB), far below a runaway body


@pytest.fixture(scope="session")
def base_url(shared_fake):
    from tests.fakecbs import serve

    with serve(shared_fake) as url:
        yield url


@pytest.fixture
def hostile(shared_fake):
    """The shared fake, faults cleared before and after."""
    shared_fake.clear_faults()
    shared_fake.reset_log()
    yield shared_fake
    shared_fake.clear_faults()


def settings_for(cache_dir: Path, base_url: str, **kw) -> Settings:
    return Settings(cache_dir=cache_dir, cbs_url=base_url, dataderden_url=base_url + "/dataderden",
                    leefbaarometer_url=base_url + LBM_PATH, backoff=0.0, attempts=2, timeout=10.0, **kw)


@pytest.fixture(scope="session")
def filled_template(tmp_path_factory, base_url, shared_fake) -> Path:
    """A cache with Den Haag fetched from the fake once; tests get a copy (see ``filled``)."""
    from buurtscan.actions.fetch import fetch

    root = tmp_path_factory.mktemp("hostile-template") / "cache"
    shared_fake.clear_faults()
    fetch(settings_for(root, base_url), ["BU05183620"])
    return root


@pytest.fixture
def filled(filled_template, tmp_path, base_url) -> Settings:
    root = tmp_path / "cache"
    shutil.copytree(filled_template, root)
    return settings_for(root, base_url)


def env_for(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUURTSCAN_")}
    env.update({"CI": "true", "POLARS_MAX_THREADS": "1", "BUURTSCAN_BACKOFF": "0", "BUURTSCAN_ATTEMPTS": "2"})
    if settings is not None:
        env.update({
            "BUURTSCAN_CACHE_DIR": str(settings.cache_dir), "BUURTSCAN_CBS_URL": settings.cbs_url,
            "BUURTSCAN_DATADERDEN_URL": settings.dataderden_url,
            "BUURTSCAN_LEEFBAAROMETER_URL": settings.leefbaarometer_url,
        })
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], *, cwd: Path | None = None, memory: int | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m buurtscan ARGS`` in a child process (optionally under an address-space limit)."""

    def limit() -> None:  # pragma: no cover - runs in the child
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "buurtscan", *args], capture_output=True, text=True, env=env,
                          cwd=cwd or ROOT, stdin=subprocess.DEVNULL, timeout=timeout, preexec_fn=limit)


def assert_clean(proc: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    """The documented exit code, no traceback, one Error line (with the fragments); returns it."""
    out = proc.stderr
    assert "Traceback" not in out and "MemoryError" not in out, out
    assert proc.returncode == code, (proc.returncode, out, proc.stdout)
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    if code not in (0, 1):
        assert len(errors) == 1, out
        assert len(errors[0]) <= 600, errors[0]
    text = errors[0] if errors else out
    for fragment in fragments:
        assert fragment in out, (fragment, out)
    return text


def snapshot(root: Path) -> dict[str, str]:
    """Hash of every cache file (lock files and downloads aside)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith(".") and "downloads" not in p.parts}
