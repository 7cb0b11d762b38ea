"""A small autumn term for review packs: two weeks of registers at Alder One and Alder Two, with pupils
whose names and UPNs are distinctive enough to search a PDF's text for.

Alder One (primary, Norfolk), 9 to 20 November 2026, ten school days (20 sessions) each pupil:
- Quillon Marchbank-Oyelaran: unexplained absence (O) on 8 days, 16 sessions: 80% absence, 8 days missed.
- Bartholomew Fennimore-Thistlewood: ill (I) on 4 days, 8 sessions: 40% absence, 4 days missed.
- Ottoline Steadfast: present every session.
So 60 possible sessions, 36 attended: 60.0% attendance; 8 authorised and 16 unauthorised sessions.
Alder Two (secondary): Wilhelmina Pemberton-Quayle present for all 20 sessions.
Pooled trust: 80 possible, 56 attended = 70.0% (an average of the schools' 60% and 100% would be 80%).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.calendars.sample import give_calendar
from tests.conftest import World
from tests.factories import Factory, PupilRef

DAYS = [
    date(2026, 11, 9) + timedelta(days=n)
    for n in range(12)
    if (date(2026, 11, 9) + timedelta(days=n)).weekday() < 5
]
TERM_START, AS_OF = date(2026, 9, 2), date(2026, 11, 20)
ALDER_ONE = {  # (forename, surname): codes for 10 days, one per day (both sessions)
    ("Quillon", "Marchbank-Oyelaran"): ["O"] * 8 + ["/"] * 2,
    ("Bartholomew", "Fennimore-Thistlewood"): ["I"] * 4 + ["/"] * 6,
    ("Ottoline", "Steadfast"): ["/"] * 10,
}
ALDER_TWO = {("Wilhelmina", "Pemberton-Quayle"): ["/"] * 10}


def _register(db: Session, world: World, school_id: int, pupils: dict) -> dict[str, PupilRef]:
    ref = world.a1 if school_id == world.a1.id else world.a2
    f = Factory(db)
    made = {}
    lines = ["upn,date,session,code"]
    for (forename, surname), codes in pupils.items():
        made[surname] = f.pupil(
            ref, surname=surname, legal_forename=forename, admission_date=date(2026, 9, 1)
        )
        for day, code in zip(DAYS, codes, strict=True):
            am, pm = ("/", "\\") if code == "/" else (code, code)
            lines += [f"{made[surname].upn},{day},AM,{am}", f"{made[surname].upn},{day},PM,{pm}"]
    school = db.get(School, school_id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test", trust_id=ref.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="review test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return made


def add_term(db: Session, world: World) -> dict[str, PupilRef]:
    """Alder One's calendar (autumn 2026) and both schools' registers; Alder Two keeps no calendar."""
    give_calendar(db, db.get(School, world.a1.id, execution_options=UNSCOPED))
    return {**_register(db, world, world.a1.id, ALDER_ONE), **_register(db, world, world.a2.id, ALDER_TWO)}
