"""Interventions: cases per pupil with a graduated stage, their actions, and support plans.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 02:04:43.091813
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_actions',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('restricted', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_case_actions_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_case_actions'))
    )
    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.create_index('ix_case_actions_school_id_case_id', ['school_id', 'case_id'], unique=False)

    op.create_table('cases',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('expect', 'monitor', 'listen_understand', 'facilitate_support', 'formalise_support', 'enforce', name='stage', native_enum=False, length=20), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=False),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_cases_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_school_id_pupil_id', ['school_id', 'pupil_id'], unique=False)
        batch_op.create_index('uq_cases_one_open_per_pupil', ['school_id', 'pupil_id'], unique=True, sqlite_where=sa.text('closed_on IS NULL'), postgresql_where=sa.text('closed_on IS NULL'))

    op.create_table('support_plans',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('working_well', sa.Text(), nullable=False),
    sa.Column('worries', sa.Text(), nullable=False),
    sa.Column('needs_to_happen', sa.Text(), nullable=False),
    sa.Column('smart_actions', sa.JSON(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('review_outcome', sa.String(length=40), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_support_plans_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_support_plans'))
    )
    with op.batch_alter_table('support_plans', schema=None) as batch_op:
        batch_op.create_index('ix_support_plans_school_id_case_id', ['school_id', 'case_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        for table in ("cases", "case_actions", "support_plans"):
            rls.protect_tenant_table(table)
            rls.refuse(table, "DELETE")  # casework is a record: closed, done or reviewed, never removed


def downgrade() -> None:
    with op.batch_alter_table('support_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_support_plans_school_id_case_id')

    op.drop_table('support_plans')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_one_open_per_pupil', sqlite_where=sa.text('closed_on IS NULL'), postgresql_where=sa.text('closed_on IS NULL'))
        batch_op.drop_index('ix_cases_school_id_pupil_id')

    op.drop_table('cases')
    with op.batch_alter_table('case_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_case_actions_school_id_case_id')

    op.drop_table('case_actions')
