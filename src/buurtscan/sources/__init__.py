"""Open data sources, one module each, behind the :class:`~.base.Source` protocol.

The registry is a plain dict: name → source object. ``buurtscan fetch --source NAME``
selects from it; the order is the order of fetching.
"""

from __future__ import annotations

from .base import Source
from .kwb import KwbSource
from .leefbaarometer import LeefbaarometerSource
from .nabijheid import NabijheidSource
from .politie import PolitieSource
from .rivm import RivmSource

REGISTRY: dict[str, Source] = {
    "cbs_kwb": KwbSource(),
    "politie": PolitieSource(),
    "rivm": RivmSource(),
    "nabijheid": NabijheidSource(),
    "leefbaarometer": LeefbaarometerSource(),
}

__all__ = ["REGISTRY", "Source"]
