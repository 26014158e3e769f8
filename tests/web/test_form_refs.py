"""A reference typed with a digit int() refuses ("²", Arabic-Indic digits) is a form error, never a 500."""

from __future__ import annotations

import sqlalchemy as sa

from models import MaterialLot
from tests.helpers import csrf_of


def test_a_superscript_reference_is_a_form_error(client, session, filled, sign_in):
    producer = sign_in("producer_a")
    count = session.scalar(sa.select(sa.func.count()).select_from(MaterialLot))
    token = csrf_of(producer.get("/producer/lots/new").get_data(as_text=True))

    for ref in ("\u00b2", "\u0661"):
        response = producer.post(
            "/producer/lots/new",
            data={
                "csrf_token": token,
                "material": ref,
                "supplier": ref,
                "lot_code": "GP-1",
                "received_on": "2025-11-20",
            },
        )
        assert response.status_code in (400, 422), ref
        assert "text/html" in response.content_type

    assert session.scalar(sa.select(sa.func.count()).select_from(MaterialLot)) == count
