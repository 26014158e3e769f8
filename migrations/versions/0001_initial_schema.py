"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 23:01:17.367630
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('business',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nib', sa.String(length=13), nullable=False),
    sa.Column('scale', sa.Enum('micro', 'small', 'medium', 'large', name='businessscale', native_enum=False, length=32), nullable=False),
    sa.Column('annual_turnover_idr', sa.BigInteger(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('supervisor_name', sa.String(length=200), nullable=True),
    sa.Column('supervisor_muslim', sa.Boolean(), nullable=True),
    sa.Column('supervisor_trained_on', sa.Date(), nullable=True),
    sa.Column('sjph_last_training_on', sa.Date(), nullable=True),
    sa.Column('sjph_last_internal_audit_on', sa.Date(), nullable=True),
    sa.Column('sjph_last_management_review_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('annual_turnover_idr IS NULL OR annual_turnover_idr >= 0', name=op.f('ck_business_turnover_positive')),
    sa.CheckConstraint('length(nib) = 13', name=op.f('ck_business_nib_13_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business')),
    sa.UniqueConstraint('nib', name=op.f('uq_business_nib'))
    )
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_region'), ['region'], unique=False)

    op.create_table('journal_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_journal_head_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_head'))
    )
    # The chain's head row exists from the start: appends only ever update it.
    op.bulk_insert(
        sa.table('journal_head', sa.column('id', sa.Integer), sa.column('last_seq', sa.Integer),
                 sa.column('last_hash', sa.String)),
        [{'id': 1, 'last_seq': 0, 'last_hash': '0' * 64}],
    )
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('ingredient', 'additive', 'processing_aid', 'packaging', 'cleaning_agent', 'lubricant', name='materialkind', native_enum=False, length=32), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=True),
    sa.Column('origin', sa.Enum('plant', 'animal', 'aquatic', 'insect', 'microbial', 'mineral', 'synthetic', 'human', 'unknown', name='origin', native_enum=False, length=32), nullable=False),
    sa.Column('species', sa.String(length=100), nullable=True),
    sa.Column('source_detail', sa.String(length=300), nullable=True),
    sa.Column('e_number', sa.String(length=10), nullable=True),
    sa.Column('state', sa.Enum('fresh', 'physically_processed', 'processed', name='materialstate', native_enum=False, length=32), nullable=True),
    sa.Column('positive_list', sa.Boolean(), nullable=False),
    sa.Column('is_khamr', sa.Boolean(), nullable=False),
    sa.Column('ethanol_source', sa.Enum('none', 'synthetic', 'non_khamr_fermentation', 'khamr_industry', 'unknown', name='ethanolsource', native_enum=False, length=32), nullable=False),
    sa.Column('growth_medium', sa.String(length=100), nullable=True),
    sa.Column('food_contact', sa.Boolean(), nullable=True),
    sa.Column('slaughter_muslim_slaughterer', sa.Boolean(), nullable=True),
    sa.Column('slaughter_stunning', sa.Enum('none', 'non_lethal', 'lethal', name='stunning', native_enum=False, length=32), nullable=True),
    sa.Column('slaughter_alive', sa.Boolean(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_material_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_material_business_id_ref'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_business_id'), ['business_id'], unique=False)

    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('brand', sa.String(length=200), nullable=True),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('is_beverage', sa.Boolean(), nullable=False),
    sa.Column('fermented', sa.Boolean(), nullable=False),
    sa.Column('measured_ethanol_pct', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('shape', sa.String(length=300), nullable=True),
    sa.Column('flavour_profile', sa.JSON(), nullable=False),
    sa.Column('halal_claim', sa.Boolean(), nullable=False),
    sa.Column('declared_non_halal', sa.Boolean(), nullable=False),
    sa.Column('label_halal_logo', sa.Boolean(), nullable=False),
    sa.Column('label_printed_number', sa.String(length=100), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('application_route', sa.Enum('regular', 'self_declare', name='applicationroute', native_enum=False, length=32), nullable=True),
    sa.Column('pendamping_name', sa.String(length=200), nullable=True),
    sa.Column('pendamping_registration_no', sa.String(length=100), nullable=True),
    sa.Column('pendamping_verified_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('measured_ethanol_pct IS NULL OR (measured_ethanol_pct >= 0 AND measured_ethanol_pct <= 100)', name=op.f('ck_product_ethanol_percentage')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_product_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_product_business_id_ref')),
    sa.UniqueConstraint('gtin', name=op.f('uq_product_gtin'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_certificate_id'), ['certificate_id'], unique=False)

    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('manufacturer', 'slaughterhouse', 'poultry_slaughterhouse', 'market', 'farm', 'importer', 'business', name='supplierkind', native_enum=False, length=32), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('nib', sa.String(length=13), nullable=True),
    sa.Column('supplier_business_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_supplier_business_id_business')),
    sa.ForeignKeyConstraint(['supplier_business_id'], ['business.id'], name=op.f('fk_supplier_supplier_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_supplier_business_id_ref'))
    )
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_supplier_business_id'), ['supplier_business_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('producer', 'pendamping', 'auditor', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_user_account_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_business_id'), ['business_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('kh_number', sa.String(length=100), nullable=True),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('scheme', sa.Enum('regular', 'self_declare', 'foreign', 'legacy_mui', name='certificatescheme', native_enum=False, length=32), nullable=False),
    sa.Column('holder_supplier_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('active', 'suspended', 'revoked', name='certificatestatus', native_enum=False, length=32), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=True),
    sa.Column('shln_registration', sa.String(length=100), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('valid_until IS NULL OR valid_until >= issued_on', name=op.f('ck_certificate_valid_after_issue')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_certificate_business_id_business')),
    sa.ForeignKeyConstraint(['holder_supplier_id'], ['supplier.id'], name=op.f('fk_certificate_holder_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_certificate_business_id_ref'))
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_holder_supplier_id'), ['holder_supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_number'), ['number'], unique=False)

    # product <-> certificate refer to each other: add this key once both tables exist.
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_product_certificate_id_certificate'), 'certificate',
                                    ['certificate_id'], ['id'])

    op.create_table('facility',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('production', 'outlet', 'storage', 'vehicle', 'external_service', name='facilitykind', native_enum=False, length=32), nullable=False),
    sa.Column('owner_supplier_id', sa.Integer(), nullable=True),
    sa.Column('dedicated_halal', sa.Boolean(), nullable=False),
    sa.Column('shared_cleaning', sa.Boolean(), nullable=False),
    sa.Column('shared_tool_storage', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_facility_business_id_business')),
    sa.ForeignKeyConstraint(['owner_supplier_id'], ['supplier.id'], name=op.f('fk_facility_owner_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_facility_business_id_ref'))
    )
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_facility_owner_supplier_id'), ['owner_supplier_id'], unique=False)

    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=True),
    sa.Column('response_headers', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_record_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_record_user_id_key'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_user_id'), ['user_id'], unique=False)

    op.create_table('journal_entry',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('business_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_digest', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_journal_entry_actor_id_user_account')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_journal_entry_business_id_business')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_journal_entry')),
    sa.UniqueConstraint('hash', name=op.f('uq_journal_entry_hash'))
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_entry_subject'), ['subject'], unique=False)

    op.create_table('material_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('spec_sheet', 'source_statement', 'lab_test', 'pork_free_statement', name='evidencetype', native_enum=False, length=32), nullable=False),
    sa.Column('says', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_evidence_material_id_material'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_evidence'))
    )
    with op.batch_alter_table('material_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_evidence_material_id'), ['material_id'], unique=False)

    op.create_table('material_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('input_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('material_id <> input_id', name=op.f('ck_material_input_not_self')),
    sa.ForeignKeyConstraint(['input_id'], ['material.id'], name=op.f('fk_material_input_input_id_material')),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_input_material_id_material'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_input')),
    sa.UniqueConstraint('material_id', 'input_id', name=op.f('uq_material_input_material_id_input_id'))
    )
    with op.batch_alter_table('material_input', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_input_input_id'), ['input_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_input_material_id'), ['material_id'], unique=False)

    op.create_table('pendamping_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pendamping_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_pendamping_assignment_business_id_business')),
    sa.ForeignKeyConstraint(['pendamping_id'], ['user_account.id'], name=op.f('fk_pendamping_assignment_pendamping_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pendamping_assignment')),
    sa.UniqueConstraint('pendamping_id', 'business_id', name=op.f('uq_pendamping_assignment_pendamping_id_business_id'))
    )
    with op.batch_alter_table('pendamping_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pendamping_assignment_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pendamping_assignment_pendamping_id'), ['pendamping_id'], unique=False)

    op.create_table('product_composition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_product_composition_material_id_material')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_product_composition_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_composition')),
    sa.UniqueConstraint('product_id', 'material_id', name=op.f('uq_product_composition_product_id_material_id'))
    )
    with op.batch_alter_table('product_composition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_composition_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_composition_product_id'), ['product_id'], unique=False)

    op.create_table('certificate_scope',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(material_id IS NULL) <> (product_id IS NULL)', name=op.f('ck_certificate_scope_material_or_product')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_scope_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_certificate_scope_material_id_material')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_certificate_scope_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_scope'))
    )
    with op.batch_alter_table('certificate_scope', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_scope_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_scope_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_scope_product_id'), ['product_id'], unique=False)

    op.create_table('facility_cleansing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('sertu_7x_with_soil', 'sertu_7x_with_substitute', 'wash_until_clean', name='cleansingmethod', native_enum=False, length=32), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_cleansing_facility_id_facility'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_cleansing'))
    )
    with op.batch_alter_table('facility_cleansing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_cleansing_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_najis_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('mughallazah', 'mutawassitah', 'mukhaffafah', name='najiskind', native_enum=False, length=32), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_najis_contact_facility_id_facility'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_najis_contact'))
    )
    with op.batch_alter_table('facility_najis_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_najis_contact_facility_id'), ['facility_id'], unique=False)

    op.create_table('facility_sharing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product', sa.String(length=300), nullable=False),
    sa.Column('halal', sa.Boolean(), nullable=True),
    sa.Column('alternate_use', sa.Boolean(), nullable=False),
    sa.Column('separated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_facility_sharing_facility_id_facility'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facility_sharing'))
    )
    with op.batch_alter_table('facility_sharing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facility_sharing_facility_id'), ['facility_id'], unique=False)

    op.create_table('production_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('process', sa.String(length=100), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('equipment', sa.String(length=300), nullable=True),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_production_step_business_id_business')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_production_step_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_production_step')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_production_step_business_id_ref'))
    )
    with op.batch_alter_table('production_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_production_step_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_production_step_facility_id'), ['facility_id'], unique=False)

    op.create_table('storage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_storage_business_id_business')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_storage_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage'))
    )
    with op.batch_alter_table('storage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storage_facility_id'), ['facility_id'], unique=False)

    op.create_table('transport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('with_non_halal', sa.Boolean(), nullable=False),
    sa.Column('packaged', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_transport_business_id_business')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_transport_facility_id_facility')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport'))
    )
    with op.batch_alter_table('transport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_facility_id'), ['facility_id'], unique=False)

    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot_code', sa.String(length=100), nullable=False),
    sa.Column('produced_on', sa.Date(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_batch_business_id_business')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_batch_product_id_product')),
    sa.ForeignKeyConstraint(['step_id'], ['production_step.id'], name=op.f('fk_batch_step_id_production_step')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_batch_business_id_ref')),
    sa.UniqueConstraint('product_id', 'lot_code', name=op.f('uq_batch_product_id_lot_code'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_batch_step_id'), ['step_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('ok', 'advisory', 'needs_evidence', 'violation', name='severity', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('halal_verified', 'pending', 'not_halal', name='halalstatus', native_enum=False, length=32), nullable=False),
    sa.Column('ruleset', sa.String(length=100), nullable=False),
    sa.Column('graph_digest', sa.String(length=64), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('self_declare', sa.JSON(), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_assessment_batch_id_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_assessment_batch_id'))
    )
    op.create_table('material_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=100), nullable=True),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('lot_code', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('source_batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity IS NULL OR quantity >= 0', name=op.f('ck_material_lot_quantity_not_negative')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_material_lot_business_id_business')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_material_lot_certificate_id_certificate')),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_lot_material_id_material')),
    sa.ForeignKeyConstraint(['source_batch_id'], ['batch.id'], name=op.f('fk_material_lot_source_batch_id_batch')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_material_lot_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_lot')),
    sa.UniqueConstraint('business_id', 'ref', name=op.f('uq_material_lot_business_id_ref'))
    )
    with op.batch_alter_table('material_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_lot_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_lot_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_lot_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_lot_source_batch_id'), ['source_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_lot_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('submitted', 'in_review', 'changes_requested', 'approved', 'rejected', name='reviewstate', native_enum=False, length=32), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['user_account.id'], name=op.f('fk_review_assigned_to_id_user_account')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_review_batch_id_batch')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_review_business_id_business')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_review_product_id_product')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_review_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review'))
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_state'), ['state'], unique=False)

    op.create_table('transport_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transport_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_transport_item_batch_id_batch')),
    sa.ForeignKeyConstraint(['transport_id'], ['transport.id'], name=op.f('fk_transport_item_transport_id_transport'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_item')),
    sa.UniqueConstraint('transport_id', 'batch_id', name=op.f('uq_transport_item_transport_id_batch_id'))
    )
    with op.batch_alter_table('transport_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transport_item_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_item_transport_id'), ['transport_id'], unique=False)

    op.create_table('verification_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_verification_code_batch_id_batch')),
    sa.ForeignKeyConstraint(['business_id'], ['business.id'], name=op.f('fk_verification_code_business_id_business')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_code')),
    sa.UniqueConstraint('code', name=op.f('uq_verification_code_code'))
    )
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_code_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_code_business_id'), ['business_id'], unique=False)

    op.create_table('review_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('graph_digest', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_review_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_review_event_review_id_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_event'))
    )
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_event_review_id'), ['review_id'], unique=False)

    op.create_table('step_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=18, scale=6), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.CheckConstraint('(lot_id IS NULL) <> (batch_id IS NULL)', name=op.f('ck_step_input_lot_or_batch')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_step_input_batch_id_batch')),
    sa.ForeignKeyConstraint(['lot_id'], ['material_lot.id'], name=op.f('fk_step_input_lot_id_material_lot')),
    sa.ForeignKeyConstraint(['step_id'], ['production_step.id'], name=op.f('fk_step_input_step_id_production_step'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_input')),
    sa.UniqueConstraint('step_id', 'batch_id', name=op.f('uq_step_input_step_id_batch_id')),
    sa.UniqueConstraint('step_id', 'lot_id', name=op.f('uq_step_input_step_id_lot_id'))
    )
    with op.batch_alter_table('step_input', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_input_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_input_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_step_input_step_id'), ['step_id'], unique=False)

    op.create_table('storage_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('storage_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(lot_id IS NULL) <> (batch_id IS NULL)', name=op.f('ck_storage_item_lot_or_batch')),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_storage_item_batch_id_batch')),
    sa.ForeignKeyConstraint(['lot_id'], ['material_lot.id'], name=op.f('fk_storage_item_lot_id_material_lot')),
    sa.ForeignKeyConstraint(['storage_id'], ['storage.id'], name=op.f('fk_storage_item_storage_id_storage'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_item'))
    )
    with op.batch_alter_table('storage_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_item_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storage_item_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storage_item_storage_id'), ['storage_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_product_certificate_id_certificate'), type_='foreignkey')
    with op.batch_alter_table('storage_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_item_storage_id'))
        batch_op.drop_index(batch_op.f('ix_storage_item_lot_id'))
        batch_op.drop_index(batch_op.f('ix_storage_item_batch_id'))

    op.drop_table('storage_item')
    with op.batch_alter_table('step_input', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_input_step_id'))
        batch_op.drop_index(batch_op.f('ix_step_input_lot_id'))
        batch_op.drop_index(batch_op.f('ix_step_input_batch_id'))

    op.drop_table('step_input')
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_event_review_id'))

    op.drop_table('review_event')
    with op.batch_alter_table('verification_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_code_business_id'))
        batch_op.drop_index(batch_op.f('ix_verification_code_batch_id'))

    op.drop_table('verification_code')
    with op.batch_alter_table('transport_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_item_transport_id'))
        batch_op.drop_index(batch_op.f('ix_transport_item_batch_id'))

    op.drop_table('transport_item')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_state'))
        batch_op.drop_index(batch_op.f('ix_review_product_id'))
        batch_op.drop_index(batch_op.f('ix_review_business_id'))
        batch_op.drop_index(batch_op.f('ix_review_batch_id'))

    op.drop_table('review')
    with op.batch_alter_table('material_lot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_lot_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_material_lot_source_batch_id'))
        batch_op.drop_index(batch_op.f('ix_material_lot_material_id'))
        batch_op.drop_index(batch_op.f('ix_material_lot_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_material_lot_business_id'))

    op.drop_table('material_lot')
    op.drop_table('assessment')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_step_id'))
        batch_op.drop_index(batch_op.f('ix_batch_product_id'))
        batch_op.drop_index(batch_op.f('ix_batch_business_id'))

    op.drop_table('batch')
    with op.batch_alter_table('transport', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transport_facility_id'))
        batch_op.drop_index(batch_op.f('ix_transport_business_id'))

    op.drop_table('transport')
    with op.batch_alter_table('storage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_facility_id'))
        batch_op.drop_index(batch_op.f('ix_storage_business_id'))

    op.drop_table('storage')
    with op.batch_alter_table('production_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_production_step_facility_id'))
        batch_op.drop_index(batch_op.f('ix_production_step_business_id'))

    op.drop_table('production_step')
    with op.batch_alter_table('facility_sharing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_sharing_facility_id'))

    op.drop_table('facility_sharing')
    with op.batch_alter_table('facility_najis_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_najis_contact_facility_id'))

    op.drop_table('facility_najis_contact')
    with op.batch_alter_table('facility_cleansing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_cleansing_facility_id'))

    op.drop_table('facility_cleansing')
    with op.batch_alter_table('certificate_scope', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_scope_product_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_scope_material_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_scope_certificate_id'))

    op.drop_table('certificate_scope')
    with op.batch_alter_table('product_composition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_composition_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_composition_material_id'))

    op.drop_table('product_composition')
    with op.batch_alter_table('pendamping_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pendamping_assignment_pendamping_id'))
        batch_op.drop_index(batch_op.f('ix_pendamping_assignment_business_id'))

    op.drop_table('pendamping_assignment')
    with op.batch_alter_table('material_input', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_input_material_id'))
        batch_op.drop_index(batch_op.f('ix_material_input_input_id'))

    op.drop_table('material_input')
    with op.batch_alter_table('material_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_evidence_material_id'))

    op.drop_table('material_evidence')
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entry_subject'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_business_id'))
        batch_op.drop_index(batch_op.f('ix_journal_entry_actor_id'))

    op.drop_table('journal_entry')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_user_id'))

    op.drop_table('idempotency_record')
    with op.batch_alter_table('facility', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_facility_owner_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_facility_business_id'))

    op.drop_table('facility')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_number'))
        batch_op.drop_index(batch_op.f('ix_certificate_holder_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_business_id'))

    op.drop_table('certificate')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_business_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_supplier_business_id'))
        batch_op.drop_index(batch_op.f('ix_supplier_business_id'))

    op.drop_table('supplier')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_product_business_id'))

    op.drop_table('product')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_business_id'))

    op.drop_table('material')
    op.drop_table('journal_head')
    with op.batch_alter_table('business', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_region'))

    op.drop_table('business')
