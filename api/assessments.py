"""Assessments, certificate status decisions and confirmations, and reference data over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require_actor
from api.db import get_session
from traceability.formats.fields import Strict, choice, optional_text
from traceability.service import assessments, confirmation
from traceability.service.record_kinds import KINDS, ApiCodec, record_body
from traceability.vocabulary import CertificateStatus

bp = Blueprint("assessments", __name__, url_prefix="/api/v1", description="Halal assessments and reference data")


class FindingOut(Schema):
    rule = fields.String(metadata={"example": "ING-02"})
    severity = fields.String(metadata={"example": "needs_evidence"})
    subject = fields.String(metadata={"example": "material:12"})
    message = fields.Dict(keys=fields.String(), values=fields.String())
    basis = fields.String()
    path = fields.List(fields.String())


class SelfDeclareOut(Schema):
    eligible = fields.Boolean()
    findings = fields.List(fields.Nested(FindingOut))


class AssessmentOut(Schema):
    """DESIGN section 6, for one stored batch."""

    product = fields.Dict()
    batch = fields.Dict()
    batches = fields.List(fields.Integer())
    as_of = fields.String()
    ruleset = fields.String(metadata={"example": "halal-id@1.0.0+ref.2025.11.1"})
    verdict = fields.String()
    status = fields.String()
    findings = fields.List(fields.Nested(FindingOut))
    self_declare = fields.Nested(SelfDeclareOut)
    graph_digest = fields.String()


class CertificateStatusIn(Strict):
    status = choice(CertificateStatus)
    effective = fields.Date(required=True, metadata={"description": "From when the decision applies."})
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))
    fraud = fields.Boolean(
        load_default=False, metadata={"description": "A revocation for fraud reaches back to the date of issue."}
    )
    everywhere = fields.Boolean(
        load_default=True, metadata={"description": "Apply to every business's record of this certificate."}
    )


class ConfirmationIn(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["confirm", "reject"]))
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ConfirmationOut(Schema):
    state = fields.String(metadata={"description": "claimed, evidenced or confirmed"})
    basis = fields.String(allow_none=True, metadata={"description": "register, auditor or recognised_body"})
    by = fields.String(allow_none=True)
    at = fields.String(allow_none=True)
    on = fields.String(allow_none=True)
    against = fields.String(allow_none=True)
    problems = fields.List(fields.String())


class ReferenceIn(Schema):
    """An overlay on the shipped reference data: top-level keys replace, materials merge by key."""

    class Meta:
        unknown = "include"

    version = fields.String(required=True, validate=validate.Length(min=1, max=50))
    note = optional_text(500)


@bp.route("/batches/<int:batch_id>/assessment")
class BatchAssessment(MethodView):
    @bp.response(200, AssessmentOut)
    def get(self, batch_id: int) -> dict[str, Any]:
        """The batch's current halal assessment: verdict, status, findings with their paths."""
        return assessments.get_assessment(get_session(), require_actor(), batch_id)


@bp.route("/certificates/<int:certificate_id>/status")
class CertificateStatusView(MethodView):
    @bp.arguments(CertificateStatusIn)
    @bp.response(200, Schema.from_dict({"certificates": fields.List(fields.Dict())}, name="CertificateStatusOut"))
    def post(self, data: dict[str, Any], certificate_id: int) -> dict[str, Any]:
        """Revoke, suspend or reinstate a certificate from a date (auditor, admin).

        Every batch the certificate reaches is reassessed in the same transaction.
        """
        session = get_session()
        changed = assessments.set_certificate_status(session, require_actor(), certificate_id, **data)
        kind = KINDS["certificates"]
        return {"certificates": [record_body(kind, c, ApiCodec(session, c.business_id)) for c in changed]}


def _day() -> dt.date:
    """The evaluation date: fixed by HALAL_TRACE_ASSESSMENT_AS_OF, else today."""
    day: dt.date = get_session().info.get("assessment_as_of") or dt.date.today()
    return day


@bp.route("/certificates/<int:certificate_id>/confirmation")
class CertificateConfirmationView(MethodView):
    @bp.response(200, ConfirmationOut)
    def get(self, certificate_id: int) -> dict[str, Any]:
        """Who other than the producer vouches for the certificate: claimed, evidenced (a scan is attached) or
        confirmed (by the BPJPH register, an auditor's check of its scan, or a recognised foreign body)."""
        session = get_session()
        return confirmation.get_confirmation(
            session, require_actor(), certificate_id, assessments.active_reference(session), _day()
        ).as_dict()

    @bp.arguments(ConfirmationIn)
    @bp.response(
        200,
        Schema.from_dict(
            {"certificates": fields.List(fields.Integer()), "confirmation": fields.Nested(ConfirmationOut)},
            name="ConfirmationDecisionOut",
        ),
    )
    def post(self, data: dict[str, Any], certificate_id: int) -> dict[str, Any]:
        """Confirm the certificate against its scan, or reject it with a reason (auditor, admin).

        The check is the certificate's identity's (issuer and number): every business's copy is journaled and
        reassessed in the same transaction.
        """
        session = get_session()
        actor = require_actor()
        copies = confirmation.check_certificate(
            session, actor, certificate_id, confirm=data["decision"] == "confirm", reason=data["reason"]
        )
        found = confirmation.get_confirmation(
            session, actor, certificate_id, assessments.active_reference(session), _day()
        )
        return {"certificates": [c.id for c in copies], "confirmation": found.as_dict()}


@bp.route("/certificate-confirmations")
class ConfirmationQueueView(MethodView):
    @bp.response(200, Schema.from_dict({"items": fields.List(fields.Dict())}, name="ConfirmationQueueOut"))
    def get(self) -> dict[str, Any]:
        """The certificates to confirm (auditor, admin): one item per certificate identity that no one but a
        producer vouches for, those with a scan to read first, with what the register or an auditor found."""
        session = get_session()
        return {"items": confirmation.queue(session, require_actor(), assessments.active_reference(session), _day())}


@bp.route("/reference")
class ReferenceView(MethodView):
    @bp.response(200, Schema.from_dict({"reference": fields.String(), "data": fields.Dict()}, name="ReferenceOut"))
    def get(self) -> dict[str, Any]:
        """The halal reference data in force (material catalogue, E-numbers, names, foreign bodies, deadlines)."""
        require_actor()
        reference = assessments.active_reference(get_session())
        return {"reference": reference.label, "data": dict(reference.data)}

    @bp.arguments(ReferenceIn)
    @bp.response(200, Schema.from_dict({"reference": fields.String(), "data": fields.Dict()}, name="ReferenceSetOut"))
    def put(self, data: dict[str, Any]) -> dict[str, Any]:
        """Put a new version of the reference data in force (admin); assessments are redone with it."""
        data.pop("note", None)
        reference = assessments.set_reference(get_session(), require_actor(), data)
        return {"reference": reference.label, "data": dict(reference.data)}
