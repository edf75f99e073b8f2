"""One frozen Settings object, resolved once per run.

Order of precedence for every setting: command-line flag → ``BUURTSCAN_*`` environment
variable → ``buurtscan.toml`` (searched in the current folder and its parents) → default.
A relative ``cache_dir`` in ``buurtscan.toml`` is taken relative to that file's folder.
"""

from __future__ import annotations

import os
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
}


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
    config_file: Path | None = None

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
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{path}: not valid TOML ({exc}).", tip="Fix the file or remove it."
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


def _number(name: str, raw: object, origin: str, kind: type) -> float | int:
    try:
        value = kind(raw)  # type: ignore[call-arg]
    except (TypeError, ValueError):
        raise UsageError(f"{origin}: {name} must be a number, got '{raw}'.") from None
    if value <= 0:
        raise UsageError(f"{origin}: {name} must be positive, got '{raw}'.")
    return value


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
        path = Path(str(raw)).expanduser()
        anchor = base if origin == str(config_path) else cwd
        values["cache_dir"] = (path if path.is_absolute() else anchor / path).resolve()
    for name in ("cbs_url", "dataderden_url", "leefbaarometer_url"):
        raw, origin = pick(name)
        if raw is not None:
            url = str(raw).strip().rstrip("/")
            if not url.startswith(("http://", "https://")):
                raise UsageError(f"{origin}: {name} must start with http:// or https://, got '{raw}'.")
            values[name] = url
    raw, origin = pick("timeout")
    if raw is not None:
        values["timeout"] = _number("timeout", raw, origin, float)
    raw, origin = pick("backoff")
    if raw is not None:
        try:
            values["backoff"] = max(0.0, float(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise UsageError(f"{origin}: backoff must be a number of seconds, got '{raw}'.") from None
    raw, origin = pick("attempts")
    if raw is not None:
        values["attempts"] = int(_number("attempts", raw, origin, int))
    return Settings(**values)  # type: ignore[arg-type]
