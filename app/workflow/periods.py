"""Which period a school day falls in for each cadence, and the school day a task is due in it.

Periods are named by their first day: the day itself; the week's Monday; the fortnight's Monday
(fortnights counted from the week the term starts); the half-term's or term's first day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from app.calendars.spans import SchoolCalendar
from app.clock import uk_moment
from app.registers.recording import week_start
from app.workflow.models import Cadence


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    @property
    def key(self) -> str:
        return self.start.isoformat()


def period_of(calendar: SchoolCalendar, cadence: Cadence, day: date) -> Period | None:
    """The period holding a school day; None when the calendar has none (a day outside any half-term)."""
    if cadence == Cadence.DAILY:
        return Period(day, day, f"{day:%A %-d %B %Y}")
    if cadence == Cadence.WEEKLY:
        monday = week_start(day)
        return Period(monday, monday + timedelta(days=6), f"Week beginning {monday:%-d %B %Y}")
    if cadence == Cadence.FORTNIGHTLY:
        term = calendar.term_of(day)
        if term is None:
            return None
        first = week_start(term.start)
        monday = first + timedelta(days=(week_start(day) - first).days // 14 * 14)
        return Period(
            monday, min(monday + timedelta(days=13), term.end), f"Fortnight beginning {monday:%-d %B %Y}"
        )
    span = calendar.half_term_of(day) if cadence == Cadence.HALF_TERMLY else calendar.term_of(day)
    return None if span is None else Period(span.start, span.end, span.name)


def due_on(calendar: SchoolCalendar, cadence: Cadence, period: Period, due_day: int | None) -> date | None:
    """The school day the task is due in the period, or None if the period has no school day.

    Weekly and fortnightly tasks fall on their weekday (in a fortnight's second week); if the school is
    closed then, the school day before it in the period, else the first one after. Half-termly and termly
    tasks fall on school day n of the period, or n from its end when n is negative, kept inside it.
    """
    days = calendar.school_days(period.start, period.end)
    if not days:
        return None
    if cadence == Cadence.DAILY:
        return period.start
    if cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY):
        weeks = 1 if cadence == Cadence.FORTNIGHTLY else 0
        wanted = period.start + timedelta(days=7 * weeks + (due_day or 0))
        before = [d for d in days if d <= wanted]
        return before[-1] if before else days[0]
    n = due_day or 1
    index = min(n, len(days)) - 1 if n > 0 else max(n, -len(days))
    return days[index]


def due_at(day: date, at: time) -> datetime:
    """The moment a task is due, in UTC, from the school's local (UK) date and time."""
    return uk_moment(day, at)
