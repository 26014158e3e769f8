"""Evidence files on the record they belong to: a material's documents (lab results, supplier statements, spec
sheets), and the files that back a lot, a production step or the business's SJPH records (photos, delivery
notes, training lists), uploaded from a phone's camera or files.

Content is kept once under its sha256 with the certificate scans (:class:`CertificateEvidence`). A material's
file is one of its ``evidence`` rows (``file_sha256``): the rules read its type, and the approval digest covers
the hash. A lot's, a step's or the business's file is a :class:`RecordEvidence` row named by the record's graph
node, which the assessment's stored facts cover the same way. Every attachment is journaled and touches the
record's node, so what it feeds is judged again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, CertificateEvidence, Material, MaterialEvidence, RecordEvidence
from traceability.errors import ContentTooLargeError, InvalidInputError, NotFoundError, UnsupportedContentError
from traceability.evidence import ACCEPTED, EXTENSIONS, RECORD_EVIDENCE_TYPES, sniff
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.record_kinds import KINDS
from traceability.service.records import get_record
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import EvidenceType

__all__ = ["File", "KINDS_WITH_FILES", "attach_file", "checked_file", "file_types", "files_of", "get_file"]

#: The record kinds that take files here (a certificate's scan has its own use case in :mod:`evidence`).
KINDS_WITH_FILES = ("materials", "lots", "steps", "business")
MAX_SAYS = 500


@dataclass(frozen=True, slots=True)
class File:
    """One attached file and what it is."""

    subject: str  # the record's node: material:3, lot:12, step:4, business:1
    type: str
    says: str
    sha256: str
    media_type: str = ""
    content: bytes = b""

    @property
    def filename(self) -> str:
        # Built from our own names and the sniffed type only: nothing the uploader named reaches it.
        kind, _sep, ident = self.subject.partition(":")
        return f"{kind}-{ident}-{self.sha256[:12]}.{EXTENSIONS.get(self.media_type, 'bin')}"


def file_types(kind: str) -> tuple[str, ...]:
    """What a file on a record of `kind` may be."""
    if kind == "materials":
        return tuple(t.value for t in EvidenceType)
    return RECORD_EVIDENCE_TYPES[_noun(kind)]


def _noun(kind: str) -> str:
    return "business" if kind == "business" else KINDS[kind].noun


def checked_file(content: bytes, max_bytes: int) -> tuple[str, str]:
    """The file's sha256 and media type (judged by its first bytes); refuse an empty, too large or other file."""
    if not content:
        raise InvalidInputError("Choose a photo or a PDF.", errors={"file": ["Choose a photo or a PDF."]})
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
    return hashlib.sha256(content).hexdigest(), media_type


def _record(session: Session, actor: Actor, kind: str, record_id: int) -> tuple[Any, int]:
    """The record (the business itself for ``business``) and its business, if the actor may read it."""
    if kind == "business":
        actor.require_read(record_id, "business")
        business = session.get(Business, record_id)
        if business is None:
            raise NotFoundError("No business with that id.")
        return business, business.id
    obj = get_record(session, actor, kind, record_id)
    return obj, obj.business_id


def attach_file(
    session: Session,
    actor: Actor,
    kind: str,
    record_id: int,
    content: bytes,
    *,
    type: str,
    says: str = "",
    max_bytes: int,
) -> File:
    """Attach `content` to a material, lot, step or the business (its producer only), as a file of `type`."""
    if kind not in KINDS_WITH_FILES:
        raise NotFoundError("Files are attached to materials, lots, steps and the business.")
    obj, business_id = _record(session, actor, kind, record_id)
    actor.require_write(business_id, _noun(kind))
    if type not in file_types(kind):
        allowed = ", ".join(file_types(kind))
        raise InvalidInputError("Say what the file is.", errors={"type": [f"Must be one of: {allowed}."]})
    says = says.strip()
    if len(says) > MAX_SAYS:
        raise InvalidInputError("Too long.", errors={"says": [f"Longer than maximum length {MAX_SAYS}."]})
    if getattr(obj, "voided_at", None) is not None:
        raise InvalidInputError("The record was voided.", errors={"file": ["The record was voided."]})
    sha256, media_type = checked_file(content, max_bytes)
    subject = f"{_noun(kind)}:{record_id}"
    with writing(session):
        if session.get(CertificateEvidence, sha256) is None:
            session.add(CertificateEvidence(sha256=sha256, media_type=media_type, size=len(content), content=content))
            session.flush()
        if isinstance(obj, Material):
            obj.evidence.append(
                MaterialEvidence(position=len(obj.evidence), type=EvidenceType(type), says=says, file_sha256=sha256)
            )
        else:
            session.add(RecordEvidence(business_id=business_id, subject=subject, type=type, says=says, sha256=sha256))
        session.flush()
        touch(session, subject)
        journal.append(
            session,
            actor,
            "evidence",
            subject,
            {"type": type, "says": says, "sha256": sha256, "media_type": media_type, "size": len(content)},
            business_id=business_id,
        )
    return File(subject, type, says, sha256, media_type)


def files_of(session: Session, kind: str, obj: Any) -> list[File]:
    """The files attached to a record, oldest first (without their content)."""
    if isinstance(obj, Material):
        return [File(f"material:{obj.id}", e.type.value, e.says, e.file_sha256) for e in obj.evidence if e.file_sha256]
    subject = f"{_noun(kind)}:{obj.id}"
    query = sa.select(RecordEvidence).where(RecordEvidence.subject == subject).order_by(RecordEvidence.id)
    rows = session.scalars(query)
    return [File(subject, r.type, r.says, r.sha256) for r in rows]


def get_file(session: Session, actor: Actor, kind: str, record_id: int, sha256: str) -> File:
    """One file of a record, with its content, for anyone who may read the record."""
    if kind not in KINDS_WITH_FILES:
        raise NotFoundError("No such file.")
    obj, _business = _record(session, actor, kind, record_id)
    found = next((f for f in files_of(session, kind, obj) if f.sha256 == sha256), None)
    stored = session.get(CertificateEvidence, sha256) if found is not None else None
    if found is None or stored is None:
        raise NotFoundError("No such file on this record.")
    return File(found.subject, found.type, found.says, sha256, stored.media_type, stored.content)
