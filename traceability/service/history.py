"""A product's history for people: every journal entry about the product, its batches, its reviews and
the records its batches are made of."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, JournalEntry, Product, Review, User
from traceability.errors import NotFoundError
from traceability.service import provenance
from traceability.service.access import Actor

__all__ = ["count_users_by_role", "product_history"]


def product_history(session: Session, actor: Actor, product_id: int, *, limit: int = 500) -> list[JournalEntry]:
    """Entries newest first (who, when, what)."""
    product = session.get(Product, product_id)
    if product is None or not actor.can_read(product.business_id):
        raise NotFoundError("No product with that id.")
    subjects = {f"product:{product_id}"}
    for batch_id in session.scalars(sa.select(Batch.id).where(Batch.product_id == product_id)):
        subjects |= {
            n for n in provenance.upstream_graph(session, actor, batch_id).nodes if not n.startswith("business:")
        }
    subjects |= {f"review:{r}" for r in session.scalars(sa.select(Review.id).where(Review.product_id == product_id))}
    query = sa.select(JournalEntry).where(JournalEntry.subject.in_(sorted(subjects)))
    visible = actor.visible_businesses()
    if visible is not None:
        query = query.where(JournalEntry.business_id.in_(visible))
    entries = list(session.scalars(query.order_by(JournalEntry.seq.desc()).limit(limit)))
    return entries


def count_users_by_role(session: Session, actor: Actor) -> dict[str, int]:
    """How many active users hold each role (the admin's overview)."""
    if not actor.may_manage_users:
        raise NotFoundError("No such page.")
    rows = session.execute(sa.select(User.role, sa.func.count()).where(User.active.is_(True)).group_by(User.role))
    return {role.value: count for role, count in rows}
