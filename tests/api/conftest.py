"""Fixtures for API tests: the two businesses of `world` filled from the shared examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from models import (
    Assessment,
    Batch,
    Certificate,
    Facility,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    Review,
    ReviewEvent,
    Supplier,
)
from tests.conftest import (
    OPERATOR,
    POSTGRES_URL,
    World,
    build_world,
    example,
    pg_restore,
    pg_snapshot,
    reset_postgres,
    restore,
    snapshot,
)
from traceability.service import assessments, dossiers
from traceability.service.unit_of_work import writing
from traceability.vocabulary import ReviewState

# Each record kind's model; every one has `id` and `business_id`.
MODELS: dict[str, Any] = {
    "suppliers": Supplier,
    "certificates": Certificate,
    "materials": Material,
    "lots": MaterialLot,
    "facilities": Facility,
    "products": Product,
    "steps": ProductionStep,
    "batches": Batch,
}


@dataclass
class Filled:
    world: World
    own: dict[str, int]  # one record id of each kind in business A
    foreign: dict[str, int]  # the same in business B
    product_a: int
    product_b: int

    def auth(self, who: str) -> dict[str, str]:
        return self.world.auth(who)


def first_ids(session, business_id: int) -> dict[str, int]:
    return {
        kind: session.scalar(sa.select(model.id).where(model.business_id == business_id).order_by(model.id))
        for kind, model in MODELS.items()
    }


def build_filled(session) -> Filled:
    world = build_world(session)
    a = dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    b = dossiers.import_dossier(session, OPERATOR, example("otak-otak-shared-line"))
    assert (a.business, b.business) == (world.business_a, world.business_b)
    return Filled(world, first_ids(session, a.business), first_ids(session, b.business), a.product, b.product)


@pytest.fixture(scope="session")
def filled_template(shared_app, shared_engine, migrated_template, tmp_path_factory):
    """Build the filled database once (imports and assessments of two dossiers cost ~0.4 s) and put a
    copy back for each test: a file copy on SQLite, a row snapshot on PostgreSQL."""
    if POSTGRES_URL:
        reset_postgres(migrated_template)
    else:
        restore(shared_engine, migrated_template)
    with shared_app.extensions["db_sessionmaker"]() as session:
        data = build_filled(session)
    if POSTGRES_URL:
        return pg_snapshot(shared_engine), data
    return snapshot(shared_engine, tmp_path_factory.mktemp("filled") / "filled.sqlite"), data


@pytest.fixture
def filled(app, session, filled_template) -> Filled:
    saved, data = filled_template
    session.close()
    if POSTGRES_URL:
        pg_restore(app.extensions["db_engine"], saved)
    else:
        restore(app.extensions["db_engine"], saved)
    return data


def create_bodies(ids: dict[str, int], gtin: str = "8994471000244") -> dict[str, dict[str, Any]]:
    """A valid creation body for each kind, referring to the records in `ids`."""
    return {
        "suppliers": {"name": "Toko Bahan Kue Sinar", "kind": "market", "country": "ID"},
        "certificates": {
            "number": "ID21110000999990125",
            "issuer": "BPJPH",
            "scheme": "regular",
            "holder": ids["suppliers"],
            "covers": [{"material": ids["materials"]}],
            "issued_on": "2025-01-09",
        },
        "materials": {"name": "Gula pasir", "kind": "ingredient", "category": "sugar", "origin": "plant"},
        "lots": {
            "material": ids["materials"],
            "supplier": ids["suppliers"],
            "lot_code": "GP-2511-01",
            "quantity": 5,
            "unit": "kg",
            "received_on": "2025-11-20",
        },
        "facilities": {"name": "Gudang kering", "kind": "storage", "dedicated_halal": True},
        "products": {"name": "Rendang Ayam", "gtin": gtin, "halal_claim": False},
        "steps": {
            "name": "Aduk",
            "on": "2025-11-21",
            "facility": ids["facilities"],
            "inputs": [{"lot": ids["lots"], "quantity": 1.5, "unit": "kg"}],
        },
        "batches": {"product": ids["products"], "lot_code": "RBN-251121", "produced_on": "2025-11-21"},
    }


PATCH_BODIES = {
    "suppliers": {"name": "RPH Tanjung Uncang"},
    "certificates": {"kh_number": "KH-2024-0099"},
    "materials": {"species": "bovine"},
    "lots": {"unit": "g", "quantity": 2500},
    "facilities": {"dedicated_halal": False},
    "products": {"brand": "Bundo"},
    "steps": {"equipment": "Kuali besar"},
    "batches": {"lot_code": "RBN-X-1"},
}


def approve(session, batch_id):
    """An auditor approved the batch's product: with an ok verdict, the batch is halal verified."""
    batch = session.get(Batch, batch_id)
    digest = assessments.current_assessment(session, batch_id).graph_digest
    review = Review(
        business_id=batch.business_id, product_id=batch.product_id, batch_id=batch_id, state=ReviewState.APPROVED
    )
    review.events.append(ReviewEvent(action="approve", comment="test approval", graph_digest=digest))
    session.add(review)
    session.commit()
    with writing(session):
        assessments.assess_batches(session, [batch_id])
    assert session.scalar(sa.select(Assessment.status).where(Assessment.batch_id == batch_id)) == "halal_verified"
