"""Status webhooks over the API: a business's producer registers URLs for its products' public status changes,
lists and removes them, and reads each one's delivery log (DESIGN section 8)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require_actor
from api.db import get_session
from traceability.formats.fields import STORED_ID
from traceability.service import webhooks

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1", description="Status webhooks")


class WebhookIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    product = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=STORED_ID,
        metadata={"description": "One product of your business; none: every product."},
    )


class WebhookOut(Schema):
    id = fields.Integer()
    url = fields.String()
    product = fields.Integer(attribute="product_id", allow_none=True)
    created_at = fields.DateTime()


class WebhookCreated(WebhookOut):
    secret = fields.String(
        metadata={"description": "Signs every delivery (Halal-Trace-Signature); shown only in this answer."}
    )


class AttemptOut(Schema):
    attempt = fields.Integer(metadata={"description": "1 for the first."})
    at = fields.DateTime()
    status = fields.Integer(allow_none=True, metadata={"description": "The receiver's HTTP status, if it answered."})
    error = fields.String(allow_none=True, metadata={"description": "Why nothing answered, or what it said."})


class DeliveryOut(Schema):
    id = fields.Integer()
    code = fields.String()
    body = fields.Dict()
    created_at = fields.DateTime()
    attempts = fields.Integer()
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    gave_up_at = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime()
    attempt_log = fields.List(fields.Nested(AttemptOut), metadata={"description": "Every attempt, oldest first."})


@bp.route("/webhooks")
class Webhooks(MethodView):
    @bp.response(200, WebhookOut(many=True))
    def get(self) -> Any:
        """Your business's webhooks."""
        return webhooks.webhooks_of(get_session(), require_actor())

    @bp.arguments(WebhookIn)
    @bp.response(201, WebhookCreated)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a URL told of every public status change of one product (or all) of your business."""
        hook, secret = webhooks.register(
            get_session(),
            require_actor(),
            data["url"],
            data["product"],
            allow_private=bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]),
        )
        return {"id": hook.id, "url": hook.url, "product_id": hook.product_id, "created_at": hook.created_at,
                "secret": secret}  # fmt: skip


@bp.route("/webhooks/<int:webhook_id>")
class OneWebhook(MethodView):
    @bp.response(204)
    def delete(self, webhook_id: int) -> None:
        """Stop delivering to this webhook."""
        webhooks.remove(get_session(), require_actor(), webhook_id)


@bp.route("/webhooks/<int:webhook_id>/deliveries")
class Deliveries(MethodView):
    @bp.response(200, DeliveryOut(many=True))
    def get(self, webhook_id: int) -> Any:
        """The webhook's delivery log, newest first: each status change, its attempts and their outcomes."""
        return webhooks.deliveries(get_session(), require_actor(), webhook_id)
