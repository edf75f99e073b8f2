"""Similar buurten elsewhere: a structural profile, a distance and the k nearest buurten.

Pure functions on a tidy frame of the national profile (the KWB topics below for every
buurt of Nederland of one table year, cached by :mod:`buurtscan.sources.kwb.profile`);
nothing here reads files or the network. The rule in words is in docs/comparison.md
("Vergelijkbare buurten"); in short:

* **Profile.** Six themes, weight 1 each: mate van stedelijkheid, inwoners (log10),
  leeftijdsopbouw (5 shares of inwoners), huishoudenssamenstelling (3 shares of
  huishoudens), woningbezit (koop %, corporatie %) and inkomen (gemiddeld per inwoner).
  A theme's weight is split evenly over its dimensions that the table has. Herkomst is
  deliberately not part of the profile.
* **The table has it.** A dimension counts only if at least :data:`MIN_FILLED` of the
  buurten with inwoners have a figure for it and its figures are not all equal; every
  counted dimension is standardised (z-score, population standard deviation) over all
  buurten of Nederland with a figure, of the same table year.
* **Missing is missing.** A buurt without inwoners has no profile. Shares of a buurt with
  fewer than :data:`SMALL_POPULATION` inwoners are treated as missing (CBS rounds small
  counts). The buurt's own missing dimensions are left out of its distance; it needs at
  more than half of the profile's weight, else it gets no similar buurten. A candidate must
  have a figure for every dimension the buurt uses; it is never filled in with 0 or a mean.
* **Distance.** The weighted root mean square of the standardised differences over the
  buurt's dimensions. Candidates: buurten of the same table year outside the buurt's own
  gemeente. Order: distance rounded to :data:`DECIMALS` decimals, then the buurtcode
  (ascending), so ties are broken by code and the result is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import polars as pl

from .regions import gemeente_of

if TYPE_CHECKING:  # numpy is imported where it is used: a fetch needs only the profile's stems
    import numpy as np

NAME = "cbs_kwb_profile"  # the cache source name of the national profile
ROWS_SUFFIX = "_similar"  # cbs_kwb_similar, rivm_similar: the side tables of the similar buurten' own rows
ROWS_SOURCES = ("cbs_kwb", "rivm")  # the sources whose rows are read for the similar buurten (by buurtcode)
DEFAULT_K = 10
MIN_FILLED = 0.5  # a dimension counts when at least this share of buurten has a figure
MIN_WEIGHT = 0.5  # a buurt needs figures for more than this share of the profile's weight
SMALL_POPULATION = 100  # shares of smaller buurten are too rounded (same as compare.py)
DECIMALS = 9  # distances are rounded to this many decimals before ordering
CHUNK = 128  # subjects per vectorised block (128 x 14,574 doubles ≈ 15 MB per array)


@dataclass(frozen=True)
class Dimension:
    id: str
    theme: str
    stem: str  # the KWB topic stem
    how: str  # "value" | "log10" | "share"
    of: str | None = None  # denominator stem of a share


THEMES: dict[str, float] = {  # theme -> weight
    "stedelijkheid": 1.0,
    "inwoners": 1.0,
    "leeftijdsopbouw": 1.0,
    "huishoudens": 1.0,
    "woningbezit": 1.0,
    "inkomen": 1.0,
}
THEME_LABELS = {
    "stedelijkheid": "mate van stedelijkheid",
    "inwoners": "aantal inwoners",
    "leeftijdsopbouw": "leeftijdsopbouw",
    "huishoudens": "samenstelling van de huishoudens",
    "woningbezit": "koop- en corporatiewoningen",
    "inkomen": "inkomen",
}
DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("stedelijkheid", "stedelijkheid", "MateVanStedelijkheid", "value"),
    Dimension("inwoners_log10", "inwoners", "AantalInwoners", "log10"),
    Dimension("leeftijd_0_15", "leeftijdsopbouw", "k_0Tot15Jaar", "share", "AantalInwoners"),
    Dimension("leeftijd_15_25", "leeftijdsopbouw", "k_15Tot25Jaar", "share", "AantalInwoners"),
    Dimension("leeftijd_25_45", "leeftijdsopbouw", "k_25Tot45Jaar", "share", "AantalInwoners"),
    Dimension("leeftijd_45_65", "leeftijdsopbouw", "k_45Tot65Jaar", "share", "AantalInwoners"),
    Dimension("leeftijd_65_plus", "leeftijdsopbouw", "k_65JaarOfOuder", "share", "AantalInwoners"),
    Dimension("eenpersoons", "huishoudens", "Eenpersoonshuishoudens", "share", "HuishoudensTotaal"),
    Dimension("zonder_kinderen", "huishoudens", "HuishoudensZonderKinderen", "share", "HuishoudensTotaal"),
    Dimension("met_kinderen", "huishoudens", "HuishoudensMetKinderen", "share", "HuishoudensTotaal"),
    Dimension("koop", "woningbezit", "Koopwoningen", "value"),
    Dimension("corporatie", "woningbezit", "InBezitWoningcorporatie", "value"),
    Dimension("inkomen_per_inwoner", "inkomen", "GemiddeldInkomenPerInwoner", "value"),
)


def rows_source(source: str) -> str:
    """The cache source name of a source's rows of vergelijkbare buurten (a side table)."""
    return source + ROWS_SUFFIX


def stems() -> list[str]:
    """Every KWB topic stem the profile reads (what `fetch --similar` selects)."""
    out: list[str] = []
    for d in DIMENSIONS:
        for s in (d.stem, d.of):
            if s and s not in out:
                out.append(s)
    return out


@dataclass(frozen=True)
class Profile:
    """The standardised profile of every buurt of one table year."""

    table_id: str
    period: str
    codes: np.ndarray  # buurtcodes, ascending (the tie-breaking order)
    gemeenten: np.ndarray  # gemeentecode per buurt
    z: np.ndarray  # (n, d) standardised values, NaN = missing
    weights: np.ndarray  # (d,)
    dimensions: tuple[Dimension, ...]  # the dimensions that count for this table year
    mean: np.ndarray
    std: np.ndarray
    has_profile: np.ndarray  # (n,) bool: the buurt has inwoners (> 0)

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.theme for d in self.dimensions))

    def position(self, code: str) -> int | None:
        import numpy as np

        i = int(np.searchsorted(self.codes, code))
        return i if i < len(self.codes) and self.codes[i] == code else None


@dataclass(frozen=True)
class Neighbour:
    code: str
    gemeente_code: str
    distance: float


@dataclass(frozen=True)
class Match:
    """The similar buurten of one buurt (empty with a reason when there are none)."""

    code: str
    neighbours: tuple[Neighbour, ...]
    reason: str | None = None  # why there are none (Dutch, for reports)


def _values(wide: pl.DataFrame, d: Dimension) -> np.ndarray:
    import numpy as np

    x = wide[d.stem].to_numpy().astype(float) if d.stem in wide.columns else np.full(wide.height, np.nan)
    if d.how == "log10":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)
    if d.how == "share":
        den = wide[d.of].to_numpy().astype(float) if d.of in wide.columns else np.full(wide.height, np.nan)
        people = wide["AantalInwoners"].to_numpy().astype(float)
        ok = (den > 0) & (people >= SMALL_POPULATION)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ok, x / np.where(den > 0, den, 1.0) * 100.0, np.nan)
    return x


def _wide(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per buurt (code order), one column per profile stem; the first figure of a buurt counts.

    One pivot of the profile's rows (about 20 ms for the country; the per-stem look-ups it replaced
    took 0.1-0.2 s of every note's start)."""
    codes = rows.select("region_code", "gemeente_code").unique(subset="region_code", keep="last",
                                                               maintain_order=True)
    wanted = stems()
    firsts = rows.filter(pl.col("indicator").is_in(wanted)).select(
        "region_code", "indicator", pl.col("value").cast(pl.Float64))
    if firsts.is_empty():
        return codes.sort("region_code")
    wide = firsts.pivot(on="indicator", index="region_code", values="value", aggregate_function="first")
    out = codes.join(wide, on="region_code", how="left").sort("region_code")
    present = [stem for stem in wanted if stem in out.columns]  # the stems' order, as the profile reads them
    return out.select("region_code", "gemeente_code", *(pl.col(c).fill_null(float("nan")) for c in present))


def build_profile(frame: pl.DataFrame, table_id: str | None = None) -> Profile | None:
    """The profile of one table year from tidy rows of the national profile (None if empty).

    ``frame`` holds tidy rows (``tidy.TIDY_SCHEMA``) of one table; only buurt rows are used.
    """
    import numpy as np

    rows = frame.filter(pl.col("region_level") == "buurt")
    if table_id is not None:
        rows = rows.filter(pl.col("table_id") == table_id)
    if rows.is_empty():
        return None
    tid = table_id or str(rows["table_id"][0])
    period = str(rows["period"].max())
    wide = _wide(rows.filter(pl.col("period") == period))
    if "AantalInwoners" not in wide.columns:
        return None
    people = wide["AantalInwoners"].to_numpy().astype(float)
    has_profile = people > 0
    base = max(int(has_profile.sum()), 1)
    kept: list[Dimension] = []
    columns: list[np.ndarray] = []
    for d in DIMENSIONS:
        x = _values(wide, d)
        x = np.where(has_profile, x, np.nan)
        filled = np.isfinite(x)
        if filled.sum() / base < MIN_FILLED or filled.sum() < 2 or np.nanstd(x) == 0:
            continue  # the table (this year) does not have it
        kept.append(d)
        columns.append(x)
    if not kept:
        return None
    raw = np.column_stack(columns)
    mean = np.nanmean(raw, axis=0)
    std = np.nanstd(raw, axis=0)
    z = (raw - mean) / std
    per_theme = {t: sum(1 for d in kept if d.theme == t) for t in THEMES}
    weights = np.array([THEMES[d.theme] / per_theme[d.theme] for d in kept])
    return Profile(
        table_id=tid,
        period=period,
        codes=wide["region_code"].to_numpy().astype(str),
        gemeenten=wide["gemeente_code"].to_numpy().astype(str),
        z=z,
        weights=weights,
        dimensions=tuple(kept),
        mean=mean,
        std=std,
        has_profile=has_profile,
    )


def distances(profile: Profile, positions: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distances from these buurten (rows) to every buurt (columns); ``inf`` = no candidate.

    Also returns per subject whether it has enough of the profile (``usable``). Vectorised
    over the country (one pass per dimension over a subjects x buurten block), so a whole
    gemeente costs about as much as a few single buurten.
    """
    import numpy as np

    z, w = profile.z, profile.weights
    n, d = z.shape
    missing = ~np.isfinite(z)  # (n, d)
    z0 = np.where(missing, 0.0, z)  # only for the arithmetic: candidates missing a used dimension are excluded
    out = np.full((len(positions), n), np.inf)
    usable = np.zeros(len(positions), dtype=bool)
    total = w.sum()
    for start in range(0, len(positions), CHUNK):
        block = np.asarray(positions[start : start + CHUNK], dtype=int)
        used = ~missing[block] & profile.has_profile[block][:, None]  # (m, d)
        wu = np.where(used, w, 0.0)
        wsum = wu.sum(axis=1)
        ok_subject = wsum > MIN_WEIGHT * total + 1e-9  # "more than half", robust to 5 x 0.2 != 1
        d2 = np.zeros((len(block), n))
        lacks = np.zeros((len(block), n), dtype=bool)
        for j in range(d):  # a loop over the profile's dimensions, not over buurten
            diff = z0[None, :, j] - z0[block, j][:, None]
            d2 += wu[:, j][:, None] * (diff * diff)
            lacks |= used[:, j][:, None] & missing[None, :, j]
        d2 /= np.where(wsum > 0, wsum, 1.0)[:, None]
        other = profile.gemeenten[None, :] != profile.gemeenten[block][:, None]
        eligible = other & ~lacks & profile.has_profile[None, :] & ok_subject[:, None]
        out[start : start + len(block)] = np.where(eligible, np.sqrt(d2), np.inf)
        usable[start : start + len(block)] = ok_subject
    return out, usable


def _order(dist: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k nearest (rounded distance, then code = position), inf excluded."""
    import numpy as np

    finite = np.flatnonzero(np.isfinite(dist))
    if finite.size == 0:
        return finite
    rounded = np.round(dist[finite], DECIMALS)
    if finite.size > 4 * k:  # only the candidates up to the k-th distance need sorting
        cut = np.partition(rounded, k - 1)[k - 1]
        keep = rounded <= cut
        finite, rounded = finite[keep], rounded[keep]
    order = np.lexsort((finite, rounded))  # codes are sorted, so position order = code order
    return finite[order][:k]


def nearest(profile: Profile, codes: Iterable[str], k: int = DEFAULT_K) -> dict[str, Match]:
    """The k most similar buurten of each buurt (outside its gemeente), nearest first."""
    import numpy as np

    if k < 1:
        raise ValueError("k must be at least 1")
    codes = list(dict.fromkeys(codes))
    out: dict[str, Match] = {}
    found = [(c, p) for c in codes if (p := profile.position(c)) is not None]
    for c in codes:
        if profile.position(c) is None:
            out[c] = Match(c, (), f"de buurt staat niet in het landelijke profiel van {profile.table_id}")
    if not found:
        return out
    dist, usable = distances(profile, [p for _, p in found])
    for row, (code, pos) in enumerate(found):
        if not profile.has_profile[pos]:
            out[code] = Match(code, (), "de buurt heeft geen inwoners")
            continue
        if not usable[row]:
            out[code] = Match(code, (), "te weinig gegevens over de buurt zelf")
            continue
        picks = _order(dist[row], k)
        out[code] = Match(code, tuple(
            Neighbour(str(profile.codes[p]), str(profile.gemeenten[p]), float(dist[row, p])) for p in picks
        ), None if len(picks) else "geen buurten met een volledig profiel buiten de gemeente")
    return out


@dataclass(frozen=True)
class Reference:
    """The vergelijkbare-buurten reference of one indicator: median and spread of their figures."""

    median: float
    p25: float
    p75: float
    low: float
    high: float
    n: int  # how many similar buurten had a figure

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def min_figures(k: int) -> int:
    """A reference needs figures for at least half of the k similar buurten (and at least 3)."""
    return max(3, math.ceil(k / 2))


def _quantile(ordered: Sequence[float], q: float) -> float:
    """numpy's default ("linear") quantile of sorted values, to the bit (its ``_lerp``)."""
    at = q * (len(ordered) - 1)
    below = math.floor(at)
    a, b = ordered[below], ordered[min(below + 1, len(ordered) - 1)]
    t = at - below
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def reference(values: Iterable[float | None], k: int) -> Reference | None:
    """Median, quartiles and range of the figures that exist (None below :func:`min_figures`).

    Plain Python (a note's start needs no numpy when the matches are stored)."""
    vals = sorted(float(v) for v in values if v is not None and math.isfinite(v))
    if len(vals) < min_figures(k):
        return None
    return Reference(_quantile(vals, 0.5), _quantile(vals, 0.25), _quantile(vals, 0.75), vals[0], vals[-1],
                     len(vals))


# ------------------------------------------------------------------ the matches kept in the cache
# A fetch finds the similar buurten of every buurt of the gemeenten it fetched (it needs them for
# their rows) and keeps them in the cache (``derived/<matches_name>.json``, stamped with the
# profile's file); a scan then reads them instead of building the national profile again. The
# k nearest of a smaller k are the first k of a larger one (the order is fixed), so a stored k
# serves every k up to it.
STORE_FORMAT = 1


def matches_name(table_id: str) -> str:
    """The name of the stored matches of one profile table (``derived/<name>.json`` in the cache)."""
    return f"similar-{table_id}"


@dataclass(frozen=True)
class Found:
    """What a scan needs of the search: which profile, on what it was chosen, and the matches of
    every buurt of ``gemeenten`` (a buurt of those gemeenten not among them is not in the profile)."""

    table_id: str
    period: str
    themes: tuple[str, ...]
    dimensions: tuple[str, ...]  # dimension ids
    k: int
    gemeenten: frozenset[str]
    matches: dict[str, Match]

    @classmethod
    def of(cls, profile: Profile, matches: dict[str, Match], k: int, gemeenten: Iterable[str]) -> Found:
        return cls(profile.table_id, profile.period, profile.themes, tuple(d.id for d in profile.dimensions), k,
                   frozenset(gemeenten), dict(matches))

    def match(self, code: str, k: int) -> Match | None:
        """The k nearest of a buurt of these gemeenten (None: not stored for it, or ``k`` too large)."""
        if k > self.k or gemeente_of(code) not in self.gemeenten:
            return None
        found = self.matches.get(code)
        if found is None:
            return Match(code, (), f"de buurt staat niet in het landelijke profiel van {self.table_id}")
        return Match(code, found.neighbours[:k], found.reason)

    def merged(self, other: Found | None) -> Found:
        """These matches plus another set's (of the same profile and k) for gemeenten not in these."""
        if other is None or (other.table_id, other.period, other.k) != (self.table_id, self.period, self.k):
            return self
        kept = {c: m for c, m in other.matches.items() if c not in self.matches}
        return replace(self, gemeenten=self.gemeenten | other.gemeenten, matches={**kept, **self.matches})

    def to_dict(self) -> dict[str, object]:
        return {"format": STORE_FORMAT, "table_id": self.table_id, "period": self.period,
                "themes": list(self.themes), "dimensions": list(self.dimensions), "k": self.k,
                "gemeenten": sorted(self.gemeenten),
                "matches": {c: [m.reason, [[n.code, n.gemeente_code, n.distance] for n in m.neighbours]]
                            for c, m in sorted(self.matches.items())}}

    @classmethod
    def from_dict(cls, data: object) -> Found | None:
        """The stored matches (None for anything of another format or shape: then they are searched again)."""
        if not isinstance(data, dict) or data.get("format") != STORE_FORMAT:
            return None
        try:
            matches = {str(c): Match(str(c), tuple(Neighbour(str(n), str(g), float(d)) for n, g, d in near),
                                     None if reason is None else str(reason))
                       for c, (reason, near) in data["matches"].items()}
            return cls(str(data["table_id"]), str(data["period"]), tuple(map(str, data["themes"])),
                       tuple(map(str, data["dimensions"])), int(data["k"]), frozenset(map(str, data["gemeenten"])),
                       matches)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def find(profile: Profile, gemeenten: Iterable[str], k: int = DEFAULT_K) -> Found:
    """The k nearest of every buurt of these gemeenten in the profile (with or without inwoners)."""
    wanted = set(gemeenten)
    codes = [str(c) for c, gm in zip(profile.codes, profile.gemeenten, strict=True) if gm in wanted]
    return Found.of(profile, nearest(profile, codes, k), k, wanted)
