"""Comparison rules on small tidy frames. All values in this file are MADE UP to exercise the rules,
except where a test says it uses the fixtures (real CBS data)."""

import polars as pl
import pytest

from buurtscan import compare
from buurtscan.catalogue import Indicator, load
from buurtscan.tidy import finish_tidy

GM, WK, BU, BU2, BU3, NL = "GM9991", "WK999101", "BU99910101", "BU99910102", "BU99910103", "NL00"


def rows(source, table_id, period, values):
    """values: {(code, indicator): value}"""
    codes, inds, vals = zip(*[(c, i, v) for (c, i), v in values.items()], strict=True)
    frame = pl.DataFrame({"region_code": list(codes), "indicator": list(inds), "value": list(vals),
                          "unit": ["aantal"] * len(codes)}, schema_overrides={"value": pl.Float64})
    return finish_tidy(frame, period=period, source=source, table_id=table_id)


def ind(**kw):
    base = dict(id="x", domain="wonen", label="X", source="cbs_kwb", stem="X", unit="%", decimals=1,
                direction="higher_worse", derive="value")
    base.update(kw)
    return Indicator(**base)


def kwb(period="2024", table="T2024", extra=None):
    inwoners = {(GM, "AantalInwoners"): 10000, (WK, "AantalInwoners"): 3000, (BU, "AantalInwoners"): 1000,
                (BU2, "AantalInwoners"): 2000, (BU3, "AantalInwoners"): 50, (NL, "AantalInwoners"): 100000}
    return rows("cbs_kwb", table, period, {**inwoners, **(extra or {})})


def test_share_and_rate_derivation_and_rank():
    data = kwb(extra={(GM, "Bijstand"): 300, (WK, "Bijstand"): 120, (BU, "Bijstand"): 80, (BU2, "Bijstand"): 40,
                  (BU3, "Bijstand"): 0, (NL, "Bijstand"): 2000})
    i = ind(stem="Bijstand", derive="per_1000_inwoners", unit="per 1.000 inwoners")
    d = compare.derive(data, i, BU)
    vals = compare.values_for(d, {"buurt": BU, "wijk": WK, "gemeente": GM, "nederland": NL})
    assert vals["buurt"] == (80.0, "ok")  # 80 / 1000 * 1000
    assert vals["gemeente"] == (30.0, "ok") and vals["nederland"] == (20.0, "ok")
    assert compare.rank(d, BU) == (1, 3)  # highest of the three buurten
    assert compare.rank(d, BU2) == (2, 3)
    # BU3: 0 of 50 inwoners — published 0 stays 0, but it is a small number: no signal
    b3 = compare.values_for(d, {"buurt": BU3})["buurt"]
    assert b3 == (0.0, "klein")
    assert compare.signal(i, b3, {"gemeente": vals["gemeente"]}) is None
    s = compare.signal(i, vals["buurt"], {"gemeente": vals["gemeente"], "nederland": vals["nederland"]})
    assert (s.kind, s.valence) == ("hoger", "ongunstig")


def test_missing_never_becomes_zero_and_gives_no_signal_or_rank():
    data = kwb(extra={(GM, "Koop"): 40, (BU, "Koop"): None, (BU2, "Koop"): 30, (NL, "Koop"): 57})
    i = ind(stem="Koop")
    d = compare.derive(data, i, BU)
    v = compare.values_for(d, {"buurt": BU, "gemeente": GM, "nederland": NL, "wijk": WK})
    assert v["buurt"] == (None, "ontbreekt")
    assert v["wijk"] == (None, "ontbreekt")  # no row at all
    assert compare.rank(d, BU) == (None, None)
    assert compare.signal(i, v["buurt"], {"gemeente": v["gemeente"]}) is None


@pytest.mark.parametrize(
    ("value", "refs", "unit", "direction", "expected"),
    [
        (30.0, [20.0, 22.0], "%", "higher_worse", ("hoger", "ongunstig")),
        (30.0, [20.0, 28.0], "%", "higher_worse", None),  # not clearly above Nederland
        (12.0, [10.0, 9.0], "%", "higher_worse", None),  # 20 % higher but < 5 points
        (64.9, [75.3, 78.4], "%", "higher_better", ("lager", "ongunstig")),  # ervaren gezondheid: 10 points
        (5.0, [10.0, 11.0], "%", "higher_worse", ("lager", "gunstig")),
        (5.0, [10.0, 11.0], "%", "neutral", ("lager", "opvallend")),
        (0.35, [0.1, 0.0], "score", "higher_better", ("hoger", "gunstig")),  # absolute for scores
        (0.15, [0.1, 0.0], "score", "higher_better", None),
        (-0.27, [0.0], "afwijking", "higher_better", ("lager", "ongunstig")),
        (138.7, [47.0], "per 1.000 inwoners", "higher_worse", ("hoger", "ongunstig")),  # bijstand 3×
        (18.5, [14.4], "per 1.000 inwoners", "higher_worse", ("hoger", "ongunstig")),  # 1,28×
        (16.0, [14.4], "per 1.000 inwoners", "higher_worse", None),  # 1,11×
        (3826.0, [4892.0], "adressen per km²", "neutral", ("lager", "opvallend")),  # descriptive: no headline
        (42.8, [34.7], "aantal", "higher_better", None),  # basisscholen binnen 3 km: 1,23×
        (2.5, [1.0], "km", "higher_worse", ("hoger", "ongunstig")),  # gemeente only (NL missing)
        (0.3, [0.5], "km", "higher_worse", None),  # 200 m shorter is no signal
    ],
)
def test_signal_rule(value, refs, unit, direction, expected):
    i = ind(unit=unit, direction=direction)
    r = {k: (v, "ok") for k, v in zip(("gemeente", "nederland"), refs, strict=False)}
    s = compare.signal(i, (value, "ok"), r)
    assert (None if s is None else (s.kind, s.valence)) == expected


def test_no_signal_without_references_or_for_sizes():
    assert compare.signal(ind(), (50.0, "ok"), {"gemeente": (None, "ontbreekt")}) is None
    assert compare.signal(ind(comparable=False), (50.0, "ok"), {"gemeente": (1.0, "ok")}) is None


def test_period_falls_back_to_the_newest_year_with_a_figure_for_the_subject():
    new = kwb(extra={(GM, "Woz"): 300, (BU, "Woz"): None})
    old = kwb("2019", "T2019", extra={(GM, "Woz"): 240, (BU, "Woz"): 113, (NL, "Woz"): 230})
    data = pl.concat([new, old])
    d = compare.derive(data, ind(stem="Woz", unit="x 1.000 euro"), BU)
    assert (d.period, d.table_id) == ("2019", "T2019")
    assert compare.values_for(d, {"buurt": BU, "gemeente": GM})["gemeente"] == (240.0, "ok")  # same year


def test_alternative_stem_for_older_years():
    old = kwb("2019", "T2019", extra={(BU, "GemiddeldeWoningwaarde"): 113})
    new = kwb(extra={(BU, "GemiddeldeWOZWaardeVanWoningen"): 150})
    i = ind(stem="GemiddeldeWOZWaardeVanWoningen", alt=("GemiddeldeWoningwaarde",), unit="x 1.000 euro")
    d = compare.derive(pl.concat([old, new]), i, BU)
    assert d.stem == "GemiddeldeWOZWaardeVanWoningen" and d.period == "2024"
    # the older figure is found under its 2019 name, but without the redrawing code no trend is claimed
    t = compare.trend(pl.concat([old, new]), i, d, BU)
    assert (t.previous_period, t.change, t.reason) == ("2019", None, "onbekend of de buurt opnieuw is ingedeeld")


def test_trend_only_when_not_redrawn():
    old = kwb("2019", "T2019", extra={(BU, "Koop"): 20, (BU2, "Koop"): 30})
    new = kwb(extra={(BU, "Koop"): 26, (BU2, "Koop"): 35, (BU, "Indelingswijziging"): 1,
                 (BU2, "Indelingswijziging"): 3})
    data = pl.concat([old, new])
    i = ind(stem="Koop")
    t = compare.trend(data, i, compare.derive(data, i, BU), BU)
    assert (t.previous_period, t.previous_value, t.change, t.reason) == ("2019", 20.0, 6.0, None)
    t2 = compare.trend(data, i, compare.derive(data, i, BU2), BU2)
    assert t2.change is None and "opnieuw ingedeeld" in t2.reason


def test_sum_needs_every_part():
    data = pl.concat([
        kwb(),
        rows("politie", "P", "2023", {(BU, "M.a"): 3, (BU, "M.b"): 7, (BU2, "M.a"): 4, (BU2, "M.b"): None,
                                      (GM, "M.a"): 100, (GM, "M.b"): 100}),
    ])
    i = ind(source="politie", stem="M.sum", derive="sum", of=("M.a", "M.b"), then="per_1000_inwoners",
            unit="per 1.000 inwoners")
    d = compare.derive(data, i, BU)
    v = compare.values_for(d, {"buurt": BU, "gemeente": GM})
    assert v["buurt"] == (10.0, "ok")  # (3 + 7) / 1000 inwoners * 1000
    assert v["gemeente"] == (20.0, "ok")
    assert compare.values_for(d, {"buurt": BU2})["buurt"] == (None, "ontbreekt")  # a part missing


def test_catalogue_is_complete():
    cat = load()
    assert [d.id for d in cat.domains] == ["algemeen", "wonen", "werk", "onderwijs", "veiligheid", "gezondheid",
                                           "samenleven", "leefomgeving", "armoede"]
    for d in cat.domains[1:]:
        assert len(cat.in_domain(d.id)) >= 4, d.id
    assert {i.chart for i in cat.in_domain("algemeen")} >= {"leeftijdsopbouw"}
    kwb_wants = dict(cat.wanted("cbs_kwb"))
    assert "AantalInwoners" in kwb_wants and kwb_wants.get("Nederland") == "Herkomstland"


def test_signal_strength_orders_what_an_analyst_would_flag_first():
    bijstand = compare.signal(ind(unit="per 1.000 inwoners", direction="higher_worse"), (138.7, "ok"),
                              {"gemeente": (47.0, "ok")})
    ww = compare.signal(ind(unit="per 1.000 inwoners", direction="higher_worse"), (18.5, "ok"),
                        {"gemeente": (14.4, "ok")})
    gezondheid = compare.signal(ind(unit="%", direction="higher_better"), (64.9, "ok"),
                                {"gemeente": (75.3, "ok"), "nederland": (78.4, "ok")})
    assert bijstand and ww and gezondheid
    assert bijstand.strength > gezondheid.strength > ww.strength >= 1.0
    assert bijstand.measure == "ratio" and round(bijstand.ratio, 2) == 2.95
    assert gezondheid.measure == "points" and round(gezondheid.strength, 2) == round(10.4 / 5, 2)


def test_descriptive_indicators_carry_no_valence():
    i = ind(unit="%", direction="higher_worse", descriptive=True)
    s = compare.signal(i, (68.0, "ok"), {"gemeente": (42.0, "ok")})
    assert s is not None and s.valence == "opvallend"
    assert not i.in_summary


def test_rank_needs_80_percent_of_the_gemeentes_buurten():
    data = kwb(extra={(GM, "Bijstand"): 300, (BU, "Bijstand"): 80, (BU2, "Bijstand"): 40, (BU3, "Bijstand"): 0})
    i = ind(stem="Bijstand", derive="per_1000_inwoners", unit="per 1.000 inwoners")
    d = compare.derive(data, i, BU)
    assert compare.rank(d, BU) == (1, 3)
    assert compare.rank(d, BU, regions=3) == (1, 3)
    assert compare.rank(d, BU, regions=4) == (None, None)  # 3 of 4 = 75 %
    assert compare.rank(d, BU, regions=114) == (None, None)  # "2e van 4 buurten" in a gemeente of 114
