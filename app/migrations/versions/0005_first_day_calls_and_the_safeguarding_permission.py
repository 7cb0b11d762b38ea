"""First-day calls, and the safeguarding (DSL) permission on a membership.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 02:45:37.283166
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('first_day_calls',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('absent_on', sa.Date(), nullable=False),
    sa.Column('escalation_day', sa.SmallInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('amended_code', sa.String(length=2), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupils.school_id', 'pupils.id'], name=op.f('fk_first_day_calls_school_id_pupil_id_pupils')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_first_day_calls_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_first_day_calls'))
    )
    with op.batch_alter_table('first_day_calls', schema=None) as batch_op:
        batch_op.create_index('ix_first_day_calls_school_id_absent_on', ['school_id', 'absent_on'], unique=False)

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safeguarding', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint('no_governor_safeguarding', "NOT (safeguarding AND role = 'governor')")

    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        rls.protect_tenant_table("first_day_calls")
        rls.refuse("first_day_calls", "UPDATE OR DELETE")  # a call made is a record, never rewritten


def downgrade() -> None:
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint('no_governor_safeguarding', type_='check')
        batch_op.drop_column('safeguarding')

    with op.batch_alter_table('first_day_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_first_day_calls_school_id_absent_on')

    op.drop_table('first_day_calls')
