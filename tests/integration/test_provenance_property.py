"""Trace and impact answers equal a brute-force walk over random supply chains."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Batch, Business, Material, MaterialLot, Product, ProductionStep, StepInput, Supplier
from tests.helpers import OPERATOR
from traceability.graph import node_id
from traceability.service import provenance
from traceability.vocabulary import BusinessScale, MaterialKind, SupplierKind

_NIB = itertools.count(1_000_000_000_000)
DAY = dt.date(2025, 1, 1)


@st.composite
def chains(draw):
    """Layered chains: lots, then steps that each use earlier lots/batches and make one or two batches."""
    lots = draw(st.integers(1, 6))
    steps = []
    batches = 0
    for _ in range(draw(st.integers(1, 12))):
        pool = [("lot", i) for i in range(lots)] + [("batch", i) for i in range(batches)]
        inputs = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
        outputs = draw(st.integers(1, 2))
        steps.append((inputs, list(range(batches, batches + outputs))))
        batches += outputs
    return lots, steps, batches


def _store(session, lots, steps, batches):
    business = Business(name="Acak", nib=str(next(_NIB)), scale=BusinessScale.MICRO)
    session.add(business)
    session.flush()
    supplier = Supplier(business_id=business.id, name="S", kind=SupplierKind.MARKET)
    material = Material(business_id=business.id, name="M", kind=MaterialKind.INGREDIENT)
    product = Product(business_id=business.id, name="P")
    session.add_all([supplier, material, product])
    session.flush()
    lot_rows = [
        MaterialLot(
            business_id=business.id, material_id=material.id, supplier_id=supplier.id, lot_code=f"L{i}", received_on=DAY
        )
        for i in range(lots)
    ]
    session.add_all(lot_rows)
    batch_rows: list[Batch] = []
    for n, (inputs, outputs) in enumerate(steps):
        step = ProductionStep(business_id=business.id, name=f"S{n}", performed_on=DAY)
        session.add(step)
        session.flush()
        for position, (kind, i) in enumerate(inputs):
            link = {"lot_id": lot_rows[i].id} if kind == "lot" else {"batch_id": batch_rows[i].id}
            session.add(StepInput(step_id=step.id, position=position, **link))
        for i in outputs:
            batch_rows.append(
                Batch(
                    business_id=business.id, product_id=product.id, lot_code=f"B{i}", produced_on=DAY, step_id=step.id
                )
            )
        session.add_all(batch_rows[-len(outputs) :])
        session.flush()
    session.commit()
    return lot_rows, batch_rows


def _brute(steps):
    """Every batch's input batches and every lot's/batch's consumers, by plain iteration."""
    made_by = {b: inputs for inputs, outputs in steps for b in outputs}
    consumers: dict[tuple[str, int], set[int]] = {}
    for inputs, outputs in steps:
        for item in inputs:
            consumers.setdefault(item, set()).update(outputs)

    def up(b):
        seen, todo = set(), [b]
        while todo:
            for kind, i in made_by[todo.pop()]:
                if kind == "batch" and i not in seen:
                    seen.add(i)
                    todo.append(i)
        return seen

    def down(item):
        seen, todo = set(), [item]
        while todo:
            for b in consumers.get(todo.pop(), ()):
                if b not in seen:
                    seen.add(b)
                    todo.append(("batch", b))
        return seen

    return up, down


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chain=chains())
def test_trace_and_impact_equal_brute_force(session, chain):
    lots, steps, batches = chain
    lot_rows, batch_rows = _store(session, lots, steps, batches)
    up, down = _brute(steps)

    for b, row in enumerate(batch_rows):
        graph = provenance.upstream_graph(session, OPERATOR, row.id)
        got = {n for n, d in graph.nodes(data=True) if d["type"] == "batch"} - {node_id("batch", row.id)}
        assert got == {node_id("batch", batch_rows[i].id) for i in up(b)}
        reached = provenance.downstream_batches(session, OPERATOR, node_id("batch", row.id))
        assert set(reached) - {row.id} == {batch_rows[i].id for i in down(("batch", b))}
    for i, lot in enumerate(lot_rows):
        impact = provenance.downstream_impact(session, OPERATOR, node_id("lot", lot.id), per_page=1000)
        want = {batch_rows[b].id for b in down(("lot", i))}
        assert {item["batch"] for item in impact.items} == want
        assert impact.counts["batches"] == len(want)
