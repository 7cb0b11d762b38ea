"""Small hand-made registers for letters: Okafor misses 3 of 10 possible days, Brooks none; and six school
weeks in spring 2026 where one pupil's attendance rises, one rises a little, one falls and one stays."""

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
    return _add(db, world, school, {"Okafor": OKAFOR, "Brooks": BROOKS}, school_days(), "9K")


# Six school weeks from Monday 2 March 2026: the last four (from 16 March) are "recent" on Friday 10 April.
SPRING = [date(2026, 3, 2) + timedelta(days=n) for n in range(42) if n % 7 < 5]
SPRING_END = date(2026, 4, 10)
PRESENT = ["/", "\\"]
AWAY = ["O", "O"]


def _weeks(*absent: tuple[int, int, int]) -> list[str]:
    """Thirty days present but for the given (week, weekday, sessions) away: 1 the morning, 2 all day."""
    codes = PRESENT * 30
    for week, weekday, sessions in absent:
        day = 2 * (5 * week + weekday)
        codes[day : day + sessions] = AWAY[:sessions]
    return codes


RISING = _weeks((0, 0, 2), (1, 0, 2))  # before 16/20 = 80%, recent 40/40 = 100%: +20 points
SLIGHT = _weeks((0, 1, 2), (2, 0, 1), (3, 0, 1), (4, 0, 1))  # 18/20 = 90%, 37/40 = 92.5%: +2.5 points
FALLING = _weeks((5, 0, 2), (5, 1, 2))  # 20/20 = 100%, 36/40 = 90%: -10 points
STEADY = _weeks()  # 100% throughout: no change


def add_spring_register(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    """Ahmed (rising), Baker (rising a little), Clarke (falling) and Dunn (steady), Year 9, form 9S."""
    codes = {"Ahmed": RISING, "Baker": SLIGHT, "Clarke": FALLING, "Dunn": STEADY}
    return _add(db, world, school, codes, SPRING, "9S")


def _add(
    db: Session, world: World, school: School, codes: dict[str, list[str]], days: list[date], form: str
) -> dict[str, PupilRef]:
    """Year 9 pupils of one form, on roll since before the first day, with a code per session (AM, PM)."""
    f = Factory(db)
    pupils = {
        name: f.pupil(
            world.a1, surname=name, form=form, year_group="9", admission_date=days[0] - timedelta(days=30)
        )
        for name in codes
    }
    lines = ["upn,date,session,code,minutes_late"]
    for name, marks in codes.items():
        for i, code in enumerate(marks):
            minutes = "30" if code == "L" else ""
            lines.append(f"{pupils[name].upn},{days[i // 2]},{'AM' if i % 2 == 0 else 'PM'},{code},{minutes}")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="letters test", recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test")  # fmt: skip
    return pupils
