"""Make each school's tasks for a day: on school days only, once per task and period, however often run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar
from app.db import utcnow
from app.workflow.models import TaskInstance
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
    db: Session, school: School, days: Sequence[date], calendar: SchoolCalendar, tasks: Sequence[Task]
) -> list[Generated]:
    """As `generate` for each day in turn, with one look-up and one insert for them all (a term's tasks
    for a school in three statements, not three per day); the caller commits."""
    plans: list[tuple[date, str | None, list[tuple[Task, Period, date]]]] = []
    for day in days:
        closed = calendar.why_closed(day)
        plans.append((day, closed, [] if closed is not None else _wanted(calendar, tasks, day)))
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
            insert(TaskInstance),
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
    """Each enabled task's period holding the school day, with the day it is due in that period."""
    wanted = []
    for task in tasks:
        if not task.enabled:
            continue
        period = period_of(calendar, task.cadence, day)
        due = period and due_on(calendar, task.cadence, period, task.due_day)
        if period is not None and due is not None:
            wanted.append((task, period, due))
    return wanted


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
