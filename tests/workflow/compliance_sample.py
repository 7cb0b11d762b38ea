"""Two schools' tasks for compliance tests, ticked at known times so every figure can be worked by hand.

Trust A runs four playbook tasks (the rest are switched off): the register check (daily by 09:30,
attendance staff), the end-of-day summary (daily by 16:30; Alder One gives it to its senior lead), the
banding review (Mondays by 12:00, lead) and the cohort meeting (Wednesdays by 16:00, lead). The clock
stands at NOW, Tuesday 24 November 2026 12:30 (GMT, so UK time and UTC agree). The cohort meeting of
that week falls due on Wednesday 25, after today, so no figure ever counts it.

Alder One (tasks for Monday 23 and Tuesday 24):
  register check Mon   ticked 09:05 Mon      on time
  summary Mon (lead)   ticked 17:15 Mon      late, by 45 minutes
  banding review       ticked 11:30 Mon      on time
  register check Tue   not ticked            missed (due 09:30, before NOW)
  summary Tue (lead)   not ticked            not yet due (16:30), so not counted
  -> 2 on time, 1 late, 1 missed: 2 of 4 = 50.0%; ticking Tuesday's summary early makes it 3 of 5 = 60.0%.
Alder Two (its weekly tasks from Monday 23, its daily tasks switched on from Tuesday 24):
  banding review       ticked 11:00 Tue      late, by 23 hours
  register check Tue   ticked 09:20 Tue      on time
  -> 1 of 2 = 50.0%.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.services import find_user_by_email
from app.registers.recording import Recorder
from app.workflow import services
from app.workflow.generation import generate_schools
from app.workflow.models import PlaybookTask, SchoolTask, TaskInstance
from tenants import context
from tenants.access import system_context
from tenants.counters import allocate
from tenants.models import Role, School
from tenants.scoping import UNSCOPED
from tests.calendars.sample import give_calendar
from tests.conftest import World

NOW = datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
TODAY = date(2026, 11, 24)
MONDAY = date(2026, 11, 23)
KEPT = ("register-check", "end-of-day-summary", "weekly-banding-review", "weekly-cohorts")
REGISTER, SUMMARY, BANDING = (
    "Check every register is complete",
    "End-of-day summary to senior leads",
    "Weekly banding review",
)


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@dataclass
class Schools:
    a1: School
    a2: School
    staff: Recorder  # Alder One's attendance officer
    lead: Recorder  # Alder One's senior lead


def recorder(db: Session, email: str, name: str, title: str) -> Recorder:
    user = find_user_by_email(db, email)
    assert user is not None
    return Recorder(user.id, name, title)


def task(db: Session, school: School, title: str, due_on: date) -> TaskInstance:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return db.scalars(
            select(TaskInstance).where(
                TaskInstance.school_id == school.id,
                TaskInstance.title == title,
                TaskInstance.due_on == due_on,
            )
        ).one()


def tick(db: Session, school: School, title: str, due_on: date, who: Recorder, when: datetime) -> None:
    found = task(db, school, title, due_on)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        services.complete(db, school, found, who, now=when)


def generate(db: Session, school: School, *days: date) -> None:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        generate_schools(db, [school], list(days))
        db.commit()


def arrange(db: Session, world: World) -> Schools:
    """The tasks and ticks in the module's docstring; Tuesday's summary at Alder One is left open."""
    a1 = db.get(School, world.a1.id, execution_options=UNSCOPED)
    a2 = db.get(School, world.a2.id, execution_options=UNSCOPED)
    assert a1 is not None and a2 is not None
    with context.use(system_context(db, "test", trust_id=a1.trust_id)):
        db.execute(
            update(PlaybookTask)
            .where(PlaybookTask.trust_id == a1.trust_id, PlaybookTask.key.not_in(KEPT))
            .values(active=False)
        )
        summary = db.scalars(select(PlaybookTask).where(PlaybookTask.key == "end-of-day-summary")).one()
        db.add(SchoolTask(school_id=a1.id, id=allocate(db, a1.id, "school_tasks"), playbook_id=summary.id,
                          role=Role.SCHOOL_LEAD, updated_by_name="Alex Morgan"))  # fmt: skip
        db.commit()
    for school in (a1, a2):
        give_calendar(db, school)
    generate(db, a1, MONDAY, TODAY)
    with _daily_tasks_off(db, a2):
        generate(db, a2, MONDAY)
    generate(db, a2, TODAY)
    staff = recorder(db, world.users["a1_staff"], "Sam Patel", "Attendance officer")
    lead = recorder(db, world.users["a1_lead"], "Alex Morgan", "Senior attendance champion")
    other = recorder(db, world.users["a2_lead"], "Jo Reed", "Attendance lead")
    tick(db, a1, REGISTER, MONDAY, staff, at(MONDAY, 9, 5))
    tick(db, a1, SUMMARY, MONDAY, lead, at(MONDAY, 17, 15))
    tick(db, a1, BANDING, MONDAY, lead, at(MONDAY, 11, 30))
    tick(db, a2, REGISTER, TODAY, other, at(TODAY, 9, 20))
    tick(db, a2, BANDING, MONDAY, other, at(TODAY, 11, 0))
    return Schools(a1, a2, staff, lead)


@contextmanager
def _daily_tasks_off(db: Session, school: School) -> Iterator[None]:
    """The school's two daily tasks disabled while its Monday is made (generation makes no task whose due day
    has gone, so Monday's banding review is made on Monday), then enabled again."""
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        daily = db.scalars(
            select(PlaybookTask).where(PlaybookTask.key.in_(("register-check", "end-of-day-summary")))
        )
        changes = [SchoolTask(school_id=school.id, id=allocate(db, school.id, "school_tasks"), playbook_id=p.id,
                              enabled=False, updated_by_name="Jo Reed") for p in daily]  # fmt: skip
        db.add_all(changes)
        db.commit()
    yield
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        for change in changes:
            change.enabled = True
        db.commit()


def tick_the_summary_early(db: Session, schools: Schools) -> None:
    """Alder One's lead sends Tuesday's summary at 12:15, hours before it is due."""
    tick(db, schools.a1, SUMMARY, TODAY, schools.lead, at(TODAY, 12, 15))


def stop_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages read the time once through app.clock; hold it at NOW."""
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
