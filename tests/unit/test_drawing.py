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
