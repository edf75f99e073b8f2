"""Typer's value checks without pydantic (cliparams.py) give what typer's own adapters give."""

import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer import _coercion
from typer.testing import CliRunner

from buurtscan.cli import app
from buurtscan.cliparams import _NO, plain_value

ROOT = Path(__file__).resolve().parents[1]
COMMAND = typer.main.get_command(app)
PARAMS = [(name, p) for name, sub in [("", COMMAND), *COMMAND.commands.items()] for p in sub.params]
VALUES = ["5", "0", "1", "100", "101", "-3", "007", "5.0", " 5", "x", "", "BU05183620", "out", "/tmp/x",
          5, 0, 101, True, False, ["a", "b"], ("BU05183620",), [], Path("out")]


def test_every_parameter_of_every_command_is_covered():
    annotations = {repr(p.type_descriptor.annotation) for _, p in PARAMS}
    assert annotations <= {"<class 'str'>", "<class 'int'>", "<class 'bool'>", "<class 'pathlib.Path'>",
                           "list[str]"}, annotations


@pytest.mark.parametrize(("name", "param"), PARAMS, ids=[f"{n}:{p.name}" for n, p in PARAMS])
def test_a_plain_value_is_what_typers_adapter_makes_of_it(name, param):
    desc = param.type_descriptor
    adapter = _coercion.build_runtime_param(desc)  # typer's own, with pydantic (only typer.core's name is replaced)
    assert type(adapter).__name__ != "PlainRuntimeParam"
    checked = 0
    for value in VALUES:
        ours = plain_value(desc.annotation, desc.parameter_info, value)
        if ours is _NO:
            continue
        assert adapter._coerce_value(value, param=param, ctx=None) == ours, (name, param.name, value)
        checked += 1
    assert checked or desc.annotation is Path  # paths go through typer's own coerce_cli_path


@pytest.mark.parametrize(("args", "message"), [
    (["render", "BU05183620", "--jobs", "0"], "Input should be greater than or equal to 1"),
    (["render", "BU05183620", "--jobs", "x"], "unable to parse string as an integer"),
    (["show", "BU05183620", "--similar-k", "101"], "Input should be less than or equal to 100"),
    (["find", "--limit", "5.5", "x"], "Invalid value for '--limit'"),
])
def test_a_bad_value_gets_typers_own_message(args, message):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_command_runs_without_importing_pydantic():
    code = ("import sys; sys.argv = ['buurtscan', 'indicators', '--json']; from buurtscan.cli import app\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print('pydantic' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "False", proc.stderr
    assert '"id"' in proc.stdout
