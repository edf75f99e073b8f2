"""Leefbaarometer 3.0 (Ministerie van BZK): liveability scores per buurt, every measurement year.

- The open-data zip (``settings.leefbaarometer_url``) is downloaded **once** into the
  downloads folder (temp file in that folder, checked, then ``os.replace``); its ``ETag`` and
  ``Last-Modified`` are kept in a small JSON file next to it. Later fetches ask with
  ``If-None-Match`` / ``If-Modified-Since`` and reuse the file on ``304 Not Modified``.
- Inside the zip the score files are found by name, any case: ``Leefbaarometer-scores
  buurten*.csv`` (required) and, where the download has them, ``… wijken*.csv`` and
  ``… gemeenten*.csv``. Header ``bu_code,bu_naam,jaar,lbm,afw,fys,onv,soc,vrz,won`` (``wk_``,
  ``gm_`` for the other levels); ``NA`` = missing (the five dimension scores exist only from
  2014 on). A wijk or gemeente file that cannot be read is left out with a note; the buurt
  file must be usable.
- How the scores are meant to be read (docs/sources.md):

  * ``lbm`` is the total score, ``afw`` its deviation from the national reference, so the
    reference is ``lbm − afw`` of the same row. It is the same number in every row and year
    of the file; it is stored as the Nederland (NL00) value of ``lbm`` per year — only when
    the rows of that year agree on it (else it stays missing: never invented).
  * ``fys onv soc vrz won`` are themselves deviations from Nederland (they add up to
    ``afw``), so their Nederland value is 0 (stored for the years that have them), as is
    that of ``afw``.
  * gemeente and wijk values come only from the gemeente and wijk files of the same
    download; without such a file they are missing, never computed from the buurten.
  * :func:`buurtscan.leefbaarheid.klasse` puts a score in words from ``afw`` (``ruim
    boven`` … ``ruim onder het Nederlandse gemiddelde``), because the Leefbaarometer's own
    nine classes have no published boundaries we could cite.
- All years are kept (period = ``jaar``), for the gemeenten asked for (or all). Indicators
  ``lbm afw fys onv soc vrz won`` (those the catalogue wants; ``afw`` always with ``lbm``),
  unit "score". Buurten without a score have no rows, and an ``NA`` is a null: never 0.
- A download that is not a usable zip (not a zip, no buurt file, another header) is a
  :class:`SourceError` naming the URL and what was wrong; the file kept from an earlier
  download is left as it was.
- Before anything is unpacked the zip is checked: at most :data:`MAX_MEMBERS` members, no
  member name that is absolute or climbs out (``..``), the buurt file's declared size under
  ``max_unpacked_mb`` and its compression ratio under :data:`MAX_RATIO`; while unpacking
  the actual size is counted too (a header may lie). A kept zip that fails these checks is
  deleted and downloaded again; a new one that fails them never replaces the kept file.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import polars as pl

from ..atomic import atomic_write_bytes, temp_path
from ..errors import SourceError
from ..leefbaarheid import klasse  # noqa: F401 - the reading rule lives with the scan (no network imports)
from ..regions import CODE_RE, NEDERLAND, normalise
from ..tidy import empty_tidy, finish_tidy
from .base import (
    FetchContext,
    FetchRequest,
    Provenance,
    Skipped,
    SourceResult,
    TableData,
    named_without_figures,
    utc_now,
)

NAME = "leefbaarometer"
TABLE_ID = "leefbaarometer-3.0"
INDICATORS = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")
DIMENSIONS = ("fys", "onv", "soc", "vrz", "won")  # deviations from Nederland; they add up to afw
HEADER = ("bu_code", "bu_naam", "jaar", *INDICATORS)
UNIT = "score"
MEMBER = re.compile(r"^leefbaarometer[-_ ]?scores[-_ ](buurten|wijken|gemeenten)\b.*\.csv$", re.IGNORECASE)
MEMBER_PATTERN = "Leefbaarometer-scores buurten*.csv"
LEVEL_OF_MEMBER = {"buurten": "buurt", "wijken": "wijk", "gemeenten": "gemeente"}
PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
REFERENCE_TOLERANCE = 1e-6  # rows of one year must agree this closely on lbm − afw
MAX_MEMBERS = 1000  # the real zip holds a handful of files
MAX_RATIO = 100  # CSV text deflates 5-10x; deflate can reach ~1000x only on crafted data
TIP = ("The download may be incomplete or the address may have changed; try again later or "
       "set BUURTSCAN_LEEFBAAROMETER_URL. Nothing in the cache was changed.")


@dataclass(frozen=True)
class Download:
    """The zip on disk and what the server said about it."""

    path: Path
    url: str
    etag: str
    last_modified: str
    reused: bool  # True when the server answered 304 and the kept file was used
    scores: Scores | None = None  # read and checked while downloading (None: the kept file, not read yet)

    @property
    def stamp(self) -> str:
        """The release stamp: Last-Modified, else the ETag."""
        return self.last_modified or self.etag


@dataclass(frozen=True)
class Scores:
    frame: pl.DataFrame  # region_code, jaar, lbm … won: the buurten (and wijken, gemeenten) of the zip
    member: str  # the buurt CSV's name inside the zip
    members: dict[str, str]  # level → the CSV read for it (buurt always; wijk, gemeente where present)
    notes: tuple[str, ...] = ()  # level files that were present but could not be used


def zip_name(url: str) -> str:
    name = PurePosixPath(urlsplit(url).path).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return name if name.lower().endswith(".zip") else "leefbaarometer.zip"


def _unsafe(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return (name.startswith(("/", "\\")) or ".." in parts or "\x00" in name
            or bool(re.match(r"^[A-Za-z]:", name)))


def _check_members(z: zipfile.ZipFile, url: str) -> None:
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise SourceError(f"The Leefbaarometer zip at {url} holds {len(infos):,} files (at most "
                          f"{MAX_MEMBERS:,} expected); it was not unpacked.", tip=TIP)
    bad = next((i.filename for i in infos if _unsafe(i.filename)), None)
    if bad is not None:
        raise SourceError(f"The Leefbaarometer zip at {url} holds a file with an unsafe name "
                          f"('{bad[:80]}'); it was not unpacked.", tip=TIP)


def _unpack(z: zipfile.ZipFile, member: zipfile.ZipInfo, url: str, cap: int) -> bytes:
    """The member's bytes, after checking its declared size and ratio, counting the real size."""
    mb = cap // (1024 * 1024)
    too_big = SourceError(
        f"{member.filename} in the Leefbaarometer zip at {url} unpacks to more than {mb:,} MB; "
        "it was not unpacked (a damaged file or a zip bomb).",
        tip="If the file really is that large, raise max_unpacked_mb in buurtscan.toml "
        "(or BUURTSCAN_MAX_UNPACKED_MB). Nothing in the cache was changed.")
    if member.file_size > cap:
        raise too_big
    if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
        raise SourceError(
            f"{member.filename} in the Leefbaarometer zip at {url} is compressed "
            f"{member.file_size / max(member.compress_size, 1):,.0f} times (at most {MAX_RATIO} expected); "
            "it was not unpacked (a zip bomb?).", tip=TIP)
    limit = min(cap, member.file_size)
    chunks, size = [], 0
    with z.open(member) as fh:
        while chunk := fh.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise too_big if size > cap else SourceError(
                    f"{member.filename} in the Leefbaarometer zip at {url} unpacks to more than it "
                    "declares; it was not used.", tip=TIP)
            chunks.append(chunk)
    return b"".join(chunks)


def read_scores(path: Path, url: str, max_unpacked: int = 256 * 1024 * 1024) -> Scores:
    """Read and check the score CSVs of a downloaded zip; SourceError if the buurt file is unusable."""
    try:
        with zipfile.ZipFile(path) as z:
            _check_members(z, url)
            names = [i for i in z.infolist() if not i.is_dir()]
            found: dict[str, zipfile.ZipInfo] = {}
            for info in sorted(names, key=lambda i: i.filename):
                m = MEMBER.match(PurePosixPath(info.filename).name)
                if m:
                    found.setdefault(LEVEL_OF_MEMBER[m.group(1).lower()], info)
            if "buurt" not in found:
                listed = ", ".join(i.filename for i in names[:8]) or "nothing"
                raise SourceError(f"The Leefbaarometer zip at {url} holds no '{MEMBER_PATTERN}' "
                                  f"(it holds: {listed}).", tip=TIP)
            data = {"buurt": _unpack(z, found["buurt"], url, max_unpacked)}
            notes = []
            for level in ("wijk", "gemeente"):
                if level in found:
                    try:
                        data[level] = _unpack(z, found[level], url, max_unpacked)
                    except SourceError as exc:
                        notes.append(f"{exc.message} Its {level} scores are not used.")
                        del found[level]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise SourceError(f"The download from {url} is not a usable zip file ({exc}).", tip=TIP) from None
    except OSError as exc:
        raise SourceError(f"The Leefbaarometer zip from {url} cannot be read ({exc}).", tip=TIP) from None
    frames = [_read_level(found["buurt"].filename, data["buurt"], "buurt", url)]
    members = {"buurt": found["buurt"].filename}
    for level in ("wijk", "gemeente"):
        if level not in found:
            continue
        try:
            frames.append(_read_level(found[level].filename, data[level], level, url))
            members[level] = found[level].filename
        except SourceError as exc:
            notes.append(f"{exc.message} Its {level} scores are not used.")
    return Scores(pl.concat(frames), found["buurt"].filename, members, tuple(notes))


def _read_level(name: str, data: bytes, level: str, url: str) -> pl.DataFrame:
    """One level's CSV → region_code, jaar, lbm … won (codes checked against the level)."""
    prefix = PREFIX[level]
    expected = (f"{prefix.lower()}_code", f"{prefix.lower()}_naam", *HEADER[2:])
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    header = tuple(h.strip().lower() for h in next(csv.reader([first]), []))
    if header[: len(expected)] != expected:
        raise SourceError(
            f"{name} in the Leefbaarometer zip at {url} has the header '{','.join(header)}'; "
            f"expected '{','.join(expected)}'.",
            tip=TIP,
        )
    try:
        raw = pl.read_csv(io.BytesIO(data), has_header=True, infer_schema=False, null_values=["NA"],
                          encoding="utf8-lossy")
        raw = raw.rename(dict(zip(raw.columns, header, strict=True)))
        code = pl.col(expected[0]).str.strip_chars().str.to_uppercase()
        frame = raw.select(
            # a bare number ("0518") is taken as the code of this level (GM0518)
            pl.when(code.str.contains(r"^[0-9]+$")).then(pl.lit(prefix) + code).otherwise(code).alias("region_code"),
            pl.col("jaar").str.strip_chars().cast(pl.Int64, strict=True),
            *(pl.col(i).str.strip_chars().cast(pl.Float64, strict=True) for i in INDICATORS),
        )
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"{name} in the Leefbaarometer zip at {url} cannot be read ({reason}).",
                          tip=TIP) from None
    bad = frame.filter(~pl.col("region_code").str.starts_with(prefix) | ~pl.col("region_code").str.contains(CODE_RE.pattern))
    if level != "buurt" and bad.height:
        raise SourceError(f"{name} in the Leefbaarometer zip at {url} has codes that are not {level} codes "
                          f"(e.g. '{bad['region_code'][0]}').", tip=TIP)
    return frame.filter(pl.col("region_code").str.starts_with(prefix))


def nederland(frame: pl.DataFrame) -> pl.DataFrame:
    """The Nederland (NL00) row per year, in the layout of the score frame.

    ``lbm`` = ``lbm − afw`` of the buurt rows of that year when they agree (within
    :data:`REFERENCE_TOLERANCE`), else null; ``afw`` and every dimension 0 in the years that
    have figures for them, else null.
    """
    buurten = frame.filter(pl.col("region_code").str.starts_with("BU"))
    if buurten.is_empty():
        return frame.clear()
    ref = pl.col("lbm") - pl.col("afw")
    per_year = buurten.group_by("jaar").agg(
        ref.mean().alias("ref"),
        (ref.max() - ref.min()).alias("spread"),
        *(pl.col(i).is_not_null().any().alias(f"has_{i}") for i in INDICATORS[1:]),
    )
    zero = pl.lit(0.0, pl.Float64)
    return per_year.sort("jaar").select(
        pl.lit(NEDERLAND).alias("region_code"),
        "jaar",
        pl.when(pl.col("spread") <= REFERENCE_TOLERANCE).then(pl.col("ref")).otherwise(None).alias("lbm"),
        *(pl.when(pl.col(f"has_{i}")).then(zero).otherwise(None).alias(i) for i in INDICATORS[1:]),
    )


class LeefbaarometerSource:
    name = NAME
    title = "Leefbaarometer 3.0"
    publisher = "Ministerie van BZK (Leefbaarometer 3.0)"
    licence = "open data (licence not verified)"
    short_name = "Leefbaarometer (BZK)"
    attribution = "Leefbaarometer 3.0, ministerie van BZK"
    also_stores: tuple[str, ...] = ()

    # -- download ----------------------------------------------------------------------
    def download(self, ctx: FetchContext, *, conditional: bool = True) -> Download:
        """The zip in the downloads folder: fetched once, later only if it changed upstream."""
        url = ctx.settings.leefbaarometer_url
        folder = ctx.downloads
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"The downloads folder {folder} cannot be created ({exc.strerror}).",
                              tip="Check the cache folder's permissions and free disk space.") from None
        target = folder / zip_name(url)
        info_path = target.with_name(target.name + ".json")
        kept = _read_info(info_path) if target.exists() else {}
        if kept.get("url") != url:
            kept = {}
        headers = {}
        if conditional and kept:
            if kept.get("etag"):
                headers["If-None-Match"] = kept["etag"]
            if kept.get("last_modified"):
                headers["If-Modified-Since"] = kept["last_modified"]
        tmp = temp_path(target)
        try:
            ctx.observer.message(f"Checking the Leefbaarometer download at {url}" if headers
                                 else f"Downloading the Leefbaarometer open data from {url}")
            response = ctx.http.download(url, tmp, headers=headers or None)
            etag = response.headers.get("ETag", "")
            modified = response.headers.get("Last-Modified", "")
            if response.status_code == 304:
                if not headers:
                    raise SourceError(f"{url} answered 304 Not Modified to a plain request.", tip=TIP)
                return Download(target, url, etag or kept.get("etag", ""),
                                modified or kept.get("last_modified", ""), reused=True)
            scores = read_scores(tmp, url, _cap(ctx))  # check before it replaces anything
            os.replace(tmp, target)
            _write_info(info_path, {"url": url, "etag": etag, "last_modified": modified,
                                    "downloaded_at": utc_now(), "size": target.stat().st_size})
            return Download(target, url, etag, modified, reused=False, scores=scores)
        except OSError as exc:
            raise SourceError(f"The Leefbaarometer download cannot be stored in {folder} "
                              f"({exc.strerror or exc}).",
                              tip="Check free disk space and permissions of the cache folder.") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def scores(self, ctx: FetchContext) -> tuple[Download, Scores]:
        """The downloaded zip and its buurt scores (downloaded again if the kept copy is unusable)."""
        dl = self.download(ctx)
        try:
            scores = dl.scores or read_scores(dl.path, dl.url, _cap(ctx))
        except SourceError:
            if not dl.reused:
                raise
            ctx.observer.message("The kept Leefbaarometer zip is unusable; deleting it and downloading it again")
            for stale in (dl.path, dl.path.with_name(dl.path.name + ".json")):
                with contextlib.suppress(OSError):
                    stale.unlink()
            dl = self.download(ctx, conditional=False)
            scores = dl.scores or read_scores(dl.path, dl.url, _cap(ctx))
        return dl, scores

    # -- data ----------------------------------------------------------------------------
    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        wanted = request.wants(NAME)
        stems = {stem for stem, _group in wanted or ()}
        if "lbm" in stems:
            stems.add("afw")  # the total score is read through its deviation (class, reference)
        indicators = list(INDICATORS) if wanted is None else [i for i in INDICATORS if i in stems]
        if not indicators:
            raise SourceError("The catalogue asks for no Leefbaarometer score this source knows "
                              f"({', '.join(INDICATORS)}).")
        dl, scores = self.scores(ctx)
        frame = scores.frame
        nl = nederland(frame)
        years = frame["jaar"].drop_nulls()
        period = f"{years.min()!s}-{years.max()!s}" if len(years) else ""
        prov = Provenance(
            source=NAME,
            table_id=TABLE_ID,
            title=f"Leefbaarometer 3.0: {PurePosixPath(scores.member).stem}",
            period=period,
            modified=dl.stamp,
            publisher=self.publisher,
            licence=self.licence,
            base_url=ctx.settings.leefbaarometer_url,
            request_url=dl.url,
            retrieved_at=utc_now(),
        )
        if request.gemeenten is None:
            tables = [TableData(prov, self.to_tidy(pl.concat([nl, frame]), indicators), None)]
        else:
            tables = [TableData(prov, self.to_tidy(nl, indicators), (NEDERLAND,))]
            for gm in request.gemeenten:
                part = frame.filter(pl.col("region_code").str.slice(2, 4) == normalise(gm)[2:])
                tables.append(TableData(prov, self.to_tidy(part, indicators), (gm,)))
        ctx.observer.progress(NAME, 1, 1)

        def note(code: str) -> str:
            level = {"WK": "wijk", "GM": "gemeente"}.get(code[:2])
            if level is None or level in scores.members:
                return ""
            return f"; the download has no {level} scores"

        skipped = [Skipped(NAME, n, failed=False) for n in scores.notes]
        skipped += named_without_figures(NAME, request, tables, lambda t: f"{TABLE_ID} ({scores.member})",
                                         note=note)
        return SourceResult(tuple(tables), tuple(skipped))

    @staticmethod
    def to_tidy(frame: pl.DataFrame, indicators: list[str]) -> pl.DataFrame:
        """Wide scores (one row per region and year) → tidy rows, period = jaar."""
        if frame.is_empty():
            return empty_tidy()
        long = frame.unpivot(index=["region_code", "jaar"], on=indicators, variable_name="indicator",
                             value_name="value").with_columns(pl.lit(UNIT).alias("unit"))
        parts = [
            finish_tidy(group.drop("jaar"), period=str(jaar), source=NAME, table_id=TABLE_ID)
            for (jaar,), group in long.partition_by("jaar", as_dict=True, maintain_order=True).items()
        ]
        return pl.concat(parts)

    def upstream_modified(self, ctx: FetchContext, table_id: str) -> str:
        """Last-Modified (else the ETag) of the zip, from a HEAD request."""
        response = ctx.http.head(ctx.settings.leefbaarometer_url)
        return response.headers.get("Last-Modified") or response.headers.get("ETag", "")


def _cap(ctx: FetchContext) -> int:
    return ctx.settings.max_unpacked_mb * 1024 * 1024


def _read_info(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_info(path: Path, info: dict[str, object]) -> None:
    atomic_write_bytes(path, json.dumps(info, indent=2).encode("utf-8"))
