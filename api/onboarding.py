"""Onboarding without the command line and the producer's own business: invitations (made from the admin,
coordinator and pendamping pages), ``/invite/<token>`` that sets the password and signs in, the first-run guide,
and ``/producer/business`` (NIB details, scale, turnover, penyelia halal, SJPH records)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from api import schemas
from api.auth import require_actor, sign_in
from api.db import get_session
from api.web import FormError, _load, page_for
from api.workspace import _form_token, files_context, schema_specs, values_from_form, values_of, wire_of
from models import Batch, Business, Material, MaterialLot, Product, ProductionStep, Supplier
from traceability.errors import ConflictError, NotFoundError, TraceabilityError
from traceability.service import businesses, invitations
from traceability.service.access import Capability

bp = Blueprint("onboarding", __name__)


@bp.post("/invitations")
@page_for(Capability.INVITE_PRODUCERS)
def invite() -> ResponseReturnValue:
    """Invite a business's producer by NIB and email; the one-time link is shown once, to pass on."""
    actor = require_actor()
    nib, email = (request.form.get("nib") or "").strip(), (request.form.get("email") or "").strip()
    try:
        invitation, token = invitations.create_invitation(get_session(), actor, nib=nib, email=email)
    except TraceabilityError as exc:
        errors = exc.errors or {"form": [exc.message]}
        return render_template("invite.html", errors=errors, nib=nib, email=email, url=None), 422
    url = invitations.invite_url(current_app.config["PUBLIC_BASE_URL"], token)
    business = get_session().get(Business, invitation.business_id)
    return render_template(
        "invite.html", errors={}, nib=nib, email=email, url=url, invitation=invitation, business=business
    )


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str) -> ResponseReturnValue:
    """Set a password from an invitation link; then the producer is signed in and meets the first-run guide."""
    db = get_session()
    try:
        invitation = invitations.pending(db, token)
    except NotFoundError:
        return render_template("invite_accept.html", invalid=True, errors={}), 404
    business = db.get(Business, invitation.business_id) if invitation.business_id else None
    errors: dict[str, Any] = {}
    if request.method == "POST":
        password, again = request.form.get("password", ""), request.form.get("again", "")
        if password != again:
            errors = {"again": [_("The two new passwords differ.")]}
        else:
            try:
                user = invitations.accept(db, token, password, name=request.form.get("name", ""))
            except NotFoundError:
                return render_template("invite_accept.html", invalid=True, errors={}), 404
            except TraceabilityError as exc:
                errors = exc.errors or {"password": [exc.message]}
            else:
                lang = session.get("lang")
                session.clear()
                if lang:
                    session["lang"] = lang
                sign_in(user.id)
                if invitation.user_id is not None:  # a reset: back to the account's own home
                    flash(_("Your new password is set."))
                    return redirect(url_for("home.index"))
                return redirect(url_for("onboarding.welcome"))
    return render_template(
        "invite_accept.html", invalid=False, invitation=invitation, business=business, errors=errors
    ), 422 if errors else 200


def _count(model: type[Any], business_id: int) -> int:
    query = sa.select(sa.func.count()).select_from(model).where(model.business_id == business_id)
    if hasattr(model, "voided_at"):
        query = query.where(model.voided_at.is_(None))
    return get_session().scalar(query) or 0


@bp.get("/producer/welcome")
@page_for(Capability.WRITE_RECORDS)
def welcome() -> ResponseReturnValue:
    """The first-run guide: business, then suppliers and materials, what was received, the product, how it is
    made, and the checklist; each step says whether it is done and links to its form."""
    actor = require_actor()
    if actor.business_id is None:
        abort(404)
    b = actor.business_id
    business = get_session().get(Business, b)
    steps = [
        (
            "business",
            _("Check your business details and your halal supervisor"),
            url_for("onboarding.business"),
            bool(business and business.supervisor_name),
        ),
        (
            "suppliers",
            _("Record where you buy your materials"),
            url_for("workspace.new", kind="suppliers"),
            _count(Supplier, b) > 0,
        ),
        (
            "materials",
            _("Record the materials you use, by their name"),
            url_for("workspace.new", kind="materials"),
            _count(Material, b) > 0,
        ),
        (
            "lots",
            _("Record what you received (lot code and date)"),
            url_for("workspace.new", kind="lots"),
            _count(MaterialLot, b) > 0,
        ),
        ("products", _("Record your product"), url_for("workspace.new", kind="products"), _count(Product, b) > 0),
        (
            "steps",
            _("Record how a batch was made and the batch itself"),
            url_for("workspace.new", kind="steps"),
            _count(ProductionStep, b) > 0 and _count(Batch, b) > 0,
        ),
        (
            "checklist",
            _("Answer what the checklist still asks, then submit for review"),
            url_for("web.producer"),
            False,
        ),
    ]
    return render_template("welcome.html", business=business, steps=steps)


@bp.route("/producer/business", methods=["GET", "POST"])
@page_for(Capability.WRITE_RECORDS)
def business() -> ResponseReturnValue:
    """The business profile: NIB details, scale and turnover, the penyelia halal and the SJPH records."""
    actor, db = require_actor(), get_session()
    if actor.business_id is None:
        abort(404)
    schema = schemas.BusinessIn()
    specs = schema_specs(schema, actor)
    record = businesses.get_business(db, actor, actor.business_id)
    errors: dict[str, Any] = {}
    newer: dict[str, str] = {}
    if request.method == "POST":
        values = values_from_form(specs, request.form)
        version = int(request.form.get("version") or 0) or None
        try:
            data = _load(schema, wire_of(specs, values, schema))
            businesses.update_business(db, actor, actor.business_id, data, expected_version=version)
            flash(_("Changes saved."))
            return redirect(url_for("onboarding.business"))
        except FormError as exc:
            errors = exc.errors
        except ConflictError as exc:
            errors = exc.errors or {"form": [exc.message]}
            if exc.version is not None:
                errors = {
                    "form": [
                        _(
                            "Someone changed this record after you opened the form. Its newer values are "
                            "shown beside the fields; what you typed is kept. Save again to keep yours."
                        )
                    ]
                }
        except TraceabilityError as exc:
            errors = exc.errors or {"form": [exc.message]}
        record = businesses.get_business(db, actor, actor.business_id)
    else:
        values = values_of(specs, businesses.business_payload(record))
    return render_template(
        "business.html",
        specs=specs,
        values=values,
        errors=errors,
        newer=newer,
        version=record.version,
        blank_rows=2,
        business_id=record.id,
        form_token=_form_token(),
        **files_context("business", record),
    ), 422 if errors else 200
