"""How a business makes things: facilities, products, production steps and batches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import Base, Versioned, Voidable, utcnow
from traceability.identifiers import gtin_key, lot_key
from traceability.vocabulary import ApplicationRoute, CleansingMethod, FacilityKind, NajisKind, Technology

if TYPE_CHECKING:  # resolved by name in the registry at run time
    from models.supply import MaterialLot


class Facility(Versioned, Voidable, Base):
    """A production site, outlet, store, vehicle or external service such as a public grinder."""

    __tablename__ = "facility"
    __table_args__ = (sa.UniqueConstraint("business_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[FacilityKind]
    # Null owner means the business owns it.
    owner_supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("supplier.id"), index=True)
    dedicated_halal: Mapped[bool] = mapped_column(default=False)
    shared_cleaning: Mapped[bool] = mapped_column(default=False)
    shared_tool_storage: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sharing: Mapped[list[FacilitySharing]] = relationship(
        cascade="all, delete-orphan", order_by="FacilitySharing.position"
    )
    najis_contact: Mapped[list[NajisContact]] = relationship(
        cascade="all, delete-orphan", order_by="NajisContact.position"
    )
    cleansing: Mapped[list[Cleansing]] = relationship(cascade="all, delete-orphan", order_by="Cleansing.position")
    tools: Mapped[list[FacilityTool]] = relationship(cascade="all, delete-orphan", order_by="FacilityTool.position")


class FacilityTool(Base):
    """A tool or brush in contact with the product; ``animal_hair`` names the animal its bristles come from."""

    __tablename__ = "facility_tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    animal_hair: Mapped[str | None] = mapped_column(sa.String(50))


class FacilitySharing(Base):
    """Another product made with the same facility or equipment."""

    __tablename__ = "facility_sharing"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    product: Mapped[str] = mapped_column(sa.String(300))
    halal: Mapped[bool | None]
    alternate_use: Mapped[bool] = mapped_column(default=False)
    separated: Mapped[bool] = mapped_column(default=False)


class NajisContact(Base):
    """Recorded contact with najis, up to a date."""

    __tablename__ = "facility_najis_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[NajisKind]
    until: Mapped[dt.date]


class Cleansing(Base):
    """A cleansing of the facility, e.g. sertu: seven washes, one with soil."""

    __tablename__ = "facility_cleansing"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    method: Mapped[CleansingMethod]
    on: Mapped[dt.date]


class Product(Versioned, Voidable, Base):
    """A product the business sells, with its label data and its halal application."""

    __tablename__ = "product"
    __table_args__ = (
        sa.UniqueConstraint("business_id", "ref"),
        # Unique indexes rather than constraints: SQLite adds them without rebuilding the table.
        sa.Index("uq_product_gtin14", "gtin14", unique=True),
        sa.CheckConstraint(
            "measured_ethanol_pct IS NULL OR (measured_ethanol_pct >= 0 AND measured_ethanol_pct <= 100)",
            name="ethanol_percentage",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    brand: Mapped[str | None] = mapped_column(sa.String(200))
    gtin: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    # The GTIN as GTIN-14, set with `gtin`: one trade item however it was padded. Null without a GTIN, or
    # for a product whose GTIN another product already held when identifiers became canonical (0007).
    gtin14: Mapped[str | None] = mapped_column(sa.String(14))
    category: Mapped[str | None] = mapped_column(sa.String(100))
    is_beverage: Mapped[bool] = mapped_column(default=False)
    fermented: Mapped[bool] = mapped_column(default=False)
    measured_ethanol_pct: Mapped[Decimal | None]
    shape: Mapped[str | None] = mapped_column(sa.String(300))
    flavour_profile: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    halal_claim: Mapped[bool] = mapped_column(default=False)
    declared_non_halal: Mapped[bool] = mapped_column(default=False)
    label_halal_logo: Mapped[bool] = mapped_column(default=False)
    label_printed_number: Mapped[str | None] = mapped_column(sa.String(100))
    certificate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id", use_alter=True), index=True)
    # The halal application; a null route means the product is sold as non-halal.
    application_route: Mapped[ApplicationRoute | None]
    pendamping_name: Mapped[str | None] = mapped_column(sa.String(200))
    pendamping_registration_no: Mapped[str | None] = mapped_column(sa.String(100))
    pendamping_verified_on: Mapped[dt.date | None]
    technology: Mapped[Technology | None]
    preservation: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    composition: Mapped[list[ProductComposition]] = relationship(
        cascade="all, delete-orphan", order_by="ProductComposition.position"
    )

    @validates("gtin")
    def _keep_gtin14(self, _name: str, gtin: str | None) -> str | None:
        try:
            self.gtin14 = gtin_key(gtin) if gtin else None
        except ValueError:  # never a key for what is not a GTIN: it resolves nothing
            self.gtin14 = None
        return gtin


class ProductComposition(Base):
    """A material in the composition the product's own certificate was issued for."""

    __tablename__ = "product_composition"
    __table_args__ = (sa.UniqueConstraint("product_id", "material_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(sa.ForeignKey("material.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)


class ProductionStep(Versioned, Voidable, Base):
    """A transformation: input lots and batches went in, output batches came out."""

    __tablename__ = "production_step"
    __table_args__ = (sa.UniqueConstraint("business_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(300))
    process: Mapped[str | None] = mapped_column(sa.String(100))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    equipment: Mapped[str | None] = mapped_column(sa.String(300))
    performed_on: Mapped[dt.date]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    facility: Mapped[Facility | None] = relationship()
    inputs: Mapped[list[StepInput]] = relationship(
        back_populates="step", cascade="all, delete-orphan", order_by="StepInput.position"
    )
    outputs: Mapped[list[Batch]] = relationship(back_populates="step", order_by="Batch.id")


class StepInput(Base):
    """One input of a step: a material lot or an intermediate batch (the ``used`` edge)."""

    __tablename__ = "step_input"
    __table_args__ = (
        sa.CheckConstraint("(lot_id IS NULL) <> (batch_id IS NULL)", name="lot_or_batch"),
        sa.UniqueConstraint("step_id", "lot_id"),
        sa.UniqueConstraint("step_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(sa.ForeignKey("production_step.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material_lot.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    quantity: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(sa.String(20))

    step: Mapped[ProductionStep] = relationship(back_populates="inputs")
    # Set these instead of the ids when the record is not yet flushed; the flush orders the inserts.
    lot: Mapped[MaterialLot | None] = relationship()
    batch: Mapped[Batch | None] = relationship()


class Batch(Versioned, Voidable, Base):
    """A lot of product, produced by a step: the unit a QR code points to."""

    __tablename__ = "batch"
    __table_args__ = (
        sa.UniqueConstraint("business_id", "ref"),
        sa.UniqueConstraint("product_id", "lot_code"),
        sa.Index("uq_batch_product_id_lot_key", "product_id", "lot_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
    lot_code: Mapped[str] = mapped_column(sa.String(100))
    # The lot code's canonical form (traceability.identifiers), set with `lot_code`; what the resolver matches.
    # Null only for a batch whose lot another batch of the product already held when it became canonical (0007).
    lot_key: Mapped[str | None] = mapped_column(sa.String(100))
    produced_on: Mapped[dt.date]
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("production_step.id"), index=True)
    non_conforming: Mapped[bool] = mapped_column(default=False)
    released: Mapped[bool] = mapped_column(default=False)
    recalled_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    step: Mapped[ProductionStep | None] = relationship(back_populates="outputs")
    product: Mapped[Product] = relationship()

    @validates("lot_code")
    def _keep_lot_key(self, _name: str, lot_code: str) -> str:
        self.lot_key = lot_key(lot_code)
        return lot_code


class Storage(Base):
    """Goods kept together in a storage facility; the facility's sharing says with what."""

    __tablename__ = "storage"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    labelled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    items: Mapped[list[StorageItem]] = relationship(cascade="all, delete-orphan", order_by="StorageItem.position")


class StorageItem(Base):
    """A lot or batch held in a storage record."""

    __tablename__ = "storage_item"
    __table_args__ = (sa.CheckConstraint("(lot_id IS NULL) <> (batch_id IS NULL)", name="lot_or_batch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_id: Mapped[int] = mapped_column(sa.ForeignKey("storage.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("material_lot.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)


class Transport(Base):
    """A vehicle trip carrying batches."""

    __tablename__ = "transport"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facility.id"), index=True)
    with_non_halal: Mapped[bool] = mapped_column(default=False)
    packaged: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    items: Mapped[list[TransportItem]] = relationship(cascade="all, delete-orphan", order_by="TransportItem.position")


class TransportItem(Base):
    """A batch carried on a transport."""

    __tablename__ = "transport_item"
    __table_args__ = (sa.UniqueConstraint("transport_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transport_id: Mapped[int] = mapped_column(sa.ForeignKey("transport.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
