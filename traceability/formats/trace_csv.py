"""A trace as a sortable CSV: one row per tracking event (receipt or transformation), FSMA 204 style."""

from __future__ import annotations

import csv
import io
from typing import Any

import networkx as nx

from traceability.formats import csv_cells

__all__ = ["COLUMNS", "dump", "rows"]

COLUMNS = (
    "event",
    "date",
    "lot_code",
    "product",
    "quantity",
    "unit",
    "location",
    "source",
    "reference_document",
    "business",
)


def rows(graph: nx.DiGraph[str]) -> list[dict[str, Any]]:
    """Return the tracking events of `graph`, sorted by date, then event, then lot code.

    A receipt gives one row for the lot received; a transformation gives one row per input used and one per
    output produced.

    Examples
    --------
    >>> import datetime as dt
    >>> G = nx.DiGraph()
    >>> G.add_node("supplier:1", type="supplier", name="RPH Batam")
    >>> G.add_node("material:1", type="material", name="Daging sapi")
    >>> G.add_node("lot:1", type="lot", lot_code="D1", quantity=5, unit="kg", received_on=dt.date(2025, 1, 2),
    ...            business=1)
    >>> G.add_edge("supplier:1", "lot:1", kind="supplied"); G.add_edge("material:1", "lot:1", kind="instance_of")
    >>> rows(G)[0]["source"], rows(G)[0]["product"]
    ('RPH Batam', 'Daging sapi')
    """
    out: list[dict[str, Any]] = []
    nodes = graph.nodes
    for node, data in graph.nodes(data=True):
        preds = {p.split(":")[0]: p for p in graph.predecessors(node)}
        if data.get("type") == "lot":
            cert = nodes[preds["certificate"]].get("number") if "certificate" in preds else None
            out.append(
                {
                    "event": "receiving",
                    "date": data["received_on"].isoformat(),
                    "lot_code": data["lot_code"],
                    "product": nodes[preds["material"]].get("name") if "material" in preds else None,
                    "quantity": data["quantity"],
                    "unit": data["unit"],
                    "location": None,
                    "source": nodes[preds["supplier"]].get("name") if "supplier" in preds else None,
                    "reference_document": cert,
                    "business": data["business"],
                }
            )
        elif data.get("type") == "step":
            where = nodes[preds["facility"]].get("name") if "facility" in preds else None
            base = {
                "date": data["performed_on"].isoformat(),
                "location": where,
                "business": data["business"],
                "reference_document": f"step {node.split(':')[1]}: {data['name']}",
            }
            for source in graph.predecessors(node):
                edge = graph.edges[source, node]
                if edge["kind"] != "used":
                    continue
                src = nodes[source]
                name = src.get("product_name") or next(
                    (nodes[p].get("name") for p in graph.predecessors(source) if p.startswith("material:")), None
                )
                out.append(
                    {
                        **base,
                        "event": "transformation_input",
                        "lot_code": src.get("lot_code"),
                        "product": name,
                        "quantity": edge.get("quantity"),
                        "unit": edge.get("unit"),
                        "source": None,
                    }
                )
            for output in graph.successors(node):
                out.append(
                    {
                        **base,
                        "event": "transformation_output",
                        "lot_code": nodes[output]["lot_code"],
                        "product": nodes[output].get("product_name"),
                        "quantity": None,
                        "unit": None,
                        "source": None,
                    }
                )
    out.sort(key=lambda r: (r["date"], r["event"], r["lot_code"] or ""))
    return out


def dump(graph: nx.DiGraph[str]) -> str:
    """Return the tracking events of `graph` as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_cells.record(r) for r in rows(graph))
    return buffer.getvalue()
