"""producer workspace

Records can be voided (a journaled correction that keeps the row and its history): ``voided_at`` and
``void_reason`` on every producer record kind. Invitations: one-time, expiring links for a business's producer
to set a password, stored by the hash of their token.

Revision ID: 0010_producer_workspace
Revises: 0008_transparency_log
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010_producer_workspace'
down_revision: str | None = '0008_transparency_log'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOIDABLE = ('supplier', 'certificate', 'material', 'material_lot', 'facility', 'product', 'production_step', 'batch')


def upgrade() -> None:
    for table in VOIDABLE:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column('void_reason', sa.String(length=500), nullable=True))
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_invitation_business_id_business')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_invitation_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_invitation_token_sha256'))
    )
    with op.batch_alter_table('invitation') as batch:
        batch.create_index(batch.f('ix_invitation_business_id'), ['business_id'], unique=False)
        batch.create_index(batch.f('ix_invitation_created_by_id'), ['created_by_id'], unique=False)


def downgrade() -> None:
    op.drop_table('invitation')
    for table in reversed(VOIDABLE):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('void_reason')
            batch.drop_column('voided_at')
