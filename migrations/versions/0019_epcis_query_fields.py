"""epcis query fields

What the remaining standard query parameters compare, filed beside each event: ``epcis_event_epc.qualifier`` (a
bizTransaction's, source's or destination's type, with the new roles ``bizTx``, ``source``, ``dest`` and the
sensor attributes ``s:type``, ``s:device`` ...), ``epcis_event_number`` (quantities and sensor values, with their
unit) and ``epcis_location_child`` (the location hierarchy of captured master data, for ``WD_bizLocation`` and
``WD_readPoint``). Events already captured are filed here from their stored bodies; their documents' master data
was not kept, so their hierarchy starts with the next capture that names it.

Revision ID: 0019_epcis_query_fields
Revises: 0018_decision_facts
Create Date: 2026-12-02 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceability.formats.epcis_query import canonical_epc, event_fields

revision: str = '0019_epcis_query_fields'
down_revision: str | None = '0018_decision_facts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

URI = 500
BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table('epcis_event_epc', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualifier', sa.String(length=URI), nullable=True))
    op.create_table('epcis_event_number',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_pk', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=12), nullable=False),
    sa.Column('uom', sa.String(length=10), nullable=True),
    sa.Column('number', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['event_pk'], ['epcis_event.id'], name=op.f('fk_epcis_event_number_event_pk_epcis_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_event_number'))
    )
    with op.batch_alter_table('epcis_event_number', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_epcis_event_number_event_pk'), ['event_pk'], unique=False)
        batch_op.create_index('ix_epcis_event_number_field', ['field', 'number'], unique=False)
    op.create_table('epcis_location_child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('vocabulary', sa.String(length=100), nullable=False),
    sa.Column('parent', sa.String(length=URI), nullable=False),
    sa.Column('child', sa.String(length=URI), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_epcis_location_child_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_epcis_location_child')),
    sa.UniqueConstraint('business_id', 'vocabulary', 'parent', 'child', name=op.f('uq_epcis_location_child_business_id_vocabulary_parent_child'))
    )
    _file_stored_events()


def _file_stored_events() -> None:
    """File the typed values and numbers of every event already stored, a batch of events at a time."""
    bind = op.get_bind()
    event = sa.table('epcis_event', sa.column('id', sa.Integer), sa.column('body', sa.JSON))
    epc = sa.table('epcis_event_epc', sa.column('event_pk', sa.Integer), sa.column('role', sa.String),
                   sa.column('value', sa.String), sa.column('canonical', sa.String),
                   sa.column('qualifier', sa.String))
    number = sa.table('epcis_event_number', sa.column('event_pk', sa.Integer), sa.column('field', sa.String),
                      sa.column('uom', sa.String), sa.column('number', sa.Double))
    after = 0
    while True:
        rows = bind.execute(
            sa.select(event.c.id, event.c.body).where(event.c.id > after).order_by(event.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        typed, numbers = [], []
        for row in rows:
            filed = event_fields(row.body if isinstance(row.body, dict) else {})
            typed += [
                {'event_pk': row.id, 'role': role, 'value': value, 'canonical': canonical_epc(value),
                 'qualifier': kind}
                for role, kind, value in filed['typed']
                if len(value) <= URI and len(canonical_epc(value)) <= URI and len(kind or '') <= URI
            ]
            numbers += [
                {'event_pk': row.id, 'field': name, 'uom': unit, 'number': amount}
                for name, unit, amount in filed['numbers']
                if unit is None or len(unit) <= 10
            ]
        if typed:
            bind.execute(epc.insert(), typed)
        if numbers:
            bind.execute(number.insert(), numbers)
        after = rows[-1].id


def downgrade() -> None:
    op.drop_table('epcis_location_child')
    with op.batch_alter_table('epcis_event_number', schema=None) as batch_op:
        batch_op.drop_index('ix_epcis_event_number_field')
        batch_op.drop_index(batch_op.f('ix_epcis_event_number_event_pk'))
    op.drop_table('epcis_event_number')
    op.execute(sa.text("DELETE FROM epcis_event_epc WHERE qualifier IS NOT NULL OR role IN "
                       "('bizTx', 'source', 'dest') OR role LIKE 's:%'"))
    with op.batch_alter_table('epcis_event_epc', schema=None) as batch_op:
        batch_op.drop_column('qualifier')
