"""Where a pupil's absence falls, on a hand-made register around a half-term week."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.pupil_patterns import pupil_patterns
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.factories import Factory

MONDAY = date(2025, 10, 13)  # the week before half term; half term is 20-24 October


def test_absence_next_to_a_holiday_weekdays_and_lateness(db: Session, world: World, school: School) -> None:
    f = Factory(db)
    pupil, classmate = f.pupil(world.a1, surname="Patel"), f.pupil(world.a1, surname="Jones")
    week_before = [MONDAY + timedelta(days=n) for n in range(5)]
    week_after = [MONDAY + timedelta(days=14 + n) for n in range(5)]
    codes = {  # Friday before and Monday after half term missed; one L of 10 minutes, one U of 35
        week_before[0]: ("/", "\\"), week_before[1]: ("L", "\\"), week_before[2]: ("/", "\\"),
        week_before[3]: ("U", "\\"), week_before[4]: ("O", "O"),
        week_after[0]: ("I", "I"), week_after[1]: ("/", "\\"), week_after[2]: ("/", "O"),
        week_after[3]: ("/", "\\"), week_after[4]: ("/", "\\"),
    }  # fmt: skip
    lines = ["upn,date,session,code,minutes_late"]
    for day, (am, pm) in codes.items():
        minutes = {"L": "10", "U": "35"}.get(am, "")
        lines += [f"{pupil.upn},{day},AM,{am},{minutes}", f"{pupil.upn},{day},PM,{pm},"]
        lines += [f"{classmate.upn},{day},AM,/,", f"{classmate.upn},{day},PM,\\,"]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="test", recorder=Recorder(None, "Clerk", "Data manager"), reason="test")  # fmt: skip
        found = db.get(Pupil, (school.id, pupil.id))
        assert found is not None
        p = pupil_patterns(db, school, found, date(2025, 11, 1))

    # edges: the first school day (13 Oct), the Friday before half term, the Monday after
    assert (p.next_to_breaks.absent, p.next_to_breaks.possible) == (4, 6)
    assert (p.other_days.absent, p.other_days.possible) == (2, 14)  # U on Thursday, O on the 29th PM
    assert (p.weekdays["Friday"]["AM"].absent, p.weekdays["Friday"]["AM"].possible) == (1, 2)
    assert (p.weekdays["Wednesday"]["PM"].absent, p.weekdays["Thursday"]["AM"].absent) == (1, 1)
    assert (p.late_before_close, p.late_after_close, p.minutes_late) == (1, 1, 45)
    assert [w.week_start for w in p.weeks] == [MONDAY, MONDAY + timedelta(days=14)]
    assert [round(w.week or 0, 1) for w in p.weeks] == [70.0, 70.0]
    assert round(p.weeks[-1].year_to_date or 0, 1) == 70.0
