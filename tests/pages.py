"""Every people's page of each role, for the tests that read them all (language, width)."""

from __future__ import annotations

import sqlalchemy as sa

from models import Review
from tests.helpers import Filled
from traceability.service import reviews
from traceability.service.record_kinds import KINDS

KIND_PAGES = ("/producer/{kind}", "/producer/{kind}/new", "/producer/{kind}/{id}", "/producer/{kind}/{id}/edit")


def review_of_a(session, filled: Filled, operator) -> int:
    existing = session.scalar(sa.select(Review.id).where(Review.product_id == filled.product_a))
    return existing or reviews.submit(session, operator, filled.product_a).id


def pages_of(filled: Filled, review: int) -> dict[str, list[str]]:
    """The pages each person opens, with ids of business A's records filled in."""
    producer = ["/producer", "/producer/business", "/producer/welcome", "/producer/import", "/codes"]
    producer += [f"/journal/products/{filled.product_a}", f"/producer/reviews/{review}", "/account/password"]
    followed = f"/pendamping/businesses/{filled.world.business_a}"
    as_producer = f"/businesses/{filled.world.business_a}/as-producer"
    pendamping = ["/pendamping", followed, as_producer, "/account/password"]
    for kind in KINDS:
        producer += [p.format(kind=kind, id=filled.own[kind]) for p in KIND_PAGES]
        pendamping += [f"{followed}/{kind}", f"{followed}/{kind}/{filled.own[kind]}"]
    return {
        "producer_a": producer,
        "pendamping_a": pendamping,
        "auditor": [
            "/auditor",
            f"/auditor/reviews/{review}",
            "/auditor/certificates",
            f"/auditor/certificates/{filled.own['certificates']}",
            as_producer,
            "/account/password",
        ],
        "coordinator": [
            "/coordinator",
            f"/coordinator?programme={filled.world.programme}&stuck_days=0",
            "/coordinator/programmes/new",
            f"/coordinator/programmes/{filled.world.programme}/enrol",
            f"/coordinator/programmes/{filled.world.programme}/enrol?q=kopi",
            "/account/password",
        ],
        "admin": [
            "/admin",
            "/admin/register",
            "/admin/users",
            "/admin/codes",
            "/auditor/certificates",
            "/admin/certificates?q=ID",
            f"/admin/certificates/{filled.own['certificates']}",
            "/admin/businesses",
            "/admin/invitations",
            "/admin/tokens",
            "/admin/keys",
            "/admin/journal",
            "/admin/reference",
            as_producer,
            "/account/password",
        ],
    }
