"""Whose attendance has really improved: the last 4 school weeks against the school year before them.

A praise letter or a most-improved certificate tells a family their child's attendance went up, so it
goes only to pupils whose attendance in the most recent RECENT_WEEKS school weeks (weeks with registers,
up to the letter's date) is at least IMPROVED_POINTS percentage points above their attendance from the
start of the school year to the week before; the certificate needs CERTIFICATE_POINTS. The same rule
holds for one pupil's letter and for a batch, whoever else is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers.marks import SchoolSession
from app.registers.measures import Counts, change_pp
from app.registers.recording import week_start
from app.registers.reports import Period, pupil_counts
from tenants.models import School

RECENT_WEEKS = 4
IMPROVED_POINTS = 1.0  # improvement letter: at least this many percentage points up
CERTIFICATE_POINTS = 5.0  # most-improved certificate: at least this many
NEEDS = {"improvement": IMPROVED_POINTS, "certificate_improved": CERTIFICATE_POINTS}


@dataclass(frozen=True)
class Comparison:
    """Every pupil's counts in the recent school weeks and in the year before them (None: too early)."""

    before: Period | None
    recent: Period | None
    before_counts: dict[int, Counts]
    recent_counts: dict[int, Counts]

    def points(self, pupil_id: int) -> float | None:
        """The change in attendance, recent over before, in percentage points; None if either is unknown."""
        return change_pp(
            self.recent_counts.get(pupil_id, Counts()).attendance_rate,
            self.before_counts.get(pupil_id, Counts()).attendance_rate,
        )


def compare(db: Session, school: School, year: Period) -> Comparison:
    """Split the register year into its last RECENT_WEEKS school weeks and everything before them."""
    days = db.scalars(
        select(SchoolSession.date)
        .where(SchoolSession.school_id == school.id, SchoolSession.date.between(year.start, year.end))
        .distinct()
    )
    weeks = sorted({week_start(day) for day in days})
    if len(weeks) <= RECENT_WEEKS:  # no school week before the recent ones to compare with
        return Comparison(None, None, {}, {})
    recent = Period(weeks[-RECENT_WEEKS], year.end)
    before = Period(year.start, recent.start - timedelta(days=1))
    return Comparison(before, recent, pupil_counts(db, school, before), pupil_counts(db, school, recent))


def _points(amount: float) -> str:
    return f"{amount:g} percentage point{'' if amount == 1 else 's'}"


def not_improved_because(kind: str, comparison: Comparison, pupil_id: int) -> str | None:
    """Why this pupil's attendance does not earn this praise letter or certificate, or None if it does."""
    needed = NEEDS[kind]
    if comparison.recent is None:
        return f"has no school weeks before the last {RECENT_WEEKS} this year to compare with"
    points = comparison.points(pupil_id)
    if points is None:
        return f"has no attendance both before and during the last {RECENT_WEEKS} school weeks to compare"
    if points < needed:
        return f"has not improved by at least {_points(needed)} in the last {RECENT_WEEKS} school weeks"
    return None


RULE = (
    f"An improvement letter goes only to pupils whose attendance in the last {RECENT_WEEKS} school weeks "
    f"(weeks with registers, up to the letter's date) is at least {_points(IMPROVED_POINTS)} above their "
    f"attendance earlier in the school year; a most-improved certificate needs at least "
    f"{_points(CERTIFICATE_POINTS)}."
)
