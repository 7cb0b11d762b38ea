"""School calendar and workflow: calendar entries, the trust playbook (seeded for existing trusts), school
task changes, task instances and their append-only events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:48:42.563657
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import context, op

from tenants import rls


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The starting playbook as it stood when this migration was written (app/workflow/playbook.py gives it to
# new trusts): key, title, cadence, due time, due day, role, description, resource link.
SEEDS = [
    ('register-check', 'Check every register is complete', 'daily', '09:30', None, 'staff',
     'Attendance staff monitor register completion and return: chase any form whose morning register is not taken, and check the missing-marks list.',
     '/schools/{urn}/attendance'),
    ('first-day-calls', 'First-day calls for unexplained absence', 'daily', '10:00', None, 'staff',
     'Call the family of every pupil absent without a reason (day 1 tutor, day 2 head of year, day 3 senior leader), starting with the golden-hour list.',
     '/schools/{urn}/first-day'),
    ('parent-messages', "Update registers from parents' and carers' messages", 'daily', '11:00', None, 'staff',
     'Registers updated based on messages from parents and carers, with the reason recorded as an amendment.',
     '/schools/{urn}/attendance/register'),
    ('immediate-action', "Act on today's absences", 'daily', '13:00', None, 'staff',
     'Use the register to act now: contact parents and carers, home visits, liaise with the SENCo, escalate safeguarding concerns, request medical evidence.',
     '/schools/{urn}/first-day/golden-hour'),
    ('midday-report', "Send the morning's attendance to school leads", 'daily', '12:00', None, 'staff',
     'Daily attendance data sent to relevant school leads with information about actions to take.',
     None),
    ('end-of-day-summary', 'End-of-day summary to senior leads', 'daily', '16:30', None, 'staff',
     'Final attendance data shared with relevant senior leads at the end of the day, including the outcomes of calls and visits.',
     None),
    ('weekly-data-meeting', 'Weekly data meeting', 'weekly', '15:30', 4, 'school_lead',
     "The senior attendance champion meets attendance staff to discuss the week's data and agree each flagged pupil's next step.",
     '/dashboards/schools/{urn}/week'),
    ('weekly-banding-review', 'Weekly banding review', 'weekly', '12:00', 0, 'school_lead',
     'Scrutinise the banding distribution and identify pupils whose absence makes them persistently or severely absent.',
     '/dashboards/schools/{urn}/week'),
    ('weekly-cohorts', 'Weekly data by cohort for senior leaders', 'weekly', '16:00', 2, 'school_lead',
     "The senior leadership team discusses the week's data broken down by key cohorts: FSM, SEN, year group and others.",
     '/dashboards/schools/{urn}/cohorts'),
    ('action-plan-review', 'Review and progress individual action plans', 'weekly', '16:00', 3, 'school_lead',
     "Review each open case's plan and consider next steps where plans aren't being engaged with.",
     '/schools/{urn}/cases'),
    ('fortnightly-home-visits', 'Home visits to severely absent pupils', 'fortnightly', '15:00', 3, 'staff',
     "Regular (fortnightly) home visits to pupils at severe absence, recorded on each pupil's case.",
     '/dashboards/schools/{urn}/week?flag=purple'),
    ('leadership-scrutiny', 'Leadership scrutiny of attendance data', 'half_termly', '16:00', -5, 'school_lead',
     'The school leadership team scrutinises the banding distribution, current and cumulative attendance, persistent and severe absence.',
     '/schools/{urn}/attendance'),
    ('strategy-impact', 'Monitor the impact of attendance strategies', 'half_termly', '16:00', -5, 'school_lead',
     'Look at the impact of each kind of intervention and change what is not working.',
     '/schools/{urn}/interventions/impact'),
    ('benchmarking', 'Benchmark against the local authority and England', 'half_termly', '16:00', -3, 'school_lead',
     'Compare attendance, persistent and severe absence with the local authority and national figures.',
     None),
    ('share-data', 'Share absence data with staff and families', 'half_termly', '16:00', -2, 'school_lead',
     'Share absence data in communications to all relevant staff and to parents and carers.',
     None),
    ('poorest-attenders-meetings', 'Arrange meetings with families of the poorest attenders', 'half_termly', '16:00', 5, 'staff',
     'Arrange meetings with parents and carers of the pupils with the poorest attendance.',
     '/dashboards/schools/{urn}/week?flag=red'),
    ('governors-meeting', 'Termly attendance report to governors', 'termly', '18:00', -10, 'school_lead',
     'Meet governors or trustees to share data trends and progress.',
     None),
    ('poorest-attenders-letters', "Headteacher's letters to the poorest attenders", 'termly', '16:00', -15, 'school_lead',
     "The headteacher writes to parents and carers of the pupils with the poorest attendance, with wording that reflects each child's and family's situation.",
     '/schools/{urn}/letters'),
]
STARTING_PLAYBOOK = 'Turnout (starting playbook)'


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
    playbook = sa.table(
        "playbook_tasks",
        sa.column("trust_id", sa.Integer()), sa.column("id", sa.Integer()), sa.column("key", sa.String()),
        sa.column("title", sa.String()), sa.column("description", sa.Text()), sa.column("cadence", sa.String()),
        sa.column("due_time", sa.Time()), sa.column("due_day", sa.Integer()), sa.column("role", sa.String()),
        sa.column("resource_url", sa.String()), sa.column("position", sa.Integer()),
        sa.column("active", sa.Boolean()), sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("updated_by_name", sa.String()),
    )
    now = datetime.now(UTC)
    for (trust_id,) in bind.execute(sa.text("SELECT id FROM trusts")):
        for n, (key, title, cadence, due, day, role, description, link) in enumerate(SEEDS, start=1):
            bind.execute(playbook.insert().values(
                trust_id=trust_id, id=n, key=key, title=title, description=description, cadence=cadence,
                due_time=time.fromisoformat(due), due_day=day, role=role, resource_url=link, position=n,
                active=True, updated_at=now, updated_by_name=STARTING_PLAYBOOK))


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
