"""The wheel ships templates/ and the catalogue as package data; the console script exists."""

import subprocess
import sys
import zipfile

import pytest

from tests.paths import ROOT


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_contains_templates_and_catalogue(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr[-300:]}")
    [wheel] = tmp_path.glob("buurtscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    templates = {p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates and all(f"buurtscan/templates/{t}" in names for t in templates)
    assert "buurtscan/catalogue/indicators.toml" in names
    assert "buurtscan/py.typed" in names  # the library API is typed (PEP 561)
    assert "buurtscan/example/data/manifest.json" in names  # the bundled example ships too
    assert any(n.startswith("buurtscan/example/data/tables/") and n.endswith(".parquet") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "buurtscan = buurtscan.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()
