"""The CLI explains itself: help with an example for every command, help for every option, a
generated reference in docs/cli.md kept in sync, and every command in the README."""


import pytest
import typer.main

from buurtscan import clidoc
from buurtscan.cli import app
from tests.paths import ROOT

GROUP = typer.main.get_command(app)


def test_reference_is_in_sync_with_help():
    committed = (ROOT / "docs" / "cli.md").read_text()
    assert committed == clidoc.reference(), "docs/cli.md is stale: run `python -m buurtscan.clidoc > docs/cli.md`"


@pytest.mark.parametrize("name", sorted(GROUP.commands))
def test_every_command_is_documented(name):
    command = GROUP.commands[name]
    assert command.help and "Example" in command.help, f"`buurtscan {name}` needs help with an example"
    for param in command.params:
        if param.name == "help":
            continue
        assert getattr(param, "help", None), f"`buurtscan {name}`: {param.name} has no help text"
    assert f"buurtscan {name}" in (ROOT / "README.md").read_text(), f"the README never mentions `buurtscan {name}`"
    assert f"## buurtscan {name}\n" in (ROOT / "docs" / "cli.md").read_text()


def test_global_options_have_help():
    for param in GROUP.params:
        if param.name != "help":
            assert param.help, param.name
