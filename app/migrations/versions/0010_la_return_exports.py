"""la return exports: the daily job's stored return lists, one per school, kind and day.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('return_exports',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_return_exports_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_return_exports')),
    sa.UniqueConstraint('school_id', 'kind', 'as_of', name=op.f('uq_return_exports_school_id_kind_as_of'))
    )
    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        rls.protect_tenant_table("return_exports")
        rls.refuse("return_exports", "UPDATE OR DELETE")  # a stored list is a record of what it said that day


def downgrade() -> None:
    op.drop_table('return_exports')
