"""Typer's value checks without pydantic for the plain parameter types of buurtscan's commands.

Typer 0.29 checks every parameter value with a pydantic ``TypeAdapter``, built when the
command runs: importing pydantic and building the adapters of one command costs about
0.15 s, a sixth of a one-note render. buurtscan's parameters are ``str``, ``int`` (with
``min``/``max``), ``Path``, ``bool`` and ``list[str]``; for those, :func:`install` lets a
value that is already well-formed through directly (a ``str``, digits within the range, a
path, a list of ``str``) with the result typer's adapter gives. Anything else (a bad
number, a number outside its range, another type) goes to typer's own adapter, so every
error message stays typer's. Paths still get typer's own checks (``coerce_cli_path``).

With a typer that has no such adapters (older versions check values with click),
:func:`install` does nothing. ``tests/test_cliparams.py`` compares with typer's adapters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_NO = object()  # not a plain value: typer's adapter decides


def plain_value(annotation: Any, info: Any, value: Any) -> Any:  # noqa: ANN401
    """The checked value for the plain cases, else :data:`_NO`. ``info`` is typer's ParameterInfo."""
    if getattr(info, "parser", None) is not None or getattr(info, "clamp", False):
        return _NO
    if annotation is str:
        return value if type(value) is str else _NO
    if annotation is bool:
        return value if type(value) is bool else _NO
    if annotation is int:
        if type(value) is str and _INT.fullmatch(value):
            value = int(value)
        if type(value) is not int:
            return _NO
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        return _NO if (low is not None and value < low) or (high is not None and value > high) else value
    if annotation == list[str]:
        if isinstance(value, (list, tuple)) and all(type(v) is str for v in value):
            return list(value)
        return _NO
    return _NO


def install() -> None:
    """Route typer's value checks through :func:`plain_value` first (typer ≥ 0.29; else nothing)."""
    try:
        from typer import _coercion, _param_types, core
    except ImportError:  # pragma: no cover - an older typer: click checks the values
        return
    original: Any = getattr(core, "build_runtime_param", None)
    base: Any = getattr(_coercion, "RuntimeParam", None)
    coerce_path: Any = getattr(_param_types, "coerce_cli_path", None)
    if original is None or base is None or coerce_path is None or getattr(original, "_buurtscan", False):
        return

    @dataclass(frozen=True)
    class PlainRuntimeParam(base):
        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ANN401
            if self.annotation is Path and self.parameter_info.path_type is None:
                if type(value) is str and value:
                    value = Path(value)  # what pydantic makes of it; then typer's own checks
                if isinstance(value, Path):
                    return coerce_path(value, self.parameter_info, path_type=Path, param=param, ctx=ctx)
            else:
                out = plain_value(self.annotation, self.parameter_info, value)
                if out is not _NO:
                    return out
            return original(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any) -> Any:  # noqa: ANN401
        if descriptor.file_annotation is None and (
                descriptor.annotation in (str, int, bool, Path) or descriptor.annotation == list[str]):
            return PlainRuntimeParam(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation,
                                     descriptor=descriptor)
        return original(descriptor)

    build._buurtscan = True  # type: ignore[attr-defined]
    core.build_runtime_param = build
