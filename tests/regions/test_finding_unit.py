"""The region list (regions.RegionList) and `find`'s rules, on a small list (codes and names as in KWB 2024)."""

import polars as pl
import pytest

from buurtscan.errors import UsageError
from buurtscan.actions.find import find
from buurtscan.regions import RegionList, name_key
from buurtscan.text import fold
from buurtscan.tidy import regions_frame

PAIRS = [
    ("NL00", "Nederland"),
    ("GM0518", "'s-Gravenhage"),
    ("WK051836", "Wijk 36 Moerwijk"),
    ("BU05183620", "Moerwijk-Oost"),
    ("BU05183637", "Moerwijk-West"),
    ("WK051815", "Wijk 15 IJsselmondebuurt"),  # made-up wijk (to test ij/y folding)
    ("BU05181501", "IJsselmonde-Oost"),  # made-up buurt
    ("GM0363", "Amsterdam"),
    ("BU03630000", "Kop Zeedijk"),
    ("GM0114", "Emmen"),
    ("BU01140000", "Emmen-Centrum"),
    ("GM1680", "Aa en Hunze"),
    ("BU16800000", "Annen"),
    ("GM0392", "Haarlem"),
    ("BU03920001", "Slachthuisbuurt-Noord"),
    ("GM0439", "Purmerend"),
    ("BU04390000", "Purmerend Centrum (Café-buurt)"),
    ("GM1859", "Berkelland"),
    ("WK185900", "Wijk 00 Borculo"),
    ("BU18590000", "Borculo Centrum"),
    ("BU18590002", "Hambroek"),
    ("WK185901", "Wijk 01 Eibergen"),
    ("BU18590100", "Eibergen Centrum"),
]
REGIONS = RegionList(regions_frame(PAIRS))


def test_fold_and_name_key():
    assert fold("'s-Gravenhage") == "s gravenhage"
    assert fold("Café-Buurt") == "cafe buurt"
    assert name_key("Moerwijk") == name_key("moerwyk") == name_key("MOERWÝK") == "moerwyk"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("moerwijk oost", "BU05183620"),
        ("Moerwijk-Oost", "BU05183620"),
        ("MOERWIJKOOST", "BU05183620"),
        ("moerwyk oost", "BU05183620"),  # ij written as y
        ("moerwyk", "WK051836"),  # the wijk is an exact match of its bare name
        ("ysselmonde oost", "BU05181501"),  # IJ at the start of a name
        ("slachthuis", "BU03920001"),
        ("cafe", "BU04390000"),  # accents ignored
        ("den haag", "GM0518"),  # common name of 's-Gravenhage
        ("moerwijk", "WK051836"),
    ],
)
def test_search_finds(query, first):
    matches = REGIONS.search(query)
    assert matches[0].code == first


def test_search_shows_wijk_and_gemeente():
    m = REGIONS.search("moerwijk oost")[0]
    assert (m.level, m.gemeente_name, m.wijk_code, m.wijk_name) == (
        "buurt", "'s-Gravenhage", "WK051836", "Wijk 36 Moerwijk")


def test_gemeente_narrows():
    assert [m.code for m in REGIONS.search("emmen", gemeente="GM0518")] == []
    assert {m.code for m in REGIONS.search("emmen", gemeente="Emmen")} == {"GM0114", "BU01140000"}
    assert REGIONS.search("x", gemeente="Atlantis") == []
    with pytest.raises(UsageError) as info:
        find(REGIONS, "x", gemeente="Atlantis")
    assert "No gemeente called 'Atlantis'" in info.value.message


def test_within_lists_every_wijk_then_its_buurten():
    listed = REGIONS.within("Berkelland")
    assert [m.code for m in listed] == ["WK185900", "BU18590000", "BU18590002", "WK185901", "BU18590100"]
    assert REGIONS.within("GM1859") == listed == find(REGIONS, None, gemeente="berkelland")
    assert all(m.gemeente_name == "Berkelland" for m in listed)
    assert find(REGIONS, "", gemeente="Berkelland", limit=2) == listed[:2]


def test_find_without_name_or_gemeente_and_without_match():
    with pytest.raises(UsageError) as info:
        find(REGIONS, "  ")
    assert "--gemeente" in info.value.message
    with pytest.raises(UsageError) as info:
        find(REGIONS, "moerwijk oist")
    assert "did you mean Moerwijk-Oost" in info.value.message
    with pytest.raises(UsageError) as info:
        find(REGIONS, None, gemeente="Berkeland")
    assert "did you mean Berkelland" in info.value.message


def test_gemeente_by_code_number_name_and_alias():
    assert REGIONS.gemeente("gm0518  ") == REGIONS.gemeente("518") == REGIONS.gemeente("Den Haag") == "GM0518"
    assert REGIONS.gemeente("'s-Gravenhage") == "GM0518"
    assert REGIONS.gemeente("Atlantis") is None


def test_lookups_by_code_and_exact_name():
    assert len(REGIONS) == len(PAIRS) and "bu05183620" in REGIONS and "BU99999999" not in REGIONS
    assert REGIONS.name("BU05183620") == "Moerwijk-Oost" and REGIONS.name("BU99999999") is None
    assert REGIONS.get("WK051836").gemeente_code == "GM0518"
    assert REGIONS.named("moerwyk-oost", "buurt") == ["BU05183620"]
    assert REGIONS.named("Moerwijk", "wijk") == ["WK051836"]  # without "Wijk 36"
    assert REGIONS.named("Moerwijk-Oost", "buurt", gemeente="GM0363") == []
    assert REGIONS.named("den haag", "gemeente") == ["GM0518"]
    assert REGIONS.buurten_of("GM0518") == {"BU05183620", "BU05183637", "BU05181501"}
    assert REGIONS.buurten_of_wijk("WK051836") == {"BU05183620", "BU05183637"}
    assert REGIONS.gemeenten == {"GM0518", "GM0363", "GM0114", "GM1680", "GM0392", "GM0439", "GM1859"}


def test_suggest_prefers_the_same_gemeente():
    assert REGIONS.suggest("BU05183621")[0] == "BU05183620 (Moerwijk-Oost)"
    hints = REGIONS.suggest("BU18590001")
    assert hints and all(h.startswith("BU1859") for h in hints)
    assert RegionList(regions_frame([])).suggest("BU05183620") == []


def test_near_names_by_level():
    assert REGIONS.near_names("moerwijk ost")[0] == "Moerwijk-Oost"
    assert REGIONS.near_names("emen", level="gemeente") == ["Emmen"]


def test_from_pairs_equals_the_cached_layout():
    a = RegionList.from_pairs(PAIRS).frame
    b = regions_frame(PAIRS).select(a.columns)
    assert a.equals(b)


def test_a_frame_without_the_region_columns_is_refused():
    with pytest.raises(ValueError, match="wijk_code"):
        RegionList(pl.DataFrame({"code": ["GM0518"], "name": ["x"], "level": ["gemeente"],
                                 "gemeente_code": ["GM0518"]}))
