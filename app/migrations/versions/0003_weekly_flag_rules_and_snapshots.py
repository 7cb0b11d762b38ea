"""Weekly flags: each trust's versioned thresholds and next-step rules, and school-week snapshots.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 00:47:14.661923
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flag_snapshots',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('rules_version', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('last_batch', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('school_id', 'week_start', name=op.f('pk_flag_snapshots'))
    )
    op.create_table('flag_rule_sets',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_flag_rule_sets_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'version', name=op.f('pk_flag_rule_sets'))
    )
    if op.get_bind().dialect.name == "postgresql":
        role = context.config.attributes.get("app_role", "turnout_app")
        rls.grant_tables(role)
        rls.protect_tenant_table("flag_snapshots")
        # Packed pupils barely compress; storing them as they are saves the server the attempt.
        op.execute("ALTER TABLE flag_snapshots ALTER COLUMN data SET STORAGE EXTERNAL")
        rls.refuse("flag_rule_sets", "UPDATE OR DELETE")  # a change is a new version


def downgrade() -> None:
    op.drop_table('flag_rule_sets')
    op.drop_table('flag_snapshots')
