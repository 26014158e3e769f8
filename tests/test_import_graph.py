"""The project's modules import one another without a cycle, counting imports inside functions.

A function-level import that only dodges a cycle is still a cycle: it hides the dependency from the reader and
from import-linter's layers, so grimp's graph (which includes those imports) must have none.
"""

from __future__ import annotations

import grimp
import networkx as nx

PACKAGES = ("api", "models", "qr", "traceability")


def _import_graph(*packages: str) -> nx.DiGraph[str]:
    imports = grimp.build_graph(*packages, cache_dir=None)
    graph: nx.DiGraph[str] = nx.DiGraph()
    for module in imports.modules:
        graph.add_node(module)
        graph.add_edges_from((module, imported) for imported in imports.find_modules_directly_imported_by(module))
    return graph


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    """One cycle from each group of modules that import one another, ``[a, b, ..., a]`` from its first module."""
    found = []
    for group in nx.strongly_connected_components(graph):
        if len(group) > 1:
            cycle = [edge[0] for edge in nx.find_cycle(graph.subgraph(group), source=min(group))]
            found.append([*cycle, cycle[0]])
    return sorted(found)


def test_no_module_imports_itself_through_others():
    assert _cycles(_import_graph(*PACKAGES)) == []


def test_the_check_sees_a_cycle_hidden_inside_a_function(tmp_path, monkeypatch):
    package = tmp_path / "hidden_cycle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "app.py").write_text("from hidden_cycle import db\n")
    (package / "db.py").write_text("def late():\n    from hidden_cycle import app\n\n    return app\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert _cycles(_import_graph("hidden_cycle")) == [["hidden_cycle.app", "hidden_cycle.db", "hidden_cycle.app"]]
