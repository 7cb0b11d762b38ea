"""A hand-made autumn 2026 register for the LA returns: four school weeks with weekends between.

School days 0 to 19 are Monday 5 October to Friday 30 October 2026 (no calendar: the school's register
days are the days it recorded marks). "Steady" is present every session, so every weekday is a register day
even where another pupil's mark is missing.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.registers.services import record_leaver
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.factories import Factory, PupilRef

DAYS = [
    date(2026, 10, 5) + timedelta(days=n)
    for n in range(26)
    if (date(2026, 10, 5) + timedelta(days=n)).weekday() < 5
]
AS_OF = date(2026, 10, 30)  # Friday: the last register day
PRESENT = ("/", "\\")
ON_ROLL = date(2025, 9, 1)  # admitted last year: not a new pupil


def days(codes: dict[range | int, tuple[str, str]]) -> list[tuple[str, str]]:
    """Twenty days present, but for the given day indexes (ranges or single days) and their codes."""
    out = [PRESENT] * len(DAYS)
    for which, pair in codes.items():
        for i in [which] if isinstance(which, int) else which:
            out[i] = pair
    return out


OO = ("O", "O")
II = ("I", "I")
UNAUTHORISED_MIX = [("G", "G"), ("N", "N"), ("U", "U"), ("O", "O"), ("N", "O")]
REGISTERS: dict[str, list[tuple[str, str]]] = {
    "Steady": days({}),
    # Wednesday 7 to Tuesday 20 October: 10 school days over two weekends.
    "Tenday": days({range(2, 12): OO}),
    # Wednesday 7 to Monday 19 October: 9 school days.
    "Nineday": days({range(2, 11): OO}),
    # Eleven days away, but present on the afternoon of day 7 (Wednesday 14th): runs of 5 and 5.
    "Broken": days({range(2, 13): OO, 7: ("O", "\\")}),
    # Eleven days away, but no afternoon mark on day 6 (Tuesday 13th): runs of 4 and 6.
    "Gap": days({range(2, 13): OO, 6: ("O", ".")}),
    # Monday 19 to Friday 30 October with G, N, U and O: 10 days, still going on the last register day.
    "Ongoing": days({i: UNAUTHORISED_MIX[i % 5] for i in range(10, 20)}),
    # Reception: not of compulsory school age until 31 December 2026, away all 20 days.
    "Reception": days({range(0, 20): OO}),
    # Year 1: of compulsory school age since 31 August 2025, away all 20 days.
    "Yearone": days({range(0, 20): OO}),
    # Illness on days 0-6 and 8-15, present on day 7: 30 sessions = 15 days, longest run 8 days.
    "Sickly": days({range(0, 7): II, range(8, 16): II}),
    # The same but present on the afternoon of day 15: 29 sessions = 14.5 days.
    "Almost": days({range(0, 7): II, range(8, 16): II, 15: ("I", "\\")}),
}
BORN = {"Reception": (date(2021, 10, 1), "R"), "Yearone": (date(2020, 6, 1), "1")}


def add_register(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    """The pupils of REGISTERS in school A1, each with their marks imported in one file."""
    f = Factory(db)
    pupils = {}
    for name in REGISTERS:
        born, year = BORN.get(name, (date(2016, 2, 10), "5"))
        admitted = date(2026, 9, 1) if year == "R" else ON_ROLL
        pupils[name] = f.pupil(
            world.a1, surname=name, year_group=year, form=f"{year}A", date_of_birth=born,
            admission_date=admitted, home_address=f"{len(pupils) + 1} Mill Lane, Norwich", postcode="NR1 1AA",
        )  # fmt: skip
    lines = ["upn,date,session,code"]
    for name, marks in REGISTERS.items():
        for day, (am, pm) in zip(DAYS, marks, strict=True):
            lines += [f"{pupils[name].upn},{day},{s},{c}" for s, c in (("AM", am), ("PM", pm)) if c != "."]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="returns test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return pupils


def add_admissions(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    """Admissions and leavers of autumn 2026 in school A1, recorded as a school would."""
    f = Factory(db)
    made = {
        # Year 5 in the middle of term: a new pupil return by Saturday 17 October.
        "Newcomer": f.pupil(world.a1, surname="Newcomer", year_group="5", admission_date=date(2026, 10, 12),
                            previous_school="Hethersett Primary", home_address="9 Elm Row, Wymondham"),
        # Reception from the start of the year: the school's youngest year, a standard transition.
        "Starter": f.pupil(world.a1, surname="Starter", year_group="R", date_of_birth=date(2021, 5, 2),
                           admission_date=date(2026, 9, 2)),
        # Reception, but joining late: a return by Saturday 31 October.
        "Latejoin": f.pupil(world.a1, surname="Latejoin", year_group="R", date_of_birth=date(2021, 5, 9),
                            admission_date=date(2026, 10, 26)),
        "Mover": f.pupil(world.a1, surname="Mover", admission_date=ON_ROLL),
        "Finisher": f.pupil(world.a1, surname="Finisher", year_group="6", admission_date=ON_ROLL),
        "Soon": f.pupil(world.a1, surname="Soon", admission_date=ON_ROLL),
    }  # fmt: skip
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        by = {"by_name": "Dana Clerk", "by_title": "Data manager"}
        pupil = db.get(Pupil, (school.id, made["Newcomer"].id))
        assert pupil is not None
        from app.registers.services import add_contact

        add_contact(db, pupil, {"name": "Rosa Newcomer", "relationship_to_pupil": "Mother", "phone": "01603 000111",
                                "address": "9 Elm Row, Wymondham", "lives_with_pupil": True,
                                "parental_responsibility": True})  # fmt: skip
        leavers = [
            ("Mover", date(2026, 10, 16), "Transferred to another school"),
            ("Finisher", date(2026, 10, 9), "Completed final year / left at end of compulsory school age"),
            ("Soon", date(2026, 11, 6), "Moved away from the area"),
        ]
        for name, day, reason in leavers:
            row = db.scalar(select(Pupil).where(Pupil.school_id == school.id, Pupil.id == made[name].id))
            assert row is not None
            record_leaver(db, row, day, reason, **by)
    return made
