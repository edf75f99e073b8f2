"""The format registry: one enum, one renderer per format with one signature, no branches over strings."""

import ast
import inspect
from pathlib import Path

import pytest

from buurtscan.actions import render as rendering
from buurtscan.actions.batch import Worker
from buurtscan.errors import UsageError
from buurtscan.report import formats
from buurtscan.report.formats import RENDERERS, Format, RenderInput, renderer


def test_every_format_has_one_renderer_with_one_signature():
    assert set(RENDERERS) == set(Format)
    for fmt, fn in RENDERERS.items():
        params = list(inspect.signature(fn).parameters)
        assert params == ["report", "given"], (fmt, params)
    assert renderer("md") is RENDERERS[Format.MD]
    with pytest.raises(ValueError):
        renderer("odt")


def test_format_facts():
    assert [f.value for f in Format] == ["html", "pdf", "docx", "md", "pptx", "xlsx"]
    assert {f for f in Format if f.is_note} == {Format.HTML, Format.PDF, Format.DOCX, Format.MD}
    assert Format.DOCX.user_template == "note.docx" and Format.XLSX.user_template is None
    assert rendering.parse_formats("PDF, md,pdf") == (Format.PDF, Format.MD)
    with pytest.raises(UsageError, match="Unknown format 'odt'"):
        rendering.parse_formats("pdf,odt")


def test_pdf_renderer_reuses_the_pdf_laid_out_while_fitting():
    assert RENDERERS[Format.PDF](object(), RenderInput(pdf=b"%PDF-fitted")) == b"%PDF-fitted"  # type: ignore[arg-type]


def _compares_format_strings(tree: ast.AST) -> list[str]:
    """`fmt == "pdf"`, `fmt in ("html", …)`: comparisons of a name with a format's string."""
    names = {f.value for f in Format}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            about_formats = any("fmt" in ast.unparse(s) or "format" in ast.unparse(s) for s in sides)
            for side in sides:
                values = [side] if isinstance(side, ast.Constant) else list(getattr(side, "elts", []))
                if about_formats and any(isinstance(v, ast.Constant) and v.value in names for v in values):
                    found.append(ast.unparse(node))
    return found


def test_the_check_finds_a_branch_over_format_strings():
    assert _compares_format_strings(ast.parse("if fmt == 'pdf': pass\nelif x.fmt in ('md', 'html'): pass")) == [
        "fmt == 'pdf'", "x.fmt in ('md', 'html')"]


def test_rendering_dispatches_through_the_registry_not_over_strings():
    for module in (rendering, formats, Worker):
        source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
        assert _compares_format_strings(ast.parse(source)) == [], module
