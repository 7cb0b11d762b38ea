"""Who counts: DfE's statistical age cohort and the legal compulsory school age, worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from app.registers.ages import (
    born_between,
    compulsory_school_age_starts,
    of_compulsory_school_age,
    school_leaving_date,
)

YEAR_2025 = date(2025, 8, 1)


@pytest.mark.parametrize(
    ("born", "counted"),
    [
        (date(2020, 8, 31), True),  # five on 31 August 2025: Year 1, counted
        (date(2020, 9, 1), False),  # four on 31 August 2025: Reception, not counted
        (date(2009, 9, 1), True),  # fifteen on 31 August 2025: Year 11
        (date(2009, 8, 31), False),  # sixteen on 31 August 2025: Year 12
    ],
)
def test_statistics_count_ages_five_to_fifteen_at_the_end_of_august(born: date, counted: bool) -> None:
    first, last = born_between(YEAR_2025)
    assert (first <= born <= last) is counted


@pytest.mark.parametrize(
    ("born", "starts"),
    [
        (date(2020, 10, 12), date(2025, 12, 31)),  # turns 5 in October: from 31 December
        (date(2021, 1, 5), date(2026, 3, 31)),  # turns 5 in January: from 31 March
        (date(2021, 3, 31), date(2026, 3, 31)),  # turns 5 on a prescribed day: that day
        (date(2021, 6, 1), date(2026, 8, 31)),
        (date(2016, 2, 29), date(2021, 3, 31)),  # a leap-day birthday turns 5 on 1 March
    ],
)
def test_compulsory_school_age_starts_on_the_next_prescribed_day(born: date, starts: date) -> None:
    assert compulsory_school_age_starts(born) == starts


def test_compulsory_school_age_ends_on_the_last_friday_of_june_of_the_year_they_turn_16() -> None:
    assert school_leaving_date(date(2010, 10, 3)) == date(2027, 6, 25)  # turns 16 in October 2026
    assert school_leaving_date(date(2011, 3, 3)) == date(2027, 6, 25)  # turns 16 in March 2027
    assert school_leaving_date(date(2011, 9, 3)) == date(2028, 6, 30)
    assert of_compulsory_school_age(date(2010, 10, 3), date(2027, 6, 25))
    assert not of_compulsory_school_age(date(2010, 10, 3), date(2027, 6, 28))
    assert not of_compulsory_school_age(date(2020, 10, 12), date(2025, 12, 30))
    assert of_compulsory_school_age(date(2020, 10, 12), date(2025, 12, 31))
