"""programmes

Training programmes with participants and their pendamping; marketplace listings of products with
the first request their page made; registry fields of a business; the words businesses are found by
(filled here for the businesses already registered).

Revision ID: 0004_programmes
Revises: 0002
Create Date: 2026-11-28 00:13:55.397306
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceability.formats.registry_csv import search_tokens


revision: str = '0004_programmes'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('business_search_token',
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_business_search_token_business_id_business'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('business_id', 'token', name=op.f('pk_business_search_token'))
    )
    with op.batch_alter_table('business_search_token', schema=None) as batch_op:
        batch_op.create_index('ix_business_search_token_token_business', ['token', 'business_id'], unique=False)

    op.create_table('product_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_product_listing_business_id_business')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_listing_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_listing')),
    sa.UniqueConstraint('product_id', 'url', name=op.f('uq_product_listing_product_id_url'))
    )
    with op.batch_alter_table('product_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_listing_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_listing_host'), ['host'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_listing_product_id'), ['product_id'], unique=False)

    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('coordinator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_programme_ends_after_start')),
    sa.ForeignKeyConstraint(['coordinator_id'], ['user_account.id'], name=op.f('fk_programme_coordinator_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_coordinator_id'), ['coordinator_id'], unique=False)

    op.create_table('programme_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('in_person', 'online', name='programmemode', native_enum=False, length=32), nullable=False),
    sa.Column('pendamping_id', sa.Integer(), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_programme_participant_business_id_business')),
    sa.ForeignKeyConstraint(['pendamping_id'], ['user_account.id'], name=op.f('fk_programme_participant_pendamping_id_user_account')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_participant_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_participant')),
    sa.UniqueConstraint('programme_id', 'business_id', name=op.f('uq_programme_participant_programme_id_business_id'))
    )
    with op.batch_alter_table('programme_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_participant_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_participant_pendamping_id'), ['pendamping_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_participant_programme_id'), ['programme_id'], unique=False)

    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('kelurahan', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('kecamatan', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('kbli', sa.String(length=5), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name, nib FROM business")).all()
    tokens = [{"business_id": i, "token": t} for i, name, nib in rows for t in sorted(search_tokens(name, nib))]
    if tokens:
        connection.execute(sa.text("INSERT INTO business_search_token (business_id, token) VALUES (:business_id, :token)"),
                           tokens)


def downgrade() -> None:
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.drop_column('kbli')
        batch_op.drop_column('phone')
        batch_op.drop_column('city')
        batch_op.drop_column('kecamatan')
        batch_op.drop_column('kelurahan')
        batch_op.drop_column('owner')

    with op.batch_alter_table('programme_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_participant_programme_id'))
        batch_op.drop_index(batch_op.f('ix_programme_participant_pendamping_id'))
        batch_op.drop_index(batch_op.f('ix_programme_participant_business_id'))

    op.drop_table('programme_participant')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_coordinator_id'))

    op.drop_table('programme')
    with op.batch_alter_table('product_listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_listing_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_listing_host'))
        batch_op.drop_index(batch_op.f('ix_product_listing_business_id'))

    op.drop_table('product_listing')
    with op.batch_alter_table('business_search_token', schema=None) as batch_op:
        batch_op.drop_index('ix_business_search_token_token_business')

    op.drop_table('business_search_token')
