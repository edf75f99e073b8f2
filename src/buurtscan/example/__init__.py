"""The bundled example: a small snapshot of real published data for six gemeenten.

Built by ``scripts/make_example.py`` (see ``data/README.md`` for the provenance); read-only.
``buurtscan render BU05183620 --example`` renders Moerwijk-Oost from it without network.
"""

from __future__ import annotations

from pathlib import Path

from ..cache import Cache
from ..errors import UsageError

DATA = Path(__file__).parent / "data"


def example_cache() -> Cache:
    if not (DATA / "manifest.json").exists():
        raise UsageError("The bundled example data is missing from this installation.",
                         tip="Reinstall buurtscan, or run scripts/make_example.py in a clone.")
    return Cache(DATA)
