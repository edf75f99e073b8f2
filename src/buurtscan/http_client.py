"""The one place that makes HTTP clients and performs requests.

- one client (:class:`Http`): timeouts, a User-Agent naming buurtscan and its version;
  tests pass an ``httpx.MockTransport``;
- every body is read in chunks and bounded: an OData answer by ``max_response_mb``, a
  download (streamed to disk) by ``max_download_mb``; a longer body stops the read with a
  :class:`~buurtscan.errors.SourceError` (not retried), so an endless answer cannot fill
  memory or disk;
- redirects are followed by hand, at most :data:`MAX_REDIRECTS`, and only to the same host
  (or a host named in ``redirect_hosts``); a loop or a cross-host redirect is a
  SourceError, so only the source concerned is skipped;
- :func:`get` retries with exponential backoff (stamina) **only** on transient failures:
  connection errors, timeouts, resets, 429 (honouring ``Retry-After``), 5xx, and a 200
  whose body is not the JSON we asked for (a maintenance page, a cut-off body). Other
  4xx answers are final;
- failures become :class:`~buurtscan.errors.SourceError` sentences that name the host and
  say what to do;
- **fail fast** (``Http(..., patient=False)``, used by the interactive ``find`` and
  ``fetch``): a host that cannot be resolved or connected to gets at most
  :data:`FAST_CONNECT_ATTEMPTS` tries with a :data:`FAST_CONNECT_TIMEOUT` connect timeout
  (so the user hears within about 10 s, not after half a minute of backoff), and later
  requests to that host in the same run fail at once. Other transient failures (429, 5xx,
  slow reads) keep the full retry policy. ``refresh`` (cron) stays patient.
"""

from __future__ import annotations

import email.utils
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import stamina
from stamina.instrumentation import RetryDetails, set_on_retry_hooks

from . import __version__
from .errors import SourceError, SourceUnavailable, TableNotFoundError
from .settings import MB, Settings

USER_AGENT = f"buurtscan/{__version__} (+https://pypi.org/project/buurtscan/; python-httpx)"
MAX_RETRY_AFTER = 120.0  # never wait longer than this for one Retry-After
FAST_CONNECT_ATTEMPTS = 2  # fail fast: tries to reach a host that cannot be resolved or connected to
FAST_CONNECT_TIMEOUT = 4.0  # fail fast: seconds to establish a connection
FAST_CONNECT_WAIT = 0.5  # fail fast: seconds between the two tries
OFFLINE_TIP = ("Check the internet connection and try again; nothing in the cache was changed. Without a "
               "connection, `--example` (find, show, render) uses the bundled example, or point "
               "BUURTSCAN_CBS_URL, BUURTSCAN_DATADERDEN_URL or BUURTSCAN_LEEFBAAROMETER_URL at a server you can reach.")
MAX_REDIRECTS = 5  # CBS answers directly; a few hops allow an http→https or a moved file
CHUNK = 1 << 16
log = logging.getLogger(__name__)


def _log_retry(details: RetryDetails) -> None:
    """Retries are reported through logging (the CLI shows them with -v), not printed by stamina."""
    log.info("retry %d in %.1f s after %s", details.retry_num, details.wait_for, details.caused_by)


set_on_retry_hooks([_log_retry])


class _Transient(Exception):
    """A failure worth another try (HTTP 429/5xx, or an unusable 200 body)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError):
            return None
        seconds = when - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff_hook(exc: Exception) -> bool | float:
    """stamina hook: retry transient failures; a 429's Retry-After sets the wait."""
    if isinstance(exc, _Transient):
        return exc.retry_after if exc.retry_after is not None else True
    return isinstance(exc, httpx.TransportError)


@dataclass
class Traffic:
    """Counts what a run sent and received (for progress and benchmarks)."""

    requests: int = 0
    bytes: int = 0
    urls: list[str] = field(default_factory=list)
    attempts: int = 0  # tries made, including those that got no answer at all


class Http:
    """A configured client plus the retry policy. Sources receive one; they never build one."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None, *,
                 patient: bool = True) -> None:
        self.settings = settings
        self.traffic = Traffic()
        self.patient = patient  # False: fail fast when a host cannot be reached (interactive commands)
        self._down: dict[str, SourceUnavailable] = {}  # fail fast: hosts found unreachable in this run
        connect = min(10.0 if patient else FAST_CONNECT_TIMEOUT, settings.timeout)
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout, connect=connect),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # followed by hand: bounded, same host only (see _open)
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, expect_json: bool = True, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET with retries on transient failures. Returns the final response (2xx or 304)."""
        return self._retrying(url, lambda: self._get_once(url, expect_json=expect_json, headers=headers))

    def head(self, url: str, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """HEAD with the same retry policy (e.g. to read ``Last-Modified`` of a download)."""

        def once() -> httpx.Response:
            response = self._read(url, self._open("HEAD", url, headers), self._response_cap)
            self._count(url, 0)
            return self._checked(url, response)

        return self._retrying(url, once)

    def download(self, url: str, dest: Path, *, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET streamed into the file ``dest`` (rewritten on every attempt), with retries.

        For large files (the Leefbaarometer zip): the body never sits in memory. A 304
        answer to a conditional request leaves ``dest`` empty and is returned as it is;
        a ``text/html`` 200 (a maintenance page instead of the file) is retried.
        """

        cap = self.settings.max_download_mb * MB

        def once() -> httpx.Response:
            response = self._open("GET", url, headers)
            try:
                if response.status_code != 200:
                    response = self._read(url, response, self._response_cap)
                    self._count(url, len(response.content))
                    return self._checked(url, response)
                if "html" in response.headers.get("Content-Type", ""):
                    response = self._read(url, response, self._response_cap)
                    self._count(url, len(response.content))
                    raise _Transient("an HTML page instead of the file, perhaps a maintenance page")
                _refuse_declared(url, response, cap, "max_download_mb")
                size = 0
                with open(dest, "wb") as fh:
                    for chunk in response.iter_bytes(1 << 20):
                        size += len(chunk)
                        if size > cap:
                            raise _too_large(url, cap, "max_download_mb")
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
                self._count(url, size)
                return response
            finally:
                response.close()

        return self._retrying(url, once)

    @property
    def _response_cap(self) -> int:
        return self.settings.max_response_mb * MB

    def _open(self, method: str, url: str, headers: dict[str, str] | None) -> httpx.Response:
        """Send a request and follow redirects by hand: at most MAX_REDIRECTS hops, same host
        (or one named in ``redirect_hosts``). Returns the final response, body not yet read."""
        request = self.client.build_request(method, url, headers=headers)
        origin = (request.url.host or "").lower()
        allowed = {origin, *(h.split(":")[0] for h in self.settings.redirect_hosts)}
        for _hop in range(MAX_REDIRECTS + 1):
            response = self.client.send(request, stream=True)
            following = response.next_request
            if not response.has_redirect_location or following is None:
                return response  # a 3xx without a Location is refused by _checked
            response.close()
            target = (following.url.host or "").lower()
            if target not in allowed:
                raise SourceError(
                    f"{origin} redirected {_short(url)} to another host ({target}); buurtscan does not follow that.",
                    tip=f"If {target} is trustworthy, add it to redirect_hosts in buurtscan.toml "
                    "(or BUURTSCAN_REDIRECT_HOSTS); nothing in the cache was changed.",
                )
            if request.url.scheme == "https" and following.url.scheme != "https":
                raise SourceError(f"{origin} redirected {_short(url)} from https to plain http; refused.",
                                  tip="Nothing in the cache was changed.")
            request = following
        raise SourceError(
            f"{origin} redirected {_short(url)} more than {MAX_REDIRECTS} times (a redirect loop).",
            tip="The address may have changed or the server is misconfigured; try again later or "
            "check the BUURTSCAN_*_URL settings. Nothing in the cache was changed.",
        )

    def _read(self, url: str, response: httpx.Response, cap: int) -> httpx.Response:
        """The response with its whole body read, at most ``cap`` bytes (decoded)."""
        try:
            if response.request.method != "HEAD":  # a HEAD announces the size of a body it never sends
                _refuse_declared(url, response, cap, "max_response_mb")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes(CHUNK):
                size += len(chunk)
                if size > cap:
                    raise _too_large(url, cap, "max_response_mb")
                chunks.append(chunk)
        finally:
            response.close()
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                              request=response.request)

    def _retrying(self, url: str, once: Callable[[], httpx.Response]) -> httpx.Response:
        """Run one request with the retry policy; turn what is left into a SourceError."""
        host = urlsplit(url).netloc or url
        if host in self._down:
            raise self._down[host]
        wait = self.settings.backoff
        tries = 0
        try:
            for attempt in stamina.retry_context(
                on=self._hook(),
                attempts=self.settings.attempts,
                timeout=None,
                wait_initial=wait,
                wait_max=max(wait * 16, wait),
                wait_jitter=wait,
            ):
                with attempt:
                    tries += 1
                    self.traffic.attempts += 1
                    return once()
        except _Transient as exc:
            raise SourceUnavailable(
                f"{host} did not give a usable answer ({exc.reason}) after "
                f"{self.settings.attempts} attempts.",
                tip="CBS may be busy or down for maintenance; try again later. "
                "Nothing in the cache was changed.",
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            error = SourceUnavailable(
                f"{host} is unreachable ({_connect_reason(exc, self.client.timeout.connect)}; "
                f"{tries} attempt{'s' if tries != 1 else ''}).",
                tip=OFFLINE_TIP,
            )
            if not self.patient:
                self._down[host] = error
            raise error from None
        except httpx.TimeoutException:
            raise SourceUnavailable(
                f"{host} did not answer within {self.settings.timeout:g} s "
                f"({self.settings.attempts} attempts).",
                tip="Try again later or raise BUURTSCAN_TIMEOUT. Nothing in the cache was changed.",
            ) from None
        except httpx.TransportError as exc:
            raise SourceUnavailable(
                f"{host} is unreachable ({type(exc).__name__}: {exc or 'connection failed'}).",
                tip=OFFLINE_TIP,
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _hook(self) -> Callable[[Exception], bool | float]:
        """The retry decision for one request: :func:`backoff_hook`, fail-fast on connect failures."""
        if self.patient:
            return backoff_hook
        failed = 0

        def hook(exc: Exception) -> bool | float:
            nonlocal failed
            if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
                failed += 1
                return FAST_CONNECT_WAIT if failed < FAST_CONNECT_ATTEMPTS else False
            return backoff_hook(exc)

        return hook

    def get_json(self, url: str) -> Any:
        response = self.get(url, expect_json=True)
        return _decode_json(response)

    def _get_once(self, url: str, *, expect_json: bool, headers: dict[str, str] | None) -> httpx.Response:
        response = self._read(url, self._open("GET", url, headers), self._response_cap)
        self._count(url, len(response.content))
        self._checked(url, response)
        if expect_json and response.status_code != 304:
            _decode_json(response)  # raises _Transient when the body is not JSON
        return response

    def _count(self, url: str, size: int) -> None:
        self.traffic.requests += 1
        self.traffic.bytes += size
        self.traffic.urls.append(url)

    def _checked(self, url: str, response: httpx.Response) -> httpx.Response:
        """The response if its status is usable (2xx, 304); else the matching failure."""
        status = response.status_code
        if status == 429:
            raise _Transient("HTTP 429 Too Many Requests", parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Transient(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if 300 <= status < 400 and status != 304:
            raise SourceError(f"{urlsplit(url).netloc} answered {_short(url)} with HTTP {status}, not the data.",
                              tip="The address may have changed; check the BUURTSCAN_*_URL settings.")
        if status == 404:
            raise TableNotFoundError(f"{urlsplit(url).netloc} has no {_short(url)} (HTTP 404).")
        if status >= 400:
            raise SourceError(
                f"{urlsplit(url).netloc} refused {_short(url)} (HTTP {status}: {_odata_message(response)}).",
                tip="This looks like a bug or an API change in buurtscan; please report it.",
            )
        return response


def _connect_reason(exc: Exception, connect_timeout: float | None) -> str:
    """Why a connection could not be made, in words: name not resolved, refused, or no answer."""
    text = str(exc)
    low = text.lower()
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {connect_timeout or 0:g} s"
    if any(s in low for s in ("name or service not known", "nodename nor servname", "getaddrinfo",
                              "name resolution", "no address associated", "errno -2", "errno -3", "errno 8")):
        return "its name cannot be resolved"
    if "refused" in low:
        return "the connection was refused"
    return f"{type(exc).__name__}: {text or 'connection failed'}"
def _too_large(url: str, cap: int, setting: str) -> SourceError:
    return SourceError(
        f"{urlsplit(url).netloc} sent more than {cap // MB:,} MB for {_short(url)} (the {setting} limit); "
        "buurtscan stopped reading.",
        tip=f"If that size is expected, raise {setting} in buurtscan.toml (or BUURTSCAN_{setting.upper()}); "
        "nothing in the cache was changed.",
    )


def _refuse_declared(url: str, response: httpx.Response, cap: int, setting: str) -> None:
    """Stop before reading when the server announces a body larger than the cap."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and "content-encoding" not in response.headers and int(declared) > cap:
        raise _too_large(url, cap, setting)


def _decode_json(response: httpx.Response) -> Any:
    cached = getattr(response, "_buurtscan_json", None)
    if cached is not None:
        return cached
    ctype = response.headers.get("Content-Type", "")
    if "html" in ctype:
        raise _Transient("an HTML page instead of data, perhaps a maintenance page")
    try:
        data = orjson.loads(response.content)  # ~2x faster than json on 10,000-row pages
    except orjson.JSONDecodeError:
        raise _Transient("a cut-off or malformed JSON body") from None
    response._buurtscan_json = data  # type: ignore[attr-defined]
    return data


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path or "/"


def _odata_message(response: httpx.Response) -> str:
    try:
        err = response.json().get("odata.error", {})
        return str(err.get("message", {}).get("value", "")) or response.reason_phrase
    except Exception:  # noqa: BLE001 - any unreadable body: fall back to the reason
        return response.reason_phrase
