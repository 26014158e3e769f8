"""People's pages: each role's home, the producer's forms and spreadsheet import, the pendamping's view,
the auditor's queue and review page with the provenance graph drawn, and a product's journal.

Thin views: parse the form with the JSON API's schema (one set of field rules), call one use case,
render. A refused form is shown again with what the user typed and the message beside each field.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError
from werkzeug.exceptions import Forbidden, HTTPException, NotFound

from api import errors, graph_words, guards
from api.auth import current_user_record, keep_session, require_actor
from api.db import get_session
from api.error_pages import N_, error_page
from api.labels import enum_label, field_label
from api.signing import journal_state
from models import MaterialLot
from traceability import drawing
from traceability.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    TraceabilityError,
)
from traceability.formats.fields import PendampingVerificationSchema
from traceability.service import (
    accounts,
    assessments,
    businesses,
    history,
    provenance,
    records,
    reviews,
    spreadsheet,
    workbench,
)
from traceability.service.access import Actor, Capability
from traceability.service.record_kinds import KINDS
from traceability.vocabulary import ApplicationRoute, ReviewState, Role, Severity

bp = Blueprint("web", __name__)
LANGUAGES = ("id", "en")
TRANSLATIONS = Path(__file__).with_name("translations")
HOMES = {
    Role.PRODUCER: "web.producer",
    Role.PENDAMPING: "web.pendamping",
    Role.AUDITOR: "web.auditor",
    Role.ADMIN: "web.admin",
}

MAX_UPLOAD = 2_000_000  # bytes of CSV: far more than the rows a spreadsheet import allows


def _compile_catalogues(target: Path) -> None:
    """Compile each ``.po`` catalogue to ``.mo`` under `target` (cheap; done at start, nothing to forget)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        out = target / po.parent.relative_to(TRANSLATIONS)
        out.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source:
            catalog = read_po(source)
        # Write then rename: several workers starting at once never read a half-written catalogue.
        with tempfile.NamedTemporaryFile("wb", dir=out, delete=False, suffix=".tmp") as sink:
            write_mo(sink, catalog)
        os.replace(sink.name, out / "messages.mo")


def _locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or "id"


def _remember_language() -> None:
    lang = request.args.get("lang")
    if lang in LANGUAGES and session.get("lang") != lang:
        session["lang"] = lang


def init_app(app: Flask) -> None:
    compiled = Path(app.instance_path) / "translations"
    _compile_catalogues(compiled)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    Babel(app, locale_selector=_locale)
    app.before_request(_remember_language)
    app.context_processor(lambda: {"lang": str(get_locale() or "id"), "role_home": _role_home, "lang_href": _lang_href})
    app.register_error_handler(HTTPException, _any_error)


def _any_error(error: HTTPException) -> ResponseReturnValue:
    """Outside the JSON API a browser gets a page (an oversized login or import form, say);
    every other client keeps problem+json. An error that carries its own response keeps it."""
    if error.response is None and guards.wants_page():
        return _page_error(error)
    return errors.handle_http_exception(error)


def _lang_href(code: str) -> str:
    """This page in another language: the same query (a chosen programme, a search), `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return "?" + urlencode(args)


def _role_home() -> str | None:
    user = current_user_record() if request else None
    return url_for(HOMES[user.role]) if user is not None and user.role in HOMES else None


def page_for(
    capability: Capability,
) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., ResponseReturnValue]]:
    """Signed in and holding `capability`: anyone else gets 403, someone not signed in the login page."""

    def wrap(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
        @functools.wraps(view)
        @login_required  # type: ignore[misc]
        def inner(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            actor = require_actor()
            if not actor.holds(capability):
                abort(403)
            return view(*args, **kwargs)

        return inner

    return wrap


def _message(finding: dict[str, Any]) -> str:
    text = finding.get("message") or {}
    return str(text.get(str(get_locale() or "id")) or text.get("en") or finding.get("rule"))


def _product_rows(actor: Actor, business_id: int, *, as_producer: bool = False) -> list[dict[str, Any]]:
    """Each product with its newest batch's status and the checklist of what is missing, each item with the
    form that answers it, prefilled, when the reader may write (or, `as_producer`, the words of the forms its
    producer is offered, for someone helping them)."""
    db = get_session()
    products, _total = records.list_records(db, actor, "products", business_id=business_id, per_page=200)
    rows = []
    for product in products:
        latest = reviews.latest_batch(db, product.id)
        body = assessments.get_assessment(db, actor, latest.id) if latest else None
        missing = [
            {
                "rule": f["rule"],
                "severity": f["severity"],
                "text": _message(f),
                "subject": f["subject"],
                "fixes": fixes_for(f["subject"], f["rule"]) if actor.may_write_records or as_producer else [],
            }
            for f in (body or {}).get("findings", [])
            if f["severity"] != Severity.OK.value
        ]
        if latest is None:
            missing.append(
                {
                    "rule": "",
                    "severity": "needs_evidence",
                    "subject": f"product:{product.id}",
                    "text": _("Record a production step and a batch of this product."),
                    "fixes": [(url_for("workspace.new", kind="steps", next=url_for("web.producer")), _("Record them"))]
                    if actor.may_write_records or as_producer
                    else [],
                }
            )
        blocking = any(m["severity"] in (Severity.VIOLATION.value, Severity.NEEDS_EVIDENCE.value) for m in missing)
        rows.append({"product": product, "batch": latest, "assessment": body, "missing": missing, "blocking": blocking})
    return rows


#: Findings about a material that a halal certificate (or the supplier's documents) answers.
_CERTIFICATE_RULES = ("ING-02", "ING-04", "ING-06", "ING-07", "ADD-", "MIC-", "ALC-03", "ALC-04", "CERT-", "SUP-")


#: Findings about a product that its own halal certificate (SH) answers.
_OWN_CERTIFICATE_RULES = ("LBL-02", "DL-01", "CERT-")


def fixes_for(subject: str, rule: str) -> list[tuple[str, str]]:
    """The forms that answer a finding about `subject`, prefilled: (address, words for the link).

    A material without a certificate: add the certificate its supplier holds for it (holder and material filled
    in) or correct the material; anything else: that record's edit form; the business: its profile and SJPH.
    """
    kind, _sep, key = subject.partition(":")
    back = url_for("web.producer")
    if not guards.is_number(key):
        return []
    record = int(key)
    edit = {
        "lot": ("lots", _("Correct the lot")),
        "supplier": ("suppliers", _("Correct the supplier")),
        "facility": ("facilities", _("Correct the place")),
        "step": ("steps", _("Correct the step")),
        "batch": ("batches", _("Correct the batch")),
        "product": ("products", _("Correct the product")),
        "certificate": ("certificates", _("Correct the certificate")),
    }
    if kind == "business":
        return [(url_for("onboarding.business", next=back), _("Fill in the business, penyelia halal and SJPH records"))]
    if kind == "material":
        found = []
        if rule.startswith(_CERTIFICATE_RULES) or not rule:
            holder = get_session().scalar(
                sa.select(MaterialLot.supplier_id)
                .where(MaterialLot.material_id == record, MaterialLot.voided_at.is_(None))
                .order_by(MaterialLot.id.desc())
                .limit(1)
            )
            prefill: dict[str, Any] = {"covers": f"material:{record}", "next": back}
            if holder:
                prefill["holder"] = holder
            found.append((url_for("workspace.new", kind="certificates", **prefill), _("Add its halal certificate")))
        fix = url_for("workspace.edit", kind="materials", record_id=record, next=back)
        found.append((fix, _("Correct the material")))
        return found
    if kind == "product" and rule.startswith(_OWN_CERTIFICATE_RULES):
        own = url_for("workspace.new", kind="certificates", covers=f"product:{record}", next=back)
        fix = url_for("workspace.edit", kind="products", record_id=record, next=back)
        return [(own, _("Add the product's own halal certificate (SH)")), (fix, _("Correct the product"))]
    if kind in edit:
        target, words = edit[kind]
        return [(url_for("workspace.edit", kind=target, record_id=record, next=back), words)]
    return []


def _requests(actor: Actor, business_id: int) -> list[dict[str, Any]]:
    found = reviews.reviews_of_business(get_session(), actor, business_id)
    return [{"review": r, "events": r.events} for r in found]


@bp.errorhandler(HTTPException)
def _page_error(error: HTTPException) -> ResponseReturnValue:
    """A person gets a page they can read, in their language, with a way back (the API keeps problem+json)."""
    code = error.code or 500
    return error_page(code, error.name), code


@bp.errorhandler(NotFoundError)
def _page_not_found(error: NotFoundError) -> ResponseReturnValue:
    return _page_error(NotFound())


@bp.errorhandler(PermissionDeniedError)
def _page_forbidden(error: PermissionDeniedError) -> ResponseReturnValue:
    return _page_error(Forbidden())


# --- role homes ---------------------------------------------------------------------------------


@bp.get("/producer")
@page_for(Capability.WRITE_RECORDS)
def producer() -> str:
    """The producer's dashboard: products, status, what is missing, the auditor's requests, the forms."""
    actor = require_actor()
    if actor.business_id is None:
        return render_template("producer.html", rows=[], reviews=[], forms=KINDS, business=None)
    return render_template(
        "producer.html",
        rows=_product_rows(actor, actor.business_id),
        forms=KINDS,
        reviews=_requests(actor, actor.business_id),
        business=actor.business_id,
    )


@bp.get("/pendamping")
@page_for(Capability.FOLLOW_ASSIGNED_BUSINESSES)
def pendamping() -> str:
    """The pendamping's businesses with each product's status."""
    actor = require_actor()
    assigned, _total = businesses.list_businesses(get_session(), actor, per_page=200)
    return render_template("pendamping.html", businesses=[(b, _product_rows(actor, b.id)) for b in assigned])


@bp.route("/pendamping/businesses/<int:business_id>", methods=["GET", "POST"])
@page_for(Capability.FOLLOW_ASSIGNED_BUSINESSES)
def pendamping_business(business_id: int) -> ResponseReturnValue:
    """One assigned business: its records, its reviews, comments, and the self-declare verification form."""
    actor, db = require_actor(), get_session()
    if not actor.can_read(business_id):
        abort(404)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        try:
            if request.form.get("action") == "verify":
                data = _load(
                    PendampingVerificationSchema(),
                    {
                        k: request.form.get(k, "").strip()
                        for k in ("pendamping", "registration_no", "verified_on")
                        if request.form.get(k, "").strip()
                    },
                )
                reviews.record_pendamping_verification(db, actor, int(request.form.get("product", "0") or 0), **data)
                flash(_("Self-declare verification recorded."))
            else:
                reviews.comment(db, actor, int(request.form.get("review", "0") or 0), request.form.get("comment", ""))
                flash(_("Comment added."))
            return redirect(url_for("web.pendamping_business", business_id=business_id))
        except FormError as exc:
            errors = exc.errors
        except TraceabilityError as exc:
            errors = exc.errors or {"form": [exc.message]}
    listing = {
        kind: records.list_records(db, actor, kind, business_id=business_id, per_page=200)[0]
        for kind in ("suppliers", "certificates", "materials", "lots", "facilities", "products", "steps", "batches")
    }
    status = 422 if errors else 200
    return render_template(
        "pendamping_business.html",
        business_id=business_id,
        listing=listing,
        rows=_product_rows(actor, business_id),
        reviews=_requests(actor, business_id),
        errors=errors,
        form=request.form,
    ), status


@bp.get("/businesses/<int:business_id>/as-producer")
@page_for(Capability.READ_RECORDS)
def as_producer(business_id: int) -> ResponseReturnValue:
    """The business's home page exactly as its producer sees it, read-only, for someone helping them: an assigned
    pendamping (on the phone with the owner, they see the same checklist and the same buttons), an auditor or an
    admin. The producer themself is sent to their own page; a business one may not read is not found (404)."""
    actor, db = require_actor(), get_session()
    if actor.may_write_records and actor.business_id == business_id:
        return redirect(url_for("web.producer"))
    if not actor.can_read(business_id):
        abort(404)
    business = businesses.get_business(db, actor, business_id)
    return render_template(
        "producer.html",
        rows=_product_rows(actor, business_id, as_producer=True),
        forms=KINDS,
        reviews=_requests(actor, business_id),
        business=business_id,
        viewing=business,
        back=url_for("web.pendamping_business", business_id=business_id)
        if actor.may_follow_assigned_businesses
        else None,
    )


@bp.get("/auditor")
@page_for(Capability.REVIEW)
def auditor() -> str:
    """The review queue with verdict, status and reason, age, region, pendamping and route; filtered and sorted."""
    state = request.args.get("state") or None
    region = (request.args.get("region") or "").strip() or None
    age = request.args.get("min_age_days", type=int)
    verdict = request.args.get("verdict") or None
    route = request.args.get("route") or None
    chosen_route = ApplicationRoute(route) if route in {r.value for r in ApplicationRoute} else None
    sort = request.args.get("sort") or "age"
    sort = sort if sort in workbench.SORTS else "age"
    chosen = ReviewState(state) if state in {s.value for s in ReviewState} else None
    rows, total = workbench.workbench_queue(
        get_session(),
        require_actor(),
        reviews.QueueFilter(state=chosen, region=region, min_age_days=age, route=chosen_route),
        verdict=verdict if verdict in {s.value for s in Severity} else None,
        sort=sort,
    )
    return render_template(
        "auditor.html",
        rows=rows,
        total=total,
        states=list(ReviewState),
        verdicts=list(Severity),
        routes=list(ApplicationRoute),
        route=chosen_route.value if chosen_route else "",
        sorts=workbench.SORTS,
        chosen=state or "",
        verdict=verdict or "",
        sort=sort,
        region=region or "",
        age=age,
    )


@bp.get("/admin")
@page_for(Capability.MANAGE_USERS)
def admin() -> str:
    """The admin's overview: users by role, the journal chain, the reference data in force."""
    db = get_session()
    return render_template(
        "admin.html",
        counts=history.count_users_by_role(db, require_actor()),
        chain=journal_state(),
        reference=assessments.active_reference(db).label,
    )


# --- the producer's forms -----------------------------------------------------------------------


class FormError(Exception):
    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__("invalid form")
        self.errors = errors


def _load(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema.load(data)
        return loaded
    except ValidationError as exc:
        raise FormError(exc.normalized_messages()) from exc


@bp.get("/producer/import/template.csv")
@page_for(Capability.WRITE_RECORDS)
def import_template() -> Response:
    """The spreadsheet template: a header and one example row."""
    return Response(
        spreadsheet.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=halal-trace-materials-lots.csv"},
    )


@bp.route("/producer/import", methods=["GET", "POST"])
@page_for(Capability.WRITE_RECORDS)
def import_csv() -> ResponseReturnValue:
    """Upload materials and lots: every row is checked, then the whole file is stored or nothing."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        raw = upload.read(MAX_UPLOAD + 1) if upload is not None else b""
        try:
            if not raw:
                errors = {"file": [_("Choose a CSV file.")]}
            elif len(raw) > MAX_UPLOAD:
                errors = {"file": [_("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD // 1_000_000)]}
            else:
                result = spreadsheet.import_csv(get_session(), require_actor(), raw.decode("utf-8-sig"))
                flash(_("Imported %(m)d materials and %(l)d lots.", m=result.materials, l=result.lots))
                return redirect(url_for("web.producer"))
        except UnicodeDecodeError:
            errors = {"file": [_("Save the spreadsheet as CSV UTF-8.")]}
        except TraceabilityError as exc:
            errors = exc.errors or {"file": [exc.message]}
    return render_template(
        "import.html", errors=errors, columns=spreadsheet.COLUMNS, column_words=column_words
    ), 422 if errors else 200


@bp.post("/producer/products/<int:product_id>/submit")
@page_for(Capability.SUBMIT_FOR_REVIEW)
def submit_product(product_id: int) -> ResponseReturnValue:
    """Submit the product's newest batch for review; another business's product is not found (404)."""
    actor = require_actor()
    try:
        review = reviews.submit(get_session(), actor, product_id, text=request.form.get("comment"))
        flash(_("Submitted for review."))
        business = review.business_id
    except (InvalidInputError, ConflictError) as exc:
        flash(exc.message)
        business = records.get_record(get_session(), actor, "products", product_id).business_id
    return redirect(
        url_for("web.pendamping_business", business_id=business)
        if business in actor.assigned
        else url_for(HOMES[actor.role] if actor.role else "home.index")
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no type hints
def password() -> ResponseReturnValue:
    """Change one's own password (the old one is asked again)."""
    errors: dict[str, Any] = {}
    if request.method == "POST":
        new, again = request.form.get("new", ""), request.form.get("again", "")
        if new != again:
            errors = {"again": [_("The two new passwords differ.")]}
        else:
            try:
                accounts.change_password(get_session(), require_actor(), request.form.get("old", ""), new)
                keep_session(require_actor().user_id)  # this session goes on; every other one ended
                flash(_("Password changed."))
                return redirect(url_for("home.index"))
            except TraceabilityError as exc:
                errors = exc.errors or {"old": [exc.message]}
    return render_template("password.html", errors=errors), 422 if errors else 200


# --- the auditor's review -----------------------------------------------------------------------


@bp.route("/auditor/reviews/<int:review_id>", methods=["GET", "POST"])
@page_for(Capability.REVIEW)
def review(review_id: int) -> ResponseReturnValue:
    """The review page: the graph drawn, nodes coloured by finding severity, the findings beside it."""
    actor, db = require_actor(), get_session()
    case = reviews.get_review(db, actor, review_id)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        action = request.form.get("action")
        text = request.form.get("reason", "")
        try:
            if action == "evidence":
                reviews.request_evidence(db, actor, review_id, text)
                flash(_("Evidence requested; the producer sees the request."))
            elif action == "approve" and _unconfirmed_override(db, actor, case):
                errors = {"override": [_("Tick the box to approve despite the blocking findings listed.")]}
            elif action in ("approve", "reject"):
                reviews.decide(
                    db,
                    actor,
                    review_id,
                    approve=action == "approve",
                    reason=text,
                    graph_digest=request.form.get("graph_digest") or None,
                )
                flash(_("Decision recorded."))
            else:
                abort(400)
            if not errors:
                return redirect(url_for("web.review", review_id=review_id))
        except TraceabilityError as exc:
            errors = exc.errors or {"reason": [exc.message]}
    if case.batch_id is None:
        abort(404)
    body = assessments.get_assessment(db, actor, case.batch_id)
    graph = graph_words.with_product(
        provenance.upstream_graph(db, actor, case.batch_id), f"batch:{case.batch_id}", body["product"]
    )
    worst: dict[str, Severity] = {}
    for finding in body["findings"]:
        level = Severity(finding["severity"])
        if finding["subject"] in graph and level.rank > worst.get(finding["subject"], Severity.OK).rank:
            worst[finding["subject"]] = level
    names = graph_words.captions(graph)
    folds = drawing.fold_lots(graph)
    fold_names, fold_details = graph_words.fold_words(graph, folds, names)
    picture = drawing.svg(
        graph,
        worst,
        title=_("Provenance of batch %(lot)s", lot=body["batch"]["lot_code"]),
        captions={**names, **fold_names},
        severity_words={s.value: enum_label(s) for s in Severity},
        folds=folds,
    )
    findings = [
        {
            **f,
            "text": _message(f),
            "where": " · ".join(t for t in names.get(f["subject"], ()) if t),
            "path_words": graph_words.path_words(f.get("path") or [], names),
        }
        for f in body["findings"]
    ]
    since = workbench.since_last_decision(db, actor, case, graph, body["findings"])
    return render_template(
        "review.html",
        since=graph_words.change_words(since) if since else None,
        case=case,
        body=body,
        svg=picture,
        findings=findings,
        blocking=workbench.blocking_findings(findings),
        details={**graph_words.node_details(graph, names), **fold_details},
        errors=errors,
        form=request.form,
    ), 422 if errors else 200


def _unconfirmed_override(db: Any, actor: Actor, case: Any) -> bool:
    """Approving a batch whose verdict is a violation needs the auditor to tick that the blocking findings were read."""
    if case.batch_id is None or request.form.get("override") == "yes":
        return False
    body = assessments.get_assessment(db, actor, case.batch_id)
    return bool(workbench.blocking_findings(body["findings"]))


# The field messages a form shows most, from marshmallow and the shared field rules: translated when shown.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid date."),
    N_("Field may not be null."),
    N_("Required."),
    N_("Must be greater than or equal to 0."),
    N_("Write E-numbers like E471 or E160a."),
    N_("NIB must be exactly 13 digits."),
    N_("GTIN must be 8, 12, 13 or 14 digits with a correct check digit."),
    N_("Use an ISO 3166 alpha-2 country code such as ID or MY."),
    # The spreadsheet import's own messages (traceability.service.spreadsheet).
    N_("Unknown column."),
    N_("Missing column."),
    N_("More cells than columns."),
    N_("No supplier by that name yet; add it first."),
    N_("No certificate with that number yet; add it first."),
    N_("At most 2000 rows per file."),
    N_("The file has no rows."),
    N_("The file contains a NUL character."),
    N_("The file was not imported: fix these rows and upload it again."),
)


def column_words(name: str) -> str:
    """A spreadsheet column as the person sees it: its letter and its name in the page's language ("kolom K,
    Jumlah"); a column the template does not have, as it was typed."""
    if name in spreadsheet.COLUMNS:
        letter = chr(ord("A") + spreadsheet.COLUMNS.index(name))
        return _("column %(letter)s, %(name)s", letter=letter, name=field_label(name))
    return _("column “%(name)s”", name=name)


@bp.app_template_filter("field_messages")
def field_messages(value: Any) -> str:
    """A field's error messages as one line in the page's language (nested lists and dicts flattened)."""
    if isinstance(value, dict):
        return " ".join(field_messages(v) for v in value.values())
    if isinstance(value, list | tuple):
        return " ".join(field_messages(v) for v in value)
    return _(str(value)) if value else ""


@bp.app_template_filter("pretty_json")
def pretty_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)[:400]
