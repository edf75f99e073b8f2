"""The command line: parses, calls one core function per command, reports.

This is the only module that prints, exits or draws progress. Results go to stdout,
messages and progress to stderr. Heavy libraries (polars, httpx) are imported inside the
commands so that `buurtscan --help` stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .errors import EXIT_PARTIAL, BuurtscanError, one_line

app = typer.Typer(
    name="buurtscan",
    help="The globale scan of a Dutch buurt: open statistics (CBS, Politie, RIVM, Leefbaarometer) "
    "and partner data, compared with wijk, gemeente and Nederland.\n\n"
    "Example: buurtscan find moerwijk && buurtscan fetch BU05183620",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: fast to import (`--help` < 0.3 s) and cron-log friendly
)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    cache_dir: Path | None = None
    quiet: bool = False
    verbose: bool = False

    def settings(self):  # noqa: ANN201 - Settings, imported lazily
        from .settings import resolve

        return resolve(cache_dir=self.cache_dir)


_state = State()


def err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


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
            err(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {one_line(text, 1000)}")

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


def handle_errors(fn: F) -> F:
    """Turn BuurtscanError into 'Error: …' / 'Tip: …' on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BuurtscanError as exc:
            err(f"Error: {one_line(exc.message)}")
            if exc.tip:
                err(f"Tip: {one_line(exc.tip)}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err("Interrupted; the cache was left as it was before this step.")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        print(f"buurtscan {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", metavar="DIR", help="Cache folder (default: BUURTSCAN_CACHE_DIR, buurtscan.toml, "
                     "or ./data/cache). Example: --cache-dir /srv/buurtscan/cache", show_default=False),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail about each step.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Global options, valid before any command."""
    _state.cache_dir = cache_dir
    _state.quiet = quiet
    _state.verbose = verbose
    if verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")


def _date(stamp: str) -> str:
    """'2025-03-27T02:00:00' or 'Wed, 01 Jan 2025 00:00:00 GMT' → '2025-03-27' / '2025-01-01'."""
    if stamp[:4].isdigit():
        return stamp[:10]
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(stamp).date().isoformat()
    except (TypeError, ValueError):
        return stamp[:10]


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


@app.command()
@handle_errors
def find(
    name: Annotated[list[str] | None, typer.Argument(metavar="NAME...", help="(Part of) a name; case, accents and "
                                                     "ij/y ignored. Leave out with --gemeente to list all its wijken "
                                                     "and buurten.", show_default=False)] = None,
    gemeente: Annotated[str | None, typer.Option("--gemeente", "-g", metavar="GEMEENTE",
                        help="Only regions of this gemeente (code or name). Example: -g GM0518")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, metavar="N", help="Show at most this many "
                     "(default 20 for a name, all for a gemeente's list).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as JSON.")] = False,
    example: Annotated[bool, typer.Option("--example", help="Search the bundled example (six gemeenten, "
                                          "offline) instead of the cache.")] = False,
) -> None:
    """Find buurt, wijk and gemeente codes by name, or list all of a gemeente.

    Example: buurtscan find moerwijk oost   →  BU05183620  buurt  Moerwijk-Oost

    Example: buurtscan find --gemeente Berkelland   →  every wijk, each followed by its buurten
    """
    from .actions.find import find as do_find
    from .actions.find import region_list

    observer = CliObserver(_state.quiet, _state.verbose)
    if example:
        regions, complete = _example_cache().regions(), True
    else:
        regions, complete = region_list(_state.settings(), observer=observer)
    if not complete:
        err("Note: CBS is unreachable, so only the regions already in the cache were searched.")
    matches = do_find(regions, " ".join(name or []), gemeente=gemeente, limit=limit)
    if as_json:
        _print_json([m.as_dict() for m in matches])
        return
    _table(
        [[m.code, m.level, m.name, f"{m.wijk_name} ({m.wijk_code})" if m.wijk_code else "",
          m.gemeente_name or ""] for m in matches],
        ["CODE", "LEVEL", "NAME", "WIJK", "GEMEENTE"],
    )


@app.command()
@handle_errors
def fetch(
    codes: Annotated[list[str] | None, typer.Argument(metavar="CODE...", help="BU/WK/GM codes, padded or not, any case.",
                                                      show_default=False)] = None,
    gemeente: Annotated[list[str] | None, typer.Option("--gemeente", "-g", metavar="GM",
                        help="Fetch a whole gemeente (repeatable). Example: --gemeente GM0518")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Fetch every gemeente of the country.")] = False,
    year: Annotated[int | None, typer.Option("--year", metavar="YEAR", help="KWB table year (default: newest). "
                                             "Example: --year 2024")] = None,
    history: Annotated[int, typer.Option("--history", metavar="YEARS", help="Also read the key figures of the "
                       "older Kerncijfers tables of this many years, for the series (0 = off). Example: --history 0")
                       ] = 5,
    source: Annotated[list[str] | None, typer.Option("--source", metavar="NAME", help="Only these sources (repeatable); "
                      "default all. Example: --source cbs_kwb")] = None,
    similar: Annotated[bool, typer.Option("--similar", help="Also (re)download the national profile for "
                       "vergelijkbare buurten (a few paged requests; a plain fetch does it once when it is missing). "
                       "Works without codes.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Download the open statistics of buurten into the cache.

    For each code: the buurt, its wijk, its gemeente with all its wijken and buurten
    (for ranks) and Nederland. Example: buurtscan fetch BU05183620 WK036301
    """
    from .actions.fetch import fetch as do_fetch

    observer = CliObserver(_state.quiet, _state.verbose)
    try:
        report = do_fetch(
            _state.settings(), codes or [], gemeenten=gemeente or [], whole_country=all_, year=year,
            history=history, sources=source, observer=observer, similar=similar,
        )
    finally:
        observer.close()
    if as_json:
        _print_json(
            {
                "gemeenten": list(report.gemeenten) if report.gemeenten is not None else "*",
                "stored": report.stored,
                "skipped": [s.__dict__ for s in report.skipped],  # failed: false = answered, no figures
                "requests": report.requests,
                "bytes": report.bytes,
                "notes": list(report.notes),
            }
        )
    else:
        for key, rows in report.stored.items():
            print(f"{key}: {rows:,} {'row' if rows == 1 else 'rows'} cached")
    for s in report.skipped:
        err(f"{'Skipped' if s.failed else 'Note:'} {s.source}: {one_line(s.reason)}")
    if report.partial:
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
@handle_errors
def status(
    offline: Annotated[bool, typer.Option("--offline", help="Don't ask upstream whether tables changed.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Verify every cached file against the manifest (size, "
                     "SHA-256, readable rows); exit 5 if one is missing or damaged.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """What is in the cache, from which table and date, and whether upstream changed since.

    A missing or damaged cache file is listed with how to repair it (exit 5).
    Example: buurtscan status --offline --check
    """
    from .cache import Cache
    from .errors import EXIT_CACHE
    from .actions.status import cache_status, check_files

    settings = _state.settings()
    tables = cache_status(settings, check_upstream=not offline)
    problems = check_files(Cache(settings.cache_dir), full=check)
    if as_json:
        _print_json({"cache_dir": str(settings.cache_dir), "tables": [t.as_dict() for t in tables],
                     "problems": [p.as_dict() for p in problems]})
        if problems:
            raise typer.Exit(EXIT_CACHE)
        return
    if not tables:
        print(f"The cache at {settings.cache_dir} is empty. Start with: buurtscan fetch BU05183620")
        return
    print(f"Cache: {settings.cache_dir}")
    rows = []
    for t in tables:
        gms = "all" if t.gemeenten == ("*",) else ", ".join(t.gemeenten[:4]) + (
            f" +{len(t.gemeenten) - 4}" if len(t.gemeenten) > 4 else "")
        if t.changed is None:
            upstream = "not checked" if t.check_error is None else f"unknown ({t.check_error})"
        else:
            upstream = f"CHANGED ({_date(t.upstream_modified or '')})" if t.changed else "unchanged"
        if t.partner:
            gms, upstream = "partner file", "–"
        rows.append([t.source, t.table_id, t.period, gms, f"{t.rows:,}", t.retrieved_last[:10],
                     _date(t.modified), upstream])
    _table(rows, ["SOURCE", "TABLE", "PERIOD", "GEMEENTEN", "ROWS", "RETRIEVED", "MODIFIED", "UPSTREAM"])
    for t in tables:
        if t.partner:
            p = t.partner
            print(f"{t.source}: {p['file']} (sha256 {str(p['sha256'])[:12]}…), {p['rows']} rows read, "
                  f"merged {str(p['merged_at'])[:16].replace('T', ' ')}")
    for problem in problems:
        err(f"Problem: {problem.what}: the cached file {problem.file} is {problem.problem}. Tip: {problem.tip}")
    if check and not problems:
        print("Every cached file matches the manifest.")
    if problems:
        raise typer.Exit(EXIT_CACHE)


@app.command()
@handle_errors
def show(
    code: Annotated[str, typer.Argument(metavar="CODE", help="A buurt, wijk or gemeente code. Example: BU05183620")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scan as one JSON object (region, "
                                          "sections, sources) for scripts.")] = False,
    example: Annotated[bool, typer.Option("--example", help="Use the bundled example data instead of the "
                                          "cache.")] = False,
    trend: Annotated[bool, typer.Option("--trend", help="Show the series of every indicator that has one (buurt, "
                                        "gemeente, Nederland per period) and the trend judgement.")] = False,
    similar_k: Annotated[int, typer.Option("--similar-k", metavar="K", min=1, max=100, help="How many "
                         "vergelijkbare buurten (outside the gemeente) to compare with.")] = 10,
) -> None:
    """Show the scan of a region from the cache: every domain, compared with wijk, gemeente and NL.

    Works offline. Example: buurtscan show BU05183620 --json | jq '.sections[0]'
    """
    from .cache import Cache
    from .scan import build_scan

    scan = build_scan(_example_cache() if example else Cache(_state.settings().cache_dir), code,
                      similar_k=similar_k)
    if as_json:
        _print_json(scan.as_dict())
        return
    if trend:
        _print_trends(scan)
        return
    _print_scan(scan)


def _print_trends(scan) -> None:  # noqa: ANN001 - a scan.Scan
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


def _print_scan(scan) -> None:  # noqa: ANN001 - a scan.Scan
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
        _print_similar(console, scan.similar)
    console.print("Bronnen: " + "; ".join(
        f"{s['publisher']} {s['table_id']} ({s['title']}, {s['period']}), opgehaald {str(s['retrieved_at'])[:10]}"
        for s in scan.sources))


def _print_similar(console, sim) -> None:  # noqa: ANN001 - rich Console, scan.SimilarSet
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


@app.command()
@handle_errors
def indicators(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False,
) -> None:
    """List the indicators of the scan by domain, with source and unit.

    The catalogue is a data file shipped with buurtscan (catalogue/indicators.toml).
    Example: buurtscan indicators
    """
    from .catalogue import load

    cat = load()
    if as_json:
        _print_json({
            "path": str(cat.path),
            "domains": [{"id": d.id, "title": d.title, "questions": list(d.questions),
                         "indicators": [i.__dict__ for i in cat.in_domain(d.id)]} for d in cat.domains],
        })
        return
    for d in cat.domains:
        print(f"{d.title} [{d.id}]")
        rows = [[i.id, i.label, i.source, i.unit, i.direction] for i in cat.in_domain(d.id)]
        if rows:
            _table(rows, ["ID", "LABEL", "SOURCE", "UNIT", "DIRECTION"])
        print()
    print(f"{len(cat.indicators)} indicators in {len(cat.domains)} sections; file: {cat.path}")


@app.command()
@handle_errors
def merge(
    file: Annotated[Path | None, typer.Argument(metavar="FILE", help="The partner's CSV or Excel (.xlsx) file.",
                                                show_default=False)] = None,
    source: Annotated[str | None, typer.Option("--source", "-s", metavar="NAME", help="Partner name, shown as the source "
                      "in every report. Example: --source 'Woonstad Rotterdam'")] = None,
    domain: Annotated[str | None, typer.Option("--domain", metavar="DOMAIN", help="Domain for columns the mapping does not "
                      "place. Example: --domain wonen")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", metavar="FILE", help="TOML mapping: label, domain, unit, "
                       "direction per column (see docs/partners.md).")] = None,
    year: Annotated[int | None, typer.Option("--year", metavar="YEAR", help="Year of the figures when the file has no year "
                    "column. Example: --year 2025")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", metavar="SHEET", help="Excel sheet name (default: the first).")] = None,
    count: Annotated[bool, typer.Option("--count", help="Record-level file (one row per incident or client): "
                     "count the rows per region.")] = False,
    count_by: Annotated[str | None, typer.Option("--count-by", metavar="COLUMN", help="With --count: one indicator per value "
                        "of this column. Example: --count-by soort")] = None,
    skip_unknown: Annotated[bool, typer.Option("--skip-unknown", help="Skip region codes that do not exist "
                            "(with a warning) instead of stopping.")] = False,
    min_count: Annotated[int, typer.Option("--min-count", min=1, metavar="N", help="Counts below this are stored as "
                         "suppressed and shown as '< N'.")] = 5,
    remove: Annotated[str | None, typer.Option("--remove", metavar="NAME", help="Remove a partner's data from the cache. "
                      "Example: buurtscan merge --remove corporatie")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fold a partner's own figures (corporatie, wijkagent, GGD…) into the cache, validated.

    Nothing is written unless the whole file is valid. Merging the same --source again
    replaces its earlier data. Example: buurtscan merge overlast.csv --source corporatie --domain wonen
    """
    from .actions import merge as merging
    from .errors import UsageError

    settings = _state.settings()
    if remove:
        if file is not None:
            raise UsageError("Give either a FILE to merge or --remove NAME, not both.")
        rows = merging.remove(settings, remove)
        print(f"Removed {rows:,} rows of '{remove}' from the cache." if rows
              else f"Nothing from '{remove}' was in the cache.")
        return
    if file is None or not source:
        raise UsageError("merge needs a FILE and --source NAME.",
                         tip="Example: buurtscan merge overlast.csv --source corporatie --domain wonen")
    report = merging.merge(
        settings, file, source=source, domain=domain, mapping=mapping, year=year, sheet=sheet, count=count,
        count_by=count_by, skip_unknown=skip_unknown, min_count=min_count,
        observer=CliObserver(_state.quiet, _state.verbose),
    )
    for warning in report.warnings:
        err(f"Warning: {one_line(warning)}")
    if as_json:
        _print_json(report.as_dict())
    else:
        print(report.summary())


@app.command()
@handle_errors
def render(
    codes: Annotated[list[str] | None, typer.Argument(metavar="CODE...", help="Buurt (or wijk/gemeente) codes. "
                                                      "Example: BU05183620", show_default=False)] = None,
    fmt: Annotated[str | None, typer.Option("--format", "--note", metavar="FORMATS", help="Comma-separated: html, pdf, docx, md, xlsx, "
                   "pptx (default html,pdf; only pptx with --pptx). Example: --format pdf,docx")] = None,
    pptx: Annotated[bool, typer.Option("--pptx", help="Also (or, without --format, only) make the short "
                    "PowerPoint deck.")] = False,
    deck_template: Annotated[Path | None, typer.Option("--template", metavar="DECK", help="Your house-style .pptx for the deck "
                             "(see docs/deck-template.md). Example: --template huisstijl.pptx")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the files. Example: "
                                     "--out scans")] = Path("out"),
    gemeente: Annotated[str | None, typer.Option("--gemeente", "-g", metavar="GM", help="Render every cached buurt of this "
                        "gemeente. Example: --gemeente GM0518")] = None,
    policy: Annotated[Path | None, typer.Option("--policy", metavar="FILE", help="CSV with beleid: wat, waar, wanneer, domein, "
                      "bron.")] = None,
    stories: Annotated[Path | None, typer.Option("--stories", metavar="FILE", help="CSV with verhalen: domein, tekst, wie, "
                       "wanneer, soort, foto.")] = None,
    templates: Annotated[Path | None, typer.Option("--templates", metavar="DIR", help="Your folder with templates, searched "
                         "before the packaged ones.")] = None,
    example: Annotated[bool, typer.Option("--example", help="Use the bundled example data (six gemeenten, "
                       "offline) instead of the cache.")] = False,
    voor: Annotated[str, typer.Option("--voor", metavar="AUDIENCE", help="Who reads it: 'professionals' (default) or "
                    "'bewoners' (the resident version: larger text, at most three figures per domain in plain "
                    "words, stories and questions first; files end in -bewoners). Example: --voor bewoners")
                    ] = "professionals",
    similar_k: Annotated[int, typer.Option("--similar-k", metavar="K", min=1, max=100, help="How many "
                         "vergelijkbare buurten (outside the gemeente) to compare with.")] = 10,
    all_cached: Annotated[bool, typer.Option("--all-cached", help="Render every cached buurt of every "
                          "cached gemeente.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", metavar="N", min=1, help="Render N buurten at "
                    "once, one process each (default: the number of cores). Example: --jobs 4",
                    show_default=False)] = None,
) -> None:
    """Produce the globale scan: a 1–2 page note (HTML, PDF, Word, Markdown) and/or a short deck.

    Prints the paths of the files written. A buurt that fails is reported and the others are
    still rendered; the run then exits with 1. Example: buurtscan render BU05183620 --format pdf --out notes
    """
    from .actions.batch import RenderFailed
    from .errors import OutputError
    from .actions.render import RenderOptions, parse_audience, parse_formats
    from .actions.render import render as do_render

    formats = parse_formats(fmt) if fmt else (() if pptx else ("html", "pdf"))
    if pptx and "pptx" not in formats:
        formats = (*formats, "pptx")
    options = RenderOptions(formats=formats, out_dir=out, templates=templates, policy=policy, stories=stories,
                            deck_template=deck_template, audience=parse_audience(voor), similar_k=similar_k)
    observer = CliObserver(_state.quiet, _state.verbose)
    try:
        results = do_render(
            _state.settings(), codes or [], gemeente=gemeente, options=options,
            cache=_example_cache() if example else None, record=not example, observer=observer,
            jobs=jobs, all_cached=all_cached, verbose=_state.verbose,
        )
    except (OutputError, RenderFailed) as exc:  # some files or buurten failed: list those that were written
        for f in exc.written:
            print(f)
        raise
    finally:
        observer.close()
    for r in results:
        for f in r.files:
            print(f)


@app.command()
@handle_errors
def overview(
    codes: Annotated[list[str], typer.Argument(metavar="CODE...", help="A gemeente (GM0518) or wijk (WK051836) code; "
                                               "several make one overview each.", show_default=False)],
    fmt: Annotated[str | None, typer.Option("--format", metavar="FORMATS", help="Comma-separated: html, pdf, xlsx "
                   "(default all three). Example: --format pdf,xlsx")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the files. Example: "
                                     "--out overzicht")] = Path("out"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the overview as one JSON object (rows, cells, "
                       "score) instead of writing files; several codes give a list.")] = False,
    min_inwoners: Annotated[int, typer.Option("--min-inwoners", metavar="N", min=0, help="Buurten with fewer "
                            "inwoners get no urgency score.")] = 200,
    templates: Annotated[Path | None, typer.Option("--templates", metavar="DIR", help="Your folder with "
                         "templates (overview.html.j2, overview.typ), searched before the packaged ones.")] = None,
    example: Annotated[bool, typer.Option("--example", help="Use the bundled example data (six gemeenten, "
                       "offline) instead of the cache.")] = False,
) -> None:
    """Where is the urgency: every buurt of a gemeente (or wijk) against the eight domains.

    One row per buurt, one column per domain (signal balance and the strongest figure), sorted
    by an urgency score explained in the leeswijzer. From the cache, offline. Prints the paths
    of the files written. Example: buurtscan overview GM0518 --example --format pdf,xlsx
    """
    from .cache import Cache
    from .overview import build_overview, parse_overview_formats, write_overview

    formats = parse_overview_formats(fmt) if fmt else ("html", "pdf", "xlsx")
    cache = _example_cache() if example else Cache(_state.settings().cache_dir)
    overviews = [build_overview(cache, code, min_population=min_inwoners) for code in codes]
    if as_json:
        data = [o.as_dict() for o in overviews]
        _print_json(data[0] if len(data) == 1 else data)
        return
    for ov in overviews:
        for path in write_overview(ov, formats, out, templates):
            print(path)


@app.command()
@handle_errors
def refresh(
    render: Annotated[bool, typer.Option("--render", help="Also make again what `render` wrote before, for "
                      "the regions whose data changed.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="If another refresh is running, wait for it instead of "
                    "stopping.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the outcome per source as JSON (for "
                       "monitoring).")] = False,
) -> None:
    """For cron: re-fetch what changed upstream, safely; optionally re-render.

    Per source: unchanged / updated / new table / failed (with the reason). Exit 0 when all
    went well, 1 when some sources failed, 3 when nothing was reachable.
    Example (crontab): 15 6 * * 1 buurtscan --cache-dir /srv/buurtscan/cache refresh --render
    """
    from .actions.refresh import RefreshBusy
    from .actions.refresh import refresh as do_refresh

    observer = CliObserver(_state.quiet, _state.verbose)
    try:
        report = do_refresh(_state.settings(), render=render, wait=wait, observer=observer)
    except RefreshBusy as exc:
        err(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {exc.message}")
        raise typer.Exit(exc.exit_code) from None
    finally:
        observer.close()
    if as_json:
        _print_json(report.as_dict())
    else:
        for o in report.outcomes:
            if o.status == "failed":
                err(f"Failed {o.source} {o.table_id}: {one_line(o.reason or '')}")
        stamp = "" if sys.stdout.isatty() else f"{time.strftime('%Y-%m-%dT%H:%M:%S')} "
        print(stamp + report.summary())
    raise typer.Exit(report.exit_code)


def _example_cache():  # noqa: ANN202 - a Cache over the packaged snapshot
    from .example import example_cache

    return example_cache()


def main() -> None:
    app()
