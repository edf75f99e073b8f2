"""buurtscan — the globale scan of a Dutch buurt from open statistics and partner data.

The command line (``buurtscan …``) is one way in; the same actions are a small library::

    from pathlib import Path
    from buurtscan import RenderOptions, Settings, fetch, find, render

    settings = Settings(cache_dir=Path("data/cache"))
    code = find(settings, "moerwijk oost").matches[0].code        # BU05183620
    fetch(settings, [code])                                        # CBS, Politie, RIVM, … into the cache
    render(settings, [code], options=RenderOptions(formats=("pdf",), out_dir=Path("scans")))

The API, one function per command (each returns a report object and never prints):

* :func:`fetch` (``buurtscan fetch``) → ``FetchReport``: download open statistics into the cache.
* :func:`merge` (``buurtscan merge``) → ``MergeReport``: fold a partner's CSV/Excel file in.
* :func:`render` (``buurtscan render``) → ``list[Rendered]``: write the notes and decks.
* :func:`refresh` (``buurtscan refresh``) → ``RefreshReport``: re-fetch what changed upstream.
* :func:`find` (``buurtscan find``) → ``FindResult``: region codes by name.
* :func:`status` (``buurtscan status``) → ``StatusReport``: what is cached and whether it changed.
* :class:`Settings`: the cache folder, server addresses and limits (``buurtscan.settings.resolve``
  reads them from the environment and ``buurtscan.toml`` as the CLI does).
* :class:`RenderOptions` (formats, output folder, policy/stories files…) for :func:`render`, and
  :func:`example_cache`, the bundled example (the CLI's ``--example``) to pass as ``cache=`` to
  :func:`render` or :func:`find`.

Failures raise :class:`buurtscan.errors.BuurtscanError` subclasses with a one-line ``message``
and a ``tip``. The names are imported on first use (module ``__getattr__``), so ``import
buurtscan`` and ``buurtscan --help`` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> (module, attribute); imported lazily by __getattr__
_API: dict[str, tuple[str, str]] = {
    "fetch": ("buurtscan.actions.fetch", "fetch"),
    "merge": ("buurtscan.actions.merge", "merge"),
    "render": ("buurtscan.actions.render", "render"),
    "refresh": ("buurtscan.actions.refresh", "refresh"),
    "find": ("buurtscan.actions.find", "find_regions"),
    "status": ("buurtscan.actions.status", "status"),
    "Settings": ("buurtscan.settings", "Settings"),
    "RenderOptions": ("buurtscan.actions.render", "RenderOptions"),
    "example_cache": ("buurtscan.example", "example_cache"),
}

__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # for type checkers and editors; at run time __getattr__ imports on demand
    from .actions.fetch import fetch
    from .actions.find import find_regions as find
    from .actions.merge import merge
    from .actions.refresh import refresh
    from .actions.render import RenderOptions, render
    from .actions.status import status
    from .example import example_cache
    from .settings import Settings


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'buurtscan' has no attribute {name!r}") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # the next look-up skips __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
