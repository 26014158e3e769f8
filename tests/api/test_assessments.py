"""Stored assessments over the API: the same shape as offline, and kept current by every change."""

import json

import pytest
import sqlalchemy as sa

from api.cli import cli
from models import Assessment, Batch, Certificate, JournalEntry, MaterialLot, ProductionStep
from tests.helpers import EXAMPLES, OPERATOR, example, final_batch, stored
from traceability.formats.dossier import load_dossier
from traceability.rules.engine import assess
from traceability.service import assessments, dossiers

DESIGN_KEYS = {
    "product",
    "as_of",
    "ruleset",
    "verdict",
    "status",
    "status_reason",
    "status_detail",
    "status_text",
    "findings",
    "self_declare",
}


def test_a_stored_batch_has_the_design_shape_with_stored_ids(client, filled, session):
    batch = final_batch(session, filled.world.business_a)

    response = client.get(f"/api/v1/batches/{batch.id}/assessment", headers=filled.auth("producer_a"))

    body = response.json
    assert response.status_code == 200
    assert set(body) >= DESIGN_KEYS
    assert (body["verdict"], body["status"]) == ("ok", "pending")
    assert body["batch"] == {"id": batch.id, "lot_code": "RBN-251118"}
    assert body["ruleset"].startswith("halal-id@")


def test_imports_store_an_assessment_for_every_batch(filled, session):
    batches = session.scalars(sa.select(Batch.id)).all()

    rows = {a.batch_id: a for a in session.scalars(sa.select(Assessment))}

    assert set(rows) == set(batches)
    assert not any(row.stale for row in rows.values())


def test_findings_name_stored_nodes_and_their_path(client, world, session):
    dossiers.import_dossier(session, OPERATOR, example("kue-lapis-gelatin"))
    batch = session.scalar(sa.select(Batch).where(Batch.lot_code == "DKA-250921"))
    revoked = session.scalar(sa.select(Certificate).where(Certificate.ref == "cert-margarin"))

    body = client.get(f"/api/v1/batches/{batch.id}/assessment", headers=world.auth("auditor")).json

    cert01 = next(f for f in body["findings"] if f["rule"] == "CERT-01")
    assert body["verdict"] == "violation"
    assert cert01["subject"] == f"certificate:{revoked.id}"
    assert cert01["path"][0] == f"batch:{batch.id}"
    assert all(":" in node and node.split(":")[1].isdigit() for node in cert01["path"])


def test_revoking_a_certificate_flips_every_batch_it_reaches_at_once(client, filled, session):
    batch = final_batch(session, filled.world.business_a)
    oil = session.scalar(
        sa.select(Certificate).where(
            Certificate.business_id == filled.world.business_a, Certificate.ref == "cert-minyak"
        )
    )
    assert stored(session, batch.id).status == "pending"

    response = client.post(
        f"/api/v1/certificates/{oil.id}/status",
        headers=filled.auth("auditor"),
        json={"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi ditemukan"},
    )

    row = stored(session, batch.id)
    assert response.status_code == 200
    # A revoked supplier certificate is a certificate question: pending with its reason, never "not halal".
    assert (row.verdict, row.status, row.stale) == ("violation", "pending", False)
    assert row.body["status_reason"] == "certificate_inactive"
    assert any(f["rule"] == "CERT-01" for f in row.findings)
    entry = session.scalar(sa.select(JournalEntry).where(JournalEntry.action == "certificate.status"))
    assert entry.payload["status_reason"] == "Bahan babi ditemukan"


def test_a_revocation_reaches_every_business_holding_the_same_certificate(client, filled, session):
    sugar_b = session.scalar(
        sa.select(Certificate).where(Certificate.business_id == filled.world.business_b, Certificate.ref == "cert-gula")
    )
    twin = Certificate(
        business_id=filled.world.business_a,
        number=sugar_b.number,
        issuer=sugar_b.issuer,
        scheme=sugar_b.scheme,
        issued_on=sugar_b.issued_on,
        status="active",
    )
    session.add(twin)
    session.commit()

    client.post(
        f"/api/v1/certificates/{sugar_b.id}/status",
        headers=filled.auth("admin"),
        json={"status": "suspended", "effective": "2025-01-01", "reason": "Surveilans"},
    )

    session.expire_all()
    assert session.get(Certificate, twin.id).status == "suspended"


def test_a_producer_edit_reassesses_in_the_same_transaction(client, filled, session):
    batch = final_batch(session, filled.world.business_a)
    meat = session.scalar(
        sa.select(MaterialLot).where(
            MaterialLot.business_id == filled.world.business_a, MaterialLot.ref == "lot-daging"
        )
    )
    rph = meat.certificate_id
    client.patch(f"/api/v1/certificates/{rph}", headers=filled.auth("producer_a"), json={"covers": []})

    client.patch(f"/api/v1/lots/{meat.id}", headers=filled.auth("producer_a"), json={"certificate": None})

    row = stored(session, batch.id)
    assert row.verdict == "needs_evidence"
    assert "ING-02" in {f["rule"] for f in row.findings}


def test_a_large_fan_out_is_queued_and_never_served_stale(client, filled, session, app):
    batch = final_batch(session, filled.world.business_a)
    oil = session.scalar(
        sa.select(Certificate).where(
            Certificate.business_id == filled.world.business_a, Certificate.ref == "cert-minyak"
        )
    )
    app.extensions["db_sessionmaker"].kw["info"]["propagation_inline_limit"] = 0
    try:
        client.post(
            f"/api/v1/certificates/{oil.id}/status",
            headers=filled.auth("auditor"),
            json={"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi"},
        )
        queued = stored(session, batch.id)
        assert (queued.stale, queued.verdict, queued.body["status_reason"]) == (True, "ok", "not_certified")

        served = client.get(f"/api/v1/batches/{batch.id}/assessment", headers=filled.auth("producer_a")).json
        assert (served["verdict"], served["status_reason"]) == ("violation", "certificate_inactive")
    finally:
        app.extensions["db_sessionmaker"].kw["info"]["propagation_inline_limit"] = 500


def test_refresh_recomputes_what_was_queued(filled, session, app):
    session.execute(sa.update(Assessment).values(stale=True))
    session.commit()

    result = app.test_cli_runner().invoke(cli, ["assessments", "refresh", "--json"])

    assert json.loads(result.output)["refreshed"] == session.scalar(sa.select(sa.func.count()).select_from(Batch))
    assert not session.scalars(sa.select(Assessment).where(Assessment.stale.is_(True))).all()


def test_new_reference_data_redoes_assessments_under_its_version(client, filled, session):
    response = client.put(
        "/api/v1/reference",
        headers=filled.auth("admin"),
        json={
            "version": "2025.12.0",
            "recognised_foreign_bodies": [
                {"name": "Andaman Halal Audit Bureau", "country": "TH", "scope": ["gelatin"]}
            ],
        },
    )

    assert response.status_code == 200
    assert response.json["reference"] == "halal-id-reference@2025.12.0"
    rows = session.scalars(sa.select(Assessment)).all()
    assert rows
    assert all(row.ruleset.endswith("+ref.2025.12.0") and not row.stale for row in rows)


def test_reference_overrides_refuse_unknown_keys_and_reused_versions(client, filled):
    unknown = client.put("/api/v1/reference", headers=filled.auth("admin"), json={"version": "x1", "colour": 1})
    first = client.put("/api/v1/reference", headers=filled.auth("admin"), json={"version": "x2"})
    again = client.put("/api/v1/reference", headers=filled.auth("admin"), json={"version": "x2"})

    assert unknown.status_code == 422
    assert "colour" in unknown.json["errors"]
    assert first.status_code == 200
    assert again.status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "gone", "effective": "2025-01-01", "reason": "xyz"}, "status"),
        ({"status": "revoked", "reason": "xyz"}, "effective"),
        ({"status": "revoked", "effective": "1999-01-01", "reason": "xyz"}, "effective"),
    ],
)
def test_bad_status_decisions_are_refused_and_change_nothing(client, filled, session, body, field):
    oil = session.scalar(sa.select(Certificate).where(Certificate.ref == "cert-minyak"))

    response = client.post(f"/api/v1/certificates/{oil.id}/status", headers=filled.auth("auditor"), json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]
    session.expire_all()
    assert session.get(Certificate, oil.id).status == "active"


def test_cli_assess_prints_exactly_the_design_shape(app, tmp_path):
    reference = tmp_path / "ref.json"
    reference.write_text(json.dumps({"version": "local-1", "recognised_foreign_bodies": []}))

    result = app.test_cli_runner().invoke(
        cli,
        [
            "assess",
            str(EXAMPLES / "kue-lapis-gelatin.json"),
            "--as-of",
            "2025-10-06",
            "--reference",
            str(reference),
            "--json",
        ],
    )

    body = json.loads(result.output)
    assert set(body) == DESIGN_KEYS
    assert body["ruleset"].endswith("+ref.local-1")
    assert body["as_of"] == "2025-10-06"
    assert body["self_declare"]["eligible"] is False


def test_cli_assess_refuses_a_broken_dossier_on_stderr(app, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")

    result = app.test_cli_runner().invoke(cli, ["assess", str(path), "--json"])

    assert result.exit_code == 1
    assert "not a JSON dossier" in result.stderr


def test_offline_and_stored_assessments_agree(filled, session):
    batch = final_batch(session, filled.world.business_a)

    body = assessments.get_assessment(session, OPERATOR, batch.id)

    offline = assess(load_dossier(example("rendang-ok")), as_of=None)
    assert (body["verdict"], len(body["findings"])) == (offline["verdict"], len(offline["findings"]))


def _by_code(session, code):
    return session.scalar(sa.select(Batch).where(Batch.lot_code == code)).id


def test_a_change_reassesses_only_the_batches_made_from_it(filled, session):
    oil = session.scalar(sa.select(MaterialLot).where(MaterialLot.ref == "lot-minyak"))
    spices = session.scalar(sa.select(MaterialLot).where(MaterialLot.ref == "lot-cabai"))

    from_oil = assessments.affected_batches(session, {f"lot:{oil.id}"})
    from_spices = assessments.affected_batches(session, {f"lot:{spices.id}"})
    from_business = assessments.affected_batches(session, {f"business:{filled.world.business_b}"})

    cooked, packed, ground = (_by_code(session, c) for c in ("RBN-251117-M", "RBN-251118", "RBN-251117-B"))
    assert from_oil == sorted([cooked, packed])
    assert from_spices == sorted([ground, cooked, packed])
    assert set(from_business).isdisjoint({cooked, packed, ground})


def test_untouched_batches_keep_their_assessment(client, filled, session):
    other = final_batch(session, filled.world.business_b)
    before = stored(session, other.id).computed_at
    oil = session.scalar(
        sa.select(Certificate).where(
            Certificate.business_id == filled.world.business_a, Certificate.ref == "cert-minyak"
        )
    )

    client.post(
        f"/api/v1/certificates/{oil.id}/status",
        headers=filled.auth("auditor"),
        json={"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi"},
    )

    assert stored(session, other.id).computed_at == before


# --- a change reaching more records than a statement takes parameters ------------------------------------------------

MANY = 70_000  # beyond PostgreSQL's 65,535 parameters a statement (SQLite's connections take the same limit)


def _real(session, kind):
    """One stored record of each kind the demo's oil reaches, by node id."""
    oil = session.scalar(sa.select(MaterialLot).where(MaterialLot.ref == "lot-minyak"))
    cooked = session.get(Batch, _by_code(session, "RBN-251117-M"))
    ident = {
        "lot": oil.id,
        "batch": cooked.id,
        "step": cooked.step_id,
        "business": cooked.business_id,
        "product": session.get(Batch, _by_code(session, "RBN-251118")).product_id,
        "supplier": oil.supplier_id,
        "certificate": oil.certificate_id,
        "material": oil.material_id,
        "facility": session.get(ProductionStep, cooked.step_id).facility_id,
    }[kind]
    return f"{kind}:{ident}"


_KINDS = ("lot", "batch", "step", "business", "product", "supplier", "certificate", "material", "facility")


@pytest.mark.parametrize("kind", _KINDS)
def test_a_change_touching_more_records_than_a_statement_takes_parameters_is_followed_in_chunks(filled, session, kind):
    real = _real(session, kind)
    expected = assessments.affected_batches(session, {real})
    unknown = {f"{kind}:{n}" for n in range(10_000_000, 10_000_000 + MANY)}  # each still one parameter

    assert expected
    assert assessments.affected_batches(session, unknown | {real}) == expected


def test_a_judgement_of_more_batches_than_a_statement_takes_parameters_reads_them_in_chunks(filled, session):
    packed = _by_code(session, "RBN-251118")

    judged = assessments.assess_batches(session, [*range(10_000_000, 10_000_000 + MANY), packed])

    assert set(judged) == {packed}
    session.rollback()
