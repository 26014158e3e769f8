"""Status webhooks: a business registers a URL (a marketplace's, its own shop's) for its products, and every change
of a product's public status is delivered to it at least once.

The delivery is written in the very transaction that changes the public answer (an outbox: it exists exactly when
the change does) and sent later from the job queue, never inside the write. Each delivery is signed with the
webhook's secret, retried with growing delays and logged with every outcome.

EPCIS query subscriptions (:mod:`traceability.service.epcis_repository`) write their results into the same outbox
and are sent, retried and logged here, signed alike under the binding's header name ``GS1-Signature``.

Signature: header ``Halal-Trace-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``; a receiver
recomputes it with its secret, compares in constant time and refuses a ``t`` far from its clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import Batch, EpcisSubscription, Product, Webhook, WebhookAttempt, WebhookDelivery
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.service.access import Actor
from traceability.service.unit_of_work import defer, writing

__all__ = [
    "DELIVER_JOB",
    "Change",
    "deliver_due",
    "deliveries",
    "note_changes",
    "register",
    "remove",
    "sign",
    "webhooks_of",
]

DELIVER_JOB = "webhooks.deliver"
EVENT = "status.changed"
#: Seconds a worker holds a claimed delivery before another may take it (longer than a send's timeout).
LEASE = 60


@dataclass(frozen=True, slots=True)
class Change:
    """One code's public status, before (None: its first answer) and now, as a delivery states it."""

    code: str
    batch_id: int
    state: str
    status_reason: str
    previous: tuple[str, str] | None
    status_text: dict[str, str]
    url: str


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Halal-Trace-Signature`` header value of `body` sent at `timestamp`.

    >>> sign("s3cret", 1764633600, b"{}")
    't=1764633600,v1=35062f7c513402a5bdca22485bbe4180211a7dfaaa008f09735feb9c4585475f'
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def public_address(host: str) -> bool:
    """True when every address `host` resolves to is a public one (no loopback, private, link-local ...)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, ValueError):  # no answer; or a name the resolver cannot even encode (UnicodeError)
        return False
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            return False
    return bool(infos)


def check_url(url: str, *, allow_private: bool) -> str:
    """A webhook URL the service may send to: http(s), a host, no credentials; a public address unless allowed."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        hostname, _port = parts.hostname, parts.port
    except ValueError:  # "https://[", a port that is not a number
        raise InvalidInputError(
            "A webhook is an https:// URL.", errors={"url": ["A webhook is an https:// URL."]}
        ) from None
    if parts.scheme not in ("https", "http") or not hostname:
        raise InvalidInputError("A webhook is an https:// URL.", errors={"url": ["A webhook is an https:// URL."]})
    if parts.username or parts.password:
        raise InvalidInputError(
            "A webhook URL carries no user name or password.",
            errors={"url": ["A webhook URL carries no user name or password."]},
        )
    if parts.scheme == "http" and not allow_private:
        raise InvalidInputError("A webhook is an https:// URL.", errors={"url": ["A webhook is an https:// URL."]})
    if not allow_private and not public_address(hostname):
        raise InvalidInputError(
            "The webhook's host must be a public internet address.",
            errors={"url": ["The webhook's host must be a public internet address."]},
        )
    return urllib.parse.urlunsplit(parts)


def _own_business(actor: Actor) -> int:
    if not actor.may_write_records or actor.business_id is None:
        raise PermissionDeniedError("Only a business's producer registers its webhooks.")
    return actor.business_id


def register(
    session: Session, actor: Actor, url: str, product_id: int | None, *, allow_private: bool = False
) -> tuple[Webhook, str]:
    """Register `url` for one product of the actor's business (or all of them); returns it and its secret."""
    business_id = _own_business(actor)
    clean = check_url(url, allow_private=allow_private)
    if product_id is not None:
        product = session.get(Product, product_id)
        if product is None or product.business_id != business_id:
            raise NotFoundError("No such product.")
    secret = secrets.token_urlsafe(32)
    with writing(session):
        hook = Webhook(
            business_id=business_id, product_id=product_id, url=clean, secret=secret, created_by=actor.user_id
        )
        session.add(hook)
        session.flush()
    return hook, secret


def webhooks_of(session: Session, actor: Actor) -> list[Webhook]:
    business_id = _own_business(actor)
    return list(
        session.scalars(
            sa.select(Webhook)
            .where(Webhook.business_id == business_id, Webhook.removed_at.is_(None))
            .order_by(Webhook.id)
        )
    )


def _mine(session: Session, actor: Actor, webhook_id: int) -> Webhook:
    business_id = _own_business(actor)  # a role that has no webhooks is refused before anything is looked up
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.business_id != business_id or hook.removed_at is not None:
        raise NotFoundError("No such webhook.")
    return hook


def remove(session: Session, actor: Actor, webhook_id: int) -> None:
    """Stop delivering to a webhook (its delivery log stays readable by nobody but the database)."""
    hook = _mine(session, actor, webhook_id)
    with writing(session):
        hook.removed_at = dt.datetime.now(dt.UTC)


def deliveries(session: Session, actor: Actor, webhook_id: int, *, limit: int = 100) -> list[WebhookDelivery]:
    """The delivery log of a webhook, newest first: each delivery with every attempt at it, oldest first (when, the
    HTTP status or why nothing answered), so a delivery that failed twice and then went through shows all three."""
    hook = _mine(session, actor, webhook_id)
    return list(
        session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == hook.id)
            .options(selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def note_changes(session: Session, changes: Sequence[Change]) -> int:
    """Write a delivery for every webhook that listens to each changed code (inside the changing transaction)."""
    if not changes:
        return 0
    owners = {
        batch_id: (product_id, business_id)
        for batch_id, product_id, business_id in session.execute(
            sa.select(Batch.id, Batch.product_id, Batch.business_id).where(Batch.id.in_({c.batch_id for c in changes}))
        )
    }
    hooks = list(
        session.scalars(
            sa.select(Webhook).where(
                Webhook.business_id.in_({b for _p, b in owners.values()}), Webhook.removed_at.is_(None)
            )
        )
    )
    if not hooks:
        return 0
    products = {
        p.id: p for p in session.scalars(sa.select(Product).where(Product.id.in_({p for p, _b in owners.values()})))
    }
    now = dt.datetime.now(dt.UTC)
    written = 0
    for change in changes:
        product_id, business_id = owners[change.batch_id]
        product = products[product_id]
        for hook in hooks:
            if hook.business_id != business_id or hook.product_id not in (None, product_id):
                continue
            body = {
                "event": EVENT,
                "code": change.code,
                "url": change.url,
                "product": {"id": product.id, "name": product.name, "gtin": product.gtin},
                "batch": change.batch_id,
                "state": change.state,
                "status_reason": change.status_reason,
                "status_text": change.status_text,
                "previous": None
                if change.previous is None
                else {"state": change.previous[0], "status_reason": change.previous[1]},
                "changed_at": now.isoformat(),
            }
            session.add(WebhookDelivery(webhook_id=hook.id, code=change.code, body=body, next_attempt_at=now))
            written += 1
    if written:
        defer(session, DELIVER_JOB)
    return written


#: ``send(url, body, headers) -> HTTP status``; raises OSError when nothing answered.
Sender = Callable[[str, bytes, dict[str, str]], int]


def _claim(session: Session, now: dt.datetime, limit: int) -> list[int]:
    """Take up to `limit` due deliveries for this worker, moving each one's next attempt past the lease."""
    due = list(
        session.scalars(
            sa.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.delivered_at.is_(None),
                WebhookDelivery.gave_up_at.is_(None),
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )
    claimed = []
    lease = now + dt.timedelta(seconds=LEASE)
    with writing(session):
        for delivery_id in due:
            taken = session.execute(
                sa.update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at <= now)
                .values(next_attempt_at=lease)
                .execution_options(synchronize_session=False)
            )
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(delivery_id)
    return claimed


def deliver_due(
    session: Session,
    send: Sender,
    *,
    now: dt.datetime | None = None,
    retry_seconds: float = 30,
    max_attempts: int = 8,
    allow_private: bool = False,
    limit: int = 100,
) -> dict[str, Any]:
    """Send every due delivery once; a failure waits ``retry_seconds × 2^(attempts-1)`` before the next try.

    Idempotent and safe beside other workers: a delivery is claimed before it is sent. Returns what happened and
    the seconds until the next retry is due (None: nothing is waiting).
    """
    now = now or dt.datetime.now(dt.UTC)
    outcome: dict[str, Any] = {"delivered": 0, "failed": 0, "gave_up": 0}
    for delivery_id in _claim(session, now, limit):
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        if delivery is None:
            continue
        hook = session.get(Webhook, delivery.webhook_id) if delivery.webhook_id is not None else None
        subscription = (
            session.get(EpcisSubscription, delivery.subscription_id) if delivery.subscription_id is not None else None
        )
        if hook is not None:
            url, secret = hook.url, hook.secret
        elif subscription is not None:
            url, secret = subscription.dest, subscription.secret
        else:
            continue
        removed = hook is not None and hook.removed_at is not None
        body = _body(delivery)
        signature = sign(secret, int(now.timestamp()), body)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "halal-trace-webhooks",
            "Halal-Trace-Delivery": str(delivery.id),
        }
        if hook is not None:
            headers.update({"Halal-Trace-Event": EVENT, "Halal-Trace-Signature": signature})
        else:  # an EPCIS query subscription: the binding's signature header
            headers.update({"GS1-Signature": signature, "GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"})
        status: int | None = None
        error: str | None = None
        try:
            host = urllib.parse.urlsplit(url).hostname or ""
            if removed:
                error = "the webhook was removed"
            elif not allow_private and not public_address(host):
                error = "the host no longer resolves to a public address"
            else:
                status = send(url, body, headers)
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        with writing(session):
            delivery.attempts += 1
            delivery.last_status, delivery.last_error = status, error
            session.add(
                WebhookAttempt(delivery_id=delivery.id, attempt=delivery.attempts, at=now, status=status, error=error)
            )
            if status is not None and 200 <= status < 300:
                delivery.delivered_at = now
                outcome["delivered"] += 1
                if subscription is not None:
                    subscription.last_notified_at = now
            elif delivery.attempts >= max_attempts or removed:
                delivery.gave_up_at = now
                outcome["gave_up"] += 1
            else:
                wait = retry_seconds * 2 ** (delivery.attempts - 1)
                delivery.next_attempt_at = now + dt.timedelta(seconds=wait)
                outcome["failed"] += 1
    waiting = session.scalar(
        sa.select(sa.func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.delivered_at.is_(None), WebhookDelivery.gave_up_at.is_(None)
        )
    )
    outcome["next_in"] = None if waiting is None else max(0.0, (waiting - now).total_seconds())
    return outcome


def _body(delivery: WebhookDelivery) -> bytes:
    """A status change carries its delivery id; an EPCIS query document stays as the standard writes it."""
    body = delivery.body if delivery.subscription_id is not None else {**delivery.body, "delivery": delivery.id}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
