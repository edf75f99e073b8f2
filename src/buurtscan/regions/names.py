"""The region list: names, levels and parents of CBS regions, with look-ups by name.

One home for what ``find``, ``fetch`` (suggestions for an unknown code), the partner-file
reader and the cache need to know about region *names*. A :class:`RegionList` wraps a frame
in the cache's region layout (``tidy.REGION_SCHEMA``: ``code, name, level, gemeente_code,
wijk_code`` — the KWB region list as ``Cache.region_list()`` returns it). It is pure: it
never reads files or the network, and building one costs one pass over the frame; the
indexes for name search are built on first use.

Name matching (:func:`name_key`): case, accents and punctuation are ignored
(:func:`buurtscan.text.fold`) and the Dutch ``ij`` is read as ``y``, so "moerwyk" finds
Moerwijk and "ysselmonde" finds IJsselmonde. A few everyday names of gemeenten that differ
from the official name are aliases (:data:`ALIASES`: "Den Haag" → 's-Gravenhage).

The API (stable; other modules build on it)::

    regions = RegionList(cache.region_list())      # or RegionList.from_pairs([(code, name), ...])
    len(regions), "BU05183620" in regions, regions.codes, regions.gemeenten
    regions.name("BU05183620")       -> "Moerwijk-Oost" (None if unknown)
    regions.get("BU05183620")        -> Region(code, name, level, gemeente_code, wijk_code) | None
    regions.gemeente("Den Haag")     -> "GM0518"  (a code, a number, an official name or alias; None if none)
    regions.named("Moerwijk-Oost", "buurt", gemeente="GM0518") -> ["BU05183620"]   (exact name)
    regions.search("moerwyk oost", gemeente=None, limit=20)   -> [Match, ...]      (part of a name)
    regions.within("GM1859")         -> [Match, ...]  every wijk, each followed by its buurten
    regions.buurten_of("GM0518"), regions.buurten_of_wijk("WK051836") -> frozenset of codes
    regions.suggest("BU05183621")    -> ["BU05183620 (Moerwijk-Oost)", ...]  close codes, same gemeente first
    regions.near_names("moerwijk ost", level=None) -> ["Moerwijk-Oost", ...] close names
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from ..text import fold
from .codes import LEVEL_BY_PREFIX, LEVEL_ORDER, NEDERLAND, normalise

# Everyday names that differ from the official gemeentenaam (keys and values are name keys).
ALIASES = {
    "den haag": "s gravenhage",
    "the hague": "s gravenhage",
    "den bosch": "s hertogenbosch",
}

COLUMNS = ("code", "name", "level", "gemeente_code", "wijk_code")
_WIJK_NUMBER = re.compile(r"^wyk \d+ ")  # "Wijk 36 Moerwijk" is also found as "Moerwijk"


def name_key(text: str) -> str:
    """The form names are compared in: folded (no case, accents, punctuation) and ij → y."""
    return fold(text).replace("ij", "y")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    gemeente_code: str | None
    wijk_code: str | None


@dataclass(frozen=True)
class Match:
    """A region found by name, with the names of its wijk and gemeente (as `find` prints it)."""

    code: str
    name: str
    level: str
    gemeente_code: str | None
    gemeente_name: str | None
    wijk_code: str | None
    wijk_name: str | None

    def as_dict(self) -> dict[str, str | None]:
        return dict(self.__dict__)


class RegionList:
    """The regions of one or more cached region lists, looked up by code and by name."""

    def __init__(self, frame: pl.DataFrame) -> None:
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"a region list needs the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
        self.frame = frame.select(COLUMNS).unique(subset="code", keep="first", maintain_order=True)
        self._rows: dict[str, Region] = {
            code: Region(code, name, level, gm, wk) for code, name, level, gm, wk in self.frame.iter_rows()
        }

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> RegionList:
        """A list from (code, name) pairs; level, gemeente and wijk follow from the code."""
        rows = []
        for code, name in pairs:
            code = normalise(code)
            prefix = code[:2]
            if prefix not in LEVEL_BY_PREFIX:
                continue
            gm = None if prefix == "NL" else "GM" + code[2:6]
            wk = "WK" + code[2:8] if prefix == "BU" else code if prefix == "WK" else None
            rows.append((code, name.strip(), LEVEL_BY_PREFIX[prefix], gm, wk))
        frame = pl.DataFrame(rows, schema={c: pl.Utf8 for c in COLUMNS}, orient="row")
        return cls(frame)

    # -- by code ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and normalise(code) in self._rows

    def __repr__(self) -> str:
        return f"RegionList({len(self)} regions)"

    @cached_property
    def codes(self) -> frozenset[str]:
        return frozenset(self._rows)

    @cached_property
    def gemeenten(self) -> frozenset[str]:
        return frozenset(c for c, r in self._rows.items() if r.level == "gemeente")

    def get(self, code: str) -> Region | None:
        return self._rows.get(normalise(code))

    def name(self, code: str | None) -> str | None:
        region = self._rows.get(normalise(code)) if code else None
        return region.name if region else None

    @cached_property
    def _children(self) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
        """(wijken per gemeente, buurten per gemeente, buurten per wijk), each in code order."""
        wijken: dict[str, list[str]] = {}
        by_gm: dict[str, list[str]] = {}
        by_wk: dict[str, list[str]] = {}
        for code in sorted(self._rows):
            r = self._rows[code]
            if r.level == "wijk" and r.gemeente_code:
                wijken.setdefault(r.gemeente_code, []).append(code)
            elif r.level == "buurt":
                if r.gemeente_code:
                    by_gm.setdefault(r.gemeente_code, []).append(code)
                if r.wijk_code:
                    by_wk.setdefault(r.wijk_code, []).append(code)
        return wijken, by_gm, by_wk

    def buurten_of(self, gemeente: str) -> frozenset[str]:
        return frozenset(self._children[1].get(normalise(gemeente), ()))

    def buurten_of_wijk(self, wijk: str) -> frozenset[str]:
        return frozenset(self._children[2].get(normalise(wijk), ()))

    def within(self, gemeente: str) -> list[Match]:
        """Every wijk of a gemeente (code order), each followed by its buurten (code order).

        Buurten whose wijk is not in the list come last. ``gemeente`` is a code or a name.
        """
        gm = self.gemeente(gemeente)
        if gm is None:
            return []
        wijken, by_gm, by_wk = self._children
        out: list[Match] = []
        listed: set[str] = set()
        for wk in wijken.get(gm, ()):
            out.append(self._match(self._rows[wk]))
            for bu in by_wk.get(wk, ()):
                out.append(self._match(self._rows[bu]))
                listed.add(bu)
        out.extend(self._match(self._rows[bu]) for bu in by_gm.get(gm, ()) if bu not in listed)
        return out

    # -- by name ----------------------------------------------------------------------
    @cached_property
    def _keys(self) -> dict[str, str]:
        """code → name key."""
        return {code: name_key(r.name) for code, r in self._rows.items()}

    @cached_property
    def _by_name(self) -> dict[tuple[str, str], list[str]]:
        """(level, name key) → codes (wijken also under their name without "Wijk NN")."""
        out: dict[tuple[str, str], list[str]] = {}
        for code, key in self._keys.items():
            level = self._rows[code].level
            keys = {key, _WIJK_NUMBER.sub("", key)} if level == "wijk" else {key}
            for k in keys:
                out.setdefault((level, k), []).append(code)
        return out

    def gemeente(self, text: str) -> str | None:
        """The gemeentecode for a code (GM0518, any case or padding), a number (518) or a name/alias."""
        compact = text.strip().upper().replace(" ", "")
        if re.fullmatch(r"GM[0-9A-Z]{4}", compact):
            return compact
        if re.fullmatch(r"\d{1,4}", compact):
            return "GM" + compact.zfill(4)
        key = name_key(text)
        key = ALIASES.get(key, key)
        found = self._by_name.get(("gemeente", key), [])
        return found[0] if found else None

    def named(self, name: str, level: str, *, gemeente: str | None = None) -> list[str]:
        """Codes of the regions of a level whose name is exactly ``name`` (as name keys)."""
        key = name_key(name)
        if level == "gemeente":
            key = ALIASES.get(key, key)
        found = self._by_name.get((level, key), [])
        if gemeente:
            gm = normalise(gemeente)
            found = [c for c in found if c == gm or self._rows[c].gemeente_code == gm]
        return list(found)

    def search(self, query: str, *, gemeente: str | None = None, limit: int | None = 20) -> list[Match]:
        """Regions whose name contains every word of the query (or the query without spaces).

        Exact names first, then names that start with the query, then the rest; within that
        gemeenten before wijken before buurten, then by name. ``gemeente`` (a code or name)
        narrows to the regions of one gemeente. An empty query returns [].
        """
        q = name_key(query)
        if not q:
            return []
        q = ALIASES.get(q, q)
        gm = None
        if gemeente:
            gm = self.gemeente(gemeente)
            if gm is None:
                return []
        words = q.split()
        compact = q.replace(" ", "")
        scored = []
        for code, key in self._keys.items():
            r = self._rows[code]
            if gm and r.gemeente_code != gm:
                continue
            if not (all(w in key for w in words) or compact in key.replace(" ", "")):
                continue
            bare = _WIJK_NUMBER.sub("", key)
            score = 0 if q in (key, bare) else 1 if key.startswith(q) or bare.startswith(q) else 2
            scored.append((score, LEVEL_ORDER.get(r.level, 9), r.name, code))
        scored.sort()
        chosen = scored if limit is None else scored[:limit]
        return [self._match(self._rows[code]) for *_, code in chosen]

    def suggest(self, code: str, n: int = 3) -> list[str]:
        """Codes that look like ``code`` (same level; same gemeente first), as 'CODE (Name)'."""
        code = normalise(code)
        pool = [c for c in self._rows if c[:2] == code[:2]]
        near = [c for c in pool if c[2:6] == code[2:6]]
        close = difflib.get_close_matches(code, near, n=n, cutoff=0.6)
        if len(close) < n:
            rest = [c for c in difflib.get_close_matches(code, pool, n=n * 2, cutoff=0.6) if c not in close]
            close += rest[: n - len(close)]
        return [f"{c} ({self._rows[c].name})" for c in close]

    def near_names(self, name: str, n: int = 5, *, level: str | None = None) -> list[str]:
        """Names that look like ``name`` (for 'no match' messages), optionally of one level only."""
        by_key: dict[str, str] = {}
        for code, key in self._keys.items():
            if level is None or self._rows[code].level == level:
                by_key.setdefault(key, self._rows[code].name)
        return [by_key[k] for k in difflib.get_close_matches(name_key(name), list(by_key), n=n, cutoff=0.6)]

    def _match(self, r: Region) -> Match:
        buurt = r.level == "buurt"
        return Match(
            code=r.code,
            name=r.name,
            level=r.level,
            gemeente_code=r.gemeente_code,
            gemeente_name=self.name(r.gemeente_code),
            wijk_code=r.wijk_code if buurt else None,
            wijk_name=self.name(r.wijk_code) if buurt else None,
        )


__all__ = ["ALIASES", "Match", "NEDERLAND", "Region", "RegionList", "name_key"]
