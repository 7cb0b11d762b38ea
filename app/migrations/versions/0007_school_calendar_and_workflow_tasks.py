"""School calendar and workflow: calendar entries, the trust playbook (seeded for existing trusts), school
task changes, task instances and their append-only events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:48:42.563657
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

from app.workflow.playbook import SEEDS, STARTING_PLAYBOOK
from tenants import rls


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('playbook_tasks',
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('cadence', sa.Enum('daily', 'weekly', 'fortnightly', 'half_termly', 'termly', name='cadence', native_enum=False, length=20), nullable=True),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('due_day', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('trust_leader', 'school_lead', 'staff', 'governor', name='role', native_enum=False, length=20), nullable=True),
    sa.Column('resource_url', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['trust_id'], ['trusts.id'], name=op.f('fk_playbook_tasks_trust_id_trusts')),
    sa.PrimaryKeyConstraint('trust_id', 'id', name=op.f('pk_playbook_tasks'))
    )
    op.create_table('calendar_entries',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.Enum('term', 'half_term', 'holiday', 'inset', 'closure', name='kind', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_calendar_entries_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_calendar_entries'))
    )
    with op.batch_alter_table('calendar_entries', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_entries_school_id_starts_on', ['school_id', 'starts_on'], unique=False)

    op.create_table('school_tasks',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('playbook_id', sa.Integer(), nullable=True),
    sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('cadence', sa.Enum('daily', 'weekly', 'fortnightly', 'half_termly', 'termly', name='cadence', native_enum=False, length=20), nullable=True),
    sa.Column('due_time', sa.Time(), nullable=True),
    sa.Column('due_day', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('trust_leader', 'school_lead', 'staff', 'governor', name='role', native_enum=False, length=20), nullable=True),
    sa.Column('resource_url', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_school_tasks_owner_user_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_tasks_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_school_tasks'))
    )
    with op.batch_alter_table('school_tasks', schema=None) as batch_op:
        batch_op.create_index('uq_school_tasks_playbook', ['school_id', 'playbook_id'], unique=True, sqlite_where=sa.text('playbook_id IS NOT NULL'), postgresql_where=sa.text('playbook_id IS NOT NULL'))

    op.create_table('task_instances',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('task_key', sa.String(length=20), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('period_label', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('resource_url', sa.String(length=300), nullable=True),
    sa.Column('cadence', sa.Enum('daily', 'weekly', 'fortnightly', 'half_termly', 'termly', name='cadence', native_enum=False, length=20), nullable=False),
    sa.Column('role', sa.Enum('trust_leader', 'school_lead', 'staff', 'governor', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('completed_by_name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_task_instances_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_task_instances')),
    sa.UniqueConstraint('school_id', 'task_key', 'period', name=op.f('uq_task_instances_school_id_task_key_period'))
    )
    with op.batch_alter_table('task_instances', schema=None) as batch_op:
        batch_op.create_index('ix_task_instances_school_id_due_on', ['school_id', 'due_on'], unique=False)

    op.create_table('task_events',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=200), nullable=False),
    sa.Column('recorded_by_title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['school_id', 'instance_id'], ['task_instances.school_id', 'task_instances.id'], name=op.f('fk_task_events_school_id_instance_id_task_instances')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_task_events_school_id_schools')),
    sa.PrimaryKeyConstraint('school_id', 'id', name=op.f('pk_task_events'))
    )
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.create_index('ix_task_events_school_id_instance_id', ['school_id', 'instance_id'], unique=False)

    _seed_existing_trusts()
    if op.get_bind().dialect.name == "postgresql":
        rls.grant_tables(context.config.attributes.get("app_role", "turnout_app"))
        for table in ("calendar_entries", "school_tasks", "task_instances", "task_events"):
            rls.protect_tenant_table(table)
        rls.refuse("task_events", "UPDATE OR DELETE")  # a tick, undo or note is kept as it was made


def _seed_existing_trusts() -> None:
    """Trusts made before the playbook existed start with it too (new trusts get it when added)."""
    bind = op.get_bind()
    playbook = sa.table("playbook_tasks", *(sa.column(c) for c in (
        "trust_id", "id", "key", "title", "description", "cadence", "due_time", "due_day", "role",
        "resource_url", "position", "active", "updated_at", "updated_by_name")))
    now = sa.func.now() if bind.dialect.name == "postgresql" else sa.text("CURRENT_TIMESTAMP")
    for (trust_id,) in bind.execute(sa.text("SELECT id FROM trusts")):
        for n, s in enumerate(SEEDS, start=1):
            bind.execute(playbook.insert().values(
                trust_id=trust_id, id=n, key=s.key, title=s.title, description=s.description,
                cadence=s.cadence.value, due_time=s.due_time, due_day=s.due_day, role=s.role.value,
                resource_url=s.resource_url, position=n, active=True, updated_at=now,
                updated_by_name=STARTING_PLAYBOOK))


def downgrade() -> None:
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_index('ix_task_events_school_id_instance_id')

    op.drop_table('task_events')
    with op.batch_alter_table('task_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_task_instances_school_id_due_on')

    op.drop_table('task_instances')
    with op.batch_alter_table('school_tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_school_tasks_playbook', sqlite_where=sa.text('playbook_id IS NOT NULL'), postgresql_where=sa.text('playbook_id IS NOT NULL'))

    op.drop_table('school_tasks')
    with op.batch_alter_table('calendar_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_entries_school_id_starts_on')

    op.drop_table('calendar_entries')
    op.drop_table('playbook_tasks')
