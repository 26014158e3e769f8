"""Look-alike identifiers are the identifier they look like (DESIGN section 7): an attacker with a producer
account cannot undo an auditor's decision with "N\\n", "N" plus a zero-width space or "bpjph ", nor take
over another business's Digital Link with a zero-padded GTIN and the victim's lot code."""

from __future__ import annotations

import sqlalchemy as sa

from models import Batch, Certificate, JournalEntry, MaterialLot, Product
from tests.helpers import approve, final_batch, issue

FRAUD = {"status": "revoked", "effective": "2025-01-01", "reason": "Sertifikat palsu", "fraud": True}


def _oil(session, business_id):
    return session.scalar(
        sa.select(Certificate).where(Certificate.business_id == business_id, Certificate.ref == "cert-minyak")
    )


def _journal_size(session):
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def _revoked_oil(answer):
    """Not verified, and why: a supplier's certificate is no longer in force (not haram: DESIGN section 5)."""
    return (answer["state"], answer["status_reason"]) == ("pending", "certificate_inactive")


def _verified_then_revoked(client, filled, session):
    """Business A's finished batch is verified, then an auditor revokes its oil certificate for fraud."""
    final = final_batch(session, filled.world.business_a)
    code = issue(client, filled, batch=final.id)["code"]
    approve(session, final.id)
    assert client.get(f"/api/v1/verify/{code}").json["state"] == "verified"
    oil = _oil(session, filled.world.business_a)
    response = client.post(f"/api/v1/certificates/{oil.id}/status", headers=filled.auth("auditor"), json=FRAUD)
    assert response.status_code == 200
    assert _revoked_oil(client.get(f"/api/v1/verify/{code}").json)
    return oil, code


def _lookalike(oil, **changes):
    return {
        "number": oil.number,
        "issuer": oil.issuer,
        "scheme": oil.scheme.value,
        "holder": oil.holder_supplier_id,
        "issued_on": oil.issued_on.isoformat(),
        "status": "active",
        **changes,
    }


def test_a_revoked_number_with_a_trailing_newline_is_refused(client, filled, session):
    oil, code = _verified_then_revoked(client, filled, session)
    before = _journal_size(session)

    response = client.post(
        "/api/v1/certificates", headers=filled.auth("producer_a"), json=_lookalike(oil, number=oil.number + "\n")
    )

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "number" in response.json["errors"]
    assert _journal_size(session) == before
    assert _revoked_oil(client.get(f"/api/v1/verify/{code}").json)


def test_lookalike_numbers_and_issuers_inherit_the_revocation_and_leave_the_public_status_alone(
    client, filled, session
):
    oil, code = _verified_then_revoked(client, filled, session)
    lot = session.scalar(
        sa.select(MaterialLot).where(
            MaterialLot.business_id == filled.world.business_a, MaterialLot.certificate_id == oil.id
        )
    )
    spellings = [
        {"number": oil.number + "\u200b"},
        {"number": " " + oil.number.lower()},
        {"number": oil.number[:6] + "\u00a0" + oil.number[6:]},
        {"issuer": "BPJPH "},
        {"issuer": "bpjph"},
        {"issuer": "Badan Penyelenggara Jaminan Produk Halal"},
    ]
    for changes in spellings:
        created = client.post(
            "/api/v1/certificates", headers=filled.auth("producer_a"), json=_lookalike(oil, **changes)
        )
        assert created.status_code == 201, (changes, created.json)
        assert (created.json["status"], created.json["fraud"]) == ("revoked", True), changes

        # Point the lot at the look-alike, then try to state it active: refused, the consumer still sees it.
        session.expire_all()
        version = session.get(MaterialLot, lot.id).version
        pointed = client.patch(
            f"/api/v1/lots/{lot.id}",
            headers={**filled.auth("producer_a"), "If-Match": f'"v{version}"'},
            json={"certificate": created.json["id"]},
        )
        assert pointed.status_code == 200, pointed.json
        reactivated = client.patch(
            f"/api/v1/certificates/{created.json['id']}", headers=filled.auth("producer_a"), json={"status": "active"}
        )
        assert reactivated.status_code == 409, changes
        assert _revoked_oil(client.get(f"/api/v1/verify/{code}").json), changes


def test_another_business_recording_a_lookalike_inherits_the_revocation(client, filled, session):
    oil, _ = _verified_then_revoked(client, filled, session)
    body = _lookalike(oil, number=oil.number.lower() + "\u2060", issuer=" bpjph ", holder=None)

    response = client.post("/api/v1/certificates", headers=filled.auth("producer_b"), json=body)

    assert response.status_code == 201
    assert response.json["status"] == "revoked"


# --- finding 2: a zero-padded GTIN and the victim's lot code ------------------------------------------------


def _victim_link(session, filled):
    batch = final_batch(session, filled.world.business_a)
    product = session.get(Product, batch.product_id)
    return product, batch


def test_a_zero_padded_gtin_of_another_business_is_refused_and_its_link_still_answers(client, filled, session):
    product, batch = _victim_link(session, filled)
    code = issue(client, filled, batch=batch.id)["code"]
    link = f"/01/0{product.gtin}/10/{batch.lot_code}"
    assert client.get(link).status_code in (200, 307, 302)
    before = _journal_size(session)

    for gtin in ("0" + product.gtin, product.gtin.zfill(14)):
        response = client.post(
            "/api/v1/products",
            headers=filled.auth("producer_b"),
            json={"name": "Rendang palsu", "gtin": gtin, "halal_claim": True},
        )
        assert response.status_code == 409, gtin
        assert "gtin" in response.json["errors"]
    # Nor can it take the GTIN by editing a product it already has.
    edited = client.patch(
        f"/api/v1/products/{filled.product_b}", headers=filled.auth("producer_b"), json={"gtin": "0" + product.gtin}
    )
    assert edited.status_code == 409

    assert _journal_size(session) == before
    answer = client.get(f"/api/v1/verify/{code}").json
    assert answer["business"].startswith("Rendang Bundo")
    page = client.get(
        link + f"?c={code}", headers={"Accept-Language": "en"}, follow_redirects=True, base_url="https://trace.test"
    )
    assert page.status_code == 200
    assert "Rendang Bundo" in page.get_data(as_text=True)


def test_the_resolver_matches_the_canonical_lot_code(client, filled, session):
    product, batch = _victim_link(session, filled)
    code = issue(client, filled, batch=batch.id)["code"]

    page = client.get(
        f"/01/{product.gtin.zfill(14)}/10/{batch.lot_code.lower()}?c={code}",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
        base_url="https://trace.test",
    )

    assert page.status_code == 200
    assert "Rendang Bundo" in page.get_data(as_text=True)


def test_a_second_batch_with_a_lookalike_lot_code_is_refused(client, filled, session):
    _, batch = _victim_link(session, filled)
    count = session.scalar(sa.select(sa.func.count()).select_from(Batch))

    response = client.post(
        "/api/v1/batches",
        headers=filled.auth("producer_a"),
        json={"product": batch.product_id, "lot_code": f" {batch.lot_code.lower()}\u200b", "produced_on": "2025-11-21"},
    )

    assert response.status_code == 409
    assert "lot_code" in response.json["errors"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Batch)) == count


# --- finding 4: a reinstatement scoped to one business --------------------------------------------------------


def test_a_reinstatement_for_one_business_only_is_refused_and_other_copies_stay_revoked(client, filled, session):
    oil, _ = _verified_then_revoked(client, filled, session)
    copy = client.post(
        "/api/v1/certificates",
        headers=filled.auth("producer_b"),
        json=_lookalike(oil, holder=None, number=oil.number.lower()),
    ).json
    assert copy["status"] == "revoked"

    scoped = client.post(
        f"/api/v1/certificates/{oil.id}/status",
        headers=filled.auth("admin"),
        json={"status": "active", "effective": "2025-12-01", "reason": "Banding diterima", "everywhere": False},
    )
    assert scoped.status_code == 422
    assert "everywhere" in scoped.json["errors"]

    undo = client.patch(
        f"/api/v1/certificates/{copy['id']}", headers=filled.auth("producer_b"), json={"status": "active"}
    )
    assert undo.status_code == 409
    session.expire_all()
    assert session.get(Certificate, copy["id"]).status == "revoked"
    assert session.get(Certificate, oil.id).status == "revoked"


def test_a_reinstatement_applies_to_the_identity(client, filled, session):
    oil, _ = _verified_then_revoked(client, filled, session)
    copy = client.post(
        "/api/v1/certificates", headers=filled.auth("producer_b"), json=_lookalike(oil, holder=None, issuer="bpjph")
    ).json

    reinstated = client.post(
        f"/api/v1/certificates/{oil.id}/status",
        headers=filled.auth("admin"),
        json={"status": "active", "effective": "2025-12-01", "reason": "Banding diterima"},
    )

    assert reinstated.status_code == 200
    assert {c["id"] for c in reinstated.json["certificates"]} >= {oil.id, copy["id"]}
    session.expire_all()
    assert session.get(Certificate, copy["id"]).status == "active"
