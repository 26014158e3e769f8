"""What several test modules share: example data, the two businesses of `world`, database copies, request
helpers. Plain functions and constants only; the fixtures built on them live in the conftests."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import sqlalchemy as sa
import zxingcpp
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema, fields, validate
from PIL import Image
from sqlalchemy.orm import Session

from api import schemas
from api.db import make_engine
from models import (
    Assessment,
    Base,
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
from traceability.service import accounts, assessments, backup, businesses, dossiers, programmes
from traceability.service.access import Actor, Capability
from traceability.service.journal import LogKeys
from traceability.service.record_kinds import KINDS
from traceability.service.unit_of_work import writing
from traceability.vocabulary import ProgrammeMode, ReviewState, Role

# --- examples and settings ----------------------------------------------------------------------

EXAMPLES = Path(__file__).parent / "data" / "examples"
EXAMPLE_NAMES = ["rendang-ok", "kue-lapis-gelatin", "otak-otak-shared-line"]
POSTGRES_URL = os.environ.get("HALAL_TRACE_TEST_DATABASE_URL")
OPERATOR = Actor.operator("test")
ASSESSMENT_DAY = "2025-11-24"
PASSWORD = "correct horse battery"  # every user of `world`


def count_rows(session: Session, model: Any) -> int:
    """How many rows `model`'s table holds now (what the session cached is forgotten first)."""
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def example(name: str) -> dict[str, Any]:
    """A shared example dossier, as parsed JSON."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def provenance_graph() -> nx.DiGraph[str]:
    """A small upstream trace with the attributes the service gives each node: beef received under the
    slaughterhouse's certificate and coconut milk from a market, cooked into one batch of rendang."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_node("business:1", type="business", name="Rendang Bundo", nib="1208230044517")
    graph.add_node(
        "supplier:1",
        type="supplier",
        name="RPH Tanjung Uncang",
        kind="slaughterhouse",
        country="ID",
        nib=None,
        business=1,
    )
    graph.add_node("supplier:2", type="supplier", name="Toko Sinar", kind="market", country="ID", nib=None, business=1)
    graph.add_node(
        "material:1",
        type="material",
        name="Daging sapi",
        kind="ingredient",
        category="meat",
        origin="animal",
        species="bovine",
        business=1,
    )
    graph.add_node(
        "material:2", type="material", name="Santan", kind="ingredient", category=None, origin="plant", business=1
    )
    graph.add_node(
        "certificate:1",
        type="certificate",
        number="ID00410000123450724",
        issuer="BPJPH",
        scheme="regular",
        status="active",
        holder="supplier:1",
        issued_on=dt.date(2024, 7, 1),
        valid_until=None,
        status_since=None,
        business=1,
    )
    graph.add_node(
        "lot:1", type="lot", lot_code="DS-2511", quantity=5, unit="kg", received_on=dt.date(2025, 11, 17), business=1
    )
    graph.add_node(
        "lot:2", type="lot", lot_code="SN 1", quantity=None, unit="ikat", received_on=dt.date(2025, 11, 17), business=1
    )
    graph.add_node(
        "facility:1", type="facility", name="Dapur Bundo", kind="production", dedicated_halal=True, business=1
    )
    graph.add_node(
        "step:1",
        type="step",
        name="Masak rendang",
        performed_on=dt.date(2025, 11, 18),
        process="cooking",
        equipment=None,
        business=1,
    )
    graph.add_node(
        "batch:1",
        type="batch",
        lot_code="RBN-251118",
        produced_on=dt.date(2025, 11, 18),
        product_name="Rendang Sapi",
        gtin="8994471000237",
        business=1,
    )
    graph.add_edge("supplier:1", "lot:1", kind="supplied")
    graph.add_edge("material:1", "lot:1", kind="instance_of")
    graph.add_edge("certificate:1", "lot:1", kind="certifies")
    graph.add_edge("supplier:2", "lot:2", kind="supplied")
    graph.add_edge("material:2", "lot:2", kind="instance_of")
    graph.add_edge("lot:1", "step:1", kind="used", quantity=2, unit="kg")
    graph.add_edge("lot:2", "step:1", kind="used", quantity=1, unit="ikat")
    graph.add_edge("facility:1", "step:1", kind="hosted")
    graph.add_edge("business:1", "step:1", kind="performed")
    graph.add_edge("step:1", "batch:1", kind="generated")
    return graph


# --- database copies ------------------------------------------------------------------------------


def _empty_postgres(connection: sa.Connection) -> None:
    """Empty every table and restart every sequence, as a fresh migration leaves them.

    A DELETE of the few tables a test filled, with foreign keys off for the transaction, costs ~20 ms; a
    TRUNCATE of all 47 tables costs ~300 ms (it makes new files for each), which was a quarter of the run.
    """
    names = [t.name for t in Base.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names)
    filled = list(connection.execute(sa.text(probe)).scalars())
    if filled:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for name in filled:
            connection.execute(sa.text(f'DELETE FROM "{name}"'))
    connection.execute(
        sa.text(
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
    )


def reset_postgres(url: str) -> None:
    """Empty every table, as a fresh migration leaves it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        _empty_postgres(connection)
    engine.dispose()


def pg_snapshot(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (PostgreSQL test data is small), to put back with :func:`pg_restore`."""
    with engine.connect() as connection:
        return {
            t.name: [dict(r._mapping) for r in connection.execute(sa.select(t))] for t in Base.metadata.sorted_tables
        }


def pg_restore(engine: sa.Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the database's rows with a snapshot, sequences included (much faster than rebuilding it)."""
    tables = Base.metadata.sorted_tables
    with engine.begin() as connection:
        _empty_postgres(connection)
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))  # product <-> certificate keys
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
        backup.reset_sequences(connection)  # every integer key's sequence, the journal's seq included


def restore(engine: sa.Engine, template: str) -> None:
    """Put a SQLite template file behind `engine` (closing its connections first)."""
    engine.dispose()
    target = Path(str(engine.url.database))
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)


def snapshot(engine: sa.Engine, destination: Path) -> str:
    """Copy the database behind `engine` to a template file (SQLite)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copyfile(str(engine.url.database), destination)
    return str(destination)


# --- the world: two businesses and a user of every role ------------------------------------------


@dataclass
class World:
    """Two businesses and a user with a token for every role the authorisation table names."""

    business_a: int
    business_b: int
    programme: int = 0  # run by the coordinator, with business A in it
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    users: dict[str, int] = dataclasses.field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Headers that authenticate as `who` (anonymous sends none)."""
        return {} if who == "anonymous" else {"Authorization": f"Bearer {self.tokens[who]}"}


BUSINESS_A = {"name": "Rendang Bundo", "nib": "1208230044517", "scale": "small", "annual_turnover_idr": 900_000_000}
BUSINESS_B = {"name": "Otak-Otak Cik Ani", "nib": "9120216648390", "scale": "micro", "annual_turnover_idr": 200_000_000}
ROLES = ["anonymous", "producer_a", "producer_b", "pendamping_a", "pendamping_other", "auditor", "admin", "coordinator"]
# Each signed-in person of the world: their role and the NIB of the business they belong to or follow.
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "producer_a": (Role.PRODUCER, str(BUSINESS_A["nib"])),
    "producer_b": (Role.PRODUCER, str(BUSINESS_B["nib"])),
    "pendamping_a": (Role.PENDAMPING, str(BUSINESS_A["nib"])),
    "pendamping_other": (Role.PENDAMPING, None),
    "auditor": (Role.AUDITOR, None),
    "admin": (Role.ADMIN, None),
    "coordinator": (Role.COORDINATOR, None),
}


def build_world(session: Session) -> World:
    """Create the two businesses and a user with a token for every role."""
    a = businesses.create_business(session, OPERATOR, BUSINESS_A)
    b = businesses.create_business(session, OPERATOR, BUSINESS_B)
    world = World(business_a=a.id, business_b=b.id)
    for who, (role, nib) in PEOPLE.items():
        user, _ = accounts.create_user(
            session, OPERATOR, email=f"{who}@test.id", role=role, business_nib=nib, password=PASSWORD
        )
        _, token = accounts.create_token(session, OPERATOR, user=user)
        world.users[who], world.tokens[who] = user.id, token
    programme = programmes.create_programme(
        session,
        OPERATOR,
        {
            "name": "Pendampingan Halal PLUT Batam",
            "organiser": "PLUT Batam",
            "starts_on": dt.date(2025, 8, 4),
            "coordinator": world.users["coordinator"],
        },
    )
    programmes.add_participant(
        session, OPERATOR, programme.id, a.id, ProgrammeMode.IN_PERSON, world.users["pendamping_a"]
    )
    world.programme = programme.id
    return world


# --- the world filled from the examples -------------------------------------------------------------

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


# --- reading and changing the filled records ------------------------------------------------------


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


def final_batch(session, business_id):
    """The business's batch that no step consumes: the finished product."""
    consumed = (
        sa.select(sa.literal(1))
        .where(sa.text("step_input.batch_id = batch.id"))
        .select_from(sa.table("step_input"))
        .exists()
    )
    return session.scalar(sa.select(Batch).where(Batch.business_id == business_id, ~consumed))


def stored(session, batch_id):
    """The batch's stored assessment, read afresh."""
    session.expire_all()
    return session.scalar(sa.select(Assessment).where(Assessment.batch_id == batch_id))


def last_batch(session, business_id: int) -> int:
    """The id of the business's most recently recorded batch."""
    return session.scalar(sa.select(Batch.id).where(Batch.business_id == business_id).order_by(Batch.id.desc()))


def issue(client: FlaskClient, filled: Filled, batch=None, who="producer_a", **body):
    """Issue codes for a batch (the first of business A unless told) and return the first one."""
    response = client.post(
        f"/api/v1/batches/{batch or filled.own['batches']}/codes", json=body, headers=filled.auth(who)
    )
    assert response.status_code == 201, response.json
    assert response.json is not None
    return response.json[0]


_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def qr_texts(image: Image.Image) -> list[str]:
    """What the QR codes in `image` say, in reading order. QR only: a scan for every format now and then
    reads a few of a QR code's modules as a short 1D barcode too."""
    return [r.text for r in zxingcpp.read_barcodes(image, formats=_QR_ONLY)]


# --- the text fields of every record kind, from the API schemas ----------------------------------

FieldPath = tuple[str | int, ...]


def text_fields(schema: Schema | type[Schema], prefix: FieldPath = ()) -> Iterator[tuple[FieldPath, fields.Field]]:
    """Every string field of `schema`, nested objects and lists included, with its path in a body."""
    instance = schema() if isinstance(schema, type) else schema
    for name, field in instance.fields.items():
        key = field.data_key or name
        inner = field.inner if isinstance(field, fields.List) else field
        path = (*prefix, key, 0) if isinstance(field, fields.List) else (*prefix, key)
        if isinstance(inner, fields.String):
            yield path, inner
        elif isinstance(inner, fields.Nested):
            yield from text_fields(inner.schema, path)


def max_length(field: fields.Field) -> int | None:
    """The length limit of a free-text field; None for fields with a format (regexp, NIB, GTIN, enum)."""
    if any(not isinstance(v, validate.Length) for v in field.validators):
        return None
    return next((v.max for v in field.validators if isinstance(v, validate.Length)), None)


def record_schema(kind: str) -> type[Schema]:
    return schemas.record_schemas(kind)[0]


SCHEMAS = {**{kind: record_schema(kind) for kind in KINDS}, "businesses": schemas.BusinessIn}


def free_text(kind: str) -> list[tuple[str, int]]:
    """Top-level free-text fields of a record kind and their length limits."""
    found = []
    for path, field in text_fields(SCHEMAS[kind]):
        limit = max_length(field)
        if len(path) == 1 and limit is not None:
            found.append((str(path[0]), limit))
    return found


# --- web pages ----------------------------------------------------------------------------------------

# Each people's page with the capability its gate asks for (None: any signed-in user).
WEB_GATES: dict[tuple[str, str], Capability | None] = {
    (rule, method): capability
    for rule, methods, capability in (
        ("/producer", ["GET"], Capability.WRITE_RECORDS),
        ("/pendamping", ["GET"], Capability.FOLLOW_ASSIGNED_BUSINESSES),
        ("/auditor", ["GET"], Capability.REVIEW),
        ("/admin", ["GET"], Capability.MANAGE_USERS),
        ("/producer/<kind>", ["GET"], Capability.WRITE_RECORDS),
        ("/producer/<kind>/new", ["GET", "POST"], Capability.WRITE_RECORDS),
        ("/producer/<kind>/<int:record_id>", ["GET"], Capability.WRITE_RECORDS),
        ("/producer/<kind>/<int:record_id>/edit", ["GET", "POST"], Capability.WRITE_RECORDS),
        ("/producer/<kind>/<int:record_id>/void", ["POST"], Capability.WRITE_RECORDS),
        ("/producer/certificates/<int:record_id>/evidence", ["POST"], Capability.WRITE_RECORDS),
        ("/producer/<kind>/<int:record_id>/files", ["POST"], Capability.WRITE_RECORDS),
        ("/producer/business/files", ["POST"], Capability.WRITE_RECORDS),
        ("/files/<kind>/<int:record_id>/<sha256>", ["GET"], Capability.READ_RECORDS),
        ("/producer/business", ["GET", "POST"], Capability.WRITE_RECORDS),
        ("/producer/welcome", ["GET"], Capability.WRITE_RECORDS),
        ("/invitations", ["POST"], Capability.INVITE_PRODUCERS),
        ("/producer/import", ["GET", "POST"], Capability.WRITE_RECORDS),
        ("/producer/import/template.csv", ["GET"], Capability.WRITE_RECORDS),
        ("/producer/products/<int:product_id>/submit", ["POST"], Capability.SUBMIT_FOR_REVIEW),
        ("/pendamping/businesses/<int:business_id>", ["GET", "POST"], Capability.FOLLOW_ASSIGNED_BUSINESSES),
        ("/businesses/<int:business_id>/as-producer", ["GET"], Capability.READ_RECORDS),
        ("/pendamping/businesses/<int:business_id>/<kind>", ["GET"], Capability.FOLLOW_ASSIGNED_BUSINESSES),
        (
            "/pendamping/businesses/<int:business_id>/<kind>/<int:record_id>",
            ["GET"],
            Capability.FOLLOW_ASSIGNED_BUSINESSES,
        ),
        ("/auditor/reviews/<int:review_id>", ["GET", "POST"], Capability.REVIEW),
        ("/journal/products/<int:product_id>", ["GET"], Capability.READ_RECORDS),
        ("/account/password", ["GET", "POST"], None),
        # Operators' pages (api/operators.py).
        ("/auditor/certificates", ["GET"], Capability.DECIDE_CERTIFICATES),
        ("/auditor/certificates/<int:certificate_id>", ["GET", "POST"], Capability.DECIDE_CERTIFICATES),
        ("/auditor/certificates/<int:certificate_id>/scan", ["GET"], Capability.DECIDE_CERTIFICATES),
        ("/admin/register", ["GET", "POST"], Capability.MANAGE_REFERENCE),
        ("/admin/certificates", ["GET"], Capability.DECIDE_CERTIFICATES),
        ("/admin/certificates/<int:certificate_id>", ["GET", "POST"], Capability.DECIDE_CERTIFICATES),
        ("/admin/users", ["GET", "POST"], Capability.MANAGE_USERS),
        ("/admin/codes", ["GET", "POST"], Capability.REVOKE_ANY_CODE),
        ("/producer/reviews/<int:review_id>", ["GET", "POST"], Capability.SUBMIT_FOR_REVIEW),
        # The coordinator's pages (api/coordinator.py): the dashboard says "no programme" to anyone else.
        ("/coordinator", ["GET"], None),
        ("/coordinator/programmes/new", ["GET", "POST"], Capability.RUN_PROGRAMMES),
        ("/coordinator/programmes/<int:programme_id>/enrol", ["GET", "POST"], Capability.RUN_PROGRAMMES),
        (
            "/coordinator/programmes/<int:programme_id>/participants.<any(csv, xlsx):fmt>",
            ["GET"],
            Capability.RUN_PROGRAMMES,
        ),
        ("/coordinator/programmes/<int:programme_id>/report.pdf", ["GET"], Capability.RUN_PROGRAMMES),
        # The admin's console (api/admin_console.py).
        ("/admin/businesses", ["GET"], Capability.MANAGE_USERS),
        ("/admin/invitations", ["GET", "POST"], Capability.MANAGE_USERS),
        ("/admin/tokens", ["GET", "POST"], Capability.MANAGE_USERS),
        ("/admin/keys", ["GET", "POST"], Capability.MANAGE_REFERENCE),
        ("/admin/journal", ["GET", "POST"], Capability.READ_WHOLE_JOURNAL),
        ("/admin/reference", ["GET", "POST"], Capability.MANAGE_REFERENCE),
    )
    for method in methods
}
WEB_PAGES = list(WEB_GATES)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


# --- the browser ------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("HALAL_TRACE_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --- a large EPCIS document -------------------------------------------------------------------------

EPC_BASE = f"https://trace.test/epc/{BUSINESS_A['nib']}"
HT = "urn:halal-trace:"


def _attributes(**values: str) -> list[dict[str, str]]:
    return [{"id": HT + name, "attribute": value} for name, value in values.items()]


def epcis_document(events: int, first: int = 0) -> dict[str, Any]:
    """A valid EPCIS 2.0 document for business A: receipts of sugar lots, each made into one batch of cake
    (lots and batches numbered from `first`)."""
    pairs = events // 2
    material, product = f"{EPC_BASE}/material/Gula%20pasir", f"{EPC_BASE}/product/Kue%20lapis"
    supplier, facility = f"{EPC_BASE}/supplier/Toko%20Sinar", f"{EPC_BASE}/facility/Dapur"
    master = {
        "vocabularyList": [
            {
                "type": "urn:epcglobal:epcis:vtype:EPCClass",
                "vocabularyElementList": [
                    {
                        "id": material,
                        "attributes": _attributes(
                            name="Gula pasir", kind="ingredient", category="sugar", origin="plant"
                        ),
                    },
                    {"id": product, "attributes": _attributes(name="Kue lapis")},
                ],
            },
            {
                "type": "urn:epcglobal:epcis:vtype:Party",
                "vocabularyElementList": [
                    {"id": supplier, "attributes": _attributes(name="Toko Sinar", kind="market", country="ID")}
                ],
            },
            {
                "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                "vocabularyElementList": [
                    {"id": facility, "attributes": _attributes(name="Dapur", kind="production", dedicatedHalal="true")}
                ],
            },
        ]
    }
    receipts = [
        {
            "type": "ObjectEvent",
            "eventTime": "2025-11-01T08:00:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "action": "ADD",
            "bizStep": "receiving",
            "quantityList": [{"epcClass": f"{material}/lot/GP-{i:05d}", "quantity": 5, "uom": "KGM"}],
            "sourceList": [{"type": "owning_party", "source": supplier}],
        }
        for i in range(first, first + pairs)
    ]
    transformations = [
        {
            "type": "TransformationEvent",
            "eventTime": "2025-11-02T08:00:00+07:00",
            "eventTimeZoneOffset": "+07:00",
            "ht:name": "Aduk dan panggang",
            "inputQuantityList": [{"epcClass": f"{material}/lot/GP-{i:05d}", "quantity": 1, "uom": "KGM"}],
            "outputQuantityList": [{"epcClass": f"{product}/lot/KL-{i:05d}", "quantity": 10}],
            "bizLocation": {"id": facility},
        }
        for i in range(first, first + pairs)
    ]
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ht": HT}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-11-03T00:00:00Z",
        "epcisHeader": {"epcisMasterData": master},
        "epcisBody": {"eventList": receipts + transformations},
    }


# --- one stored product per public status reason ------------------------------------------------------


def _story_seal(draft: Any) -> tuple[str, str, str]:
    return f"https://trace.test/v/{draft.code}", "test-key", "unsigned"  # pages read without ?s= check no signature


def _demo(name: str) -> dict[str, Any]:
    from traceability.service.demo import DEMO_DIR, shifted

    document: dict[str, Any] = json.loads((DEMO_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return dict(
        shifted(document, (dt.date.fromisoformat(ASSESSMENT_DAY) - dt.date.fromisoformat(document["as_of"])).days)
    )


def _rendang(change: Any = None) -> dict[str, Any]:
    document = example("rendang-ok")
    if change is not None:
        change(document)
    return document


def _pork_oil(document: dict[str, Any]) -> None:
    oil = next(m for m in document["materials"] if m["id"] == "m-minyak")
    oil["name"] = "Minyak babi"


def _no_supervisor(document: dict[str, Any]) -> None:
    document["business"]["halal_supervisor"] = None


def _halal_logo(document: dict[str, Any]) -> None:
    document["product"]["halal_claim"] = True
    document["product"]["label"] = {"halal_logo": True, "printed_number": "ID00000000000000000"}


#: The dossier each public status reason is shown with (and what happens after import, in `status_story`).
STORY_DOSSIERS: dict[str, Any] = {
    "approved": lambda: _rendang(),
    "product_certificate": lambda: _demo("rendang-ok"),
    "under_review": lambda: _rendang(),
    "evidence_missing": lambda: _demo("sambal-lado"),
    "certificate_inactive": lambda: example("kue-lapis-gelatin"),
    "certificate_unconfirmed": lambda: _demo("rendang-ok"),
    "not_certified": lambda: _rendang(),
    "cannot_be_certified": lambda: _rendang(_no_supervisor),
    "false_halal_claim": lambda: _rendang(_halal_logo),
    "haram_material": lambda: _rendang(_pork_oil),
    "najis_contact": lambda: example("otak-otak-shared-line"),
    "declared_non_halal": lambda: _demo("charsiu-ah-hock"),
    "code_revoked": lambda: _rendang(),
}


def status_story(session: Session, reason: str, index: int) -> str:
    """Store the product of `reason`'s story as a business of its own and return a code of its finished batch."""
    from qr import codes
    from traceability.service import register_import, reviews, verification
    from traceability.service.demo import DEMO_REGISTER

    document = STORY_DOSSIERS[reason]()
    if reason != "product_certificate":  # the register knows that holder by its NIB
        document["business"]["nib"] = f"79{index:011d}"
    document["product"]["gtin"] = None
    imported = dossiers.import_dossier(session, OPERATOR, document)
    product = session.scalar(sa.select(Product).where(Product.business_id == imported.business))
    assert product is not None
    batch = reviews.latest_batch(session, product.id)
    assert batch is not None
    if reason == "approved":
        approve(session, batch.id)
    elif reason == "under_review":
        with writing(session):
            session.add(Review(business_id=batch.business_id, product_id=product.id, batch_id=batch.id))
        with writing(session):
            assessments.assess_batches(session, [batch.id])
    elif reason == "product_certificate":
        # The BPJPH register lists the product's own SH for this holder: someone other than the producer vouches.
        register_import.import_snapshot(
            session,
            OPERATOR,
            DEMO_REGISTER.read_text(encoding="utf-8"),
            source="BPJPH (test)",
            snapshot_date=dt.date.fromisoformat(ASSESSMENT_DAY),
        )
        session.commit()
    # certificate_unconfirmed: the same dossier with nobody's check; the SH is only the producer's word.
    (code,) = verification.issue_codes(session, OPERATOR, batch.id, seal=_story_seal, new_code=codes.new_code)
    if reason == "code_revoked":
        verification.revoke_code(session, OPERATOR, code.code)
    session.commit()
    return code.code


# --- the journal's keys ---------------------------------------------------------------------------------


def log_keys(app: Flask) -> LogKeys:
    """The app's journal keys (its code-signing key ring under the log's name), for sealing and checking."""
    from api.signing import journal_keys

    with app.app_context():
        return journal_keys()


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts (gunicorn, nginx, a crashing importer)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app's (primary) engine runs inside the block."""
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    engine = app.extensions["db_engine"]
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


# The demo dossier with the most kinds of record: storage, transport, a product certificate and composition.
SAMBAL = json.loads(
    (Path(__file__).resolve().parents[1] / "traceability" / "demo" / "sambal-lado.json").read_text(encoding="utf-8")
)


def grown_dossier(document: dict[str, Any], runs: int, nib: str) -> dict[str, Any]:
    """The dossier with `runs` more production runs: every lot, step and batch again under new ids, stored
    and carried like the first; and a material the salt is made with, so "made with" is followed too."""
    grown = copy.deepcopy(document)
    grown["business"]["nib"] = nib
    grown["product"]["gtin"] = None
    base = copy.deepcopy(grown["materials"][0])
    grown["materials"].append({**base, "id": "m-garam-laut", "name": "Garam laut", "made_with": []})
    next(m for m in grown["materials"] if m["id"] == "m-garam")["made_with"] = ["m-garam-laut"]
    for run in range(1, runs + 1):
        renamed = {r["id"]: f"{r['id']}-{run}" for r in document["lots"] + document["steps"] + document["batches"]}
        grown["lots"] += [
            {**lot, "id": renamed[lot["id"]], "lot_code": f"{lot['lot_code']}-{run}"} for lot in document["lots"]
        ]
        grown["steps"] += [
            {
                **step,
                "id": renamed[step["id"]],
                "inputs": [renamed[i] for i in step["inputs"]],
                "outputs": [renamed[o] for o in step["outputs"]],
            }
            for step in document["steps"]
        ]
        grown["batches"] += [
            {**b, "id": renamed[b["id"]], "step": renamed[b["step"]], "lot_code": f"{b['lot_code']}-{run}"}
            for b in document["batches"]
        ]
        grown["storage"] += [{**st, "holds": [renamed[h] for h in st["holds"]]} for st in document["storage"]]
        grown["transport"] += [{**tr, "carries": [renamed[c] for c in tr["carries"]]} for tr in document["transport"]]
    return grown
