"""Annex B self-assessments (a version per save) and termly review packs (a row per PDF made), both
append-only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_RECORDED = (
    ('recorded_at', sa.DateTime(timezone=True)),
    ('recorded_by_name', sa.String(length=200)),
    ('recorded_by_title', sa.String(length=200)),
)


def _recorded() -> list[sa.Column]:
    return [sa.Column(name, kind, nullable=False) for name, kind in _RECORDED]


def upgrade() -> None:
    op.create_table('self_assessments',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('term_name', sa.String(length=100), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    *_recorded(),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_self_assessments_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'term_start', 'version', name=op.f('pk_self_assessments'))
    )
    op.create_table('review_packs',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=False),
    sa.Column('term_name', sa.String(length=100), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('edition', sa.String(length=10), nullable=False),
    sa.Column('scheduled', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('storage_version', sa.String(length=100), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    *_recorded(),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_review_packs_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_review_packs'))
    )
    op.create_index('ix_review_packs_school_id_term_start', 'review_packs', ['school_id', 'term_start'])
    op.create_index('uq_review_packs_scheduled', 'review_packs', ['school_id', 'term_start', 'edition'],
                    unique=True, sqlite_where=sa.text('scheduled'), postgresql_where=sa.text('scheduled'))
    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        for table in ('self_assessments', 'review_packs'):
            rls.protect_tenant_table(table)
            rls.refuse(table, "UPDATE OR DELETE")  # a save adds a version; a pack made again adds a pack


def downgrade() -> None:
    op.drop_index('uq_review_packs_scheduled', table_name='review_packs')
    op.drop_index('ix_review_packs_school_id_term_start', table_name='review_packs')
    op.drop_table('review_packs')
    op.drop_table('self_assessments')
