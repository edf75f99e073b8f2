"""Hostile settings (issue 15, item 6): checked by type and range, one line naming the key, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from buurtscan.errors import UsageError
from buurtscan.settings import resolve

from .conftest import assert_clean, env_for, run


@pytest.mark.parametrize(("toml", "fragment"), [
    ("timeout = nan\n", "timeout must be between"),
    ("timeout = inf\n", "timeout must be between"),
    ("timeout = -1\n", "timeout must be between"),
    ("timeout = 1e12\n", "timeout must be between"),
    ("timeout = true\n", "timeout must be a number"),
    ("attempts = 2.5\n", "attempts must be a whole number"),
    ("attempts = 0\n", "attempts must be between"),
    ("attempts = '3'\n", "attempts must be a whole number"),
    ("backoff = -3\n", "backoff must be between"),
    ("max_response_mb = 0\n", "max_response_mb must be between"),
    ("max_download_mb = [1]\n", "max_download_mb must be a whole number"),
    ('cache_dir = ["a"]\n', "cache_dir must be a text"),
    ("cache_dir = 5\n", "cache_dir must be a text"),
    ('cache_dir = ""\n', "cache_dir must not be empty"),
    ("cbs_url = { a = 1 }\n", "cbs_url must be a text"),
    ('cbs_url = "http://"\n', "cbs_url must start with http"),
    ("redirect_hosts = 'a b'\n", "redirect_hosts holds"),
    ("redirect_hosts = [1]\n", "redirect_hosts must be a list"),
])
def test_bad_values_in_the_file(tmp_path: Path, toml: str, fragment: str):
    (tmp_path / "buurtscan.toml").write_text(toml)
    with pytest.raises(UsageError) as info:
        resolve(cwd=tmp_path, env={})
    assert fragment in info.value.message
    assert "buurtscan.toml" in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(("var", "value", "fragment"), [
    ("BUURTSCAN_TIMEOUT", "nan", "timeout must be between"),
    ("BUURTSCAN_TIMEOUT", "inf", "timeout must be between"),
    ("BUURTSCAN_ATTEMPTS", "many", "attempts must be a whole number"),
    ("BUURTSCAN_MAX_RESPONSE_MB", "-5", "max_response_mb must be between"),
])
def test_bad_values_in_the_environment(tmp_path: Path, var: str, value: str, fragment: str):
    with pytest.raises(UsageError) as info:
        resolve(cwd=tmp_path, env={var: value})
    assert fragment in info.value.message and var in info.value.message


def test_good_values_keep_their_types(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_text(
        "timeout = 7\nattempts = 3\nbackoff = 0\nmax_response_mb = 50\nredirect_hosts = ['cdn.example.nl']\n")
    s = resolve(cwd=tmp_path, env={"BUURTSCAN_MAX_DOWNLOAD_MB": "2048"})
    assert (s.timeout, s.attempts, s.backoff, s.max_response_mb, s.max_download_mb) == (7.0, 3, 0.0, 50, 2048)
    assert s.redirect_hosts == ("cdn.example.nl",)


def test_non_utf8_settings_file_cli(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_bytes(b"# caf\xe9\ntimeout = 5\n")
    proc = run(["status", "--offline"], env_for(), cwd=tmp_path)
    line = assert_clean(proc, 2, "not UTF-8", "byte 6")
    assert "buurtscan.toml" in line


def test_nan_timeout_cli(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_text("timeout = nan\n")
    proc = run(["status", "--offline"], env_for(), cwd=tmp_path)
    assert_clean(proc, 2, "timeout must be between 0.1 and 3600")


def test_cache_dir_list_cli(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_text('cache_dir = ["a"]\n')
    proc = run(["status", "--offline"], env_for(), cwd=tmp_path)
    assert_clean(proc, 2, "cache_dir must be a text")
    assert not (tmp_path / "['a']").exists()


def test_empty_source_name_is_a_usage_error(tmp_path: Path):
    proc = run(["fetch", "BU05183620", "--source", ""], env_for(BUURTSCAN_CACHE_DIR=str(tmp_path / "c"),
                                                              BUURTSCAN_CBS_URL="http://127.0.0.1:9"))
    line = assert_clean(proc, 2, "--source needs a source name")
    assert "connection" not in proc.stderr.lower()
    assert line
