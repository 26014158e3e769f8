"""The provenance walker: one upstream and one downstream statement, composed from seeds, depth and crossing."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Batch,
    Business,
    Certificate,
    CertificateScope,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    StepInput,
    Supplier,
)
from tests.helpers import EXAMPLE_NAMES, OPERATOR, example
from traceability.errors import ProvenanceCycleError
from traceability.graph import node_id
from traceability.service import dossiers, provenance, records, verification
from traceability.vocabulary import BusinessScale, CertificateScheme, MaterialKind, SupplierKind

DAY = dt.date(2025, 1, 1)
_NIB = itertools.count(3_000_000_000_000)


@dataclass
class Maker:
    """A business with the one supplier, material and product its records default to."""

    id: int
    supplier: Supplier
    material: Material
    product: Product


class Chains:
    """Builds supply chains record by record, straight into the tables: the walk is what is under test."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.days = itertools.count()

    def business(self) -> Maker:
        business = Business(name="Uji", nib=str(next(_NIB)), scale=BusinessScale.MICRO)
        self.session.add(business)
        self.session.flush()
        maker = Maker(
            business.id,
            Supplier(business_id=business.id, name="S", kind=SupplierKind.MARKET),
            Material(business_id=business.id, name="M", kind=MaterialKind.INGREDIENT),
            Product(business_id=business.id, name="P"),
        )
        self.session.add_all([maker.supplier, maker.material, maker.product])
        self.session.flush()
        return maker

    def lot(self, business: Maker, *, source: Batch | None = None, **links: Any) -> MaterialLot:
        lot = MaterialLot(
            business_id=business.id,
            material_id=links.pop("material", business.material).id,
            supplier_id=links.pop("supplier", business.supplier).id,
            lot_code=f"L{next(self.days)}",
            received_on=DAY + dt.timedelta(days=next(self.days)),
            source_batch_id=None if source is None else source.id,
            **links,
        )
        self.session.add(lot)
        self.session.flush()
        return lot

    def batch(self, business: Maker, *inputs: MaterialLot | Batch) -> Batch:
        """A step of `business` making one batch from `inputs`."""
        step = ProductionStep(business_id=business.id, name="s", performed_on=DAY)
        self.session.add(step)
        self.session.flush()
        for position, used in enumerate(inputs):
            key = "lot_id" if isinstance(used, MaterialLot) else "batch_id"
            self.session.add(StepInput(step_id=step.id, position=position, **{key: used.id}))
        batch = Batch(
            business_id=business.id,
            product_id=business.product.id,
            lot_code=f"B{step.id}",
            produced_on=DAY,
            step_id=step.id,
        )
        self.session.add(batch)
        self.session.flush()
        return batch

    def consume(self, batch: Batch, used: MaterialLot | Batch) -> None:
        """Add an input to the step that made `batch`, past every check (as a bad migration could)."""
        key = "lot_id" if isinstance(used, MaterialLot) else "batch_id"
        self.session.add(StepInput(step_id=batch.step_id, position=99, **{key: used.id}))
        self.session.flush()


@pytest.fixture
def chains(session: Session) -> Chains:
    return Chains(session)


def _up(session: Session, batch: Batch, *, cross: bool = True) -> list[int]:
    walk = provenance.upstream(Batch.id == batch.id, cross=cross)
    return list(session.scalars(sa.select(walk.c.batch_id)))


def _down(session: Session, batch: Batch, *, cross: bool = True) -> list[int]:
    walk = provenance.downstream(Batch.id == batch.id, cross=cross)
    return list(session.scalars(sa.select(walk.c.batch_id)))


def test_upstream_walks_every_intermediate_batch_of_the_business(session, chains):
    a = chains.business()
    first = chains.batch(a, chains.lot(a))
    second = chains.batch(a, first, chains.lot(a))
    final = chains.batch(a, second)
    unrelated = chains.batch(a, chains.lot(a))

    assert sorted(_up(session, final)) == sorted([final.id, second.id, first.id])
    assert unrelated.id not in _up(session, final)
    assert _up(session, first) == [first.id]


def test_upstream_crosses_into_the_business_whose_batch_a_lot_is_only_when_asked(session, chains):
    a, b = chains.business(), chains.business()
    made_by_a = chains.batch(a, chains.lot(a))
    sold_to_b = chains.batch(a, made_by_a)
    bought = chains.lot(b, source=sold_to_b)
    made_by_b = chains.batch(b, bought, chains.lot(b))

    assert sorted(_up(session, made_by_b)) == sorted([made_by_b.id, sold_to_b.id, made_by_a.id])
    assert _up(session, made_by_b, cross=False) == [made_by_b.id]
    assert sorted(_down(session, made_by_a)) == sorted([made_by_a.id, sold_to_b.id, made_by_b.id])
    assert sorted(_down(session, made_by_a, cross=False)) == sorted([made_by_a.id, sold_to_b.id])


def test_depth_counts_production_steps_and_stops_the_walk(session, chains):
    a = chains.business()
    first = chains.batch(a, chains.lot(a))
    second = chains.batch(a, first)
    final = chains.batch(a, second)
    statement = provenance.upstream_statement()

    def reached(depth: int) -> dict[int, int]:
        return dict(session.execute(statement, {"batch": final.id, "depth": depth}).all())

    assert reached(0) == {final.id: 0}
    assert reached(1) == {final.id: 0, second.id: 1}
    assert reached(provenance.MAX_DEPTH) == {final.id: 0, second.id: 1, first.id: 2}
    assert provenance.downstream_batches(session, OPERATOR, node_id("batch", first.id), depth=1) == {
        first.id: 0,
        second.id: 1,
    }


def test_a_diamond_is_walked_once_and_reached_at_its_nearest_depth(session, chains):
    a = chains.business()
    top = chains.batch(a, chains.lot(a))
    left = chains.batch(a, top)
    middle = chains.batch(a, left)
    right = chains.batch(a, top)
    bottom = chains.batch(a, middle, right)

    up = _up(session, bottom)
    down = _down(session, top)
    nearest = dict(session.execute(provenance.upstream_statement(), {"batch": bottom.id, "depth": 10}).all())

    assert sorted(up) == sorted({bottom.id, middle.id, right.id, left.id, top.id})
    assert sorted(down) == sorted({top.id, left.id, middle.id, right.id, bottom.id})
    assert nearest[top.id] == 2  # through `right`, not the longer way through `middle` and `left`


def test_a_cycle_that_slipped_past_capture_still_ends_every_walk(session, chains):
    a, b = chains.business(), chains.business()
    first = chains.batch(a, chains.lot(a))
    second = chains.batch(a, first)
    across = chains.batch(b, chains.lot(b, source=second))
    chains.consume(first, chains.lot(a, source=across))  # first <- across <- second <- first

    loop = {first.id, second.id, across.id}
    assert set(_up(session, first)) == loop
    assert set(_down(session, first)) == loop
    assert set(provenance.batches_made_from(session, [second.id])) == loop
    assert set(provenance.downstream_batches(session, OPERATOR, node_id("batch", first.id))) == loop
    graph = provenance.upstream_graph(session, OPERATOR, first.id)
    assert {n for n, d in graph.nodes(data=True) if d["type"] == "batch"} == {node_id("batch", b) for b in loop}
    assert [lot.id for lot in verification._ingredient_lots(session, second)] == [
        lot.id for lot in _reference_ingredients(second)
    ]


def test_downstream_starts_from_a_batch_lot_supplier_or_certificate(session, chains):
    a = chains.business()
    other_material = Material(business_id=a.id, name="Minyak", kind=MaterialKind.INGREDIENT)
    other_supplier = Supplier(business_id=a.id, name="Pabrik", kind=SupplierKind.MANUFACTURER)
    on_lot = Certificate(business_id=a.id, number="C1", issuer="BPJPH", scheme=CertificateScheme.REGULAR, issued_on=DAY)
    covering = Certificate(
        business_id=a.id, number="C2", issuer="BPJPH", scheme=CertificateScheme.REGULAR, issued_on=DAY
    )
    session.add_all([other_material, other_supplier, on_lot, covering])
    session.flush()
    session.add_all(
        [
            CertificateScope(certificate_id=covering.id, position=0, material_id=other_material.id),
            CertificateScope(certificate_id=covering.id, position=1, product_id=a.product.id),
        ]
    )
    certified = chains.lot(a, certificate_id=on_lot.id)
    oil = chains.lot(a, material=other_material, supplier=other_supplier)
    plain = chains.lot(a)
    with_certified = chains.batch(a, certified)
    with_oil = chains.batch(a, oil)
    final = chains.batch(a, with_certified, plain)
    raw = Batch(business_id=a.id, product_id=a.product.id, lot_code="R", produced_on=DAY)  # no step: a seed only
    session.add(raw)
    session.flush()

    def reached(kind: str, key: int) -> dict[int, int]:
        return provenance.downstream_batches(session, OPERATOR, node_id(kind, key))

    assert reached("batch", with_certified.id) == {with_certified.id: 0, final.id: 1}
    assert reached("lot", plain.id) == {final.id: 1}
    assert reached("supplier", other_supplier.id) == {with_oil.id: 1}
    assert reached("certificate", on_lot.id) == {with_certified.id: 1, final.id: 2}
    # A certificate covering a material reaches the lots of it; covering the product, every batch of it.
    batches_of_product = {b.id: 0 for b in (with_certified, with_oil, final, raw)}
    assert reached("certificate", covering.id) == batches_of_product
    impact = provenance.downstream_impact(session, OPERATOR, node_id("certificate", on_lot.id))
    assert impact.counts["batches"] == 2
    assert [item["batch"] for item in impact.items] == sorted([with_certified.id, final.id])


def _reference_ingredients(batch: Batch) -> list[MaterialLot]:
    """The consumer page's ingredient list by plain iteration: the lots of the batch's step and of the steps
    that made its intermediate batches, a lot received as another business's batch listed as the lot."""
    lots: dict[int, MaterialLot] = {}
    seen: set[int] = set()
    todo = [batch]
    while todo:
        step = todo.pop().step
        if step is None or step.id in seen:
            continue
        seen.add(step.id)
        for used in step.inputs:
            if used.lot is not None:
                lots[used.lot.id] = used.lot
            elif used.batch is not None:
                todo.append(used.batch)
    return sorted(lots.values(), key=lambda lot: (lot.received_on, lot.id))


def test_ingredient_lists_of_the_example_dossiers_are_the_lots_of_the_chain_of_step_inputs(session):
    for name in EXAMPLE_NAMES:
        dossiers.import_dossier(session, OPERATOR, example(name))
    final = {
        b.business_id: b for b in session.scalars(sa.select(Batch).order_by(Batch.id))
    }  # the last batch of each business: its packed product
    buyer, seller = sorted(final)[:2]
    sold = session.scalar(sa.select(MaterialLot).where(MaterialLot.business_id == seller).order_by(MaterialLot.id))
    sold.source_batch_id = final[buyer].id  # a lot the seller received is the buyer's batch: listed, not opened
    session.commit()

    listed = {
        b.id: [lot.id for lot in verification._ingredient_lots(session, b)] for b in session.scalars(sa.select(Batch))
    }

    for batch in session.scalars(sa.select(Batch)):
        assert listed[batch.id] == [lot.id for lot in _reference_ingredients(batch)]
    rendang = example("rendang-ok")
    packed = session.scalar(sa.select(Batch).where(Batch.ref == "b-rendang"))
    codes = [session.get(MaterialLot, lot).lot_code for lot in listed[packed.id]]
    assert sorted(codes) == sorted(lot["lot_code"] for lot in rendang["lots"])
    assert sold.id in listed[final[seller].id]
    assert not set(listed[final[seller].id]) & set(listed[final[buyer].id])


def test_a_cycle_through_another_business_is_refused_at_capture(session, chains):
    a, b = chains.business(), chains.business()
    made_by_a = chains.batch(a, chains.lot(a))
    made_by_b = chains.batch(b, chains.lot(b, source=made_by_a))
    back_to_a = chains.lot(a, source=made_by_b)  # A bought B's batch, which is made from A's own batch
    session.commit()
    step = session.get(ProductionStep, made_by_a.step_id)
    before = [(i.lot_id, i.batch_id) for i in step.inputs]

    with pytest.raises(ProvenanceCycleError) as refused:
        records.update_record(
            session,
            OPERATOR,
            "steps",
            step.id,
            {"inputs": [{"lot": i.lot_id} for i in step.inputs] + [{"lot": back_to_a.id}]},
        )

    assert "cycle" in refused.value.errors["inputs"][0]
    session.rollback()
    session.expire_all()
    assert [(i.lot_id, i.batch_id) for i in session.get(ProductionStep, step.id).inputs] == before
    # Received but not used, the same lot makes no cycle.
    other = chains.batch(a, back_to_a)
    provenance.check_acyclic(session, [session.get(ProductionStep, other.step_id)])
