"""The provenance drawing: layered left to right, deterministic, coloured by severity, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx

from traceability.drawing import svg
from traceability.vocabulary import Severity

NS = {"s": "http://www.w3.org/2000/svg"}


def _graph() -> nx.DiGraph[str]:
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_node("material:1", type="material", name="Gelatin <sapi>")
    g.add_node("supplier:2", type="supplier", name="PT Contoh")
    g.add_node("lot:3", type="lot", lot_code="GEL-01")
    g.add_node("step:4", type="step", name="Masak")
    g.add_node("batch:5", type="batch", lot_code="B-1")
    g.add_edges_from([("material:1", "lot:3"), ("supplier:2", "lot:3"), ("lot:3", "step:4"), ("step:4", "batch:5")])
    return g


def _nodes(document: str) -> dict[str, ET.Element]:
    root = ET.fromstring(document)
    return {g.get("data-node", ""): g for g in root.iterfind(".//s:g", NS)}


def test_each_node_is_drawn_once_with_its_worst_severity():
    nodes = _nodes(svg(_graph(), {"material:1": Severity.NEEDS_EVIDENCE}, title="t"))

    assert set(nodes) == {"material:1", "supplier:2", "lot:3", "step:4", "batch:5"}
    assert nodes["material:1"].get("class") == "node sev-needs_evidence"
    assert nodes["batch:5"].get("data-severity") == "ok"


def test_causes_are_left_of_their_effects():
    nodes = _nodes(svg(_graph(), {}))
    x = {n: float(g.find("s:rect", NS).get("x")) for n, g in nodes.items()}

    assert x["material:1"] == x["supplier:2"] < x["lot:3"] < x["step:4"] < x["batch:5"]


def test_the_drawing_is_deterministic_and_escapes_labels():
    first, second = svg(_graph(), {}), svg(_graph(), {})

    assert first == second
    assert "Gelatin &lt;sapi&gt;" in first
    ET.fromstring(first)  # well-formed XML


def _market(lots: int) -> nx.DiGraph[str]:
    g = _graph()
    for i in range(lots):
        g.add_node(f"lot:{100 + i}", type="lot", lot_code=f"CB-{i:02d}")
        g.add_edges_from(
            [("supplier:2", f"lot:{100 + i}"), ("material:1", f"lot:{100 + i}"), (f"lot:{100 + i}", "step:4")]
        )
    return g


def test_a_large_graph_folds_a_suppliers_many_lots_and_a_small_one_does_not():
    from traceability.drawing import fold_lots

    assert fold_lots(_market(2)) == {}
    folds = fold_lots(_market(70))

    assert list(folds) == ["fold:supplier:2"]
    assert len(folds["fold:supplier:2"]) == 71  # lot:3 and the seventy others


def test_a_fold_is_one_node_with_its_members_hidden_after_it_in_its_column():
    from traceability.drawing import fold_lots, folded

    g = _market(70)
    folds = fold_lots(g)
    nodes = _nodes(svg(g, {"lot:130": Severity.VIOLATION}, folds=folds))

    fold = nodes["fold:supplier:2"]
    assert fold.get("class") == "node fold sev-violation"  # the worst of its lots
    assert fold.get("aria-expanded") == "false"
    members = [n for n in nodes.values() if n.get("data-fold") == "fold:supplier:2"]
    assert len(members) == 71
    assert all("folded" in m.get("class", "").split() for m in members)
    assert {m.get("data-col") for m in members} == {fold.get("data-col")}
    orders = sorted(int(m.get("data-order")) for m in members)
    assert orders == list(range(int(fold.get("data-order")) + 1, int(fold.get("data-order")) + 72))
    shown = folded(g, folds)
    assert set(shown.predecessors("fold:supplier:2")) == {"supplier:2", "material:1"}
    assert set(shown.successors("fold:supplier:2")) == {"step:4"}


def test_a_fold_that_would_close_a_cycle_is_left_open():
    from traceability.drawing import folded

    g = nx.DiGraph([("supplier:1", "lot:1"), ("supplier:1", "lot:2"), ("lot:1", "step:1"), ("step:1", "batch:1")])
    g.add_edge("batch:1", "lot:2")  # lot 2 is the batch made from lot 1, bought back from the same supplier

    assert set(folded(g, {"fold:supplier:1": ["lot:1", "lot:2"]})) == set(g)
