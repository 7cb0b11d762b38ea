"""Two schools of very different sizes with hand-made registers for 8-19 September 2025 (two whole weeks).

Alder One Primary (3 counted pupils, 60 possible sessions): Ada all present; Bea (FSM, SEN support) away
10 sessions in week two (5 I, 5 O: 50%, persistent and severe); Cal (male) away 2 sessions (I) in week two
(exactly 10%: persistent). Also a Reception pupil (4 on 31 August 2025) and a Year 12 pupil (16), both
away all week two, whom DfE statistics leave out. Alder Two Academy (40 counted pupils, 800 sessions): all
present but two, each away one session (O) in week two. The world's own pupils have no marks (no possible
sessions), so they are left out too.
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
from tests.conftest import World
from tests.factories import Factory, SchoolRef

WEEK_ONE = date(2025, 9, 8)
WEEK_TWO = date(2025, 9, 15)
END = date(2025, 9, 19)
TODAY = date(2025, 11, 24)
ALL_PRESENT = "/\\" * 5


def _marks(f: Factory, school: SchoolRef, pupils: list[tuple[dict, str]]) -> list[str]:
    lines = []
    for values, week_two in pupils:
        pupil = f.pupil(school, **{"admission_date": date(2025, 9, 1), **values})
        for week, codes in ((WEEK_ONE, ALL_PRESENT), (WEEK_TWO, week_two)):
            for i, code in enumerate(codes):
                day = week + timedelta(days=i // 2)
                lines.append(f"{pupil.upn},{day},{'AM' if i % 2 == 0 else 'PM'},{code}")
    return lines


def _import(db: Session, school_id: int, lines: list[str]) -> None:
    with context.use(system_context(db, "test")):
        school = db.get(School, school_id)
        assert school is not None
        data = ("upn,date,session,code\n" + "\n".join(lines) + "\n").encode()
        import_marks(db, school, io.BytesIO(data), source="import", description="test",
                     recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="test", today=TODAY)  # fmt: skip


def two_schools(db: Session, world: World) -> None:
    """The registers above (see the module docstring for the hand-worked figures)."""
    f = Factory(db)
    primary = {"date_of_birth": date(2015, 3, 14), "year_group": "5"}
    small = [
        ({**primary, "surname": "Ada"}, ALL_PRESENT),
        ({**primary, "surname": "Bea", "fsm": True, "sen": "K"}, "IIIII" + "OOOOO"),
        ({**primary, "surname": "Cal", "sex": "M"}, "II" + "/\\" * 4),
        ({"surname": "Reece", "date_of_birth": date(2021, 3, 1), "year_group": "R"}, "O" * 10),
        ({"surname": "Twelve", "date_of_birth": date(2009, 5, 1), "year_group": "12"}, "O" * 10),
    ]
    _import(db, world.a1.id, _marks(f, world.a1, small))
    secondary = {"date_of_birth": date(2011, 5, 1), "year_group": "9"}
    large = [({**secondary, "surname": f"Big{n}"}, ("O" + "\\" + "/\\" * 4) if n < 2 else ALL_PRESENT)
             for n in range(40)]  # fmt: skip
    _import(db, world.a2.id, _marks(f, world.a2, large))
