"""CBS regions: codes (:mod:`.codes`) and the region list with its names (:mod:`.names`).

``from buurtscan.regions import parse_code, RegionList`` — everything of both modules is
available here, so callers need not know which of the two holds it.
"""

from .codes import (
    CODE_PATTERN,
    CODE_RE,
    CODE_WIDTH,
    LEVEL_BY_PREFIX,
    LEVEL_ORDER,
    NEDERLAND,
    PREFIX_BY_LEVEL,
    Level,
    RegionCode,
    gemeente_of,
    is_code,
    level_of,
    normalise,
    pad,
    parse_code,
    wijk_of,
)
from .names import ALIASES, Match, Region, RegionList, name_key

__all__ = [
    "ALIASES",
    "CODE_PATTERN",
    "CODE_RE",
    "CODE_WIDTH",
    "LEVEL_BY_PREFIX",
    "LEVEL_ORDER",
    "NEDERLAND",
    "PREFIX_BY_LEVEL",
    "Level",
    "Match",
    "Region",
    "RegionCode",
    "RegionList",
    "gemeente_of",
    "is_code",
    "level_of",
    "name_key",
    "normalise",
    "pad",
    "parse_code",
    "wijk_of",
]
