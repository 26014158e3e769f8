"""Walk the provenance edges in SQL, and load what a walk reaches as a small ``networkx.DiGraph``.

This is the one module that knows how batches are linked. SQL stays the source of truth: :func:`upstream`
and :func:`downstream` build the recursive CTE of each direction (SQLAlchemy Core, composed from seeds,
a depth limit, and whether to cross into other businesses), walking batch to batch through the indexed edge
columns (``batch.step_id``, ``step_input.step_id/lot_id/batch_id``, ``material_lot.source_batch_id``) with
``UNION``, so diamonds are visited once and a cycle cannot loop. Trace, recall impact, propagation, the
consumer page's ingredients, the cycle check and dossier export all use them. Each statement is built once
(building costs more than running it) and reused with bind parameters. Only the records a walk reached are
then read and built into a graph: the database is never loaded whole.
"""

from __future__ import annotations

import functools
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
from traceability.errors import InvalidInputError, NotFoundError, ProvenanceCycleError
from traceability.graph import hide_foreign, node_id, parse_node
from traceability.service import bulk
from traceability.service.access import Actor

__all__ = [
    "MAX_DEPTH",
    "Impact",
    "batches_made_from",
    "check_acyclic",
    "downstream",
    "downstream_batches",
    "downstream_graph",
    "downstream_impact",
    "downstream_statement",
    "lots_used",
    "nearest",
    "plain_plans",
    "upstream",
    "upstream_graph",
    "upstream_statement",
]

MAX_DEPTH = 1000
_CHUNK = 500

# --- the walk: the one place that knows how batches are linked ---------------------------------------------
#
# A batch is made by its step (``batch.step_id``) from the step's inputs (``step_input``): batches of the same
# business, and material lots. A lot may itself be another business's batch (``material_lot.source_batch_id``):
# a walk that crosses businesses follows it, one that stays in the business stops at the lot.

_BATCH = Batch.__table__
_INPUT = StepInput.__table__
_LOT = MaterialLot.__table__
_SCOPE = CertificateScope.__table__
_DEPTH = sa.bindparam("depth", type_=sa.Integer)


def _steps(depth: int) -> sa.ColumnElement[int]:
    # A literal, not a bound value: the recursive term's type must match the seed's on PostgreSQL.
    return sa.literal_column(str(depth), sa.Integer)


def _depth_column(depth: int, limited: bool) -> list[sa.ColumnElement[int]]:
    return [_steps(depth).label("depth")] if limited else []


def _recursive(walk: sa.CTE, step: sa.Select[Any], limited: bool) -> sa.Select[Any]:
    if not limited:
        return step
    return step.add_columns(walk.c.depth + _steps(1)).where(walk.c.depth < _DEPTH)


def _used(joined: sa.FromClause, cross: bool) -> tuple[sa.FromClause, sa.ColumnElement[Any]]:
    """Extend `joined` (which holds ``step_input``) to the batch each input is, if it is one.

    A batch input is that batch; crossing businesses, a lot input is also the batch it was received as.
    """
    if not cross:
        return joined, _INPUT.c.batch_id
    return (
        joined.outerjoin(_LOT, _LOT.c.id == _INPUT.c.lot_id),
        sa.func.coalesce(_INPUT.c.batch_id, _LOT.c.source_batch_id),
    )


def upstream(batches: sa.ColumnElement[bool], *, cross: bool = True, limited: bool = False) -> sa.CTE:
    """The walk from the batches matching `batches` (a condition on ``batch``) to every batch they are made of.

    Its rows are ``batch_id`` and ``step_id`` (the step that made it), the seeds included; a `limited` walk
    also carries ``depth`` (production steps from the seed) and stops at the ``:depth`` parameter. `cross`
    follows lots received from other businesses into the batches they are. ``UNION`` keeps each row once, so
    diamonds are walked once and even a cycle that slipped past capture ends.
    """
    seeds = sa.select(
        _BATCH.c.id.label("batch_id"), _BATCH.c.step_id.label("step_id"), *_depth_column(0, limited)
    ).where(batches)
    walk = seeds.cte("up", recursive=True)
    # From a batch's step to its inputs (step_input by its indexed step_id), then to the batches they are.
    joined, used = _used(walk.join(_INPUT, _INPUT.c.step_id == walk.c.step_id), cross)
    made = _BATCH.alias("made")
    step = sa.select(made.c.id, made.c.step_id).select_from(joined.join(made, made.c.id == used))
    return walk.union(_recursive(walk, step, limited))


def downstream(
    batches: sa.ColumnElement[bool] | None = None,
    *,
    lots: sa.ColumnElement[bool] | None = None,
    cross: bool = True,
    limited: bool = False,
) -> sa.CTE:
    """The walk from the batches matching `batches`, and from those made with the lots matching `lots`
    (conditions on ``batch`` and ``material_lot``), to every batch made from them.

    Its rows are ``batch_id``; the batches made directly with a lot are one step from it. `cross` and
    `limited` as in :func:`upstream`.
    """
    seeds = []
    if batches is not None:
        seeds.append(sa.select(_BATCH.c.id.label("batch_id"), *_depth_column(0, limited)).where(batches))
    if lots is not None:
        consumer = _BATCH.alias("consumer")
        used_by = _LOT.join(_INPUT, _INPUT.c.lot_id == _LOT.c.id).join(consumer, consumer.c.step_id == _INPUT.c.step_id)
        seeds.append(
            sa.select(consumer.c.id.label("batch_id"), *_depth_column(1, limited)).select_from(used_by).where(lots)
        )
    first, *others = seeds
    walk = first.cte("down", recursive=True)
    if cross:  # the batch went into a step as a batch, or as the lot another business received it as
        received = _LOT.alias("received")
        joined = walk.outerjoin(received, received.c.source_batch_id == walk.c.batch_id).join(
            _INPUT, sa.or_(_INPUT.c.batch_id == walk.c.batch_id, _INPUT.c.lot_id == received.c.id)
        )
    else:
        joined = walk.join(_INPUT, _INPUT.c.batch_id == walk.c.batch_id)
    made = _BATCH.alias("made")
    step = sa.select(made.c.id).select_from(joined.join(made, made.c.step_id == _INPUT.c.step_id))
    return walk.union(*others, _recursive(walk, step, limited))


def nearest(walk: sa.CTE) -> sa.Select[Any]:
    """The batches of a limited walk, each once, at the fewest steps from the seeds (``batch_id``, ``depth``)."""
    return sa.select(walk.c.batch_id, sa.func.min(walk.c.depth).label("depth")).group_by(walk.c.batch_id)


def lots_used(walk: sa.CTE) -> sa.Select[Any]:
    """The ids of the material lots that went into the steps that made an upstream walk's batches."""
    made_with = walk.join(_INPUT, _INPUT.c.step_id == walk.c.step_id)
    return sa.select(_INPUT.c.lot_id).select_from(made_with).where(_INPUT.c.lot_id.is_not(None))


@functools.cache
def upstream_statement() -> sa.Select[Any]:
    """``(batch id, depth)`` of everything ``:batch`` is made of, up to ``:depth`` steps, across businesses."""
    return nearest(upstream(_BATCH.c.id == sa.bindparam("batch"), limited=True))


def _covered(column: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The materials or products (`column` of ``certificate_scope``) that certificate ``:certificate`` covers."""
    return sa.select(column).where(_SCOPE.c.certificate_id == sa.bindparam("certificate"))


@functools.cache
def _recall(kind: str) -> sa.CTE:
    """What a recall seeded by one ``:batch``, ``:lot``, ``:supplier`` or ``:certificate`` reaches, up to ``:depth``.

    A certificate reaches the lots it is on or whose material it covers, and the batches of a product it covers.
    """
    lot = _LOT.c
    if kind == "batch":
        walk = downstream(_BATCH.c.id == sa.bindparam("batch"), limited=True)
    elif kind == "lot":
        walk = downstream(lots=lot.id == sa.bindparam("lot"), limited=True)
    elif kind == "supplier":
        walk = downstream(lots=lot.supplier_id == sa.bindparam("supplier"), limited=True)
    else:  # a certificate
        walk = downstream(
            _BATCH.c.product_id.in_(_covered(_SCOPE.c.product_id)),
            lots=sa.or_(
                lot.certificate_id == sa.bindparam("certificate"), lot.material_id.in_(_covered(_SCOPE.c.material_id))
            ),
            limited=True,
        )
    return nearest(walk).cte("reached")


@functools.cache
def downstream_statement(kind: str) -> sa.Select[Any]:
    """``(batch id, depth)`` of every batch a recall seeded by a `kind` reaches (see :func:`_recall`)."""
    found = _recall(kind)
    return sa.select(found.c.batch_id, found.c.depth)


@functools.cache
def _impact_groups(kind: str) -> sa.Select[Any]:
    """One pass for every count: batches and live codes per (business, product)."""
    found = _recall(kind)
    code = VerificationCode.__table__
    live_codes = (
        sa.select(sa.func.count())
        .where(code.c.batch_id == _BATCH.c.id, code.c.revoked_at.is_(None))
        .scalar_subquery()
        .label("codes")
    )
    groups = (
        sa.select(_BATCH.c.business_id, _BATCH.c.product_id, live_codes)
        .select_from(found.join(_BATCH, _BATCH.c.id == found.c.batch_id))
        .subquery("g")
    )
    return (
        sa.select(groups.c.business_id, groups.c.product_id, sa.func.count(), sa.func.sum(groups.c.codes))
        .group_by(groups.c.business_id, groups.c.product_id)
        .order_by(groups.c.business_id, groups.c.product_id)
    )


@functools.cache
def _impact_page(kind: str, everyone: bool) -> sa.Select[Any]:
    """One page of the batch ids reached, of every business or of the ``:visible`` ones."""
    found = _recall(kind)
    if everyone:
        page = sa.select(found.c.batch_id).order_by(found.c.batch_id)
    else:
        page = (
            sa.select(_BATCH.c.id)
            .select_from(found.join(_BATCH, _BATCH.c.id == found.c.batch_id))
            .where(_BATCH.c.business_id.in_(sa.bindparam("visible", expanding=True)))
            .order_by(_BATCH.c.id)
        )
    return page.limit(sa.bindparam("limit", type_=sa.Integer)).offset(sa.bindparam("offset", type_=sa.Integer))


@functools.cache
def _made_from_statement() -> sa.Select[Any]:
    """Every batch made from any of ``:batches``, across businesses: no depth to count, each batch once."""
    walk = downstream(_BATCH.c.id.in_(sa.bindparam("batches", expanding=True)))
    return sa.select(walk.c.batch_id)


@functools.cache
def _cycle_statement() -> sa.Select[Any]:
    """A row for a step of ``:starts`` that made a batch it consumes, directly or not, through any business.

    One walk for all the steps: each row carries the step it started from (``origin``), so a step reaching
    its own batch is a cycle and a step reaching another checked step's batch (a chain) is not.
    """
    starts: sa.BindParameter[list[int]] = sa.bindparam("starts", expanding=True)
    made = _BATCH.alias("made")
    joined, used = _used(_INPUT, cross=True)
    seeds = (
        sa.select(_INPUT.c.step_id.label("origin"), made.c.id.label("batch_id"), made.c.step_id.label("step_id"))
        .select_from(joined.join(made, made.c.id == used))
        .where(_INPUT.c.step_id.in_(starts))
    )
    walk = seeds.cte("cycle", recursive=True)
    joined, used = _used(walk.join(_INPUT, _INPUT.c.step_id == walk.c.step_id), cross=True)
    step = sa.select(walk.c.origin, made.c.id, made.c.step_id).select_from(joined.join(made, made.c.id == used))
    walk = walk.union(step)
    return sa.select(walk.c.origin).where(walk.c.step_id == walk.c.origin).limit(1)


def check_acyclic(session: Session, steps: Sequence[ProductionStep]) -> None:
    """Refuse the change if a step now consumes, directly or not, a batch it produces.

    The walk crosses businesses: a lot received as another business's batch that is made, somewhere upstream,
    from this step's own batch would make that batch an ingredient of itself just the same.

    Raises
    ------
    ProvenanceCycleError
        One of `steps` is upstream of itself.
    """
    session.flush()
    statement = _cycle_statement()
    for chunk in _chunks(step.id for step in steps):
        if session.execute(statement, {"starts": chunk}).first() is not None:
            message = "This would make a batch an ingredient of itself: the steps would form a cycle."
            raise ProvenanceCycleError(message, errors={"inputs": [message]})


def plain_plans(session: Session) -> None:
    """Plan the rest of the transaction's statements without JIT on PostgreSQL: run it before a walk."""
    # PostgreSQL overestimates recursive CTEs and then JIT-compiles them: ~400 ms of compiling for a
    # query that runs in 5 ms at 10^6 edges. These are short lookups; plan them without JIT.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL jit = off"))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    # Smaller than a lookup's chunk: each key seeds a recursive walk, and the plans stay short.
    return bulk.chunks(ids, _CHUNK)


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
        # A voided certificate certifies nothing.
        live = sa.select(Certificate.id).where(Certificate.voided_at.is_(None))
        scopes = sa.select(CertificateScope.__table__).where(condition, CertificateScope.certificate_id.in_(live))
        for scope in self.session.execute(scopes):
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


#: The records a walk starts from, by node type: a trace starts from a batch, a recall from any of them.
_SEED_MODELS: dict[str, type[Any]] = {
    "batch": Batch,
    "lot": MaterialLot,
    "supplier": Supplier,
    "certificate": Certificate,
}


def _readable(session: Session, actor: Actor, kind: str, key: int) -> Any:
    """The seed record, if the actor may see it; anything else is "not found", as for every record."""
    record = session.get(_SEED_MODELS[kind], key)
    if record is None:
        raise NotFoundError(f"No {kind} with that id.")
    actor.require_read(record.business_id, kind)
    return record


def _root_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    batch: Batch = _readable(session, actor, "batch", batch_id)
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
    plain_plans(session)
    reached = {b: d for b, d in session.execute(upstream_statement(), {"batch": root.id, "depth": limit})}
    batches = _load(session, Batch, reached)
    # A batch the actor may not read is shown, but not what it is made of.
    expand = {b for b, d in reached.items() if d < limit and actor.can_read(batches[b].business_id)}
    graph = _build(session, actor, batches, expand)
    hidden = {node_id("batch", b) for b in reached if not actor.can_read(batches[b].business_id)}
    if hidden:
        graph = _prune_hidden(graph, node_id("batch", root.id), hidden)
        for node in hidden & set(graph):
            behind = session.execute(upstream_statement(), {"batch": parse_node(node)[1], "depth": limit}).all()
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


def _seed(session: Session, actor: Actor, node: str) -> tuple[str, dict[str, Any]]:
    """The kind of a recall seed and the parameters of its walk, once the actor may see the seed."""
    kind, key = parse_node(node)
    if kind not in _SEED_MODELS:
        raise InvalidInputError(
            "A recall starts from a batch, lot, supplier or certificate.",
            errors={"node": [f"{kind} is not a recall seed."]},
        )
    _readable(session, actor, kind, key)
    return kind, {kind: key}


def downstream_batches(session: Session, actor: Actor, node: str, *, depth: int | None = None) -> dict[int, int]:
    """Return ``{batch id: steps from the seed}`` for every batch `node` reaches (a batch seed is depth 0)."""
    kind, params = _seed(session, actor, node)
    params["depth"] = _depth(depth)
    plain_plans(session)
    return {b: d for b, d in session.execute(downstream_statement(kind), params)}


def batches_made_from(session: Session, batch_ids: Iterable[int]) -> set[int]:
    """Every batch made from any of `batch_ids`, directly or not, across businesses (themselves included).

    No access check: this serves the service's own bookkeeping (reassessment), never a caller's view.
    """
    plain_plans(session)
    found: set[int] = set()
    for chunk in _chunks(batch_ids):
        found.update(session.scalars(_made_from_statement(), {"batches": chunk}))
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
    # Downstream, another business is a customer: its batches stay as summaries without its name, and its
    # own node (name, NIB) goes.
    for node, data in list(pruned.nodes(data=True)):
        if data.get("summary"):
            data.pop("business_name", None)
        elif data["type"] == "business" and not actor.can_read(parse_node(node)[1]):
            pruned.remove_node(node)
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
    kind, params = _seed(session, actor, node)
    params["depth"] = MAX_DEPTH
    plain_plans(session)
    rows = session.execute(_impact_groups(kind), params).all()
    groups = [(business, product, batches) for business, product, batches, _ in rows]
    visible = actor.visible_businesses()
    page_params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    if visible is None:
        ids = list(session.scalars(_impact_page(kind, everyone=True), page_params))
    else:
        page_params["visible"] = sorted(visible) or [0]
        ids = list(session.scalars(_impact_page(kind, everyone=False), page_params))
    return Impact(
        seed=node,
        counts={
            "batches": sum(n for _, _, n in groups),
            "businesses": len({b for b, _, _ in groups}),
            "products": len({p for _, p, _ in groups}),
            "verification_codes": sum(int(c) for *_, c in rows),
            "visible_batches": sum(n for b, _, n in groups if visible is None or b in visible),
        },
        businesses=_impact_businesses(session, groups, visible),
        products=_impact_products(session, groups, visible),
        items=_impact_items(session, ids),
        page=page,
        per_page=per_page,
    )


def _impact_businesses(session: Session, groups: Sequence[Any], visible: frozenset[int] | None) -> list[dict[str, Any]]:
    per_business: dict[int, int] = {}
    for business, _, count in groups:
        per_business[business] = per_business.get(business, 0) + count
    # Who bought from a producer is not theirs to know by name: other businesses are counted, not named.
    names = _business_names(session, [b for b in per_business if visible is None or b in visible])
    return [{"id": b, "name": names.get(b), "batches": n} for b, n in sorted(per_business.items())]


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
