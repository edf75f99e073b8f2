"""Open data sources, one module each, behind the :class:`~.base.Source` protocol.

The registry is a plain dict: name → source object, one line per source. ``buurtscan fetch
--source NAME`` selects from it; the order is the order of fetching, and of the report's
attribution line. Every other list of open sources derives from the sources' own attributes
(docs/architecture.md, "Een bron toevoegen"):

- :data:`OPEN_SOURCES`: every cache source name an open source writes (partner names may not
  take one; the report tells open tables from partner tables by it);
- :data:`SHORT_NAMES`: cache source name → the short name in tables and handouts;
- :func:`attributions`: the phrases of a report's "Bron: …" line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, KeysView, Mapping

from .base import Source
from .kwb import KwbSource
from .leefbaarometer import LeefbaarometerSource
from .nabijheid import NabijheidSource
from .politie import PolitieSource
from .rivm import RivmSource

REGISTRY: dict[str, Source] = {s.name: s for s in (
    KwbSource(),
    PolitieSource(),
    RivmSource(),
    NabijheidSource(),
    LeefbaarometerSource(),
)}


def short_names(registry: dict[str, Source] = REGISTRY) -> dict[str, str]:
    """Cache source name → short name, for every name an open source writes."""
    return {name: s.short_name for s in registry.values() for name in (s.name, *s.also_stores)}


def attributions(used: Iterable[str], registry: dict[str, Source] = REGISTRY) -> list[str]:
    """The attribution phrases of these sources, in registry order, each phrase once. The first
    source's phrase (CBS: every scan rests on the Kerncijfers) always leads."""
    names = set(used)
    sources = list(registry.values())
    out: list[str] = []
    for i, s in enumerate(sources):
        if s.attribution and s.attribution not in out and (i == 0 or names & {s.name, *s.also_stores}):
            out.append(s.attribution)
    return out


class _ShortNames(Mapping[str, str]):
    """:func:`short_names` of the registry as it is now (a source registered later shows up too)."""

    def __getitem__(self, name: str) -> str:
        return short_names()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(short_names())

    def __len__(self) -> int:
        return len(short_names())


SHORT_NAMES: Mapping[str, str] = _ShortNames()
OPEN_SOURCES: KeysView[str] = SHORT_NAMES.keys()

__all__ = ["OPEN_SOURCES", "REGISTRY", "SHORT_NAMES", "Source", "attributions", "short_names"]
