"""The layers of docs/architecture.md hold: who may import whom, and no import cycle at top level.

Measured with scripts/import_graph.py (the same numbers the architecture note quotes)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.paths import ROOT

SRC = ROOT / "src" / "buurtscan"


@pytest.fixture(scope="module")
def graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    spec.loader.exec_module(module)
    return module.measure(SRC)


def test_no_cycle_at_top_level(graph):
    assert graph["top_level_cycles"] == []


def test_only_the_command_line_imports_the_command_line(graph):
    front = {"buurtscan.cli", "buurtscan.console"}
    allowed = {"buurtscan.__main__", "buurtscan.clidoc", "buurtscan.cli"}
    bad = [(a, b) for a, b in graph["edges"] if b in front and a not in allowed]
    assert bad == []


def test_actions_are_only_imported_from_above(graph):
    """The library layers (sources, cache, partners, compare, scan, report…) never call an action;
    the actions call each other only where one command is made of another (refresh = fetch + render)."""
    above = ("buurtscan.cli", "buurtscan.actions.")
    bad = [(a, b) for a, b in graph["edges"]
           if b.startswith("buurtscan.actions.") and not a.startswith(above)]
    assert bad == []


def test_the_measure_sees_imports(graph):
    """The script finds relative, absolute and lazy imports (else the checks above prove nothing)."""
    edges = set(graph["edges"])
    assert ("buurtscan.cli", "buurtscan.console") in edges  # top-level relative import
    assert ("buurtscan.cli", "buurtscan.actions.render") in edges  # lazy, inside a command
    assert graph["modules"] > 50 and graph["arrows"] > graph["top_level_arrows"] > 0
