"""Who is acting, and what they may do: one table of capabilities (DESIGN section 9) that every use case and
page reads, and the businesses whose records an actor may read or change."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Self, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import PendampingAssignment, User
from traceability.errors import NotFoundError, PermissionDeniedError
from traceability.vocabulary import Role

__all__ = ["HOLDERS", "Actor", "Capability", "actor_for", "holds"]


class Capability(enum.StrEnum):
    """Something an actor may be allowed to do; `HOLDERS` says which roles hold it."""

    READ_RECORDS = "read_records"
    READ_EVERY_BUSINESS = "read_every_business"
    FOLLOW_ASSIGNED_BUSINESSES = "follow_assigned_businesses"
    WRITE_RECORDS = "write_records"
    WRITE_EVERY_BUSINESS = "write_every_business"
    REGISTER_OWN_BUSINESS = "register_own_business"
    REGISTER_ANY_BUSINESS = "register_any_business"
    SUBMIT_FOR_REVIEW = "submit_for_review"
    COMMENT_ON_REVIEWS = "comment_on_reviews"
    REVIEW = "review"
    VERIFY_SELF_DECLARE = "verify_self_declare"
    ISSUE_CODES = "issue_codes"
    REVOKE_ANY_CODE = "revoke_any_code"
    DECIDE_CERTIFICATES = "decide_certificates"
    MANAGE_USERS = "manage_users"
    MANAGE_REFERENCE = "manage_reference"
    READ_WHOLE_JOURNAL = "read_whole_journal"
    RUN_PROGRAMMES = "run_programmes"
    RUN_EVERY_PROGRAMME = "run_every_programme"
    READ_REGISTRY = "read_registry"
    IMPORT_REGISTRY = "import_registry"
    CONSENT_TO_PENDAMPING = "consent_to_pendamping"
    INVITE_PRODUCERS = "invite_producers"


# The one place that says who may do what. The operator at the command line (role None) holds every
# capability, including those no role holds.
HOLDERS: Mapping[Capability, frozenset[Role]] = MappingProxyType(
    {
        # Records of a business (materials, lots, steps, products...): read in the actor's scope below.
        Capability.READ_RECORDS: frozenset({Role.PRODUCER, Role.PENDAMPING, Role.AUDITOR, Role.ADMIN}),
        Capability.READ_EVERY_BUSINESS: frozenset({Role.AUDITOR, Role.ADMIN}),
        Capability.FOLLOW_ASSIGNED_BUSINESSES: frozenset({Role.PENDAMPING}),
        Capability.WRITE_RECORDS: frozenset({Role.PRODUCER}),  # in the producer's own business
        Capability.WRITE_EVERY_BUSINESS: frozenset(),  # naming the business: the operator only
        Capability.REGISTER_OWN_BUSINESS: frozenset({Role.PRODUCER}),  # and become its member
        Capability.REGISTER_ANY_BUSINESS: frozenset({Role.ADMIN}),
        # Review.
        Capability.SUBMIT_FOR_REVIEW: frozenset({Role.PRODUCER, Role.PENDAMPING}),
        Capability.COMMENT_ON_REVIEWS: frozenset({Role.PRODUCER, Role.PENDAMPING, Role.AUDITOR}),
        Capability.REVIEW: frozenset({Role.AUDITOR}),  # decide, request evidence
        Capability.VERIFY_SELF_DECLARE: frozenset({Role.PENDAMPING}),
        # Verification codes and certificates.
        Capability.ISSUE_CODES: frozenset({Role.PRODUCER}),  # for the producer's own batches
        Capability.REVOKE_ANY_CODE: frozenset({Role.AUDITOR, Role.ADMIN}),  # a producer its own, as their writer
        Capability.DECIDE_CERTIFICATES: frozenset({Role.AUDITOR, Role.ADMIN}),  # revoke, suspend, reinstate
        # Administration.
        Capability.MANAGE_USERS: frozenset({Role.ADMIN}),  # users, lockouts, anyone's tokens, pendamping assignments
        Capability.MANAGE_REFERENCE: frozenset({Role.ADMIN}),
        Capability.READ_WHOLE_JOURNAL: frozenset({Role.ADMIN}),  # entries of no business: accounts, reference data
        # Programmes and the registry.
        Capability.RUN_PROGRAMMES: frozenset({Role.COORDINATOR, Role.ADMIN}),  # a coordinator their own
        Capability.RUN_EVERY_PROGRAMME: frozenset({Role.ADMIN}),
        Capability.READ_REGISTRY: frozenset({Role.COORDINATOR, Role.AUDITOR, Role.ADMIN}),
        Capability.IMPORT_REGISTRY: frozenset({Role.COORDINATOR, Role.ADMIN}),  # never over a claimed business
        # A pendamping reads a business's records: an admin assigns one, or the business's producer consents.
        Capability.CONSENT_TO_PENDAMPING: frozenset({Role.PRODUCER}),  # for the producer's own business
        Capability.IMPORT_REGISTRY: frozenset({Role.COORDINATOR, Role.ADMIN}),
        # Onboarding: a pendamping the businesses they follow, a coordinator those of the registry, an admin any.
        Capability.INVITE_PRODUCERS: frozenset({Role.PENDAMPING, Role.COORDINATOR, Role.ADMIN}),
    }
)


def holds(role: Role | None, capability: Capability) -> bool:
    """Whether `role` holds `capability`; role None, the operator, holds all."""
    return role is None or role in HOLDERS[capability]


class _May:
    """The attribute ``actor.may_<capability>``: whether the actor's role holds it."""

    __slots__ = ("capability",)

    def __init__(self, capability: Capability) -> None:
        self.capability = capability

    def __set_name__(self, owner: type, name: str) -> None:
        # A misnamed attribute would grant one capability under another's name.
        if name != f"may_{self.capability}":
            raise TypeError(f"{name} must be called may_{self.capability}")

    @overload
    def __get__(self, actor: None, owner: type) -> Self: ...

    @overload
    def __get__(self, actor: Actor, owner: type) -> bool: ...

    def __get__(self, actor: Actor | None, owner: type) -> Self | bool:
        return self if actor is None else holds(actor.role, self.capability)


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case. ``role`` None is the operator at the command line, who may do all."""

    label: str
    role: Role | None = None
    user_id: int | None = None
    business_id: int | None = None
    assigned: frozenset[int] = field(default_factory=frozenset)

    may_read_records = _May(Capability.READ_RECORDS)
    may_read_every_business = _May(Capability.READ_EVERY_BUSINESS)
    may_follow_assigned_businesses = _May(Capability.FOLLOW_ASSIGNED_BUSINESSES)
    may_write_records = _May(Capability.WRITE_RECORDS)
    may_write_every_business = _May(Capability.WRITE_EVERY_BUSINESS)
    may_register_own_business = _May(Capability.REGISTER_OWN_BUSINESS)
    may_register_any_business = _May(Capability.REGISTER_ANY_BUSINESS)
    may_submit_for_review = _May(Capability.SUBMIT_FOR_REVIEW)
    may_comment_on_reviews = _May(Capability.COMMENT_ON_REVIEWS)
    may_review = _May(Capability.REVIEW)
    may_verify_self_declare = _May(Capability.VERIFY_SELF_DECLARE)
    may_issue_codes = _May(Capability.ISSUE_CODES)
    may_revoke_any_code = _May(Capability.REVOKE_ANY_CODE)
    may_decide_certificates = _May(Capability.DECIDE_CERTIFICATES)
    may_manage_users = _May(Capability.MANAGE_USERS)
    may_manage_reference = _May(Capability.MANAGE_REFERENCE)
    may_read_whole_journal = _May(Capability.READ_WHOLE_JOURNAL)
    may_run_programmes = _May(Capability.RUN_PROGRAMMES)
    may_run_every_programme = _May(Capability.RUN_EVERY_PROGRAMME)
    may_read_registry = _May(Capability.READ_REGISTRY)
    may_import_registry = _May(Capability.IMPORT_REGISTRY)
    may_consent_to_pendamping = _May(Capability.CONSENT_TO_PENDAMPING)
    may_invite_producers = _May(Capability.INVITE_PRODUCERS)

    @classmethod
    def operator(cls, label: str = "cli") -> Actor:
        return cls(label=label)

    def holds(self, capability: Capability) -> bool:
        """Whether the actor holds `capability` (for code that is handed the capability, like a page's gate)."""
        return holds(self.role, capability)

    def visible_businesses(self) -> frozenset[int] | None:
        """The businesses whose records the actor may read: their own and those they follow; None means all."""
        if not self.may_read_records:
            return frozenset()  # a coordinator: milestones of programme businesses and the registry (programmes.py)
        if self.may_read_every_business:
            return None
        own = frozenset({self.business_id}) if self.business_id else frozenset()
        return own | self.assigned

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
        if not self.may_write_records:
            raise PermissionDeniedError(f"A {self.role} may read but not change this {what}.")

    def writable_business(self, requested: int | None, what: str) -> int:
        """Return the business a new record goes into, checking the actor may write there."""
        if not self.may_write_records:
            raise PermissionDeniedError(f"A {self.role} cannot create a {what}.")
        if self.may_write_every_business:
            if requested is None:
                raise PermissionDeniedError(f"Say which business the {what} belongs to.")
            return requested
        if self.business_id is None:
            raise PermissionDeniedError("Register your business first.")
        if requested not in (None, self.business_id):
            raise NotFoundError("No business with that id.")
        return self.business_id

    def may_manage_account(self, user_id: int) -> bool:
        """One's own account (tokens), or anyone's for those who manage users."""
        return self.may_manage_users or self.user_id == user_id

    def may_run_programme(self, coordinator_id: int | None) -> bool:
        """A programme with this coordinator: a coordinator runs their own, an admin every one."""
        return self.may_run_programmes and (self.may_run_every_programme or coordinator_id == self.user_id)


def actor_for(session: Session, user: User) -> Actor:
    """Build the actor for a logged-in user, with the businesses assigned to them (a pendamping's)."""
    assigned: frozenset[int] = frozenset()
    if holds(user.role, Capability.FOLLOW_ASSIGNED_BUSINESSES):
        assigned = frozenset(
            session.scalars(
                sa.select(PendampingAssignment.business_id).where(PendampingAssignment.pendamping_id == user.id)
            )
        )
    return Actor(
        label=f"user:{user.id}", role=user.role, user_id=user.id, business_id=user.business_id, assigned=assigned
    )
