"""Dutch notation for figures, shared by `show` and every renderer.

3360 → "3.360"; 12.5 with unit "%" → "12,5%"; a missing figure → "niet beschikbaar"
(never 0); a suppressed small count → "< 5"; a small number (status ``klein``) is marked
with :data:`SMALL_MARK`. :func:`labelled` makes the printed label and the printed value from
the unit in one place, so that a label never names a unit the value already carries.
"""

from __future__ import annotations

MISSING = "niet beschikbaar"
NOT_APPLICABLE = "–"
SMALL_MARK = "*"  # after a small number: rounded by CBS or from a tiny buurt, not to be compared
# Units the value carries itself ("12,5%", "0,4 km", "€ 113.000", "1,8 personen"); the label stays bare.
VALUE_UNITS = ("%", "km", "m³", "ha", "kWh", "x 1.000 euro", "personen", "minuten")
# Units nobody needs to read (a count, a Leefbaarometer score): neither label nor value names them.
SILENT_UNITS = ("aantal", "score", "")
# What a label names for the other units.
LABEL_UNITS = {"afwijking": "afwijking van Nederland"}


def number(value: float, decimals: int = 0) -> str:
    """Dutch grouping and decimal comma: 3360 → '3.360', 12.5 → '12,5' (decimals fixed)."""
    text = f"{value:,.{max(decimals, 0)}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


NBSP = "\u00a0"  # between an amount and its unit or € sign: "€ 13.500" never breaks over two lines


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
    if unit == "afwijking":
        text = ("+" if round(value, decimals) > 0 else "−" if round(value, decimals) < 0 else "") + number(
            abs(value), decimals)
    if with_unit:
        if unit == "%":
            text = f"{text}%"
        elif unit in ("km", "m³", "ha", "kWh", "personen", "minuten"):
            text = f"{text}{NBSP}{unit}"
        elif unit == "x 1.000 euro":
            text = f"€{NBSP}{number(value * 1000, 0)}"
    return text + SMALL_MARK if status == "klein" else text


def unit_label(label: str, unit: str) -> str:
    """The label as printed: with the unit only where the value does not carry it."""
    if unit in VALUE_UNITS or unit in SILENT_UNITS:
        return label
    named = LABEL_UNITS.get(unit, unit)
    if named.lower() in label.lower():
        return label
    return f"{label}, {named}" if "(" in label else f"{label} ({named})"


def labelled(label: str, unit: str, value: float | None, decimals: int = 0, *, status: str = "ok",
             threshold: int = 5) -> tuple[str, str]:
    """(printed label, printed value) of one figure — the one place where the unit is placed."""
    return unit_label(label, unit), figure(value, decimals, unit, status=status, threshold=threshold)


def change(value: float, decimals: int = 0, unit: str = "") -> str:
    """A signed change: +1,2 procentpunt, −115; "gelijk gebleven" below the figure's precision."""
    if round(value, decimals) == 0:
        return "gelijk gebleven"
    sign = "+" if value > 0 else "−"
    text = number(abs(value), decimals)
    if unit == "%":
        return f"{sign}{text} procentpunt"
    return f"{sign}{text}"
