"""epcis repository

The EPCIS 2.0 repository: captured events as written, the identifiers they name (for MATCH_* queries), capture
jobs and named queries.

Revision ID: 0015_epcis_repository
Revises: 0014_webhooks
Create Date: 2026-12-02 08:57:20.898246
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_epcis_repository'
down_revision: str | None = '0014_webhooks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('epcis_capture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.String(length=40), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('behaviour', sa.String(length=10), nullable=False),
    sa.Column('document', sa.JSON(), nullable=True),
    sa.Column('running', sa.Boolean(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('captured', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_epcis_capture_business_id_business')),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_epcis_capture_created_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_capture')),
    sa.UniqueConstraint('capture_id', name=op.f('uq_epcis_capture_capture_id'))
    )
    with op.batch_alter_table('epcis_capture', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_capture_business_id'), ['business_id'], unique=False)

    op.create_table('epcis_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_epcis_query_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_query')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_epcis_query_user_id_name'))
    )
    op.create_table('epcis_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.String(length=500), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('record_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=True),
    sa.Column('biz_step', sa.String(length=500), nullable=True),
    sa.Column('disposition', sa.String(length=500), nullable=True),
    sa.Column('read_point', sa.String(length=500), nullable=True),
    sa.Column('biz_location', sa.String(length=500), nullable=True),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_epcis_event_business_id_business')),
    sa.ForeignKeyConstraint(['capture_id'], ['epcis_capture.id'], name=op.f('fk_epcis_event_capture_id_epcis_capture')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_event')),
    sa.UniqueConstraint('business_id', 'event_id', name=op.f('uq_epcis_event_business_id_event_id'))
    )
    with op.batch_alter_table('epcis_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_event_capture_id'), ['capture_id'], unique=False)
        batch_op.create_index('ix_epcis_event_event_time', ['business_id', 'event_time', 'id'], unique=False)
        batch_op.create_index('ix_epcis_event_record_time', ['business_id', 'record_time', 'id'], unique=False)

    op.create_table('epcis_event_epc',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_pk', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('canonical', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['event_pk'], ['epcis_event.id'], name=op.f('fk_epcis_event_epc_event_pk_epcis_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_event_epc'))
    )
    with op.batch_alter_table('epcis_event_epc', schema=None) as batch_op:
        batch_op.create_index('ix_epcis_event_epc_canonical', ['canonical', 'role'], unique=False)
        batch_op.create_index(batch_op.f('ix_epcis_event_epc_event_pk'), ['event_pk'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('epcis_event_epc', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_epcis_event_epc_event_pk'))
        batch_op.drop_index('ix_epcis_event_epc_canonical')

    op.drop_table('epcis_event_epc')
    with op.batch_alter_table('epcis_event', schema=None) as batch_op:
        batch_op.drop_index('ix_epcis_event_record_time')
        batch_op.drop_index('ix_epcis_event_event_time')
        batch_op.drop_index(batch_op.f('ix_epcis_event_capture_id'))

    op.drop_table('epcis_event')
    op.drop_table('epcis_query')
    with op.batch_alter_table('epcis_capture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_epcis_capture_business_id'))

    op.drop_table('epcis_capture')
