"""`turnout report flags`: a school's weekly flags per pupil, in design.md's row shape."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.flags.rules import FLAGS, STEP_LIST, TRENDS
from app.flags.snapshots import week_flags
from app.registers.measures import rate
from app.registers.models import Pupil
from tenants.models import School

FLAG_FIELDS = (
    "upn", "week_start", "ytd_attendance", "previous_ytd_attendance", "week_attendance", "change_pp", "flag",
    "trend", "next_step",
)  # fmt: skip


def flag_rows(db: Session, school: School, week: date, today: date) -> list[dict]:
    """One row per pupil on roll that week, by UPN; rates in percent, unrounded (None: nothing possible)."""
    flags = week_flags(db, school, week, today)
    upns = dict(db.execute(select(Pupil.id, Pupil.upn).where(Pupil.school_id == school.id)).all())
    rows = []
    for r in flags.rows.tolist():
        pupil, ytd_p, ytd_a, before_p, before_a, week_p, week_a, flag, trend, step, _open = r
        now, before = rate(ytd_a, ytd_p), rate(before_a, before_p)
        rows.append(
            {"upn": upns[pupil], "week_start": flags.week_start, "ytd_attendance": now,
             "previous_ytd_attendance": before, "week_attendance": rate(week_a, week_p),
             "change_pp": now - before if now is not None and before is not None else None,
             "flag": FLAGS[flag], "trend": TRENDS[trend], "next_step": STEP_LIST[step]}
        )  # fmt: skip
    return sorted(rows, key=lambda row: row["upn"])
