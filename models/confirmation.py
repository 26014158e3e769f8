"""Auditors' and admins' checks of certificates against their scans, per certificate identity."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class CertificateCheck(Base):
    """An auditor or admin confirmed or rejected a certificate after reading its scan. Append-only: the newest
    check of an identity (canonical issuer and number) speaks for every business's copy."""

    __tablename__ = "certificate_check"
    __table_args__ = (sa.Index("ix_certificate_check_identity", "number", "issuer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[str] = mapped_column(sa.String(100))
    confirmed: Mapped[bool]
    # The scan read: its sha256, as certificate.evidence_sha256 names it.
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_by: Mapped[str] = mapped_column(sa.String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
