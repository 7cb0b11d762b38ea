"""The attendance and sickness returns (LA guidance): long unauthorised absence and illness, in school days.

School days are the school's own register days: dates on which it recorded a session with a possible mark
(`school_sessions`), so weekends, holidays and closures neither count nor break a run. Only the sessions
the school held that day are looked at (a half-day closure leaves one). Candidates come from the weekly
rollups (`pupil_weeks`); only their marks are read.

Rows of `unauthorised-10` (one per pupil, their latest run of 10 or more days): upn, legal_name,
year_group, date_of_birth, first_day, last_day, days, ongoing (the run reaches the last register day up to
the as-of date), earlier_runs (other runs of 10 or more days this academic year), home_address, postcode.

Rows of `sickness-15`: upn, legal_name, year_group, date_of_birth, illness_days (I sessions / 2),
illness_sessions, first_illness, last_illness, longest_run_days (consecutive school days of illness in every
session held), home_address, postcode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.registers.ages import of_compulsory_school_age
from app.registers.marks import Mark, PupilWeek, SchoolSession
from app.registers.models import Pupil
from app.registers.recording import week_start
from app.registers.reports import academic_year_start
from tenants.models import School

UNAUTHORISED_CODES = frozenset({"G", "N", "O", "U"})  # statistically unauthorised (LA guidance)
ILLNESS_CODE = "I"
RUN_DAYS = 10  # "absent for a continuous period of ten school days"
SICK_DAYS = 15  # "will miss 15 days consecutively or cumulatively"

Marks = dict[tuple[date, str], str]


@dataclass(frozen=True)
class Run:
    """Consecutive school days, each absent in every session the school held."""

    first: date
    last: date
    days: int


def register_days(db: Session, school: School, start: date, end: date) -> dict[date, tuple[str, ...]]:
    """The school's register days in a period, each with the sessions it held (a possible mark recorded)."""
    held: dict[date, list[str]] = defaultdict(list)
    rows = db.execute(
        select(SchoolSession.date, SchoolSession.session)
        .where(SchoolSession.school_id == school.id, SchoolSession.date.between(start, end))
        .where(SchoolSession.possible > 0)
        .order_by(SchoolSession.date, SchoolSession.session)
    )
    for day, session in rows:
        held[day].append(session)
    return {day: tuple(sessions) for day, sessions in held.items()}


def _candidates(
    db: Session, school: School, start: date, end: date, counter: str, sessions: int
) -> list[int]:
    """Pupils whose weekly rollups hold enough sessions of a kind to qualify: a cheap superset."""
    total = func.sum(getattr(PupilWeek, counter))
    return list(
        db.scalars(
            select(PupilWeek.pupil_id)
            .where(PupilWeek.school_id == school.id)
            .where(PupilWeek.week_start.between(week_start(start), end))
            .group_by(PupilWeek.pupil_id)
            .having(total >= sessions)
        )
    )


def _marks(db: Session, school: School, pupil_ids: list[int], start: date, end: date) -> dict[int, Marks]:
    found: dict[int, Marks] = defaultdict(dict)
    for chunk in (pupil_ids[i : i + 500] for i in range(0, len(pupil_ids), 500)):
        rows = db.execute(
            select(Mark.pupil_id, Mark.date, Mark.session, Mark.code).where(
                Mark.school_id == school.id, Mark.pupil_id.in_(chunk), Mark.date.between(start, end)
            )
        )
        for pupil_id, day, session, code in rows:
            found[pupil_id][(day, session)] = code
    return found


def _pupils(db: Session, school: School, pupil_ids: Iterable[int]) -> dict[int, Pupil]:
    ids = list(pupil_ids)
    if not ids:
        return {}
    return {p.id: p for p in db.scalars(select(Pupil).where(Pupil.school_id == school.id, Pupil.id.in_(ids)))}


def runs(days: dict[date, tuple[str, ...]], marks: Marks, codes: frozenset[str], born: date) -> list[Run]:
    """Runs of school days of compulsory school age where every held session has one of the codes.

    A present mark, any other code, or a missing mark in any held session ends the run.
    """
    found: list[Run] = []
    first: date | None = None
    last: date | None = None
    length = 0
    for day in sorted(days):
        if of_compulsory_school_age(born, day) and all(marks.get((day, s)) in codes for s in days[day]):
            first, last, length = first or day, day, length + 1
            continue
        if first is not None and last is not None:
            found.append(Run(first, last, length))
        first, last, length = None, None, 0
    if first is not None and last is not None:
        found.append(Run(first, last, length))
    return found


def _identity(pupil: Pupil) -> dict[str, Any]:
    return {
        "upn": pupil.upn,
        "legal_name": pupil.legal_name,
        "year_group": pupil.year_group,
        "date_of_birth": pupil.date_of_birth,
    }


def _address(pupil: Pupil) -> dict[str, Any]:
    return {"home_address": pupil.home_address, "postcode": pupil.postcode}


def _order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows, key=lambda r: (r["legal_name"].split()[-1].lower(), r["legal_name"].lower(), r["upn"])
    )


def unauthorised_10(db: Session, school: School, as_of: date) -> list[dict[str, Any]]:
    """Pupils of compulsory school age with a run of 10+ school days of unauthorised absence this year.

    Every run in the academic year to the as-of date is reported (the latest one per pupil, with how many
    came before), since Turnout does not know when the school last made its monthly return; a run still
    going on is the one the LA must hear about now. Days on which the child was not of compulsory school
    age do not count and end a run.
    """
    start = academic_year_start(as_of)
    days = register_days(db, school, start, as_of)
    ids = _candidates(
        db, school, start, as_of, "unauthorised", RUN_DAYS
    )  # half-day closures hold fewer sessions
    marks = _marks(db, school, ids, start, as_of)
    pupils = _pupils(db, school, ids)
    last_register_day = max(days, default=None)
    rows = []
    for pupil_id, pupil in pupils.items():
        born = pupil.date_of_birth
        long = [run for run in runs(days, marks[pupil_id], UNAUTHORISED_CODES, born) if run.days >= RUN_DAYS]
        if not long:
            continue
        run = long[-1]
        rows.append(
            _identity(pupil)
            | {
                "first_day": run.first,
                "last_day": run.last,
                "days": run.days,
                "ongoing": run.last == last_register_day,
                "earlier_runs": len(long) - 1,
            }
            | _address(pupil)
        )
    return _order(rows)


def sickness_15(db: Session, school: School, as_of: date) -> list[dict[str, Any]]:
    """Pupils of compulsory school age with 15+ school days of illness (I) this academic year, in any pattern.

    Days are I sessions / 2 (two sessions make a day), so 29 sessions are 14.5 days and not listed.
    Only sessions the school held on days the child was of compulsory school age count.
    """
    start = academic_year_start(as_of)
    days = register_days(db, school, start, as_of)
    ids = _candidates(db, school, start, as_of, "illness", 2 * SICK_DAYS)
    marks = _marks(db, school, ids, start, as_of)
    pupils = _pupils(db, school, ids)
    rows = []
    for pupil_id, pupil in pupils.items():
        born, own = pupil.date_of_birth, marks[pupil_id]
        ill = [
            day
            for day, sessions in sorted(days.items())
            if of_compulsory_school_age(born, day)
            for s in sessions
            if own.get((day, s)) == ILLNESS_CODE
        ]
        if len(ill) < 2 * SICK_DAYS:
            continue
        sick_runs = runs(days, own, frozenset({ILLNESS_CODE}), born)
        rows.append(
            _identity(pupil)
            | {
                "illness_days": len(ill) / 2,
                "illness_sessions": len(ill),
                "first_illness": ill[0],
                "last_illness": ill[-1],
                "longest_run_days": max((r.days for r in sick_runs), default=0),
            }
            | _address(pupil)
        )
    return _order(rows)
