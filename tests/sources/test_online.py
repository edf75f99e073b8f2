"""Live checks against the real CBS servers — skipped by default; run with `python -m pytest -m online`."""

import pytest

from buurtscan.http_client import Http
from buurtscan.settings import Settings
from buurtscan.sources.base import FetchContext
from buurtscan.sources.kwb import KwbSource

pytestmark = pytest.mark.online


def test_real_catalogue_lists_kerncijfers_tables(tmp_path):
    settings = Settings(cache_dir=tmp_path)
    with Http(settings) as http:
        ctx = FetchContext(settings, http)
        years = KwbSource().available_years(ctx)
        assert "cbs_kwb" not in ctx.fallback, "the catalogue did not answer"
        assert years.get(2024) == "85984NED"
        meta = KwbSource().table_for(ctx, 2024)
        assert meta.topic("AantalInwoners").unit == "aantal"
        assert meta.topic("Appartement", "Gemiddeld aardgasverbruik").unit == "m³"
