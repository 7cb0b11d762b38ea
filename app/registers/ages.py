"""Ages that decide who counts: DfE's statistical cohort and the legal compulsory school age."""

from __future__ import annotations

from datetime import date, timedelta

STATISTICS_AGES = range(5, 16)  # DfE counts enrolments aged 5 to 15 at 31 August before the year


def birthday(born: date, years: int) -> date:
    """The day a person turns `years` (29 February birthdays fall on 1 March in other years)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def counted_in_statistics(born: date, year_start: date) -> bool:
    """DfE's attendance statistics: aged 5 to 15 on 31 August before the academic year began."""
    return age_on(born, date(year_start.year, 8, 31)) in STATISTICS_AGES


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
