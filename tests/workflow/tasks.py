"""Tasks for page tests: made the way generation makes them, for a day the test chooses."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.services import find_user_by_email
from app.clock import uk_today
from app.workflow.models import Cadence, TaskEvent, TaskInstance
from app.workflow.periods import due_at
from tenants import context
from tenants.access import system_context
from tenants.counters import allocate
from tenants.models import Role, School

LATE_IN_THE_DAY = time(23, 59)  # still to come whenever the test runs, bar its last minute


def make_task(
    db: Session,
    school: School,
    title: str,
    *,
    role: Role = Role.STAFF,
    day: date | None = None,
    at: time = LATE_IN_THE_DAY,
    owner: int | None = None,
) -> int:
    """A daily task due on `day` (today by default) with the fields generation gives it; made directly, so a
    test about today does not depend on the weekday it runs on (generation makes nothing at weekends)."""
    day = day or uk_today()
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        ident = allocate(db, school.id, "task_instances")
        task = TaskInstance(
            school_id=school.id, id=ident, task_key=f"s{1000 + ident}",
            period=day.isoformat(), period_label=f"{day:%A %-d %B %Y}", title=title, description="Do it well.",
            resource_url=f"/schools/{school.urn}/attendance", cadence=Cadence.DAILY, role=role, owner_user_id=owner,
            due_on=day, due_at=due_at(day, at),
        )  # fmt: skip
        db.add(task)
        db.commit()
        return task.id


def yesterday() -> date:
    return uk_today() - timedelta(days=1)


def user_id(db: Session, email: str) -> int:
    return find_user_by_email(db, email).id


def instance(db: Session, school: School, task_id: int) -> TaskInstance:
    db.expire_all()
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        found = db.get(TaskInstance, (school.id, task_id))
        assert found is not None
        return found


def events(db: Session, school: School, task_id: int) -> list[tuple[str, str | None, str]]:
    """The task's events as (kind, note, who), oldest first."""
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rows = db.scalars(
            select(TaskEvent)
            .where(TaskEvent.school_id == school.id, TaskEvent.instance_id == task_id)
            .order_by(TaskEvent.id)
        )
        return [(e.kind, e.note, e.recorded_by_name) for e in rows]
