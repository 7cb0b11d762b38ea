"""Measures for any period from the rollups (raw marks only for the part-weeks at either end)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.registers.codes import CODES
from app.registers.marks import Mark, MarkAmendment, PupilWeek
from app.registers.measures import COUNTERS, Counts, contribution
from app.registers.models import Pupil
from app.registers.recording import week_start
from tenants.models import School

ATTENDANCE_FIELDS = (
    "upn", "possible_sessions", "present_sessions", "aea_sessions", "authorised_sessions",
    "unauthorised_sessions", "late_sessions", "attendance_rate", "absence_rate", "persistent", "severe",
)  # fmt: skip
AMENDMENT_FIELDS = (
    "upn", "date", "session", "original_code", "new_code", "reason", "amended_at", "amended_by_name",
    "amended_by_title",
)  # fmt: skip


def academic_year_start(day: date) -> date:
    """The academic year runs 1 August to 31 July."""
    return date(day.year if day.month >= 8 else day.year - 1, 8, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def year_to_date(cls, today: date) -> Period:
        return cls(academic_year_start(today), today)


def pupil_counts(db: Session, school: School, period: Period) -> dict[int, Counts]:
    """Counts per pupil: whole weeks from pupil_weeks, the part-weeks at the edges from marks."""
    first_full = week_start(period.start) + (timedelta(0) if period.start.weekday() == 0 else timedelta(7))
    last_full = week_start(period.end) - (timedelta(0) if period.end.weekday() >= 4 else timedelta(7))
    totals: dict[int, Counts] = defaultdict(Counts)
    if first_full <= last_full:
        sums = [func.sum(getattr(PupilWeek, name)) for name in COUNTERS]
        rows = db.execute(
            select(PupilWeek.pupil_id, *sums)
            .where(PupilWeek.school_id == school.id, PupilWeek.week_start.between(first_full, last_full))
            .group_by(PupilWeek.pupil_id)
        )
        for pupil_id, *values in rows:
            totals[pupil_id] = Counts(*(int(v or 0) for v in values))
        edges = [(period.start, first_full - timedelta(days=1)), (last_full + timedelta(days=7), period.end)]
    else:
        edges = [(period.start, period.end)]
    for start, end in edges:
        if start > end:
            continue
        marks = db.execute(
            select(Mark.pupil_id, Mark.code, Mark.minutes_late).where(
                Mark.school_id == school.id, Mark.date.between(start, end)
            )
        )
        for pupil_id, code, minutes in marks:
            totals[pupil_id] = totals[pupil_id] + Counts(*contribution(CODES[code], minutes))
    return totals


def pupils_in_period(db: Session, school: School, period: Period) -> list[Pupil]:
    """Pupils on roll at any time in the period."""
    return list(
        db.scalars(
            select(Pupil)
            .where(Pupil.school_id == school.id, Pupil.admission_date <= period.end)
            .where(Pupil.leaving_date.is_(None) | (Pupil.leaving_date >= period.start))
            .order_by(Pupil.upn)
        )
    )


def attendance_rows(db: Session, school: School, period: Period) -> list[dict]:
    """Per-pupil rows for `turnout report attendance` (design.md fields, rates unrounded)."""
    counts = pupil_counts(db, school, period)
    rows = []
    for pupil in pupils_in_period(db, school, period):
        c = counts.get(pupil.id, Counts())
        rows.append(
            {
                "upn": pupil.upn,
                "possible_sessions": c.possible,
                "present_sessions": c.present,
                "aea_sessions": c.aea,
                "authorised_sessions": c.authorised,
                "unauthorised_sessions": c.unauthorised,
                "late_sessions": c.late,
                "attendance_rate": c.attendance_rate,
                "absence_rate": c.absence_rate,
                "persistent": c.persistent,
                "severe": c.severe,
            }
        )
    return rows


def amendment_rows(db: Session, school: School, upn: str | None = None) -> list[dict]:
    """The register amendment history, oldest first."""
    query = (
        select(MarkAmendment, Pupil.upn)
        .join(Pupil, (Pupil.school_id == MarkAmendment.school_id) & (Pupil.id == MarkAmendment.pupil_id))
        .where(MarkAmendment.school_id == school.id)
        .order_by(MarkAmendment.amended_at, MarkAmendment.date, MarkAmendment.session)
    )
    if upn:
        query = query.where(Pupil.upn == upn.strip().upper())
    return [
        {
            "upn": pupil_upn,
            "date": a.date.isoformat(),
            "session": a.session,
            "original_code": a.original_code,
            "new_code": a.new_code,
            "reason": a.reason,
            "amended_at": a.amended_at.isoformat(),
            "amended_by_name": a.amended_by_name,
            "amended_by_title": a.amended_by_title,
        }
        for a, pupil_upn in db.execute(query)
    ]
