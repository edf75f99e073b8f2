"""Where the test data lives, named once for every test module whatever folder it sits in.

Tests reach the repository (examples/, scripts/, docs/) and the committed test data through these
constants, never through ``Path(__file__).parent``: the test tree mirrors ``src/buurtscan/``
(tests/sources/, tests/report/, …), so a test's own folder says nothing about where the data is.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
INPUTS = TESTS / "inputs"
CORPUS = TESTS / "partner_corpus"
EXAMPLES = ROOT / "examples"
SCRIPTS = ROOT / "scripts"
