"""certificate evidence

Scanned certificates (PDF, JPEG, PNG), stored once per content under their sha256, which
``certificate.evidence_sha256`` names.

Revision ID: 0006_certificate_evidence
Revises: 0005_login_lockout
Create Date: 2026-11-28 01:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006_certificate_evidence'
down_revision: str | None = '0005_login_lockout'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('certificate_evidence',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=50), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size >= 0', name=op.f('ck_certificate_evidence_size_not_negative')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_certificate_evidence'))
    )


def downgrade() -> None:
    op.drop_table('certificate_evidence')
