"""Tasks stay fair as things change: nobody owes a task whose due day passed before it existed, a closure
declared in the morning withdraws the day's untouched tasks (never a ticked or annotated one), a retimed
task moves, a departed owner's tasks fall back to the role, and two ticks at once leave one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from unittest.mock import patch

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import clock
from app.auth.services import find_user_by_email
from app.calendars.services import add_entry, remove_entry
from app.calendars.spans import Kind, Span
from app.registers.recording import Recorder
from app.workflow import editing, generation, services
from app.workflow.generation import generate_schools, refresh
from app.workflow.models import Cadence, PlaybookTask, SchoolTask, TaskEvent, TaskInstance
from app.workflow.tasks import school_tasks
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, School
from tests.calendars.sample import TUESDAY, give_calendar
from tests.conftest import World

SEVEN = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday, 07:00 in London (GMT): before every daily task
DAILY = 6  # the playbook's daily tasks


@pytest.fixture
def scoped(db: Session, school: School) -> Iterator[Session]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        yield db


def _made(db: Session, school: School, day: date) -> None:
    generate_schools(db, [school], [day])
    db.commit()


def _on(db: Session, school: School, day: date) -> dict[str, TaskInstance]:
    rows = db.scalars(
        select(TaskInstance).where(TaskInstance.school_id == school.id, TaskInstance.due_on == day)
    )
    return {t.title: t for t in rows}


def _staff(db: Session, world: World) -> Recorder:
    user = find_user_by_email(db, world.users["a1_staff"])
    return Recorder(user.id, user.name, user.job_title)


def test_a_task_whose_due_day_has_gone_by_is_not_made(
    db: Session, world: World, scoped: Session, school: School
) -> None:
    other = db.get(School, world.a2.id)
    assert other is not None
    give_calendar(db, school)
    give_calendar(db, other)
    _made(db, school, date(2026, 11, 23))  # Monday: the banding review is due today
    _made(db, other, TUESDAY)  # a school whose tasks start on Tuesday does not owe Monday's review
    banding = select(TaskInstance.school_id).where(TaskInstance.title == "Weekly banding review")
    assert set(db.scalars(banding)) == {school.id}


def test_a_closure_declared_in_the_morning_withdraws_the_days_untouched_tasks(
    db: Session, world: World, scoped: Session, school: School
) -> None:
    give_calendar(db, school)
    _made(db, school, TUESDAY)
    today = _on(db, school, TUESDAY)
    assert len(today) == DAILY
    services.complete(db, school, today["Check every register is complete"], _staff(db, world),
                      now=datetime(2026, 11, 24, 7, 5, tzinfo=UTC))  # fmt: skip
    services.add_note(db, school, today["First-day calls for unexplained absence"], _staff(db, world), "Snow")
    with patch.object(clock, "utcnow", lambda: SEVEN):
        snow = add_entry(
            db, school, Span(Kind.CLOSURE, "Snow day", TUESDAY, TUESDAY), Recorder(None, "Head", "Head")
        )
    assert sorted(_on(db, school, TUESDAY)) == [
        "Check every register is complete", "First-day calls for unexplained absence"]  # fmt: skip
    assert "Weekly data meeting" in _on(db, school, date(2026, 11, 27))  # Friday's is untouched
    with patch.object(clock, "utcnow", lambda: SEVEN):
        remove_entry(db, school, snow.id)  # the school opens after all: the day's tasks come back
    assert len(_on(db, school, TUESDAY)) == DAILY


def test_retiming_a_task_moves_todays_open_one(db: Session, scoped: Session, school: School) -> None:
    give_calendar(db, school)
    _made(db, school, TUESDAY)
    key = db.scalar(select(PlaybookTask.id).where(PlaybookTask.key == "register-check"))
    db.add(
        SchoolTask(school_id=school.id, id=1, playbook_id=key, due_time=time(15, 0), updated_by_name="Lead")
    )
    assert refresh(db, school, SEVEN) == (1, 1)
    db.commit()
    moved = _on(db, school, TUESDAY)["Check every register is complete"]
    assert moved.due_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert refresh(db, school, SEVEN) == (0, 0)  # nothing more to put right


def test_a_task_made_after_its_time_today_is_not_owed(db: Session, scoped: Session, school: School) -> None:
    """A calendar arriving at 10:00 makes today's tasks still to come, not the 09:30 register check."""
    give_calendar(db, school)
    removed, made = refresh(db, school, datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert (removed, made) == (0, db.scalar(select(func.count()).select_from(TaskInstance)))
    assert "Check every register is complete" not in _on(db, school, TUESDAY)
    assert "End-of-day summary to senior leads" in _on(db, school, TUESDAY)


def test_a_named_owner_who_has_left_hands_the_task_back_to_the_role(
    db: Session, world: World, scoped: Session, school: School
) -> None:
    staff = find_user_by_email(db, world.users["a1_staff"])
    key = db.scalar(select(PlaybookTask.id).where(PlaybookTask.key == "register-check"))
    db.add(
        SchoolTask(school_id=school.id, id=1, playbook_id=key, owner_user_id=staff.id, updated_by_name="Lead")
    )
    db.commit()
    owner = {t.title: t.owner_user_id for t in school_tasks(db, school)}
    assert owner["Check every register is complete"] == staff.id
    db.execute(update(Membership).where(Membership.user_id == staff.id).values(active=False))
    db.commit()
    owner = {t.title: t.owner_user_id for t in school_tasks(db, school)}
    assert owner["Check every register is complete"] is None


def test_a_trust_changing_a_tasks_cadence_drops_a_schools_due_day_that_no_longer_fits(
    db: Session, scoped: Session, school: School
) -> None:
    task = db.scalars(select(PlaybookTask).where(PlaybookTask.key == "governors-meeting")).one()
    db.add(SchoolTask(school_id=school.id, id=1, playbook_id=task.id, due_day=40, updated_by_name="Lead"))
    task.cadence, task.due_day = Cadence.WEEKLY, 4
    db.commit()
    (governors,) = [t for t in school_tasks(db, school) if t.key == f"p{task.id}"]
    assert (governors.due_day, governors.when, governors.changed) == (4, "Fridays by 18:00", ())


def test_of_two_ticks_at_once_the_first_stands(app: Flask, db: Session, world: World, school: School) -> None:
    give_calendar(db, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        _made(db, school, TUESDAY)
    database = app.extensions["turnout.db"]
    with context.use(system_context(db, "test", trust_id=school.trust_id)), database.session() as first, \
            database.session() as second:  # fmt: skip
        query = select(TaskInstance).where(TaskInstance.title == "Check every register is complete")
        mine, theirs = first.scalars(query).one(), second.scalars(query).one()
        services.complete(
            first, school, mine, _staff(db, world), now=datetime(2026, 11, 24, 9, 29, 59, tzinfo=UTC)
        )
        with pytest.raises(services.TaskRefused, match="was already done by Staff at 09:29"):
            services.complete(
                second, school, theirs, _staff(db, world), now=datetime(2026, 11, 24, 9, 30, 1, tzinfo=UTC)
            )
        assert theirs.completed_at == datetime(2026, 11, 24, 9, 29, 59, tzinfo=UTC)
        assert second.scalar(select(func.count()).select_from(TaskEvent)) == 1


def test_overlapping_runs_make_each_task_once(
    db: Session, scoped: Session, school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduler's job and `turnout tasks generate` at once: the second run's look-up found nothing yet."""
    give_calendar(db, school)
    _made(db, school, TUESDAY)
    before = db.scalar(select(func.count()).select_from(TaskInstance))
    monkeypatch.setattr(generation, "_existing", lambda *_args: set())
    _made(db, school, TUESDAY)
    assert db.scalar(select(func.count()).select_from(TaskInstance)) == before


def test_disabling_a_task_withdraws_its_open_task_today_and_enabling_brings_it_back(
    db: Session, scoped: Session, school: School
) -> None:
    give_calendar(db, school)
    _made(db, school, TUESDAY)
    register_check = db.scalars(select(PlaybookTask).where(PlaybookTask.key == "register-check")).one()
    with patch.object(clock, "utcnow", lambda: SEVEN):
        editing.set_playbook_enabled(db, school, register_check, False, "Lead")
        assert "Check every register is complete" not in _on(db, school, TUESDAY)
        editing.set_playbook_enabled(db, school, register_check, True, "Lead")
    assert _on(db, school, TUESDAY)["Check every register is complete"].due_at == datetime(
        2026, 11, 24, 9, 30, tzinfo=UTC)  # fmt: skip
