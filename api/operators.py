"""Operators' pages for certificates: the auditor's queue of certificates to confirm, each one side by side with
its scan, and the admin's import of a BPJPH register snapshot.

Thin views over :mod:`traceability.service.confirmation` and :mod:`traceability.service.register_import`, which the
JSON API and the command line use too: one set of rules, whichever door a decision comes through.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.auth import require_actor
from api.db import get_session
from api.labels import day
from api.register_text import COLUMN_WORDS, row_error
from api.web import page_for
from traceability.errors import TraceabilityError
from traceability.evidence import pdf_pages, render_pdf_page
from traceability.formats.bpjph_register import COLUMNS
from traceability.service import (
    accounts,
    assessments,
    certificate_desk,
    confirmation,
    evidence,
    invitations,
    records,
    register_import,
    verification,
    workbench,
)
from traceability.service.access import Capability
from traceability.vocabulary import CertificateStatus, Role

bp = Blueprint("operators", __name__)

#: A confirmation's state, in words.
STATE_WORDS = {
    "claimed": _l("stated by the producer, no scan"),
    "evidenced": _l("scan attached, not yet checked"),
    "confirmed": _l("confirmed"),
}
#: What the register's standing of a certificate is, in words.
OUTCOME_WORDS = {
    "confirmed": _l("confirmed by the register"),
    "mismatched": _l("does not match the register"),
    "unknown": _l("not in the register"),
    "revoked": _l("revoked in the register"),
    "suspended": _l("suspended in the register"),
    "expired": _l("expired in the register"),
}
REGISTER_STATUS_WORDS = {
    "active": _l("active"),
    "suspended": _l("suspended"),
    "revoked": _l("revoked"),
    "expired": _l("expired"),
}
BASIS_WORDS = {
    "register": _l("the BPJPH register"),
    "auditor": _l("an auditor, against the scan"),
    "recognised_body": _l("a recognised foreign body and its SHLN registration"),
}

# The problems the register or an auditor finds, as traceability.reconciliation and confirmation phrase them.
_PROBLEMS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"number: (?P<x>.+) is not in the register$"), _l("number %(x)s is not in the register")),
    (re.compile(r"status: expired on (?P<x>.+) in the register$"), _l("expired on %(x)s in the register")),
    (re.compile(r"status: expired in the register$"), _l("expired in the register")),
    (re.compile(r"holder: the register names (?P<x>.+)$"), _l("the register names another holder: %(x)s")),
    (re.compile(r"scope: (?P<x>.+) is not in the register entry$"), _l("%(x)s is not in the register's scope")),
    (re.compile(r"rejected by an auditor: (?P<x>.+)$"), _l("rejected by an auditor: %(x)s")),
)


def problem_words(text: str) -> str:
    """One problem the register or an auditor found, in the page's language (names and numbers kept)."""
    for pattern, words in _PROBLEMS:
        found = pattern.match(text)
        if found:
            return str(words) % found.groupdict() if found.groupdict() else str(words)
    return text


def _today() -> dt.date:
    return dt.date.today()


# --- the auditor's confirmation queue -----------------------------------------------------------


@bp.get("/auditor/certificates")
@page_for(Capability.DECIDE_CERTIFICATES)
def queue() -> str:
    """Every certificate identity nobody but a producer vouches for: those with a scan first."""
    db = get_session()
    items = confirmation.queue(db, require_actor(), assessments.active_reference(db), _today())
    return render_template("certificate_queue.html", items=items)


@bp.route("/auditor/certificates/<int:certificate_id>", methods=["GET", "POST"])
@page_for(Capability.DECIDE_CERTIFICATES)
def certificate(certificate_id: int) -> ResponseReturnValue:
    """One certificate beside its scan: confirm it, or reject it with a reason (every business's copy)."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    if request.method == "POST":
        decision = request.form.get("decision")
        if decision not in ("confirm", "reject"):
            abort(400)
        try:
            copies = confirmation.check_certificate(
                db, actor, certificate_id, confirm=decision == "confirm", reason=request.form.get("reason", "")
            )
            if decision == "confirm":
                flash(_("Certificate confirmed for %(n)d business records.", n=len(copies)))
            else:
                flash(_("Certificate rejected for %(n)d business records.", n=len(copies)))
            return redirect(url_for("operators.certificate", certificate_id=certificate_id))
        except TraceabilityError as exc:
            errors = {"reason": [exc.message]}  # the whole sentence: it says what to do
    case = confirmation.certificate_case(db, actor, certificate_id, assessments.active_reference(db), _today())
    scan: dict[str, Any] | None = None
    if case.scan_of is not None:
        stored = evidence.get_evidence(db, actor, case.scan_of)
        pages = pdf_pages(stored.content) if stored.media_type == "application/pdf" else 1
        scan = {"pdf": stored.media_type == "application/pdf", "pages": pages, "of": case.scan_of}
    return render_template(
        "certificate_confirm.html",
        case=case,
        scan=scan,
        errors=errors,
        form=request.form,
        problems=[problem_words(p) for p in case.confirmation.problems],
    ), 422 if errors else 200


@bp.get("/auditor/certificates/<int:certificate_id>/scan")
@page_for(Capability.DECIDE_CERTIFICATES)
def scan(certificate_id: int) -> Response:
    """The scan as an image to show inline: a JPEG or PNG as stored, a PDF's page drawn as PNG."""
    stored = evidence.get_evidence(get_session(), require_actor(), certificate_id)  # 404 for what one may not read
    content, media_type = stored.content, stored.media_type
    if media_type == "application/pdf":
        drawn = render_pdf_page(content, request.args.get("page", 0, type=int) or 0)
        if drawn is None:
            abort(404)
        content, media_type = drawn, "image/png"
    return Response(
        content,
        mimetype=media_type,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


# --- the admin's certificate decisions ---------------------------------------------------------


@bp.get("/admin/certificates")
@page_for(Capability.DECIDE_CERTIFICATES)
def certificates() -> str:
    """Find a certificate by its number, however it was typed."""
    text = (request.args.get("q") or "").strip()
    found = certificate_desk.search(get_session(), require_actor(), text) if text else []
    return render_template("certificate_search.html", q=text, found=found)


@bp.route("/admin/certificates/<int:certificate_id>", methods=["GET", "POST"])
@page_for(Capability.DECIDE_CERTIFICATES)
def decide_certificate(certificate_id: int) -> ResponseReturnValue:
    """Every copy of a certificate and every batch it reaches; a decision (status from a date, with a reason) is
    first shown with the batches it would flip, and recorded only once confirmed; then the batches it flipped."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    flips: list[certificate_desk.Flip] | None = None
    preview: list[certificate_desk.Flip] | None = None
    if request.method == "POST":
        chosen = request.form.get("status", "")
        try:
            effective = dt.date.fromisoformat(request.form.get("effective", ""))
        except ValueError:
            errors = {"effective": [_("Write the date as YYYY-MM-DD.")]}
        if chosen not in {s.value for s in CertificateStatus}:
            errors["status"] = [_("Choose a status.")]
        if not errors:
            status, reason = CertificateStatus(chosen), request.form.get("reason", "")
            fraud = request.form.get("fraud") == "yes"
            try:
                if request.form.get("step") == "confirm":
                    _copies, flips = certificate_desk.decide(
                        db, actor, certificate_id, status=status, effective=effective, reason=reason, fraud=fraud
                    )
                    flash(_("Decision recorded for every business's copy."))
                else:
                    preview = certificate_desk.preview(
                        db, actor, certificate_id, status=status, effective=effective, reason=reason, fraud=fraud
                    )
            except TraceabilityError as exc:
                errors = {k: [exc.message] for k in (exc.errors or {"reason": [exc.message]})}
    reach = certificate_desk.reach(db, actor, certificate_id)
    return render_template(
        "certificate_decide.html",
        reach=reach,
        flips=flips,
        preview=preview,
        statuses=list(CertificateStatus),
        errors=errors,
        form=request.form,
        today=_today().isoformat(),
    ), 422 if errors else 200


# --- the admin's users ---------------------------------------------------------------------------


@bp.route("/admin/users", methods=["GET", "POST"])
@page_for(Capability.MANAGE_USERS)
def users() -> ResponseReturnValue:
    """Every account: create one, change its role, lock or unlock it, or reset its password by a new one-time link
    (the old password stops working at once)."""
    actor, db = require_actor(), get_session()
    errors: dict[str, Any] = {}
    created: dict[str, str] | None = None
    reset: dict[str, str] | None = None
    if request.method == "POST":
        action = request.form.get("action")
        target = request.form.get("user", type=int) or 0
        try:
            if action == "create":
                role = request.form.get("role", "")
                if role not in {r.value for r in Role}:
                    errors = {"role": [_("Choose a role.")]}
                else:
                    user, password = accounts.create_user(
                        db,
                        actor,
                        email=request.form.get("email", ""),
                        role=Role(role),
                        name=request.form.get("name", "").strip()[:200],
                        business_nib=request.form.get("nib", "").strip() or None,
                    )
                    created = {"email": user.email, "password": password}
            elif action == "role" and request.form.get("role") in {r.value for r in Role}:
                accounts.set_role(db, actor, target, Role(request.form["role"]))
                flash(_("Role changed; the account's sessions ended."))
            elif action in ("lock", "unlock"):
                accounts.set_locked(db, actor, target, locked=action == "lock")
                flash(_("Account locked.") if action == "lock" else _("Account unlocked."))
            elif action == "reset":
                invitation, token = invitations.reset_password(db, actor, target)
                url = invitations.invite_url(current_app.config["PUBLIC_BASE_URL"], token)
                reset = {"email": invitation.email, "url": url}
            else:
                abort(400)
            if not errors and created is None and reset is None:
                return redirect(url_for("operators.users"))
        except TraceabilityError as exc:
            errors = {k: [exc.message] for k in (exc.errors or {"form": [exc.message]})}
    rows = accounts.list_users(db, actor)
    return render_template(
        "users.html",
        rows=rows,
        roles=list(Role),
        me=actor.user_id,
        created=created,
        reset=reset,
        errors=errors,
        form=request.form,
        locked_out=_locked_out(rows),
    ), 422 if errors else 200


def _locked_out(rows: list[tuple[Any, str | None]]) -> set[int]:
    """Accounts locked for now after too many failed sign-ins (the stored time is naive UTC on SQLite)."""
    now = dt.datetime.now(dt.UTC)
    out = set()
    for user, _business in rows:
        until = user.locked_until
        if until is not None and (until if until.tzinfo else until.replace(tzinfo=dt.UTC)) > now:
            out.add(user.id)
    return out


# --- code revocation ---------------------------------------------------------------------------


@bp.route("/admin/codes", methods=["GET", "POST"])
@page_for(Capability.REVOKE_ANY_CODE)
def codes() -> ResponseReturnValue:
    """Revoke any verification code (auditors and admins): paste the code or the address its QR opens."""
    errors: dict[str, Any] = {}
    if request.method == "POST":
        code = verification.code_named(get_session(), request.form.get("code") or "")
        try:
            record = verification.revoke_code(get_session(), require_actor(), code) if code else None
            if record is None:
                errors = {"code": [_("Paste a code or the address its QR code opens.")]}
            else:
                flash(_("Code revoked: its page, badge and answer say so from now on."))
                return redirect(url_for("operators.codes"))
        except TraceabilityError:
            errors = {"code": [_("No code like that.")]}
    return render_template("code_revoke.html", errors=errors, form=request.form), 422 if errors else 200


# --- the producer's answer to an evidence request --------------------------------------------


@bp.route("/producer/reviews/<int:review_id>", methods=["GET", "POST"])
@page_for(Capability.SUBMIT_FOR_REVIEW)
def answer(review_id: int) -> ResponseReturnValue:
    """The conversation of one review: what the auditor asked, and the answer with text and the scan of the
    certificate the request is about; answering sends the review back to the auditor."""
    actor, db = require_actor(), get_session()
    review, said = workbench.conversation(db, actor, review_id)
    about = workbench.asked_about(db, review)
    certificates = [int(s.split(":")[1]) for s in about if s.startswith("certificate:")]
    own, _total = records.list_records(db, actor, "certificates", business_id=review.business_id, per_page=200)
    choices = sorted(own, key=lambda c: (c.id not in certificates, c.number))
    errors: dict[str, Any] = {}
    if request.method == "POST":
        text = " ".join(request.form.get("answer", "").split())
        upload = request.files.get("file")
        limit = int(current_app.config["EVIDENCE_MAX_BYTES"])
        content = upload.read(limit + 1) if upload is not None else b""
        target = request.form.get("certificate", type=int)
        try:
            if len(text) < 3:
                errors = {"answer": [_("Write what you did or what you attached.")]}
            elif content and target not in {c.id for c in own}:
                errors = {"certificate": [_("Choose the certificate this scan is of.")]}
            else:
                if content and target is not None:
                    evidence.put_evidence(db, actor, target, content, max_bytes=limit)
                    number = next(c.number for c in own if c.id == target)
                    text = _("%(text)s (scan of certificate %(n)s attached)", text=text, n=number)
                workbench.answer_request(db, actor, review_id, text)
                flash(_("Answer sent: the review is back with the auditor."))
                return redirect(url_for("operators.answer", review_id=review_id))
        except TraceabilityError as exc:
            errors = {k: [str(m) for m in v] for k, v in (exc.errors or {"answer": [exc.message]}).items()}
            if "file" in errors or "review" in errors:
                errors = {k: [exc.message] for k in errors}
    product = records.get_record(db, actor, "products", review.product_id)
    return render_template(
        "review_answer.html",
        review=review,
        said=said,
        product=product,
        choices=choices,
        asked=set(certificates),
        errors=errors,
        form=request.form,
    ), 422 if errors else 200


# --- the admin's register import ----------------------------------------------------------------


@bp.route("/admin/register", methods=["GET", "POST"])
@page_for(Capability.MANAGE_REFERENCE)
def register() -> ResponseReturnValue:
    """Upload a snapshot of the BPJPH register: every row checked, stored whole or not at all, then every recorded
    certificate reconciled with it; the page shows the counts and what changed."""
    errors: dict[str, list[str]] = {}
    report: dict[str, Any] | None = None
    if request.method == "POST":
        upload = request.files.get("file")
        limit = int(current_app.config["MAX_CONTENT_LENGTH"] or 16_000_000)
        raw = upload.read(limit + 1) if upload is not None else b""
        filename = (upload.filename or "") if upload is not None else ""
        day = None
        try:
            if request.form.get("snapshot_date"):
                try:
                    day = dt.date.fromisoformat(request.form["snapshot_date"])
                except ValueError:
                    errors = {"snapshot_date": [_("Write the date as YYYY-MM-DD.")]}
            if errors:
                pass
            elif not raw:
                errors = {"file": [_("Choose a CSV or JSON file.")]}
            elif len(raw) > limit:
                errors = {"file": [_("The file is larger than %(mb)d MB.", mb=limit // 1_000_000)]}
            else:
                result = register_import.import_snapshot(
                    get_session(),
                    require_actor(),
                    raw.decode("utf-8-sig"),
                    source=request.form.get("source", "").strip() or None,
                    snapshot_date=day,
                    filename=filename,
                )
                report = result.as_dict()
                if result.invalid:
                    errors = {"rows": [_("The file was not imported: fix these rows and upload it again.")]}
        except UnicodeDecodeError:
            errors = {"file": [_("Save the file as UTF-8 text (CSV UTF-8).")]}
        except TraceabilityError as exc:
            errors = {k: [str(m) for m in v] for k, v in (exc.errors or {"file": [exc.message]}).items()}
    status = 422 if errors else 200
    return render_template(
        "register_import.html",
        report=report,
        errors=errors,
        columns=COLUMNS,
        register_columns=COLUMN_WORDS,
        form=request.form,
    ), status


def confirmation_note(certificate_id: int) -> dict[str, Any]:
    """A certificate record's confirmation as its producer reads it on the record's page: who vouches for it, or
    what to do next."""
    db = get_session()
    reference = assessments.active_reference(db)
    found = confirmation.get_confirmation(db, require_actor(), certificate_id, reference, _today())
    check = found.check
    if found.confirmed and check is not None:
        who = {"register": _("BPJPH"), "auditor": _("an auditor")}.get(check.basis, _("a recognised foreign body"))
        on = day(check.on) if check.on else ""
        return {"state": "confirmed", "text": _("Confirmed by %(who)s %(on)s", who=who, on=on).strip(), "problems": []}
    problems = [problem_words(p) for p in found.problems]
    if found.state.value == "evidenced":
        return {"state": "evidenced", "text": _("Not yet confirmed: an auditor checks the scan."), "problems": problems}
    return {"state": "claimed", "text": _("Not yet confirmed: upload a scan of the certificate."), "problems": problems}


def _outcome(value: str | None) -> str:
    return str(OUTCOME_WORDS.get(value or "", _("not listed before")))


bp.add_app_template_global(confirmation_note, "confirmation_note")
bp.add_app_template_filter(problem_words, "problem_words")
bp.add_app_template_filter(_outcome, "register_outcome")
bp.add_app_template_filter(row_error, "register_row_error")
bp.add_app_template_filter(lambda s: str(STATE_WORDS.get(s, s)), "confirmation_state")
bp.add_app_template_filter(lambda s: str(REGISTER_STATUS_WORDS.get(s, s)), "register_status")
bp.add_app_template_filter(lambda s: str(BASIS_WORDS.get(s, s)), "confirmation_basis")
