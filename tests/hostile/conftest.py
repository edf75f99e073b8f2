"""Fixtures of the hostile corpus: a cache with the real Den Haag regions (from the fake CBS)."""

from __future__ import annotations

import pytest

from buurtscan.fetching import fetch
from buurtscan.settings import Settings


@pytest.fixture
def filled(settings: Settings, fake) -> Settings:
    """KWB 2024 for all of Den Haag and Nederland, as `fetch` stores it."""
    fetch(settings, ["BU05183620"], transport=fake.transport(), sources=["cbs_kwb"])
    return settings
