"""Leefbaarometer 3.0 (Ministerie van BZK): liveability scores per buurt, every measurement year.

- The open-data zip (``settings.leefbaarometer_url``) is downloaded **once** into the
  downloads folder (temp file in that folder, checked, then ``os.replace``); its ``ETag`` and
  ``Last-Modified`` are kept in a small JSON file next to it. Later fetches ask with
  ``If-None-Match`` / ``If-Modified-Since`` and reuse the file on ``304 Not Modified``.
- Inside the zip the national buurt file is found by name (``Leefbaarometer-scores
  buurten*.csv``, any case; the real zip holds more files). Header
  ``bu_code,bu_naam,jaar,lbm,afw,fys,onv,soc,vrz,won``; ``NA`` = missing (the five
  dimension scores exist only from 2014 on).
- All years are kept (period = ``jaar``), for the gemeenten asked for (or all). Indicators
  ``lbm afw fys onv soc vrz won`` (those the catalogue wants), unit "score".
- Only the buurt file is read: the real zip also has files for other area levels, which
  could not be tested here, so a named wijk or gemeente is reported as having no figures.
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
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import polars as pl

from ..errors import SourceError
from ..regions import normalise
from ..tidy import empty_tidy, finish_tidy
from .base import FetchContext, FetchRequest, Provenance, SourceResult, TableData, utc_now
from .politie import named_without_figures

NAME = "leefbaarometer"
TABLE_ID = "leefbaarometer-3.0"
INDICATORS = ("lbm", "afw", "fys", "onv", "soc", "vrz", "won")
HEADER = ("bu_code", "bu_naam", "jaar", *INDICATORS)
UNIT = "score"
MEMBER = re.compile(r"^leefbaarometer[-_ ]?scores[-_ ]buurten.*\.csv$", re.IGNORECASE)
MEMBER_PATTERN = "Leefbaarometer-scores buurten*.csv"
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

    @property
    def stamp(self) -> str:
        """The release stamp: Last-Modified, else the ETag."""
        return self.last_modified or self.etag


@dataclass(frozen=True)
class Scores:
    frame: pl.DataFrame  # region_code, jaar, lbm … won (all buurten of the file)
    member: str  # the CSV's name inside the zip


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
    """Read and check the buurt scores CSV of a downloaded zip; SourceError if unusable."""
    try:
        with zipfile.ZipFile(path) as z:
            _check_members(z, url)
            names = [i for i in z.infolist() if not i.is_dir()]
            found = sorted((i for i in names if MEMBER.match(PurePosixPath(i.filename).name)),
                           key=lambda i: i.filename)
            if not found:
                listed = ", ".join(i.filename for i in names[:8]) or "nothing"
                raise SourceError(f"The Leefbaarometer zip at {url} holds no '{MEMBER_PATTERN}' "
                                  f"(it holds: {listed}).", tip=TIP)
            member = found[0]
            data = _unpack(z, member, url, max_unpacked)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise SourceError(f"The download from {url} is not a usable zip file ({exc}).", tip=TIP) from None
    except OSError as exc:
        raise SourceError(f"The Leefbaarometer zip from {url} cannot be read ({exc}).", tip=TIP) from None
    name = member.filename
    first = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip("\r")
    header = tuple(h.strip().lower() for h in next(csv.reader([first]), []))
    if header[: len(HEADER)] != HEADER:
        raise SourceError(
            f"{name} in the Leefbaarometer zip at {url} has the header '{','.join(header)}'; "
            f"expected '{','.join(HEADER)}'.",
            tip=TIP,
        )
    try:
        raw = pl.read_csv(io.BytesIO(data), has_header=True, infer_schema=False, null_values=["NA"],
                          encoding="utf8-lossy")
        raw = raw.rename(dict(zip(raw.columns, header, strict=True)))
        frame = raw.select(
            pl.col("bu_code").str.strip_chars().str.to_uppercase().alias("region_code"),
            pl.col("jaar").str.strip_chars().cast(pl.Int64, strict=True),
            *(pl.col(i).str.strip_chars().cast(pl.Float64, strict=True) for i in INDICATORS),
        )
    except pl.exceptions.PolarsError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"{name} in the Leefbaarometer zip at {url} cannot be read ({reason}).",
                          tip=TIP) from None
    return Scores(frame.filter(pl.col("region_code").str.starts_with("BU")), name)


class LeefbaarometerSource:
    name = NAME
    title = "Leefbaarometer 3.0"
    publisher = "Ministerie van BZK (Leefbaarometer 3.0)"
    licence = "open data (licence not verified)"

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
        tmp = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp"
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
            ctx.memo[_memo_key(target)] = scores
            return Download(target, url, etag, modified, reused=False)
        except OSError as exc:
            raise SourceError(f"The Leefbaarometer download cannot be stored in {folder} "
                              f"({exc.strerror or exc}).",
                              tip="Check free disk space and permissions of the cache folder.") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def scores(self, ctx: FetchContext) -> tuple[Download, Scores]:
        """The downloaded zip and its buurt scores (downloaded again if the kept copy is unusable)."""
        if "leefbaarometer" in ctx.memo:
            return ctx.memo["leefbaarometer"]
        dl = self.download(ctx)
        key = _memo_key(dl.path)
        try:
            scores = ctx.memo.get(key) or read_scores(dl.path, dl.url, _cap(ctx))
        except SourceError:
            if not dl.reused:
                raise
            ctx.observer.message("The kept Leefbaarometer zip is unusable; deleting it and downloading it again")
            for stale in (dl.path, dl.path.with_name(dl.path.name + ".json")):
                with contextlib.suppress(OSError):
                    stale.unlink()
            dl = self.download(ctx, conditional=False)
            scores = ctx.memo.get(_memo_key(dl.path)) or read_scores(dl.path, dl.url, _cap(ctx))
        ctx.memo["leefbaarometer"] = (dl, scores)
        return dl, scores

    # -- data ----------------------------------------------------------------------------
    def fetch(self, ctx: FetchContext, request: FetchRequest) -> SourceResult:
        wanted = request.wants(NAME)
        stems = {stem for stem, _group in wanted or ()}
        indicators = list(INDICATORS) if wanted is None else [i for i in INDICATORS if i in stems]
        if not indicators:
            raise SourceError("The catalogue asks for no Leefbaarometer score this source knows "
                              f"({', '.join(INDICATORS)}).")
        dl, scores = self.scores(ctx)
        frame = scores.frame
        years = frame["jaar"].drop_nulls()
        period = f"{years.min()}-{years.max()}" if len(years) else ""
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
            tables = [TableData(prov, self.to_tidy(frame, indicators), None)]
        else:
            tables = []
            for gm in request.gemeenten:
                part = frame.filter(pl.col("region_code").str.slice(2, 4) == normalise(gm)[2:])
                tables.append(TableData(prov, self.to_tidy(part, indicators), (gm,)))
        ctx.observer.progress(NAME, 1, 1)
        skipped = named_without_figures(
            NAME, request, tables, lambda t: f"{TABLE_ID} ({scores.member})",
            note=lambda code: "" if code.startswith("BU") else "; only the buurt scores are read",
        )
        return SourceResult(tuple(tables), tuple(skipped))

    @staticmethod
    def to_tidy(frame: pl.DataFrame, indicators: list[str]) -> pl.DataFrame:
        """Wide scores (one row per buurt and year) → tidy rows, period = jaar."""
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


def _memo_key(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"leefbaarometer_scores_{path}"
    return f"leefbaarometer_scores_{path}_{st.st_size}_{st.st_mtime_ns}"


def _read_info(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_info(path: Path, info: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    try:
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
