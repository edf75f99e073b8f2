"""What the CLI shows: progress on stderr, results on stdout (tables, JSON, the rich view of `show`).

The commands in ``cli.py`` parse, call one action and hand the result to a function here. This
module and ``cli.py`` are the only ones that print. It also sets up logging once for the package
logger ``buurtscan`` (every module logs through ``logging.getLogger(__name__)``): warnings by
default, errors only with ``-q``, and with ``-v`` each step, timestamped.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from .errors import one_line

if TYPE_CHECKING:  # only for the annotations: importing these costs start-up time
    from rich.console import Console

    from .actions.fetch import FetchReport
    from .actions.find import FindResult
    from .actions.merge import MergeReport
    from .actions.refresh import RefreshReport
    from .actions.status import StatusReport
    from .catalogue import Catalogue
    from .scan import Scan, SimilarSet

LOGGER = "buurtscan"


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Stderr(logging.Handler):
    """Writes to the current ``sys.stderr`` (which a test runner may have swapped)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            err(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break a command
            self.handleError(record)


def setup_logging(*, quiet: bool, verbose: bool) -> None:
    """Configure the package logger once per run: -v INFO with timestamps, -q ERROR, else WARNING.

    The root logger is left alone (a program that imports buurtscan keeps its own set-up)."""
    logger = logging.getLogger(LOGGER)
    for handler in [h for h in logger.handlers if isinstance(h, _Stderr)]:
        logger.removeHandler(handler)
    handler = _Stderr()
    if verbose:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


class CliObserver:
    """Progress for people (a bar on a terminal) and for cron (plain timestamped lines)."""

    def __init__(self, quiet: bool, verbose: bool) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.tty = sys.stderr.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")  # CI: plain lines
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def message(self, text: str) -> None:
        if self.quiet:
            return
        if self._progress is not None:
            self._progress.console.log(text) if self.verbose else None
            return
        if self.tty:
            err(text)
        else:
            err(f"{stamp()} {one_line(text, 1000)}")

    def progress(self, label: str, done: int, total: int | None) -> None:
        if self.quiet or not self.tty:
            return
        if self._progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            from rich.console import Console

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.start()
        if label not in self._tasks:
            self._tasks[label] = self._progress.add_task(label, total=total)
        self._progress.update(self._tasks[label], completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def date(stamp: str) -> str:
    """'2025-03-27T02:00:00' or 'Wed, 01 Jan 2025 00:00:00 GMT' → '2025-03-27' / '2025-01-01'."""
    if stamp[:4].isdigit():
        return stamp[:10]
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(stamp).date().isoformat()
    except (TypeError, ValueError):
        return stamp[:10]


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def print_matches(result: FindResult, *, as_json: bool) -> None:
    """`find`: one line per region, with its wijk and gemeente (or the matches as JSON)."""
    if not result.complete:
        err("Note: CBS is unreachable, so only the regions already in the cache were searched.")
    if as_json:
        print_json([m.as_dict() for m in result.matches])
        return
    print_table(
        [[m.code, m.level, m.name, f"{m.wijk_name} ({m.wijk_code})" if m.wijk_code else "",
          m.gemeente_name or ""] for m in result.matches],
        ["CODE", "LEVEL", "NAME", "WIJK", "GEMEENTE"],
    )


def print_fetch(report: FetchReport, *, as_json: bool) -> None:
    """`fetch`: rows cached per table (or the JSON summary); skipped sources on stderr."""
    if as_json:
        print_json(report.as_dict())
    else:
        for key, rows in report.stored.items():
            print(f"{key}: {rows:,} {'row' if rows == 1 else 'rows'} cached")
    for s in report.skipped:
        err(f"{'Skipped' if s.failed else 'Note:'} {s.source}: {one_line(s.reason)}")


def print_merge(report: MergeReport, *, as_json: bool) -> None:
    """`merge`: warnings on stderr, then the summary (or JSON)."""
    for warning in report.warnings:
        err(f"Warning: {one_line(warning)}")
    if as_json:
        print_json(report.as_dict())
    else:
        print(report.summary())


def stamp() -> str:
    """The local time as cron logs want it: 2026-12-02T06:15:00."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def print_refresh(report: RefreshReport, *, as_json: bool) -> None:
    """`refresh`: each failed source on stderr and one summary line (timestamped when not on a terminal)."""
    if as_json:
        print_json(report.as_dict())
        return
    for o in report.outcomes:
        if o.status == "failed":
            err(f"Failed {o.source} {o.table_id}: {one_line(o.reason or '')}")
    print(("" if sys.stdout.isatty() else f"{stamp()} ") + report.summary())


def print_status(report: StatusReport, *, check: bool) -> None:
    """`status`: a table per cached table, partner files, and each damaged file with its repair."""
    tables, problems = report.tables, report.problems
    if not tables:
        print(f"The cache at {report.cache_dir} is empty. Start with: buurtscan fetch BU05183620")
    else:
        _status_table(report)
    for problem in problems:
        err(f"Problem: {problem.what}: the cached file {problem.file} is {problem.problem}. Tip: {problem.tip}")
    if check and tables and not problems:
        print("Every cached file matches the manifest.")


def _status_table(report: StatusReport) -> None:
    tables = report.tables
    print(f"Cache: {report.cache_dir}")
    rows = []
    for t in tables:
        gms = "all" if t.gemeenten == ("*",) else ", ".join(t.gemeenten[:4]) + (
            f" +{len(t.gemeenten) - 4}" if len(t.gemeenten) > 4 else "")
        if t.changed is None:
            upstream = "not checked" if t.check_error is None else f"unknown ({t.check_error})"
        else:
            upstream = f"CHANGED ({date(t.upstream_modified or '')})" if t.changed else "unchanged"
        if t.partner:
            gms, upstream = "partner file", "–"
        rows.append([t.source, t.table_id, t.period, gms, f"{t.rows:,}", t.retrieved_last[:10],
                     date(t.modified), upstream])
    print_table(rows, ["SOURCE", "TABLE", "PERIOD", "GEMEENTEN", "ROWS", "RETRIEVED", "MODIFIED", "UPSTREAM"])
    for t in tables:
        if t.partner:
            p = t.partner
            print(f"{t.source}: {p['file']} (sha256 {str(p['sha256'])[:12]}…), {p['rows']} rows read, "
                  f"merged {str(p['merged_at'])[:16].replace('T', ' ')}")


def print_indicators(cat: Catalogue, *, as_json: bool) -> None:
    """`indicators`: the catalogue by domain."""
    if as_json:
        print_json({
            "path": str(cat.path),
            "domains": [{"id": d.id, "title": d.title, "questions": list(d.questions),
                         "indicators": [i.__dict__ for i in cat.in_domain(d.id)]} for d in cat.domains],
        })
        return
    for d in cat.domains:
        print(f"{d.title} [{d.id}]")
        rows = [[i.id, i.label, i.source, i.unit, i.direction] for i in cat.in_domain(d.id)]
        if rows:
            print_table(rows, ["ID", "LABEL", "SOURCE", "UNIT", "DIRECTION"])
        print()
    print(f"{len(cat.indicators)} indicators in {len(cat.domains)} sections; file: {cat.path}")


def print_scan(scan: Scan) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .report.formatting import figure
    from .sources import SHORT_NAMES

    console = Console(highlight=False)
    if not console.is_terminal:  # piped into a file or a pager: don't squeeze into 80 columns
        console = Console(highlight=False, width=150)
    r = scan.region
    where = ", ".join(x for x in (r.wijk_name, r.gemeente_name) if x)
    console.print(f"[bold]Buurtscan {r.name}[/bold] ({r.code}{', ' + where if where else ''})")
    levels = [lv for lv in ("buurt", "wijk", "gemeente", "nederland")
              if any(i.statuses.get(lv) != "n.v.t." for s in scan.sections for i in s.indicators)]
    similar = any(i.similar for s in scan.sections for i in s.indicators)
    for section in scan.sections:
        table = Table(title=section.title, title_justify="left", title_style="bold", expand=False,
                      box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column("Indicator", overflow="fold", max_width=46)
        for lv in levels:
            table.add_column(lv.capitalize(), justify="right", no_wrap=True)
        if similar:
            table.add_column("Vergelijkbare buurten", justify="right", no_wrap=True)
        table.add_column("Rang", justify="right", no_wrap=True)
        table.add_column("Bron, jaar", no_wrap=True)
        table.add_column("Signaal", no_wrap=True)
        for i in section.indicators:
            cells = [figure(i.values[lv], i.decimals, i.unit, status=i.statuses[lv], with_unit=False)
                     .replace("niet beschikbaar", "n.b.") for lv in levels]
            rank = f"{i.rank}/{i.rank_of}" if i.rank else ""
            sig = f"{i.signal.kind} ({i.signal.valence})" if i.signal else ""
            if similar:
                ref = i.similar
                cells.append(f"{figure(ref.median, i.decimals, i.unit, with_unit=False)} "
                             f"({figure(ref.p25, i.decimals, i.unit, with_unit=False)}–"
                             f"{figure(ref.p75, i.decimals, i.unit, with_unit=False)})" if ref else "")
                if i.similar_signal:
                    s_ = i.similar_signal
                    sig = "; ".join(x for x in (sig, f"{s_.kind} dan in vergelijkbare buurten ({s_.valence})") if x)
            source = f"{SHORT_NAMES.get(i.source, i.source)} {i.period or ''}".strip()
            label = i.label if i.unit == "aantal" else f"{i.label} ({i.unit})"
            table.add_row(label, *cells, rank, source, sig)
        console.print(table)
    console.print("n.b. = niet beschikbaar; Rang = plaats onder de buurten van de gemeente, 1 = hoogste waarde.")
    if scan.similar is not None:
        print_similar(console, scan.similar)
    console.print("Bronnen: " + "; ".join(
        f"{s['publisher']} {s['table_id']} ({s['title']}, {s['period']}), opgehaald {str(s['retrieved_at'])[:10]}"
        for s in scan.sources))


def print_similar(console: Console, sim: SimilarSet) -> None:
    from .similar import THEME_LABELS

    if not sim.buurten:
        console.print(f"Vergelijkbare buurten: geen ({sim.reason}).")
        return
    themes = ", ".join(THEME_LABELS.get(t, t) for t in sim.themes)
    console.print(f"Vergelijkbare buurten = de {len(sim.buurten)} buurten buiten de gemeente die in {sim.period} "
                  f"het meest lijken op deze buurt naar {themes} (CBS {sim.table_id}); de kolom geeft hun mediaan "
                  "met tussen haakjes de middelste helft (25e–75e percentiel):")
    for n, b in enumerate(sim.buurten, start=1):
        console.print(f"  {n:2}. {b.name} ({b.gemeente_name}, {b.code}), afstand {b.distance:.3f}")


def print_trends(scan: Scan) -> None:
    """Per indicator with a series of two or more periods: the values per period and the judgement."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from .report.formatting import figure
    from .report.formatting import number
    from .report.trends import diff_text, gap_text, verdict_text

    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=150)
    r = scan.region
    console.print(f"[bold]Trends {r.name}[/bold] ({r.code})")
    place = (r.gemeente_name or "de gemeente").replace("'s-Gravenhage", "Den Haag")
    own = r.level if r.level != "land" else "nederland"
    shown = 0
    for section in scan.sections:
        for i in section.indicators:
            s = i.series
            if s is None or len(s.periods) < 2:
                continue
            shown += 1
            label = i.label if i.unit == "aantal" else f"{i.label} ({i.unit})"
            console.print(f"[bold]{section.title}: {label}[/bold]")
            table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
            table.add_column("Periode")
            levels = [lv for lv in (own, "gemeente", "nederland") if lv in s.values
                      and (lv == own or lv != own) and any(v is not None for v in s.values[lv])]
            levels = list(dict.fromkeys(levels))
            for lv in levels:
                table.add_column(lv.capitalize(), justify="right")
            for k, p in enumerate(s.periods):
                if all(s.values[lv][k] is None for lv in levels):
                    continue  # a period the region has no figure at all
                table.add_row(p, *(figure(s.values[lv][k], i.decimals, i.unit, status=s.statuses[lv][k],
                                          with_unit=False).replace("niet beschikbaar", "n.b.") for lv in levels))
            console.print(table)
            j = i.judgement
            if j is None or j.own is None:
                console.print(f"  Geen oordeel: {j.reason if j else 'geen reeks'}.")
            else:
                o = j.own
                console.print(f"  {verdict_text(i, place)} — verschil {diff_text(i, o.change)}, "
                              f"telt mee: {'ja' if o.counts else 'nee'} (afronding {number(o.threshold, i.decimals)}, "
                              f"ruis ±{number(o.noise, max(i.decimals, 0) + 1)}).")
                if not gap_text(i, place) and j.gap is not None:
                    console.print(f"  Afstand tot {place}: geen duidelijke verandering.")
            if j and j.start:
                console.print(f"  {j.start}.")
            elif s.break_:
                console.print(f"  Reeks vanaf {s.periods[0]}: {s.break_}.")
    if not shown:
        console.print("No series: the cache holds one period per indicator. Fetch with --history to add years.")
