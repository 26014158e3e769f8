"""Code signing on the HTTP side: this installation's key ring, sealing new codes, checking printed URLs, and the
cache headers of a code's public answers.

The pure signing lives in :mod:`qr.signing`; this module only finds the keys (``SIGNING_KEY_DIR``) and the base URL
(``PUBLIC_BASE_URL``) in the app's configuration. The code API, the public pages, the label page and the command
line all share it, so none of them imports another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Response, current_app, g, request

from api import config
from api.db import get_session
from qr import codes
from qr.signing import KeyRing, SignatureError
from traceability.errors import InvalidInputError
from traceability.service import journal
from traceability.service.journal import LogKeys, LogReport
from traceability.service.verification import CodeDraft


def key_directory() -> Path:
    """Where this installation keeps its private signing keys."""
    return config.directory(current_app, "SIGNING_KEY_DIR")


def key_ring() -> KeyRing:
    """This process's key ring, reloaded when the key directory changes (a rotation by the CLI)."""
    directory = key_directory()
    cached: KeyRing | None = current_app.extensions.get("signing_keys")
    if (
        cached is None
        or cached.directory != directory
        or cached.stamp() != current_app.extensions.get("signing_keys_stamp")
    ):
        cached = KeyRing.open(directory)
        current_app.extensions["signing_keys"] = cached
        current_app.extensions["signing_keys_stamp"] = cached.stamp()
    return cached


def journal_origin() -> str:
    """The journal's log name: ``JOURNAL_ORIGIN``, or the public address's host and path with ``/journal``."""
    configured = current_app.config.get("JOURNAL_ORIGIN")
    if configured:
        return str(configured)
    base = str(current_app.config["PUBLIC_BASE_URL"]).split("://", 1)[-1].rstrip("/")
    return f"{base}/journal"


def journal_keys() -> LogKeys:
    """The journal's checkpoint keys: the code-signing key ring (rotation, published public keys) under the log's
    name; the active key signs, every key in the ring verifies."""
    ring = key_ring()
    return LogKeys(journal_origin(), ring.private[ring.active], tuple(ring.keys[k] for k in sorted(ring.keys)))


def journal_state() -> LogReport:
    """The journal's state for a page, checked from the last checkpoint this process verified (not from entry 1)."""
    report, trusted = journal.check_recent(get_session(), journal_keys(), current_app.extensions.get("journal_trusted"))
    current_app.extensions["journal_trusted"] = trusted
    return report


def seal(draft: CodeDraft) -> tuple[str, str, str]:
    """Sign a new code with the active key and build the URL its label prints."""
    claims = codes.Claims(draft.code, draft.batch, draft.product, draft.issued_at)
    kid, signature = key_ring().sign(claims)
    url = codes.signed_url(
        current_app.config["PUBLIC_BASE_URL"], claims, kid, signature, gtin=draft.gtin, lot=draft.lot
    )
    return url, kid, signature


def check_online(url_or_token: str, code: str, *, field: str) -> None:
    """Refuse a printed URL whose signature is forged, altered, or by an unknown key, or that names another code.

    Called before any database read: a forged code costs the server no query.

    Raises
    ------
    InvalidInputError
        Naming `field`, the parameter that carried the bad signature.
    """
    try:
        signed = codes.verify_url(url_or_token, key_ring())
    except SignatureError as exc:
        raise InvalidInputError(f"This code is not genuine: {exc}", errors={field: [exc.args[0]]}) from None
    if signed.claims.code != code:
        raise InvalidInputError("The signature belongs to another code.", errors={field: ["Another code's."]})


def signed_code(url: str, *, field: str) -> str:
    """The code a signed printed URL carries, checked without the database (see :func:`check_online`)."""
    try:
        return codes.verify_url(url, key_ring()).claims.code
    except SignatureError as exc:
        raise InvalidInputError(f"This code is not genuine: {exc}", errors={field: [exc.args[0]]}) from None


def representation_tag(answer_etag: str, *parts: object) -> str:
    """The strong ETag of one representation of a public answer: the answer's validator and what else shaped the
    bytes (language, format, the base URL links are built from), so no two different bodies share a tag."""
    shape = "|".join([current_app.config["PUBLIC_BASE_URL"], *map(str, parts)])
    return f"{answer_etag}-{hashlib.sha256(shape.encode()).hexdigest()[:10]}"


def revalidated(tag: str) -> bool:
    """Whether the request's If-None-Match names `tag` (or any): a 304, with no body built or read."""
    return request.if_none_match.contains_weak(tag) or request.if_none_match.star_tag


def public_answer(tag: str, vary: tuple[str, ...], build: Callable[[], Response]) -> Response:
    """A public answer with cache headers: 304 without building the body when the client's validator matches.

    ``Cache-Control: public, max-age`` short enough that a revocation reaches a scanner soon, with
    ``stale-while-revalidate`` so an edge cache answers at once while it fetches the new one; ``Vary`` names the
    request headers this body was chosen by, and only those.
    """
    response = current_app.response_class(status=304) if revalidated(tag) else build()
    # Written as text, not through werkzeug's header objects: this runs on every scan.
    headers = response.headers
    headers["ETag"] = f'"{tag}"'
    config = current_app.config
    headers["Cache-Control"] = (
        f"public, max-age={config['PUBLIC_MAX_AGE']}, stale-while-revalidate={config['PUBLIC_STALE_SECONDS']}"
    )
    if vary:
        present = headers.get("Vary")
        if not present:
            headers["Vary"] = ", ".join(vary)
        else:
            named = {name.strip().lower() for name in present.split(",")}
            headers["Vary"] = ", ".join([present, *(name for name in vary if name.lower() not in named)])
    g.shared_answer = True  # the same for every visitor: no Vary: Cookie (api.security.SharedAnswerSessions)
    return response
