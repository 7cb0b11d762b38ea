"""Trust benchmark results: one run per trust and UK day, its rows per period, level and cohort, and the
weekly series; readable only by a context holding a school of the trust (and, for a school's row, that
school) on PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from tenants import rls

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_ALLOWED = "(SELECT turnout_school_ids())::integer[]"
_TRUST = f"trust_id IN (SELECT s.trust_id FROM schools s WHERE s.id = ANY ({_ALLOWED}))"
_SCHOOL = f"(school_id IS NULL OR school_id = ANY ({_ALLOWED}))"


def _protect(table: str, condition: str) -> None:
    """FORCEd row-level security: a trust's rows for contexts holding one of its schools."""
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_trust_isolation ON {table} USING ({condition}) WITH CHECK ({condition})")


def upgrade() -> None:
    op.create_table('benchmark_runs',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('periods', sa.JSON(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_benchmark_runs_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'id', name=op.f('pk_benchmark_runs')),
    sa.UniqueConstraint('trust_id', 'as_of', name=op.f('uq_benchmark_runs_trust_id_as_of')),
    )
    op.create_table('benchmark_results',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('cohort', sa.String(length=20), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('urn', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=False),
    sa.Column('la_code', sa.String(length=3), nullable=True),
    sa.Column('enrolments', sa.Integer(), nullable=True),
    *(sa.Column(name, sa.BigInteger(), nullable=True) for name in (  # England's sessions run to billions
        'possible_sessions', 'attended_sessions', 'absent_sessions', 'authorised_sessions',
        'unauthorised_sessions')),
    sa.Column('persistent', sa.Integer(), nullable=True),
    sa.Column('severe', sa.Integer(), nullable=True),
    *(sa.Column(name, sa.Float(), nullable=True) for name in (
        'attendance_rate', 'absence_rate', 'authorised_rate', 'unauthorised_rate', 'persistent_rate',
        'severe_rate', 'movement_pp')),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('quartile', sa.Integer(), nullable=True),
    sa.Column('below_national', sa.Boolean(), nullable=True),
    sa.Column('national_attendance', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_benchmark_results_school_id_schools')),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_benchmark_results_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'run_id', 'position', name=op.f('pk_benchmark_results')),
    )
    op.create_table('benchmark_weeks',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('possible', sa.Integer(), nullable=False),
    sa.Column('attended', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_benchmark_weeks_school_id_schools')),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_benchmark_weeks_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'run_id', 'position', name=op.f('pk_benchmark_weeks')),
    )
    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        _protect("benchmark_runs", _TRUST)
        _protect("benchmark_results", f"{_TRUST} AND {_SCHOOL}")
        _protect("benchmark_weeks", f"{_TRUST} AND {_SCHOOL}")


def downgrade() -> None:
    op.drop_table('benchmark_weeks')
    op.drop_table('benchmark_results')
    op.drop_table('benchmark_runs')
