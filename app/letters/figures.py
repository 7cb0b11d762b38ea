"""The figures a letter gives, from the register for the school year to the letter's date.

Counts come from app.registers.reports (rollups, with raw marks only for the part-weeks at the edges),
so a letter and the attendance pages agree by construction, on DfE definitions: possible sessions leave
out not-possible codes, and attendance is present (including approved educational activity) over possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.flags.rules import FLAGS, Thresholds, flags_of
from app.flags.rulesets import current_rules
from app.letters.improvement import Comparison, compare
from app.registers.marks import SchoolSession
from app.registers.measures import Counts, quantity
from app.registers.models import Pupil, PupilContact
from app.registers.reports import Period, pupil_counts
from app.registers.school_view import headline
from app.schools.settings import lesson_minutes, lessons_per_day
from tenants.models import School

# "Lost over a school career": this year's absence rate, kept up for every day of a school career of
# CAREER_YEARS years (Reception to Year 13) of SCHOOL_DAYS_A_YEAR days, in days, 5-day weeks and years.
SCHOOL_DAYS_A_YEAR = 190
CAREER_YEARS = 14
DAYS_A_WEEK = 5


@dataclass(frozen=True)
class Register:
    """What every letter of a school on one date shares: the period, the settings and everyone's counts."""

    school: School
    letter_date: date
    period: Period
    counts: dict[int, Counts]
    school_counts: Counts
    thresholds: Thresholds
    lessons_per_day: int
    lesson_minutes: int
    comparison: Comparison  # the last school weeks against the year before them, for praise


def read_register(db: Session, school: School, letter_date: date) -> Register:
    """Count every pupil's sessions once for a whole batch: the year from its first register to the date."""
    year = Period.year_to_date(letter_date)
    first = db.scalar(
        select(func.min(SchoolSession.date)).where(
            SchoolSession.school_id == school.id, SchoolSession.date.between(year.start, year.end)
        )
    )
    period = Period(first or year.start, letter_date)
    counts = pupil_counts(db, school, period)
    return Register(
        school, letter_date, period, counts, headline(counts).counts,
        current_rules(db, school.trust_id)[1].thresholds, lessons_per_day(school), lesson_minutes(school),
        compare(db, school, period),
    )  # fmt: skip


def flag_of(register: Register, pupil_id: int) -> str:
    """The pupil's flag from the letter's own figures, by the trust's thresholds, so wording fits figures."""
    c = register.counts.get(pupil_id, Counts())
    return FLAGS[int(flags_of(np.array([c.possible]), np.array([c.attended]), register.thresholds)[0])]


def merge_values(
    register: Register, pupil: Pupil, meeting: tuple[date, time] | None = None
) -> dict[str, str]:
    """Every merge field's text for one pupil (the meeting fields only when a meeting is given)."""
    c = register.counts.get(pupil.id, Counts())
    day_minutes = register.lessons_per_day * register.lesson_minutes
    values = {
        "pupil_name": pupil.display_name,
        "pupil_first_name": pupil.preferred_forename or pupil.legal_forename,
        "year_group": year_group_name(pupil.year_group),
        "form": pupil.form or "",
        "school_name": register.school.name,
        "date": long_date(register.letter_date),
        "parent_carer": parent_carer(pupil),
        "attendance": percent(c.attendance_rate),
        "school_attendance": percent(register.school_counts.attendance_rate),
        "possible_days": quantity(c.possible / 2, "day"),
        "days_missed": quantity(c.days_missed, "day"),
        "lessons_missed": quantity(c.lessons_missed(register.lessons_per_day), "lesson"),
        "sessions_missed": quantity(c.absent, "session"),
        "flag": flag_of(register, pupil.id).capitalize(),
        "lost_over_career": lost_over_career(c),
        "late_count": quantity(c.late, "time"),
        "late_minutes": quantity(c.minutes_late, "minute"),
        "late_lessons": quantity(round(c.minutes_late / register.lesson_minutes, 1), "lesson"),
        "late_days": quantity(round(c.minutes_late / day_minutes, 1), "day"),
        "period_start": long_date(register.period.start),
        "period_end": long_date(register.period.end),
    }
    if meeting is not None:
        values["meeting_date"] = f"{meeting[0]:%A} {long_date(meeting[0])}"
        values["meeting_time"] = clock(meeting[1])
    return values


def lost_over_career(c: Counts) -> str:
    """This year's absence rate over a school career, in days, weeks and school years."""
    share = c.absent / c.possible if c.possible else 0
    days = share * SCHOOL_DAYS_A_YEAR * CAREER_YEARS
    return (
        f"{quantity(round(days), 'day')} ({quantity(round(days / DAYS_A_WEEK, 1), 'week')}, "
        f"{quantity(round(days / SCHOOL_DAYS_A_YEAR, 1), 'school year')})"
    )


def addressee(pupil: Pupil) -> PupilContact | None:
    """Who letters go to: the first contact with parental responsibility, else the first contact."""
    responsible = [c for c in pupil.contacts if c.parental_responsibility]
    return (responsible or pupil.contacts or [None])[0]


def parent_carer(pupil: Pupil) -> str:
    contact = addressee(pupil)
    return contact.name if contact else f"Parent/carer of {pupil.display_name}"


def address_lines(pupil: Pupil) -> list[str]:
    """The addressee's postal address: the contact's if given, else the pupil's home address and postcode."""
    contact = addressee(pupil)
    if contact and contact.address:
        return _lines(contact.address)
    lines = _lines(pupil.home_address or "")
    return lines + [pupil.postcode] if pupil.postcode and pupil.postcode not in lines else lines


def _lines(address: str) -> list[str]:
    return [line.strip() for line in address.replace(",", "\n").splitlines() if line.strip()]


def year_group_name(year_group: str) -> str:
    if year_group == "R":
        return "Reception"
    if year_group.startswith("N"):
        return f"Nursery {year_group[1:]}"
    return f"Year {year_group}"


def percent(value: float | None) -> str:
    return f"{value:.1f}%" if value is not None else "not yet measured"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def clock(at: time) -> str:
    return f"{at.hour % 12 or 12}:{at.minute:02d}{'am' if at.hour < 12 else 'pm'}"
