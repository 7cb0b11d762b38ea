"""A school's year in dated spans (terms, half-terms, holidays, INSET days, closures) and the school days
they leave: the one answer to "is the school open on this day?" for tasks, missing marks and patterns."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from app.registers.reports import academic_year_start


class Kind(enum.StrEnum):
    """What a dated span of the calendar is."""

    TERM = "term"
    HALF_TERM = "half_term"
    HOLIDAY = "holiday"
    INSET = "inset"
    CLOSURE = "closure"


KIND_LABELS = {
    Kind.TERM: "Term",
    Kind.HALF_TERM: "Half-term",
    Kind.HOLIDAY: "Holiday",
    Kind.INSET: "INSET day",
    Kind.CLOSURE: "Planned closure",
}
NO_CALENDAR = "No calendar for this year"
CLOSED = frozenset({Kind.HOLIDAY, Kind.INSET, Kind.CLOSURE})  # no pupils in school on these days


@dataclass(frozen=True)
class Span:
    """One entry of a calendar, first and last day included."""

    kind: Kind
    name: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def dates(self) -> str:
        if self.start == self.end:
            return f"{self.start:%a %-d %b %Y}"
        return f"{self.start:%a %-d %b %Y} to {self.end:%a %-d %b %Y}"


def academic_year(day: date) -> int:
    """The calendar year in which the day's academic year (1 August to 31 July) starts."""
    return academic_year_start(day).year


def year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


class SchoolCalendar:
    """A school's spans; only academic years with at least one term are known, others answer None."""

    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = sorted(spans, key=lambda s: (s.start, s.end, s.kind))
        self.terms = [s for s in self.spans if s.kind == Kind.TERM]
        self.half_terms = [s for s in self.spans if s.kind == Kind.HALF_TERM]
        self.closed = [s for s in self.spans if s.kind in CLOSED]
        self.years = frozenset(academic_year(t.start) for t in self.terms)
        # Answers kept: generating a term's tasks asks of the same days and periods many times.
        self._open: dict[date, bool] = {}
        self._ranges: dict[tuple[date, date], tuple[date, ...]] = {}

    def knows(self, day: date) -> bool:
        """Whether the school has set out its terms for the day's academic year."""
        return academic_year(day) in self.years

    def term_of(self, day: date) -> Span | None:
        return next((t for t in self.terms if day in t), None)

    def half_term_of(self, day: date) -> Span | None:
        """The half-term holding the day; a term without half-terms counts as one half-term."""
        found = next((h for h in self.half_terms if day in h), None)
        if found is not None:
            return found
        term = self.term_of(day)
        if term is None or any(h.overlaps(term) for h in self.half_terms):
            return None
        return term

    def closed_by(self, day: date) -> Span | None:
        return next((s for s in self.closed if day in s), None)

    def is_school_day(self, day: date) -> bool:
        open_ = self._open.get(day)
        if open_ is None:
            open_ = self._open[day] = (
                day.weekday() < 5 and self.term_of(day) is not None and self.closed_by(day) is None
            )
        return open_

    def why_closed(self, day: date) -> str | None:
        """None on a school day; otherwise the reason in words ("INSET day", "October half-term", ...)."""
        if self.is_school_day(day):
            return None
        if day.weekday() >= 5:
            return "Weekend"
        span = self.closed_by(day)
        if span is not None:
            return span.name if span.kind == Kind.HOLIDAY else f"{KIND_LABELS[span.kind]}: {span.name}"
        return "Outside term" if self.knows(day) else NO_CALENDAR

    def school_days(self, start: date, end: date) -> list[date]:
        days = self._ranges.get((start, end))
        if days is None:
            days = self._ranges[(start, end)] = tuple(d for d in _days(start, end) if self.is_school_day(d))
        return list(days)

    def next_to_breaks(self, start: date, end: date) -> set[date]:
        """School days whose weekday before or after is not a school day: either side of a holiday,
        INSET day or closure, and the first and last days of each term."""
        return {
            day
            for day in self.school_days(start, end)
            if not self.is_school_day(_weekday_step(day, -1)) or not self.is_school_day(_weekday_step(day, 1))
        }

    def year_spans(self, year: int) -> list[Span]:
        return [s for s in self.spans if academic_year(s.start) == year]


def _days(start: date, end: date) -> Iterable[date]:
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def _weekday_step(day: date, step: int) -> date:
    """The weekday before (step -1) or after (step 1) the day, skipping weekends."""
    day += timedelta(days=step)
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def spans_problems(spans: Sequence[tuple[str, Span]]) -> list[tuple[str, str]]:
    """Why a set of spans is not a calendar, each with where it came from ("line 4", "new entry").

    Terms never overlap one another, nor do half-terms; a half-term lies inside a term; INSET days and
    closures fall in a term; a term or half-term lies inside one academic year (1 August to 31 July).
    """
    problems = []
    for i, (where, span) in enumerate(spans):
        if span.end < span.start:
            problems.append((where, f"ends ({span.end:%-d %B %Y}) before it starts ({span.start:%-d %B %Y})"))
            continue
        if span.kind in (Kind.TERM, Kind.HALF_TERM) and academic_year(span.start) != academic_year(span.end):
            problems.append((where, f"{KIND_LABELS[span.kind].lower()} '{span.name}' crosses 31 July: a term "
                                    "lies inside one academic year (1 August to 31 July)"))  # fmt: skip
        for other_where, other in spans[:i]:
            if other.kind == span.kind and span.kind in (Kind.TERM, Kind.HALF_TERM) and span.overlaps(other):
                label = KIND_LABELS[span.kind].lower()
                problems.append((where, f"{label} '{span.name}' ({span.dates}) overlaps {label} '{other.name}' "
                                        f"({other.dates}) on {other_where}"))  # fmt: skip
    terms = [s for _w, s in spans if s.kind == Kind.TERM and s.start <= s.end]
    for where, span in spans:
        if span.end < span.start:
            continue
        if span.kind == Kind.HALF_TERM and not any(
            t.start <= span.start and span.end <= t.end for t in terms
        ):
            problems.append((where, f"half-term '{span.name}' ({span.dates}) is not inside any term"))
        if span.kind in (Kind.INSET, Kind.CLOSURE) and not any(span.overlaps(t) for t in terms):
            problems.append(
                (where, f"{KIND_LABELS[span.kind]} '{span.name}' ({span.dates}) is not in any term")
            )
    return problems
