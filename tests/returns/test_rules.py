"""Who the LA return lists name, worked by hand from the autumn 2026 register in tests/returns/register.py."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.returns.absence import Run, runs, sickness_15, unauthorised_10
from app.returns.admissions import deletions, final_year_leavers, new_pupils
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.returns.register import AS_OF, add_admissions, add_register


def _by_surname(rows: list[dict]) -> dict[str, dict]:
    return {row["legal_name"].split()[-1]: row for row in rows}


def test_ten_school_days_of_unauthorised_absence_across_weekends_are_listed(
    db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rows = _by_surname(unauthorised_10(db, school, AS_OF))
    # Nineday (9 days), Broken (a present afternoon), Gap (a missing mark) and Reception (under
    # compulsory school age) are not listed; the two Sickly pupils were authorised.
    assert sorted(rows) == ["Ongoing", "Tenday", "Yearone"]
    assert rows["Tenday"] | {"home_address": None} == {
        "upn": rows["Tenday"]["upn"],
        "legal_name": "Sam Tenday",
        "year_group": "5",
        "date_of_birth": date(2016, 2, 10),
        "first_day": date(2026, 10, 7),
        "last_day": date(2026, 10, 20),
        "days": 10,
        "ongoing": False,
        "earlier_runs": 0,
        "home_address": None,
        "postcode": "NR1 1AA",
    }
    assert rows["Tenday"]["home_address"] == "2 Mill Lane, Norwich"
    assert (rows["Ongoing"]["first_day"], rows["Ongoing"]["last_day"], rows["Ongoing"]["days"]) == (
        date(2026, 10, 19),
        date(2026, 10, 30),
        10,
    )
    assert rows["Ongoing"]["ongoing"] is True  # G, N, U and O all count, to the last register day
    assert (rows["Yearone"]["days"], rows["Yearone"]["ongoing"]) == (20, True)


def test_a_run_is_counted_only_up_to_the_as_of_date(db: Session, world: World, school: School) -> None:
    add_register(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        on_19th = _by_surname(unauthorised_10(db, school, date(2026, 10, 19)))
        on_20th = _by_surname(unauthorised_10(db, school, date(2026, 10, 20)))
    assert "Tenday" not in on_19th  # 9 days so far
    assert (on_20th["Tenday"]["days"], on_20th["Tenday"]["ongoing"]) == (10, True)
    assert on_20th["Yearone"]["days"] == 12


def test_fifteen_days_of_illness_in_any_pattern_are_listed_and_fourteen_and_a_half_are_not(
    db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rows = _by_surname(sickness_15(db, school, AS_OF))
    assert sorted(rows) == ["Sickly"]  # Almost has 29 sessions: 14.5 days
    sickly = rows["Sickly"]
    assert (sickly["illness_days"], sickly["illness_sessions"]) == (15.0, 30)
    assert (sickly["first_illness"], sickly["last_illness"]) == (date(2026, 10, 5), date(2026, 10, 26))
    assert sickly["longest_run_days"] == 8  # Thursday 15 to Monday 26 October


def test_runs_look_only_at_the_sessions_the_school_held() -> None:
    held = {date(2026, 10, 5): ("AM", "PM"), date(2026, 10, 6): ("AM",), date(2026, 10, 7): ("AM", "PM")}
    marks = {
        (date(2026, 10, 5), "AM"): "O",
        (date(2026, 10, 5), "PM"): "N",
        (date(2026, 10, 6), "AM"): "G",
        (date(2026, 10, 6), "PM"): "#",  # the school closed that afternoon
        (date(2026, 10, 7), "AM"): "O",
        (date(2026, 10, 7), "PM"): "B",  # an approved activity ends the run
    }
    codes = frozenset({"G", "N", "O", "U"})
    assert runs(held, marks, codes, date(2016, 1, 1)) == [Run(date(2026, 10, 5), date(2026, 10, 6), 2)]


def test_new_pupil_and_deletion_returns_with_their_deadlines(
    db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)  # Reception, admitted on 1 September, makes R the youngest year
    add_admissions(db, world, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        joined = _by_surname(new_pupils(db, school, AS_OF))
        left = _by_surname(deletions(db, school, AS_OF))
        finished = final_year_leavers(db, school, AS_OF)
    # Starter and Reception joined the youngest year at the start of the year: a standard transition.
    assert sorted(joined) == ["Latejoin", "Newcomer"]
    newcomer = joined["Newcomer"]
    assert (newcomer["admission_date"], newcomer["deadline"], newcomer["overdue"]) == (
        date(2026, 10, 12),
        date(2026, 10, 17),
        True,
    )
    assert (newcomer["parent_name"], newcomer["parent_phone"]) == ("Rosa Newcomer", "01603 000111")
    assert (newcomer["previous_school"], newcomer["home_address"]) == (
        "Hethersett Primary",
        "9 Elm Row, Wymondham",
    )
    assert (joined["Latejoin"]["deadline"], joined["Latejoin"]["overdue"]) == (date(2026, 10, 31), False)

    assert sorted(left) == ["Mover", "Soon"]  # Finisher completed the final year: no return owed
    assert finished == 1
    mover = left["Mover"]
    assert (mover["leaving_date"], mover["deadline"], mover["overdue"]) == (date(2026, 10, 16),) * 2 + (True,)
    assert mover["leaving_reason"] == "Transferred to another school"
    assert mover["recorded_on"] is not None  # from the register's revision history
    assert (left["Soon"]["deadline"], left["Soon"]["overdue"]) == (date(2026, 11, 6), False)
