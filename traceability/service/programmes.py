"""Training programmes: participants, their pendamping, and each business's path from NIB to halal
certificate to online listing, derived from the records (never typed by hand).

A coordinator manages the programmes they run and sees their participants' milestones, nothing else
of those businesses' records (DESIGN section 9).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
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
    PublicAnswer,
    Review,
    User,
    VerificationCode,
)
from traceability.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.formats import programme_report, tables
from traceability.identifiers import is_valid_nib
from traceability.service import accounts, businesses, journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import CertificateStatus, ProgrammeMode, ReviewState, Role, Severity

__all__ = [
    "API_COLUMNS",
    "BLOCKERS",
    "MAX_ENROL",
    "MILESTONES",
    "PEOPLE_COLUMNS",
    "Dashboard",
    "Report",
    "add_participant",
    "create_programme",
    "dashboard",
    "dashboard_csv",
    "enrol",
    "get_programme",
    "list_programmes",
    "blockers_of",
    "milestones_of",
    "participant_table",
    "pendamping_choices",
    "programme_body",
    "report",
    "report_pdf",
    "search_registry",
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
#: Why a business has not reached its next milestone, as keys the pages and exports put in words.
BLOCKERS = (
    "nib_invalid",  # the NIB is not 13 digits with a valid check
    "no_material",  # no material recorded yet
    "not_assessed",  # no batch judged yet
    "needs_evidence",  # `count` materials or certificates still need evidence
    "self_declare_unknown",  # judged, but the self-declare route is not settled
    "not_submitted",  # no product submitted for review
    "in_review",  # waiting for the auditor
    "changes_requested",  # the auditor asked for evidence or changes
    "rejected",  # the auditor rejected the product
    "public_not_verified",  # approved, but the public page does not show the product as verified
    "no_code",  # no verification code issued
    "no_listing",  # no marketplace listing recorded
    "listing_not_seen",  # a listing is recorded, but its page has not shown the badge yet
)
#: At most this many businesses enrolled at once (a page of search results, with room).
MAX_ENROL = 200


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
    return enrol(session, actor, programme_id, [business_id], mode, pendamping_id)[0]


def enrol(
    session: Session,
    actor: Actor,
    programme_id: int,
    business_ids: list[int],
    mode: ProgrammeMode,
    pendamping_id: int | None = None,
) -> list[ProgrammeParticipant]:
    """Enrol several registered businesses at once, all or none: every one is checked before any is written."""
    programme = get_programme(session, actor, programme_id)
    wanted = list(dict.fromkeys(business_ids))
    if not wanted:
        raise InvalidInputError("Choose at least one business.", errors={"business": ["Choose at least one."]})
    if len(wanted) > MAX_ENROL:
        raise InvalidInputError(
            f"At most {MAX_ENROL} businesses at once.", errors={"business": [f"At most {MAX_ENROL} at once."]}
        )
    known = set(session.scalars(sa.select(Business.id).where(Business.id.in_(wanted))))
    if any(b not in known for b in wanted):
        raise InvalidInputError(
            "No business with that id." if len(wanted) == 1 else "Some businesses are not in the registry.",
            errors={"business": ["Not in the registry."]},
        )
    if pendamping_id is not None and accounts.user_with_role(session, pendamping_id, Role.PENDAMPING) is None:
        raise InvalidInputError("No pendamping with that id.", errors={"pendamping": ["Not a pendamping."]})
    enrolled = session.execute(
        sa.select(Business.id, Business.name)
        .join(ProgrammeParticipant, ProgrammeParticipant.business_id == Business.id)
        .where(ProgrammeParticipant.programme_id == programme.id, Business.id.in_(wanted))
        .order_by(Business.name)
    ).all()
    if enrolled:
        names = ", ".join(name for _id, name in enrolled)
        raise ConflictError(f"Already in the programme: {names}.", errors={"business": ["Already in the programme."]})
    participants = [
        ProgrammeParticipant(programme_id=programme.id, business_id=b, mode=mode, pendamping_id=pendamping_id)
        for b in wanted
    ]
    with writing(session):
        session.add_all(participants)
        session.flush()
        for participant in participants:
            _journal_enrolment(session, actor, programme.id, participant)
    return participants


def _journal_enrolment(session: Session, actor: Actor, programme_id: int, participant: ProgrammeParticipant) -> None:
    business_id, pendamping_id = participant.business_id, participant.pendamping_id
    journal.append(
        session,
        actor,
        "enrol",
        f"programme:{programme_id}",
        {
            "business": business_id,
            "mode": participant.mode.value,
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


def pendamping_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Every pendamping by name, for the one who runs a programme to propose one for its participants."""
    if not actor.may_run_programmes:
        raise PermissionDeniedError(f"A {actor.role} runs no programme.")
    rows = session.execute(
        sa.select(User.id, User.name, User.email).where(User.role == Role.PENDAMPING).order_by(User.name, User.email)
    )
    return [(user_id, name or email) for user_id, name, email in rows]


def search_registry(
    session: Session,
    actor: Actor,
    programme_id: int,
    q: str | None,
    *,
    keep: Iterable[int] = (),
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[tuple[Business, bool]], list[tuple[Business, bool]], int]:
    """Registry businesses matching `q` (name, owner, NIB or kelurahan; the registry's first page without one),
    and those of `keep` (chosen on an earlier search), each with whether it is already enrolled; and the total."""
    programme = get_programme(session, actor, programme_id)
    found, total = businesses.list_businesses(session, actor, q=q or None, page=page, per_page=per_page)
    kept_ids = [b for b in dict.fromkeys(keep) if b not in {f.id for f in found}][:MAX_ENROL]
    kept = list(session.scalars(sa.select(Business).where(Business.id.in_(kept_ids)).order_by(Business.name)))
    ids = [b.id for b in [*found, *kept]]
    enrolled = set(
        session.scalars(
            sa.select(ProgrammeParticipant.business_id).where(
                ProgrammeParticipant.programme_id == programme.id, ProgrammeParticipant.business_id.in_(ids)
            )
        )
    )
    return [(b, b.id in enrolled) for b in found], [(b, b.id in enrolled) for b in kept], total


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
    _earliest(reached, "approved", _approvals(session, business_ids))
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


def _approved_products(session: Session, business_ids: list[int]) -> dict[int, tuple[int, dt.datetime]]:
    """Each product approved by an auditor or carrying an active certificate: (business, earliest approval)."""
    found: dict[int, tuple[int, dt.datetime]] = {}
    reviewed = (
        sa.select(Review.product_id, Review.business_id, sa.func.min(Review.updated_at))
        .where(Review.business_id.in_(business_ids), Review.state == ReviewState.APPROVED)
        .group_by(Review.product_id, Review.business_id)
    )
    certified = (
        sa.select(Product.id, Product.business_id, Certificate.created_at)
        .join(Certificate, Certificate.id == Product.certificate_id)
        .where(Product.business_id.in_(business_ids), Certificate.status == CertificateStatus.ACTIVE)
    )
    for product_id, business_id, when in [*session.execute(reviewed), *session.execute(certified)]:
        if product_id not in found or when < found[product_id][1]:
            found[product_id] = (business_id, when)
    return found


def _publicly_unverified(session: Session, product_ids: Iterable[int]) -> set[int]:
    """Products whose codes the public can check and none of which answers "verified" (pending, not halal,
    revoked, or lowered by a hold): what the public reads wins over an approval."""
    states: dict[int, set[str]] = defaultdict(set)
    for product_id, state in session.execute(
        sa.select(Batch.product_id, PublicAnswer.state)
        .join(PublicAnswer, PublicAnswer.batch_id == Batch.id)
        .where(Batch.product_id.in_(list(product_ids)))
    ):
        states[product_id].add(state)
    return {product_id for product_id, seen in states.items() if "verified" not in seen}


def _approvals(session: Session, business_ids: list[int]) -> list[tuple[int, dt.datetime]]:
    approved = _approved_products(session, business_ids)
    hidden = _publicly_unverified(session, approved)
    return [(business_id, when) for product_id, (business_id, when) in approved.items() if product_id not in hidden]


def blockers_of(session: Session, waiting: dict[int, str]) -> dict[int, tuple[str, int | None]]:
    """For each business waiting at a milestone, what holds it there: a key of :data:`BLOCKERS` and a count
    where one helps (how many findings still need evidence)."""
    at: dict[str, list[int]] = defaultdict(list)
    for business_id, milestone in waiting.items():
        at[milestone].append(business_id)
    out: dict[int, tuple[str, int | None]] = {}
    for b in at["nib_valid"]:
        out[b] = ("nib_invalid", None)
    for b in at["first_material"]:
        out[b] = ("no_material", None)
    judged = at["all_evidenced"] + at["self_declare_known"]
    gaps: dict[int, set[str]] = defaultdict(set)
    assessed: set[int] = set()
    if judged:
        for business_id, findings in session.execute(
            sa.select(Batch.business_id, Assessment.findings)
            .join(Assessment, Assessment.batch_id == Batch.id)
            .where(Batch.business_id.in_(judged))
        ):
            assessed.add(business_id)
            for finding in findings or ():
                if finding.get("severity") == Severity.NEEDS_EVIDENCE:
                    gaps[business_id].add(str(finding.get("subject") or finding.get("rule")))
    for b in at["all_evidenced"]:
        out[b] = ("needs_evidence", len(gaps[b]) or None) if b in assessed else ("not_assessed", None)
    for b in at["self_declare_known"]:
        out[b] = ("self_declare_unknown", None) if b in assessed else ("not_assessed", None)
    for b in at["submitted"]:
        out[b] = ("not_submitted", None)
    if waiting_approval := at["approved"]:
        latest: dict[int, ReviewState] = {}
        for business_id, review_state in session.execute(
            sa.select(Review.business_id, Review.state)
            .where(Review.business_id.in_(waiting_approval))
            .order_by(Review.updated_at, Review.id)
        ):
            latest[business_id] = review_state
        hidden = {b for b, _when in _approved_products(session, waiting_approval).values()}
        for b in waiting_approval:
            state = latest.get(b)
            if b in hidden:
                out[b] = ("public_not_verified", None)
            elif state is ReviewState.CHANGES_REQUESTED:
                out[b] = ("changes_requested", None)
            elif state is ReviewState.REJECTED:
                out[b] = ("rejected", None)
            else:
                out[b] = ("in_review", None)
    for b in at["code_issued"]:
        out[b] = ("no_code", None)
    if at["listing_linked"]:
        listed = set(
            session.scalars(
                sa.select(ProductListing.business_id).where(ProductListing.business_id.in_(at["listing_linked"]))
            )
        )
        for b in at["listing_linked"]:
            out[b] = ("listing_not_seen", None) if b in listed else ("no_listing", None)
    return out


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
        sa.select(
            ProgrammeParticipant,
            Business.name,
            Business.nib,
            Business.kelurahan,
            Business.kecamatan,
            User.name,
            User.email,
        )
        .join(Business, Business.id == ProgrammeParticipant.business_id)
        .outerjoin(User, User.id == ProgrammeParticipant.pendamping_id)
        .where(ProgrammeParticipant.programme_id == programme.id)
        .order_by(Business.name, Business.id)
    ).all()
    reached = milestones_of(session, [p.business_id for p, *_ in rows])
    positions = {p.business_id: _position(reached.get(p.business_id, {}), _day(p.joined_at) or today) for p, *_ in rows}
    blockers = blockers_of(session, {b: at for b, (at, _since) in positions.items() if at is not None})
    board = Dashboard(programme_body(programme, len(rows)), today, stuck_days)
    load: dict[int | None, dict[str, Any]] = {}
    for participant, name, nib, kelurahan, kecamatan, pendamping_name, pendamping_email in rows:
        dates = reached.get(participant.business_id, {})
        waiting_at, since = positions[participant.business_id]
        days = (today - since).days
        blocker, blocker_count = blockers.get(participant.business_id, (None, None))
        entry = {
            "business": participant.business_id,
            "name": name,
            "nib": nib,
            "kelurahan": kelurahan,
            "kecamatan": kecamatan,
            "mode": participant.mode.value,
            "pendamping": participant.pendamping_id,
            "pendamping_name": (pendamping_name or pendamping_email) if participant.pendamping_id else None,
            "joined_on": _day(participant.joined_at),
            "milestones": {key: dates.get(key) for key in MILESTONES},
            "waiting_at": waiting_at,
            "waiting_days": days if waiting_at else None,
            "blocked_by": blocker,
            "blocked_count": blocker_count,
        }
        board.participants.append(entry)
        is_stuck = waiting_at is not None and days > stuck_days
        if is_stuck:
            board.stuck.append(
                {k: entry[k] for k in ("business", "name", "nib", "pendamping", "pendamping_name", "waiting_at")}
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


#: The columns of a participants export for people: names and words, no ids.
PEOPLE_COLUMNS = ("name", "nib", "kecamatan", "kelurahan", "mode", "pendamping", "joined_on", *MILESTONES,
                  "waiting_at", "waiting_days", "blocked_by")  # fmt: skip
#: The columns of the API's CSV: ids beside the names, values as the API spells them.
API_COLUMNS = ("business", "name", "nib", "kelurahan", "kecamatan", "mode", "pendamping", "pendamping_name",
               "joined_on", *MILESTONES, "waiting_at", "waiting_days", "blocked_by")  # fmt: skip


def participant_table(board: Dashboard, words: Mapping[str, str] | None = None) -> tuple[list[str], list[list[Any]]]:
    """The participants as one table for CSV and XLSX alike: a header and a row each.

    Without `words`, the API's columns with their keys and values as the API spells them; with `words` (a label
    for every column key, mode, milestone and blocker), the people's columns in those words, the pendamping named.
    """
    if words is None:
        header = list(API_COLUMNS)
        rows = [
            [
                *(e[k] for k in ("business", "name", "nib", "kelurahan", "kecamatan", "mode", "pendamping")),
                e["pendamping_name"],
                e["joined_on"],
                *(e["milestones"][k] for k in MILESTONES),
                e["waiting_at"],
                e["waiting_days"],
                e["blocked_by"],
            ]
            for e in board.participants
        ]
        return header, rows

    def blocker(e: dict[str, Any]) -> str | None:
        if e["blocked_by"] is None:
            return None
        return words[f"blocked.{e['blocked_by']}"].format(count=e["blocked_count"] or "")

    header = [words[f"column.{k}"] if k not in MILESTONES else words[f"milestone.{k}"] for k in PEOPLE_COLUMNS]
    rows = [
        [
            e["name"],
            e["nib"],
            e["kecamatan"],
            e["kelurahan"],
            words[f"mode.{e['mode']}"],
            e["pendamping_name"],
            e["joined_on"],
            *(e["milestones"][k] for k in MILESTONES),
            words[f"milestone.{e['waiting_at']}"] if e["waiting_at"] else None,
            e["waiting_days"],
            blocker(e),
        ]
        for e in board.participants
    ]
    return header, rows


def dashboard_csv(board: Dashboard) -> str:
    """One row per participant: the date of each milestone, where it waits and what holds it there."""
    return tables.to_csv(*participant_table(board))


@dataclass
class Report:
    """What the ministry's report counts: participants per milestone, per kecamatan and per month."""

    programme: dict[str, Any]
    as_of: dt.date
    participants: int
    #: (milestone, businesses that reached it)
    funnel: list[tuple[str, int]]
    #: (kecamatan or None, participants, businesses that reached each milestone, in MILESTONES order)
    by_kecamatan: list[tuple[str | None, int, list[int]]]
    #: (first day of the month, participants enrolled, milestones reached that month, in MILESTONES order)
    by_month: list[tuple[dt.date, int, list[int]]]
    #: (business name, kecamatan, pendamping, the last milestone reached or None)
    roster: list[tuple[str, str | None, str | None, str | None]]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def report(session: Session, actor: Actor, programme_id: int, *, as_of: dt.date | None = None) -> Report:
    """The programme's report, counted from the same dashboard the coordinator reads."""
    board = dashboard(session, actor, programme_id, stuck_days=0, as_of=as_of)
    kecamatan: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    months: dict[dt.date, list[int]] = defaultdict(lambda: [0] * (len(MILESTONES) + 1))
    roster = []
    for e in board.participants:
        kecamatan[e["kecamatan"] or None].append(e)
        if e["joined_on"]:
            months[_month(e["joined_on"])][0] += 1
        for index, key in enumerate(MILESTONES, start=1):
            if day := e["milestones"][key]:
                months[_month(day)][index] += 1
        last = [k for k in MILESTONES if e["milestones"][k]]
        roster.append((e["name"], e["kecamatan"], e["pendamping_name"], last[-1] if last else None))
    return Report(
        programme=board.programme,
        as_of=board.as_of,
        participants=len(board.participants),
        funnel=[(step["milestone"], step["reached"]) for step in board.funnel],
        by_kecamatan=[
            (name, len(rows), [sum(1 for e in rows if e["milestones"][k]) for k in MILESTONES])
            for name, rows in sorted(kecamatan.items(), key=lambda item: (item[0] is None, item[0] or ""))
        ],
        by_month=[(month, counts[0], counts[1:]) for month, counts in sorted(months.items())],
        roster=roster,
    )


def report_pdf(built: Report) -> bytes:
    """The report as the ministry's PDF, in Indonesian."""
    return programme_report.to_pdf(
        built.programme, built.as_of, built.participants, built.funnel, built.by_kecamatan, built.by_month, built.roster
    )
