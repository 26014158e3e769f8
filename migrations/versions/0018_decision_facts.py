"""decision facts

A review decision keeps a compact snapshot of the facts it was made on, so a later review shows what changed since.

Revision ID: 0018_decision_facts
Revises: 0017_password_reset
Create Date: 2026-12-02 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0018_decision_facts'
down_revision: str | None = '0017_password_reset'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_column('facts')
