import pytest

from buurtscan.errors import UsageError
from buurtscan.regions import gemeente_of, pad, parse_code, wijk_of


@pytest.mark.parametrize(
    ("raw", "code", "level"),
    [
        ("BU05183620", "BU05183620", "buurt"),
        ("bu05183620", "BU05183620", "buurt"),
        ("  WK051836  ", "WK051836", "wijk"),
        ("GM0518    ", "GM0518", "gemeente"),
        ("NL00      ", "NL00", "land"),
        ("NL01", "NL00", "land"),  # RIVM's Nederland
        ("BU0014AB01", "BU0014AB01", "buurt"),  # letters after the prefix are allowed
    ],
)
def test_parse_code_normalises(raw, code, level):
    rc = parse_code(raw)
    assert rc.code == code
    assert rc.level == level


@pytest.mark.parametrize("raw", ["", "BU0518", "XX05183620", "GM05", "WK0518362", "BU05183620X", "moerwijk"])
def test_parse_code_rejects(raw):
    with pytest.raises(UsageError) as info:
        parse_code(raw)
    assert "not a CBS region code" in info.value.message
    assert "buurtscan find" in info.value.tip


def test_parents_and_padding():
    assert gemeente_of("BU05183620") == "GM0518"
    assert wijk_of("BU05183620") == "WK051836"
    assert wijk_of("GM0518") is None
    assert gemeente_of("NL00") is None
    assert pad("gm0518") == "GM0518    "
    assert len(pad("BU05183620")) == 10
