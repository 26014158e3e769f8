"""rules facts

Revision ID: 0002
Revises: 0001

Facts the halal rules read: fraud revocations, tools and their bristles, storage labelling,
non-conforming batches, product technology and preservation; stored assessment bodies with a
stale flag; admin-set reference data versions. Existing rows get the defaults the models use.
Create Date: 2026-11-27 23:24:11.909247
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reference_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=50), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_reference_version_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_version')),
    sa.UniqueConstraint('version', name=op.f('uq_reference_version_version'))
    )
    op.create_table('facility_tool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('animal_hair', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_tool_facility_id_facility'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_tool'))
    )
    with op.batch_alter_table('facility_tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_tool_facility_id'), ['facility_id'], unique=False)

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('stale', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_assessment_stale'), ['stale'], unique=False)

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('non_conforming', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('released', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('recalled_on', sa.Date(), nullable=True))

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fraud', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('status_reason', sa.String(length=500), nullable=True))

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technology', sa.Enum('manual', 'semi_automatic', 'industrial', name='technology', native_enum=False, length=32), nullable=True))
        batch_op.add_column(sa.Column('preservation', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))

    with op.batch_alter_table('storage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('labelled', sa.Boolean(), nullable=False, server_default=sa.true()))



def downgrade() -> None:
    with op.batch_alter_table('storage', schema=None) as batch_op:
        batch_op.drop_column('labelled')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_column('preservation')
        batch_op.drop_column('technology')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('status_reason')
        batch_op.drop_column('fraud')

    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_column('recalled_on')
        batch_op.drop_column('released')
        batch_op.drop_column('non_conforming')

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_stale'))
        batch_op.drop_column('stale')
        batch_op.drop_column('body')

    with op.batch_alter_table('facility_tool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_tool_facility_id'))

    op.drop_table('facility_tool')
    op.drop_table('reference_version')
