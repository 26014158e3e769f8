"""The Batam demo dataset: six UMKM from their dossiers, the PLUT programme they attend, and a login
for every role.

The demo tells the same six stories on any day it is loaded: its dossiers' dates move with the day of
loading (the evaluation date pinned by ``ASSESSMENT_AS_OF``, else today), so a certificate written to be
valid stays valid and a revocation stays in the recent past. The stories: verified by the product's own
certificate (rendang), under review (keripik), ingredient evidence missing (sambal), a revoked supplier
certificate (kue lapis), a line shared with pork (otak-otak), and a product honestly declared non-halal
(char siu).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, Business, Product, Programme, Review, User
from traceability.service import accounts, dossiers, programmes, reviews
from traceability.service.access import Actor, actor_for
from traceability.service.businesses import assign_pendamping
from traceability.vocabulary import ProgrammeMode, Role

__all__ = ["DEMO_DIR", "DemoLoad", "load"]

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"

# Demo passwords are public on purpose: this dataset is for trying the service on one's own machine.
_STAFF = [
    ("admin@demo.halal-trace.id", Role.ADMIN, "Admin PLUT Batam", "demo-admin-2025", "users, reference data"),
    ("auditor@demo.halal-trace.id", Role.AUDITOR, "Rahmat Hidayat (BPJPH)", "demo-auditor-2025", "review queue"),
    (
        "pendamping@demo.halal-trace.id",
        Role.PENDAMPING,
        "Siti Aisyah Harahap",
        "demo-pendamping-2025",
        "follows the first three businesses",
    ),
    (
        "plut@demo.halal-trace.id",
        Role.COORDINATOR,
        "Dewi Lestari (PLUT Batam)",
        "demo-plut-2025",
        "programme dashboard at /coordinator, city registry",
    ),
]
PROGRAMME = {
    "name": "Pendampingan Halal PLUT Batam 2025",
    "organiser": "PLUT-KUMKM Kota Batam",
    "starts_on": dt.date(2025, 8, 4),
    "ends_on": dt.date(2025, 12, 19),
}
IN_PERSON = 3  # the first businesses attend in person with the pendamping; the others follow online
_PRODUCER_PASSWORD = "demo-umkm-2025"


@dataclass
class DemoLoad:
    created: bool
    logins: list[dict[str, str]] = field(default_factory=list)
    businesses: list[dict[str, Any]] = field(default_factory=list)


#: The demo product that waits in the auditor's queue.
IN_REVIEW = "keripik-singkong"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _dossiers() -> list[tuple[str, dict[str, Any]]]:
    return [(path.stem, json.loads(path.read_text(encoding="utf-8"))) for path in sorted(DEMO_DIR.glob("*.json"))]


def shifted(document: Any, days: int) -> Any:
    """The dossier with every date moved by `days` (a dossier's dates are its only ``YYYY-MM-DD`` strings)."""
    if isinstance(document, dict):
        return {key: shifted(value, days) for key, value in document.items()}
    if isinstance(document, list):
        return [shifted(value, days) for value in document]
    if isinstance(document, str) and _DATE.fullmatch(document):
        return (dt.date.fromisoformat(document) + dt.timedelta(days=days)).isoformat()
    return document


def _user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == email))


def load(session: Session, actor: Actor, *, today: dt.date | None = None) -> DemoLoad:
    """Import the demo dossiers and create the demo users; what is already there is left alone,
    so running it again (or after an interrupted run) is safe.

    `today` (default: the session's pinned evaluation date, else today) is the day the dossiers' dates
    are moved to: each dossier's ``as_of`` becomes that day.
    """
    day = today or session.info.get("assessment_as_of") or dt.date.today()
    result = DemoLoad(created=False)
    for email, role, name, password, note in _STAFF:
        if _user(session, email) is None:
            accounts.create_user(session, actor, email=email, role=role, name=name, password=password)
            result.created = True
        result.logins.append({"role": role.value, "email": email, "password": password, "note": note})
    pendamping = _user(session, _STAFF[2][0])
    assert pendamping is not None
    for index, (stem, document) in enumerate(_dossiers()):
        nib = document["business"]["nib"]
        business = session.scalar(sa.select(Business).where(Business.nib == nib))
        product = (
            None
            if business is None
            else session.scalar(
                sa.select(Product).where(Product.business_id == business.id, Product.ref == document["product"]["id"])
            )
        )
        if product is None:
            moved = shifted(document, (day - dt.date.fromisoformat(document["as_of"])).days)
            business = session.get(Business, dossiers.import_dossier(session, actor, moved).business)
            result.created = True
        assert business is not None
        email = f"{stem.split('-')[0]}@demo.halal-trace.id"
        if _user(session, email) is None:
            supervisor = document["business"].get("halal_supervisor") or {}
            accounts.create_user(
                session,
                actor,
                email=email,
                role=Role.PRODUCER,
                business_nib=nib,
                name=supervisor.get("name", ""),
                password=_PRODUCER_PASSWORD,
            )
            if index < 3:
                assign_pendamping(session, actor, pendamping.id, business.id)
        result.logins.append(
            {"role": "producer", "email": email, "password": _PRODUCER_PASSWORD, "note": business.name}
        )
        result.businesses.append({"id": business.id, "name": business.name, "nib": nib})
        if stem == IN_REVIEW:
            _submit_for_review(session, email, business.id)
    _programme(session, actor, result, pendamping.id)
    return result


def _submit_for_review(session: Session, email: str, business_id: int) -> None:
    """The in-review story: the producer has asked for review of its newest batch (once)."""
    if session.scalar(sa.select(Review.id).where(Review.business_id == business_id)) is not None:
        return
    producer = _user(session, email)
    product = session.scalar(sa.select(Product).where(Product.business_id == business_id).order_by(Product.id))
    if (
        producer is None
        or product is None
        or session.scalar(sa.select(Batch.id).where(Batch.product_id == product.id)) is None
    ):
        return
    reviews.submit(session, actor_for(session, producer), product.id, text="Mohon diperiksa untuk self-declare.")


def _programme(session: Session, actor: Actor, result: DemoLoad, pendamping_id: int) -> None:
    """The PLUT cohort over the demo businesses, run by the demo coordinator."""
    if session.scalar(sa.select(Programme.id).where(Programme.name == PROGRAMME["name"])) is not None:
        return
    coordinator = _user(session, _STAFF[3][0])
    assert coordinator is not None
    programme = programmes.create_programme(session, actor, {**PROGRAMME, "coordinator": coordinator.id})
    for index, business in enumerate(result.businesses):
        in_person = index < IN_PERSON
        programmes.add_participant(
            session,
            actor,
            programme.id,
            business["id"],
            ProgrammeMode.IN_PERSON if in_person else ProgrammeMode.ONLINE,
            pendamping_id if in_person else None,
        )
    result.created = True
