"""mypy runs clean on src/ (the settings are [tool.mypy] in pyproject.toml).

This is how the type check runs in `.ci/run`, which runs exactly the README's pytest command.
Untyped third-party libraries are listed in pyproject.toml with ``ignore_missing_imports``."""

from __future__ import annotations

from mypy import api

from tests.paths import ROOT


def test_mypy_is_clean_on_src():
    args = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"),
            "--no-error-summary", "--hide-error-context", str(ROOT / "src" / "buurtscan")]
    out, err, status = api.run(args)
    print(out, err)
    assert status == 0, f"mypy found type errors in src/:\n{out}{err}"


def test_the_package_says_it_is_typed():
    assert (ROOT / "src" / "buurtscan" / "py.typed").is_file()
