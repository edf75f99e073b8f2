"""OData pages → tidy rows in polars (`pl.from_dicts`), with the column-by-column way kept for odd pages."""

import polars as pl

from buurtscan.tidy import TIDY_SCHEMA, wide_to_tidy

COLUMNS = {"A_1": ("inwoners", "aantal"), "B_2": ("dichtheid", "per km2"), "C_3": ("aandeel", "%")}


def _tidy(rows):
    return wide_to_tidy(rows, code_field="WijkenEnBuurten", columns=COLUMNS, period="2024", source="cbs_kwb",
                        table_id="85984NED")


def test_a_page_becomes_tidy_rows_with_the_unit_of_each_indicator():
    rows = [{"ID": 0, "WijkenEnBuurten": "BU05183620  ", "A_1": 3360, "B_2": 12.5, "C_3": None},
            {"ID": 1, "WijkenEnBuurten": "gm0518    ", "A_1": 566221, "C_3": 0.0},  # B_2 absent
            {"ID": 2, "WijkenEnBuurten": "NL01  ", "A_1": 17942942.0, "B_2": "12", "C_3": 3}]
    out = _tidy(rows)
    assert out.schema == pl.Schema(TIDY_SCHEMA)
    got = {(r["region_code"], r["indicator"]): (r["value"], r["status"], r["unit"]) for r in out.iter_rows(named=True)}
    assert got[("BU05183620", "inwoners")] == (3360.0, "ok", "aantal")
    assert got[("BU05183620", "aandeel")] == (None, "ontbreekt", "%")  # missing is null, never 0
    assert got[("GM0518", "dichtheid")] == (None, "ontbreekt", "per km2")
    assert got[("GM0518", "aandeel")] == (0.0, "ok", "%")  # a real zero stays a zero
    assert got[("NL01", "dichtheid")] == (12.0, "ok", "per km2")  # a numeric string is a number
    assert out.filter(pl.col("region_code") == "BU05183620")["gemeente_code"].to_list() == ["GM0518"] * 3
    assert out.height == 9


def test_a_page_with_a_stray_string_gives_the_same_rows_with_that_value_null():
    clean = [{"WijkenEnBuurten": f"BU0518{i:04d}", "A_1": i, "B_2": i / 2, "C_3": None} for i in range(50)]
    odd = [dict(r) for r in clean]
    odd[7]["B_2"] = "."  # CBS's "secret" mark in a CSV-derived page: takes the column-by-column way
    a, b = _tidy(clean), _tidy(odd)
    key = (pl.col("region_code") == "BU05180007") & (pl.col("indicator") == "dichtheid")
    assert b.filter(key)["value"].to_list() == [None] and b.filter(key)["status"].to_list() == ["ontbreekt"]
    assert a.filter(~key).equals(b.filter(~key))
