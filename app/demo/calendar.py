"""The demo trust's calendar: an English school year of terms, half-terms, holidays and INSET days.

It is the one source of the demo's dates: the trust pushes it to its schools, and the registers are
generated for the school days it (with each school's own closures) leaves.
"""

from __future__ import annotations

from datetime import date, timedelta

from app.calendars.spans import Kind, SchoolCalendar, Span
from app.registers.reports import academic_year_start

HOLIDAYS = (
    "October half-term",
    "Christmas holiday",
    "February half-term",
    "Easter holiday",
    "May half-term",
    "Summer holiday",
)
INSET_DAYS = 2  # staff training on the first two weekdays of September
POLLING_STATION = "Polling station"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_monday(year: int, month: int) -> date:
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return _monday(day)


def breaks(year_start: int) -> list[tuple[date, date]]:
    """Holidays of the academic year starting in September `year_start` (first and last day)."""
    y = year_start
    christmas = date(y, 12, 20)
    easter = _monday(date(y + 1, 4, 3))
    return [
        (_last_monday(y, 10), _last_monday(y, 10) + timedelta(days=6)),
        (christmas, date(y + 1, 1, 4)),
        (_monday(date(y + 1, 2, 15)), _monday(date(y + 1, 2, 15)) + timedelta(days=6)),
        (easter - timedelta(days=7), easter + timedelta(days=6)),
        (_last_monday(y + 1, 5), _last_monday(y + 1, 5) + timedelta(days=6)),
        (date(y + 1, 7, 22), date(y + 1, 8, 31)),
    ]


def academic_year_of(day: date) -> int:
    return academic_year_start(day).year


def first_day(year_start: int) -> date:
    """The autumn term starts on the first weekday of September (with the INSET days)."""
    return _weekday_from(date(year_start, 9, 1), 1)


def _weekday_from(day: date, step: int) -> date:
    """The day itself if a weekday, else the nearest weekday in the direction of `step`."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def _before(day: date) -> date:
    return _weekday_from(day - timedelta(days=1), -1)


def _after(day: date) -> date:
    return _weekday_from(day + timedelta(days=1), 1)


def year_spans(year_start: int) -> list[Span]:
    """The year's three terms, each of two half-terms, its six holidays and two INSET days."""
    (october, christmas, february, easter, may, summer) = breaks(year_start)
    starts = (first_day(year_start), _after(christmas[1]), _after(easter[1]))
    ends = (_before(christmas[0]), _before(easter[0]), _before(summer[0]))
    middles = (october, february, may)
    spans = []
    for name, start, end, (rest, back) in zip(
        ("Autumn", "Spring", "Summer"), starts, ends, middles, strict=True
    ):
        spans += [
            Span(Kind.TERM, f"{name} term", start, end),
            Span(Kind.HALF_TERM, f"{name} 1", start, _before(rest)),
            Span(Kind.HALF_TERM, f"{name} 2", _after(back), end),
        ]
    spans += [
        Span(Kind.HOLIDAY, name, a, b) for name, (a, b) in zip(HOLIDAYS, breaks(year_start), strict=True)
    ]
    inset = [starts[0]]
    while len(inset) < INSET_DAYS:
        inset.append(_after(inset[-1]))
    spans += [Span(Kind.INSET, "Staff training", day, day) for day in inset]
    return sorted(spans, key=lambda s: (s.start, -s.end.toordinal()))  # a term before its half-term


def trust_spans(first: date, last: date) -> list[Span]:
    """Every academic year from the one holding `first` to the one holding `last`."""
    return [
        s for year in range(academic_year_of(first), academic_year_of(last) + 1) for s in year_spans(year)
    ]


def school_days(start: date, end: date) -> list[date]:
    """The trust calendar's school days from start to end."""
    return SchoolCalendar(trust_spans(start, end)).school_days(start, end)


def polling_day(calendar: SchoolCalendar, day: date) -> Span:
    """A one-day closure on a Thursday of the term holding `day` (or the last term before it): the
    middle Thursday of the term before `day`, or its first Thursday from `day` on."""
    begun = [t for t in calendar.terms if t.start <= day]
    term = calendar.term_of(day) or (begun[-1] if begun else calendar.terms[0])
    thursdays = [d for d in calendar.school_days(term.start, term.end) if d.weekday() == 3]
    past = [d for d in thursdays if d < day]
    chosen = past[len(past) // 2] if past else thursdays[0]
    return Span(Kind.CLOSURE, POLLING_STATION, chosen, chosen)


def next_to_break(days: list[date]) -> list[bool]:
    """For each school day, whether it is the first or last day before or after a break."""
    flags = []
    for i, day in enumerate(days):
        gap_before = i == 0 or (day - days[i - 1]).days > 3
        gap_after = i == len(days) - 1 or (days[i + 1] - day).days > 3
        flags.append(gap_before or gap_after)
    return flags
