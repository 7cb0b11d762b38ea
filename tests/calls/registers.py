"""A hand-made week of registers for the call lists: each pupil's marks on four school days."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.recording import Recorder, week_start
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.factories import Factory, PupilRef

WED = week_start(date.today()) - timedelta(days=5)  # last week's Wednesday: always a past school day
FRI, MON, TUE = WED - timedelta(days=5), WED - timedelta(days=2), WED - timedelta(days=1)
DAYS = (FRI, MON, TUE, WED)
# AM and PM per day; "." is no mark.
REGISTER = {
    ("Ada", "7A"): ("/\\", "/\\", "/\\", "N."),  # day 1: tutor
    ("Ben", "7A"): ("/\\", "/\\", "NN", "N."),  # day 2: head of year
    ("Cal", "7A"): ("NN", "NN", "NN", "N."),  # day 4: senior leader
    ("Dee", "7A"): ("/\\", "NN", "/\\", "N."),  # present on Tuesday, so day 1 again
    ("Eve", "7A"): ("/\\", "/\\", "/\\", ".."),  # no mark once 7A's register is taken: day 1
    ("Fay", "7A"): ("/\\", "/\\", "NN", "I."),  # illness given: not called
    ("Gus", "7A"): ("/\\", "/\\", "/\\", "/N"),  # afternoon only
    ("Hal", "8B"): ("/\\", "/\\", "/\\", ".."),  # 8B's register not taken yet
}


def add_week(
    db: Session, world: World, school: School, register: dict[tuple[str, str], tuple[str, ...]] = REGISTER
) -> dict[str, PupilRef]:
    """The pupils of a register shaped like REGISTER in school A1, with their marks imported."""
    f = Factory(db)
    lines, pupils = ["upn,date,session,code"], {}
    for (surname, form), days in register.items():
        pupil = f.pupil(world.a1, surname=surname, form=form, year_group=form[0],
                        admission_date=FRI - timedelta(days=30))  # fmt: skip
        pupils[surname] = pupil
        for day, codes in zip(DAYS, days, strict=True):
            lines += [
                f"{pupil.upn},{day},{s},{c}" for s, c in zip(("AM", "PM"), codes, strict=True) if c != "."
            ]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return pupils
