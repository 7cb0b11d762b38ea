"""Letters: trust and school template versions, letter batches and letters, each PDF in object storage.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:50:02.492628
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trust_letter_templates',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_trust_letter_templates_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'kind', 'version', name=op.f('pk_trust_letter_templates'))
    )
    op.create_table('letter_batches',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('letters', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('storage_version', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_letter_batches_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_letter_batches'))
    )
    op.create_table('school_letter_templates',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_letter_templates_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'kind', 'version', name=op.f('pk_school_letter_templates'))
    )
    op.create_table('letters',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('letter_date', sa.Date(), nullable=False),
    sa.Column('template_source', sa.String(length=10), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('template_sha256', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('storage_version', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id', 'batch_id'], ['letter_batches.school_id', 'letter_batches.id'], name=op.f('fk_letters_school_id_batch_id_letter_batches')),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupils.school_id', 'pupils.id'], name=op.f('fk_letters_school_id_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_letters_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_letters'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index('ix_letters_school_id_batch_id', ['school_id', 'batch_id'], unique=False)
        batch_op.create_index('ix_letters_school_id_pupil_id', ['school_id', 'pupil_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        for table in ("school_letter_templates", "letter_batches", "letters"):
            rls.protect_tenant_table(table)
        # A template change or reset is a new version; a letter sent to a family is a record.
        for table in ("trust_letter_templates", "school_letter_templates", "letter_batches", "letters"):
            rls.refuse(table, "UPDATE OR DELETE")


def downgrade() -> None:
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index('ix_letters_school_id_pupil_id')
        batch_op.drop_index('ix_letters_school_id_batch_id')

    op.drop_table('letters')
    op.drop_table('school_letter_templates')
    op.drop_table('letter_batches')
    op.drop_table('trust_letter_templates')
