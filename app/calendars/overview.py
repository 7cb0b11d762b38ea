"""What the calendar pages show: each term's school days, the year month by month, a trust's schools."""

from __future__ import annotations

import calendar as months_of
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.models import CalendarEntry
from app.calendars.spans import Kind, SchoolCalendar, Span, academic_year
from app.clock import YEARS
from tenants.models import School

# Each kind of day as a letter and words (the page's legend), and the register key's class: never colour alone.
DAY_KINDS = {
    "school": ("S", "School day", "cat-present"),
    "weekend": ("W", "Weekend", "cat-not_counted"),
    "holiday": ("H", "Holiday", "cat-authorised"),
    "inset": ("I", "INSET day", "cat-approved_educational_activity"),
    "closure": ("C", "Planned closure", "cat-unauthorised"),
    "outside": ("O", "Outside term", "cat-none"),
}
ORIGIN_WORDS = {"school": "Set by the school", "trust": "From the trust"}


@dataclass(frozen=True)
class Day:
    """One day of the month picture: its kind (a key of DAY_KINDS) and, when closed, why."""

    day: date
    kind: str
    why: str | None


@dataclass(frozen=True)
class Month:
    first: date
    weeks: list[list[Day | None]]  # Monday to Sunday; None before the 1st and after the last day


def day_kind(cal: SchoolCalendar, day: date) -> str:
    if day.weekday() >= 5:
        return "weekend"
    closed = cal.closed_by(day)
    if closed is not None:
        return closed.kind.value
    return "school" if cal.term_of(day) is not None else "outside"


def months(cal: SchoolCalendar, year: int) -> list[Month]:
    """The months from the first term's start to the last term's end of the academic year."""
    terms = [t for t in cal.terms if academic_year(t.start) == year]
    if not terms:
        return []
    first, last = min(t.start for t in terms), max(t.end for t in terms)
    shown = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        weeks = [
            [_day(cal, date(y, m, n)) if n else None for n in week]
            for week in months_of.Calendar().monthdayscalendar(y, m)
        ]
        shown.append(Month(date(y, m, 1), weeks))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return shown


def _day(cal: SchoolCalendar, day: date) -> Day:
    return Day(day, day_kind(cal, day), cal.why_closed(day))


@dataclass(frozen=True)
class TermDays:
    """A term, its school days, and its half-terms with theirs."""

    term: Span
    days: int
    half_terms: list[tuple[Span, int]]


def terms(cal: SchoolCalendar, year: int) -> list[TermDays]:
    return [
        TermDays(
            term,
            len(cal.school_days(term.start, term.end)),
            [(h, len(cal.school_days(h.start, h.end))) for h in cal.half_terms if h.start in term],
        )
        for term in cal.terms
        if academic_year(term.start) == year
    ]


def years_offered(cal: SchoolCalendar, today: date, shown: int) -> list[int]:
    """The years the school has, this year, next year and the one shown: those a page may be asked for."""
    this = academic_year(today)
    return sorted(y for y in cal.years | {this, this + 1, shown} if y in YEARS)


@dataclass(frozen=True)
class SchoolYear:
    """One school's calendar for one academic year, as the trust page summarises it."""

    terms: int
    school_days: int
    origin: str


def trust_years(db: Session, schools: Sequence[School]) -> tuple[list[int], dict[int, dict[int, SchoolYear]]]:
    """The academic years any of the schools has entries in, and each school's summary of each year."""
    found: dict[int, dict[int, list[CalendarEntry]]] = defaultdict(lambda: defaultdict(list))
    ids = [s.id for s in schools]
    for entry in db.scalars(select(CalendarEntry).where(CalendarEntry.school_id.in_(ids))):
        found[entry.school_id][academic_year(entry.starts_on)].append(entry)
    years = sorted({year for by_year in found.values() for year in by_year})
    summaries = {}
    for school_id, by_year in found.items():
        cal = SchoolCalendar(e.span for year_entries in by_year.values() for e in year_entries)
        summaries[school_id] = {
            year: SchoolYear(
                sum(e.kind == Kind.TERM for e in year_entries),
                len(cal.school_days(date(year, 8, 1), date(year + 1, 7, 31))),
                origin_words(year_entries),
            )
            for year, year_entries in by_year.items()
        }
    return years, summaries


def origin_words(entries: Sequence[CalendarEntry]) -> str:
    """Whose terms a year has; a pushed year may keep the school's own INSET days and closures."""
    origins = {e.origin for e in entries if e.kind == Kind.TERM}
    own = sum(e.origin == "school" for e in entries)
    if origins == {"trust"}:
        return "From the trust" + (
            f"; {own} entr{'y' if own == 1 else 'ies'} set by the school" if own else ""
        )
    if origins == {"school"}:
        return "Set by the school"
    return "From the trust and the school" if origins else "No terms"


EXAMPLE_CSV = """kind,name,start,end
term,Autumn term,2026-09-01,2026-12-18
inset,Staff training,2026-09-01,
half_term,Autumn 1,2026-09-01,2026-10-23
holiday,October half-term,2026-10-26,2026-10-30
half_term,Autumn 2,2026-11-02,2026-12-18
holiday,Christmas holiday,2026-12-21,2027-01-01
term,Spring term,2027-01-04,2027-03-26
inset,Staff training,2027-01-04,
half_term,Spring 1,2027-01-04,2027-02-12
holiday,February half-term,2027-02-15,2027-02-19
half_term,Spring 2,2027-02-22,2027-03-26
holiday,Easter holiday,2027-03-29,2027-04-09
term,Summer term,2027-04-12,2027-07-21
half_term,Summer 1,2027-04-12,2027-05-28
holiday,Early May bank holiday,2027-05-03,2027-05-03
closure,Polling station,2027-05-06,
holiday,May half-term,2027-05-31,2027-06-04
half_term,Summer 2,2027-06-07,2027-07-21
holiday,Summer holiday,2027-07-22,2027-08-31
"""
