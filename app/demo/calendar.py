"""An English school year for the demo: terms, half-terms and holidays (a real calendar comes from issue 7)."""

from __future__ import annotations

from datetime import date, timedelta

from app.registers.reports import academic_year_start


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
    """Term starts on the first weekday of September."""
    day = date(year_start, 9, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def school_days(start: date, end: date) -> list[date]:
    """Weekdays from start to end that are not in a holiday."""
    holidays = breaks(academic_year_of(start)) + breaks(academic_year_of(end))
    days, day = [], start
    while day <= end:
        if day.weekday() < 5 and not any(a <= day <= b for a, b in holidays):
            days.append(day)
        day += timedelta(days=1)
    return days


def next_to_break(days: list[date]) -> list[bool]:
    """For each school day, whether it is the first or last day before or after a break."""
    flags = []
    for i, day in enumerate(days):
        gap_before = i == 0 or (day - days[i - 1]).days > 3
        gap_after = i == len(days) - 1 or (days[i + 1] - day).days > 3
        flags.append(gap_before or gap_after)
    return flags
