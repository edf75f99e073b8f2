from pathlib import Path

import pytest

from buurtscan.errors import UsageError
from buurtscan.settings import DEFAULT_CBS_URL, DEFAULT_DATADERDEN_URL, resolve


def test_defaults(tmp_path: Path):
    s = resolve(cwd=tmp_path, env={})
    assert s.cache_dir == (tmp_path / "data" / "cache").resolve()
    assert s.cbs_url == DEFAULT_CBS_URL == "https://opendata.cbs.nl"
    assert s.dataderden_url == DEFAULT_DATADERDEN_URL == "https://dataderden.cbs.nl"
    assert s.config_file is None


def test_precedence_flag_env_file(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_text('cache_dir = "store"\ncbs_url = "http://file.example"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    # the file is found from a subfolder; its relative cache_dir is taken beside the file
    s = resolve(cwd=sub, env={})
    assert s.cache_dir == (tmp_path / "store").resolve()
    assert s.cbs_url == "http://file.example"
    assert s.config_file == tmp_path / "buurtscan.toml"
    # env beats the file
    s = resolve(cwd=sub, env={"BUURTSCAN_CACHE_DIR": "/tmp/envcache", "BUURTSCAN_CBS_URL": "http://env.example/"})
    assert s.cache_dir == Path("/tmp/envcache").resolve()
    assert s.cbs_url == "http://env.example"  # trailing slash removed
    # the flag beats both
    s = resolve(cwd=sub, env={"BUURTSCAN_CACHE_DIR": "/tmp/envcache"}, cache_dir="/tmp/flagcache")
    assert s.cache_dir == Path("/tmp/flagcache").resolve()


def test_default_cache_beside_config_file(tmp_path: Path):
    (tmp_path / "buurtscan.toml").write_text("[buurtscan]\ntimeout = 7\n")
    sub = tmp_path / "x"
    sub.mkdir()
    s = resolve(cwd=sub, env={"BUURTSCAN_DATADERDEN_URL": "http://127.0.0.1:9/dataderden"})
    assert s.cache_dir == (tmp_path / "data" / "cache").resolve()
    assert s.timeout == 7.0
    assert s.dataderden_url == "http://127.0.0.1:9/dataderden"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("cache_dir = ", "not valid TOML"),
        ("colour = 'red'\n", "unknown setting colour"),
        ("cbs_url = 'ftp://x'\n", "must start with http"),
        ("timeout = 'soon'\n", "timeout must be a number"),
    ],
)
def test_bad_config_file_is_a_usage_error(tmp_path: Path, text: str, fragment: str):
    (tmp_path / "buurtscan.toml").write_text(text)
    with pytest.raises(UsageError) as info:
        resolve(cwd=tmp_path, env={})
    assert fragment in info.value.message
    assert "buurtscan.toml" in info.value.message
