"""password reset by invitation

An invitation may name an existing account (an admin's password reset) instead of a business, and may be revoked.

Revision ID: 0017_password_reset
Revises: 0016_epcis_subscriptions
Create Date: 2026-12-02 09:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0017_password_reset'
down_revision: str | None = '0016_epcis_subscriptions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('business_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_invitation_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_invitation_user_id_user_account'), 'user_account', ['user_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invitation_user_id_user_account'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invitation_user_id'))
        batch_op.alter_column('business_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('user_id')
