"""`fetch` keeps the similar buurten it finds (``derived/similar-<table>.json``), stamped with the
national profile's file: a later fetch of another gemeente adds to them, a new profile file
replaces them, and what a scan then reads equals a fresh search.

Data: the fake CBS service (tests/fakecbs.py) with the real national 85984NED rows of the
fixtures (built by scripts/make_fixtures.py from ../shared/data/real).
"""

from __future__ import annotations

import json

import pytest

from buurtscan import similar
from buurtscan.actions.fetch import fetch
from buurtscan.cache import Cache
from buurtscan.scan import GemeenteData
from buurtscan.settings import Settings

MOERWIJK_OOST, BERKELLAND_BUURT = "BU05183620", "BU18590000"
NAME = similar.matches_name("85984NED")
KEY = f"{similar.NAME}/85984NED"


def _profile(cache: Cache) -> similar.Profile:
    profile = similar.build_profile(cache.scan(source=similar.NAME).collect(), "85984NED")
    assert profile is not None
    return profile


def _stamp(cache: Cache) -> dict:
    return json.loads((cache.root / "derived" / f"{NAME}.json").read_text())


@pytest.fixture(scope="module")
def steps(tmp_path_factory, shared_fake):
    """One cache through three fetches; what was kept after each, and a fresh search of the
    fetched gemeente in the profile cached then."""
    root = tmp_path_factory.mktemp("similar-matches") / "cache"
    settings = Settings(cache_dir=root, backoff=0.0)
    cache = Cache(root)
    out = []
    for code, forced in ((MOERWIJK_OOST, False), (BERKELLAND_BUURT, False), (BERKELLAND_BUURT, True)):
        fetch(settings, [code], history=0, sources=["cbs_kwb", "rivm"], similar=forced,
              transport=shared_fake.transport())
        gemeente = "GM" + code[2:6]
        out.append((_stamp(cache), cache.manifest().tables[KEY].file, similar.find(_profile(cache), [gemeente])))
    return cache, out


def test_the_first_fetch_keeps_the_matches_of_its_gemeente_stamped_with_the_profile(steps):
    cache, out = steps
    stamp, file, searched = out[0]
    assert stamp["of"] == KEY and stamp["file"] == file
    found = similar.Found.from_dict(stamp["data"])
    assert found is not None and found.gemeenten == {"GM0518"}
    assert found == searched
    assert MOERWIJK_OOST in found.matches and len(found.matches[MOERWIJK_OOST].neighbours) == similar.DEFAULT_K


def test_a_fetch_of_another_gemeente_adds_its_matches(steps):
    _, out = steps
    first, second = (similar.Found.from_dict(s["data"]) for s, _, _ in out[:2])
    assert out[0][1] == out[1][1]  # the same profile file
    assert second.gemeenten == {"GM0518", "GM1859"}
    assert {c: m for c, m in second.matches.items() if c.startswith("BU0518")} == first.matches


def test_a_new_profile_file_replaces_what_was_kept(steps):
    cache, out = steps
    stamp, file, searched = out[2]
    assert file != out[1][1]  # fetch --similar wrote the profile again
    assert stamp["file"] == file and stamp["sha256"] == cache.manifest().tables[KEY].sha256
    found = similar.Found.from_dict(stamp["data"])
    assert found.gemeenten == {"GM1859"}
    assert found == searched
    # Den Haag is no longer stored: its scan searches, and finds what was stored before
    data = GemeenteData(cache, "GM0518")
    assert data.lookup.match(MOERWIJK_OOST) == similar.Found.from_dict(out[0][0]["data"]).matches[MOERWIJK_OOST]
    assert data.lookup.profile is not None


def test_a_kept_set_from_an_older_profile_file_is_not_written(tmp_path):
    """The profile changed between the search and the commit: the stale matches are dropped."""
    from buurtscan.cache import Derived

    cache = Cache(DATA_COPY(tmp_path))
    before = (cache.root / "derived" / f"{NAME}.json").read_bytes()
    cache.store_derived([Derived(NAME, KEY, {"format": 1}, made_from="tables/cbs_kwb_profile-old.parquet")])
    assert (cache.root / "derived" / f"{NAME}.json").read_bytes() == before
    cache.store_derived([Derived(NAME, "cbs_kwb_profile/NOPE", {"format": 1})])
    assert not (cache.root / "derived" / "NOPE.json").exists()
    with pytest.raises(ValueError):
        cache.store_derived([Derived("../escape", KEY, {})])


def DATA_COPY(tmp_path):  # noqa: N802 - a helper named like the constant it copies
    import shutil

    from buurtscan.example import DATA

    shutil.copytree(DATA, tmp_path / "cache")
    return tmp_path / "cache"
