"""Compatibility alias: the deck lives in :mod:`buurtscan.report.pptx`."""

from .pptx import LAYOUTS, MAX_SLIDES, render  # noqa: F401
