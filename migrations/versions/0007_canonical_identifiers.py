"""canonical identifiers

Certificates, products and batches gain the canonical form of their identifiers (traceability.identifiers):
``certificate.number_key`` and ``issuer_key`` (the certificate's identity, indexed), ``product.gtin14`` and
``batch.lot_key`` (unique). Existing rows are keyed here. Nothing is merged:

- a product whose GTIN, once canonical, another product already holds keeps its typed GTIN but gets no
  ``gtin14`` (its Digital Link resolves nothing until its owner corrects it); the first recorded keeps it;
- a batch whose lot code, once canonical, another batch of the same product already holds gets no ``lot_key``;
- every copy of one certificate identity takes the latest decision journaled on any of them, where its stored
  status said otherwise (the decision was already journaled: the copy was a look-alike escaping it);

and each is reported on standard error and in the log. Users also gain ``session_version``: a login session
carries it, and logging out or changing the password moves it on, ending every earlier session. Every assessment is marked stale so no verdict that
rested on a look-alike is served again. On SQLite the two certificate key columns keep an empty-string
server default (adding a NOT NULL column there needs one, and dropping it would rebuild a table others
refer to); the models always set them.

Revision ID: 0007_canonical_identifiers
Revises: 0011_certificate_confirmation
Create Date: 2026-12-02 01:10:00
"""

import datetime as dt
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from traceability.identifiers import certificate_number_key, gtin_key, issuer_key, lot_key

revision: str = '0007_canonical_identifiers'
down_revision: str | None = '0011_certificate_confirmation'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _report(message: str) -> None:
    log.warning("0007_canonical_identifiers: %s", message)
    print(f"0007_canonical_identifiers: {message}", file=sys.stderr)


def _gtin14(gtin: str | None) -> str | None:
    try:
        return gtin_key(gtin) if gtin else None
    except ValueError:
        return None


def _payload(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_key', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('issuer_key', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gtin14', sa.String(length=14), nullable=True))
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lot_key', sa.String(length=100), nullable=True))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))

    certificate = sa.table(
        'certificate',
        sa.column('id', sa.Integer), sa.column('business_id', sa.Integer),
        sa.column('number', sa.String), sa.column('issuer', sa.String),
        sa.column('number_key', sa.String), sa.column('issuer_key', sa.String),
        sa.column('status', sa.String), sa.column('status_since', sa.Date),
        sa.column('fraud', sa.Boolean), sa.column('status_reason', sa.String),
    )
    product = sa.table(
        'product', sa.column('id', sa.Integer), sa.column('business_id', sa.Integer),
        sa.column('gtin', sa.String), sa.column('gtin14', sa.String),
    )
    batch = sa.table(
        'batch', sa.column('id', sa.Integer), sa.column('product_id', sa.Integer),
        sa.column('lot_code', sa.String), sa.column('lot_key', sa.String),
    )
    journal = sa.table(
        'journal_entry', sa.column('seq', sa.Integer), sa.column('action', sa.String),
        sa.column('subject', sa.String), sa.column('payload', sa.JSON),
    )

    identities: dict[tuple[str, str], list[Any]] = {}
    for row in bind.execute(sa.select(certificate).order_by(certificate.c.id)):
        keys = (issuer_key(row.issuer), certificate_number_key(row.number))
        identities.setdefault(keys, []).append(row)
        bind.execute(
            certificate.update().where(certificate.c.id == row.id).values(issuer_key=keys[0], number_key=keys[1])
        )

    latest: dict[int, tuple[int, dict[str, Any]]] = {}
    decisions = sa.select(journal.c.seq, journal.c.subject, journal.c.payload).where(
        journal.c.action == 'certificate.status'
    )
    for seq, subject, payload in bind.execute(decisions):
        copy_id = int(subject.split(':', 1)[1])
        if copy_id not in latest or latest[copy_id][0] < seq:
            latest[copy_id] = (seq, _payload(payload))
    for (issuer, number), rows in identities.items():
        decided = [latest[r.id] for r in rows if r.id in latest]
        if not decided:
            continue
        decision = max(decided, key=lambda d: d[0])[1]
        since = decision.get('status_since')
        for r in rows:
            if (r.status, str(r.status_since) if r.status_since else None) == (
                decision['status'], decision.get('status_since')
            ):
                continue
            bind.execute(
                certificate.update().where(certificate.c.id == r.id).values(
                    status=decision['status'],
                    status_since=dt.date.fromisoformat(since) if since else None,
                    fraud=bool(decision.get('fraud')),
                    status_reason=decision.get('status_reason'),
                )
            )
            _report(
                f"certificate {r.id} (business {r.business_id}, {r.number!r} by {r.issuer!r}) is certificate "
                f"{issuer} {number}: it takes the decision journaled on it, {decision['status']} since "
                f"{decision.get('status_since')} (it said {r.status})."
            )

    holders: dict[str, int] = {}
    for row in bind.execute(sa.select(product).where(product.c.gtin.is_not(None)).order_by(product.c.id)):
        key = _gtin14(row.gtin)
        if key is None:
            _report(f"product {row.id} (business {row.business_id}): GTIN {row.gtin!r} is not valid; no gtin14.")
            continue
        if key in holders:
            _report(
                f"product {row.id} (business {row.business_id}): GTIN {row.gtin!r} is {key}, which product "
                f"{holders[key]} already holds; left without gtin14 (it resolves nothing until corrected)."
            )
            continue
        holders[key] = row.id
        bind.execute(product.update().where(product.c.id == row.id).values(gtin14=key))

    lots: dict[tuple[int, str], int] = {}
    for row in bind.execute(sa.select(batch).order_by(batch.c.id)):
        key = lot_key(row.lot_code)
        if (row.product_id, key) in lots:
            _report(
                f"batch {row.id} (product {row.product_id}): lot code {row.lot_code!r} is {key!r}, which batch "
                f"{lots[row.product_id, key]} of the same product already holds; left without lot_key."
            )
            continue
        lots[row.product_id, key] = row.id
        bind.execute(batch.update().where(batch.c.id == row.id).values(lot_key=key))

    if bind.dialect.name == 'postgresql':
        op.alter_column('certificate', 'number_key', server_default=None)
        op.alter_column('certificate', 'issuer_key', server_default=None)
    op.execute("UPDATE assessment SET stale = " + ("true" if bind.dialect.name == 'postgresql' else "1"))
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_identity', ['issuer_key', 'number_key'], unique=False)
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index('uq_product_gtin14', ['gtin14'], unique=True)
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index('uq_batch_product_id_lot_key', ['product_id', 'lot_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index('uq_batch_product_id_lot_key')
        batch_op.drop_column('lot_key')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index('uq_product_gtin14')
        batch_op.drop_column('gtin14')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_identity')
        batch_op.drop_column('issuer_key')
        batch_op.drop_column('number_key')
