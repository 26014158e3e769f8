"""webhook attempts

Every attempt at sending a webhook delivery (a status change, or an EPCIS subscription's results) is kept:
``webhook_attempt`` (when, the HTTP status or the error, which attempt), for the delivery logs. Deliveries
attempted before this revision keep only their last outcome on ``webhook_delivery``.

Revision ID: 0020_webhook_attempts
Revises: 0019_epcis_query_fields
Create Date: 2026-12-02 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0020_webhook_attempts'
down_revision: str | None = '0019_epcis_query_fields'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_delivery.id'], name=op.f('fk_webhook_attempt_delivery_id_webhook_delivery'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempt')),
    sa.UniqueConstraint('delivery_id', 'attempt', name=op.f('uq_webhook_attempt_delivery_id_attempt'))
    )


def downgrade() -> None:
    op.drop_table('webhook_attempt')
