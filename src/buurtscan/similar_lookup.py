"""The vergelijkbare buurten of one gemeente's buurten, for the scan: read where a fetch stored
them, searched in the national profile where it did not.

A fetch finds the similar buurten of every buurt of the gemeenten it fetches (it needs them to
read their rows) and keeps them in the cache, stamped with the profile's file
(:class:`buurtscan.similar.Found`, ``derived/similar-<table id>.json``). Reading them costs a
few milliseconds; building the national profile and searching it costs a note's start about
0.15 s (numpy and 14,574 buurten). Stored or searched, a buurt's match is the same
(``tests/test_similar_lookup.py``): the search is deterministic and the stamp makes sure the
stored ones come from the profile file the cache holds now. The profile chosen is the newest
cached table year whose profile has the gemeente's buurten, either way.
"""

from __future__ import annotations

import polars as pl

from . import similar
from .cache import Cache
from .cache.manifest import Manifest


class SimilarLookup:
    """The k most similar buurten of the buurten of one gemeente (see the module's text)."""

    def __init__(self, cache: Cache, manifest: Manifest, gemeente: str, k: int) -> None:
        self.cache, self.manifest, self.gemeente, self.k = cache, manifest, gemeente, k
        self.found: similar.Found | None = None  # the profile's identity and the matches so far
        self.profile: similar.Profile | None = None  # only when searched
        self._chosen = False
        self._whole = False  # searched: every buurt of the gemeente has its match
        self._asked: set[str] = set()  # the buurten asked for
        self._codes: tuple[tuple[str | None, int], list[str]] | None = None  # neighbour_codes, memoised

    def _choose(self) -> None:
        """The newest table year with stored matches for the gemeente, or whose profile has it."""
        self._chosen = True
        entries = [e for e in self.manifest.tables.values() if e.source == similar.NAME]
        for entry in sorted(entries, key=lambda e: e.period, reverse=True):
            stored = similar.Found.from_dict(self.cache.derived(similar.matches_name(entry.table_id), self.manifest))
            if stored is not None and self.gemeente in stored.gemeenten and stored.k >= self.k:
                self.found = stored  # every buurt of the gemeente, at once
                return
            frame = self.cache.scan(source=similar.NAME).filter(pl.col("table_id") == entry.table_id).collect()
            profile = similar.build_profile(frame, entry.table_id)
            if profile is not None and bool((profile.gemeenten == self.gemeente).any()):
                self.profile, self.found = profile, similar.Found.of(profile, {}, self.k, ())
                return

    def match(self, code: str) -> similar.Match | None:
        """The k most similar buurten of a buurt of the gemeente (None: no national profile cached).

        Searched, the first buurt asked for is computed alone (one note need not pay for the
        whole gemeente); from the second on, every buurt of the gemeente at once (one vectorised
        pass over the country)."""
        self._asked.add(code)
        if not self._chosen:
            self._choose()
        if self.found is None:
            return None
        if self.profile is None:  # stored
            return self.found.match(code, self.k)
        matches = self.found.matches
        if code not in matches and matches and not self._whole:
            p = self.profile
            own = [str(c) for c in p.codes[p.gemeenten == self.gemeente] if str(c) not in matches]
            matches.update(similar.nearest(p, own, self.k))
            self._whole = True
        if code not in matches:
            matches.update(similar.nearest(self.profile, [code], self.k))
        return matches[code]

    def neighbour_codes(self) -> list[str]:
        """The similar buurten whose rows the scan reads, in code order: those of the first buurt
        asked for while it is the only one (one note reads ten buurten's rows), then those of
        every buurt of the gemeente (a batch reads them once, not once per buurt)."""
        if self.found is None:
            return []
        matches = self.found.matches
        one = next(iter(self._asked)) if len(self._asked) == 1 else None
        key = (one, len(matches))  # what the answer depends on: asked for one buurt or more, matches so far
        if self._codes is None or self._codes[0] != key:
            if one is not None:
                match = self.found.match(one, self.k) if self.profile is None else matches.get(one)
                matches = {one: match} if match is not None else {}
            self._codes = (key, sorted({n.code for m in matches.values() for n in m.neighbours[: self.k]}))
        return self._codes[1]
