"""``Idempotency-Key`` on writes: a retried request gets the first answer instead of a second write.

The key is enlisted in the write's own transaction (:func:`~traceability.service.unit_of_work.enlist`), so a
write and its key commit or vanish together; a request that writes nothing stores no key. The answer exists only
once the handler returns, after that commit, so it is stored in a transaction of its own right after: if the
process dies in between, the key stays "still being processed" (409) rather than let a retry write twice.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request

from api.auth import current_user_record
from api.db import get_session
from api.errors import problem
from models import IdempotencyRecord
from traceability.service.unit_of_work import enlist, writing

HEADER = "Idempotency-Key"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string, request.get_data()):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def before_request() -> Response | None:
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITES or not request.path.startswith("/api/"):
        return None
    if not 1 <= len(key) <= 255:
        return problem(400, "Bad Request", f"{HEADER} must be 1 to 255 characters.")
    user = current_user_record()
    if user is None:
        return None  # the endpoint answers 401 itself
    session = get_session()
    fingerprint = _fingerprint()
    stored = session.scalar(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key)
    )
    session.rollback()  # end the read so the write transaction starts fresh
    if stored is not None:
        if stored.fingerprint != fingerprint:
            return problem(422, "Unprocessable Content", f"This {HEADER} was used for a different request.")
        if stored.status_code is None:
            return problem(409, "Conflict", f"A request with this {HEADER} is still being processed.")
        response = current_app.response_class(
            stored.response_body, status=stored.status_code, headers=stored.response_headers or {}
        )
        response.headers["Idempotent-Replayed"] = "true"
        return response
    g.idempotency = IdempotencyRecord(user_id=user.id, key=key, fingerprint=fingerprint)
    enlist(session, g.idempotency)
    return None


def after_request(response: Response) -> Response:
    record: IdempotencyRecord | None = g.pop("idempotency", None)
    if record is None or response.status_code >= 400:
        return response
    if sa.inspect(record).persistent:  # committed together with the write
        with writing(get_session()):
            record.status_code = response.status_code
            record.response_body = response.get_data(as_text=True)
            record.response_headers = {
                k: v for k, v in response.headers.items() if k in ("Content-Type", "Location", "ETag")
            }
    return response


def init_app(app: Flask) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
