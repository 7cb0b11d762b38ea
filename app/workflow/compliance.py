"""Were tasks done on time? Counted in the database per school, cadence and role, or per school and day.

A task counts once it is due, or as soon as it is done (so an early tick counts at once): on time if done
by its due time, late if done after it, missed if it is past due and not done. The on-time rate is on
time over all counted tasks, so late and missed tasks both pull it down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from app.registers.recording import week_start
from app.workflow.models import Cadence, TaskInstance
from tenants.models import Role, School

WINDOW_DAYS = 28  # "the last 4 weeks", today included


@dataclass(frozen=True)
class Tally:
    on_time: int = 0
    late: int = 0
    missed: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.on_time + other.on_time, self.late + other.late, self.missed + other.missed)

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """Percent of counted tasks done on time; None with nothing counted."""
        return self.on_time / self.due * 100 if self.due else None


def window(today: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


def _counts(now: datetime) -> list:
    t = TaskInstance
    done = t.completed_at.is_not(None)
    return [
        func.sum(case((done & (t.completed_at <= t.due_at), 1), else_=0)),
        func.sum(case((done & (t.completed_at > t.due_at), 1), else_=0)),
        func.sum(case((t.completed_at.is_(None) & (t.due_at <= now), 1), else_=0)),
    ]


def _counted(school_ids: Sequence[int], start: date, end: date, now: datetime) -> list:
    t = TaskInstance
    return [t.school_id.in_(school_ids), t.due_on.between(start, end),
            or_(t.due_at <= now, t.completed_at.is_not(None))]  # fmt: skip


def tallies(
    db: Session, school_ids: Sequence[int], start: date, end: date, now: datetime
) -> dict[tuple[int, Cadence, Role], Tally]:
    """On time, late and missed per school, cadence and role, for tasks due from start to end."""
    t = TaskInstance
    rows = db.execute(
        select(t.school_id, t.cadence, t.role, *_counts(now))
        .where(*_counted(school_ids, start, end, now))
        .group_by(t.school_id, t.cadence, t.role)
    )
    return {(s, Cadence(c), Role(r)): Tally(int(a), int(b), int(m)) for s, c, r, a, b, m in rows}


def weekly(
    db: Session, school_ids: Sequence[int], start: date, end: date, now: datetime
) -> dict[tuple[int, date], Tally]:
    """On time, late and missed per school and week (named by its Monday), from daily sums."""
    t = TaskInstance
    rows = db.execute(
        select(t.school_id, t.due_on, *_counts(now))
        .where(*_counted(school_ids, start, end, now))
        .group_by(t.school_id, t.due_on)
    )
    weeks: dict[tuple[int, date], Tally] = defaultdict(Tally)
    for school_id, day, on_time, late, missed in rows:
        key = (school_id, week_start(day))
        weeks[key] = weeks[key] + Tally(int(on_time), int(late), int(missed))
    return dict(weeks)


def summed(found: dict, pick: int) -> dict:
    """Fold a tally dict onto one part of its key (0 school, 1 cadence or week, 2 role)."""
    out: dict = defaultdict(Tally)
    for key, tally in found.items():
        out[key[pick]] = out[key[pick]] + tally
    return dict(out)


@dataclass(frozen=True)
class SchoolCompliance:
    start: date
    end: date
    total: Tally
    by_cadence: dict[Cadence, Tally]
    by_role: dict[Role, Tally]
    weeks: list[tuple[date, Tally]]  # the academic year so far, for the trend
    missed: list[TaskInstance]
    late: list[TaskInstance]


def school_compliance(
    db: Session, school: School, today: date, now: datetime, year_start: date
) -> SchoolCompliance:
    """The last 4 weeks by cadence and role with the tasks missed or done late, and the year's weekly trend."""
    start, end = window(today)
    found = tallies(db, [school.id], start, end, now)
    by_week = weekly(db, [school.id], year_start, end, now)
    t = TaskInstance
    recent = db.scalars(
        select(t)
        .where(
            *_counted([school.id], start, end, now), or_(t.completed_at.is_(None), t.completed_at > t.due_at)
        )
        .order_by(t.due_at.desc(), t.id)
    ).all()
    return SchoolCompliance(
        start=start, end=end, total=sum(found.values(), Tally()),
        by_cadence=summed(found, 1), by_role=summed(found, 2),
        weeks=sorted((week, tally) for (_school, week), tally in by_week.items()),
        missed=[i for i in recent if i.completed_at is None], late=[i for i in recent if i.completed_at is not None],
    )  # fmt: skip
