"""The attendance register: codes, marks, batches, amendments, weekly and session rollups, API tokens.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 07:24:11.382449
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from app.registers.codes import CODES
from tenants import rls

TENANT_TABLES = ("api_tokens", "mark_batches", "marks", "mark_amendments", "pupil_weeks", "school_sessions")


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_api_tokens_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_api_tokens'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_api_tokens_school_id_token_hash', ['school_id', 'token_hash'], unique=True)

    op.create_table('mark_amendments',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sa.String(length=2), nullable=False),
    sa.Column('original_code', sa.String(length=2), nullable=False),
    sa.Column('original_minutes_late', sa.SmallInteger(), nullable=True),
    sa.Column('original_batch_id', sa.Integer(), nullable=False),
    sa.Column('new_code', sa.String(length=2), nullable=False),
    sa.Column('new_minutes_late', sa.SmallInteger(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('amended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amended_by_id', sa.Integer(), nullable=True),
    sa.Column('amended_by_name', sa.String(length=200), nullable=False),
    sa.Column('amended_by_title', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_mark_amendments_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_mark_amendments'))
    )
    with op.batch_alter_table('mark_amendments', schema=None) as batch_op:
        batch_op.create_index('ix_mark_amendments_school_id_pupil_id_date', ['school_id', 'pupil_id', 'date'], unique=False)

    op.create_table('mark_batches',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('new_marks', sa.Integer(), nullable=False),
    sa.Column('amended_marks', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_mark_batches_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_mark_batches'))
    )
    op.create_table('pupil_weeks',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('marked', sa.Integer(), nullable=False),
    sa.Column('possible', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('aea', sa.Integer(), nullable=False),
    sa.Column('authorised', sa.Integer(), nullable=False),
    sa.Column('unauthorised', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=False),
    sa.Column('illness', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'pupil_id', 'week_start', name=op.f('pk_pupil_weeks')),
    sqlite_with_rowid=False,
    )
    op.create_table('school_sessions',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sa.String(length=2), nullable=False),
    sa.Column('marked', sa.Integer(), nullable=False),
    sa.Column('possible', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('aea', sa.Integer(), nullable=False),
    sa.Column('authorised', sa.Integer(), nullable=False),
    sa.Column('unauthorised', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('minutes_late', sa.Integer(), nullable=False),
    sa.Column('illness', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'date', 'session', name=op.f('pk_school_sessions')),
    sqlite_with_rowid=False,
    )
    op.create_table('marks',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('session', sa.String(length=2), nullable=False),
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('minutes_late', sa.SmallInteger(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'pupil_id', 'date', 'session', name=op.f('pk_marks')),
    sqlite_with_rowid=False,
    )
    codes = op.create_table(
        "attendance_codes",
        sa.Column("code", sa.String(2), nullable=False),
        sa.Column("meaning", sa.String(200), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("counts_in_possible", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_attendance_codes")),
    )
    op.bulk_insert(
        codes,
        [
            {"code": c.code, "meaning": c.meaning, "category": c.category, "counts_in_possible": c.counts_in_possible}
            for c in CODES.values()
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        role = context.config.attributes.get("app_role", "turnout_app")
        rls.grant_tables(role)
        op.execute(f'REVOKE INSERT, UPDATE, DELETE ON attendance_codes FROM "{role}"')
        for table in TENANT_TABLES:
            rls.protect_tenant_table(table)
        rls.refuse("marks", "DELETE")
        rls.guard_mark_updates()
        rls.refuse("mark_amendments", "UPDATE OR DELETE")
        rls.refuse("mark_batches", "DELETE")


def downgrade() -> None:
    op.drop_table("attendance_codes")
    op.drop_table('marks')
    op.drop_table('school_sessions')
    op.drop_table('pupil_weeks')
    op.drop_table('mark_batches')
    with op.batch_alter_table('mark_amendments', schema=None) as batch_op:
        batch_op.drop_index('ix_mark_amendments_school_id_pupil_id_date')

    op.drop_table('mark_amendments')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_school_id_token_hash')

    op.drop_table('api_tokens')
