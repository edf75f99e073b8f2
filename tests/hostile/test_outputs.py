"""Output failures and user templates (issue 15, items 5, 8 and 10): one line, the rest still written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from buurtscan.cache import Cache
from buurtscan.actions.render import RENDERS_FILE, recorded

from .conftest import ROOT, assert_clean, env_for, run

CODE = "BU05183620"


def render_args(out: Path, *extra: str) -> list[str]:
    return ["render", CODE, "--format", "md,html", "--out", str(out), *extra]


def test_out_is_a_file_not_a_folder(filled, tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    proc = run(render_args(out), env_for(filled))
    assert_clean(proc, 5, "cannot be created")


def test_full_disk_writes_the_other_outputs(filled, tmp_path):
    """A file-size limit (like a full disk) lets the small Markdown note through, not the HTML one."""
    import resource

    out = tmp_path / "out"
    out.mkdir()
    limit = 20_000

    def small_files() -> None:  # pragma: no cover - in the child
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = json.dumps(recorded(Cache(filled.cache_dir)))
    proc = subprocess.run([sys.executable, "-m", "buurtscan", "render", CODE, "--format", "html,md", "--out",
                           str(out)], capture_output=True, text=True, env=env_for(filled), cwd=ROOT,
                          stdin=subprocess.DEVNULL, timeout=120, preexec_fn=small_files)
    line = assert_clean(proc, 5, "1 of 2 files could not be written", "the other 1 were written")
    assert ".html" in line
    md = sorted(out.glob("*.md"))
    assert md and md[0].stat().st_size > 0 and str(md[0]) in proc.stdout
    assert not list(out.glob("*.html")) and not list(out.glob(".*tmp"))
    assert before is not None


def test_broken_jinja_template_is_exit_2(filled, tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "note.html.j2").write_text("<h1>{{ r.title </h1>\n{% for x in %}\n")
    proc = run(render_args(tmp_path / "out", "--templates", str(tpl)), env_for(filled))
    line = assert_clean(proc, 2, "note.html.j2", "line")
    assert "cannot be used" in line


def test_undefined_name_in_a_jinja_template_is_exit_2(filled, tmp_path):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "note.md.j2").write_text("# {{ r.no_such_field.deeper }}\n")
    proc = run(["render", CODE, "--format", "md", "--out", str(tmp_path / "out"), "--templates", str(tpl)],
               env_for(filled))
    assert_clean(proc, 2, "cannot be used")


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken", b""])
def test_broken_note_docx_is_exit_2(filled, tmp_path, content):
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "note.docx").write_bytes(content)
    proc = run(["render", CODE, "--format", "docx", "--out", str(tmp_path / "out"), "--templates", str(tpl)],
               env_for(filled))
    assert_clean(proc, 2, "note.docx")


def test_a_long_message_stays_one_line(filled):
    code = "BU" + "1" * 5000 + "\n" + "2" * 100
    proc = run(["show", code], env_for(filled))
    assert_clean(proc, 2)


def test_concurrent_renders_keep_every_record(filled, tmp_path):
    """Two processes record 12 renders each at the same time: all 24 stay in renders.json."""
    script = """
import sys
from pathlib import Path
from buurtscan.cache import Cache
from buurtscan.actions.render import RenderOptions, Rendered, _record
cache, who = Cache(Path(sys.argv[1])), sys.argv[2]
for i in range(12):
    code = f"BU0518{who}{i:03d}"
    _record(cache, codes=[code], gemeente=None, options=RenderOptions(out_dir=Path(sys.argv[3])),
            results=[Rendered(code, (Path(sys.argv[3]) / f"{code}.md",), 0.0)])
"""
    procs = [subprocess.Popen([sys.executable, "-c", script, str(filled.cache_dir), who, str(tmp_path / "out")],
                              env=env_for(filled), cwd=ROOT) for who in ("1", "2")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    entries = recorded(Cache(filled.cache_dir))
    codes = {c for e in entries for c in e["codes"]}
    assert {c for c in codes if c.startswith("BU05181")} == {f"BU05181{i:03d}" for i in range(12)}
    assert {c for c in codes if c.startswith("BU05182")} == {f"BU05182{i:03d}" for i in range(12)}


@pytest.mark.parametrize("content", ['{"a": 1}', "[1, null, {\"codes\": 5}]", "\xff\xfe", '[{"options": []}]'])
def test_renders_json_of_the_wrong_shape(filled, tmp_path, content):
    (filled.cache_dir / RENDERS_FILE).write_text(content, encoding="latin-1")
    assert recorded(Cache(filled.cache_dir)) == []
    from buurtscan.actions.render import RenderOptions, render

    render(filled, [CODE], options=RenderOptions(formats=("md",), out_dir=tmp_path / "out"))
    assert [e["codes"] for e in recorded(Cache(filled.cache_dir))] == [[CODE]]


def test_renders_json_of_the_wrong_shape_cli(filled, tmp_path):
    (filled.cache_dir / RENDERS_FILE).write_text('[1, null, {"codes": 5}]')
    proc = run(["render", CODE, "--format", "md", "--out", str(tmp_path / "out")], env_for(filled))
    assert_clean(proc, 0)
    assert [e["codes"] for e in recorded(Cache(filled.cache_dir))] == [[CODE]]


def test_refresh_render_replays_relative_paths_from_another_folder(hostile, filled, tmp_path):
    """render --policy/--stories/--templates/--out relative to one folder; refresh --render from another."""
    work = tmp_path / "work"
    (work / "tpl").mkdir(parents=True)
    (work / "tpl" / "note.md.j2").write_text("# Eigen sjabloon {{ r.title }}\n")
    (work / "beleid.csv").write_text("wat,waar,wanneer,domein,bron\nExtra straatverlichting,Moerwijk-Oost,2025,"
                                     "veiligheid,Gemeente Den Haag\n", encoding="utf-8")
    proc = run(["render", CODE, "--format", "md", "--out", "notes", "--templates", "tpl", "--policy", "beleid.csv"],
               env_for(filled), cwd=work)
    assert_clean(proc, 0)
    options = recorded(Cache(filled.cache_dir))[-1]["options"]
    for key in ("out_dir", "templates", "policy"):
        assert Path(options[key]).is_absolute(), (key, options[key])
    note = next((work / "notes").glob("*.md"))
    note.unlink()
    hostile.set_modified("cbs", "85984NED", "2030-01-01T02:00:00")
    try:
        elsewhere = tmp_path / "cron"
        elsewhere.mkdir()
        proc = run(["refresh", "--render", "--json"], env_for(filled, BUURTSCAN_RENDER_ROOTS=str(work)),
                   cwd=elsewhere)
    finally:
        hostile.set_modified("cbs", "85984NED", "2025-03-27T02:00:00")
    report = json.loads(proc.stdout)
    assert report["render_errors"] == [], report
    assert note.read_text(encoding="utf-8").startswith("# Eigen sjabloon Buurtscan Moerwijk-Oost")


def test_refresh_render_always_ends_with_summary_and_json(hostile, filled, tmp_path):
    """A broken template and a vanished out folder: both reported, the summary and --json still come."""
    good_out, gone_out = tmp_path / "good", tmp_path / "gone"
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "note.md.j2").write_text("# {{ r.title }}\n")
    assert_clean(run(["render", CODE, "--format", "md", "--out", str(good_out), "--templates", str(tpl)],
                     env_for(filled)), 0)
    assert_clean(run(["render", CODE, "--format", "html", "--out", str(gone_out)], env_for(filled)), 0)
    (tpl / "note.md.j2").write_text("# {{ r.title \n")  # broken after it was recorded
    for f in gone_out.iterdir():
        f.unlink()
    gone_out.rmdir()
    gone_out.write_text("now a file")
    hostile.set_modified("cbs", "85984NED", "2030-01-01T02:00:00")
    try:
        roots = env_for(filled, BUURTSCAN_RENDER_ROOTS=str(tmp_path))
        proc = run(["refresh", "--render", "--json"], roots)
        text = run(["refresh", "--render"], roots)
    finally:
        hostile.set_modified("cbs", "85984NED", "2025-03-27T02:00:00")
    assert "Traceback" not in proc.stderr
    report = json.loads(proc.stdout)
    assert report["exit_code"] == 1 == proc.returncode
    assert len(report["render_errors"]) == 2, report
    assert any("cannot be used" in e for e in report["render_errors"])
    assert any("not a folder" in e for e in report["render_errors"])
    assert "render errors" in report["summary"]
    assert "Traceback" not in text.stderr and text.stdout.strip().splitlines()[-1].split(" ", 1)[-1].startswith(
        "refresh:")


# ------------------------------------------------------------------ renders.json paths are confined

def _outside_entry(root: Path, outside: Path, how: str) -> tuple[str, str]:
    """(option key, recorded value) of a renders.json entry that points out of ``root``."""
    (outside / "out").mkdir(parents=True, exist_ok=True)
    (outside / "beleid.csv").write_text("wat,waar,wanneer,domein,bron\nGeheim,Moerwijk-Oost,2025,wonen,X\n")
    if how == "absolute":
        return "policy", "/etc/passwd"
    if how == "dotdot":
        return "stories", str(root / ".." / outside.name / "beleid.csv")
    if how == "symlink":
        (root / "tpl").symlink_to(outside, target_is_directory=True)
        return "templates", str(root / "tpl")
    if how == "relative":
        return "policy", "beleid.csv"
    return "out_dir", str(outside / "out")  # writing elsewhere on the say-so of renders.json


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "relative", "out_dir"])
def test_refresh_render_refuses_recorded_paths_outside_the_render_roots(hostile, filled, tmp_path, how):
    """One entry of renders.json points outside render_roots: one line and exit 1 for it, the other renders."""
    root, outside = tmp_path / "project", tmp_path / "elders"
    (root / "notes").mkdir(parents=True)
    outside.mkdir()
    assert_clean(run(["render", CODE, "--format", "md", "--out", str(root / "notes")], env_for(filled)), 0)
    note = next((root / "notes").glob("*.md"))
    note.unlink()
    key, value = _outside_entry(root, outside, how)
    path = filled.cache_dir / RENDERS_FILE
    entries = json.loads(path.read_text())
    bad = json.loads(json.dumps(entries[-1]))
    bad["options"].update({key: value, "out_dir": bad["options"]["out_dir"] if key != "out_dir" else value})
    path.write_text(json.dumps([*entries, bad]))
    hostile.set_modified("cbs", "85984NED", "2030-01-01T02:00:00")
    try:
        proc = run(["refresh", "--render", "--json"], env_for(filled, BUURTSCAN_RENDER_ROOTS=str(root)))
    finally:
        hostile.set_modified("cbs", "85984NED", "2025-03-27T02:00:00")
    assert "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 == report["exit_code"], proc.stderr
    assert len(report["render_errors"]) == 1, report
    line = report["render_errors"][0]
    assert "\n" not in line and key.replace("_", " ") in line and "render_roots" in line, line
    assert note.exists()  # the entry inside the roots was rendered again
    assert list((outside / "out").iterdir()) == []  # nothing written outside


def test_render_roots_setting_is_checked(tmp_path):
    from buurtscan.errors import UsageError
    from buurtscan.settings import resolve

    (tmp_path / "buurtscan.toml").write_text('render_roots = ["notities", "/srv/buurtscan"]\n')
    settings = resolve(cwd=tmp_path, env={})
    assert settings.replay_roots() == ((tmp_path / "notities").resolve(), Path("/srv/buurtscan").resolve())
    assert resolve(cwd=tmp_path, env={"BUURTSCAN_RENDER_ROOTS": "/a:/b"}).render_roots == (Path("/a"), Path("/b"))
    (tmp_path / "buurtscan.toml").write_text("render_roots = 5\n")
    with pytest.raises(UsageError, match="render_roots must be a list of folders"):
        resolve(cwd=tmp_path, env={})
    (tmp_path / "buurtscan.toml").write_text("")
    assert resolve(cwd=tmp_path, env={}).replay_roots() == (Path.home().resolve(), tmp_path.resolve())
