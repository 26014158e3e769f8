"""Which public level a GS1 Digital Link names: one printed code, one lot, or the product.

A label's QR code carries the lot's code in ``c``; the GTIN and lot are also printed in plain text on the pack.
So a link without ``c`` must not hand out the lot's code: anyone who reads the pack could then print genuine-looking
codes. Without ``c`` the resolver answers at the lot level (the batch's public status, without code, signature,
issue or revocation times), and walks up to the product level (name, brand, producer, the product's own
certificate claim, no batch status) when the path names no lot or a lot with no code issued (GS1 resolver 2.5.9:
resolve to the nearest level that has links, without redirecting up the tree).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Batch, Product, VerificationCode
from traceability.identifiers import gtin_key
from traceability.service import verification
from traceability.service.verification import PublicView

__all__ = ["Level", "Resolved", "resolve"]


class Level(StrEnum):
    CODE = "code"
    LOT = "lot"
    PRODUCT = "product"


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a Digital Link resolves to: its level, the GTIN-14 and lot it names, and what the public sees there."""

    level: Level
    gtin: str
    lot: str | None
    view: PublicView


def _without_code(view: PublicView, level: Level) -> PublicView:
    """The view with everything that belongs to one printed code taken out (and the batch, at product level)."""
    view = dataclasses.replace(view, code="", issued_at=None, revoked_at=None, url="")
    if level is Level.PRODUCT:
        view = dataclasses.replace(view, lot_code="", ingredients=[], assessed_at=None, verdict=None)
    return view


def _newest_code_of_product(session: Session, gtin: str) -> str | None:
    """The newest unrevoked code (else the newest) of any batch of the product with this canonical GTIN."""
    return session.scalar(
        sa.select(VerificationCode.code)
        .join(Batch, Batch.id == VerificationCode.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.gtin14 == gtin)
        .order_by(VerificationCode.revoked_at.is_not(None), VerificationCode.id.desc())
        .limit(1)
    )


def resolve(session: Session, gtin: str, lot: str | None, code: str | None) -> Resolved | None:
    """Resolve a Digital Link's GTIN, lot and ``c`` to the nearest level the public may see; None: nothing known.

    A ``c`` that is not a code of that GTIN and lot resolves nothing (a label is one code of one lot).
    """
    try:
        key = gtin_key(gtin)
    except ValueError:
        return None
    if lot is not None:
        record = verification.find_code_by_link(session, key, lot, code)
        if code is not None:
            if record is None:
                return None
            return Resolved(Level.CODE, key, lot, verification.public_status(session, record.code))
        if record is not None:
            view = verification.public_status(session, record.code)
            return Resolved(Level.LOT, key, lot, _without_code(view, Level.LOT))
    newest = _newest_code_of_product(session, key)
    if newest is None:
        return None
    view = verification.public_status(session, newest)
    return Resolved(Level.PRODUCT, key, None, _without_code(view, Level.PRODUCT))
