"""CBS region codes: parsing, normalising, levels and parent codes.

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

from .errors import UsageError

Level = Literal["land", "gemeente", "wijk", "buurt"]

NEDERLAND = "NL00"
CODE_WIDTH = 10

_PREFIX_LEVEL: dict[str, Level] = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
_LENGTH = {"NL": 4, "GM": 6, "WK": 8, "BU": 10}
LEVEL_ORDER: dict[str, int] = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}
_CODE_RE = re.compile(r"^(NL|GM|WK|BU)([0-9A-Z]+)$")


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
    m = _CODE_RE.match(code)
    if not m or len(code) != _LENGTH[m.group(1)]:
        raise UsageError(
            f"'{text.strip()}' is not a CBS region code.",
            tip="Codes look like GM0518 (gemeente), WK051836 (wijk) or BU05183620 (buurt); "
            "use `buurtscan find NAME` to look one up.",
        )
    return RegionCode(code)


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
