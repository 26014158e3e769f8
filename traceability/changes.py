"""What changed in a product's provenance since an auditor's decision.

A decision (approve, reject, request evidence) keeps a compact snapshot of the facts it was made on: each record
of the upstream graph with the few fields an auditor judges by, and each finding with its message. Comparing that
snapshot with one taken now says what was added, removed or changed, and which findings appeared or went away,
without replaying the journal. The snapshot holds names as well as ids, so a record removed since can still be
named.

Pure: a graph and findings in, plain data out.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

__all__ = [
    "KINDS",
    "SNAPSHOT_VERSION",
    "FactChange",
    "FindingChange",
    "RecordChange",
    "Changes",
    "diff",
    "snapshot",
]

SNAPSHOT_VERSION = 1

#: The kinds of record compared, in the order they are reported, and the fields compared for each.
KINDS: dict[str, tuple[str, ...]] = {
    "material": ("name", "kind", "origin", "species"),
    "supplier": ("name", "kind", "country", "nib"),
    "certificate": ("number", "issuer", "scheme", "status", "issued_on", "valid_until"),
    "lot": ("lot_code", "material", "supplier", "certificate", "quantity", "unit", "received_on"),
    "facility": ("name", "kind", "dedicated_halal"),
    "step": ("name", "process", "equipment", "facility", "inputs"),
}
_NAME_KEYS = ("name", "lot_code", "number")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _name(data: Mapping[str, Any]) -> str:
    for key in _NAME_KEYS:
        if data.get(key):
            return str(data[key])
    return ""


def _linked(graph: nx.DiGraph[str], node: str, kind: str, *, upstream: bool = True) -> list[str]:
    near = graph.predecessors(node) if upstream else graph.successors(node)
    return sorted(_name(graph.nodes[n]) or n for n in near if n.partition(":")[0] == kind)


def _record(graph: nx.DiGraph[str], node: str, kind: str) -> dict[str, Any]:
    data = graph.nodes[node]
    facts: dict[str, Any] = {}
    for key in KINDS[kind]:
        if kind == "lot" and key in ("material", "supplier", "certificate"):
            value: Any = ", ".join(_linked(graph, node, key)) or None
        elif kind == "step" and key == "facility":
            value = ", ".join(_linked(graph, node, "facility")) or None
        elif kind == "step" and key == "inputs":
            value = sorted(
                _name(graph.nodes[n]) or n for n in graph.predecessors(node) if n.partition(":")[0] in ("lot", "batch")
            )
        else:
            value = _plain(data.get(key))
        if value not in (None, "", []):
            facts[key] = value
    return {"kind": kind, "name": _name(data) or str(_plain(data.get("process")) or ""), "facts": facts}


def snapshot(graph: nx.DiGraph[str], findings: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The facts a decision is made on: the compared records of `graph` and every finding, as JSON-ready data.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("supplier:1", type="supplier", name="RPH Batam")
    >>> g.add_node("lot:2", type="lot", lot_code="DG-01")
    >>> g.add_edge("supplier:1", "lot:2")
    >>> snapshot(g, [])["records"]["lot:2"]
    {'kind': 'lot', 'name': 'DG-01', 'facts': {'lot_code': 'DG-01', 'supplier': 'RPH Batam'}}
    """
    records = {
        node: _record(graph, node, kind)
        for node in sorted(graph)
        if (kind := str(graph.nodes[node].get("type") or node.partition(":")[0])) in KINDS
    }
    names = {node: _name(data) for node, data in graph.nodes(data=True)}
    found: dict[str, Any] = {}
    for f in findings:
        subject = str(f.get("subject") or "")
        found[f"{f.get('rule')} {subject}"] = {
            "rule": f.get("rule"),
            "subject": subject,
            "subject_name": names.get(subject, ""),
            "severity": f.get("severity"),
            "message": dict(f.get("message") or {}),
        }
    return {"version": SNAPSHOT_VERSION, "records": records, "findings": found}


@dataclass(frozen=True, slots=True)
class FactChange:
    """One field of a record, before and after (None: it had no value)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record added, removed or changed; `facts` are all its facts when added or removed, else what changed."""

    change: str  # "added", "removed" or "changed"
    kind: str
    node: str
    name: str
    facts: tuple[FactChange, ...]


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding that appeared, disappeared or changed severity."""

    change: str  # "appeared", "disappeared" or "severity"
    rule: str
    subject: str
    subject_name: str
    kind: str
    severity_before: str | None
    severity_after: str | None
    message: dict[str, str]


@dataclass(frozen=True, slots=True)
class Changes:
    """Everything that differs between two snapshots; empty when nothing does."""

    records: tuple[RecordChange, ...]
    findings: tuple[FindingChange, ...]

    def __bool__(self) -> bool:
        return bool(self.records or self.findings)


def _order(item: tuple[str, Mapping[str, Any]]) -> tuple[int, str, str]:
    node, record = item
    kinds = list(KINDS)
    return (kinds.index(record["kind"]) if record["kind"] in kinds else len(kinds), str(record["name"]), node)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """What changed from snapshot `before` to snapshot `after`.

    Examples
    --------
    >>> old = {"records": {"certificate:1": {"kind": "certificate", "name": "ID1", "facts": {"status": "active"}}}}
    >>> new = {"records": {"certificate:1": {"kind": "certificate", "name": "ID1", "facts": {"status": "revoked"}}}}
    >>> diff(old, new).records[0].facts
    (FactChange(field='status', before='active', after='revoked'),)
    """
    was: Mapping[str, Any] = before.get("records") or {}
    now: Mapping[str, Any] = after.get("records") or {}
    records: list[RecordChange] = []
    for node, record in sorted({**was, **now}.items(), key=_order):
        old, new = was.get(node), now.get(node)
        if old is None or new is None:
            facts = tuple(
                FactChange(k, None if old is None else v, v if old is None else None)
                for k, v in record["facts"].items()
            )
            records.append(
                RecordChange("added" if old is None else "removed", record["kind"], node, record["name"], facts)
            )
            continue
        fields = list(dict.fromkeys([*KINDS.get(record["kind"], ()), *old["facts"], *new["facts"]]))
        changed = tuple(
            FactChange(k, old["facts"].get(k), new["facts"].get(k))
            for k in fields
            if old["facts"].get(k) != new["facts"].get(k)
        )
        if changed:
            records.append(RecordChange("changed", record["kind"], node, new["name"] or old["name"], changed))
    seen: Mapping[str, Any] = before.get("findings") or {}
    current: Mapping[str, Any] = after.get("findings") or {}
    findings: list[FindingChange] = []
    for key in sorted({*seen, *current}):
        old, new = seen.get(key), current.get(key)
        if old is not None and new is not None and old.get("severity") == new.get("severity"):
            continue
        f = new or old
        assert f is not None
        change = "appeared" if old is None else "disappeared" if new is None else "severity"
        findings.append(
            FindingChange(
                change,
                str(f.get("rule") or ""),
                str(f.get("subject") or ""),
                str(f.get("subject_name") or ""),
                str(f.get("subject") or "").partition(":")[0],
                old.get("severity") if old else None,
                new.get("severity") if new else None,
                dict(f.get("message") or {}),
            )
        )
    return Changes(tuple(records), tuple(findings))
