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


def test_one_code_pattern_and_one_prefix_map():
    from buurtscan import tidy
    from buurtscan.regions import CODE_RE, LEVEL_BY_PREFIX, is_code

    assert tidy.LEVEL_BY_PREFIX is LEVEL_BY_PREFIX
    assert all(CODE_RE.match(c) for c in ("BU05183620", "WK051836", "GM0518", "NL00", "BU0014AB01"))
    assert not any(CODE_RE.match(c) for c in ("BU0518362", "GM05181", "NL01", "bu05183620", "XX0518"))
    assert is_code(" bu05183620 ") and not is_code("moerwijk")
