"""The sentence rules of the reports (report/wording.py), one table per form."""

import datetime as dt

import pytest

from buurtscan.report import wording
from buurtscan.report.formatting import change, figure, labelled, unit_label


@pytest.mark.parametrize(("unit", "kind", "kw", "expected"), [
    ("km", "lager", {}, ("korter", "dan")),
    ("km", "hoger", {}, ("langer", "dan")),
    ("minuten", "lager", {}, ("korter", "dan")),
    ("km", "hoger", {"ratio": 2.3}, ("ruim twee keer zo groot", "als")),
    ("per 1.000 inwoners", "hoger", {"ratio": 2.95}, ("bijna drie keer zo hoog", "als")),
    ("per 1.000 inwoners", "hoger", {"ratio": 2.05}, ("twee keer zo hoog", "als")),
    ("per 1.000 inwoners", "hoger", {"ratio": 2.4}, ("ruim twee keer zo hoog", "als")),
    ("per 1.000 inwoners", "hoger", {"ratio": 1.3}, ("ruim hoger", "dan")),
    ("x 1.000 euro", "lager", {"ratio": 0.47}, ("minder dan half zo hoog", "als")),
    ("x 1.000 euro", "lager", {"ratio": 0.7}, ("ruim lager", "dan")),
    ("%", "lager", {"points": 10.4}, ("ruim 10 procentpunt lager", "dan")),
    ("%", "hoger", {"points": 43.0}, ("43 procentpunt hoger", "dan")),
    ("afwijking", "lager", {"ratio": None}, ("ruim lager", "dan")),
])
def test_difference(unit, kind, kw, expected):
    assert wording.difference(unit, kind, **kw) == expected


@pytest.mark.parametrize(("n", "singular", "plural", "expected"), [
    (1, "verhaal", "verhalen", "1 verhaal"),
    (2, "verhaal", "verhalen", "2 verhalen"),
    (0, "beleidspunt", "beleidspunten", "0 beleidspunten"),
])
def test_count_never_uses_slash_or_brackets(n, singular, plural, expected):
    assert wording.count(n, singular, plural) == expected
    assert "(" not in expected and "/" not in expected


@pytest.mark.parametrize(("value", "expected"), [
    (dt.date(2026, 11, 27), "27 november 2026"),
    ("2026-11-27T10:00:00Z", "27 november 2026"),
    ("2026-01-05", "5 januari 2026"),
    (None, "onbekend"),
])
def test_one_date_style(value, expected):
    assert wording.date(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("De WOZ-waarde (€ 241.000) (2019).", "De WOZ-waarde (€ 241.000; 2019)."),
    ("Een ((dubbel)) haakje", "Een (dubbel) haakje"),
    ("Zonder  extra   spaties .", "Zonder extra spaties."),
])
def test_no_double_parentheses(text, expected):
    assert wording.tidy(text) == expected


@pytest.mark.parametrize(("licence", "expected"), [
    ("CC BY 4.0", "licentie CC BY 4.0"),
    ("CC BY 4.0 (CBS open data; not separately verified for the Politie catalogue)", "licentie CC BY 4.0 (via CBS open data)"),
    ("open data (licence not verified)", "open data; licentie niet nagegaan"),
    (None, "licentie onbekend"),
])
def test_licences_in_dutch(licence, expected):
    out = wording.licence(licence)
    assert out == expected
    assert not any(w in out for w in ("not", "verified", "licence", "catalogue"))


@pytest.mark.parametrize(("pos", "of", "direction", "expected"), [
    (3, 110, "higher_worse", "bij de 10% ongunstigste buurten van Den Haag (3e van 110)"),
    (106, 111, "higher_better", "bij de 10% ongunstigste buurten van Den Haag (106e van 111)"),
    (106, 111, "neutral", "bij de 10% laagste buurten van Den Haag (106e van 111)"),
    (6, 109, "neutral", "bij de 10% hoogste buurten van Den Haag (6e van 109)"),
    (20, 111, "higher_worse", "bij de 25% ongunstigste buurten van Den Haag (20e van 111)"),
    (57, 111, "neutral", "middenmoot van Den Haag (57e van 111)"),
])
def test_rank_for_a_reader(pos, of, direction, expected):
    assert wording.rank(pos, of, direction=direction, peers="buurten", place="Den Haag") == expected


@pytest.mark.parametrize(("value", "decimals", "unit", "expected"), [
    (0.004, 2, "score", "gelijk gebleven"),
    (-0.004, 2, "score", "gelijk gebleven"),
    (0.02, 2, "afwijking", "+0,02"),
    (-1.2, 1, "%", "−1,2 procentpunt"),
])
def test_no_minus_zero_change(value, decimals, unit, expected):
    assert change(value, decimals, unit) == expected


def test_small_numbers_look_different():
    assert figure(12.0, 0, "%", status="klein") == "12%*"
    assert figure(12.0, 0, "%", status="ok") == "12%"
    assert figure(None, 0, "%", status="klein") == "< 5"
    assert figure(0.0, 1, "per 1.000 inwoners") == "0,0"  # a real zero stays a zero
    assert figure(None, 1, "per 1.000 inwoners") == "niet beschikbaar"


def test_labelled_places_the_unit_once():
    assert labelled("Gemiddelde WOZ-waarde van woningen", "x 1.000 euro", 113.0) == (
        "Gemiddelde WOZ-waarde van woningen", "€\u00a0113.000")
    assert labelled("WW-uitkeringen", "per 1.000 inwoners", 18.49, 1) == ("WW-uitkeringen (per 1.000 inwoners)", "18,5")
    assert unit_label("Rookt (18+)", "per 1.000 inwoners") == "Rookt (18+), per 1.000 inwoners"
    assert labelled("Afstand tot huisarts", "km", 0.3, 1) == ("Afstand tot huisarts", "0,3\u00a0km")
    assert labelled("Leefbaarometer: fysieke omgeving", "afwijking", -0.265, 2) == (
        "Leefbaarometer: fysieke omgeving (afwijking van Nederland)", "−0,27")


# the subject of a sentence about an indicator ("Wat valt op", "Wat verandert")
@pytest.mark.parametrize(("label", "unit", "given", "expected"), [
    ("Inwoners", "aantal", None, "het aantal inwoners"),
    ("Koopwoningen", "%", None, "het aandeel koopwoningen"),
    ("Bijstandsuitkeringen", "per 1.000 inwoners", None, "het aantal bijstandsuitkeringen per 1.000 inwoners"),
    ("Leefbaarometer: totaalscore", "score", None, "de score 'Leefbaarometer: totaalscore'"),
    ("Afstand tot huisarts", "km", None, "de afstand tot huisarts"),
    ("WW-uitkeringen", "per 1.000 inwoners", None, "het aantal WW-uitkeringen per 1.000 inwoners"),
    ("Mediaan vermogen", "x 1.000 euro", "het mediane vermogen van huishoudens", "het mediane vermogen van huishoudens"),
])
def test_phrase(label, unit, given, expected):
    from types import SimpleNamespace

    from buurtscan.report.figures import phrase

    assert phrase(SimpleNamespace(label=label, unit=unit, phrase=given)) == expected


@pytest.mark.parametrize(("n", "expected"), [
    (1, "1 verhaal past niet meer op twee pagina's; het staat in verhalen.csv."),
    (2, "2 verhalen passen niet meer op twee pagina's; ze staan in verhalen.csv."),
])
def test_dropped_notice(n, expected):
    from buurtscan.report.build import _dropped

    assert _dropped(n, "verhaal", "verhalen", "verhalen.csv") == expected
