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
  derived from a count below :data:`SMALL_COUNT`, and every comparable figure of a region
  with fewer than :data:`SMALL_POPULATION` inwoners, is shown but marked ``klein`` and gives
  no signal.
* **Rank.** Among the regions of the same level in the gemeente that have a value;
  1 = the highest value (ties share the best rank). ``rank_of`` = how many were ranked. No
  rank when fewer than :data:`RANK_COVERAGE` of the gemeente's regions of that level have
  the figure (a rank among 4 of 114 buurten says nothing).
* **Signal.** The subject is *clearly higher* (or *lower*) when it differs from **every**
  available reference (gemeente and Nederland; at least one needed) by at least the step of
  its unit (:func:`effect`): percentages by :data:`PERCENTAGE_POINTS` points, rates and
  amounts by the ratio :data:`RATIO`, distances by that ratio and at least
  :data:`DISTANCE_KM`, Leefbaarometer scores by :data:`SCORE_POINTS`. The strength is the
  smallest difference over the references in those steps (1 = just a signal, 2 = twice the
  step). The catalogue's direction turns that into *gunstig* / *ongunstig*; neutral and
  descriptive indicators are *opvallend*.
* **Trend.** Against the newest earlier cached period with a figure for the subject. Across
  two different tables (KWB years) only when the newer table marks the region as unchanged
  (``Indelingswijziging`` = 1) and it exists under the same code in both; otherwise the
  reason is given instead.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from .catalogue import DENOMINATORS, Indicator
from .regions import level_of
from .text import slug
from .tidy import Status

SMALL_COUNT = 10  # raw counts below this are too rounded to compare
SMALL_POPULATION = 200  # figures of regions with fewer inwoners are too unstable
RANK_COVERAGE = 0.80  # a rank needs this share of the gemeente's regions to have the figure
PERCENTAGE_POINTS = 5.0  # "clearly" for percentages: at least 5 points away from the reference
RATIO = 1.25  # … for rates, amounts and counts: at least 1,25 times (or at most 1/1,25 of) the reference
DISTANCE_KM = 0.5  # … for distances: that ratio and at least 0,5 km
SCORE_POINTS = 0.10  # … for (Leefbaarometer) scores: at least 0,1 point (a ratio makes no sense around 0)
UNCHANGED = 1.0  # Indelingswijziging code: region unchanged

LEVELS = ("buurt", "wijk", "gemeente", "nederland")
KWB = "cbs_kwb"
# KWB rows every indicator may need besides its own: denominators and the redrawing code
CONTEXT = ("AantalInwoners", "HuishoudensTotaal", "Woningvoorraad", "Indelingswijziging")


@dataclass(frozen=True)
class Signal:
    kind: str  # "hoger" | "lager"
    valence: str  # "gunstig" | "ongunstig" | "opvallend"
    references: tuple[str, ...]  # which references it was compared with: gemeente, nederland
    strength: float = 1.0  # the smallest difference over the references, in steps of the unit (>= 1)
    measure: str = "ratio"  # "points" (percentages, scores) or "ratio" (rates, amounts, distances)
    ratio: float | None = None  # subject / the nearest reference, where a ratio means something

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "valence": self.valence, "references": list(self.references),
                "strength": round(self.strength, 2), "measure": self.measure,
                "ratio": None if self.ratio is None else round(self.ratio, 3)}


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
    lookup: dict[str, tuple[float | None, str]]  # region_code -> (value, status)
    raw: dict[str, float | None] = field(default_factory=dict)  # region_code -> figure before derivation

    @cached_property
    def levels(self) -> dict[str, str]:
        return {code: level_of(code) for code in self.lookup}

    @cached_property
    def ranking(self) -> dict[str, list[float]]:
        """Per level the sorted values that exist (ascending), for ranks by bisection."""
        out: dict[str, list[float]] = {}
        for code, (value, _) in self.lookup.items():
            if value is not None:
                out.setdefault(self.levels[code], []).append(value)
        return {k: sorted(v) for k, v in out.items()}

    @property
    def frame(self) -> pl.DataFrame:
        """The same as a frame (region_code, region_level, value, status) — for inspection."""
        codes = sorted(self.lookup)
        return pl.DataFrame(
            {"region_code": codes, "region_level": [self.levels[c] for c in codes],
             "value": [self.lookup[c][0] for c in codes], "status": [self.lookup[c][1] for c in codes]},
            schema={"region_code": pl.Utf8, "region_level": pl.Utf8, "value": pl.Float64, "status": pl.Utf8},
        )


def _periods_desc(periods: Iterable[str]) -> list[str]:
    return sorted(set(periods), reverse=True)


def _stem_id(ind: Indicator, stem: str, available: set[str]) -> str | None:
    """The cached indicator id of a stem (qualified by group where stems repeat)."""
    if ind.group:
        qualified = f"{stem}.{slug(ind.group)}"
        if qualified in available:
            return qualified
    return stem if stem in available else None


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


@dataclass(frozen=True)
class Plan:
    """Which figures an indicator uses for a subject: period, table and numerator stem(s)."""

    period: str | None
    table_id: str | None
    stem: str | None  # numerator stem (for "sum": the catalogue stem)
    parts: tuple[str, ...] = ()  # for "sum": the stems added up


Cells = dict[str, tuple[float | None, str]]  # region_code -> (value, status)


Index = dict[tuple[str, str, str], tuple[str, Cells]]  # (source, indicator, period) -> (table id, cells)


def index_rows(frame: pl.DataFrame) -> Index:
    """One pass over tidy rows into plain dicts (a gemeente's rows take a few hundredths of a second)."""
    out: Index = {}
    for source, name, period, table, code, value, status in frame.select(
        "source", "indicator", "period", "table_id", "region_code", "value", "status"
    ).iter_rows():
        key = (source, name, period)
        if key not in out:
            out[key] = (table, {})
        out[key][1][code] = (value, status)
    return out


class Rows:
    """An indicator's rows (and the KWB denominators) in plain dicts, so that choosing a period,
    a stem, a rank or a trend costs look-ups instead of frame scans."""

    def __init__(self, data: pl.DataFrame | Index, ind: Indicator) -> None:
        index = index_rows(data) if isinstance(data, pl.DataFrame) else data
        self.ind = ind
        self.tables: dict[tuple[str, str], str] = {}  # (indicator, period) -> table id
        self.cells: dict[tuple[str, str], Cells] = {}  # (indicator, period) -> cells
        self.kwb: dict[tuple[str, str], Cells] = {}  # KWB context (denominators, redrawing code)
        stems = set(ind.stems) | set(ind.of) | set(ind.of_alt)
        for (source, name, period), (table, cells) in index.items():
            if source == ind.source and (name in stems or (ind.group and name.split(".")[0] in ind.stems)):
                self.tables[(name, period)] = table
                self.cells[(name, period)] = cells
            if source == KWB and name in CONTEXT:
                self.kwb[(name, period)] = cells
        self.indicators: set[str] = {n for n, _ in self.cells}
        self.older: dict[str, Rows] = {}

    def at(self, period: str) -> Rows:
        """The rows as they were in an earlier period (the KWB denominators of that year too)."""
        if period not in self.older:
            then = Rows({}, self.ind)
            then.cells = {k: v for k, v in self.cells.items() if k[1] == period}
            then.tables = {k: v for k, v in self.tables.items() if k[1] == period}
            then.kwb = self.kwb if self.ind.source != KWB else {k: v for k, v in self.kwb.items() if k[1] == period}
            then.indicators = {n for n, _ in then.cells}
            self.older[period] = then
        return self.older[period]

    def periods(self, names: Iterable[str]) -> list[str]:
        names = set(names)
        return _periods_desc(p for (n, p) in self.cells if n in names)

    def value(self, name: str, period: str, code: str) -> float | None:
        return self.cells.get((name, period), {}).get(code, (None, ""))[0]

    def pick_period(self, names: Sequence[str], subject: str) -> str | None:
        """Newest period where the subject has a figure, else the newest period with any figure."""
        periods = self.periods(names)
        for p in periods:
            if any(self.value(n, p, subject) is not None for n in names):
                return p
        for p in periods:
            if any(v is not None for n in names for v, _ in self.cells.get((n, p), {}).values()):
                return p
        return periods[0] if periods else None

    def denominator(self, stem: str, period: str) -> tuple[dict[str, float | None], str | None]:
        """KWB values of a denominator in the same year, else the nearest cached year."""
        have = [p for (n, p), cells in self.kwb.items()
                if n == stem and any(v is not None for v, _ in cells.values())]
        p = _nearest_period(_periods_desc(have), period)
        if p is None:
            return {}, None
        return {c: v for c, (v, _) in self.kwb[(stem, p)].items()}, p


def plan(data: pl.DataFrame | Rows, ind: Indicator, subject: str) -> Plan:
    """Choose period and stem for one subject (cheap; :func:`evaluate` does the work)."""
    rows = data if isinstance(data, Rows) else Rows(data, ind)
    available = rows.indicators
    if ind.derive == "sum":
        parts = tuple(p for p in ind.of if p in available)
        if not parts:
            return Plan(None, None, None)
        period = rows.pick_period(parts, subject)
        assert period is not None
        table = next(rows.tables[(n, period)] for n in parts if (n, period) in rows.tables)
        return Plan(period, table, ind.stem, parts)
    stem_ids = [s for s in (_stem_id(ind, st, available) for st in ind.stems) if s]
    if not stem_ids:
        return Plan(None, None, None)
    period = rows.pick_period(stem_ids, subject)
    assert period is not None
    present = [s for s in stem_ids if (s, period) in rows.cells]
    with_figure = [s for s in present if rows.value(s, period, subject) is not None]
    stem = (with_figure or present)[0]
    return Plan(period, rows.tables[(stem, period)], stem)


def evaluate(data: pl.DataFrame | Rows, ind: Indicator, chosen: Plan) -> Derived:
    """The indicator's derived value for every cached region of the gemeente under a plan."""
    rows = data if isinstance(data, Rows) else Rows(data, ind)
    if chosen.period is None or chosen.stem is None:
        return Derived(ind, None, None, None, None, {})
    period = chosen.period
    if ind.derive == "sum":
        parts = [rows.cells.get((p, period), {}) for p in ind.of]
        codes = set().union(*parts)
        num: Cells = {}
        for code in codes:
            vals = [part.get(code, (None, Status.MISSING))[0] for part in parts]
            total = None if any(v is None for v in vals) else sum(vals)  # type: ignore[arg-type]
            num[code] = (total, Status.OK if total is not None else Status.MISSING)
        how = ind.then or "value"
    else:
        num = rows.cells.get((chosen.stem, period), {})
        how = ind.derive
    inwoners, _ = rows.denominator("AantalInwoners", period)
    out: Cells = {}
    denom_period = None
    if how == "value":
        denom: dict[str, float | None] = {}
        factor, counts = 1.0, False
    elif how in DENOMINATORS:
        denom, denom_period = rows.denominator(DENOMINATORS[how], period)
        factor, counts = (1000.0 if how == "per_1000_inwoners" else 100.0), True
    elif how == "share_of_sum":
        stems = ind.of
        if ind.of_alt and not all((p, period) in rows.cells for p in ind.of):
            stems = ind.of_alt  # the table year that names the parts differently
        parts = [rows.cells.get((p, period), {}) for p in stems]
        denom = {}
        for code in num:
            vals = [part.get(code, (None, ""))[0] for part in parts]
            denom[code] = None if any(v is None for v in vals) else sum(vals)  # type: ignore[arg-type]
        factor, counts, denom_period = 100.0, True, period
    else:  # pragma: no cover - the catalogue loader rejects other values
        raise ValueError(how)
    per_mille = ind.unit.startswith("per 1.000")
    for code, (raw, status) in num.items():
        if how == "value":
            value = raw
        else:
            d = denom.get(code)
            value = raw / d * factor if raw is not None and d is not None and d > 0 else None
        people = inwoners.get(code)
        small = False
        tiny = people is not None and people < SMALL_POPULATION and ind.comparable
        if counts:
            small = (raw is not None and raw < SMALL_COUNT) or tiny
        else:
            small = tiny or (per_mille and people is not None and people < SMALL_POPULATION)
        if value is None:
            status = Status.MISSING if status == Status.OK else status
        elif small:
            status = Status.SMALL
        out[code] = (value, status)
    raws = {code: v for code, (v, _) in num.items()}
    return Derived(ind, period, chosen.table_id, chosen.stem, denom_period, out, raws)


def derive(data: pl.DataFrame | Rows, ind: Indicator, subject: str) -> Derived:
    """Evaluate one catalogue indicator for all cached regions of the subject's gemeente.

    ``data`` holds the tidy rows of the gemeente and Nederland (``Cache.for_region``).
    """
    rows = data if isinstance(data, Rows) else Rows(data, ind)
    return evaluate(rows, ind, plan(rows, ind, subject))


def values_for(derived: Derived, codes: dict[str, str | None]) -> dict[str, tuple[float | None, str]]:
    """(value, status) for each of buurt/wijk/gemeente/nederland (codes may be None)."""
    lookup = derived.lookup
    out: dict[str, tuple[float | None, str]] = {}
    for level in LEVELS:
        code = codes.get(level)
        if code is None:
            out[level] = (None, Status.NOT_APPLICABLE)
        else:
            out[level] = lookup.get(code, (None, Status.MISSING))
    reference = derived.indicator.nederland
    if reference is not None and codes.get("nederland") and out["nederland"][0] is None:
        out["nederland"] = (reference, Status.OK)  # by definition (Leefbaarometer dimensions: NL = 0)
    return out


def rank(derived: Derived, subject: str, regions: int | None = None) -> tuple[int | None, int | None]:
    """Rank of the subject among regions of its level in the gemeente (1 = highest value).

    ``regions`` is how many regions of that level the gemeente has; without at least
    :data:`RANK_COVERAGE` of them having the figure there is no rank.
    """
    value, status = derived.lookup.get(subject, (None, ""))
    level = derived.levels.get(subject) if subject in derived.lookup else None
    if value is None or level in (None, "land", "gemeente") or status == Status.SMALL:
        return None, None
    peers = derived.ranking[level]
    total = max(regions or 0, sum(1 for c in derived.lookup if derived.levels[c] == level))
    if total and len(peers) < RANK_COVERAGE * total:
        return None, None
    return len(peers) - bisect.bisect_right(peers, value) + 1, len(peers)


def effect(value: float, ref: float, unit: str) -> tuple[float, str, float | None]:
    """How far a value lies above a reference, in steps of its unit (negative = below).

    Percentages: percentage points / :data:`PERCENTAGE_POINTS`. Scores: points /
    :data:`SCORE_POINTS`. Distances: as rates, but never more than the absolute difference in
    steps of :data:`DISTANCE_KM`. Rates, amounts and counts: log(value / ref) / log(:data:`RATIO`),
    so 1,25× is one step, 1,56× two steps and 3× about five. Returns (steps, measure, ratio).
    """
    if unit == "%":
        return (value - ref) / PERCENTAGE_POINTS, "points", (value / ref if ref > 0 else None)
    if unit in ("score", "afwijking"):
        return (value - ref) / SCORE_POINTS, "points", None
    if value < 0 or ref < 0:
        return 0.0, "ratio", None
    if ref == 0 or value == 0:
        return (0.0, "ratio", None) if value == ref else (math.copysign(9.9, value - ref), "ratio", None)
    ratio = value / ref
    steps = math.log(ratio) / math.log(RATIO)
    if unit == "km":
        steps = math.copysign(min(abs(steps), abs(value - ref) / DISTANCE_KM), steps)
    return steps, "ratio", ratio


def signal(ind: Indicator, subject: tuple[float | None, str], refs: dict[str, tuple[float | None, str]]
           ) -> Signal | None:
    """Direction-aware signal: clearly higher/lower than every available reference, with a strength."""
    value, status = subject
    if value is None or status != Status.OK or not ind.comparable:
        return None
    usable = {k: v for k, (v, st) in refs.items() if v is not None and st == Status.OK}
    if not usable:
        return None
    effects = {k: effect(value, ref, ind.unit) for k, ref in usable.items()}
    for sign, kind in ((1, "hoger"), (-1, "lager")):
        steps = [e[0] * sign for e in effects.values()]
        if all(st >= 1.0 for st in steps):
            if ind.direction == "neutral" or ind.descriptive:
                valence = "opvallend"
            elif (ind.direction == "higher_better") == (sign == 1):
                valence = "gunstig"
            else:
                valence = "ongunstig"
            nearest = min(effects, key=lambda k: effects[k][0] * sign)
            _, measure, ratio = effects[nearest]
            return Signal(kind, valence, tuple(usable), min(steps), measure, ratio)
    return None


def comparable(ind: Indicator, subject: tuple[float | None, str], refs: dict[str, tuple[float | None, str]]
               ) -> bool:
    """Whether a comparison could be made at all (the subject and at least one reference usable)."""
    value, status = subject
    return (value is not None and status == Status.OK and ind.comparable
            and any(v is not None and st == Status.OK for v, st in refs.values()))


def trend(data: pl.DataFrame | Rows, ind: Indicator, derived: Derived, subject: str,
          memo: dict[tuple[str, Plan], Derived] | None = None) -> Trend | None:
    """Change against the newest earlier cached period (see the module docstring)."""
    if derived.period is None:
        return None
    value = derived.lookup.get(subject, (None, ""))[0]
    if value is None:
        return None
    rows = data if isinstance(data, Rows) else Rows(data, ind)
    names = sorted(rows.indicators)
    earlier = [p for p in rows.periods(names)
               if p < derived.period and any(rows.value(n, p, subject) is not None for n in names)]
    for p in earlier:
        older = _derive_at(rows, ind, subject, p, memo)
        if older is None:
            continue
        prev = older.lookup.get(subject, (None, ""))[0]
        if prev is None:
            continue
        if older.table_id != derived.table_id and ind.source == KWB:
            why = _redrawn(rows, subject, derived.period)
            if why:
                return Trend(p, None, None, why)
        return Trend(p, prev, value - prev)
    return None


def _derive_at(rows: Rows, ind: Indicator, subject: str, period: str,
               memo: dict[tuple[str, Plan], Derived] | None) -> Derived | None:
    """The indicator as it was in an earlier period (with the denominators of that time)."""
    then = rows.at(period)
    chosen = plan(then, ind, subject)
    if chosen.period != period:
        return None
    key = (f"{ind.id}@{period}", chosen)
    if memo is not None and key in memo:
        return memo[key]
    older = evaluate(then, ind, chosen)
    if memo is not None:
        memo[key] = older
    return older


def _redrawn(rows: Rows, subject: str, period: str) -> str | None:
    code = rows.kwb.get(("Indelingswijziging", period), {}).get(subject, (None, ""))[0]
    if code is None:
        return "onbekend of de buurt opnieuw is ingedeeld"
    if code != UNCHANGED:
        return "de buurt is opnieuw ingedeeld"
    return None
