"""Series rules (docs/comparison.md, "Series") on small tidy frames. All values are MADE UP."""

import polars as pl

from buurtscan import compare, series
from tests.test_compare import BU, BU2, GM, NL, WK, ind, kwb, rows

CODES = {"buurt": BU, "wijk": WK, "gemeente": GM, "nederland": NL}


def build(data, i, subject=BU):
    r = compare.Rows(data, i)
    d = compare.derive(r, i, subject)
    return series.build(r, i, d, {**CODES, "buurt": subject}, subject)


def test_one_table_keeps_every_period_oldest_first():
    data = pl.concat([kwb(), *[rows("politie", "P", str(y), {(BU, "M.totaal"): v, (GM, "M.totaal"): 10 * v,
                                                           (NL, "M.totaal"): 100 * v})
                               for y, v in ((2012, 50), (2018, 40), (2023, 30))]])
    s = build(data, ind(source="politie", stem="M.totaal", unit="aantal"))
    assert s.periods == ("2012", "2018", "2023") and s.tables == ("P", "P", "P")
    assert s.values["buurt"] == (50.0, 40.0, 30.0) and s.values["nederland"] == (5000.0, 4000.0, 3000.0)
    assert s.break_ is None and not s.boundary_change and s.sentence() == ""
    assert s.as_dict()["gemeente"] == [500.0, 400.0, 300.0]


def test_kwb_series_stops_at_a_redrawing():
    t2019 = kwb("2019", "T2019", extra={(BU, "Koop"): 20, (BU2, "Koop"): 30, (GM, "Koop"): 40,
                                         (BU, "Indelingswijziging"): 1, (BU2, "Indelingswijziging"): 1})
    t2021 = kwb("2021", "T2021", extra={(BU, "Koop"): 22, (BU2, "Koop"): 31, (GM, "Koop"): 41,
                                         (BU, "Indelingswijziging"): 3, (BU2, "Indelingswijziging"): 1})
    t2024 = kwb(extra={(BU, "Koop"): 26, (BU2, "Koop"): 35, (GM, "Koop"): 42,
                       (BU, "Indelingswijziging"): 1, (BU2, "Indelingswijziging"): 1})
    data = pl.concat([t2019, t2021, t2024])
    i = ind(stem="Koop")
    s = build(data, i)  # BU was redrawn in 2021: 2019 does not compare
    assert s.periods == ("2021", "2024") and s.values["buurt"] == (22.0, 26.0)
    assert s.break_ == "de buurt is in 2021 opnieuw ingedeeld" and s.break_period == "2019"
    assert s.boundary_change and s.sentence() == "Reeks vanaf 2021: de buurt is in 2021 opnieuw ingedeeld."
    s2 = build(data, i, BU2)  # unchanged throughout: the whole series
    assert s2.periods == ("2019", "2021", "2024") and s2.break_ is None


def test_kwb_series_stops_when_the_code_is_new_or_the_redrawing_unknown():
    old = kwb("2019", "T2019", extra={(BU2, "Koop"): 30})
    new = kwb(extra={(BU, "Koop"): 26, (BU2, "Koop"): 35, (BU, "Indelingswijziging"): 1})
    i = ind(stem="Koop")
    data = pl.concat([old.filter(pl.col("region_code") != BU), new])
    s = build(data, i)
    assert s.periods == ("2024",) and "andere code" in s.break_ and s.boundary_change
    s2 = build(pl.concat([old, new]), i, BU2)  # BU2 has no Indelingswijziging: unknown, not claimed
    assert s2.periods == ("2024",) and s2.break_.startswith("onbekend") and not s2.boundary_change
