"""transparency log

The journal's hash chain and its single head row become an RFC 9162 Merkle tree: entries take their sequence
number from the database (no row every writer locks), ``journal_node`` keeps the tree's perfect subtrees and
``journal_checkpoint`` its signed checkpoints. Existing entries are checked link by link against the old chain
(a broken chain stops the upgrade, so a tampered history is never sealed as if it were sound) and placed in the
tree in their old order; the first ``halal-trace journal seal`` signs a checkpoint of them.

Revision ID: 0008_transparency_log
Revises: 0007_canonical_identifiers
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from traceability import merkle
from traceability.journal import EntryFields, digest

revision: str = '0008_transparency_log'
down_revision: str | None = '0007_canonical_identifiers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = '0' * 64
_entry = sa.table(
    'journal_entry',
    *(sa.column(c) for c in ('seq', 'at', 'actor', 'actor_id', 'business_id', 'action', 'subject',
                             'payload_digest')),
    sa.column('payload', sa.JSON), sa.column('leaf_index', sa.Integer),
    sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
)
_node = sa.table('journal_node', sa.column('level', sa.Integer), sa.column('idx', sa.BigInteger),
                 sa.column('hash', sa.String))


def _chain_hash(row, prev: str) -> str:
    """The old chain's hash of an entry (seq, at, actor, action, subject, payload digest, previous hash)."""
    return digest([row.seq, row.at, row.actor, row.action, row.subject, row.payload_digest, prev])


def upgrade() -> None:
    connection = op.get_bind()
    op.create_table('journal_node',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('level >= 0 AND idx >= 0', name=op.f('ck_journal_node_position_not_negative')),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_journal_node'))
    )
    op.create_table('journal_checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_journal_checkpoint'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaf_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_journal_entry_leaf_index'), ['leaf_index'])

    rows = connection.execute(sa.select(_entry).order_by(_entry.c.seq))
    prev, tree, placed, nodes = GENESIS, merkle.CompactRange(), [], []
    for row in rows:
        if digest(row.payload) != row.payload_digest or row.prev_hash != prev or _chain_hash(row, prev) != row.hash:
            raise RuntimeError(f'The journal chain is broken at entry {row.seq}: restore a sound copy, then upgrade.')
        prev = row.hash
        fields = EntryFields(row.seq, row.at, row.actor, row.actor_id, row.business_id, row.action, row.subject,
                             row.payload_digest)
        placed.append({'k': row.seq, 'leaf_index': tree.size})
        nodes.extend({'level': lv, 'idx': i, 'hash': h.hex()} for lv, i, h in tree.append(fields.leaf()))
    head = connection.execute(sa.text('SELECT last_seq, last_hash FROM journal_head WHERE id = 1')).one_or_none()
    if head is not None and (head.last_seq, head.last_hash) != ((placed[-1]['k'] if placed else 0), prev):
        raise RuntimeError('The journal head does not name the last entry: restore a sound copy, then upgrade.')
    if nodes:
        connection.execute(sa.insert(_node), nodes)
        connection.execute(
            sa.update(_entry).where(_entry.c.seq == sa.bindparam('k')).values(leaf_index=sa.bindparam('leaf_index')),
            placed,
        )

    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_constraint('uq_journal_entry_hash', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    op.drop_table('journal_head')
    if connection.dialect.name == 'postgresql':
        # The sequence a SERIAL column would have, starting above the entries already there.
        op.execute('CREATE SEQUENCE journal_entry_seq_seq OWNED BY journal_entry.seq')
        op.execute("SELECT setval('journal_entry_seq_seq', COALESCE((SELECT max(seq) FROM journal_entry), 0) + 1, false)")
        op.execute("ALTER TABLE journal_entry ALTER COLUMN seq SET DEFAULT nextval('journal_entry_seq_seq')")


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == 'postgresql':
        op.execute('ALTER TABLE journal_entry ALTER COLUMN seq DROP DEFAULT')
        op.execute('DROP SEQUENCE journal_entry_seq_seq')
    op.create_table('journal_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_journal_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_head'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    # The chain again, in sequence order (entries the tree never sealed included).
    prev, last, links = GENESIS, 0, []
    for row in connection.execute(sa.select(_entry).order_by(_entry.c.seq)):
        h = _chain_hash(row, prev)
        links.append({'k': row.seq, 'prev_hash': prev, 'hash': h})
        prev, last = h, row.seq
    if links:
        connection.execute(
            sa.update(_entry).where(_entry.c.seq == sa.bindparam('k'))
            .values(prev_hash=sa.bindparam('prev_hash'), hash=sa.bindparam('hash')),
            links,
        )
    connection.execute(sa.text('INSERT INTO journal_head (id, last_seq, last_hash) VALUES (1, :s, :h)'),
                       {'s': last, 'h': prev})
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_journal_entry_hash', ['hash'])
        batch_op.drop_constraint(batch_op.f('uq_journal_entry_leaf_index'), type_='unique')
        batch_op.drop_column('leaf_index')
    op.drop_table('journal_checkpoint')
    op.drop_table('journal_node')
