"""The vergelijkbare buurten a scan reads from the cache (stored by a fetch) equal those it
searches in the national profile, and a stale or damaged store is never used.

Data: the bundled example (``src/buurtscan/example/data``; the profile is the real national
85984NED rows, ``derived/similar-85984NED.json`` was written by ``scripts/make_example.py``),
copied to a temporary folder per test so that the store can be removed or damaged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from buurtscan import similar
from buurtscan.actions.batch import cached_buurten
from buurtscan.cache import Cache
from buurtscan.example import DATA
from buurtscan.scan import GemeenteData

DEN_HAAG, BERKELLAND = "GM0518", "GM1859"
MOERWIJK_OOST = "BU05183620"
STORE = Path("derived") / f"{similar.matches_name('85984NED')}.json"


@pytest.fixture
def example(tmp_path) -> Path:
    root = tmp_path / "cache"
    shutil.copytree(DATA, root)
    return root


def _scan_dicts(root: Path, gemeente: str, codes: list[str], k: int = similar.DEFAULT_K) -> list[dict]:
    data = GemeenteData(Cache(root), gemeente, similar_k=k)
    out = []
    for code in codes:
        d = data.scan(code).as_dict()
        d.pop("generated_at")
        out.append(d)
    return out


def test_the_example_has_the_matches_of_every_buurt_of_its_gemeenten():
    cache = Cache(DATA)
    found = similar.Found.from_dict(cache.derived(similar.matches_name("85984NED")))
    assert found is not None and found.k == similar.DEFAULT_K
    buurten = {c for gm in found.gemeenten for c in cached_buurten(cache, gm)}
    assert len(found.gemeenten) == 6 and buurten <= set(found.matches)


def test_a_scan_reads_the_stored_matches_without_building_the_profile():
    data = GemeenteData(Cache(DATA), DEN_HAAG)
    scan = data.scan(MOERWIJK_OOST)
    assert data.lookup.profile is None  # read, not searched
    assert scan.similar is not None and len(scan.similar.buurten) == similar.DEFAULT_K


@pytest.mark.parametrize("gemeente", [DEN_HAAG, BERKELLAND])
def test_stored_and_searched_give_the_same_scans(example, gemeente):
    codes = cached_buurten(Cache(example), gemeente)[:6]
    stored = _scan_dicts(example, gemeente, codes)
    (example / STORE).unlink()
    searched_data = GemeenteData(Cache(example), gemeente)
    searched_data.scan(codes[0])
    assert searched_data.lookup.profile is not None  # this time searched
    assert _scan_dicts(example, gemeente, codes) == stored
    assert any(d["similar"]["buurten"] for d in stored)


def test_a_batch_gives_every_buurt_the_scan_it_gets_alone(example):
    """Once every buurt of the gemeente is matched, the rows read for the medians cover all their
    similar buurten (they used to stay those of the first buurt, so later notes lost medians)."""
    (example / STORE).unlink()  # the searched path: first one buurt, then the whole gemeente
    codes = [MOERWIJK_OOST, *cached_buurten(Cache(example), DEN_HAAG)[:3]]
    batch = _scan_dicts(example, DEN_HAAG, codes)
    alone = [_scan_dicts(example, DEN_HAAG, [c])[0] for c in codes]
    assert batch == alone
    medians = [i["similar"] for d in batch[1:] for s in d["sections"] for i in s["indicators"]]
    assert any(m is not None for m in medians)


def test_a_smaller_k_is_the_start_of_the_stored_list_and_a_larger_k_is_searched(example):
    stored = _scan_dicts(example, DEN_HAAG, [MOERWIJK_OOST], k=4)[0]["similar"]
    ten = _scan_dicts(example, DEN_HAAG, [MOERWIJK_OOST])[0]["similar"]
    assert stored["buurten"] == ten["buurten"][:4] and stored["k"] == 4
    data = GemeenteData(Cache(example), DEN_HAAG, similar_k=12)
    assert len(data.scan(MOERWIJK_OOST).similar.buurten) == 12 and data.lookup.profile is not None
    (example / STORE).unlink()
    assert _scan_dicts(example, DEN_HAAG, [MOERWIJK_OOST], k=4)[0]["similar"] == stored


@pytest.mark.parametrize("damage", ["sha256", "file", "truncate", "format", "shape"])
def test_a_stale_or_damaged_store_is_searched_again(example, damage):
    path = example / STORE
    good = _scan_dicts(example, DEN_HAAG, [MOERWIJK_OOST])
    stamp = json.loads(path.read_text())
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        if damage in ("sha256", "file"):
            stamp[damage] = "0" * 64 if damage == "sha256" else "tables/cbs_kwb_profile-other.parquet"
        elif damage == "format":
            stamp["data"]["format"] = 99
        else:
            stamp["data"]["matches"] = {MOERWIJK_OOST: "not a match"}
        path.write_text(json.dumps(stamp))
    data = GemeenteData(Cache(example), DEN_HAAG)
    scan = data.scan(MOERWIJK_OOST).as_dict()
    scan.pop("generated_at")
    assert data.lookup.profile is not None  # not read: searched
    assert [scan] == good


def test_a_buurt_the_profile_lacks_gets_the_reason_stored_or_searched(example):
    found = similar.Found.from_dict(Cache(example).derived(similar.matches_name("85984NED")))
    missing = found.match("BU05189999", similar.DEFAULT_K)
    assert missing is not None and not missing.neighbours and "niet in het landelijke profiel" in missing.reason
    assert found.match("BU99999999", similar.DEFAULT_K) is None  # another gemeente: not stored here
