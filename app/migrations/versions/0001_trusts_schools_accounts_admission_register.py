"""Trusts, schools, accounts, the admission register, job runs and row-level security.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 07:21:00.206621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

TENANT_TABLES = ("school_counters", "pupils", "pupil_contacts", "pupil_revisions")


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'period', name=op.f('uq_job_runs_job_period'))
    )
    op.create_table('trusts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusts')),
    sa.UniqueConstraint('slug', name=op.f('uq_trusts_slug'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_platform_admin', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('urn', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.Enum('primary', 'secondary', 'special', 'alternative', name='phase', native_enum=False, length=20), nullable=False),
    sa.Column('la_code', sa.String(length=3), nullable=True),
    sa.Column('la_name', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_schools_trust_id_trusts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('urn', name=op.f('uq_schools_urn'))
    )
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_schools_trust_id'), ['trust_id'], unique=False)

    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('trust_leader', 'school_lead', 'staff', 'governor', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(trust_id IS NULL) <> (school_id IS NULL)', name=op.f('ck_memberships_trust_xor_school')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_memberships_school_id_schools')),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_memberships_trust_id_trusts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_trust_id'), ['trust_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('pupils',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('upn', sa.String(length=13), nullable=False),
    sa.Column('legal_surname', sa.String(length=100), nullable=False),
    sa.Column('legal_forename', sa.String(length=100), nullable=False),
    sa.Column('middle_names', sa.String(length=200), nullable=True),
    sa.Column('preferred_surname', sa.String(length=100), nullable=True),
    sa.Column('preferred_forename', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('year_group', sa.String(length=2), nullable=False),
    sa.Column('form', sa.String(length=20), nullable=True),
    sa.Column('home_address', sa.Text(), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('sen', sa.String(length=1), nullable=False),
    sa.Column('fsm', sa.Boolean(), nullable=False),
    sa.Column('ethnicity', sa.String(length=4), nullable=True),
    sa.Column('eal', sa.Boolean(), nullable=False),
    sa.Column('looked_after', sa.Boolean(), nullable=False),
    sa.Column('child_in_need', sa.Boolean(), nullable=False),
    sa.Column('young_carer', sa.Boolean(), nullable=False),
    sa.Column('boarder', sa.Boolean(), nullable=False),
    sa.Column('gp_name', sa.String(length=200), nullable=True),
    sa.Column('gp_contact', sa.String(length=200), nullable=True),
    sa.Column('admission_date', sa.Date(), nullable=False),
    sa.Column('leaving_date', sa.Date(), nullable=True),
    sa.Column('leaving_reason', sa.String(length=200), nullable=True),
    sa.Column('previous_school', sa.String(length=200), nullable=True),
    sa.Column('previous_school_address', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_pupils_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_pupils')),
    sa.UniqueConstraint('school_id', 'upn', name=op.f('uq_pupils_school_id_upn'))
    )
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.create_index('ix_pupils_school_id_legal_surname', ['school_id', 'legal_surname'], unique=False)
        batch_op.create_index('ix_pupils_school_id_year_group_form', ['school_id', 'year_group', 'form'], unique=False)

    op.create_table('school_counters',
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_counters_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'name', name=op.f('pk_school_counters'))
    )
    op.create_table('pupil_contacts',
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relationship_to_pupil', sa.String(length=100), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('parental_responsibility', sa.Boolean(), nullable=False),
    sa.Column('lives_with_pupil', sa.Boolean(), nullable=False),
    sa.Column('emergency_contact', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupils.school_id', 'pupils.id'], name=op.f('fk_pupil_contacts_school_id_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_pupil_contacts_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_pupil_contacts'))
    )
    with op.batch_alter_table('pupil_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_pupil_contacts_school_id_pupil_id', ['school_id', 'pupil_id'], unique=False)

    op.create_table('pupil_revisions',
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_name', sa.String(length=200), nullable=False),
    sa.Column('changed_by_title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupils.school_id', 'pupils.id'], name=op.f('fk_pupil_revisions_school_id_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_pupil_revisions_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_pupil_revisions'))
    )
    with op.batch_alter_table('pupil_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_pupil_revisions_school_id_pupil_id', ['school_id', 'pupil_id'], unique=False)
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apscheduler_jobs")),
    )
    op.create_index(
        "ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"]
    )
    if op.get_bind().dialect.name == "postgresql":
        role = context.config.attributes.get("app_role", "turnout_app")
        rls.create_app_role(role)
        rls.grant_tables(role)
        for table in TENANT_TABLES:
            rls.protect_tenant_table(table)
        rls.refuse("pupils", "DELETE")
        rls.refuse("pupil_revisions", "UPDATE OR DELETE")


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    with op.batch_alter_table('pupil_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_pupil_revisions_school_id_pupil_id')

    op.drop_table('pupil_revisions')
    with op.batch_alter_table('pupil_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_pupil_contacts_school_id_pupil_id')

    op.drop_table('pupil_contacts')
    op.drop_table('school_counters')
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.drop_index('ix_pupils_school_id_year_group_form')
        batch_op.drop_index('ix_pupils_school_id_legal_surname')

    op.drop_table('pupils')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_trust_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_school_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_schools_trust_id'))

    op.drop_table('schools')
    op.drop_table('users')
    op.drop_table('trusts')
    op.drop_table('job_runs')
