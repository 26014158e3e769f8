"""Training programmes: participants, their pendamping, and each business's path from NIB to halal
certificate to online listing, derived from the records (never typed by hand).

A coordinator manages the programmes they run and sees their participants' milestones, nothing else
of those businesses' records (DESIGN section 9).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Assessment,
    Batch,
    Business,
    Certificate,
    Material,
    PendampingAssignment,
    Product,
    ProductListing,
    Programme,
    ProgrammeParticipant,
    Review,
    User,
    VerificationCode,
)
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.formats import csv_cells
from traceability.identifiers import is_valid_nib
from traceability.service import accounts, journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import ProgrammeMode, ReviewState, Role, Severity

__all__ = [
    "MILESTONES",
    "Dashboard",
    "add_participant",
    "create_programme",
    "dashboard",
    "dashboard_csv",
    "get_programme",
    "list_programmes",
    "milestones_of",
    "programme_body",
]

# In the order a business usually reaches them.
MILESTONES = (
    "nib_valid",
    "first_material",
    "all_evidenced",
    "self_declare_known",
    "submitted",
    "approved",
    "code_issued",
    "listing_linked",
)


def programme_body(programme: Programme, participants: int | None = None) -> dict[str, Any]:
    return {
        "id": programme.id,
        "name": programme.name,
        "organiser": programme.organiser,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "coordinator": programme.coordinator_id,
        "participants": participants,
    }


def create_programme(session: Session, actor: Actor, data: dict[str, Any]) -> Programme:
    """Open a programme; a coordinator runs their own, an admin names the coordinator."""
    if not actor.may_run_programmes:
        raise PermissionDeniedError(f"A {actor.role} cannot open a programme.")
    coordinator_id = data.get("coordinator") or (None if actor.may_run_every_programme else actor.user_id)
    if not actor.may_run_programme(coordinator_id):
        raise PermissionDeniedError("A coordinator opens programmes for themselves.")
    coordinator = accounts.user_with_role(session, coordinator_id, Role.COORDINATOR)
    if coordinator is None:
        raise InvalidInputError(
            "Name the coordinator who runs the programme.", errors={"coordinator": ["No coordinator with that id."]}
        )
    if data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        raise InvalidInputError("The programme ends before it starts.", errors={"ends_on": ["Before starts_on."]})
    programme = Programme(
        name=data["name"],
        organiser=data["organiser"],
        starts_on=data["starts_on"],
        ends_on=data.get("ends_on"),
        coordinator_id=coordinator.id,
    )
    with writing(session):
        session.add(programme)
        session.flush()
        journal.append(
            session,
            actor,
            "create",
            f"programme:{programme.id}",
            {
                **programme_body(programme),
                "starts_on": str(programme.starts_on),
                "ends_on": str(programme.ends_on) if programme.ends_on else None,
            },
        )
    return programme


def get_programme(session: Session, actor: Actor, programme_id: int) -> Programme:
    """A programme the actor runs (or any, for an admin); others are told it does not exist."""
    programme = session.get(Programme, programme_id)
    if programme is None or not actor.may_run_programme(programme.coordinator_id):
        raise NotFoundError("No programme with that id.")
    return programme


def list_programmes(session: Session, actor: Actor) -> list[tuple[Programme, int]]:
    """The programmes the actor runs (all for an admin, none for other roles), with participant counts."""
    if not actor.may_run_programmes:
        return []
    count = (
        sa.select(sa.func.count())
        .where(ProgrammeParticipant.programme_id == Programme.id)
        .correlate(Programme)
        .scalar_subquery()
    )
    query = sa.select(Programme, count).order_by(Programme.starts_on.desc(), Programme.id)
    if not actor.may_run_every_programme:
        query = query.where(Programme.coordinator_id == actor.user_id)
    return [(p, n) for p, n in session.execute(query)]


def add_participant(
    session: Session,
    actor: Actor,
    programme_id: int,
    business_id: int,
    mode: ProgrammeMode,
    pendamping_id: int | None = None,
) -> ProgrammeParticipant:
    """Enrol a registered business with its pendamping.

    Enrolled by an admin (or the operator), the pendamping follows the business at once and reads its records;
    enrolled by a coordinator, the pendamping is proposed and follows it only once the business's producer
    consents (``POST /api/v1/businesses/<id>/pendamping``).
    """
    programme = get_programme(session, actor, programme_id)
    if session.get(Business, business_id) is None:
        raise InvalidInputError("No business with that id.", errors={"business": ["Not in the registry."]})
    if pendamping_id is not None and accounts.user_with_role(session, pendamping_id, Role.PENDAMPING) is None:
        raise InvalidInputError("No pendamping with that id.", errors={"pendamping": ["Not a pendamping."]})
    participant = ProgrammeParticipant(
        programme_id=programme.id, business_id=business_id, mode=mode, pendamping_id=pendamping_id
    )
    with writing(session):
        session.add(participant)
        session.flush()
        journal.append(
            session,
            actor,
            "enrol",
            f"programme:{programme.id}",
            {
                "business": business_id,
                "mode": mode.value,
                "pendamping": pendamping_id,
                "awaiting_consent": pendamping_id is not None and not actor.may_manage_users,
            },
            business_id=business_id,
        )
        if (
            pendamping_id is not None
            and actor.may_manage_users
            and session.scalar(
                sa.select(PendampingAssignment.id).where(
                    PendampingAssignment.pendamping_id == pendamping_id, PendampingAssignment.business_id == business_id
                )
            )
            is None
        ):
            session.add(PendampingAssignment(pendamping_id=pendamping_id, business_id=business_id))
            journal.append(
                session, actor, "assign", f"user:{pendamping_id}", {"business": business_id}, business_id=business_id
            )
    return participant


def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def _earliest(into: dict[int, dict[str, dt.date]], key: str, rows: Iterable[tuple[int, Any]]) -> None:
    for business_id, when in rows:
        day = _day(when)
        if day is not None and (key not in into[business_id] or day < into[business_id][key]):
            into[business_id][key] = day


def milestones_of(session: Session, business_ids: list[int]) -> dict[int, dict[str, dt.date]]:
    """For each business, the date each milestone was reached (absent: not yet), from a few grouped queries."""
    reached: dict[int, dict[str, dt.date]] = defaultdict(dict)
    if not business_ids:
        return reached
    for business in session.scalars(sa.select(Business).where(Business.id.in_(business_ids))):
        if is_valid_nib(business.nib):
            reached[business.id]["nib_valid"] = business.created_at.date()
    _earliest(
        reached,
        "first_material",
        session.execute(
            sa.select(Material.business_id, sa.func.min(Material.created_at))
            .where(Material.business_id.in_(business_ids))
            .group_by(Material.business_id)
        ),
    )
    evidence_gap: set[int] = set()
    assessed: dict[int, dt.datetime] = {}
    for business_id, findings, self_declare, computed_at in session.execute(
        sa.select(Batch.business_id, Assessment.findings, Assessment.self_declare, Assessment.computed_at)
        .join(Assessment, Assessment.batch_id == Batch.id)
        .where(Batch.business_id.in_(business_ids))
    ):
        if any(f.get("severity") == Severity.NEEDS_EVIDENCE for f in findings or ()):
            evidence_gap.add(business_id)
        assessed[business_id] = max(computed_at, assessed.get(business_id, computed_at))
        if self_declare and self_declare.get("eligible") is not None:
            _earliest(reached, "self_declare_known", [(business_id, computed_at)])
    _earliest(
        reached,
        "all_evidenced",
        [(b, when) for b, when in assessed.items() if b not in evidence_gap and "first_material" in reached[b]],
    )
    _earliest(
        reached,
        "submitted",
        session.execute(
            sa.select(Review.business_id, sa.func.min(Review.created_at))
            .where(Review.business_id.in_(business_ids))
            .group_by(Review.business_id)
        ),
    )
    _earliest(
        reached,
        "approved",
        session.execute(
            sa.select(Review.business_id, sa.func.min(Review.updated_at))
            .where(Review.business_id.in_(business_ids), Review.state == ReviewState.APPROVED)
            .group_by(Review.business_id)
        ),
    )
    _earliest(
        reached,
        "approved",
        session.execute(
            sa.select(Product.business_id, sa.func.min(Certificate.created_at))
            .join(Certificate, Certificate.id == Product.certificate_id)
            .where(Product.business_id.in_(business_ids))
            .group_by(Product.business_id)
        ),
    )
    _earliest(
        reached,
        "code_issued",
        session.execute(
            sa.select(VerificationCode.business_id, sa.func.min(VerificationCode.issued_at))
            .where(VerificationCode.business_id.in_(business_ids))
            .group_by(VerificationCode.business_id)
        ),
    )
    _earliest(
        reached,
        "listing_linked",
        session.execute(
            sa.select(ProductListing.business_id, sa.func.min(ProductListing.first_requested_at))
            .where(ProductListing.business_id.in_(business_ids), ProductListing.first_requested_at.is_not(None))
            .group_by(ProductListing.business_id)
        ),
    )
    return reached


@dataclass
class Dashboard:
    """A programme's funnel, pendamping workload and stuck businesses, as of one day."""

    programme: dict[str, Any]
    as_of: dt.date
    stuck_days: int
    funnel: list[dict[str, Any]] = field(default_factory=list)
    workload: list[dict[str, Any]] = field(default_factory=list)
    stuck: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "as_of": self.as_of,
            "stuck_days": self.stuck_days,
            "funnel": self.funnel,
            "workload": self.workload,
            "stuck": self.stuck,
            "participants": self.participants,
        }


def _position(reached: dict[str, dt.date], joined: dt.date) -> tuple[str | None, dt.date]:
    """The first milestone not reached yet, and since when the business has waited at it."""
    since = joined
    for key in MILESTONES:
        if key not in reached:
            return key, since
        since = max(since, reached[key])
    return None, since


def dashboard(
    session: Session, actor: Actor, programme_id: int, *, stuck_days: int, as_of: dt.date | None = None
) -> Dashboard:
    """Everything the coordinator's dashboard shows, built from the records on each call."""
    programme = get_programme(session, actor, programme_id)
    today = as_of or dt.date.today()
    rows = session.execute(
        sa.select(ProgrammeParticipant, Business.name, Business.nib, Business.kelurahan, User.name, User.email)
        .join(Business, Business.id == ProgrammeParticipant.business_id)
        .outerjoin(User, User.id == ProgrammeParticipant.pendamping_id)
        .where(ProgrammeParticipant.programme_id == programme.id)
        .order_by(Business.name, Business.id)
    ).all()
    reached = milestones_of(session, [p.business_id for p, *_ in rows])
    board = Dashboard(programme_body(programme, len(rows)), today, stuck_days)
    load: dict[int | None, dict[str, Any]] = {}
    for participant, name, nib, kelurahan, pendamping_name, pendamping_email in rows:
        dates = reached.get(participant.business_id, {})
        joined = _day(participant.joined_at) or today
        waiting_at, since = _position(dates, joined)
        days = (today - since).days
        entry = {
            "business": participant.business_id,
            "name": name,
            "nib": nib,
            "kelurahan": kelurahan,
            "mode": participant.mode.value,
            "pendamping": participant.pendamping_id,
            "milestones": {key: dates.get(key) for key in MILESTONES},
            "waiting_at": waiting_at,
            "waiting_days": days if waiting_at else None,
        }
        board.participants.append(entry)
        is_stuck = waiting_at is not None and days > stuck_days
        if is_stuck:
            board.stuck.append(
                {k: entry[k] for k in ("business", "name", "nib", "pendamping", "waiting_at")}
                | {"since": since, "days": days}
            )
        work = load.setdefault(
            participant.pendamping_id,
            {
                "pendamping": participant.pendamping_id,
                "name": pendamping_name or pendamping_email,
                "businesses": 0,
                "in_person": 0,
                "online": 0,
                "stuck": 0,
                "approved": 0,
            },
        )
        work["businesses"] += 1
        work[participant.mode.value] += 1
        work["stuck"] += is_stuck
        work["approved"] += "approved" in dates
    board.funnel = [
        {"milestone": key, "reached": sum(1 for e in board.participants if e["milestones"][key])} for key in MILESTONES
    ]
    board.workload = sorted(load.values(), key=lambda w: (w["pendamping"] is None, -w["businesses"]))
    board.stuck.sort(key=lambda s: -s["days"])
    return board


def dashboard_csv(board: Dashboard) -> str:
    """One row per participant: the date of each milestone, and where it waits."""
    out = io.StringIO()
    # CRLF rows (RFC 4180): the writer then quotes a cell holding a bare CR, which would otherwise end the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["business", "name", "nib", "kelurahan", "mode", "pendamping", *MILESTONES, "waiting_at", "waiting_days"]
    )
    for e in board.participants:
        writer.writerow(
            csv_cells.row(
                [
                    e["business"],
                    e["name"],
                    e["nib"],
                    e["kelurahan"] or "",
                    e["mode"],
                    e["pendamping"] or "",
                    *[(e["milestones"][k] or "") for k in MILESTONES],
                    e["waiting_at"] or "",
                    "" if e["waiting_days"] is None else e["waiting_days"],
                ]
            )
        )
    return out.getvalue()
