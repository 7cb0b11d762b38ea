"""Which term an assessment or pack belongs to: the school's own terms, or the season where it has none.

A school without a calendar for the year still reviews termly, so its terms fall back to the seasons
DfE statistics use, in whole months: autumn (1 August to 31 December), spring (1 January to 31 March)
and summer (1 April to 31 July). Pages name that choice so nobody mistakes it for the school's dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.calendars.spans import SchoolCalendar

_SEASONS = ((8, 1, 12, 31, "Autumn"), (1, 1, 3, 31, "Spring"), (4, 1, 7, 31, "Summer"))


@dataclass(frozen=True)
class Term:
    start: date
    end: date
    name: str
    from_calendar: bool  # False: a season, as the school has no calendar for the year

    @property
    def key(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        dates = f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"
        return (
            f"{self.name} ({dates})" if self.from_calendar else f"{self.name} (no school calendar: {dates})"
        )

    def school_days(self, calendar: SchoolCalendar, until: date | None = None) -> list[date]:
        """The term's school days (weekdays, for a season) up to a day, or all of them."""
        last = min(until, self.end) if until else self.end
        if self.from_calendar:
            return calendar.school_days(self.start, last)
        return [self.start + timedelta(days=n) for n in range((last - self.start).days + 1)
                if (self.start + timedelta(days=n)).weekday() < 5]  # fmt: skip


def season_of(day: date) -> Term:
    for first_month, first_day, last_month, last_day, name in _SEASONS:
        start, end = date(day.year, first_month, first_day), date(day.year, last_month, last_day)
        if start <= day <= end:
            return Term(start, end, f"{name} {day.year}", False)
    raise AssertionError("the seasons cover every day of the year")


def term_of(calendar: SchoolCalendar, day: date) -> Term:
    """The term holding the day; in a holiday, the term just ended (the one a review looks back on)."""
    if not calendar.knows(day):
        return season_of(day)
    span = calendar.term_of(day) or max((t for t in calendar.terms if t.end < day), key=lambda t: t.end,
                                        default=None)  # fmt: skip
    if span is None:  # before the year's first term: the season it falls in
        return season_of(day)
    return Term(span.start, span.end, span.name, True)


def previous_term(calendar: SchoolCalendar, term: Term) -> Term:
    """The term before: the school's term ending before this one starts, else the season before (a
    season can hold the days before a school's first term, so step back until one ends in time)."""
    found = term_of(calendar, term.start - timedelta(days=1))
    while found.end >= term.start:
        found = term_of(calendar, found.start - timedelta(days=1))
    return found


def parse_term(calendar: SchoolCalendar, text: str | None, today: date) -> tuple[Term, str | None]:
    """The term holding the day asked for (any day of it, usually its first), or today's and the problem."""
    text = (text or "").strip()
    if not text:
        return term_of(calendar, today), None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year < 2100:
        problem = f"Term '{text[:20]}' is not a date: give the term's first day as YYYY-MM-DD."
        return term_of(calendar, today), problem
    return term_of(calendar, day), None
