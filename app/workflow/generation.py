"""Make each school's tasks for a day: on school days only, once per task and period, however often run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Insert, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar
from app.clock import local
from app.db import utcnow
from app.workflow.models import TaskEvent, TaskInstance
from app.workflow.periods import Period, due_at, due_on, period_of
from app.workflow.tasks import Task, school_tasks
from tenants.counters import allocate
from tenants.models import School


@dataclass(frozen=True)
class Generated:
    """What generation did for one school on one day."""

    school: School
    day: date
    created: int
    existing: int
    closed: str | None  # why nothing was made: "Weekend", "Christmas holiday", "No calendar for this year"


def generate(
    db: Session, school: School, day: date, calendar: SchoolCalendar, tasks: Sequence[Task]
) -> Generated:
    """Create the school's missing task instances for the periods holding `day`; the caller commits."""
    return generate_days(db, school, [day], calendar, tasks)[0]


def generate_days(
    db: Session,
    school: School,
    days: Sequence[date],
    calendar: SchoolCalendar,
    tasks: Sequence[Task],
    not_before: datetime | None = None,
) -> list[Generated]:
    """As `generate` for each day in turn, with one look-up and one insert for them all (a term's tasks
    for a school in three statements, not three per day); the caller commits."""
    plans: list[tuple[date, str | None, list[tuple[Task, Period, date]]]] = []
    for day in days:
        closed = calendar.why_closed(day)
        wanted = [] if closed is not None else _wanted(calendar, tasks, day)
        if not_before is not None:  # made mid-day: a task whose time has gone is not owed
            wanted = [(t, p, d) for t, p, d in wanted if due_at(d, t.due_time) >= not_before]
        plans.append((day, closed, wanted))
    keys = {(t.key, p.key) for _day, _closed, wanted in plans for t, p, _d in wanted}
    have = _existing(db, school, keys)
    results, new, now = [], [], utcnow()
    for day, closed, wanted in plans:
        fresh = [(t, p, d) for t, p, d in wanted if (t.key, p.key) not in have]
        have |= {(t.key, p.key) for t, p, _d in fresh}
        new += fresh
        results.append(Generated(school, day, len(fresh), len(wanted) - len(fresh), closed))
    if new:
        first = allocate(db, school.id, "task_instances", len(new))
        db.execute(
            _insert_new(db),
            [
                dict(school_id=school.id, id=first + n, task_key=task.key, period=period.key, period_label=period.label,
                     title=task.title, description=task.description, resource_url=task.link(school),
                     cadence=task.cadence, role=task.role, owner_user_id=task.owner_user_id, due_on=due,
                     due_at=due_at(due, task.due_time), generated_at=now)
                for n, (task, period, due) in enumerate(new)
            ],
        )  # fmt: skip
    return results


def _wanted(calendar: SchoolCalendar, tasks: Sequence[Task], day: date) -> list[tuple[Task, Period, date]]:
    """Each enabled task's period holding the school day, with the day it is due in that period; a period
    whose due day has already gone by (a calendar or task added mid-period) is left out, so nobody is
    marked as missing work they were never given."""
    wanted = []
    for task in tasks:
        placed = _placed(calendar, task, day) if task.enabled else None
        if placed is not None and placed[1] >= day:
            wanted.append((task, *placed))
    return wanted


def _placed(calendar: SchoolCalendar, task: Task, day: date) -> tuple[Period, date] | None:
    """The task's period holding the day and the school day it is due in it; None if there is none."""
    period = period_of(calendar, task.cadence, day)
    due = period and due_on(calendar, task.cadence, period, task.due_day)
    return None if period is None or due is None else (period, due)


def _insert_new(db: Session) -> Insert:
    """An insert that skips a task and period already made, in case two runs overlap (the scheduler's job
    and `turnout tasks generate`): the unique key decides, and neither run fails."""
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(TaskInstance).on_conflict_do_nothing(
        index_elements=["school_id", "task_key", "period"]
    )


def _existing(db: Session, school: School, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    if not keys:
        return set()
    rows = db.execute(
        select(TaskInstance.task_key, TaskInstance.period).where(
            TaskInstance.school_id == school.id,
            TaskInstance.task_key.in_({k for k, _p in keys}),
            TaskInstance.period.in_({p for _k, p in keys}),
        )
    )
    return {(k, p) for k, p in rows if (k, p) in keys}


def generate_schools(
    db: Session,
    schools: Sequence[School],
    days: Sequence[date],
    progress: Callable[[Generated], None] | None = None,
) -> list[Generated]:
    """Generate for each school and day (calendars and tasks read once per school); the caller commits."""
    calendars = calendars_for(db, [s.id for s in schools])
    results = []
    for school in schools:
        made = generate_days(db, school, days, calendars[school.id], school_tasks(db, school))
        results += made
        if progress is not None:
            for result in made:
                progress(result)
    return results


def refresh(db: Session, school: School, now: datetime) -> tuple[int, int]:
    """After a change to the school's calendar or tasks, make its open tasks from today on agree with it.

    A task not yet done and never touched (no tick, undo or note) is removed when generation would no
    longer make it as it stands: its task disabled, its day no longer a school day, or its due day, time,
    title or owner changed. Then today's tasks still to come are made again. Returns (removed, made); the
    caller commits.
    """
    today = local(now).date()
    calendar = calendars_for(db, [school.id])[school.id]
    tasks = {t.key: t for t in school_tasks(db, school)}
    touched = select(TaskEvent.instance_id).where(TaskEvent.school_id == school.id)
    candidates = db.scalars(
        select(TaskInstance).where(
            TaskInstance.school_id == school.id,
            TaskInstance.completed_at.is_(None),
            TaskInstance.due_on >= today,
            TaskInstance.id.not_in(touched),
        )
    ).all()
    stale = [i.id for i in candidates if not _as_generated(i, tasks.get(i.task_key), calendar, school)]
    if stale:
        db.execute(
            delete(TaskInstance).where(TaskInstance.school_id == school.id, TaskInstance.id.in_(stale))
        )
    made = generate_days(db, school, [today], calendar, list(tasks.values()), not_before=now)[0].created
    return len(stale), made


def _as_generated(
    instance: TaskInstance, task: Task | None, calendar: SchoolCalendar, school: School
) -> bool:
    """Whether generation, run now, would make this very instance."""
    if task is None or not task.enabled or not calendar.is_school_day(instance.due_on):
        return False
    placed = _placed(calendar, task, instance.due_on)
    return (
        placed is not None
        and (placed[0].key, placed[1]) == (instance.period, instance.due_on)
        and due_at(instance.due_on, task.due_time) == instance.due_at
        and (task.title, task.role, task.owner_user_id, task.link(school))
        == (instance.title, instance.role, instance.owner_user_id, instance.resource_url)
    )
