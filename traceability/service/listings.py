"""Marketplace listings of a product, and proof that a listing's page really shows our badge.

A listing counts as linked only when its page has asked the public verify API or badge: the request
carries the listing's marketplace in ``Origin`` or ``Referer``, and a ``Referer`` that names a page names the
listing's page. Only listings the business registered on a known marketplace
(:data:`traceability.identifiers.MARKETPLACES`) count: a page of one's own can ask our badge at will, so a
request from any other host stamps nothing. The first such request is kept once.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, Product, ProductListing, VerificationCode
from traceability.errors import InvalidInputError, NotFoundError
from traceability.identifiers import MARKETPLACES, marketplace_key
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing

__all__ = ["NOTE_JOB", "add_listing", "listing_body", "note_request", "request_host", "waiting_listings"]

PUBLIC = Actor(label="public")
#: The queued job that stamps listings: a public read only finds that one waits (it never writes itself).
NOTE_JOB = "listings.note-request"


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower().removeprefix("www.")


def _page(url: str) -> str:
    """The path of a page, without trailing slash or case: what a full Referer and a listing URL share."""
    try:
        return urlsplit(url.strip()).path.rstrip("/").lower()
    except ValueError:
        return ""


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
    marketplace = marketplace_key(host)
    if marketplace is None:
        known = ", ".join(sorted(MARKETPLACES))
        raise InvalidInputError(
            "The listing must be on a marketplace.", errors={"url": [f"Give the listing's address on one of: {known}."]}
        )
    listing = ProductListing(business_id=product.business_id, product_id=product.id, url=url.strip(), host=marketplace)
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


def _same_page(listing_url: str, referer: str | None) -> bool:
    """A Referer that names a page (more than the site's root) must name the listing's page."""
    page = _page(referer or "")
    return not page or page == _page(listing_url)


def _waiting(session: Session, code: str, headers: Headers, own_host: str | None) -> tuple[str, list[int]]:
    """The requesting host and the listings of the code's product on its marketplace that its page may stamp."""
    host = request_host(headers)
    if host is None or host == own_host:
        return "", []
    marketplace = marketplace_key(host)
    if marketplace is None:
        return host, []
    product = (
        sa.select(Batch.product_id)
        .join(VerificationCode, VerificationCode.batch_id == Batch.id)
        .where(VerificationCode.code == code)
        .scalar_subquery()
    )
    waiting = (
        ProductListing.host == marketplace,
        ProductListing.first_requested_at.is_(None),
        ProductListing.product_id == product,
    )
    referer = headers.get("Referer")
    shown = [
        listing_id
        for listing_id, url in session.execute(sa.select(ProductListing.id, ProductListing.url).where(*waiting))
        if _same_page(url, referer)
    ]
    return host, shown


def waiting_listings(session: Session, code: str, headers: Headers, *, own_host: str | None = None) -> list[int]:
    """The listings a request from this page would stamp (a read only: what a public GET may do).

    Costs nothing without an Origin or Referer (or from our own pages), one indexed read otherwise; the
    stamping itself is :func:`note_request`, queued only when this finds a listing waiting.
    """
    return _waiting(session, code, headers, own_host)[1]


def note_request(session: Session, code: str, headers: Headers, *, own_host: str | None = None) -> int:
    """Stamp the first request from a listing's page on the listings of the code's product.

    Idempotent: a listing already stamped is left alone (the first request is kept once); returns how many
    listings were stamped now.
    """
    host, shown = _waiting(session, code, headers, own_host)
    if not shown:
        return 0
    stamp = (
        sa.update(ProductListing)
        .where(ProductListing.id.in_(shown), ProductListing.first_requested_at.is_(None))
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
