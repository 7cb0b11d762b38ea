"""The demo trust as a user meets it: a pushed calendar its registers agree with, and a history of workflow
tasks made on school days only, ticked the way each school works, with today's tasks still to do."""

from __future__ import annotations

from collections import defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar
from app.demo import load_demo
from app.registers.marks import Mark
from app.workflow.compliance import Tally, tallies
from app.workflow.models import Cadence, TaskEvent, TaskInstance
from app.workflow.periods import due_at
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, School, Trust
from tenants.scoping import UNSCOPED

FIRST = date(2026, 5, 18)  # the week before May half-term, across the summer, into the autumn term
TODAY = date(2026, 9, 24)  # a Thursday
NOW = due_at(TODAY, time(11, 15))  # 10:15 UTC: the 09:30, 10:00 and 11:00 tasks are due, the rest are not


@dataclass
class Demo:
    trust_id: int
    schools: list[School]  # Riverside Academy (secondary), Hillcrest and Marshland Primary Academies
    calendars: dict[int, SchoolCalendar]

    def scope(self, db: Session) -> AbstractContextManager[object]:
        return context.use(system_context(db, "test", trust_id=self.trust_id))


@pytest.fixture
def demo(db: Session) -> Demo:
    load_demo(db, schools=3, pupils=90, start=FIRST, now=NOW, second_trust=False)
    trust_id = db.scalar(select(Trust.id).execution_options(**UNSCOPED))
    assert trust_id is not None
    with context.use(system_context(db, "test", trust_id=trust_id)):
        schools = list(db.scalars(select(School).order_by(School.urn)))
        return Demo(trust_id, schools, calendars_for(db, [s.id for s in schools]))


def test_every_school_has_the_trust_calendar_with_one_primary_closed_for_a_polling_day(
    db: Session, demo: Demo
) -> None:
    riverside, hillcrest, marshland = demo.schools
    for school in demo.schools:
        calendar = demo.calendars[school.id]
        # The demo spans two academic years: the calendar covers both.
        assert calendar.knows(FIRST) and calendar.knows(TODAY)
        assert calendar.why_closed(date(2026, 5, 27)) == "May half-term"
        assert calendar.why_closed(date(2026, 8, 12)) == "Summer holiday"
        # The autumn term opens on Tuesday 1 September with two INSET days; pupils come on the Thursday.
        assert calendar.why_closed(date(2026, 9, 1)) == "INSET day: Staff training"
        assert calendar.why_closed(date(2026, 9, 2)) == "INSET day: Staff training"
        assert calendar.is_school_day(date(2026, 9, 3))
    # The first primary is a polling station on the middle Thursday of the term so far (3, 10, 17 September).
    assert demo.calendars[hillcrest.id].why_closed(date(2026, 9, 10)) == "Planned closure: Polling station"
    assert demo.calendars[riverside.id].is_school_day(date(2026, 9, 10))
    assert demo.calendars[marshland.id].is_school_day(date(2026, 9, 10))


def test_registers_are_taken_on_every_school_day_and_on_no_closed_day(db: Session, demo: Demo) -> None:
    yesterday = TODAY - timedelta(days=1)
    with demo.scope(db):
        for school in demo.schools:
            marked = set(db.scalars(select(Mark.date).where(Mark.school_id == school.id).distinct()))
            assert marked == set(demo.calendars[school.id].school_days(FIRST, yesterday)), school.name
    # 5 days before May half-term, 37 from 1 June to 21 July, and 15 from 3 to 23 September (the INSET days were
    # 1 and 2 September); the polling station closes the first primary for one of them.
    assert [len(demo.calendars[s.id].school_days(FIRST, yesterday)) for s in demo.schools] == [57, 56, 57]


def test_tasks_are_made_for_each_school_day_to_today_and_none_on_a_closed_day(
    db: Session, demo: Demo
) -> None:
    with demo.scope(db):
        for school in demo.schools:
            calendar = demo.calendars[school.id]
            rows = db.execute(
                select(TaskInstance.cadence, TaskInstance.period, TaskInstance.due_on).where(
                    TaskInstance.school_id == school.id
                )
            ).all()
            daily = {date.fromisoformat(period) for cadence, period, _due in rows if cadence == Cadence.DAILY}
            assert daily == set(calendar.school_days(FIRST, TODAY)), school.name
            assert all(calendar.is_school_day(due) for _cadence, _period, due in rows)
            assert date(2026, 9, 1) not in daily and date(2026, 5, 27) not in daily


def test_today_s_tasks_not_yet_due_are_open_and_nothing_is_ticked_after_now(db: Session, demo: Demo) -> None:
    with demo.scope(db):
        tasks = db.scalars(select(TaskInstance)).all()
        events = db.scalars(select(TaskEvent).order_by(TaskEvent.recorded_at, TaskEvent.id)).all()
    not_yet = [t for t in tasks if t.due_at > NOW]
    today = [t for t in not_yet if t.due_on == TODAY]
    # At each school the 12:00, 13:00 and 16:30 daily tasks, Thursday's 15:00 home visits (the second week of
    # the term's first fortnight) and its 16:00 action-plan review.
    assert len(today) == 3 * 5 and all(t.completed_at is None for t in not_yet)
    assert all(e.recorded_at <= NOW for e in events)
    due_today = [t for t in tasks if t.due_on == TODAY and t.due_at <= NOW]
    assert any(t.completed_at is not None for t in due_today)
    assert all(t.completed_at <= NOW for t in due_today if t.completed_at is not None)


def test_ticks_are_events_by_the_school_s_staff_or_lead_as_the_services_write_them(
    db: Session, demo: Demo
) -> None:
    with demo.scope(db):
        tasks = {(t.school_id, t.id): t for t in db.scalars(select(TaskInstance))}
        events = db.scalars(select(TaskEvent).order_by(TaskEvent.recorded_at, TaskEvent.id)).all()
        roles = {
            (m.school_id, m.user_id): m.role
            for m in db.scalars(select(Membership).where(Membership.school_id.is_not(None)))
        }
    by_task: dict[tuple[int, int], list[TaskEvent]] = defaultdict(list)
    for event in events:
        by_task[(event.school_id, event.instance_id)].append(event)
        task = tasks[(event.school_id, event.instance_id)]
        assert roles[(event.school_id, event.recorded_by_user_id)] == task.role
        assert event.late == (event.kind == "done" and event.recorded_at > task.due_at)
    for key, task in tasks.items():
        done = [e for e in by_task[key] if e.kind == "done"]
        assert task.completed_at == (done[-1].recorded_at if done else None)
        assert task.completed_by_name == (done[-1].recorded_by_name if done else None)
    # One register check was ticked too soon, taken back with a note, and ticked again.
    (undone,) = [e for e in events if e.kind == "undone"]
    kinds = [(e.kind, bool(e.note)) for e in by_task[(undone.school_id, undone.instance_id)]]
    assert kinds == [("done", False), ("undone", True), ("done", True)]
    assert {"Two forms chased", "Tutor absent; HoY covered"} & {e.note for e in events}


def test_each_school_keeps_to_its_routine_differently(db: Session, demo: Demo) -> None:
    """Riverside does nearly everything on time; Hillcrest does about one task in five late; Marshland keeps
    its daily routine but lets weekly and half-termly tasks slip."""
    riverside, hillcrest, marshland = demo.schools
    with demo.scope(db):
        found = tallies(db, [s.id for s in demo.schools], FIRST, TODAY, NOW)

    def tally(school: School, daily: bool | None = None) -> Tally:
        picked = [
            t for (s, c, _r), t in found.items() if s == school.id and daily in (None, c == Cadence.DAILY)
        ]
        return sum(picked, Tally())

    assert tally(riverside).rate >= 90  # type: ignore[operator]
    assert 65 <= tally(hillcrest).rate <= 88  # type: ignore[operator]
    assert tally(hillcrest).late > 3 * tally(riverside).late
    assert tally(marshland, daily=True).rate >= 85  # type: ignore[operator]
    assert tally(marshland, daily=False).rate <= 75  # type: ignore[operator]
    assert all(tally(s).missed for s in demo.schools)  # a few are missed everywhere
