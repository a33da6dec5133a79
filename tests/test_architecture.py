"""The layers of ``docs/architecture.md``: every polyreg module imports only from its own layer or
those below, and no import cycle runs among the modules. Imports inside functions count; those
under ``if TYPE_CHECKING:`` do not (they never run). The layer table is read from the doc."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "polyreg"
DOC = ROOT / "docs" / "architecture.md"

#: imports allowed although they run against the layers or close a cycle, with the reason
#: (``docs/architecture.md``, "Known exceptions")
EXEMPT = {
    ("polyreg.engines.auto", "polyreg.engines"): "reads the ENGINES registry, which lists auto",
    ("polyreg.engines.homog", "polyreg.engines"): "reads the ENGINES registry, which lists homog",
}


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its ``__init__.py``)."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _runtime_nodes(tree: ast.AST) -> list[ast.stmt]:
    """The import statements that run, not those under ``if TYPE_CHECKING:``."""
    found: list[ast.stmt] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    visit_one(sub)
                continue
            visit_one(child)

    def visit_one(node: ast.AST) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        visit(node)

    visit(tree)
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The polyreg modules that module ``name`` imports (``from pkg import mod`` names ``mod``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def owner(dotted: str) -> str:
        while dotted not in known and "." in dotted:
            dotted = dotted.rpartition(".")[0]
        return dotted

    out = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(owner(a.name) for a in node.names if a.name.split(".")[0] == "polyreg")
            continue
        assert isinstance(node, ast.ImportFrom)
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        if target.split(".")[0] != "polyreg":
            continue
        for alias in node.names:
            full = f"{target}.{alias.name}"
            out.add(full if full in known else owner(target))
    out.discard(name)
    return out


def layer_table() -> dict[str, int]:
    """``{module or package: layer}`` from the table of ``docs/architecture.md``."""
    table = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|[^|]*\|(.*)\|\s*$", line)
        if m:
            for name in re.findall(r"`([\w.]+)`", m.group(2)):
                table[name] = int(m.group(1))
    return table


def layer_of(name: str, table: dict[str, int]) -> int | None:
    """The layer of a module: its own row or its package's; a shim of ``polyreg._moved`` takes
    the layer of the module it hands over."""
    from polyreg._moved import MOVED

    name = MOVED.get(name, name)
    while True:
        if name in table:
            return table[name]
        if "." not in name:
            return None
        name = name.rpartition(".")[0]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def test_every_module_has_a_layer(graph):
    table = layer_table()
    assert len(table) > 20, "the layer table of docs/architecture.md was not found"
    missing = [m for m in graph if m != "polyreg" and layer_of(m, table) is None]
    assert missing == [], f"add these modules to the layer table of docs/architecture.md: {missing}"
    unknown = [m for m in table if m not in graph]
    assert unknown == [], f"the layer table names modules that do not exist: {unknown}"


def test_no_import_runs_up_the_layers(graph):
    table = layer_table()
    upward = []
    for name, deps in graph.items():
        if name == "polyreg":  # the facade: names the public API, imports it on first use
            continue
        mine = layer_of(name, table)
        for dep in deps:
            if dep == "polyreg" or (name, dep) in EXEMPT:  # polyreg.__version__
                continue
            theirs = layer_of(dep, table)
            if theirs is not None and mine is not None and theirs > mine:
                upward.append(f"{name} (layer {mine}) imports {dep} (layer {theirs})")
    assert upward == []


def test_no_import_cycle(graph):
    edges = {
        name: {d for d in deps if d != "polyreg" and (name, d) not in EXEMPT}
        for name, deps in graph.items() if name != "polyreg"
    }
    # Tarjan's strongly connected components; a component of more than one module is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in edges:
                continue
            if w not in index:
                connect(w)
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
                cycles.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    assert cycles == []


def test_the_checker_sees_lazy_imports_and_cycles(tmp_path):
    """The reader counts an import inside a function and skips ``if TYPE_CHECKING:``."""
    pkg = tmp_path / "polyreg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from typing import TYPE_CHECKING\n"
                              "if TYPE_CHECKING:\n    from . import c\n"
                              "def f():\n    from .b import g\n    return g\n")
    (pkg / "b.py").write_text("from .a import f\ndef g():\n    return f\n")
    (pkg / "c.py").write_text("")
    known = {"polyreg": pkg / "__init__.py", "polyreg.a": pkg / "a.py", "polyreg.b": pkg / "b.py",
             "polyreg.c": pkg / "c.py"}
    assert imports_of("polyreg.a", pkg / "a.py", known) == {"polyreg.b"}
    assert imports_of("polyreg.b", pkg / "b.py", known) == {"polyreg.a"}
