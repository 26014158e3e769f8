"""Load provenance subgraphs from SQL: one recursive CTE per direction, then a small ``networkx.DiGraph``.

SQL stays the source of truth. Each direction is one recursive statement, built once at import and reused
with bind parameters; it walks batch to batch through the indexed edge columns (``batch.step_id``,
``step_input.step_id/lot_id/batch_id``, ``material_lot.source_batch_id``) with ``UNION``, so diamonds
are visited once and a cycle cannot loop. Only the records the walk reached are then read and built into
a graph: the database is never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Batch,
    Business,
    Certificate,
    CertificateScope,
    Facility,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    StepInput,
    Supplier,
    VerificationCode,
)
from traceability.errors import InvalidInputError
from traceability.graph import hide_foreign, node_id, parse_node
from traceability.service.access import Actor
from traceability.service.records import get_record

__all__ = [
    "MAX_DEPTH",
    "Impact",
    "batches_made_from",
    "downstream_batches",
    "downstream_graph",
    "downstream_impact",
    "upstream_graph",
]

MAX_DEPTH = 1000
_CHUNK = 500

# depth counts production steps: a batch's direct inputs are at depth 1.
UPSTREAM = sa.text("""
WITH RECURSIVE up(batch_id, depth) AS (
    SELECT CAST(:batch AS INTEGER), 0
    UNION
    SELECT COALESCE(si.batch_id, ml.source_batch_id), up.depth + 1
    FROM up
    JOIN batch b ON b.id = up.batch_id
    JOIN step_input si ON si.step_id = b.step_id
    LEFT JOIN material_lot ml ON ml.id = si.lot_id
    WHERE up.depth < :depth AND COALESCE(si.batch_id, ml.source_batch_id) IS NOT NULL
)
SELECT batch_id, MIN(depth) AS depth FROM up GROUP BY batch_id
""")

# The seeds of a recall: a batch itself, the batches made from a lot (or from the lots of a supplier or
# under a certificate), and the batches of a product a certificate covers.
_DOWN_CTE = """
WITH RECURSIVE seed_lot(id) AS (
    SELECT id FROM material_lot WHERE id = :lot
    UNION SELECT id FROM material_lot WHERE supplier_id = :supplier
    UNION SELECT id FROM material_lot WHERE certificate_id = :certificate
    UNION SELECT ml.id FROM certificate_scope cs JOIN material_lot ml ON ml.material_id = cs.material_id
          WHERE cs.certificate_id = :certificate
),
down(batch_id, depth) AS (
    SELECT id, 0 FROM batch WHERE id = :batch
    UNION SELECT b.id, 1 FROM seed_lot JOIN step_input si ON si.lot_id = seed_lot.id
          JOIN batch b ON b.step_id = si.step_id
    UNION SELECT b.id, 0 FROM certificate_scope cs JOIN batch b ON b.product_id = cs.product_id
          WHERE cs.certificate_id = :certificate
    UNION
    SELECT nb.id, down.depth + 1
    FROM down
    LEFT JOIN material_lot ml ON ml.source_batch_id = down.batch_id
    JOIN step_input si ON si.batch_id = down.batch_id OR si.lot_id = ml.id
    JOIN batch nb ON nb.step_id = si.step_id
    WHERE down.depth < :depth
),
reached(batch_id, depth) AS (SELECT batch_id, MIN(depth) FROM down GROUP BY batch_id)
"""
DOWNSTREAM = sa.text(_DOWN_CTE + "SELECT batch_id, depth FROM reached")
# One pass for every count: batches, live codes, businesses and products, per (business, product).
IMPACT_GROUPS = sa.text(
    _DOWN_CTE
    + """
SELECT g.business_id, g.product_id, COUNT(*), SUM(g.codes) FROM (
    SELECT b.business_id, b.product_id,
           (SELECT COUNT(*) FROM verification_code vc WHERE vc.batch_id = b.id AND vc.revoked_at IS NULL) AS codes
    FROM reached JOIN batch b ON b.id = reached.batch_id
) g
GROUP BY g.business_id, g.product_id ORDER BY g.business_id, g.product_id
"""
)
IMPACT_PAGE = sa.text(
    _DOWN_CTE
    + """
SELECT b.id FROM reached JOIN batch b ON b.id = reached.batch_id
WHERE b.business_id IN :visible
ORDER BY b.id LIMIT :limit OFFSET :offset
"""
).bindparams(sa.bindparam("visible", expanding=True))
# The same walk seeded by many batches at once, for bookkeeping such as reassessment after a change.
DOWNSTREAM_MANY = sa.text(
    (_DOWN_CTE + "SELECT batch_id FROM reached").replace(
        "SELECT id, 0 FROM batch WHERE id = :batch",
        "SELECT id, 0 FROM batch WHERE id IN :batches",
    )
).bindparams(sa.bindparam("batches", expanding=True))
IMPACT_PAGE_ALL = sa.text(
    _DOWN_CTE
    + """
SELECT reached.batch_id FROM reached ORDER BY reached.batch_id LIMIT :limit OFFSET :offset
"""
)


def _plain_plans(session: Session) -> None:
    # PostgreSQL overestimates recursive CTEs and then JIT-compiles them: ~400 ms of compiling for a
    # query that runs in 5 ms at 10^6 edges. These are short lookups; plan them without JIT.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL jit = off"))


_NO_SEED = {"batch": None, "lot": None, "supplier": None, "certificate": None}


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _load(session: Session, model: type[Any], ids: Iterable[int]) -> dict[int, Any]:
    # Plain rows, not ORM objects: a trace reads each record once, and identity-mapped objects cost ~5x more.
    table = model.__table__
    found: dict[int, Any] = {}
    for chunk in _chunks(ids):
        found.update((row.id, row) for row in session.execute(sa.select(table).where(table.c.id.in_(chunk))))
    return found


def _depth(depth: int | None) -> int:
    if depth is None:
        return MAX_DEPTH
    if not 0 <= depth <= MAX_DEPTH:
        raise InvalidInputError("Depth out of range.", errors={"depth": [f"Give 0 to {MAX_DEPTH}."]})
    return depth


def _num(value: Any) -> Any:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


@dataclass
class _Builder:
    """Turns the rows a walk reached into typed nodes and kinded edges, hiding what the actor may not see."""

    session: Session
    actor: Actor
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)

    def add(self, node_type: str, key: int, /, **attrs: Any) -> str:
        node = node_id(node_type, key)
        self.graph.add_node(node, type=node_type, **attrs)
        return node

    def batches(self, batches: dict[int, Any], expand: set[int]) -> dict[int, Any]:
        products = _load(self.session, Product, {b.product_id for b in batches.values()})
        names = _business_names(self.session, {b.business_id for b in batches.values()})
        for batch in batches.values():
            product = products[batch.product_id]
            visible = self.actor.can_read(batch.business_id)
            attrs: dict[str, Any] = {
                "business": batch.business_id,
                "business_name": names[batch.business_id],
                "lot_code": batch.lot_code,
                "produced_on": batch.produced_on,
                "product": product.id,
                "product_name": product.name,
                "gtin": product.gtin,
            }
            if not visible:
                attrs["summary"] = True
            self.add("batch", batch.id, **attrs)
        steps = _load(
            self.session,
            ProductionStep,
            {b.step_id for b in batches.values() if b.step_id is not None and b.id in expand},
        )
        for batch in batches.values():
            if batch.id in expand and batch.step_id in steps:
                self.graph.add_edge(node_id("step", batch.step_id), node_id("batch", batch.id), kind="generated")
        return steps

    def steps(self, steps: dict[int, Any], inputs: Sequence[Any]) -> set[int]:
        for step in steps.values():
            node = self.add(
                "step",
                step.id,
                business=step.business_id,
                name=step.name,
                process=step.process,
                equipment=step.equipment,
                performed_on=step.performed_on,
            )
            self.graph.add_edge(node_id("business", step.business_id), node, kind="performed")
            if step.facility_id is not None:
                self.graph.add_edge(node_id("facility", step.facility_id), node, kind="hosted")
        lots: set[int] = set()
        for item in inputs:
            source = node_id("lot", item.lot_id) if item.lot_id else node_id("batch", item.batch_id)
            self.graph.add_edge(
                source, node_id("step", item.step_id), kind="used", quantity=_num(item.quantity), unit=item.unit
            )
            if item.lot_id:
                lots.add(item.lot_id)
        return lots

    def lots(self, lots: dict[int, Any]) -> None:
        for lot in lots.values():
            node = self.add(
                "lot",
                lot.id,
                business=lot.business_id,
                lot_code=lot.lot_code,
                quantity=_num(lot.quantity),
                unit=lot.unit,
                received_on=lot.received_on,
            )
            self.graph.add_edge(node_id("material", lot.material_id), node, kind="instance_of")
            self.graph.add_edge(node_id("supplier", lot.supplier_id), node, kind="supplied")
            if lot.certificate_id is not None:
                self.graph.add_edge(node_id("certificate", lot.certificate_id), node, kind="certifies")
            if lot.source_batch_id is not None:
                self.graph.add_edge(node_id("batch", lot.source_batch_id), node, kind="received_as")

    def certificates_by_scope(self, materials: set[int], products: dict[int, set[int]]) -> None:
        condition = (
            sa.or_(
                *(
                    [CertificateScope.material_id.in_(chunk) for chunk in _chunks(materials)]
                    + [CertificateScope.product_id.in_(chunk) for chunk in _chunks(products)]
                )
            )
            if materials or products
            else sa.false()
        )
        for scope in self.session.execute(sa.select(CertificateScope.__table__).where(condition)):
            source = node_id("certificate", scope.certificate_id)
            if scope.material_id is not None:
                self.graph.add_edge(source, node_id("material", scope.material_id), kind="certifies")
            else:
                for batch in products.get(scope.product_id or 0, ()):
                    self.graph.add_edge(source, node_id("batch", batch), kind="certifies")

    def records(self) -> None:
        """Fill in the attributes of the material, supplier, certificate, facility and business nodes."""
        wanted: dict[str, set[int]] = {}
        for node, data in self.graph.nodes(data=True):
            if "type" not in data:
                kind, key = parse_node(node)
                wanted.setdefault(kind, set()).add(key)
        if wanted.get("batch"):  # the other inputs of a step on a downstream path: shown, not followed
            self.batches(_load(self.session, Batch, wanted["batch"]), set())
        for material in _load(self.session, Material, wanted.get("material", ())).values():
            self.add(
                "material",
                material.id,
                business=material.business_id,
                name=material.name,
                kind=material.kind,
                category=material.category,
                origin=material.origin,
                species=material.species,
            )
        for supplier in _load(self.session, Supplier, wanted.get("supplier", ())).values():
            self.add(
                "supplier",
                supplier.id,
                business=supplier.business_id,
                name=supplier.name,
                kind=supplier.kind,
                country=supplier.country,
                nib=supplier.nib,
            )
        for cert in _load(self.session, Certificate, wanted.get("certificate", ())).values():
            self.add(
                "certificate",
                cert.id,
                business=cert.business_id,
                number=cert.number,
                issuer=cert.issuer,
                scheme=cert.scheme,
                status=cert.status,
                status_since=cert.status_since,
                issued_on=cert.issued_on,
                valid_until=cert.valid_until,
                holder=node_id("supplier", cert.holder_supplier_id) if cert.holder_supplier_id else None,
            )
        for facility in _load(self.session, Facility, wanted.get("facility", ())).values():
            self.add(
                "facility",
                facility.id,
                business=facility.business_id,
                name=facility.name,
                kind=facility.kind,
                dedicated_halal=facility.dedicated_halal,
            )
        for business in _load(self.session, Business, wanted.get("business", ())).values():
            self.add("business", business.id, name=business.name, nib=business.nib)


def _business_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    return {b.id: b.name for b in _load(session, Business, ids).values()}


def _root_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    batch: Batch = get_record(session, actor, "batches", batch_id)
    return batch


def _inputs(session: Session, step_ids: Iterable[int]) -> list[Any]:
    table = StepInput.__table__
    found: list[Any] = []
    for chunk in _chunks(step_ids):
        found.extend(
            session.execute(
                sa.select(table).where(table.c.step_id.in_(chunk)).order_by(table.c.step_id, table.c.position)
            )
        )
    return found


def _build(session: Session, actor: Actor, batches: dict[int, Any], expand: set[int]) -> nx.DiGraph:
    """Build the graph of the batches reached, expanding the steps and inputs of the batches in `expand`."""
    builder = _Builder(session, actor)
    steps = builder.batches(batches, expand)
    lot_ids = builder.steps(steps, _inputs(session, steps))
    lots = _load(session, MaterialLot, lot_ids)
    builder.lots(lots)
    products: dict[int, set[int]] = {}
    for batch in batches.values():
        if batch.id in expand:
            products.setdefault(batch.product_id, set()).add(batch.id)
    builder.certificates_by_scope({lot.material_id for lot in lots.values()}, products)
    builder.records()
    return builder.graph


def upstream_graph(session: Session, actor: Actor, batch_id: int, *, depth: int | None = None) -> nx.DiGraph:
    """Return everything batch `batch_id` is made of, up to `depth` production steps back.

    The walk crosses businesses where a lot is another business's batch. A caller who may not read that
    business sees the batch as a summary node (``summary=True``: product, lot code, business) with the
    number of upstream batches behind it in ``upstream_batches``, and none of its records.
    """
    root = _root_batch(session, actor, batch_id)
    limit = _depth(depth)
    _plain_plans(session)
    reached = {b: d for b, d in session.execute(UPSTREAM, {"batch": root.id, "depth": limit})}
    batches = _load(session, Batch, reached)
    # A batch the actor may not read is shown, but not what it is made of.
    expand = {b for b, d in reached.items() if d < limit and actor.can_read(batches[b].business_id)}
    graph = _build(session, actor, batches, expand)
    hidden = {node_id("batch", b) for b in reached if not actor.can_read(batches[b].business_id)}
    if hidden:
        graph = _prune_hidden(graph, node_id("batch", root.id), hidden)
        for node in hidden & set(graph):
            behind = session.execute(UPSTREAM, {"batch": parse_node(node)[1], "depth": limit}).all()
            graph.nodes[node]["upstream_batches"] = len(behind) - 1
    graph.graph.update(root=node_id("batch", root.id), direction="up", depth=limit)
    return graph


def _prune_hidden(graph: nx.DiGraph, root: str, hidden: set[str]) -> nx.DiGraph:
    # Keep only what is reachable from the root without passing through a hidden batch.
    keep: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in keep:
            continue
        keep.add(node)
        if node in hidden:
            continue
        stack.extend(graph.predecessors(node))
    pruned: nx.DiGraph = graph.subgraph(keep).copy()
    for node in hidden & keep:
        pruned.remove_edges_from(list(pruned.in_edges(node)))
    return pruned


def _seed(node: str) -> dict[str, int | None]:
    kind, key = parse_node(node)
    if kind not in ("batch", "lot", "supplier", "certificate"):
        raise InvalidInputError(
            "A recall starts from a batch, lot, supplier or certificate.",
            errors={"node": [f"{kind} is not a recall seed."]},
        )
    return {**_NO_SEED, kind: key}


_SEED_KINDS = {"batch": "batches", "lot": "lots", "supplier": "suppliers", "certificate": "certificates"}


def _seed_business(session: Session, actor: Actor, node: str) -> int:
    kind, key = parse_node(node)
    return int(get_record(session, actor, _SEED_KINDS[kind], key).business_id)


def downstream_batches(session: Session, actor: Actor, node: str, *, depth: int | None = None) -> dict[int, int]:
    """Return ``{batch id: steps from the seed}`` for every batch `node` reaches (a batch seed is depth 0)."""
    params = _seed(node)
    _seed_business(session, actor, node)
    params["depth"] = _depth(depth)
    _plain_plans(session)
    return {b: d for b, d in session.execute(DOWNSTREAM, params)}


def batches_made_from(session: Session, batch_ids: Iterable[int]) -> set[int]:
    """Every batch made from any of `batch_ids`, directly or not, across businesses (themselves included).

    No access check: this serves the service's own bookkeeping (reassessment), never a caller's view.
    """
    _plain_plans(session)
    found: set[int] = set()
    for chunk in _chunks(sorted(set(batch_ids))):
        params = {**_NO_SEED, "batches": chunk, "depth": MAX_DEPTH}
        found.update(session.scalars(DOWNSTREAM_MANY, params))
    return found


def downstream_graph(session: Session, actor: Actor, batch_id: int, *, depth: int | None = None) -> nx.DiGraph:
    """Return every batch made from batch `batch_id`, with the steps and lots that link them.

    Records of businesses the caller may not read appear as summaries (see :func:`hide_foreign`): a producer
    learns that their batch went into another business's product, not how that business works.
    """
    root = _root_batch(session, actor, batch_id)
    reached = downstream_batches(session, actor, node_id("batch", root.id), depth=depth)
    graph = _build(session, actor, _load(session, Batch, reached), set(reached) - {root.id})
    start = node_id("batch", root.id)
    keep = set(nx.descendants(graph, start)) | {start}
    # Only the path forward, plus the other inputs of the same steps as context.
    keep |= {n for step in list(keep) if step.startswith("step:") for n in graph.predecessors(step)}
    keep |= {
        n for lot in list(keep) if lot.startswith("lot:") for n in graph.predecessors(lot) if not n.startswith("batch:")
    }
    pruned: nx.DiGraph = graph.subgraph(keep).copy()
    hide_foreign(pruned, actor.can_read)
    pruned.graph.update(root=start, direction="down", depth=_depth(depth))
    return pruned


@dataclass(frozen=True, slots=True)
class Impact:
    """What a recall of one lot, supplier or certificate reaches."""

    seed: str
    counts: dict[str, int]
    businesses: list[dict[str, Any]]
    products: list[dict[str, Any]]
    items: list[dict[str, Any]]
    page: int
    per_page: int


def downstream_impact(session: Session, actor: Actor, node: str, *, page: int = 1, per_page: int = 100) -> Impact:
    """Return every batch, verification code, business and product that `node` reaches, with counts.

    Counts cover everything reached. The batch list is paged (``page``, ``per_page``) and holds only
    batches the actor may read; those of other businesses are counted per business in ``businesses``.
    """
    params: dict[str, Any] = {**_seed(node), "depth": MAX_DEPTH}
    _seed_business(session, actor, node)
    _plain_plans(session)
    rows = session.execute(IMPACT_GROUPS, params).all()
    groups = [(business, product, batches) for business, product, batches, _ in rows]
    visible = actor.visible_businesses()
    page_params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    if visible is None:
        ids = list(session.scalars(IMPACT_PAGE_ALL, page_params))
    else:
        ids = list(session.scalars(IMPACT_PAGE, {**page_params, "visible": sorted(visible) or [0]}))
    return Impact(
        seed=node,
        counts={
            "batches": sum(n for _, _, n in groups),
            "businesses": len({b for b, _, _ in groups}),
            "products": len({p for _, p, _ in groups}),
            "verification_codes": sum(int(c) for *_, c in rows),
            "visible_batches": sum(n for b, _, n in groups if visible is None or b in visible),
        },
        businesses=_impact_businesses(session, groups),
        products=_impact_products(session, groups, visible),
        items=_impact_items(session, ids),
        page=page,
        per_page=per_page,
    )


def _impact_businesses(session: Session, groups: Sequence[Any]) -> list[dict[str, Any]]:
    per_business: dict[int, int] = {}
    for business, _, count in groups:
        per_business[business] = per_business.get(business, 0) + count
    names = _business_names(session, per_business)
    return [{"id": b, "name": names[b], "batches": n} for b, n in sorted(per_business.items())]


def _impact_products(session: Session, groups: Sequence[Any], visible: frozenset[int] | None) -> list[dict[str, Any]]:
    readable = [(b, p, n) for b, p, n in groups if visible is None or b in visible]
    products = _load(session, Product, {p for _, p, _ in readable})
    return [
        {"id": p, "business": b, "name": products[p].name, "gtin": products[p].gtin, "batches": n}
        for b, p, n in readable
    ]


def _impact_items(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    batches = _load(session, Batch, ids)
    products = _load(session, Product, {b.product_id for b in batches.values()})
    codes: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for code in session.scalars(
            sa.select(VerificationCode)
            .where(VerificationCode.batch_id.in_(chunk), VerificationCode.revoked_at.is_(None))
            .order_by(VerificationCode.id)
        ):
            codes.setdefault(code.batch_id, []).append(code.code)
    return [
        {
            "batch": b,
            "business": batches[b].business_id,
            "product": batches[b].product_id,
            "product_name": products[batches[b].product_id].name,
            "lot_code": batches[b].lot_code,
            "produced_on": batches[b].produced_on,
            "verification_codes": codes.get(b, []),
        }
        for b in ids
    ]
