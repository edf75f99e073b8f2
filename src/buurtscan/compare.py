"""Comparison: derived values, ranks, signals and trends — pure functions on tidy frames.

Everything here takes polars frames in the tidy format (``tidy.TIDY_SCHEMA``) and catalogue
entries, and returns values; nothing reads files or the network.

Rules (also in docs/comparison.md):

* **Period.** Per indicator one period is used for all levels: the newest period in which
  the subject region has a figure (else the newest period with any figure), so buurt, wijk,
  gemeente and Nederland are always compared within one year.
* **Derivation.** Counts become shares or rates before comparison (``derive`` in the
  catalogue). The denominator (inwoners, huishoudens, woningen) comes from the KWB table of
  the same year, else the nearest cached year (reported as ``denominator_period``).
* **Missing stays missing.** A null raw figure or denominator gives a null value with status
  ``ontbreekt`` (or the status the source gave, e.g. ``klein`` for suppressed partner counts);
  it never becomes 0 and never yields a signal or a rank.
* **Small numbers.** CBS rounds small buurt counts (to multiples of 5). A share or rate
  derived from a count below :data:`SMALL_COUNT`, or for a region with fewer than
  :data:`SMALL_POPULATION` inwoners, is shown but marked ``klein`` and gives no signal.
* **Rank.** Among the regions of the same level in the gemeente that have a value;
  1 = the highest value (ties share the best rank). ``rank_of`` = how many were ranked.
* **Signal.** The subject is *clearly higher* (or *lower*) when it differs from **every**
  available reference (gemeente and Nederland; at least one needed) by at least
  :data:`RELATIVE` of the reference, and — for percentages — by at least
  :data:`PERCENTAGE_POINTS` points, for scores by at least :data:`SCORE_POINTS`. The
  catalogue's direction turns that into *gunstig* / *ongunstig* (or *opvallend* when
  neither is better).
* **Trend.** Against the newest earlier cached period with a figure for the subject. Across
  two different tables (KWB years) only when the newer table marks the region as unchanged
  (``Indelingswijziging`` = 1) and it exists under the same code in both; otherwise the
  reason is given instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from .catalogue import DENOMINATORS, Indicator

SMALL_COUNT = 10  # raw counts below this are too rounded to compare
SMALL_POPULATION = 100  # rates for regions with fewer inwoners are too unstable
RELATIVE = 0.20  # "clearly" = at least 20 % away from the reference …
PERCENTAGE_POINTS = 3.0  # … and, for percentages, at least 3 points
SCORE_POINTS = 0.10  # … for (Leefbaarometer) scores, at least 0.1 point (relative makes no sense around 0)
UNCHANGED = 1.0  # Indelingswijziging code: region unchanged

LEVELS = ("buurt", "wijk", "gemeente", "nederland")
KWB = "cbs_kwb"


@dataclass(frozen=True)
class Signal:
    kind: str  # "hoger" | "lager"
    valence: str  # "gunstig" | "ongunstig" | "opvallend"
    references: tuple[str, ...]  # which references it was compared with: gemeente, nederland

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "valence": self.valence, "references": list(self.references)}


@dataclass(frozen=True)
class Trend:
    previous_period: str | None
    previous_value: float | None
    change: float | None
    reason: str | None = None  # why there is no trend

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Derived:
    """An indicator evaluated for every region of one gemeente (+ Nederland) in one period."""

    indicator: Indicator
    period: str | None
    table_id: str | None
    stem: str | None
    denominator_period: str | None
    # region_code, region_level, value, raw, status
    frame: pl.DataFrame


def _periods_desc(periods: Sequence[str]) -> list[str]:
    return sorted(set(periods), reverse=True)


def _source_rows(data: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """Rows of the indicator's source for its stems, including group-qualified ids (``Stem.group``)."""
    stems = sorted(set(ind.stems) | set(ind.of))
    name = pl.col("indicator")
    wanted = name.is_in(stems)
    if ind.group:
        wanted = wanted | pl.any_horizontal([name.str.starts_with(f"{s}.") for s in ind.stems])
    return data.filter((pl.col("source") == ind.source) & wanted)


def _stem_id(ind: Indicator, stem: str, available: set[str]) -> str | None:
    """The cached indicator id of a stem (qualified by group where stems repeat)."""
    if ind.group:
        from .odata import slug

        qualified = f"{stem}.{slug(ind.group)}"
        if qualified in available:
            return qualified
    return stem if stem in available else None


def _pick_period(rows: pl.DataFrame, subject: str) -> str | None:
    """Newest period where the subject has a figure, else the newest period with any figure."""
    with_value = rows.filter(pl.col("value").is_not_null())
    if with_value.is_empty():
        periods = _periods_desc(rows["period"].to_list())
        return periods[0] if periods else None
    own = with_value.filter(pl.col("region_code") == subject)
    if not own.is_empty():
        return _periods_desc(own["period"].to_list())[0]
    return _periods_desc(with_value["period"].to_list())[0]


def _nearest_period(available: Sequence[str], period: str) -> str | None:
    if not available:
        return None
    if period in available:
        return period

    def distance(p: str) -> tuple[int, int]:
        try:
            return abs(int(p[:4]) - int(period[:4])), -int(p[:4])
        except ValueError:
            return (9999, 0)

    return min(available, key=distance)


def _values(rows: pl.DataFrame, indicator_id: str, period: str) -> pl.DataFrame:
    return rows.filter((pl.col("indicator") == indicator_id) & (pl.col("period") == period)).select(
        "region_code", "region_level", "value", "status"
    )


@dataclass(frozen=True)
class Plan:
    """Which figures an indicator uses for a subject: period, table and numerator stem(s)."""

    period: str | None
    table_id: str | None
    stem: str | None  # numerator stem (for "sum": the catalogue stem)
    parts: tuple[str, ...] = ()  # for "sum": the stems added up


def plan(data: pl.DataFrame, ind: Indicator, subject: str) -> Plan:
    """Choose period and stem for one subject (cheap; :func:`evaluate` does the work)."""
    rows = _source_rows(data, ind)
    available = set(rows["indicator"].unique().to_list())
    if ind.derive == "sum":
        parts = tuple(p for p in ind.of if p in available)
        if not parts:
            return Plan(None, None, None)
        period = _pick_period(rows.filter(pl.col("indicator").is_in(parts)), subject)
        in_period = rows.filter(pl.col("indicator").is_in(parts) & (pl.col("period") == period))
        return Plan(period, in_period["table_id"][0], ind.stem, parts)
    stem_ids = [s for s in (_stem_id(ind, st, available) for st in ind.stems) if s]
    if not stem_ids:
        return Plan(None, None, None)
    candidates = rows.filter(pl.col("indicator").is_in(stem_ids))
    period = _pick_period(candidates, subject)
    in_period = candidates.filter(pl.col("period") == period)
    present = [s for s in stem_ids if s in set(in_period["indicator"].to_list())]
    with_figure = set(
        in_period.filter((pl.col("region_code") == subject) & pl.col("value").is_not_null())["indicator"].to_list()
    )
    stem = next((s for s in present if s in with_figure), present[0])
    table_id = in_period.filter(pl.col("indicator") == stem)["table_id"][0]
    return Plan(period, table_id, stem)


def evaluate(data: pl.DataFrame, ind: Indicator, chosen: Plan) -> Derived:
    """The indicator's derived value for every cached region of the gemeente under a plan."""
    if chosen.period is None or chosen.stem is None:
        return Derived(ind, None, None, None, None, _empty())
    rows = _source_rows(data, ind)
    if ind.derive == "sum":
        n_parts = len(ind.of)
        parts_frame = rows.filter(pl.col("indicator").is_in(list(chosen.parts)) & (pl.col("period") == chosen.period))
        num = parts_frame.group_by("region_code", "region_level").agg(
            pl.when((pl.col("value").null_count() == 0) & (pl.len() == n_parts))
            .then(pl.col("value").sum())
            .otherwise(None)
            .alias("value"),
        ).with_columns(
            pl.when(pl.col("value").is_not_null()).then(pl.lit("ok")).otherwise(pl.lit("ontbreekt")).alias("status")
        )
        how = ind.then or "value"
    else:
        num = _values(rows, chosen.stem, chosen.period)
        how = ind.derive
    frame, denom_period = _apply(data, num, how, ind, chosen.period)
    return Derived(ind, chosen.period, chosen.table_id, chosen.stem, denom_period, frame)


def derive(data: pl.DataFrame, ind: Indicator, subject: str) -> Derived:
    """Evaluate one catalogue indicator for all cached regions of the subject's gemeente.

    ``data`` holds the tidy rows of the gemeente and Nederland (``Cache.for_region``).
    """
    return evaluate(data, ind, plan(data, ind, subject))


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"region_code": pl.Utf8, "region_level": pl.Utf8, "value": pl.Float64, "raw": pl.Float64,
                "status": pl.Utf8, "small": pl.Boolean}
    )


def _kwb(data: pl.DataFrame, stem: str, period: str) -> tuple[pl.DataFrame, str | None]:
    rows = data.filter((pl.col("source") == KWB) & (pl.col("indicator") == stem))
    p = _nearest_period(_periods_desc(rows.filter(pl.col("value").is_not_null())["period"].to_list()), period)
    if p is None:
        return pl.DataFrame(schema={"region_code": pl.Utf8, "denominator": pl.Float64}), None
    frame = rows.filter(pl.col("period") == p).select("region_code", pl.col("value").alias("denominator"))
    return frame, p


def _apply(data: pl.DataFrame, num: pl.DataFrame, how: str, ind: Indicator, period: str
           ) -> tuple[pl.DataFrame, str | None]:
    base = num.rename({"value": "raw"})
    inwoners, _ = _kwb(data, "AantalInwoners", period)
    base = base.join(inwoners.rename({"denominator": "inwoners"}), on="region_code", how="left")
    denom_period = None
    if how == "value":
        out = base.with_columns(pl.col("raw").alias("value"))
        counts = False
    elif how in DENOMINATORS:
        denom, denom_period = _kwb(data, DENOMINATORS[how], period)
        factor = 1000.0 if how == "per_1000_inwoners" else 100.0
        out = base.join(denom, on="region_code", how="left").with_columns(
            pl.when(pl.col("denominator") > 0)
            .then(pl.col("raw") / pl.col("denominator") * factor)
            .otherwise(None)
            .alias("value")
        ).drop("denominator")
        counts = True
    elif how == "share_of_sum":
        parts = data.filter(
            (pl.col("source") == ind.source) & pl.col("indicator").is_in(list(ind.of)) & (pl.col("period") == period)
        )
        total = parts.group_by("region_code").agg(
            pl.when((pl.col("value").null_count() == 0) & (pl.len() == len(ind.of)))
            .then(pl.col("value").sum())
            .otherwise(None)
            .alias("denominator")
        )
        out = base.join(total, on="region_code", how="left").with_columns(
            pl.when(pl.col("denominator") > 0)
            .then(pl.col("raw") / pl.col("denominator") * 100.0)
            .otherwise(None)
            .alias("value")
        ).drop("denominator")
        counts = True
        denom_period = period
    else:  # pragma: no cover - the catalogue loader rejects other values
        raise ValueError(how)
    small = pl.lit(False)
    if counts:
        small = (pl.col("raw") < SMALL_COUNT) | (pl.col("inwoners") < SMALL_POPULATION)
    elif ind.unit.startswith("per 1.000"):
        small = pl.col("inwoners") < SMALL_POPULATION
    out = out.with_columns(small.fill_null(False).alias("small")).with_columns(
        pl.when(pl.col("value").is_null())
        .then(pl.when(pl.col("status") == "ok").then(pl.lit("ontbreekt")).otherwise(pl.col("status")))
        .when(pl.col("small"))
        .then(pl.lit("klein"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    return out.select("region_code", "region_level", "value", "raw", "status", "small"), denom_period


def values_for(derived: Derived, codes: dict[str, str | None]) -> dict[str, tuple[float | None, str]]:
    """(value, status) for each of buurt/wijk/gemeente/nederland (codes may be None)."""
    lookup = {r["region_code"]: (r["value"], r["status"]) for r in derived.frame.iter_rows(named=True)}
    out: dict[str, tuple[float | None, str]] = {}
    for level in LEVELS:
        code = codes.get(level)
        if code is None:
            out[level] = (None, "n.v.t.")
        else:
            out[level] = lookup.get(code, (None, "ontbreekt"))
    return out


def rank(derived: Derived, subject: str) -> tuple[int | None, int | None]:
    """Rank of the subject among regions of its level in the gemeente (1 = highest value)."""
    frame = derived.frame
    me = frame.filter(pl.col("region_code") == subject)
    if me.is_empty() or me["value"][0] is None or me["region_level"][0] in ("land", "gemeente"):
        return None, None
    level = me["region_level"][0]
    peers = frame.filter((pl.col("region_level") == level) & pl.col("value").is_not_null())
    mine = me["value"][0]
    return int((peers["value"] > mine).sum()) + 1, peers.height


def _clearly(value: float, ref: float, unit: str, sign: int) -> bool:
    diff = (value - ref) * sign
    if diff <= 0:
        return False
    if unit == "score":
        return diff >= SCORE_POINTS
    if ref == 0:
        return unit == "%" and diff >= PERCENTAGE_POINTS
    if diff < abs(ref) * RELATIVE:
        return False
    return not (unit == "%" and diff < PERCENTAGE_POINTS)


def signal(ind: Indicator, subject: tuple[float | None, str], refs: dict[str, tuple[float | None, str]]
           ) -> Signal | None:
    """Direction-aware signal: clearly higher/lower than every available reference."""
    value, status = subject
    if value is None or status != "ok" or not ind.comparable:
        return None
    usable = {k: v for k, (v, st) in refs.items() if v is not None and st == "ok"}
    if not usable:
        return None
    for sign, kind in ((1, "hoger"), (-1, "lager")):
        if all(_clearly(value, ref, ind.unit, sign) for ref in usable.values()):
            if ind.direction == "neutral":
                valence = "opvallend"
            elif (ind.direction == "higher_better") == (sign == 1):
                valence = "gunstig"
            else:
                valence = "ongunstig"
            return Signal(kind, valence, tuple(usable))
    return None


def trend(data: pl.DataFrame, ind: Indicator, derived: Derived, subject: str) -> Trend | None:
    """Change against the newest earlier cached period (see the module docstring)."""
    if derived.period is None:
        return None
    current = derived.frame.filter(pl.col("region_code") == subject)
    if current.is_empty() or current["value"][0] is None:
        return None
    rows = _source_rows(data, ind).filter(pl.col("region_code") == subject)
    earlier = _periods_desc([p for p in rows["period"].to_list() if p < derived.period])
    for p in earlier:
        prev = _at_period(data, ind, subject, p)
        if prev is None or prev.value is None:
            continue
        if prev.table_id != derived.table_id and ind.source == KWB:
            why = _redrawn(data, subject, derived.period)
            if why:
                return Trend(p, None, None, why)
        change = current["value"][0] - prev.value
        return Trend(p, prev.value, change)
    return None


@dataclass(frozen=True)
class _At:
    value: float | None
    table_id: str


def _at_period(data: pl.DataFrame, ind: Indicator, subject: str, period: str) -> _At | None:
    """The indicator for the subject as it was in an earlier period (denominators of that time)."""
    older = derive(data.filter((pl.col("source") != ind.source) | (pl.col("period") == period)), ind, subject)
    if older.period != period:
        return None
    row = older.frame.filter(pl.col("region_code") == subject)
    if row.is_empty():
        return None
    return _At(row["value"][0], older.table_id or "")


def _redrawn(data: pl.DataFrame, subject: str, period: str) -> str | None:
    rows = data.filter(
        (pl.col("source") == KWB) & (pl.col("indicator") == "Indelingswijziging")
        & (pl.col("region_code") == subject) & (pl.col("period") == period)
    )
    if rows.is_empty() or rows["value"][0] is None:
        return "onbekend of de buurt opnieuw is ingedeeld"
    if rows["value"][0] != UNCHANGED:
        return "de buurt is opnieuw ingedeeld"
    return None
