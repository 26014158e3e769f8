"""epcis subscriptions

Webhook subscriptions to named EPCIS queries (streamed or scheduled); their deliveries share the status webhooks'
outbox, so a delivery names a webhook or a subscription.

Revision ID: 0016_epcis_subscriptions
Revises: 0015_epcis_repository
Create Date: 2026-12-02 09:12:09.971881
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0016_epcis_subscriptions'
down_revision: str | None = '0015_epcis_repository'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('epcis_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.String(length=40), nullable=False),
    sa.Column('query_id', sa.Integer(), nullable=False),
    sa.Column('dest', sa.String(length=2000), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('stream', sa.Boolean(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=True),
    sa.Column('report_if_empty', sa.Boolean(), nullable=False),
    sa.Column('initial_record_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('min_record_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['query_id'], ['epcis_query.id'], name=op.f('fk_epcis_subscription_query_id_epcis_query'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_subscription')),
    sa.UniqueConstraint('subscription_id', name=op.f('uq_epcis_subscription_subscription_id'))
    )
    with op.batch_alter_table('epcis_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_subscription_next_run_at'), ['next_run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_subscription_query_id'), ['query_id'], unique=False)

    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Integer(), nullable=True))
        batch_op.alter_column('webhook_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_webhook_delivery_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_webhook_delivery_subscription_id_epcis_subscription'), 'epcis_subscription', ['subscription_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_webhook_delivery_subscription_id_epcis_subscription'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_webhook_delivery_subscription_id'))
        batch_op.alter_column('webhook_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('subscription_id')

    with op.batch_alter_table('epcis_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_epcis_subscription_query_id'))
        batch_op.drop_index(batch_op.f('ix_epcis_subscription_next_run_at'))

    op.drop_table('epcis_subscription')
