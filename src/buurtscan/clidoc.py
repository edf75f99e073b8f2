"""The CLI reference (docs/cli.md), generated from the commands' own --help.

    python -m buurtscan.clidoc > docs/cli.md

A test regenerates it and fails when docs/cli.md is out of date or a command lacks help.
"""

from __future__ import annotations

import os


def commands() -> list[str]:
    import typer.main

    from .cli import app

    group = typer.main.get_command(app)
    return list(group.commands)  # type: ignore[attr-defined]


def help_text(*args: str) -> str:
    from typer.testing import CliRunner

    from .cli import app

    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "100", "TERM": "dumb"}, terminal_width=100)
    if result.exit_code != 0:
        raise RuntimeError(f"buurtscan {' '.join(args)} --help failed: {result.output}")
    return result.output.rstrip() + "\n"


def reference() -> str:
    os.environ.setdefault("COLUMNS", "100")
    parts = [
        "# buurtscan command reference\n",
        "Generated from `--help` by `python -m buurtscan.clidoc > docs/cli.md`; a test keeps it in sync.\n",
        "## buurtscan\n",
        "```text\n" + help_text() + "```\n",
    ]
    for name in commands():
        parts.append(f"## buurtscan {name}\n")
        parts.append("```text\n" + help_text(name) + "```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference(), end="")
