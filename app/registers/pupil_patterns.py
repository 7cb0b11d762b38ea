"""Where one pupil's absence falls: the year-to-date line week by week, weekdays and sessions, the days
next to holidays, and lateness put into lessons. Read from the pupil's own rollups and marks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.services import school_calendar
from app.registers.codes import CODES
from app.registers.marks import Mark, PupilWeek, SchoolSession
from app.registers.measures import COUNTERS, Counts, contribution, rate
from app.registers.models import Pupil
from app.registers.reports import Period
from app.registers.school_view import WEEKDAYS
from tenants.models import School


@dataclass(frozen=True)
class WeekPoint:
    """A week's attendance and the year-to-date figure at its end."""

    week_start: date
    week: float | None
    year_to_date: float | None


@dataclass
class Patterns:
    weeks: list[WeekPoint]
    weekdays: dict[str, dict[str, Counts]]
    next_to_breaks: Counts = field(default_factory=Counts)  # school days either side of a holiday
    breaks_from_calendar: bool = False  # from the school calendar, or guessed from the registers taken
    other_days: Counts = field(default_factory=Counts)
    late_before_close: int = 0  # L: present, late
    late_after_close: int = 0  # U: late after the register closed, an unauthorised absence
    minutes_late: int = 0


def pupil_patterns(db: Session, school: School, pupil: Pupil, today: date) -> Patterns:
    period = Period.year_to_date(today)
    patterns = Patterns(
        _weeks(db, school, pupil, period), {d: {"AM": Counts(), "PM": Counts()} for d in WEEKDAYS}
    )
    edges, patterns.breaks_from_calendar = _next_to_breaks(db, school, period)
    marks = db.execute(
        select(Mark.date, Mark.session, Mark.code, Mark.minutes_late).where(
            Mark.school_id == school.id,
            Mark.pupil_id == pupil.id,
            Mark.date.between(period.start, period.end),
        )
    )
    for day, session, code, minutes in marks:
        counts = Counts(*contribution(CODES[code], minutes))
        if day.weekday() < len(WEEKDAYS):
            cell = patterns.weekdays[WEEKDAYS[day.weekday()]]
            cell[session] = cell[session] + counts
        if day in edges:
            patterns.next_to_breaks = patterns.next_to_breaks + counts
        else:
            patterns.other_days = patterns.other_days + counts
        patterns.late_before_close += code == "L"
        patterns.late_after_close += code == "U"
        patterns.minutes_late += minutes or 0
    return patterns


def _weeks(db: Session, school: School, pupil: Pupil, period: Period) -> list[WeekPoint]:
    rows = db.execute(
        select(PupilWeek.week_start, *(getattr(PupilWeek, c) for c in COUNTERS))
        .where(PupilWeek.school_id == school.id, PupilWeek.pupil_id == pupil.id,
               PupilWeek.week_start.between(period.start, period.end))  # never last year's July
        .order_by(PupilWeek.week_start)
    )  # fmt: skip
    points, total = [], Counts()
    for week, *values in rows:
        counts = Counts(*values)
        total = total + counts
        points.append(WeekPoint(week, counts.attendance_rate, rate(total.attended, total.possible)))
    return points


def _next_to_breaks(db: Session, school: School, period: Period) -> tuple[set[date], bool]:
    """School days either side of a holiday or closure, and whether the school calendar said so.

    Without a calendar for the year they are guessed from the days registers were taken: days whose
    neighbouring register day is across a weekday without one, and the first day back after the summer.
    """
    calendar = school_calendar(db, school)
    if calendar.knows(period.end):
        return calendar.next_to_breaks(period.start, period.end), True
    days = sorted(
        set(
            db.scalars(
                select(SchoolSession.date).where(
                    SchoolSession.school_id == school.id, SchoolSession.date.between(period.start, period.end)
                )
            )
        )
    )
    edges: set[date] = set(days[:1])
    for before, after in zip(days, days[1:], strict=False):
        if _weekdays_between(before, after):
            edges.update((before, after))
    return edges, False


def _weekdays_between(before: date, after: date) -> int:
    return sum((before + timedelta(days=n)).weekday() < 5 for n in range(1, (after - before).days))
