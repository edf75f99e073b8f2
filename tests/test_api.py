"""The library API (``buurtscan.fetch`` … ``buurtscan.Settings``): lazily exported, documented, and
each function does what its command does. Offline: the bundled example, the fake CBS."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

import buurtscan
from buurtscan.settings import Settings
from tests.paths import ROOT

EXAMPLES = ROOT / "examples"
API = ("fetch", "merge", "render", "refresh", "find", "status", "Settings")


def test_import_is_cheap():
    """`import buurtscan` (and so `buurtscan --help`) imports none of the actions or heavy libraries."""
    code = ("import sys, buurtscan; heavy = [m for m in ('buurtscan.actions', 'polars', 'httpx', 'rich') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_name_is_exported_and_documented():
    assert set(API) <= set(buurtscan.__all__) and set(API) <= set(dir(buurtscan))
    for name in API:
        value = getattr(buurtscan, name)
        assert callable(value) and value.__doc__, name
        assert f":func:`{name}`" in buurtscan.__doc__ or f":class:`{name}`" in buurtscan.__doc__, name
    with pytest.raises(AttributeError):
        buurtscan.no_such_thing  # noqa: B018


def test_the_readme_shows_it():
    readme = (ROOT / "README.md").read_text()
    assert "from buurtscan import" in readme and "render(settings" in readme


def test_find_and_render_the_bundled_example(tmp_path):
    example = buurtscan.example_cache()
    result = buurtscan.find(None, "moerwijk oost", cache=example)
    assert result.complete and result.matches[0].code == "BU05183620"
    assert result.as_dict()["matches"][0]["code"] == "BU05183620"
    options = buurtscan.RenderOptions(formats=("md",), out_dir=tmp_path / "out")
    [done] = buurtscan.render(Settings(cache_dir=tmp_path / "unused"), ["BU05183620"], options=options,
                              cache=example, record=False)
    [md] = done.files
    assert md.suffix == ".md" and "Moerwijk-Oost" in md.read_text()
    assert not (tmp_path / "unused").exists()  # the example was read, the configured cache not touched


def test_status_of_the_bundled_example():
    report = buurtscan.status(Settings(cache_dir=buurtscan.example_cache().root), check_upstream=False)
    assert not report.problems
    assert {"cbs_kwb", "politie"} <= {t.source for t in report.tables}
    assert report.as_dict()["cache_dir"] == report.cache_dir


def test_fetch_merge_refresh_against_the_fake(tmp_path, fake):
    settings = Settings(cache_dir=tmp_path / "cache", attempts=2, backoff=0.0, timeout=5.0)
    fetched = buurtscan.fetch(settings, ["BU05183620"], sources=["cbs_kwb"], transport=fake.transport())
    assert any(key.startswith("cbs_kwb/") for key in fetched.stored) and not fetched.partial
    assert fetched.as_dict()["gemeenten"] == ["GM0518"]
    merged = buurtscan.merge(settings, EXAMPLES / "corporatie_2024.csv", source="corporatie",
                             mapping=EXAMPLES / "corporatie.toml")
    assert merged.rows_stored > 0 and merged.as_dict()["source"] == "corporatie"
    refreshed = buurtscan.refresh(settings, transport=fake.transport())
    assert refreshed.exit_code == 0 and {o.status for o in refreshed.outcomes} == {"unchanged"}


def test_the_cli_sets_up_the_package_logger(capsys):
    from buurtscan.console import setup_logging

    log = logging.getLogger("buurtscan.actions.fetch")
    setup_logging(quiet=False, verbose=True)
    log.info("step one")
    setup_logging(quiet=True, verbose=False)  # set up again: one handler, not two
    log.warning("hidden")
    log.error("shown")
    err = capsys.readouterr().err
    assert "buurtscan.actions.fetch step one" in err and "hidden" not in err and err.count("shown") == 1
    assert not logging.getLogger().handlers or all(h.__class__.__name__ != "_Stderr"
                                                   for h in logging.getLogger().handlers)
