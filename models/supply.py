"""What a business buys: suppliers, their certificates, materials and the lots received."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import Base, Versioned, Voidable, utcnow
from traceability.identifiers import certificate_number_key, issuer_key
from traceability.vocabulary import (
    CertificateScheme,
    CertificateStatus,
    EthanolSource,
    EvidenceType,
    MaterialKind,
    MaterialState,
    Origin,
    Stunning,
    SupplierKind,
)


class Supplier(Versioned, Voidable, Base):
    """Where materials come from: an RPH, a market stall, a manufacturer, another business."""

    __tablename__ = "supplier"
    __table_args__ = (sa.UniqueConstraint("business_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[SupplierKind]
    country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    nib: Mapped[str | None] = mapped_column(sa.String(13))
    # Set when the supplier is itself a business registered here, so traces can continue upstream.
    supplier_business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Certificate(Versioned, Voidable, Base):
    """A halal certificate (SH) held by a supplier or by the business itself."""

    __tablename__ = "certificate"
    __table_args__ = (
        sa.UniqueConstraint("business_id", "ref"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= issued_on", name="valid_after_issue"),
        sa.Index("ix_certificate_identity", "issuer_key", "number_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    number: Mapped[str] = mapped_column(sa.String(100), index=True)
    kh_number: Mapped[str | None] = mapped_column(sa.String(100))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    # The certificate's identity (traceability.identifiers), set with the number and issuer as typed: every
    # business's record of one certificate shares it, and decisions belong to it.
    number_key: Mapped[str] = mapped_column(sa.String(100))
    issuer_key: Mapped[str] = mapped_column(sa.String(200))
    scheme: Mapped[CertificateScheme]
    # Null holder means the business itself holds it.
    holder_supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supplier.id"), index=True)
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    status: Mapped[CertificateStatus] = mapped_column(default=CertificateStatus.ACTIVE)
    status_since: Mapped[dt.date | None]
    shln_registration: Mapped[str | None] = mapped_column(sa.String(100))
    # A revocation for fraud reaches back to the date of issue.
    fraud: Mapped[bool] = mapped_column(default=False)
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    holder: Mapped[Supplier | None] = relationship()
    scope: Mapped[list[CertificateScope]] = relationship(
        back_populates="certificate", cascade="all, delete-orphan", order_by="CertificateScope.position"
    )

    @validates("number")
    def _keep_number_key(self, _name: str, number: str) -> str:
        self.number_key = certificate_number_key(number)
        return number

    @validates("issuer")
    def _keep_issuer_key(self, _name: str, issuer: str) -> str:
        self.issuer_key = issuer_key(issuer)
        return issuer


class CertificateEvidence(Base):
    """A scanned certificate (PDF, JPEG or PNG), stored once per content and named by its sha256.

    Certificates point at it through ``certificate.evidence_sha256``; identical scans uploaded for
    several certificates are kept once.
    """

    __tablename__ = "certificate_evidence"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_not_negative"),)

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CertificateScope(Base):
    """One material or product a certificate covers."""

    __tablename__ = "certificate_scope"
    __table_args__ = (sa.CheckConstraint("(material_id IS NULL) <> (product_id IS NULL)", name="material_or_product"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    material_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"), index=True)

    certificate: Mapped[Certificate] = relationship(back_populates="scope")


class Material(Versioned, Voidable, Base):
    """A kind of input: an ingredient, additive, processing aid, packaging, cleaning agent or lubricant."""

    __tablename__ = "material"
    __table_args__ = (sa.UniqueConstraint("business_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[MaterialKind]
    category: Mapped[str | None] = mapped_column(sa.String(50))
    origin: Mapped[Origin] = mapped_column(default=Origin.UNKNOWN)
    species: Mapped[str | None] = mapped_column(sa.String(100))
    source_detail: Mapped[str | None] = mapped_column(sa.String(300))
    e_number: Mapped[str | None] = mapped_column(sa.String(10))
    state: Mapped[MaterialState | None]
    positive_list: Mapped[bool] = mapped_column(default=False)
    is_khamr: Mapped[bool] = mapped_column(default=False)
    ethanol_source: Mapped[EthanolSource] = mapped_column(default=EthanolSource.NONE)
    growth_medium: Mapped[str | None] = mapped_column(sa.String(100))
    food_contact: Mapped[bool | None]
    # Slaughter record: all three null when none is recorded.
    slaughter_muslim_slaughterer: Mapped[bool | None]
    slaughter_stunning: Mapped[Stunning | None]
    slaughter_alive: Mapped[bool | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    inputs: Mapped[list[MaterialInput]] = relationship(
        foreign_keys="MaterialInput.material_id", cascade="all, delete-orphan", order_by="MaterialInput.position"
    )
    evidence: Mapped[list[MaterialEvidence]] = relationship(
        cascade="all, delete-orphan", order_by="MaterialEvidence.position"
    )


class MaterialInput(Base):
    """A level-2 input: the enzyme in a cheese, the carbon that refined a sugar."""

    __tablename__ = "material_input"
    __table_args__ = (
        sa.UniqueConstraint("material_id", "input_id"),
        sa.CheckConstraint("material_id <> input_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("material.id", ondelete="CASCADE"), index=True)
    input_id: Mapped[int] = mapped_column(sa.ForeignKey("material.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class RecordEvidence(Base):
    """A file that backs a lot, a production step or the business's SJPH records: a lab result, a supplier's
    statement, a photo, a training attendance list. (A material's documents are its ``evidence`` rows.)

    The file is stored once under its sha256 with the certificate scans (:class:`CertificateEvidence`); the
    row names the record as its graph node (``lot:12``, ``step:3``, ``business:1``), so the assessment's stored
    facts, and with them the approval digest, follow what is attached.
    """

    __tablename__ = "record_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(40), index=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    says: Mapped[str] = mapped_column(sa.Text, default="")
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("certificate_evidence.sha256"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MaterialEvidence(Base):
    """A document a supplier gave about a material (spec sheet, source statement, lab test)."""

    __tablename__ = "material_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("material.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[EvidenceType]
    says: Mapped[str] = mapped_column(sa.Text, default="")
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))


class MaterialLot(Versioned, Voidable, Base):
    """A lot of material received from a supplier, under a certificate or none."""

    __tablename__ = "material_lot"
    __table_args__ = (
        sa.UniqueConstraint("business_id", "ref"),
        sa.CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("material.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("supplier.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    lot_code: Mapped[str] = mapped_column(sa.String(100))
    quantity: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    received_on: Mapped[dt.date]
    # Set when the lot is a batch another business on the platform produced.
    source_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    material: Mapped[Material] = relationship()
    supplier: Mapped[Supplier] = relationship()
    certificate: Mapped[Certificate | None] = relationship()
