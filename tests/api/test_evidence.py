"""Scanned certificates: upload by the producer, download by those who may read the certificate."""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa

from models import Certificate, CertificateEvidence, JournalEntry

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 500
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def _url(filled) -> str:
    return f"/api/v1/certificates/{filled.own['certificates']}/evidence"


def _journal_size(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def _nothing_stored(session, filled) -> bool:
    session.expire_all()
    return (
        session.get(Certificate, filled.own["certificates"]).evidence_sha256 is None
        and session.scalar(sa.select(sa.func.count()).select_from(CertificateEvidence)) == 0
    )


@pytest.mark.parametrize(
    ("content", "media_type", "extension"),
    [(PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg"), (PDF, "application/pdf", "pdf")],
)
def test_an_uploaded_scan_downloads_as_stored_with_a_safe_attachment_name(
    client, filled, session, content, media_type, extension
):
    certificate = filled.own["certificates"]

    put = client.put(
        _url(filled), data=content, content_type="application/octet-stream", headers=filled.auth("producer_a")
    )
    got = client.get(_url(filled), headers=filled.auth("auditor"))

    digest = hashlib.sha256(content).hexdigest()
    assert put.status_code == 200, put.json
    assert put.json == {"certificate": certificate, "sha256": digest, "media_type": media_type, "size": len(content)}
    assert got.status_code == 200
    assert got.data == content
    assert got.mimetype == media_type
    assert got.headers["Content-Disposition"] == f"attachment; filename=certificate-{certificate}.{extension}"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    session.expire_all()
    assert session.get(Certificate, certificate).evidence_sha256 == digest
    entry = session.scalar(sa.select(JournalEntry).where(JournalEntry.action == "evidence"))
    assert entry.subject == f"certificate:{certificate}"
    assert entry.payload["sha256"] == digest


def test_the_type_comes_from_the_bytes_never_the_declared_type_or_file_name(client, filled):
    upload = {"file": (io.BytesIO(JPEG), "../../../etc/passwd.pdf", "application/pdf")}

    put = client.put(_url(filled), data=upload, content_type="multipart/form-data", headers=filled.auth("producer_a"))
    got = client.get(_url(filled), headers=filled.auth("producer_a"))

    assert put.status_code == 200, put.json
    assert put.json["media_type"] == "image/jpeg"
    assert got.mimetype == "image/jpeg"
    assert got.headers["Content-Disposition"].endswith(f"filename=certificate-{filled.own['certificates']}.jpg")
    assert "passwd" not in got.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",  # a page that would run in the reader's browser
        b"GIF89a" + b"\x00" * 20,
        b"PK\x03\x04 a zip or an office document",
        b"",
    ],
)
def test_other_content_is_415_naming_the_accepted_types_and_nothing_is_written(client, filled, session, content):
    before = _journal_size(session)

    response = client.put(
        _url(filled),
        data={"file": (io.BytesIO(content), "scan.pdf", "application/pdf")},
        content_type="multipart/form-data",
        headers=filled.auth("producer_a"),
    )

    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert all(t in response.json["detail"] for t in ("application/pdf", "image/jpeg", "image/png"))
    assert _nothing_stored(session, filled)
    assert _journal_size(session) == before


@pytest.mark.parametrize("multipart", [False, True])
def test_a_scan_over_the_size_setting_is_413_and_nothing_is_written(app, client, filled, session, multipart):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    content = PDF + b"0" * 1000
    data = {"file": (io.BytesIO(content), "scan.pdf")} if multipart else content
    before = _journal_size(session)

    response = client.put(
        _url(filled),
        data=data,
        headers=filled.auth("producer_a"),
        content_type="multipart/form-data" if multipart else "application/pdf",
    )

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "1000" in response.json["detail"]
    assert _nothing_stored(session, filled)
    assert _journal_size(session) == before


def test_the_size_limit_defaults_to_5_mib(app):
    assert app.config["EVIDENCE_MAX_BYTES"] == 5 * 1024 * 1024


def test_identical_scans_are_stored_once_and_a_repeat_upload_changes_nothing(client, filled, session):
    other = client.post(
        "/api/v1/certificates",
        headers=filled.auth("producer_a"),
        json={"number": "ID00410000123450525", "issuer": "BPJPH", "scheme": "regular", "issued_on": "2025-05-01"},
    ).json
    for certificate in (filled.own["certificates"], other["id"], filled.own["certificates"]):
        response = client.put(
            f"/api/v1/certificates/{certificate}/evidence",
            data=PDF,
            content_type="application/pdf",
            headers=filled.auth("producer_a"),
        )
        assert response.status_code == 200

    assert session.scalar(sa.select(sa.func.count()).select_from(CertificateEvidence)) == 1
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(JournalEntry.action == "evidence"))
        == 2
    )


def test_another_business_sees_no_scan_and_cannot_upload_one(client, filled, session):
    client.put(_url(filled), data=PNG, content_type="image/png", headers=filled.auth("producer_a"))

    read = client.get(_url(filled), headers=filled.auth("producer_b"))
    write = client.put(_url(filled), data=PDF, content_type="application/pdf", headers=filled.auth("producer_b"))
    unknown = client.get("/api/v1/certificates/999999/evidence", headers=filled.auth("producer_b"))

    assert (read.status_code, write.status_code) == (404, 404)
    assert read.json["detail"] == unknown.json["detail"]  # indistinguishable from an unknown id
    assert client.get(_url(filled), headers=filled.auth("producer_a")).data == PNG


def test_a_certificate_without_a_scan_answers_404(client, filled):
    response = client.get(_url(filled), headers=filled.auth("producer_a"))

    assert response.status_code == 404
    assert "No scan" in response.json["detail"]
