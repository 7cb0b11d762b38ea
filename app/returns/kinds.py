"""The four LA return lists by name: how each is built, its CSV columns and its plain-words rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.downloads import csv_text
from app.returns import absence, admissions
from tenants.models import School

Rows = list[dict[str, Any]]

_WHO = [
    ("upn", "UPN"),
    ("legal_name", "Legal name"),
    ("year_group", "Year group"),
    ("date_of_birth", "Date of birth"),
]
_WHERE = [("home_address", "Home address"), ("postcode", "Postcode")]
_PARENT = [
    ("parent_name", "Parent the pupil lives with"),
    ("parent_relationship", "Relationship"),
    ("parent_phone", "Parent's phone"),
    ("parent_address", "Parent's address"),
]


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    rule: str  # the rule in plain words, as the page and CSV readers need it
    columns: list[tuple[str, str]]
    build: Callable[[Session, School, date], Rows]


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "unauthorised-10",
            "Attendance return: 10 school days of unauthorised absence",
            "Pupils of compulsory school age absent for a continuous period of ten school days or more, every "
            "session of each day recorded with an unauthorised code (G, N, O or U), in this academic year. "
            "Weekends, holidays and closures do not break a run; a present mark, any other code, or a "
            "missing mark on a school day does.",
            [
                *_WHO,
                ("first_day", "First day"),
                ("last_day", "Last day"),
                ("days", "School days"),
                ("ongoing", "Still absent"),
                ("earlier_runs", "Earlier runs this year"),
                *_WHERE,
            ],
            absence.unauthorised_10,
        ),  # fmt: skip
        Kind(
            "sickness-15",
            "Sickness return: 15 school days of illness",
            "Pupils of compulsory school age recorded with code I (illness) for 15 school days or more in "
            "this academic year, consecutively or cumulatively. Days are I sessions divided by two, so 29 "
            "sessions (14.5 days) are not listed.",
            [
                *_WHO,
                ("illness_days", "Days of illness"),
                ("illness_sessions", "Sessions of illness"),
                ("first_illness", "First illness"),
                ("last_illness", "Last illness"),
                ("longest_run_days", "Longest run (days)"),
                *_WHERE,
            ],
            absence.sickness_15,
        ),  # fmt: skip
        Kind(
            "new-pupils",
            "New pupil return",
            "Pupils added to the admission register this academic year, outside the start of the school's "
            "youngest year. The LA must be told within 5 days of the admission, with everything the "
            "admission register holds about the pupil.",
            [
                ("upn", "UPN"),
                ("legal_name", "Legal name"),
                ("preferred_name", "Known as"),
                ("date_of_birth", "Date of birth"),
                ("sex", "Sex"),
                ("year_group", "Year group"),
                *_WHERE,
                *_PARENT,
                ("admission_date", "Admission date"),
                ("entered_on", "Entered in Turnout"),
                ("previous_school", "Last school"),
                ("previous_school_address", "Last school's address"),
                ("deadline", "Tell the LA by"),
                ("overdue", "Deadline passed"),
            ],
            admissions.new_pupils,
        ),  # fmt: skip
        Kind(
            "deletions",
            "Deletion return",
            "Pupils whose names leave the admission register this academic year (including leaving dates "
            "still to come), except those who completed the school's final year. The LA must be told as "
            "soon as the ground for deletion is met and no later than the name leaves the register: by the "
            "leaving date.",
            [
                *_WHO,
                *_WHERE,
                *_PARENT,
                ("leaving_date", "Leaving date"),
                ("leaving_reason", "Ground for deletion"),
                ("recorded_on", "Leaving recorded"),
                ("deadline", "Tell the LA by"),
                ("overdue", "Deadline passed"),
            ],
            admissions.deletions,
        ),  # fmt: skip
    )
}


class UnknownKind(ValueError):
    """A return name that is not one of the four."""


def kind_named(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise UnknownKind(f"unknown return '{key[:40]}': use one of {', '.join(KINDS)}") from None


def build(db: Session, school: School, key: str, as_of: date) -> Rows:
    """One list's rows for a school on a day (read inside the caller's tenant context)."""
    return kind_named(key).build(db, school, as_of)


def to_csv(key: str, rows: Rows) -> str:
    """The list as spreadsheets read it: yes/no for flags, ISO dates."""
    cells = [{k: ("yes" if v is True else "no" if v is False else v) for k, v in row.items()} for row in rows]
    return csv_text(cells, kind_named(key).columns)
