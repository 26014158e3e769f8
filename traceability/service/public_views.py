"""The stored public answer of every code: rebuilt inside each write that changes it, read by every public route.

A write notes the batches whose answers it may change (a reassessment does so for every batch it judged; issuing
or revoking a code for its batch); :func:`refresh`, the last before-commit hook, rebuilds those answers with
:func:`~traceability.service.verification.build_views`, the same builder a from-scratch check uses. A public read
is then one indexed row (:func:`~traceability.service.verification.stored_answer`) and never writes.

A change too large to reassess inline (a certificate revoked under thousands of batches) cannot leave a verified
answer standing meanwhile: :func:`hold` lowers every affected verified answer with set-based statements (one per
5,000 batches), and the queued reassessment rebuilds each answer (dropping the hold) as it reaches its batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Assessment, PublicAnswer, VerificationCode
from traceability.rules import status
from traceability.service import assessments, bulk, verification, webhooks

__all__ = ["backfill", "hold", "rebuild", "refresh"]


def refresh(session: Session) -> None:
    """Rebuild the public answers of the batches this transaction noted (before-commit hook, runs last)."""
    batches: set[int] = session.info.pop("public_batches", set())
    codes: set[int] = session.info.pop("public_codes", set())
    later: set[int] = session.info.pop("reassess_later", set())
    lowered: status.Decision | None = session.info.pop("public_hold", None)
    if batches or codes:
        rebuild(session, batches - later, codes)
    if later and lowered is not None:
        hold(session, later, lowered)


def rebuild(session: Session, batch_ids: Iterable[int], code_ids: Iterable[int] = ()) -> int:
    """Rebuild the answers of every code of these batches and of these codes, judging first a batch not judged
    yet; returns how many.

    A reassessment reaching a city's products rebuilds tens of thousands of answers: they are read, built and
    written :data:`~traceability.service.bulk.IN_CHUNK` codes at a time.
    """
    query = sa.select(VerificationCode.id, VerificationCode.code, VerificationCode.batch_id)
    found = {row.id: row for row in bulk.rows_in(session, query, VerificationCode.batch_id, batch_ids)}
    found.update((row.id, row) for row in bulk.rows_in(session, query, VerificationCode.id, code_ids))
    if not found:
        return 0
    codes = [(row.id, row.code, row.batch_id) for _key, row in sorted(found.items())]
    with_codes = {batch_id for _id, _code, batch_id in codes}
    fresh = sa.select(Assessment.batch_id).where(Assessment.stale.is_(False))
    judged = bulk.scalars_in(session, fresh, Assessment.batch_id, with_codes)
    if with_codes - judged:  # a code issued for a batch whose large fan-out is still queued, or never judged
        assessments.assess_batches(session, with_codes - judged)
        session.info.get("public_batches", set()).difference_update(with_codes)
    session.flush()
    for start in range(0, len(codes), bulk.IN_CHUNK):
        _rebuild_codes(session, codes[start : start + bulk.IN_CHUNK])
    return len(codes)


def _rebuild_codes(session: Session, codes: list[tuple[int, str, int]]) -> None:
    """Build and store the answers of one chunk of codes, noting each change of status for the webhooks."""
    views = {view.code: view for view in verification.build_views(session, [code for _id, code, _batch in codes])}
    existing = {
        row.code_id: row
        for row in session.scalars(
            sa.select(PublicAnswer).where(PublicAnswer.code_id.in_([code_id for code_id, _code, _batch in codes]))
        )
    }
    now = dt.datetime.now(dt.UTC)
    changes = []
    for code_id, code, batch_id in codes:
        view = views[code]
        text = view.as_json()
        old = existing.get(code_id)
        before = (old.state, _reason(old)) if old is not None else None
        if before != (view.state, view.status_reason):  # what a marketplace's webhook hears of
            changes.append(
                webhooks.Change(code, batch_id, view.state, view.status_reason, before, view.status_text, view.url)
            )
        row = old or PublicAnswer(code_id=code_id, code=code)
        row.batch_id, row.state, row.body, row.etag = batch_id, view.state, text, view.digest(text)
        row.hold, row.built_at = None, now
        session.add(row)
    session.flush()
    webhooks.note_changes(session, changes)


def _reason(row: PublicAnswer) -> str:
    """The status reason a stored answer gives (its hold's while one stands)."""
    if row.hold:
        return str(row.hold.get("status_reason", ""))
    return str(json.loads(row.body).get("status_reason", ""))


def hold(session: Session, batch_ids: Iterable[int], decision: status.Decision) -> int:
    """Lower every verified answer of these batches to `decision`, one statement per chunk of batches, until their
    reassessment.

    The ETag changes with the hold (the body served does), and only a verified answer is lowered: a status
    already pending or not halal stays what it is, and a revoked code stays revoked.
    """
    batch_ids = set(batch_ids)
    held = decision.as_dict()
    mark = hashlib.sha256(json.dumps(held, sort_keys=True).encode()).hexdigest()[:8]
    verified = PublicAnswer.state == "verified"
    query = sa.select(PublicAnswer.code, PublicAnswer.batch_id, PublicAnswer.body).where(verified)
    lowered = bulk.rows_in(session, query, PublicAnswer.batch_id, batch_ids)
    state = verification.public_state(decision)
    webhooks.note_changes(
        session,
        [
            webhooks.Change(
                code, batch_id, state, decision.reason, ("verified", str(json.loads(body).get("status_reason", ""))),
                held.get("status_text") or {}, str(json.loads(body).get("url", "")),
            )
            for code, batch_id, body in lowered
        ],
    )  # fmt: skip
    count = 0
    for chunk in bulk.chunks(batch_ids):  # one statement for each chunk of batches
        result = session.execute(
            sa.update(PublicAnswer)
            .where(PublicAnswer.batch_id.in_(chunk), verified)
            .values(state=state, hold=held, etag=sa.func.substr(PublicAnswer.etag, 1, 32) + "h" + mark)
            .execution_options(synchronize_session=False)
        )
        count += int(getattr(result, "rowcount", 0) or 0)
    return count


def backfill(session: Session) -> int:
    """Build the answers of codes that have none (codes issued before answers were stored); returns how many."""
    missing = sa.select(VerificationCode.batch_id).where(
        ~sa.exists().where(PublicAnswer.code_id == VerificationCode.id)
    )
    batches = set(session.scalars(missing.distinct()))
    return rebuild(session, batches) if batches else 0
