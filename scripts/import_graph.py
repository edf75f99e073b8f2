"""The shape of src/buurtscan in numbers: modules, largest files, import arrows, cycles.

    python scripts/import_graph.py [SRC_DIR] [--json] [--edges]

SRC_DIR defaults to src/buurtscan next to this script (give another checkout's to compare, e.g.
one made with `git archive <commit> src | tar -x -C /tmp/before`). An *import arrow* is one
ordered pair of buurtscan modules (A imports B, once however often), from `import buurtscan.x`,
`from buurtscan.x import …` or a relative import, anywhere in A except under ``if TYPE_CHECKING:``
(those never run); *top-level* arrows leave out the imports inside functions (the lazy ones that
keep `--help` fast). An import of a package counts
as an arrow to its ``__init__``; ``from pkg import sub`` to the submodule. Cycles are the strongly
connected components (more than one module) of the graph. Standard library only.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

PACKAGE = "buurtscan"


def modules(src: Path) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under ``src`` (the package folder)."""
    out = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is or lies in."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def arrows(known: dict[str, Path]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(all arrows, top-level arrows) between buurtscan modules."""
    every: set[tuple[str, str]] = set()
    top: set[tuple[str, str]] = set()
    for mod, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_pkg = path.name == "__init__.py"
        in_function = {id(inner) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
                       for inner in ast.walk(fn)}
        for_types = {id(inner) for block in ast.walk(tree) if isinstance(block, ast.If) and _type_checking(block.test)
                     for inner in ast.walk(block)}  # `if TYPE_CHECKING:` imports never run
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
            if id(node) in for_types:
                continue
            for target in targets:
                if target.split(".")[0] != PACKAGE:
                    continue
                dest = _resolve(target, known)
                if dest and dest != mod:
                    every.add((mod, dest))
                    if id(node) not in in_function:
                        top.add((mod, dest))
    return every, top


def cycles(nodes: list[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    graph: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        graph[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        top = stack.pop()
                        on.discard(top)
                        comp.append(top)
                        if top == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on.add(child)
                work.append((child, iter(graph[child])))
            elif child in on:
                low[node] = min(low[node], index[child])
    return found


def measure(src: Path) -> dict[str, object]:
    known = modules(src)
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in known.items()}
    every, top = arrows(known)
    largest = sorted(lines.items(), key=lambda kv: -kv[1])[:5]
    return {
        "src": str(src),
        "modules": len(known),
        "lines": sum(lines.values()),
        "largest": [{"module": m, "lines": n} for m, n in largest],
        "over_500_lines": [m for m, n in lines.items() if n > 500],
        "arrows": len(every),
        "top_level_arrows": len(top),
        "cycles": cycles(list(known), every),
        "top_level_cycles": cycles(list(known), top),
        "edges": sorted(every),
    }


def main(argv: list[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    src = Path(args[0]) if args else Path(__file__).resolve().parents[1] / "src" / PACKAGE
    result = measure(src)
    if "--json" in argv:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['src']}: {result['modules']} modules, {result['lines']:,} lines")
    print("largest: " + ", ".join(f"{d['module']} ({d['lines']})" for d in result["largest"]))  # type: ignore[attr-defined]
    print(f"over 500 lines: {', '.join(result['over_500_lines']) or 'none'}")  # type: ignore[arg-type]
    print(f"import arrows: {result['arrows']} ({result['top_level_arrows']} at top level)")
    print(f"cycles: {result['cycles'] or 'none'}; at top level: {result['top_level_cycles'] or 'none'}")
    if "--edges" in argv:
        for a, b in result["edges"]:  # type: ignore[attr-defined]
            print(f"  {a} -> {b}")


if __name__ == "__main__":
    main(sys.argv[1:])
