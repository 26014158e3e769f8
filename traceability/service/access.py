"""Who is acting, and which businesses' records they may read or change (DESIGN section 9)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import PendampingAssignment, User
from traceability.errors import NotFoundError, PermissionDeniedError
from traceability.vocabulary import Role

__all__ = ["Actor", "actor_for"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case. ``role`` None is the operator at the command line, who may do all."""

    label: str
    role: Role | None = None
    user_id: int | None = None
    business_id: int | None = None
    assigned: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def operator(cls, label: str = "cli") -> Actor:
        return cls(label=label)

    @property
    def sees_all(self) -> bool:
        return self.role in (None, Role.AUDITOR, Role.ADMIN)

    def visible_businesses(self) -> frozenset[int] | None:
        """The businesses whose records the actor may read; None means all of them."""
        if self.sees_all:
            return None
        if self.role is Role.PRODUCER:
            return frozenset({self.business_id}) if self.business_id else frozenset()
        if self.role is Role.COORDINATOR:
            return frozenset()  # milestones of programme businesses and the registry only (programmes.py)
        return self.assigned

    def can_read(self, business_id: int) -> bool:
        visible = self.visible_businesses()
        return visible is None or business_id in visible

    def require_read(self, business_id: int, what: str) -> None:
        """Refuse a record the actor may not see exactly as if it did not exist."""
        if not self.can_read(business_id):
            raise NotFoundError(f"No {what} with that id.")

    def require_write(self, business_id: int, what: str) -> None:
        """Only the producer of the business (or the operator) changes its records."""
        self.require_read(business_id, what)
        if self.role not in (None, Role.PRODUCER):
            raise PermissionDeniedError(f"A {self.role} may read but not change this {what}.")

    def writable_business(self, requested: int | None, what: str) -> int:
        """Return the business a new record goes into, checking the actor may write there."""
        if self.role is Role.PRODUCER:
            if self.business_id is None:
                raise PermissionDeniedError("Register your business first.")
            if requested not in (None, self.business_id):
                raise NotFoundError("No business with that id.")
            return self.business_id
        if self.role is None:
            if requested is None:
                raise PermissionDeniedError(f"Say which business the {what} belongs to.")
            return requested
        raise PermissionDeniedError(f"A {self.role} cannot create a {what}.")


def actor_for(session: Session, user: User) -> Actor:
    """Build the actor for a logged-in user, with the businesses assigned to a pendamping."""
    assigned: frozenset[int] = frozenset()
    if user.role is Role.PENDAMPING:
        assigned = frozenset(
            session.scalars(
                sa.select(PendampingAssignment.business_id).where(PendampingAssignment.pendamping_id == user.id)
            )
        )
    return Actor(
        label=f"user:{user.id}", role=user.role, user_id=user.id, business_id=user.business_id, assigned=assigned
    )
