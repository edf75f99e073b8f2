"""How a command's process ends (buurtscan.process): the exit status Python would give, the
atexit handlers run, stdout and stderr flushed, a traceback for a real error; and the garbage
collector's threshold the CLI sets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from buurtscan.process import GC_THRESHOLD, exit_code
from tests.paths import ROOT

PROGRAM = """
import atexit, sys
from buurtscan.process import run_and_exit
atexit.register(lambda: open(sys.argv[2], "w").write("atexit ran"))
def command():
    print("buffered", end="")  # no newline: only a flush writes it to a file or pipe
    print("to stderr", file=sys.stderr, end="")
    how = sys.argv[1]
    if how == "error":
        raise RuntimeError("a bug")
    if how != "return":
        raise SystemExit(int(how) if how.isdigit() else how)
run_and_exit(command)
"""


def _run(how: str, tmp_path) -> tuple[subprocess.CompletedProcess, str]:
    marker = tmp_path / "marker.txt"
    proc = subprocess.run([sys.executable, "-c", PROGRAM, how, str(marker)], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}, check=False)
    return proc, marker.read_text() if marker.exists() else ""


@pytest.mark.parametrize(("how", "code"), [("return", 0), ("0", 0), ("2", 2), ("4", 4), ("a message", 1)])
def test_the_exit_status_is_pythons_and_nothing_is_lost(tmp_path, how, code):
    proc, marker = _run(how, tmp_path)
    assert proc.returncode == code
    assert proc.stdout == "buffered" and proc.stderr.startswith("to stderr")
    assert marker == "atexit ran"
    if how == "a message":
        assert proc.stderr.endswith("a message\n")


def test_a_bug_still_ends_with_its_traceback(tmp_path):
    proc, marker = _run("error", tmp_path)
    assert proc.returncode == 1 and "RuntimeError: a bug" in proc.stderr and "Traceback" in proc.stderr
    assert marker == "atexit ran"


def test_exit_code_maps_like_python():
    assert [exit_code(None), exit_code(0), exit_code(3)] == [0, 0, 3]


def test_the_cli_collects_garbage_less_often(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import gc, buurtscan.process as p; p.tune(); print(gc.get_threshold())"],
                          capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    assert proc.stdout.strip() == str(GC_THRESHOLD)
