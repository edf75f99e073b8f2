"""Open data sources, one module each, behind the :class:`~.base.Source` protocol.

The registry is a plain dict: name → source object. ``buurtscan fetch --source NAME``
selects from it; the order is the order of fetching.
"""

from __future__ import annotations

from .base import Source
from .kwb import KwbSource

REGISTRY: dict[str, Source] = {
    "cbs_kwb": KwbSource(),
}

__all__ = ["REGISTRY", "Source"]
