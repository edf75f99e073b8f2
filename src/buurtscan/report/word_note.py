"""The Word note; kept as a name for :mod:`buurtscan.report.word` (the package that writes it)."""

from .word import LANGUAGE, TEMPLATE, render

__all__ = ["LANGUAGE", "TEMPLATE", "render"]
