"""The coordinator's pages: a programme's dashboard, opening a programme, enrolling businesses from the registry,
and the participants' exports (CSV, XLSX) and the ministry's report (PDF).

Thin views over :mod:`traceability.service.programmes`, the same use cases the JSON API calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api import programme_text
from api.auth import require_actor
from api.db import get_session
from api.error_pages import error_page
from api.web import FormError, _load, page_for
from traceability.errors import NotFoundError, PermissionDeniedError, TraceabilityError
from traceability.formats import tables
from traceability.service import accounts, programmes
from traceability.service.access import Capability
from traceability.vocabulary import ProgrammeMode, Role

web = Blueprint("coordinator", __name__)
# A programme someone does not run is not there for them, on these pages as in the API: a page, not JSON.
web.register_error_handler(NotFoundError, lambda _error: (error_page(404, "Not Found"), 404))
web.register_error_handler(PermissionDeniedError, lambda _error: (error_page(403, "Forbidden"), 403))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REQUIRED: dict[str, Any] = {"required": "Missing data for required field."}
_TOO_LONG = "At most 200 characters."


class ProgrammeForm(Schema):
    """The form's fields, with messages the catalogue translates."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=200, error=_TOO_LONG), error_messages=_REQUIRED
    )
    organiser = fields.String(
        required=True, validate=validate.Length(min=1, max=200, error=_TOO_LONG), error_messages=_REQUIRED
    )
    starts_on = fields.Date(required=True, error_messages=_REQUIRED)
    ends_on = fields.Date(load_default=None, allow_none=True)
    coordinator = fields.Integer(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _ends_after_start(self, data: dict[str, Any], **_kwargs: Any) -> None:
        """Said with the other mistakes, not after they are fixed (the service checks it again)."""
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError("Before starts_on.", field_name="ends_on")


def _form_values(keys: tuple[str, ...]) -> dict[str, Any]:
    """The posted text, trimmed; empty optional fields left out so they take their defaults."""
    return {k: v for k in keys if (v := (request.form.get(k) or "").strip())}


def _coordinators() -> list[tuple[int, str]]:
    """The coordinators an admin may name (a coordinator names only themselves, so sees no choice)."""
    actor = require_actor()
    if not actor.may_manage_users:
        return []
    return [
        (u.id, u.name or u.email) for u, _b in accounts.list_users(get_session(), actor) if u.role is Role.COORDINATOR
    ]


@web.get("/coordinator")
@login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no type hints
def dashboard_page() -> str:
    """The dashboard of one programme: funnel, participants with their next step, workload, stuck businesses."""
    session, actor = get_session(), require_actor()
    runs = programmes.list_programmes(session, actor)
    chosen = request.args.get("programme", type=int) or (runs[0][0].id if runs else None)
    if chosen is not None and chosen not in {p.id for p, _n in runs}:
        chosen = runs[0][0].id if runs else None
    days = request.args.get("stuck_days", type=int)
    days = current_app.config["PROGRAMME_STUCK_DAYS"] if days is None or not 0 <= days <= 3650 else days
    board = programmes.dashboard(session, actor, chosen, stuck_days=days) if chosen else None
    bars = []
    if board is not None:
        top = max([1, *(step["reached"] for step in board.funnel)])
        bars = [
            {"key": step["milestone"], "reached": step["reached"], "share": round(100 * step["reached"] / top)}
            for step in board.funnel
        ]
    return render_template(
        "coordinator.html",
        runs=runs,
        board=board,
        bars=bars,
        chosen=chosen,
        stuck_days=days,
        milestones=programmes.MILESTONES,
        milestone_words=programme_text.MILESTONE_WORDS,
        blocker_words=programme_text.BLOCKER_WORDS,
        mode_words=programme_text.MODE_WORDS,
        may_open=actor.may_run_programmes,
    )


@web.route("/coordinator/programmes/new", methods=["GET", "POST"])
@page_for(Capability.RUN_PROGRAMMES)
def new_programme() -> ResponseReturnValue:
    """Open a programme; a readable page for every mistake, and nothing stored unless all of it is right."""
    values: dict[str, Any] = {"starts_on": dt.date.today().isoformat()}
    errors: dict[str, Any] = {}
    if request.method == "POST":
        values = _form_values(("name", "organiser", "starts_on", "ends_on", "coordinator"))
        try:
            data = _load(ProgrammeForm(), values)
            programme = programmes.create_programme(get_session(), require_actor(), data)
        except FormError as exc:
            errors = exc.errors
        except TraceabilityError as exc:
            errors = exc.errors or {"form": [exc.message]}
        else:
            flash(_("Programme opened. Now enrol its businesses from the registry."))
            return redirect(url_for("coordinator.enrol_page", programme_id=programme.id))
    status = 422 if errors else 200
    return render_template("programme_new.html", values=values, errors=errors, coordinators=_coordinators()), status


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


@web.route("/coordinator/programmes/<int:programme_id>/enrol", methods=["GET", "POST"])
@page_for(Capability.RUN_PROGRAMMES)
def enrol_page(programme_id: int) -> ResponseReturnValue:
    """Search the registry, tick businesses (kept across searches), enrol them all at once with one mode and
    pendamping; all or none."""
    session, actor = get_session(), require_actor()
    programme = programmes.get_programme(session, actor, programme_id)
    source = request.form if request.method == "POST" else request.args
    q = (source.get("q") or "").strip()[:200]
    chosen = _ids(source.getlist("business"))
    mode = source.get("mode") or ProgrammeMode.IN_PERSON.value
    picked = _ids([source.get("pendamping") or ""])
    pendamping = picked[0] if picked else None
    page = max(1, min(request.args.get("page", 1, type=int), 1000))
    errors: dict[str, Any] = {}
    if request.method == "POST" and source.get("action") == "enrol":
        try:
            done = programmes.enrol(
                session,
                actor,
                programme.id,
                chosen,
                ProgrammeMode(mode) if mode in {m.value for m in ProgrammeMode} else ProgrammeMode.IN_PERSON,
                pendamping,
            )
        except TraceabilityError as exc:
            errors = exc.errors or {"form": [exc.message]}
        else:
            flash(_("%(n)d businesses enrolled.", n=len(done)))
            return redirect(url_for("coordinator.dashboard_page", programme=programme.id))
    found, kept, total = programmes.search_registry(session, actor, programme.id, q, keep=chosen, page=page)
    return render_template(
        "programme_enrol.html",
        programme=programme,
        q=q,
        found=found,
        kept=kept,
        total=total,
        page=page,
        per_page=25,
        chosen=set(chosen),
        mode=mode,
        pendamping=pendamping,
        pendampings=programmes.pendamping_choices(session, actor),
        mode_words=programme_text.MODE_WORDS,
        errors=errors,
    ), (422 if errors else 200)


def _board(programme_id: int) -> programmes.Dashboard:
    days = current_app.config["PROGRAMME_STUCK_DAYS"]
    return programmes.dashboard(get_session(), require_actor(), programme_id, stuck_days=days)


def _attachment(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@web.get("/coordinator/programmes/<int:programme_id>/participants.<any(csv, xlsx):fmt>")
@page_for(Capability.RUN_PROGRAMMES)
def participants_export(programme_id: int, fmt: str) -> Response:
    """The participants as CSV or XLSX, in the page's language: one table, two files."""
    header, rows = programmes.participant_table(_board(programme_id), programme_text.export_words())
    name = f"peserta-program-{programme_id}.{fmt}"
    if fmt == "csv":
        return _attachment(tables.to_csv(header, rows), "text/csv", name)
    return _attachment(tables.to_xlsx(header, rows, title=_("Participants")), XLSX, name)


@web.get("/coordinator/programmes/<int:programme_id>/report.pdf")
@page_for(Capability.RUN_PROGRAMMES)
def report_pdf(programme_id: int) -> Response:
    """The ministry's report: participants per milestone, per kecamatan and per month, in Indonesian."""
    built = programmes.report(get_session(), require_actor(), programme_id)
    return _attachment(programmes.report_pdf(built), "application/pdf", f"laporan-program-{programme_id}.pdf")
