"""The benchmark engine against hand-worked figures (tests/benchmarks/sample.py): trust rates pool
sessions and enrolments, never average the schools' percentages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from app.benchmarks.engine import benchmark, compute
from app.registers.reports import Period, pupil_counts
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tests.benchmarks.sample import END, WEEK_ONE, two_schools
from tests.conftest import World


def _trust(db: Session, world: World) -> Trust:
    trust = db.get(Trust, world.trust_a.id)
    assert trust is not None
    return trust


def test_trust_rates_pool_sessions_and_enrolments_not_percentages(db: Session, world: World) -> None:
    two_schools(db, world)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        result = benchmark(db, _trust(db, world), WEEK_ONE, END)
    small, large = (result.school(world.a1.id), result.school(world.a2.id))
    assert small is not None and large is not None
    # Alder One: 3 enrolments (Reception, Year 12 and the world's unmarked pupil left out), 60 sessions.
    assert (small.enrolments, small.possible_sessions, small.attended_sessions) == (3, 60, 48)
    assert (small.authorised_sessions, small.unauthorised_sessions) == (7, 5)
    assert small.attendance_rate == pytest.approx(80.0)
    assert small.absence_rate == pytest.approx(20.0)
    assert (small.persistent, small.severe) == (2, 1)
    assert small.persistent_rate == pytest.approx(200 / 3)
    assert small.severe_rate == pytest.approx(100 / 3)
    assert small.days_missed == 6
    # Alder Two: 40 enrolments, 800 sessions, 2 away.
    assert (large.enrolments, large.possible_sessions, large.attended_sessions) == (40, 800, 798)
    assert large.attendance_rate == pytest.approx(99.75)
    assert (large.persistent, large.severe, large.persistent_rate) == (0, 0, 0)
    # The trust pools: 846 of 860 sessions attended; PA 2 and SA 1 of 43 enrolments.
    trust = result.trust
    assert (trust.enrolments, trust.possible_sessions, trust.attended_sessions) == (43, 860, 846)
    assert trust.attendance_rate == pytest.approx(846 / 860 * 100)  # 98.37%
    assert trust.absence_rate == pytest.approx(14 / 860 * 100)  # 1.63%
    assert trust.authorised_rate == pytest.approx(7 / 860 * 100)
    assert trust.unauthorised_rate == pytest.approx(7 / 860 * 100)
    assert trust.persistent_rate == pytest.approx(2 / 43 * 100)  # 4.65%
    assert trust.severe_rate == pytest.approx(1 / 43 * 100)  # 2.33%
    assert trust.days_missed == 7
    # The average of the two schools' percentages would say something else entirely.
    averaged = (small.attendance_rate + large.attendance_rate) / 2  # 89.875%
    assert abs(trust.attendance_rate - averaged) > 8
    assert abs(trust.persistent_rate - (200 / 3 + 0) / 2) > 28
    assert abs(trust.severe_rate - (100 / 3 + 0) / 2) > 14


def test_rank_quartile_flag_movement_and_cohorts(db: Session, world: World) -> None:
    two_schools(db, world)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        result = benchmark(db, _trust(db, world), WEEK_ONE, END)
    small, large = result.school(world.a1.id), result.school(world.a2.id)
    assert small is not None and large is not None
    assert (large.rank, large.quartile, small.rank, small.quartile) == (1, 1, 2, 4)  # top and bottom of two
    # England primary 94.72%: Alder One (80%) is flagged; secondary 91.51%: Alder Two (99.75%) is not.
    assert small.below_national is True and large.below_national is False
    assert small.tsm_reason == (
        "Attendance 80.0% is below England's 94.7% for primary schools: flagged for a termly Targeting "
        "Support Meeting with the LA."
    )
    # Week one was all present: the period's rate moved from 100% a week earlier.
    assert small.movement_pp == pytest.approx(-20.0)
    assert large.movement_pp == pytest.approx(-0.25)
    assert result.trust.movement_pp == pytest.approx(846 / 860 * 100 - 100)
    fsm, not_fsm = result.trust.cohorts["fsm"], result.trust.cohorts["not_fsm"]
    assert (fsm.enrolments, fsm.possible_sessions, fsm.attendance_rate) == (1, 20, 50.0)
    assert (not_fsm.enrolments, not_fsm.possible_sessions) == (42, 840)
    assert not_fsm.attendance_rate == pytest.approx(836 / 840 * 100)
    assert result.trust.gap("fsm", "not_fsm") == pytest.approx(50 - 836 / 840 * 100)
    assert small.cohorts["sen_support"].persistent_rate == 100.0
    assert small.cohorts["male"].attendance_rate == pytest.approx(90.0)
    assert small.cohorts["female"].attendance_rate == pytest.approx(30 / 40 * 100)
    assert result.trust.cohorts["year:9"].enrolments == 40
    assert result.trust.cohorts["year:5"].enrolments == 3
    assert "year:R" not in result.trust.cohorts and "year:12" not in result.trust.cohorts


def test_reference_rows_are_the_files_figures(db: Session, world: World) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        result = benchmark(db, _trust(db, world), WEEK_ONE, END)
    assert [(r.name, r.phase) for r in result.las] == [("Norfolk", "Primary"), ("Norfolk", "Secondary")]
    norfolk = result.las[0]
    assert (norfolk.level, norfolk.la_code, norfolk.enrolments, norfolk.possible_sessions) == (
        "la", "926", 61080, 18649268,
    )  # fmt: skip
    assert norfolk.attendance_rate == pytest.approx(94.5274366800885)
    assert norfolk.persistent_rate == pytest.approx(13.527397260274)
    assert norfolk.severe_rate is None
    assert [r.phase for r in result.national] == ["Primary", "Secondary", "Total"]
    england = result.national[-1]
    assert (england.name, england.enrolments, england.possible_sessions) == ("England", 8103241, 2445419687)
    assert england.attendance_rate == pytest.approx(93.1167518649325)
    assert england.absence_rate == pytest.approx(6.88324813506746)
    assert england.authorised_rate == pytest.approx(4.52176301629652)
    assert england.unauthorised_rate == pytest.approx(2.36148511877094)
    assert england.persistent_rate == pytest.approx(18.7817604593414)


def test_part_weeks_come_from_marks_and_agree_with_the_school_view(db: Session, world: World) -> None:
    """Wednesday 10 to Wednesday 17 September: part-weeks at both ends, no whole week."""
    two_schools(db, world)
    start, end = date(2025, 9, 10), date(2025, 9, 17)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        computed = compute(db, _trust(db, world), {"p": (start, end, "")}, series_until=end)
        done = computed.benchmarks["p"]
        school = db.get(School, world.a1.id)
        assert school is not None
        counts = pupil_counts(db, school, Period(start, end))
    # Alder One counted pupils: 6 sessions each in week one, 6 in week two (Bea I I I I I O, Cal I I / \ / \).
    small = done.school(world.a1.id)
    assert small is not None
    assert (small.possible_sessions, small.attended_sessions) == (36, 28)
    counted = [c for pid, c in counts.items() if c.possible and pid not in _left_out(db, world)]
    assert sum(c.possible for c in counted) == 36 and sum(c.attended for c in counted) == 28
    # The weekly series ends with this week so far (Monday to Wednesday: Ada 6, Bea 0, Cal 4 of 18).
    a1_weeks = [(w.week_start, w.possible, w.attended) for w in computed.weeks if w.school_id == world.a1.id]
    assert a1_weeks == [(WEEK_ONE, 30, 30), (date(2025, 9, 15), 18, 10)]


def _left_out(db: Session, world: World) -> set[int]:
    from sqlalchemy import select

    from app.registers.models import Pupil

    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        return set(db.scalars(select(Pupil.id).where(Pupil.year_group.in_(["R", "12"]))))
