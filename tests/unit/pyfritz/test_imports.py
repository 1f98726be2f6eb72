"""The browser framework's modules import each other one way: no cycles, hidden or not.

Every ``import`` statement counts, also one inside a function or under
``if TYPE_CHECKING:``: a lazy import hides a cycle from Python, not from the
design (DESIGN.md section 1: imports flow one way). The server and the dev
tooling are packages of their own and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pyfritz

PACKAGE = Path(pyfritz.__file__).parent
LEFT_OUT = {"server", "dev"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if LEFT_OUT & set(path.relative_to(PACKAGE).parts):
            continue
        found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports, wherever the statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            # `from . import store` imports the module pyfritz.store; the
            # package itself counts only when a name is taken from it.
            targets.update(submodules)
            if not submodules <= known:
                targets.add(base)
    return {target for target in targets if target in known and target != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (one per back edge)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_walk_sees_the_modules_and_their_imports() -> None:
    graph = _graph()
    assert "pyfritz.sync" in graph and "pyfritz.server" not in graph
    assert "pyfritz.store" in graph["pyfritz.sync"]
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]


def test_the_framework_has_no_import_cycles() -> None:
    graph = _graph()
    # The package's __init__ re-exports everything; only a module importing
    # the package itself back would close a circle through it.
    assert _cycles(graph) == []


def test_the_store_does_not_depend_on_sync() -> None:
    graph = _graph()
    assert not {name for name in graph["pyfritz.store"] if name.startswith("pyfritz.sync")}
