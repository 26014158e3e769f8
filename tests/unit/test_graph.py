"""The provenance graph's pure functions: node ids, cycles, hiding other businesses, walks, JSON."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pytest

from traceability.errors import NotFoundError, ProvenanceCycleError
from traceability.graph import (
    EDGE_KINDS,
    NODE_TYPES,
    graph_json,
    hide_foreign,
    node_id,
    parse_node,
    paths_from,
    require_acyclic,
    upstream_of,
)


def chain() -> nx.DiGraph[str]:
    """material -> lot -> step -> batch -> step -> batch, with a supplier beside the lot."""
    return nx.DiGraph(
        [
            ("material:1", "lot:1"),
            ("supplier:1", "lot:1"),
            ("lot:1", "step:1"),
            ("step:1", "batch:1"),
            ("batch:1", "step:2"),
            ("step:2", "batch:2"),
        ]
    )


def test_every_edge_kind_joins_known_node_types():
    used = {kind for sources, targets in EDGE_KINDS.values() for kind in (*sources, *targets)}

    assert used <= set(NODE_TYPES)
    assert set(EDGE_KINDS) == {
        "used",
        "generated",
        "received_as",
        "instance_of",
        "supplied",
        "certifies",
        "hosted",
        "performed",
    }


@pytest.mark.parametrize(
    ("kind", "key", "expected"), [("batch", 7, "batch:7"), ("certificate", "12", "certificate:12")]
)
def test_node_id_joins_type_and_key(kind, key, expected):
    assert node_id(kind, key) == expected


def test_node_id_refuses_an_unknown_type():
    with pytest.raises(ValueError, match="unknown node type 'product'"):
        node_id("product", 1)


@pytest.mark.parametrize(("value", "expected"), [("lot:12", ("lot", 12)), ("business:1", ("business", 1))])
def test_parse_node_splits_type_and_integer_id(value, expected):
    assert parse_node(value) == expected


@pytest.mark.parametrize("value", ["lot", "lot:", "lot:0", "lot:-3", "lot:1.5", "lot:x", "product:1", ":1", ""])
def test_parse_node_refuses_anything_but_a_known_type_and_a_positive_id(value):
    with pytest.raises(NotFoundError) as raised:
        parse_node(value)

    assert raised.value.message == f"No node {value!r}."


def test_node_id_and_parse_node_are_inverse_for_every_type():
    assert [parse_node(node_id(kind, 3)) for kind in NODE_TYPES] == [(kind, 3) for kind in NODE_TYPES]


def test_require_acyclic_accepts_a_dag():
    assert require_acyclic(chain()) is None


def test_require_acyclic_names_the_cycle_in_message_and_errors():
    graph = chain()
    graph.add_edge("batch:2", "step:1")

    with pytest.raises(ProvenanceCycleError) as raised:
        require_acyclic(graph)

    message = "The provenance would form a cycle: step:1 -> batch:1 -> step:2 -> batch:2 -> step:1."
    assert raised.value.message == message
    assert raised.value.errors == {"graph": [message]}


def test_require_acyclic_catches_a_self_loop():
    with pytest.raises(ProvenanceCycleError, match=r"cycle: batch:1 -> batch:1\."):
        require_acyclic(nx.DiGraph([("batch:1", "batch:1")]))


def foreign_graph() -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node("business:1", type="business", name="Rendang Bundo", nib="1208230044517")
    graph.add_node(
        "batch:1",
        type="batch",
        business=2,
        business_name="Otak-Otak Cik Ani",
        lot_code="OO-1",
        produced_on=dt.date(2025, 11, 1),
        product_name="Otak-otak",
        gtin=None,
        released=True,
    )
    graph.add_node("step:1", type="step", business=2, name="Kukus", performed_on=dt.date(2025, 11, 1))
    graph.add_node("lot:1", type="lot", business=2, lot_code="IK-1", quantity=3)
    graph.add_node("material:1", type="material", business=2, name="Ikan tenggiri")
    graph.add_node("supplier:1", type="supplier", business=2, name="Pasar Ikan")
    graph.add_node("certificate:1", type="certificate", business=2, number="ID123")
    graph.add_node("facility:1", type="facility", business=2, name="Dapur")
    graph.add_node("lot:2", type="lot", business=1, lot_code="OWN-1")
    graph.add_edges_from(
        [
            ("material:1", "lot:1"),
            ("supplier:1", "lot:1"),
            ("certificate:1", "lot:1"),
            ("lot:1", "step:1"),
            ("facility:1", "step:1"),
            ("step:1", "batch:1"),
            ("batch:1", "lot:2"),
        ]
    )
    return graph


def test_hide_foreign_keeps_a_summary_of_batches_steps_and_lots_and_removes_the_rest():
    graph = foreign_graph()

    hide_foreign(graph, lambda business: business == 1)

    assert dict(graph.nodes(data=True)) == {
        "business:1": {"type": "business", "name": "Rendang Bundo", "nib": "1208230044517"},
        "batch:1": {
            "type": "batch",
            "business": 2,
            "business_name": "Otak-Otak Cik Ani",
            "lot_code": "OO-1",
            "produced_on": dt.date(2025, 11, 1),
            "product_name": "Otak-otak",
            "gtin": None,
            "summary": True,
        },
        "step:1": {"type": "step", "business": 2, "summary": True},
        "lot:1": {"type": "lot", "business": 2, "summary": True},
        "lot:2": {"type": "lot", "business": 1, "lot_code": "OWN-1"},
    }
    assert sorted(graph.edges) == [("batch:1", "lot:2"), ("lot:1", "step:1"), ("step:1", "batch:1")]


def test_hide_foreign_changes_nothing_the_caller_may_read():
    graph = foreign_graph()
    before = dict(graph.nodes(data=True))

    hide_foreign(graph, lambda business: True)

    assert dict(graph.nodes(data=True)) == before


def test_hide_foreign_asks_about_each_business_it_meets():
    asked: list[int] = []

    hide_foreign(foreign_graph(), lambda business: asked.append(business) or False)

    assert sorted(set(asked)) == [1, 2]


def test_upstream_of_is_every_ancestor_but_the_node_itself():
    assert upstream_of(chain(), "batch:2") == {"step:2", "batch:1", "step:1", "lot:1", "material:1", "supplier:1"}
    assert upstream_of(chain(), "material:1") == set()


def test_upstream_of_an_unknown_node_is_not_found():
    with pytest.raises(NotFoundError) as raised:
        upstream_of(chain(), "batch:9")

    assert raised.value.message == "No node 'batch:9' in this graph."


def test_paths_from_run_upstream_from_the_root_to_each_cause():
    paths = paths_from(chain(), "batch:2", ["supplier:1", "batch:1", "batch:2", "lot:9"])

    assert paths == {
        "supplier:1": ["batch:2", "step:2", "batch:1", "step:1", "lot:1", "supplier:1"],
        "batch:1": ["batch:2", "step:2", "batch:1"],
        "batch:2": ["batch:2"],
    }


def test_paths_from_run_downstream_when_asked():
    assert paths_from(chain(), "lot:1", ["batch:2", "material:1"], upstream=False) == {
        "batch:2": ["lot:1", "step:1", "batch:1", "step:2", "batch:2"]
    }


def test_graph_json_sorts_nodes_and_edges_and_turns_dates_into_text():
    graph = nx.DiGraph()
    graph.add_node("step:1", type="step", performed_on=dt.date(2025, 11, 18), tags=("a", dt.date(2025, 1, 2)))
    graph.add_node("batch:1", type="batch", extra={"at": dt.datetime(2025, 11, 18, 8, 0, tzinfo=dt.UTC)})
    graph.add_node("lot:1", type="lot")
    graph.add_edge("step:1", "batch:1", kind="generated")
    graph.add_edge("lot:1", "step:1", kind="used", quantity=2)

    assert graph_json(graph, "batch:1") == {
        "root": "batch:1",
        "nodes": [
            {"id": "batch:1", "type": "batch", "extra": {"at": "2025-11-18T08:00:00+00:00"}},
            {"id": "lot:1", "type": "lot"},
            {"id": "step:1", "type": "step", "performed_on": "2025-11-18", "tags": ["a", "2025-01-02"]},
        ],
        "edges": [
            {"source": "lot:1", "target": "step:1", "kind": "used", "quantity": 2},
            {"source": "step:1", "target": "batch:1", "kind": "generated"},
        ],
        "paths": {
            "batch:1": ["batch:1"],
            "lot:1": ["batch:1", "step:1", "lot:1"],
            "step:1": ["batch:1", "step:1"],
        },
    }


def test_graph_json_of_a_root_outside_the_graph_has_no_paths():
    body = graph_json(chain(), "batch:9")

    assert body["paths"] == {}
    assert len(body["nodes"]) == 7


def test_graph_json_downstream_paths_run_forward():
    assert graph_json(chain(), "step:2", upstream=False)["paths"] == {
        "batch:2": ["step:2", "batch:2"],
        "step:2": ["step:2"],
    }
