"""Verification codes: issue, revoke and look up the codes printed on packs, and the one public status read.

``build_views`` is the only place that decides what the public sees for a code; every write stores its answer
(``public_views``), which the consumer page, badge, embed, oEmbed and verify JSON read, so they cannot disagree.
Signing is not done here: the caller passes a ``Sealer`` (the HTTP or CLI layer builds it from the key ring),
which keeps keys out of the domain.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from models import (
    Assessment,
    Batch,
    Business,
    Certificate,
    MaterialLot,
    Product,
    PublicAnswer,
    VerificationCode,
)
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.identifiers import gtin_key, lot_key
from traceability.reconciliation import Check, Confirmation
from traceability.rules import status
from traceability.service import assessments, confirmation, journal, provenance
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import CertificateStatus, HalalStatus

__all__ = [
    "CodeDraft",
    "code_named",
    "code_url",
    "PublicView",
    "Sealer",
    "StoredAnswer",
    "build_views",
    "codes_for_batches",
    "find_code",
    "find_code_by_link",
    "issue_codes",
    "public_status",
    "revoke_code",
    "stored_answer",
]

MAX_CODES_PER_REQUEST = 1000


@dataclass(frozen=True, slots=True)
class CodeDraft:
    """Everything a sealer needs to sign a new code and build its printed URL."""

    code: str
    batch: int
    product: int
    issued_at: int  # Unix seconds: the precision the signature carries
    gtin: str | None
    lot: str


# (draft) -> (printed URL, key id, signature)
Sealer = Callable[[CodeDraft], tuple[str, str, str]]
CodeMaker = Callable[[], str]


def _batch_for_write(session: Session, actor: Actor, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError("No batch with that id.")
    actor.require_read(batch.business_id, "batch")
    if not actor.may_issue_codes:
        raise PermissionDeniedError("Only the producer of this batch issues its codes.")
    return batch


def issue_codes(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    seal: Sealer,
    new_code: CodeMaker,
    count: int = 1,
    revoke_previous: bool = False,
) -> list[VerificationCode]:
    """Issue `count` signed codes for a batch, optionally revoking its earlier codes (a re-issue).

    Raises
    ------
    NotFoundError
        Unknown batch, or one of another business.
    PermissionDeniedError
        The caller may see the batch but is not its producer.
    InvalidInputError
        `count` out of range.
    """
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise InvalidInputError(
            f"Issue between 1 and {MAX_CODES_PER_REQUEST} codes at a time.",
            errors={"count": [f"Must be between 1 and {MAX_CODES_PER_REQUEST}."]},
        )
    with writing(session):
        batch = _batch_for_write(session, actor, batch_id)
        product = session.get_one(Product, batch.product_id)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        changes: list[journal.Change] = []
        if revoke_previous:
            for old in session.scalars(
                sa.select(VerificationCode).where(
                    VerificationCode.batch_id == batch.id, VerificationCode.revoked_at.is_(None)
                )
            ):
                old.revoked_at = now
                changes.append(
                    journal.Change(
                        "code.revoke", f"code:{old.code}", {"batch": batch.id, "reissue": True}, batch.business_id
                    )
                )
        issued = []
        for _ in range(count):
            # The canonical GTIN: a product left without one (its GTIN belongs to another) gets a /v/ link.
            draft = CodeDraft(new_code(), batch.id, product.id, int(now.timestamp()), product.gtin14, batch.lot_code)
            url, kid, signature = seal(draft)
            code = VerificationCode(
                code=draft.code,
                business_id=batch.business_id,
                batch_id=batch.id,
                url=url,
                signature=signature,
                key_id=kid,
                issued_at=now,
            )
            issued.append(code)
            changes.append(
                journal.Change(
                    "code.issue",
                    f"code:{draft.code}",
                    {"batch": batch.id, "url": url, "key_id": kid},
                    batch.business_id,
                )
            )
        session.add_all(issued)
        session.flush()
        journal.append_many(session, actor, changes)
        if revoke_previous:
            note_public(session, batch.id)
        else:  # the batch's other answers are unchanged: build only the new codes'
            session.info.setdefault("public_codes", set()).update(c.id for c in issued)
    return issued


def revoke_code(session: Session, actor: Actor, code: str) -> VerificationCode:
    """Revoke a code: its page, badge and JSON say so from the next request on. Revoking twice is a no-op.

    The producer revokes their own codes; an auditor or admin any code.
    """
    with writing(session):
        record = find_code(session, code)
        if record is None:
            raise NotFoundError("No code like that.")
        if not actor.may_revoke_any_code:
            actor.require_write(record.business_id, "code")
        if record.revoked_at is None:
            record.revoked_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
            journal.append(
                session,
                actor,
                "code.revoke",
                f"code:{record.code}",
                {"batch": record.batch_id},
                business_id=record.business_id,
            )
            note_public(session, record.batch_id)
    return record


def note_public(session: Session, *batch_ids: int) -> None:
    """Have this write transaction rebuild the public answers of these batches' codes before it commits."""
    session.info.setdefault("public_batches", set()).update(batch_ids)


def codes_for_batches(session: Session, actor: Actor, batch_ids: Sequence[int]) -> dict[int, list[VerificationCode]]:
    """The codes of each batch the actor may read, oldest first; an unknown or hidden batch is a 404."""
    result: dict[int, list[VerificationCode]] = {}
    for batch_id in batch_ids:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFoundError(f"No batch with id {batch_id}.")
        actor.require_read(batch.business_id, "batch")
        result[batch_id] = list(
            session.scalars(
                sa.select(VerificationCode).where(VerificationCode.batch_id == batch_id).order_by(VerificationCode.id)
            )
        )
    return result


def find_code(session: Session, code: str) -> VerificationCode | None:
    """The code row for a public code string, if any (public: codes are unguessable)."""
    return session.scalar(sa.select(VerificationCode).where(VerificationCode.code == code))


def code_url(connection: sa.Connection, code: str) -> str | None:
    """The URL a code's QR image encodes (None for an unknown code): one indexed Core read, for the image routes."""
    url = connection.execute(_URL_OF_CODE, {"code": code}).scalar_one_or_none()
    return None if url is None else str(url)


_URL_OF_CODE = sa.select(VerificationCode.url).where(VerificationCode.code == sa.bindparam("code"))


def find_code_by_link(session: Session, gtin14: str, lot: str, code: str | None) -> VerificationCode | None:
    """Resolve a Digital Link (GTIN and lot compared canonically): the named code when it belongs to that GTIN
    and lot, else the batch's newest code."""
    try:
        gtin = gtin_key(gtin14)
    except ValueError:
        return None
    batch_id = session.scalar(
        sa.select(Batch.id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.gtin14 == gtin, Batch.lot_key == lot_key(lot))
    )
    if batch_id is None:
        return None
    query = sa.select(VerificationCode).where(VerificationCode.batch_id == batch_id)
    if code is not None:
        return session.scalar(query.where(VerificationCode.code == code))
    return session.scalar(query.order_by(VerificationCode.revoked_at.is_not(None), VerificationCode.id.desc()))


@dataclass(frozen=True, slots=True)
class CertificateView:
    number: str
    issuer: str
    status: str
    status_since: dt.date | None
    valid_until: dt.date | None
    counts: bool  # valid for this batch on its production date
    #: claimed (the producer's word), evidenced (a scan is attached) or confirmed, by whom and for which day:
    #: "dikonfirmasi BPJPH 12 Nov 2026" or "dinyatakan produsen" on the consumer page.
    confirmation: str = "claimed"
    confirmed_by: str | None = None
    confirmed_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class IngredientView:
    material: str
    supplier: str
    country: str
    lot_code: str
    certificate: CertificateView | None
    #: Exempt from certification under KMA 1360/2021: shown as such, never as "halal".
    exempt: bool = False
    #: What the lot rests on, as the assessment judged it: certificate, exempt, not_critical, documents or none.
    basis: str = ""


@dataclass(frozen=True, slots=True)
class PublicView:
    """What anyone may know about a code: the status in one word, and the facts behind it.

    ``state`` is one of ``verified``, ``pending``, ``not_halal``, ``revoked``; ``status_reason`` says why, from
    DESIGN's fixed list (``reason`` is the same value, kept for older readers), ``status_detail`` holds the
    plain facts it is worded from and ``status_text`` the words, in Indonesian and English.
    """

    code: str
    state: str
    reason: str
    status_reason: str
    status_detail: dict[str, Any]
    status_text: dict[str, str]
    product: str
    brand: str | None
    gtin: str | None
    business: str
    city: str | None
    lot_code: str
    produced_on: dt.date
    product_certificate: CertificateView | None
    ingredients: list[IngredientView] = field(default_factory=list)
    assessed_at: dt.datetime | None = None
    verdict: str | None = None
    issued_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    url: str = ""

    def as_json(self) -> str:
        """The view as JSON text (dates in ISO 8601), in field order with nested keys sorted, so equal views give
        equal text. orjson: a batch's codes are all rebuilt together, and ``asdict`` then ``json`` cost 0.5 ms each."""
        return orjson.dumps(self, option=orjson.OPT_SORT_KEYS).decode()

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(self.as_json())
        return body

    def digest(self, text: str | None = None) -> str:
        """A strong validator for ETags: changes whenever anything the public sees changes."""
        return hashlib.sha256((text or self.as_json()).encode()).hexdigest()[:32]

    @classmethod
    def from_json(cls, text: str) -> PublicView:
        """The view back from :meth:`as_json` (a stored public answer), dates and nested views restored."""
        return _restore(cls, orjson.loads(text))

    def held(self, hold: dict[str, Any]) -> PublicView:
        """The view with its status lowered to `hold` (a :meth:`status.Decision.as_dict`, set by a revocation)."""
        decision = status.Decision(HalalStatus(hold["status"]), hold["status_reason"], hold["status_detail"])
        return dataclasses.replace(
            self,
            state=public_state(decision),
            reason=decision.reason,
            status_reason=decision.reason,
            status_detail=hold["status_detail"],
            status_text=hold["status_text"],
        )


#: The fields of a public view that belong to its code, not its batch: every code of a batch has the same view
#: but for these (a revoked code differs in its status too, which is not among them).
PER_CODE_FIELDS = ("code", "url", "issued_at", "revoked_at")


def batch_share(text: str) -> tuple[str, dict[str, Any]]:
    """A view's JSON text (:meth:`PublicView.as_json`) split in two: a digest of all but its
    :data:`PER_CODE_FIELDS`, equal for every code of a batch whose answers say the same (so what is drawn from it
    can be shared among them), and the values of those fields."""
    data = orjson.loads(text)
    own = {name: data.pop(name, None) for name in PER_CODE_FIELDS}
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32], own


def _restore(kind: type[Any], data: dict[str, Any]) -> Any:
    """A view dataclass from its JSON form, each field converted by its annotation (dates, nested views)."""
    hints = _hints(kind)
    values: dict[str, Any] = {}
    for name, value in data.items():
        hint = hints.get(name)
        if hint is None:  # a key this version does not know
            continue
        if value is not None and "datetime" in hint:
            value = dt.datetime.fromisoformat(value)
        elif value is not None and "date" in hint:
            value = dt.date.fromisoformat(value)
        elif value is not None and "CertificateView" in hint:
            value = _restore(CertificateView, value)
        elif value is not None and "IngredientView" in hint:
            value = [_restore(IngredientView, item) for item in value]
        values[name] = value
    return kind(**values)


_HINTS: dict[type[Any], dict[str, str]] = {}


def _hints(kind: type[Any]) -> dict[str, str]:
    """Each field's annotation as text (``dt.date | None``), worked out once per class."""
    found = _HINTS.get(kind)
    if found is None:
        found = _HINTS[kind] = {f.name: str(f.type) for f in dataclasses.fields(kind)}
    return found


def _certificate_view(
    cert: Certificate | None, on: dt.date, confirmed: dict[int, Confirmation]
) -> CertificateView | None:
    if cert is None:
        return None
    found = confirmed.get(cert.id)
    check = found.check if found is not None and found.confirmed else None
    # DESIGN section 5: a suspension or revocation affects production on and after its effective date
    # (one effective from issue, for fraud, affects all); an expired certificate no longer counts.
    inactive = cert.status is not CertificateStatus.ACTIVE and (cert.status_since is None or cert.status_since <= on)
    expired = cert.valid_until is not None and cert.valid_until < on
    return CertificateView(
        cert.number,
        cert.issuer,
        cert.status.value,
        cert.status_since,
        cert.valid_until,
        counts=not (inactive or expired),
        confirmation=found.state.value if found is not None else "claimed",
        confirmed_by=_confirmer(check),
        confirmed_on=check.on if check is not None else None,
    )


def _confirmer(check: Check | None) -> str | None:
    """Who confirmed, in words the public page can show: the register's source, or an auditor (never a name)."""
    if check is None:
        return None
    return {"register": "BPJPH", "auditor": "auditor", "recognised_body": "BPJPH (SHLN)"}.get(check.basis)


@functools.cache
def _ingredient_lots_query() -> sa.Select[MaterialLot]:
    """The statement behind :func:`_ingredient_lots`, built once: building it costs more than running it."""
    # Within the business: a lot received as another business's batch is listed as that lot, not opened up.
    walk = provenance.upstream(Batch.id == sa.bindparam("batch_id"), cross=False)
    # The lots with their material, supplier and certificate in the same statement: read on every scan.
    return (
        sa.select(MaterialLot)
        .where(MaterialLot.id.in_(provenance.lots_used(walk)))
        .options(
            joinedload(MaterialLot.material), joinedload(MaterialLot.supplier), joinedload(MaterialLot.certificate)
        )
        .order_by(MaterialLot.received_on, MaterialLot.id)
    )


def _ingredient_lots(session: Session, batch: Batch) -> list[MaterialLot]:
    """The material lots a batch was made from, following intermediate batches back, in one query."""
    if batch.step_id is None:
        return []
    return list(session.scalars(_ingredient_lots_query(), {"batch_id": batch.id}).unique())


def _lot_evidence(
    session: Session, body: dict[str, Any], lots: list[MaterialLot]
) -> list[tuple[Certificate | None, str]]:
    """Each lot's certificate and basis as the assessment found them (the rules' own choice, so the page never
    says "no certificate" for a lot a covering certificate answers for); a lot the body does not name (an
    assessment stored before it said) shows its attached certificate."""
    found = body.get("lot_evidence") or {}
    pairs: list[tuple[Certificate | None, str]] = []
    for lot in lots:
        judged = found.get(f"lot:{lot.id}")
        if judged is None:
            exempt = lot.material.positive_list and lot.material.state != "processed"
            basis = "certificate" if lot.certificate else "exempt" if exempt else ""
            pairs.append((lot.certificate, basis))
            continue
        node = judged.get("certificate")
        cert_id = int(node.split(":", 1)[1]) if node else None
        cert = lot.certificate if lot.certificate_id == cert_id else None
        if cert is None and cert_id is not None:
            cert = session.get(Certificate, cert_id)
        pairs.append((cert, str(judged.get("basis") or "")))
    return pairs


@functools.cache
def _codes_query() -> sa.Select[VerificationCode, Batch, Product, Business, Assessment, Certificate]:
    """Codes with their batch, product, business, assessment and the product's certificate, built once."""
    return (
        sa.select(VerificationCode, Batch, Product, Business, Assessment, Certificate)
        .join(Batch, Batch.id == VerificationCode.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .join(Business, Business.id == Batch.business_id)
        .outerjoin(Assessment, Assessment.batch_id == Batch.id)
        .outerjoin(Certificate, Certificate.id == Product.certificate_id)
        .where(VerificationCode.code.in_(sa.bindparam("codes", expanding=True)))
        .order_by(VerificationCode.code)
    )


def build_views(session: Session, code_strings: Sequence[str]) -> list[PublicView]:
    """What the public sees for each code, from its batch's stored assessment, certificates and the code itself.

    The one content builder: the stored public answers (:mod:`traceability.service.public_views`) and any check
    that recomputes them from scratch both call it. It reads and never writes: the caller makes sure each batch's
    assessment is current (a write transaction reassesses before it builds).

    On top of the assessment, a certificate on the page that no longer counts for this batch (suspended, revoked
    or expired on its production date) holds a verified status at ``pending``: the live check can only lower a
    status, never raise it. A revoked code is ``revoked`` whatever the batch's status. Unknown codes are skipped.
    """
    if not code_strings:
        return []
    rows = session.execute(_codes_query(), {"codes": sorted(set(code_strings))}).all()
    lots_of: dict[int, list[MaterialLot]] = {}
    evidence_of: dict[int, list[tuple[Certificate | None, str]]] = {}
    for _record, batch, _product, _business, assessment, _cert in rows:
        if batch.id not in lots_of:
            lots_of[batch.id] = _ingredient_lots(session, batch)
            body = assessment.body if assessment is not None else {}
            evidence_of[batch.id] = _lot_evidence(session, body, lots_of[batch.id])
    shown = {
        c.id: c
        for _record, batch, _product, _business, _assessment, product_cert in rows
        for c in [product_cert, *(cert for cert, _basis in evidence_of[batch.id])]
        if c is not None
    }
    day = session.info.get("assessment_as_of") or dt.date.today()
    confirmed = confirmation.confirmations(session, list(shown.values()), assessments.active_reference(session), day)
    views: list[PublicView] = []
    live: dict[int, PublicView] = {}  # a batch's view for its live codes: only each code's own fields differ
    for row in rows:
        record, batch = row[0], row[1]
        first = live.get(batch.id) if record.revoked_at is None else None
        if first is not None:
            views.append(dataclasses.replace(first, code=record.code, issued_at=record.issued_at, url=record.url))
            continue
        view = _build_view(*row, lots_of[batch.id], evidence_of[batch.id], confirmed)
        if record.revoked_at is None:
            live[batch.id] = view
        views.append(view)
    return views


def _build_view(
    record: VerificationCode,
    batch: Batch,
    product: Product,
    business: Business,
    assessment: Assessment | None,
    product_cert: Certificate | None,
    lots: list[MaterialLot],
    evidence: list[tuple[Certificate | None, str]],
    confirmed: dict[int, Confirmation],
) -> PublicView:
    own_cert = _certificate_view(product_cert, batch.produced_on, confirmed)
    ingredients = [
        IngredientView(
            lot.material.name,
            lot.supplier.name,
            lot.supplier.country,
            lot.lot_code,
            _certificate_view(cert, lot.received_on, confirmed),
            exempt=basis == "exempt",
            basis=basis,
        )
        for lot, (cert, basis) in zip(lots, evidence, strict=True)
    ]
    body = assessment.body if assessment is not None else {}
    if "status_reason" in body:
        decision = status.Decision(HalalStatus(body["status"]), body["status_reason"], body.get("status_detail") or {})
    else:  # never judged (only a batch no write has reached since before assessments were stored)
        decision = status.Decision(HalalStatus.PENDING, "not_certified")
    if record.revoked_at is not None:
        decision = status.Decision(decision.status, "code_revoked")
    else:
        named = [(None, own_cert), *(({"id": i.material, "en": i.material}, i.certificate) for i in ingredients)]
        inactive = next(
            (
                (label, c.status if c.status != "active" else "expired", c.status_since or c.valid_until)
                for label, c in named
                if c is not None and not c.counts
            ),
            None,
        )
        decision = status.lower_for_live_certificate(decision, inactive)
    words = decision.as_dict()
    return PublicView(
        code=record.code,
        state=public_state(decision),
        reason=decision.reason,
        status_reason=decision.reason,
        status_detail=words["status_detail"],
        status_text=words["status_text"],
        product=product.name,
        brand=product.brand,
        gtin=product.gtin,
        business=business.name,
        city=business.region,
        lot_code=batch.lot_code,
        produced_on=batch.produced_on,
        product_certificate=own_cert,
        ingredients=ingredients,
        assessed_at=assessment.computed_at if assessment else None,
        verdict=assessment.verdict.value if assessment else None,
        issued_at=record.issued_at,
        revoked_at=record.revoked_at,
        url=record.url,
    )


def public_state(decision: status.Decision) -> str:
    """The one word of a decision: ``revoked`` (the code), ``verified``, ``not_halal`` or ``pending``."""
    if decision.reason == "code_revoked":
        return "revoked"
    return {HalalStatus.HALAL_VERIFIED: "verified", HalalStatus.NOT_HALAL: "not_halal"}.get(decision.status, "pending")


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """A code's stored public answer: the view's JSON text as served, its ETag, and a revocation's hold."""

    code: str
    batch_id: int
    body: str
    etag: str
    hold: dict[str, Any] | None

    def view(self) -> PublicView:
        view = PublicView.from_json(self.body)
        return view if self.hold is None else view.held(self.hold)

    def text(self) -> str:
        """The view's JSON text: the stored text itself, unless a hold lowered the status."""
        return self.body if self.hold is None else self.view().as_json()


@functools.cache
def _answer_query() -> sa.Select[str, int, str, str, Any]:
    return sa.select(
        PublicAnswer.code, PublicAnswer.batch_id, PublicAnswer.body, PublicAnswer.etag, PublicAnswer.hold
    ).where(PublicAnswer.code == sa.bindparam("code"))


def stored_answer(source: Session | sa.Connection, code: str) -> StoredAnswer | None:
    """The code's precomputed public answer: one indexed row, no other read (None for an unknown code)."""
    # Core on a plain connection: a row, none of the ORM's per-statement work on the hottest read.
    connection = source.connection() if isinstance(source, Session) else source
    row = connection.execute(_answer_query(), {"code": code}).one_or_none()
    return None if row is None else StoredAnswer(*row)


def journal_subjects(answer: StoredAnswer) -> list[str]:
    """The journal subjects a code's verify JSON shows the entries of: the code's and its batch's."""
    return [f"code:{answer.code}", f"batch:{answer.batch_id}"]


def answer_and_generation(connection: sa.Connection, code: str) -> tuple[StoredAnswer, journal.Generation] | None:
    """The code's stored answer and the journal generation of its subjects (:func:`journal.generation_columns`),
    in one statement: the verify JSON's validator costs no second round trip, its journal section no checkpoint
    read."""
    row = connection.execute(_answer_and_generation_query(), {"code": code}).one_or_none()
    if row is None:
        return None
    return StoredAnswer(*row[:5]), journal.Generation(row[5] or 0, row[6], row[7] or 0)


@functools.cache
def _answer_and_generation_query() -> sa.Select[Any]:
    # The subjects of journal_subjects, spelled in SQL from the same row.
    batch_subject = sa.literal("batch:") + sa.cast(PublicAnswer.batch_id, sa.String)
    code_subject = sa.literal("code:") + PublicAnswer.code
    return _answer_query().add_columns(*journal.generation_columns([code_subject, batch_subject]))


def public_status(session: Session, code: str) -> PublicView:
    """The public status of a code, from its stored answer (every surface reads this, so none can disagree).

    Raises
    ------
    NotFoundError
        No such code.
    """
    found = stored_answer(session, code)
    if found is None:
        raise NotFoundError("No code like that.")
    return found.view()


def code_named(session: Session, text: str) -> str | None:
    """The code a person pasted: the code itself, the address its QR code opens, or a /v/ link to it."""
    text = (text or "").strip()
    if not text:
        return None
    by_url = session.scalar(sa.select(VerificationCode.code).where(VerificationCode.url == text))
    if by_url is not None:
        return str(by_url)
    tail = text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return tail or None
