"""Compiled Jinja templates kept between runs (report/html_note.py, ``_Compiled``): a second
environment loads the compiled code instead of compiling, an edited template is compiled
again, and a damaged or unwritable cache only means compiling as without one."""

from __future__ import annotations

import os

import pytest
from jinja2 import Environment, FileSystemLoader

from buurtscan.report import html_note


def _env(templates, cache_dir) -> Environment:
    return Environment(loader=FileSystemLoader(str(templates)), bytecode_cache=html_note._Compiled(str(cache_dir)))


@pytest.fixture
def folders(tmp_path):
    templates, cache = tmp_path / "templates", tmp_path / "cache"
    templates.mkdir()
    cache.mkdir()
    (templates / "t.j2").write_text("Hallo {{ naam }}!")
    return templates, cache


def test_a_second_run_loads_the_compiled_template(folders, monkeypatch):
    templates, cache = folders
    assert _env(templates, cache).get_template("t.j2").render(naam="Moerwijk") == "Hallo Moerwijk!"
    assert len(list(cache.iterdir())) == 1
    compiled = []
    env = _env(templates, cache)
    monkeypatch.setattr(env, "_compile", lambda *a, **k: compiled.append(a) or Environment._compile(env, *a, **k))
    assert env.get_template("t.j2").render(naam="Gelselaar") == "Hallo Gelselaar!"
    assert compiled == []  # loaded, not compiled


def test_an_edited_template_is_compiled_again(folders):
    templates, cache = folders
    _env(templates, cache).get_template("t.j2")
    (templates / "t.j2").write_text("Dag {{ naam }}.")
    assert _env(templates, cache).get_template("t.j2").render(naam="Moerwijk") == "Dag Moerwijk."


def test_a_damaged_entry_is_compiled_afresh(folders):
    templates, cache = folders
    _env(templates, cache).get_template("t.j2")
    for f in cache.iterdir():
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2] + b"\x00garbage")
    assert _env(templates, cache).get_template("t.j2").render(naam="Moerwijk") == "Hallo Moerwijk!"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_cache_folder_is_no_failure(folders):
    templates, cache = folders
    cache.chmod(0o500)
    try:
        assert _env(templates, cache).get_template("t.j2").render(naam="Moerwijk") == "Hallo Moerwijk!"
    finally:
        cache.chmod(0o700)


def test_a_missing_cache_folder_is_no_failure(folders):
    templates, cache = folders
    env = _env(templates, cache / "gone")
    assert env.get_template("t.j2").render(naam="Moerwijk") == "Hallo Moerwijk!"
