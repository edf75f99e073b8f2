"""The lazily parsed Dutch patterns (report/hyphenation.py) hyphenate exactly as pyphen does."""

import re
from pathlib import Path

import pyphen
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtscan.report.hyphenation import dictionary, hyph_dict

from tests.paths import ROOT
PATH = Path(str(pyphen.LANGUAGES["nl_NL"]))
REFERENCE = pyphen.Pyphen(filename=PATH, left=2, right=3, cache=False)


def test_the_dictionary_is_the_lazy_one():
    assert isinstance(dictionary("nl_NL").hd.patterns, type(hyph_dict(PATH).patterns))


def test_the_same_patterns_as_pyphen_once_parsed():
    lazy = hyph_dict(PATH)
    eager = pyphen.HyphDict(PATH)
    assert set(lazy.patterns) == set(eager.patterns) and lazy.maxlen == eager.maxlen
    assert all(lazy.patterns.get(k) == v for k, v in eager.patterns.items())


def test_every_long_word_of_the_catalogue_and_templates_as_pyphen():
    text = (ROOT / "src/buurtscan/catalogue/indicators.toml").read_text() + (ROOT / "templates/note.html.j2").read_text()
    words = set(re.findall(r"[^\W\d_]{6,}", text)) | {"Arbeidsongeschiktheidsuitkeringen", "Moerwijk-Oost"}
    ours = dictionary("nl_NL", left=2, right=3)
    assert len(words) > 100
    assert "Ar\u00adbeids\u00adon" in ours.inserted("Arbeidsongeschiktheidsuitkeringen", hyphen="\u00ad")
    for w in words:
        assert ours.inserted(w, hyphen="\u00ad") == REFERENCE.inserted(w, hyphen="\u00ad"), w


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzëéèïüö", min_size=1, max_size=30))
def test_any_word_as_pyphen(word):
    ours = dictionary("nl_NL", left=2, right=3)
    assert ours.positions(word) == REFERENCE.positions(word)
    assert ours.inserted(word, hyphen="-") == REFERENCE.inserted(word, hyphen="-")
