"""The graph layer's import graph: no cycles, and the core reaches the FalkorDB adapter only
through ``pipeline.graphdb.server`` (the engine factory)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "pipeline.graphdb"
ADAPTER = f"{PACKAGE}.falkordb"
FACTORY = f"{PACKAGE}.server"


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``tree`` imports anywhere (inside functions too), except
    under ``if TYPE_CHECKING:``; ``from package import name`` counts the submodule ``name``."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
        stack.extend(ast.iter_child_nodes(node))
    return found & modules


def import_graph(root: Path, package: str) -> nx.DiGraph:
    """Module → imported module, among the modules of ``package`` under ``root``."""
    base = root.joinpath(*package.split("."))
    paths = {_module_name(p, root): p for p in sorted(base.rglob("*.py"))}
    graph = nx.DiGraph()
    graph.add_nodes_from(paths)
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph.add_edges_from(
            (name, target) for target in _imports(tree, set(paths)) if target != name
        )
    return graph


def test_import_graph_finds_a_cycle_through_a_lazy_import(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
    )
    graph = import_graph(tmp_path, "pkg")
    assert sorted(map(sorted, nx.simple_cycles(graph))) == [["pkg.a", "pkg.b"]]
    assert not graph.has_edge("pkg.c", "pkg.a")


def test_graphdb_has_no_import_cycles():
    graph = import_graph(ROOT, PACKAGE)
    assert graph.number_of_edges() > 20  # the graph was read
    assert list(nx.simple_cycles(graph)) == []


def test_core_reaches_the_falkordb_adapter_only_through_the_factory():
    graph = import_graph(ROOT, PACKAGE)
    adapter = {m for m in graph if m == ADAPTER or m.startswith(ADAPTER + ".")}
    importers = {
        source for source, target in graph.edges if target in adapter and source not in adapter
    }
    assert importers == {FACTORY}
    # and the adapter never reaches back into the factory or the orchestration above it
    above = {FACTORY, f"{PACKAGE}.load", f"{PACKAGE}.background"}
    assert not {target for source, target in graph.edges if source in adapter} & above
