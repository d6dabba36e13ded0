"""The shape of the package: no module over 450 lines, no import cycles.

Modules are found by walking the package's source files; imports (at module level and
inside functions, where lazy imports hide cycles) are read from their syntax trees.
``from . import name`` of a submodule is an arrow to that submodule, ``from .x import
y`` an arrow to ``x``; a package's ``__init__`` is the module named after the package.
"""

import ast
from pathlib import Path

import pytest

import sklearn_brainmap

ROOT = Path(sklearn_brainmap.__file__).parent
PACKAGE = "sklearn_brainmap"
MAX_LINES = 450


def _modules():
    """``{module name: path}`` of every source file of the package."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(module, path, node):
    """The package modules an import statement of ``module`` reaches."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == PACKAGE]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if node.level:
        base = package.split(".")
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != PACKAGE:
        return []
    reached = []
    for alias in node.names:  # `from pkg import submodule` reaches the submodule
        sub = f"{target}.{alias.name}"
        reached.append(sub if sub in MODULES else target)
    return reached


def _graph():
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                targets.update(t for t in _resolve(module, path, node)
                               if t in MODULES and t != module)
        graph[module] = targets
    return graph


def _cycles(graph):
    """Every strongly connected component with more than one module (Tarjan)."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def test_the_walk_finds_the_modules_and_their_imports():
    graph = _graph()
    assert len(MODULES) > 50
    # the two stages of ridge, and the Dask path that maps them
    assert "sklearn_brainmap.linear_model._ridge_stages" in graph[
        "sklearn_brainmap.linear_model._ridge"]
    assert "sklearn_brainmap.linear_model._ridge_dask" in graph[
        "sklearn_brainmap.linear_model._ridge"]  # a lazy import, inside fit
    # the checker sees a cycle when there is one
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    assert _cycles(_graph()) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_over_450_lines(module):
    n_lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert n_lines <= MAX_LINES, (
        f"{module} has {n_lines} lines: split it by concept (at most {MAX_LINES}).")
