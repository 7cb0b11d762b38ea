"""Ages that decide who counts: DfE's statistical cohort and the legal compulsory school age."""

from __future__ import annotations

from datetime import date, timedelta


def birthday(born: date, years: int) -> date:
    """The day a person turns `years` (29 February birthdays fall on 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def born_between(year_start: date) -> tuple[date, date]:
    """Dates of birth DfE's attendance statistics count for a year: aged 5 to 15 on 31 August before it began."""
    return date(year_start.year - 16, 9, 1), date(year_start.year - 5, 8, 31)


def compulsory_school_age_starts(born: date) -> date:
    """Education Act 1996 s8: the prescribed day (31 December, 31 March, 31 August) on or after the fifth
    birthday."""
    fifth = birthday(born, 5)
    prescribed = [date(fifth.year, 3, 31), date(fifth.year, 8, 31), date(fifth.year, 12, 31)]
    return next(day for day in [*prescribed, date(fifth.year + 1, 3, 31)] if day >= fifth)


def school_leaving_date(born: date) -> date:
    """The last Friday in June of the school year (September to August) in which the child turns 16."""
    sixteenth = birthday(born, 16)
    june_end = date(sixteenth.year + (sixteenth.month >= 9), 6, 30)
    return june_end - timedelta(days=(june_end.weekday() - 4) % 7)


def of_compulsory_school_age(born: date, day: date) -> bool:
    """Of compulsory school age on `day`: from the prescribed day after turning 5 to the leaving date."""
    return compulsory_school_age_starts(born) <= day <= school_leaving_date(born)
