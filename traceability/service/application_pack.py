"""The SIHALAL application pack of a product, for whoever may read its records (its producer, an assigned
pendamping, auditors, admins): the dossier export gathers the records, the stored assessments say what is
missing, :mod:`traceability.formats.application_pack` writes the documents."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, Product
from traceability.formats import application_pack
from traceability.service import assessments
from traceability.service.access import Actor
from traceability.service.dossiers import ExportCodec, export_dossier

__all__ = ["pack_for"]

#: Products of the business beyond this many are left out of the matrix (it must fit a printed page).
MATRIX_PRODUCTS = 6


def _findings(session: Session, codec: ExportCodec, *, self_declare: bool) -> list[dict[str, Any]]:
    """Every finding of the product's stored batch assessments (recomputed first where stale); on the
    self-declare route also what stands between the product and that route."""
    found: list[dict[str, Any]] = []
    for (kind, _local), stored in sorted(codec.ids.items()):
        if kind == "batch":
            body = assessments.current_assessment(session, stored).body
            found += body.get("findings", [])
            if self_declare:
                found += (body.get("self_declare") or {}).get("findings", [])
    return found


def pack_for(session: Session, actor: Actor, product_id: int, *, today: dt.date | None = None) -> application_pack.Pack:
    """The pack of `product_id` (a 404 for a product the actor may not read, exactly like an unknown one)."""
    codec = ExportCodec()
    doc = export_dossier(session, actor, product_id, codec=codec)
    findings = _findings(session, codec, self_declare=(doc.get("application") or {}).get("route") == "self_declare")
    product = session.get(Product, product_id)
    assert product is not None  # export_dossier refused an unknown one
    others = session.scalars(
        sa.select(Product.id)
        .where(Product.business_id == product.business_id, Product.id != product_id, Product.voided_at.is_(None))
        .where(sa.exists().where(Batch.product_id == Product.id))
        .order_by(Product.id)
        .limit(MATRIX_PRODUCTS - 1)
    ).all()
    products = [export_dossier(session, actor, other) for other in others]
    return application_pack.build(doc, findings, products=products, made_on=today or dt.date.today())
