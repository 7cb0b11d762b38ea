"""Tasks are made for every school and period on school days only, once however often generation runs,
each due on the day and at the time its cadence says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.workflow.generation import generate_schools
from app.workflow.models import Cadence, TaskInstance
from app.workflow.playbook import SEEDS
from jobs.definitions import run_job
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.calendars.sample import CLOSURE, HOLIDAY, INSET, SATURDAY, TUESDAY, give_calendar
from tests.conftest import World
from tests.job_runs import outcome_details

# On Tuesday 24 November every playbook task's period holds the day, but two are already past their due day
# and are not made: the weekly banding review (Monday 23rd) and the half-term's meetings with families (9th).
ON_TUESDAY = len(SEEDS) - 2


def _generate(db: Session, school: School, day: date) -> tuple[int, int, str | None]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        (result,) = generate_schools(db, [school], [day])
        db.commit()
        return result.created, result.existing, result.closed


def _instances(db: Session, school: School) -> dict[tuple[str, str], TaskInstance]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rows = db.scalars(select(TaskInstance).where(TaskInstance.school_id == school.id)).all()
        return {(i.title, i.period): i for i in rows}


def test_generating_twice_for_the_same_day_makes_each_task_once(db: Session, school: School) -> None:
    give_calendar(db, school)
    assert _generate(db, school, TUESDAY) == (ON_TUESDAY, 0, None)
    assert _generate(db, school, TUESDAY) == (0, ON_TUESDAY, None)
    made = _instances(db, school)
    assert len(made) == ON_TUESDAY
    daily = [s for s in SEEDS if s.cadence == Cadence.DAILY]
    # The next day adds only that day's daily tasks: the week's, fortnight's, half-term's and term's exist.
    assert _generate(db, school, TUESDAY + timedelta(days=1)) == (
        len(daily),
        ON_TUESDAY - len(daily),
        None,
    )


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (HOLIDAY, "October half-term"),
        (INSET, "INSET day: Staff training"),
        (CLOSURE, "Planned closure: Polling station"),
        (SATURDAY, "Weekend"),
        (date(2026, 12, 22), "Christmas holiday"),
        (date(2026, 8, 20), "Outside term"),
        (date(2027, 9, 7), "No calendar for this year"),
    ],
)
def test_holidays_closures_and_days_without_a_calendar_make_no_tasks(
    db: Session, school: School, day: date, why: str
) -> None:
    give_calendar(db, school)
    assert _generate(db, school, day) == (0, 0, why)
    assert _instances(db, school) == {}


def test_each_cadence_falls_due_on_its_school_day_and_time(db: Session, school: School) -> None:
    give_calendar(db, school)
    _generate(db, school, date(2026, 11, 3))  # the first school day of Autumn 2
    _generate(db, school, TUESDAY)
    made = _instances(db, school)

    def due(title: str, period: str) -> tuple[date, datetime]:
        return made[(title, period)].due_on, made[(title, period)].due_at

    # Daily by 09:30 London time, which is 09:30 UTC in November.
    assert due("Check every register is complete", "2026-11-24") == (
        TUESDAY, datetime(2026, 11, 24, 9, 30, tzinfo=UTC))  # fmt: skip
    # Weekly on Friday; on Thursday, but Thursday is the polling-station closure, so the Wednesday before.
    assert due("Weekly data meeting", "2026-11-23")[0] == date(2026, 11, 27)
    assert due("Review and progress individual action plans", "2026-11-23")[0] == date(2026, 11, 25)
    # Fortnights count from the week the term began (Mon 31 Aug): 23 Nov starts one; due Thursday week.
    assert due("Home visits to severely absent pupils", "2026-11-23")[0] == date(2026, 12, 3)
    # Autumn 2 runs 2 Nov to 18 Dec without the INSET day (2 Nov) or the closure (26 Nov).
    assert due("Leadership scrutiny of attendance data", "2026-11-02")[0] == date(
        2026, 12, 14
    )  # 5th from end
    assert due("Arrange meetings with families of the poorest attenders", "2026-11-02")[0] == date(
        2026, 11, 9
    )
    # Termly: the 10th school day from the end of the autumn term.
    assert due("Termly attendance report to governors", "2026-09-02") == (
        date(2026, 12, 7), datetime(2026, 12, 7, 18, 0, tzinfo=UTC))  # fmt: skip
    assert made[("Weekly data meeting", "2026-11-23")].resource_url == "/dashboards/schools/100001/week"


def test_summer_time_due_times_are_kept_in_london_time(db: Session, school: School) -> None:
    give_calendar(db, school)
    _generate(db, school, date(2026, 9, 14))
    task = _instances(db, school)[("Check every register is complete", "2026-09-14")]
    assert task.due_at == datetime(2026, 9, 14, 8, 30, tzinfo=UTC)  # 09:30 BST


def test_each_school_of_the_trust_gets_its_own_tasks(db: Session, world: World, school: School) -> None:
    with context.use(system_context(db, "test")):
        other = db.get(School, world.a2.id)
        assert other is not None
    give_calendar(db, school)
    give_calendar(db, other)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        results = generate_schools(db, [school, other], [TUESDAY])
        db.commit()
    assert [r.created for r in results] == [ON_TUESDAY, ON_TUESDAY]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        per_school = dict(
            db.execute(select(TaskInstance.school_id, func.count()).group_by(TaskInstance.school_id)).all()
        )
    assert per_school == {school.id: ON_TUESDAY, other.id: ON_TUESDAY}


def test_the_daily_job_makes_each_school_s_tasks_once_per_day(
    app: Flask, db: Session, school: School, world: World
) -> None:
    give_calendar(db, school)
    database = app.extensions["turnout.db"]
    at_five = datetime.combine(TUESDAY, time(5, 0), tzinfo=UTC)
    first = run_job(database, "workflow-tasks", now=at_five)
    again = run_job(database, "workflow-tasks", now=at_five + timedelta(hours=2))
    assert outcome_details(db, first) == {
        school.trust_id: f"tasks for 2026-11-24: {ON_TUESDAY} made at 1 open schools; "
        "no calendar for this year at URN 100002",
        world.trust_b.id: "tasks for 2026-11-24: 0 made at 0 open schools; no calendar for this year at URN 200001",
    }
    assert again.id == first.id
    assert len(_instances(db, school)) == ON_TUESDAY
    closed = run_job(database, "workflow-tasks", now=datetime.combine(CLOSURE, time(5, 0), tzinfo=UTC))
    assert outcome_details(db, closed)[school.trust_id] == (
        "tasks for 2026-11-26: 0 made at 0 open schools; no calendar for this year at URN 100002"
    )
