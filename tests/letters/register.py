"""A small hand-made register for letters: Okafor misses 3 of 10 possible days, Brooks none."""

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

LAST_WEEK = week_start(date.today()) - timedelta(days=7)
FIRST_DAY = LAST_WEEK - timedelta(days=14)
LETTER_DATE = LAST_WEEK + timedelta(days=4)  # last Friday: the figures run to it
# Eleven school days, two sessions each: day 1 late by 30 minutes in the morning, a day of illness,
# two days unexplained, and a day nobody could attend (Y2, not a possible session).
OKAFOR = ["L", "\\"] + ["/", "\\"] * 6 + ["I", "I"] + ["O", "O"] * 2 + ["Y2", "Y2"]
BROOKS = ["/", "\\"] * 10 + ["Y2", "Y2"]


def school_days() -> list[date]:
    days = [FIRST_DAY + timedelta(days=n) for n in range(15)]
    return [d for d in days if d.weekday() < 5][:11]


def add_register(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    """Okafor (70.0%, red) and Brooks (100%, green) in Year 9, form 9K, on roll since before the marks."""
    f = Factory(db)
    pupils = {
        name: f.pupil(
            world.a1, surname=name, form="9K", year_group="9", admission_date=FIRST_DAY - timedelta(days=30)
        )
        for name in ("Okafor", "Brooks")
    }
    lines = ["upn,date,session,code,minutes_late"]
    for name, codes in (("Okafor", OKAFOR), ("Brooks", BROOKS)):
        for i, code in enumerate(codes):
            minutes = "30" if code == "L" else ""
            lines.append(
                f"{pupils[name].upn},{school_days()[i // 2]},{'AM' if i % 2 == 0 else 'PM'},{code},{minutes}"
            )
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="letters test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return pupils
