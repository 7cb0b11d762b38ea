"""Job runs record status, attempts, who started them and errors; per-trust outcomes commit with the work.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('started_by', sa.String(length=100), nullable=False, server_default='scheduler'))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
    op.execute("UPDATE job_runs SET scheduled_for = started_at")
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.alter_column('scheduled_for', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_table('job_outcomes',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['job_runs.id'], name=op.f('fk_job_outcomes_run_id_job_runs')),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_job_outcomes_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'run_id', name=op.f('pk_job_outcomes'))
    )
    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))


def downgrade() -> None:
    op.drop_table('job_outcomes')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('error')
        batch_op.drop_column('attempts')
        batch_op.drop_column('started_by')
        batch_op.drop_column('scheduled_for')
