"""The admin's console beyond users and certificates: businesses, invitations, API tokens, the signing keys and
the journal's checkpoints, each a page with the form the command line used to be the only door to.

Thin views over :mod:`traceability.service` (accounts, invitations, businesses, journal, keys); the key files are
opened by :mod:`api.signing`, as the command line opens them.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api import reference_text
from api.auth import require_actor
from api.db import get_session
from api.signing import journal_keys, key_directory, key_ring
from api.web import page_for
from qr.signing import KeyRing
from traceability.errors import TraceabilityError
from traceability.service import accounts, assessments, businesses, invitations, journal, keys, reference_versions
from traceability.service.access import Capability

bp = Blueprint("admin_console", __name__)
MAX_REFERENCE_BYTES = 2_000_000  # the shipped reference data is about a tenth of this

#: An invitation's state, in words.
INVITATION_WORDS = {
    "pending": _l("link works"),
    "used": _l("used"),
    "expired": _l("expired"),
    "revoked": _l("revoked"),
}


def _errors(exc: TraceabilityError, field: str) -> dict[str, list[str]]:
    """A refusal as the form shows it: the service's whole sentence, beside `field`."""
    return {field: [exc.message]}


@bp.get("/admin/businesses")
@page_for(Capability.MANAGE_USERS)
def business_list() -> str:
    """Every registered business, searchable by name, owner or NIB, with its accounts."""
    actor, db = require_actor(), get_session()
    text = (request.args.get("q") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = businesses.list_businesses(db, actor, q=text or None, page=page, per_page=50)
    people: dict[int, list[str]] = {}
    for user, _name in accounts.list_users(db, actor):
        if user.business_id is not None:
            people.setdefault(user.business_id, []).append(user.name or user.email)
    return render_template("admin_businesses.html", found=found, total=total, q=text, page=page, people=people)


@bp.route("/admin/invitations", methods=["GET", "POST"])
@page_for(Capability.MANAGE_USERS)
def invitation_list() -> ResponseReturnValue:
    """Every invitation and password-reset link, newest first; an unused one can be revoked."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            invitations.revoke_invitation(db, actor, request.form.get("invitation", type=int) or 0)
            flash(_("Invitation revoked: its link no longer works."))
            return redirect(url_for("admin_console.invitation_list"))
        except TraceabilityError as exc:
            errors = _errors(exc, "invitation")
    return render_template(
        "admin_invitations.html", rows=invitations.list_invitations(db, actor), errors=errors, words=INVITATION_WORDS
    ), 422 if errors else 200


@bp.route("/admin/tokens", methods=["GET", "POST"])
@page_for(Capability.MANAGE_USERS)
def token_list() -> ResponseReturnValue:
    """Every account's API tokens (their first characters only); revoking one stops it at once."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            accounts.revoke_token(db, actor, request.form.get("token", type=int) or 0)
            flash(_("Token revoked: it no longer opens the API."))
            return redirect(url_for("admin_console.token_list"))
        except TraceabilityError as exc:
            errors = _errors(exc, "token")
    return render_template(
        "admin_tokens.html", rows=accounts.every_token(db, actor), errors=errors
    ), 422 if errors else 200


@bp.route("/admin/keys", methods=["GET", "POST"])
@page_for(Capability.MANAGE_REFERENCE)
def key_set() -> ResponseReturnValue:
    """The signing keys and the key set the public reads; rotating adds a key that signs from now on, and every
    older key stays listed, so codes already printed keep verifying."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            errors = {"confirm": [_("Tick the box to confirm the rotation.")]}
        else:
            try:
                keys.may_rotate(actor)
                previous = key_ring().active
                ring = KeyRing.rotate(key_directory())
                keys.record_rotation(db, actor, active=ring.active, previous=previous, listed=len(ring.keys))
                flash(_("New signing key %(kid)s: codes issued from now on are signed with it.", kid=ring.active))
                return redirect(url_for("admin_console.key_set"))
            except TraceabilityError as exc:
                errors = _errors(exc, "confirm")
    ring = key_ring()
    published = ring.jwks()["keys"]
    return render_template(
        "admin_keys.html", active=ring.active, published=published, errors=errors
    ), 422 if errors else 200


@bp.route("/admin/journal", methods=["GET", "POST"])
@page_for(Capability.READ_WHOLE_JOURNAL)
def checkpoint_list() -> ResponseReturnValue:
    """The journal's signed checkpoints, newest first; sealing puts every new entry in the tree and signs one."""
    db = get_session()
    if request.method == "POST":
        size, _root, new = journal.seal(db, journal_keys())
        if new:
            flash(_("Checkpoint signed: %(n)d entries.", n=size))
        else:
            flash(_("Nothing new to seal: the newest checkpoint already covers %(n)d entries.", n=size))
        return redirect(url_for("admin_console.checkpoint_list"))
    kept, total = journal.recent_checkpoints(db)
    return render_template("admin_journal.html", kept=kept, total=total, waiting=journal.unsealed_count(db))


# --- reference data as versions --------------------------------------------------------------------


@bp.route("/admin/reference", methods=["GET", "POST"])
@page_for(Capability.MANAGE_REFERENCE)
def reference() -> ResponseReturnValue:
    """The reference data in force; a new version (pasted or uploaded JSON) shown first as what it changes and the
    batches whose verdict it changes, and put in force (journalled, every batch reassessed) only once confirmed."""
    actor, db = require_actor(), get_session()
    errors: dict[str, list[str]] = {}
    shown: reference_versions.Preview | None = None
    text = request.form.get("data", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = upload.read(MAX_REFERENCE_BYTES + 1).decode("utf-8-sig", errors="replace")
    if request.method == "POST":
        try:
            data = json.loads(text) if len(text) <= MAX_REFERENCE_BYTES else None
            if data is None:
                errors = {"data": [_("Paste or choose the new version as JSON (at most 2 MB).")]}
            elif request.form.get("step") == "confirm":
                label = assessments.set_reference(db, actor, data).label
                flash(_("Reference data %(label)s is in force; every batch is checked again with it.", label=label))
                return redirect(url_for("admin_console.reference"))
            else:
                shown = reference_versions.preview(db, actor, data)
        except json.JSONDecodeError as exc:
            errors = {"data": [_("This is not JSON: line %(line)d, column %(col)d.", line=exc.lineno, col=exc.colno)]}
        except TraceabilityError as exc:
            unknown = sorted(k for k in exc.errors or {} if k not in ("data", "version", "materials", "_schema"))
            errors = {"data": [exc.message, *([", ".join(unknown)] if unknown else [])]}
    current, version = reference_versions.in_force(db, actor)
    return render_template(
        "admin_reference.html",
        current=current,
        version=version,
        preview=shown,
        errors=errors,
        text=text,
        change_words=reference_text.change_words,
    ), 422 if errors else 200
