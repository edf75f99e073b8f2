"""CBS region codes: parsing, normalising, levels and parent codes (no names; see ``names``).

Codes look like ``NL00``, ``GMxxxx``, ``WKxxxxxx`` and ``BUxxxxxxxx``. CBS pads them with
spaces to 10 characters. A buurtcode contains its wijk- and gemeentecode:
``BU05183620`` lies in wijk ``WK051836`` of gemeente ``GM0518``. The positions after the
prefix are normally digits but may contain letters, so only letters and digits are
checked, not digits alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import UsageError

Level = Literal["land", "gemeente", "wijk", "buurt"]

NEDERLAND = "NL00"
CODE_WIDTH = 10

LEVEL_BY_PREFIX: dict[str, Level] = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
PREFIX_BY_LEVEL: dict[str, str] = {level: prefix for prefix, level in LEVEL_BY_PREFIX.items()}
LEVEL_ORDER: dict[str, int] = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
# The one pattern of a normalised code: prefix + the right number of letters/digits.
CODE_PATTERN = r"^(BU[0-9A-Z]{8}|WK[0-9A-Z]{6}|GM[0-9A-Z]{4}|NL00)$"
CODE_RE = re.compile(CODE_PATTERN)
_PREFIX_LEVEL = LEVEL_BY_PREFIX


@dataclass(frozen=True, order=True)
class RegionCode:
    """A normalised region code (upper case, no padding)."""

    code: str

    @property
    def level(self) -> Level:
        return _PREFIX_LEVEL[self.code[:2]]

    @property
    def gemeente(self) -> str | None:
        """The gemeentecode this region lies in (itself for a gemeente, None for NL)."""
        return gemeente_of(self.code)

    @property
    def wijk(self) -> str | None:
        return wijk_of(self.code)

    def __str__(self) -> str:
        return self.code


def normalise(text: str) -> str:
    """Strip CBS padding and upper-case; does not validate."""
    return text.strip().upper()


def parse_code(text: str) -> RegionCode:
    """Parse a user- or CBS-supplied code (padded or not, any case).

    Raises UsageError with a sentence saying what a code looks like.
    """
    code = normalise(text)
    if code in ("NL", "NL01", "NEDERLAND"):  # RIVM tables call Nederland NL01
        code = NEDERLAND
    if not CODE_RE.match(code):
        raise UsageError(
            f"'{text.strip()}' is not a CBS region code.",
            tip="Codes look like GM0518 (gemeente), WK051836 (wijk) or BU05183620 (buurt); "
            "use `buurtscan find NAME` to look one up.",
        )
    return RegionCode(code)


def is_code(text: str) -> bool:
    """Whether ``text`` (padding and case ignored) is a well-formed region code."""
    return bool(CODE_RE.match(normalise(text)))


def level_of(code: str) -> Level:
    return _PREFIX_LEVEL[normalise(code)[:2]]


def gemeente_of(code: str) -> str | None:
    code = normalise(code)
    if code.startswith("NL"):
        return None
    return "GM" + code[2:6]


def wijk_of(code: str) -> str | None:
    code = normalise(code)
    if code.startswith("BU"):
        return "WK" + code[2:8]
    if code.startswith("WK"):
        return code
    return None


def pad(code: str) -> str:
    """The code as CBS stores it: padded with spaces to 10 characters."""
    return normalise(code).ljust(CODE_WIDTH)
