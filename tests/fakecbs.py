"""A fake CBS OData v3 service (opendata.cbs.nl + dataderden.cbs.nl) and Leefbaarometer download.

It serves the committed fixtures in ``tests/fixtures`` (see ``tests/fixtures/README.md``)
the way the real service answers, so that buurtscan and the official ``cbsodata`` client can
be tested offline.  Two ways to use it::

    fake = FakeCBS()                                   # tests/fixtures, 10,000-row pages
    client = httpx.Client(transport=fake.transport())  # unit tests, no socket
    client.get("https://opendata.cbs.nl/ODataFeed/odata/85984NED/TypedDataSet")

    with serve(fake) as base_url:                      # real socket on 127.0.0.1:<free port>
        httpx.get(f"{base_url}/dataderden/ODataApi/odata/47018NED/TableInfos")

or from the repository root: ``python -m tests.fakecbs --port 8765``.

Routing
    A path starting with ``/dataderden/`` is the dataderden catalogue (prefix stripped); any
    other path is the CBS catalogue.  With the MockTransport the host ``dataderden.cbs.nl``
    also selects dataderden, so the real base URLs work unchanged.
    ``/ODataApi/odata/{TABLE}`` and ``/ODataFeed/odata/{TABLE}`` (service document),
    ``/…/{TABLE}/{EntitySet}``, ``/…/{TABLE}/{EntitySet}/$count``, ``/ODataCatalog/Tables``,
    ``/leefbaarometer/resources/open-data-leefbaarometer-meting-2024.zip`` (also any
    ``*leefbaarometer*`` host with ``/resources/…``).

Query options
    ``$format`` (ignored: always JSON), ``$filter`` (eq ne gt ge lt le, and or not, parentheses,
    startswith endswith substringof tolower toupper trim; strings compare exactly against the
    *padded* stored value), ``$select``, ``$top``, ``$skip``, ``$inlinecount=allpages``.
    ``%24filter`` is the same as ``$filter``.  Unknown fields give HTTP 400 with an OData error
    body.  The Feed pages by ``page_size`` rows with an absolute ``odata.nextLink``; the Api
    refuses data requests over 10,000 cells (rows x selected columns).

Where the real behaviour is not known the fake is *strict* (e.g. string functions are case
sensitive, ``eq`` does not ignore trailing spaces): code that passes against it also works if
the real service turns out to be lenient.

Instrumentation and faults: see ``FakeCBS.requests``, ``FakeCBS.add_fault``,
``FakeCBS.remove_table`` and ``FakeCBS.set_modified``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import email.utils
import gzip
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["FakeCBS", "Fault", "FilterError", "RecordedRequest", "compile_filter", "main", "serve"]

DEFAULT_FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGS = ("cbs", "dataderden")
API_CELL_LIMIT = 10_000
LBM_FILE = "open-data-leefbaarometer-meting-2024.zip"
LBM_LAST_MODIFIED = "Wed, 01 Jan 2025 00:00:00 GMT"  # constructed; matches the zip entry date
FAULT_KINDS = ("status", "reset", "truncate", "html", "slow", "gone", "endless", "redirect", "json")
ENDLESS_CHUNK = b"[" + b"0," * 32_767  # 64 KiB of a JSON array that never closes
ENDLESS_LIMIT = 1 << 32  # server mode stops after 4 GiB even if the client keeps reading
JSON_TYPE = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"

MAINTENANCE_HTML = (
    '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8"><title>Onderhoud</title></head>\n'
    "<body><h1>Onderhoud</h1><p>Deze website is tijdelijk niet beschikbaar wegens onderhoud. "
    "Probeer het later opnieuw.</p><p>(FakeCBS: constructed maintenance page)</p></body></html>\n"
)


# =========================================================================== errors


class ODataError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class FilterError(ODataError):
    def __init__(self, message: str):
        super().__init__(400, message)


def error_body(message: str) -> bytes:
    return json.dumps(
        {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}}, ensure_ascii=False
    ).encode("utf-8")


# =========================================================================== $filter

_TOKEN = re.compile(
    r"""
    \s*(?:
      (?P<str>'(?:[^']|'')*')
    | (?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?[dDmMlLfF]?)(?![\w])
    | (?P<lp>\() | (?P<rp>\)) | (?P<comma>,)
    | (?P<name>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)

_CMP = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {
    "startswith": 2,
    "endswith": 2,
    "substringof": 2,
    "tolower": 1,
    "toupper": 1,
    "trim": 1,
    "length": 1,
}


def _tokenize(text: str) -> list[tuple[str, Any]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"Syntax error at position {pos} in '{text}'.")
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == "str":
            out.append(("lit", val[1:-1].replace("''", "'")))
        elif kind == "num":
            v = val.rstrip("dDmMlLfF")
            out.append(("lit", float(v) if any(c in v for c in ".eE") else int(v)))
        elif kind == "name":
            low = val.lower()
            if val in ("true", "false"):
                out.append(("lit", val == "true"))
            elif val == "null":
                out.append(("lit", None))
            elif low in _CMP or low in ("and", "or", "not"):
                out.append(("op", low))
            else:
                out.append(("name", val))
        else:
            out.append((kind, val))
    return out


def compile_filter(
    text: str, fields: set[str] | None = None, type_name: str = "Cbs.OData.WebAPI.TypedDataSet"
) -> Callable[[dict], bool]:
    """Compile an OData v3 ``$filter`` expression into ``predicate(row) -> bool``.

    The expression is parsed once; the returned closure is cheap per row.  ``or``-chains of
    ``Field eq literal`` on one field become a set lookup.  ``fields`` (if given) are the
    valid property names; others raise ``FilterError`` (HTTP 400).
    """
    toks = _tokenize(text)
    pos = 0

    def peek(k: int = 0):
        return toks[pos + k] if pos + k < len(toks) else (None, None)

    def take(kind=None, val=None):
        nonlocal pos
        t = peek()
        if t[0] is None or (kind and t[0] != kind) or (val is not None and t[1] != val):
            raise FilterError(f"Syntax error in filter '{text}': expected {val or kind}, got {t[1]!r}.")
        pos += 1
        return t

    # every node is ("const", value) or ("fn", callable(row) -> value) plus the set info
    def field_node(name: str):
        if fields is not None and name not in fields:
            raise FilterError(f"No property '{name}' exists in type '{type_name}' at position {pos}.")
        return ("field", name)

    def as_fn(node) -> Callable[[dict], Any]:
        kind, v = node[0], node[1]
        if kind == "const":
            return lambda r, v=v: v
        if kind == "field":
            return lambda r, v=v: r.get(v)
        if kind == "eqset":
            return node[2]
        return v

    def primary():
        t = peek()
        if t[0] == "lp":
            take("lp")
            n = expr()
            take("rp")
            return n
        if t[0] == "lit":
            take()
            return ("const", t[1])
        if t[0] == "name":
            take()
            name = t[1]
            if peek()[0] == "lp" and name.lower() in _FUNCS:
                take("lp")
                args = [expr()]
                while peek()[0] == "comma":
                    take("comma")
                    args.append(expr())
                take("rp")
                return func(name.lower(), args)
            return field_node(name)
        raise FilterError(f"Syntax error in filter '{text}' at token {t[1]!r}.")

    def func(name: str, args: list):
        if len(args) != _FUNCS[name]:
            raise FilterError(f"Function '{name}' takes {_FUNCS[name]} arguments.")
        fs = [as_fn(a) for a in args]
        if name in ("startswith", "endswith"):
            a, b = fs
            meth = str.startswith if name == "startswith" else str.endswith

            def f(r, a=a, b=b, meth=meth):
                x, y = a(r), b(r)
                return isinstance(x, str) and isinstance(y, str) and meth(x, y)

            return ("fn", f)
        if name == "substringof":  # substringof(needle, haystack)
            a, b = fs

            def f(r, a=a, b=b):
                x, y = a(r), b(r)
                return isinstance(x, str) and isinstance(y, str) and x in y

            return ("fn", f)
        a = fs[0]
        conv = {"tolower": str.lower, "toupper": str.upper, "trim": str.strip, "length": len}[name]
        return ("fn", lambda r, a=a, conv=conv: conv(a(r)) if isinstance(a(r), str) else None)

    def comparison():
        left = primary()
        t = peek()
        if t[0] == "op" and t[1] in _CMP:
            take()
            right = primary()
            return compare(t[1], left, right)
        return left

    def compare(op: str, left, right):
        if op == "eq" and left[0] == "field" and right[0] == "const":
            name, v = left[1], right[1]
            return (
                "eqset",
                (name, frozenset([v])) if _hashable(v) else None,
                lambda r, n=name, v=v: r.get(n) == v,
            )
        if op == "eq" and right[0] == "field" and left[0] == "const":
            return compare(op, right, left)
        a, b = as_fn(left), as_fn(right)
        if op == "eq":
            return ("fn", lambda r: a(r) == b(r))
        if op == "ne":
            return ("fn", lambda r: a(r) != b(r))
        pyop = {
            "gt": lambda x, y: x > y,
            "ge": lambda x, y: x >= y,
            "lt": lambda x, y: x < y,
            "le": lambda x, y: x <= y,
        }[op]

        def f(r):
            x, y = a(r), b(r)
            if x is None or y is None:
                return False
            try:
                return pyop(x, y)
            except TypeError:
                return False

        return ("fn", f)

    def unary():
        t = peek()
        if t == ("op", "not"):
            take()
            inner = bool_fn(unary())
            return ("fn", lambda r: not inner(r))
        return comparison()

    def conj():
        node = unary()
        while peek() == ("op", "and"):
            take()
            right = unary()
            a, b = bool_fn(node), bool_fn(right)
            node = ("fn", lambda r, a=a, b=b: a(r) and b(r))
        return node

    def expr():
        node = conj()
        while peek() == ("op", "or"):
            take()
            right = conj()
            # merge  F eq x or F eq y ...  into one set lookup
            if (
                node[0] == "eqset"
                and right[0] == "eqset"
                and node[1]
                and right[1]
                and node[1][0] == right[1][0]
            ):
                name, values = node[1][0], node[1][1] | right[1][1]
                node = ("eqset", (name, values), lambda r, n=name, s=values: r.get(n) in s)
                continue
            a, b = bool_fn(node), bool_fn(right)
            node = ("fn", lambda r, a=a, b=b: a(r) or b(r))
        return node

    def bool_fn(node) -> Callable[[dict], bool]:
        if node[0] == "eqset":
            return node[2]
        if node[0] == "const":
            return lambda r, v=bool(node[1]): v
        f = as_fn(node)
        return lambda r: f(r) is True

    if not toks:
        raise FilterError("The $filter expression is empty.")
    tree = expr()
    if pos != len(toks):
        raise FilterError(f"Syntax error in filter '{text}' at token {toks[pos][1]!r}.")
    return bool_fn(tree)


def _hashable(v) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


# =========================================================================== data


@dataclass
class _EntitySet:
    rows: list[dict]
    row_json: list[bytes]
    fields: list[str]
    _fragments: dict[str, list[bytes]] = field(default_factory=dict, repr=False)

    def fragments(self, name: str) -> list[bytes]:
        """``"name":value`` for every row, serialised once per field and kept, so that a
        ``$select`` costs about as much per byte as an unselected page (like a real server,
        not slower because of the fake's bookkeeping)."""
        frag = self._fragments.get(name)
        if frag is None:
            prefix = _dumps(name) + b":"
            frag = [prefix + _dumps(r.get(name)) for r in self.rows]
            self._fragments[name] = frag
        return frag


_CACHE: dict[tuple[str, float], _EntitySet] = {}
_CACHE_LOCK = threading.Lock()


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _load_entity_file(path: Path) -> _EntitySet:
    key = (str(path), path.stat().st_mtime)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    doc = json.loads(raw)
    rows = doc["value"]
    lines = raw.split(b"\n")
    row_json: list[bytes]
    # fixture TypedDataSets are written one compact row per line: reuse those bytes
    if lines and lines[0].endswith(b'"value":[') and len(lines) == len(rows) + 3:
        row_json = [ln[:-1] if ln.endswith(b",") else ln for ln in lines[1:-2]]
    else:
        row_json = [_dumps(r) for r in rows]
    fields = list(rows[0].keys()) if rows else []
    ent = _EntitySet(rows, row_json, fields)
    with _CACHE_LOCK:
        _CACHE[key] = ent
    return ent


def _untyped_from_typed(typed: _EntitySet, dataprops: list[dict]) -> _EntitySet:
    """UntypedDataSet as CBS serves it: measures as right-aligned strings, '.' for missing.

    Derived by the fake (no real UntypedDataSet response was available): numbers are
    formatted with the topic's Decimals and right-aligned to 8 characters, like the padded
    CBS CSV downloads in the real data (e.g. ``"    3245"``, ``"       ."``).
    """
    topics = {p["Key"]: p for p in dataprops if p.get("Type") == "Topic"}
    conv: dict[str, Callable[[Any], Any]] = {}
    for k in typed.fields:
        p = topics.get(k)
        if p is None or p.get("Datatype") not in ("Long", "Double", "Float", "Integer", "Short"):
            continue
        dec = int(p.get("Decimals") or 0)

        def c(v, dec=dec):
            if v is None:
                return "       ."
            s = f"{v:.{dec}f}" if isinstance(v, float) or dec else str(v)
            return s.rjust(8)

        conv[k] = c
    rows = []
    for r in typed.rows:
        rows.append({k: (conv[k](v) if k in conv else v) for k, v in r.items()})
    return _EntitySet(rows, [_dumps(r) for r in rows], list(typed.fields))


class _Table:
    def __init__(self, catalog: str, table_id: str, folder: Path):
        self.catalog = catalog
        self.id = table_id
        self.folder = folder
        self.files: dict[str, Path] = {}
        for p in sorted(folder.iterdir()):
            name = p.name
            for ext in (".json.gz", ".json"):
                if name.endswith(ext):
                    self.files.setdefault(name[: -len(ext)], p)
        self._lock = threading.Lock()
        self._untyped: _EntitySet | None = None

    def entity_names(self) -> list[str]:
        """Entity sets in the order of the real service document."""
        names = ["TableInfos", "UntypedDataSet", "TypedDataSet", "DataProperties", "CategoryGroups"]
        present = [
            n for n in names if n in self.files or (n == "UntypedDataSet" and "TypedDataSet" in self.files)
        ]
        dims = []
        if "DataProperties" in self.files:
            for p in self.load("DataProperties").rows:
                if (
                    p.get("Type") in ("Dimension", "GeoDimension", "GeoDetail", "TimeDimension")
                    and p.get("Key") in self.files
                ):
                    dims.append(p["Key"])
        rest = sorted(n for n in self.files if n not in names and n not in dims)
        return present + dims + rest

    def has(self, name: str) -> bool:
        return name in self.files or (name == "UntypedDataSet" and "TypedDataSet" in self.files)

    def load(self, name: str) -> _EntitySet:
        if name == "UntypedDataSet" and name not in self.files:
            with self._lock:
                if self._untyped is None:
                    self._untyped = _untyped_from_typed(
                        self.load("TypedDataSet"), self.load("DataProperties").rows
                    )
                return self._untyped
        return _load_entity_file(self.files[name])


# =========================================================================== log / faults


@dataclass
class RecordedRequest:
    """One request as the fake saw and answered it."""

    method: str
    url: str
    host: str
    path: str  # as received, percent-decoded, e.g. /dataderden/ODataFeed/odata/47018NED/TypedDataSet
    query: dict[str, str]  # decoded; '%24filter' appears as '$filter'
    headers: dict[str, str]  # request headers, lower-case names
    status: int
    body: bytes  # the bytes sent (for "reset": the part sent before the drop);
    # b"" when the fake was made with keep_bodies=False
    catalog: str | None = None  # "cbs", "dataderden", "leefbaarometer" or None
    fault: str | None = None  # the fault kind applied, if any
    size: int = 0  # number of body bytes sent


@dataclass
class Fault:
    match: str
    kind: str
    times: int
    opts: dict = field(default_factory=dict)


@dataclass
class _Result:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fault: Fault | None = None


# =========================================================================== the fake


class FakeCBS:
    """Fake CBS OData v3 service (both catalogues) plus the Leefbaarometer zip.

    ``fake.requests`` is the list of ``RecordedRequest`` for every request (thread safe);
    ``fake.reset_log()`` empties it.  See ``add_fault``, ``remove_table``, ``set_modified``.
    """

    def __init__(
        self,
        fixtures_dir: str | Path | None = None,
        page_size: int = 10_000,
        api_cell_limit: int = API_CELL_LIMIT,
        keep_bodies: bool = True,
        on_request: Callable[[RecordedRequest], None] | None = None,
    ):
        self.fixtures_dir = Path(fixtures_dir) if fixtures_dir else DEFAULT_FIXTURES
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        self.page_size = page_size
        self.api_cell_limit = api_cell_limit
        self.keep_bodies = keep_bodies  # False: log without bodies (long benchmark runs)
        self.on_request = on_request  # called with each RecordedRequest (e.g. to print it)
        self.requests: list[RecordedRequest] = []
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._removed: set[tuple[str, str]] = set()
        self._modified: dict[tuple[str, str], str] = {}
        self._filter_cache: dict[tuple, list[int]] = {}
        self._tables: dict[tuple[str, str], _Table] = {}
        odata = self.fixtures_dir / "odata"
        if not odata.is_dir():
            raise FileNotFoundError(f"no fixtures at {odata}")
        for cat in CATALOGS:
            d = odata / cat
            if not d.is_dir():
                continue
            for t in sorted(d.iterdir()):
                if t.is_dir():
                    self._tables[(cat, t.name.upper())] = _Table(cat, t.name, t)
        self._lbm_path = self.fixtures_dir / "leefbaarometer" / LBM_FILE

    # ------------------------------------------------------------------ public API

    def transport(self):
        """An ``httpx.MockTransport`` answering from this fake (sync and async clients)."""
        import httpx

        fake = self

        class _Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
            def __init__(self, part: bytes, exc: Exception):
                self.part, self.exc = part, exc

            def __iter__(self):
                if self.part:
                    yield self.part
                raise self.exc

            async def __aiter__(self):
                if self.part:
                    yield self.part
                raise self.exc

        class _Endless(httpx.SyncByteStream, httpx.AsyncByteStream):
            def __iter__(self):
                while True:
                    yield ENDLESS_CHUNK

            async def __aiter__(self):
                while True:
                    yield ENDLESS_CHUNK

        def handler(request: httpx.Request) -> httpx.Response:
            url = request.url
            res = fake._handle(
                request.method,
                url.scheme,
                _netloc(url.scheme, url.host, url.port),
                url.path,
                url.query.decode("ascii", "replace"),
                {k.lower(): v for k, v in request.headers.items()},
            )
            f = res.fault
            if f is not None and f.kind == "endless":
                return httpx.Response(res.status, headers=res.headers, stream=_Endless(), request=request)
            if f is not None and f.kind == "slow":
                raise httpx.ReadTimeout(
                    f"FakeCBS fault 'slow' ({f.opts.get('delay', 30)} s)", request=request
                )
            if f is not None and f.kind == "reset":
                part = res.body[: _cut(res.body, f.opts)]
                exc_cls = httpx.ReadError if f.opts.get("error") == "read" else httpx.RemoteProtocolError
                exc = exc_cls(
                    "peer closed connection without sending complete message body (FakeCBS fault 'reset')",
                    request=request,
                )
                return httpx.Response(
                    res.status, headers=res.headers, stream=_Broken(part, exc), request=request
                )
            return httpx.Response(res.status, headers=res.headers, content=res.body, request=request)

        return httpx.MockTransport(handler)

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def add_fault(self, match: str, kind: str, times: int = 1, **opts) -> Fault:
        """Make the next ``times`` requests whose path contains ``match`` fail.

        kinds: ``"status"`` (opts ``status`` = 500, ``headers`` dict, ``body`` str/bytes),
        ``"reset"`` (headers and part of the body, then the connection drops; opts ``after_bytes``
        or ``fraction`` (0.5); MockTransport raises ``httpx.RemoteProtocolError``, or
        ``httpx.ReadError`` with ``error="read"``), ``"truncate"`` (200 with a cut-off body, same
        opts), ``"html"`` (200 ``text/html`` maintenance page), ``"slow"`` (opt ``delay`` seconds
        before answering in server mode; MockTransport raises ``httpx.ReadTimeout``), ``"gone"``
        (404 as if the table vanished).  Faults are consumed in order of addition.

        Hostile answers: ``"endless"`` (200, no Content-Length, a body that never ends; opt
        ``content_type``), ``"redirect"`` (opts ``location`` absolute or relative, ``status`` =
        302; with ``times`` > 1 and ``location`` = the path itself it is a redirect loop),
        ``"json"`` (200 with opt ``payload`` serialised as the JSON body, e.g. ``{"value": None}``).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        f = Fault(match, kind, times, dict(opts))
        with self._lock:
            self._faults.append(f)
        return f

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return [copy.copy(f) for f in self._faults]

    def remove_table(self, catalog: str, table_id: str) -> None:
        """Simulate a table disappearing: 404 on all its URLs, gone from the catalogue."""
        key = self._key(catalog, table_id)
        with self._lock:
            self._removed.add(key)

    def restore_table(self, catalog: str, table_id: str) -> None:
        with self._lock:
            self._removed.discard(self._key(catalog, table_id))

    def set_modified(self, catalog: str, table_id: str, iso: str) -> None:
        """Simulate a new release: TableInfos ``Modified`` and the catalogue's ``Modified``/``Updated``."""
        key = self._key(catalog, table_id)
        with self._lock:
            self._modified[key] = iso

    def warm(self, catalog: str, table_id: str, entity_set: str = "TypedDataSet") -> None:
        """Load an entity set and serialise every field once (benchmarks call this before timing)."""
        ent = self._tables[self._key(catalog, table_id)].load(entity_set)
        for name in ent.fields:
            ent.fragments(name)

    def tables(self, catalog: str) -> list[str]:
        return sorted(t for (c, t) in self._tables if c == catalog and (c, t) not in self._removed)

    # ------------------------------------------------------------------ internals

    def _key(self, catalog: str, table_id: str) -> tuple[str, str]:
        if catalog not in CATALOGS:
            raise ValueError(f"catalog must be one of {CATALOGS}")
        key = (catalog, table_id.upper())
        if key not in self._tables:
            raise KeyError(f"no fixture table {catalog}/{table_id}")
        return key

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for f in self._faults:
                if f.match in path:
                    f.times -= 1
                    if f.times <= 0:
                        self._faults.remove(f)
                    return f
        return None

    def _handle(
        self, method: str, scheme: str, host: str, path: str, raw_query: str, headers: dict[str, str]
    ) -> _Result:
        """Answer one request; the transport adapters apply 'reset'/'slow' themselves."""
        path = unquote(path)
        query: dict[str, str] = {}
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            query[k] = v
        rec = RecordedRequest(
            method,
            f"{scheme}://{host}{path}" + (f"?{raw_query}" if raw_query else ""),
            host,
            path,
            query,
            headers,
            0,
            b"",
        )
        fault = self._take_fault(path)
        try:
            res = self._route(method, scheme, host, path, raw_query, query, headers, rec)
        except ODataError as e:
            res = _Result(e.status, [("Content-Type", JSON_TYPE)], error_body(e.message))
        except Exception as e:  # noqa: BLE001 - a bug in the fake: answer 500 like a server would
            res = _Result(500, [("Content-Type", JSON_TYPE)], error_body(f"FakeCBS internal error: {e!r}"))
        if fault is not None:
            res = self._apply_fault(fault, res, path)
        if fault is not None and fault.kind == "endless":
            pass  # no Content-Length: the body runs until the client gives up
        elif method == "HEAD":
            res.headers = [(k, v) for k, v in res.headers if k.lower() != "content-length"] + [
                ("Content-Length", str(len(res.body)))
            ]
            res.body = b""
        else:
            res.headers = [(k, v) for k, v in res.headers if k.lower() != "content-length"] + [
                ("Content-Length", str(len(res.body)))
            ]
        rec.status = res.status
        rec.fault = fault.kind if fault else None
        sent = res.body
        if fault is not None and fault.kind == "reset":
            sent = res.body[: _cut(res.body, fault.opts)]
        rec.size = len(sent)
        rec.body = sent if self.keep_bodies else b""
        with self._lock:
            self.requests.append(rec)
        if self.on_request is not None:
            self.on_request(rec)
        return res

    def _apply_fault(self, f: Fault, res: _Result, path: str) -> _Result:
        o = f.opts
        if f.kind == "status":
            status = int(o.get("status", 500))
            body = o.get("body")
            if body is None:
                body = error_body(f"FakeCBS fault: HTTP {status}")
                ctype = JSON_TYPE
            else:
                body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
                ctype = o.get("content_type", "text/plain; charset=utf-8")
            hdrs = [("Content-Type", ctype)] + list((o.get("headers") or {}).items())
            return _Result(status, hdrs, body, f)
        if f.kind == "gone":
            m = re.search(r"/odata/([^/?]+)", path, re.IGNORECASE)
            seg = m.group(1) if m else path.rsplit("/", 1)[-1]
            return _Result(
                404,
                [("Content-Type", JSON_TYPE)],
                error_body(f"Resource not found for the segment '{seg}'."),
                f,
            )
        if f.kind == "html":
            return _Result(
                200, [("Content-Type", "text/html; charset=utf-8")], MAINTENANCE_HTML.encode("utf-8"), f
            )
        if f.kind == "truncate":
            return _Result(res.status, res.headers, res.body[: _cut(res.body, o)], f)
        if f.kind == "endless":
            return _Result(200, [("Content-Type", o.get("content_type", JSON_TYPE))], b"", f)
        if f.kind == "redirect":
            return _Result(int(o.get("status", 302)), [("Location", str(o["location"])),
                                                       ("Content-Type", "text/html; charset=utf-8")], b"", f)
        if f.kind == "json":
            return _Result(200, [("Content-Type", JSON_TYPE)], json.dumps(o.get("payload")).encode("utf-8"), f)
        # reset / slow: the body is the normal answer, the adapter breaks or delays it
        res.fault = f
        return res

    def _route(self, method, scheme, host, path, raw_query, query, headers, rec) -> _Result:
        if method not in ("GET", "HEAD"):
            raise ODataError(405, f"Method {method} is not allowed (FakeCBS is read-only).")
        lower = path.lower()
        if lower.startswith("/leefbaarometer/") or (
            "leefbaarometer" in host.lower() and lower.startswith("/resources/")
        ):
            rec.catalog = "leefbaarometer"
            return self._leefbaarometer(path, headers)
        catalog, prefix, rest = "cbs", "", path
        if lower.startswith("/dataderden/") or lower == "/dataderden":
            catalog, prefix, rest = "dataderden", path[: len("/dataderden")], path[len("/dataderden") :]
        elif host.split(":")[0].lower() == "dataderden.cbs.nl":
            catalog = "dataderden"
        rec.catalog = catalog
        base = f"{scheme}://{host}{prefix}"
        parts = [p for p in rest.split("/") if p]
        if not parts:
            raise ODataError(404, "Resource not found for the segment ''.")
        root = parts[0].lower()
        if root == "odatacatalog":
            if len(parts) == 1:
                return self._json(
                    {
                        "odata.metadata": f"{base}/ODataCatalog/$metadata",
                        "value": [{"name": "Tables", "url": f"{base}/ODataCatalog/Tables"}],
                    }
                )
            if parts[1] != "Tables" or len(parts) > 3:
                raise ODataError(404, f"Resource not found for the segment '{parts[1]}'.")
            ent = self._catalog_entity(catalog, base)
            meta = f"{base}/ODataCatalog/$metadata#Tables"
            return self._query(
                ent,
                query,
                raw_query,
                scheme,
                host,
                path,
                meta,
                feed=True,
                data=False,
                count=len(parts) == 3 and parts[2] == "$count",
                type_name="Cbs.OData.WebAPI.Table",
            )
        if root not in ("odataapi", "odatafeed") or len(parts) < 2 or parts[1].lower() != "odata":
            raise ODataError(404, f"Resource not found for the segment '{parts[0]}'.")
        api = "ODataApi" if root == "odataapi" else "ODataFeed"
        if len(parts) == 2:
            raise ODataError(404, "FakeCBS: no service document for the root; ask /{TABLE}.")
        table_seg = parts[2]
        key = (catalog, table_seg.upper())
        with self._lock:
            gone = key in self._removed
        table = self._tables.get(key)
        if table is None or gone:
            raise ODataError(404, f"Resource not found for the segment '{table_seg}'.")
        tbase = f"{base}/{api}/odata/{table_seg}"
        if len(parts) == 3 or parts[3] == "":
            return self._json(
                {
                    "odata.metadata": f"{tbase}/$metadata",
                    "value": [{"name": n, "url": f"{tbase}/{n}"} for n in table.entity_names()],
                }
            )
        name = parts[3]
        if name == "$metadata":
            raise ODataError(404, "FakeCBS does not serve $metadata (CSDL); use DataProperties.")
        if not table.has(name) or len(parts) > 5 or (len(parts) == 5 and parts[4] != "$count"):
            raise ODataError(404, f"Resource not found for the segment '{name}'.")
        ent = table.load(name)
        if name == "TableInfos":
            ent = self._patched_tableinfos(key, ent)
        meta = f"{tbase}/$metadata#Cbs.OData.WebAPI.{name}"
        is_data = name in ("TypedDataSet", "UntypedDataSet")
        return self._query(
            ent,
            query,
            raw_query,
            scheme,
            host,
            path,
            meta,
            feed=(api == "ODataFeed"),
            data=is_data,
            count=len(parts) == 5,
            type_name=f"Cbs.OData.WebAPI.{name}",
            cache_key=(key, name),
        )

    def _patched_tableinfos(self, key, ent: _EntitySet) -> _EntitySet:
        with self._lock:
            iso = self._modified.get(key)
        if iso is None:
            return ent
        rows = [dict(r, Modified=iso) for r in ent.rows]
        return _EntitySet(rows, [_dumps(r) for r in rows], ent.fields)

    def _catalog_entity(self, catalog: str, base: str) -> _EntitySet:
        path = self.fixtures_dir / "odata" / catalog / "catalog_Tables.json"
        if not path.is_file():
            return _EntitySet([], [], [])
        src = _load_entity_file(path)
        real_host = "https://opendata.cbs.nl" if catalog == "cbs" else "https://dataderden.cbs.nl"
        rows = []
        with self._lock:
            removed, modified = set(self._removed), dict(self._modified)
        for r in src.rows:
            key = (catalog, str(r.get("Identifier", "")).upper())
            if key in removed:
                continue
            r = dict(r)
            if key in modified:
                r["Modified"] = modified[key]
                r["Updated"] = modified[key]
            for k in ("ApiUrl", "FeedUrl"):
                if isinstance(r.get(k), str) and r[k].startswith(real_host):
                    r[k] = base + r[k][len(real_host) :]
            rows.append(r)
        return _EntitySet(rows, [_dumps(r) for r in rows], src.fields)

    def _query(
        self,
        ent: _EntitySet,
        query,
        raw_query,
        scheme,
        host,
        path,
        meta,
        *,
        feed: bool,
        data: bool,
        count: bool,
        type_name: str,
        cache_key=None,
    ) -> _Result:
        for k in query:
            if k.startswith("$") and k not in (
                "$format",
                "$filter",
                "$select",
                "$top",
                "$skip",
                "$inlinecount",
                "$skiptoken",
            ):
                raise ODataError(400, f"Query option '{k}' is not supported by FakeCBS.")
        fields = set(ent.fields)
        # --- filter (parsed once per request, result cached per filter text)
        flt = query.get("$filter", "").strip()
        if flt:
            ck = (cache_key, flt) if cache_key else None
            idx = self._filter_cache.get(ck) if ck else None
            if idx is None:
                pred = compile_filter(flt, fields or None, type_name)
                idx = [i for i, r in enumerate(ent.rows) if pred(r)]
                if ck:
                    with self._lock:
                        if len(self._filter_cache) > 64:
                            self._filter_cache.clear()
                        self._filter_cache[ck] = idx
        else:
            idx = None
        total = len(idx) if idx is not None else len(ent.rows)
        if count:
            body = str(total).encode()
            return _Result(200, [("Content-Type", "text/plain;charset=utf-8")], body)
        # --- select
        sel = [s.strip() for s in query.get("$select", "").split(",") if s.strip()]
        if sel == ["*"]:
            sel = []
        for s in sel:
            if s not in fields:
                raise ODataError(400, f"No property '{s}' exists in type '{type_name}' at position 0.")
        # --- top / skip
        skip = _int_opt(query, "$skip", 0)
        top = _int_opt(query, "$top", None)
        start = min(skip, total)
        stop = total if top is None else min(total, start + top)
        n = stop - start
        if data and not feed:
            cols = len(sel) if sel else len(ent.fields)
            if n * cols > self.api_cell_limit:
                raise ODataError(
                    400,
                    (
                        f"The request exceeds the limit of {self.api_cell_limit} cells "
                        f"({n} rows x {cols} columns = {n * cols} cells). Use the bulk service "
                        f"ODataFeed, or narrow the request with $filter, $select or $top. "
                        f"(FakeCBS wording; the real message was not available)"
                    ),
                )
            page_end = stop
        else:
            page_end = min(stop, start + self.page_size)
        positions = range(start, page_end) if idx is None else idx[start:page_end]
        if sel:
            columns = [ent.fragments(k) for k in sel]
            chunks = [b"{" + b",".join(col[i] for col in columns) + b"}" for i in positions]
        else:
            chunks = [ent.row_json[i] for i in positions]
        out = [b'{"odata.metadata":', _dumps(meta)]
        if query.get("$inlinecount") == "allpages":
            out += [b',"odata.count":', _dumps(str(total))]
        out += [b',"value":[', b",".join(chunks), b"]"]
        if page_end < stop:
            out += [
                b',"odata.nextLink":',
                _dumps(
                    self._next_link(
                        scheme, host, path, raw_query, page_end, None if top is None else stop - page_end
                    )
                ),
            ]
        out.append(b"}")
        return _Result(200, [("Content-Type", JSON_TYPE), ("DataServiceVersion", "3.0;")], b"".join(out))

    @staticmethod
    def _next_link(scheme, host, path, raw_query, skip: int, top: int | None) -> str:
        keep = []
        for k, v in parse_qsl(raw_query, keep_blank_values=True):
            if k in ("$skip", "$top", "$skiptoken"):
                continue
            keep.append(f"{quote(k, safe='$')}={quote(v, safe=chr(39) + ',()$:*')}")
        if top is not None:
            keep.append(f"$top={top}")
        keep.append(f"$skip={skip}")
        return f"{scheme}://{host}{quote(path, safe='/$')}?" + "&".join(keep)

    def _json(self, obj) -> _Result:
        return _Result(200, [("Content-Type", JSON_TYPE), ("DataServiceVersion", "3.0;")], _dumps(obj))

    def _leefbaarometer(self, path: str, headers: dict[str, str]) -> _Result:
        if not path.endswith("/" + LBM_FILE) or not self._lbm_path.is_file():
            return _Result(
                404,
                [("Content-Type", "text/html; charset=utf-8")],
                b"<html><body><h1>404 Not Found</h1></body></html>\n",
            )
        data = self._lbm_path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        hdrs = [("ETag", etag), ("Last-Modified", LBM_LAST_MODIFIED), ("Accept-Ranges", "bytes")]
        inm = headers.get("if-none-match")
        if inm is not None:
            if inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]:
                return _Result(304, hdrs, b"")
        else:
            ims = headers.get("if-modified-since")
            if ims:
                try:
                    since = email.utils.parsedate_to_datetime(ims)
                    if since >= email.utils.parsedate_to_datetime(LBM_LAST_MODIFIED):
                        return _Result(304, hdrs, b"")
                except (TypeError, ValueError):
                    pass
        return _Result(200, [("Content-Type", "application/zip")] + hdrs, data)


def _int_opt(query: dict, name: str, default):
    v = query.get(name)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise ODataError(400, f"Invalid value '{v}' for query option '{name}'.") from None
    if n < 0:
        raise ODataError(400, f"Invalid value '{v}' for query option '{name}'.")
    return n


def _cut(body: bytes, opts: dict) -> int:
    if "after_bytes" in opts:
        return max(0, min(len(body), int(opts["after_bytes"])))
    frac = float(opts.get("fraction", 0.5))
    n = int(len(body) * frac)
    return max(0, min(len(body) - 1, n)) if body else 0


def _netloc(scheme: str, host: str, port: int | None) -> str:
    if port is None or (scheme == "http" and port == 80) or (scheme == "https" and port == 443):
        return host
    return f"{host}:{port}"


# =========================================================================== server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeCBS/1.0"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    fake: FakeCBS  # set on the subclass made by serve()

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer()

    def _answer(self):
        split = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        res = self.fake._handle(
            self.command,
            "http",
            host,
            split.path,
            split.query,
            {k.lower(): v for k, v in self.headers.items()},
        )
        f = res.fault
        if f is not None and f.kind == "slow":
            time.sleep(float(f.opts.get("delay", 30)))
        try:
            self.send_response(res.status)
            for k, v in res.headers:
                self.send_header(k, v)
            if f is not None and f.kind in ("reset", "endless"):
                self.send_header("Connection", "close")
            self.end_headers()
            if f is not None and f.kind == "endless":
                self.close_connection = True
                sent = 0
                while sent < ENDLESS_LIMIT:
                    self.wfile.write(ENDLESS_CHUNK)
                    sent += len(ENDLESS_CHUNK)
                return
            if f is not None and f.kind == "reset":
                self.wfile.write(res.body[: _cut(res.body, f.opts)])
                self.wfile.flush()
                self.close_connection = True
                # RST instead of FIN: linger on with timeout 0
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                return
            if self.command != "HEAD":
                self.wfile.write(res.body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # client went away: not our problem
        pass


@contextlib.contextmanager
def serve(fake: FakeCBS, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``fake`` on a real socket in a daemon thread; yields the base URL."""
    handler = type("FakeCBSHandler", (_Handler,), {"fake": fake})
    server = _Server((host, port), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeCBS", daemon=True
    )
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tests.fakecbs",
        description="Serve the fake CBS OData v3 service (both catalogues) and the Leefbaarometer "
        "zip from tests/fixtures until Ctrl-C.",
    )
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free port)")
    ap.add_argument("--page-size", type=int, default=10_000, help="Feed page size in rows (default 10000)")
    ap.add_argument(
        "--fixtures", default=str(DEFAULT_FIXTURES), help="fixture folder (default tests/fixtures)"
    )
    ap.add_argument("--quiet", action="store_true", help="do not print one line per request on stderr")
    args = ap.parse_args(argv)

    def show(r: RecordedRequest) -> None:
        fault = f" fault={r.fault}" if r.fault else ""
        print(f"{r.method} {r.url} -> {r.status} {r.size:,} B{fault}", file=sys.stderr, flush=True)

    fake = FakeCBS(
        args.fixtures, page_size=args.page_size, keep_bodies=False, on_request=None if args.quiet else show
    )
    with serve(fake, args.host, args.port) as base:
        print(f"export BUURTSCAN_CBS_URL={base}")
        print(f"export BUURTSCAN_DATADERDEN_URL={base}/dataderden")
        print(f"export BUURTSCAN_LEEFBAAROMETER_URL={base}/leefbaarometer/resources/{LBM_FILE}")
        print(f"# FakeCBS serving {args.fixtures} (page size {args.page_size}); Ctrl-C to stop", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
