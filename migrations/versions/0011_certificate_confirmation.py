"""certificate confirmation

Snapshots of the BPJPH certificate register (source, snapshot date, who imported it, how many entries) and their
entries, keyed by canonical certificate number; auditors' checks of certificates against their scans, per
certificate identity (canonical issuer and number).

Revision ID: 0011_certificate_confirmation
Revises: 0006_certificate_evidence
Create Date: 2026-12-02 01:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011_certificate_confirmation'
down_revision: str | None = '0006_certificate_evidence'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('register_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('snapshot_date', sa.Date(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('row_count >= 0', name=op.f('ck_register_snapshot_row_count_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_snapshot')),
    sa.UniqueConstraint('source', 'snapshot_date', name=op.f('uq_register_snapshot_source_snapshot_date'))
    )
    op.create_table('register_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('holder_name', sa.String(length=300), nullable=False),
    sa.Column('holder_nib', sa.String(length=13), nullable=True),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', 'expired', name='registerstatus', native_enum=False, length=32), nullable=False),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= issued_on', name=op.f('ck_register_entry_valid_after_issue')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['register_snapshot.id'], name=op.f('fk_register_entry_snapshot_id_register_snapshot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_entry')),
    sa.UniqueConstraint('snapshot_id', 'number', name=op.f('uq_register_entry_snapshot_id_number'))
    )
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_entry_number'), ['number'], unique=False)
    op.create_table('certificate_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_certificate_check_decided_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_check'))
    )
    with op.batch_alter_table('certificate_check', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_check_identity', ['number', 'issuer'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificate_check', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_check_identity')
    op.drop_table('certificate_check')
    with op.batch_alter_table('register_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_entry_number'))
    op.drop_table('register_entry')
    op.drop_table('register_snapshot')
