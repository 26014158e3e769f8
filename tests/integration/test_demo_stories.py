"""The demo tells its six stories on the day it is loaded, today or a year from now."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Business, Product
from tests.helpers import OPERATOR
from traceability.service import demo, reviews, verification

STORIES = {
    "Rendang Bundo Nurlela": ("halal_verified", "product_certificate"),
    "Keripik Singkong Mak Ijah": ("pending", "under_review"),
    "Sambal Lado Uni Evi": ("pending", "evidence_missing"),
    "Dapur Kue Amira": ("pending", "certificate_inactive"),
    "Otak-Otak Cik Ani": ("not_halal", "najis_contact"),
    "Char Siu Ah Hock": ("not_halal", "declared_non_halal"),
}


def _seal(draft: verification.CodeDraft) -> tuple[str, str, str]:
    return f"https://trace.test/v/{draft.code}", "test-key", "not-signed"


@pytest.mark.parametrize("years", [0, 1], ids=["today", "a year later"])
def test_the_demo_shows_its_six_stories_on_the_day_it_is_loaded(session, years):
    day = dt.date.today() + dt.timedelta(days=365 * years)
    session.info["assessment_as_of"] = day

    demo.load(session, OPERATOR, today=day)

    seen = {}
    for business, product in session.execute(sa.select(Business, Product).join(Product)).all():
        batch = reviews.latest_batch(session, product.id)
        assert batch is not None
        (code,) = verification.issue_codes(
            session, OPERATOR, batch.id, seal=_seal, new_code=lambda b=batch: f"demo{b.id:012d}"
        )
        view = verification.public_status(session, code.code)
        state = {"verified": "halal_verified", "not_halal": "not_halal"}.get(view.state, "pending")
        seen[business.name] = (state, view.status_reason)
        assert view.status_text["id"]
        assert view.status_text["en"]
    assert {name: seen.get(name) for name in STORIES} == STORIES
