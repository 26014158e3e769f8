"""Marketplace listings of a product, and proof that a listing's page really shows our badge.

A listing counts as linked only when its page has asked the public verify API or badge: the request
carries the listing's host in ``Origin`` or ``Referer``. The first such request is kept once.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, Product, ProductListing, VerificationCode
from traceability.errors import InvalidInputError, NotFoundError
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing

__all__ = ["add_listing", "listing_body", "note_request", "request_host"]

PUBLIC = Actor(label="public")


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def listing_body(listing: ProductListing) -> dict[str, object]:
    return {
        "id": listing.id,
        "product": listing.product_id,
        "url": listing.url,
        "host": listing.host,
        "created_at": listing.created_at,
        "first_requested_at": listing.first_requested_at,
    }


def add_listing(session: Session, actor: Actor, product_id: int, url: str) -> ProductListing:
    """Record the URL of a product's listing on a marketplace (the product's producer only)."""
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError("No product with that id.")
    actor.require_write(product.business_id, "product")
    host = _host(url)
    if host is None:
        raise InvalidInputError(
            "The listing URL must be an http(s) address.", errors={"url": ["Give the http(s) address of the listing."]}
        )
    listing = ProductListing(business_id=product.business_id, product_id=product.id, url=url.strip(), host=host)
    with writing(session):
        session.add(listing)
        session.flush()
        journal.append(
            session,
            actor,
            "create",
            f"listing:{listing.id}",
            {"product": product.id, "url": listing.url},
            business_id=product.business_id,
        )
    return listing


class Headers(Protocol):
    """What is read of a request's headers: werkzeug's (case-insensitive) ``Headers`` or a plain mapping."""

    def get(self, key: str, /) -> str | None: ...


def request_host(headers: Headers) -> str | None:
    """The host of the page that made a request, from Origin, else Referer."""
    for name in ("Origin", "Referer"):
        value = headers.get(name)
        if value:
            return _host(value)
    return None


def note_request(session: Session, code: str, headers: Headers, *, own_host: str | None = None) -> int:
    """Stamp the first request from a listing's page on the listings of the code's product.

    Costs nothing without an Origin or Referer (or from our own pages), one indexed read otherwise,
    and a write only the first time (a write on every request would serialise SQLite's public traffic);
    returns how many listings were stamped now.
    """
    host = request_host(headers)
    if host is None or host == own_host:
        return 0
    product = (
        sa.select(Batch.product_id)
        .join(VerificationCode, VerificationCode.batch_id == Batch.id)
        .where(VerificationCode.code == code)
        .scalar_subquery()
    )
    waiting = (
        ProductListing.host == host,
        ProductListing.first_requested_at.is_(None),
        ProductListing.product_id == product,
    )
    if session.scalar(sa.select(ProductListing.id).where(*waiting).limit(1)) is None:
        return 0
    stamp = (
        sa.update(ProductListing)
        .where(*waiting)
        .values(first_requested_at=dt.datetime.now(dt.UTC))
        .returning(ProductListing.id, ProductListing.business_id)
        .execution_options(synchronize_session=False)
    )
    with writing(session):
        rows = session.execute(stamp).all()
        for listing_id, business_id in rows:
            journal.append(
                session,
                PUBLIC,
                "listing_requested",
                f"listing:{listing_id}",
                {"host": host, "code": code},
                business_id=business_id,
            )
    return len(rows)
