"""`render --jobs N`: a process pool writes what a sequential run writes, and one failing buurt
does not cost the others theirs (from the bundled example, offline)."""

from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from buurtscan.actions.batch import RenderFailed, cached_buurten, cached_gemeenten
from buurtscan.cli import app
from buurtscan.errors import UsageError
from buurtscan.example import example_cache
from buurtscan.actions.render import RenderOptions, render
from buurtscan.settings import Settings

CODES = ["BU05183620", "BU04890101", "BU04890102", "BU18590006"]  # three gemeenten, city and village


def _texts(folder: Path) -> dict[str, str]:
    out = {}
    for f in sorted(folder.iterdir()):
        if f.suffix == ".pdf":
            out[f.name] = "\n".join(p.extract_text() for p in PdfReader(f).pages)
        else:
            out[f.name] = f.read_text(encoding="utf-8")
    return out


def test_pool_writes_what_a_sequential_run_writes(tmp_path):
    settings = Settings(cache_dir=tmp_path / "unused")
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        results = render(settings, CODES, options=RenderOptions(formats=("html", "md", "pdf"), out_dir=out),
                         cache=example_cache(), record=False, jobs=jobs)
        assert [r.code for r in results] == CODES  # the order asked for, whichever worker finished first
        runs[jobs] = (out, [[f.name for f in r.files] for r in results])
    assert runs[1][1] == runs[2][1]
    one, two = runs[1][0], runs[2][0]
    assert len(list(one.iterdir())) == 3 * len(CODES)
    for f in one.iterdir():  # HTML and Markdown byte for byte, the PDF by its text
        if f.suffix != ".pdf":
            assert f.read_bytes() == (two / f.name).read_bytes(), f.name
    assert _texts(one) == _texts(two)


def test_cached_gemeenten_and_buurten():
    cache = example_cache()
    gemeenten = cached_gemeenten(cache)
    assert {"GM0518", "GM0489", "GM1859"} <= set(gemeenten) and gemeenten == sorted(gemeenten)
    buurten = cached_buurten(cache, "GM0489")
    assert buurten and all(b.startswith("BU0489") for b in buurten) and buurten == sorted(buurten)


def _failing_template(tmp_path: Path, code: str) -> Path:
    """A Markdown template that breaks (a Python error, not a template error) for one buurt only."""
    folder = tmp_path / "templates"
    folder.mkdir()
    folder.joinpath("note.md.j2").write_text(
        "# {{ r.title | md }}\n{% if r.code == '" + code + "' %}{{ 1 // 0 }}{% endif %}\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_buurt_is_reported_and_the_others_render(tmp_path, jobs):
    templates = _failing_template(tmp_path, "BU04890101")
    out = tmp_path / "out"
    with pytest.raises(RenderFailed) as info:
        render(Settings(cache_dir=tmp_path / "unused"), CODES[:3],
               options=RenderOptions(formats=("md",), out_dir=out, templates=templates),
               cache=example_cache(), record=False, jobs=jobs)
    assert info.value.exit_code == 1 and info.value.failed == ("BU04890101",)
    assert "1 of 3 buurten could not be rendered: BU04890101 (ZeroDivisionError" in info.value.message
    assert sorted(f.name[:10] for f in out.iterdir()) == ["BU04890102", "BU05183620"]
    assert sorted(f.name[:10] for f in info.value.written) == ["BU04890102", "BU05183620"]


def test_cli_exit_1_lists_the_written_files_and_the_failed_buurt(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")  # plain lines, as in cron
    templates = _failing_template(tmp_path, "BU04890102")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", *CODES[:3], "--example", "--format", "md", "--jobs", "2",
                                      "--templates", str(templates), "--out", str(out)])
    assert result.exit_code == 1, result.output
    printed = [line for line in result.stdout.splitlines() if line.strip()]
    assert sorted(Path(p).name[:10] for p in printed) == ["BU04890101", "BU05183620"]
    assert "BU04890102: could not be rendered (ZeroDivisionError" in result.stderr
    assert "Error: 1 of 3 buurten could not be rendered" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_template_stops_the_pool_with_exit_2(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    templates.joinpath("note.md.j2").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(UsageError, match="note.md.j2"):
        render(Settings(cache_dir=tmp_path / "unused"), CODES[:3],
               options=RenderOptions(formats=("md",), out_dir=tmp_path / "out", templates=templates),
               cache=example_cache(), record=False, jobs=2)


def test_all_cached_renders_every_cached_gemeente(tmp_path, monkeypatch):
    seen = []

    def fake_run(cache, jobs_list, **kwargs):  # what would be rendered, without rendering 500 buurten
        from buurtscan.actions.batch import BatchResult

        seen.extend(jobs_list)
        return BatchResult()

    monkeypatch.setattr("buurtscan.actions.batch.run_batch", fake_run)
    render(Settings(cache_dir=tmp_path / "unused"), all_cached=True,
           options=RenderOptions(formats=("md",), out_dir=tmp_path / "out"), cache=example_cache(), record=False)
    cache = example_cache()
    assert [j.code for j in seen] == [c for gm in cached_gemeenten(cache) for c in cached_buurten(cache, gm)]
    assert {j.gemeente for j in seen} == set(cached_gemeenten(cache))


def test_without_jobs_a_few_buurten_render_in_this_process(monkeypatch, tmp_path):
    """A worker's start costs about a dozen notes: by default, one process per PER_WORKER buurten."""
    import buurtscan.actions.batch as batch

    monkeypatch.setattr(batch, "default_jobs", lambda: 4)
    made = []

    class NoPool:
        def __init__(self, *args, max_workers, **kwargs):
            made.append(max_workers)
            raise RuntimeError("stop here")

    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)  # batch imports it when it needs a pool
    options = RenderOptions(formats=("md",), out_dir=tmp_path / "out")
    results = render(Settings(cache_dir=tmp_path / "unused"), CODES[:3], options=options, cache=example_cache(),
                     record=False)
    assert [r.code for r in results] == CODES[:3] and made == []  # 3 buurten: in this process
    with pytest.raises(RuntimeError, match="stop here"):
        render(Settings(cache_dir=tmp_path / "unused"), gemeente="GM0489", options=options, cache=example_cache(),
               record=False)
    assert made == [4]  # 62 buurten: every core
