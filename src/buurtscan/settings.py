"""One frozen Settings object, resolved once per run.

Order of precedence for every setting: command-line flag → ``BUURTSCAN_*`` environment
variable → ``buurtscan.toml`` (searched in the current folder and its parents) → default.
A relative ``cache_dir`` in ``buurtscan.toml`` is taken relative to that file's folder.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import UsageError

CONFIG_NAME = "buurtscan.toml"

DEFAULT_CBS_URL = "https://opendata.cbs.nl"
DEFAULT_DATADERDEN_URL = "https://dataderden.cbs.nl"
DEFAULT_LEEFBAAROMETER_URL = (
    "https://www.leefbaarometer.nl/resources/open-data-leefbaarometer-meting-2024.zip"
)

# setting name -> environment variable
ENV_VARS: dict[str, str] = {
    "cache_dir": "BUURTSCAN_CACHE_DIR",
    "cbs_url": "BUURTSCAN_CBS_URL",
    "dataderden_url": "BUURTSCAN_DATADERDEN_URL",
    "leefbaarometer_url": "BUURTSCAN_LEEFBAAROMETER_URL",
    "timeout": "BUURTSCAN_TIMEOUT",
    "attempts": "BUURTSCAN_ATTEMPTS",
    "backoff": "BUURTSCAN_BACKOFF",
    "max_response_mb": "BUURTSCAN_MAX_RESPONSE_MB",
    "max_download_mb": "BUURTSCAN_MAX_DOWNLOAD_MB",
    "max_unpacked_mb": "BUURTSCAN_MAX_UNPACKED_MB",
    "redirect_hosts": "BUURTSCAN_REDIRECT_HOSTS",
    "render_roots": "BUURTSCAN_RENDER_ROOTS",
}

# numeric settings: name -> (type, lowest, highest); the ranges keep a typo from hanging a
# cron job for days (timeout = 1e9) or disabling a safety limit (max_response_mb = 0)
RANGES: dict[str, tuple[type, float, float]] = {
    "timeout": (float, 0.1, 3600.0),
    "attempts": (int, 1, 20),
    "backoff": (float, 0.0, 600.0),
    "max_response_mb": (int, 1, 4096),
    "max_download_mb": (int, 1, 65536),
    "max_unpacked_mb": (int, 1, 65536),
}
MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything configurable, resolved. Create with :func:`resolve`."""

    cache_dir: Path
    cbs_url: str = DEFAULT_CBS_URL
    dataderden_url: str = DEFAULT_DATADERDEN_URL
    leefbaarometer_url: str = DEFAULT_LEEFBAAROMETER_URL
    timeout: float = 30.0  # seconds per network read
    attempts: int = 5  # tries per request, for transient failures only
    backoff: float = 1.0  # first wait between tries in seconds (doubles each time); 0 = none
    max_response_mb: int = 100  # one CBS OData answer (a 10,000-row page is a few MB)
    max_download_mb: int = 1024  # the Leefbaarometer zip, streamed to disk
    max_unpacked_mb: int = 256  # the buurt CSV unpacked from that zip (about 17 MB in 2024)
    redirect_hosts: tuple[str, ...] = ()  # other hosts a redirect may lead to (default: none)
    render_roots: tuple[Path, ...] = ()  # where refresh --render may read and write (see replay_roots)
    config_file: Path | None = None

    def replay_roots(self) -> tuple[Path, ...]:
        """The folders a path recorded in renders.json must lie in (after symlinks) to be replayed.

        ``render_roots`` when set; else the home folder and the folder of the buurtscan.toml in use.
        renders.json is a cache file, so it cannot widen them itself."""
        if self.render_roots:
            return tuple(p.resolve() for p in self.render_roots)
        roots = [Path.home()]
        if self.config_file is not None:
            roots.append(self.config_file.parent)
        return tuple(p.resolve() for p in roots)

    def describe(self) -> dict[str, str]:
        """Plain view for `buurtscan status --json` and debugging."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


def find_config(start: Path) -> Path | None:
    """The nearest buurtscan.toml in ``start`` or one of its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _read_config(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{path}: not UTF-8 text (byte {exc.start + 1} is 0x{exc.object[exc.start]:02x}).",
            tip="Save the file as UTF-8.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{path}: not valid TOML ({one_line(str(exc))}).", tip="Fix the file or remove it."
        ) from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror}).") from None
    section = data.get("buurtscan", data)
    if not isinstance(section, dict):
        raise UsageError(f"{path}: [buurtscan] must be a table of settings.")
    unknown = sorted(set(section) - set(ENV_VARS))
    if unknown:
        raise UsageError(
            f"{path}: unknown setting {', '.join(unknown)}.",
            tip=f"Known settings: {', '.join(ENV_VARS)}.",
        )
    return dict(section)


def one_line(text: str) -> str:
    return " ".join(text.split())


def _shown(raw: object) -> str:
    text = one_line(repr(raw) if not isinstance(raw, str) else raw)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(name: str, raw: object, origin: str, *, typed: bool = False) -> float | int:
    """A numeric setting checked for type and range (``typed``: from TOML, so no text allowed)."""
    kind, low, high = RANGES[name]
    what = "a whole number" if kind is int else "a number"
    value: float | int
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)) or (typed and isinstance(raw, str)):
        raise UsageError(f"{origin}: {name} must be {what}, got '{_shown(raw)}'.")
    if isinstance(raw, str):
        try:
            value = kind(raw.strip())
        except ValueError:
            raise UsageError(f"{origin}: {name} must be {what}, got '{_shown(raw)}'.") from None
    elif kind is int and isinstance(raw, float):
        raise UsageError(f"{origin}: {name} must be {what}, got '{_shown(raw)}'.")
    else:
        value = kind(raw)
    if not math.isfinite(value) or not low <= value <= high:
        raise UsageError(f"{origin}: {name} must be between {low:g} and {high:g}, got '{_shown(raw)}'.")
    return value


def _text(name: str, raw: object, origin: str) -> str:
    if not isinstance(raw, str):
        raise UsageError(f"{origin}: {name} must be a text (in quotes), got '{_shown(raw)}'.")
    if not raw.strip() or "\x00" in raw:
        raise UsageError(f"{origin}: {name} must not be empty.")
    return raw.strip()


def _hosts(raw: object, origin: str) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(h, str) for h in items):
        raise UsageError(f"{origin}: redirect_hosts must be a list of host names, got '{_shown(raw)}'.")
    hosts = tuple(h.strip().lower() for h in items if h.strip())
    bad = [h for h in hosts if not re.fullmatch(r"[a-z0-9.-]+(:\d+)?", h)]
    if bad:
        raise UsageError(f"{origin}: redirect_hosts holds '{_shown(bad[0])}', which is not a host name.")
    return hosts


def _folders(raw: object, origin: str, anchor: Path) -> tuple[Path, ...]:
    items = raw.split(os.pathsep) if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
        raise UsageError(f"{origin}: render_roots must be a list of folders, got '{_shown(raw)}'.")
    if any("\x00" in p for p in items) or not any(p.strip() for p in items):
        raise UsageError(f"{origin}: render_roots must name at least one folder, got '{_shown(raw)}'.")
    paths = (Path(p.strip()).expanduser() for p in items if p.strip())
    return tuple((p if p.is_absolute() else anchor / p).resolve() for p in paths)


def resolve(
    *,
    cache_dir: str | Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    **overrides: object,
) -> Settings:
    """Resolve settings from flags (keyword arguments), environment, config file, defaults."""
    cwd = Path.cwd() if cwd is None else cwd
    env = os.environ if env is None else env
    config_path = find_config(cwd)
    config = _read_config(config_path) if config_path else {}
    base = config_path.parent if config_path else cwd

    flags: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if cache_dir is not None:
        flags["cache_dir"] = cache_dir

    def pick(name: str) -> tuple[object | None, str]:
        if name in flags:
            return flags[name], "flag"
        var = ENV_VARS[name]
        if env.get(var):
            return env[var], var
        if name in config:
            return config[name], str(config_path)
        return None, "default"

    values: dict[str, object] = {"config_file": config_path}
    raw, origin = pick("cache_dir")
    if raw is None:
        values["cache_dir"] = (base / "data" / "cache").resolve()
    else:
        path = Path(_text("cache_dir", str(raw) if isinstance(raw, Path) else raw, origin)).expanduser()
        anchor = base if origin == str(config_path) else cwd
        values["cache_dir"] = (path if path.is_absolute() else anchor / path).resolve()
    for name in ("cbs_url", "dataderden_url", "leefbaarometer_url"):
        raw, origin = pick(name)
        if raw is not None:
            url = _text(name, raw, origin).rstrip("/")
            if not re.match(r"https?://[^/\s]+", url) or any(ch.isspace() for ch in url):
                raise UsageError(f"{origin}: {name} must start with http:// or https://, got '{raw}'.")
            values[name] = url
    for name in RANGES:
        raw, origin = pick(name)
        if raw is not None:
            values[name] = _number(name, raw, origin, typed=origin == str(config_path))
    raw, origin = pick("redirect_hosts")
    if raw is not None:
        values["redirect_hosts"] = _hosts(raw, origin)
    raw, origin = pick("render_roots")
    if raw is not None:
        values["render_roots"] = _folders(raw, origin, base if origin == str(config_path) else cwd)
    return Settings(**values)  # type: ignore[arg-type]
