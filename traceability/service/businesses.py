"""Registering businesses and keeping their profile (NIB, scale, penyelia halal, SJPH records)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, PendampingAssignment, User
from traceability.errors import ConflictError, NotFoundError, PermissionDeniedError
from traceability.journal import canonical_json
from traceability.service import accounts, journal
from traceability.service.access import Actor
from traceability.service.business_search import index_businesses, search_page, tokens_of
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import Role

__all__ = [
    "apply_business",
    "assign_pendamping",
    "business_body",
    "business_payload",
    "business_wire",
    "create_business",
    "get_business",
    "list_businesses",
    "update_business",
]

_PLAIN = ("name", "nib", "scale", "annual_turnover_idr", "country", "address", "region")
_SJPH = ("last_training_on", "last_internal_audit_on", "last_management_review_on")
REGISTRY = ("owner", "kelurahan", "kecamatan", "city", "phone", "kbli")


def apply_business(obj: Business, data: dict[str, Any]) -> None:
    """Set the fields present in `data` (wire form) on `obj`."""
    for name in _PLAIN:
        if name in data:
            setattr(obj, name, data[name])
    if "halal_supervisor" in data:
        s = data["halal_supervisor"] or {}
        obj.supervisor_name = s.get("name")
        obj.supervisor_muslim = s.get("muslim")
        obj.supervisor_trained_on = s.get("trained_on")
    if "sjph" in data:
        for name in _SJPH:
            setattr(obj, f"sjph_{name}", data["sjph"].get(name))


def business_wire(obj: Business) -> dict[str, Any]:
    """The business in wire form, as the dossier and the API carry it."""
    supervisor = None
    if obj.supervisor_name is not None:
        supervisor = {
            "name": obj.supervisor_name,
            "muslim": obj.supervisor_muslim,
            "trained_on": obj.supervisor_trained_on,
        }
    return {
        **{name: getattr(obj, name) for name in _PLAIN},
        "halal_supervisor": supervisor,
        "sjph": {name: getattr(obj, f"sjph_{name}") for name in _SJPH},
    }


def business_body(obj: Business) -> dict[str, Any]:
    """Wire form with identity (Python values) and the registry fields, for the API."""
    return {
        "id": obj.id,
        "version": obj.version,
        **business_wire(obj),
        **{name: getattr(obj, name) for name in REGISTRY},
    }


def listed_body(actor: Actor, obj: Business) -> dict[str, Any]:
    """A business as a list shows it: one seen only in the registry (a coordinator's list) shows its registry
    entry, not its halal records."""
    body = business_body(obj)
    if not actor.can_read(obj.id):
        body.update(halal_supervisor=None, sjph=dict.fromkeys(_SJPH), annual_turnover_idr=None)
    return body


def business_payload(obj: Business) -> dict[str, Any]:
    """JSON-ready form with identity, as the journal keeps it."""
    loaded: dict[str, Any] = json.loads(canonical_json(business_body(obj)))
    return loaded


def create_business(session: Session, actor: Actor, data: dict[str, Any]) -> Business:
    """Register a business. A producer without one registers their own and becomes its member."""
    if not (actor.may_register_any_business or actor.may_register_own_business):
        raise PermissionDeniedError(f"A {actor.role} cannot register a business.")
    joins = not actor.may_register_any_business  # registering one's own business makes one its member
    if joins and actor.business_id is not None:
        raise ConflictError("Your account already belongs to a business.")
    business = Business()
    with writing(session):
        apply_business(business, data)
        session.add(business)
        session.flush()
        if joins and actor.user_id is not None:
            user = session.get(User, actor.user_id)
            assert user is not None
            user.business_id = business.id
        journal.append(
            session, actor, "create", f"business:{business.id}", business_payload(business), business_id=business.id
        )
        index_businesses(session, [(business.id, tokens_of(business))], fresh=True)
    return business


def get_business(session: Session, actor: Actor, business_id: int) -> Business:
    """Return a business the actor may see."""
    business = session.get(Business, business_id)
    if business is None:
        raise NotFoundError("No business with that id.")
    actor.require_read(business.id, "business")
    return business


def update_business(
    session: Session, actor: Actor, business_id: int, data: dict[str, Any], *, expected_version: int | None = None
) -> Business:
    """Change a business's profile; only its producer (or the operator) may."""
    business = get_business(session, actor, business_id)
    actor.require_write(business.id, "business")
    if expected_version is not None and expected_version != business.version:
        raise ConflictError(
            f"The business is at version {business.version}, not {expected_version}.",
            errors={"version": [f"Current version is {business.version}."]},
            version=business.version,
        )
    with writing(session):
        apply_business(business, data)
        journal.append(
            session, actor, "update", f"business:{business.id}", business_payload(business), business_id=business.id
        )
        touch(session, f"business:{business.id}")  # the penyelia and SJPH records are judged too
        index_businesses(session, [(business.id, tokens_of(business))])
    return business


def list_businesses(
    session: Session,
    actor: Actor,
    *,
    page: int = 1,
    per_page: int = 50,
    region: str | None = None,
    q: str | None = None,
) -> tuple[list[Business], int]:
    """Return one page of the businesses the actor may see (a coordinator: the registry), and the total;
    `q` keeps those whose name, owner, NIB or kelurahan words begin with every word of it."""
    visible = None if actor.may_read_registry else actor.visible_businesses()
    if q is not None:
        found = search_page(session, q, visible, page=page, per_page=per_page, region=region)
        if found is not None:
            return found
    query = sa.select(Business)
    if visible is not None:
        query = query.where(Business.id.in_(visible))
    if region is not None:
        query = query.where(Business.region == region)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(Business.id).limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def assign_pendamping(session: Session, actor: Actor, pendamping_id: int, business_id: int) -> PendampingAssignment:
    """Let a pendamping follow a business: assigned by an admin (or operator), or consented to by its producer.

    A pendamping reads every record of the businesses they follow, so nobody else (a coordinator enrolling
    the business in a programme) may bring one in; the producer's consent is journaled as such.
    """
    consent = actor.may_consent_to_pendamping and actor.business_id == business_id
    if not actor.may_manage_users and not consent:
        if actor.may_consent_to_pendamping:
            raise NotFoundError("No business with that id.")
        raise PermissionDeniedError("Only an admin, or the business itself, brings in a pendamping.")
    if accounts.user_with_role(session, pendamping_id, Role.PENDAMPING) is None:
        raise NotFoundError("No pendamping with that id.")
    if session.get(Business, business_id) is None:
        raise NotFoundError("No business with that id.")
    assignment = PendampingAssignment(pendamping_id=pendamping_id, business_id=business_id)
    with writing(session):
        session.add(assignment)
        session.flush()
        payload = {"business": business_id, "consent": True} if consent else {"business": business_id}
        journal.append(session, actor, "assign", f"user:{pendamping_id}", payload, business_id=business_id)
    return assignment
