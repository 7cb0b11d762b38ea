"""Hand-made registers for last week and the one before, shared by the weekly view's tests."""

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
REGISTERS = {  # two weeks of ten sessions: 90% is red, 95% amber, 100% green
    "Okafor": "/\\/\\/\\/\\/\\" + "/\\/\\OO/\\/\\",
    "Chen": "/\\/\\/\\/\\/\\" + "/\\/\\/\\I\\/\\",
    "Brooks": "/\\/\\/\\/\\/\\" * 2,
}


def add_registers(db: Session, world: World, school: School, **details: dict) -> dict[str, PupilRef]:
    """Three pupils in form 9K with REGISTERS' marks; details gives a surname's other fields."""
    f = Factory(db)
    lines, pupils = ["upn,date,session,code"], {}
    for surname, codes in REGISTERS.items():
        pupil = f.pupil(world.a1, surname=surname, form="9K", year_group="9",
                        admission_date=LAST_WEEK - timedelta(days=30), **details.get(surname, {}))  # fmt: skip
        pupils[surname] = pupil
        for i, code in enumerate(codes):
            day = LAST_WEEK - timedelta(days=7) + timedelta(days=i // 2 + (2 if i >= 10 else 0))
            lines.append(f"{pupil.upn},{day},{'AM' if i % 2 == 0 else 'PM'},{code}")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return pupils
