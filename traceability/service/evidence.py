"""Scanned certificates: upload one for a certificate record, and read it back.

Content is stored once under its sha256 (identical scans for several certificates share a row);
the certificate names it in ``evidence_sha256``, so a new upload is a journaled change of the record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.orm import Session

from models import Certificate, CertificateEvidence
from traceability.errors import ContentTooLargeError, NotFoundError, UnsupportedContentError
from traceability.evidence import ACCEPTED, EXTENSIONS, sniff
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.records import get_record
from traceability.service.unit_of_work import touch, writing

__all__ = ["Evidence", "get_evidence", "put_evidence", "writable_certificate"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A certificate's stored scan and what it is."""

    certificate_id: int
    sha256: str
    media_type: str
    content: bytes

    @property
    def filename(self) -> str:
        # Built only from our own id and the sniffed type: nothing the uploader named reaches it.
        return f"certificate-{self.certificate_id}.{EXTENSIONS[self.media_type]}"


def writable_certificate(session: Session, actor: Actor, certificate_id: int) -> Certificate:
    """The certificate, if the actor may change it (404 for anyone who may not see it, else 403)."""
    certificate: Certificate = get_record(session, actor, "certificates", certificate_id)
    actor.require_write(certificate.business_id, "certificate")
    return certificate


def put_evidence(session: Session, actor: Actor, certificate_id: int, content: bytes, *, max_bytes: int) -> Evidence:
    """Store `content` as the certificate's scan (its producer only); refuse other file kinds or sizes."""
    certificate = writable_certificate(session, actor, certificate_id)
    if len(content) > max_bytes:
        raise ContentTooLargeError(
            f"The file is {len(content)} bytes; at most {max_bytes} are accepted.",
            errors={"file": [f"At most {max_bytes} bytes."]},
        )
    media_type = sniff(content)
    if media_type is None:
        accepted = ", ".join(ACCEPTED)
        raise UnsupportedContentError(
            f"The file is not one of the accepted types: {accepted}.", errors={"file": [f"Accepted types: {accepted}."]}
        )
    sha256 = hashlib.sha256(content).hexdigest()
    with writing(session):
        if session.get(CertificateEvidence, sha256) is None:
            session.add(CertificateEvidence(sha256=sha256, media_type=media_type, size=len(content), content=content))
        if certificate.evidence_sha256 != sha256:
            certificate.evidence_sha256 = sha256
            session.flush()
            touch(session, f"certificate:{certificate.id}")  # the scan is in the approval digest: reassess
            journal.append(
                session,
                actor,
                "evidence",
                f"certificate:{certificate.id}",
                {"sha256": sha256, "media_type": media_type, "size": len(content), "version": certificate.version},
                business_id=certificate.business_id,
            )
    return Evidence(certificate.id, sha256, media_type, content)


def get_evidence(session: Session, actor: Actor, certificate_id: int) -> Evidence:
    """The certificate's scan, for anyone who may read the certificate."""
    certificate: Certificate = get_record(session, actor, "certificates", certificate_id)
    stored = session.get(CertificateEvidence, certificate.evidence_sha256) if certificate.evidence_sha256 else None
    if stored is None:
        raise NotFoundError("No scan has been uploaded for this certificate.")
    return Evidence(certificate.id, stored.sha256, stored.media_type, stored.content)
