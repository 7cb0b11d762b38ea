"""Make each school's tasks for a day: on school days only, once per task and period, however often run."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar
from app.workflow.models import TaskInstance
from app.workflow.periods import due_at, due_on, period_of
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
    closed = calendar.why_closed(day)
    if closed is not None:
        return Generated(school, day, 0, 0, closed)
    wanted = []
    for task in tasks:
        if not task.enabled:
            continue
        period = period_of(calendar, task.cadence, day)
        due = period and due_on(calendar, task.cadence, period, task.due_day)
        if period is not None and due is not None:
            wanted.append((task, period, due))
    keys = {(t.key, p.key) for t, p, _d in wanted}
    have = set(
        db.execute(
            select(TaskInstance.task_key, TaskInstance.period).where(
                TaskInstance.school_id == school.id,
                TaskInstance.task_key.in_({k for k, _p in keys}),
                TaskInstance.period.in_({p for _k, p in keys}),
            )
        )
    )
    new = [(t, p, d) for t, p, d in wanted if (t.key, p.key) not in have]
    first = allocate(db, school.id, "task_instances", len(new)) if new else 0
    db.add_all(
        TaskInstance(
            school_id=school.id, id=first + n, task_key=task.key, period=period.key, period_label=period.label,
            title=task.title, description=task.description, resource_url=task.link(school), cadence=task.cadence,
            role=task.role, owner_user_id=task.owner_user_id, due_on=due, due_at=due_at(due, task.due_time),
        )
        for n, (task, period, due) in enumerate(new)
    )  # fmt: skip
    db.flush()
    return Generated(school, day, len(new), len(wanted) - len(new), None)


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
        tasks = school_tasks(db, school)
        for day in days:
            result = generate(db, school, day, calendars[school.id], tasks)
            results.append(result)
            if progress is not None:
                progress(result)
    return results
