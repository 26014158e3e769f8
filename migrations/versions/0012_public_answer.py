"""public answer

A precomputed public answer per verification code (the view's JSON text, its ETag, its state and any hold a
revocation put on it), rebuilt in the transaction that changes it, so a scan reads one indexed row. Existing
codes get theirs when ``halal-trace db upgrade`` finishes (``api.migrate``), built by the service's own code.

Revision ID: 0012_public_answer
Revises: 0010_producer_workspace
Create Date: 2026-12-02 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012_public_answer'
down_revision: str | None = '0010_producer_workspace'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('public_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('etag', sa.String(length=80), nullable=False),
    sa.Column('hold', sa.JSON(), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_public_answer_batch_id_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['code_id'], ['verification_code.id'], name=op.f('fk_public_answer_code_id_verification_code'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_answer')),
    sa.UniqueConstraint('code', name=op.f('uq_public_answer_code')),
    sa.UniqueConstraint('code_id', name=op.f('uq_public_answer_code_id'))
    )
    with op.batch_alter_table('public_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_answer_batch_id'), ['batch_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_answer_batch_id'))
    op.drop_table('public_answer')
