"""Dutch notation for figures, shared by `show` and every renderer.

3360 → "3.360"; 12.5 with unit "%" → "12,5%"; a missing figure → "niet beschikbaar"
(never 0); a suppressed small count → "< 5".
"""

from __future__ import annotations

MISSING = "niet beschikbaar"
NOT_APPLICABLE = "–"


def number(value: float, decimals: int = 0) -> str:
    """Dutch grouping and decimal comma: 3360 → '3.360', 12.5 → '12,5' (decimals fixed)."""
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def figure(value: float | None, decimals: int = 0, unit: str = "", *, status: str = "ok",
           threshold: int = 5, with_unit: bool = True) -> str:
    """A figure as printed in a report, with its unit where that reads naturally."""
    if status == "n.v.t.":
        return NOT_APPLICABLE
    if value is None:
        if status == "klein":
            return f"< {threshold}"
        return MISSING
    text = number(value, decimals)
    if not with_unit:
        return text
    if unit == "%":
        return f"{text}%"
    if unit in ("km", "m³", "ha", "kWh"):
        return f"{text} {unit}"
    if unit == "x 1.000 euro":
        return f"€ {number(value * 1000, 0)}"
    return text


def change(value: float, decimals: int = 0, unit: str = "") -> str:
    """A signed change: +1,2 procentpunt, −115."""
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    text = number(abs(value), decimals)
    if unit == "%":
        return f"{sign}{text} procentpunt"
    return f"{sign}{text}"
