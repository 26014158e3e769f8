"""record evidence

Files that back a lot, a production step or the business's SJPH records (lab results, supplier statements,
photos), named by their record's graph node; the content is kept once under its sha256 with the scans.

Revision ID: 0013_record_evidence
Revises: 0012_public_answer
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_record_evidence'
down_revision: str | None = '0012_public_answer'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('record_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('says', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_record_evidence_business_id_business')),
    sa.ForeignKeyConstraint(['sha256'], ['certificate_evidence.sha256'], name=op.f('fk_record_evidence_sha256_certificate_evidence')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_evidence'))
    )
    op.create_index(op.f('ix_record_evidence_business_id'), 'record_evidence', ['business_id'], unique=False)
    op.create_index(op.f('ix_record_evidence_subject'), 'record_evidence', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_record_evidence_subject'), table_name='record_evidence')
    op.drop_index(op.f('ix_record_evidence_business_id'), table_name='record_evidence')
    op.drop_table('record_evidence')
