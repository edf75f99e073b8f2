"""Name search on a small region list (codes and names as in KWB 2024)."""

import pytest

from buurtscan.errors import UsageError
from buurtscan.finding import search
from buurtscan.text import fold
from buurtscan.tidy import regions_frame

REGIONS = regions_frame(
    [
        ("NL00", "Nederland"),
        ("GM0518", "'s-Gravenhage"),
        ("WK051836", "Wijk 36 Moerwijk"),
        ("BU05183620", "Moerwijk-Oost"),
        ("BU05183637", "Moerwijk-West"),
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
    ]
)


def test_fold():
    assert fold("'s-Gravenhage") == "s gravenhage"
    assert fold("Café-Buurt") == "cafe buurt"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("moerwijk oost", "BU05183620"),
        ("Moerwijk-Oost", "BU05183620"),
        ("MOERWIJKOOST", "BU05183620"),
        ("slachthuis", "BU03920001"),
        ("cafe", "BU04390000"),  # accents ignored
        ("den haag", "GM0518"),  # common name of 's-Gravenhage
        ("moerwijk", "WK051836"),  # the wijk is an exact match of its bare name
    ],
)
def test_search_finds(query, first):
    matches = search(REGIONS, query)
    assert matches[0].code == first


def test_search_shows_wijk_and_gemeente():
    m = search(REGIONS, "moerwijk oost")[0]
    assert (m.level, m.gemeente_name, m.wijk_code, m.wijk_name) == (
        "buurt", "'s-Gravenhage", "WK051836", "Wijk 36 Moerwijk")


def test_gemeente_narrows():
    assert [m.code for m in search(REGIONS, "emmen", gemeente="GM0518")] == []
    assert {m.code for m in search(REGIONS, "emmen", gemeente="Emmen")} == {"GM0114", "BU01140000"}
    with pytest.raises(UsageError):
        search(REGIONS, "x", gemeente="Atlantis")
