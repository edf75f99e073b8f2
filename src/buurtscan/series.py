"""Series: one indicator over the cached years, for the subject, its gemeente and Nederland.

Pure functions on :class:`compare.Rows` (no files, no network). The rule (docs/comparison.md,
"Series"): a series holds only the periods that compare with the newest one.

* Within one table (Politie 47018NED, Leefbaarometer, one RIVM table, a partner file) every
  period compares: the table uses one buurtindeling for all its years.
* Across Kerncijfers tables (one per year) an older year counts only while the subject keeps its
  code (it has a row in the older table) and every newer cached table's ``Indelingswijziging``
  says it did not change (code 1). The series stops at the first year where that is not so, or
  not known, and :attr:`Series.break_` says why.
* Across two tables of another source (e.g. two RIVM tables with different indelingen) the
  series stops as well — when the subject's own figure comes from the other table; a table that
  only gives a reference (national totals) does not break it.

Each period is derived like the figure of that year (same catalogue derivation, denominators of
that year or the nearest cached one), so the values are the ones a scan of that year would show.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import compare
from .catalogue import Indicator
from .tidy import Status

LEVELS = compare.LEVELS


@dataclass(frozen=True)
class Series:
    """Comparable figures of one indicator, oldest period first.

    ``values[level][i]`` belongs to ``periods[i]`` (levels: buurt, wijk, gemeente, nederland;
    None where there is no figure, never 0); ``statuses`` likewise; ``tables`` the table each
    period came from; ``break_`` why older cached periods were left out (None: nothing left out).
    """

    periods: tuple[str, ...]
    values: dict[str, tuple[float | None, ...]]
    statuses: dict[str, tuple[str, ...]]
    tables: tuple[str | None, ...]
    break_: str | None = None
    break_period: str | None = None  # the first period left out

    @property
    def boundary_change(self) -> bool:
        """The series stops because the buurt was redrawn or renumbered (not merely unknown)."""
        return bool(self.break_) and not str(self.break_).startswith("onbekend")

    def sentence(self) -> str:
        """One Dutch sentence for the note when the series breaks at a boundary change, else ''."""
        if not self.boundary_change or not self.periods:
            return ""
        return f"Reeks vanaf {self.periods[0]}: {self.break_}."

    def __len__(self) -> int:
        return len(self.periods)

    def as_dict(self) -> dict[str, object]:
        return {
            "periods": list(self.periods),
            **{level: list(vals) for level, vals in self.values.items()},
            "statuses": {level: [str(s) for s in sts] for level, sts in self.statuses.items()},
            "tables": list(self.tables),
            "break": self.break_,
            "break_period": self.break_period,
            "boundary_change": self.boundary_change,
        }


def _redrawn(rows: compare.Rows, subject: str, older: str, newest: str) -> str | None:
    """Why the subject's KWB figures of ``older`` do not compare with ``newest`` (None: they do)."""
    kwb_periods = sorted({p for (name, p) in rows.kwb if name == "Indelingswijziging"})
    later = [p for p in kwb_periods if older < p <= newest]
    if newest not in later:
        return "onbekend of de buurt opnieuw is ingedeeld"
    for p in sorted(later, reverse=True):
        code = rows.kwb.get(("Indelingswijziging", p), {}).get(subject, (None, ""))[0]
        if code is None:
            return f"onbekend of de buurt in {p} opnieuw is ingedeeld"
        if code != compare.UNCHANGED:
            return f"de buurt is in {p} opnieuw ingedeeld"
    return None


def build(rows: compare.Rows, ind: Indicator, derived: compare.Derived, codes: dict[str, str | None],
          subject: str, memo: dict[tuple[str, compare.Plan], compare.Derived] | None = None) -> Series | None:
    """The series of an indicator for a subject (None when the indicator has no period at all)."""
    if derived.period is None:
        return None
    names = sorted(rows.indicators)
    newest = derived.period
    kept: list[tuple[str, compare.Derived]] = [(newest, derived)]
    why: str | None = None
    first_out: str | None = None
    for p in (q for q in rows.periods(names) if q < newest):
        older = compare._derive_at(rows, ind, subject, p, memo)  # noqa: SLF001 - same package, same rule
        if older is None:
            continue
        if ind.source == compare.KWB:
            if older.table_id != derived.table_id:
                if subject not in older.lookup:
                    why = f"de buurt heeft in {p} een andere code of bestond nog niet"
                else:
                    why = _redrawn(rows, subject, p, newest)
        elif older.table_id != derived.table_id and older.lookup.get(subject, (None, ""))[0] is not None:
            # the subject's own figure from another table (another indeling): it does not compare;
            # a table that gives only the references (a national total) does not break the series
            why = f"de cijfers van {p} komen uit een andere tabel ({older.table_id}) met een andere buurtindeling"
        if why:
            first_out = p
            break
        kept.append((p, older))
    kept.reverse()
    values = {level: tuple(d.lookup.get(code, (None, Status.MISSING))[0] if (code := codes.get(level)) else None
                           for _, d in kept) for level in LEVELS}
    statuses = {level: tuple(d.lookup.get(code, (None, Status.MISSING))[1] if (code := codes.get(level))
                             else Status.NOT_APPLICABLE for _, d in kept) for level in LEVELS}
    return Series(tuple(p for p, _ in kept), values, statuses, tuple(d.table_id for _, d in kept), why, first_out)
