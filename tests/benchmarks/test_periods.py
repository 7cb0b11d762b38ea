"""Benchmark periods: year to date, the term and half-term holding the day from the calendar most of the
trust's schools share; calendar months, said so, when no calendar knows the day."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.benchmarks.periods import trust_periods
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tests.calendars.sample import HOLIDAY, TUESDAY, give_calendar
from tests.conftest import World


def _periods(db: Session, world: World, day: date) -> dict:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        return trust_periods(db, trust, day)


def test_periods_come_from_the_schools_calendar(db: Session, world: World, school: School) -> None:
    give_calendar(db, school)
    found = _periods(db, world, TUESDAY)
    assert (found["ytd"].start, found["ytd"].end) == (date(2026, 8, 1), TUESDAY)
    assert (found["term"].start, found["term"].end) == (date(2026, 9, 2), TUESDAY)
    assert found["term"].label == "Autumn term (2 Sep 2026 to 24 Nov 2026)"
    assert (found["half_term"].start, found["half_term"].label) == (
        date(2026, 11, 2), "Autumn 2 (2 Nov 2026 to 24 Nov 2026)",
    )  # fmt: skip
    in_holiday = _periods(db, world, HOLIDAY)
    assert in_holiday["half_term"].start == date(2026, 9, 2)
    assert "is in a holiday" in in_holiday["half_term"].label


def test_without_a_calendar_the_seasons_are_used_and_said(db: Session, world: World) -> None:
    found = _periods(db, world, date(2025, 11, 24))
    assert found["term"].start == date(2025, 9, 1)
    assert found["half_term"].start == date(2025, 11, 1)
    assert "no school calendar covers this date" in found["term"].label
    spring = _periods(db, world, date(2026, 2, 20))
    assert (spring["term"].start, spring["half_term"].start) == (date(2026, 1, 1), date(2026, 2, 15))
