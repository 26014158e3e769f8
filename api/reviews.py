"""Reviews over HTTP: submit a batch, ask for evidence, comment, decide; the pendamping's verification."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require_actor
from api.db import get_session
from api.schemas import PageArgs, page_schema
from traceability.formats.fields import STORED_ID, PendampingVerificationSchema, Strict, choice, optional_text
from traceability.service import reviews
from traceability.vocabulary import ApplicationRoute, ReviewState

bp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="Auditor reviews of product batches")


class QueueArgs(Strict):
    state = choice(ReviewState, default=None, allow_none=True)
    region = optional_text(100)
    min_age_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=3650))
    route = choice(ApplicationRoute, default=None, allow_none=True)
    page = PageArgs._declared_fields["page"]
    per_page = PageArgs._declared_fields["per_page"]


class SubmitIn(Strict):
    batch = fields.Integer(load_default=None, allow_none=True, strict=True, validate=STORED_ID)
    comment = optional_text(4000)


class CommentIn(Strict):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class DecisionIn(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    graph_digest = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(equal=64),
        metadata={"description": "The digest the auditor looked at; 409 if it changed."},
    )


class EventOut(Schema):
    action = fields.String()
    actor = fields.Integer(allow_none=True)
    comment = fields.String()
    graph_digest = fields.String(allow_none=True)
    at = fields.DateTime()


class ReviewOut(Schema):
    id = fields.Integer()
    business = fields.Integer()
    product = fields.Integer()
    batch = fields.Integer(allow_none=True)
    state = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    events = fields.List(fields.Nested(EventOut))


ReviewPage = page_schema(ReviewOut, "ReviewPage")


class VerificationOut(Schema):
    product = fields.Integer()
    pendamping = fields.String()
    registration_no = fields.String()
    verified_on = fields.Date()


@bp.get("/reviews")
@bp.arguments(QueueArgs, location="query")
@bp.response(200, ReviewPage)
def list_reviews(args: dict[str, Any]) -> dict[str, Any]:
    """The review queue: every case for an auditor, the own or assigned businesses' cases for others."""
    page, per_page = args.pop("page"), args.pop("per_page")
    rows, total = reviews.queue(
        get_session(), require_actor(), reviews.QueueFilter(**args), page=page, per_page=per_page
    )
    return {"items": [reviews.review_view(r) for r, _, _ in rows], "total": total, "page": page, "per_page": per_page}


@bp.post("/products/<int:product_id>/reviews")
@bp.arguments(SubmitIn)
@bp.response(201, ReviewOut)
def submit(data: dict[str, Any], product_id: int) -> dict[str, Any]:
    """Submit a batch of the product (default: its newest) for review."""
    return reviews.review_view(
        reviews.submit(get_session(), require_actor(), product_id, batch_id=data["batch"], text=data["comment"])
    )


@bp.get("/reviews/<int:review_id>")
@bp.response(200, ReviewOut)
def get_review(review_id: int) -> dict[str, Any]:
    """One review with its comments, evidence requests and decisions."""
    return reviews.review_view(reviews.get_review(get_session(), require_actor(), review_id))


@bp.post("/reviews/<int:review_id>/comments")
@bp.arguments(CommentIn)
@bp.response(200, ReviewOut)
def comment(data: dict[str, Any], review_id: int) -> dict[str, Any]:
    """Add a note to the case."""
    return reviews.review_view(reviews.comment(get_session(), require_actor(), review_id, data["comment"]))


@bp.post("/reviews/<int:review_id>/evidence-requests")
@bp.arguments(CommentIn)
@bp.response(200, ReviewOut)
def request_evidence(data: dict[str, Any], review_id: int) -> dict[str, Any]:
    """Ask the producer for evidence (auditor)."""
    return reviews.review_view(reviews.request_evidence(get_session(), require_actor(), review_id, data["comment"]))


@bp.post("/reviews/<int:review_id>/decision")
@bp.arguments(DecisionIn)
@bp.response(200, ReviewOut)
def decide(data: dict[str, Any], review_id: int) -> dict[str, Any]:
    """Approve or reject with a reason; the decision records the graph digest it was made on."""
    return reviews.review_view(
        reviews.decide(
            get_session(),
            require_actor(),
            review_id,
            approve=data["decision"] == "approve",
            reason=data["reason"],
            graph_digest=data["graph_digest"],
        )
    )


@bp.put("/products/<int:product_id>/pendamping-verification")
@bp.arguments(PendampingVerificationSchema)
@bp.response(200, VerificationOut)
def verify(data: dict[str, Any], product_id: int) -> dict[str, Any]:
    """Record the pendamping's self-declare verification of the product (rule SD-07 reads it)."""
    product = reviews.record_pendamping_verification(get_session(), require_actor(), product_id, **data)
    return {
        "product": product.id,
        "pendamping": product.pendamping_name,
        "registration_no": product.pendamping_registration_no,
        "verified_on": product.pendamping_verified_on,
    }
