"""`turnout report flags`: a school's weekly flags per pupil, in design.md's row shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.flags.rules import FLAG_LABELS, FLAGS, STEP_LIST, STEPS, TRENDS
from app.flags.snapshots import week_flags
from app.registers.measures import change_pp, rate
from app.registers.models import Pupil
from app.registers.recording import week_start
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
             "change_pp": change_pp(now, before),
             "flag": FLAGS[flag], "trend": TRENDS[trend], "next_step": STEP_LIST[step]}
        )  # fmt: skip
    return sorted(rows, key=lambda row: row["upn"])


@dataclass(frozen=True)
class PupilFlag:
    """A pupil's flag for the last week that ended, as the pupil page shows it."""

    week_start: date
    flag: str
    label: str
    trend: str
    next_step: str
    ytd_attendance: float | None
    step: str  # the next step's key (STEP_LIST), for turning it into an action


def last_week_flags(
    db: Session, school: School, day: date, today: date, pupil_ids: set[int] | None = None
) -> dict[int, PupilFlag]:
    """Pupils' flags (all, or those asked for) for the last week that ended before `day`; the snapshot is
    kept if computed now."""
    flags = week_flags(db, school, week_start(day) - timedelta(days=7), today)
    db.commit()
    rows = flags.rows if pupil_ids is None else flags.rows[np.isin(flags.rows["pupil"], list(pupil_ids))]
    return {
        int(row["pupil"]): PupilFlag(
            flags.week_start,
            FLAGS[row["flag"]],
            FLAG_LABELS[FLAGS[row["flag"]]],
            TRENDS[row["trend"]],
            STEPS[STEP_LIST[row["step"]]],
            rate(int(row["ytd_attended"]), int(row["ytd_possible"])),
            STEP_LIST[row["step"]],
        )  # fmt: skip
        for row in rows
    }


def pupil_flag(db: Session, school: School, pupil_id: int, today: date) -> PupilFlag | None:
    """The pupil's row of last week's snapshot; None if not on roll then."""
    return last_week_flags(db, school, today, today, {pupil_id}).get(pupil_id)
