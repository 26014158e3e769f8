"""What the rules look at: a dossier turned into a provenance graph, seen from the batches being judged.

Node ids follow DESIGN section 4 (``batch:``, ``lot:``, ``step:``, ``material:``, ``supplier:``,
``certificate:``, ``facility:``, ``business:``, plus ``product:``); edges run from cause to effect, so
everything a batch is made of is among its ancestors.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from traceability.journal import digest
from traceability.rules.reference import Reference, contains_phrase
from traceability.vocabulary import CertificateStatus, Severity

__all__ = ["Context", "Finding", "Prepared", "build_context", "dossier_graph", "prepare"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One explained finding: which rule, about what, and the graph path from the batch to it."""

    rule: str
    severity: Severity
    subject: str
    message: Mapping[str, str]
    basis: str
    path: tuple[str, ...]
    cls: str = "evidence"
    #: The rule's raw values (names, dates): what the status reason is worded from; not part of the output.
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "class": self.cls,
            "subject": self.subject,
            "message": dict(self.message),
            "basis": self.basis,
            "path": list(self.path),
        }


def dossier_graph(doc: Mapping[str, Any]) -> nx.DiGraph[str]:
    """Build the provenance graph of a loaded dossier (see module docstring for node ids)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    business = f"business:{doc['business']['nib']}"
    product = f"product:{doc['product']['id']}"
    graph.add_node(business, kind="business", record=doc["business"])
    graph.add_node(product, kind="product", record=doc["product"])
    for kind, section in (
        ("supplier", "suppliers"),
        ("certificate", "certificates"),
        ("material", "materials"),
        ("lot", "lots"),
        ("facility", "facilities"),
        ("step", "steps"),
        ("batch", "batches"),
    ):
        for item in doc[section]:
            graph.add_node(f"{kind}:{item['id']}", kind=kind, record=item)
    lot_ids = {lot["id"] for lot in doc["lots"]}

    def held(ref: str) -> str:
        return f"lot:{ref}" if ref in lot_ids else f"batch:{ref}"

    for lot in doc["lots"]:
        node = f"lot:{lot['id']}"
        graph.add_edge(f"material:{lot['material']}", node, kind="instance_of")
        graph.add_edge(f"supplier:{lot['supplier']}", node, kind="supplied")
        if lot["certificate"]:
            graph.add_edge(f"certificate:{lot['certificate']}", node, kind="certifies")
    for material in doc["materials"]:
        for used in material["made_with"]:
            graph.add_edge(f"material:{used}", f"material:{material['id']}", kind="made_with")
    for cert in doc["certificates"]:
        for covered in cert["covers"]:
            target = product if covered == doc["product"]["id"] else f"material:{covered}"
            graph.add_edge(f"certificate:{cert['id']}", target, kind="certifies")
    if doc["product"]["certificate"]:
        graph.add_edge(f"certificate:{doc['product']['certificate']}", product, kind="certifies")
    for step in doc["steps"]:
        node = f"step:{step['id']}"
        graph.add_edge(business, node, kind="performed")
        if step["facility"]:
            graph.add_edge(f"facility:{step['facility']}", node, kind="hosted")
        for used in step["inputs"]:
            graph.add_edge(held(used), node, kind="used")
        for made in step["outputs"]:
            graph.add_edge(node, f"batch:{made}", kind="generated")
    for batch in doc["batches"]:
        graph.add_edge(product, f"batch:{batch['id']}", kind="instance_of")
    for store in doc["storage"]:
        for item in store["holds"]:
            graph.add_edge(f"facility:{store['facility']}", held(item), kind="stored")
    for trip in doc["transport"]:
        for item in trip["carries"]:
            graph.add_edge(f"facility:{trip['facility']}", f"batch:{item}", kind="carried")
    return graph


@dataclass
class Context:
    """The assessment context: dossier, graph, targets, reference data and the evaluation date."""

    doc: Mapping[str, Any]
    reference: Reference
    as_of: dt.date
    graph: nx.DiGraph[str]
    targets: tuple[str, ...]
    scope: frozenset[str]
    materials: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The scope's nodes by kind, in dossier order: rules walk the judged subgraph, not the whole dossier.
    ordered: dict[str, list[str]] = field(default_factory=dict)
    #: Each certificate node's confirmation (``Confirmation.as_dict()``), from the register and auditors' checks;
    #: a certificate without one is a producer's claim. Not part of the dossier: a producer cannot state it.
    confirmations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Stored facts a node's dossier record leaves out (a step's equipment, a certificate's scan hash, the
    #: hashes of a material's evidence files): what an auditor saw beside the graph, so part of the digest.
    facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    _acceptable: dict[tuple[str, str | None, str | None], bool] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _evidence: dict[tuple[str, str], str | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    # --- records -------------------------------------------------------------------------------

    def records(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Nodes of `kind` upstream of the targets, with their (enriched) records, in dossier order."""
        for node in self.ordered.get(kind, ()):
            yield node, self.materials.get(node) or self.graph.nodes[node]["record"]

    def record(self, node: str) -> dict[str, Any]:
        return self.materials.get(node) or self.graph.nodes[node]["record"]

    @property
    def product(self) -> dict[str, Any]:
        product: dict[str, Any] = self.doc["product"]
        return product

    @property
    def product_node(self) -> str:
        return f"product:{self.product['id']}"

    @property
    def business(self) -> dict[str, Any]:
        business: dict[str, Any] = self.doc["business"]
        return business

    @property
    def business_node(self) -> str:
        return f"business:{self.business['nib']}"

    @property
    def application(self) -> dict[str, Any] | None:
        application: dict[str, Any] | None = self.doc["application"]
        return application

    def seeks_halal(self) -> bool:
        """A product under an application, or one claiming halal on its label."""
        label = self.product["label"]
        return self.application is not None or self.product["halal_claim"] or label["halal_logo"]

    # --- graph questions -----------------------------------------------------------------------

    def digest(self) -> str:
        """A digest of the judged subgraph: its nodes' records, its edges and the stored facts beside them.

        An approval holds only on this digest, so it must change with anything the rules or the auditor read:
        a swapped evidence file or a changed step equipment reopens the approval like a changed record.
        """
        nodes = sorted((n, self.record(n)) for n in self.scope)
        # The scope holds every ancestor of its nodes, so its edges are its nodes' in-edges.
        edges = sorted((a, b) for b in self.scope for a in self.graph.predecessors(b) if a in self.scope)
        body: dict[str, Any] = {"nodes": nodes, "edges": edges}
        # Only nodes with a fact: a graph with none keeps the digest its approval was made on.
        facts = sorted((n, dict(f)) for n in self.scope if (f := self.facts.get(n)))
        if facts:
            body["facts"] = facts
        return digest(body)

    def path(self, node: str) -> tuple[str, ...]:
        """The shortest path from a judged batch up to `node`, batch first."""
        best: list[str] | None = None
        reverse = self.graph.reverse(copy=False)
        for target in self.targets:
            try:
                found = nx.shortest_path(reverse, target, node)
            except (nx.NetworkXNoPath, nx.NodeNotFound):
                continue
            if best is None or len(found) < len(best):
                best = found
        return tuple(best) if best else (self.targets[0], node)

    def lots_of(self, material: str) -> list[str]:
        return [n for n in self.graph.successors(material) if n.startswith("lot:") and n in self.scope]

    def certificate_of(self, lot: str) -> str | None:
        cert = self.record(lot)["certificate"]
        return f"certificate:{cert}" if cert else None

    def use_dates(self, node: str) -> list[dt.date]:
        """The dates of the steps (in scope) that consumed a lot or batch."""
        return self._use_dates.get(node, [])

    @functools.cached_property
    def _use_dates(self) -> dict[str, list[dt.date]]:
        # From the judged steps to what they consumed, not from a lot to its successors: a shared lot may feed
        # thousands of steps. Built once: every certificate question of every lot asks it.
        found: dict[str, list[dt.date]] = {}
        for step in self.ordered.get("step", ()):
            on = self.record(step)["on"]
            for used in self.graph.predecessors(step):
                found.setdefault(used, []).append(on)
        return {node: sorted(dates) for node, dates in found.items()}

    def production_steps(self) -> list[str]:
        return [n for n, _ in self.records("step")]

    def facilities_used(self) -> list[str]:
        """Facilities hosting steps upstream of the targets."""
        hosts = {
            pred
            for step in self.production_steps()
            for pred in self.graph.predecessors(step)
            if pred.startswith("facility:")
        }
        return [n for n, _ in self.records("facility") if n in hosts]

    # --- certificate validity (DESIGN section 5, "Dates") --------------------------------------

    def effective_from(self, cert: Mapping[str, Any]) -> dt.date | None:
        """The date a suspension or revocation takes effect; a fraud revocation reaches back to issue."""
        if cert["status"] == CertificateStatus.ACTIVE:
            return None
        issued: dt.date = cert["issued_on"]
        if cert.get("fraud"):
            return issued
        since: dt.date | None = cert["status_since"]
        return since or issued

    def lot_dates(self, lot: str) -> list[dt.date]:
        return [self.record(lot)["received_on"], *self.use_dates(lot)]

    def certificate_problem(self, cert_node: str, lot: str | None) -> str | None:
        """Why a certificate does not count for a lot: revoked, suspended, expired, not yet issued."""
        cert = self.record(cert_node)
        dates = self.lot_dates(lot) if lot else [self.as_of]
        used = self.use_dates(lot) if lot else [self.as_of]
        production = max(used or dates)
        effective = self.effective_from(cert)
        if effective is not None and production >= effective:
            return str(cert["status"])
        if all(d < cert["issued_on"] for d in dates):
            return "not_yet_issued"
        if cert["valid_until"] is not None and all(d > cert["valid_until"] for d in dates):
            return "expired"
        return None

    def confirmed(self, cert_node: str) -> bool:
        """Someone other than the producer vouches for the certificate (DESIGN section 3)."""
        return (self.confirmations.get(cert_node) or {}).get("state") == "confirmed"

    def confirmation_problems(self, cert_node: str) -> list[str]:
        """What the register or an auditor found wrong with the certificate (empty if nothing was)."""
        return list((self.confirmations.get(cert_node) or {}).get("problems") or ())

    def is_foreign(self, cert: Mapping[str, Any]) -> bool:
        return bool(cert["scheme"] == "foreign")

    def binds(self, cert: Mapping[str, Any], lot: str) -> bool:
        """The certificate is held by the lot's supplier, or (attached to the lot) by a recorded manufacturer
        behind a supplier that only distributes; a certificate held by anyone else never speaks for the lot."""
        supplier, holder = self.record(lot)["supplier"], cert["holder"]
        if holder == supplier:
            return True
        attached = self.record(lot)["certificate"] == cert["id"]
        distributors = self.reference["distributor_supplier_kinds"]
        behind = self.graph.nodes.get(f"supplier:{holder}", {}).get("record")
        return (
            attached
            and behind is not None
            and self.record(f"supplier:{supplier}")["kind"] in distributors
            and behind["kind"] not in distributors
        )

    def acceptable(self, cert_node: str, lot: str | None, material: str | None = None) -> bool:
        """A certificate that counts as halal evidence for this lot and material."""
        key = (cert_node, lot, material)
        if key not in self._acceptable:  # asked again by several rules and the lot evidence: answered once
            self._acceptable[key] = self._judge_acceptable(cert_node, lot, material)
        return self._acceptable[key]

    def _judge_acceptable(self, cert_node: str, lot: str | None, material: str | None) -> bool:
        cert = self.record(cert_node)
        if self.certificate_problem(cert_node, lot):
            return False
        if material and material.split(":", 1)[1] not in cert["covers"]:
            return False
        if lot is not None and not self.binds(cert, lot):
            return False
        if self.is_foreign(cert):
            return bool(cert.get("shln_registration")) and self.reference.recognised_body(cert["issuer"]) is not None
        expired_legacy = cert["scheme"] == "legacy_mui" and cert["valid_until"] and cert["valid_until"] < self.as_of
        return not expired_legacy

    def evidence_of(self, lot: str, material: str) -> str | None:
        """The certificate that answers for a lot of a material: the first that counts of its own attached one
        and those covering the material, else its attached one (CERT-01 says why it does not count), else none.

        One answer for the rules (:meth:`certified`, :meth:`has_certificate`) and for every page that shows
        what a lot rests on (the assessment's ``lot_evidence``): answered once per lot and material.
        """
        key = (lot, material)
        if key not in self._evidence:
            self._evidence[key] = self._find_evidence(lot, material)
        return self._evidence[key]

    def _find_evidence(self, lot: str, material: str) -> str | None:
        cert = self.certificate_of(lot)
        covering = [c for c in self.graph.predecessors(material) if c.startswith("certificate:")]
        options = ([cert] if cert else []) + covering
        return next((c for c in options if self.acceptable(c, lot, material)), cert)

    def certified(self, material: str) -> bool:
        """Every lot of the material comes with an acceptable certificate (or one covers the material)."""
        lots = self.lots_of(material)
        if not lots:
            covering = [c for c in self.graph.predecessors(material) if c.startswith("certificate:")]
            return any(self.acceptable(c, None, material) for c in covering)
        for lot in lots:
            found = self.evidence_of(lot, material)
            if found is None or not self.acceptable(found, lot, material):
                return False
        return True

    def has_certificate(self, material: str) -> bool:
        """Halal evidence bound to each lot of the material (DESIGN section 5, "Dates"; rules.md CERT-01).

        A lot's own attached certificate answers for it (when it fails, CERT-01 says why: one gap, one
        finding); otherwise a certificate covering the material must be held by that lot's supplier and
        valid on the lot's dates. A material with no lots (a level-2 input) needs a certificate covering it.
        """
        lots = self.lots_of(material)
        if not lots:
            return any(c.startswith("certificate:") for c in self.graph.predecessors(material))
        return all(self.evidence_of(lot, material) is not None for lot in lots)

    def has_evidence(self, material: Mapping[str, Any], *kinds: str) -> bool:
        return any(e["type"] in kinds for e in material["evidence"])

    def name_has(self, text: str | None, words: list[str]) -> str | None:
        if not text:
            return None
        for allowed in self.reference["names"]["whitelist"]:
            if contains_phrase(text, allowed):
                text = text.lower().replace(allowed, " ")
        return next((w for w in words if contains_phrase(text, w)), None)


def _enrich(record: Mapping[str, Any], reference: Reference) -> dict[str, Any]:
    """Fill what the producer left empty from the material catalogue, and carry its risk flag."""
    material = dict(record)
    match = reference.recognise(f"{record['name']} {record.get('e_number') or ''}")
    material["recognised"] = match.key if match else None
    material["risk"] = match.entry.get("risk") if match else None
    if match is None:
        return material
    entry = match.entry
    for name in ("category", "species", "e_number", "source_detail"):
        if not material.get(name) and entry.get(name):
            material[name] = entry[name]
    if material.get("origin") in (None, "unknown") and entry.get("origin"):
        material["origin"] = entry["origin"]
    if material.get("ethanol_source") in (None, "none") and entry.get("ethanol_source"):
        material["ethanol_source"] = entry["ethanol_source"]
    if entry.get("risk") == "haram" and entry.get("species") and material.get("species") != entry["species"]:
        material["species"] = entry["species"]  # the name says pig or dog: that outweighs a form field
    if entry.get("risk") == "khamr":
        material["is_khamr"] = True
    if entry.get("state") and not material.get("state"):
        material["state"] = entry["state"]
    if (
        entry.get("kma1360")
        and not material.get("positive_list")
        and material.get("state") in ("fresh", "physically_processed")
        and material.get("kind") == "ingredient"
        and not material.get("made_with")
    ):
        # On the KMA 1360 list and in its exempt state: no certificate needed, whatever the form said.
        material["positive_list"] = True
    return material


@dataclass(frozen=True, slots=True)
class Prepared:
    """What every batch of one dossier shares: its graph and its enriched materials."""

    doc: Mapping[str, Any]
    reference: Reference
    graph: nx.DiGraph[str]
    materials: dict[str, dict[str, Any]]
    order: dict[str, int]

    def finished_batches(self) -> list[str]:
        """Batches no step consumes (the product as sold); all batches if that leaves none."""
        consumed = {used for step in self.doc["steps"] for used in step["inputs"]}
        every = [b["id"] for b in self.doc["batches"]]
        return [b for b in every if b not in consumed] or every

    def context(
        self,
        as_of: dt.date,
        batches: list[str] | None = None,
        confirmations: Mapping[str, Mapping[str, Any]] | None = None,
        facts: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Context:
        """The context for judging `batches` (local ids), by default the finished batches, with the certificates'
        confirmations and the stored facts beside the dossier, by node."""
        targets = tuple(f"batch:{b}" for b in (batches if batches is not None else self.finished_batches()))
        scope: set[str] = set(targets)
        for target in targets:
            scope |= nx.ancestors(self.graph, target)
        scope |= {f"business:{self.doc['business']['nib']}", f"product:{self.doc['product']['id']}"}
        ordered: dict[str, list[str]] = {}
        for node in sorted(scope, key=self.order.__getitem__):
            ordered.setdefault(node.split(":", 1)[0], []).append(node)
        return Context(
            doc=self.doc,
            reference=self.reference,
            as_of=as_of,
            graph=self.graph,
            targets=targets,
            scope=frozenset(scope),
            materials=self.materials,
            ordered=ordered,
            confirmations=confirmations or {},
            facts=facts or {},
        )


def prepare(doc: Mapping[str, Any], reference: Reference) -> Prepared:
    """Build the graph and enrich the materials of a loaded dossier once, for any number of batches."""
    materials = {f"material:{m['id']}": _enrich(m, reference) for m in doc["materials"]}
    graph = dossier_graph(doc)
    return Prepared(
        doc=doc,
        reference=reference,
        graph=graph,
        materials=materials,
        order={node: i for i, node in enumerate(graph.nodes)},
    )


def build_context(
    doc: Mapping[str, Any], reference: Reference, as_of: dt.date, batches: list[str] | None = None
) -> Context:
    """Prepare the context for judging `batches` of a dossier (see :meth:`Prepared.context`)."""
    return prepare(doc, reference).context(as_of, batches)
