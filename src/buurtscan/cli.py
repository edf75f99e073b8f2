"""The command line: each command parses its options, calls one action and shows the result.

The actions (``actions/``, or ``scan``/``overview`` for the read-only views) do the work and
return report objects; ``console.py`` draws them. This module and ``console`` are the only ones
that print, exit or draw progress: results go to stdout, messages and progress to stderr. Heavy
libraries (polars, httpx, rich) are imported inside the commands so that `buurtscan --help`
stays fast.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from . import __version__
from .cliparams import install as _plain_params
from .console import CliObserver, err, print_json, setup_logging
from .errors import EXIT_PARTIAL, BuurtscanError, one_line
from .process import run_and_exit, tune as tune_process

_plain_params()  # typer checks str/int/Path values without importing pydantic (cliparams.py)

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

if TYPE_CHECKING:
    from .cache import Cache
    from .settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    cache_dir: Path | None = None
    quiet: bool = False
    verbose: bool = False

    def settings(self) -> Settings:
        from .settings import resolve

        return resolve(cache_dir=self.cache_dir)

    def observer(self) -> CliObserver:
        return CliObserver(self.quiet, self.verbose)


_state = State()


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
    setup_logging(quiet=quiet, verbose=verbose)


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
    from .actions.find import find_regions
    from .console import print_matches

    result = find_regions(None if example else _state.settings(), " ".join(name or []), gemeente=gemeente,
                          limit=limit, cache=_example_cache() if example else None, observer=_state.observer())
    print_matches(result, as_json=as_json)


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
    similar_k: Annotated[int, typer.Option("--similar-k", metavar="K", min=1, max=100, help="For how many "
                         "vergelijkbare buurten of each fetched buurt to read their own figures too.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Download the open statistics of buurten into the cache.

    For each code: the buurt, its wijk, its gemeente with all its wijken and buurten
    (for ranks) and Nederland. Example: buurtscan fetch BU05183620 WK036301
    """
    from .actions.fetch import fetch as do_fetch
    from .console import print_fetch

    observer = _state.observer()
    try:
        report = do_fetch(
            _state.settings(), codes or [], gemeenten=gemeente or [], whole_country=all_, year=year,
            history=history, sources=source, observer=observer, similar=similar, similar_k=similar_k,
        )
    finally:
        observer.close()
    print_fetch(report, as_json=as_json)
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
    from .actions.status import status as do_status
    from .console import print_status
    from .errors import EXIT_CACHE

    report = do_status(_state.settings(), check_upstream=not offline, full=check)
    if as_json:
        print_json(report.as_dict())
    else:
        print_status(report, check=check)
    if report.problems:
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
    from .console import print_scan, print_trends
    from .scan import build_scan

    scan = build_scan(_cache(example), code, similar_k=similar_k)
    if as_json:
        print_json(scan.as_dict())
    elif trend:
        print_trends(scan)
    else:
        print_scan(scan)


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
    from .console import print_indicators

    print_indicators(load(), as_json=as_json)


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
    from .console import print_merge
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
        observer=_state.observer(),
    )
    print_merge(report, as_json=as_json)


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
                    "once, one process each (default: the number of cores, for a few buurten fewer). "
                    "Example: --jobs 4",
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
    observer = _state.observer()
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
    from .actions.overview import parse_overview_formats, write_overview
    from .overview import build_overview

    formats = parse_overview_formats(fmt) if fmt else ("html", "pdf", "xlsx")
    cache = _cache(example)
    overviews = [build_overview(cache, code, min_population=min_inwoners) for code in codes]
    if as_json:
        data = [o.as_dict() for o in overviews]
        print_json(data[0] if len(data) == 1 else data)
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
    from .actions.refresh import refresh as do_refresh
    from .console import print_refresh, stamp
    from .errors import RefreshBusy

    observer = _state.observer()
    try:
        report = do_refresh(_state.settings(), render=render, wait=wait, observer=observer)
    except RefreshBusy as exc:
        err(f"{stamp()} {exc.message}")
        raise typer.Exit(exc.exit_code) from None
    finally:
        observer.close()
    print_refresh(report, as_json=as_json)
    raise typer.Exit(report.exit_code)


def _example_cache() -> Cache:
    """The Cache over the packaged snapshot (``--example``)."""
    from .example import example_cache

    return example_cache()


def _cache(example: bool) -> Cache:
    """The bundled example with ``--example``, else the configured cache."""
    if example:
        return _example_cache()
    from .cache import Cache

    return Cache(_state.settings().cache_dir)


def main() -> None:
    """The ``buurtscan`` command: runs it and ends the process (without Python's teardown; see
    :func:`buurtscan.process.run_and_exit`). To run the CLI inside another program, call ``app``."""
    tune_process()  # fewer garbage collections (process.py)
    run_and_exit(app)
