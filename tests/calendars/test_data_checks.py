"""The calendar drives the data checks: school days with no register at all, marks on days the school was
closed, and the days next to a holiday in a pupil's patterns; without a calendar, nothing changes."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from flask import Flask, render_template
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.calendars.spans import academic_year
from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.pupil_patterns import pupil_patterns
from app.registers.recording import Recorder
from app.registers.school_view import BANDS, CalendarChecks, school_view
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.calendars.sample import give_calendar
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import signed_in

AUTUMN_2025 = b"""kind,name,start,end
term,Autumn term,2025-09-01,2025-12-19
holiday,October half-term,2025-10-20,2025-10-24
closure,Polling station,2025-10-15,
"""
FRIDAY = date(2025, 10, 31)


def _days(start: date, end: date) -> list[date]:
    """Weekdays from start to end."""
    every = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [d for d in every if d.weekday() < 5]


def _import(db: Session, school: School, upn: str, codes: dict[date, tuple[str, str]]) -> None:
    """One pupil's marks by day (AM, PM), as an MIS sends them."""
    lines = ["upn,date,session,code"]
    for day, (am, pm) in codes.items():
        lines += [f"{upn},{day},AM,{am}", f"{upn},{day},PM,{pm}"]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO("\n".join(lines).encode()), source="import", description="test",
                     recorder=Recorder(None, "Clerk", "Data manager"), reason="test", today=FRIDAY)  # fmt: skip


def _registers_with_gaps(db: Session, world: World, school: School) -> None:
    """Registers on every weekday from Monday 1 September to Friday 31 October 2025 except Tuesday
    16 September, Friday 31 October and the half-term week but its Tuesday: so also on two closed days."""
    pupil = Factory(db).pupil(world.a1, surname="Regular", admission_date=date(2025, 9, 1))
    skipped = {
        date(2025, 9, 16),
        date(2025, 10, 31),
        date(2025, 10, 20),
        *_days(date(2025, 10, 22), date(2025, 10, 24)),
    }
    _import(
        db, school, pupil.upn, {d: ("/", "\\") for d in _days(date(2025, 9, 1), FRIDAY) if d not in skipped}
    )


def _view(db: Session, school: School) -> CalendarChecks | None:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return school_view(db, school, FRIDAY).calendar


def test_school_days_without_a_register_and_marks_on_closed_days(
    app: Flask, db: Session, world: World, school: School
) -> None:
    """To Friday 31 October: 45 weekdays from 1 September, less the half-term week (5) and the closure on
    15 October, leave 39 school days. Registers were taken on 39 weekdays, two of them closed (the closure
    and Tuesday 21 October in half-term), so on 37 school days: 16 September and 31 October have none; the
    page's today (31 October) is not listed, since its registers may yet be taken."""
    _registers_with_gaps(db, world, school)
    assert _view(db, school) is None  # no calendar: nothing to check against, the page shows nothing new
    give_calendar(db, school, AUTUMN_2025)
    checks = _view(db, school)
    assert checks == CalendarChecks(
        not_taken=[date(2025, 9, 16)],
        marked_closed=[(date(2025, 10, 15), "Planned closure: Polling station"), (date(2025, 10, 21), "October half-term")],
    )  # fmt: skip
    with context.use(system_context(db, "test", trust_id=school.trust_id)), app.test_request_context():
        page = render_template("attendance/school.html", school=school, view=school_view(db, school, FRIDAY),
                               bands=BANDS, show_pupils=False, lessons=5)  # fmt: skip
    assert "Registers not taken on 1 school day: Tuesday 16 September." in page
    assert (
        "Marks counting as possible sessions (present or absent) on 2 days the calendar says the school was "
        "closed:\nWednesday 15 October "
        "(Planned closure: Polling station), Tuesday 21 October (October half-term)." in page
    )


@pytest.mark.parametrize(
    ("calendar", "near", "other"),
    [(True, (2, 8), (2, 10)), (False, (4, 10), (0, 8))],
    ids=["from the calendar", "guessed from the registers"],
)
def test_absence_next_to_a_holiday_follows_the_calendar_when_there_is_one(
    db: Session, world: World, school: School, calendar: bool, near: tuple[int, int], other: tuple[int, int]
) -> None:
    """Registers on Mon 13, Tue 14, Thu 16, Fri 17 and 27 to 31 October 2025 (none on the closure or in
    half-term). The pupil misses Monday 13 (N) and Friday 17 (I): 4 of 18 sessions.

    From the calendar, the days next to a break are Tue 14 and Thu 16 (either side of the closure), Fri 17
    and Mon 27 (either side of half-term): 8 sessions, 2 missed (Friday). Monday 13 follows an ordinary
    school Friday, so it is an other day: 10 sessions, 2 missed.
    Guessed from the registers, Monday 13 is the first register of the year, so next to a break too:
    10 sessions, 4 missed; the other days 28 to 31 October, 8 sessions, none missed."""
    if calendar:
        give_calendar(db, school, AUTUMN_2025)
    pupil = Factory(db).pupil(world.a1, surname="Patel", admission_date=date(2025, 9, 1))
    days = [date(2025, 10, d) for d in (13, 14, 16, 17, 27, 28, 29, 30, 31)]
    codes = {d: ("/", "\\") for d in days} | {date(2025, 10, 13): ("N", "N"), date(2025, 10, 17): ("I", "I")}
    _import(db, school, pupil.upn, codes)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        found = db.get(Pupil, (school.id, pupil.id))
        assert found is not None
        p = pupil_patterns(db, school, found, FRIDAY)
    assert p.breaks_from_calendar is calendar
    assert (p.next_to_breaks.absent, p.next_to_breaks.possible) == near
    assert (p.other_days.absent, p.other_days.possible) == other


def test_the_attendance_page_checks_registers_only_when_the_calendar_knows_the_year(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    signed_in(client, world.users["a_governor"])
    path = "/schools/100001/attendance"
    assert "Registers against the school calendar" not in client.get(path).get_data(as_text=True)
    year = academic_year(date.today())
    whole_year = f"kind,name,start,end\nterm,Whole year,{year}-08-01,{year + 1}-07-31\n".encode()
    give_calendar(db, school, whole_year)
    page = client.get(path).get_data(as_text=True)
    assert "Registers against the school calendar" in page
    assert 'href="/schools/100001/calendar"' in page


def test_planned_closure_marks_on_closed_days_are_right_and_only_counted_marks_are_flagged(
    app: Flask, db: Session, world: World, school: School
) -> None:
    """The school records # (planned closure, not a possible session) on the polling-station closure of
    Wednesday 15 October and on Wednesday 22 October in half-term, as the DfE asks; on Tuesday 21 October
    in half-term the pupil is marked present (/ and \\), two possible sessions. Only the 21st is flagged."""
    give_calendar(db, school, AUTUMN_2025)
    pupil = Factory(db).pupil(world.a1, surname="Closed", admission_date=date(2025, 9, 1))
    codes = {d: ("/", "\\") for d in _days(date(2025, 10, 13), date(2025, 10, 17))}
    codes |= {date(2025, 10, 15): ("#", "#"), date(2025, 10, 21): ("/", "\\"), date(2025, 10, 22): ("#", "#")}
    _import(db, school, pupil.upn, codes)
    checks = _view(db, school)
    assert checks is not None
    assert checks.marked_closed == [(date(2025, 10, 21), "October half-term")]
    with context.use(system_context(db, "test", trust_id=school.trust_id)), app.test_request_context():
        page = render_template("attendance/school.html", school=school, view=school_view(db, school, FRIDAY),
                               bands=BANDS, show_pupils=False, lessons=5)  # fmt: skip
    assert (
        "Marks counting as possible sessions (present or absent) on 1 day the calendar says the school was "
        "closed:\nTuesday 21 October (October half-term)." in page
    )
    assert "Wednesday 15 October (" not in page and "Wednesday 22 October (" not in page
