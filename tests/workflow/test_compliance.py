"""On-time compliance worked out by hand (tests/workflow/compliance_sample.py): what counts, when an early
tick counts, the split by cadence and role, and a trust pooling its schools' tasks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.workflow import compliance, services
from app.workflow.compliance import Tally
from app.workflow.models import Cadence, TaskInstance
from app.workflow.wording import status
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School
from tests.conftest import World
from tests.workflow.compliance_sample import (
    MONDAY,
    NOW,
    REGISTER,
    SUMMARY,
    TODAY,
    arrange,
    at,
    generate,
    task,
    tick,
    tick_the_summary_early,
)

YEAR_START = date(2026, 8, 1)


def _school(db: Session, school: School) -> compliance.SchoolCompliance:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return compliance.school_compliance(db, school, TODAY, NOW, YEAR_START)


def test_a_task_counts_once_due_and_an_early_tick_counts_at_once(db: Session, world: World) -> None:
    """Before: 2 on time, 1 late, 1 missed; Tuesday's summary (due 16:30) is not yet due, so 2 of 4.
    Ticked at 12:15 it counts at once, on time: 3 of 5 = 60.0%."""
    schools = arrange(db, world)
    before = _school(db, schools.a1)
    assert before.total == Tally(on_time=2, late=1, missed=1)
    assert before.total.rate == 50.0
    tick_the_summary_early(db, schools)
    after = _school(db, schools.a1)
    assert after.total == Tally(on_time=3, late=1, missed=1)
    assert (after.total.due, round(after.total.rate or 0, 1)) == (5, 60.0)
    assert after.start == date(2026, 10, 28) and after.end == TODAY  # 28 days, today included


def test_figures_split_by_cadence_and_by_role(db: Session, world: World) -> None:
    """Daily: register Mon (on time), register Tue (missed), summary Mon (late), summary Tue (early) = 2 of 4.
    Weekly: the banding review, on time. Staff: the two register checks = 1 of 2. Lead (the school gave
    it the summary): the two summaries and the banding review = 2 of 3 = 66.7%."""
    schools = arrange(db, world)
    tick_the_summary_early(db, schools)
    found = _school(db, schools.a1)
    assert found.by_cadence == {Cadence.DAILY: Tally(2, 1, 1), Cadence.WEEKLY: Tally(1, 0, 0)}
    assert found.by_role == {Role.STAFF: Tally(1, 0, 1), Role.SCHOOL_LEAD: Tally(2, 1, 0)}
    assert round(found.by_role[Role.SCHOOL_LEAD].rate or 0, 1) == 66.7
    assert [(t.title, t.due_on) for t in found.missed] == [(REGISTER, TODAY)]
    assert [(t.title, t.completed_by_name, compliance.late_words(t)) for t in found.late] == [
        (SUMMARY, "Alex Morgan", "45 minutes")
    ]
    assert found.weeks == [(MONDAY, Tally(3, 1, 1))]


def test_the_export_rows_give_every_cadence_and_role(db: Session, world: World) -> None:
    schools = arrange(db, world)
    tick_the_summary_early(db, schools)
    rows = compliance.school_rows(_school(db, schools.a1))
    by_name = {
        (r["group"], r["name"]): (r["on_time"], r["late"], r["missed"], r["counted"], r["rate"]) for r in rows
    }
    assert by_name == {
        ("Cadence", "Daily"): (2, 1, 1, 4, 50.0),
        ("Cadence", "Weekly"): (1, 0, 0, 1, 100.0),
        ("Cadence", "Fortnightly"): (0, 0, 0, 0, None),
        ("Cadence", "Half-termly"): (0, 0, 0, 0, None),
        ("Cadence", "Termly"): (0, 0, 0, 0, None),
        ("Role", "Attendance staff"): (1, 0, 1, 2, 50.0),
        ("Role", "Senior attendance lead"): (2, 1, 0, 3, 66.7),
        ("All tasks", "All tasks"): (3, 1, 1, 5, 60.0),
    }


def test_the_trust_pools_tasks_across_schools_of_different_sizes(db: Session, world: World) -> None:
    """Alder One 3 of 5 (60.0%), Alder Two 1 of 2 (50.0%). The mean of the two rates would be 55.0%;
    pooled, the trust did 4 of its 7 counted tasks on time: 57.1%."""
    schools = arrange(db, world)
    tick_the_summary_early(db, schools)
    with context.use(system_context(db, "test", trust_id=schools.a1.trust_id)):
        found = compliance.trust_compliance(db, [schools.a1, schools.a2], TODAY, NOW, weeks=4)
        trend = compliance.trust_trend(db, [schools.a1, schools.a2], TODAY, NOW)
    assert found.school_total(schools.a1.id).rate == 60.0 and found.school_total(schools.a2.id).rate == 50.0
    assert found.total == Tally(4, 2, 1)
    assert round(found.total.rate or 0, 1) == 57.1
    assert found.cadence_total(Cadence.DAILY) == Tally(3, 1, 1)  # Alder Two's register check on time
    assert found.cadence_total(Cadence.WEEKLY) == Tally(1, 1, 0)  # Alder Two's banding review late
    assert found.cell(schools.a2.id, Cadence.TERMLY) == Tally()
    assert trend.weeks == [MONDAY] and trend.pooled[MONDAY] == Tally(4, 2, 1)
    assert trend.by_school[schools.a2.id] == {MONDAY: Tally(1, 1, 0)}


def test_the_trust_trend_has_a_point_for_each_week_with_tasks(db: Session, world: World) -> None:
    """Alder Two's tasks of Monday 16 November were never ticked: the register check and summary of that
    day, that week's banding review (Monday) and cohort meeting (Wednesday 18): 0 of 4 that week."""
    schools = arrange(db, world)
    generate(db, schools.a2, date(2026, 11, 16))
    with context.use(system_context(db, "test", trust_id=schools.a1.trust_id)):
        trend = compliance.trust_trend(db, [schools.a1, schools.a2], TODAY, NOW)
    week_before = date(2026, 11, 16)
    assert trend.weeks == [week_before, MONDAY]
    assert trend.pooled[week_before] == Tally(0, 0, 4)
    assert trend.pooled[MONDAY] == Tally(3, 2, 1)  # Alder One's summary of Tuesday is not due yet
    assert week_before not in trend.by_school[schools.a1.id]


def test_an_undone_tick_is_missed_again(db: Session, world: World) -> None:
    """Undoing Monday's register check leaves it past due and not done: missed, not on time."""
    schools = arrange(db, world)
    found = task(db, schools.a1, REGISTER, MONDAY)
    with context.use(system_context(db, "test", trust_id=schools.a1.trust_id)):
        services.undo(db, schools.a1, found, schools.staff, now=NOW)
    assert _school(db, schools.a1).total == Tally(on_time=1, late=1, missed=2)


def test_late_words_round_up_to_the_minute(db: Session, world: World) -> None:
    """Alder Two's banding review was due Monday 12:00 and ticked Tuesday 11:00."""
    schools = arrange(db, world)
    banding = task(db, schools.a2, "Weekly banding review", MONDAY)
    assert compliance.late_words(banding) == "23 hours"
    due = banding.due_at
    for late_by, words in [(timedelta(seconds=1), "1 minute"), (timedelta(minutes=65), "1 hour 5 minutes")]:
        assert compliance.late_words(TaskInstance(due_at=due, completed_at=due + late_by)) == words


def test_the_due_instant_is_on_time_and_not_yet_missed_on_every_page(db: Session, world: World) -> None:
    """Alder One's Tuesday summary is due 16:30. At 16:30 exactly, open, it is "Due later" and not counted
    (2 on time, 1 late, 1 missed as before); ticked at 16:30 it is "Done on time" and counts on time (3 of 5);
    open at 16:31 it is "Overdue" and missed (2, 1, 2)."""
    schools = arrange(db, world)
    due = at(TODAY, 16, 30)

    def figures(now: datetime) -> Tally:
        with context.use(system_context(db, "test", trust_id=schools.a1.trust_id)):
            return compliance.school_compliance(db, schools.a1, TODAY, now, YEAR_START).total

    summary = task(db, schools.a1, SUMMARY, TODAY)
    assert summary.due_at == due
    assert (status(summary, due), figures(due)) == ("Due later", Tally(2, 1, 1))
    later = due + timedelta(minutes=1)
    assert (status(summary, later), figures(later)) == ("Overdue", Tally(2, 1, 2))
    tick(db, schools.a1, SUMMARY, TODAY, schools.lead, due)
    summary = task(db, schools.a1, SUMMARY, TODAY)
    assert (status(summary, later), figures(due)) == ("Done on time", Tally(3, 1, 1))
