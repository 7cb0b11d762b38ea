"""The three periods a trust is benchmarked over on a day: year to date, this term and this half-term, each
from its first day to the day, taken from the schools' calendars (the one most of them share)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar, Span
from app.registers.reports import academic_year_start
from tenants.models import School, Trust

PERIOD_KEYS = ("ytd", "term", "half_term")
PERIOD_NAMES = {"ytd": "Year to date", "term": "Term", "half_term": "Half-term"}
NO_CALENDAR_NOTE = "no school calendar covers this date, so calendar months are used"
# Seasons used when no calendar knows the day: (first month, first day), halves split at the second entry.
SEASONS = (
    ("Autumn term", (9, 1), (11, 1), (12, 31)),
    ("Spring term", (1, 1), (2, 15), (3, 31)),
    ("Summer term", (4, 1), (6, 1), (7, 31)),
)


@dataclass(frozen=True)
class Period:
    """A benchmark period, first and last day included, named for people."""

    key: str
    start: date
    end: date
    label: str

    def as_tuple(self) -> tuple[date, date, str]:
        return self.start, self.end, self.label


def _span_label(name: str, start: date, end: date) -> str:
    return f"{name} ({start:%-d %b %Y} to {end:%-d %b %Y})"


def _common(found: list[Span]) -> Span | None:
    """The span most schools have (ties: the earliest start)."""
    if not found:
        return None
    counted = Counter((s.start, s.end, s.name) for s in found)
    (start, end, name), _ = min(counted.items(), key=lambda item: (-item[1], item[0]))
    return Span(found[0].kind, name, start, end)


def _holding(calendars: list[SchoolCalendar], day: date, half: bool) -> tuple[Span | None, bool]:
    """The term (or half-term) holding the day in most calendars; in a holiday, the last one begun."""
    held = [cal.half_term_of(day) if half else cal.term_of(day) for cal in calendars]
    found = [s for s in held if s is not None]
    if found:
        return _common(found), True
    year = academic_year_start(day)
    begun = []
    for cal in calendars:
        spans = [s for s in (cal.half_terms or cal.terms if half else cal.terms) if year <= s.start <= day]
        if spans:
            begun.append(max(spans, key=lambda s: s.start))
    return _common(begun), False


def _season(day: date, half: bool) -> tuple[date, str]:
    """The first day and name of the season (or half of it) holding the day, when no calendar knows it."""
    for name, first, middle, last in SEASONS:
        start, split, end = (date(day.year, *m) for m in (first, middle, last))
        if start <= day <= end:
            if not half:
                return start, name
            return (start, f"{name}, first half") if day < split else (split, f"{name}, second half")
    return date(day.year, 8, 1), "Summer holidays"


def trust_periods(db: Session, trust: Trust, day: date) -> dict[str, Period]:
    """ytd, term and half_term for the trust on `day`, each ending on `day`."""
    ids = list(db.scalars(select(School.id).where(School.trust_id == trust.id)))
    calendars = [cal for cal in calendars_for(db, ids).values() if cal.knows(day)]
    year = academic_year_start(day)
    periods = {"ytd": Period("ytd", year, day, _span_label("Year to date", year, day))}
    for key, half in (("term", False), ("half_term", True)):
        span, holds = _holding(calendars, day, half) if calendars else (None, False)
        if span is None:
            start, name = _season(day, half)
            start = max(start, year)
            label = f"{_span_label(name, start, day)}; {NO_CALENDAR_NOTE}"
        else:
            start = span.start
            label = _span_label(span.name, start, day)
            if not holds:
                label += f"; {day:%-d %b %Y} is in a holiday, so the {PERIOD_NAMES[key].lower()} last begun"
        periods[key] = Period(key, start, day, label)
    return periods
